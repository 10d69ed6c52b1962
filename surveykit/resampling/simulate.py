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

Members nested in clusters (``clusters:``, e.g. members of Party branches): respondents are
allotted to ``n`` clusters of unequal sizes, and every construct's disturbance (an exogenous
construct itself, an endogenous construct's residual ``zeta``) is split into a between-cluster
part shared by the cluster's members, with the construct's ``icc`` share of its variance, and a
within part.  The exogenous constructs' between covariance is ``D Phi D`` (``D`` the square roots
of their ICCs) and their within covariance ``Phi - D Phi D``, so the total covariance stays
``Phi`` and every path stays the standardized value written down; the ICCs of the endogenous
constructs follow from the paths and are recorded (``true_iccs``), as are each item's latent-
response ICCs (``lambda^2`` times its construct's).  Measurement errors vary within clusters
only.  Variables listed in ``clusters.cluster_level`` are drawn once per cluster.  With
``clusters.weight``, each cluster's members were sampled at a fraction drawn uniformly from
``sampling_fraction``, and the weight is its inverse, scaled to mean 1 over the sample.

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


class ClusterSpec(_M):
    """Members nested in clusters (see module docstring)."""

    column: str = Field(description="the instrument's respondent variable of type 'cluster' that gets the cluster id")
    n: int = Field(gt=1, description="number of clusters")
    size_cv: float = Field(0.5, ge=0, le=3, description="coefficient of variation of the cluster sizes")
    min_size: int = Field(2, ge=1, description="smallest cluster")
    icc: float = Field(0.1, ge=0, lt=1, description="share of each construct's disturbance variance between clusters")
    iccs: dict[str, float] = Field(default_factory=dict, description="construct -> its own disturbance ICC")
    cluster_level: tuple[str, ...] = Field((), description="respondent variables drawn once per cluster")
    weight: str | None = Field(None, description="respondent variable of type 'weight' that gets the sampling weight")
    sampling_fraction: tuple[float, float] = Field((0.2, 0.8), description="range of the clusters' sampling fractions")

    @model_validator(mode="after")
    def _check(self) -> ClusterSpec:
        bad = {k: v for k, v in self.iccs.items() if not 0 <= v < 1}
        if bad:
            raise ValueError(f"iccs must lie in [0, 1): {bad}")
        lo, hi = self.sampling_fraction
        if not 0 < lo <= hi <= 1:
            raise ValueError("sampling_fraction must be two numbers 0 < low <= high <= 1")
        return self


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
    clusters: ClusterSpec | None = None


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
    cluster: np.ndarray | None = None  # each respondent's cluster (0 .. n-1), with ``clusters:``
    true_iccs: dict[str, float] = field(default_factory=dict)  # construct or item -> latent-response ICC


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


@dataclass(frozen=True)
class _Clusters:
    """Respondents allotted to clusters: ``member[i]`` is respondent i's cluster (0 .. n-1)."""

    spec: ClusterSpec
    member: np.ndarray
    n: int

    @classmethod
    def draw(cls, population: Population, instrument: Instrument, n: int, gen: np.random.Generator) -> _Clusters:
        spec = population.clusters
        rvars = {r.id: r for r in instrument.respondent}
        for key, name, kind in (("column", spec.column, "cluster"), ("weight", spec.weight, "weight")):
            if name is not None and (name not in rvars or rvars[name].type != kind):
                raise SpecError(f"clusters.{key} names {name!r}; add it to the instrument's respondent variables "
                                f"with type: {kind}.")
        unknown = [v for v in spec.cluster_level
                   if v not in population.respondent.categorical and v not in population.respondent.lognormal]
        if unknown:
            raise SpecError(f"clusters.cluster_level names {', '.join(unknown)}, not variables drawn under "
                            "respondent:.")
        extra = n - spec.min_size * spec.n
        if extra < 0:
            raise SpecError(f"n = {n} respondents cannot fill {spec.n} clusters of at least {spec.min_size}; "
                            "raise n or lower clusters.n or clusters.min_size.")
        if spec.size_cv > 0:
            rel = gen.lognormal(0.0, np.sqrt(np.log1p(spec.size_cv**2)), size=spec.n)
            sizes = spec.min_size + gen.multinomial(extra, rel / rel.sum())
        else:  # as equal as n allows
            sizes = np.full(spec.n, n // spec.n)
            sizes[: n % spec.n] += 1
        member = gen.permutation(np.repeat(np.arange(spec.n), sizes))
        member.setflags(write=False)
        return cls(spec, member, spec.n)

    def icc(self, construct: str) -> float:
        return float(self.spec.iccs.get(construct, self.spec.icc))

    def write(self, out: pd.DataFrame, gen: np.random.Generator) -> None:
        """The cluster id (1 .. n) and, with a weight, the inverse sampling fraction scaled to mean 1."""
        out[self.spec.column] = self.member + 1
        if self.spec.weight is not None:
            w = 1.0 / gen.uniform(*self.spec.sampling_fraction, size=self.n)[self.member]
            out[self.spec.weight] = np.round(w / w.mean(), 4)


def _units(clusters: _Clusters | None, var: str, n: int) -> tuple[int, np.ndarray]:
    """How many values of ``var`` to draw, and which one each respondent gets: one per respondent,
    or one per cluster for a cluster-level variable."""
    if clusters is not None and var in clusters.spec.cluster_level:
        return clusters.n, clusters.member
    return n, np.arange(n)


def _split_draw(gen: np.random.Generator, clusters: _Clusters | None, cov: np.ndarray, chol_b: np.ndarray,
                chol_w: np.ndarray, n: int) -> np.ndarray:
    """Normal draws with covariance ``cov = chol_b chol_b' + chol_w chol_w'``: a between part shared
    within a cluster plus a within part (without clusters, draws from ``cov``)."""
    k = cov.shape[0]
    if clusters is None:
        return gen.multivariate_normal(np.zeros(k), cov, size=n, method="cholesky")
    between = gen.standard_normal((clusters.n, k)) @ chol_b.T
    return between[clusters.member] + gen.standard_normal((n, k)) @ chol_w.T


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


def _latent_scores(exo, order, terms, spec: LatentSpec, gen, n: int,
                   clusters: _Clusters | None) -> tuple[pd.DataFrame, dict[str, float]]:
    """Construct scores: exogenous ~ N(0, Phi), then each endogenous construct in causal order with
    the residual variance that gives it variance 1.  ``cov`` holds the second moments of every
    column so far, constructs and centred products (see the module docstring); with clusters,
    ``cov_b`` the same of their between-cluster parts (a construct's between part is shared by its
    cluster; a product's between part is the product of its factors' between parts, centred, so
    Isserlis' theorem gives its moments from ``cov_b`` as it gives the totals from ``cov``).
    Returns the scores of the constructs and each construct's between-cluster variance (its ICC:
    the total is 1; zero without clusters)."""
    cols: list = list(exo)
    col = {c: i for i, c in enumerate(cols)}
    ne = len(exo)
    size = ne + len(order) + sum(len(xs) == 2 for _, xs, _ in terms)
    cov = np.zeros((size, size))
    cov_b = np.zeros((size, size))
    cov[:ne, :ne] = _exogenous_cov(exo, spec)
    chol = np.linalg.cholesky(cov[:ne, :ne])
    chol_b = chol_w = chol
    if clusters is not None:
        d = np.sqrt([clusters.icc(c) for c in exo])
        cov_b[:ne, :ne] = cov[:ne, :ne] * np.outer(d, d)
        chol_b = d[:, None] * chol
        try:
            chol_w = np.linalg.cholesky(cov[:ne, :ne] - cov_b[:ne, :ne])
        except np.linalg.LinAlgError:
            raise SpecError("With these clusters.iccs the within-cluster covariance of the exogenous constructs is "
                            "not positive definite; make their ICCs more alike.") from None
    eta = np.zeros((n, size))
    eta[:, :ne] = _split_draw(gen, clusters, cov[:ne, :ne], chol_b, chol_w, n)
    normal = set(exo)  # constructs that are linear in normal variables
    beta_of: dict = {}
    for y in order:
        mine = [(xs, b) for yy, xs, b in terms if yy == y]
        for xs, _ in mine:
            if len(xs) == 2 and xs not in col:
                _add_product(y, xs, cols, col, cov, cov_b, eta, normal, beta_of)
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
        icc = clusters.icc(y) if clusters is not None else 0.0
        cov_b[j, :] = beta @ cov_b
        cov_b[:, j] = cov_b[j, :]
        cov_b[j, j] = float(beta @ cov_b @ beta) + icc * psi
        beta_of[y] = beta
        if all(len(xs) == 1 and xs[0] in normal for xs, _ in mine):
            normal.add(y)
        if clusters is None:
            zeta = np.sqrt(psi) * gen.standard_normal(n)
        else:
            zeta = np.sqrt(icc * psi) * gen.standard_normal(clusters.n)[clusters.member] + \
                np.sqrt((1 - icc) * psi) * gen.standard_normal(n)
        eta[:, j] = eta @ beta + zeta
    names = [c for c in cols if isinstance(c, str)]
    return (pd.DataFrame({c: eta[:, col[c]] for c in names}),
            {c: float(cov_b[col[c], col[c]]) for c in names})


def _add_product(y: str, xs: tuple[str, str], cols: list, col: dict, cov: np.ndarray, cov_b: np.ndarray,
                 eta: np.ndarray, normal: set, beta_of: dict) -> None:
    """Append the centred product ``xs`` as a column: its scores and its (between-cluster) moments
    with every column before it."""
    bad = [x for x in xs if x not in normal]
    if bad:
        raise SpecError(f"latent.interactions '{y} ~ {xs[0]}:{xs[1]}': {bad[0]} depends on a product "
                        "term itself, so the product's variance has no closed form; use constructs "
                        "that are exogenous or linear in exogenous ones.")
    j = col[xs] = len(cols)
    for m in (cov, cov_b):
        for i, other in enumerate(cols):  # in order: a non-normal construct is linear in earlier columns
            c = (_product_cov(m, col, xs, other) if isinstance(other, tuple) or other in normal
                 else float(beta_of[other][:j] @ m[:j, j]))
            m[i, j] = m[j, i] = c
        m[j, j] = _product_cov(m, col, xs, xs)
    cols.append(xs)
    eta[:, j] = eta[:, col[xs[0]]] * eta[:, col[xs[1]]] - cov[col[xs[0]], col[xs[1]]]


def _true_iccs(between: dict[str, float], codes: list[str], loadings: dict[str, float],
               instrument: Instrument) -> dict[str, float]:
    """Each construct's ICC (its between variance: the total is 1) and each item's latent response's."""
    out = {c: between[c] for c in codes}
    for it in instrument.items:
        out[it.id] = loadings[it.id] ** 2 * out[instrument.construct_of(it.id).code]
    return out


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
    clusters = _Clusters.draw(population, instrument, n, gen) if population.clusters is not None else None
    eta, between = _latent_scores(exo, order, terms, population.latent, gen, n, clusters)
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
        size, unit = _units(clusters, var, n)
        out[var] = gen.choice(vals, size=size, p=pr / pr.sum())[unit]
    for var, (ml, sl, lo, hi) in population.respondent.lognormal.items():
        if var not in rvars:
            raise SpecError(f"respondent.lognormal names {var!r}, not a respondent variable of the instrument.")
        size, unit = _units(clusters, var, n)
        v = np.clip(np.round(gen.lognormal(ml, sl, size=size)[unit]), lo, hi)
        if rvars[var].type == "duration":
            fast = kind == "speeder"
            a, b = car.speeder_seconds
            v[fast] = np.round(gen.uniform(a, b, size=int(fast.sum())))
        out[var] = v.astype(int)
    if clusters is not None:
        clusters.write(out, gen)
    first = [c for c in out.columns if rvars.get(c) is not None and rvars[c].type in ("id", "cluster")]
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
        cluster=None if clusters is None else clusters.member.copy(),
        true_iccs={} if clusters is None else _true_iccs(between, codes, loadings, instrument),
    )
