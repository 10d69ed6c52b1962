"""Omega with group factors against psych 2.2.9 omega() (tests/reference/psych/omega.json).

Tolerances (issue 4): omega 1e-3 absolute -- omega_h, omega_total, omega_limit, ECV, the subscale
omegas and the Schmid-Leiman loadings; alpha and G6 are closed forms of R (1e-10).
"""

from __future__ import annotations

import numpy as np
import pytest

from surveykit.psychometrics import omega, reliability

from .conftest import BFI_ITEMS, psych_ref

REF = psych_ref("omega")
CASES = {
    "hs_3": ("hs", 3, "oblimin"),
    "bfi_keyed_5": ("keyed", 5, "oblimin"),
    "bfi_raw_5": ("raw", 5, "oblimin"),
    "bfi_keyed_3_promax": ("keyed", 3, "promax"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_omega_matches_psych(case, hs9, bfi_items, bfi_keyed):
    data, m, rotation = CASES[case]
    x = {"hs": hs9, "keyed": bfi_keyed, "raw": bfi_items}[data]
    ref = REF[case]
    om = omega(x, n_factors=m, rotation=rotation, name=case)
    assert om.omega_h == pytest.approx(ref["omega_h"], abs=1e-3)
    assert om.omega_hierarchical == om.omega_h
    assert om.omega_total == pytest.approx(ref["omega_total"], abs=1e-3)
    assert om.omega_limit == pytest.approx(ref["omega_limit"], abs=1e-3)
    assert om.ecv == pytest.approx(ref["ECV"], abs=1e-3)
    assert om.alpha == pytest.approx(ref["alpha"], rel=1e-10)
    assert om.g6 == pytest.approx(ref["G6"], rel=1e-10)
    sub = om.omega_subscales
    assert list(sub.index) == ref["omega_group"]["rownames"]
    np.testing.assert_allclose(sub["omega_total"], ref["omega_group"]["total"], atol=1e-3)
    np.testing.assert_allclose(sub["omega_general"], ref["omega_group"]["general"], atol=1e-3)
    np.testing.assert_allclose(sub["omega_group"], ref["omega_group"]["group"], atol=1e-3)
    sl = np.array(ref["schmid_sl"]["values"])
    cols = ["g", *[f"F{i + 1}*" for i in range(m)], "h2", "u2", "p2"]
    np.testing.assert_allclose(om.loadings[cols].to_numpy(), sl, atol=1e-3)
    flipped = [it for it, k in zip(om.loadings.index, ref["key"]) if k < 0]
    assert list(om.flipped_items) == flipped


def test_raw_and_keyed_bfi_give_the_same_omegas(bfi_items, bfi_keyed):
    a = omega(bfi_items, n_factors=5)
    b = omega(bfi_keyed, n_factors=5)
    assert a.omega_h == pytest.approx(b.omega_h, abs=1e-10)
    assert "N1" in a.flipped_items and "A1" in a.flipped_items


def test_reverse_argument_recodes_before_omega(bfi_items, bfi_keyed):
    rev = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]
    a = omega(bfi_items, n_factors=5, reverse=rev, scale_range=(1, 6))
    assert a.omega_total == pytest.approx(omega(bfi_keyed[BFI_ITEMS], n_factors=5).omega_total, abs=1e-12)
    assert a.reversed_items == tuple(rev)


def test_one_construct_omega_stays_in_reliability(bfi_keyed):
    ref = psych_ref("items")["bfi"]["agree"]
    rel = reliability(bfi_keyed[["A1", "A2", "A3", "A4", "A5"]])
    assert rel.omega_total == pytest.approx(ref["omega_total"], abs=1e-3)
    with pytest.raises(ValueError, match="n_factors=1 must be an integer >= 2; for one factor use reliability"):
        omega(bfi_keyed, n_factors=1)
    with pytest.raises(ValueError, match="need at least 8 items"):
        omega(bfi_keyed[["A1", "A2", "A3", "A4", "A5"]], n_factors=4)
