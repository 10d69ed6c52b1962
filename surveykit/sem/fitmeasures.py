"""Step 7 of a fit: every fit measure lavaan 0.6.14's ``fitMeasures(fit, "all")`` reports, for every
estimator, from the test statistics of the model and of its baseline (independence) model.

Names are lavaan's with dots as underscores (``rmsea.ci.lower`` -> ``rmsea_ci_lower``).  The
definitions follow lavaan's ``lav_fit_*`` functions:

* chi-square, df, p-value; scaled versions from the robust test (``chisq_scaling_factor``);
* baseline statistics, CFI, TLI (= NNFI), RFI, NFI, PNFI, IFI, RNI; "scaled" versions from the
  scaled statistics, "robust" versions (Brosseau-Liard & Savalei 2014; with missing data
  Zhang & Savalei's FIML-corrected statistics, lavaan's ``lav_fit_fiml_corrected``) with the
  scaling factors ``c`` and ``c_null`` (for the scaled-shifted test ``a (df - b) / df``);
* log-likelihoods, AIC, BIC and the sample-size adjusted BIC (``bic2``) for ML;
* RMSEA with its 90% interval and the tests of close (0.05) and not-close (0.08) fit; the
  "scaled" RMSEA uses the unscaled statistic with ``df = tr(U Gamma)`` (the scaled-shifted
  test: its own statistic and df), the "robust" RMSEA the unscaled statistic with ``c``
  (lavaan's ``lav_fit_rmsea_lavobject``);
* RMR, SRMR (Bentler; lavaan's ``srmr``), CRMR (Bollen), SRMR (Mplus), with and without the
  mean residuals; GFI, AGFI, PGFI on the estimator's weight matrix; Hoelter's critical N,
  McDonald's MFI, ECVI; WRMR for ordinal data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from surveykit._core.fit import rmsea, rmsea_ci, rmsea_notclose_pvalue, rmsea_pvalue
from surveykit.sem.pipeline import Estimation
from surveykit.sem.samplestats import vech_index
from surveykit.sem.teststats import TestResult

__all__ = ["fit_measures", "logl_measures"]

_ROBUST = ("satorra.bentler", "yuan.bentler.mplus", "yuan.bentler", "scaled.shifted")
_NAN = float("nan")


def _cfi(x2, df, x2n, dfn, c=1.0, cn=1.0) -> float:
    if any(not np.isfinite(v) for v in (x2, df, x2n, dfn, c, cn)):
        return _NAN
    if df > 0 and c != 1 and cn != 1:
        t1 = max(x2 - c * df, 0.0)
        t2 = max(x2 - c * df, x2n - cn * dfn, 0.0)
    else:
        t1 = max(x2 - df, 0.0)
        t2 = max(x2 - df, x2n - dfn, 0.0)
    if math.isclose(t1, 0.0, abs_tol=1.5e-8) and math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return 1.0
    return 1.0 - t1 / t2


def _tli(x2, df, x2n, dfn, c=1.0, cn=1.0) -> float:
    if any(not np.isfinite(v) for v in (x2, df, x2n, dfn, c, cn)):
        return _NAN
    if df > 0 and c != 1 and cn != 1:
        t1 = (x2 - c * df) * dfn
        t2 = (x2n - cn * dfn) * df
    else:
        t1 = (x2 - df) * dfn
        t2 = (x2n - dfn) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    return 1.0


def _rfi(x2, df, x2n, dfn) -> float:
    if df > dfn:
        return _NAN
    if df > 0 and dfn > 0:
        t1 = x2n / dfn - x2 / df
        t2 = x2n / dfn
        if t1 < 0 or t2 < 0:
            return 1.0
        return t1 / t2
    return 1.0


def _nfi(x2, df, x2n, dfn) -> float:
    if df > dfn or math.isclose(x2n, 0.0, abs_tol=1.5e-8):
        return _NAN
    return (x2n - x2) / x2n if df > 0 else 1.0


def _pnfi(x2, df, x2n, dfn) -> float:
    if dfn > 0 and x2n > 0:
        return (df / dfn) * ((x2n - x2) / x2n)
    return _NAN


def _ifi(x2, df, x2n, dfn) -> float:
    t1 = x2n - x2
    t2 = x2n - df
    if t2 < 0:
        return 1.0
    if math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return _NAN
    return t1 / t2


def _rni(x2, df, x2n, dfn, c=1.0, cn=1.0) -> float:
    if any(not np.isfinite(v) for v in (x2, df, x2n, dfn, c, cn)):
        return _NAN
    if df > 0 and c != 1 and cn != 1:
        t1, t2 = x2 - c * df, x2n - cn * dfn
    else:
        t1, t2 = x2 - df, x2n - dfn
    if math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return _NAN
    return 1.0 - t1 / t2


def _incremental(suffix: str, x2: float, df: float, x2n: float, dfn: float) -> dict[str, float]:
    """CFI, TLI (= NNFI), RFI, NFI, PNFI, IFI and RNI of one pair of statistics (model, baseline)."""
    tli = _tli(x2, df, x2n, dfn)
    values = {"cfi": _cfi(x2, df, x2n, dfn), "tli": tli, "nnfi": tli, "rfi": _rfi(x2, df, x2n, dfn),
              "nfi": _nfi(x2, df, x2n, dfn), "pnfi": _pnfi(x2, df, x2n, dfn), "ifi": _ifi(x2, df, x2n, dfn),
              "rni": _rni(x2, df, x2n, dfn)}
    return {k + suffix: v for k, v in values.items()}


def _c_hat(test: TestResult, df: float) -> float:
    """The scaling factor of the robust CFI/TLI/RMSEA (lavaan: ``a (df - b) / df`` for the
    scaled-shifted test, else the scaling factor)."""
    if test.test == "scaled.shifted":
        return test.scaling_factor * (df - test.shift) / df
    return test.scaling_factor


def logl_measures(est: Estimation) -> dict[str, float]:
    """logl, unrestricted_logl (ML only; conditional on fixed covariates, as lavaan)."""
    if est.options.base != "ML":
        return {"logl": _NAN, "unrestricted_logl": _NAN}
    stats = est.stats
    xi = list(stats.groups[0].x_idx)
    logl = ulogl = 0.0
    for m, gm in zip(est.models, stats.groups):
        sigma, mu = m.implied(est.theta)
        if gm.pats:
            from surveykit.sem.samplestats import pattern_loglik

            lg = pattern_loglik(gm.pats, mu, sigma)
            ug = gm.h1.logl
            if xi:
                lx = _x_marginal_logl(gm, xi)
                lg -= lx
                ug -= lx
        else:
            p = len(sigma)
            s = gm.cov
            sinv = np.linalg.inv(sigma)
            dev = gm.mean - mu
            quad = float(dev @ sinv @ dev) if m.meanstructure else 0.0
            lg = -gm.nobs / 2 * (p * math.log(2 * math.pi) + np.linalg.slogdet(sigma)[1] + float(np.sum(s * sinv))
                                 + quad)
            ug = -gm.nobs / 2 * (p * math.log(2 * math.pi) + np.linalg.slogdet(s)[1] + p)
            if xi:
                sx = s[np.ix_(xi, xi)]
                lx = -gm.nobs / 2 * (len(xi) * math.log(2 * math.pi) + np.linalg.slogdet(sx)[1] + len(xi))
                lg -= lx
                ug -= lx
        logl += lg
        ulogl += ug
    return {"logl": float(logl), "unrestricted_logl": float(ulogl)}


def _x_marginal_logl(gm, xi: list[int]) -> float:
    """The covariates' saturated log-likelihood at their (EM) moments, lavaan's ``loglik.x``."""
    cov = gm.h1.cov[np.ix_(xi, xi)]
    n = gm.nobs
    return float(-n / 2 * (len(xi) * math.log(2 * math.pi) + np.linalg.slogdet(cov)[1] + len(xi)))


def _residual_measures(est: Estimation) -> dict[str, float]:
    """RMR, SRMR (Bentler), CRMR, SRMR (Mplus), with and without means (lavaan's definitions)."""
    stats = est.stats
    cat = est.pt.categorical
    ms = est.models[0].meanstructure and not cat
    n = stats.nobs
    acc = {k: 0.0 for k in ("rmr", "rmr_nomean", "srmr", "srmr_nomean", "crmr", "crmr_nomean", "srmr_mplus",
                            "srmr_mplus_nomean")}
    for m, gm in zip(est.models, stats.groups):
        sigma, mu = m.implied(est.theta)
        s, mbar = (gm.h1.cov, gm.h1.mean) if gm.h1 is not None else (gm.cov, gm.mean)
        p = len(s)
        w = gm.nobs / n
        if cat:
            iu = np.triu_indices(p, 1)
            rc = (s - sigma)[iu]
            tau = m._thresholds(est.theta)
            th_res = gm.wls_obs[: len(tau)] - m.statistics(est.theta)[: len(tau)]
            nvar = len(stats.names)  # lavaan counts the covariates too (conditional.x), though not their residuals
            pstar = len(rc) + nvar
            cor = math.sqrt(np.sum(rc * rc) / pstar)
            total_rms = math.sqrt((np.sum(rc * rc) + np.sum(th_res ** 2)) / (len(rc) + len(th_res) + nvar))
            acc["rmr"] += w * total_rms
            acc["rmr_nomean"] += w * cor
            acc["srmr"] += w * total_rms
            acc["srmr_nomean"] += w * cor
            crmr_cor = math.sqrt(np.sum(rc * rc) / len(rc)) if len(rc) else 0.0
            crmr_tot = math.sqrt((np.sum(rc * rc) + np.sum(th_res ** 2)) / (len(rc) + len(th_res)))
            acc["crmr"] += w * crmr_tot
            acc["crmr_nomean"] += w * crmr_cor
            continue
        r, c = vech_index(p)
        raw = (s - sigma)[r, c]
        sd = np.sqrt(np.diag(s))
        std = ((s - sigma) / np.outer(sd, sd))[r, c]
        cs = s / np.outer(sd, sd)
        ssd = np.sqrt(np.diag(sigma))
        csig = sigma / np.outer(ssd, ssd)
        cor = (cs - csig)[r, c]
        mraw = mbar - mu
        mstd = mraw / sd
        mcor = mraw / sd  # lavaan's cor.bollen: implied correlations, means on the sample SDs
        npst = len(raw)
        acc["rmr_nomean"] += w * math.sqrt(np.sum(raw ** 2) / npst)
        acc["srmr_nomean"] += w * math.sqrt(np.sum(std ** 2) / npst)
        acc["crmr_nomean"] += w * math.sqrt(np.sum(cor ** 2) / (npst - p))
        if ms:
            acc["rmr"] += w * math.sqrt((np.sum(raw ** 2) + np.sum(mraw ** 2)) / (npst + p))
            acc["srmr"] += w * math.sqrt((np.sum(std ** 2) + np.sum(mstd ** 2)) / (npst + p))
            acc["crmr"] += w * math.sqrt((np.sum(cor ** 2) + np.sum(mcor ** 2)) / npst)
        else:
            acc["rmr"] += w * math.sqrt(np.sum(raw ** 2) / npst)
            acc["srmr"] += w * math.sqrt(np.sum(std ** 2) / npst)
            acc["crmr"] += w * math.sqrt(np.sum(cor ** 2) / (npst - p))
        low = np.tril_indices(p, -1)
        rc2 = (cs - csig)[low]
        dv = (np.diag(s) - np.diag(sigma)) / np.diag(s)
        e = p * (p + 1) / 2
        nomean = math.sqrt((np.sum(rc2 ** 2) + np.sum(dv ** 2)) / e)
        acc["srmr_mplus_nomean"] += w * nomean
        if est.models[0].meanstructure:
            rm = mbar / sd - mu / ssd
            acc["srmr_mplus"] += w * math.sqrt((np.sum(rc2 ** 2) + np.sum(rm ** 2) + np.sum(dv ** 2)) / (e + p))
        else:
            acc["srmr_mplus"] += w * nomean
    out = {"rmr": acc["rmr"], "rmr_nomean": acc["rmr_nomean"],
           "srmr": acc["srmr_nomean"] if cat else acc["srmr"],
           "srmr_bentler": acc["srmr"], "srmr_bentler_nomean": acc["srmr_nomean"],
           "crmr": acc["crmr"], "crmr_nomean": acc["crmr_nomean"],
           "srmr_mplus": _NAN if cat else acc["srmr_mplus"],
           "srmr_mplus_nomean": _NAN if cat else acc["srmr_mplus_nomean"]}
    return out


def _gfi(est: Estimation) -> float:
    """GFI on the estimator's weight matrix (ML: the normal-theory weight at the sample moments)."""
    vals, weights = [], []
    for g, (m, gm) in enumerate(zip(est.models, est.stats.groups)):
        obs = gm.wls_obs if gm.wls_obs is not None else _sample_vector(gm, m.meanstructure)
        fitted = m.statistics(est.theta)
        if gm.wls_v is not None:
            v = gm.wls_v
        elif gm.wls_vd is not None:
            v = np.diag(gm.wls_vd)
        else:
            # lavaan's WLS.V for ML: the h1 expected information of the fit's options
            v = est.ctx.h1_expected(g, est.options.h1_information[0] == "structured")
        d = obs - fitted
        vals.append(1.0 - float(d @ v @ d) / float(obs @ v @ obs))
        weights.append(gm.nobs)
    return float(np.dot(weights, vals) / sum(weights))


def _sample_vector(gm, ms: bool) -> np.ndarray:
    """lavaan's ``WLS.obs`` of an ML fit: the sample means and covariances; with missing data the
    available-case means and pairwise covariances (divisor N - 1, rescaled by (N - 1)/N), which
    is what lavaan keeps as its sample statistics under ``missing = "ml"``."""
    if gm.h1 is not None:
        frame = pd.DataFrame(gm.data)
        mean = frame.mean().to_numpy()
        s = frame.cov().to_numpy() * (gm.nobs - 1) / gm.nobs
    else:
        s, mean = gm.cov, gm.mean
    r, c = vech_index(len(s))
    vec = s[r, c]
    return np.concatenate([mean, vec]) if ms else vec


def fit_measures(est: Estimation, baseline: Estimation | None, *, fiml_corrected: dict | None = None) -> dict:
    """The fit measures of ``est`` (see the module docstring); ``baseline`` is the independence
    model fitted with the same options; ``fiml_corrected`` the FIML-corrected (missing data) or
    catML (ordinal data) statistics of the robust indices."""
    o = est.options
    std, rob = est.standard, est.robust
    x2, df = std.stat, float(std.df)
    n = est.stats.nobs
    G = len(est.stats.groups)
    n_rmsea = n if o.normal_likelihood else n - G
    npar = est.pt.n_free
    out: dict[str, float] = {"npar": npar, "nobs": n, "ntotal": n, "fmin": est.fmin, "chisq": x2, "df": df,
                             "pvalue": std.pvalue}
    if G > 1:
        out["ngroups"] = G
    scaled = rob is not None and rob.test != "none"
    if scaled:
        out.update({"chisq_scaled": rob.stat, "df_scaled": rob.df, "pvalue_scaled": rob.pvalue,
                    "chisq_scaling_factor": rob.scaling_factor})
        if rob.test == "scaled.shifted":
            out["chisq_shift_parameter"] = rob.shift
    robust_flag = scaled and rob.test in _ROBUST
    fiml = o.fiml
    categorical = est.pt.categorical
    if fiml or categorical:
        robust_flag = True
    # -- baseline family -------------------------------------------------------------------------
    if baseline is not None:
        bs, br = baseline.standard, baseline.robust
        x2n, dfn = bs.stat, float(bs.df)
        out.update({"baseline_chisq": x2n, "baseline_df": dfn, "baseline_pvalue": bs.pvalue})
        if scaled and br is not None:
            out.update({"baseline_chisq_scaled": br.stat, "baseline_df_scaled": br.df,
                        "baseline_pvalue_scaled": br.pvalue, "baseline_chisq_scaling_factor": br.scaling_factor})
        out.update(_incremental("", x2, df, x2n, dfn))
        if scaled and br is not None:
            out.update(_incremental("_scaled", rob.stat, float(rob.df), br.stat, float(br.df)))
        if robust_flag:
            if fiml or categorical:
                fc = fiml_corrected or {}
                xx3, c, xx3n, cn = (fc.get("XX3", _NAN), fc.get("c_hat3", _NAN), fc.get("XX3_null", _NAN),
                                    fc.get("c_hat3_null", _NAN))
            else:
                xx3, xx3n = x2, x2n
                c = _c_hat(rob, df)
                cn = _c_hat(br, dfn) if br is not None else _NAN
            out["cfi_robust"] = _cfi(xx3, df, xx3n, dfn, c, cn)
            out["tli_robust"] = _tli(xx3, df, xx3n, dfn, c, cn)
            out["nnfi_robust"] = out["tli_robust"]
            out["rni_robust"] = _rni(xx3, df, xx3n, dfn, c, cn)
    # -- likelihood ------------------------------------------------------------------------------------
    if o.base == "ML":
        ll = logl_measures(est)
        out.update(ll)
        out["aic"] = -2 * ll["logl"] + 2 * npar
        out["bic"] = -2 * ll["logl"] + npar * math.log(n)
        out["bic2"] = -2 * ll["logl"] + npar * math.log((n + 2) / 24)
        if scaled and rob.test in ("yuan.bentler", "yuan.bentler.mplus"):
            out["scaling_factor_h1"] = rob.scaling_factor_h1
            out["scaling_factor_h0"] = rob.scaling_factor_h0
    # -- RMSEA family ----------------------------------------------------------------------------------
    out["rmsea"] = rmsea(x2, df, n_rmsea, G)
    out["rmsea_ci_lower"], out["rmsea_ci_upper"] = rmsea_ci(x2, df, n_rmsea, 0.90, G)
    out["rmsea_ci_level"] = 0.90
    out["rmsea_pvalue"] = rmsea_pvalue(x2, df, n_rmsea, 0.05, G)
    out["rmsea_close_h0"] = 0.05
    out["rmsea_notclose_pvalue"] = rmsea_notclose_pvalue(x2, df, n_rmsea, 0.08, G)
    out["rmsea_notclose_h0"] = 0.08
    if scaled:
        if rob.test == "scaled.shifted":
            xx2, df2 = rob.stat, df
        else:
            xx2, df2 = x2, rob.trace_ugamma
            if not np.isfinite(df2) or df2 == 0:
                df2 = _NAN
        out["rmsea_scaled"] = rmsea(xx2, df2, n_rmsea, G)
        out["rmsea_ci_lower_scaled"], out["rmsea_ci_upper_scaled"] = rmsea_ci(xx2, df2, n_rmsea, 0.90, G)
        out["rmsea_pvalue_scaled"] = rmsea_pvalue(xx2, df2, n_rmsea, 0.05, G)
        out["rmsea_notclose_pvalue_scaled"] = rmsea_notclose_pvalue(xx2, df2, n_rmsea, 0.08, G)
    if robust_flag:
        if fiml or categorical:
            fc = fiml_corrected or {}
            xx3, df3, c3, c_ci, xx3s = (fc.get("XX3", _NAN), fc.get("df3", _NAN), fc.get("c_hat3", _NAN),
                                        fc.get("c_hat3", _NAN), fc.get("XX3_scaled", _NAN))
        else:
            xx3, df3 = x2, df
            c_ci = rob.scaling_factor
            c3 = _c_hat(rob, df)
            xx3s = rob.stat
        out["rmsea_robust"] = rmsea(xx3, df3, n_rmsea, G, c3)
        out["rmsea_ci_lower_robust"], out["rmsea_ci_upper_robust"] = rmsea_ci(xx3s, df3, n_rmsea, 0.90, G, c_ci)
        out["rmsea_pvalue_robust"] = rmsea_pvalue(xx3s, df3, n_rmsea, 0.05, G, c_ci)
        out["rmsea_notclose_pvalue_robust"] = rmsea_notclose_pvalue(xx3s, df3, n_rmsea, 0.08, G, c_ci)
    # -- residuals and the rest ------------------------------------------------------------------------
    out.update(_residual_measures(est))
    if df == 0:
        # lavaan: NA when the statistic is below machine epsilon, else qchisq(., df = 0) / (X2 / N) + 1 = 1
        out["cn_05"] = out["cn_01"] = _NAN if x2 < np.finfo(float).eps else 1.0
    else:
        with np.errstate(divide="ignore"):  # a statistic of 0: Hoelter's N is infinite (lavaan: Inf)
            per_n = np.float64(x2 / n_rmsea)
            out["cn_05"] = float(np.float64(special.chdtri(df, 0.05)) / per_n + 1) if df > 0 else _NAN
            out["cn_01"] = float(np.float64(special.chdtri(df, 0.01)) / per_n + 1) if df > 0 else _NAN
    gfi = _gfi(est)
    nel = sum(len(gm.wls_obs) if gm.wls_obs is not None else len(_sample_vector(gm, m.meanstructure))
              for m, gm in zip(est.models, est.stats.groups))
    out["gfi"] = gfi
    out["agfi"] = 1 - (nel / df) * (1 - gfi) if df > 0 else 1.0
    out["pgfi"] = (df / nel) * gfi if nel else _NAN
    out["mfi"] = math.exp(-0.5 * (x2 - df) / n_rmsea)
    if categorical:
        nel1 = len(est.stats.groups[0].wls_obs)  # lavaan: the first group's number of statistics
        out["wrmr"] = math.sqrt(x2 / nel1) if nel1 > 0 else _NAN
    else:
        out["ecvi"] = x2 / n_rmsea + 2 * npar / n_rmsea
    if o.base == "ULS":
        out["pvalue"] = _NAN
        out["baseline_pvalue"] = _NAN
    return out


def _inverse_nonzero(a: np.ndarray) -> np.ndarray:
    nz = np.flatnonzero(np.abs(np.diag(a)) > 0)
    out = np.zeros_like(a)
    out[np.ix_(nz, nz)] = np.linalg.inv(a[np.ix_(nz, nz)])
    return out


def _tilde_chisq(est: Estimation) -> float:
    """The complete-data ML statistic of the model at its FIML estimates against the EM moments
    (lavaan refits the parameter table to ``sample.cov = h1``, without optimizing)."""
    from surveykit.sem.moments import group_models
    from surveykit.sem.partable import with_exogenous_values
    from surveykit.sem.ram import ml_discrepancy

    stats = est.stats
    pt = with_exogenous_values(est.pt, [g.h1.cov for g in stats.groups], [g.h1.mean for g in stats.groups],
                               stats.names)
    total = 0.0
    for m, gm in zip(group_models(pt), stats.groups):
        sigma, mu = m.implied(est.theta)
        total += gm.nobs * ml_discrepancy(sigma, gm.h1.cov, float(np.linalg.slogdet(gm.h1.cov)[1]), gm.h1.mean - mu)
    return float(max(total, 0.0))


def fiml_corrected(est: Estimation, baseline: Estimation | None, *, scaled: bool) -> dict:
    """Zhang & Savalei's FIML-corrected statistics behind lavaan's robust CFI/TLI/RMSEA with
    missing data (``lav_fit_fiml_corrected``, version V3 with a scaled test, V6 without)."""
    from surveykit.sem.inference import invert_information
    from surveykit.sem.samplestats import gamma_nt_inverse

    ctx = est.ctx
    fg = ctx.fg
    G = ctx.ngroups
    wm = [ctx.h1_observed(g, False) for g in range(G)]
    jm = [ctx.h1_firstorder(g, False) for g in range(G)]
    # lavaan refits the parameter table to the EM moments with its default fixed.x = TRUE, so the
    # syntax's exogenous covariates have zero rows in Wc even when the model has fixed.x = FALSE
    exo_idx = tuple(est.stats.names.index(v) for v in est.pt.ov_exo)
    wc = [gamma_nt_inverse(np.linalg.inv(gm.h1.cov), x_idx=exo_idx, meanstructure=True) for gm in est.stats.groups]
    wmi = [_inverse_nonzero(w) for w in wm]
    from surveykit.sem.teststats import _block

    wc_all = _block([fg[g] * wc[g] for g in range(G)])
    wm_all = _block([fg[g] * wm[g] for g in range(G)])
    wmi_all = _block([wmi[g] / fg[g] for g in range(G)])
    gamma_all = _block([wmi[g] @ jm[g] @ wmi[g] / fg[g] for g in range(G)])

    def k_of(e: Estimation, e_inv: np.ndarray) -> float:
        d = np.vstack(e.ctx.deltas)
        wd = wm_all @ d
        u = wm_all - wd @ e_inv @ wd.T
        if scaled:
            return float(np.trace(u @ wmi_all @ wc_all @ wmi_all @ u @ gamma_all))
        return float(np.trace(wc_all @ wmi_all @ u @ wmi_all))

    expected = est.options.information[0] == "expected"
    a1 = [ctx.h1_expected(g, False) for g in range(G)] if expected else wm

    def e_inv_h1(e: Estimation) -> np.ndarray | None:
        # lavaan sets observed.information = "h1" and h1.information = "unstructured" on the object
        # before asking for its inverted information: E = sum_g f_g Delta' A1 Delta with the
        # unstructured h1 information of the fit's kind (observed: Wm)
        info = sum(fg[g] * e.ctx.deltas[g].T @ a1[g] @ e.ctx.deltas[g] for g in range(G))
        return invert_information(info, warn=False)

    out = {"XX3": _NAN, "df3": _NAN, "c_hat3": _NAN, "XX3_scaled": _NAN, "XX3_null": _NAN, "c_hat3_null": _NAN}
    e_inv = e_inv_h1(est)
    if e_inv is None:
        return out
    xx3, df3 = _tilde_chisq(est), float(est.df)
    c3 = k_of(est, e_inv) / df3 if df3 > 0 else _NAN
    out.update({"XX3": xx3, "df3": df3, "c_hat3": c3, "XX3_scaled": xx3 / c3})
    if baseline is not None:
        e_inv_b = e_inv_h1(baseline)
        if e_inv_b is not None and baseline.df > 0:
            out["XX3_null"] = _tilde_chisq(baseline)
            out["c_hat3_null"] = k_of(baseline, e_inv_b) / baseline.df
    return out


def catml_corrected(est: Estimation, baseline: Estimation | None) -> dict:
    """The statistics behind lavaan's robust CFI/TLI/RMSEA for ordinal data
    (``lav_fit_catml_dwls``, Savalei 2021): the model's ML discrepancy on the polychoric
    correlations at the DWLS estimates ("catML"), scaled by
    ``tr((I - Delta E^-1 Delta' W)' V (I - Delta E^-1 Delta' W) Gamma) / df`` on the correlations, with
    V the normal-theory weight of correlation structures at the implied correlations."""
    from surveykit.sem.ram import ml_discrepancy
    from surveykit.sem.samplestats import dup_pre_post
    from surveykit.sem.teststats import _block

    out = {"XX3": _NAN, "df3": _NAN, "c_hat3": _NAN, "XX3_scaled": _NAN, "XX3_null": _NAN, "c_hat3_null": _NAN}
    if est.options.conditional_x:
        return out  # lavaan: no catML statistics given covariates
    ctx = est.ctx
    e_inv = est.vcov.e_inv
    t = est.pt.table
    free_scale = (t["free"] > 0) & ((t["op"] == "~*~") | ((t["op"] == "~~") & (t["lhs"] == t["rhs"])
                                                           & t["lhs"].isin(est.pt.ov_ord)))
    if e_inv is None or free_scale.any():
        # lavaan's catML refit fails with free scaling factors or latent-response variances (thresholds
        # equal across groups): its robust indices are NA
        return out
    fg = ctx.fg
    xx3 = xx3_null = 0.0
    v_g, w_g, gamma_g, delta_g = [], [], [], []
    for g, (m, gm) in enumerate(zip(est.models, est.stats.groups)):
        r_obs = gm.cov
        if np.linalg.eigvalsh(r_obs).min() < np.sqrt(np.finfo(float).eps):
            return out  # lavaan returns NA when a polychoric matrix is not positive definite
        p = len(r_obs)
        r_hat, _ = m.implied(est.theta)
        logdet = float(np.linalg.slogdet(r_obs)[1])
        xx3 += gm.nobs * ml_discrepancy(r_hat, r_obs, logdet)
        xx3_null += gm.nobs * ml_discrepancy(np.eye(p), r_obs, logdet)
        r, c = vech_index(p)
        off = r != c
        ri = np.linalg.inv(r_hat)
        v_g.append(fg[g] * 0.5 * dup_pre_post(ri, ri)[np.ix_(off, off)])
        n_th = len(gm.wls_obs) - int(off.sum())
        w = ctx.weight(g)
        w_g.append(fg[g] * w[n_th:, n_th:])
        gamma_g.append(gm.nacov[n_th:, n_th:] / fg[g])
        delta_g.append(ctx.deltas[g][n_th:])
    free_catml = t.loc[~t["op"].isin(["|", "~1"]) & (t["free"] > 0), "free"].nunique()
    npstar = sum(len(p) for p in v_g)
    df3 = float(npstar - free_catml)
    v_all, w_all, gamma_all = _block(v_g), _block(w_g), _block(gamma_g)
    d_all = np.vstack(delta_g)
    wiu = np.eye(len(w_all)) - d_all @ e_inv @ d_all.T @ w_all
    ks = float(np.trace(wiu.T @ v_all @ wiu @ gamma_all))
    c3 = ks / df3 if df3 > 0 else _NAN
    out.update({"XX3": float(xx3), "df3": df3, "c_hat3": c3, "XX3_scaled": float(xx3) / c3})
    df_null = float(npstar)
    out.update({"XX3_null": float(xx3_null), "c_hat3_null": float(np.trace(gamma_all)) / df_null})
    return out
