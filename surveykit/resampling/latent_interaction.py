"""A Monte Carlo study of latent interaction estimators (LMS and product indicators).

The population is the classic one of Klein & Moosbrugger (2000) and Marsh, Wen & Hau (2004):
two correlated normal exogenous factors X and W, an outcome factor Y with

    Y = gamma_x X + gamma_w W + omega X W + zeta,

three indicators each (``x1..x3``, ``w1..w3``, ``y1..y3``), normal measurement errors and
intercepts.  The latent scale is set by the first loading (1), as in the analysis model, so
the true value of every coefficient is the population value.  A multivariate normal
population cannot hold a latent product, which is why this does not go through
:func:`surveykit.resampling.power` (normal populations); it uses the same seeds and workers:
replication ``r`` draws from ``stream(seed, n, r)``, identical for any ``jobs``.

Reported per estimator and structural coefficient: mean estimate, bias, relative bias, the
empirical SD of the estimates, the mean standard error and the coverage of the 95% Wald
interval over the converged replications.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from surveykit._core.rng import resolve_seed, stream
from surveykit.errors import SpecError
from surveykit.resampling._parallel import run_batches
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["InteractionPopulation", "simulate_interaction", "interaction_monte_carlo", "InteractionStudyResult"]

ANALYSIS_MODEL = "X =~ x1 + x2 + x3\nW =~ w1 + w2 + w3\nY =~ y1 + y2 + y3\nY ~ X + W + X:W"


@dataclass(frozen=True)
class InteractionPopulation:
    """The population of the study (defaults: Klein & Moosbrugger's design, scaled)."""

    gamma_x: float = 0.4
    gamma_w: float = 0.3
    omega: float = 0.2
    phi_xw: float = 0.3  # covariance (= correlation) of X and W, both with variance 1
    psi: float = 0.5  # residual variance of Y
    loadings: tuple[float, float, float] = (1.0, 0.8, 0.7)
    error_variance: float = 0.4
    intercept: float = 3.0

    def truth(self) -> dict[str, float]:
        return {"Y~X": self.gamma_x, "Y~W": self.gamma_w, "Y~X:W": self.omega}


def simulate_interaction(pop: InteractionPopulation, n: int, rng) -> pd.DataFrame:
    """One sample of ``n`` respondents from the population."""
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    xi = gen.multivariate_normal([0.0, 0.0], [[1.0, pop.phi_xw], [pop.phi_xw, 1.0]], size=n)
    eta = pop.gamma_x * xi[:, 0] + pop.gamma_w * xi[:, 1] + pop.omega * xi[:, 0] * xi[:, 1]
    eta = eta + gen.normal(0.0, np.sqrt(pop.psi), n)
    cols = {}
    for name, factor in (("x", xi[:, 0]), ("w", xi[:, 1]), ("y", eta)):
        for j, lam in enumerate(pop.loadings, start=1):
            cols[f"{name}{j}"] = pop.intercept + lam * factor + gen.normal(0.0, np.sqrt(pop.error_variance), n)
    return pd.DataFrame(cols)


_PATHS = (("Y", "X"), ("Y", "W"), ("Y", "X:W"))
METHODS = {"lms": {"interaction": "lms"},
           "pi_matched": {"interaction": "product_indicator", "match": True},
           "pi_all": {"interaction": "product_indicator", "match": False}}


@dataclass(frozen=True)
class _Task:
    pop: InteractionPopulation
    n: int
    seed: int
    methods: tuple[str, ...]
    quadrature_points: int


def _estimates(fit, method: str) -> tuple[np.ndarray, np.ndarray]:
    pe = fit.parameter_estimates()
    out_e, out_s = [], []
    for lhs, rhs in _PATHS:
        name = rhs if method == "lms" or ":" not in rhs else rhs.replace(":", ".")
        row = pe[(pe["lhs"] == lhs) & (pe["op"] == "~") & (pe["rhs"] == name)]
        out_e.append(float(row["est"].iloc[0]))
        out_s.append(float(row["se"].iloc[0]))
    return np.array(out_e), np.array(out_s)


def _batch(task: _Task, start: int, stop: int) -> dict[str, np.ndarray]:
    from surveykit.sem.api import sem

    k, m = stop - start, len(task.methods)
    est, se = np.full((k, m, len(_PATHS)), np.nan), np.full((k, m, len(_PATHS)), np.nan)
    for i, r in enumerate(range(start, stop)):
        data = simulate_interaction(task.pop, task.n, stream(task.seed, task.n, r))
        for j, method in enumerate(task.methods):
            kwargs = dict(METHODS[method])
            if method == "lms":
                kwargs["quadrature_points"] = task.quadrature_points
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    fit = sem(ANALYSIS_MODEL, data, **kwargs)
                except (np.linalg.LinAlgError, ValueError):
                    continue
            if fit.converged:
                est[i, j], se[i, j] = _estimates(fit, method)
    return {"est": est, "se": se}


@dataclass(frozen=True, repr=False)
class InteractionStudyResult(ResultMixin):
    """Bias and coverage per estimator and structural coefficient (``table``), the raw
    estimates and standard errors (replications x methods x paths), and the design."""

    population: InteractionPopulation
    n: int
    reps: int
    seed: int
    methods: tuple[str, ...]
    table: pd.DataFrame
    estimates: np.ndarray = field(repr=False)
    standard_errors: np.ndarray = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict:
        return to_jsonable({"population": self.population.__dict__, "n": self.n, "reps": self.reps,
                            "seed": self.seed, "methods": list(self.methods), "table": self.table})

    def _repr_line(self) -> str:
        return f"InteractionStudyResult n={self.n} reps={self.reps} methods={','.join(self.methods)}"

    def summary(self) -> Summary:
        return Summary(title=f"Latent interaction Monte Carlo study: N = {self.n}, {self.reps} replications",
                       tables=(("Bias and coverage", self.table),),
                       notes=(f"seed {self.seed}; coverage of the 95% Wald interval; relative bias = bias / true.",))


def _summarize(est: np.ndarray, se: np.ndarray, methods, truth: dict[str, float]) -> pd.DataFrame:
    z = stats.norm.ppf(0.975)
    rows = []
    for j, method in enumerate(methods):
        for k, (lhs, rhs) in enumerate(_PATHS):
            true = truth[f"{lhs}~{rhs}"]
            e, s = est[:, j, k], se[:, j, k]
            ok = np.isfinite(e) & np.isfinite(s)
            e, s = e[ok], s[ok]
            mean = float(e.mean()) if len(e) else np.nan
            rows.append({"method": method, "parameter": f"{lhs} ~ {rhs}", "true": true, "n_converged": int(ok.sum()),
                         "mean_est": mean, "bias": mean - true, "rel_bias": (mean - true) / true,
                         "mc_se_of_mean": float(e.std(ddof=1) / np.sqrt(len(e))) if len(e) > 1 else np.nan,
                         "sd_est": float(e.std(ddof=1)) if len(e) > 1 else np.nan,
                         "mean_se": float(s.mean()) if len(s) else np.nan,
                         "coverage": float(np.mean(np.abs(e - true) <= z * s)) if len(e) else np.nan})
    return pd.DataFrame(rows)


def interaction_monte_carlo(population: InteractionPopulation | None = None, *, n: int = 400, reps: int = 500,
                            methods=("lms",), rng=1, jobs: int = 1, quadrature_points: int = 32,
                            progress: bool | None = None) -> InteractionStudyResult:
    """Simulate ``reps`` samples of ``n`` from ``population``, fit :data:`ANALYSIS_MODEL` with
    each of ``methods`` ("lms", "pi_matched", "pi_all") and summarize bias and coverage."""
    pop = population or InteractionPopulation()
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SpecError(f"methods {unknown} are not among {', '.join(METHODS)}.")
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 2 or isinstance(n, bool) or n < 20:
        raise SpecError("reps must be an int of at least 2 and n at least 20.")
    seed = resolve_seed(rng)
    task = _Task(pop=pop, n=int(n), seed=seed, methods=tuple(methods), quadrature_points=int(quadrature_points))
    est = np.full((reps, len(methods), len(_PATHS)), np.nan)
    se = est.copy()
    for start, stop, res in run_batches(_batch, task, reps, jobs=jobs, max_batch=25, progress=progress,
                                        description="latent interaction study"):
        est[start:stop], se[start:stop] = res["est"], res["se"]
    return InteractionStudyResult(population=pop, n=int(n), reps=reps, seed=seed, methods=tuple(methods),
                                  table=_summarize(est, se, methods, pop.truth()), estimates=est,
                                  standard_errors=se)
