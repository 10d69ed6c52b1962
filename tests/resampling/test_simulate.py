"""Simulation from the written-down population and recovery of its true values."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveykit.errors import SpecError
from surveykit.instrument import load_instrument
from surveykit.resampling import load_population, simulate
from surveykit.sem import sem

ROOT = Path(__file__).resolve().parents[2]
POP = ROOT / "analyses" / "demo_population.yaml"
FREE_PATHS = "STY ~ IDE\nMEC ~ INS\nEXE ~ IDE + ORG + STY + MEC"
MODEL_CONSTRUCTS = ["IDE", "ORG", "STY", "MEC", "INS", "EXE"]


@pytest.fixture(scope="module")
def pop():
    return load_population(POP)


@pytest.fixture(scope="module")
def ins():
    return load_instrument(ROOT / "instruments" / "execution_capacity.yaml")


@pytest.fixture(scope="module")
def big(pop, ins):
    return simulate(pop, ins, n=20_000, rng=20261126)


def test_same_seed_same_data(pop, ins):
    a = simulate(pop, ins, n=300, rng=7)
    b = simulate(pop, ins, n=300, rng=7)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    c = simulate(pop, ins, n=300, rng=8)
    assert not a.frame.equals(c.frame)


def test_responses_are_on_the_scale_or_declared_missing(pop, ins):
    s = simulate(pop, ins, n=2000, rng=1)
    items = s.frame[ins.item_ids]
    assert set(np.unique(items.to_numpy())) <= {1, 2, 3, 4, 5, 8, 9}
    share_missing = np.isin(items.to_numpy(), [8, 9]).mean()
    assert 0.001 < share_missing < 0.006  # population: 0.25% of answers


def test_careless_respondents_are_planted(pop, ins):
    s = simulate(pop, ins, n=4000, rng=3)
    sl = s.frame.loc[s.careless == "straight_liner", ins.item_ids]
    # a straight-liner gives one answer throughout (except where a missing code was planted)
    assert all(len(set(r[r < 8])) == 1 for r in sl.to_numpy())
    fast = s.frame.loc[s.careless == "speeder", "duration_sec"]
    assert fast.max() <= 150 and s.frame.loc[s.careless == "", "duration_sec"].min() >= 180
    assert 0.01 < (s.careless == "straight_liner").mean() < 0.03


def test_reverse_items_are_stored_as_answered(big, ins):
    keyed_cat = big.frame.copy()
    corr = {}
    for it in ins.items:
        col = keyed_cat[it.id].where(keyed_cat[it.id] < 8)
        ok = big.careless == ""
        corr[it.id] = np.corrcoef(col[ok].fillna(3), big.continuous.loc[ok, it.id])[0, 1]
    for it in ins.items:
        assert (corr[it.id] < -0.5) if it.reverse else (corr[it.id] > 0.5), it.id


def _std_paths(fit):
    pe = fit.parameter_estimates()
    pe = pe[pe.op == "~"]
    return {f"{r.lhs}~{r.rhs}": r for r in pe.itertuples()}


def test_parameter_recovery_on_latent_responses(big, ins, pop):
    """N = 20,000 continuous latent responses: each standardized path within 3.5 standard errors
    of its true value (SE of the standardized path taken as se * |std_all / est|)."""
    model = ins.measurement_syntax(MODEL_CONSTRUCTS) + "\n" + FREE_PATHS
    fit = sem(model, big.continuous)
    got = _std_paths(fit)
    linear = {k: v for k, v in big.true_paths.items() if ":" not in k}
    assert set(got) == set(linear)
    for key, true in linear.items():  # the centred product is uncorrelated with every normal predictor
        r = got[key]
        se_std = r.se * abs(r.std_all / r.est)
        assert abs(r.std_all - true) < 3.5 * se_std, (key, r.std_all, true, se_std)


def test_parameter_recovery_on_likert_answers(big, ins):
    """The same on the 5-point answers (reverse items keyed back, missing codes removed, careless
    respondents left out).  Treating 5-category items as continuous attenuates loadings but the
    standardized structural paths stay within 0.03 of the truth at this N (about 3 SE)."""
    frame = big.frame.loc[big.careless == "", ins.item_ids].astype(float)
    frame = frame.where(frame < 8)
    for it in ins.items:
        if it.reverse:
            frame[it.id] = 6 - frame[it.id]
    model = ins.measurement_syntax(MODEL_CONSTRUCTS) + "\n" + FREE_PATHS
    with pytest.warns(Warning, match="rows had missing values"):
        fit = sem(model, frame)
    got = _std_paths(fit)
    for key, true in big.true_paths.items():
        if ":" in key:
            continue
        assert abs(got[key].std_all - true) < 0.03, (key, got[key].std_all, true)


def test_clusters_give_the_written_iccs_and_keep_the_standardized_paths(pop, ins):
    """Members nested in branches: every construct keeps variance 1 and its standardized paths, the
    latent scores' between-branch share is the recorded ICC (the disturbance ICCs of the population
    carried through the paths), region is constant within a branch, and the weight is the inverse
    of the branch's sampling fraction scaled to mean 1."""
    spec = pop.clusters.model_copy(update={"n": 400})
    big = simulate(pop.model_copy(update={"clusters": spec}), ins, n=40_000, rng=11)
    frame, lat = big.frame, big.latent
    branch = frame["branch_id"].to_numpy()
    assert frame["branch_id"].nunique() == 400 and frame.groupby("branch_id").size().min() >= spec.min_size
    assert (frame.groupby("branch_id")["region"].nunique() == 1).all()
    assert abs(frame["weight"].mean() - 1) < 1e-3 and (frame.groupby("branch_id")["weight"].nunique() == 1).all()
    for code in ("IDE", "STY", "EXE"):
        y = lat[code].to_numpy()
        assert abs(y.var() - 1) < 0.03
        means = pd.Series(y).groupby(branch).transform("mean").to_numpy()
        sizes = pd.Series(branch).map(pd.Series(branch).value_counts()).to_numpy()
        # ANOVA ICC(1) with the adjusted group size
        j, n = 400, len(y)
        msb = np.sum((means - y.mean()) ** 2) / (j - 1)
        msw = np.sum((y - means) ** 2) / (n - j)
        k = (n - np.sum(np.bincount(branch) ** 2) / n) / (j - 1)
        icc = (msb - msw) / (msb + (k - 1) * msw)
        assert abs(icc - big.true_iccs[code]) < 0.03, (code, icc, big.true_iccs[code])
        assert sizes.min() >= 3
    assert big.true_iccs["EXE"] > big.true_iccs["IDE"] == pytest.approx(0.10)
    assert big.true_iccs["ide_1"] == pytest.approx(0.80**2 * 0.10)
    fit = sem(FREE_PATHS, lat)
    est = fit.standardized_solution().query("op == '~'")
    for row in est.itertuples():
        assert abs(row.est_std - big.true_paths[f"{row.lhs}~{row.rhs}"]) < 0.03


def test_cluster_specs_that_cannot_be_drawn_are_refused(pop, ins):
    with pytest.raises(SpecError, match="cannot fill 60 clusters of at least 3"):
        simulate(pop, ins, n=100, rng=1)
    bad = pop.model_copy(update={"clusters": pop.clusters.model_copy(update={"column": "region"})})
    with pytest.raises(SpecError, match="clusters.column names 'region'; add it to the instrument's respondent "
                                        "variables with type: cluster"):
        simulate(bad, ins, n=600, rng=1)


# -- product terms (latent.interactions) ------------------------------------------------------------------------
def test_interaction_is_recovered_and_constructs_stay_standardized(pop, ins):
    """The demo's 'EXE ~ STY:MEC': 0.15: on the true construct scores of N = 100,000 respondents the
    OLS coefficient of STY*MEC in EXE's equation is within 4 standard errors of 0.15, the linear
    paths of theirs, and every construct has mean 0 and variance 1 within sampling error."""
    import statsmodels.api as sm

    assert pop.latent.interactions == {"EXE ~ STY:MEC": 0.15}
    # without the branches: 100,000 members in 60 branches would leave OLS standard errors far too small
    s = simulate(pop.model_copy(update={"clusters": None}), ins, n=100_000, rng=11)
    assert s.true_paths["EXE~STY:MEC"] == 0.15
    lat = s.latent
    n = len(lat)
    np.testing.assert_allclose(lat.var(ddof=0), 1.0, atol=4 * np.sqrt(2 / n) * 1.5)
    np.testing.assert_allclose(lat.mean(), 0.0, atol=4 / np.sqrt(n))
    x = sm.add_constant(lat[["IDE", "ORG", "STY", "MEC"]].assign(
        SM=lat["STY"] * lat["MEC"] - (lat["STY"] * lat["MEC"]).mean()))
    fit = sm.OLS(lat["EXE"], x).fit()
    for key, term in (("EXE~STY:MEC", "SM"), ("EXE~STY", "STY"), ("EXE~MEC", "MEC"), ("EXE~IDE", "IDE")):
        assert abs(fit.params[term] - s.true_paths[key]) < 4 * fit.bse[term], (key, fit.params[term])


def test_adding_a_product_term_changes_only_its_outcome(pop, ins):
    plain = pop.model_copy(update={"latent": pop.latent.model_copy(update={"interactions": {}})})
    a, b = simulate(plain, ins, n=400, rng=4), simulate(pop, ins, n=400, rng=4)
    other = [c for c in a.latent.columns if c != "EXE"]
    pd.testing.assert_frame_equal(a.latent[other], b.latent[other])
    assert not np.allclose(a.latent["EXE"], b.latent["EXE"])


@pytest.mark.parametrize("interactions, message", [
    ({"EXE ~ STY*MEC": 0.1}, "latent.interactions key 'EXE ~ STY*MEC' must read 'Y ~ A:B'"),
    ({"EXE ~ STY:XYZ": 0.1}, "names 'XYZ', which is not a construct of the instrument"),
    ({"EXE ~ STY:MEC": 0.1, "CAP ~ EXE:IDE": 0.1},
     "latent.interactions 'CAP ~ EXE:IDE': EXE depends on a product term itself"),
    ({"EXE ~ STY:MEC": 0.9}, "The paths into EXE explain"),
])
def test_bad_product_terms_get_one_sentence(pop, ins, interactions, message):
    from surveykit.errors import SpecError

    bad = pop.model_copy(update={"latent": pop.latent.model_copy(update={"interactions": interactions})})
    with pytest.raises(SpecError, match=re.escape(message)):
        simulate(bad, ins, n=300, rng=1)
