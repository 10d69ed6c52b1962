"""Simulating survey data from a population structural model written down as data.

The population (a YAML file, validated by :class:`Population`) states, in the standardized
metric, the correlations of the exogenous constructs, the structural paths (lavaan syntax
with fixed values), every item's loading, and the latent-response thresholds that turn a
continuous response into a Likert category.  Generation:

1. exogenous construct scores ~ N(0, Phi);
2. endogenous constructs in causal order: ``eta = sum(beta * x) + sum(gamma * (a b - E[a b])) + zeta``
   with the residual variance chosen so that every construct has variance 1 (paths stay
   standardized).  A product term (``latent.interactions``, e.g. ``"EXE ~ STY:MEC": 0.15``) is the
   centred product of two constructs that are themselves normal (exogenous, or linear in normal
   constructs), so its variances and covariances follow from Isserlis' theorem:
   ``Var(ab) = s_aa s_bb + s_ab^2``, ``Cov(ab, cd) = s_ac s_bd + s_ad s_bc``, zero covariance with
   every normal construct (odd moments vanish); the value is the coefficient of the product of the
   standardized constructs.  Product terms draw no random numbers, so adding one changes only its
   outcome and what follows it;
3. latent responses ``y* = lambda * eta + sqrt(1 - lambda^2) * e``, cut at the thresholds
   into categories ``min..max`` of the item's scale (keyed direction); a reverse-keyed item
   is stored as the respondent answers it, ``min + max - category``;
4. optional careless respondents (straight-liners, random fast responders) and declared
   missing codes placed at random.

Every draw comes from one ``numpy.random.Generator`` seeded by ``rng``; the same seed gives
the same data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from surveykit._core.rng import make_rng
from surveykit._yaml import read_yaml, validate_as
from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.instrument import Instrument
from surveykit.instrument.schema import Text
from surveykit.sem.syntax import parse_syntax

__all__ = ["Population", "SimulatedSurvey", "load_population", "simulate", "population_paths",
           "population_interactions"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LatentSpec(_M):
    correlation_default: float = Field(0.3, gt=-1, lt=1)
    correlations: dict[str, float] = Field(default_factory=dict, description="'A B': r for exogenous pairs")
    paths: str = Field(description="standardized structural paths in lavaan syntax with values, e.g. 'Y ~ 0.4*X'")
    interactions: dict[str, float] = Field(
        default_factory=dict, description="'Y ~ A:B': the coefficient of the centred product of the standardized "
                                          "constructs A and B in Y's equation")


class MeasurementSpec(_M):
    loading: float = Field(0.75, gt=0, lt=1)
    loadings: dict[str, float] = Field(default_factory=dict)
    thresholds: tuple[float, ...] = Field(description="increasing cut points, one fewer than the scale points")

    @model_validator(mode="after")
    def _inc(self) -> MeasurementSpec:
        if list(self.thresholds) != sorted(self.thresholds):
            raise ValueError("thresholds must be increasing")
        bad = {k: v for k, v in self.loadings.items() if not 0 < abs(v) < 1}
        if bad:
            raise ValueError(f"loadings must lie strictly between -1 and 1: {bad}")
        return self


class MissingSpec(_M):
    rate: float = Field(0.0, ge=0, lt=0.5)
    codes: dict[int, float] = Field(default_factory=dict, description="missing code -> relative frequency")


class CarelessSpec(_M):
    straight_liners: float = Field(0.0, ge=0, lt=0.5)
    speeders: float = Field(0.0, ge=0, lt=0.5)
    speeder_seconds: tuple[float, float] = (40.0, 150.0)


class RespondentSpec(_M):
    categorical: dict[str, dict[int, float]] = Field(default_factory=dict)
    lognormal: dict[str, tuple[float, float, float, float]] = Field(
        default_factory=dict, description="variable -> (meanlog, sdlog, min, max), rounded to integers"
    )


class Population(_M):
    name: str
    description: Text
    instrument: str
    n: int = Field(600, gt=0)
    seed: int = 1
    latent: LatentSpec
    measurement: MeasurementSpec
    missing: MissingSpec = MissingSpec()
    careless: CarelessSpec = CarelessSpec()
    respondent: RespondentSpec = RespondentSpec()


def load_population(path: str | Path) -> Population:
    p = Path(path)
    data = read_yaml(p, what="Population file", error=SpecError)
    return validate_as(Population, data, what="Population file", path=p, error=SpecError)


def population_paths(pop: Population) -> list[tuple[str, str, float]]:
    """The structural paths as (outcome, predictor, standardized value)."""
    out = []
    for r in parse_syntax(pop.latent.paths):
        if r.op != "~" or r.fixed is None:
            raise ModelSpecificationError(
                f"Population paths line {r.line}: write every path as 'Y ~ value*X' (got '{r.lhs} {r.op} {r.rhs}')."
            )
        out.append((r.lhs, r.rhs, float(r.fixed)))
    return out


_PRODUCT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*~\s*([A-Za-z_][\w.]*)\s*:\s*([A-Za-z_][\w.]*)\s*$")


def population_interactions(pop: Population) -> list[tuple[str, str, str, float]]:
    """The product terms as (outcome, first factor, second factor, standardized value)."""
    out = []
    for key, value in pop.latent.interactions.items():
        m = _PRODUCT.match(key)
        if m is None:
            raise SpecError(f"latent.interactions key {key!r} must read 'Y ~ A:B' (the outcome, then the two "
                            "constructs whose product enters its equation).")
        out.append((m.group(1), m.group(2), m.group(3), float(value)))
    return out


@dataclass(frozen=True)
class SimulatedSurvey:
    """Simulated responses and the true values they were generated from."""

    frame: pd.DataFrame  # as a respondent file: ids, items as answered (codes), respondent variables
    latent: pd.DataFrame  # true construct scores
    continuous: pd.DataFrame  # latent responses y* (keyed direction), for checks of the estimator
    careless: pd.Series  # "", "straight_liner" or "speeder"
    true_paths: dict[str, float]  # "Y~X" -> standardized value
    true_loadings: dict[str, float]
    seed: int
    notes: tuple[str, ...] = field(default=())


def _exogenous_cov(names: list[str], spec: LatentSpec) -> np.ndarray:
    k = len(names)
    phi = np.full((k, k), spec.correlation_default)
    np.fill_diagonal(phi, 1.0)
    for pair, r in spec.correlations.items():
        a, _, b = pair.replace("~~", " ").partition(" ")
        a, b = a.strip(), b.strip()
        if a not in names or b not in names:
            raise SpecError(f"latent.correlations key '{pair}' must name two exogenous constructs of {names}.")
        i, j = names.index(a), names.index(b)
        phi[i, j] = phi[j, i] = r
    if np.linalg.eigvalsh(phi).min() <= 0:
        raise SpecError("latent correlations of the exogenous constructs do not form a positive definite matrix.")
    return phi


def _causal_order(codes: list[str], terms) -> tuple[list[str], list[str]]:
    """The endogenous constructs in causal order, and the exogenous ones."""
    endo = list(dict.fromkeys(y for y, _, _ in terms))
    exo = [c for c in codes if c not in endo]
    order: list[str] = []
    pending = list(endo)
    while pending:
        ready = [y for y in pending if all(x not in pending for yy, xs, _ in terms if yy == y for x in xs)]
        if not ready:
            raise SpecError("The population paths contain a feedback loop; simulation needs a recursive model.")
        order += ready
        pending = [y for y in pending if y not in ready]
    return order, exo


def _product_cov(cov: np.ndarray, col: dict, prod: tuple[str, str], other) -> float:
    """Cov of the centred product ``prod`` with ``other`` (a product or a normal construct: 0)."""
    if isinstance(other, tuple):
        (a, b), (c, d) = prod, other
        return cov[col[a], col[c]] * cov[col[b], col[d]] + cov[col[a], col[d]] * cov[col[b], col[c]]
    return 0.0


def _latent_scores(exo, order, terms, spec: LatentSpec, gen, n: int) -> pd.DataFrame:
    """Construct scores: exogenous ~ N(0, Phi), then each endogenous construct in causal order with
    the residual variance that gives it variance 1.  ``cov`` holds the second moments of every
    column so far, constructs and centred products (see the module docstring)."""
    cols: list = list(exo)
    col = {c: i for i, c in enumerate(cols)}
    size = len(exo) + len(order) + sum(len(xs) == 2 for _, xs, _ in terms)
    cov = np.zeros((size, size))
    cov[:len(exo), :len(exo)] = _exogenous_cov(exo, spec)
    eta = np.zeros((n, size))
    eta[:, :len(exo)] = gen.multivariate_normal(np.zeros(len(exo)), cov[:len(exo), :len(exo)], size=n,
                                                method="cholesky")
    normal = set(exo)  # constructs that are linear in normal variables
    beta_of: dict = {}
    for y in order:
        mine = [(xs, b) for yy, xs, b in terms if yy == y]
        for xs, _ in mine:
            if len(xs) == 2 and xs not in col:
                bad = [x for x in xs if x not in normal]
                if bad:
                    raise SpecError(f"latent.interactions '{y} ~ {xs[0]}:{xs[1]}': {bad[0]} depends on a product "
                                    "term itself, so the product's variance has no closed form; use constructs "
                                    "that are exogenous or linear in exogenous ones.")
                j = col[xs] = len(cols)
                for i, other in enumerate(cols):  # in order: a non-normal construct is linear in earlier columns
                    c = (_product_cov(cov, col, xs, other) if isinstance(other, tuple) or other in normal
                         else float(beta_of[other][:j] @ cov[:j, j]))
                    cov[i, j] = cov[j, i] = c
                cov[j, j] = _product_cov(cov, col, xs, xs)
                cols.append(xs)
                eta[:, j] = eta[:, col[xs[0]]] * eta[:, col[xs[1]]] - cov[col[xs[0]], col[xs[1]]]
        j = col[y] = len(cols)
        cols.append(y)
        beta = np.zeros(size)
        for xs, b in mine:
            beta[col[xs[0]] if len(xs) == 1 else col[xs]] += b
        explained = float(beta @ cov @ beta)
        psi = 1.0 - explained
        if psi <= 0:
            raise SpecError(f"The paths into {y} explain {explained:.3f} >= 1 of its variance; lower them.")
        cov[j, :] = beta @ cov
        cov[:, j] = cov[j, :]
        cov[j, j] = 1.0
        beta_of[y] = beta
        if all(len(xs) == 1 and xs[0] in normal for xs, _ in mine):
            normal.add(y)
        eta[:, j] = eta @ beta + np.sqrt(psi) * gen.standard_normal(n)
    return pd.DataFrame({c: eta[:, i] for i, c in enumerate(cols) if isinstance(c, str)})


def simulate(population: Population, instrument: Instrument, *, n: int | None = None, rng=None) -> SimulatedSurvey:
    """Draw a survey of ``n`` respondents from ``population`` (see module docstring).

    ``rng``: an int seed, a ``numpy.random.Generator`` or None (the population's seed); the seed
    used is recorded (:mod:`surveykit._core.rng`).
    """
    gen, seed = make_rng(population.seed if rng is None else rng)
    n = population.n if n is None else int(n)
    codes = [c.code for c in instrument.constructs]
    paths = population_paths(population)
    products = population_interactions(population)
    for y, *xs, _ in [(y, x, b) for y, x, b in paths] + products:
        for v in (y, *xs):
            if v not in codes:
                what = f"{y} ~ {':'.join(xs)}"
                raise SpecError(f"Population path '{what}' names {v!r}, which is not a construct of the instrument.")
    terms = [(y, (x,), b) for y, x, b in paths] + [(y, (a, b), g) for y, a, b, g in products]
    order, exo = _causal_order(codes, terms)
    eta = _latent_scores(exo, order, terms, population.latent, gen, n)
    latent = eta[codes]

    meas = population.measurement
    items = instrument.items
    cont = {}
    frame = {}
    loadings = {}
    for it in items:
        lam = meas.loadings.get(it.id, meas.loading)
        loadings[it.id] = lam
        c = instrument.construct_of(it.id).code
        ystar = lam * latent[c].to_numpy() + np.sqrt(1 - lam**2) * gen.standard_normal(n)
        cont[it.id] = ystar
        sc = instrument.scale_of(it.id)
        if len(meas.thresholds) != sc.max - sc.min:
            raise SpecError(
                f"measurement.thresholds has {len(meas.thresholds)} cut points; item '{it.id}' has "
                f"{sc.max - sc.min + 1} scale points and needs {sc.max - sc.min}."
            )
        cat = sc.min + np.searchsorted(np.asarray(meas.thresholds), ystar)
        frame[it.id] = sc.reverse(cat) if it.reverse else cat
    resp = pd.DataFrame(frame)

    # careless respondents
    kind = np.array([""] * n, dtype=object)
    u = gen.random(n)
    car = population.careless
    kind[u < car.straight_liners] = "straight_liner"
    kind[(u >= car.straight_liners) & (u < car.straight_liners + car.speeders)] = "speeder"
    sc0 = instrument.scales[instrument.default_scale]
    for i in np.flatnonzero(kind == "straight_liner"):
        resp.iloc[i, :] = gen.integers(sc0.min, sc0.max + 1)
    for i in np.flatnonzero(kind == "speeder"):
        resp.iloc[i, :] = gen.integers(sc0.min, sc0.max + 1, size=resp.shape[1])

    # declared missing codes
    ms = population.missing
    if ms.rate > 0 and ms.codes:
        mcodes = np.array(list(ms.codes))
        probs = np.array(list(ms.codes.values()), dtype=float)
        probs /= probs.sum()
        hit = gen.random(resp.shape) < ms.rate
        draws = gen.choice(mcodes, size=resp.shape, p=probs)
        arr = resp.to_numpy().copy()
        arr[hit] = draws[hit]
        resp = pd.DataFrame(arr, columns=resp.columns)

    # respondent variables
    out = pd.DataFrame(index=range(n))
    rvars = {r.id: r for r in instrument.respondent}
    for r in instrument.respondent:
        if r.type == "id":
            out[r.id] = np.arange(1, n + 1)
    for var, probs_map in population.respondent.categorical.items():
        if var not in rvars:
            raise SpecError(f"respondent.categorical names {var!r}, not a respondent variable of the instrument.")
        vals = np.array(list(probs_map))
        pr = np.array(list(probs_map.values()), dtype=float)
        out[var] = gen.choice(vals, size=n, p=pr / pr.sum())
    for var, (ml, sl, lo, hi) in population.respondent.lognormal.items():
        if var not in rvars:
            raise SpecError(f"respondent.lognormal names {var!r}, not a respondent variable of the instrument.")
        v = np.clip(np.round(gen.lognormal(ml, sl, size=n)), lo, hi)
        if rvars[var].type == "duration":
            fast = kind == "speeder"
            a, b = car.speeder_seconds
            v[fast] = np.round(gen.uniform(a, b, size=int(fast.sum())))
        out[var] = v.astype(int)
    first = [c for c in out.columns if rvars.get(c) is not None and rvars[c].type == "id"]
    rest = [c for c in out.columns if c not in first]
    frame_all = pd.concat([out[first], resp, out[rest]], axis=1)
    true_paths = {f"{y}~{x}": b for y, x, b in paths} | {f"{y}~{a}:{b}": g for y, a, b, g in products}
    return SimulatedSurvey(
        frame=frame_all,
        latent=latent,
        continuous=pd.DataFrame(cont),
        careless=pd.Series(kind, name="careless"),
        true_paths=true_paths,
        true_loadings=loadings,
        seed=seed,
    )
