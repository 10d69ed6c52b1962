"""KMO and Bartlett against psych 2.2.9 KMO() and cortest.bartlett() on bfi (pairwise and
complete rows; tests/reference/lavaan/efa.json) and HS (tests/reference/psych/adequacy.json).

Tolerances (issue 4): 1e-6 relative.
"""

from __future__ import annotations

import pytest

from surveykit.psychometrics import bartlett, kmo

from ..conftest import load_ref
from .conftest import psych_ref

EFA = load_ref("efa")
ADQ = psych_ref("adequacy")


def _check_kmo(res, ref):
    assert res.msa == pytest.approx(ref["MSA"], rel=1e-6)
    assert res.n == ref["n"]
    items = res.msa_items
    for item, value in ref["MSAi"].items():
        assert items[item] == pytest.approx(value, rel=1e-6)


@pytest.mark.parametrize(("missing", "key"), [("pairwise", "kmo_pairwise"), ("listwise", "kmo_complete")])
def test_kmo_bfi(bfi_items, missing, key):
    _check_kmo(kmo(bfi_items, missing=missing), EFA[key])


@pytest.mark.parametrize(("missing", "key"), [("pairwise", "bartlett_pairwise"), ("listwise", "bartlett_complete")])
def test_bartlett_bfi(bfi_items, missing, key):
    ref = EFA[key]
    res = bartlett(bfi_items, missing=missing)
    assert res.chisq == pytest.approx(ref["chisq"], rel=1e-6)
    assert res.df == ref["df"]
    assert res.pvalue == pytest.approx(ref["p"], abs=1e-300)
    assert res.n == ref["n"]


def test_kmo_and_bartlett_hs(hs9):
    _check_kmo(kmo(hs9), ADQ["hs_kmo"])
    res = bartlett(hs9)
    ref = ADQ["hs_bartlett"]
    assert res.chisq == pytest.approx(ref["chisq"], rel=1e-6)
    assert res.df == ref["df"]
    assert res.pvalue == pytest.approx(ref["p"], rel=1e-6)


def test_kmo_label_and_summary(hs9):
    res = kmo(hs9)
    assert res.label == "middling"
    assert "Kaiser-Meyer-Olkin" in str(res)
    assert "Bartlett" in bartlett(hs9).summary().as_markdown()


def test_missing_option_is_checked(hs9):
    with pytest.raises(ValueError, match="missing='pair' is not one of 'pairwise', 'listwise'"):
        kmo(hs9, missing="pair")
