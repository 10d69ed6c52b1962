"""PROCESS models with clustered respondents (``process(cluster=)``) against R.

Reference: tests/reference/lavaan/process_cluster.json from
tests/reference/make_process_cluster_reference.R on tests/reference/data/process_cluster.csv
(simulated: 50 branches of 4-20 members, branch effects in every variable, missing values in M and
W).  R fits each equation by ``lm()`` with ``sandwich::vcovCL(fit, cluster = ~g, type = "HC1")``
and t/F tests on G - 1 df (``lmtest::coeftest(fit, vcov. = V, df = G - 1)``).  Closed forms agree
to 1e-8 relative; the cluster bootstrap draw by draw to 1e-8 given R's drawn clusters, and in
distribution within Monte Carlo error (see the test for the bound).
"""

from __future__ import annotations

import dataclasses
import json
import re
from functools import cache

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit._core.rng import stream
from surveykit.errors import DataError, DataQualityWarning, SpecError
from surveykit.resampling.process import _BootTask, _draw_counts, _solve_counts
from tests.conftest import REF, load_ref

RTOL = 1e-8
ATOL = 1e-12
R = load_ref("process_cluster")
CASES = R["cases"]
DATA = pd.read_csv(REF / "data" / "process_cluster.csv")


def _args(case: str) -> dict:
    return {k: v for k, v in CASES[case]["args"].items() if v is not None}


@cache
def _fit(case: str):
    with pytest.warns(sk.errors.MissingDataWarning):
        return sk.process(DATA, **_args(case), cluster="g", n_boot=0)


def _canon(term: str) -> str:
    return "constant" if term == "(Intercept)" else ":".join(sorted(term.split(":")))


def _close(actual, desired, what):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(desired, dtype=float), rtol=RTOL,
                               atol=ATOL, err_msg=what)


@pytest.mark.parametrize("case", list(CASES))
def test_equations_match_lm_with_vcovcl_on_g_minus_1_df(case):
    res, ref = _fit(case), CASES[case]
    assert (res.n, res.cluster, res.n_clusters, res.df_rule) == (ref["n"], "g", ref["n_clusters"], "G - 1")
    coef, ms, r2c = res.coefficients(), res.model_summary().set_index("equation"), res.r_squared_change()
    for eq in ref["equations"]:
        label = eq["label"]
        mine = coef[coef["equation"] == label].assign(key=lambda d: d["term"].map(_canon)).set_index("key")
        keys = [_canon(t) for t in eq["terms"]]
        assert sorted(mine.index) == sorted(keys), (case, label)
        for col in ("est", "se", "t", "pvalue", "ci_lower", "ci_upper"):
            _close(mine.loc[keys, col], eq["coefficients"][col], f"{case} {label} {col}")
        _close(ms.loc[label, ["r_squared", "mse", "n"]].to_numpy(dtype=float), [eq["r2"], eq["mse"], eq["n"]],
               f"{case} {label} R2, MSE, n")
        _close(ms.loc[label, ["f", "df1", "df2", "pvalue"]].to_numpy(dtype=float), eq["f"], f"{case} {label} F")
        mine_c = r2c[r2c["equation"] == label]
        assert len(mine_c) == len(eq["r2_change"]), (case, label)
        for ch in eq["r2_change"]:
            row = mine_c[mine_c["term"].map(_canon) == _canon(ch["term"])].iloc[0]
            _close([row["r2_change"], row["f"], row["df1"], row["df2"], row["pvalue"]], [ch["r2_change"], *ch["f"]],
                   f"{case} {label} R2 change")


@pytest.mark.parametrize("case", list(CASES))
def test_conditional_effects_johnson_neyman_and_indirect_effects_match_r(case):
    res, ref = _fit(case), CASES[case]
    _close(res.probe_values["W"], ref["probe_values"], f"{case} probes")
    cond = res.conditional_effects()
    cond = cond[cond["equation"] == ref["conditional"]["equation"]]
    for col in ("w", "est", "se", "t", "pvalue", "ci_lower", "ci_upper"):
        _close(cond[col], [a[col] for a in ref["conditional"]["at"]], f"{case} conditional {col}")
    jn = res.johnson_neyman()
    _close(jn["value"], ref["johnson_neyman"]["roots"], f"{case} Johnson-Neyman")
    if ref["indirect"]:
        ind = res.indirect_effects()
        _close(ind[["w", "est"]].to_numpy(), [[a["w"], a["est"]] for a in ref["indirect"]], f"{case} indirect")
        _close(res.index_of_moderated_mediation()["index"], [ref["index"]], f"{case} index")


def test_johnson_neyman_points_are_where_the_cluster_robust_test_is_exactly_significant():
    res = _fit("m1")
    inside = res.johnson_neyman().query("within_range")["value"]
    curve = res.johnson_neyman_curve()
    at = curve[curve["value"].isin(inside)]
    _close(at["pvalue"], [0.05] * len(inside), "p at the J-N point on G - 1 df")


# -- the cluster bootstrap ---------------------------------------------------------------------------
def _task() -> tuple[_BootTask, pd.DataFrame]:
    d = DATA.dropna(subset=["X", "M", "W", "Y", "C"]).reset_index(drop=True)
    xm = np.column_stack([np.ones(len(d)), d["X"], d["W"], d["X"] * d["W"], d["C"]])
    xy = np.column_stack([np.ones(len(d)), d["X"], d["M"], d["C"]])
    return _BootTask((xm, xy), (d["M"].to_numpy(), d["Y"].to_numpy()), 1, pd.factorize(d["g"])[0]), d


def test_a_draw_solves_lm_on_the_stacked_rows_of_the_drawn_clusters():
    """R's first five draws (the branches picked, the lm.fit coefficients on their stacked rows):
    counting each row as often as its branch was picked gives the same coefficients."""
    task, d = _task()
    moments, widths = task.moments, [5, 4]
    for draw in R["bootstrap"]["first_draws"]:
        picked = pd.Series(draw["clusters"]).value_counts()
        counts = d["g"].map(picked).fillna(0).to_numpy(dtype=float)
        _close(_solve_counts(moments, widths, counts, 1e-12), draw["coefficients"], "a cluster draw")


def test_a_cluster_draw_counts_every_member_of_a_drawn_cluster():
    task, d = _task()
    g = task.clusters.max() + 1
    for i in range(3):
        counts = _draw_counts(task, i)
        drawn = np.bincount(stream(task.seed, i).integers(0, g, size=g), minlength=g)
        np.testing.assert_array_equal(counts, drawn[task.clusters])
        assert len(np.unique(counts[task.clusters == 0])) == 1  # a cluster's members enter together


def test_cluster_draws_do_not_depend_on_workers_or_batches():
    kw = dict(model=7, x="X", m="M", y="Y", w="W", cluster="g", n_boot=60, rng=11)
    with pytest.warns(sk.errors.MissingDataWarning):
        one = sk.process(DATA, **kw, jobs=1)
        two = sk.process(DATA, **kw, jobs=1, batch_size=7)  # workers: the row bootstrap's test (same machinery)
        rows = sk.process(DATA, **{k: v for k, v in kw.items() if k != "cluster"}, jobs=1)
    np.testing.assert_array_equal(one.draws.to_numpy(), two.draws.to_numpy())
    assert not np.allclose(one.draws.to_numpy(), rows.draws.to_numpy())


def test_cluster_bootstrap_agrees_with_an_r_loop_within_monte_carlo_error():
    """R: 5,000 draws of 50 branches (set.seed(20261205)); here 2,000 with another generator.

    A bootstrap SE from B draws has SD about s / sqrt(2 (B - 1)); the difference of ours (2,000)
    and R's (5,000) has SD 0.0187 s, and we allow four SDs, 0.075 s.  The 2.5% quantile of B
    draws of a normal distribution with SD s has SD sqrt(p (1 - p) / B) / phi(1.96) s, 0.060 s
    for 2,000 and 0.038 s for 5,000, so the difference has SD 0.071 s; we allow 0.28 s.
    """
    ref, b = R["bootstrap"], 2000
    with pytest.warns(sk.errors.MissingDataWarning):
        res = sk.process(DATA, model=7, x="X", m="M", y="Y", w="W", covariates="C", cluster="g", n_boot=b, rng=3,
                         jobs=1)
    ind, index = res.indirect_effects(), res.index_of_moderated_mediation().iloc[0]
    _close(ind["w"], ref["w"], "probe values")
    mine = {"indirect_w_low": ind.iloc[0], "indirect_w_mean": ind.iloc[1], "indirect_w_high": ind.iloc[2],
            "index": index.rename({"index": "est"})}
    rows_only = sk.process(DATA.dropna(), model=7, x="X", m="M", y="Y", w="W", covariates="C", n_boot=b, rng=3,
                           jobs=1).index_of_moderated_mediation().iloc[0]
    for name, row in mine.items():
        r = ref["statistics"][name]
        s = r["se"]
        _close(row["est"], r["est"], name)
        assert abs(row["boot_se"] - s) < 4 * s * np.sqrt(1 / (2 * (b - 1)) + 1 / (2 * (ref["n_boot"] - 1))), name
        assert abs(row["boot_ci_lower"] - r["percentile"][0]) < 0.28 * s, name
        assert abs(row["boot_ci_upper"] - r["percentile"][1]) < 0.28 * s, name
    # the branches' shared variance makes the cluster bootstrap wider than resampling members
    assert index["boot_se"] > 1.1 * rows_only["boot_se"]


# -- the result and bad input -------------------------------------------------------------------------
def test_result_records_the_clusters():
    res = _fit("m7")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.cluster = "x"
    d = json.loads(json.dumps(res.to_dict()))
    assert (d["cluster"], d["n_clusters"], d["df_rule"]) == ("g", 50, "G - 1")
    assert "cluster=g (50 clusters)" in repr(res)
    text = str(res.summary())
    assert "CR1 cluster-robust covariance matrix (50 clusters of 'g'); t and F tests on G - 1 = 49" in text
    plain = sk.process(DATA.dropna(), model=1, x="X", w="W", y="Y")
    assert (plain.to_dict()["cluster"], plain.n_clusters, plain.df_rule) == (None, None, "n - k")
    assert "cluster" not in repr(plain) and "CR1" not in str(plain.summary())


def test_rows_missing_a_model_variable_are_dropped_before_clustering():
    d = DATA.copy()
    d.loc[d["M"].isna(), "g"] = np.nan  # their cluster is unknown, but they are not used
    d.loc[d["g"] == "b07", "Y"] = np.nan  # a branch without a complete row is not a cluster of the model
    with pytest.warns(sk.errors.MissingDataWarning):
        res = sk.process(d, model=7, x="X", m="M", y="Y", w="W", cluster="g", n_boot=0)
    assert res.n_clusters == 49 and res.model_summary()["df2"].tolist() == [48, 48]


def _small(n_clusters: int) -> pd.DataFrame:
    d = DATA.dropna().copy()
    keep = sorted(d["g"].unique())[:n_clusters]
    return d[d["g"].isin(keep)]


@pytest.mark.parametrize("data, kwargs, error, message", [
    (DATA.dropna(), {"hc": "HC3"}, SpecError,
     "cluster= and hc='HC3' cannot be combined: the cluster-robust (CR1) covariance matrix replaces the HC matrix"),
    (DATA.dropna(), {"cluster": 3}, SpecError, "cluster= must be the name of the cluster column, not 3."),
    (DATA.dropna(), {"cluster": "branch"}, DataError,
     "The cluster column 'branch' (cluster=) is not a column of the data."),
    (DATA.dropna().assign(g=lambda d: d["g"].where(d.index % 50 != 3)), {}, DataError,
     "The cluster column 'g' has 13 missing value(s) in the complete rows of the model variables"),
    (DATA.dropna().assign(g="b01"), {}, DataError, "The cluster column 'g' has a single cluster in the complete rows"),
    (_small(4), {}, DataError,
     "The cluster column 'g' has 4 clusters in the complete rows but the largest equation has 4 coefficients; "
     "the cluster-robust covariance matrix has rank at most G - 1, so at least 5 clusters are needed."),
])
def test_bad_cluster_input_gets_one_sentence(data, kwargs, error, message):
    kw = {"cluster": "g", **kwargs}
    with pytest.raises(error, match=re.escape(message)):
        sk.process(data, model=1, x="X", w="W", y="Y", **kw)


def test_few_clusters_are_warned_about():
    with pytest.warns(DataQualityWarning, match=r"Only 12 clusters of 'g': cluster-robust standard errors are biased "
                                                 r"downward with fewer than about 30 clusters"):
        res = sk.process(_small(12), model=1, x="X", w="W", y="Y", cluster="g")
    assert res.n_clusters == 12 and any("Only 12 clusters" in m for _, m in res.warnings)
