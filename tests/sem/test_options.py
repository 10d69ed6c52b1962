"""The options step (surveykit/sem/options.py): lavaan 0.6.14's mapping of estimators to standard
errors, tests and information (``lavInspect(fit, "options")`` of every corpus case), and the
refusals, each with its sentence."""

from __future__ import annotations

import warnings

import pytest

from surveykit.errors import OptionWarning, SpecError
from surveykit.sem.api import fit_options
from surveykit.sem.options import resolve_options

from .corpus import case_ids, load_case, load_data, surveykit_kwargs
from .test_corpus import REFUSED


@pytest.mark.parametrize("cid", [c for c in case_ids() if not load_case(c).get("error") and c not in REFUSED])
def test_estimator_se_test_and_information_are_lavaans(cid):
    case = load_case(cid)
    ref = case["options"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, opts = fit_options(case["model"], load_data(case["data"]), model_type=case["function"],
                              **surveykit_kwargs(case))
    assert opts.se == ref["se"], cid
    # lavaan lists the robust test alone ("standard" is always computed with it)
    assert [t for t in opts.test if t != "standard"] == [t for t in ref["test"] if t != "standard"], cid
    assert list(opts.information) == list(ref["information"]), cid
    assert opts.missing == ref["missing"], cid
    assert opts.fixed_x == bool(ref["fixed.x"]), cid
    assert opts.meanstructure == bool(ref["meanstructure"]), cid
    if "observed.information" in ref and opts.information[0] == "observed":
        assert opts.observed_information[0] == ref["observed.information"][0], cid


def test_each_estimator_maps_as_in_lavaan():
    o = resolve_options(estimator="MLR")
    assert (o.base, o.se, o.test, o.information) == ("ML", "robust.huber.white", ("standard", "yuan.bentler.mplus"),
                                                     ("observed", "observed"))
    o = resolve_options(estimator="MLM")
    assert (o.se, o.test, o.information, o.observed_information[1]) == (
        "robust.sem", ("standard", "satorra.bentler"), ("expected", "expected"), "h1")
    o = resolve_options(estimator="WLSMV", ordered=("a",))
    assert (o.base, o.se, o.test) == ("DWLS", "robust.sem", ("standard", "scaled.shifted"))
    assert o.meanstructure and o.categorical
    o = resolve_options(estimator="ULS")
    assert (o.base, o.se, o.test, o.fixed_x) == ("ULS", "standard", ("standard",), False)
    o = resolve_options(estimator="GLS", has_exogenous_x=True)
    assert o.fixed_x is False  # lavaan: fixed.x defaults to TRUE for ML only
    assert resolve_options(estimator="ML", has_exogenous_x=True).fixed_x is True
    assert resolve_options(ordered=("a",)).estimator == "WLSMV"
    o = resolve_options(cluster="school")  # lavaan: cluster-robust sandwich and the Yuan-Bentler (Mplus) test
    assert (o.se, o.test, o.information, o.meanstructure) == (
        "robust.cluster", ("standard", "yuan.bentler.mplus"), ("observed", "observed"), True)
    o = resolve_options(cluster="school", estimator="MLM")
    assert (o.se, o.test, o.information) == ("robust.cluster.sem", ("standard", "satorra.bentler"),
                                             ("expected", "expected"))
    assert resolve_options(sampling_weights="w").estimator == "MLR"  # lavaan: weights make ML robust
    o = resolve_options(ordered=("a",), has_exogenous_x=True)  # lavaan: ordinal given covariates
    assert o.conditional_x and o.fixed_x
    assert resolve_options(group="g").meanstructure is True
    assert resolve_options(missing="fiml").meanstructure is True


@pytest.mark.parametrize("kwargs,message", [
    ({"estimator": "PML"}, r"pairwise maximum likelihood \(PML\) is not available"),
    ({"estimator": "nonsense"}, r"estimator='nonsense' is not one of ML, MLF"),
    ({"estimator": "ML", "ordered": ("a",)}, r"estimator='ML' cannot fit ordered \(ordinal\) indicators"),
    ({"estimator": "MLM", "missing": "fiml"}, r"missing='fiml' \(full information ML\) needs estimator='ML', 'MLR'"),
    ({"missing": "fiml", "ordered": ("a",)}, r"not available for ordered indicators; use missing='pairwise'"),
    ({"missing": "two.stage"}, r"missing='two.stage' is not available; use missing='fiml'"),
    ({"missing": "pairwise"}, r"missing='pairwise' with continuous items"),
    ({"se": "bootstrap"}, r"bootstrap standard errors are computed by sk.bootstrap"),
    ({"se": "robust.huber.white", "estimator": "ULS"}, r"needs a maximum-likelihood estimator"),
    ({"test": "bollen.stine"}, r"Bollen-Stine bootstrap test is not available"),
    ({"test": ["satorra.bentler", "yuan.bentler"]}, r"surveykit reports one robust test per fit"),
    ({"estimator": "GLS", "test": "satorra.bentler"}, r"lavaan allows only the standard test with GLS and WLS"),
    ({"estimator": "MLR", "missing": "fiml", "se": "robust.sem"}, r"se='robust.sem' needs complete data"),
    ({"missing": "fiml", "test": "satorra.bentler"}, r"Satorra-Bentler-type tests need complete data"),
    ({"information": "first.order", "se": "robust.sem"}, r"information='first.order' cannot be used with robust"),
    ({"likelihood": "wishart", "estimator": "GLS"}, r"likelihood= only applies to maximum likelihood"),
    ({"mimic": "Mplus"}, r"mimic='Mplus' is not available"),
    ({"std_ov": True}, r"std_ov=True .* is not available"),
    ({"group_equal": ("loadings",)}, r"group_equal needs group="),
    ({"group": "g", "group_equal": ("slopes",)}, r"group_equal has 'slopes'; choose from loadings"),
    ({"parameterization": "beta"}, r"parameterization='beta' is not 'delta' or 'theta'"),
    ({"conditional_x": True, "has_exogenous_x": True}, r"conditional_x=True with continuous indicators is not"),
    ({"ordered": ("a",), "has_exogenous_x": True, "conditional_x": False},
     r"conditional_x=False is not available with ordered="),
    ({"ordered": ("a",), "has_exogenous_x": True, "missing": "pairwise"},
     r"missing='pairwise' with ordered indicators and exogenous covariates is not available"),
    ({"ordered": ("a",), "has_exogenous_x": True, "fixed_x": False}, r"conditional_x=True needs fixed_x=True"),
    ({"cluster": "school", "ordered": ("a",)}, r"cluster= with ordered indicators is not available"),
    ({"cluster": "school", "estimator": "GLS"}, r"cluster= is available with estimator='ML', 'MLR' or 'MLM', not"),
    ({"cluster": "school", "se": "standard"}, r"se='standard' is not available with cluster=; use 'robust.cluster'"),
    ({"cluster": "school", "test": "scaled.shifted"}, r"test='scaled.shifted' is not available with cluster="),
    ({"se": "robust.cluster"}, r"se='robust.cluster' needs cluster="),
    ({"sampling_weights": "w", "ordered": ("a",)}, r"sampling_weights= with ordered indicators is not available"),
    ({"sampling_weights": "w", "missing": "fiml"}, r"sampling_weights= with missing='fiml' is not available"),
    ({"sampling_weights": "w", "estimator": "ULS"}, r"sampling_weights= needs estimator='ML' \(which becomes 'MLR'"),
])
def test_refusals_name_the_option_and_what_to_use(kwargs, message):
    with pytest.raises(SpecError, match=message):
        resolve_options(**kwargs)


def test_lavaan_changes_information_for_least_squares_and_says_so():
    with pytest.warns(OptionWarning, match=r"information is set to 'expected' for estimator='ULS'"):
        o = resolve_options(estimator="ULS", information="observed")
    assert o.information == ("expected", "expected")
