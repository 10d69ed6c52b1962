"""Item-level kernels (numpy/scipy only): bootstrap alpha with pairwise covariances, the
critical-ratio item test, omega if an item is dropped.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from surveykit._core import reliability as k

__all__ = ["bootstrap_counts", "bootstrap_alpha", "critical_ratio", "omega_if_dropped"]


def bootstrap_counts(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_boot, n)`` resampling counts: draw ``rng.integers(0, n, size=(n_boot, n))`` row indices
    (one bootstrap sample per row of the draw) and count how often each row was drawn."""
    idx = rng.integers(0, n, size=(n_boot, n))
    flat = (np.arange(n_boot)[:, None] * n + idx).ravel()
    return np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(float)


def bootstrap_alpha(x: np.ndarray, counts: np.ndarray, *, chunk: int = 200) -> np.ndarray:
    """Raw alpha of every bootstrap sample given by ``counts`` (from :func:`bootstrap_counts`).

    Covariances are pairwise-complete within each sample (psych ``alpha(n.iter = )`` resamples
    rows, then ``cov(use = "pairwise")``); pass complete rows for listwise alpha.  The covariances
    are computed from weighted sums, ``cov_ij = (S_ij - S_i|j S_j|i / N_ij)/(N_ij - 1)``, where all
    sums run over the rows answering both items.
    """
    n, p = x.shape
    m = ~np.isnan(x)
    x0 = np.where(m, x, 0.0)
    mm = (m[:, :, None] & m[:, None, :]).astype(float).reshape(n, p * p)
    xm = (x0[:, :, None] * m[:, None, :]).reshape(n, p * p)  # x_i where both answered
    xx = (x0[:, :, None] * x0[:, None, :]).reshape(n, p * p)
    out = np.empty(counts.shape[0])
    for s in range(0, counts.shape[0], chunk):
        w = counts[s:s + chunk]
        N = (w @ mm).reshape(-1, p, p)
        Si = (w @ xm).reshape(-1, p, p)
        Sij = (w @ xx).reshape(-1, p, p)
        with np.errstate(invalid="ignore", divide="ignore"):
            C = (Sij - Si * np.transpose(Si, (0, 2, 1)) / N) / (N - 1)
        tr = np.trace(C, axis1=1, axis2=2)
        out[s:s + chunk] = p / (p - 1) * (1.0 - tr / C.sum(axis=(1, 2)))
    return out


def critical_ratio(x: np.ndarray, *, share: float = 0.27, equal_var: bool = False) -> dict:
    """Critical-ratio item discrimination test on complete rows ``x`` (n x p).

    Total score ``T = sum of items``; low group ``T <= q(share)``, high group ``T >= q(1 - share)``
    with ``q`` the sample quantile (R's type 7 = numpy's "linear"), ties at the cut-offs included;
    per item, an independent-samples t-test of high versus low (Welch, or Student with
    ``equal_var=True``).
    """
    total = x.sum(axis=1)
    lo = float(np.quantile(total, share))
    hi = float(np.quantile(total, 1.0 - share))
    low, high = total <= lo, total >= hi
    t, df, pv, mh, ml = [], [], [], [], []
    for j in range(x.shape[1]):
        a, b = x[high, j], x[low, j]
        mh.append(float(a.mean()) if a.size else math.nan)
        ml.append(float(b.mean()) if b.size else math.nan)
        if a.size < 2 or b.size < 2:
            t.append(math.nan)
            df.append(math.nan)
            pv.append(math.nan)
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            res = stats.ttest_ind(a, b, equal_var=equal_var)
        t.append(float(res.statistic))
        df.append(float(res.df))
        pv.append(float(res.pvalue))
    return {"cut_low": lo, "cut_high": hi, "n_low": int(low.sum()), "n_high": int(high.sum()),
            "t": np.array(t), "df": np.array(df), "pvalue": np.array(pv),
            "mean_high": np.array(mh), "mean_low": np.array(ml)}


def omega_if_dropped(r: np.ndarray) -> np.ndarray:
    """One-factor (minres) omega_total of the items left when each item is dropped in turn
    (psych ``omega(x[, -i], nfactors = 1)$omega.tot``); NaN when fewer than 3 items would remain."""
    p = r.shape[0]
    out = np.full(p, np.nan)
    if p - 1 < 3:
        return out
    for i in range(p):
        keep = np.arange(p) != i
        out[i] = k.omega_one_factor(r[np.ix_(keep, keep)])[0]
    return out
