"""The result of a CFA/SEM fit: parameter estimates, standardized solution, fit measures."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from surveykit._core.fit import rmsea, rmsea_ci, rmsea_pvalue
from surveykit.errors import HeywoodCaseWarning, NonPositiveDefiniteWarning
from surveykit.results import ResultMixin, Summary, to_jsonable
from surveykit.sem.estimate import Optimum, SampleMoments
from surveykit.sem.partable import ParTable
from surveykit.sem.ram import RamModel, ml_discrepancy
from surveykit.sem.solution import Solution

__all__ = ["SEMResult", "compute_result"]

_Z975 = stats.norm.ppf(0.975)


@dataclass(frozen=True)
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
    warnings: tuple[tuple[str, str], ...] = ()

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
        f = self._fit
        fit_rows = [
            ("Number of observations", self.nobs), ("Number of free parameters", f["npar"]),
            ("Chi-square", f["chisq"]), ("Degrees of freedom", f["df"]), ("P-value", f["pvalue"]),
            ("CFI", f["cfi"]), ("TLI", f["tli"]), ("RMSEA", f["rmsea"]),
            ("RMSEA 90% CI lower", f["rmsea_ci_lower"]), ("RMSEA 90% CI upper", f["rmsea_ci_upper"]),
            ("SRMR", f["srmr"]), ("AIC", f["aic"]), ("BIC", f["bic"]),
        ]
        fit_df = pd.DataFrame(fit_rows, columns=["measure", "value"])
        est = self._estimates[["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "std_all"]]
        notes = [f"{c}: {m}" for c, m in self.warnings]
        if not self.converged:
            notes.insert(0, "The optimizer did not converge: do not interpret these estimates.")
        return Summary(
            title=f"surveykit {self.estimator} estimation ({'converged' if self.converged else 'NOT converged'}"
                  f" after {self.iterations} iterations)",
            tables=(("Model fit", fit_df), ("Parameter estimates", est)),
            notes=tuple(notes),
        )


def _srmr_bentler(s: np.ndarray, sigma: np.ndarray) -> float:
    """SRMR (Bentler): residuals scaled by the sample SDs, lower triangle with diagonal."""
    sd = np.sqrt(np.diag(s))
    r = (s - sigma) / np.outer(sd, sd)
    idx = np.tril_indices(len(s))
    return float(np.sqrt(np.mean(r[idx] ** 2)))


def compute_result(
    *,
    syntax: str,
    estimator: str,
    pt: ParTable,
    model: RamModel,
    sm: SampleMoments,
    opt: Optimum,
    vcov: np.ndarray,
    warning_log: list[tuple[str, str]],
) -> SEMResult:
    """Post-process an optimum: estimates, SEs, standardization, defined parameters, fit."""
    theta = opt.theta
    t = pt.table
    n = sm.nobs
    p = len(sm.names)
    names = model.names
    idx = {nm: i for i, nm in enumerate(names)}
    lv = set(pt.lv_names)
    sigma, C, _ = model.implied(theta)
    A, S = model.matrices(theta)
    var_total = np.diag(C)
    se_all = np.sqrt(np.clip(np.diag(vcov), 0, None)) if np.isfinite(vcov).all() else np.full(len(theta), np.nan)

    sol = Solution.build(pt, model)
    est = sol.estimates(theta)
    se = np.where(sol.free >= 0, se_all[sol.free.clip(0)], 0.0)
    std_lv, std_all = sol.standardized(theta)
    df = pd.DataFrame(
        {
            "lhs": t["lhs"].to_numpy(), "op": t["op"].to_numpy(), "rhs": t["rhs"].to_numpy(),
            "label": t["label"].to_numpy(), "est": est, "se": se,
        }
    )
    free = sol.free >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free, est / np.where(se > 0, se, np.nan), np.nan)
    df["z"] = z
    df["pvalue"] = np.where(free, 2 * stats.norm.sf(np.abs(z)), np.nan)
    df["ci_lower"] = np.where(free, est - _Z975 * se, est)
    df["ci_upper"] = np.where(free, est + _Z975 * se, est)
    df["std_lv"] = std_lv
    df["std_all"] = std_all

    # defined parameters
    if sol.n_defined:
        vals, ses = sol.defined_with_se(theta, vcov)
        d_lv, d_all = sol.defined_values(std_lv), sol.defined_values(std_all)
        with np.errstate(divide="ignore", invalid="ignore"):
            zz = vals / np.where(ses > 0, ses, np.nan)
        drows = pd.DataFrame({
            "lhs": [d.lhs for d in pt.defined], "op": ":=", "rhs": [d.rhs for d in pt.defined],
            "label": [d.lhs for d in pt.defined], "est": vals, "se": ses, "z": zz,
            "pvalue": 2 * stats.norm.sf(np.abs(zz)), "ci_lower": vals - _Z975 * ses,
            "ci_upper": vals + _Z975 * ses, "std_lv": d_lv, "std_all": d_all,
        })
        df = pd.concat([df, drows], ignore_index=True)

    # R-squared: observed non-x variables and endogenous latents
    endo_lv = set(t.loc[t["op"] == "~", "lhs"]) & lv
    r2_names = [v for v in pt.ov_names if v not in pt.ov_x] + [v for v in pt.lv_names if v in endo_lv]
    r2 = pd.Series({v: 1.0 - S[idx[v], idx[v]] / var_total[idx[v]] for v in r2_names}, name="r_squared", dtype=float)

    # Heywood cases and non-positive-definite latent covariance
    for row in t.itertuples():
        if row.op == "~~" and row.lhs == row.rhs and row.free > 0 and theta[row.free - 1] < 0:
            warnings.warn(
                f"Heywood case: the estimated variance of {row.lhs} is negative "
                f"({theta[row.free - 1]:.4g}); the solution is not admissible. Consider the model "
                "specification, the sample size, or outliers.",
                HeywoodCaseWarning, stacklevel=2,
            )
    for r in df[(df["op"] == "=~") & (df["std_all"].abs() > 1)].itertuples():
        warnings.warn(
            f"Heywood case: the standardized loading of {r.rhs} on {r.lhs} is {r.std_all:.4f} (> 1 in "
            "absolute value); the solution is not admissible.",
            HeywoodCaseWarning, stacklevel=2,
        )
    lv_idx = [idx[v] for v in pt.lv_names]
    if lv_idx:
        psi = C[np.ix_(lv_idx, lv_idx)]
        if np.linalg.eigvalsh(psi).min() <= 0:
            warnings.warn(
                "The model-implied covariance matrix of the latent variables is not positive definite "
                "(a factor correlation is at or beyond 1 in absolute value); check the model.",
                NonPositiveDefiniteWarning, stacklevel=2,
            )

    # fit measures
    s = sm.cov
    nx = len(pt.ov_x)
    pstar = p * (p + 1) / 2
    npar = pt.n_free
    dfree = pstar - npar - nx * (nx + 1) / 2
    chisq = 2 * n * opt.fmin
    sign, logdet_s = np.linalg.slogdet(s)
    x_idx = [sm.names.index(v) for v in pt.ov_x]
    sig_b = np.diag(np.diag(s))
    if x_idx:
        sig_b[np.ix_(x_idx, x_idx)] = s[np.ix_(x_idx, x_idx)]
    bchisq = n * ml_discrepancy(sig_b, s, logdet_s)
    bdf = pstar - (p - nx) - nx * (nx + 1) / 2
    sign2, logdet_sig = np.linalg.slogdet(sigma)
    tr = float(np.trace(s @ np.linalg.inv(sigma)))
    logl = -n / 2 * (p * math.log(2 * math.pi) + logdet_sig + tr)
    ulogl = -n / 2 * (p * math.log(2 * math.pi) + logdet_s + p)
    if x_idx:
        # fixed.x: the likelihood is conditional on the exogenous covariates (lavaan)
        _, logdet_x = np.linalg.slogdet(s[np.ix_(x_idx, x_idx)])
        logl_x = -n / 2 * (nx * math.log(2 * math.pi) + logdet_x + nx)
        logl -= logl_x
        ulogl -= logl_x
    cfi_den = max(chisq - dfree, bchisq - bdf, 0.0)
    cfi = 1.0 - max(chisq - dfree, 0.0) / cfi_den if cfi_den > 0 else 1.0
    tli = ((bchisq / bdf - chisq / dfree) / (bchisq / bdf - 1.0)) if dfree > 0 and bdf > 0 else float("nan")
    ci_lo, ci_hi = rmsea_ci(chisq, dfree, n)
    fit = {
        "npar": npar,
        "nobs": n,
        "fmin": opt.fmin,
        "chisq": chisq,
        "df": dfree,
        "pvalue": float(stats.chi2.sf(chisq, dfree)) if dfree > 0 else float("nan"),
        "baseline_chisq": bchisq,
        "baseline_df": bdf,
        "baseline_pvalue": float(stats.chi2.sf(bchisq, bdf)),
        "cfi": cfi,
        "tli": tli,
        "nfi": (bchisq - chisq) / bchisq,
        "rmsea": rmsea(chisq, dfree, n),
        "rmsea_ci_lower": ci_lo,
        "rmsea_ci_upper": ci_hi,
        "rmsea_pvalue": rmsea_pvalue(chisq, dfree, n),
        "srmr": _srmr_bentler(s, sigma),
        "aic": -2 * logl + 2 * npar,
        "bic": -2 * logl + npar * math.log(n),
        "logl": logl,
        "unrestricted_logl": ulogl,
    }
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
        _implied=pd.DataFrame(sigma, index=list(sm.names), columns=list(sm.names)),
        _sample=pd.DataFrame(s, index=list(sm.names), columns=list(sm.names)),
        _vcov=vcov,
        _theta=np.array(theta, dtype=float),
        _data=sm.data,
        warnings=tuple(warning_log),
    )
