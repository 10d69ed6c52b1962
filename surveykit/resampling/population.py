"""Simulating data from a population model written in lavaan syntax.

A *population model* gives every parameter a value::

    ind60 =~ 0.9*x1 + 0.8*x2 + 0.7*x3
    dem60 =~ 0.8*y1 + 0.7*y2 + 0.7*y3
    dem60 ~ 0.4*ind60

It compiles to a parameter table (:func:`surveykit.sem.partable.build_partable`) whose rows
are all fixed, and its RAM form (:class:`surveykit.sem.ram.RamModel`) gives the
model-implied covariance matrix ``Sigma = F (I - A)^-1 S (I - A)^-T F'``; data are drawn
from ``N(0, Sigma)``.

Values that are not written (the conventions of lavaan's ``simulateData``):

* a (residual) variance: 1;
* a covariance between two variables: 0 (exogenous factors are uncorrelated unless a
  ``F1 ~~ 0.3*F2`` line says otherwise);
* a loading or regression: not allowed; write its value.

With ``standardized=True`` the values are standardized: loadings, regressions and
``~~`` lines between two different variables are read in the metric where every observed
and latent variable has variance 1, so a ``~~`` value is a correlation (of two exogenous
variables, or of two residuals).  Exogenous variables get variance 1 and every residual
variance is derived, ``1 - R^2``; writing a variance is then an error.  An impossible
model (R^2 >= 1 for a variable, or a covariance matrix that is not positive definite)
is refused with the variable named.

Ordinal data: ``ordinal`` cuts the standardized continuous values at thresholds into
categories ``1 .. K`` (the latent-response formulation of Likert items); an int ``K``
means equal-probability thresholds ``Phi^-1(k/K)``.  Missing data: ``missing`` is an MCAR
proportion of cells set to missing (per variable when a dict).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from surveykit._core.rng import make_rng
from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.sem.partable import ParTable, build_partable
from surveykit.sem.ram import RamModel

__all__ = ["PopulationModel", "population_model", "simulate_model"]


@dataclass(frozen=True)
class PopulationModel:
    """A population model with every parameter fixed, and the covariance it implies."""

    syntax: str
    standardized: bool
    partable: ParTable  # every row fixed (free = 0) at its population value (ustart)
    names: tuple[str, ...]  # observed variables, the columns of simulated data
    cov: np.ndarray  # model-implied covariance of the observed variables
    total_cov: np.ndarray  # of all variables, observed then latent

    def values(self) -> pd.DataFrame:
        """lhs, op, rhs, value of every parameter (derived variances included)."""
        t = self.partable.table
        return pd.DataFrame({"lhs": t["lhs"].to_numpy(), "op": t["op"].to_numpy(), "rhs": t["rhs"].to_numpy(),
                             "value": t["ustart"].to_numpy(dtype=float)})

    def implied_cov(self) -> pd.DataFrame:
        return pd.DataFrame(self.cov, index=list(self.names), columns=list(self.names))


def _line(t: pd.DataFrame, r: int) -> str:
    return f"{t['lhs'].iloc[r]} {t['op'].iloc[r]} {t['rhs'].iloc[r]}"


def population_model(syntax: str, *, standardized: bool = False) -> PopulationModel:
    """Compile a population model (see module docstring); refuses missing or impossible values."""
    if not isinstance(syntax, str):
        raise ModelSpecificationError("The population model must be lavaan syntax given as a string.")
    pt = build_partable(syntax, std_lv=True, fixed_x=False, auto_cov_y=False, orthogonal=True)
    t = pt.table.reset_index(drop=True)
    if pt.defined:
        raise ModelSpecificationError(
            f"Population model line {pt.defined[0].line}: a population model takes no ':=' lines; "
            "define indirect effects in the analysis model.")
    if any(op in ("~1", "|") for op in t["op"]):
        raise ModelSpecificationError("Population model: intercepts (~ 1) and thresholds (|) are not supported; "
                                      "data are drawn with mean 0 (use ordinal= for categories).")
    labelled = [r for r in range(len(t)) if t["label"].iloc[r]]
    if labelled:
        raise ModelSpecificationError(
            f"Population model line {t['line'].iloc[labelled[0]]}: '{_line(t, labelled[0])}' has a label; a "
            "population model gives values (e.g. 'y ~ 0.3*x'), not labels.")
    names = tuple(pt.ov_names) + tuple(pt.lv_names)
    idx = {n: i for i, n in enumerate(names)}
    ops, lhs, rhs, user = t["op"].to_numpy(), t["lhs"].to_numpy(), t["rhs"].to_numpy(), t["user"].to_numpy()
    free = t["free"].to_numpy() > 0
    value = t["ustart"].to_numpy(dtype=float).copy()
    directed = (ops == "=~") | (ops == "~")
    for r in np.flatnonzero(free & directed):
        raise ModelSpecificationError(
            f"Population model line {t['line'].iloc[r]}: '{_line(t, r)}' has no value; write it as e.g. "
            f"'{lhs[r]} {ops[r]} 0.5*{rhs[r]}'.")
    is_var = (ops == "~~") & (lhs == rhs)
    is_cov = (ops == "~~") & (lhs != rhs)
    for r in np.flatnonzero(free & (ops == "~~") & (user == 1)):
        raise ModelSpecificationError(
            f"Population model line {t['line'].iloc[r]}: '{_line(t, r)}' has no value; write it as e.g. "
            f"'{lhs[r]} ~~ 0.3*{rhs[r]}'.")
    default_var = is_var & (user == 0)
    value[default_var] = 1.0
    value[is_cov & np.isnan(value)] = 0.0
    m = len(names)
    A = np.zeros((m, m))
    for r in np.flatnonzero(directed):
        to, frm = (idx[rhs[r]], idx[lhs[r]]) if ops[r] == "=~" else (idx[lhs[r]], idx[rhs[r]])
        A[to, frm] = value[r]
    try:
        B = np.linalg.inv(np.eye(m) - A)
    except np.linalg.LinAlgError:
        raise ModelSpecificationError("Population model: the paths form a loop with total effect 1; "
                                      "(I - A) is singular.") from None
    endo = np.abs(A).sum(axis=1) > 0
    var_i = np.array([idx[v] for v in lhs[is_var]])
    var_rows = np.flatnonzero(is_var)
    cov_rows = np.flatnonzero(is_cov)
    ci = np.array([idx[v] for v in lhs[cov_rows]], dtype=int)
    cj = np.array([idx[v] for v in rhs[cov_rows]], dtype=int)
    S = np.zeros((m, m))
    if standardized:
        for r in var_rows:
            if user[r] == 1:
                raise ModelSpecificationError(
                    f"Population model line {t['line'].iloc[r]}: with standardized=True variances are derived "
                    f"(exogenous 1, residual 1 - R^2); remove '{_line(t, r)}'.")
        corr = value[cov_rows]
        bad = np.flatnonzero(np.abs(corr) >= 1)
        if len(bad):
            r = cov_rows[bad[0]]
            raise ModelSpecificationError(f"Population model line {t['line'].iloc[r]}: '{_line(t, r)}' is read as a "
                                          f"correlation (standardized=True) and must lie strictly between -1 and 1.")
        psi = np.where(endo, 0.0, 1.0)
        for _ in range(1000):
            S[:] = 0.0
            np.fill_diagonal(S, psi)
            off = corr * np.sqrt(np.clip(psi[ci], 0, None) * np.clip(psi[cj], 0, None))
            S[ci, cj] = off
            S[cj, ci] = off
            C = B @ S @ B.T
            gap = 1.0 - np.diag(C)
            psi = np.where(endo, psi + gap, psi)
            if np.max(np.abs(gap)) < 1e-14:
                break
        else:
            raise ModelSpecificationError("Population model: the residual variances of the standardized model "
                                          "could not be derived (feedback loops?); give raw values instead.")
        neg = [names[i] for i in np.flatnonzero(endo & (psi <= 0))]
        if neg:
            raise ModelSpecificationError(
                f"Population model: the paths into {', '.join(neg)} explain all of its variance or more "
                "(R^2 >= 1 with standardized=True); lower the loadings or paths.")
        value[var_rows] = psi[var_i]
        value[cov_rows] = S[ci, cj]
    else:
        S[var_i, var_i] = value[var_rows]
        S[ci, cj] = value[cov_rows]
        S[cj, ci] = value[cov_rows]
    C = B @ S @ B.T
    p = len(pt.ov_names)
    eig = np.linalg.eigvalsh(C[:p, :p])
    if eig.min() <= 1e-10 * max(eig.max(), 1e-300):
        raise ModelSpecificationError(
            "Population model: the implied covariance matrix of the observed variables is not positive definite "
            f"(smallest eigenvalue {eig.min():.3g}); check the variances and covariances you gave.")
    table = t.assign(free=0, ustart=value)
    pop_pt = dataclasses.replace(pt, table=table)
    # the RAM form of the all-fixed table is the one definition of Sigma (theta is a dummy:
    # no row is free)
    sigma, c_all, _ = RamModel.from_partable(pop_pt).implied(np.zeros(1))
    return PopulationModel(syntax=syntax, standardized=bool(standardized), partable=pop_pt,
                           names=tuple(pt.ov_names), cov=sigma, total_cov=c_all)


def _thresholds(ordinal, names: tuple[str, ...]) -> dict[int, np.ndarray]:
    """Column index -> increasing thresholds on the standardized scale."""
    if ordinal is None:
        return {}

    def one(spec, where: str) -> np.ndarray:
        if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
            if spec < 2:
                raise SpecError(f"{where}: {spec} categories; give at least 2.")
            return stats.norm.ppf(np.arange(1, spec) / spec)
        thr = np.asarray(spec, dtype=float)
        if thr.ndim != 1 or not len(thr) or not np.all(np.isfinite(thr)) or np.any(np.diff(thr) <= 0):
            raise SpecError(f"{where}: thresholds must be a non-empty list of increasing numbers, got {spec!r}.")
        return thr

    if isinstance(ordinal, Mapping):
        unknown = [k for k in ordinal if k not in names]
        if unknown:
            raise SpecError(f"ordinal names {', '.join(map(repr, unknown))}, not observed variables of the "
                            f"population model ({', '.join(names)}).")
        return {names.index(k): one(v, f"ordinal[{k!r}]") for k, v in ordinal.items()}
    if isinstance(ordinal, (int, np.integer, Sequence, np.ndarray)) and not isinstance(ordinal, (str, bool)):
        thr = one(ordinal, "ordinal")
        return {i: thr for i in range(len(names))}
    raise SpecError(f"ordinal must be None, a number of categories, a list of thresholds or a dict of them, "
                    f"not {type(ordinal).__name__}.")


def _missing(missing, names: tuple[str, ...]) -> np.ndarray:
    """Proportion of missing cells per column."""
    if isinstance(missing, Mapping):
        unknown = [k for k in missing if k not in names]
        if unknown:
            raise SpecError(f"missing names {', '.join(map(repr, unknown))}, not observed variables of the "
                            "population model.")
        prop = np.array([float(missing.get(v, 0.0)) for v in names])
    elif isinstance(missing, (int, float, np.floating, np.integer)) and not isinstance(missing, bool):
        prop = np.full(len(names), float(missing))
    else:
        raise SpecError(f"missing must be a proportion or a dict of proportions, not {type(missing).__name__}.")
    if np.any((prop < 0) | (prop >= 1)) or not np.all(np.isfinite(prop)):
        raise SpecError(f"missing proportions must lie in [0, 1), got {missing!r}.")
    return prop


@dataclass(frozen=True)
class _Sampler:
    """What one draw needs (picklable, no pandas): Cholesky factor, thresholds, missing rates."""

    chol: np.ndarray
    sd: np.ndarray
    thresholds: dict[int, np.ndarray]
    missing: np.ndarray

    @classmethod
    def build(cls, pop: PopulationModel, ordinal=None, missing=0.0) -> _Sampler:
        return cls(chol=np.linalg.cholesky(pop.cov), sd=np.sqrt(np.diag(pop.cov)),
                   thresholds=_thresholds(ordinal, pop.names), missing=_missing(missing, pop.names))

    def draw(self, n: int, gen: np.random.Generator) -> np.ndarray:
        x = gen.standard_normal((n, len(self.sd))) @ self.chol.T
        for j, thr in self.thresholds.items():
            x[:, j] = 1.0 + np.searchsorted(thr, x[:, j] / self.sd[j])
        if np.any(self.missing > 0):
            x[gen.random(x.shape) < self.missing] = np.nan
        return x


def _population(population, standardized: bool) -> PopulationModel:
    if isinstance(population, PopulationModel):
        if standardized and not population.standardized:
            raise SpecError("standardized=True was given with a population model compiled with standardized=False.")
        return population
    return population_model(population, standardized=standardized)


def simulate_model(
    population: str | PopulationModel,
    n: int,
    *,
    rng=None,
    standardized: bool = False,
    ordinal=None,
    missing: float | Mapping[str, float] = 0.0,
) -> pd.DataFrame:
    """Draw ``n`` rows of the observed variables of a population model.

    Parameters
    ----------
    population : str or PopulationModel
        lavaan syntax with a value for every loading and regression (see the module
        docstring for defaults and ``standardized``), or :func:`population_model`'s result.
    n : int
        Number of rows.
    rng : int, numpy Generator or None
        Seed or generator; the same seed gives the same data.
    standardized : bool
        Read the values as standardized ones and derive the residual variances.
    ordinal : int, list of float or dict, optional
        Cut variables into categories 1..K: K equal-probability categories (int), the same
        thresholds on the standardized scale for every variable (list), or per variable (dict).
    missing : float or dict
        MCAR proportion of missing cells (all variables, or per variable).

    Returns
    -------
    DataFrame
        One column per observed variable; categories are floats when missing values occur.

    Examples
    --------
    >>> from surveykit.resampling import simulate_model
    >>> df = simulate_model("f =~ 0.8*y1 + 0.7*y2 + 0.6*y3\\ny4 ~ 0.5*f", 500, rng=1, standardized=True)
    >>> df.shape
    (500, 4)
    """
    pop = _population(population, standardized)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SpecError(f"n={n!r} must be a positive int.")
    gen, _ = make_rng(rng)
    sampler = _Sampler.build(pop, ordinal, missing)
    x = sampler.draw(int(n), gen)
    df = pd.DataFrame(x, columns=list(pop.names))
    if sampler.thresholds and not np.isnan(x).any():
        cols = [pop.names[j] for j in sampler.thresholds]
        df[cols] = df[cols].astype(np.int64)
    return df
