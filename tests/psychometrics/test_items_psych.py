"""Item analysis against psych 2.2.9 describe(), omega(x[, -i], nfactors = 1) and R t.test()
(tests/reference/psych/items.json).

Tolerances: describe statistics 1e-10 relative (closed forms); r_drop, alpha if dropped 1e-6
relative (issue 4); omega if dropped 1e-3 absolute; critical ratio t and df 1e-8 relative,
p 1e-6 relative (or both below 1e-300).
"""

from __future__ import annotations

import pytest

from surveykit.psychometrics import item_analysis

from .conftest import psych_ref

REF = psych_ref("items")
CASES = [("bfi", s) for s in REF["bfi"]] + [("hs", s) for s in REF["hs"]]


def _run(bfi, hs, group, scale, **kw):
    block = REF[group][scale]
    data = bfi if group == "bfi" else hs
    rev = [i for i in block["items"] if group == "bfi" and i in REF["bfi_reverse_keyed"]]
    return block, item_analysis(data[block["items"]], reverse=rev, scale_range=(1, 6), name=scale, **kw)


@pytest.mark.parametrize(("group", "scale"), CASES)
def test_descriptives_match_psych_describe(bfi, hs, group, scale):
    block, ia = _run(bfi, hs, group, scale)
    items = ia.items
    for d in block["describe"]:
        row = items.loc[d["item"]]
        assert row["n"] == d["n"]
        for k in ("mean", "sd", "skew", "kurtosis"):
            assert row[k] == pytest.approx(d[k], rel=1e-10), k
    assert ia.skew_type == 3


@pytest.mark.parametrize("skew_type", [1, 2])
def test_other_skew_types_match_psych(bfi, hs, skew_type):
    block, ia = _run(bfi, hs, "bfi", "neuro", skew_type=skew_type)
    for d in block["describe"]:
        assert ia.items.loc[d["item"], "skew"] == pytest.approx(d[f"skew_type{skew_type}"], rel=1e-10)
        assert ia.items.loc[d["item"], "kurtosis"] == pytest.approx(d[f"kurtosis_type{skew_type}"], rel=1e-10)


@pytest.mark.parametrize(("group", "scale"), CASES)
def test_omega_if_dropped_matches_psych(bfi, hs, group, scale):
    block, ia = _run(bfi, hs, group, scale)
    assert ia.omega_total == pytest.approx(block["omega_total"], abs=1e-3)
    if block["omega_if_dropped"] is None:  # 3-item scales: 2 items left, no one-factor omega
        assert ia.items["omega_if_dropped"].isna().all()
        return
    for item, value in block["omega_if_dropped"].items():
        assert ia.items.loc[item, "omega_if_dropped"] == pytest.approx(value, abs=1e-3)


@pytest.mark.parametrize(("group", "scale"), CASES)
@pytest.mark.parametrize("test", ["welch", "student"])
def test_critical_ratio_matches_r_t_test(bfi, hs, group, scale, test):
    block, ia = _run(bfi, hs, group, scale, cr_test=test)
    cr = block["critical_ratio"]
    assert ia.n_complete == cr["n_complete"]
    assert (ia.cr_n_low, ia.cr_n_high) == (cr["n_low"], cr["n_high"])
    assert ia.cr_cut_low == pytest.approx(cr["cut_low"], rel=1e-12)
    assert ia.cr_cut_high == pytest.approx(cr["cut_high"], rel=1e-12)
    for row in cr["items"]:
        got = ia.items.loc[row["item"]]
        assert got["cr_t"] == pytest.approx(row[f"t_{test}"], rel=1e-8)
        assert got["cr_df"] == pytest.approx(row[f"df_{test}"], rel=1e-8)
        assert got["cr_pvalue"] == pytest.approx(row[f"p_{test}"], rel=1e-6, abs=1e-300)
        assert got["cr_mean_high"] == pytest.approx(row["mean_high"], rel=1e-12)
        assert got["cr_mean_low"] == pytest.approx(row["mean_low"], rel=1e-12)


def test_r_drop_and_alpha_if_dropped_match_psych_alpha(bfi):
    from ..conftest import load_ref

    rel = load_ref("reliability")["bfi"]["agree"]["alpha"]
    x = bfi[["A1", "A2", "A3", "A4", "A5"]]
    ia = item_analysis(x, reverse=["A1"], scale_range=(1, 6))
    assert ia.alpha == pytest.approx(rel["total"]["raw_alpha"], rel=1e-6)
    for st, dr in zip(rel["item_stats"], rel["alpha_drop"]):
        assert ia.items.loc[st["item"], "r_drop"] == pytest.approx(st["r.drop"], rel=1e-6)
        assert ia.items.loc[dr["item"], "alpha_if_dropped"] == pytest.approx(dr["raw_alpha"], rel=1e-6)


def test_summary_labels_the_critical_ratio_unambiguously(bfi):
    ia = item_analysis(bfi[["C1", "C2", "C3"]])
    text = str(ia)
    assert "critical ratio (CR, item discrimination)" in text
    assert "Not to be confused with composite reliability" in text


def test_bad_options_are_named(bfi):
    with pytest.raises(ValueError, match="cr_test='t' is not one of"):
        item_analysis(bfi[["C1", "C2", "C3"]], cr_test="t")
    with pytest.raises(ValueError, match="cr_share=0.6 must be"):
        item_analysis(bfi[["C1", "C2", "C3"]], cr_share=0.6)
