"""Harman's single-factor test and normality against R / psych 2.2.9
(tests/reference/psych/adequacy.json, items.json).

Tolerances: Harman's PCA share is an eigenvalue (1e-10 relative); its one-factor minres share
1e-6; Mardia's statistics and the skew/kurtosis table are closed forms (1e-10 relative).
"""

from __future__ import annotations

import math

import pytest

from surveykit.psychometrics import HARMAN_CAVEAT, harman, normality

from .conftest import psych_ref

ADQ = psych_ref("adequacy")


@pytest.mark.parametrize(("data", "key"), [("bfi", "harman_bfi"), ("hs", "harman_hs")])
def test_harman_shares_match_r(bfi_items, hs9, data, key):
    ref = ADQ[key]
    x = bfi_items if data == "bfi" else hs9
    res = harman(x)
    assert res.first_factor_share == pytest.approx(ref["pca_share"], rel=1e-10)
    assert res.first_eigenvalue == pytest.approx(ref["first_eigenvalue"], rel=1e-10)
    assert harman(x, method="fa").first_factor_share == pytest.approx(ref["fa_minres_share"], rel=1e-6)


def test_harman_reports_its_caveat(bfi_items):
    res = harman(bfi_items)
    assert not res.exceeds_threshold
    assert res.caveat == HARMAN_CAVEAT and "weak" in res.caveat
    assert "weak check" in str(res) and res.to_dict()["caveat"] == HARMAN_CAVEAT


@pytest.mark.parametrize(("cols", "key"), [("hs", "mardia_hs"), ("A", "mardia_bfi_A")])
def test_mardia_matches_psych(bfi_items, hs9, cols, key):
    ref = ADQ[key]
    x = hs9 if cols == "hs" else bfi_items[["A1", "A2", "A3", "A4", "A5"]]
    m = normality(x).mardia
    assert m["n"] == ref["n"] and m["p"] == ref["p"]
    for ours, theirs in [("b1p", "b1p"), ("b2p", "b2p"), ("skew", "skew"), ("small_skew", "small_skew"),
                         ("kurtosis", "kurtosis")]:
        assert m[ours] == pytest.approx(ref[theirs], rel=1e-10), ours
    # R computes 2 * (1 - pnorm(|z|)), which is 0 below ~1e-16; surveykit uses the upper tail itself
    for ours, theirs in [("skew_pvalue", "p_skew"), ("kurtosis_pvalue", "p_kurt")]:
        if ref[theirs] == 0:
            assert m[ours] < 1e-15
        else:
            assert m[ours] == pytest.approx(ref[theirs], rel=1e-8)
    assert m["skew_df"] == ref["p"] * (ref["p"] + 1) * (ref["p"] + 2) / 6


def test_univariate_table_matches_psych_describe(hs):
    ref = psych_ref("items")["hs"]["visual"]["describe"]
    tab = normality(hs[["x1", "x2", "x3"]]).items
    for d in ref:
        assert tab.loc[d["item"], "skew"] == pytest.approx(d["skew"], rel=1e-10)
        assert tab.loc[d["item"], "kurtosis"] == pytest.approx(d["kurtosis"], rel=1e-10)
    n = 301
    ses = math.sqrt(6 * n * (n - 1) / ((n - 2) * (n + 1) * (n + 3)))
    assert tab.loc["x1", "se_skew"] == pytest.approx(ses, rel=1e-14)
    assert tab.loc["x1", "z_skew"] == pytest.approx(tab.loc["x1", "skew"] / ses, rel=1e-14)
    assert normality(hs[["x1", "x2", "x3"]], skew_type=2).skew_type == 2


def test_mardia_refuses_collinear_items_with_a_sentence(hs9):
    """Mardia's statistics invert the covariance matrix: an item that is the sum of two others is named
    instead of a numpy LinAlgError (found by the fuzz test)."""
    import pandas as pd

    from surveykit.errors import DataError

    x = pd.DataFrame(hs9).iloc[:, :3].copy()
    x["sum"] = x.iloc[:, 0] + x.iloc[:, 1]
    with pytest.raises(DataError, match=r"The sample covariance matrix of the items \(Mardia's tests, complete "
                                        r"rows\) is not positive definite"):
        normality(x)
