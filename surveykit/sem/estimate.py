"""Estimation as a short sequence of small steps (lavaan's habit).

1. :func:`sample_moments` - listwise data to the N-divisor covariance matrix (lavaan's
   ``likelihood="normal"``).
2. :func:`starting_values` - lavaan-like starts: triad ("fabin"-style) loadings, half the
   observed variances for residuals, indicator-based latent variances, zero paths.
3. :func:`optimize` - Fisher scoring with step halving on the discrepancy, analytic
   derivatives; for ML without a mean structure, Newton steps with the exact Hessian once
   the steps are small (:meth:`RamModel.ml_hessian`), a Hessian kept while it contracts the
   gradient; L-BFGS-B as a fallback when neither can make progress.
4. :func:`expected_vcov` - the inverse expected information, ``2/N H^-1``.

Cost (issue 8): gradients and information come from factored derivatives
(:meth:`RamModel.entry_derivatives`), O(p x parameters^2) per iteration and independent of
N; the 32-item demo SEM takes ~40 us per function evaluation and ~30 us per gradient on
one core.  Profiles that led here are in ``benchmarks/results/profile-*.txt``.

Why not semopy: its ML stops early (2e-3 relative error against lavaan), its starting
values hang with std.lv, and its cost grows steeply with model size; see issue notes.
"""

from __future__ import annotations

import statistics
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize as sp_optimize
from scipy.linalg.lapack import dpotrf as _potrf
from scipy.linalg.lapack import dpotrs as _potrs
from scipy.linalg.lapack import dtrtri as _trtri

from surveykit.errors import ConvergenceWarning, EstimationError, NonPositiveDefiniteWarning
from surveykit.sem.partable import ParTable
from surveykit.sem.ram import EntryDerivatives, RamModel
from surveykit.sem.samplestats import GroupMoments, SampleMoments

__all__ = ["starting_values", "optimize", "optimize_ml", "minimize_scoring", "expected_vcov", "Optimum",
           "ml_hessian_total"]


def _lv_starts(pt: ParTable, names: tuple[str, ...], n_obs: int, rows: list[tuple], s: np.ndarray):
    """Loading and latent-variance starts for one group (triad ratios around the marker).
    ``rows``: the group's table rows as (lhs, op, rhs, free, ustart) tuples."""
    idx = {n: i for i, n in enumerate(names)}
    lam: dict[tuple[str, str], float] = {}
    lv_var: dict[str, float] = {}
    by_lv: dict[str, list[tuple]] = {}
    for r in rows:
        if r[1] == "=~":
            by_lv.setdefault(r[0], []).append(r)
    for lv in pt.lv_names:
        lv_rows = by_lv.get(lv, [])
        inds = [r[2] for r in lv_rows if r[2] in idx and idx[r[2]] < n_obs]
        fixed_rows = [r for r in lv_rows if r[3] == 0]
        marker = fixed_rows[0][2] if fixed_rows else None
        std_lv = marker is None or marker not in inds
        if not inds:
            lv_var[lv] = 1.0 if std_lv else 0.05
            continue
        # std.lv: the first indicator serves as the reference, and the loadings are rescaled by the
        # factor's standard deviation below, so their signs follow the first indicator (lavaan)
        ref = inds[0] if std_lv else marker
        ref_value = 1.0 if std_lv else float(fixed_rows[0][4])
        m = idx[ref]
        others = [idx[r] for r in inds if r != ref]
        for r in inds:
            j = idx[r]
            if r == ref:
                lam[(lv, r)] = ref_value
                continue
            ratios = [s[j, k] / s[m, k] for k in others if k != j and abs(s[m, k]) > 1e-8]
            lam[(lv, r)] = (float(statistics.median(ratios)) if ratios
                            else float(np.sign(s[j, m]) * np.sqrt(s[j, j] / s[m, m])))
        covs = [s[m, k] / lam[(lv, names[k])] for k in others if abs(lam[(lv, names[k])]) > 1e-8]
        v = float(statistics.median(covs)) if covs else 0.5 * s[m, m]
        v = max(v, 0.05)
        if std_lv:
            for r in inds:
                lam[(lv, r)] *= np.sqrt(v)
            v = 1.0
        lv_var[lv] = v
    return lam, lv_var


def starting_values(pt: ParTable, model: RamModel, s: np.ndarray | SampleMoments, *,
                    user_starts: bool = True) -> np.ndarray:
    """Starting values in the spirit of lavaan's defaults (see module docstring), with the user's
    ``start()`` values unless ``user_starts`` is False.

    ``s`` is the group-1 covariance matrix or the SampleMoments of all groups.
    """
    groups = s.groups if isinstance(s, SampleMoments) else (GroupMoments(cov=s, mean=np.zeros(len(s)), nobs=0),)
    t_all = pt.table
    idx = {n: i for i, n in enumerate(model.names)}
    theta = np.zeros(model.n_par)
    have = np.zeros(model.n_par, dtype=bool)
    # plain lists: per-row pandas access was most of a small model's fitting time
    cols = [t_all[c].tolist() for c in ("lhs", "op", "rhs", "free", "ustart", "start")]
    group_col = t_all["group"].tolist() if "group" in t_all.columns else [1] * len(t_all)
    all_rows = list(zip(*cols, group_col))
    for g, gm in enumerate(groups, start=1):
        rows = [r for r in all_rows if r[6] == g]
        lam, lv_var = _lv_starts(pt, model.names, model.n_obs_vars, rows, gm.cov)
        for lhs, op, rhs, free, _ustart, start, _ in rows:
            k = int(free) - 1
            if k < 0 or have[k]:
                continue
            if user_starts and np.isfinite(start):
                val = float(start)
            elif op == "|":
                val = float(gm.thresholds[idx[lhs]][int(rhs[1:]) - 1]) if gm.thresholds else 0.0
            elif op == "~*~":
                val = 1.0
            elif op == "=~":
                val = lam.get((lhs, rhs), 1.0)
            elif op == "~":
                val = 0.0
            elif op == "~1":
                val = float(gm.mean[idx[lhs]]) if lhs in idx and idx[lhs] < model.n_obs_vars else 0.0
            elif lhs == rhs:
                val = lv_var[lhs] if lhs in lv_var else 0.5 * gm.cov[idx[lhs], idx[lhs]]
            else:
                val = 0.0
            theta[k] = val
            have[k] = True
    return theta


@dataclass(frozen=True)
class Optimum:
    theta: np.ndarray
    fmin: float  # lavaan's fmin: sum_g (n_g / N) F_g / 2
    iterations: int
    converged: bool
    method: str
    gradient: np.ndarray
    message: str


def group_pieces(model: RamModel, theta: np.ndarray, gm: GroupMoments, *,
                 hessian: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradient of the ML discrepancy F_g and its Gauss-Newton (expected) Hessian ``H_g`` (None
    unless ``hessian``): ``g = tr(W dSigma) - 2 d' Sigma^-1 dmu`` with
    ``W = Sigma^-1 - Sigma^-1 (S + d d') Sigma^-1``, ``H = tr(Sigma^-1 dS_i Sigma^-1 dS_j) +
    2 dmu_i' Sigma^-1 dmu_j``, from the factored derivatives (:meth:`RamModel.entry_derivatives`):
    O(p x entries^2), not the O(p^2 x n_par^2) of traces over a stack of dSigma matrices.
    """
    sigma, _, _ = model.implied(theta)
    ed = model.entry_derivatives(theta)
    sinv = np.linalg.inv(sigma)
    dev = (gm.mean - model.implied_means(theta)[: model.n_obs_vars]) if model.meanstructure else None
    g, _ = _ml_gradient(ed, sinv, gm.cov, dev)
    return g, (ed.information(sinv, sinv if dev is not None else None) if hessian else None)


def _ml_gradient(ed: EntryDerivatives, sinv: np.ndarray, cov: np.ndarray,
                 dev: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(gradient of F_ML, its matrix ``W = Sigma^-1 - Sigma^-1 (S + d d') Sigma^-1``) with the mean
    residuals ``dev`` (None without a mean structure): ``g = tr(W dSigma) - 2 d' Sigma^-1 dmu``."""
    w = sinv - sinv @ cov @ sinv
    if dev is None:
        return ed.gradient(w), w
    sd = sinv @ dev
    w -= np.outer(sd, sd)
    return ed.gradient(w, mean_term=-2.0 * sd), w


class _MLPoint:
    """One group's ML discrepancy at one parameter vector, with what its gradient reuses
    (``B = (I - A)^-1``, S, Sigma^-1): the line search's accepted point becomes the next
    scoring step's point without a second evaluation."""

    __slots__ = ("B", "S", "FC", "sinv", "dev", "f", "logdet", "ed")

    def __init__(self, model: RamModel, theta: np.ndarray, gm: GroupMoments, logdet_s: float) -> None:
        A, self.S = model.matrices(theta)
        self.B = model.inverse(A)
        p = model.n_obs_vars
        fb = self.B[:p]
        self.FC = (fb @ self.S) @ self.B.T  # observed with all variables; Sigma is its first p columns
        sigma = np.ascontiguousarray(self.FC[:, :p])
        self.sinv, logdet = _chol_inverse(sigma)
        self.logdet = logdet
        self.dev = None
        self.ed = None
        if self.sinv is None:
            self.f = np.inf
            return
        f = logdet + float(np.einsum("ij,ij->", gm.cov, self.sinv)) - logdet_s - len(sigma)
        if model.meanstructure:
            self.dev = gm.mean - fb @ model.mean_vector(theta)
            f += float(self.dev @ self.sinv @ self.dev)
        self.f = f

    def with_moments(self, gm: GroupMoments, logdet_s: float) -> _MLPoint:
        """The same parameter point for other sample moments (no mean structure): everything
        but the discrepancy carries over, so refits of resamples from one solution share it."""
        if self.dev is not None or self.sinv is None:
            raise ValueError("with_moments needs a finite point without a mean structure")
        new = object.__new__(_MLPoint)
        new.B, new.S, new.FC, new.sinv, new.logdet, new.ed, new.dev = (
            self.B, self.S, self.FC, self.sinv, self.logdet, self.ed, None)
        new.f = self.logdet + float(np.einsum("ij,ij->", gm.cov, self.sinv)) - logdet_s - len(self.sinv)
        return new

    def pieces(self, model: RamModel, theta: np.ndarray, gm: GroupMoments,
               hessian: bool | str) -> tuple[np.ndarray, np.ndarray | None]:
        """Gradient and (optionally) Hessian of F_g: the expected one as :func:`group_pieces`
        (``hessian=True``), or the exact one (``hessian="observed"``; without a mean structure,
        else the expected)."""
        sinv = self.sinv
        ed = self.ed
        if ed is None:
            ed = self.ed = model.entry_derivatives(theta, self.B, self.S, self.FC)
        g, w = _ml_gradient(ed, sinv, gm.cov, self.dev)
        if not hessian:
            return g, None
        if hessian == "observed" and self.dev is None:
            return g, model.ml_hessian(ed, self.B, self.S, sinv, w)
        return g, ed.information(sinv, sinv if self.dev is not None else None)


def _logdet(s: np.ndarray) -> float:
    """log|S| from a Cholesky factorization (slogdet's LU when S is not positive definite)."""
    c, info = _potrf(s, lower=True, clean=False)
    if info == 0:
        return 2.0 * float(np.log(np.diagonal(c)).sum())
    return float(np.linalg.slogdet(s)[1])


def _chol_inverse(sigma: np.ndarray) -> tuple[np.ndarray | None, float]:
    """(Sigma^-1, log|Sigma|) from a Cholesky factorization; (None, inf) when Sigma is not positive
    definite.  LAPACK's potrf/trtri directly: numpy's inv and solve cost ~20 us of call
    overhead each on these small matrices, a large part of a scoring iteration."""
    c, info = _potrf(sigma, lower=True, clean=True)
    if info != 0:
        return None, np.inf
    logdet = 2.0 * float(np.log(np.diagonal(c)).sum())
    c_inv, info = _trtri(c, lower=True)
    if info != 0:
        return None, np.inf
    return c_inv.T @ c_inv, logdet


def optimize(
    models: list[RamModel] | tuple[RamModel, ...],
    theta0: np.ndarray,
    sm: SampleMoments,
    *,
    estimator: str = "ML",
    max_iter: int = 500,
    gtol: float = 1e-9,
    xtol: float = 0.0,
    fallback: bool = True,
    hessian0: np.ndarray | None = None,
    start_point: _MLPoint | None = None,
) -> Optimum:
    """Minimize the ML discrepancy ``sum_g (n_g/N) F_g`` by Fisher scoring with step halving and
    Newton steps near the optimum (L-BFGS-B fallback).
    ``xtol`` > 0 also stops when no parameter moved by more than ``xtol`` in the last step
    (the refits of resampling use it).  ``start_point`` (single-group ML without a mean
    structure): :func:`ml_point` at ``theta0`` computed once for many refits from it."""
    n_all = sm.nobs
    w = [gm.nobs / n_all for gm in sm.groups]
    logdets = [_logdet(gm.cov) for gm in sm.groups]
    if estimator == "ML":
        groups = list(zip(w, models, sm.groups, logdets))
        last: dict[str, object] = {}
        if start_point is not None and len(groups) == 1 and not models[0].meanstructure:
            last["theta"], last["points"] = theta0.copy(), [start_point.with_moments(sm.groups[0], logdets[0])]

        def points(th: np.ndarray) -> list[_MLPoint] | None:
            if last and np.array_equal(last["theta"], th):
                return last["points"]
            pts = []
            for _, model, gm, ld in groups:
                pt = _MLPoint(model, th, gm, ld)
                if not np.isfinite(pt.f):
                    return None
                pts.append(pt)
            last["theta"], last["points"] = th.copy(), pts
            return pts

        def f(th: np.ndarray) -> float:
            pts = points(th)
            return np.inf if pts is None else float(sum(wg * pt.f for (wg, *_), pt in zip(groups, pts)))

        def pieces(th: np.ndarray, hessian: bool | str = True) -> tuple[np.ndarray, np.ndarray | None]:
            pts = points(th)
            g_tot = np.zeros(len(th))
            h_tot = np.zeros((len(th), len(th))) if hessian else None
            for (wg, model, gm, _), pt in zip(groups, pts):
                g, h = pt.pieces(model, th, gm, hessian)
                g_tot += wg * g
                if hessian:
                    h_tot += wg * h
            return g_tot, h_tot

        return minimize_scoring(f, pieces, theta0, max_iter=max_iter, gtol=gtol, xtol=xtol, fallback=fallback,
                                partial_hessian=True, observed=not any(m.meanstructure for m in models),
                                hessian0=hessian0)

    raise ValueError(f"optimize() is the maximum-likelihood fast path, not {estimator!r}; see sem.discrepancy")


def _solve_pd(h: np.ndarray, g: np.ndarray, ridge: bool = True) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``h^-1 g`` and the Cholesky factor of h for reuse (:func:`_cho_solve`).  When h is not
    positive definite: least squares with a small ridge and no factor (``ridge``), else
    (None, None).  LAPACK directly (scipy's cho_factor/cho_solve wrappers cost ~20 us a call)."""
    c, info = _potrf(h, lower=False, clean=False)
    if info == 0:
        return _cho_solve(c, g), c
    if not ridge:
        return None, None
    return np.linalg.lstsq(h + 1e-8 * np.eye(len(g)), g, rcond=None)[0], None


def _cho_solve(c: np.ndarray, g: np.ndarray) -> np.ndarray:
    x, info = _potrs(c, g, lower=False)
    if info != 0:  # pragma: no cover - only for malformed arguments
        raise np.linalg.LinAlgError(f"potrs failed (info={info})")
    return x


def minimize_scoring(f, pieces, theta0: np.ndarray, *, max_iter: int = 500, gtol: float = 1e-9,
                     xtol: float = 0.0, fallback: bool = True, partial_hessian: bool = False,
                     observed: bool = False, hessian0: np.ndarray | None = None) -> Optimum:
    """Fisher scoring with step halving on ``f`` (``pieces(theta) -> (gradient, Gauss-Newton
    Hessian)``), falling back to L-BFGS-B when scoring cannot make progress.  ``fmin`` is f/2.
    ``max_iter=0`` evaluates ``theta0`` without moving (to adopt another engine's optimum).

    With ``partial_hessian`` (``pieces(theta, hessian=False)`` returns the gradient only), the
    Hessian and its factorization are kept once a step moved no parameter by more than 0.1:
    near the optimum the expected information changes little, and recomputing it was most of
    an iteration's cost.  ``xtol`` > 0: converged when the last step moved no parameter by
    more than ``xtol``.

    With ``observed`` (``pieces(theta, hessian="observed")`` gives the exact Hessian), the first
    small step switches from Fisher scoring to Newton steps with the exact Hessian, computed
    once and kept while it serves: with a model that does not fit exactly, Fisher scoring
    converges only linearly near the optimum (26-43 iterations for bootstrap samples of the
    Holzinger-Swineford CFA), Newton quadratically.  An exact Hessian that is not positive
    definite is replaced by the expected information.

    ``hessian0`` (with ``partial_hessian``): the upper Cholesky factor of the Hessian the first
    iteration would compute (the expected information at ``theta0``, which does not depend on
    the data: refits of bootstrap samples from the full-sample solution all share it)."""
    if max_iter == 0:
        g0 = pieces(theta0)[0]
        return Optimum(theta=theta0.copy(), fmin=f(theta0) / 2.0, iterations=0,
                       converged=bool(np.max(np.abs(g0)) < 1e-5), method="evaluated", gradient=g0, message="")
    theta = theta0.copy()
    fval = f(theta)
    it = 0
    converged = False
    method = "fisher-scoring"
    message = ""
    g = np.full(len(theta), np.nan)
    gradient = (lambda th: pieces(th, hessian=False)[0]) if partial_hessian else (lambda th: pieces(th)[0])
    if np.isfinite(fval):
        fac = hessian0 if partial_hessian else None
        mode: bool | str = True
        g_prev = np.inf
        retried = False
        for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
            reused = fac is not None
            if reused:
                g = pieces(theta, hessian=False)[0]
                g_now = float(np.max(np.abs(g)))
                if g_now > 0.25 * g_prev and g_now > gtol:
                    # the kept Hessian no longer contracts the gradient fast: a new one here
                    fac = None
                    reused = False
                    g, h = pieces(theta, hessian=mode) if mode is not True else pieces(theta)
            else:
                g, h = pieces(theta, hessian=mode) if mode is not True else pieces(theta)
            g_prev = float(np.max(np.abs(g)))
            if np.max(np.abs(g)) < gtol:
                converged = True
                break
            if fac is not None:
                step = _cho_solve(fac, g)
            else:
                step, fac = _solve_pd(h, g, ridge=mode is True)
                if fac is None and mode == "observed":  # not positive definite: Fisher scoring
                    mode = True
                    g, h = pieces(theta)
                    step, fac = _solve_pd(h, g)
            big = float(np.max(np.abs(step)))
            fresh_fisher = mode is True and not reused  # this step's Hessian: fresh expected information
            if not partial_hessian or big > 0.1:
                fac = None  # recompute the Hessian at the next point
                mode = True
            elif observed and mode is True:
                fac = None  # close enough: the exact Hessian from the next point on
                mode = "observed"
            t = 1.0
            improved = False
            decrease = float(g @ step)
            # a decrease below what f can resolve in floating point: the full step is taken when
            # f is no worse beyond rounding (the gradient still guides; halving would not help)
            resolvable = decrease > 1e-13 * max(1.0, abs(fval))
            for _ in range(40):
                cand = theta - t * step
                fc = f(cand)
                if fc <= fval - 1e-4 * t * decrease or (fc < fval and t < 1e-3) or (
                        not resolvable and fc <= fval + 1e-13 * max(1.0, abs(fval))):
                    improved = True
                    break
                t *= 0.5
            if not improved and not fresh_fisher and not retried:
                fac = None  # a kept or exact Hessian no longer serves: Fisher scoring from here
                mode = True
                retried = True
                continue
            if not improved:
                if abs(fval - f(cand)) < 1e-14 * max(1.0, abs(fval)):
                    converged = np.max(np.abs(g)) < 1e-5
                message = "Fisher scoring could not decrease the discrepancy"
                break
            theta, fval_old, fval = cand, fval, fc
            retried = False
            if abs(fval_old - fval) < 1e-16 * max(1.0, abs(fval)) and np.max(np.abs(g)) < 1e-6:
                converged = True
                break
            if t == 1.0 and big < xtol:
                # converged: the gradient reported is the last one computed, at the point before
                # this (tiny) step; refits do not need it at the new point
                converged = True
                break
    if not converged and fallback:
        method = "L-BFGS-B"

        def fg(th: np.ndarray) -> tuple[float, np.ndarray]:
            val = f(th)
            if not np.isfinite(val):
                return 1e10, np.zeros_like(th)
            return val, gradient(th)

        res = sp_optimize.minimize(
            fg, theta0 if not np.isfinite(fval) else theta, jac=True, method="L-BFGS-B",
            options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10},
        )
        theta = res.x
        fval = f(theta)
        it += int(res.nit)
        g = gradient(theta) if np.isfinite(fval) else np.full(len(theta), np.nan)
        converged = bool(np.isfinite(fval) and np.max(np.abs(g)) < 1e-5)
        message = str(res.message)
    if not np.isfinite(fval):
        raise EstimationError(
            "Estimation failed: the model-implied covariance matrix is not positive definite at every "
            "point the optimizer tried. Check the model (identification, starting values)."
        )
    if not converged and fallback:
        warnings.warn(
            f"The optimizer did not converge after {it} iterations (largest gradient "
            f"{np.max(np.abs(g)):.2g}); estimates and fit are not trustworthy. {message}".strip(),
            ConvergenceWarning,
            stacklevel=3,
        )
    return Optimum(theta=theta, fmin=fval / 2.0, iterations=it, converged=converged, method=method,
                   gradient=g, message=message)


def expected_hessian_factor(model: RamModel, theta: np.ndarray) -> np.ndarray | None:
    """The upper Cholesky factor of the expected information of single-group ML at ``theta``
    (for ``optimize(..., hessian0=)``; it does not depend on the data); None when it is not
    positive definite."""
    sigma, _, _ = model.implied(theta)
    gm = GroupMoments(cov=sigma, mean=np.zeros(len(sigma)), nobs=1)
    _, h = group_pieces(model, theta, gm)
    c, info = _potrf(h, lower=False, clean=False)
    return c if info == 0 else None


def ml_point(model: RamModel, theta: np.ndarray) -> _MLPoint | None:
    """The parameter point ``theta`` of single-group ML without a mean structure, with its
    derivatives, for ``optimize(..., start_point=)``; None when Sigma(theta) is not positive
    definite or the model has a mean structure."""
    if model.meanstructure:
        return None
    sigma, _, _ = model.implied(theta)
    pt = _MLPoint(model, theta, GroupMoments(cov=sigma, mean=np.zeros(len(sigma)), nobs=1), 0.0)
    if pt.sinv is None:
        return None
    pt.ed = model.entry_derivatives(theta, pt.B, pt.S, pt.FC)
    return pt


def optimize_ml(model: RamModel, theta0: np.ndarray, s: np.ndarray, **kwargs) -> Optimum:
    """Single-group ML on a covariance matrix (no mean structure): the refit fast path."""
    gm = GroupMoments(cov=s, mean=np.zeros(len(s)), nobs=1)
    return optimize([model], theta0, SampleMoments(names=(), groups=(gm,), n_total=1), **kwargs)


def ml_hessian_total(models, theta: np.ndarray, sm: SampleMoments) -> np.ndarray:
    """The Hessian of lavaan's ML objective ``sum_g (n_g/N) F_g / 2`` (the observed information per
    observation): analytic (:meth:`RamModel.ml_hessian`) without a mean structure, else the
    Jacobian of the analytic gradient by central differences."""
    n_all = sm.nobs
    k = len(theta)
    if not any(m.meanstructure for m in models):
        total = np.zeros((k, k))
        for model, gm in zip(models, sm.groups):
            A, S = model.matrices(theta)
            B = model.inverse(A)
            sigma = (B @ S @ B.T)[: model.n_obs_vars, : model.n_obs_vars]
            sinv = np.linalg.inv(sigma)
            ed = model.entry_derivatives(theta, B, S)
            _, w = _ml_gradient(ed, sinv, gm.cov, None)
            total += gm.nobs / n_all * 0.5 * model.ml_hessian(ed, B, S, sinv, w)
        return (total + total.T) / 2.0

    def gradient(th: np.ndarray) -> np.ndarray:
        g = np.zeros(k)
        for model, gm in zip(models, sm.groups):
            g += gm.nobs / n_all * 0.5 * group_pieces(model, th, gm, hessian=False)[0]
        return g

    from surveykit.sem.discrepancy import numerical_hessian

    return numerical_hessian(gradient, theta)


def expected_vcov(model: RamModel, theta: np.ndarray, nobs: int) -> tuple[np.ndarray, np.ndarray]:
    """Single-group ML: inverse expected information (lavaan ``information="expected"``).

    Returns ``(vcov, h)`` where ``h[i, j] = tr(Sigma^-1 dSigma_i Sigma^-1 dSigma_j)`` and
    ``vcov = (N/2 h)^-1``.
    """
    sigma, _, _ = model.implied(theta)
    gm = GroupMoments(cov=sigma, mean=np.zeros(len(sigma)), nobs=nobs)
    _, h = group_pieces(model, theta, gm)
    info = nobs / 2.0 * h
    eig = np.linalg.eigvalsh(info)
    if eig.size and eig.min() <= 1e-10 * max(eig.max(), 1e-300):
        warnings.warn(
            "The information matrix is singular (smallest eigenvalue "
            f"{eig.min():.3g}): the model may not be identified; standard errors are not available.",
            NonPositiveDefiniteWarning, stacklevel=3)
        return np.full_like(info, np.nan), h
    return np.linalg.inv(info), h
