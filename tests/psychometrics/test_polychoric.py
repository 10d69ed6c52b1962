"""Polychoric correlations against lavaan 0.6-14 lavCor() (tests/reference/lavaan/
bfi_cfa_wlsmv.json) and psych 2.2.9 polychoric() (tests/reference/psych/polychoric.json).

Tolerances: lavaan's correlations 1e-6 absolute (the same two-step ML estimator, optimized to
1e-10; observed differences ~4e-8), thresholds 1e-10; psych's correlations 1e-4 absolute (psych
maximizes with optimize(), tolerance ~1e-4, on sadmvn probabilities with absolute error 1e-6).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from surveykit._core.polychoric import bvn_cdf, cell_probabilities, pair_polychoric, polychoric_matrix
from surveykit.psychometrics import polychoric

from ..conftest import load_ref
from .conftest import matrix, psych_ref

WLSMV = load_ref("bfi_cfa_wlsmv")
PSY = psych_ref("polychoric")
A = ["A1", "A2", "A3", "A4", "A5"]


def test_matches_lavaan_on_complete_rows(bfi_items):
    cc = bfi_items.dropna()
    res = polychoric(cc[A])
    np.testing.assert_allclose(res.rho.to_numpy(), matrix(WLSMV["polychoric_A"]).to_numpy(), atol=1e-6)
    th = WLSMV["polychoric_A_thresholds"]
    for item in A:
        want = [th[f"{item}|t{k}"] for k in range(1, 6)]
        np.testing.assert_allclose(res.thresholds.loc[item].to_numpy(), want, atol=1e-10)
    all25 = polychoric_matrix(cc.to_numpy())
    np.testing.assert_allclose(all25.rho, matrix(WLSMV["polychoric_all25"]).to_numpy(), atol=1e-6)
    assert all25.converged.all()


def test_matches_psych_complete_and_pairwise(bfi_items):
    res = polychoric(bfi_items.dropna()[A])
    np.testing.assert_allclose(res.rho.to_numpy(), matrix(PSY["bfi_A_complete"]["rho"]).to_numpy(), atol=1e-4)
    pw = polychoric(bfi_items)  # pairwise tables, thresholds from every answer of an item
    ref = PSY["bfi_all_pairwise"]
    np.testing.assert_allclose(pw.rho.to_numpy(), matrix(ref["rho"]).to_numpy(), atol=1e-4)
    np.testing.assert_allclose(pw.thresholds.to_numpy(), matrix(ref["tau"]).to_numpy(), atol=1e-10)
    assert pw.n == 2800 and pw.missing == "pairwise"
    assert pw.n_pairs.loc["A1", "A2"] == int(bfi_items[["A1", "A2"]].notna().all(axis=1).sum())


def test_bivariate_normal_cdf_matches_scipy():
    rng = np.random.default_rng(5)
    for r in (-0.999, -0.95, -0.6, -0.1, 0.0, 0.2, 0.5, 0.8, 0.93, 0.9999):
        h, k = rng.normal(scale=1.5, size=8), rng.normal(scale=1.5, size=8)
        want = [multivariate_normal(cov=[[1, r], [r, 1]]).cdf([a, b]) for a, b in zip(h, k)]
        np.testing.assert_allclose(bvn_cdf(h, k, r), want, atol=1e-12)
    assert bvn_cdf(np.inf, 0.3, 0.4) == pytest.approx(0.617911422188953, abs=1e-15)
    assert bvn_cdf(-np.inf, 0.3, 0.4) == 0.0


def test_cell_probabilities_sum_to_one_and_derivative_is_right():
    tx, ty = np.array([-1.0, 0.2, 1.1]), np.array([-0.5, 0.7])
    P, dP = cell_probabilities(0.4, tx, ty, derivative=True)
    assert P.shape == (4, 3) and P.sum() == pytest.approx(1.0, abs=1e-14)
    num = (cell_probabilities(0.4 + 1e-6, tx, ty) - cell_probabilities(0.4 - 1e-6, tx, ty)) / 2e-6
    np.testing.assert_allclose(dP, num, atol=1e-8)
    table = np.round(P * 1000)
    rho, ok = pair_polychoric(table, tx, ty)
    assert ok and rho == pytest.approx(0.4, abs=0.02)


def test_binary_items_and_zero_cells():
    rng = np.random.default_rng(2)
    z = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=500)
    x = (z > [0.3, -0.2]).astype(float)
    res = polychoric_matrix(x)
    assert len(res.thresholds[0]) == 1 and res.rho[0, 1] == pytest.approx(0.6, abs=0.1)
    x2 = x.copy()
    x2[(x2[:, 0] == 1) & (x2[:, 1] == 0), 1] = 1  # an empty cell: +0.5 keeps rho below 1
    assert polychoric_matrix(x2).rho[0, 1] < 0.9999


def test_forty_items_two_thousand_rows_in_a_few_seconds():
    rng = np.random.default_rng(3)
    cov = 0.4 * np.ones((40, 40)) + 0.6 * np.eye(40)
    x = np.digitize(rng.multivariate_normal(np.zeros(40), cov, size=2000), [-1.5, -0.5, 0.3, 1.2]).astype(float)
    x[rng.random(x.shape) < 0.03] = np.nan
    t0 = time.perf_counter()
    res = polychoric_matrix(x)
    assert time.perf_counter() - t0 < 10.0  # ~1 s on one core; generous for loaded CI machines
    off = res.rho[np.triu_indices(40, 1)]
    assert abs(off.mean() - 0.4) < 0.02


def test_errors_name_the_problem(hs9, bfi_items):
    with pytest.raises(ValueError, match="at most 10 categories"):
        polychoric(hs9)
    with pytest.raises(ValueError, match="fewer than 2 observed categories"):
        polychoric_matrix(np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 2.0]]))
    assert polychoric(bfi_items[A], smooth=True).positive_definite
