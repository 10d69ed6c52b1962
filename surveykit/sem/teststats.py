"""Step 7 of a fit: the test statistics (lavaan's ``lav_model_test``), each a separate piece.

* "standard": ``T = sum_g c_g F_g`` with ``c_g = n_g`` (normal-theory ML; for FIML the
  likelihood ratio against the EM h1 model) or ``n_g - 1`` (Wishart ML, GLS, WLS, DWLS, ULS).
* Satorra-Bentler type, from ``U Gamma`` with ``U = V - V Delta E^-1 Delta' V`` over all groups
  (lavaan's ``lav_test_satorra_bentler_trace_original``): "satorra.bentler" (``T / c``,
  ``c = tr(U Gamma) / df``), "mean.var.adjusted" (Satterthwaite df ``tr(UG)^2 / tr((UG)^2)``) and
  "scaled.shifted" (``a T + b``, ``a = sqrt(df / tr((UG)^2))``, ``b = df - a tr(UG)``;
  Asparouhov & Muthen 2010).
* Yuan-Bentler: "yuan.bentler" (``tr(U Omega)`` with ``Omega = A1^-1 B1 A1^-1`` of the saturated
  model) and "yuan.bentler.mplus" (``c = [tr(A1^-1 B1) - tr(E^-1 B0)] / df`` with the
  unstructured h1 information A1, its first-order counterpart B1, and the model's first-order
  information B0; Mplus' MLR).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from surveykit.sem.inference import Context, invert_information, model_information

__all__ = ["TestResult", "standard_test", "robust_test"]


@dataclass(frozen=True)
class TestResult:
    """One test statistic (lavaan's ``fit@test`` element)."""

    test: str
    stat: float
    df: float
    pvalue: float
    stat_group: tuple[float, ...] = ()
    scaling_factor: float = float("nan")
    shift: float = float("nan")
    trace_ugamma: float = float("nan")
    trace_ugamma2: float = float("nan")
    scaling_factor_h1: float = float("nan")
    scaling_factor_h0: float = float("nan")
    notes: tuple[str, ...] = field(default=())


def _pvalue(stat: float, df: float) -> float:
    if not (df > 0) or not np.isfinite(stat):
        return float("nan")
    return float(special.chdtrc(df, stat))


def standard_test(ctx: Context, stat_group: list[float], df: float) -> TestResult:
    """The unscaled statistic from each group's contribution (already multiplied by its N)."""
    stat_group = [max(float(s), 0.0) for s in stat_group]
    stat = float(sum(stat_group))
    pv = float("nan") if ctx.options.base == "ULS" else _pvalue(stat, df)
    return TestResult(test="standard", stat=stat, df=df, pvalue=pv, stat_group=tuple(stat_group))


def _e_inv_for_test(ctx: Context, e_inv_se: np.ndarray | None) -> np.ndarray | None:
    """lavaan recomputes E^-1 with the test's information options when they differ from the
    standard errors' (``E.inv.recompute``)."""
    o = ctx.options
    same = (o.information[0] == o.information[1] and o.h1_information[0] == o.h1_information[1]
            and (o.information[1] == "expected" or o.observed_information[0] == o.observed_information[1]))
    if same and e_inv_se is not None:
        return e_inv_se
    info = model_information(ctx, o.information[1], h1_structured=o.h1_information[1] == "structured",
                             observed=o.observed_information[1])
    return invert_information(info, warn=False)


def _v_matrix(ctx: Context, g: int) -> np.ndarray:
    """The WLS.V of the test (h1 information of the test's kind)."""
    o = ctx.options
    kind = o.information[1]
    structured = o.h1_information[1] == "structured"
    if kind == "observed" and o.observed_information[1] == "hessian":
        return ctx.h1_observed(g, structured)
    return ctx.h1_information(g, kind, structured)


def robust_test(ctx: Context, standard: TestResult, e_inv_se: np.ndarray | None) -> TestResult | None:
    """The robust test statistic of ``ctx.options`` (None when the options ask for none)."""
    name = ctx.options.robust_test
    if name is None:
        return None
    df = standard.df
    nan = float("nan")
    if not df > 0:
        return TestResult(test=name, stat=standard.stat, df=df, pvalue=nan, stat_group=standard.stat_group,
                          notes=("no degrees of freedom: nothing to scale",))
    e_inv = _e_inv_for_test(ctx, e_inv_se)
    if e_inv is None:
        return TestResult(test=name, stat=nan, df=df, pvalue=nan, notes=(
            "the information matrix could not be inverted: the robust test statistic is not available",))
    if name == "yuan.bentler.mplus":
        return _yuan_bentler_mplus(ctx, standard, e_inv)
    if name == "yuan.bentler":
        return _yuan_bentler(ctx, standard, e_inv)
    fg = ctx.fg
    v_all = _block([fg[g] * _v_matrix(ctx, g) for g in range(ctx.ngroups)])
    gamma_all = _block([ctx.gamma(g) / fg[g] for g in range(ctx.ngroups)])
    delta_all = np.vstack(ctx.deltas)
    vd = v_all @ delta_all
    u = v_all - vd @ e_inv @ vd.T
    ug = u @ gamma_all
    tr1 = float(np.sum(u * gamma_all))
    tr2 = float(np.sum(ug * ug.T))
    stat_g = np.array(standard.stat_group)
    if name == "satorra.bentler":
        c = tr1 / df
        c = c if c > 0 else nan
        stat = standard.stat / c
        return TestResult(test=name, stat=stat, df=df, pvalue=_pvalue(stat, df), stat_group=tuple(stat_g / c),
                          scaling_factor=c, trace_ugamma=tr1, trace_ugamma2=tr2)
    if name == "mean.var.adjusted":
        df2 = tr1 * tr1 / tr2
        c = tr1 / df2
        stat = standard.stat / c
        return TestResult(test=name, stat=stat, df=df2, pvalue=_pvalue(stat, df2), stat_group=tuple(stat_g / c),
                          scaling_factor=c, trace_ugamma=tr1, trace_ugamma2=tr2)
    # scaled.shifted
    a = math.sqrt(df / tr2)
    shift = df - a * tr1
    stat = standard.stat * a + shift
    return TestResult(test=name, stat=stat, df=df, pvalue=_pvalue(stat, df),
                      stat_group=tuple(stat_g * a + fg * shift), scaling_factor=1.0 / a, shift=shift,
                      trace_ugamma=tr1, trace_ugamma2=tr2)


def _block(mats: list[np.ndarray]) -> np.ndarray:
    n = sum(m.shape[0] for m in mats)
    out = np.zeros((n, n))
    i = 0
    for m in mats:
        k = m.shape[0]
        out[i:i + k, i:i + k] = m
        i += k
    return out


def _inverse_nonzero(a1: np.ndarray) -> tuple[np.ndarray, int]:
    """The inverse of A1 on its rows with a non-zero diagonal (the covariates' own moments have
    zero rows under fixed.x), zeros elsewhere; and the number of those rows."""
    nz = np.flatnonzero(np.diag(a1) != 0)
    out = np.zeros_like(a1)
    out[np.ix_(nz, nz)] = np.linalg.inv(a1[np.ix_(nz, nz)])
    return out, len(nz)


def _yuan_bentler_mplus(ctx: Context, standard: TestResult, e_inv: np.ndarray) -> TestResult:
    o = ctx.options
    kind = o.information[1]
    trace = h1_sum = h0_sum = 0.0
    ndat = 0
    for g in range(ctx.ngroups):
        a1 = (ctx.h1_observed(g, False) if kind == "observed" else ctx.h1_information(g, kind, False))
        b1 = ctx.h1_firstorder(g, False)
        a1_inv, nd = _inverse_nonzero(a1)
        trace_h1 = float(np.sum(b1 * a1_inv.T))
        d = ctx.deltas[g]
        b0 = d.T @ ctx.h1_firstorder(g, o.h1_information[1] == "structured") @ d
        trace_h0 = ctx.fg[g] * float(np.sum(b0 * e_inv.T))
        trace += trace_h1 - trace_h0
        h1_sum += trace_h1
        h0_sum += trace_h0
        ndat += nd
    return _trace_scaled("yuan.bentler.mplus", ctx, standard, trace, h1_sum / ndat, h0_sum / ctx.n_free_rows)


def _yuan_bentler(ctx: Context, standard: TestResult, e_inv: np.ndarray) -> TestResult:
    o = ctx.options
    kind = o.information[1]
    structured = o.h1_information[1] == "structured"
    trace = h1_sum = h0_sum = 0.0
    ndat = 0
    for g in range(ctx.ngroups):
        fg = ctx.fg[g]
        a1 = _v_matrix(ctx, g)
        # Omega from the unstructured h1 information of the test's kind and its first-order meat
        a1_u = ctx.h1_observed(g, False) if kind == "observed" else ctx.h1_information(g, kind, False)
        a1_u_inv, nd = _inverse_nonzero(a1_u)
        b1_u = ctx.h1_firstorder(g, False)
        omega = a1_u_inv @ b1_u @ a1_u_inv
        d = ctx.deltas[g]
        a1f = a1 * fg
        dedt = d @ e_inv @ d.T
        u = a1f - a1f @ dedt @ a1f
        trace += float(np.sum(u * (omega / fg)))
        h1_sum += float(np.sum(b1_u * a1_u_inv.T))
        h0_sum += float(np.sum(ctx.h1_firstorder(g, structured) * fg * dedt))
        ndat += nd
    return _trace_scaled("yuan.bentler", ctx, standard, trace, h1_sum / ndat, h0_sum / ctx.n_free_rows)


def _trace_scaled(name: str, ctx: Context, standard: TestResult, trace: float, h1: float, h0: float) -> TestResult:
    """A Yuan-Bentler statistic ``T / c`` with ``c = trace / df`` (NA when not positive)."""
    df = standard.df
    c = trace / df
    c = c if c > 0 else float("nan")
    stat = standard.stat / c
    return TestResult(test=name, stat=stat, df=df, pvalue=_pvalue(stat, df),
                      stat_group=tuple(np.array(standard.stat_group) / c), scaling_factor=c, trace_ugamma=trace,
                      scaling_factor_h1=h1, scaling_factor_h0=h0)
