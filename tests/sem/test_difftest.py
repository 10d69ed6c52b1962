"""Difference tests between nested fits against lavaan 0.6.14's ``lavTestLRT``
(tests/reference/make_difftest_reference.R -> tests/reference/lavaan/difftest.json)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import surveykit as sk
from surveykit.errors import SpecError
from tests.conftest import REF, load_ref

DIFF = load_ref("difftest")
ORD_ITEMS = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]


@pytest.fixture(scope="module")
def bfi_ord() -> pd.DataFrame:
    bfi = pd.read_csv(REF / "data" / "bfi.csv")
    return bfi[ORD_ITEMS + ["gender"]].dropna().reset_index(drop=True)


def _fits(case_id: str, hs: pd.DataFrame, bfi_ord: pd.DataFrame):
    m = DIFF["models"]
    hs_model, ord_model = m["hs"], m["ordinal"]
    base = case_id.replace("_satterthwaite", "").replace("_satorra2000_shifted", "").replace("_satorra2000", "")
    calls = {
        "hs_mlm_orthogonal": lambda: (sk.cfa(hs_model, hs, estimator="MLM"),
                                      sk.cfa(hs_model, hs, estimator="MLM", orthogonal=True)),
        "hs_mlr_metric": lambda: (sk.cfa(hs_model, hs, group="school", estimator="MLR"),
                                  sk.cfa(hs_model, hs, group="school", estimator="MLR", group_equal=["loadings"])),
        "hs_mlmv_metric": lambda: (sk.cfa(hs_model, hs, group="school", estimator="MLMV"),
                                   sk.cfa(hs_model, hs, group="school", estimator="MLMV", group_equal=["loadings"])),
        "hs_mlmvs_orthogonal": lambda: (sk.cfa(hs_model, hs, estimator="MLMVS"),
                                        sk.cfa(hs_model, hs, estimator="MLMVS", orthogonal=True)),
        "bfi_wlsmv_thresholds": lambda: (
            sk.cfa(ord_model, bfi_ord, ordered=ORD_ITEMS, group="gender"),
            sk.cfa(ord_model, bfi_ord, ordered=ORD_ITEMS, group="gender", group_equal=["thresholds"])),
        "bfi_wlsmv_loadings": lambda: (
            sk.cfa(ord_model, bfi_ord, ordered=ORD_ITEMS, group="gender", group_equal=["thresholds"]),
            sk.cfa(ord_model, bfi_ord, ordered=ORD_ITEMS, group="gender", group_equal=["thresholds", "loadings"])),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.errors.SurveykitWarning)
        return calls[base]()


@pytest.mark.parametrize("case", DIFF["cases"], ids=[c["id"] for c in DIFF["cases"]])
def test_difference_test_matches_lavtestlrt(case, hs, bfi_ord):
    """Standard statistics 1e-6 relative; the scaled difference 1e-4 relative (it goes through
    the information and Gamma matrices of the less restricted model)."""
    less, more = _fits(case["id"], hs, bfi_ord)
    table = more.compare(less, method=case["method_arg"], scaled_shifted=case["scaled_shifted"])
    assert list(table["df"]) == case["df"]
    assert list(table["chisq"]) == pytest.approx(case["chisq"], rel=1e-6)
    row = table.iloc[1]
    # integer df exactly; Satterthwaite's df is a ratio of traces, as precise as the difference
    assert row["df_diff"] == pytest.approx(case["df_diff"], rel=0 if float(case["df_diff"]).is_integer() else 1e-4)
    assert row["chisq_diff"] == pytest.approx(case["chisq_diff"], rel=1e-4)
    assert row["pvalue"] == pytest.approx(case["pvalue"], rel=1e-3)
    expected = "Satorra-Bentler (2001)" if "satorra.bentler.2001" in case["method"] else "Satorra (2000)"
    assert row["method"].startswith(expected)


def test_chain_of_three_ml_models_with_rmsea(hs):
    """Standard likelihood-ratio tests of a configural, metric and scalar chain, each against the
    one before, with AIC, BIC and the RMSEA of each difference: 1e-6 relative."""
    ref = DIFF["chains"][0]
    model = DIFF["models"]["hs"]
    fits = [sk.cfa(model, hs, group="school", group_equal=eq) for eq in ([], ["loadings"], ["loadings", "intercepts"])]
    table = fits[2].compare(fits[0], fits[1], names=["scalar", "configural", "metric"])
    assert list(table["model"]) == ["configural", "metric", "scalar"]
    assert list(table["df"]) == ref["df"]
    for col in ("chisq", "aic", "bic"):
        assert list(table[col]) == pytest.approx(ref[col], rel=1e-6), col
    for col in ("chisq_diff", "rmsea", "pvalue"):
        assert list(table[col][1:]) == pytest.approx(ref[col][1:], rel=1e-5), col
    assert set(table["method"][1:]) == {"likelihood ratio (chi-square difference)"}


def test_scaled_methods_on_unscaled_fits_fall_back_with_a_warning(hs):
    model = DIFF["models"]["hs"]
    a, b = sk.cfa(model, hs), sk.cfa(model, hs, orthogonal=True)
    with pytest.warns(UserWarning, match="needs scaled test statistics, and these fits have none"):
        row = a.compare(b, method="satorra.2000").iloc[1]
    assert row["method"].startswith("likelihood ratio")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"method": "satorra.bentler.2010"}, "method='satorra.bentler.2010' is not available"),
    ({"method": "wald"}, "method='wald' is not a difference test"),
    ({"a_method": "exact"}, "a_method='exact' is not available; only 'delta'"),
])
def test_refused_options(hs, kwargs, message):
    model = DIFF["models"]["hs"]
    a, b = sk.cfa(model, hs, estimator="MLM"), sk.cfa(model, hs, estimator="MLM", orthogonal=True)
    with pytest.raises(SpecError, match=message):
        a.compare(b, **kwargs)


def test_refuses_fits_that_cannot_be_nested(hs):
    model = DIFF["models"]["hs"]
    fit = sk.cfa(model, hs)
    with pytest.raises(SpecError, match="uses other observed variables than model 1; the models are not nested"):
        fit.compare(sk.cfa("visual =~ x1 + x2 + x3", hs))
    with pytest.raises(SpecError, match=r"different data \(N = 301 and 150 in model 2\)"):
        fit.compare(sk.cfa(model, hs.iloc[:150]))
    with pytest.raises(SpecError, match="Cannot compare a ML fit with a MLR fit"):
        fit.compare(sk.cfa(model, hs, estimator="MLR"))
    with pytest.raises(SpecError, match="one has a mean structure and the other not"):
        fit.compare(sk.cfa(model, hs, orthogonal=True, meanstructure=True))
    with pytest.raises(SpecError, match="needs at least one other fit"):
        fit.compare()


def test_same_df_warns_and_gives_no_pvalue(hs):
    model = DIFF["models"]["hs"]
    a = sk.cfa(model, hs)
    with pytest.warns(UserWarning, match="have the same degrees of freedom"):
        row = a.compare(sk.cfa(model, hs, std_lv=True)).iloc[1]
    assert row["df_diff"] == 0
    assert row["pvalue"] != row["pvalue"]  # NaN


def test_fiml_refuses_satorra_2000(hs):
    model = DIFF["models"]["hs"]
    data = hs.copy()
    data.loc[::7, "x1"] = float("nan")
    a = sk.cfa(model, data, estimator="MLR", missing="ml")
    b = sk.cfa(model, data, estimator="MLR", missing="ml", orthogonal=True)
    assert a.compare(b).iloc[1]["method"].startswith("Satorra-Bentler (2001)")
    with pytest.raises(SpecError, match="full-information ML does not have; use method='satorra.bentler.2001'"):
        a.compare(b, method="satorra.2000")
