"""Reliability kernels on covariance/correlation matrices (numpy/scipy only).

Conventions follow psych 2.2.9 ``alpha()`` and ``omega()``:

* raw alpha from the covariance matrix: ``k/(k-1) * (1 - tr(C)/sum(C))``;
* standardized alpha, average r and Guttman's lambda 6 from ``R = cov2cor(C)`` (so with
  pairwise-complete covariances the variances come from every available value, as psych);
* lambda 6: ``1 - sum(1 - smc)/sum(R)`` with squared multiple correlations from ``R^-1``;
* the Feldt interval: ``1 - (1 - alpha) F_{q}(n-1, (n-1)(k-1))``;
* one-factor omega: minres (unweighted least squares on the off-diagonal) loadings on the
  correlation matrix; ``omega_total = 1 - sum(1 - l^2)/sum(R)``, ``omega_h = (sum l)^2/sum(R)``.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

from surveykit._core.newton import polish

__all__ = [
    "cov2cor",
    "alpha_from_cov",
    "std_alpha_from_cor",
    "average_r",
    "guttman_lambda6",
    "feldt_ci",
    "r_drop",
    "alpha_if_dropped",
    "minres_one_factor",
    "omega_one_factor",
]


def cov2cor(c: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.diag(c))
    return c / np.outer(sd, sd)


def alpha_from_cov(c: np.ndarray) -> float:
    k = c.shape[0]
    return float(k / (k - 1) * (1.0 - np.trace(c) / c.sum()))


def average_r(r: np.ndarray) -> float:
    k = r.shape[0]
    return float((r.sum() - np.trace(r)) / (k * (k - 1)))


def std_alpha_from_cor(r: np.ndarray) -> float:
    k = r.shape[0]
    rb = average_r(r)
    return float(k * rb / (1 + (k - 1) * rb))


def guttman_lambda6(r: np.ndarray) -> float:
    smc = 1.0 - 1.0 / np.diag(np.linalg.inv(r))
    return float(1.0 - np.sum(1.0 - smc) / r.sum())


def feldt_ci(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt (1965) interval for alpha with ``n`` respondents and ``k`` items."""
    q = (1.0 - level) / 2.0
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - q, df1, df2)
    upper = 1.0 - (1.0 - alpha) * stats.f.ppf(q, df1, df2)
    return float(lower), float(upper)


def r_drop(c: np.ndarray) -> np.ndarray:
    """Corrected item-total correlation: each item with the sum of the other items."""
    k = c.shape[0]
    out = np.empty(k)
    for i in range(k):
        rest = np.arange(k) != i
        out[i] = c[i, rest].sum() / np.sqrt(c[i, i] * c[np.ix_(rest, rest)].sum())
    return out


def alpha_if_dropped(c: np.ndarray) -> np.ndarray:
    k = c.shape[0]
    out = np.empty(k)
    for i in range(k):
        rest = np.arange(k) != i
        out[i] = alpha_from_cov(c[np.ix_(rest, rest)]) if k > 2 else np.nan
    return out


def minres_one_factor(r: np.ndarray) -> np.ndarray:
    """One-factor minres loadings: minimize the off-diagonal residual sum of squares."""
    k = r.shape[0]
    iu = np.triu_indices(k, 1)

    def resid(lam: np.ndarray) -> np.ndarray:
        return (r - np.outer(lam, lam))[iu]

    def jac(lam: np.ndarray) -> np.ndarray:
        j = np.zeros((len(iu[0]), k))
        rows = np.arange(len(iu[0]))
        j[rows, iu[0]] = -lam[iu[1]]
        j[rows, iu[1]] = -lam[iu[0]]
        return j

    # start from the first principal axis
    w, v = np.linalg.eigh(r)
    start = v[:, -1] * np.sqrt(w[-1])
    if start.sum() < 0:
        start = -start
    sol = optimize.least_squares(resid, start, jac=jac, xtol=1e-15, ftol=1e-15, gtol=1e-15)
    # least_squares stops where the cost stops resolving the point; Newton steps on the exact
    # gradient J'e fix the last digits (surveykit._core.newton)
    lam = polish(lambda x: jac(x).T @ resid(x), sol.x)
    if lam.sum() < 0:
        lam = -lam
    return lam


def omega_one_factor(r: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(omega_total, omega_h, loadings) of a one-factor minres solution, psych conventions."""
    lam = minres_one_factor(r)
    vt = r.sum()
    omega_t = 1.0 - np.sum(1.0 - lam**2) / vt
    omega_h = lam.sum() ** 2 / vt
    return float(omega_t), float(omega_h), lam
