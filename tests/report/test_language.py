"""The Chinese report is Chinese: no English sentence outside quoted item texts, the data file's own
label and the references, and one number format per kind of quantity (APA: no leading zero for a
quantity bounded by 1, p with three decimals or "< .001")."""

from __future__ import annotations

import re

import pytest

from surveykit.report.render import render_document

# three or more English words in a row (names such as "Tucker–Lewis" or "Cronbach's α" are one or two)
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’.-]*(?:[ ,]+[A-Za-z][A-Za-z'’.-]*){2,}")
CITATION = re.compile(r"^[A-Z][A-Za-z'’-]+(?: (?:et al\.|and|&) [A-Z][A-Za-z'’-]+)*,? ?\(?\d{4}")
# a lowercase English word (a name, abbreviation or symbol is capitalized or short); code references
# (psych::alpha, r.drop, item ids such as ide_1) and the software's own names are not words
WORD = re.compile(r"(?<![A-Za-z_.:])[a-z]{3,}(?![A-Za-z_.:(=\d])")  # 'cluster=' is an option name
# a function of an R package, with its arguments, or a call such as svydesign(ids = ~g, ...)
CODE = re.compile(r"\w+::[\w.]+(\([^)]*\))?|\b[A-Za-z_][\w.]*\([^)（）]*\)")
SOFTWARE = {"lavaan", "semTools", "psych", "survey", "surveykit", "max"}


def _texts(doc):
    """Every text of the document a reader sees, with where it is; quoted item texts (the instrument's
    second lines), the data file's label and the reference list are left out."""
    for s in doc.sections:
        for b in s.blocks:
            if b.kind == "paragraph":
                if b.style != "item":  # the reference list
                    yield s.key, b.text
            elif b.kind == "table":
                yield s.key, b.caption
                yield from ((s.key, h) for h in b.header)
                yield from ((s.key, n) for n in b.notes)
                for row in b.rows:
                    if b.key == "sample" and row[0].text == "文件标签":
                        continue
                    for c in row:
                        yield s.key, c.text
                        if c.sub and not b.key.startswith("instrument-"):
                            yield s.key, c.sub
            elif b.kind == "figure":
                yield s.key, b.caption


def test_the_chinese_report_has_no_english_sentence(full_results):
    doc = render_document(full_results, "zh", convention="cn-journal")
    # names a user gave: the data's columns (e.g. the design's 'weight') and the convention profile
    names = SOFTWARE | {m["column"] for m in full_results["data"]["matches"] if m["column"]}
    names |= {v for k, v in (full_results.get("design") or {}).items() if k in ("cluster", "weights") and v}
    found = []
    for where, text in _texts(doc):
        text = CODE.sub("", (text or "").replace("et al.", "等").replace("cn-journal", "方案名"))
        for m in ENGLISH_RUN.finditer(text or ""):
            if not CITATION.match(m.group(0)) and not where == "instrument":  # construct names: instrument text
                found.append((where, m.group(0), text[:80]))
        for m in WORD.finditer(text or ""):
            if m.group(0) not in names and where != "instrument":
                found.append((where, m.group(0), text[:80]))
    assert not found, found


NUMBER_KINDS = {
    # quantity kind: (a cell's pattern, the tables and column headers that hold it)
    "p": (r"(< \.001|\.\d{3}|1\.000|—)", [("paths", "p"), ("hypotheses", "p"), ("loadings", "p"),
                                         ("item-analysis", "p"), ("mardia", "p")]),
    "bounded by 1, three decimals": (r"−?\.\d{3}|1\.000", [
        ("reliability", "Cronbach's α"), ("reliability", "ω 总"), ("reliability", "标准化 α"),
        ("reliability", "平均相关"), ("loadings", "标准化载荷 λ"), ("validity", "CR"), ("validity", "AVE"),
        ("item-analysis", "校正的题总相关"), ("item-analysis", "删除该题后的 α"), ("r-squared", "R²"),
        ("invariance", "CFI"), ("invariance", "RMSEA"), ("invariance", "SRMR"), ("invariance", "ΔCFI")]),
    "bounded by 1, two decimals (matrices, loadings of the EFA)": (r"−?\.\d{2}|—|", [
        ("fornell-larcker", "IDE"), ("htmt", "ORG"), ("efa", "共同度 h²")]),
    "unbounded, three decimals": (r"−?\d+\.\d{3}", [("paths", "非标准化系数"), ("paths", "标准误"),
                                                    ("loadings", "估计值")]),
    "standardized coefficients (bounded by convention; a Heywood case keeps its 1)": (r"−?\.\d{3}|−?1\.\d{3}|—", [
        ("paths", "β"), ("defined", "β"), ("mediation", "β"), ("hypotheses", "β")]),
    "test statistics, two decimals": (r"−?\d+\.\d{2}", [("paths", "z"), ("item-analysis", "临界比（t）")]),
}


@pytest.mark.parametrize("kind", list(NUMBER_KINDS))
def test_one_number_format_per_kind_of_quantity(full_results, kind):
    pattern, places = NUMBER_KINDS[kind]
    doc = render_document(full_results, "zh", convention="cn-journal")
    tables = {t.key: t for t in doc.tables}
    checked = 0
    for key, header in places:
        t = tables[key]
        j = t.header.index(header)
        for row in t.rows:
            text = row[j].text
            if text in ("—",) and kind != "p":
                continue
            assert re.fullmatch(pattern, text), (kind, key, header, text)
            checked += 1
    assert checked > 10


@pytest.mark.parametrize("key", ["measurement-fit", "structural-fit"])
def test_fit_table_formats(full_results, key):
    doc = render_document(full_results, "zh", convention="cn-journal")
    rows = {r[0].text: r[1].text for r in next(t for t in doc.tables if t.key == key).rows}
    assert re.fullmatch(r"\d+\.\d{2} \(\d+\)", rows["χ² (df)"])
    assert re.fullmatch(r"< \.001|\.\d{3}|1\.000", rows["p"])
    for index in ("CFI", "RMSEA", "SRMR"):
        assert re.fullmatch(r"\.\d{3}|1\.000", rows[index]), (index, rows[index])
    assert re.fullmatch(r"\.\d{3}|1\.\d{3}", rows["TLI"])  # TLI can exceed 1: then it keeps its 1
    assert re.fullmatch(r"\[\.\d{3}, \.\d{3}\]", rows["RMSEA 90% 置信区间"])


# a statistic that cannot exceed 1 (APA 7 section 6.36, and the Chinese journals): its symbol in a
# sentence, or the column or row it heads in a table
BOUNDED_SYMBOL = re.compile(r"(?<![A-Za-z])(?:p|Δ?R²|r|α|ω|β|λ|Δ?CFI|TLI|Δ?RMSEA|SRMR|ICC\(\d\)|CR|AVE|HTMT|KMO)"
                            r" ?(?:=|<|>|≤|≥) ?[−-]?0\.\d")
BOUNDED_HEADER = re.compile(r"p|β|Δ?R²|Δ?CFI|TLI|Δ?RMSEA|SRMR|ICC\(\d\)|CR|AVE|√AVE|MSV|KMO|HTMT|.*[αωλ].*"
                            r"|校正的题总相关|Corrected item-total r|平均相关|Mean r|共同度 h²|h²")
LEADING_ZERO = re.compile(r"(?<![\d.])[−-]?0\.\d")


def _md_tables(md: str):
    """(header, rows) of every table of a Markdown text, the cells split on unescaped bars."""
    lines = md.splitlines()
    split = [re.split(r"(?<!\\)\|", x.strip())[1:-1] for x in lines]
    for i in range(len(lines) - 1):
        if lines[i].startswith("| ") and re.fullmatch(r"\|(?:-+:?\|)+", lines[i + 1].strip()) and (
                i == 0 or not lines[i - 1].startswith("|")):
            j = i + 2
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            yield [c.strip() for c in split[i]], [[c.strip() for c in r] for r in split[i + 2:j]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_leading_zero_on_a_quantity_bounded_by_1(demo_run, lang):
    """The rendered demo report, sentences and tables: p, R², ΔR², correlations, standardized
    coefficients, α, ω, fit indices and ICC never carry a leading zero (p < .05, R² = .197)."""
    from surveykit.report.render import render_markdown

    md = render_markdown(demo_run.results, lang, convention="cn-journal" if lang == "zh" else "hu-bentler-1999")
    found = [m.group(0) for m in BOUNDED_SYMBOL.finditer(md)]
    cells = 0
    for header, rows in _md_tables(md):
        for row in rows:
            for j, text in enumerate(row):
                bounded = (BOUNDED_HEADER.fullmatch(header[j]) if j else False) or (
                    len(row) == 2 and j == 1 and BOUNDED_HEADER.fullmatch(row[0]))
                if bounded:
                    cells += 1
                    if LEADING_ZERO.search(text):
                        found.append(f"{header[j] or row[0]}: {text}")
    assert not found, found
    assert cells > 300  # the scan reached the tables
    assert "R² = ." in md and ("p < .05" in md)  # and the sentences it guards
    for bad in ("R² = 0.197", "p < 0.05"):  # what the scan catches
        assert BOUNDED_SYMBOL.search(bad)
