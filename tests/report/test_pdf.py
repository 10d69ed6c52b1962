"""report.pdf: the Word report converted by LibreOffice, deterministic, with Chinese set in a CJK font."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from surveykit.report import write_report
from surveykit.report.pdf import soffice

POPPLER = all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdfinfo"))


@pytest.mark.skipif(soffice() is None or not POPPLER,
                    reason="LibreOffice and poppler are not installed (Debian: libreoffice-writer, poppler-utils)")
def test_report_pdf_is_written_listed_and_reproducible(demo_run, tmp_path):
    results, manifest = demo_run.results, demo_run.manifest
    written = write_report(results, manifest, tmp_path / "a", lang="zh", formats=("json", "pdf"))
    write_report(results, manifest, tmp_path / "b", lang="zh", formats=("json", "pdf"))
    pdf = tmp_path / "a" / "report.pdf"
    assert pdf in written and pdf.read_bytes() == (tmp_path / "b" / "report.pdf").read_bytes()
    assert not (tmp_path / "a" / "report.docx").exists()  # the Word file is only the PDF's source here
    man = __import__("json").loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert "report.pdf" in man["outputs"] and man["report"]["formats"] == ["json", "pdf"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)) > 3
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "思想建设" in text and "模拟数据" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"CJK|Droid|WenQuanYi", fonts), fonts
