"""Two-level CFA and SEM (``level: 1`` / ``level: 2`` blocks with ``cluster=``) against lavaan
0.6.14 (tests/reference/make_twolevel_reference.R -> lavaan/twolevel.json): every row of
parameterEstimates() (the same rows: lavaan's two-level defaults), standard errors from the
observed information, std.lv/std.all/std.nox, standardizedSolution() standard errors, the fit
measures with srmr_within/srmr_between, the intraclass correlations, R-squared per level; and
what is refused, with its sentence."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.errors import DataError, DataQualityWarning, ModelSpecificationError, SpecError
from tests.conftest import REF

CASES = json.loads((REF / "lavaan" / "twolevel.json").read_text(encoding="utf-8"))["cases"]
DATA = {"corpus/demo_twolevel.csv": REF / "data" / "corpus" / "demo_twolevel.csv",
        "twolevel_branches.csv": REF / "data" / "twolevel_branches.csv"}
KEY = ["lhs", "op", "rhs", "level"]
TUTORIAL = CASES[0]["model"]


def _level(col: pd.Series) -> pd.Series:
    """lavaan's level column: 1/2, or the block names within/between, "" for defined parameters."""
    return pd.to_numeric(col.replace({"within": 1, "between": 2}), errors="coerce").fillna(0).astype(int)


@pytest.fixture(scope="module")
def fits() -> dict:
    out = {}
    frames = {k: pd.read_csv(p) for k, p in DATA.items()}
    for case in CASES:
        cluster = "cluster" if "demo" in case["data"] else "branch"
        estimator = "MLR" if case["options"]["se"] == "robust.huber.white" else "ML"  # lavaan stores MLR as ML
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # lavaan fits these without a warning: so must surveykit
            out[case["id"]] = sk.sem(case["model"], frames[case["data"]], cluster=cluster, estimator=estimator,
                                     **case["kwargs"])
    return out


def _merged(case: dict, fit) -> pd.DataFrame:
    ref = pd.DataFrame(case["parameters"]).rename(columns={"std.lv": "std_lv", "std.all": "std_all",
                                                           "std.nox": "std_nox"})
    ref["level"] = _level(ref["level"])
    ours = fit.parameter_estimates()
    assert len(ours) == len(ref)  # the same rows: lavaan's two-level defaults
    merged = ref.merge(ours, on=KEY, how="left", suffixes=("_r", ""), validate="one_to_one")
    assert merged["est"].notna().all()
    return merged


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_estimates_and_standard_errors_match_lavaan(case, fits):
    fit = fits[case["id"]]
    m = _merged(case, fit)
    # estimates 1e-4 relative (to max(1, |est|)); lavaan's nlminb stops at gradients near 1e-5, so where it
    # differs more the difference is a small fraction of a standard error and surveykit's optimum is the lower one
    scale = np.maximum(1.0, m["est_r"].abs())
    off = (m["est"] - m["est_r"]).abs() > 1e-4 * scale
    assert ((m["est"] - m["est_r"]).abs()[off] <= 0.003 * m["se_r"][off]).all()
    if off.any():
        est = fit._estimation
        th = np.zeros(len(est.theta))
        t = est.lt.pt.table.merge(m[KEY + ["est_r"]], on=KEY, how="left")
        for k, v in zip(t["free"], t["est_r"]):
            if k > 0:
                th[k - 1] = v
        assert est.model.f(est.theta) <= est.model.f(th)
    free = m["se_r"] > 0
    assert m.loc[free, "se"].to_numpy() == pytest.approx(m.loc[free, "se_r"].to_numpy(), rel=1e-3)
    for col in ("std_lv", "std_all", "std_nox"):
        ok = m[col + "_r"].notna()
        assert np.abs(m.loc[ok, col] - m.loc[ok, col + "_r"]).max() <= 2e-4 * max(1.0, m.loc[ok, col].abs().max())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fit_measures_icc_and_r2_match_lavaan(case, fits):
    fit = fits[case["id"]]
    f = fit.fit_measures()
    ref = {k.replace(".", "_"): v for k, v in case["fit"].items()}
    for key, value in ref.items():  # every measure lavaan reports (with MLR the scaled and robust ones too)
        if value is None:
            assert not np.isfinite(f[key]), key
            continue
        assert f[key] == pytest.approx(value, rel=1e-3, abs=1e-6), key
    icc = fit.icc()
    assert icc.to_dict() == pytest.approx(case["icc"], abs=1e-8)
    r2 = fit.r_squared()
    # lavaan names the level-2 block by the cluster variable
    for level, values in zip(("within", "between"), case["r2"].values()):
        for var, value in values.items():
            # R-squared is a function of the estimates: their tolerance (1e-4) applies
            assert r2[(level, var)] == pytest.approx(value, rel=1e-3, abs=1e-4), (level, var)
    h1 = case["h1"]
    sample = fit.sample_cov()
    for level, block in zip(("within", "between"), h1.values()):
        names = block["names"]
        assert sample.loc[level].loc[names, names].to_numpy() == pytest.approx(
            np.array(block["cov"]), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("case", CASES[:1] + CASES[3:4], ids=[CASES[0]["id"], CASES[3]["id"]])
def test_standardized_solution_standard_errors_match_lavaan(case, fits):
    fit = fits[case["id"]]
    ref = pd.DataFrame(case["stdsol"])
    ref["level"] = _level(ref["level"])
    ours = fit.standardized_solution()
    m = ref.merge(ours, on=KEY, how="left", suffixes=("_r", ""), validate="one_to_one")
    ok = m["se_r"].notna() & (m["se_r"] > 0)
    assert m.loc[ok, "se"].to_numpy() == pytest.approx(m.loc[ok, "se_r"].to_numpy(), rel=1e-3)
    assert np.abs(m["est_std"] - m["est.std"]).max() < 3e-4


def test_table_layout_and_result_conversions(fits):
    fit = fits["tl_sem_tutorial"]
    t = fit.partable.table
    # a variable of both levels: its intercept is free at level 2 and fixed at 0 at level 1
    y1 = t[(t["lhs"] == "y1") & (t["op"] == "~1")].set_index("level")
    assert y1.loc[1, "free"] == 0 and y1.loc[1, "ustart"] == 0.0 and y1.loc[2, "free"] > 0
    # covariates of one level are fixed.x there, at the unrestricted model's moments
    x1 = t[(t["lhs"] == "x1") & (t["rhs"] == "x1")]
    assert list(x1["level"]) == [1] and x1["exo"].iat[0] == 1 and x1["free"].iat[0] == 0
    frame = fit.to_frame()
    assert list(frame.columns[:4]) == KEY
    d = fit.to_dict()
    assert d["nclusters"] == 200 and d["cluster"] == "cluster" and set(d["icc"]) == {"y1", "y2", "y3", "x1", "x2",
                                                                                       "x3"}
    assert d["fit_measures"]["srmr_within"] == pytest.approx(0.0035763, abs=1e-6)
    text = str(fit.summary())
    assert "Number of clusters [cluster]" in text and "[level within]" in text and "[level between]" in text
    assert "SRMR (between covariance matrix)" in text
    with pytest.raises(SpecError, match="Modification indices of a two-level model are not available yet"):
        fit.modindices()
    names = list(fit.vcov().index)  # lavaan's coef() names
    assert names[:2] == ["fw=~y2", "fw=~y3"] and "y1~~y1.l2" in names and len(set(names)) == len(names)


def test_labels_shared_by_the_levels_are_one_parameter(fits):
    fit = fits["tl_invariant_loadings"]
    pe = fit.parameter_estimates()
    a = pe[(pe["op"] == "=~") & (pe["rhs"] == "y2")]
    assert list(a["level"]) == [1, 2] and a["est"].iat[0] == a["est"].iat[1]
    assert fit.fit_measures()["npar"] == 13  # 3 shared loadings counted once
    icc_f = pe[pe["op"] == ":="]
    assert list(icc_f["lhs"]) == ["icc_f"] and icc_f["level"].iat[0] == 0


@pytest.fixture(scope="module")
def tl() -> pd.DataFrame:
    return pd.read_csv(DATA["corpus/demo_twolevel.csv"])


@pytest.mark.parametrize(("model", "kwargs", "error", "message"), [
    (TUTORIAL, {}, SpecError, r"The model has 'level:' blocks, so it needs cluster="),
    ("level: 1\n f =~ y1 + y2 + y3", {"cluster": "cluster"}, ModelSpecificationError,
     r"The model has only one 'level:' block"),
    ("f =~ y1 + y2 + y3\nlevel: 2\n fb =~ y1 + y2 + y3", {"cluster": "cluster"}, ModelSpecificationError,
     r"line 1: 'f =~ y1 \+ y2 \+ y3' comes before the first 'level:' line"),
    ("level: 1\n f =~ y1 + y2\nlevel: 3\n g =~ y1 + y2", {"cluster": "cluster"}, ModelSpecificationError,
     r"'level: 3' is not a level surveykit fits"),
    ("level: 1\n f =~ y1 + y2\nlevel: 1\n g =~ y1 + y2", {"cluster": "cluster"}, ModelSpecificationError,
     r"'level: 1' is given twice"),
    ("group: 1\n f =~ y1 + y2 + y3", {}, ModelSpecificationError, r"'group:' blocks are not supported"),
    (TUTORIAL, {"cluster": "cluster", "test": "satorra.bentler"}, SpecError,
     r"test='satorra.bentler' is not available for a two-level model"),
    (TUTORIAL, {"cluster": "cluster", "estimator": "WLSMV"}, SpecError,
     r"A two-level model is estimated by maximum likelihood"),
    (TUTORIAL, {"cluster": "cluster", "missing": "fiml"}, SpecError,
     r"missing='fiml' for a two-level model is not available yet"),
    (TUTORIAL, {"cluster": "cluster", "group": "g"}, SpecError, r"A two-level model with group= is not available"),
    (TUTORIAL, {"cluster": "cluster", "se": "robust.sem"}, SpecError, r"se='robust.sem' is not available for a two"),
    (TUTORIAL, {"cluster": "cluster", "information": "expected"}, SpecError,
     r"information='expected' for a two-level model is not available yet"),
    (TUTORIAL, {"cluster": "nope"}, DataError, r"The cluster column 'nope' \(cluster=\) is not a column"),
    ("level: 1\n f =~ y1 + y2 + y3 + w1\nlevel: 2\n fb =~ y1 + y2 + y3", {"cluster": "cluster"}, DataError,
     r"Level-1 variable 'w1' has no variance within the clusters of 'cluster'.*remove it from the 'level: 1' block"),
])
def test_refusals_are_one_sentence(tl, model, kwargs, error, message):
    with pytest.raises(error, match=message):
        sk.sem(model, tl, **kwargs)


def test_clusters_of_one_member_and_level_two_variables_that_vary(tl):
    single = tl.assign(cluster=range(len(tl)))
    with pytest.raises(DataError, match=r"Every cluster of 'cluster' contains only one row"):
        sk.sem(TUTORIAL, single, cluster="cluster")
    varying = tl.assign(w1=tl["w1"] + np.linspace(0, 0.01, len(tl)))
    with pytest.warns(DataQualityWarning, match=r"Level-2 variable 'w1' varies within 200 cluster\(s\) of 'cluster'; "
                      "its cluster means are used"):
        fit = sk.sem(TUTORIAL, varying, cluster="cluster")
    assert fit.warnings[0][0] == "DataQualityWarning"


def test_a_split_variable_without_between_variance_is_warned_about(tl):
    flat = tl.assign(x1=tl["x1"] - tl.groupby("cluster")["x1"].transform("mean"))  # cluster means all 0
    model = "level: 1\n fw =~ y1 + y2 + y3\n fw ~ x1\nlevel: 2\n fb =~ y1 + y2 + y3\n fb ~ x1"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sk.sem(model, flat, cluster="cluster")
    messages = [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]
    assert any("x1 (in both levels) hardly vary between the clusters of 'cluster'" in m for m in messages)


def test_parameter_table_of_a_two_level_model(tl):
    from surveykit.sem.api import parameter_table

    pt = parameter_table(TUTORIAL, tl, cluster="cluster")
    assert set(pt.table["level"]) == {1, 2} and pt.n_free == 20
