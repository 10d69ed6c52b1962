"""Construct-validity kernels on loadings and covariance/correlation matrices (numpy only).

Conventions follow semTools 0.5-6 (``compRelSEM``, ``AVE``, ``htmt``) for one group of
continuous indicators:

* composite reliability of factor f with indicators I and loadings lambda (unstandardized):
  ``CR = (sum_I lambda)^2 phi_ff / sum(Sigma[I, I])``, where ``Sigma`` is the model-implied
  (``obs.var = FALSE``) or the sample (``obs.var = TRUE``) covariance matrix of the indicators,
  so residual covariances and cross-loadings enter the denominator;
* average variance extracted: ``AVE = sum_I lambda^2 phi_ff / sum_I Sigma[i, i]``;
* HTMT (Henseler, Ringle & Sarstedt 2015) from an item correlation matrix: the mean
  heterotrait-heteromethod correlation divided by the geometric mean of the two mean
  monotrait-heteromethod correlations; ``geometric=True`` uses geometric instead of arithmetic
  means of the correlations (HTMT2, Roemer, Schuberth & Henseler 2021; semTools' ``htmt2``).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "composite_reliability",
    "average_variance_extracted",
    "cor_from_cov",
    "htmt_matrix",
    "shared_variance",
    "reliability_from_standardized",
]


def composite_reliability(lam: np.ndarray, phi: float, sigma: np.ndarray) -> float:
    """``(sum lam)^2 phi / sum(sigma)``; ``sigma`` is the covariance matrix of the same indicators."""
    lam = np.asarray(lam, dtype=float)
    return float(lam.sum() ** 2 * phi / np.asarray(sigma, dtype=float).sum())


def average_variance_extracted(lam: np.ndarray, phi: float, variances: np.ndarray) -> float:
    """``sum(lam^2) phi / sum(variances)`` with the indicators' total variances."""
    lam = np.asarray(lam, dtype=float)
    return float(np.sum(lam**2) * phi / np.sum(variances))


def reliability_from_standardized(std: np.ndarray) -> tuple[float, float]:
    """(CR, AVE) of one factor from its completely standardized loadings ``l`` (Fornell & Larcker
    1981): ``CR = (sum l)^2 / ((sum l)^2 + sum(1 - l^2))``, ``AVE = mean(l^2)``.  The formulas
    for ordinal indicators (WLSMV), where no covariance matrix of the observed scores exists."""
    std = np.asarray(std, dtype=float)
    s2 = std.sum() ** 2
    return float(s2 / (s2 + np.sum(1.0 - std**2))), float(np.mean(std**2))


def cor_from_cov(c: np.ndarray) -> np.ndarray:
    """Correlations from a covariance matrix; NaN where a variance is not positive."""
    c = np.asarray(c, dtype=float)
    d = np.diag(c).copy()
    sd = np.where(d > 0, np.sqrt(np.where(d > 0, d, 1.0)), np.nan)
    r = c / np.outer(sd, sd)
    np.fill_diagonal(r, np.where(d > 0, 1.0, np.nan))
    return r


def _mean(x: np.ndarray, geometric: bool) -> float:
    x = x[~np.isnan(x)]
    if x.size == 0:
        return float("nan")
    if geometric:
        with np.errstate(divide="ignore"):
            return float(np.exp(np.mean(np.log(x))))
    return float(np.mean(x))


def htmt_matrix(
    r: np.ndarray, blocks: list[np.ndarray], *, geometric: bool = True, absolute: bool = True
) -> np.ndarray:
    """HTMT between every pair of blocks of the correlation matrix ``r``.

    ``blocks[i]`` holds the row/column indices of factor i's indicators.  An indicator may
    belong to several blocks; its correlation with itself never counts (as semTools, which sets
    the diagonal to NA and skips NAs).  Absolute correlations are used when ``absolute`` or
    ``geometric`` (the geometric mean needs positive values).  The diagonal of the result is 1.
    """
    r = np.array(r, dtype=float)
    if absolute or geometric:
        r = np.abs(r)
    np.fill_diagonal(r, np.nan)
    k = len(blocks)
    within = np.array([_mean(r[np.ix_(b, b)].ravel(), geometric) for b in blocks])
    out = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            between = _mean(r[np.ix_(blocks[i], blocks[j])].ravel(), geometric)
            out[i, j] = between / np.sqrt(within[i] * within[j])
    return out


def shared_variance(cor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per factor: the maximum (MSV) and the average (ASV) squared correlation with the others."""
    r2 = np.asarray(cor, dtype=float) ** 2
    k = r2.shape[0]
    if k < 2:
        return np.full(k, np.nan), np.full(k, np.nan)
    off = ~np.eye(k, dtype=bool)
    vals = r2[off].reshape(k, k - 1)
    return vals.max(axis=1), vals.mean(axis=1)
