"""Reliability against psych 2.2.9 alpha() / omega(nfactors=1) (tests/reference/lavaan/reliability.json).

Tolerances (issue 4): alpha, std_alpha, G6, average_r, r_drop, alpha-if-dropped 1e-6
relative; omega 1e-3; Feldt CI 1e-4.
"""

from __future__ import annotations

import pandas as pd
import pytest

from surveykit.psychometrics import reliability

from ..conftest import REF, load_ref

REL = load_ref("reliability")
BFI_SCALES = sorted(REL["bfi"])


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "bfi.csv")


def _check(res, ref):
    tot = ref["alpha"]["total"]
    assert res.alpha == pytest.approx(tot["raw_alpha"], rel=1e-6)
    assert res.std_alpha == pytest.approx(tot["std.alpha"], rel=1e-6)
    assert res.g6 == pytest.approx(tot["G6"], rel=1e-6)
    assert res.average_r == pytest.approx(tot["average_r"], rel=1e-6)
    assert res.alpha_ci[0] == pytest.approx(ref["alpha"]["feldt_ci"]["lower"], abs=1e-4)
    assert res.alpha_ci[1] == pytest.approx(ref["alpha"]["feldt_ci"]["upper"], abs=1e-4)
    items = res.items
    for st, dr in zip(ref["alpha"]["item_stats"], ref["alpha"]["alpha_drop"]):
        assert items.loc[st["item"], "r_drop"] == pytest.approx(st["r.drop"], rel=1e-6)
        assert items.loc[dr["item"], "alpha_if_dropped"] == pytest.approx(dr["raw_alpha"], rel=1e-6)
        assert items.loc[st["item"], "mean"] == pytest.approx(st["mean"], rel=1e-6)


@pytest.mark.parametrize("scale", BFI_SCALES)
def test_bfi_scales_match_psych(bfi, scale):
    ref = REL["bfi"][scale]
    rev = [i for i in ref["items"] if i in REL["bfi_reverse_keyed"]]
    res = reliability(bfi[ref["items"]], reverse=rev, scale_range=(1, 6), name=scale)
    _check(res, ref)
    assert res.omega_total == pytest.approx(ref["omega_psych"]["omega_total"], abs=1e-3)
    assert res.omega_hierarchical == pytest.approx(ref["omega_psych"]["omega_h"], abs=1e-3)
    assert res.n == ref["alpha"]["n_rows"]
    assert res.n_complete == ref["alpha"]["n_complete"]


@pytest.mark.parametrize("scale", ["visual", "textual", "speed"])
def test_hs_factors_match_psych(hs, scale):
    ref = REL["hs"]["scales"][scale]
    res = reliability(hs[ref["items"]], name=scale)
    _check(res, ref)


def test_reverse_unknown_column_is_a_clear_error(bfi):
    with pytest.raises(ValueError, match="reverse names Z9"):
        reliability(bfi[["A1", "A2"]], reverse=["Z9"])
