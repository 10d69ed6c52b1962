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


def test_ml_with_listwise_deletion_says_expected_information(demo_run):
    doc = render_document(demo_run.results, "zh", convention="cn-journal")
    text = _methods(doc)
    assert "最大似然法（ML）基于样本协方差矩阵（除数为 N）估计，缺失个案成列删除，标准误基于期望信息矩阵" in text
    rows, notes = _fit_table(doc, "measurement-fit")
    fit = demo_run.results["measurement"]["fit_measures"]
    assert rows["χ² (df)"].startswith(num(fit["chisq"], 2)) and "缩放因子" not in rows
    assert "。 " not in text  # Chinese sentences follow each other without a space


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
