"""Measurement invariance against lavaan 0.6.14 (invariance.json, invariance_partial.json)."""

from __future__ import annotations

import pytest

from surveykit.resampling.invariance import invariance
from surveykit.sem import sem
from surveykit.sem.modindices import score_tests

from ..conftest import load_ref

REF = load_ref("invariance")
PARTIAL = load_ref("invariance_partial")


@pytest.fixture(scope="module")
def full(hs_module):
    return invariance(REF["model"], hs_module, group="school", partial=False)


@pytest.fixture(scope="module")
def hs_module():
    import pandas as pd

    from ..conftest import REF as REFDIR

    return pd.read_csv(REFDIR / "data" / "HolzingerSwineford1939.csv")


def test_levels_match_lavaan(full):
    for level, vals in REF["fit"].items():
        for key in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "npar"):
            assert full.table.loc[level, key] == pytest.approx(vals[key], rel=1e-4), (level, key)


def test_difference_tests_match_lavtestlrt(full):
    for lrt in REF["lrt"][1:]:
        row = full.table.loc[lrt["model"]]
        assert row["chisq_diff"] == pytest.approx(lrt["Chisq diff"], rel=1e-4)
        assert row["df_diff"] == lrt["Df diff"]
        assert row["pvalue_diff"] == pytest.approx(lrt["p"], rel=1e-4)
        assert row["rmsea_diff"] == pytest.approx(lrt["RMSEA"], rel=1e-4)


def test_decisions_follow_the_convention(full):
    t = full.table
    assert t.loc["metric", "delta_cfi"] == pytest.approx(REF["fit"]["metric"]["cfi"] - REF["fit"]["configural"]["cfi"])
    # CFI drops by .0025 (metric holds) and by .038 (scalar fails); strict cannot hold after scalar failed
    assert list(t["holds"]) == [True, True, False, False]
    assert full.latent_means.empty


def test_score_tests_for_releasing_constraints_match_lavtestscore(hs_module):
    scalar = sem(REF["model"], hs_module, group="school", group_equal=("loadings", "intercepts"))
    t = scalar.partable.table
    for u in PARTIAL["score_uni"]:
        lhs, op, rhs = (u["parameter"].split() + [""])[:3]
        row = t[(t.lhs == lhs) & (t.op == op) & (t.rhs == rhs) & (t.group == 2)].index[0]
        assert score_tests(scalar, release=[row])["mi"][0] == pytest.approx(u["X2"], rel=1e-4), u["parameter"]


def test_partial_invariance_search_and_latent_means(hs_module):
    res = invariance(REF["model"], hs_module, group="school", levels=("configural", "metric", "scalar"))
    # the two intercepts with the largest score tests are released, then the CFI criterion holds
    assert res.released["scalar"] == ["x3 ~1", "x7 ~1"]
    assert res.released["metric"] == []
    assert bool(res.table.loc["scalar", "holds"])
    for key, val in PARTIAL["partial_fit"].items():
        assert res.table.loc["scalar", key] == pytest.approx(val, rel=1e-4), key
    lm = res.latent_means.set_index("factor")
    for r in PARTIAL["partial_latent_means"]:
        assert lm.loc[r["lhs"], "est"] == pytest.approx(r["est"], abs=1e-4)
        assert lm.loc[r["lhs"], "se"] == pytest.approx(r["se"], rel=1e-3)
    assert "x3 ~1" in str(res) and "Cheung" in str(res)


def test_bad_levels_are_rejected(hs_module):
    with pytest.raises(ValueError, match="levels must start with 'configural'"):
        invariance(REF["model"], hs_module, group="school", levels=("metric",))
    with pytest.raises(ValueError, match="convention='x' is not one of"):
        invariance(REF["model"], hs_module, group="school", convention="x")


ORD = load_ref("ordinal_invariance")


@pytest.fixture(scope="module")
def ordinal_delta():
    from ..sem.test_measeq import scenario_data

    data = scenario_data("bfi_delta")
    with pytest.warns(Warning):  # sparse bivariate tables (DataQualityWarning)
        return invariance(ORD["model"], data, group="gender", ordered=ORD["items"])


def test_ordinal_sequence_matches_measeq_and_lavtestlrt(ordinal_delta):
    """The ordinal sequence (semTools measEq.syntax, Wu & Estabrook 2016) fitted by WLSMV: fit
    1e-5 relative, Satorra (2000) scaled-and-shifted difference tests 1e-4, decisions on the
    scaled CFI, and latent means of the scalar level (estimates 1e-5, SEs 1e-4)."""
    res = ordinal_delta
    ref = next(s for s in ORD["scenarios"] if s["id"] == "bfi_delta")
    assert list(res.table.index) == ["configural", "thresholds", "metric", "scalar"]
    assert res.ordinal and res.parameterization == "delta" and res.fit_indices == "scaled"
    assert res.estimator == "WLSMV" and res.difference_test.startswith("Satorra (2000)")
    for lvl in ref["levels"]:
        row = res.table.loc[lvl["level"]]
        assert row["df"] == lvl["fit"]["df"]
        assert row["chisq"] == pytest.approx(lvl["fit"]["chisq"], rel=1e-6)
        for key in ("cfi", "tli", "rmsea"):
            assert row[key] == pytest.approx(lvl["fit"][f"{key}.scaled"], rel=1e-5), (lvl["level"], key)
        if "chisq_diff" in lvl:
            assert row["chisq_diff"] == pytest.approx(lvl["chisq_diff"], rel=1e-4)
            assert row["df_diff"] == lvl["df_diff"]
            assert row["pvalue_diff"] == pytest.approx(lvl["pvalue_diff"], rel=1e-3)
        assert res.syntax[lvl["level"]].startswith(f"# {lvl['level']} model")
    # the scaled CFI changes by -.006, +.005 and -.001: every level holds
    assert list(res.table["holds"]) == [True, True, True, True]
    lm = res.latent_means.set_index("factor")
    for r in ref["levels"][3]["latent_means_group2"]:
        assert lm.loc[r["lhs"], "est"] == pytest.approx(r["est"], rel=1e-5)
        assert lm.loc[r["lhs"], "se"] == pytest.approx(r["se"], rel=1e-4)
    text = str(res)
    assert "Wu, H., & Estabrook" in text and "scaled CFI" in text


def test_ordinal_refusals(hs_module):
    from ..sem.test_measeq import scenario_data

    data = scenario_data("bfi_delta")
    with pytest.raises(ValueError, match="partial=True .* is available for continuous indicators only"):
        invariance(ORD["model"], data, group="gender", ordered=True, partial=True)
    with pytest.raises(ValueError, match="levels must start with 'configural' and use configural, thresholds, metric"):
        invariance(ORD["model"], data, group="gender", ordered=True, levels=("configural", "intercepts"))
    with pytest.raises(ValueError, match="parameterization= applies to ordinal indicators"):
        invariance(REF["model"], hs_module, group="school", parameterization="theta")


def test_robust_continuous_sequence_uses_robust_indices_and_sb2001(hs_module):
    """MLR: the decisions compare the robust CFI/RMSEA, the difference test is Satorra-Bentler
    (2001) and matches lavTestLRT (difftest.json, 1e-4)."""
    diff = next(c for c in load_ref("difftest")["cases"] if c["id"] == "hs_mlr_metric")
    res = invariance(REF["model"], hs_module, group="school", estimator="MLR", levels=("configural", "metric"),
                     partial=False)
    assert res.fit_indices == "robust" and res.difference_test.startswith("Satorra-Bentler (2001)")
    assert res.table.loc["metric", "chisq_diff"] == pytest.approx(diff["chisq_diff"], rel=1e-4)
    fm = res.fits["metric"].fit_measures()
    assert res.table.loc["metric", "cfi"] == fm["cfi_robust"]
    assert res.table.loc["metric", "chisq_scaled"] == fm["chisq_scaled"]
