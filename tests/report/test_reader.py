"""Test as a reader would: the HTML in a real browser, the Word file in LibreOffice.

These need Debian's `chromium` and `libreoffice-writer` (CI installs them); without them the
tests are skipped with the reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest


def _binary(*names):
    for n in names:
        path = shutil.which(n)
        if path:
            return path
    return None


CHROMIUM = _binary("chromium", "chromium-browser")
SOFFICE = _binary("soffice", "libreoffice")


@pytest.fixture(scope="module")
def report_dir(full_report):
    return full_report


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian package 'chromium')")
def test_html_in_headless_chromium_has_no_console_errors_and_shows_chinese(report_dir, tmp_path):
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", "--dump-dom",
         (report_dir / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console  # no script errors, no SVG or CSS parse errors
    dom = proc.stdout
    assert "思想建设" in dom and "模拟数据" in dom and "研究假设检验" in dom
    assert len(re.findall(r"<svg ", dom)) >= 5 and "<path " in dom


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (Debian package 'libreoffice-writer')")
def test_docx_opens_in_libreoffice(report_dir, tmp_path):
    proc = subprocess.run(
        [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(report_dir / "report.docx")],
        capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "report.pdf"
    assert proc.returncode == 0 and pdf.exists(), proc.stdout + proc.stderr
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))
    assert pages > 3
