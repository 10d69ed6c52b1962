"""One pipeline for every estimator, as lavaan's ``lavaan()`` runs its steps:

1. options (:mod:`surveykit.sem.options`), resolved and validated before anything else;
2. the parameter table (:mod:`surveykit.sem.partable`);
3. sample statistics (:mod:`surveykit.sem.samplestats`);
4. estimation: the ML fast path (:func:`surveykit.sem.estimate.optimize`), or the least-squares
   and FIML discrepancies (:mod:`surveykit.sem.discrepancy`), all minimized by the same
   Fisher-scoring optimizer with the same restarts;
5. information and standard errors (:mod:`surveykit.sem.inference`);
6. test statistics (:mod:`surveykit.sem.teststats`);
7. the baseline model through steps 4-6, and the fit measures
   (:mod:`surveykit.sem.fitmeasures`);
8. one result assembly (:mod:`surveykit.sem.assemble`).

:func:`estimate_partable` runs steps 4-6 for any parameter table and sample statistics, so
the baseline model, the models of the FIML-corrected robust fit indices and the fits of
invariance sequences go through exactly the same code as the user's model.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass

import numpy as np

from surveykit.errors import DataQualityWarning, IdentificationWarning
from surveykit.sem.discrepancy import FIML, LeastSquares
from surveykit.sem.estimate import Optimum, minimize_scoring, ml_hessian_total, optimize, starting_values
from surveykit.sem.inference import Context, VcovResult, observed_hessian, vcov_of
from surveykit.sem.moments import GroupModel, group_models
from surveykit.sem.options import Options
from surveykit.sem.partable import ParTable, with_exogenous_values
from surveykit.sem.ram import ml_discrepancy
from surveykit.sem.samplestats import GroupMoments, SampleMoments
from surveykit.sem.teststats import TestResult, robust_test, standard_test

__all__ = ["Estimation", "estimate_partable", "degrees_of_freedom", "ndat"]


@dataclass(frozen=True, eq=False)
class Estimation:
    """Steps 4-6 of one model: the optimum, its standard errors and test statistics."""

    options: Options
    pt: ParTable
    stats: SampleMoments
    models: tuple[GroupModel, ...]
    opt: Optimum
    f_groups: tuple[float, ...]  # each group's discrepancy (ML/FIML: relative to h1)
    fmin: float  # lavaan's fmin
    df: int
    ctx: Context
    vcov: VcovResult
    standard: TestResult
    robust: TestResult | None

    @property
    def theta(self) -> np.ndarray:
        return self.opt.theta

    @property
    def rams(self):
        return [m.ram for m in self.models]


def ndat(pt: ParTable) -> int:
    """The number of sample statistics the model reproduces (lavaan's ``lav_partable_ndat``)."""
    p = len(pt.ov_names)
    nx = len(pt.ov_x)
    t = pt.table
    out = 0
    for g in range(1, pt.ngroups + 1):
        if pt.categorical:
            # thresholds, (numeric: mean and variance), correlations; given covariates also the slopes
            py = p - nx
            nth = int(((t["group"] == g) & (t["op"] == "|")).sum())
            out += py * (py - 1) // 2 + nth + (py - len(pt.ov_ord)) * 2 + py * nx
            continue
        pstar = p * (p + 1) // 2 + (p if pt.meanstructure else 0)
        pstar -= nx * (nx + 1) // 2 + (nx if pt.meanstructure else 0)
        out += pstar
    return out


def degrees_of_freedom(pt: ParTable) -> int:
    return ndat(pt) - pt.n_free


def _alternative_starts(pt: ParTable, theta0: np.ndarray) -> np.ndarray:
    """lavaan's "simple" starts for latent variances (0.05), tried when the default starts fail."""
    alt = theta0.copy()
    t = pt.table
    lv = set(pt.lv_names)
    for r in t[(t["op"] == "~~") & (t["lhs"] == t["rhs"]) & (t["free"] > 0) & t["lhs"].isin(lv)].itertuples():
        alt[r.free - 1] = 0.05
    return alt


def _minimize(theta0: np.ndarray, pt: ParTable, runner, default_starts=None) -> Optimum:
    """Scoring from the starts (the user's start() values where given); when that does not
    converge, from lavaan's "simple" starts, then (when the user gave start values) from the
    default starts without them; only then the slower L-BFGS-B fallback from the best attempt.
    The converged solution with the lowest discrepancy is kept; a ConvergenceWarning is raised
    only when every attempt fails."""
    first = runner(theta0, fallback=False)
    if first.converged:
        return first
    attempts = [first, runner(_alternative_starts(pt, theta0), fallback=False)]
    if default_starts is not None and np.isfinite(pt.table["start"].to_numpy(dtype=float)).any():
        plain = default_starts()
        attempts += [runner(plain, fallback=False), runner(_alternative_starts(pt, plain), fallback=False)]
    candidates = [o for o in attempts if o.converged]
    if candidates:
        return min(candidates, key=lambda o: o.fmin)
    best = min(attempts, key=lambda o: o.fmin if np.isfinite(o.fmin) else np.inf)
    return runner(best.theta if np.isfinite(best.fmin) else theta0, fallback=True)


def _fiml_start(rams, stats: SampleMoments, theta0: np.ndarray) -> np.ndarray:
    """Starting values for FIML: the complete-data ML estimates at the saturated model's EM
    moments (a fast fit that lands near the FIML optimum, so that the expensive pattern-wise
    scoring needs a few iterations instead of a dozen).  Only a start: the FIML optimum itself is
    found from it as from any other; when the fit fails, lavaan's starts are used."""
    groups = tuple(GroupMoments(cov=g.cov, mean=g.mean, nobs=g.nobs, x_idx=g.x_idx) for g in stats.groups)
    em = dataclasses.replace(stats, groups=groups, missing="listwise")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt = optimize(rams, theta0, em, fallback=False, max_iter=200)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return theta0
    return opt.theta if opt.converged and np.all(np.isfinite(opt.theta)) else theta0


def estimate_partable(pt: ParTable, stats: SampleMoments, options: Options, *, start: np.ndarray | None = None,
                      se: bool = True, tests: bool = True, engine_theta: np.ndarray | None = None) -> Estimation:
    """Steps 4-6 for a parameter table whose fixed.x rows are already filled."""
    models = tuple(group_models(pt))
    rams = [m.ram for m in models]
    theta0 = starting_values(pt, rams[0], stats) if start is None else np.asarray(start, dtype=float)
    base = options.base
    if base == "ML" and not options.fiml:
        def runner(th, fallback):
            return optimize(rams, th, stats, fallback=fallback, max_iter=0 if engine_theta is not None else 500)

        def hessian(th):
            if not any(r.meanstructure for r in rams):
                return ml_hessian_total(rams, th, stats)
            ctx_h = Context(options=options, stats=stats, models=models, theta=th)
            return observed_hessian(ctx_h, [_ml_gradient_terms(r, th, gm) for r, gm in zip(rams, stats.groups)])
        problem = None
    else:
        problem = FIML(rams, stats) if options.fiml else LeastSquares(list(models), stats)

        def hessian(th):
            if options.fiml:
                ctx_h = Context(options=options, stats=stats, models=models, theta=th)
                return observed_hessian(ctx_h, problem.gradient_terms(th))
            return 0.5 * problem.pieces(th)[1]

        observed = hessian

        def pieces(th, hessian=True):
            # FIML near the optimum: Newton steps with the exact (observed) Hessian, because with missing
            # data the expected information differs from it and Fisher scoring converges only linearly
            if hessian == "observed":
                return problem.pieces(th, hessian=False)[0], 2.0 * observed(th)
            return problem.pieces(th, hessian=hessian)

        def runner(th, fallback):
            # FIML: the expected information is most of an iteration's cost; near the optimum it is kept
            # (partial_hessian) while it still contracts the gradient, then the observed one serves
            return minimize_scoring(problem.f, pieces if options.fiml else problem.pieces, th, fallback=fallback,
                                    max_iter=0 if engine_theta is not None else 500,
                                    partial_hessian=options.fiml, observed=options.fiml)
    if engine_theta is not None:
        opt = runner(np.asarray(engine_theta, dtype=float), False)
        opt = dataclasses.replace(opt, method="semopy L-BFGS-B", converged=True)
    elif pt.n_free == 0:
        opt = runner(theta0, False)
    else:
        if options.fiml and start is None:
            theta0 = _fiml_start(rams, stats, theta0)
        opt = _minimize(theta0, pt, runner,
                        default_starts=lambda: starting_values(pt, rams[0], stats, user_starts=False))
    f_groups = _group_discrepancies(options, models, stats, opt.theta, problem)
    n_all = stats.nobs
    if options.fiml or base == "ML":
        fmin = float(sum(g.nobs / n_all * 0.5 * f for g, f in zip(stats.groups, f_groups)))
    else:
        fmin = float(sum(0.5 * (g.nobs - 1) / n_all * f for g, f in zip(stats.groups, f_groups)))
    df = degrees_of_freedom(pt)
    _warn_model_size(pt, stats, df)
    ctx = Context(options=options, stats=stats, models=models, theta=opt.theta, hessian=hessian,
                  n_free_rows=int((pt.table["free"] > 0).sum()))
    vc = vcov_of(ctx) if se else VcovResult(vcov=np.full((pt.n_free, pt.n_free), np.nan), information=None,
                                            e_inv=None)
    stat_group = [options.n_factor(g.nobs) * f for g, f in zip(stats.groups, f_groups)]
    if options.fiml:
        stat_group = [g.nobs * f for g, f in zip(stats.groups, f_groups)]
    std = standard_test(ctx, stat_group, df)
    rob = robust_test(ctx, std, vc.e_inv) if tests else None
    return Estimation(options=options, pt=pt, stats=stats, models=models, opt=opt, f_groups=tuple(f_groups),
                      fmin=fmin, df=df, ctx=ctx, vcov=vc, standard=std, robust=rob)


def _warn_model_size(pt: ParTable, stats: SampleMoments, df: int) -> None:
    """Warn when the model has more free parameters than sample statistics (not identified) or
    than rows (N): both reach the result's warnings and the report."""
    if df < 0:
        warnings.warn(
            f"The model has more free parameters ({pt.n_free}) than sample statistics ({ndat(pt)}): df = {df}, so it "
            "is not identified and its estimates are not unique. Fix or constrain parameters (e.g. equal loadings) "
            "or add indicators.", IdentificationWarning, stacklevel=4)
    if stats.nobs < pt.n_free:
        warnings.warn(
            f"The sample (N = {stats.nobs} rows used) is smaller than the number of free parameters ({pt.n_free}): "
            "the estimates, standard errors and test statistic are not trustworthy. Collect more data or estimate "
            "a smaller model.", DataQualityWarning, stacklevel=4)


def _ml_gradient_terms(ram, theta: np.ndarray, gm) -> tuple[np.ndarray, np.ndarray]:
    """``(W, t)`` of the complete-data ML discrepancy: W = Sigma^-1 - Sigma^-1 (S + d d') Sigma^-1,
    t = -2 Sigma^-1 d with d the sample minus the implied means."""
    sigma, _, _ = ram.implied(theta)
    sinv = np.linalg.inv(sigma)
    d = gm.mean - ram.implied_means(theta)[: ram.n_obs_vars]
    sd = sinv @ d
    return sinv - sinv @ gm.cov @ sinv - np.outer(sd, sd), -2.0 * sd


def _group_discrepancies(options: Options, models, stats: SampleMoments, theta: np.ndarray, problem) -> list[float]:
    """Each group's discrepancy at the optimum: F_ML (complete data), F_FIML - F_h1 (FIML), or the
    least-squares F."""
    if options.fiml:
        vals = problem.group_values(theta)
        out = []
        for gm, v in zip(stats.groups, vals):
            h1 = -2.0 * gm.h1.logl / gm.nobs - sum(pt.n * len(pt.obs) for pt in gm.pats) / gm.nobs * math.log(
                2 * math.pi)
            out.append(v - h1)
        return out
    if options.base == "ML":
        out = []
        for m, gm in zip(models, stats.groups):
            sigma, mu = m.implied(theta)
            dev = (gm.mean - mu) if m.meanstructure else None
            out.append(ml_discrepancy(sigma, gm.cov, gm.logdet, dev))
        return out
    return problem.group_values(theta)


def fill_exogenous(pt: ParTable, stats: SampleMoments) -> ParTable:
    """The table with its fixed.x rows set to each group's sample moments of the covariates."""
    covs, means = [], []
    p = len(stats.names)
    for g in stats.groups:
        if g.cov_x is None:
            covs.append(g.cov)
            means.append(g.mean)
            continue
        # ordinal indicators conditional on the covariates: only the covariates' own moments exist
        xi = list(g.x_idx)
        cov, mean = np.zeros((p, p)), np.zeros(p)
        cov[np.ix_(xi, xi)] = g.cov_x
        mean[xi] = g.mean_x
        covs.append(cov)
        means.append(mean)
    return with_exogenous_values(pt, covs, means, stats.names)
