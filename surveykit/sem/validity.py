"""Construct validity of a fitted measurement model: CR, AVE, MSV/ASV, Fornell-Larcker, HTMT.

Everything is computed from the fit's public accessors (parameter estimates, sample and
model-implied covariance matrices), with semTools 0.5-6's definitions; the kernels are in
:mod:`surveykit._core.validity`.  No threshold is applied here: the result gives the numbers,
the reporting layer applies a convention profile (e.g. CR > .70, AVE > .50, HTMT < .85/.90).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from surveykit._core.validity import (
    average_variance_extracted,
    composite_reliability,
    cor_from_cov,
    htmt_matrix,
    shared_variance,
)
from surveykit.errors import SpecError
from surveykit.results import ResultMixin, Summary, to_jsonable
from surveykit.sem.results import SEMResult

__all__ = ["ValidityResult", "validity"]

_TABLE_COLUMNS = ["n_items", "cr", "cr_obs", "ave", "ave_implied", "ave_std", "sqrt_ave", "msv", "asv",
                  "sqrt_ave_gt_max_r"]


@dataclass(frozen=True, repr=False)
class ValidityResult(ResultMixin):
    """Reliability, convergent and discriminant validity of the factors of one fit.

    Attributes (each returns a new DataFrame):

    * ``table`` - one row per factor (index ``factor``): ``n_items``, ``cr``, ``cr_obs``,
      ``ave``, ``ave_implied``, ``ave_std``, ``sqrt_ave``, ``msv``, ``asv`` and
      ``sqrt_ave_gt_max_r`` (see :func:`validity`);
    * ``factor_cor`` - the model-implied factor correlations (lavaan ``lavInspect(fit, "cor.lv")``);
    * ``fornell_larcker`` - ``factor_cor`` with ``sqrt_ave`` on the diagonal;
    * ``htmt`` - the heterotrait-monotrait ratios (diagonal 1).
    """

    items: dict[str, tuple[str, ...]]
    htmt2: bool
    nobs: int
    _table: pd.DataFrame = field(repr=False)
    _factor_cor: pd.DataFrame = field(repr=False)
    _htmt: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def table(self) -> pd.DataFrame:
        return self._table.copy()

    @property
    def factor_cor(self) -> pd.DataFrame:
        return self._factor_cor.copy()

    @property
    def fornell_larcker(self) -> pd.DataFrame:
        fl = self._factor_cor.copy()
        for f in fl.index:
            fl.loc[f, f] = self._table.loc[f, "sqrt_ave"]
        return fl

    @property
    def htmt(self) -> pd.DataFrame:
        return self._htmt.copy()

    # -- conversion and display ------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        return self._table.reset_index()

    def to_dict(self) -> dict[str, Any]:
        def matrix(df: pd.DataFrame) -> dict:
            return {r: {c: df.loc[r, c] for c in df.columns} for r in df.index}

        return to_jsonable({
            "nobs": self.nobs,
            "htmt2": self.htmt2,
            "items": {k: list(v) for k, v in self.items.items()},
            "table": self._table.reset_index(),
            "factor_cor": matrix(self._factor_cor),
            "fornell_larcker": matrix(self.fornell_larcker),
            "htmt": matrix(self._htmt),
            "notes": list(self.notes),
        })

    def _repr_line(self) -> str:
        return f"ValidityResult factors={len(self.items)} nobs={self.nobs} htmt2={self.htmt2}"

    def summary(self) -> Summary:
        t = self._table.reset_index()[["factor", "n_items", "cr", "cr_obs", "ave", "sqrt_ave", "msv", "asv"]]

        def lower(df: pd.DataFrame, diag: bool) -> pd.DataFrame:
            out = df.copy()
            k = len(out)
            mask = np.triu(np.ones((k, k), dtype=bool), k=0 if not diag else 1)
            out = out.mask(mask)
            return out.reset_index(names="factor")

        name = "HTMT2 (geometric means)" if self.htmt2 else "HTMT (arithmetic means)"
        return Summary(
            title=f"Construct validity ({len(self.items)} factors, {self.nobs} observations)",
            tables=(
                ("Reliability and convergent validity", t),
                ("Fornell-Larcker (sqrt(AVE) on the diagonal, factor correlations below)",
                 lower(self.fornell_larcker, diag=True)),
                (name, lower(self._htmt, diag=False)),
            ),
            notes=self.notes,
        )


def _single_group(pe: pd.DataFrame) -> pd.DataFrame:
    if "group" in pe.columns:
        groups = pd.unique(pe["group"].dropna())
        if len(groups) > 1:
            raise SpecError(
                f"validity() handles a single-group fit; this fit has {len(groups)} groups. "
                "Fit the measurement model in each group separately and call validity() on each fit."
            )
    return pe


def _latent_cov(pe: pd.DataFrame, ov: tuple[str, ...], lv: tuple[str, ...]) -> np.ndarray:
    """Model-implied covariance matrix of the latent variables (lavaan's ``cov.lv``).

    Built in RAM form from the estimates: ``C = (I - A)^-1 S (I - A)^-T`` over all variables,
    so regressions among factors (and on observed covariates) are included.
    """
    names = list(ov) + list(lv)
    idx = {n: i for i, n in enumerate(names)}
    m = len(names)
    a = np.zeros((m, m))
    s = np.zeros((m, m))
    for lhs, op, rhs, est in zip(pe["lhs"], pe["op"], pe["rhs"], pe["est"]):
        if lhs not in idx or rhs not in idx:
            continue
        if op == "=~":
            a[idx[rhs], idx[lhs]] = est
        elif op == "~":
            a[idx[lhs], idx[rhs]] = est
        elif op == "~~":
            s[idx[lhs], idx[rhs]] = s[idx[rhs], idx[lhs]] = est
    b = np.linalg.inv(np.eye(m) - a)
    c = b @ s @ b.T
    k = [idx[f] for f in lv]
    return c[np.ix_(k, k)]


def _is_categorical(fit: SEMResult) -> bool:
    ordered = getattr(fit, "ordered", None)
    return fit.estimator == "WLSMV" or bool(ordered)


def _check_fit(fit) -> None:
    if not isinstance(fit, SEMResult):
        raise SpecError(f"validity() needs a fitted model (the result of cfa() or sem()), not {type(fit).__name__}.")
    if _is_categorical(fit):
        raise SpecError(
            "validity() handles continuous indicators; for ordered indicators (WLSMV) composite "
            "reliability needs the categorical omega of semTools (not available yet)."
        )


def _indicators(pe: pd.DataFrame, ov: tuple[str, ...],
                lv: tuple[str, ...]) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]], list[str]]:
    """The nonzero loadings on observed indicators, the items of every retained factor and the
    retained factors (two or more observed indicators; semTools' ``dropSingle``)."""
    ov_set = set(ov)
    loads = pe[(pe["op"] == "=~") & pe["rhs"].isin(ov_set) & pe["lhs"].isin(set(lv))]
    loads = loads[loads["est"] != 0]
    items = {f: tuple(loads.loc[loads["lhs"] == f, "rhs"]) for f in lv}
    factors = [f for f in lv if len(items[f]) > 1]
    if not factors:
        raise SpecError("The model has no factor with two or more observed indicators; validity() has nothing to do.")
    return loads, {f: items[f] for f in factors}, factors


def _cross_loading(kept: pd.DataFrame) -> set[str]:
    """The indicators loading (round(., 5) != 0, as semTools) on more than one retained factor."""
    n_load = kept[kept["est"].round(5) != 0].groupby("rhs")["lhs"].nunique()
    return set(n_load[n_load > 1].index)


def _factor_table(kept: pd.DataFrame, items: dict[str, tuple[str, ...]], factors: list[str], phi: np.ndarray,
                  cor: np.ndarray, implied: pd.DataFrame, sample: pd.DataFrame, cross: set[str]) -> pd.DataFrame:
    """One row per factor: CR, AVE (NaN with cross-loading items), MSV/ASV and the Fornell-Larcker
    criterion (the columns of :func:`validity`)."""
    rows = []
    for j, f in enumerate(factors):
        its = list(items[f])
        fl = kept[kept["lhs"] == f]
        lam = fl["est"].to_numpy(dtype=float)
        ph = float(phi[j, j])
        s_imp = implied.loc[its, its].to_numpy()
        s_obs = sample.loc[its, its].to_numpy()
        has_cross = any(i in cross for i in its)
        ave = np.nan if has_cross else average_variance_extracted(lam, ph, np.diag(s_obs))
        ave_imp = np.nan if has_cross else average_variance_extracted(lam, ph, np.diag(s_imp))
        rows.append({
            "factor": f,
            "n_items": len(its),
            "cr": composite_reliability(lam, ph, s_imp),
            "cr_obs": composite_reliability(lam, ph, s_obs),
            "ave": ave,
            "ave_implied": ave_imp,
            "ave_std": float(np.mean(fl["std_all"].to_numpy(dtype=float) ** 2)),
        })
    table = pd.DataFrame(rows).set_index("factor")
    table["sqrt_ave"] = np.sqrt(table["ave"].where(table["ave"] >= 0))
    msv, asv = shared_variance(cor)
    table["msv"] = msv
    table["asv"] = asv
    crit = [None if not (np.isfinite(a) and np.isfinite(m)) else bool(a > m)
            for a, m in zip(table["ave"], table["msv"])]
    table["sqrt_ave_gt_max_r"] = pd.Series(crit, index=table.index, dtype=object)
    return table[_TABLE_COLUMNS]


def _htmt(sample: pd.DataFrame, items: dict[str, tuple[str, ...]], factors: list[str], htmt2: bool,
          absolute: bool) -> np.ndarray:
    """HTMT on the sample correlations of the retained factors' indicators."""
    all_items = list(dict.fromkeys(i for f in factors for i in items[f]))
    r = cor_from_cov(sample.loc[all_items, all_items].to_numpy())
    pos = {it: k for k, it in enumerate(all_items)}
    blocks = [np.array([pos[i] for i in items[f]]) for f in factors]
    return htmt_matrix(r, blocks, geometric=htmt2, absolute=absolute)


def _notes(nobs: int, htmt2: bool, cross: set[str]) -> tuple[str, ...]:
    notes = [
        "cr: composite reliability with the model-implied indicator covariances (semTools compRelSEM, "
        "obs.var = FALSE); cr_obs: with the sample covariances (obs.var = TRUE).",
        "ave: semTools AVE (sample item variances); sqrt_ave: its square root; msv/asv: maximum/average "
        "squared correlation with the other factors.",
        f"HTMT from the sample correlations of the {nobs} rows used in the fit"
        f" ({'geometric means, HTMT2' if htmt2 else 'arithmetic means'}).",
        "No thresholds are applied.",
    ]
    if cross:
        notes.append(f"AVE is not defined for factors with cross-loading items ({', '.join(sorted(cross))}).")
    return tuple(notes)


def validity(fit: SEMResult, *, htmt2: bool = True, absolute: bool = True) -> ValidityResult:
    r"""Composite reliability, AVE, MSV/ASV, the Fornell-Larcker matrix and HTMT of a fitted CFA/SEM.

    For each factor f with at least two observed indicators I (indicators with a nonzero
    loading; single-indicator and higher-order factors are skipped, semTools' ``dropSingle``),
    with unstandardized loadings :math:`\lambda_i`, model-implied factor variance
    :math:`\phi_f` and indicator covariance matrix :math:`\Sigma_{II}`:

    ``cr``
        :math:`(\sum_i \lambda_i)^2 \phi_f / \mathbf 1'\hat\Sigma_{II}\mathbf 1` with the
        **model-implied** :math:`\hat\Sigma` (so residual covariances and cross-loadings count
        in the denominator); semTools ``compRelSEM(fit, obs.var = FALSE)``.  Without residual
        covariances and cross-loadings this is Raykov's / Fornell and Larcker's composite
        reliability :math:`(\sum\lambda)^2\phi / ((\sum\lambda)^2\phi + \sum\theta_{ii})`.
    ``cr_obs``
        The same with the **sample** covariance matrix :math:`S_{II}` in the denominator
        (``compRelSEM(fit)``, semTools' default ``obs.var = TRUE``).
    ``ave``
        :math:`\sum_i \lambda_i^2 \phi_f / \sum_i s_{ii}`: semTools ``AVE(fit)`` (default
        ``obs.var = TRUE``: the sample variances of the items; unstandardized loadings, so
        items with larger variance weigh more).  NaN when an indicator of f also loads on another
        factor (semTools does the same).
    ``ave_implied``
        The same with the model-implied variances :math:`\hat\sigma_{ii}` (``AVE(fit, obs.var =
        FALSE)``); this is Fornell and Larcker's (1981) formula
        :math:`\sum\lambda^2\phi / (\sum\lambda^2\phi + \sum\theta_{ii})`.
    ``ave_std``
        The mean squared completely standardized loading, the textbook shortcut (e.g. Hair et
        al.); equal to ``ave_implied`` only when all items have the same implied variance.
    ``sqrt_ave``
        :math:`\sqrt{\text{ave}}`.
    ``msv``, ``asv``
        The maximum and the average squared model-implied correlation of f with the other
        factors in the table.
    ``sqrt_ave_gt_max_r``
        Fornell-Larcker criterion: ``sqrt_ave`` exceeds every ``|r|`` of f with another factor
        (equivalently ``ave > msv``); ``None`` when either is undefined.

    ``factor_cor`` is the model-implied factor correlation matrix (lavaan ``cor.lv``), which for
    exogenous factors equals the standardized factor covariances.

    ``htmt`` is semTools' ``htmt()`` computed on the correlation matrix of the fit's sample
    covariance matrix (``fit.sample_cov()``): with listwise deletion these are Pearson
    correlations on the rows complete on every model variable, exactly what
    ``semTools::htmt(model, data)`` uses (``lavCor(data, missing = "listwise")``) when the model's
    variables are the factors' indicators.  In a structural model with further observed
    variables the fit may use fewer rows than ``htmt(model, data)`` would.  Correlations are
    taken in absolute value (``absolute=True``, semTools' default; always with ``htmt2``).
    ``htmt2=True`` (semTools 0.5-6's default) uses geometric means of the correlations (HTMT2,
    Roemer, Schuberth & Henseler 2021), ``htmt2=False`` the arithmetic means of Henseler, Ringle
    and Sarstedt (2015).  An item loading on two factors is kept in both blocks; its correlation
    with itself is never used.

    Validated against: semTools 0.5-6 ``compRelSEM``, ``AVE``, ``htmt`` and lavaan 0.6.14
    ``lavInspect(fit, "cor.lv")`` (Holzinger-Swineford 3-factor CFA, the same with a
    cross-loading and a residual covariance, the demo's eight-factor CFA, the bfi five-factor CFA;
    tolerance 1e-4).

    Parameters
    ----------
    fit : SEMResult
        A single-group fit with continuous indicators (``cfa()``/``sem()``).
    htmt2 : bool
        Geometric (True, default) or arithmetic (False) means in HTMT.
    absolute : bool
        Use absolute correlations in HTMT (forced with ``htmt2``).

    Examples
    --------
    >>> import surveykit as sk
    >>> from surveykit.sem import validity
    >>> hs = sk.datasets.holzinger_swineford()
    >>> fit = sk.cfa("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", hs)
    >>> v = validity(fit)
    >>> print(round(v.table.loc["textual", "cr"], 4))
    0.8852
    """
    _check_fit(fit)
    pe = _single_group(fit.parameter_estimates())
    ov, lv = tuple(fit.partable.ov_names), tuple(fit.partable.lv_names)
    loads, items, factors = _indicators(pe, ov, lv)
    lv_idx = [lv.index(f) for f in factors]
    phi = _latent_cov(pe, ov, lv)[np.ix_(lv_idx, lv_idx)]
    cor = cor_from_cov(phi)
    sample = fit.sample_cov()
    kept = loads[loads["lhs"].isin(factors)]
    cross = _cross_loading(kept)
    return ValidityResult(
        items=items, htmt2=bool(htmt2), nobs=int(fit.nobs),
        _table=_factor_table(kept, items, factors, phi, cor, fit.implied_cov(), sample, cross),
        _factor_cor=pd.DataFrame(cor, index=factors, columns=factors),
        _htmt=pd.DataFrame(_htmt(sample, items, factors, htmt2, absolute), index=factors, columns=factors),
        notes=_notes(fit.nobs, htmt2, cross),
    )
