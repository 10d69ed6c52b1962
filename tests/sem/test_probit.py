"""Ordinal indicators given covariates (lavaan's conditional.x): the two-step statistics against
lavaan 0.6.14's ``lavInspect(fit, "sampstat")`` of the corpus case bfi_ord_mimic_age_gender."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from surveykit.errors import DataError
from surveykit.sem.probit import conditional_ordinal_statistics, ordered_probit
from tests.conftest import REF

from .corpus import load_case

ITEMS = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]


@pytest.fixture(scope="module")
def stats_and_ref():
    case = load_case("bfi_ord_mimic_age_gender")
    bfi = pd.read_csv(REF / "data" / "bfi.csv")
    d = bfi[ITEMS + ["age", "gender"]].dropna()
    st = conditional_ordinal_statistics(d[ITEMS].to_numpy(float), d[["age", "gender"]].to_numpy(float))
    return st, case["sampstat"], len(d)


def test_thresholds_slopes_and_residual_correlations_match_lavaan(stats_and_ref):
    """Thresholds and slopes 1e-8 (ML of each ordered probit); residual correlations 1e-7."""
    st, ref, n = stats_and_ref
    assert st.nobs == n and st.converged
    assert np.concatenate(st.thresholds) == pytest.approx(list(ref["res.th"].values()), abs=1e-8)
    assert st.slopes == pytest.approx(np.array(ref["res.slopes"]["values"]), abs=1e-8)
    assert st.rho == pytest.approx(np.array(ref["res.cov"]["values"]), abs=1e-7)
    # lavaan's order of the statistics: 50 thresholds, 20 slopes (age for every item, then gender), 45 correlations
    assert len(st.vector) == 50 + 20 + 45 and st.vector[50] == st.slopes[0, 0] and st.vector[60] == st.slopes[0, 1]
    assert st.gamma.shape == (115, 115) and np.allclose(st.gamma, st.gamma.T)


def test_without_covariate_effects_the_thresholds_are_the_marginal_ones():
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 4, size=500)
    x = rng.normal(size=(500, 1))
    par, ok = ordered_probit(codes, 3, x)
    assert ok and abs(par[3]) < 0.2
    from scipy.special import ndtri
    marginal = ndtri(np.cumsum(np.bincount(codes))[:-1] / 500)
    assert par[:3] == pytest.approx(marginal, abs=0.05)


def test_separation_and_constant_covariates_are_refused():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 1))
    y = np.column_stack([(x[:, 0] > 0).astype(float), rng.integers(0, 3, size=200).astype(float)])
    with pytest.raises(DataError, match="The covariate age separates the categories of q1 .* perfectly"):
        conditional_ordinal_statistics(y, x, y_names=["q1", "q2"], x_names=["age"])
    with pytest.raises(DataError, match=r"The covariate\(s\) age are constant in group 'b'; remove them"):
        conditional_ordinal_statistics(y, np.ones((200, 1)), y_names=["q1", "q2"], x_names=["age"],
                                       where=" in group 'b'")
