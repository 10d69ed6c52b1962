"""Construct validity against semTools 0.5-6 / lavaan 0.6.14 (tests/reference/lavaan/validity.json,
made by tests/reference/make_validity_reference.R).

Tolerances: CR, AVE, MSV/ASV, mean squared standardized loading and factor correlations 1e-4
absolute (functions of ML estimates); HTMT 1e-10 absolute (a closed form of the sample
correlations); identities between our own outputs 1e-12.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from surveykit._core.validity import composite_reliability, htmt_matrix, shared_variance
from surveykit.errors import MissingDataWarning, SpecError
from surveykit.sem import ValidityResult, sem, validity

from ..conftest import REF, load_ref

REFERENCE = load_ref("validity")
BFI_REVERSED = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


@pytest.fixture(scope="module")
def demo_keyed() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "demo_keyed.csv")


@pytest.fixture(scope="module")
def bfi_keyed() -> pd.DataFrame:
    bfi = pd.read_csv(REF / "data" / "bfi.csv")
    bfi[BFI_REVERSED] = 7 - bfi[BFI_REVERSED]
    return bfi


DATA = {"hs": "hs", "hs_mod": "hs", "demo": "demo_keyed", "bfi": "bfi_keyed"}


@pytest.fixture(scope="module")
def fit_of(request):
    """One lavaan-default fit per reference case for the whole module (the demo CFA takes a second)."""
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            ref = REFERENCE[name]
            data = request.getfixturevalue(DATA[name])
            if ref["nobs"] < len(data):
                with pytest.warns(MissingDataWarning, match=f"{len(data) - ref['nobs']} of {len(data)} rows"):
                    cache[name] = sem(ref["model"], data)
            else:
                cache[name] = sem(ref["model"], data)
        return cache[name]

    return get


@pytest.fixture(params=list(DATA), scope="module")
def case(request, fit_of):
    fit = fit_of(request.param)
    return REFERENCE[request.param], fit, validity(fit), validity(fit, htmt2=False)


def _series(d: dict, index) -> pd.Series:
    return pd.Series({k: (math.nan if v is None else v) for k, v in d.items()}, dtype=float).reindex(index)


def _matrix(d: dict, labels) -> pd.DataFrame:
    return pd.DataFrame(d).T.loc[labels, labels].astype(float)


def test_reliability_and_ave_match_semtools(case):
    ref, _, v, _ = case
    t = v.table
    assert list(t.index) == list(ref["compRelSEM_implied"])
    for col, key in [("cr", "compRelSEM_implied"), ("cr_obs", "compRelSEM_obsvar"),
                     ("ave", "AVE_obsvar"), ("ave_implied", "AVE_implied")]:
        expected = _series(ref[key], t.index)
        assert (expected.isna() == t[col].isna()).all(), col
        ok = expected.notna()
        np.testing.assert_allclose(t.loc[ok, col], expected[ok], rtol=0, atol=1e-4, err_msg=col)


def test_shared_variance_and_std_ave_match_r(case):
    ref, _, v, _ = case
    t = v.table
    for col in ["msv", "asv", "ave_std"]:
        np.testing.assert_allclose(t[col], _series(ref["by_hand"][col], t.index), rtol=0, atol=1e-4, err_msg=col)


def test_factor_correlations_match_lavaan_cor_lv(case):
    ref, _, v, _ = case
    labels = list(v.table.index)
    np.testing.assert_allclose(v.factor_cor.to_numpy(), _matrix(ref["cor_lv"], labels).to_numpy(), rtol=0, atol=1e-4)


def test_htmt_matches_semtools(case):
    ref, _, v2, v1 = case
    labels = list(v2.table.index)
    assert v2.htmt2 and not v1.htmt2
    np.testing.assert_allclose(v2.htmt.to_numpy(), _matrix(ref["htmt2"], labels).to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(v1.htmt.to_numpy(), _matrix(ref["htmt_classic"], labels).to_numpy(),
                               rtol=0, atol=1e-10)


def test_fornell_larcker_matrix_and_criterion(case):
    _, _, v, _ = case
    t, fl, cor = v.table, v.fornell_larcker, v.factor_cor
    np.testing.assert_allclose(np.diag(fl), t["sqrt_ave"], rtol=0, atol=1e-12)
    off = ~np.eye(len(t), dtype=bool)
    np.testing.assert_array_equal(fl.to_numpy()[off], cor.to_numpy()[off])
    np.testing.assert_allclose(t["sqrt_ave"] ** 2, t["ave"], rtol=1e-12)
    for f, row in t.iterrows():
        others = cor.loc[f].drop(f).abs()
        if np.isfinite(row["ave"]):
            assert row["sqrt_ave_gt_max_r"] is (bool(row["sqrt_ave"] > others.max()))
            assert row["msv"] == pytest.approx(others.max() ** 2, abs=1e-12)
        else:
            assert row["sqrt_ave_gt_max_r"] is None


def test_cr_is_the_textbook_formula_without_residual_covariances(fit_of):
    fit = fit_of("hs")
    pe = fit.parameter_estimates()
    t = validity(fit).table
    for f in t.index:
        lam = pe[(pe.op == "=~") & (pe.lhs == f)]
        theta = pe[(pe.op == "~~") & (pe.lhs == pe.rhs) & pe.lhs.isin(lam.rhs)]["est"].sum()
        phi = pe[(pe.op == "~~") & (pe.lhs == f) & (pe.rhs == f)]["est"].iloc[0]
        common = lam["est"].sum() ** 2 * phi
        assert t.loc[f, "cr"] == pytest.approx(common / (common + theta), abs=1e-12)


def test_ave_std_matches_the_committed_hand_value(fit_of):
    """reliability.json (make_reference.R) holds mean(std.all^2) for the HS factors: not semTools' AVE."""
    t = validity(fit_of("hs")).table
    scales = load_ref("reliability")["hs"]["scales"]
    for f in t.index:
        assert t.loc[f, "ave_std"] == pytest.approx(scales[f]["ave_by_hand"], abs=1e-4)
        assert abs(t.loc[f, "ave_std"] - t.loc[f, "ave"]) > 1e-4


def test_cross_loading_and_residual_covariance_are_handled_as_semtools(fit_of):
    t = validity(fit_of("hs_mod")).table
    # x9 loads on visual and speed: AVE undefined for both (semTools NA), defined for textual
    assert math.isnan(t.loc["visual", "ave"]) and math.isnan(t.loc["speed", "ave"])
    assert math.isfinite(t.loc["textual", "ave"])
    assert t.loc["visual", "sqrt_ave_gt_max_r"] is None


def test_higher_order_factor_is_skipped_and_first_order_values_unchanged(hs, fit_of):
    """A just-identified second-order factor is equivalent to correlated first-order factors."""
    first = validity(fit_of("hs"))
    second = validity(sem(REFERENCE["hs"]["model"] + "g =~ visual + textual + speed\n", hs))
    assert list(second.table.index) == ["visual", "textual", "speed"]
    cols = ["cr", "cr_obs", "ave", "msv", "asv", "ave_std"]
    np.testing.assert_allclose(second.table[cols], first.table[cols], rtol=0, atol=1e-4)
    np.testing.assert_allclose(second.htmt, first.htmt, rtol=0, atol=1e-12)


def test_result_is_immutable_and_serializes(case):
    _, _, v, _ = case
    assert isinstance(v, ValidityResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.htmt2 = False  # type: ignore[misc]
    t = v.table
    t.loc[t.index[0], "cr"] = -1.0
    assert v.table.iloc[0]["cr"] != -1.0
    d = v.to_dict()
    json.dumps(d, allow_nan=False)
    assert [r["factor"] for r in d["table"]] == list(v.table.index)
    assert set(d) >= {"table", "fornell_larcker", "htmt", "factor_cor", "items"}
    assert list(v.to_frame().columns)[:3] == ["factor", "n_items", "cr"]
    text = str(v)
    assert "Fornell-Larcker" in text and "HTMT2" in text
    assert "<table>" in v._repr_html_() and v.summary().as_markdown().startswith("###")
    assert repr(v).startswith("<ValidityResult")


def test_rejects_what_it_cannot_handle(hs):
    with pytest.raises(SpecError, match="fitted model"):
        validity(hs)  # type: ignore[arg-type]
    fit = sem("f =~ x1\nx1 ~~ 0.5*x1\ny =~ x2\nx2 ~~ 0.5*x2\nf ~~ y", hs)
    with pytest.raises(SpecError, match="two or more observed indicators"):
        validity(fit)


# -- kernels (numpy only, no R) ----------------------------------------------------------------
def test_htmt_kernel_by_hand():
    r = np.array([
        [1.0, 0.6, 0.2, -0.3],
        [0.6, 1.0, 0.1, 0.2],
        [0.2, 0.1, 1.0, 0.5],
        [-0.3, 0.2, 0.5, 1.0],
    ])
    blocks = [np.array([0, 1]), np.array([2, 3])]
    hetero = np.array([0.2, 0.3, 0.1, 0.2])
    arith = htmt_matrix(r, blocks, geometric=False)
    assert arith[0, 1] == pytest.approx(hetero.mean() / math.sqrt(0.6 * 0.5), abs=1e-15)
    assert arith[1, 0] == pytest.approx(arith[0, 1], abs=1e-15)
    np.testing.assert_allclose(np.diag(arith), 1.0, atol=1e-15)
    geo = htmt_matrix(r, blocks, geometric=True)
    assert geo[0, 1] == pytest.approx(np.exp(np.log(hetero).mean()) / math.sqrt(0.6 * 0.5), abs=1e-15)
    signed = htmt_matrix(r, blocks, geometric=False, absolute=False)
    assert signed[0, 1] == pytest.approx(np.array([0.2, -0.3, 0.1, 0.2]).mean() / math.sqrt(0.3), abs=1e-15)


def test_htmt_kernel_ignores_an_item_correlated_with_itself():
    r = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]])
    # item 1 belongs to both blocks: r(1, 1) is not a heterotrait correlation
    out = htmt_matrix(r, [np.array([0, 1]), np.array([1, 2])], geometric=False)
    assert out[0, 1] == pytest.approx(np.mean([0.4, 0.5, 0.3]) / math.sqrt(0.5 * 0.3), abs=1e-15)


def test_cr_and_shared_variance_kernels():
    lam = np.array([1.0, 0.8, 0.6])
    theta = np.array([0.5, 0.4, 0.3])
    sigma = np.outer(lam, lam) * 2.0 + np.diag(theta)
    assert composite_reliability(lam, 2.0, sigma) == pytest.approx(2.0 * 2.4**2 / (2.0 * 2.4**2 + 1.2), abs=1e-15)
    cor = np.array([[1.0, 0.5, -0.7], [0.5, 1.0, 0.1], [-0.7, 0.1, 1.0]])
    msv, asv = shared_variance(cor)
    np.testing.assert_allclose(msv, [0.49, 0.25, 0.49], atol=1e-15)
    np.testing.assert_allclose(asv, [(0.25 + 0.49) / 2, (0.25 + 0.01) / 2, (0.49 + 0.01) / 2], atol=1e-15)
