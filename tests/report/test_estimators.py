"""Each estimator's report shows the quantities that estimator reports: the fit table (scaled or
robust statistics where they exist), the methods text true to the options, and partial invariance
shown as partial with what was freed."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import surveykit as sk
from surveykit.report.document import coef, num
from surveykit.report.render import render_document
from tests.conftest import REF, write_light_spec


def _run(tmp_path_factory, estimator: str, missing: str) -> dict:
    folder = tmp_path_factory.mktemp(f"{estimator}-{missing}")
    spec = write_light_spec(folder, estimation={"estimator": estimator, "missing": missing},
                            psychometrics={"enabled": False}, cmb={"single_factor": False, "ulmc": False})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.errors.SurveykitWarning)
        return sk.analyze(spec).results


@pytest.fixture(scope="module", params=[("MLR", "listwise"), ("WLSMV", "listwise"), ("ML", "fiml")],
                ids=["MLR", "WLSMV", "FIML"])
def run(request, tmp_path_factory):
    return request.param, _run(tmp_path_factory, *request.param)


def _fit_table(doc, key: str) -> dict[str, str]:
    table = next(t for t in doc.tables if t.key == key)
    return {row[0].text: row[1].text for row in table.rows}, table.notes


def _methods(doc) -> str:
    return next(s for s in doc.sections if s.key == "methods").blocks[0].text


EXPECTED = {  # the fit indices each estimator reports, and words its methods text must and must not hold
    "MLR": ("_robust", ["稳健最大似然法（MLR）", "Huber–White", "观测信息矩阵", "Yuan–Bentler 校正统计量"],
            ["期望信息矩阵", "多分格"]),
    "WLSMV": ("_scaled", ["有序分类变量", "多分格相关矩阵", "WLSMV，delta 参数化", "稳健（三明治）标准误",
                          "均值方差校正统计量"], ["期望信息矩阵", "协方差矩阵（除数为 N）", "Huber–White"]),
    "ML": ("", ["最大似然法（ML）基于原始数据", "全信息最大似然法（FIML）", "观测信息矩阵", "未校正的 χ² 检验"],
           ["期望信息矩阵", "成列删除", "稳健"]),
}


@pytest.mark.parametrize("key", ["measurement-fit", "structural-fit"])
def test_fit_table_shows_the_estimators_statistics(run, key):
    (estimator, missing), results = run
    doc = render_document(results, "zh", convention="cn-journal")
    fit = results["measurement" if key == "measurement-fit" else "structural"]["fit_measures"]
    suffix = EXPECTED[estimator][0]
    rows, notes = _fit_table(doc, key)
    scaled = "_scaled" if suffix else ""
    assert rows["χ² (df)"] == f"{num(fit['chisq' + scaled], 2)} ({int(fit['df' + scaled])})"
    for index in ("cfi", "rmsea", "srmr"):
        value = fit[index + suffix] if index != "srmr" else fit["srmr"]
        assert rows[index.upper()].startswith(coef(value, 3)), index
    assert rows["TLI"].startswith(num(fit["tli" + suffix], 3))
    if suffix:
        assert rows["缩放因子"] == num(fit["chisq_scaling_factor"], 3)
        assert f"未校正的 χ² = {num(fit['chisq'], 2)}" in notes[0]
        assert fit["chisq_scaled"] != fit["chisq"]  # the table shows the scaled one, not the unscaled
    else:
        assert "全信息最大似然法（FIML）" in notes[0]
    if estimator == "WLSMV":
        assert "平移参数" in rows and "AIC" not in rows
        assert results["measurement"]["estimation"] == {"se": "robust.sem", "test": ["standard", "scaled.shifted"],
                                                        "information": "expected", "missing": "listwise",
                                                        "ordered": True, "parameterization": "delta"}


def test_methods_text_is_true_to_the_estimator(run):
    (estimator, missing), results = run
    text = _methods(render_document(results, "zh", convention="cn-journal"))
    _, present, absent = EXPECTED[estimator]
    for words in present:
        assert words in text, words
    for words in absent:
        assert words not in text, words


def test_clustered_ml_says_cluster_robust_errors_and_the_scaled_test(demo_run):
    """The demo's members are nested in branches (design: cluster): ML with cluster-robust standard
    errors and the Yuan-Bentler (Mplus) scaled statistic, as lavaan's cluster= gives."""
    doc = render_document(demo_run.results, "zh", convention="cn-journal")
    text = _methods(doc)
    assert ("最大似然法（ML）基于样本协方差矩阵（除数为 N）估计，缺失个案成列删除，标准误为整群稳健（三明治）标准误，"
            "χ² 为 Yuan–Bentler 校正统计量") in text
    assert "robust.cluster" not in text
    rows, notes = _fit_table(doc, "measurement-fit")
    fit = demo_run.results["measurement"]["fit_measures"]
    assert rows["χ² (df)"].startswith(num(fit["chisq_scaled"], 2)) and "缩放因子" in rows
    assert "。 " not in text  # Chinese sentences follow each other without a space


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_kind_of_standard_error_and_test_has_words(lang):
    """Every se=, test= and missing= the SEM accepts is described in the methods text, never shown as a raw key."""
    from surveykit.report.document import messages
    from surveykit.sem.options import _MISSING_ALIASES, _SE, _TESTS

    mm = messages(lang)["methods"]
    keys = {f"standard_{info}" for info in ("expected", "observed", "first.order")} | set(_SE) - {"standard"}
    assert keys <= set(mm["se"]), keys - set(mm["se"])
    assert set(_TESTS) <= set(mm["test"]), set(_TESTS) - set(mm["test"])
    assert set(_MISSING_ALIASES.values()) <= set(mm["missing"]), set(_MISSING_ALIASES.values()) - set(mm["missing"])


@pytest.fixture(scope="module")
def partial_results(demo_result):
    """The demo record with the invariance of the Holzinger-Swineford CFA by school, where full scalar
    invariance fails and two intercepts are released (lavaan's classic example: x3 and x7)."""
    hs = pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    res = sk.invariance(model, hs, group="school", levels=("configural", "metric", "scalar"))
    r = dict(demo_result.results)
    r["invariance"] = res.to_dict()
    return r, res


def test_partial_invariance_is_shown_as_partial_with_what_was_freed(partial_results):
    r, res = partial_results
    assert res.released["scalar"] and not res.released["metric"]
    full = res.full_levels["scalar"]
    assert full["delta_cfi"] < -0.01 and full["df"] == res.table.loc["scalar", "df"] + len(res.released["scalar"])
    for lang, words in (("zh", ("强等值（+ 截距）：全部约束", "强等值（+ 截距）：部分等值", "释放：", "的截距")),
                        ("en", ("Scalar (+ intercepts): all constraints", "Scalar (+ intercepts): partial",
                                "Released: ", "intercept of "))):
        doc = render_document(r, lang, convention="cn-journal")
        table = next(t for t in doc.tables if t.key == "invariance")
        labels = [row[0].text for row in table.rows]
        assert labels[2:4] == [words[0], words[1]], labels
        full_row, partial_row = table.rows[2], table.rows[3]
        assert full_row[5].text.startswith(coef(full["delta_cfi"], 3)) and full_row[5].mark == "no"
        assert partial_row[5].mark == "ok" and partial_row[1].text.endswith(f"({int(res.table.loc['scalar', 'df'])})")
        for name in res.released["scalar"]:
            item = name.split()[0]
            assert f"{item} 的截距" in partial_row[0].sub if lang == "zh" else f"intercept of {item}" in \
                partial_row[0].sub
        note = " ".join(table.notes)
        assert coef(full["delta_cfi"], 3) in note and f"{len(res.released['scalar'])}" in note


def test_a_negative_hypothesis_is_reported_with_its_predicted_sign(demo_run):
    r = dict(demo_run.results)
    h = dict(r["hypotheses"][0], expect="negative", est=-0.205, std_all=-0.205, pvalue=1e-9, ci_lower=-0.3,
             ci_upper=-0.1, supported=True)
    r["hypotheses"] = [h]
    for lang, words in (("zh", ("负向", "支持")), ("en", ("negative", "Supported"))):
        doc = render_document(r, lang, convention="cn-journal")
        row = next(t for t in doc.tables if t.key == "hypotheses").rows[0]
        assert (row[2].text, row[-1].text) == words and row[-1].mark == "ok"
        assert row[1].sub == "IDE → EXE"


def test_mediation_names_effects_by_their_paths_and_says_each_once(demo_run):
    doc = render_document(demo_run.results, "zh", convention="cn-journal")
    table = next(t for t in doc.tables if t.key == "mediation")
    named = {row[0].text: row[-1].text for row in table.rows}
    assert named == {"IDE → STY → EXE": "置信区间不含 0：存在间接效应",
                     "INS → MEC → EXE": "置信区间不含 0：存在间接效应",
                     "IDE → EXE（总效应）": "置信区间不含 0：总效应显著"}
    text = " ".join(b.text for b in next(s for s in doc.sections if s.key == "mediation").blocks
                    if b.kind == "paragraph")
    assert text.count("ab/c") == 1 and "IDE → STY → EXE：间接效应显著" in text
    ratio = next(m for m in demo_run.results["mediation"]["mediation"] if m["effect"] == "ind_IDE_STY_EXE")
    assert f"（ab/c）为 {ratio['effect_ratio'] * 100:.1f}%" in text
    assert "ind_" not in " ".join(r[0].text for t in doc.tables for r in t.rows)


def test_fit_cut_offs_cite_the_indices_sources():
    from surveykit.report.conventions import load_profile

    p = load_profile("cn-journal")
    assert (p.criteria["cfi"].cite, p.criteria["tli"].cite) == ("Bentler (1990)", "Tucker & Lewis (1973)")
    refs = " ".join(p.cited())
    assert "Comparative fit indexes in structural models" in refs and "Psychometrika, 38(1), 1–10" in refs
    assert "Bonett" not in refs


def test_different_listwise_samples_of_cfa_and_sem_are_stated(demo_run):
    r = demo_run.results
    assert r["structural"]["nobs"] != r["measurement"]["nobs"]
    doc = render_document(r, "zh", convention="cn-journal")
    text = " ".join(b.text for b in next(s for s in doc.sections if s.key == "structural").blocks
                    if b.kind == "paragraph")
    assert f"N = {r['structural']['nobs']}" in text and f"N = {r['measurement']['nobs']}" in text
    assert "缺失个案成列删除后" in text and "两个模型的分析样本不同" in text


def test_normality_section_matches_psych_mardia_and_describe(demo_run):
    """The record's normality is psych's mardia() and describe() on the demo's analysis sample
    (tests/reference/make_normality_reference.R on data/demo_keyed.csv, the same 577 rows)."""
    import json

    ref = json.loads((REF / "psych" / "demo_normality.json").read_text(encoding="utf-8"))
    keyed = pd.read_csv(REF / "data" / "demo_keyed.csv")
    items = list(ref["items"])
    got = sk.normality(keyed[items])
    for key, value in ref["mardia"].items():
        assert got.mardia[key] == pytest.approx(value, rel=1e-9, abs=1e-300), key
    frame = got.items
    for item, r in ref["items"].items():
        assert frame.loc[item, "skew"] == pytest.approx(r["skew"], rel=1e-9)
        assert frame.loc[item, "kurtosis"] == pytest.approx(r["kurtosis"], rel=1e-9)
    rec = demo_run.results["normality"]
    if rec["n"] == len(keyed):  # the committed sample is the demo's analysis sample
        assert rec["mardia"]["b2p"] == pytest.approx(ref["mardia"]["b2p"], rel=1e-9)
    doc = render_document(demo_run.results, "zh", convention="cn-journal")
    table = next(t for t in doc.tables if t.key == "mardia")
    assert table.rows[0][1].text == num(rec["mardia"]["b1p"], 2) and table.rows[1][4].text == \
        ("< .001" if rec["mardia"]["kurtosis_pvalue"] < 0.001 else f"{rec['mardia']['kurtosis_pvalue']:.3f}"[1:])
    desc = next(t for t in doc.tables if t.key == "descriptives")
    assert desc.header[-2:] == ["偏度", "峰度"]


def test_item_analysis_shows_the_critical_ratio_and_parallel_analysis_is_limited(demo_run):
    doc = render_document(demo_run.results, "zh", convention="cn-journal")
    items = next(t for t in doc.tables if t.key == "item-analysis")
    assert items.header[-2:] == ["临界比（t）", "p"]
    first = demo_run.results["item_analysis"][0]["items"][0]
    assert items.rows[0][6].text == num(first["cr_t"], 2) and "27%" in items.notes[1]
    pa = demo_run.results["psychometrics"]["parallel_analysis"]
    table = next(t for t in doc.tables if t.key == "parallel-analysis")
    assert len(table.rows) == pa["n_factors"] + 3 < len(pa["table"])
    assert f"第 {pa['n_factors'] + 4}–{len(pa['table'])} 个因子未列出" in table.notes[0]


def test_manifest_holds_no_absolute_path_and_a_copied_folder_verifies(tmp_path):
    """A project folder (spec, data, instrument, report) copied elsewhere verifies: the manifest names
    the inputs relative to the report folder, and no path of the machine that wrote it."""
    import json
    import shutil

    from surveykit.analysis.verify import verify_report
    from tests.conftest import ROOT

    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    shutil.copy(ROOT / "surveykit" / "datasets" / "demo" / "demo_survey.sav", project / "data")
    shutil.copy(ROOT / "instruments" / "execution_capacity.yaml", project)
    spec = write_light_spec(project, psychometrics={"enabled": False}, cmb={"single_factor": False, "ulmc": False},
                            data="data/demo_survey.sav", instrument="execution_capacity.yaml", structural=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.errors.SurveykitWarning)
        sk.analyze(spec).write(project / "reports" / "light", formats=["md", "json"])
    text = (project / "reports" / "light" / "manifest.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in text and str(ROOT) not in text
    man = json.loads(text)
    assert man["inputs"]["data"]["file"] == "../../data/demo_survey.sav"
    assert man["spec"]["file"] == "../../demo-light.yaml" and not man["argv"][0].startswith("/")
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(project, moved)
    shutil.rmtree(project)
    v = verify_report(moved / "reports" / "light")
    assert v.level == "byte-identical", v.problems
