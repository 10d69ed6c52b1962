"""Population models in lavaan syntax and data simulated from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.resampling import PopulationModel, population_model, simulate_model

STD = "f =~ 0.8*y1 + 0.7*y2 + 0.6*y3\ng =~ 0.7*y4 + 0.7*y5 + 0.7*y6\ng ~ 0.5*f\ny1 ~~ 0.2*y4"


def test_standardized_population_has_unit_variances_and_the_stated_correlations():
    pop = population_model(STD, standardized=True)
    assert pop.names == ("y1", "y2", "y3", "y4", "y5", "y6")
    assert np.allclose(np.diag(pop.total_cov), 1.0, atol=1e-12)  # latent variables too
    c = pop.implied_cov()
    assert c.loc["y1", "y2"] == pytest.approx(0.8 * 0.7, abs=1e-12)
    assert c.loc["y2", "y5"] == pytest.approx(0.7 * 0.5 * 0.7, abs=1e-12)
    # residual correlation 0.2 of y1 and y4: covariance 0.2 * sqrt(0.36 * 0.51) on top of the structural part
    assert c.loc["y1", "y4"] == pytest.approx(0.8 * 0.5 * 0.7 + 0.2 * np.sqrt(0.36 * 0.51), abs=1e-12)
    v = pop.values().set_index(["lhs", "op", "rhs"])["value"]
    assert v[("y1", "~~", "y1")] == pytest.approx(1 - 0.64, abs=1e-12)
    assert v[("g", "~~", "g")] == pytest.approx(1 - 0.25, abs=1e-12)
    assert v[("f", "~~", "f")] == 1.0


def test_raw_population_uses_lavaans_defaults():
    pop = population_model("f =~ 1*y1 + 2*y2 + 0.5*y3\ny1 ~~ 0.3*y1")
    v = pop.values().set_index(["lhs", "op", "rhs"])["value"]
    assert v[("y1", "~~", "y1")] == 0.3 and v[("y2", "~~", "y2")] == 1.0 and v[("f", "~~", "f")] == 1.0
    assert pop.cov[1, 1] == pytest.approx(4 + 1, abs=1e-12)
    assert pop.cov[0, 2] == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize(
    ("syntax", "kw", "match"),
    [
        ("f =~ 0.8*y1 + y2 + 0.7*y3", {}, "'f =~ y2' has no value"),
        ("f =~ 0.8*y1 + 0.7*y2 + 0.7*y3\ny1 ~~ y2", {}, "'y1 ~~ y2' has no value"),
        ("y ~ a*x", {}, "has a label"),
        ("f =~ 0.8*y1 + 0.7*y2 + 0.7*y3\ny1 ~~ 0.5*y1", {"standardized": True}, "variances are derived"),
        ("y ~ 0.8*x1 + 0.8*x2\nx1 ~~ 0.5*x2", {"standardized": True}, "explain all of its variance"),
        ("y ~ 0.3*x\nz := 2", {}, "takes no ':=' lines"),
        ("f =~ 0.8*y1 + 0.7*y2\ny1 ~~ 1.5*y2", {"standardized": True}, "strictly between -1 and 1"),
    ],
)
def test_impossible_or_incomplete_populations_are_refused(syntax, kw, match):
    with pytest.raises(ModelSpecificationError, match=match):
        population_model(syntax, **kw)


def test_same_seed_same_data_and_sample_covariance_approaches_sigma():
    pop = population_model(STD, standardized=True)
    a = simulate_model(pop, 300, rng=5)
    pd.testing.assert_frame_equal(a, simulate_model(STD, 300, rng=5, standardized=True))
    assert not a.equals(simulate_model(pop, 300, rng=6))
    big = simulate_model(pop, 200_000, rng=1)
    assert np.abs(big.cov(ddof=0).to_numpy() - pop.cov).max() < 0.02
    assert isinstance(pop, PopulationModel)


def test_ordinal_categories_with_equal_probability_thresholds():
    df = simulate_model(STD, 40_000, rng=2, standardized=True, ordinal=4)
    assert df.dtypes.eq(np.int64).all()
    share = df["y3"].value_counts(normalize=True).sort_index()
    assert share.index.tolist() == [1, 2, 3, 4]
    assert np.allclose(share.to_numpy(), 0.25, atol=0.01)


def test_ordinal_with_given_thresholds_for_some_variables():
    thr = [-1.0, 0.0, 1.5]
    df = simulate_model(STD, 40_000, rng=3, standardized=True, ordinal={"y1": thr})
    expected = np.diff(stats.norm.cdf([-np.inf, *thr, np.inf]))
    share = df["y1"].value_counts(normalize=True).sort_index().to_numpy()
    assert np.allclose(share, expected, atol=0.01)
    assert df["y2"].dtype == float and df["y2"].nunique() > 100


def test_mcar_missing_cells():
    df = simulate_model(STD, 20_000, rng=4, standardized=True, missing=0.1)
    assert df.isna().mean().between(0.09, 0.11).all()
    df = simulate_model(STD, 20_000, rng=4, standardized=True, missing={"y6": 0.3}, ordinal=5)
    assert df["y6"].isna().mean() == pytest.approx(0.3, abs=0.015)
    assert df.drop(columns="y6").notna().all().all()


@pytest.mark.parametrize(
    ("kw", "match"),
    [({"ordinal": 1}, "at least 2"), ({"ordinal": [0.5, 0.1]}, "increasing"), ({"ordinal": {"zz": 3}}, "zz"),
     ({"missing": 1.0}, r"\[0, 1\)"), ({"missing": {"q": 0.1}}, "q")],
)
def test_bad_data_conditions_are_refused(kw, match):
    with pytest.raises(SpecError, match=match):
        simulate_model(STD, 10, rng=1, standardized=True, **kw)
