"""Bootstrap confidence intervals from a matrix of draws (numpy/scipy only).

Each column of ``draws`` (B x K) holds the bootstrap distribution of one quantity; rows of
non-converged draws are removed before this point, non-finite entries of a column (a
standardized value of a draw with a negative variance, say) are ignored for that column,
as lavaan does.

* **percentile**: the ``(1 -/+ level)/2`` quantiles of the draws.
* **bc** (bias-corrected; lavaan's ``boot.ci.type = "bca.simple"``): with
  ``z0 = Phi^-1(#(t* < t0) / B)`` the quantiles ``Phi(2 z0 + z_alpha)``.
* **bca** (bias-corrected and accelerated, Efron 1987): quantiles
  ``Phi(z0 + (z0 + z_alpha) / (1 - a (z0 + z_alpha)))`` with the acceleration ``a`` from the
  jackknife, ``a = sum(d_i^3) / (6 (sum(d_i^2))^(3/2))``, ``d_i = mean(t_(.)) - t_(i)``.

Quantiles are taken as in R's boot package (``norm.inter``, which lavaan copies): order
statistic ``k = (B + 1) alpha`` when that is an integer, otherwise interpolation between
the neighbouring order statistics on the normal-quantile scale; the extreme order
statistics when ``k`` falls outside ``1 .. B``.

References: Efron, B. (1987). Better bootstrap confidence intervals. JASA 82, 171-185.
Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their Application, ch. 5.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["norm_inter", "jackknife_acceleration", "interval", "bootstrap_se"]


def _norm_inter_sorted(t: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """boot's ``norm.inter`` on sorted finite columns ``t`` (R, K) at levels ``alpha`` (J, K)."""
    r = t.shape[0]
    alpha = np.asarray(alpha, dtype=float)
    out = np.full(alpha.shape, np.nan)
    if r == 0:
        return out
    with np.errstate(invalid="ignore"):
        rk = (r + 1) * alpha
        k = np.trunc(np.nan_to_num(rk, nan=-1.0)).astype(np.int64)
    low, high = k <= 0, k >= r
    whole = (k == rk) & ~low & ~high
    mid = ~low & ~high & ~whole & np.isfinite(alpha)
    cols = np.broadcast_to(np.arange(t.shape[1]), alpha.shape)
    kk = np.clip(k, 1, max(r - 1, 1))
    tk = t[kk - 1, cols]
    tk1 = t[np.minimum(kk, r - 1), cols]
    out[low & np.isfinite(alpha)] = np.broadcast_to(t[0], alpha.shape)[low & np.isfinite(alpha)]
    out[high] = np.broadcast_to(t[r - 1], alpha.shape)[high]
    out[whole] = tk[whole]
    if mid.any():
        q = stats.norm.ppf(alpha[mid])
        q0 = stats.norm.ppf(kk[mid] / (r + 1))
        q1 = stats.norm.ppf((kk[mid] + 1) / (r + 1))
        out[mid] = tk[mid] + (q - q0) / (q1 - q0) * (tk1[mid] - tk[mid])
    return out


def norm_inter(t: np.ndarray, alpha) -> np.ndarray:
    """Quantiles ``alpha`` of the finite values of ``t`` by boot's ``norm.inter`` rule."""
    t = np.sort(np.asarray(t, dtype=float)[np.isfinite(t)])
    alpha = np.atleast_1d(np.asarray(alpha, dtype=float))
    return _norm_inter_sorted(t[:, None], alpha[:, None])[:, 0]


def jackknife_acceleration(jack: np.ndarray) -> np.ndarray:
    """Acceleration per column of the leave-one-out estimates ``jack`` (n x K)."""
    jack = np.atleast_2d(np.asarray(jack, dtype=float))
    out = np.zeros(jack.shape[1])
    for k in range(jack.shape[1]):
        v = jack[:, k]
        v = v[np.isfinite(v)]
        if len(v) < 2:
            out[k] = np.nan
            continue
        d = v.mean() - v
        ss = float(np.sum(d**2))
        out[k] = float(np.sum(d**3)) / (6.0 * ss**1.5) if ss > 0 else 0.0
    return out


def bootstrap_se(draws: np.ndarray) -> np.ndarray:
    """Standard deviation (divisor B - 1) of the finite draws of each column (lavaan's bootstrap SE)."""
    draws = np.atleast_2d(np.asarray(draws, dtype=float))
    finite = np.isfinite(draws)
    out = np.full(draws.shape[1], np.nan)
    complete = finite.all(axis=0)
    if draws.shape[0] >= 2:
        out[complete] = np.std(draws[:, complete], axis=0, ddof=1)
    for k in np.flatnonzero(~complete):
        v = draws[finite[:, k], k]
        if len(v) >= 2:
            out[k] = float(np.std(v, ddof=1))
    return out


def interval(
    draws: np.ndarray,
    est: np.ndarray,
    *,
    ci: str = "percentile",
    level: float = 0.95,
    acceleration: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) per column: ``ci`` one of ``"percentile"``, ``"bc"``, ``"bca"``.

    A column whose finite draws are all equal (a fixed parameter) gets ``(est, est)``.
    """
    draws = np.atleast_2d(np.asarray(draws, dtype=float))
    est = np.asarray(est, dtype=float)
    k_cols = draws.shape[1]
    if ci == "bca" and acceleration is None:
        raise ValueError("ci='bca' needs the jackknife acceleration")
    alpha = np.array([(1 - level) / 2, (1 + level) / 2])
    z_alpha = stats.norm.ppf(alpha)[:, None]
    lo = np.full(k_cols, np.nan)
    hi = np.full(k_cols, np.nan)
    finite = np.isfinite(draws)
    complete = finite.all(axis=0)
    groups = [np.flatnonzero(complete)] + [np.array([j]) for j in np.flatnonzero(~complete)]
    for cols in groups:
        if not len(cols):
            continue
        t = draws[:, cols]
        if len(cols) == 1 and not complete[cols[0]]:
            t = t[finite[:, cols[0]]]
        if not len(t):
            continue
        t = np.sort(t, axis=0)
        e = est[cols]
        if ci == "percentile":
            adj = np.broadcast_to(alpha[:, None], (2, len(cols)))
        else:
            with np.errstate(divide="ignore"):
                z0 = stats.norm.ppf(np.mean(t < e, axis=0))
            z0 = np.where(np.isfinite(e), z0, np.nan)
            a = np.zeros(len(cols)) if ci == "bc" else np.asarray(acceleration, dtype=float)[cols]
            with np.errstate(invalid="ignore", divide="ignore"):
                den = 1.0 - a * (z0 + z_alpha)
                adj = np.where(den > 0, stats.norm.cdf(z0 + (z0 + z_alpha) / den), np.nan)
            adj = np.where(np.isinf(z0), np.where(z0 > 0, 1.0, 0.0), adj)
        q = _norm_inter_sorted(t, adj)
        const = t[0] == t[-1]
        lo[cols] = np.where(const, e, q[0])
        hi[cols] = np.where(const, e, q[1])
    return lo, hi
