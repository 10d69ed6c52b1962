"""Monte Carlo power: simulate from a population model, fit the analysis model, count rejections.

The workflow of simsem and Mplus ``MONTECARLO``: for each sample size ``n`` and each of
``reps`` replications, draw data from the population model
(:func:`surveykit.resampling.simulate_model`: multivariate normal, optionally cut into
ordinal categories and with MCAR missing cells), drop incomplete rows (listwise), fit the
analysis model by ML (warm-started, :class:`surveykit.sem.kernel.FitKernel`) and test every
structural path (``~``) and every defined (``:=``) parameter with the Wald z test, using the
expected-information standard errors (delta method for ``:=`` parameters), as
``sem()`` reports them.  Per sample size and parameter the result gives

* ``power``: the share of converged replications with ``|est / se| > z_(1 - alpha/2)``
  (for a parameter whose true value is 0 this is the type I error rate);
* ``coverage``: the share whose ``1 - alpha`` Wald interval ``est +- z se`` covers the true value;
* ``mean_est``, ``bias = mean_est - true``, ``rel_bias = bias / true``, ``sd_est`` (the
  empirical SD of the estimates) and ``mean_se``;
* ``n_converged`` and ``conv_rate``; non-converged replications (and the rare ones whose
  information matrix is singular) are dropped, nonadmissible ones kept and counted.

The *true value* of an analysis-model parameter is its value when the analysis model is
fitted to the population covariance matrix itself.  When the analysis model is the
population model this is the population value (whatever the identification: a marker
loading rescales the latent variable, and the true values follow); when it is not, these
are the pseudo-true values the estimator converges to, which is what bias and coverage
must be measured against.

Reproducibility: replication ``r`` at sample size ``n`` draws from its own stream
``SeedSequence(seed, spawn_key=(n, r))``, so results are identical for any ``jobs``, on
Dask, and for ``n = 200`` whether or not other sample sizes are in the same run.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from surveykit._core.guards import check_memory
from surveykit._core.rng import resolve_seed, stream
from surveykit.errors import DataQualityWarning, EstimationError, SpecError, check_option
from surveykit.resampling._parallel import check_jobs, run_batches
from surveykit.resampling._refit import Refitter
from surveykit.resampling.population import PopulationModel, _population, _Sampler
from surveykit.results import ResultMixin, Summary, capture_warnings, to_jsonable
from surveykit.sem.api import sem
from surveykit.sem.estimate import expected_vcov
from surveykit.sem.partable import build_partable
from surveykit.sem.results import SEMResult

__all__ = ["PowerResult", "power"]

Parameters = Literal["structural", "all"]
OK, NONADMISSIBLE, FAILED = 0, 1, 2


@dataclass(frozen=True)
class _PowerTask:
    fit: SEMResult  # the analysis model fitted to the population covariance
    sampler: _Sampler
    columns: np.ndarray  # positions of the analysis model's observed variables in the population's
    rows: np.ndarray  # tracked rows of fit.parameter_estimates()
    sizes: tuple[int, ...]
    reps: int
    seed: int


def _power_batch(task: _PowerTask, start: int, stop: int) -> dict[str, np.ndarray]:
    """Replications ``start .. stop - 1`` of the flattened (size, replication) grid."""
    ref = Refitter.from_result(task.fit)
    sol = ref.kernel.solution
    rows = task.rows
    size = stop - start
    est = np.full((size, len(rows)), np.nan)
    se = np.full((size, len(rows)), np.nan)
    status = np.full(size, FAILED, dtype=np.int8)
    n_used = np.zeros(size, dtype=np.int64)
    p = len(ref.kernel.names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j, item in enumerate(range(start, stop)):
            s, r = divmod(item, task.reps)
            n = task.sizes[s]
            x = task.sampler.draw(n, stream(task.seed, n, r))[:, task.columns]
            x = x[~np.isnan(x).any(axis=1)]
            n_used[j] = x.shape[0]
            if x.shape[0] <= p:
                continue
            theta, cov = ref.refit(x)
            if theta is None:
                continue
            vals = ref.estimates(theta, cov)
            vcov, _ = expected_vcov(ref.kernel.model_for(cov), theta, x.shape[0])
            if not np.all(np.isfinite(vcov)):
                continue
            se_free = np.sqrt(np.clip(np.diag(vcov), 0, None))
            se_rows = np.where(sol.free >= 0, se_free[sol.free.clip(0)], 0.0)
            if sol.n_defined:
                _, se_def = sol.defined_with_se(theta, vcov)
                se_rows = np.concatenate([se_rows, se_def])
            est[j] = vals[rows]
            se[j] = se_rows[rows]
            status[j] = OK if ref.admissible(vals) else NONADMISSIBLE
    return {"est": est, "se": se, "status": status, "n_used": n_used}


@dataclass(frozen=True, repr=False)
class PowerResult(ResultMixin):
    """Monte Carlo power, bias, coverage and convergence per sample size and parameter."""

    model_syntax: str
    population_syntax: str
    n: tuple[int, ...]
    reps: int
    alpha: float
    rng_seed: int
    _table: pd.DataFrame = field(repr=False)
    _convergence: pd.DataFrame = field(repr=False)
    _est: np.ndarray = field(repr=False)  # (len(n), reps, parameters), NaN for dropped replications
    _se: np.ndarray = field(repr=False)
    _status: np.ndarray = field(repr=False)  # (len(n), reps)
    warnings: tuple[tuple[str, str], ...] = ()

    @property
    def table(self) -> pd.DataFrame:
        """n, parameter, lhs, op, rhs, label, true, mean_est, sd_est, mean_se, bias, rel_bias, power,
        power_mcse (its Monte Carlo standard error), power_ci_lower and power_ci_upper (power -/+ 1.96
        power_mcse, within [0, 1]), coverage, n_converged, conv_rate, n_nonadmissible: one row per size
        and parameter."""
        return self._table.copy()

    @property
    def convergence(self) -> pd.DataFrame:
        """Per sample size: reps, n_converged, conv_rate, n_nonadmissible, mean_n_used (rows after listwise)."""
        return self._convergence.copy()

    def power_by_n(self) -> pd.DataFrame:
        """Power as a parameter x sample-size table (the data of a power curve)."""
        return self._table.pivot(index="parameter", columns="n", values="power").loc[
            list(dict.fromkeys(self._table["parameter"]))]

    def estimates(self, n: int) -> pd.DataFrame:
        """The estimates of every replication at sample size ``n`` (NaN rows: dropped replications)."""
        if n not in self.n:
            raise SpecError(f"n={n} was not simulated; choose one of {list(self.n)}.")
        names = list(dict.fromkeys(self._table["parameter"]))
        return pd.DataFrame(self._est[self.n.index(n)], columns=names).rename_axis("rep")

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({"n": list(self.n), "reps": self.reps, "alpha": self.alpha, "rng_seed": self.rng_seed,
                            "model": self.model_syntax, "population": self.population_syntax,
                            "table": self._table, "convergence": self._convergence,
                            "warnings": [{"category": c, "message": m} for c, m in self.warnings]})

    def _repr_line(self) -> str:
        return f"PowerResult n={list(self.n)} reps={self.reps} alpha={self.alpha} rng_seed={self.rng_seed}"

    def summary(self) -> Summary:
        cols = ["n", "parameter", "true", "mean_est", "bias", "rel_bias", "power", "coverage", "n_converged"]
        return Summary(
            title=f"Monte Carlo power ({self.reps} replications per sample size, alpha = {self.alpha})",
            tables=(("Power, bias and coverage", self._table[cols]), ("Convergence", self._convergence)),
            notes=(f"Seed {self.rng_seed}. Wald z tests with expected-information standard errors (delta method "
                   "for defined parameters); coverage of the Wald interval at level 1 - alpha; true values are the "
                   "analysis model fitted to the population covariance matrix.",
                   *[f"{c}: {m}" for c, m in self.warnings]),
        )


def _sizes(n) -> tuple[int, ...]:
    vals = [n] if isinstance(n, (int, np.integer)) and not isinstance(n, bool) else n
    if not isinstance(vals, (Sequence, np.ndarray)) or isinstance(vals, str) or not len(vals):
        raise SpecError(f"n={n!r} must be a sample size or a list of them, e.g. [200, 400, 800].")
    out = []
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 2:
            raise SpecError(f"n={n!r}: every sample size must be an int of at least 2 (got {v!r}).")
        out.append(int(v))
    if len(set(out)) != len(out):
        raise SpecError(f"n={n!r} lists a sample size twice.")
    return tuple(out)


def _exact_sample(cov: np.ndarray) -> np.ndarray:
    """2p rows whose mean is 0 and whose N-divisor covariance is exactly ``cov``."""
    p = len(cov)
    h = np.sqrt(p) * np.vstack([np.eye(p), -np.eye(p)])
    return h @ np.linalg.cholesky(cov).T


def _truth_fit(model: str, pop: PopulationModel, names: list[str]) -> SEMResult:
    cols = [pop.names.index(v) for v in names]
    cov = pop.cov[np.ix_(cols, cols)]
    frame = pd.DataFrame(_exact_sample(cov), columns=names)
    with warnings.catch_warnings():
        # 2p rows stand for the population matrix itself: "N smaller than the free parameters" is no
        # concern of this fit (its estimates are the population values)
        warnings.filterwarnings("ignore", message=r"The sample \(N = \d+ rows used\) is smaller than the number of "
                                "free parameters", category=DataQualityWarning)
        fit = sem(model, frame)
    if not fit.converged:
        raise EstimationError("The analysis model could not be fitted to the population covariance matrix; "
                              "check that it is identified and matches the population's variables.")
    return fit


def _aggregate(pe, pname, true, sizes, est, se, status, n_used, z) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table (per size and parameter) and the convergence summary (per size)."""
    recs, conv = [], []
    k = len(pname)
    for s, nn in enumerate(sizes):
        ok = status[s] != FAILED
        e, sd_ = est[s][ok], se[s][ok]
        k_ok = int(ok.sum())
        n_nonadm = int((status[s] == NONADMISSIBLE).sum())
        conv.append({"n": nn, "reps": status.shape[1], "n_converged": k_ok, "conv_rate": k_ok / status.shape[1],
                     "n_nonadmissible": n_nonadm, "mean_n_used": float(n_used[s].mean())})
        nan = np.full(k, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_est = e.mean(axis=0) if k_ok else nan
            sd_est = e.std(axis=0, ddof=1) if k_ok > 1 else nan
            mean_se = sd_.mean(axis=0) if k_ok else nan
            rej = (np.abs(e / np.where(sd_ > 0, sd_, np.nan)) > z).mean(axis=0) if k_ok else nan
            cover = (np.abs(e - true) <= z * sd_).mean(axis=0) if k_ok else nan
        for j in range(k):
            bias = mean_est[j] - true[j]
            mcse = float(np.sqrt(rej[j] * (1 - rej[j]) / k_ok)) if k_ok else np.nan
            recs.append({
                "n": nn, "parameter": pname[j], "lhs": pe["lhs"].iloc[j], "op": pe["op"].iloc[j],
                "rhs": pe["rhs"].iloc[j], "label": pe["label"].iloc[j], "true": true[j], "mean_est": mean_est[j],
                "sd_est": sd_est[j], "mean_se": mean_se[j], "bias": bias,
                "rel_bias": bias / true[j] if true[j] != 0 else np.nan, "power": rej[j],
                "power_mcse": mcse, "power_ci_lower": max(0.0, rej[j] - 1.96 * mcse) if k_ok else np.nan,
                "power_ci_upper": min(1.0, rej[j] + 1.96 * mcse) if k_ok else np.nan,
                "coverage": cover[j], "n_converged": k_ok, "conv_rate": k_ok / status.shape[1],
                "n_nonadmissible": n_nonadm,
            })
    return pd.DataFrame(recs), pd.DataFrame(conv)


def power(
    model: str,
    population: str | PopulationModel,
    *,
    n: int | Sequence[int] = (200, 400, 800),
    reps: int = 1000,
    alpha: float = 0.05,
    rng=None,
    jobs: int = -1,
    scheduler=None,
    standardized: bool = False,
    ordinal=None,
    missing: float | Mapping[str, float] = 0.0,
    parameters: Parameters = "structural",
    batch_size: int | None = None,
    progress: bool | None = None,
) -> PowerResult:
    """Monte Carlo power of the analysis ``model`` for data from ``population`` (module docstring).

    Parameters
    ----------
    model : str
        The analysis model in lavaan syntax (labels and ``:=`` lines for indirect effects).
    population : str or PopulationModel
        The population model: lavaan syntax with a value for every parameter (see
        :func:`surveykit.resampling.population_model`; ``standardized`` applies to it).
    n : int or list of int
        Sample sizes.
    reps : int
        Replications per sample size.
    alpha : float
        Two-sided significance level of the Wald tests; coverage is of the ``1 - alpha`` interval.
    rng : int, numpy Generator or None
        Seed, recorded as ``rng_seed``.
    jobs, scheduler, batch_size, progress
        As for :func:`surveykit.resampling.bootstrap`: local processes (joblib) or a Dask cluster.
    ordinal, missing
        Data conditions, as for :func:`surveykit.resampling.simulate_model` (listwise deletion
        of incomplete rows before fitting).
    parameters : {"structural", "all"}
        Report the structural paths (``~``) and defined parameters, or every free parameter too.

    Examples
    --------
    >>> from surveykit.resampling import power
    >>> res = power("m ~ a*x\\ny ~ b*m + x\\nab := a*b", "m ~ 0.3*x\\ny ~ 0.3*m + 0.1*x",
    ...             n=[100, 200], reps=200, rng=1, standardized=True, jobs=1)
    >>> sorted(res.table.columns)[:3]
    ['bias', 'conv_rate', 'coverage']
    """
    if not isinstance(model, str):
        raise SpecError("model must be the analysis model in lavaan syntax, as a string.")
    sizes = _sizes(n)
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 1:
        raise SpecError(f"reps={reps!r} must be a positive int.")
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise SpecError(f"alpha={alpha!r} must lie strictly between 0 and 1 (e.g. 0.05).")
    check_option("parameters", parameters, get_args(Parameters))
    check_jobs(jobs)
    pop = _population(population, standardized)
    names = list(build_partable(model).ov_names)
    unknown = [v for v in names if v not in pop.names]
    if unknown:
        raise SpecError(f"The analysis model uses {', '.join(unknown)}, which the population model does not "
                        f"generate ({', '.join(pop.names)}).")
    seed = resolve_seed(rng)
    reps = int(reps)
    with capture_warnings() as log:
        fit = _truth_fit(model, pop, names)
    sampler = _Sampler.build(pop, ordinal, missing)
    pe = fit.parameter_estimates()
    is_def = (pe["op"] == ":=").to_numpy()
    free = np.concatenate([fit.partable.table["free"].to_numpy() > 0, np.ones(int(is_def.sum()), dtype=bool)])
    want = is_def | ((pe["op"] == "~").to_numpy() if parameters == "structural" else np.ones(len(pe), dtype=bool))
    rows = np.flatnonzero(want & free)
    if not len(rows):
        raise SpecError("The analysis model has no free structural path or defined parameter to test; use "
                        "parameters='all' or add paths.")
    # the tables of every replication stay in memory, and each worker draws a whole sample at once
    check_memory(len(sizes) * reps * (2 * len(rows) * 8 + 16),
                 f"reps={reps} replications at {len(sizes)} sample size(s) of {len(rows)} parameter(s)", "reps")
    check_memory(max(sizes) * len(pop.names) * 8 * 4, f"a simulated sample of n={max(sizes)}", "the sample sizes n")
    task = _PowerTask(fit=fit, sampler=sampler, columns=np.array([pop.names.index(v) for v in names]), rows=rows,
                      sizes=sizes, reps=reps, seed=seed)
    total = len(sizes) * reps
    out: dict[str, np.ndarray] = {}
    for start, stop, res in run_batches(_power_batch, task, total, jobs=jobs, scheduler=scheduler,
                                        batch_size=batch_size, max_batch=100, progress=progress,
                                        description="power"):
        if not out:
            out = {k: np.empty((total, *v.shape[1:]), dtype=v.dtype) for k, v in res.items()}
        for k, v in res.items():
            out[k][start:stop] = v
    est = out["est"].reshape(len(sizes), reps, len(rows))
    se = out["se"].reshape(len(sizes), reps, len(rows))
    status = out["status"].reshape(len(sizes), reps)
    n_used = out["n_used"].reshape(len(sizes), reps)
    true = pe["est"].to_numpy(dtype=float)[rows]
    # the population fit solves to ~1e-12: a true value that small is a zero of the population
    true = np.where(np.abs(true) < 1e-9, 0.0, true)
    pname = [pe["lhs"].iloc[k] if is_def[k] else f"{pe['lhs'].iloc[k]}{pe['op'].iloc[k]}{pe['rhs'].iloc[k]}"
             for k in rows]
    table, conv = _aggregate(pe.iloc[rows].reset_index(drop=True), pname, true, sizes, est, se, status, n_used,
                             stats.norm.ppf(1 - alpha / 2))
    return PowerResult(
        model_syntax=model, population_syntax=pop.syntax, n=sizes, reps=reps, alpha=float(alpha), rng_seed=seed,
        _table=table, _convergence=conv, _est=np.where(status[..., None] != FAILED,
                                                                                   est, np.nan),
        _se=se, _status=status, warnings=tuple(log),
    )
