"""Step 4 of a fit, for the estimators without a closed normal-theory fast path: the
discrepancy functions of the least-squares family and of full-information ML, with their
gradients, Gauss-Newton Hessians and (observed information) exact Hessians.

Least squares (GLS, WLS, DWLS, ULS; continuous and ordinal, lavaan's ``estimator.WLS`` and
``estimator.DWLS``): ``F_g = (s_g - sigma_g)' W_g (s_g - sigma_g)`` on the vector of sample
statistics, weighted over groups by ``(n_g - 1) / N``; gradient ``-2 Delta' W r``, Gauss-Newton
Hessian ``2 Delta' W Delta``.

FIML (lavaan's ``estimator.FIML``): ``F_g = sum_p (n_p / n_g) [log|Sigma_oo| +
tr(Sigma_oo^-1 (S_p + d_p d_p'))]`` over the missing-data patterns (d_p the pattern mean minus
the implied mean), weighted over groups by ``n_g / N``.  The gradient of every pattern is
collected into one p x p matrix and one mean vector (each pattern's ``Sigma_oo^-1`` embedded in
zeros), so the derivatives of Sigma are touched once per evaluation, not once per pattern.
"""

from __future__ import annotations

import numpy as np

from surveykit.sem.moments import GroupModel
from surveykit.sem.ram import RamModel
from surveykit.sem.samplestats import GroupMoments, SampleMoments

__all__ = ["LeastSquares", "FIML", "numerical_hessian"]


class LeastSquares:
    """The weighted least-squares discrepancy over groups (see the module docstring)."""

    def __init__(self, models: list[GroupModel], stats: SampleMoments) -> None:
        self.models = models
        self.stats = stats
        n = sum(g.nobs for g in stats.groups)
        self.weights = [(g.nobs - 1) / n for g in stats.groups]

    def _w(self, gm: GroupMoments) -> tuple[np.ndarray | None, np.ndarray | None]:
        return gm.wls_v, gm.wls_vd

    def group_values(self, theta: np.ndarray) -> list[float]:
        out = []
        for model, gm in zip(self.models, self.stats.groups):
            r = gm.wls_obs - model.statistics(theta)
            v, vd = self._w(gm)
            out.append(float(r @ (v @ r)) if v is not None else float(r @ (vd * r)))
        return out

    def f(self, theta: np.ndarray) -> float:
        try:
            vals = self.group_values(theta)
        except (np.linalg.LinAlgError, FloatingPointError):
            return np.inf
        total = float(sum(w * v for w, v in zip(self.weights, vals)))
        return total if np.isfinite(total) else np.inf

    def pieces(self, theta: np.ndarray, hessian=True) -> tuple[np.ndarray, np.ndarray | None]:
        k = len(theta)
        g = np.zeros(k)
        h = np.zeros((k, k)) if hessian else None
        for wg, model, gm in zip(self.weights, self.models, self.stats.groups):
            r = gm.wls_obs - model.statistics(theta)
            d = model.delta(theta)
            v, vd = self._w(gm)
            wd = v @ d if v is not None else vd[:, None] * d
            g += wg * (-2.0 * wd.T @ r)
            if hessian:
                h += wg * 2.0 * d.T @ wd
        return g, h


class _Block:
    """The missing-data patterns of one group that observe the same number of variables, stacked
    for batched linear algebra."""

    __slots__ = ("idx", "w", "mean", "cov")

    def __init__(self, pats, nobs: int) -> None:
        self.idx = np.stack([p.obs for p in pats])  # (P, q)
        self.w = np.array([p.n / nobs for p in pats])  # (P,)
        self.mean = np.stack([p.mean for p in pats])  # (P, q)
        self.cov = np.stack([p.cov for p in pats])  # (P, q, q)


def pattern_blocks(gm: GroupMoments) -> list[_Block]:
    """``gm``'s missing-data patterns in blocks of equal size."""
    by_q: dict[int, list] = {}
    for pt in gm.pats:
        by_q.setdefault(len(pt.obs), []).append(pt)
    return [_Block(pats, gm.nobs) for _, pats in sorted(by_q.items())]


class FIML:
    """The full-information ML discrepancy of incomplete data (see the module docstring).

    The patterns of a group are processed in blocks of equal size with stacked (batched)
    Cholesky factorizations, inverses and products; the gradient of every pattern is scattered
    into one p x p matrix and one mean vector, so the derivatives of Sigma are touched once per
    evaluation; the expected information sums the patterns' grams in stacked products
    (:meth:`EntryDerivatives.information_patterns`)."""

    def __init__(self, models: list[RamModel], stats: SampleMoments) -> None:
        self.models = models
        self.stats = stats
        n = sum(g.nobs for g in stats.groups)
        self.group_w = [g.nobs / n for g in stats.groups]
        self.blocks = [pattern_blocks(gm) for gm in stats.groups]

    def _group(self, model: RamModel, theta: np.ndarray, blocks: list[_Block], *, gradient: bool, hessian: bool,
               terms: bool = False):
        sigma, _, _ = model.implied(theta)
        mu = model.implied_means(theta)[: model.n_obs_vars]
        p = len(sigma)
        f = 0.0
        gmat = np.zeros((p, p)) if gradient else None
        gmean = np.zeros(p) if gradient else None
        parts = []
        for blk in blocks:
            idx = blk.idx
            so = sigma[idx[:, :, None], idx[:, None, :]]  # (P, q, q)
            try:
                chol = np.linalg.cholesky(so)
            except np.linalg.LinAlgError:
                return np.inf, None, None
            logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
            sinv = np.linalg.inv(so)
            d = blk.mean - mu[idx]  # (P, q)
            sd = np.einsum("pij,pj->pi", sinv, d)
            tr = np.einsum("pij,pji->p", sinv, blk.cov)
            f += float(blk.w @ (logdet + tr + np.einsum("pi,pi->p", d, sd)))
            if gradient:
                wmat = sinv - sinv @ blk.cov @ sinv - sd[:, :, None] * sd[:, None, :]
                # scatter-add through bincount (np.add.at was a third of a gradient's time)
                flat = (idx[:, :, None] * p + idx[:, None, :]).ravel()
                gmat += np.bincount(flat, weights=(blk.w[:, None, None] * wmat).ravel(), minlength=p * p).reshape(p, p)
                gmean += np.bincount(idx.ravel(), weights=(blk.w[:, None] * (-2.0 * sd)).ravel(), minlength=p)
            if hessian:
                parts.append((sinv, idx, blk.w))
        if not gradient:
            return f, None, None
        if terms:
            return gmat, gmean
        ed = model.entry_derivatives(theta)
        g = ed.gradient(gmat, mean_term=gmean)
        h = sum(ed.information_patterns(sinv, idx, w) for sinv, idx, w in parts) if hessian else None
        return f, g, h

    def group_values(self, theta: np.ndarray) -> list[float]:
        return [self._group(m, theta, blk, gradient=False, hessian=False)[0]
                for m, blk in zip(self.models, self.blocks)]

    def gradient_terms(self, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each group's gradient as ``(W, t)``: ``dF_g = tr(W dSigma) + t' dmu``."""
        return [self._group(m, theta, blk, gradient=True, hessian=False, terms=True)
                for m, blk in zip(self.models, self.blocks)]

    def f(self, theta: np.ndarray) -> float:
        total = 0.0
        for wg, model, blk in zip(self.group_w, self.models, self.blocks):
            val = self._group(model, theta, blk, gradient=False, hessian=False)[0]
            if not np.isfinite(val):
                return np.inf
            total += wg * val
        return float(total)

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        return self.pieces(theta, hessian=False)[0]

    def pieces(self, theta: np.ndarray, hessian=True) -> tuple[np.ndarray, np.ndarray | None]:
        k = len(theta)
        g = np.zeros(k)
        h = np.zeros((k, k)) if hessian else None
        for wg, model, blk in zip(self.group_w, self.models, self.blocks):
            _, gg, hh = self._group(model, theta, blk, gradient=True, hessian=bool(hessian))
            if gg is None:
                return np.full(k, np.nan), (np.full((k, k), np.nan) if hessian else None)
            g += wg * gg
            if hessian:
                h += wg * hh
        return g, h


def numerical_hessian(gradient, theta: np.ndarray) -> np.ndarray:
    """The Jacobian of an analytic gradient by central differences (symmetrized): accurate to
    about 1e-8 relative, because the gradient itself is exact."""
    k = len(theta)
    out = np.zeros((k, k))
    for j in range(k):
        h = 1e-6 * max(1.0, abs(theta[j]))
        tp, tm = theta.copy(), theta.copy()
        tp[j] += h
        tm[j] -= h
        out[:, j] = (gradient(tp) - gradient(tm)) / (2 * h)
    return (out + out.T) / 2
