"""Nonparametric bootstrap of a fitted SEM: every parameter, every defined (``:=``) parameter
and the standardized solution, with percentile, bias-corrected and BCa intervals.

Each draw resamples the complete rows the model was fitted to (case resampling, with
replacement, ``n`` rows) and refits the model with :class:`surveykit.sem.kernel.FitKernel`,
starting from the full-sample solution, as lavaan does (``se = "bootstrap"``).  Draws whose
optimizer did not converge are dropped and counted (``n_failed``); a defined parameter whose
value is not finite in a draw (``r := a/(b - c)`` with ``b = c``) is missing in that draw only,
and the draws where it is are counted per parameter (``nonfinite_draws``); draws with a
nonadmissible solution (a negative variance, or a latent or residual covariance matrix that
is not positive definite: lavaan's ``post.check``) are kept and counted
(``n_nonadmissible``), as lavaan keeps them.  The standardized solution (``std.all``) and
the defined parameters are recomputed in every draw, so standardized indirect effects get
genuine bootstrap intervals rather than delta-method ones.

Reproducibility: draw ``i`` uses its own random stream ``SeedSequence(seed, spawn_key=(i,))``
(``SeedSequence(seed).spawn(n_boot)[i]``), so the same ``rng`` gives identical draws whether
they run in this process (``jobs=1``), in local worker processes (``jobs=-1``) or on a Dask
cluster (``scheduler=``), in batches of any size.

Validated against: lavaan 0.6.14 ``sem(..., se = "bootstrap", bootstrap = 5000)`` on the
PoliticalDemocracy SEM (percentile and ``bca.simple`` intervals agree within Monte Carlo
error; see ``tests/resampling/test_bootstrap_lavaan.py`` for how that is judged).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from surveykit._core.guards import check_memory
from surveykit._core.rng import resolve_seed, stream
from surveykit.errors import (
    ConvergenceWarning,
    DataError,
    DefinedParameterWarning,
    EstimationError,
    HeywoodCaseWarning,
    SpecError,
    check_option,
)
from surveykit.resampling._geometry import RowGeometry
from surveykit.resampling._parallel import check_jobs, run_batches
from surveykit.resampling._refit import Refitter
from surveykit.resampling.intervals import bootstrap_se, interval, jackknife_acceleration
from surveykit.resampling.mediation import decide, identify_effects
from surveykit.results import ResultMixin, Summary, capture_warnings, to_jsonable
from surveykit.sem.kernel import FitKernel
from surveykit.sem.results import SEMResult

__all__ = ["BootstrapResult", "bootstrap"]

CI = Literal["percentile", "bc", "bca"]
_CI_NAMES = {"percentile": "percentile", "bc": "bias-corrected (lavaan bca.simple)",
             "bca": "bias-corrected and accelerated (BCa)"}
OK, NONADMISSIBLE, FAILED = 0, 1, 2
_STATUS = {OK: "ok", NONADMISSIBLE: "nonadmissible", FAILED: "failed"}


# -- the work of one batch (runs in any process) ---------------------------------------------
@dataclass(frozen=True)
class _RefitTask:
    fit: SEMResult  # without its data (carried in x)
    x: np.ndarray  # complete rows, columns in partable.ov_names order
    seed: int
    mode: str  # "boot": draw i resamples rows; "jack": sample i leaves row i out
    clusters: tuple[np.ndarray, ...] | None = None  # rows of each cluster: draws resample whole clusters


def _resample(task: _RefitTask, i: int) -> np.ndarray:
    """The rows of draw (or jackknife sample) ``i``: ``n`` rows with replacement from the draw's own
    stream, or with ``clusters`` as many whole clusters with replacement (the clusters are the
    independent units); the jackknife leaves out row ``i`` or cluster ``i``."""
    x, cl = task.x, task.clusters
    if cl is None:
        if task.mode == "boot":
            return x[stream(task.seed, i).integers(0, x.shape[0], size=x.shape[0])]
        return np.delete(x, i, axis=0)
    if task.mode == "boot":
        return x[np.concatenate([cl[c] for c in stream(task.seed, i).integers(0, len(cl), size=len(cl))])]
    return np.delete(x, cl[i], axis=0)


def _refit_batch(task: _RefitTask, start: int, stop: int) -> dict[str, np.ndarray]:
    """Refit draws ``start .. stop - 1``: est and std_all of every row and defined parameter,
    and a status per draw (0 ok, 1 nonadmissible, 2 failed)."""
    ref = Refitter.from_result(task.fit)
    size = stop - start
    k = ref.n_rows + ref.kernel.solution.n_defined
    est = np.full((size, k), np.nan)
    std = np.full((size, k), np.nan)
    status = np.full(size, FAILED, dtype=np.int8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j, i in enumerate(range(start, stop)):
            theta, cov = ref.refit(_resample(task, i))
            if theta is None:
                continue
            e, s = ref.standardized(theta, cov)
            if not np.all(np.isfinite(e[:ref.n_rows])):
                continue
            # a defined parameter that is not finite in this draw (a ratio whose denominator is 0,
            # the log of a negative value) is NaN in this draw only: the draw is kept for the others
            est[j] = np.where(np.isfinite(e), e, np.nan)
            std[j] = np.where(np.isfinite(s), s, np.nan)
            status[j] = OK
        ok = np.flatnonzero(status == OK)
        if len(ok):
            adm = ref.geom.admissible(est[ok, :ref.n_rows])
            status[ok[~adm]] = NONADMISSIBLE
    return {"est": est, "std": std, "status": status}


def _collect(task: _RefitTask, n_items: int, *, jobs, scheduler, batch_size, progress, description) -> dict:
    out: dict[str, np.ndarray] | None = None
    for start, stop, res in run_batches(_refit_batch, task, n_items, jobs=jobs, scheduler=scheduler,
                                        batch_size=batch_size, progress=progress, description=description):
        if out is None:
            out = {key: np.empty((n_items, *v.shape[1:]), dtype=v.dtype) for key, v in res.items()}
        for key, v in res.items():
            out[key][start:stop] = v
    assert out is not None
    return out


# -- the result --------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class BootstrapResult(ResultMixin):
    """Bootstrap estimates of a fitted model.  Accessors return new DataFrames."""

    ci: str
    level: float
    n_boot: int
    n_failed: int
    n_nonadmissible: int
    rng_seed: int
    _params: pd.DataFrame = field(repr=False)
    _std: pd.DataFrame = field(repr=False)
    _mediation: pd.DataFrame = field(repr=False)
    _draws: np.ndarray = field(repr=False)  # (n_boot, rows + defined), NaN for failed draws
    _std_draws: np.ndarray = field(repr=False)
    _status: np.ndarray = field(repr=False)
    _names: tuple[str, ...] = field(repr=False)
    _jackknife: np.ndarray | None = field(repr=False, default=None)  # (n, rows + defined) for BCa
    warnings: tuple[tuple[str, str], ...] = ()
    cluster: str | None = None  # the column whose clusters were resampled (None: rows)
    n_clusters: int | None = None
    nonfinite_draws: dict[str, int] = field(default_factory=dict)  # defined parameter -> kept draws where NaN

    # -- accessors -------------------------------------------------------------------
    @property
    def n_kept(self) -> int:
        """Draws used for the intervals (converged, admissible or not)."""
        return self.n_boot - self.n_failed

    def parameter_estimates(self) -> pd.DataFrame:
        """lhs, op, rhs, label, est (full sample), se (bootstrap SD), ci_lower, ci_upper (``ci``)."""
        return self._params.copy()

    def standardized_solution(self) -> pd.DataFrame:
        """lhs, op, rhs, label, est_std (std.all), se (bootstrap SD), ci_lower, ci_upper."""
        return self._std.copy()

    def mediation(self) -> pd.DataFrame:
        """One row per defined indirect effect: the indirect, direct and total effects with their
        intervals, the effect ratio ab/c, |ab/c'|, and the 温忠麟-叶宝娟 (2014) decision (code and
        texts in Chinese and English).  See :mod:`surveykit.resampling.mediation`."""
        return self._mediation.copy()

    @property
    def draws(self) -> pd.DataFrame:
        """The bootstrap estimates: one row per draw (index = draw number), one column per
        parameter (``lhs op rhs`` without spaces; defined parameters by name); rows of failed
        draws are NaN (see ``draw_status``)."""
        return pd.DataFrame(self._draws, columns=list(self._names)).rename_axis("draw")

    @property
    def std_draws(self) -> pd.DataFrame:
        """The standardized (std.all) estimates of every draw, laid out as :attr:`draws`."""
        return pd.DataFrame(self._std_draws, columns=list(self._names)).rename_axis("draw")

    @property
    def draw_status(self) -> pd.Series:
        """"ok", "nonadmissible" (kept) or "failed" (dropped) per draw."""
        return pd.Series([_STATUS[int(s)] for s in self._status], name="status").rename_axis("draw")

    # -- conversion and display ----------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        return self.parameter_estimates()

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "ci": self.ci, "level": self.level, "n_boot": self.n_boot, "n_failed": self.n_failed,
            "n_nonadmissible": self.n_nonadmissible, "rng_seed": self.rng_seed,
            "nonfinite_draws": dict(self.nonfinite_draws),
            "parameters": self._params, "standardized": self._std, "mediation": self._mediation,
            "warnings": [{"category": c, "message": m} for c, m in self.warnings],
            **({"cluster": self.cluster, "n_clusters": self.n_clusters} if self.cluster is not None else {}),
        })

    def _repr_line(self) -> str:
        return (f"BootstrapResult n_boot={self.n_boot} ci={self.ci} level={self.level} "
                f"n_failed={self.n_failed} n_nonadmissible={self.n_nonadmissible} rng_seed={self.rng_seed}")

    def summary(self) -> Summary:
        tables = [("Parameter estimates", self._params), ("Standardized solution (std.all)", self._std)]
        notes = [
            f"{self.n_boot} draws (seed {self.rng_seed}): {self.n_failed} did not converge and were dropped; "
            f"{self.n_nonadmissible} gave nonadmissible solutions and were kept.",
            f"Intervals: {_CI_NAMES[self.ci]}, {self.level:.0%}.",
        ]
        if self.cluster is not None:
            notes.insert(1, f"Each draw resampled the {self.n_clusters} clusters of {self.cluster!r} (whole clusters, "
                            "with replacement), not single rows.")
        med = self._mediation
        if len(med):
            cols = ["effect", "x", "mediators", "y", "indirect", "indirect_ci_lower", "indirect_ci_upper",
                    "direct", "total", "effect_ratio", "direct_ratio", "decision"]
            tables.append(("Mediation (温忠麟 & 叶宝娟, 2014)", med[cols]))
            for r in med.itertuples():
                notes.append(f"{r.effect}: {r.basis_en} {r.decision_en}")
                notes.append(f"{r.effect}：{r.basis_zh}{r.decision_zh}")
        notes += [f"{c}: {m}" for c, m in self.warnings]
        return Summary(title=f"Nonparametric bootstrap ({self.n_boot} draws, {_CI_NAMES[self.ci]} intervals)",
                       tables=tuple(tables), notes=tuple(notes))


# -- the public function -------------------------------------------------------------------
def _fit_data(fit: SEMResult, data) -> np.ndarray:
    names = list(fit.partable.ov_names)
    if data is None:
        x = getattr(fit, "_data", None)
        if x is None:
            raise SpecError("This fit does not carry its data; pass the data it was fitted to: "
                            "bootstrap(fit, data=frame).")
        return np.asarray(x, dtype=float)
    frame = data if isinstance(data, pd.DataFrame) else getattr(data, "frame", None)
    if not isinstance(frame, pd.DataFrame):
        raise SpecError(f"data must be a pandas DataFrame or a SurveyData, not {type(data).__name__}.")
    missing = [v for v in names if v not in frame.columns]
    if missing:
        raise DataError(f"data lacks the model variable(s) {', '.join(missing)}; pass the data the model was "
                        "fitted to.")
    x = frame.loc[:, names].to_numpy(dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    s = fit.sample_cov().loc[names, names].to_numpy()
    if x.shape[0] != fit.nobs or not np.allclose(FitKernel.moments(x), s, rtol=1e-8, atol=1e-10):
        raise DataError(f"data are not the data the model was fitted to ({x.shape[0]} complete rows, the fit used "
                        f"{fit.nobs}, or their covariances differ); pass the same data.")
    return x


def _cluster_rows(fit: SEMResult, data, cluster, n_rows: int) -> tuple[np.ndarray, ...]:
    """The positions (among the complete rows the model was fitted to) of every cluster's rows."""
    if not isinstance(cluster, str) or not cluster:
        raise SpecError(f"cluster= must be the name of the cluster column, not {cluster!r}.")
    frame = data if isinstance(data, pd.DataFrame) else getattr(data, "frame", None)
    if not isinstance(frame, pd.DataFrame):
        raise SpecError("bootstrap(fit, cluster=...) needs data= (the data the model was fitted to, with the cluster "
                        "column).")
    if cluster not in frame.columns:
        raise DataError(f"The cluster column {cluster!r} (cluster=) is not a column of the data.")
    names = list(fit.partable.ov_names)
    complete = ~frame.loc[:, names].apply(pd.to_numeric, errors="coerce").isna().any(axis=1).to_numpy()
    col = frame[cluster][complete]
    if col.isna().any():
        raise DataError(f"The cluster column {cluster!r} has {int(col.isna().sum())} missing value(s) in the rows the "
                        "model used; give every row its cluster or drop those rows.")
    codes = pd.factorize(col, sort=False)[0]
    assert len(codes) == n_rows
    sizes = np.bincount(codes)
    if len(sizes) < 2:
        raise DataError(f"The cluster column {cluster!r} has a single cluster; resampling clusters needs many.")
    if sizes.max() == 1:
        raise DataError(f"Every cluster of {cluster!r} has one row, so resampling clusters is resampling rows; drop "
                        "cluster= (or check that the column identifies the clusters).")
    order = np.argsort(codes, kind="stable")
    return tuple(np.split(order, np.cumsum(sizes)[:-1]))


def _row_names(pe: pd.DataFrame) -> tuple[str, ...]:
    return tuple(lhs if op == ":=" else f"{lhs}{op}{rhs}" for lhs, op, rhs in zip(pe["lhs"], pe["op"], pe["rhs"]))


def _mediation_table(fit: SEMResult, est0, draws, jack, *, ci, level, lo, hi) -> pd.DataFrame:
    pt = fit.partable
    effects = identify_effects(pt)
    indirect = [e for e in effects.values() if e.kind == "indirect"]
    if not indirect:
        return pd.DataFrame(columns=["effect", "x", "mediators", "y", "indirect", "indirect_ci_lower",
                                     "indirect_ci_upper", "indirect_std", "direct", "direct_ci_lower",
                                     "direct_ci_upper", "total", "total_ci_lower", "total_ci_upper", "total_label",
                                     "effect_ratio", "direct_ratio", "decision", "basis", "decision_zh",
                                     "decision_en", "basis_zh", "basis_en"])
    t = pt.table
    n_rows = len(t)
    geom = RowGeometry.from_partable(pt)
    pos = {nm: i for i, nm in enumerate(geom.names)}
    pe = fit.parameter_estimates()
    defined_pos = {nm: n_rows + i for i, nm in enumerate(d.lhs for d in pt.defined)}
    t_est = geom.total_effects(est0[:n_rows])[0]
    t_draws = geom.total_effects(draws[:, :n_rows])
    t_jack = geom.total_effects(jack[:, :n_rows]) if jack is not None else None
    rows = []
    for e in indirect:
        k = defined_pos[e.name]
        ix, iy = pos[e.x], pos[e.y]
        total = float(t_est[iy, ix])
        acc = jackknife_acceleration(t_jack[:, iy, ix][:, None]) if t_jack is not None else None
        tlo, thi = interval(t_draws[:, iy, ix][:, None], np.array([total]), ci=ci, level=level, acceleration=acc)
        drow = np.flatnonzero(((t["op"] == "~") & (t["lhs"] == e.y) & (t["rhs"] == e.x)).to_numpy())
        direct = float(est0[drow[0]]) if len(drow) else None
        direct_ci = (float(lo[drow[0]]), float(hi[drow[0]])) if len(drow) else None
        total_label = next((o.name for o in effects.values() if o.kind == "total" and (o.x, o.y) == (e.x, e.y)
                            and abs(est0[defined_pos[o.name]] - total) <= 1e-9 * max(1.0, abs(total))), "")
        d = decide(ab=float(est0[k]), ab_ci=(float(lo[k]), float(hi[k])), direct=direct, direct_ci=direct_ci,
                   total=total, total_ci=(float(tlo[0]), float(thi[0])))
        rows.append({
            "effect": e.name, "x": e.x, "mediators": "; ".join(" -> ".join(c[1:-1]) for c in e.chains), "y": e.y,
            "indirect": float(est0[k]), "indirect_ci_lower": float(lo[k]), "indirect_ci_upper": float(hi[k]),
            "indirect_std": float(pe["std_all"].iloc[k]),
            "direct": np.nan if direct is None else direct,
            "direct_ci_lower": np.nan if direct_ci is None else direct_ci[0],
            "direct_ci_upper": np.nan if direct_ci is None else direct_ci[1],
            "total": total, "total_ci_lower": float(tlo[0]), "total_ci_upper": float(thi[0]),
            "total_label": total_label, **d,
        })
    return pd.DataFrame(rows)


def bootstrap(
    fit: SEMResult,
    *,
    n_boot: int = 5000,
    ci: CI = "percentile",
    level: float = 0.95,
    rng=None,
    jobs: int = -1,
    scheduler=None,
    data=None,
    batch_size: int | None = None,
    progress: bool | None = None,
    cluster: str | None = None,
) -> BootstrapResult:
    """Nonparametric (case-resampling) bootstrap of a fitted model.

    Parameters
    ----------
    fit : SEMResult
        A converged single-group ML fit from :func:`surveykit.sem` / :func:`surveykit.cfa`.
    n_boot : int
        Number of bootstrap draws (lavaan: ``bootstrap = 5000``).
    ci : {"percentile", "bc", "bca"}
        Interval reported in ``ci_lower``/``ci_upper``: percentile (lavaan ``"perc"``),
        bias-corrected ``bc`` (lavaan ``"bca.simple"``: no acceleration) or ``bca`` (Efron's
        BCa; the acceleration comes from a jackknife, which refits the model ``n`` more times).
    level : float
        Confidence level.
    rng : int, numpy Generator or None
        Seed; recorded as ``rng_seed`` (drawn from the operating system when None).
    jobs : int
        Local worker processes (joblib/loky); ``-1`` all cores, ``1`` this process only.
    scheduler : str or dask.distributed.Client, optional
        ``"tcp://host:8786"`` or a Client: run the same batches on a Dask cluster instead.
        The workers need surveykit installed.
    data : DataFrame or SurveyData, optional
        The data the model was fitted to, when the fit does not carry them.
    batch_size : int, optional
        Draws per task (default: about eight tasks per worker, at most 250 draws each).
        Results do not depend on it.
    progress : bool, optional
        Draw a progress bar on stderr; default: only when stderr is a terminal.
    cluster : str, optional
        A column of ``data`` that identifies clusters (e.g. members' branches): each draw then
        resamples whole clusters with replacement, as many as there are, keeping their rows
        together (the cluster bootstrap; the jackknife of ``ci="bca"`` leaves out one cluster at
        a time).  Draws are seed-identical across ``jobs``, batch sizes and Dask as with rows.

    Returns
    -------
    BootstrapResult
        ``parameter_estimates()``, ``standardized_solution()``, ``mediation()``, ``draws``,
        ``n_boot``, ``n_failed``, ``n_nonadmissible``, ``rng_seed``, ``ci``.

    Notes
    -----
    The R equivalent is ``fit <- sem(model, data, se = "bootstrap", bootstrap = 5000);
    parameterEstimates(fit, boot.ci.type = "perc")`` (or ``"bca.simple"``); lavaan's
    ``standardizedSolution()`` gives delta-method intervals instead of bootstrap ones.

    Examples
    --------
    >>> import surveykit as sk
    >>> from surveykit.resampling import bootstrap
    >>> pdem = sk.datasets.political_democracy()
    >>> model = "ind60 =~ x1 + x2 + x3\\ndem60 =~ y1 + y2 + y3 + y4\\ndem65 =~ y5 + y6 + y7 + y8\\n" \\
    ...         "dem60 ~ a*ind60\\ndem65 ~ c*ind60 + b*dem60\\nind := a*b\\ntotal := c + a*b"
    >>> boot = bootstrap(sk.sem(model, pdem), n_boot=1000, ci="bca", rng=1)  # doctest: +SKIP
    >>> boot.mediation()[["effect", "indirect", "indirect_ci_lower", "decision"]]  # doctest: +SKIP
    """
    if not isinstance(fit, SEMResult):
        raise SpecError(f"fit must be the result of sem() or cfa(), not {type(fit).__name__}.")
    check_option("ci", ci, get_args(CI))
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise SpecError(f"n_boot={n_boot!r} must be an int of at least 2.")
    if not isinstance(level, (int, float)) or not 0 < level < 1:
        raise SpecError(f"level={level!r} must lie strictly between 0 and 1 (e.g. 0.95).")
    check_jobs(jobs)
    if getattr(fit, "two_level", False):
        raise SpecError("bootstrap() of a two-level model is not available yet; its standard errors already treat "
                        "the clusters as the units (estimator='MLR' for cluster-robust ones).")
    if getattr(fit.partable, "ngroups", 1) > 1:
        raise SpecError("bootstrap() does not handle multi-group fits yet; fit one group at a time.")
    if getattr(fit.partable, "meanstructure", False):
        raise SpecError("bootstrap() refits covariance structures only; fit the model without a mean structure.")
    if fit.estimator != "ML":
        raise SpecError(f"bootstrap() refits with ML; this fit used estimator={fit.estimator!r}.")
    if not fit.converged:
        raise EstimationError("The model did not converge on the full sample; bootstrapping it would "
                              "start every draw from a non-solution. Fix the model first.")
    x = _fit_data(fit, data)
    clusters = _cluster_rows(fit, data, cluster, x.shape[0]) if cluster is not None else None
    seed = resolve_seed(rng)
    n_boot = int(n_boot)
    k = len(fit.partable.table) + len(fit.partable.defined)
    # every draw's estimates and standardized values are kept (draws, intervals), as is the jackknife
    check_memory((n_boot + (x.shape[0] if ci == "bca" else 0)) * (2 * k * 8 + 1),
                 f"n_boot={n_boot} draws of {k} estimates", "n_boot")
    light = dataclasses.replace(fit, _data=None) if getattr(fit, "_data", None) is not None else fit
    pe = fit.parameter_estimates()
    est0 = pe["est"].to_numpy(dtype=float)
    std0 = pe["std_all"].to_numpy(dtype=float)
    common = dict(jobs=jobs, scheduler=scheduler, batch_size=batch_size, progress=progress)
    boot = _collect(_RefitTask(light, x, seed, "boot", clusters), n_boot, description="bootstrap", **common)
    jack = None
    if ci == "bca":
        n_jack = x.shape[0] if clusters is None else len(clusters)
        jack = _collect(_RefitTask(light, x, seed, "jack", clusters), n_jack, description="jackknife", **common)
    status = boot["status"]
    kept = status != FAILED
    n_failed = int((~kept).sum())
    n_nonadm = int((status == NONADMISSIBLE).sum())
    if kept.sum() < 2:
        raise EstimationError(f"Only {int(kept.sum())} of {n_boot} bootstrap draws converged; no intervals can be "
                              "formed. Check the model (identification, Heywood cases) and the sample size.")
    defined = _row_names(pe)[len(fit.partable.table):]
    nonfinite = _nonfinite_defined(boot["est"][kept], defined, n_rows=len(fit.partable.table))
    with capture_warnings() as log:
        for name, count in nonfinite.items():
            warnings.warn(f"The defined parameter {name} is not finite (a division by zero, the log of a negative "
                          f"value) in {count} of {int(kept.sum())} bootstrap draws; its interval and standard "
                          f"error use the other {int(kept.sum()) - count}, the other parameters every draw.",
                          DefinedParameterWarning, stacklevel=2)
        if n_failed:
            warnings.warn(f"{n_failed} of {n_boot} bootstrap draws did not converge and were dropped; the "
                          f"intervals use the other {n_boot - n_failed}.", ConvergenceWarning, stacklevel=2)
        if n_nonadm:
            warnings.warn(f"{n_nonadm} of {n_boot} bootstrap draws gave nonadmissible solutions (a negative "
                          "variance or a covariance matrix that is not positive definite); they were kept, as "
                          "lavaan keeps them.", HeywoodCaseWarning, stacklevel=2)
    d_est, d_std = boot["est"][kept], boot["std"][kept]
    jk_est = jk_std = None
    acc_est = acc_std = None
    if jack is not None:
        jok = jack["status"] != FAILED
        jk_est, jk_std = jack["est"][jok], jack["std"][jok]
        acc_est, acc_std = jackknife_acceleration(jk_est), jackknife_acceleration(jk_std)
    lo, hi = interval(d_est, est0, ci=ci, level=level, acceleration=acc_est)
    slo, shi = interval(d_std, std0, ci=ci, level=level, acceleration=acc_std)
    base = pe[["lhs", "op", "rhs", "label"]].reset_index(drop=True)
    params = base.assign(est=est0, se=bootstrap_se(d_est), ci_lower=lo, ci_upper=hi)
    std = base.assign(est_std=std0, se=bootstrap_se(d_std), ci_lower=slo, ci_upper=shi)
    med = _mediation_table(fit, est0, d_est, jk_est, ci=ci, level=level, lo=lo, hi=hi)
    return BootstrapResult(
        ci=ci, level=float(level), n_boot=n_boot, n_failed=n_failed, n_nonadmissible=n_nonadm, rng_seed=seed,
        _params=params, _std=std, _mediation=med, _draws=boot["est"], _std_draws=boot["std"], _status=status,
        _names=_row_names(pe), _jackknife=None if jack is None else jack["est"], warnings=tuple(log),
        cluster=cluster, n_clusters=None if clusters is None else len(clusters),
        nonfinite_draws=nonfinite,
    )


def _nonfinite_defined(draws: np.ndarray, names: tuple[str, ...], *, n_rows: int) -> dict[str, int]:
    """Kept draws in which each defined parameter is not finite (only those with any)."""
    counts = (~np.isfinite(draws[:, n_rows:])).sum(axis=0)
    return {name: int(c) for name, c in zip(names, counts) if c}
