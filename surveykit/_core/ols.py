"""Kernels of inference after ordinary least squares (numpy/scipy only).

* :func:`hc_covariance`: the heteroscedasticity-consistent covariance matrices HC0-HC4 as
  ``sandwich::vcovHC`` and PROCESS (Hayes & Cai, 2007) define them,
  ``(X'X)^-1 X' diag(omega) X (X'X)^-1`` with ``e`` the residuals, ``h`` the leverages, ``n`` rows
  and ``k`` coefficients:

  ====  ===========================================================
  HC0   ``e^2``
  HC1   ``e^2 n / (n - k)``
  HC2   ``e^2 / (1 - h)``
  HC3   ``e^2 / (1 - h)^2``
  HC4   ``e^2 / (1 - h)^d`` with ``d = min(4, n h / k)`` (Cribari-Neto, 2004)
  ====  ===========================================================

* :func:`wald_f`: the F statistic ``b_R' (V_RR)^-1 b_R / q`` that coefficients ``R`` are all
  zero, with ``V`` the covariance matrix used for inference.  With the ordinary covariance
  matrix ``s^2 (X'X)^-1`` it equals the classical F of the change in R-squared,
  ``(dR2 / q) / ((1 - R2) / (n - k))`` (and, for every slope, the model's F); with an HC matrix it
  is the Wald test PROCESS reports when ``hc`` is chosen.
* :func:`t_inference`: t, two-sided p and the confidence interval on ``df`` degrees of freedom.
* :func:`johnson_neyman`: the Johnson-Neyman points of an effect linear in a moderator
  (closed form, the roots of a quadratic).

References: Hayes, A. F., & Cai, L. (2007). Using heteroskedasticity-consistent standard error
estimators in OLS regression. Behavior Research Methods 39, 709-722.  Cribari-Neto, F. (2004).
Asymptotic inference under heteroskedasticity of unknown form. CSDA 45, 215-233.  Johnson, P. O.
& Neyman, J. (1936). Statistical Research Memoirs 1, 57-93.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["HC_TYPES", "leverages", "hc_covariance", "wald_f", "t_inference", "johnson_neyman"]

HC_TYPES = ("HC0", "HC1", "HC2", "HC3", "HC4")


def leverages(x: np.ndarray) -> np.ndarray:
    """Diagonal of the hat matrix ``X (X'X)^-1 X'`` (from a thin QR decomposition of ``x``)."""
    q, _ = np.linalg.qr(np.asarray(x, dtype=float))
    return np.einsum("ij,ij->i", q, q)


def hc_covariance(x: np.ndarray, resid: np.ndarray, kind: str) -> np.ndarray:
    """The ``kind`` (HC0-HC4) covariance matrix of OLS coefficients (see the module docstring)."""
    x = np.asarray(x, dtype=float)
    e2 = np.asarray(resid, dtype=float) ** 2
    n, k = x.shape
    if kind == "HC0":
        omega = e2
    elif kind == "HC1":
        omega = e2 * n / (n - k)
    else:
        h = leverages(x)
        if kind == "HC2":
            omega = e2 / (1.0 - h)
        elif kind == "HC3":
            omega = e2 / (1.0 - h) ** 2
        elif kind == "HC4":
            omega = e2 / (1.0 - h) ** np.minimum(4.0, n * h / k)
        else:
            raise ValueError(f"unknown HC type {kind!r}")
    bread = np.linalg.inv(x.T @ x)
    meat = (x * omega[:, None]).T @ x
    v = bread @ meat @ bread
    return (v + v.T) / 2.0


def wald_f(b: np.ndarray, v: np.ndarray, idx) -> tuple[float, int]:
    """(F, q): the Wald F statistic that the coefficients ``b[idx]`` are all zero, on ``q = len(idx)``."""
    idx = np.asarray(idx, dtype=int)
    br = np.asarray(b, dtype=float)[idx]
    vr = np.asarray(v, dtype=float)[np.ix_(idx, idx)]
    q = len(idx)
    return float(br @ np.linalg.solve(vr, br) / q), q


def t_inference(est, se, df: float, level: float) -> dict[str, np.ndarray]:
    """t, two-sided p and the ``level`` confidence interval ``est -/+ t_crit se`` on ``df``."""
    est = np.asarray(est, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
    crit = stats.t.ppf((1.0 + level) / 2.0, df)
    return {"t": t, "pvalue": 2.0 * stats.t.sf(np.abs(t), df), "ci_lower": est - crit * se,
            "ci_upper": est + crit * se}


def johnson_neyman(c: float, a: float, v00: float, v01: float, v11: float, crit: float) -> np.ndarray:
    """The moderator values where the effect ``c + a w`` is exactly significant.

    The effect has variance ``v00 + 2 w v01 + w^2 v11``; it is significant where
    ``(c + a w)^2 > crit^2 var(w)`` (``crit``: the critical t).  The boundary points are the real
    roots of ``A w^2 + B w + C = 0`` with ``A = a^2 - crit^2 v11``, ``B = 2 (a c - crit^2 v01)``,
    ``C = c^2 - crit^2 v00``; returned sorted (none, one or two).
    """
    t2 = crit * crit
    qa = a * a - t2 * v11
    qb = 2.0 * (a * c - t2 * v01)
    qc = c * c - t2 * v00
    scale = max(abs(qa), abs(qb), abs(qc), 1e-300)
    if abs(qa) <= 1e-14 * scale:
        return np.array([-qc / qb]) if abs(qb) > 1e-14 * scale else np.array([])
    disc = qb * qb - 4.0 * qa * qc
    if disc < 0:
        return np.array([])
    # the numerically stable pair of roots
    s = -0.5 * (qb + np.copysign(np.sqrt(disc), qb))
    roots = [s / qa, qc / s] if s != 0 else [0.0, 0.0]
    return np.sort(np.array(roots, dtype=float))
