"""Difference tests between nested models (lavaan's ``lavTestLRT``).

* Standard: ``T0 - T1`` on ``df0 - df1`` degrees of freedom, with the RMSEA of the difference
  (``sqrt(max(0, (dT / N) / ddf - 1 / N)) sqrt(G)``).
* "satorra.bentler.2001" (lavaan's default for Satorra-Bentler and Yuan-Bentler scaled tests):
  ``(T0 - T1) / cd`` with ``cd = (df0 c0 - df1 c1) / (df0 - df1)`` from the two scaling factors.
* "satorra.2000" (the default for mean-and-variance adjusted and scaled-and-shifted tests):
  the restrictions of the nested model are written as ``A theta = 0`` in the less restricted
  model's parameters, with ``A`` the orthogonal complement of ``H = Delta1^+ Delta0``
  (``A.method = "delta"``), and ``U = V Delta1 P^-1 A' (A P^-1 A')^- A P^-1 Delta1' V`` gives
  ``tr(U Gamma)`` and ``tr((U Gamma)^2)``, with ``V`` the h1 (weight) information, ``P`` the
  model's information and ``Gamma`` the asymptotic covariance of the sample statistics, all from
  the less restricted model.  With ``scaled_shifted`` (lavaan's default) the difference is
  ``a (T0 - T1) + b`` with ``a = sqrt(m / tr((UG)^2))`` and ``b = m - a tr(UG)``; without it
  the difference is scaled by ``tr((UG)^2) / tr(UG)`` on ``tr(UG)^2 / tr((UG)^2)`` degrees of
  freedom (Satterthwaite), or by ``tr(UG) / m`` for Satorra-Bentler type tests.

All differences use the standard (unscaled) statistics of the two fits: a robust difference is
a function of the two standard statistics, never of the two scaled ones.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg, special

from surveykit.errors import SpecError
from surveykit.sem.inference import invert_information, model_information
from surveykit.sem.pipeline import Estimation

__all__ = ["DiffTest", "difference_test", "difference_method"]

_SB_TYPE = ("satorra.bentler", "yuan.bentler", "yuan.bentler.mplus")
_SCALED = _SB_TYPE + ("mean.var.adjusted", "scaled.shifted")
_METHODS = ("default", "standard", "satorra.bentler.2001", "satorra.2000")


@dataclass(frozen=True)
class DiffTest:
    """The difference between a less restricted model (1) and a more restricted one (0)."""

    method: str
    chisq_diff: float
    df_diff: float
    pvalue: float
    rmsea: float = float("nan")  # standard test only
    scaling_factor: float = float("nan")  # satorra.bentler.2001 and the unshifted satorra.2000
    scale: float = float("nan")  # a of the scaled-and-shifted satorra.2000 test
    shift: float = float("nan")  # b of the scaled-and-shifted satorra.2000 test


def _scaled_test(est: Estimation) -> str | None:
    rob = est.robust
    return rob.test if rob is not None and rob.test in _SCALED else None


def difference_method(fits: Sequence[Estimation], method: str = "default") -> str:
    """The difference test lavaan would use for these fits (``method`` as in ``lavTestLRT``)."""
    key = method.lower().replace("-", "").replace("_", "").replace(".", "")
    names = {m.replace(".", ""): m for m in _METHODS}
    names["satorrabentler2010"] = "satorra.bentler.2010"
    if key not in names:
        raise SpecError(f"method={method!r} is not a difference test; use one of {', '.join(_METHODS)}.")
    method = names[key]
    if method == "satorra.bentler.2010":
        raise SpecError("method='satorra.bentler.2010' is not available; use 'satorra.bentler.2001' or "
                        "'satorra.2000'.")
    tests = [_scaled_test(e) for e in fits]
    scaled = [t is not None for t in tests]
    if any(scaled) and not all(s or e.df == 0 for s, e in zip(scaled, fits)):
        raise SpecError("Some models (but not all) have a scaled test statistic; fit them with the same "
                        "estimator and test.")
    if not any(scaled):
        if method not in ("default", "standard"):
            warnings.warn(f"method={method!r} needs scaled test statistics, and these fits have none: the standard "
                          "chi-square difference test is used.", UserWarning, stacklevel=3)
        return "standard"
    if method == "default":
        test = next(t for t in tests if t is not None)
        return "satorra.bentler.2001" if test in _SB_TYPE else "satorra.2000"
    return method


def difference_test(m1: Estimation, m0: Estimation, method: str, *, scaled_shifted: bool = True) -> DiffTest:
    """The difference test of the nested ``m0`` (more degrees of freedom) against ``m1``."""
    t1, t0 = m1.standard.stat, m0.standard.stat
    r1, r0 = m1.standard.df, m0.standard.df
    m = r0 - r1
    diff = t0 - t1
    if method == "standard":
        n, g = m1.ctx.ntotal, m1.ctx.ngroups
        rmsea = math.sqrt(max((diff / n) / m - 1.0 / n, 0.0)) * math.sqrt(g) if m > 0 else float("nan")
        return DiffTest(method=method, chisq_diff=diff, df_diff=m, pvalue=_pvalue(diff, m), rmsea=rmsea)
    if m == 0:
        return DiffTest(method=method, chisq_diff=diff, df_diff=0, pvalue=float("nan"))
    if method == "satorra.bentler.2001":
        c1 = 1.0 if r1 == 0 else m1.robust.scaling_factor
        c0 = m0.robust.scaling_factor
        cd = (r0 * c0 - r1 * c1) / m
        if not cd > 0:
            warnings.warn(f"The scaling factor of the difference test is negative ({cd:.4g}): the scaled difference "
                          "is not available; the models may not be nested.", UserWarning, stacklevel=3)
            cd = float("nan")
        stat = diff / cd
        return DiffTest(method=method, chisq_diff=stat, df_diff=m, pvalue=_pvalue(stat, m), scaling_factor=cd)
    return _satorra_2000(m1, m0, diff, m, scaled_shifted=scaled_shifted)


def _satorra_2000(m1: Estimation, m0: Estimation, diff: float, m: int, *, scaled_shifted: bool) -> DiffTest:
    ctx = m1.ctx
    o = ctx.options
    if o.fiml:
        raise SpecError("The Satorra (2000) difference test needs the asymptotic covariance of the sample statistics, "
                        "which full-information ML does not have; use method='satorra.bentler.2001'.")
    d1 = np.vstack(ctx.deltas)
    d0 = np.vstack(m0.ctx.deltas)
    if d1.shape[0] != d0.shape[0]:
        raise SpecError("The two models do not reproduce the same sample statistics (one has a mean structure or "
                        "thresholds the other lacks); they cannot be compared.")
    h = np.linalg.pinv(d1) @ d0
    a = linalg.null_space(h.T, rcond=1e-7).T  # rows span the restrictions A theta1 = 0
    info = m1.vcov.information
    if info is None:
        info = model_information(ctx, o.information[0], h1_structured=o.h1_information[0] == "structured",
                                 observed=o.observed_information[0])
    p_inv = invert_information(info, warn=False)
    if p_inv is None:
        raise SpecError("The information matrix of the less restricted model is singular; the Satorra (2000) "
                        "difference test is not available.")
    apa = a @ p_inv @ a.T
    keep = ~((np.abs(apa.sum(axis=0)) < np.sqrt(np.finfo(float).eps))
             & (np.abs(apa.sum(axis=1)) < np.sqrt(np.finfo(float).eps)))
    a = a[keep]
    pap = p_inv @ a.T @ np.linalg.pinv(a @ p_inv @ a.T) @ a @ p_inv
    structured = o.h1_information[0] == "structured"
    fg = ctx.fg
    v_all = linalg.block_diag(*[ctx.h1_expected(g, structured) for g in range(ctx.ngroups)])
    gamma_all = linalg.block_diag(*[fg[g] * ctx.gamma(g) for g in range(ctx.ngroups)])
    vd = v_all @ d1
    ug = vd @ pap @ vd.T @ gamma_all
    tr1 = float(np.trace(ug))
    satterthwaite = scaled_shifted or m1.robust.test not in _SB_TYPE
    tr2 = float(np.sum(ug * ug.T)) if satterthwaite else float("nan")
    if scaled_shifted:
        scale = math.sqrt(m / tr2)
        shift = m - scale * tr1
        stat = diff * scale + shift
        return DiffTest(method="satorra.2000", chisq_diff=stat, df_diff=m, pvalue=_pvalue(stat, m), scale=scale,
                        shift=shift)
    if satterthwaite:
        cd = tr2 / tr1
        df = tr1 * tr1 / tr2
    else:
        cd = tr1 / m
        df = m
    stat = diff / cd
    return DiffTest(method="satorra.2000", chisq_diff=stat, df_diff=df, pvalue=_pvalue(stat, df), scaling_factor=cd)


def _pvalue(stat: float, df: float) -> float:
    if not (df > 0) or not np.isfinite(stat):
        return float("nan")
    return float(special.chdtrc(df, stat))
