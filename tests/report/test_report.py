"""The report as a reader gets it: every section, both languages, every format, same bytes twice."""

from __future__ import annotations

import copy
import io
import re
import zipfile

import pytest

from surveykit.errors import SpecError
from surveykit.report import render_html, render_markdown, write_report
from surveykit.report.docx import render_docx
from surveykit.report.render import render_document
from tests.report.conftest import ALL_FORMATS


def test_every_section_and_figure_is_rendered(full_report):
    html = (full_report / "report.html").read_text(encoding="utf-8")
    md = (full_report / "report.md").read_text(encoding="utf-8")
    for key in ("sample", "design", "instrument", "descriptives", "item_analysis", "normality", "reliability",
                "adequacy", "cmb", "measurement", "two_level", "structural", "mediation", "hypotheses", "process",
                "invariance", "power", "warnings", "conventions", "methods"):
        assert f'<section id="{key}"' in html, key
    figures = sorted(p.name for p in (full_report / "figures").iterdir())
    keys = {n.rsplit(".", 1)[0] for n in figures}
    assert {"correlations", "path", "scree", "invariance", "power", "likert-IDE", "likert-EXE", "process-H7-slopes",
            "process-H7-jn-STY-EXE", "process-H8-jn-STY-EXE", "process-H8-indirect", "two-level-path"} <= keys
    assert all(f"{k}.svg" in figures and f"{k}.png" in figures for k in keys)
    assert html.count("<svg ") == len(keys)  # inline, self-contained
    for k in keys:
        assert f"](figures/{k}.png)" in md and f"(figures/{k}.svg)" in md
    # judgements carry the profile and its citations
    assert "中文期刊常用临界值" in html and "Carmines &amp; McIver (1981)" in html and "周浩, 龙立荣 (2004)" in html
    assert "Harman &lt; 40%" in html
    assert "置信区间不含 0：存在间接效应" in html and "置信区间包含 0：无间接效应证据" in html
    assert "随机种子为 20261126" in md and "2000 次 Bootstrap" in md


@pytest.mark.parametrize("lang, words", [("zh", ("两水平测量模型", "SRMR（组内）", "SRMR（组间）", "组间: λ（标准化）",
                                                  "两水平似然")),
                                         ("en", ("Two-level measurement model", "SRMR (within)", "SRMR (between)",
                                                 "Between: λ (std.all)", "two-level likelihood"))])
def test_two_level_section_shows_both_levels(demo_run, lang, words):
    """The demo's two-level CFA of EXE: fit with SRMR at each level, each item's ICC and its loadings
    within and between branches, read from the record."""
    r = demo_run.results
    tl = r["two_level"]
    doc = render_document(r, lang, convention="cn-journal")
    sec = next(s for s in doc.sections if s.key == "two_level")
    text = render_markdown(r, lang)
    for w in words:
        assert w in text, w
    loadings = next(b for b in sec.blocks if b.kind == "table" and b.key == "two-level-loadings")
    icc = {row[0].text: row[1].text for row in loadings.rows}
    assert list(icc) == [f"exe_{i}" for i in range(1, 7)]
    assert icc["exe_1"] == f"{tl['icc']['exe_1']:.3f}".lstrip("0")
    fit = next(b for b in sec.blocks if b.kind == "table" and b.key == "two-level-fit")
    srmr_b = [row[1].text for row in fit.rows if "SRMR" in row[0].text][-1]
    assert srmr_b.startswith(f"{tl['fit_measures']['srmr_between']:.3f}".lstrip("0"))


def test_html_is_self_contained_and_accessible(full_report):
    html = (full_report / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "<link" not in html and "@import" not in html
    assert '<meta name="viewport"' in html and '<html lang="zh-CN">' in html
    assert '<th scope="col">' in html and '<th scope="row">' in html and "<caption" in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "ids must be unique across the inline figures"
    for svg in re.findall(r"<svg [^>]*>", html):
        assert 'role="img"' in svg and "aria-labelledby=" in svg and "viewBox" in svg


def test_minimal_results_render_without_optional_sections(demo_run):
    r = copy.deepcopy(demo_run.results)
    for key in ("structural", "hypotheses", "descriptives", "reliability", "process"):
        r.pop(key, None)
    html = render_html(r, "en")
    assert 'id="structural"' not in html and 'id="hypotheses"' not in html
    assert 'id="measurement"' in html and 'id="conventions"' in html
    assert "Structural model" not in render_markdown(r, "en")


def test_markdown_escapes_tables_and_html(demo_run):
    r = copy.deepcopy(demo_run.results)
    r["instrument"]["constructs"][0]["items"][0]["text"]["zh"] = "a | b <script>alert(1)</script>"
    md = render_markdown(r, "zh")
    assert "a \\| b &lt;script>alert(1)&lt;/script>" in md
    assert "<script>" not in md


def test_both_languages_keep_statistic_abbreviations(demo_run):
    zh = render_markdown(demo_run.results, "zh")
    en = render_markdown(demo_run.results, "en")
    for text in (zh, en):
        for abbr in ("CFI", "TLI", "RMSEA", "SRMR", "AVE", "CR", "χ²/df"):
            assert abbr in text
    assert "测量模型" in zh and "Measurement model" in en
    assert "Measurement model" not in zh


def test_fit_values_are_judged_against_the_profile(demo_run):
    doc = render_document(demo_run.results, "en", convention="hu-bentler-1999")
    fit = next(t for t in doc.tables if t.key == "measurement-fit")
    cfi = next(row for row in fit.rows if row[0].text == "CFI")[1]
    assert cfi.mark == "ok" and cfi.symbol == "✓" and "CFI ≥ .95 (Hu & Bentler (1999))" in cfi.criterion
    val = next(t for t in doc.tables if t.key == "validity")
    marks = {row[0].text.split()[0]: row[2].mark for row in val.rows}
    aves = {v.factor: v.ave for v in demo_run.record.measurement.validity.table}
    assert marks == {k: "ok" if a >= 0.5 else "no" for k, a in aves.items()}


def test_report_options_are_checked(demo_run, tmp_path):
    with pytest.raises(SpecError, match="table_style='mla' is not one of 'apa', 'cn'."):
        write_report(demo_run.results, demo_run.manifest, tmp_path, table_style="mla")
    with pytest.raises(SpecError, match="report format\\(s\\) rtf are not available"):
        write_report(demo_run.results, demo_run.manifest, tmp_path, formats=("rtf",))
    with pytest.raises(SpecError, match="convention profile 'x' is not defined"):
        write_report(demo_run.results, demo_run.manifest, tmp_path, convention="x")
    assert not any(tmp_path.iterdir())


def test_two_runs_give_identical_bytes_for_every_file(full_results, demo_run, full_report, tmp_path):
    write_report(full_results, demo_run.manifest, tmp_path, lang="zh", formats=ALL_FORMATS, table_style="cn",
                 convention="cn-journal")
    first = sorted(p.relative_to(full_report) for p in full_report.rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert first == second
    for rel in first:
        assert (full_report / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_manifest_records_report_options_and_output_hashes(full_report):
    import hashlib
    import json

    man = json.loads((full_report / "manifest.json").read_text(encoding="utf-8"))
    assert man["report"] == {"lang": "zh", "formats": list(ALL_FORMATS), "table_style": "cn",
                             "convention": "cn-journal", "path_layout": "layered"}
    for name, digest in man["outputs"].items():
        assert hashlib.sha256((full_report / name).read_bytes()).hexdigest() == digest, name
    assert "figures/path.png" in man["outputs"] and "report.docx" in man["outputs"]


# --- Word ---------------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx(results, style, lang="zh"):
    doc = render_document(results, lang, convention="hu-bentler-1999", inline=False)
    return doc, render_docx(doc, {}, table_style=style)


def _borders(tbl):
    b = tbl._tbl.tblPr.find(f"{W}tblBorders")
    return {el.tag.replace(W, ""): (el.get(f"{W}val"), el.get(f"{W}sz")) for el in b}


def _header_bottom(tbl):
    tc = tbl.rows[0].cells[0]._tc
    el = tc.tcPr.find(f"{W}tcBorders").find(f"{W}bottom")
    return el.get(f"{W}val"), el.get(f"{W}sz")


@pytest.mark.parametrize("style, top, head", [("apa", "6", "6"), ("cn", "12", "6")])
def test_word_tables_are_real_tables_with_the_chosen_rules(demo_run, style, top, head):
    import docx

    doc, data = _docx(demo_run.results, style)
    d = docx.Document(io.BytesIO(data))
    assert len(d.tables) == len(doc.tables) > 10
    for tbl in d.tables:
        b = _borders(tbl)
        assert b["top"] == ("single", top) and b["bottom"] == ("single", top)
        assert b["insideV"][0] == "nil" and b["left"][0] == "nil" and b["right"][0] == "nil"
        assert b["insideH"][0] == "nil"
        assert _header_bottom(tbl) == ("single", head)
    # editable text, not pictures: the hypotheses table holds its statements
    hyp = d.tables[[t.key for t in doc.tables].index("hypotheses")]
    assert hyp.rows[1].cells[1].text.startswith("思想建设对执行力有正向直接影响。")
    assert hyp.rows[0].cells[0].text == "假设"


def test_word_sets_east_asian_font_and_is_deterministic(demo_run):
    _, a = _docx(demo_run.results, "apa")
    _, b = _docx(demo_run.results, "apa")
    assert a == b
    z = zipfile.ZipFile(io.BytesIO(a))
    assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    styles = z.read("word/styles.xml").decode("utf-8")
    assert 'w:eastAsia="SimSun"' in styles and 'w:eastAsia="zh-CN"' in styles
    core = z.read("docProps/core.xml").decode("utf-8")
    assert "2000-01-01T00:00:00Z" in core and core.count("2000-01-01") == 3


def test_word_report_contains_the_figures(full_report):
    import docx

    d = docx.Document(str(full_report / "report.docx"))
    pictures = [s for s in d.inline_shapes]
    n_fig = len({p.stem for p in (full_report / "figures").glob("*.png")})
    assert len(pictures) == n_fig
    text = "\n".join(p.text for p in d.paragraphs)
    assert "图 1" in text and "表 1" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ordinal_invariance_is_reported_with_its_identification_and_indices(full_results, lang):
    """An ordinal invariance record (estimation WLSMV) names its levels as the ordinal sequence, says
    the indices are the scaled ones, names the difference test and cites Wu & Estabrook (2016)."""
    import copy

    from surveykit.report.render import render_markdown

    r = copy.deepcopy(full_results)
    inv = r["invariance"]
    names = ["configural", "thresholds", "metric", "scalar"]
    inv["table"] = [dict(row, level=name) for row, name in zip(inv["table"], names)]
    inv.update(estimator="WLSMV", ordinal=True, parameterization="delta", fit_indices="scaled",
               difference_test="Satorra (2000) scaled difference",
               identification="Wu, H., & Estabrook, R. (2016). Identification ... Psychometrika, 81(4), 1014-1045.",
               syntax={n: f"# {n} model" for n in names})
    md = render_markdown(r, lang)
    assert ("Satorra（2000）校正 χ² 差异检验" if lang == "zh" else "Satorra (2000) scaled difference") in md
    assert "Estabrook" in md and "WLSMV" in md
    assert ("阈值等值" if lang == "zh" else "Thresholds") in md
    assert ("由校正 χ² 计算" if lang == "zh" else "computed from it") in md


def test_clustered_process_models_say_so_in_both_languages(demo_run):
    """The demo's members are nested in branches: the PROCESS tables and the methods say the errors
    are cluster-robust (CR1) and the bootstrap resampled whole branches."""
    runs = [t["run"] for t in demo_run.results["process"]]
    g = demo_run.results["design"]["clusters"]["n_clusters"]
    assert {(r["cluster"], r["n_clusters"], r["df_rule"]) for r in runs} == {("branch_id", g, "G - 1")}
    zh, en = render_markdown(demo_run.results, "zh"), render_markdown(demo_run.results, "en")
    assert en.count(f"Standard errors: cluster-robust (CR1) for the {g} clusters of branch_id; t and F tests on "
                    f"G − 1 = {g - 1} degrees of freedom.") == len(runs)
    assert f"Each bootstrap draw resampled whole clusters ({g} clusters of branch_id)" in en
    assert (f"the PROCESS models' standard errors are cluster-robust (CR1, {g} clusters of branch_id; t and F tests "
            "on G − 1 degrees of freedom) and their bootstrap resampled whole clusters.") in en
    assert zh.count(f"标准误：按 branch_id 的 {g} 个群组计算的整群稳健标准误（CR1）；t 检验与 F 检验的自由度为 "
                    f"G − 1 = {g - 1}。") == len(runs)
    assert f"PROCESS 模型的标准误采用整群稳健估计（CR1，branch_id 的 {g} 个群组" in zh
    plain = copy.deepcopy(demo_run.results)
    for t in plain["process"]:
        t["run"].update(cluster=None, n_clusters=None, df_rule="n - k")
    assert "CR1" not in render_markdown(plain, "en")
