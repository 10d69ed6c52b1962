"""The nonparametric bootstrap: reproducibility, draws rebuilt by hand, counts, BCa by hand, the result."""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from surveykit.errors import (
    ConvergenceWarning,
    DataError,
    EstimationError,
    HeywoodCaseWarning,
    SpecError,
    SurveykitWarning,
)
from surveykit.resampling import BootstrapResult, bootstrap
from surveykit.resampling._geometry import RowGeometry
from surveykit.resampling._refit import Refitter
from surveykit.sem import sem
from surveykit.sem.partable import build_partable

from ..conftest import load_ref

PD_MODEL = load_ref("pd_sem_bootstrap")["model"]


@pytest.fixture(scope="module")
def pd_fit(pol_dem):
    return sem(PD_MODEL, pol_dem)


@pytest.fixture(scope="module")
def pd_boot(pd_fit):
    with pytest.warns(HeywoodCaseWarning, match="nonadmissible"):
        return bootstrap(pd_fit, n_boot=150, rng=20261126, jobs=1)


def test_same_seed_same_result_for_one_or_two_local_processes(pd_fit, pd_boot):
    with pytest.warns(HeywoodCaseWarning):
        other = bootstrap(pd_fit, n_boot=150, rng=20261126, jobs=2, batch_size=16)
    assert np.array_equal(pd_boot._draws, other._draws, equal_nan=True)
    assert np.array_equal(pd_boot._std_draws, other._std_draws, equal_nan=True)
    pd.testing.assert_frame_equal(pd_boot.parameter_estimates(), other.parameter_estimates())
    pd.testing.assert_frame_equal(pd_boot.standardized_solution(), other.standardized_solution())
    pd.testing.assert_frame_equal(pd_boot.mediation(), other.mediation())
    assert (other.n_nonadmissible, other.rng_seed) == (pd_boot.n_nonadmissible, 20261126)


@pytest.mark.parametrize("i", [0, 41, 149])
def test_a_draw_is_the_model_fitted_to_the_resampled_rows(pol_dem, pd_boot, i):
    """Draw i resamples rows with numpy's SeedSequence(seed).spawn(n_boot)[i] and refits."""
    child = np.random.SeedSequence(20261126).spawn(150)[i]
    rows = np.random.default_rng(child).integers(0, len(pol_dem), size=len(pol_dem))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveykitWarning)  # some draws are Heywood cases
        refit = sem(PD_MODEL, pol_dem.iloc[rows])
    pe = refit.parameter_estimates()
    assert np.allclose(pd_boot.draws.iloc[i].to_numpy(), pe["est"].to_numpy(), atol=1e-5)
    assert np.allclose(pd_boot.std_draws.iloc[i].to_numpy(), pe["std_all"].to_numpy(), atol=1e-5)


def test_nonadmissible_draws_are_kept_and_counted(pd_boot):
    status = pd_boot.draw_status
    assert pd_boot.n_nonadmissible == (status == "nonadmissible").sum()
    assert pd_boot.n_failed == (status == "failed").sum() == 0
    # lavaan: 1,611 of 5,000 PoliticalDemocracy draws are nonadmissible
    assert 0.2 < pd_boot.n_nonadmissible / 150 < 0.45
    assert pd_boot.draws.notna().all().all()
    assert any("nonadmissible" in m for _, m in pd_boot.warnings)


def test_admissibility_check():
    pt = build_partable("f =~ y1 + y2 + y3\ny1 ~~ y2")
    geom = RowGeometry.from_partable(pt)
    t = pt.table
    base = np.where(t["op"] == "=~", 1.0, 0.0)
    var = ((t["op"] == "~~") & (t["lhs"] == t["rhs"])).to_numpy()
    base[var] = 1.0
    cov_row = ((t["lhs"] == "y1") & (t["rhs"] == "y2")).to_numpy()
    ok = base.copy()
    neg = base.copy()
    neg[((t["lhs"] == "y3") & (t["rhs"] == "y3")).to_numpy()] = -0.1
    nonpd = base.copy()
    nonpd[cov_row] = 1.5  # residual covariance beyond the residual variances
    lv_neg = base.copy()
    lv_neg[((t["lhs"] == "f") & (t["rhs"] == "f")).to_numpy()] = -0.2
    assert geom.admissible(np.vstack([ok, neg, nonpd, lv_neg])).tolist() == [True, False, False, False]


def test_failed_draws_are_dropped_and_counted():
    """A rare dummy: a draw that misses both of its 1s has a singular covariance matrix and fails
    (sem() refuses such data; lavaan counts the draw as failed)."""
    g = np.random.default_rng(4)
    n, B, seed = 30, 100, 5
    dummy = np.zeros(n)
    dummy[[3, 17]] = 1.0
    x = g.standard_normal(n)
    data = pd.DataFrame({"x": x, "d": dummy, "y": x + dummy + g.standard_normal(n)})
    fit = sem("y ~ x + d", data)
    with pytest.warns(ConvergenceWarning, match="did not converge and were dropped"):
        res = bootstrap(fit, n_boot=B, rng=seed, jobs=1)
    constant = [np.ptp(dummy[np.random.default_rng(c).integers(0, n, size=n)]) == 0
                for c in np.random.SeedSequence(seed).spawn(B)]
    status = res.draw_status
    assert res.n_failed == sum(constant) > 0
    assert (status == "failed").tolist() == constant
    assert res.draws[status == "failed"].isna().all().all()
    assert res.draws[status != "failed"].notna().all().all()
    assert res.n_kept == B - res.n_failed
    kept = res.draws[status != "failed"]["y~x"]
    assert res.parameter_estimates().loc[0, "se"] == pytest.approx(kept.std(ddof=1), rel=1e-12)


def test_all_draws_failing_is_an_error(pd_fit, monkeypatch):
    monkeypatch.setattr(Refitter, "refit", lambda self, x: (None, self.kernel.moments(x)))
    with pytest.raises(EstimationError, match="Only 0 of 20 bootstrap draws converged"):
        bootstrap(pd_fit, n_boot=20, rng=1, jobs=1)


def _ols(x, y):
    xc, yc = x - x.mean(), y - y.mean()
    return float(xc @ yc / (xc @ xc))


def _quantile(t, p):
    """boot's norm.inter, written independently of surveykit."""
    t = np.sort(t)
    r = len(t)
    rk = (r + 1) * p
    k = int(np.floor(rk))
    if k < 1:
        return t[0]
    if k >= r:
        return t[-1]
    if rk == k:
        return t[k - 1]
    lo, hi = stats.norm.ppf(k / (r + 1)), stats.norm.ppf((k + 1) / (r + 1))
    return t[k - 1] + (stats.norm.ppf(p) - lo) / (hi - lo) * (t[k] - t[k - 1])


def test_bca_of_a_regression_slope_by_hand():
    """y ~ x by ML is the OLS slope: resample, refit, jackknife and BCa by hand, independently."""
    g = np.random.default_rng(1)
    n, B, seed = 40, 300, 99
    x = g.standard_normal(n)
    y = 0.5 * x + g.lognormal(0.0, 1.0, n)  # skewed errors: a visible acceleration
    data = pd.DataFrame({"y": y, "x": x})
    res = bootstrap(sem("y ~ b*x", data), n_boot=B, ci="bca", rng=seed, jobs=1)
    est = _ols(x, y)
    slopes, corrs = np.empty(B), np.empty(B)
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(B)):
        idx = np.random.default_rng(child).integers(0, n, size=n)
        slopes[i] = _ols(x[idx], y[idx])
        corrs[i] = np.corrcoef(x[idx], y[idx])[0, 1]
    assert np.allclose(res.draws["y~x"], slopes, atol=1e-8)
    assert np.allclose(res.std_draws["y~x"], corrs, atol=1e-8)
    jack = np.array([_ols(np.delete(x, i), np.delete(y, i)) for i in range(n)])
    d = jack.mean() - jack
    a = (d**3).sum() / (6 * ((d**2).sum()) ** 1.5)
    z0 = stats.norm.ppf(np.mean(slopes < est))
    za = stats.norm.ppf([0.025, 0.975])
    adj = stats.norm.cdf(z0 + (z0 + za) / (1 - a * (z0 + za)))
    row = res.parameter_estimates().set_index(["lhs", "op", "rhs"]).loc[("y", "~", "x")]
    assert row["est"] == pytest.approx(est, abs=1e-8)
    assert row["se"] == pytest.approx(np.std(slopes, ddof=1), abs=1e-8)
    assert row["ci_lower"] == pytest.approx(_quantile(slopes, adj[0]), abs=1e-7)
    assert row["ci_upper"] == pytest.approx(_quantile(slopes, adj[1]), abs=1e-7)
    assert abs(a) > 0.01  # the case does exercise the acceleration
    assert res._jackknife[:, 0].tolist() == pytest.approx(jack.tolist(), abs=1e-8)


def test_result_api(pd_boot):
    assert isinstance(pd_boot, BootstrapResult)
    pe = pd_boot.parameter_estimates()
    assert list(pe.columns) == ["lhs", "op", "rhs", "label", "est", "se", "ci_lower", "ci_upper"]
    assert list(pd_boot.standardized_solution().columns) == ["lhs", "op", "rhs", "label", "est_std", "se",
                                                             "ci_lower", "ci_upper"]
    assert pe.iloc[-2:]["lhs"].tolist() == ["ind", "total"]
    fixed = pe[(pe.op == "=~") & (pe.rhs == "x1")].iloc[0]
    assert fixed["se"] == 0 and fixed["ci_lower"] == fixed["ci_upper"] == 1.0
    assert (pe["ci_lower"] <= pe["est"]).all() or (pe["ci_lower"] <= pe["ci_upper"]).all()
    assert pd_boot.draws.shape == (150, len(pe)) and pd_boot.draws.columns[-1] == "total"
    assert "dem60~ind60" in pd_boot.draws.columns
    med = pd_boot.mediation()
    assert med["effect"].tolist() == ["ind"] and med["total_label"].tolist() == ["total"]
    json.dumps(pd_boot.to_dict(), allow_nan=False)
    text = str(pd_boot)
    assert "Mediation" in text and ("部分中介" in text or "完全中介" in text)
    assert repr(pd_boot).startswith("<BootstrapResult n_boot=150 ci=percentile")
    assert "<table>" in pd_boot._repr_html_()
    with pytest.raises(dataclasses.FrozenInstanceError):
        pd_boot.n_boot = 3


def test_data_argument(pd_fit, pol_dem, pd_boot):
    bare = dataclasses.replace(pd_fit, _data=None)
    with pytest.raises(SpecError, match="does not carry its data"):
        bootstrap(bare, n_boot=10, rng=1, jobs=1)
    with pytest.raises(DataError, match="not the data the model was fitted to"):
        bootstrap(bare, n_boot=10, rng=1, jobs=1, data=pol_dem.iloc[:70])
    with pytest.warns(HeywoodCaseWarning):
        again = bootstrap(bare, n_boot=150, rng=20261126, jobs=1, data=pol_dem)
    assert np.array_equal(again._draws, pd_boot._draws, equal_nan=True)


@pytest.mark.parametrize(
    ("kw", "match"),
    [({"n_boot": 1}, "n_boot"), ({"ci": "basic"}, "ci="), ({"level": 95}, "level"), ({"jobs": 0}, "jobs"),
     ({"rng": "x"}, "rng")],
)
def test_bad_arguments(pd_fit, kw, match):
    with pytest.raises(SpecError, match=match):
        bootstrap(pd_fit, **{"n_boot": 10, "jobs": 1, **kw})


def test_not_a_fit():
    with pytest.raises(SpecError, match="sem\\(\\) or cfa\\(\\)"):
        bootstrap("y ~ x")


# -- the cluster bootstrap: whole clusters resampled ---------------------------------------------
BRANCH_MODEL = "f =~ e1 + e2 + e3 + e4\nf ~ tenure"


@pytest.fixture(scope="module")
def branches() -> pd.DataFrame:
    from tests.conftest import REF

    return pd.read_csv(REF / "data" / "twolevel_branches.csv")


@pytest.fixture(scope="module")
def branch_boot(branches):
    fit = sem(BRANCH_MODEL, branches)
    return fit, bootstrap(fit, n_boot=120, ci="bca", rng=11, jobs=1, data=branches, cluster="branch", progress=False)


def test_cluster_draws_are_seed_identical_across_processes_and_batches(branches, branch_boot):
    fit, one = branch_boot
    two = bootstrap(fit, n_boot=120, ci="bca", rng=11, jobs=2, batch_size=7, data=branches, cluster="branch",
                    progress=False)
    assert np.array_equal(one._draws, two._draws, equal_nan=True)
    assert np.array_equal(one._jackknife, two._jackknife, equal_nan=True)
    pd.testing.assert_frame_equal(one.parameter_estimates(), two.parameter_estimates())
    assert (one.cluster, one.n_clusters) == ("branch", 60) and one._jackknife.shape[0] == 60  # one per cluster
    assert one.to_dict()["n_clusters"] == 60 and "resampled the 60 clusters of 'branch'" in str(one.summary())


@pytest.mark.parametrize("i", [0, 57])
def test_a_cluster_draw_is_the_model_fitted_to_the_resampled_clusters(branches, branch_boot, i):
    """Draw i picks 60 clusters (in order of first appearance) with replacement from its own stream."""
    _, boot = branch_boot
    labels = pd.unique(branches["branch"])
    pick = np.random.default_rng(np.random.SeedSequence(11).spawn(120)[i]).integers(0, len(labels), size=len(labels))
    rows = pd.concat([branches[branches["branch"] == labels[c]] for c in pick])
    refit = sem(BRANCH_MODEL, rows)
    assert np.allclose(boot.draws.iloc[i].to_numpy(), refit.parameter_estimates()["est"].to_numpy(), atol=1e-5)


def test_cluster_bootstrap_standard_errors_approximate_the_cluster_robust_ones(branch_boot, branches):
    """The cluster bootstrap and lavaan's cluster-robust sandwich estimate the same thing: the
    standard errors of the loadings and the slope agree within Monte Carlo error (120 draws: about
    +-13% at 2 SD)."""
    fit, boot = branch_boot
    robust = sem(BRANCH_MODEL, branches, cluster="branch", estimator="MLR").parameter_estimates()
    m = boot.parameter_estimates().merge(robust, on=["lhs", "op", "rhs"], suffixes=("", "_robust"))
    m = m[m["op"].isin(["=~", "~"]) & (m["se_robust"] > 0)]
    assert len(m) == 4
    assert np.all(np.abs(m["se"] / m["se_robust"] - 1) < 0.2)


@pytest.mark.parametrize(("change", "kw", "match"), [
    (None, {"cluster": "nope"}, r"The cluster column 'nope' \(cluster=\) is not a column of the data"),
    (lambda d: d.assign(branch=range(len(d))), {"cluster": "branch"}, r"Every cluster of 'branch' has one row"),
    (lambda d: d.assign(branch="B01"), {"cluster": "branch"}, r"has a single cluster"),
])
def test_cluster_argument_errors(branches, change, kw, match):
    fit = sem(BRANCH_MODEL, branches)
    data = branches if change is None else change(branches)
    with pytest.raises(DataError, match=match):
        bootstrap(fit, n_boot=10, rng=1, jobs=1, data=data, progress=False, **kw)
    with pytest.raises(SpecError, match=r"needs data="):
        bootstrap(fit, n_boot=10, rng=1, jobs=1, cluster="branch", progress=False)
def test_a_defined_parameter_not_finite_in_some_draws_is_missing_there_only():
    """r := p/(p - p) is never finite and log(p - 0.62) is not in about a third of the draws: each is NaN in
    those draws only, counted per parameter; every other number is what the bootstrap without them gives."""
    from surveykit.errors import DefinedParameterWarning
    from tests._tiny import tiny_data

    data = tiny_data()
    base = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nB ~ p*A\nq := p*p\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clean = bootstrap(sem(base, data), n_boot=200, rng=5, jobs=1)
        bad_fit = sem(base + "r := p/(p - p)\nl := log(p - 0.62)\n", data)
    with pytest.warns(DefinedParameterWarning) as record:
        bad = bootstrap(bad_fit, n_boot=200, rng=5, jobs=1)
    assert bad.n_failed == clean.n_failed == 0
    n_l = int(np.isnan(bad.draws["l"]).sum())
    assert 20 < n_l < 180 and bad.nonfinite_draws == {"r": 200, "l": n_l}
    assert bad.to_dict()["nonfinite_draws"] == {"r": 200, "l": n_l}
    messages = [str(w.message) for w in record if w.category is DefinedParameterWarning]
    assert messages == [
        "The defined parameter r is not finite (a division by zero, the log of a negative value) in 200 of 200 "
        "bootstrap draws; its interval and standard error use the other 0, the other parameters every draw.",
        f"The defined parameter l is not finite (a division by zero, the log of a negative value) in {n_l} of 200 "
        f"bootstrap draws; its interval and standard error use the other {200 - n_l}, the other parameters every "
        "draw."]
    pe, ref = bad.parameter_estimates().set_index("lhs"), clean.parameter_estimates().set_index("lhs")
    shared = clean.parameter_estimates().index
    cols = ["est", "se", "ci_lower", "ci_upper"]
    np.testing.assert_array_equal(bad.parameter_estimates().loc[shared, cols].to_numpy(),
                                  clean.parameter_estimates()[cols].to_numpy())
    assert pe.loc["q", "ci_lower"] == ref.loc["q", "ci_lower"]
    assert np.isnan(pe.loc["r", ["se", "ci_lower", "ci_upper"]].to_numpy(dtype=float)).all()
    lo, hi = pe.loc["l", ["ci_lower", "ci_upper"]]
    assert np.isfinite(lo) and lo < pe.loc["l", "est"] < hi
