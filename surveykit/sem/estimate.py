"""Estimation as a short sequence of small steps (lavaan's habit).

1. :func:`sample_moments` - listwise data to the N-divisor covariance matrix (lavaan's
   ``likelihood="normal"``).
2. :func:`starting_values` - lavaan-like starts: triad ("fabin"-style) loadings, half the
   observed variances for residuals, indicator-based latent variances, zero paths.
3. :func:`optimize_ml` - Fisher scoring with step halving on the ML discrepancy, analytic
   derivatives; L-BFGS-B as a fallback when scoring cannot make progress.
4. :func:`expected_vcov` - the inverse expected information, ``2/N H^-1``.

Why not semopy: its ML stops early (2e-3 relative error against lavaan), its starting
values hang with std.lv, and its cost grows steeply with model size; see issue notes.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize as sp_optimize

from surveykit.errors import (
    ConvergenceWarning,
    DataError,
    EstimationError,
    MissingDataWarning,
    NonPositiveDefiniteWarning,
)
from surveykit.sem.partable import ParTable
from surveykit.sem.ram import RamModel, ml_discrepancy, trace_products

__all__ = ["GroupMoments", "SampleMoments", "sample_moments", "starting_values", "optimize", "optimize_ml",
           "information", "standard_vcov", "expected_vcov", "Optimum"]


@dataclass(frozen=True)
class GroupMoments:
    cov: np.ndarray  # N divisor
    mean: np.ndarray
    nobs: int
    data: np.ndarray | None = None  # the complete rows used (n, p), for resampling


@dataclass(frozen=True)
class SampleMoments:
    names: tuple[str, ...]
    groups: tuple[GroupMoments, ...]
    n_total: int
    group_labels: tuple[str, ...] = ("1",)

    # single-group shorthands (group 1)
    @property
    def cov(self) -> np.ndarray:
        return self.groups[0].cov

    @property
    def mean(self) -> np.ndarray:
        return self.groups[0].mean

    @property
    def data(self) -> np.ndarray | None:
        return self.groups[0].data

    @property
    def nobs(self) -> int:
        return int(sum(g.nobs for g in self.groups))


def _group_stats(x: np.ndarray, names: tuple[str, ...], where: str) -> GroupMoments:
    n = x.shape[0]
    if n <= len(names):
        raise DataError(
            f"Only {n} complete rows{where} for {len(names)} model variables; the covariance matrix "
            "cannot be estimated. Collect more data or use fewer variables."
        )
    mean = x.mean(axis=0)
    xc = x - mean
    cov = xc.T @ xc / n
    const = [names[i] for i in np.flatnonzero(np.diag(cov) <= 0)]
    if const:
        raise DataError(f"Model variable(s) {', '.join(const)} have zero variance{where}; remove them.")
    eig = np.linalg.eigvalsh(cov)
    if eig.min() <= 1e-12 * eig.max():
        raise DataError(
            f"The sample covariance matrix of the model variables{where} is not positive definite "
            f"(smallest eigenvalue {eig.min():.3g}); some variables are linear combinations of others. "
            "Remove redundant variables."
        )
    return GroupMoments(cov=cov, mean=mean, nobs=n, data=x)


def sample_moments(frame: pd.DataFrame, names: tuple[str, ...], group: str | None = None,
                   *, unbiased: bool = False) -> SampleMoments:
    """Listwise-complete sample moments (covariance with divisor N, or N - 1 when ``unbiased``,
    as lavaan uses for GLS and ULS; means) per group."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise DataError(
            f"The model uses variable(s) {', '.join(missing)} that are not columns of the data; "
            "check the spelling in the model or the data."
        )
    sub = frame.loc[:, list(names)]
    non_numeric = [c for c in names if not pd.api.types.is_numeric_dtype(sub[c])]
    if non_numeric:
        raise DataError(
            f"Model variable(s) {', '.join(non_numeric)} are not numeric; recode them to numbers."
        )
    x = sub.to_numpy(dtype=float)
    n_total = x.shape[0]
    ok = ~np.isnan(x).any(axis=1)
    if group is not None:
        if group not in frame.columns:
            raise DataError(f"The group variable {group!r} is not a column of the data.")
        gcol = frame[group]
        ok &= gcol.notna().to_numpy()
    n = int(ok.sum())
    if n < n_total:
        warnings.warn(
            f"{n_total - n} of {n_total} rows had missing values on model variables"
            f"{' or the group variable' if group is not None else ''} and were dropped (missing='listwise').",
            MissingDataWarning,
            stacklevel=4,
        )
    if group is None:
        out = SampleMoments(names=tuple(names), groups=(_group_stats(x[ok], names, ""),), n_total=n_total)
        return _unbias(out) if unbiased else out
    gvals = gcol.to_numpy()
    # groups in order of first appearance, as lavaan
    labels = list(dict.fromkeys(gvals[ok].tolist()))
    if len(labels) < 2:
        raise DataError(f"The group variable {group!r} has fewer than two groups in the complete rows.")
    stats_ = tuple(_group_stats(x[ok & (gvals == g)], names, f" in group {g!r}") for g in labels)
    out = SampleMoments(names=tuple(names), groups=stats_, n_total=n_total,
                        group_labels=tuple(str(g) for g in labels))
    return _unbias(out) if unbiased else out


def _unbias(sm: SampleMoments) -> SampleMoments:
    groups = tuple(dataclasses.replace(g, cov=g.cov * g.nobs / (g.nobs - 1)) for g in sm.groups)
    return dataclasses.replace(sm, groups=groups)


def _lv_starts(pt: ParTable, names: tuple[str, ...], n_obs: int, t: pd.DataFrame, s: np.ndarray):
    """Loading and latent-variance starts for one group (triad ratios around the marker)."""
    idx = {n: i for i, n in enumerate(names)}
    lam: dict[tuple[str, str], float] = {}
    lv_var: dict[str, float] = {}
    for lv in pt.lv_names:
        rows = t[(t["op"] == "=~") & (t["lhs"] == lv)]
        inds = [r for r in rows["rhs"] if r in idx and idx[r] < n_obs]
        fixed_rows = rows[rows["free"] == 0]
        marker = fixed_rows["rhs"].iloc[0] if len(fixed_rows) else None
        if marker is None or marker not in inds:
            # std.lv: loadings about 0.7 SD, variance 1
            for r in inds:
                lam[(lv, r)] = 0.7 * np.sqrt(s[idx[r], idx[r]])
            lv_var[lv] = 1.0
            continue
        m = idx[marker]
        others = [idx[r] for r in inds if r != marker]
        for r in inds:
            j = idx[r]
            if r == marker:
                lam[(lv, r)] = float(fixed_rows["ustart"].iloc[0])
                continue
            ratios = [s[j, k] / s[m, k] for k in others if k != j and abs(s[m, k]) > 1e-8]
            lam[(lv, r)] = (float(np.median(ratios)) if ratios
                            else float(np.sign(s[j, m]) * np.sqrt(s[j, j] / s[m, m])))
        covs = [s[m, k] / lam[(lv, names[k])] for k in others if abs(lam[(lv, names[k])]) > 1e-8]
        v = float(np.median(covs)) if covs else 0.5 * s[m, m]
        lv_var[lv] = max(v, 0.05)
    return lam, lv_var


def starting_values(pt: ParTable, model: RamModel, s: np.ndarray | SampleMoments) -> np.ndarray:
    """Starting values in the spirit of lavaan's defaults (see module docstring).

    ``s`` is the group-1 covariance matrix or the SampleMoments of all groups.
    """
    groups = s.groups if isinstance(s, SampleMoments) else (GroupMoments(cov=s, mean=np.zeros(len(s)), nobs=0),)
    t_all = pt.table
    idx = {n: i for i, n in enumerate(model.names)}
    theta = np.zeros(model.n_par)
    have = np.zeros(model.n_par, dtype=bool)
    for g, gm in enumerate(groups, start=1):
        t = t_all[t_all["group"] == g] if "group" in t_all.columns else t_all
        lam, lv_var = _lv_starts(pt, model.names, model.n_obs_vars, t, gm.cov)
        for row in t.itertuples():
            k = int(row.free) - 1
            if k < 0 or have[k]:
                continue
            if np.isfinite(row.start):
                val = float(row.start)
            elif row.op == "=~":
                val = lam.get((row.lhs, row.rhs), 1.0)
            elif row.op == "~":
                val = 0.0
            elif row.op == "~1":
                val = float(gm.mean[idx[row.lhs]]) if row.lhs in idx and idx[row.lhs] < model.n_obs_vars else 0.0
            elif row.lhs == row.rhs:
                val = lv_var[row.lhs] if row.lhs in lv_var else 0.5 * gm.cov[idx[row.lhs], idx[row.lhs]]
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


Estimator = str  # "ML" | "GLS" | "ULS"


def group_discrepancy(model: RamModel, theta: np.ndarray, gm: GroupMoments, estimator: str,
                      logdet_s: float, s_inv: np.ndarray | None) -> float:
    """One group's discrepancy F_g (inf when Sigma is not positive definite for ML)."""
    sigma, _, _ = model.implied(theta)
    if estimator == "ML":
        dev = (gm.mean - model.implied_means(theta)[: model.n_obs_vars]) if model.meanstructure else None
        return ml_discrepancy(sigma, gm.cov, logdet_s, dev)
    r = gm.cov - sigma
    v = s_inv @ r if estimator == "GLS" else r
    return float(0.5 * np.einsum("ij,ji->", v, v))


def group_pieces(model: RamModel, theta: np.ndarray, gm: GroupMoments, estimator: str,
                 s_inv: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of F_g and its Gauss-Newton (expected) Hessian ``H_g``.

    ML: ``g = tr(W dSigma) - 2 d' Sigma^-1 dmu`` with ``W = Sigma^-1 - Sigma^-1 (S + d d') Sigma^-1``,
    ``H = tr(Sigma^-1 dS_i Sigma^-1 dS_j) + 2 dmu_i' Sigma^-1 dmu_j``.
    GLS/ULS: ``F = 1/2 tr((V (S - Sigma))^2)`` with ``V = S^-1`` or ``I``;
    ``g = -tr(V (S - Sigma) V dSigma)``, ``H = tr(V dS_i V dS_j)``.
    """
    sigma, _, _ = model.implied(theta)
    d_sigma, d_mu = model.derivatives(theta)
    if estimator == "ML":
        sinv = np.linalg.inv(sigma)
        k = d_sigma.shape[0]
        if model.meanstructure:
            dev = gm.mean - model.implied_means(theta)[: model.n_obs_vars]
            w = sinv - sinv @ (gm.cov + np.outer(dev, dev)) @ sinv
            g = d_sigma.reshape(k, -1) @ w.ravel() - 2.0 * d_mu @ (sinv @ dev)
        else:
            w = sinv - sinv @ gm.cov @ sinv
            g = d_sigma.reshape(k, -1) @ w.ravel()
        h = trace_products(sinv, d_sigma)
        if model.meanstructure:
            h = h + 2.0 * d_mu @ sinv @ d_mu.T
        return g, h
    vm = s_inv if estimator == "GLS" else np.eye(len(sigma))
    r = vm @ (gm.cov - sigma) @ vm
    g = -(d_sigma.reshape(d_sigma.shape[0], -1) @ r.ravel())
    return g, trace_products(vm, d_sigma)


def optimize(
    models: list[RamModel] | tuple[RamModel, ...],
    theta0: np.ndarray,
    sm: SampleMoments,
    *,
    estimator: str = "ML",
    max_iter: int = 500,
    gtol: float = 1e-9,
    fallback: bool = True,
) -> Optimum:
    """Minimize ``sum_g (n_g/N) F_g`` by Fisher scoring with step halving (L-BFGS-B fallback)."""
    n_all = sm.nobs
    w = [gm.nobs / n_all for gm in sm.groups]
    logdets = [float(np.linalg.slogdet(gm.cov)[1]) for gm in sm.groups]
    s_invs = [np.linalg.inv(gm.cov) if estimator == "GLS" else None for gm in sm.groups]

    def f(th: np.ndarray) -> float:
        total = 0.0
        for wg, model, gm, ld, si in zip(w, models, sm.groups, logdets, s_invs):
            val = group_discrepancy(model, th, gm, estimator, ld, si)
            if not np.isfinite(val):
                return np.inf
            total += wg * val
        return total

    def pieces(th: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g_tot = np.zeros(len(th))
        h_tot = np.zeros((len(th), len(th)))
        for wg, model, gm, si in zip(w, models, sm.groups, s_invs):
            g, h = group_pieces(model, th, gm, estimator, si)
            g_tot += wg * g
            h_tot += wg * h
        return g_tot, h_tot

    return minimize_scoring(f, pieces, theta0, max_iter=max_iter, gtol=gtol, fallback=fallback)


def minimize_scoring(f, pieces, theta0: np.ndarray, *, max_iter: int = 500, gtol: float = 1e-9,
                     fallback: bool = True) -> Optimum:
    """Fisher scoring with step halving on ``f`` (``pieces(theta) -> (gradient, Gauss-Newton
    Hessian)``), falling back to L-BFGS-B when scoring cannot make progress.  ``fmin`` is f/2.
    ``max_iter=0`` evaluates ``theta0`` without moving (to adopt another engine's optimum)."""
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
    if np.isfinite(fval):
        for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
            g, h = pieces(theta)
            if np.max(np.abs(g)) < gtol:
                converged = True
                break
            try:
                step = np.linalg.solve(h, g)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(h + 1e-8 * np.eye(len(g)), g, rcond=None)[0]
            t = 1.0
            improved = False
            for _ in range(40):
                cand = theta - t * step
                fc = f(cand)
                if fc <= fval - 1e-4 * t * float(g @ step) or (fc < fval and t < 1e-3):
                    improved = True
                    break
                t *= 0.5
            if not improved:
                if abs(fval - f(cand)) < 1e-14 * max(1.0, abs(fval)):
                    converged = np.max(np.abs(g)) < 1e-5
                message = "Fisher scoring could not decrease the discrepancy"
                break
            theta, fval_old, fval = cand, fval, fc
            if abs(fval_old - fval) < 1e-16 * max(1.0, abs(fval)) and np.max(np.abs(g)) < 1e-6:
                converged = True
                break
    if not converged and fallback:
        method = "L-BFGS-B"

        def fg(th: np.ndarray) -> tuple[float, np.ndarray]:
            val = f(th)
            if not np.isfinite(val):
                return 1e10, np.zeros_like(th)
            return val, pieces(th)[0]

        res = sp_optimize.minimize(
            fg, theta0 if not np.isfinite(fval) else theta, jac=True, method="L-BFGS-B",
            options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10},
        )
        theta = res.x
        fval = f(theta)
        it += int(res.nit)
        g = pieces(theta)[0] if np.isfinite(fval) else np.full(len(theta), np.nan)
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


def optimize_ml(model: RamModel, theta0: np.ndarray, s: np.ndarray, **kwargs) -> Optimum:
    """Single-group ML on a covariance matrix (no mean structure): the refit fast path."""
    gm = GroupMoments(cov=s, mean=np.zeros(len(s)), nobs=1)
    return optimize([model], theta0, SampleMoments(names=(), groups=(gm,), n_total=1), **kwargs)


def information(models, theta: np.ndarray, sm: SampleMoments, estimator: str = "ML") -> np.ndarray:
    """Total expected (Gauss-Newton) information.

    ML: ``sum_g n_g/2 H_g``; GLS: ``sum_g (n_g - 1)/2 H_g`` (Wishart, as lavaan); ULS:
    lavaan's "standard" information ``sum_g (n_g - 1) Delta' Delta`` over the non-duplicated
    covariance elements (weight matrix I).
    """
    total = np.zeros((len(theta), len(theta)))
    for model, gm in zip(models, sm.groups):
        if estimator == "ULS":
            d_sigma, _ = model.derivatives(theta)
            iu = np.triu_indices(model.n_obs_vars)
            delta = d_sigma[:, iu[0], iu[1]]
            total += (gm.nobs - 1) * delta @ delta.T
            continue
        si = np.linalg.inv(gm.cov) if estimator == "GLS" else None
        _, h = group_pieces(model, theta, gm, estimator, si)
        total += (gm.nobs - (1 if estimator == "GLS" else 0)) / 2.0 * h
    return total


def _check_singular(info: np.ndarray) -> bool:
    eig = np.linalg.eigvalsh(info)
    if eig.size and eig.min() <= 1e-10 * max(eig.max(), 1e-300):
        warnings.warn(
            "The information matrix is singular (smallest eigenvalue "
            f"{eig.min():.3g}): the model may not be identified; standard errors are not available.",
            NonPositiveDefiniteWarning,
            stacklevel=4,
        )
        return True
    return False


def standard_vcov(models, theta: np.ndarray, sm: SampleMoments, estimator: str = "ML") -> np.ndarray:
    """Standard (non-robust) covariance matrix of the estimates: the inverse of
    :func:`information` (for ULS this reproduces lavaan's "standard" standard errors, which
    treat the identity weight matrix as if it were optimal)."""
    info = information(models, theta, sm, estimator)
    if _check_singular(info):
        return np.full_like(info, np.nan)
    return np.linalg.inv(info)


def expected_vcov(model: RamModel, theta: np.ndarray, nobs: int) -> tuple[np.ndarray, np.ndarray]:
    """Single-group ML: inverse expected information (lavaan ``information="expected"``).

    Returns ``(vcov, h)`` where ``h[i, j] = tr(Sigma^-1 dSigma_i Sigma^-1 dSigma_j)`` and
    ``vcov = (N/2 h)^-1``.
    """
    sigma, _, _ = model.implied(theta)
    gm = GroupMoments(cov=sigma, mean=np.zeros(len(sigma)), nobs=nobs)
    sm = SampleMoments(names=(), groups=(gm,), n_total=nobs)
    info = information([model], theta, sm, "ML")
    h = info * 2.0 / nobs
    if _check_singular(info):
        return np.full_like(info, np.nan), h
    return np.linalg.inv(info), h
