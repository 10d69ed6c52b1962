"""Univariate and multivariate moments (numpy/scipy only).

* :func:`skewness` / :func:`kurtosis`: the three sample definitions of psych ``skew()`` /
  ``kurtosi()`` (Joanes and Gill 1998; e1071's types).  With ``m_r`` the r-th central moment
  (divisor n), ``s`` the SD (divisor n - 1) and ``g1 = m3/m2^1.5``, ``g2 = m4/m2^2 - 3``:

  - type 1: ``g1``, ``g2``;
  - type 2: ``G1 = g1 sqrt(n(n-1))/(n-2)``, ``G2 = ((n+1) g2 + 6)(n-1)/((n-2)(n-3))`` (SPSS, SAS);
  - type 3 (psych ``describe()``'s default): ``b1 = m3/s^3``, ``b2 = m4/s^4 - 3``.

* :func:`skew_kurtosis_se`: the SPSS standard errors ``SES = sqrt(6n(n-1)/((n-2)(n+1)(n+3)))`` and
  ``SEK = 2 SES sqrt((n^2-1)/((n-3)(n+5)))`` (exact under normality for the type-2 statistics).
* :func:`mardia`: psych ``mardia()``: ``b1p = sum(D^3)/n^2``, ``b2p = sum(diag(D)^2)/n`` with
  ``D = X S^-1 X'`` (centred data, S with divisor n - 1); skew statistic ``n b1p/6 ~ chi2`` with
  ``p(p+1)(p+2)/6`` df (small-sample version multiplies by ``k = (p+1)(n+1)(n+3)/(n((n+1)(p+1)-6))``);
  kurtosis ``z = (b2p - p(p+2)) sqrt(n/(8p(p+2)))``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["skewness", "kurtosis", "skew_kurtosis_se", "mardia"]


def _moments(x: np.ndarray) -> tuple[int, float, float, float, float]:
    x = x[~np.isnan(x)]
    n = x.size
    d = x - x.mean()
    return n, float(np.mean(d**2)), float(np.mean(d**3)), float(np.mean(d**4)), float(np.std(x, ddof=1))


def skewness(x: np.ndarray, type: int = 3) -> float:
    """Sample skewness of the non-missing values of ``x`` (``type`` 1, 2 or 3, psych ``skew()``)."""
    n, m2, m3, _m4, s = _moments(np.asarray(x, float))
    if n < 3 or m2 == 0:
        return math.nan
    g1 = m3 / m2**1.5
    if type == 1:
        return g1
    if type == 2:
        return g1 * math.sqrt(n * (n - 1)) / (n - 2)
    return m3 / s**3


def kurtosis(x: np.ndarray, type: int = 3) -> float:
    """Sample excess kurtosis of the non-missing values of ``x`` (``type`` 1, 2 or 3, psych ``kurtosi()``)."""
    n, m2, _m3, m4, s = _moments(np.asarray(x, float))
    if n < 4 or m2 == 0:
        return math.nan
    g2 = m4 / m2**2 - 3
    if type == 1:
        return g2
    if type == 2:
        return ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))
    return m4 / s**4 - 3


def skew_kurtosis_se(n: int) -> tuple[float, float]:
    """SPSS standard errors of skewness and kurtosis for ``n`` observations."""
    if n < 4:
        return math.nan, math.nan
    ses = math.sqrt(6 * n * (n - 1) / ((n - 2) * (n + 1) * (n + 3)))
    sek = 2 * ses * math.sqrt((n * n - 1) / ((n - 3) * (n + 5)))
    return ses, sek


def mardia(x: np.ndarray) -> dict[str, float]:
    """Mardia's multivariate skewness and kurtosis of the complete rows of ``x`` (psych ``mardia``)."""
    x = np.asarray(x, float)
    x = x[~np.isnan(x).any(axis=1)]
    n, p = x.shape
    xc = x - x.mean(axis=0)
    S = np.cov(xc, rowvar=False, ddof=1).reshape(p, p)
    W = np.linalg.solve(S, xc.T)  # (p, n)
    # D = X S^-1 X' is n x n: accumulate sum(D^3) in blocks of rows to bound memory
    s3 = 0.0
    for start in range(0, n, 1024):
        db = xc[start:start + 1024] @ W
        s3 += float(np.einsum("ij,ij,ij->", db, db, db))
    d = np.einsum("ij,ji->i", xc, W)  # diag(D): squared Mahalanobis distances
    b1p = s3 / n**2
    b2p = float(np.sum(d**2) / n)  # psych: tr(D^2) with the elementwise square
    df = p * (p + 1) * (p + 2) / 6
    k = (p + 1) * (n + 1) * (n + 3) / (n * ((n + 1) * (p + 1) - 6))
    skew = n * b1p / 6
    small = n * k * b1p / 6
    kurt = (b2p - p * (p + 2)) * math.sqrt(n / (8 * p * (p + 2)))
    return {"n": n, "p": p, "b1p": b1p, "b2p": b2p, "skew": skew, "skew_df": df,
            "skew_pvalue": float(stats.chi2.sf(skew, df)), "small_skew": small,
            "small_skew_pvalue": float(stats.chi2.sf(small, df)), "kurtosis": kurt,
            "kurtosis_pvalue": float(2 * stats.norm.sf(abs(kurt)))}
