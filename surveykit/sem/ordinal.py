"""Ordinal indicators: WLSMV (DWLS estimates, robust standard errors, mean-and-variance
adjusted test), lavaan's default for ``ordered`` data, delta parameterization, one group,
complete data (listwise).

Steps (Muthen 1984; lavaan ``estimator = "WLSMV"``):

1. Sample statistics ``s = (thresholds, polychoric correlations)`` by the two-step method
   (:mod:`surveykit._core.polychoric`).
2. Their asymptotic covariance ``Gamma`` from the casewise influence functions of the
   two-step estimator, with lavaan's (muthen1984) cross-product information: thresholds
   ``IF_tau = A11^-1 s_tau,i`` (univariate probit scores, A11 their cross-product);
   correlations ``IF_rho = (s_rho,i - A21 IF_tau) / A22`` with the bivariate scores
   ``s_rho`` and ``s_tau^biv``, ``A22 = mean(s_rho^2)``, ``A21 = mean(s_rho s_tau^biv')``.
3. DWLS: minimize ``F = (s - sigma(theta))' W (s - sigma(theta))`` with ``W = diag(Gamma)^-1``;
   in the delta parameterization the latent responses have unit variance, so the model
   correlations are the off-diagonal of ``Lambda Psi Lambda'`` (+ residual covariances) and
   the residual variances ``1 - diag(Lambda Psi Lambda')`` are not free.
4. Robust standard errors ``(D'WD)^-1 D'W Gamma W D (D'WD)^-1 / N``; test ``T = N F`` and the
   scaled-and-shifted statistic ``a T + b`` with ``a = sqrt(df / tr((U Gamma)^2))``,
   ``b = df - a tr(U Gamma)``, ``U = W - W D (D'WD)^-1 D'W`` (Asparouhov & Muthen 2010).
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtr

from surveykit._core.fit import rmsea as rmsea_k
from surveykit._core.fit import rmsea_ci
from surveykit._core.memo import ContentCache, content_key
from surveykit._core.polychoric import cell_probabilities, polychoric_matrix
from surveykit.errors import (
    DataError,
    DataQualityWarning,
    HeywoodCaseWarning,
    MissingDataWarning,
    ModelSpecificationError,
)
from surveykit.sem.estimate import minimize_scoring, starting_values
from surveykit.sem.partable import build_partable
from surveykit.sem.ram import RamModel
from surveykit.sem.results import SEMResult
from surveykit.sem.solution import Solution

__all__ = ["ordinal_statistics", "fit_wlsmv"]

_Z975 = stats.norm.ppf(0.975)
_H = 1e-5


def _phi(x):
    return np.where(np.isfinite(x), np.exp(-0.5 * np.square(np.where(np.isfinite(x), x, 0.0))) / math.sqrt(2 * math.pi),
                    0.0)


def _univariate(codes: np.ndarray, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Casewise threshold scores (n, K-1) and the per-case Fisher information (K-1, K-1)."""
    cut = np.concatenate([[-np.inf], tau, [np.inf]])
    p = ndtr(cut[1:]) - ndtr(cut[:-1])
    dens = _phi(tau)
    k = len(tau)
    # dP_c / dtau_t: +phi(tau_t) when t == c, -phi(tau_t) when t == c - 1
    dp = np.zeros((k + 1, k))
    for t in range(k):
        dp[t, t] += dens[t]
        dp[t + 1, t] -= dens[t]
    scores = dp[codes] / p[codes][:, None]
    info = (dp / p[:, None]).T @ dp
    return scores, info


_STATS_CACHE = ContentCache(maxsize=4)


def ordinal_statistics(x: np.ndarray):
    """Thresholds, polychoric correlations and Gamma (per-observation asymptotic covariance)
    of complete ordinal data ``x`` (n, p).  Returns (tau list, rho, Gamma, categories, pairs).

    Computed once per data set and process (content-keyed, :mod:`surveykit._core.memo`): a
    CFA and an SEM of the same items share them; the returned arrays are read-only."""
    x = np.asarray(x, dtype=float)
    return _STATS_CACHE.get(content_key("wlsmv-statistics", x), lambda: _ordinal_statistics(x))


def _ordinal_statistics(x: np.ndarray):
    n, p = x.shape
    poly = polychoric_matrix(x)
    taus = poly.thresholds
    codes = np.column_stack([np.searchsorted(poly.categories[j], x[:, j]) for j in range(p)])
    n_tau = [len(t) for t in taus]
    tau_off = np.concatenate([[0], np.cumsum(n_tau)])
    if_tau = np.zeros((n, tau_off[-1]))
    for j in range(p):
        s, info = _univariate(codes[:, j], taus[j])
        if_tau[:, tau_off[j]:tau_off[j + 1]] = s @ np.linalg.inv(info).T
    pairs = [(j, k) for j in range(p) for k in range(j + 1, p)]
    if_rho = np.zeros((n, len(pairs)))
    for m, (j, k) in enumerate(pairs):
        r = poly.rho[j, k]
        tj, tk = taus[j], taus[k]
        table = np.zeros((len(tj) + 1, len(tk) + 1))
        np.add.at(table, (codes[:, j], codes[:, k]), 1.0)

        def logp(rho, a, b):
            return np.log(np.maximum(cell_probabilities(rho, a, b), 1e-300))

        # cell scores of the bivariate log-likelihood: with respect to rho and to each threshold
        d_rho = (logp(r + _H, tj, tk) - logp(r - _H, tj, tk)) / (2 * _H)
        d_tau = []
        for t in range(len(tj)):
            e = np.zeros(len(tj))
            e[t] = _H
            d_tau.append((logp(r, tj + e, tk) - logp(r, tj - e, tk)) / (2 * _H))
        for t in range(len(tk)):
            e = np.zeros(len(tk))
            e[t] = _H
            d_tau.append((logp(r, tj, tk + e) - logp(r, tj, tk - e)) / (2 * _H))
        cj, ck = codes[:, j], codes[:, k]
        s_rho = d_rho[cj, ck]
        s_tau = np.column_stack([dt[cj, ck] for dt in d_tau])
        # lavaan (muthen1984): information blocks as cross-products of the scores
        a22 = float(s_rho @ s_rho) / n
        a21 = s_rho @ s_tau / n
        if_t = np.hstack([if_tau[:, tau_off[j]:tau_off[j + 1]], if_tau[:, tau_off[k]:tau_off[k + 1]]])
        if_rho[:, m] = (s_rho - if_t @ a21) / a22
    if_all = np.hstack([if_tau, if_rho])
    gamma = if_all.T @ if_all / n
    return taus, poly.rho, gamma, poly.categories, pairs


def fit_wlsmv(model: str, frame: pd.DataFrame, ordered: list[str] | bool | None = True) -> SEMResult:
    """Fit ``model`` to ordinal indicators by WLSMV (see the module docstring).

    Validated against: lavaan 0.6.14 ``cfa(model, data, ordered = items, estimator = "WLSMV")`` on
    the 25 bfi items (thresholds, estimates, robust SEs, scaled-shifted statistic, fit indices).
    """
    pt0 = build_partable(model, fixed_x=False)
    names = list(pt0.ov_names)
    if ordered is True or ordered is None:
        ordered = names
    ordered = list(ordered)
    not_ordered = [v for v in names if v not in ordered]
    if not_ordered:
        raise ModelSpecificationError(
            f"WLSMV here needs every indicator ordered; {', '.join(not_ordered)} are not in ordered=."
        )
    if pt0.ov_x:
        raise ModelSpecificationError("WLSMV with exogenous observed covariates is not supported yet.")
    missing_cols = [v for v in names if v not in frame.columns]
    if missing_cols:
        raise DataError(f"The model uses variable(s) {', '.join(missing_cols)} that are not columns of the data.")
    x = frame[names].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(x).any(axis=1)
    if (~ok).any():
        warnings.warn(f"{int((~ok).sum())} of {len(x)} rows had missing values on model variables and were "
                      "dropped (missing='listwise').", MissingDataWarning, stacklevel=3)
    x = x[ok]
    n, p = x.shape
    taus, rho_hat, gamma, cats, pairs = ordinal_statistics(x)
    empty = []
    for j, k in pairs:
        cj = np.searchsorted(cats[j], x[:, j])
        ck = np.searchsorted(cats[k], x[:, k])
        table = np.zeros((len(cats[j]), len(cats[k])))
        np.add.at(table, (cj, ck), 1.0)
        if (table == 0).any():
            empty.append(f"{names[j]}-{names[k]}")
    if empty:
        warnings.warn(
            f"{len(empty)} of {len(pairs)} bivariate tables of the ordinal items have empty cells (e.g. "
            f"{', '.join(empty[:3])}); their polychoric correlations and weights rest on sparse data. "
            "Consider collapsing rare categories.", DataQualityWarning, stacklevel=2)
    for j, c in enumerate(cats):
        if len(c) < 2:
            raise DataError(f"Ordered variable {names[j]} has a single observed category; remove it.")
    # the RAM part: residual variances of the ordinal indicators are not parameters (delta)
    t = pt0.table.copy()
    resid = (t["op"] == "~~") & (t["lhs"] == t["rhs"]) & t["lhs"].isin(ordered)
    t.loc[resid, "free"] = 0
    t.loc[resid, "ustart"] = 0.0
    free_old = sorted(set(t.loc[t["free"] > 0, "free"]))
    remap = {old: i + 1 for i, old in enumerate(free_old)}
    t["free"] = [remap.get(f, 0) for f in t["free"]]
    pt = dataclasses.replace(pt0, table=t)
    ram = RamModel.from_partable(pt)
    k_ram = pt.n_free
    n_tau = sum(len(tt) for tt in taus)
    iu = np.array(pairs)
    s_vec = np.concatenate([np.concatenate(taus), rho_hat[iu[:, 0], iu[:, 1]]])
    w = 1.0 / np.diag(gamma)

    def sigma_vec(theta):
        sig, _, _ = ram.implied(theta[:k_ram])
        return np.concatenate([theta[k_ram:], sig[iu[:, 0], iu[:, 1]]])

    def jac(theta):
        d_sigma, _ = ram.derivatives(theta[:k_ram])
        d = np.zeros((len(s_vec), k_ram + n_tau))
        d[:n_tau, k_ram:] = np.eye(n_tau)
        d[n_tau:, :k_ram] = d_sigma[:, iu[:, 0], iu[:, 1]].T
        return d

    def f(theta):
        r = s_vec - sigma_vec(theta)
        return float(r @ (w * r))

    def pieces(theta):
        r = s_vec - sigma_vec(theta)
        d = jac(theta)
        return -2 * d.T @ (w * r), 2 * d.T @ (w[:, None] * d)

    theta0 = np.concatenate([starting_values(pt, ram, rho_hat), np.concatenate(taus)])
    opt = minimize_scoring(f, pieces, theta0)
    theta = opt.theta
    d = jac(theta)
    wd = w[:, None] * d
    bread = np.linalg.inv(d.T @ wd)
    vcov = bread @ (wd.T @ gamma @ wd) @ bread / n
    se_all = np.sqrt(np.clip(np.diag(vcov), 0, None))
    fmin = f(theta)
    chisq = (n - 1) * fmin  # lavaan: N - 1 for the (D)WLS test statistic
    e = len(s_vec)
    df = e - len(theta)
    u = np.diag(w) - wd @ bread @ wd.T
    ug = u @ gamma
    tr1, tr2 = float(np.trace(ug)), float(np.sum(ug * ug.T))
    a = math.sqrt(df / tr2)
    b = df - a * tr1
    t_ss = a * chisq + b
    # baseline: correlations zero, thresholds free
    rr = s_vec[n_tau:]
    wr = w[n_tau:]
    b_chisq = (n - 1) * float(rr @ (wr * rr))
    b_df = len(rr)
    ub = np.diag(wr)
    ubg = ub @ gamma[n_tau:, n_tau:]
    ab = math.sqrt(b_df / float(np.sum(ubg * ubg.T)))
    bb = b_df - ab * float(np.trace(ubg))
    b_ss = ab * b_chisq + bb

    def cfi(tm, dm, tb, db):
        den = max(tm - dm, tb - db, 0.0)
        return 1.0 - max(tm - dm, 0.0) / den if den > 0 else 1.0

    sig, C, _ = ram.implied(theta[:k_ram])
    res_offdiag = rho_hat - sig
    np.fill_diagonal(res_offdiag, 0.0)
    n1 = n - 1  # lavaan's N for categorical (D)WLS fit indices
    lo, hi = rmsea_ci(t_ss, df, n1)
    fit = {
        "npar": len(theta), "nobs": n, "fmin": chisq / (2 * n), "chisq": chisq, "df": df,
        "pvalue": float(stats.chi2.sf(chisq, df)),
        "chisq_scaled": t_ss, "df_scaled": df, "pvalue_scaled": float(stats.chi2.sf(t_ss, df)),
        "chisq_scaling_factor": 1.0 / a, "chisq_shift": b,
        "baseline_chisq": b_chisq, "baseline_df": b_df, "baseline_chisq_scaled": b_ss,
        "cfi": cfi(chisq, df, b_chisq, b_df), "tli": (b_chisq / b_df - chisq / df) / (b_chisq / b_df - 1.0),
        "cfi_scaled": cfi(t_ss, df, b_ss, b_df), "tli_scaled": (b_ss / b_df - t_ss / df) / (b_ss / b_df - 1.0),
        "rmsea": rmsea_k(chisq, df, n1), "rmsea_scaled": rmsea_k(t_ss, df, n1),
        "rmsea_ci_lower_scaled": lo, "rmsea_ci_upper_scaled": hi,
        "srmr": float(np.sqrt(np.sum(np.triu(res_offdiag, 1) ** 2) / (p * (p + 1) / 2))),
        "wrmr": math.sqrt(chisq / e),
        "nfi": (b_chisq - chisq) / b_chisq,
        "rmsea_ci_lower": rmsea_ci(chisq, df, n1)[0], "rmsea_ci_upper": rmsea_ci(chisq, df, n1)[1],
        "aic": float("nan"), "bic": float("nan"), "logl": float("nan"), "unrestricted_logl": float("nan"),
    }
    # parameter table in lavaan's order: =~, |, ~~ (residual then latent), ~*~, ~1
    sol = Solution.build(pt, ram)
    est = sol.estimates(theta[:k_ram])
    se = np.where(sol.free >= 0, se_all[sol.free.clip(0)], 0.0)
    std_lv, std_all = sol.standardized(theta[:k_ram])
    diag_common = np.diag(sig)
    idx = {v: i for i, v in enumerate(names)}
    rows = []
    for i, r in enumerate(pt.table.itertuples()):
        e_i, s_i = est[i], se[i]
        if r.op == "~~" and r.lhs == r.rhs and r.lhs in ordered:
            e_i = 1.0 - diag_common[idx[r.lhs]]
            rows.append((r.lhs, "~~", r.rhs, r.label, e_i, 0.0, e_i, e_i))
            if e_i < 0:
                warnings.warn(f"Heywood case: the residual variance of {r.lhs} is negative ({e_i:.4g}).",
                              HeywoodCaseWarning, stacklevel=2)
            continue
        sa = std_all[i]
        if r.op == "=~":
            sa = std_lv[i]  # y* has unit variance: std.all equals std.lv
        rows.append((r.lhs, r.op, r.rhs, r.label, e_i, s_i, std_lv[i], sa))
    tau_rows = []
    pos = k_ram
    for j, v in enumerate(names):
        for c in range(len(taus[j])):
            tau_rows.append((v, "|", f"t{c + 1}", "", theta[pos], se_all[pos], theta[pos], theta[pos]))
            pos += 1
    loads = [r for r in rows if r[1] == "=~"]
    rest = [r for r in rows if r[1] != "=~"]
    scale = [(v, "~*~", v, "", 1.0, 0.0, 1.0, 1.0) for v in names]
    means = [(v, "~1", "", "", 0.0, 0.0, 0.0, 0.0) for v in names + list(pt.lv_names)]
    allrows = loads + tau_rows + rest + scale + means
    df_pe = pd.DataFrame(allrows, columns=["lhs", "op", "rhs", "label", "est", "se", "std_lv", "std_all"])
    freeish = df_pe["se"] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        df_pe["z"] = np.where(freeish, df_pe["est"] / df_pe["se"], np.nan)
    df_pe["pvalue"] = np.where(freeish, 2 * stats.norm.sf(np.abs(df_pe["z"])), np.nan)
    df_pe["ci_lower"] = df_pe["est"] - _Z975 * df_pe["se"]
    df_pe["ci_upper"] = df_pe["est"] + _Z975 * df_pe["se"]
    df_pe = df_pe[["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv",
                   "std_all"]]
    r2 = pd.Series({v: float(diag_common[idx[v]]) for v in names}, name="r_squared")
    return SEMResult(
        model_syntax=model, estimator="WLSMV", partable=pt, nobs=n, n_total=len(ok), converged=opt.converged,
        iterations=opt.iterations, optimizer=opt.method, _estimates=df_pe, _fit=fit, _r2=r2,
        _implied=pd.DataFrame(sig, index=names, columns=names), _sample=pd.DataFrame(rho_hat, index=names,
                                                                                      columns=names),
        _vcov=vcov, _theta=theta,
    )
