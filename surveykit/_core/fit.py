"""Kernels for fit indices: the RMSEA and its noncentral chi-square interval."""

from __future__ import annotations

import math

from scipy import optimize, special

__all__ = ["rmsea", "rmsea_ci", "rmsea_pvalue", "rmsea_notclose_pvalue"]


def rmsea(chisq: float, df: float, n: float, ngroups: int = 1, c_hat: float = 1.0) -> float:
    """RMSEA = sqrt(G) * sqrt(max(0, chisq / (df N) - c / N)) (lavaan's ``lav_fit_rmsea``; ``c_hat``
    is the scaling factor of the robust RMSEA, 1 otherwise)."""
    if math.isfinite(df) and df == 0:
        return 0.0
    if not math.isfinite(chisq) or not math.isfinite(df) or not math.isfinite(c_hat) or df < 0:
        return float("nan")
    return math.sqrt(ngroups) * math.sqrt(max(0.0, chisq / (df * n) - c_hat / n))


def _ncp_for(chisq: float, df: float, prob: float) -> float:
    """The noncentrality lambda with P(chi2_df(lambda) <= chisq) = prob (0 when none)."""
    # scipy.special's chndtr/chdtr are the functions behind stats.ncx2.cdf/chi2.cdf without the
    # distribution machinery around them (~50x less overhead per call; brentq calls g ~20 times)
    chisq = max(chisq, 0.0)  # a perfect fit's -1e-13 (the special functions give NaN below 0)

    def g(lam: float) -> float:
        return float(special.chndtr(chisq, df, lam)) - prob if lam > 0 else float(special.chdtr(df, chisq)) - prob

    if g(0.0) < 0:
        return 0.0
    hi = max(chisq, 1.0)
    while g(hi) > 0:
        hi *= 2.0
        if hi > 1e8:
            return float("nan")
    return optimize.brentq(g, 0.0, hi, xtol=1e-12, rtol=1e-14, maxiter=500)


def rmsea_ci(chisq: float, df: float, n: float, level: float = 0.90, ngroups: int = 1,
             c_hat: float = 1.0) -> tuple[float, float]:
    """The RMSEA confidence interval by inverting the noncentral chi-square (Browne & Cudeck 1993).

    Matches lavaan's ``rmsea.ci.lower``/``rmsea.ci.upper`` (90% by default); ``c_hat`` scales the
    noncentrality of the robust interval (``lav_fit_rmsea_ci``).
    """
    if math.isfinite(df) and 0 <= df < 1:
        return (0.0, 0.0)
    if not math.isfinite(chisq) or not math.isfinite(df) or not math.isfinite(c_hat) or df < 0:
        return (float("nan"), float("nan"))
    a = (1.0 - level) / 2.0
    lam_lo = _ncp_for(chisq, df, 1.0 - a)
    lam_hi = _ncp_for(chisq, df, a)
    f = math.sqrt(ngroups)
    return (f * math.sqrt(c_hat * lam_lo / (n * df)), f * math.sqrt(c_hat * lam_hi / (n * df)))


def rmsea_pvalue(chisq: float, df: float, n: float, close: float = 0.05, ngroups: int = 1,
                 c_hat: float = 1.0) -> float:
    """P-value of the test of close fit, H0: RMSEA <= ``close`` (lavaan's ``lav_fit_rmsea_closefit``)."""
    if not math.isfinite(chisq) or not math.isfinite(df) or not math.isfinite(c_hat) or df <= 0:
        return float("nan")
    lam = n * df * close**2 / (c_hat * ngroups)
    chisq = max(chisq, 0.0)
    return float(1.0 - special.chndtr(chisq, df, lam)) if lam > 0 else float(special.chdtrc(df, chisq))


def rmsea_notclose_pvalue(chisq: float, df: float, n: float, notclose: float = 0.08, ngroups: int = 1,
                          c_hat: float = 1.0) -> float:
    """P-value of the test of not-close fit, H0: RMSEA >= ``notclose`` (``lav_fit_rmsea_notclosefit``)."""
    if not math.isfinite(chisq) or not math.isfinite(df) or not math.isfinite(c_hat) or df <= 0:
        return float("nan")
    lam = n * df * notclose**2 / (c_hat * ngroups)
    return float(special.chndtr(max(chisq, 0.0), df, lam))
