"""Stages of the pipeline run alone, each returning its typed section of the results record."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import surveykit as sk
from surveykit.analysis import stages as st
from surveykit.analysis.spec import load_spec
from surveykit.errors import SpecError, SurveykitWarning
from surveykit.report import schema as rs

from ..conftest import write_light_spec


@pytest.fixture(scope="module")
def light(tmp_path_factory):
    spec, _ = load_spec(write_light_spec(tmp_path_factory.mktemp("spec")))
    ins, data, checked = st.read(spec)
    _, sample, screening = st.screening(spec, data)
    return spec, data, sample, screening, checked


def _spec(tmp_path, **changes):
    return load_spec(write_light_spec(tmp_path, **changes))[0]


def test_read_and_screening(light):
    spec, data, sample, screening, checked = light
    assert isinstance(screening, rs.Screening) and screening.n_before == data.n == 600
    assert screening.n_after == len(sample.keyed) == sample.data.n < 600
    assert sample.codes == ("IDE", "ORG", "CAP", "STY", "INT", "INS", "MEC", "EXE")
    info = st.data_info(spec, data, checked)
    assert info.validation.ok and info.file == "demo_survey.sav"
    assert set(info.missing_codes) <= set(data.item_ids())


def test_measurement_constructs_must_exist(light, tmp_path):
    data = light[1]
    spec = _spec(tmp_path, measurement={"constructs": ["IDE", "XYZ"]})
    with pytest.raises(SpecError, match="measurement.constructs names XYZ, not constructs of execution_capacity"):
        st.screening(spec, data)


def test_descriptives_and_reliabilities(light):
    _, _, sample, _, _ = light
    desc = st.descriptives(sample)
    assert [d.item for d in desc] == sample.data.item_ids()
    rels, rows, items = st.reliabilities(sample)
    assert [r.name for r in rows] == list(sample.codes) == [i.name for i in items]
    ide = sk.reliability(sample.keyed[sample.data.item_ids("IDE")], name="IDE")
    assert rows[0].alpha == pytest.approx(ide.alpha, rel=1e-15) and rels["IDE"].alpha == ide.alpha


def test_measurement_with_wlsmv_takes_cr_and_ave_from_standardized_loadings(light, tmp_path):
    _, _, sample, _, _ = light
    spec = _spec(tmp_path, estimation={"estimator": "WLSMV"})
    codes = ("IDE", "ORG")
    two = st.Sample(sample.data, sample.keyed, codes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveykitWarning)
        fit, rec = st.measurement(spec, two)
    assert rec.estimator == "WLSMV" and [v.factor for v in rec.validity.table] == list(codes)
    std = fit.parameter_estimates().query("op == '=~' and lhs == 'IDE'")["std_all"].to_numpy()
    cr = std.sum() ** 2 / (std.sum() ** 2 + np.sum(1 - std**2))
    assert rec.validity.table[0].cr == pytest.approx(cr, rel=1e-12)
    assert rec.validity.table[0].ave == pytest.approx(np.mean(std**2), rel=1e-12)
    assert rec.validity.htmt is None and rec.validity.table[0].sqrt_ave is None


def test_hypothesis_naming_no_path_of_the_model(light, tmp_path):
    _, _, sample, _, _ = light
    spec = _spec(tmp_path, structural={"model": "EXE ~ IDE", "hypotheses": [
        {**_H9, "kind": "path", "path": "EXE ~ ORG", "expect": "positive", "text": {"zh": "组织", "en": "org"}}]})
    small = st.Sample(sample.data, sample.keyed, ("IDE", "EXE"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveykitWarning)
        fit, rec = st.structural(spec, small)
    assert [(p.lhs, p.rhs) for p in rec.rows("~")] == [("EXE", "IDE")]
    with pytest.raises(SpecError, match="Hypothesis H9 names 'EXE ~ ORG', which is not a path of the structural "
                                        "model; add it to structural.model or fix the hypothesis."):
        st.hypotheses(spec, fit, None)


@pytest.mark.parametrize(("expect", "supported"), [("negative", True), ("positive", False), ("nonzero", True)])
def test_a_negative_hypothesis_is_supported_by_a_negative_significant_estimate(light, tmp_path, expect, supported):
    """IDE's items negated: IDE predicts EXE negatively (beta about -.3), as "尽责性负向预测神经质" would."""
    _, _, sample, _, _ = light
    keyed = sample.keyed.copy()
    ide = sample.data.item_ids("IDE")
    keyed[ide] = -keyed[ide]
    spec = _spec(tmp_path, structural={"model": "EXE ~ IDE", "hypotheses": [
        {"id": "H1", "kind": "path", "path": "EXE ~ IDE", "expect": expect, "text": "IDE 负向预测 EXE。"}]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveykitWarning)
        fit, _ = st.structural(spec, st.Sample(sample.data, keyed, ("IDE", "EXE")))
    (h,) = st.hypotheses(spec, fit, None)
    assert h.est < 0 and h.std_all < -0.2 and h.pvalue < 0.001
    assert h.expect == expect and h.supported is supported


@pytest.mark.parametrize(("hypothesis", "message"), [
    ({"id": "H1", "kind": "path", "path": "EXE ~ IDE", "text": "t"},
     r"key 'structural.hypotheses\[0\].expect': Field required. Fix that key. Expected, for example: "
     r"'expect: positive', 'expect: negative' or 'expect: nonzero'"),
    ({"id": "H1", "kind": "path", "path": "EXE ~ IDE", "direction": "negative", "text": "t"},
     r"key 'structural.hypotheses\[0\].direction': Extra inputs are not permitted; the keys allowed here are "
     r"id, kind, path, parameter, expect, text. Fix that key."),
])
def test_a_hypothesis_needs_its_sign_and_unknown_keys_name_the_allowed_ones(tmp_path, hypothesis, message):
    with pytest.raises(SpecError, match=message):
        _spec(tmp_path, structural={"model": "EXE ~ IDE", "hypotheses": [hypothesis]})


def test_bootstrap_needs_ml_with_listwise_deletion(light, tmp_path):
    spec = _spec(tmp_path, estimation={"estimator": "MLR"}, bootstrap={"n_boot": 100})
    with pytest.raises(SpecError, match="bootstrap needs estimation.estimator 'ML' with listwise deletion"):
        st.mediation(spec, None, 1, light[2])


def test_invariance_group_must_be_a_column(light, tmp_path):
    spec = _spec(tmp_path, invariance={"group": "province"})
    with pytest.raises(SpecError, match="invariance.group 'province' is not a column of the data."):
        st.measurement_invariance(spec, light[2])


def test_invariance_of_ordinal_items_runs_the_ordinal_sequence(light, tmp_path):
    """estimation.estimator WLSMV: the items are ordinal, so the invariance stage runs the ordinal
    sequence (Wu & Estabrook 2016) with scaled indices and Satorra (2000) difference tests."""
    _, _, sample, _, _ = light
    spec = _spec(tmp_path, estimation={"estimator": "WLSMV"}, invariance={"group": "region"})
    two = st.Sample(sample.data, sample.keyed, ("IDE", "ORG"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveykitWarning)
        rec = st.measurement_invariance(spec, two)
    assert [lv.level for lv in rec.table] == ["configural", "thresholds", "metric", "scalar"]
    assert rec.ordinal and rec.estimator == "WLSMV" and rec.fit_indices == "scaled"
    assert rec.difference_test.startswith("Satorra (2000)") and "Estabrook" in rec.identification
    assert set(rec.syntax) == {"configural", "thresholds", "metric", "scalar"}


def test_ordinal_options_need_ordinal_items(light, tmp_path):
    spec = _spec(tmp_path, invariance={"group": "region", "parameterization": "theta"})
    with pytest.raises(SpecError, match="invariance.parameterization and the 'thresholds' level apply to ordinal"):
        st.measurement_invariance(spec, light[2])


# -- the sampling design ---------------------------------------------------------------------------------------
def test_design_stage_reports_clusters_weights_iccs_and_design_based_means(light, tmp_path):
    """The demo's members nested in 60 branches: cluster sizes, Kish's deff of the weights, ICC(1),
    ICC(2) and rwg(j) per construct (sk.aggregation's own numbers), design-based means of the
    construct scores (sk.survey_mean, deff against sampling with replacement)."""
    _, _, sample, _, _ = light
    spec = _spec(tmp_path, design={"cluster": "branch_id", "weights": "weight", "cluster_level": ["EXE"]})
    rec = st.design(spec, sample)
    frame = sample.data.frame
    sizes = frame["branch_id"].value_counts()
    assert rec.clusters.n_clusters == len(sizes) == 60 and rec.clusters.size_max == sizes.max()
    w = frame["weight"].to_numpy(float)
    assert rec.weight_summary.deff_kish == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2, rel=1e-12)
    agg = sk.aggregation(sample.data, group="branch_id").constructs.set_index("construct")
    for row in rec.aggregation.constructs:
        assert row.icc1 == pytest.approx(agg.loc[row.code, "icc1"], rel=1e-12)
        assert row.rwg_j_mean == pytest.approx(agg.loc[row.code, "rwg_j_mean"], rel=1e-12)
    means = sk.survey_mean(sample.data, design={"cluster": "branch_id", "weights": "weight"}, deff="replace")
    got = {e.variable: (e.estimate, e.se, e.deff) for e in rec.means.estimates}
    for r in means.table.itertuples():
        assert got[r.variable] == pytest.approx((r.estimate, r.se, r.deff), rel=1e-12)
    assert rec.models == "cluster-robust and weighted" and rec.cluster_level == ["EXE"]
    assert rec.means.deff == "replace"


def test_design_columns_and_constructs_must_exist(light, tmp_path):
    _, _, sample, _, _ = light
    spec = _spec(tmp_path, design={"cluster": "branch"})
    with pytest.raises(SpecError, match="design.cluster names 'branch', which is not a column of demo_survey.sav; "
                                        "name the column that holds it."):
        st.design(spec, sample)
    spec = _spec(tmp_path, design={"cluster": "branch_id", "cluster_level": ["XYZ"]})
    with pytest.raises(SpecError, match="design.cluster_level names XYZ, not constructs of this analysis"):
        st.design(spec, sample)


def test_design_spec_needs_a_column_and_cluster_level_needs_clusters(tmp_path):
    with pytest.raises(SpecError, match="design needs at least one of cluster, weights or strata"):
        _spec(tmp_path, design={"cluster_level": []})
    with pytest.raises(SpecError, match="design.cluster_level needs design.cluster"):
        _spec(tmp_path, design={"weights": "weight", "cluster_level": ["EXE"]})


def test_models_use_the_design_and_the_bootstrap_resamples_branches(light, tmp_path):
    """cluster= reaches the fits (cluster-robust SEs); the bootstrap of the defined effects resamples
    whole branches; weighted models cannot be bootstrapped, and the model-based CMB checks are skipped
    with a warning."""
    _, _, sample, _, _ = light
    two = st.Sample(sample.data, sample.keyed, ("IDE", "STY", "EXE"))
    structural = {"model": "STY ~ a*IDE\nEXE ~ b*STY + IDE\nind := a*b", "hypotheses": []}
    spec = _spec(tmp_path, structural=structural, bootstrap={"n_boot": 100, "ci": "percentile", "jobs": 1},
                 design={"cluster": "branch_id", "weights": "weight", "weights_in_models": False})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveykitWarning)
        fit, rec = st.structural(spec, two)
        assert fit.options.cluster == "branch_id" and fit.options.sampling_weights is None
        boot, med = st.mediation(spec, fit, 5, two)
    assert (boot.cluster, boot.n_clusters, med.n_clusters) == ("branch_id", 60, 60)
    pe = fit.parameter_estimates().set_index(["lhs", "op", "rhs"])
    bpe = boot.parameter_estimates().set_index(["lhs", "op", "rhs"])
    assert bpe.loc[("STY", "~", "IDE"), "est"] == pytest.approx(pe.loc[("STY", "~", "IDE"), "est"], rel=1e-6)
    weighted = _spec(tmp_path, structural=structural, bootstrap={"n_boot": 100},
                     design={"cluster": "branch_id", "weights": "weight"})
    with pytest.raises(SpecError, match="bootstrap refits unweighted models, and the spec weights the models"):
        st.mediation(weighted, fit, 5, two)
    with pytest.warns(sk.errors.OptionWarning, match="model-based common-method checks"):
        assert st.cmb(weighted, two) == rs.CMB()


# -- moderation and moderated mediation (PROCESS models on construct scores) -----------------------------------
@pytest.fixture(scope="module")
def processed(light):
    spec, _, sample, _, _ = light
    return st.conditional_process(spec, sample, 5)


def test_process_stage_runs_each_hypothesis_on_the_scores(light, processed):
    spec, _, sample, _, _ = light
    results, tests, rows = processed
    assert [t.id for t in tests] == [r.id for r in rows] == ["H7", "H8"] == list(results)
    direct = sk.process(sample.data, model=1, x="STY", w="MEC", y="EXE", covariates=["IDE", "ORG"], center=True,
                        n_boot=0)
    coef = direct.coefficients().set_index("term")
    h7 = {r.id: r for r in rows}["H7"]
    assert h7.kind == "moderation" and h7.method.endswith("interaction (OLS)")
    assert (h7.est, h7.se, h7.pvalue) == pytest.approx(tuple(coef.loc["STY:MEC", ["est", "se", "pvalue"]]), rel=1e-12)
    assert h7.supported == bool(coef.loc["STY:MEC", "pvalue"] < 0.05 and coef.loc["STY:MEC", "est"] > 0)
    t8 = tests[1]
    assert t8.run.model == 14 and t8.run.n_boot == 200 and t8.run.level == 0.95 and t8.run.center
    assert t8.procedure == "wen-ye-2014"  # the demo's profile, cn-journal
    assert set(t8.decisions) == {"hayes-2015", "wen-ye-2014"}
    index = t8.decisions["hayes-2015"][0]
    a1b2 = t8.decisions["wen-ye-2014"][0]
    assert a1b2.statistic == "a1*b2" and a1b2.est == pytest.approx(index.est, rel=1e-12)  # model 14: the same product
    assert t8.outcomes["hayes-2015"] == bool(index.significant and index.est > 0)


def test_process_stage_uses_the_design_clusters(tmp_path, light):
    _, _, sample, _, _ = light
    spec = _spec(tmp_path, design={"cluster": "branch_id", "weights": "weight", "weights_in_models": False})
    results, tests, rows = st.conditional_process(spec, sample, 5)
    direct = sk.process(sample.data, model=1, x="STY", w="MEC", y="EXE", covariates=["IDE", "ORG"], center=True,
                        cluster="branch_id", n_boot=0)
    coef = direct.coefficients().set_index("term")
    h7 = {r.id: r for r in rows}["H7"]
    assert (h7.est, h7.se, h7.pvalue) == pytest.approx(tuple(coef.loc["STY:MEC", ["est", "se", "pvalue"]]), rel=1e-12)
    g = sample.data.frame["branch_id"].nunique()
    for t in tests:
        assert (t.run.cluster, t.run.n_clusters, t.run.df_rule) == ("branch_id", g, "G - 1")
        assert {s.df2 for s in t.run.model_summary} == {g - 1}
    h8 = results["H8"]
    rows_only = st.conditional_process(_spec(tmp_path), sample, 5)[0]["H8"]
    np.testing.assert_array_equal(h8.coefficients()["est"], rows_only.coefficients()["est"])
    assert not np.array_equal(h8.draws.to_numpy(), rows_only.draws.to_numpy())  # whole branches resampled


@pytest.mark.parametrize("changes, message", [
    ({"design": {"cluster": "branch_id", "weights": "weight", "weights_in_models": True}},
     "process fits unweighted OLS models, and the spec weights the models; set design.weights_in_models to false"),
    ({"design": {"cluster": "branch_id"}, "process": "HC3"},
     "process.hc (HC3) cannot be combined with design.cluster: the cluster-robust (CR1) covariance matrix of the "
     "design's clusters replaces the HC matrix; remove process.hc."),
])
def test_process_stage_refuses_what_ols_on_clusters_cannot_honour(tmp_path, light, changes, message):
    _, _, sample, _, _ = light
    spec = load_spec(write_light_spec(tmp_path))[0]
    if changes.get("process") == "HC3":
        changes = {**changes, "process": {**spec.process.model_dump(mode="json", exclude_none=True), "hc": "HC3"}}
    with pytest.raises(SpecError, match=re.escape(message)):
        st.conditional_process(_spec(tmp_path, **changes), sample, 5)


def test_the_convention_profile_chooses_the_procedure(tmp_path, light):
    _, _, sample, _, _ = light
    spec = _spec(tmp_path, report={"lang": "en", "convention": "hu-bentler-1999"})
    _, tests, rows = st.conditional_process(spec, sample, 5)
    assert tests[1].procedure == "hayes-2015"
    assert rows[1].method.startswith("Hayes (2015): index")
    index = tests[1].decisions["hayes-2015"][0]
    assert (rows[1].est, rows[1].ci_lower, rows[1].ci_upper) == (index.est, index.ci_lower, index.ci_upper)
    assert rows[1].supported == bool(index.significant and index.est > 0)


def test_wen_ye_falls_back_on_the_products_bootstrap_interval(processed):
    res = processed[0]["H8"]
    seq_only = st._wen_ye_steps(res, 0.05)
    none_sig = st._wen_ye_steps(res, 1e-300)  # no coefficient is significant at this alpha
    assert [s.step for s in none_sig] == ["sequential", "bootstrap"] and not none_sig[0].significant
    prod = res.coefficient_products().iloc[0]
    assert (none_sig[1].ci_lower, none_sig[1].ci_upper) == (prod["boot_ci_lower"], prod["boot_ci_upper"])
    assert none_sig[1].significant == bool(prod["boot_ci_lower"] > 0 or prod["boot_ci_upper"] < 0)
    assert st._verdict(none_sig, "positive") == none_sig[1].significant
    assert [s.step for s in seq_only] == (["sequential"] if seq_only[0].significant else ["sequential", "bootstrap"])


_H9 = {"id": "H9", "expect": "positive", "text": "t"}


@pytest.mark.parametrize("hypothesis, error, message", [
    ({**_H9, "kind": "moderated_mediation", "x": "IDE", "m": "STY", "w": "MEC", "y": "EXE"},
     SpecError, "hypothesis H9: kind 'moderated_mediation' needs m (the mediator) and model"),
    ({**_H9, "kind": "moderation", "x": "IDE", "m": "STY", "w": "MEC", "y": "EXE"},
     SpecError, "hypothesis H9: a moderation has no mediator m"),
    ({**_H9, "kind": "moderation", "model": 7, "x": "IDE", "w": "MEC", "y": "EXE"},
     SpecError, "hypothesis H9: a moderation is PROCESS model 1 (2 or 3 with z), not 7"),
    ({**_H9, "kind": "moderation", "x": "IDE", "w": "NOPE", "y": "EXE"},
     sk.errors.DataError, "process hypothesis H9: "),
    ({**_H9, "kind": "moderated_mediation", "model": 12, "x": "IDE", "m": "STY", "w": "MEC", "y": "EXE"},
     SpecError, "hypothesis H9: PROCESS model 12 is not offered; a moderated mediation is one of the "
                "models 7, 8, 9, 14, 15, 21, 58, 59"),
    ({**_H9, "kind": "moderated_mediation", "model": 5, "x": "IDE", "m": "STY", "w": "MEC", "y": "EXE"},
     SpecError, "hypothesis H9: PROCESS model 5 has no moderated indirect effect"),
    ({**_H9, "kind": "moderated_mediation", "model": 7, "x": "IDE", "m": "STY", "w": "STY", "y": "EXE"},
     SpecError, "process hypothesis H9: 'STY' is given in more than one role"),
])
def test_bad_process_hypotheses_get_one_sentence(tmp_path, light, hypothesis, error, message):
    _, _, sample, _, _ = light
    with pytest.raises(error, match=re.escape(message)):
        spec = _spec(tmp_path, process={"hypotheses": [hypothesis], "n_boot": 100, "jobs": 1})
        st.conditional_process(spec, sample, 5)


# -- the two-level CFA of the cluster-level constructs ----------------------------------------------------------
def test_two_level_cfa_of_exe_matches_lavaan(light, tmp_path):
    """design.two_level: EXE within and between branches, the between residual variances at 0; lavaan
    0.6.14 on the same sample (tests/reference/make_demo_twolevel_reference.R): estimates 1e-4,
    standard errors and fit measures 1e-3 relative, the items' ICCs 1e-4."""
    import json

    from ..conftest import REF

    ref = json.loads((REF / "lavaan" / "demo_twolevel.json").read_text(encoding="utf-8"))
    _, _, sample, _, _ = light
    spec = _spec(tmp_path, design={"cluster": "branch_id", "cluster_level": ["EXE"],
                                   "two_level": {"between_residuals": "zero"}})
    with pytest.warns(sk.errors.DataQualityWarning, match="rows had missing values on model variables"):
        fit, rec = st.two_level(spec, sample)
    assert rec.model == ref["model"] and rec.constructs == ["EXE"] and rec.between_residuals == "zero"
    assert (rec.nobs, rec.nclusters, rec.cluster) == (ref["nobs"], ref["nclusters"], "branch_id")
    ours = {(p.lhs, p.op, p.rhs, p.level): p for p in rec.parameters}
    for r in ref["parameters"]:
        p = ours[(r["lhs"], r["op"], r["rhs"], r["level"])]
        assert p.est == pytest.approx(r["est"], abs=1e-4), r
        assert p.se == pytest.approx(r["se"], rel=1e-3, abs=1e-6), r
        if r["std_all"] is not None:
            assert p.std_all == pytest.approx(r["std_all"], rel=1e-4, abs=1e-4), r
    fm = rec.fit_measures.model_dump()
    for key, value in ref["fit_measures"].items():
        assert fm[key] == pytest.approx(value, rel=1e-3, abs=1e-6), key
    for item, value in ref["icc"].items():
        assert rec.icc[item] == pytest.approx(value, abs=1e-4)


def test_two_level_refusals(light, tmp_path):
    _, _, sample, _, _ = light
    with pytest.raises(SpecError, match="design.two_level needs design.cluster"):
        _spec(tmp_path, design={"weights": "weight", "two_level": {"constructs": ["EXE"]}})
    with pytest.raises(SpecError, match=r"design.two_level needs constructs \(or design.cluster_level\)"):
        _spec(tmp_path, design={"cluster": "branch_id", "two_level": {}})
    spec = _spec(tmp_path, design={"cluster": "branch_id", "two_level": {"constructs": ["XYZ"]}})
    with pytest.raises(SpecError, match="design.two_level.constructs names XYZ, not constructs of this analysis"):
        st.two_level(spec, sample)
    spec = _spec(tmp_path, design={"cluster": "branch_id", "two_level": {"constructs": ["EXE"]}},
                 estimation={"estimator": "WLSMV"})
    with pytest.raises(SpecError, match=r"design.two_level is estimated by ML or MLR; estimation.estimator is WLSMV"):
        st.two_level(spec, sample)
