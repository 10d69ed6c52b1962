"""Kernels for fit indices: the RMSEA and its noncentral chi-square interval."""

from __future__ import annotations

import math

from scipy import optimize, special

__all__ = ["rmsea", "rmsea_ci", "rmsea_pvalue"]


def rmsea(chisq: float, df: float, n: float, ngroups: int = 1) -> float:
    """RMSEA = sqrt(G) * sqrt(max(0, (chisq - df) / (df N))), N as lavaan (not N - 1)."""
    if df <= 0:
        return float("nan") if df < 0 else 0.0
    return math.sqrt(ngroups) * math.sqrt(max(0.0, (chisq - df) / (df * n)))


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


def rmsea_ci(chisq: float, df: float, n: float, level: float = 0.90, ngroups: int = 1) -> tuple[float, float]:
    """The RMSEA confidence interval by inverting the noncentral chi-square (Browne & Cudeck 1993).

    Matches lavaan's ``rmsea.ci.lower``/``rmsea.ci.upper`` (90% by default).
    """
    if df <= 0:
        return (float("nan"), float("nan"))
    a = (1.0 - level) / 2.0
    lam_lo = _ncp_for(chisq, df, 1.0 - a)
    lam_hi = _ncp_for(chisq, df, a)
    f = math.sqrt(ngroups)
    return (f * math.sqrt(lam_lo / (n * df)), f * math.sqrt(lam_hi / (n * df)))


def rmsea_pvalue(chisq: float, df: float, n: float, close: float = 0.05, ngroups: int = 1) -> float:
    """P-value of the test of close fit, H0: RMSEA <= ``close``."""
    if df <= 0:
        return float("nan")
    lam = n * df * close**2 / ngroups
    chisq = max(chisq, 0.0)
    return float(1.0 - special.chndtr(chisq, df, lam)) if lam > 0 else float(special.chdtrc(df, chisq))
