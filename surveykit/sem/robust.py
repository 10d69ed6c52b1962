"""Robust (MLR) standard errors and the Yuan-Bentler scaled test statistic.

For complete data, lavaan's ``estimator = "MLR"`` keeps the ML estimates and uses

* Huber-White sandwich standard errors ``A^-1 B A^-1`` with ``A`` the observed information
  (the Hessian of minus the log-likelihood) and ``B = sum_i s_i s_i'`` the cross-product of the
  casewise scores;
* the Yuan-Bentler (Mplus variant) scaled chi-square ``T / c`` with
  ``c = [tr(A1^-1 B1) - tr(A^-1 B)] / df``, where ``A1`` and ``B1`` are the observed and
  first-order information of the unrestricted (h1) model in the sample statistics
  (lavaan ``test = "yuan.bentler.mplus"``, ``information = "observed"``).

The observed information is the Jacobian of the analytic gradient, by central differences
(the gradient is exact; its differences are accurate to about 1e-8 relative).
"""

from __future__ import annotations

import numpy as np

from surveykit.sem.estimate import SampleMoments, group_pieces
from surveykit.sem.ram import RamModel

__all__ = ["casewise_scores", "observed_information", "sandwich_vcov", "yuan_bentler_scaling"]


def _total_gradient(models, theta: np.ndarray, sm: SampleMoments) -> np.ndarray:
    """Gradient of minus the log-likelihood, ``sum_g n_g/2 dF_g``."""
    g = np.zeros(len(theta))
    for model, gm in zip(models, sm.groups):
        gd, _ = group_pieces(model, theta, gm, "ML", None, hessian=False)
        g += gm.nobs / 2.0 * gd
    return g


def observed_information(models, theta: np.ndarray, sm: SampleMoments) -> np.ndarray:
    """Observed information (Hessian of minus the log-likelihood) by differencing the gradient."""
    k = len(theta)
    out = np.zeros((k, k))
    for j in range(k):
        h = 1e-6 * max(1.0, abs(theta[j]))
        tp, tm = theta.copy(), theta.copy()
        tp[j] += h
        tm[j] -= h
        out[:, j] = (_total_gradient(models, tp, sm) - _total_gradient(models, tm, sm)) / (2 * h)
    return (out + out.T) / 2


def casewise_scores(model: RamModel, theta: np.ndarray, x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Scores of each case's log-likelihood with respect to theta: (n, k).

    ``s_ik = -1/2 [tr(Sigma^-1 dSigma_k) - d_i' Sigma^-1 dSigma_k Sigma^-1 d_i] + d_i' Sigma^-1 dmu_k``
    with ``d_i = x_i - mu`` (``mu`` the sample mean when the means are saturated).
    """
    sigma, _, _ = model.implied(theta)
    sinv = np.linalg.inv(sigma)
    d_sigma, d_mu = model.derivatives(theta)
    mu = model.implied_means(theta)[: model.n_obs_vars] if model.meanstructure else mean
    d = x - mu
    m = np.einsum("ab,kbc,cd->kad", sinv, d_sigma, sinv)
    tr = np.einsum("ab,kba->k", sinv, d_sigma)
    quad = np.einsum("ia,kab,ib->ik", d, m, d)
    s = -0.5 * (tr[None, :] - quad)
    if model.meanstructure:
        s = s + (d @ sinv) @ d_mu.T
    return s


def sandwich_vcov(models, theta: np.ndarray, sm: SampleMoments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vcov, A, B): Huber-White ``A^-1 B A^-1`` from observed information A and score cross-products B."""
    a = observed_information(models, theta, sm)
    b = np.zeros_like(a)
    for model, gm in zip(models, sm.groups):
        s = casewise_scores(model, theta, gm.data, gm.mean)
        b += s.T @ s
    ainv = np.linalg.inv(a)
    return ainv @ b @ ainv, a, b


def _h1_trace(gm, meanstructure: bool) -> float:
    """tr(A1^-1 B1) of the unrestricted model in one group (per observation)."""
    s = gm.cov
    p = len(s)
    sinv = np.linalg.inv(s)
    iu = np.triu_indices(p)
    n_cov = len(iu[0])
    # unit matrices of the vech elements
    e = np.zeros((n_cov, p, p))
    e[np.arange(n_cov), iu[0], iu[1]] = 1.0
    e[np.arange(n_cov), iu[1], iu[0]] = 1.0
    v = np.einsum("ab,kbc->kac", sinv, e)
    a1 = 0.5 * np.einsum("kab,lba->kl", v, v)
    d = gm.data - gm.mean
    m = np.einsum("ab,kbc,cd->kad", sinv, e, sinv)
    tr = np.einsum("kaa->k", v)
    z = -0.5 * (tr[None, :] - np.einsum("ia,kab,ib->ik", d, m, d))
    if meanstructure:
        a1 = np.block([[sinv, np.zeros((p, n_cov))], [np.zeros((n_cov, p)), a1]])
        z = np.hstack([d @ sinv, z])
    b1 = z.T @ z / gm.nobs
    return float(np.trace(np.linalg.solve(a1, b1)))


def yuan_bentler_scaling(models, theta: np.ndarray, sm: SampleMoments, df: float,
                         a: np.ndarray | None = None, b: np.ndarray | None = None) -> tuple[float, float]:
    """(c, trace_UGamma): the scaling factor of the Yuan-Bentler (Mplus) statistic."""
    if a is None or b is None:
        _, a, b = sandwich_vcov(models, theta, sm)
    h1 = sum(_h1_trace(gm, models[0].meanstructure) for gm in sm.groups)
    h0 = float(np.trace(np.linalg.solve(a, b)))
    trace = h1 - h0
    return trace / df, trace


def robust_fit_measures(fit: dict, models, theta: np.ndarray, sm: SampleMoments, pt, a: np.ndarray,
                        b: np.ndarray) -> dict:
    """The scaled and robust fit measures of lavaan's MLR (Yuan-Bentler, Mplus variant):
    chisq_scaled, df_scaled, pvalue_scaled, chisq_scaling_factor, baseline scaled statistic,
    cfi/tli scaled and robust (Brosseau-Liard & Savalei 2014), rmsea scaled and robust with the
    robust 90% interval (Brosseau-Liard, Savalei & Li 2012)."""
    from scipy import stats

    from surveykit._core.fit import rmsea as rmsea_k
    from surveykit._core.fit import rmsea_ci
    from surveykit.sem.estimate import optimize, starting_values
    from surveykit.sem.partable import build_partable

    df, n, chisq = fit["df"], fit["nobs"], fit["chisq"]
    G = len(sm.groups)
    c, _ = yuan_bentler_scaling(models, theta, sm, df, a, b)
    # the independence (baseline) model, fitted to the same moments
    lines = [f"{v} ~~ {v}" for v in pt.ov_names]
    xs = list(pt.ov_x)
    lines += [f"{x1} ~~ {x2}" for i, x1 in enumerate(xs) for x2 in xs[i + 1:]]
    pt_b = build_partable("\n".join(lines), fixed_x=False, meanstructure=pt.meanstructure, ngroups=G,
                          group_labels=pt.group_labels)
    models_b = [RamModel.from_partable(pt_b, group=g) for g in range(1, G + 1)]
    opt_b = optimize(models_b, starting_values(pt_b, models_b[0], sm), sm)
    _, a_b, b_b = sandwich_vcov(models_b, opt_b.theta, sm)
    bdf = fit["baseline_df"]
    cb, _ = yuan_bentler_scaling(models_b, opt_b.theta, sm, bdf, a_b, b_b)
    bchisq = fit["baseline_chisq"]
    ts, tbs = chisq / c, bchisq / cb

    def cfi(t, d, tb, dbase):
        den = max(t - d, tb - dbase, 0.0)
        return 1.0 - max(t - d, 0.0) / den if den > 0 else 1.0

    out = dict(fit)
    lo_r, hi_r = rmsea_ci(ts, df, n / c, ngroups=G)
    lo_s, hi_s = rmsea_ci(ts, df, n, ngroups=G)
    out.update({
        "chisq_scaled": ts,
        "df_scaled": df,
        "pvalue_scaled": float(stats.chi2.sf(ts, df)),
        "chisq_scaling_factor": c,
        "baseline_chisq_scaled": tbs,
        "baseline_chisq_scaling_factor": cb,
        "cfi_scaled": cfi(ts, df, tbs, bdf),
        "tli_scaled": (tbs / bdf - ts / df) / (tbs / bdf - 1.0),
        "cfi_robust": cfi(chisq, c * df, bchisq, cb * bdf),
        "tli_robust": 1.0 - ((chisq - c * df) * bdf) / ((bchisq - cb * bdf) * df),
        "rmsea_scaled": rmsea_k(ts, df, n, ngroups=G),
        "rmsea_ci_lower_scaled": lo_s,
        "rmsea_ci_upper_scaled": hi_s,
        "rmsea_robust": float(np.sqrt(max(chisq / (n * df) - c / n, 0.0)) * np.sqrt(G)),
        "rmsea_ci_lower_robust": lo_r,
        "rmsea_ci_upper_robust": hi_r,
    })
    return out


def _fiml_fit_measures(fit: dict, l1: float, l0: float, lb: float, pt, sm: SampleMoments) -> dict:
    """Fit measures of a FIML fit: likelihood-ratio chi-square against the EM (h1) model and the
    independence baseline fitted by FIML; CFI, TLI, NFI, RMSEA with N = all rows (lavaan)."""
    import math

    from scipy import stats

    from surveykit._core.fit import rmsea, rmsea_ci, rmsea_pvalue

    out = dict(fit)
    n = sum(g.nobs for g in sm.groups)
    G = len(sm.groups)
    p = len(sm.names)
    chisq = 2 * (l1 - l0)
    df = fit["df"]
    bchisq = 2 * (l1 - lb)
    bdf = G * (p * (p + 3) / 2 - 2 * p)
    den = max(chisq - df, bchisq - bdf, 0.0)
    lo, hi = rmsea_ci(chisq, df, n, ngroups=G)
    npar = fit["npar"]
    out.update({
        "fmin": chisq / (2 * n), "chisq": chisq, "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else float("nan"),
        "baseline_chisq": bchisq, "baseline_df": bdf, "baseline_pvalue": float(stats.chi2.sf(bchisq, bdf)),
        "cfi": 1.0 - max(chisq - df, 0.0) / den if den > 0 else 1.0,
        "tli": (bchisq / bdf - chisq / df) / (bchisq / bdf - 1.0) if df > 0 else float("nan"),
        "nfi": (bchisq - chisq) / bchisq,
        "rmsea": rmsea(chisq, df, n, ngroups=G), "rmsea_ci_lower": lo, "rmsea_ci_upper": hi,
        "rmsea_pvalue": rmsea_pvalue(chisq, df, n, ngroups=G),
        "logl": l0, "unrestricted_logl": l1,
        "aic": -2 * l0 + 2 * npar, "bic": -2 * l0 + npar * math.log(n),
        "nobs": n,
    })
    return out
