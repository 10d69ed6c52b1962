"""The result of a CFA/SEM fit: parameter estimates, standardized solution, fit measures."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from surveykit._core.fit import rmsea, rmsea_ci, rmsea_pvalue
from surveykit._version import __version__
from surveykit.errors import HeywoodCaseWarning, NonPositiveDefiniteWarning
from surveykit.results import ResultMixin, Summary, to_jsonable
from surveykit.sem.estimate import Optimum, SampleMoments, group_discrepancy
from surveykit.sem.partable import ParTable
from surveykit.sem.ram import RamModel, ml_discrepancy
from surveykit.sem.solution import Solution

__all__ = ["SEMResult", "compute_result"]

_Z975 = stats.norm.ppf(0.975)


@dataclass(frozen=True, repr=False, eq=False)
class SEMResult(ResultMixin):
    """An estimated model.  Accessors return new DataFrames/dicts (lavaan's names, snake_case)."""

    model_syntax: str
    estimator: str
    partable: ParTable
    nobs: int
    n_total: int
    converged: bool
    iterations: int
    optimizer: str
    _estimates: pd.DataFrame = field(repr=False)
    _fit: dict = field(repr=False)
    _r2: pd.Series = field(repr=False)
    _implied: pd.DataFrame = field(repr=False)
    _sample: pd.DataFrame = field(repr=False)
    _vcov: np.ndarray = field(repr=False)
    _theta: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    _data: np.ndarray | None = field(repr=False, default=None)  # complete rows used, columns = partable.ov_names
    _moments: SampleMoments | None = field(repr=False, default=None)
    warnings: tuple[tuple[str, str], ...] = ()
    missing: str = "listwise"

    # -- accessors -------------------------------------------------------------------
    def parameter_estimates(self, *, standardized: bool = True) -> pd.DataFrame:
        """lhs, op, rhs, label, est, se, z, pvalue, ci_lower, ci_upper, std_lv, std_all."""
        df = self._estimates.copy()
        if not standardized:
            df = df.drop(columns=["std_lv", "std_all"])
        return df

    def standardized_solution(self) -> pd.DataFrame:
        """lhs, op, rhs, label and the completely standardized estimate (``est_std``)."""
        df = self._estimates[["lhs", "op", "rhs", "label", "std_all"]].rename(columns={"std_all": "est_std"})
        return df.copy()

    def fit_measures(self) -> dict[str, float]:
        return dict(self._fit)

    def r_squared(self) -> pd.Series:
        return self._r2.copy()

    def implied_cov(self) -> pd.DataFrame:
        return self._implied.copy()

    def sample_cov(self) -> pd.DataFrame:
        return self._sample.copy()

    def compare(self, other: SEMResult) -> pd.DataFrame:
        """Chi-square difference test between two nested fits (lavaan ``lavTestLRT``).

        The model with more degrees of freedom is taken as the restricted one.  ML: the
        likelihood-ratio test; MLR: the Satorra-Bentler (2001) scaled difference test.
        Returns one row per model with chisq, df and the difference statistics on the
        second row.
        """
        from surveykit.errors import SpecError

        if self.estimator != other.estimator:
            raise SpecError(f"Cannot compare a {self.estimator} fit with a {other.estimator} fit.")
        if self.nobs != other.nobs:
            raise SpecError(f"The two fits use different data (N = {self.nobs} and {other.nobs}).")
        if self.estimator == "WLSMV":
            raise SpecError("The scaled difference test for WLSMV is not available yet.")
        a, b = sorted([self, other], key=lambda f: f.fit_measures()["df"])
        fa, fb = a.fit_measures(), b.fit_measures()
        ddf = fb["df"] - fa["df"]
        if ddf <= 0:
            raise SpecError("The two models have the same degrees of freedom; they are not nested.")
        if self.estimator == "MLR":
            c0, c1 = fb["chisq_scaling_factor"], fa["chisq_scaling_factor"]
            cd = (fb["df"] * c0 - fa["df"] * c1) / ddf
            diff = (fb["chisq"] - fa["chisq"]) / cd
            method = "Satorra-Bentler (2001) scaled difference"
        else:
            diff = fb["chisq"] - fa["chisq"]
            method = "likelihood ratio (chi-square difference)"
        rows = [
            {"model": "less restricted", "df": fa["df"], "chisq": fa["chisq"], "aic": fa["aic"], "bic": fa["bic"],
             "chisq_diff": np.nan, "df_diff": np.nan, "pvalue": np.nan, "method": ""},
            {"model": "more restricted", "df": fb["df"], "chisq": fb["chisq"], "aic": fb["aic"], "bic": fb["bic"],
             "chisq_diff": diff, "df_diff": ddf, "pvalue": float(stats.chi2.sf(diff, ddf)), "method": method},
        ]
        return pd.DataFrame(rows)

    def modindices(self, *, minimum_value: float = 0.0, sort: bool = True) -> pd.DataFrame:
        """Modification indices: lhs, op, rhs, mi, epc, sepc_lv, sepc_all (lavaan ``modindices()``)."""
        from surveykit.sem.modindices import modindices

        return modindices(self, minimum_value=minimum_value, sort=sort)

    def vcov(self) -> pd.DataFrame:
        t = self.partable.table
        names = []
        for k in range(1, self.partable.n_free + 1):
            r = t[t["free"] == k].iloc[0]
            names.append(r["label"] or f"{r['lhs']}{r['op']}{r['rhs']}")
        return pd.DataFrame(self._vcov, index=names, columns=names)

    # -- conversion and display ----------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        return self.parameter_estimates()

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(
            {
                "estimator": self.estimator,
                "nobs": self.nobs,
                "converged": self.converged,
                "iterations": self.iterations,
                "fit_measures": self._fit,
                "parameters": self._estimates,
                "r_squared": self._r2.to_dict(),
                "warnings": [{"category": c, "message": m} for c, m in self.warnings],
            }
        )

    def _repr_line(self) -> str:
        f = self._fit
        return (f"SEMResult estimator={self.estimator} nobs={self.nobs} npar={f['npar']} "
                f"chisq={f['chisq']:.3f} df={f['df']:.0f} converged={self.converged}")

    def summary(self) -> Summary:
        """A lavaan-like summary: test, fit indices, then parameters by block."""
        f = self._fit
        head = [("Estimator", self.estimator), ("Optimizer", self.optimizer),
                ("Converged", "yes" if self.converged else "NO"), ("Iterations", self.iterations),
                ("Number of observations", self.nobs), ("Number of free parameters", f["npar"]),
                ("Missing data", self.missing)]
        if self.partable.ngroups > 1:
            head.append(("Groups", ", ".join(self.partable.group_labels)))
        test = [("Chi-square", f["chisq"]), ("Degrees of freedom", f["df"]), ("P-value", f["pvalue"])]
        if "chisq_scaled" in f:
            test += [("Chi-square (scaled)", f["chisq_scaled"]), ("P-value (scaled)", f["pvalue_scaled"]),
                     ("Scaling factor", f["chisq_scaling_factor"])]
        idx = [("CFI", f["cfi"]), ("TLI", f["tli"]), ("RMSEA", f["rmsea"])]
        if "rmsea_ci_lower" in f:
            idx += [("RMSEA 90% CI lower", f["rmsea_ci_lower"]), ("RMSEA 90% CI upper", f["rmsea_ci_upper"])]
        for key, name in (("cfi_robust", "Robust CFI"), ("tli_robust", "Robust TLI"), ("rmsea_robust", "Robust RMSEA"),
                          ("cfi_scaled", "Scaled CFI"), ("rmsea_scaled", "Scaled RMSEA")):
            if key in f:
                idx.append((name, f[key]))
        idx += [("SRMR", f["srmr"])]
        if np.isfinite(f.get("aic", np.nan)):
            idx += [("AIC", f["aic"]), ("BIC", f["bic"]), ("Log-likelihood", f["logl"])]
        tables = [
            ("Model", pd.DataFrame(head, columns=["", "value"])),
            ("Model test", pd.DataFrame(test, columns=["", "value"])),
            ("Fit indices", pd.DataFrame(idx, columns=["", "value"])),
        ]
        pe = self._estimates
        cols = ["est", "se", "z", "pvalue", "std_lv", "std_all"]
        blocks = [
            ("Latent variables", pe["op"] == "=~"),
            ("Regressions", pe["op"] == "~"),
            ("Covariances", (pe["op"] == "~~") & (pe["lhs"] != pe["rhs"])),
            ("Intercepts", pe["op"] == "~1"),
            ("Thresholds", pe["op"] == "|"),
            ("Variances", (pe["op"] == "~~") & (pe["lhs"] == pe["rhs"])),
            ("Defined parameters", pe["op"] == ":="),
        ]
        groups = sorted(pe["group"].unique()) if "group" in pe.columns else [None]
        for g in groups:
            for name, mask in blocks:
                m = mask & ((pe["group"] == g) if g is not None and "group" in pe.columns else True)
                if g is not None and name == "Defined parameters":
                    m = mask & (pe["group"] == 0)
                block = pe[m]
                if block.empty:
                    continue
                label = [(f"{r.lhs} {r.op} {r.rhs}" if r.op != "~1" else f"{r.lhs} ~1") + (
                    f" ({r.label})" if r.label and r.op != ":=" else "") for r in block.itertuples()]
                tab = block[cols].copy()
                tab.insert(0, "parameter", label)
                where = f" [group {self.partable.group_labels[g - 1]}]" if g not in (None, 0) else ""
                tables.append((name + where, tab.reset_index(drop=True)))
        notes = [f"{c}: {m}" for c, m in self.warnings]
        if not self.converged:
            notes.insert(0, "The optimizer did not converge: do not interpret these estimates.")
        return Summary(title=f"surveykit {__version__} {self.estimator} estimation", tables=tuple(tables),
                       notes=tuple(notes))


def _srmr_bentler(s: np.ndarray, sigma: np.ndarray, mean_res: np.ndarray | None = None) -> float:
    """SRMR (Bentler): residuals scaled by the sample SDs, lower triangle with diagonal, plus the
    standardized mean residuals when there is a mean structure (lavaan's ``srmr_bentler``)."""
    sd = np.sqrt(np.diag(s))
    r = (s - sigma) / np.outer(sd, sd)
    idx = np.tril_indices(len(s))
    sq = list(r[idx] ** 2)
    if mean_res is not None:
        sq += list((mean_res / sd) ** 2)
    return float(np.sqrt(np.mean(sq)))


def compute_result(
    *,
    syntax: str,
    estimator: str,
    pt: ParTable,
    model: RamModel | list[RamModel],
    sm: SampleMoments,
    opt: Optimum,
    vcov: np.ndarray,
    warning_log: list[tuple[str, str]],
) -> SEMResult:
    """Post-process an optimum: estimates, SEs, standardization, defined parameters, fit."""
    models = list(model) if isinstance(model, (list, tuple)) else [model]
    theta = opt.theta
    t = pt.table
    n = sm.nobs
    G = len(models)
    idx = {nm: i for i, nm in enumerate(models[0].names)}
    lv = set(pt.lv_names)
    se_all = np.sqrt(np.clip(np.diag(vcov), 0, None)) if np.isfinite(vcov).all() else np.full(len(theta), np.nan)

    sol = Solution.build(pt, models)
    est = sol.estimates(theta)
    se = np.where(sol.free >= 0, se_all[sol.free.clip(0)], 0.0)
    std_lv, std_all = sol.standardized(theta)
    free = sol.free >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free, est / np.where(se > 0, se, np.nan), np.nan)
    lhs, op, rhs, label = (t[c].tolist() for c in ("lhs", "op", "rhs", "label"))
    grp_col = t["group"].to_numpy() if G > 1 else None
    # the table's columns as arrays, the defined parameters appended, one DataFrame at the end
    # (column-by-column pandas assignment and concat were most of a small model's fitting time)
    cols = {"est": est, "se": se, "z": z, "pvalue": np.where(free, 2 * special.ndtr(-np.abs(z)), np.nan),
            "ci_lower": np.where(free, est - _Z975 * se, est), "ci_upper": np.where(free, est + _Z975 * se, est),
            "std_lv": std_lv, "std_all": std_all}
    if sol.n_defined:
        vals, ses = sol.defined_with_se(theta, vcov)
        with np.errstate(divide="ignore", invalid="ignore"):
            zz = vals / np.where(ses > 0, ses, np.nan)
        extra = {"est": vals, "se": ses, "z": zz, "pvalue": 2 * special.ndtr(-np.abs(zz)),
                 "ci_lower": vals - _Z975 * ses, "ci_upper": vals + _Z975 * ses,
                 "std_lv": sol.defined_values(std_lv), "std_all": sol.defined_values(std_all)}
        cols = {k: np.concatenate([v, extra[k]]) for k, v in cols.items()}
        lhs = lhs + [d.lhs for d in pt.defined]
        op = op + [":="] * sol.n_defined
        rhs = rhs + [d.rhs for d in pt.defined]
        label = label + [d.lhs for d in pt.defined]
        if grp_col is not None:
            grp_col = np.concatenate([grp_col, np.zeros(sol.n_defined, dtype=grp_col.dtype)])
    head = {"lhs": lhs, "op": op, "rhs": rhs}
    if grp_col is not None:
        head["group"] = grp_col
    df = pd.DataFrame({**head, "label": label, **cols})

    endo_lv = {a for a, o in zip(t["lhs"].tolist(), t["op"].tolist()) if o == "~"} & lv
    r2_names = [v for v in pt.ov_names if v not in pt.ov_x] + [v for v in pt.lv_names if v in endo_lv]
    r2_parts = {}
    implied_covs, fit_groups = [], []
    t_lhs, t_op, t_rhs = t["lhs"].tolist(), t["op"].tolist(), t["rhs"].tolist()
    t_free = t["free"].to_numpy()
    t_grp = t["group"].to_numpy() if "group" in t.columns else np.ones(len(t), dtype=int)
    var_rows = [i for i in range(len(t)) if t_op[i] == "~~" and t_lhs[i] == t_rhs[i] and t_free[i] > 0]
    for g, (mdl, gm) in enumerate(zip(models, sm.groups)):
        label_g = pt.group_labels[g] if G > 1 else None
        sigma, C, _ = mdl.implied(theta)
        _, S = mdl.matrices(theta)
        var_total = np.diag(C)
        for v in r2_names:
            r2_parts[(label_g, v) if G > 1 else v] = 1.0 - S[idx[v], idx[v]] / var_total[idx[v]]
        where = f" in group {label_g!r}" if G > 1 else ""
        # Heywood cases and non-positive-definite latent covariance
        for i in var_rows:
            if t_grp[i] != g + 1:
                continue
            val = theta[t_free[i] - 1]
            if val < 0:
                warnings.warn(
                    f"Heywood case: the estimated variance of {t_lhs[i]}{where} is negative ({val:.4g}); the "
                    "solution is not admissible. Consider the model specification, the sample size, or outliers.",
                    HeywoodCaseWarning, stacklevel=2,
                )
        lv_idx = [idx[v] for v in pt.lv_names]
        if lv_idx and np.linalg.eigvalsh(C[np.ix_(lv_idx, lv_idx)]).min() <= 0:
            warnings.warn(
                f"The model-implied covariance matrix of the latent variables{where} is not positive definite "
                "(a factor correlation is at or beyond 1 in absolute value); check the model.",
                NonPositiveDefiniteWarning, stacklevel=2,
            )
        implied_covs.append(pd.DataFrame(sigma, index=list(sm.names), columns=list(sm.names)))
        fit_groups.append((mdl, gm, sigma))
    r2 = pd.Series(r2_parts, name="r_squared", dtype=float)
    for i in np.flatnonzero((np.asarray(op) == "=~") & (np.abs(cols["std_all"]) > 1)):
        warnings.warn(
            f"Heywood case: the standardized loading of {rhs[i]} on {lhs[i]} is {cols['std_all'][i]:.4f} (> 1 in "
            "absolute value); the solution is not admissible.",
            HeywoodCaseWarning, stacklevel=2,
        )

    fit = _fit_measures(pt, sm, fit_groups, theta, opt, "ML" if estimator == "MLR" else estimator)
    return SEMResult(
        model_syntax=syntax,
        estimator=estimator,
        partable=pt,
        nobs=n,
        n_total=sm.n_total,
        converged=opt.converged,
        iterations=opt.iterations,
        optimizer=opt.method,
        _estimates=df,
        _fit=fit,
        _r2=r2,
        _implied=implied_covs[0] if G == 1 else pd.concat(implied_covs, keys=list(pt.group_labels)),
        _sample=(pd.DataFrame(sm.cov, index=list(sm.names), columns=list(sm.names)) if G == 1 else pd.concat(
            [pd.DataFrame(gm.cov, index=list(sm.names), columns=list(sm.names)) for gm in sm.groups],
            keys=list(pt.group_labels))),
        _vcov=vcov,
        _theta=np.array(theta, dtype=float),
        _data=sm.data if G == 1 else None,
        _moments=sm,
        warnings=tuple(warning_log),
    )


def _baseline_discrepancy(gm, nx_idx, estimator: str) -> float:
    """The independence model's discrepancy in one group: variances free (means saturated),
    exogenous covariates' block fixed at the sample values."""
    s = gm.cov
    sig_b = np.diag(np.diag(s))
    if nx_idx:
        sig_b[np.ix_(nx_idx, nx_idx)] = s[np.ix_(nx_idx, nx_idx)]
    if estimator == "ML":
        return ml_discrepancy(sig_b, s, float(np.linalg.slogdet(s)[1]))
    # GLS/ULS: the independence model's minimum has the diagonal fitted by its own estimator
    v = np.linalg.inv(s) if estimator == "GLS" else np.eye(len(s))
    mask = np.eye(len(s), dtype=bool)
    if nx_idx:
        mask[np.ix_(nx_idx, nx_idx)] = True
    # minimize 1/2 tr((V (S - D))^2) over the free (diagonal / x-block) elements of D;
    # with V = C C' (Cholesky), tr(V R V R) = ||C' R C||^2
    free_pos = np.argwhere(np.triu(mask))
    lmat = np.linalg.cholesky(v).T if estimator == "GLS" else np.eye(len(s))
    x0 = np.array([s[i, j] for i, j in free_pos])

    def obj(x):
        d = np.zeros_like(s)
        for (i, j), val in zip(free_pos, x):
            d[i, j] = d[j, i] = val
        r = lmat @ (s - d) @ lmat.T
        return 0.5 * float(np.sum(r * r))

    from scipy import optimize as sp_optimize

    res = sp_optimize.minimize(obj, x0, method="BFGS", options={"gtol": 1e-12})
    return float(res.fun)


def _fit_measures(pt: ParTable, sm: SampleMoments, fit_groups, theta, opt: Optimum, estimator: str) -> dict:
    G = len(fit_groups)
    n = sm.nobs
    p = len(sm.names)
    nx = len(pt.ov_x)
    x_idx = [sm.names.index(v) for v in pt.ov_x]
    ms = pt.meanstructure
    pstar = p * (p + 1) / 2 + (p if ms else 0)
    npar = pt.n_free
    fixed_moments = nx * (nx + 1) / 2 + (nx if ms else 0)
    dfree = G * (pstar - fixed_moments) - npar
    # GLS and ULS work with the unbiased covariance and N - 1 (lavaan); ML with N
    n_eff = [gm.nobs - (0 if estimator == "ML" else 1) for _, gm, _ in fit_groups]
    if estimator == "ML":
        chisq = 2 * n * opt.fmin
    else:
        f_groups = [group_discrepancy(mdl, theta, gm, estimator, 0.0,
                                      np.linalg.inv(gm.cov) if estimator == "GLS" else None)
                    for mdl, gm, _ in fit_groups]
        chisq = float(sum(ne * fg for ne, fg in zip(n_eff, f_groups)))
    bchisq = sum(ne * _baseline_discrepancy(gm, x_idx, estimator) for ne, (_, gm, _) in zip(n_eff, fit_groups))
    bdf = G * (p * (p + 1) / 2 - (p - nx) - nx * (nx + 1) / 2)
    logl = ulogl = float("nan")
    srmr_parts = []
    if estimator == "ML":
        logl = ulogl = 0.0
    for mdl, gm, sigma in fit_groups:
        mean_res = (gm.mean - mdl.implied_means(theta)[:p]) if ms else None
        srmr_parts.append(gm.nobs * _srmr_bentler(gm.cov, sigma, mean_res))
        if estimator == "ML":
            s = gm.cov
            _, logdet_sig = np.linalg.slogdet(sigma)
            sinv = np.linalg.inv(sigma)
            quad = float(mean_res @ sinv @ mean_res) if ms else 0.0
            lg = -gm.nobs / 2 * (p * math.log(2 * math.pi) + logdet_sig + float(np.trace(s @ sinv)) + quad)
            ug = -gm.nobs / 2 * (p * math.log(2 * math.pi) + float(np.linalg.slogdet(s)[1]) + p)
            if x_idx:
                # fixed.x: the likelihood is conditional on the exogenous covariates (lavaan)
                _, logdet_x = np.linalg.slogdet(s[np.ix_(x_idx, x_idx)])
                lx = -gm.nobs / 2 * (nx * math.log(2 * math.pi) + logdet_x + nx)
                lg -= lx
                ug -= lx
            logl += lg
            ulogl += ug
    cfi_den = max(chisq - dfree, bchisq - bdf, 0.0)
    cfi = 1.0 - max(chisq - dfree, 0.0) / cfi_den if cfi_den > 0 else 1.0
    tli = ((bchisq / bdf - chisq / dfree) / (bchisq / bdf - 1.0)) if dfree > 0 and bdf > 0 else float("nan")
    n_rmsea = sum(n_eff)  # lavaan: N for ML, N - 1 for the Wishart-based GLS/ULS
    ci_lo, ci_hi = rmsea_ci(chisq, dfree, n_rmsea, ngroups=G)
    fit = {
        "npar": npar,
        "nobs": n,
        "fmin": chisq / (2 * n),
        "chisq": chisq,
        "df": dfree,
        "pvalue": float(special.chdtrc(dfree, chisq)) if dfree > 0 and estimator != "ULS" else float("nan"),
        "baseline_chisq": bchisq,
        "baseline_df": bdf,
        "baseline_pvalue": float(special.chdtrc(bdf, bchisq)) if estimator != "ULS" else float("nan"),
        "cfi": cfi,
        "tli": tli,
        "nfi": (bchisq - chisq) / bchisq,
        "rmsea": rmsea(chisq, dfree, n_rmsea, ngroups=G),
        "rmsea_ci_lower": ci_lo,
        "rmsea_ci_upper": ci_hi,
        "rmsea_pvalue": rmsea_pvalue(chisq, dfree, n_rmsea, ngroups=G),
        "srmr": float(sum(srmr_parts) / n),
        "aic": -2 * logl + 2 * npar,
        "bic": -2 * logl + npar * math.log(n),
        "logl": logl,
        "unrestricted_logl": ulogl,
    }
    if G > 1:
        fit["ngroups"] = G
    return fit
