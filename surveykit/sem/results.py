"""The result of a CFA/SEM fit: parameter estimates, standardized solution, fit measures."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from surveykit._version import __version__
from surveykit.results import ResultMixin, Summary, to_jsonable
from surveykit.sem.options import Options
from surveykit.sem.partable import ParTable
from surveykit.sem.samplestats import SampleMoments

__all__ = ["SEMResult"]

_METHOD_NAMES = {
    "standard": "likelihood ratio (chi-square difference)",
    "satorra.bentler.2001": "Satorra-Bentler (2001) scaled difference",
    "satorra.2000": "Satorra (2000) scaled difference",
}


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
    options: Options | None = field(repr=False, default=None)
    _estimation: Any = field(repr=False, default=None)  # surveykit.sem.pipeline.Estimation

    # -- accessors -------------------------------------------------------------------
    def parameter_estimates(self, *, standardized: bool = True) -> pd.DataFrame:
        """lhs, op, rhs, (group,) label, est, se, z, pvalue, ci_lower, ci_upper, std_lv, std_all, std_nox
        (lavaan's ``parameterEstimates(fit, standardized = TRUE)``)."""
        df = self._estimates.copy()
        if not standardized:
            df = df.drop(columns=[c for c in ("std_lv", "std_all", "std_nox") if c in df.columns])
        return df

    def standardized_solution(self, type: str = "std.all") -> pd.DataFrame:  # noqa: A002 - lavaan's name
        """The standardized solution with delta-method standard errors (lavaan's
        ``standardizedSolution(fit, type = ...)``): lhs, op, rhs, (group,) label, est_std, se, z,
        pvalue, ci_lower, ci_upper; ``type`` is "std.all" (default), "std.lv" or "std.nox"."""
        from surveykit.errors import SpecError
        from surveykit.sem.assemble import standardized_with_se

        kinds = {"std.all": "std_all", "std.lv": "std_lv", "std.nox": "std_nox"}
        if type not in kinds:
            raise SpecError(f"type={type!r} is not one of {', '.join(kinds)}.")
        cols = [c for c in ("lhs", "op", "rhs", "group", "label") if c in self._estimates.columns]
        df = self._estimates[cols].copy()
        if self._estimation is None:
            est = self._estimates[kinds[type]].to_numpy(dtype=float)
            se = np.full(len(est), np.nan)
        else:
            est, se = standardized_with_se(self._estimation, kinds[type])
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        df["est_std"] = est
        df["se"] = se
        df["z"] = z
        df["pvalue"] = 2.0 * stats.norm.sf(np.abs(z))
        half = stats.norm.ppf(0.975) * np.where(np.isfinite(se), se, np.nan)
        df["ci_lower"] = est - half
        df["ci_upper"] = est + half
        return df.reset_index(drop=True)

    def fit_measures(self) -> dict[str, float]:
        return dict(self._fit)

    def r_squared(self) -> pd.Series:
        return self._r2.copy()

    def implied_cov(self) -> pd.DataFrame:
        return self._implied.copy()

    def sample_cov(self) -> pd.DataFrame:
        return self._sample.copy()

    def compare(self, *others: SEMResult, method: str = "default", scaled_shifted: bool = True,
                a_method: str = "delta", names: list[str] | None = None) -> pd.DataFrame:
        """Difference tests between nested fits (lavaan ``lavTestLRT(fit1, fit2, ...)``).

        The fits are ordered by their degrees of freedom and each is tested against the one
        before it.  ``method="default"`` is lavaan's choice: the likelihood-ratio (chi-square
        difference) test without scaled statistics, Satorra-Bentler (2001) for MLM/MLR and other
        Satorra-Bentler or Yuan-Bentler tests, Satorra (2000) for MLMV/WLSMV and other mean-and-
        variance adjusted or scaled-and-shifted tests (scaled and shifted unless
        ``scaled_shifted=False``).  One row per model: model, df, aic, bic, chisq (standard),
        chisq_diff, df_diff, pvalue, rmsea (of the difference, standard test only), method,
        scaling_factor, scale and shift.
        """
        from surveykit.errors import SpecError
        from surveykit.sem.difftest import difference_method, difference_test

        if not others:
            raise SpecError("compare() needs at least one other fit to compare with.")
        if a_method != "delta":
            raise SpecError(f"a_method={a_method!r} is not available; only 'delta' (lavaan's default) is.")
        fits = [self, *others]
        names = list(names) if names is not None else [f"model {i + 1}" for i in range(len(fits))]
        if len(names) != len(fits):
            raise SpecError(f"names has {len(names)} entries for {len(fits)} fits.")
        for f, name in zip(fits[1:], names[1:]):
            if f.estimator != self.estimator:
                raise SpecError(f"Cannot compare a {self.estimator} fit with a {f.estimator} fit ({name}).")
            if f.nobs != self.nobs:
                raise SpecError(f"The fits use different data (N = {self.nobs} and {f.nobs} in {name}).")
            if sorted(f.partable.ov_names) != sorted(self.partable.ov_names):
                raise SpecError(f"{name} uses other observed variables than {names[0]}; the models are not nested.")
            if f._estimation is None or self._estimation is None:
                raise SpecError("compare() needs fits estimated by surveykit's engine.")
            if f._estimation.ctx.meanstructure() != self._estimation.ctx.meanstructure():
                raise SpecError(f"{names[0]} and {name}: one has a mean structure and the other not; fit both "
                                "with the same meanstructure.")
        if not all(f.converged for f in fits):
            warnings.warn("Not all models converged; the difference tests may be meaningless.", UserWarning,
                          stacklevel=2)
        order = sorted(range(len(fits)), key=lambda i: fits[i]._estimation.df)
        ests = [fits[i]._estimation for i in order]
        how = difference_method(ests, method)
        rows = []
        for k, i in enumerate(order):
            f = fits[i].fit_measures()
            row = {"model": names[i], "df": ests[k].df, "aic": f.get("aic", np.nan), "bic": f.get("bic", np.nan),
                   "chisq": ests[k].standard.stat, "chisq_diff": np.nan, "df_diff": np.nan, "pvalue": np.nan,
                   "rmsea": np.nan, "method": "", "scaling_factor": np.nan, "scale": np.nan, "shift": np.nan}
            if k > 0:
                if ests[k].standard.stat - ests[k - 1].standard.stat < -np.finfo(float).eps ** (1 / 3):
                    warnings.warn(f"{names[i]} fits better than the less restricted {names[order[k - 1]]}: either the "
                                  "models are not nested or the less restricted one missed the optimum.", UserWarning,
                                  stacklevel=2)
                if ests[k].df == ests[k - 1].df:
                    warnings.warn(f"{names[i]} and {names[order[k - 1]]} have the same degrees of freedom; they are "
                                  "not nested and their difference has no p-value.", UserWarning, stacklevel=2)
                d = difference_test(ests[k - 1], ests[k], how, scaled_shifted=scaled_shifted)
                row.update(chisq_diff=d.chisq_diff, df_diff=d.df_diff, pvalue=d.pvalue, rmsea=d.rmsea,
                           method=_METHOD_NAMES[d.method], scaling_factor=d.scaling_factor, scale=d.scale,
                           shift=d.shift)
            rows.append(row)
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
        """A summary as lavaan's ``summary(fit, fit.measures = TRUE, standardized = TRUE)`` prints it:
        the estimation, the model test (standard and scaled side by side, with the scaling factor
        and shift), the baseline comparison, likelihood and information criteria, RMSEA, SRMR, and the
        parameters by block with the kind of standard errors and information they rest on."""
        f = self._fit
        o = self.options
        scaled = "chisq_scaled" in f
        n_eq = int((self.partable.table["free"] > 0).sum()) - int(f["npar"])
        head = [("Estimator", self.estimator), ("Optimization method", self.optimizer),
                ("Converged", "yes" if self.converged else "NO"), ("Iterations", self.iterations),
                ("Number of model parameters", int(f["npar"]) + n_eq)]
        if n_eq:
            head.append(("Number of equality constraints", n_eq))
        if self.partable.ngroups > 1:
            head += [(f"Number of observations, group {lab}", g.nobs)
                     for lab, g in zip(self.partable.group_labels, self._moments.groups)]
        else:
            head.append(("Number of observations", self.nobs))
        if self.n_total != self.nobs:
            head.append(("Number of rows in the data", self.n_total))
        head.append(("Missing data", self.missing))
        if o is not None:
            head += [("Standard errors", o.se[:1].upper() + o.se[1:]),
                     ("Information", o.information[0].capitalize())]
            if o.information[0] == "expected" or o.observed_information[0] == "h1":
                head.append(("Information saturated (h1) model", o.h1_information[0].capitalize()))
            if o.categorical:
                head.append(("Parameterization", o.parameterization.capitalize()))

        def row(label, key, key_scaled=None):
            out = [label, f.get(key, np.nan)]
            if scaled:
                out.append(f.get(key_scaled, np.nan) if key_scaled else np.nan)
            return tuple(out)

        test_cols = ["", "Standard"] + (["Scaled"] if scaled else [])
        test = [row("Test statistic", "chisq", "chisq_scaled"), row("Degrees of freedom", "df", "df_scaled"),
                row("P-value (Chi-square)", "pvalue", "pvalue_scaled")]
        if scaled:
            test.append(("Scaling correction factor", np.nan, f.get("chisq_scaling_factor", np.nan)))
            if "chisq_shift_parameter" in f:
                test.append(("Shift parameter", np.nan, f["chisq_shift_parameter"]))
        idx = [row("Baseline test statistic", "baseline_chisq", "baseline_chisq_scaled"),
               row("Baseline degrees of freedom", "baseline_df", "baseline_df_scaled"),
               row("Comparative Fit Index (CFI)", "cfi", "cfi_scaled"),
               row("Tucker-Lewis Index (TLI)", "tli", "tli_scaled")]
        if "cfi_robust" in f:
            idx += [("Robust Comparative Fit Index (CFI)", np.nan, f["cfi_robust"]) if scaled
                    else ("Robust Comparative Fit Index (CFI)", f["cfi_robust"]),
                    ("Robust Tucker-Lewis Index (TLI)", np.nan, f["tli_robust"]) if scaled
                    else ("Robust Tucker-Lewis Index (TLI)", f["tli_robust"])]
        if np.isfinite(f.get("logl", np.nan)):
            idx += [row("Loglikelihood user model (H0)", "logl"), row("Loglikelihood unrestricted model (H1)",
                                                                      "unrestricted_logl"),
                    row("Akaike (AIC)", "aic"), row("Bayesian (BIC)", "bic"), row("Sample-size adjusted BIC", "bic2")]
        idx += [row("RMSEA", "rmsea", "rmsea_scaled"),
                row("90 Percent confidence interval - lower", "rmsea_ci_lower", "rmsea_ci_lower_scaled"),
                row("90 Percent confidence interval - upper", "rmsea_ci_upper", "rmsea_ci_upper_scaled"),
                row("P-value H_0: RMSEA <= 0.050", "rmsea_pvalue", "rmsea_pvalue_scaled"),
                row("P-value H_0: RMSEA >= 0.080", "rmsea_notclose_pvalue", "rmsea_notclose_pvalue_scaled")]
        if "rmsea_robust" in f:
            for label, key in (("Robust RMSEA", "rmsea_robust"), ("90 Percent confidence interval - lower",
                                                                  "rmsea_ci_lower_robust"),
                               ("90 Percent confidence interval - upper", "rmsea_ci_upper_robust")):
                idx.append((label, np.nan, f[key]) if scaled else (label, f[key]))
        idx.append(row("SRMR", "srmr"))
        if "wrmr" in f:
            idx.append(row("WRMR", "wrmr"))
        tables = [
            ("Model", pd.DataFrame(head, columns=["", "value"])),
            ("Model test user model", pd.DataFrame(test, columns=test_cols)),
            ("Fit indices", pd.DataFrame(idx, columns=test_cols)),
        ]
        pe = self._estimates
        cols = ["est", "se", "z", "pvalue", "std_lv", "std_all"]
        blocks = [
            ("Latent variables", pe["op"] == "=~"),
            ("Scales y*", pe["op"] == "~*~"),
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
