"""Step 1 of a fit: every argument of ``sem()``/``cfa()``/``growth()`` resolved once (lavaan's
``lav_options_set``), before any data are touched.

An estimator name is shorthand for a base estimator (the discrepancy function minimized),
a kind of standard errors and one or more test statistics, exactly as in lavaan 0.6.14:

====================  ========  ===================  ==========================
estimator             base      se                   test
====================  ========  ===================  ==========================
ML                    ML        standard             standard
MLF                   ML        standard             standard    (first-order information)
MLM                   ML        robust.sem           satorra.bentler
MLMV                  ML        robust.sem           scaled.shifted
MLMVS                 ML        robust.sem           mean.var.adjusted
MLR                   ML        robust.huber.white   yuan.bentler.mplus
GLS                   GLS       standard             standard
WLS                   WLS       standard             standard
DWLS                  DWLS      standard             standard
WLSM / WLSMV / WLSMVS DWLS      robust.sem           satorra.bentler / scaled.shifted / mean.var.adjusted
ULS                   ULS       standard             standard
ULSM / ULSMV / ULSMVS ULS       robust.sem           satorra.bentler / scaled.shifted / mean.var.adjusted
====================  ========  ===================  ==========================

``se=``, ``test=``, ``information=``, ``observed_information=``, ``h1_information=`` and
``likelihood=`` override these as lavaan's arguments of the same names do.  Conventions
that depend on the estimator live here and nowhere else: the sample covariance divisor
(N for normal-theory ML, N - 1 otherwise), the N that multiplies the discrepancy in the
test statistic and the N that divides the information matrix (``n_factor``), which
information matrix the standard errors and the robust tests use, ``fixed.x`` (TRUE by
default for ML only, as lavaan), the mean structure (automatic with groups, intercepts,
missing data and ordinal indicators), and what the missing-data treatment implies.

Every combination is either resolved to what lavaan does or refused, here and before any
work is done, with one sentence that names the option and what to use instead.  Where
lavaan itself changes an option and warns (``information="observed"`` with ULS, FIML with a
Satorra-Bentler-type test), surveykit does the same and warns with the same content.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field

from surveykit.errors import OptionWarning, SpecError

__all__ = ["Options", "resolve_options", "ESTIMATORS", "GROUP_EQUAL"]

# estimator -> (base, default se, default test)
ESTIMATORS: dict[str, tuple[str, str, str]] = {
    "ML": ("ML", "standard", "standard"),
    "MLF": ("ML", "standard", "standard"),
    "MLM": ("ML", "robust.sem", "satorra.bentler"),
    "MLMV": ("ML", "robust.sem", "scaled.shifted"),
    "MLMVS": ("ML", "robust.sem", "mean.var.adjusted"),
    "MLR": ("ML", "robust.huber.white", "yuan.bentler.mplus"),
    "GLS": ("GLS", "standard", "standard"),
    "WLS": ("WLS", "standard", "standard"),
    "DWLS": ("DWLS", "standard", "standard"),
    "WLSM": ("DWLS", "robust.sem", "satorra.bentler"),
    "WLSMV": ("DWLS", "robust.sem", "scaled.shifted"),
    "WLSMVS": ("DWLS", "robust.sem", "mean.var.adjusted"),
    "ULS": ("ULS", "standard", "standard"),
    "ULSM": ("ULS", "robust.sem", "satorra.bentler"),
    "ULSMV": ("ULS", "robust.sem", "scaled.shifted"),
    "ULSMVS": ("ULS", "robust.sem", "mean.var.adjusted"),
}

_REFUSED_ESTIMATORS = {
    "PML": "pairwise maximum likelihood (PML) is not available; for ordinal items use estimator='WLSMV'",
    "MML": "marginal maximum likelihood (MML) is not available; for ordinal items use estimator='WLSMV'",
    "FML": "the FML estimator is not available; use estimator='ML'",
    "REML": "restricted maximum likelihood (REML) is not available; use estimator='ML'",
    "DLS": "distributionally weighted least squares (DLS) is not available; use estimator='MLM' or 'WLS'",
    "CATML": "estimator='catML' is not available; use estimator='WLSMV' for ordinal items",
    "NTRLS": "estimator='NTRLS' is not available; use estimator='ML' or 'GLS'",
    "BAYES": "Bayesian estimation is not available; use estimator='ML' or 'MLR'",
    "IV": "instrumental-variable estimation (MIIV) is not available; use estimator='ML'",
    "NONE": "estimator='none' (no estimation) is not available; fit the model with estimator='ML'",
}

_SE = ("standard", "robust.sem", "robust.huber.white", "first.order", "none", "robust.cluster", "robust.cluster.sem")
_SE_ALIASES = {"robust.mlm": "robust.sem", "robust.mlr": "robust.huber.white", "sandwich": "robust.huber.white",
               "robust.sandwich": "robust.huber.white", "robust.huber-white": "robust.huber.white",
               "huber.white": "robust.huber.white"}
_REFUSED_SE = {
    "bootstrap": "bootstrap standard errors are computed by sk.bootstrap(fit, n_boot=...), not inside sem(); "
                 "fit with se='standard' and pass the fit to sk.bootstrap",
    "two.stage": "two-stage standard errors (missing='two.stage') are not available; use missing='fiml'",
    "robust.two.stage": "robust two-stage standard errors are not available; use missing='fiml' with "
                        "estimator='MLR'",
    "external": "external standard errors are not available",
    "twostep": "two-step standard errors are not available",
}

_TESTS = ("standard", "none", "satorra.bentler", "yuan.bentler", "yuan.bentler.mplus", "mean.var.adjusted",
          "scaled.shifted")
_TEST_ALIASES = {
    "satorra": "satorra.bentler", "sb": "satorra.bentler", "satorra-bentler": "satorra.bentler",
    "satorra_bentler": "satorra.bentler", "m.adjusted": "satorra.bentler", "m": "satorra.bentler",
    "mean.adjusted": "satorra.bentler", "mean-adjusted": "satorra.bentler",
    "yuan": "yuan.bentler", "yb": "yuan.bentler", "yuan-bentler": "yuan.bentler", "yuan_bentler": "yuan.bentler",
    "yuan.bentler.mplus": "yuan.bentler.mplus", "yuan-bentler.mplus": "yuan.bentler.mplus",
    "yuan-bentler-mplus": "yuan.bentler.mplus", "yuan_bentler_mplus": "yuan.bentler.mplus",
    "mean.var.adjusted": "mean.var.adjusted", "mean-var-adjusted": "mean.var.adjusted", "mv": "mean.var.adjusted",
    "second.order": "mean.var.adjusted", "satterthwaite": "mean.var.adjusted", "mean.var": "mean.var.adjusted",
    "scaled.shifted": "scaled.shifted", "scaled-shifted": "scaled.shifted", "mplus6": "scaled.shifted",
    "default": "default",
}
_REFUSED_TESTS = {
    "bootstrap": "the Bollen-Stine bootstrap test is not available; use a scaled test (test='satorra.bentler' or "
                 "estimator='MLR')",
    "bollen.stine": "the Bollen-Stine bootstrap test is not available; use a scaled test (test='satorra.bentler' or "
                    "estimator='MLR')",
    "browne.residual.adf": "Browne's residual-based tests are not available; use test='satorra.bentler'",
    "browne.residual.nt": "Browne's residual-based tests are not available; use test='satorra.bentler'",
    "browne.residual.adf.model": "Browne's residual-based tests are not available; use test='satorra.bentler'",
    "browne.residual.nt.model": "Browne's residual-based tests are not available; use test='satorra.bentler'",
}
_ROBUST_TESTS = ("satorra.bentler", "yuan.bentler", "yuan.bentler.mplus", "mean.var.adjusted", "scaled.shifted")
_SB_TYPE = ("satorra.bentler", "mean.var.adjusted", "scaled.shifted")

_MISSING_ALIASES = {"listwise": "listwise", "ml": "ml", "fiml": "ml", "direct": "ml", "ml.x": "ml.x",
                    "fiml.x": "ml.x", "direct.x": "ml.x", "pairwise": "pairwise"}
_REFUSED_MISSING = {
    "two.stage": "missing='two.stage' is not available; use missing='fiml'",
    "robust.two.stage": "missing='robust.two.stage' is not available; use missing='fiml' with estimator='MLR'",
    "available.cases": "missing='available.cases' is not available; use missing='pairwise' (ordinal items) or "
                       "missing='fiml' (continuous items)",
    "doubly.robust": "missing='doubly.robust' (PML only) is not available; use missing='pairwise' with "
                     "estimator='WLSMV'",
}

GROUP_EQUAL = ("loadings", "intercepts", "means", "thresholds", "regressions", "residuals",
               "residual.covariances", "lv.variances", "lv.covariances")
_REFUSED_GROUP_EQUAL = {
    "composite.loadings": "composites (<~) are not supported",
}


@dataclass(frozen=True)
class Options:
    """The resolved options of one fit (lavaan's names in snake case; see the module docstring).

    ``estimator`` is what the user asked for (e.g. "MLR"), ``base`` the discrepancy function
    minimized (ML, GLS, WLS, DWLS, ULS); ``missing`` is "listwise", "ml" (FIML), "ml.x" or
    "pairwise"; ``information``, ``observed_information`` and ``h1_information`` are pairs
    (for the standard errors, for the robust test statistics) as in lavaan.
    """

    estimator: str = "ML"
    base: str = "ML"
    se: str = "standard"
    test: tuple[str, ...] = ("standard",)
    information: tuple[str, str] = ("expected", "expected")
    observed_information: tuple[str, str] = ("hessian", "hessian")
    h1_information: tuple[str, str] = ("structured", "structured")
    likelihood: str = "normal"
    missing: str = "listwise"
    fixed_x: bool = True
    conditional_x: bool = False
    meanstructure: bool = False
    categorical: bool = False
    ordered: tuple[str, ...] = ()
    parameterization: str = "delta"
    std_lv: bool = False
    orthogonal: bool = False
    int_ov_free: bool = True
    int_lv_free: bool = False
    auto_fix_first: bool = True
    auto_fix_single: bool = True
    auto_var: bool = True
    auto_cov_lv_x: bool = True
    auto_cov_y: bool = True
    auto_th: bool = True
    auto_delta: bool = True
    group: str | None = None
    group_equal: tuple[str, ...] = ()
    group_partial: tuple[str, ...] = ()
    cluster: str | None = None  # single-level model of clustered data: cluster-robust inference
    sampling_weights: str | None = None
    model_type: str = "sem"
    notes: tuple[str, ...] = field(default=())

    # -- conventions derived from the options (one place) --------------------------------
    @property
    def robust_test(self) -> str | None:
        """The robust (scaled) test statistic, if any (lavaan reports the first)."""
        for t in self.test:
            if t in _ROBUST_TESTS:
                return t
        return None

    @property
    def normal_likelihood(self) -> bool:
        """ML with the normal likelihood: the N-divisor sample covariance and N in the test
        statistic and the information; otherwise (Wishart ML, GLS, WLS, DWLS, ULS) N - 1."""
        return self.base == "ML" and self.likelihood == "normal"

    def n_factor(self, nobs: int) -> int:
        """The N that multiplies a group's discrepancy in the test statistic (lavaan's NFAC/2)."""
        return nobs if self.normal_likelihood else nobs - 1

    @property
    def fiml(self) -> bool:
        return self.missing in ("ml", "ml.x")

    def to_dict(self) -> dict:
        out = asdict(self)
        out["test"] = list(self.test)
        for k in ("information", "observed_information", "h1_information", "ordered", "group_equal",
                  "group_partial", "notes"):
            out[k] = list(out[k])
        return out


def _pair(name: str, value, allowed: tuple[str, ...]) -> tuple[str, str] | None:
    if value is None:
        return None
    vals = (value, value) if isinstance(value, str) else tuple(value)
    if len(vals) == 1:
        vals = (vals[0], vals[0])
    if len(vals) != 2 or not all(isinstance(v, str) for v in vals):
        raise SpecError(f"{name}= must be one of {', '.join(map(repr, allowed))} or a pair of them, not {value!r}.")
    bad = [v for v in vals if v not in allowed]
    if bad:
        raise SpecError(f"{name}={bad[0]!r} is not one of {', '.join(map(repr, allowed))}.")
    return (vals[0], vals[1])


def _canonical_test(t: str) -> str:
    key = str(t).strip().lower()
    if key in _REFUSED_TESTS:
        raise SpecError(f"test={t!r}: {_REFUSED_TESTS[key]}.")
    key = _TEST_ALIASES.get(key, key)
    if key not in _TESTS and key != "default":
        raise SpecError(f"test={t!r} is not one of {', '.join(map(repr, _TESTS))}.")
    return key


def _bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{name}= must be True or False, not {value!r}.")
    return value


def _estimator_name(estimator, ordered: tuple[str, ...]) -> str:
    """The estimator's canonical name (``"default"``: WLSMV with ordered indicators, else ML);
    refused and unknown names raise."""
    if not isinstance(estimator, str):
        raise SpecError(f"estimator= must be a string such as 'ML' or 'MLR', not {estimator!r}.")
    est = estimator.strip().upper()
    if est == "DEFAULT":
        est = "WLSMV" if ordered else "ML"
    if est in _REFUSED_ESTIMATORS:
        raise SpecError(f"estimator={estimator!r}: {_REFUSED_ESTIMATORS[est]}.")
    if est not in ESTIMATORS:
        raise SpecError(f"estimator={estimator!r} is not one of {', '.join(ESTIMATORS)}.")
    return est


def _check_switches(mimic, std_ov, flags: tuple[tuple[str, object], ...]) -> None:
    """``mimic`` (lavaan only), the True/False switches ``flags`` and ``std_ov`` (refused when True)."""
    if not isinstance(mimic, str) or mimic.lower() != "lavaan":
        raise SpecError(
            f"mimic={mimic!r} is not available; surveykit follows lavaan's conventions (mimic='lavaan'). Set the "
            "options another program implies explicitly (e.g. likelihood='wishart', test='yuan.bentler')."
        )
    for name, value in flags:
        _bool(name, value)
    if _bool("std_ov", std_ov):
        raise SpecError("std_ov=True (standardizing the observed variables before fitting) is not available; "
                        "standardize the data columns yourself or report the standardized solution (std_all).")


def _estimator_defaults(est: str, estimator: str, categorical: bool) -> tuple[str, str, str]:
    """(base, default se, default test) of ``est``; ML and GLS refuse ordered indicators."""
    base, default_se, default_test = ESTIMATORS[est]
    if categorical and base in ("ML", "GLS"):
        raise SpecError(
            f"estimator={estimator!r} cannot fit ordered (ordinal) indicators; use estimator='WLSMV' (lavaan's "
            "default for ordered data), 'DWLS', 'ULSMV' or 'WLS', or leave the items out of ordered= to treat them "
            "as continuous."
        )
    return base, default_se, default_test


def _weighted_estimator(est: str, estimator, sampling_weights, categorical: bool) -> str:
    """lavaan: sampling weights with (default) ML estimate by MLR."""
    if sampling_weights is None:
        return est
    if not isinstance(sampling_weights, str) or not sampling_weights:
        raise SpecError(f"sampling_weights= must be the name of the weight column, not {sampling_weights!r}.")
    if categorical:
        raise SpecError("sampling_weights= with ordered indicators is not available; treat the items as continuous "
                        "(estimator='MLR') or fit without weights.")
    if est == "ML":
        return "MLR"
    if est not in ("MLR", "MLM"):
        raise SpecError(f"sampling_weights= needs estimator='ML' (which becomes 'MLR', as in lavaan), 'MLR' or 'MLM', "
                        f"not {estimator!r}.")
    return est


def _clustered_defaults(cluster, est: str, estimator: str, categorical: bool,
                        defaults: tuple[str, str]) -> tuple[str, str]:
    """(default se, default test) of a single-level model of clustered data (lavaan's
    ``cluster=``): MLR and ML cluster-robust sandwich standard errors with the Yuan-Bentler (Mplus)
    test, MLM ``robust.cluster.sem`` with the Satorra-Bentler test."""
    if cluster is None:
        return defaults
    if not isinstance(cluster, str) or not cluster:
        raise SpecError(f"cluster= must be the name of the cluster column, not {cluster!r}.")
    if categorical:
        raise SpecError("cluster= with ordered indicators is not available; treat the items as continuous "
                        "(estimator='MLR') for cluster-robust standard errors.")
    if est == "MLM":
        return "robust.cluster.sem", "satorra.bentler"
    if est in ("ML", "MLR"):
        return "robust.cluster", "yuan.bentler.mplus"
    raise SpecError(f"cluster= is available with estimator='ML', 'MLR' or 'MLM', not {estimator!r}.")


def _check_clustered(cluster, se_v: str, test_v: list[str]) -> None:
    """lavaan's rules for the standard errors and tests of clustered data."""
    if cluster is None:
        if se_v in ("robust.cluster", "robust.cluster.sem"):
            raise SpecError(f"se={se_v!r} needs cluster= (the column that identifies the clusters).")
        return
    if se_v not in ("none", "robust.cluster", "robust.cluster.sem"):
        raise SpecError(f"se={se_v!r} is not available with cluster=; use 'robust.cluster', 'robust.cluster.sem' "
                        "or 'none'.")
    bad = [t for t in test_v if t not in ("none", "standard", "default", "satorra.bentler", "yuan.bentler",
                                          "yuan.bentler.mplus")]
    if bad:
        raise SpecError(f"test={bad[0]!r} is not available with cluster=; use 'yuan.bentler.mplus', 'yuan.bentler' "
                        "or 'satorra.bentler'.")


def _missing(missing, est: str, estimator: str, categorical: bool) -> str:
    """The missing-data treatment ("listwise", "ml", "ml.x" or "pairwise") and the estimators it allows."""
    if not isinstance(missing, str):
        raise SpecError(f"missing= must be a string such as 'listwise' or 'fiml', not {missing!r}.")
    m_key = missing.strip().lower()
    if m_key == "default":
        m_key = "listwise"
    if m_key in _REFUSED_MISSING:
        raise SpecError(f"missing={missing!r}: {_REFUSED_MISSING[m_key]}.")
    if m_key not in _MISSING_ALIASES:
        raise SpecError(f"missing={missing!r} is not one of 'listwise', 'fiml' (or 'ml'), 'ml.x', 'pairwise'.")
    miss = _MISSING_ALIASES[m_key]
    if miss in ("ml", "ml.x"):
        if categorical:
            raise SpecError(f"missing={missing!r} (full information ML) is not available for ordered indicators; "
                            "use missing='pairwise' with estimator='WLSMV'.")
        if est not in ("ML", "MLR", "MLF"):
            raise SpecError(f"missing={missing!r} (full information ML) needs estimator='ML', 'MLR' or 'MLF', "
                            f"not {estimator!r}; for robust standard errors with incomplete data use 'MLR'.")
    if miss == "pairwise" and not categorical:
        raise SpecError(
            f"missing='pairwise' with continuous items (estimator={est!r}) is not available: a pairwise covariance "
            "matrix has no likelihood and may not be positive definite; use missing='fiml' (or ordinal items with "
            "estimator='WLSMV')."
        )
    return miss


def _standard_errors(se, default_se: str, miss: str, base: str, estimator: str, *, clustered: bool = False) -> str:
    """The kind of standard errors (``"robust"``: cluster-robust with clusters, sandwich with FIML,
    robust.sem otherwise)."""
    if se is None or str(se).lower() == "default":
        se_v = default_se
    else:
        key = str(se).strip().lower()
        if key in _REFUSED_SE:
            raise SpecError(f"se={se!r}: {_REFUSED_SE[key]}.")
        key = _SE_ALIASES.get(key, key)
        if key == "robust":
            key = "robust.cluster" if clustered else ("robust.huber.white" if miss in ("ml", "ml.x") else "robust.sem")
        if key not in _SE:
            raise SpecError(f"se={se!r} is not one of {', '.join(map(repr, _SE))} (or 'robust').")
        se_v = key
    if se_v in ("robust.huber.white", "robust.cluster") and base != "ML":
        raise SpecError(f"se='robust.huber.white' (sandwich) needs a maximum-likelihood estimator, not "
                        f"{estimator!r}; use se='robust.sem'.")
    if se_v == "first.order" and base != "ML":
        raise SpecError(f"se='first.order' needs a maximum-likelihood estimator, not {estimator!r}.")
    if se_v == "robust.sem" and base == "GLS":
        raise SpecError("se='robust.sem' is not available with estimator='GLS'; use estimator='MLM'.")
    return se_v


def _test_statistics(test, default_test: str, base: str, estimator: str) -> list[str]:
    """The test statistics: the standard test, the estimator's default and those asked for (one robust
    test at most), or ``["none"]``."""
    if test is None:
        tests = ["default"]
    elif isinstance(test, str):
        tests = [_canonical_test(test)]
    else:
        tests = [_canonical_test(t) for t in test]
        if not tests:
            raise SpecError("test= is empty; give at least one test statistic (e.g. 'standard').")
    if tests[0] == "none":
        return ["none"]
    tests = [t for t in tests if t != "default"] or []
    if base == "GLS" or base == "WLS":
        bad = [t for t in tests if t not in ("standard",)]
        if bad:
            raise SpecError(f"test={bad[0]!r} is not available with estimator={estimator!r} (lavaan allows only "
                            "the standard test with GLS and WLS); use estimator='MLM' or 'WLSMV'.")
    if base in ("DWLS", "ULS") and any(t.startswith("yuan") for t in tests):
        raise SpecError(f"test={tests[0]!r} (Yuan-Bentler) needs a maximum-likelihood estimator, not "
                        f"{estimator!r}; use test='satorra.bentler' or 'scaled.shifted'.")
    test_v = list(dict.fromkeys(["standard", default_test] + tests))
    if default_test == "standard" and not tests:
        test_v = ["standard"]
    robust = [t for t in test_v if t in _ROBUST_TESTS]
    if len(robust) > 1:
        raise SpecError(f"test= asks for {', '.join(robust)}; surveykit reports one robust test per fit. Fit the "
                        "model once per robust test.")
    return test_v


def _check_fiml_inference(miss: str, se_v: str, test_v: list[str]) -> None:
    """The missing-data consequences lavaan applies (with a warning), refused here: robust.sem
    standard errors and Satorra-Bentler-type tests need complete data."""
    if miss in ("ml", "ml.x") and se_v in ("robust.sem", "robust.cluster.sem"):
        raise SpecError("se='robust.sem' needs complete data (lavaan falls back to listwise deletion); with "
                        "missing='fiml' use se='robust.huber.white' or estimator='MLR'.")
    if miss in ("ml", "ml.x") and any(t in _SB_TYPE for t in test_v):
        raise SpecError("Satorra-Bentler-type tests need complete data (lavaan falls back to listwise deletion); "
                        "with missing='fiml' use estimator='MLR' (test='yuan.bentler.mplus').")


def _information(information, observed_information, h1_information, *, est: str, base: str, estimator: str,
                 miss: str, se_v: str, test_v: list[str], notes: list[str], clustered: bool = False
                 ) -> tuple[tuple[str, str], tuple[str, str], tuple[str, str]]:
    """The information matrices (for the standard errors, for the robust tests): ``information``,
    ``observed_information`` and ``h1_information`` with lavaan's defaults; least squares always use
    the expected, unstructured information (a warning when another was asked for)."""
    info = _pair("information", information, ("expected", "observed", "first.order"))
    info_default = "observed" if (miss in ("ml", "ml.x") or se_v in ("robust.huber.white", "first.order")) \
        else "expected"
    if est == "MLF" and info is None:
        info = ("first.order", "first.order")
    if clustered and info is None:
        # lavaan: observed for cluster-robust sandwich standard errors, expected otherwise (MLM)
        cl = "observed" if se_v == "robust.cluster" else "expected"
        info = (cl, cl)
    if info is None:
        info = (info_default, info_default)
    if miss in ("ml", "ml.x") and info[0] == "expected" and information is not None:
        notes.append("information='expected' with missing data uses the expected information of the incomplete "
                     "data (lavaan's default is 'observed').")
    if base in ("ULS", "WLS", "DWLS") and info != ("expected", "expected"):
        warnings.warn(f"information is set to 'expected' for estimator={estimator!r} (as lavaan does).",
                      OptionWarning, stacklevel=4)
        info = ("expected", "expected")
    if info[0] == "first.order" and se_v not in ("standard", "first.order", "none"):
        raise SpecError("information='first.order' cannot be used with robust standard errors; use 'expected' or "
                        "'observed'.")
    if info[1] == "first.order" and any(t in _ROBUST_TESTS for t in test_v):
        raise SpecError("information='first.order' cannot be used with robust test statistics; use 'expected' or "
                        "'observed'.")
    obs_info = _pair("observed_information", observed_information, ("hessian", "h1"))
    if obs_info is None:
        second = "hessian"
        robust = [t for t in test_v if t in _ROBUST_TESTS]
        if robust and robust[0] != "yuan.bentler.mplus":
            second = "h1"
        # with clusters lavaan says "observed.information for ALL test statistics is set to h1" and lists
        # ("hessian", "h1"); its Yuan-Bentler (Mplus) test uses the h1 form with missing data and the
        # Hessian with complete data (checked against lavaan 0.6.14: the corpus cases tl_cluster_*)
        if clustered and miss in ("ml", "ml.x"):
            second = "h1"
        obs_info = ("hessian", second)
    h1_info = _pair("h1_information", h1_information, ("structured", "unstructured"))
    if h1_info is None:
        h1_info = ("structured", "structured")
    if base in ("ULS", "WLS", "DWLS"):
        h1_info = ("unstructured", "unstructured")
    return info, obs_info, h1_info


def _likelihood(likelihood, base: str, estimator: str, miss: str) -> str:
    """The likelihood of maximum likelihood, "normal" or "wishart" (the latter with complete data only)."""
    if likelihood is None or str(likelihood).lower() == "default":
        return "normal"
    lik = str(likelihood).lower()
    if base != "ML":
        raise SpecError(f"likelihood= only applies to maximum likelihood, not estimator={estimator!r}.")
    if lik not in ("normal", "wishart"):
        raise SpecError(f"likelihood={likelihood!r} is not 'normal' or 'wishart'.")
    if lik == "wishart" and miss != "listwise":
        raise SpecError("likelihood='wishart' needs complete data (missing='listwise').")
    return lik


def _x_covariates(conditional_x, fixed_x, *, categorical: bool, base: str, miss: str,
                  has_exogenous_x: bool) -> tuple[bool, bool]:
    """(conditional.x, fixed.x): conditional on the covariates with ordered indicators only, fixed
    covariates by default for ML; both False without an observed exogenous covariate."""
    if conditional_x is None:
        cond_x = categorical and base != "ML" and has_exogenous_x
    else:
        cond_x = _bool("conditional_x", conditional_x)
        if not has_exogenous_x:
            cond_x = False
    if cond_x and not categorical:
        raise SpecError("conditional_x=True with continuous indicators is not available; use the default "
                        "(fixed_x=True: covariates fixed at their sample values), which gives the same estimates "
                        "for the model's parameters.")
    if categorical and has_exogenous_x and not cond_x:
        raise SpecError("Ordered indicators with exogenous covariates are modelled conditional on the covariates "
                        "(lavaan's conditional.x=TRUE); conditional_x=False is not available with ordered=.")
    if cond_x and miss != "listwise":
        raise SpecError(f"missing={miss!r} with ordered indicators and exogenous covariates is not available; use "
                        "missing='listwise'.")
    if cond_x and fixed_x is not None and not _bool("fixed_x", fixed_x):
        raise SpecError("conditional_x=True needs fixed_x=True (the covariates are conditioned on).")
    if fixed_x is None:
        fx = base == "ML" or cond_x
    else:
        fx = _bool("fixed_x", fixed_x)
    if not has_exogenous_x:
        fx = False
    return cond_x, fx


def _meanstructure(meanstructure, *, group, has_intercept_rows: bool, miss: str, categorical: bool,
                   model_type: str) -> bool:
    """The mean structure: automatic with groups, intercept rows, FIML, ordered indicators and growth
    models, which also force it when ``meanstructure=False``."""
    if meanstructure is None:
        return bool(group is not None or has_intercept_rows or miss in ("ml", "ml.x") or categorical
                    or model_type == "growth")
    ms = _bool("meanstructure", meanstructure)
    if has_intercept_rows:
        ms = True
    if miss in ("ml", "ml.x") and not ms:
        warnings.warn("missing='fiml' needs a mean structure: meanstructure is set to True (as lavaan does).",
                      OptionWarning, stacklevel=4)
        ms = True
    if categorical or model_type == "growth":
        ms = True
    return ms


def _groups(group, group_equal, group_partial, categorical: bool,
            notes: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(group_equal, group_partial) checked against :data:`GROUP_EQUAL` and ``group``; the
    parameter names of ``group_partial`` without spaces."""
    if isinstance(group_equal, str):
        group_equal = (group_equal,)
    if isinstance(group_partial, str):
        group_partial = (group_partial,)
    geq = tuple(str(g).strip() for g in group_equal)
    for g in geq:
        if g in _REFUSED_GROUP_EQUAL:
            raise SpecError(f"group_equal={g!r}: {_REFUSED_GROUP_EQUAL[g]}.")
        if g not in GROUP_EQUAL:
            raise SpecError(f"group_equal has {g!r}; choose from {', '.join(GROUP_EQUAL)}.")
    if geq and group is None:
        raise SpecError("group_equal needs group= (the column that defines the groups).")
    if group_partial and group is None:
        raise SpecError("group_partial needs group= (the column that defines the groups).")
    if "thresholds" in geq and not categorical:
        notes.append("group_equal='thresholds' has no effect without ordered indicators.")
    return geq, tuple("".join(str(p).split()) for p in group_partial)


def _check_parameterization(parameterization, categorical: bool, notes: list[str]) -> None:
    if parameterization not in ("delta", "theta"):
        raise SpecError(f"parameterization={parameterization!r} is not 'delta' or 'theta'.")
    if parameterization == "theta" and not categorical:
        notes.append("parameterization='theta' has no effect without ordered indicators.")


def _identification(model_type: str, std_lv: bool, int_ov_free, int_lv_free,
                    auto_fix_first) -> tuple[bool, bool, bool]:
    """(int_ov_free, int_lv_free, auto_fix_first) with the defaults of cfa/sem and growth."""
    if int_ov_free is None:
        int_ov_free = model_type != "growth"
    if int_lv_free is None:
        int_lv_free = model_type == "growth"
    if auto_fix_first is None:
        auto_fix_first = not std_lv
    return (_bool("int_ov_free", int_ov_free), _bool("int_lv_free", int_lv_free),
            _bool("auto_fix_first", auto_fix_first))


def resolve_options(
    *,
    estimator: str = "default",
    se: str | None = None,
    test: str | list[str] | tuple[str, ...] | None = None,
    information: str | list[str] | tuple[str, ...] | None = None,
    observed_information: str | list[str] | tuple[str, ...] | None = None,
    h1_information: str | list[str] | tuple[str, ...] | None = None,
    likelihood: str | None = None,
    missing: str = "listwise",
    fixed_x: bool | None = None,
    conditional_x: bool | None = None,
    meanstructure: bool | None = None,
    ordered: tuple[str, ...] = (),
    parameterization: str = "delta",
    std_lv: bool = False,
    std_ov: bool = False,
    orthogonal: bool = False,
    int_ov_free: bool | None = None,
    int_lv_free: bool | None = None,
    auto_fix_first: bool | None = None,
    auto_fix_single: bool = True,
    auto_var: bool = True,
    auto_cov_lv_x: bool = True,
    auto_cov_y: bool = True,
    auto_th: bool = True,
    auto_delta: bool = True,
    mimic: str = "lavaan",
    group: str | None = None,
    group_equal: tuple[str, ...] | list[str] | str = (),
    group_partial: tuple[str, ...] | list[str] | str = (),
    cluster: str | None = None,
    sampling_weights: str | None = None,
    has_exogenous_x: bool = False,
    has_intercept_rows: bool = False,
    model_type: str = "sem",
) -> Options:
    """Resolve and validate the options of one fit (see the module docstring).

    ``ordered`` is the tuple of observed variables treated as ordinal (already expanded from
    ``ordered=True``); ``has_exogenous_x`` and ``has_intercept_rows`` describe the model (an
    observed exogenous covariate; a ``~ 1`` row), which some defaults depend on.
    """
    notes: list[str] = []
    est = _estimator_name(estimator, ordered)
    _check_switches(mimic, std_ov, (
        ("std_lv", std_lv), ("orthogonal", orthogonal), ("auto_fix_single", auto_fix_single), ("auto_var", auto_var),
        ("auto_cov_lv_x", auto_cov_lv_x), ("auto_cov_y", auto_cov_y), ("auto_th", auto_th),
        ("auto_delta", auto_delta)))
    categorical = bool(ordered)
    est = _weighted_estimator(est, estimator, sampling_weights, categorical)
    base, default_se, default_test = _estimator_defaults(est, estimator, categorical)
    default_se, default_test = _clustered_defaults(cluster, est, estimator, categorical, (default_se, default_test))
    miss = _missing(missing, est, estimator, categorical)
    if sampling_weights is not None and miss != "listwise":
        raise SpecError(f"sampling_weights= with missing={missing!r} is not available; use missing='listwise'.")
    se_v = _standard_errors(se, default_se, miss, base, estimator, clustered=cluster is not None)
    asked = [] if test is None else [_canonical_test(t) for t in ([test] if isinstance(test, str) else test)]
    _check_clustered(cluster, se_v, asked)
    test_v = _test_statistics(test, default_test, base, estimator)
    _check_fiml_inference(miss, se_v, test_v)
    info, obs_info, h1_info = _information(information, observed_information, h1_information, est=est, base=base,
                                           estimator=estimator, miss=miss, se_v=se_v, test_v=test_v, notes=notes,
                                           clustered=cluster is not None)
    lik = _likelihood(likelihood, base, estimator, miss)
    cond_x, fx = _x_covariates(conditional_x, fixed_x, categorical=categorical, base=base, miss=miss,
                               has_exogenous_x=has_exogenous_x)
    ms = _meanstructure(meanstructure, group=group, has_intercept_rows=has_intercept_rows, miss=miss,
                        categorical=categorical, model_type=model_type)
    geq, gpartial = _groups(group, group_equal, group_partial, categorical, notes)
    if cluster is not None:
        ms = True  # lavaan: clustered data always have a mean structure
    if ("intercepts" in geq or "means" in geq) and group is not None:
        ms = True
    _check_parameterization(parameterization, categorical, notes)
    ov_free, lv_free, fix_first = _identification(model_type, std_lv, int_ov_free, int_lv_free, auto_fix_first)
    return Options(
        estimator=est, base=base, se=se_v, test=tuple(test_v), information=info, observed_information=obs_info,
        h1_information=h1_info, likelihood=lik, missing=miss, fixed_x=fx, conditional_x=cond_x, meanstructure=ms,
        categorical=categorical, ordered=tuple(ordered), parameterization=parameterization, std_lv=std_lv,
        orthogonal=orthogonal, int_ov_free=ov_free, int_lv_free=lv_free, auto_fix_first=fix_first,
        auto_fix_single=auto_fix_single, auto_var=auto_var, auto_cov_lv_x=auto_cov_lv_x, auto_cov_y=auto_cov_y,
        auto_th=auto_th, auto_delta=auto_delta, group=group, group_equal=geq, group_partial=gpartial,
        cluster=cluster, sampling_weights=sampling_weights, model_type=model_type, notes=tuple(notes),
    )
