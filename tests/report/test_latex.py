"""LaTeX tables on request: booktabs tables with escaped text, one per report table."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from surveykit.report import write_report
from surveykit.report.latex import escape


def test_escape_specials():
    assert escape("a_b & 50% {x}") == r"a\_b \& 50\% \{x\}"
    assert escape("<script>") == r"\textless{}script\textgreater{}"
    assert escape("χ² ≥ .90") == r"$\chi$$^2$ $\geq$ .90"


def test_tables_tex_has_every_table(demo_result, tmp_path):
    write_report(demo_result.results, demo_result.manifest, tmp_path, lang="en", formats=("md", "tex"))
    tex = (tmp_path / "tables.tex").read_text(encoding="utf-8")
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    n_md = md.count("**Table ")
    assert tex.count(r"\begin{table}") == n_md > 10
    assert tex.count(r"\toprule") == tex.count(r"\bottomrule") == n_md
    assert r"\caption{Hypothesis tests}" in tex
    # every tabular row has as many cells as its header
    for block in tex.split(r"\begin{tabular}")[1:]:
        body = block.split(r"\end{tabular}")[0]
        rows = [line for line in body.splitlines() if line.endswith(r"\\")]
        assert rows
        assert all(r.count(" & ") == rows[0].count(" & ") for r in rows), rows[0]


@pytest.mark.skipif(shutil.which("xelatex") is None and shutil.which("pdflatex") is None,
                    reason="no LaTeX engine installed")
def test_tables_tex_compiles(demo_result, tmp_path):  # pragma: no cover - needs TeX
    write_report(demo_result.results, demo_result.manifest, tmp_path, lang="en", formats=("tex",))
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\\usepackage{booktabs}\\usepackage{amssymb}"
                                      "\\begin{document}\\input{tables.tex}\\end{document}", encoding="utf-8")
    engine = shutil.which("xelatex") or shutil.which("pdflatex")
    proc = subprocess.run([engine, "-interaction=nonstopmode", "doc.tex"], cwd=tmp_path, capture_output=True)
    assert (tmp_path / "doc.pdf").exists(), proc.stdout[-2000:]
