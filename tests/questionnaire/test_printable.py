"""The printable questionnaire as a respondent gets it: HTML in headless Chromium, Word and PDF via LibreOffice.

Needs Debian's `chromium`, `libreoffice-writer`, `poppler-utils` and `fonts-noto-cjk` (CI installs
them); without them the tests that need them are skipped with the reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest

from surveykit.questionnaire import questionnaire
from surveykit.report.pdf import soffice

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SOFFICE = soffice()
POPPLER = all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdfinfo", "fc-match"))
CJK_FONT = re.compile(r"CJK|Droid ?Sans ?Fallback|WenQuanYi|Source ?Han|SimSun|PingFang|YaHei", re.I)
NOTO_CJK = bool(shutil.which("fc-list")) and "CJK" in subprocess.run(
    ["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(pdf) -> str:
    return _flat(subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                                check=True).stdout)


def _pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _fonts(pdf) -> list[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines()[2:] if line.strip()]


def _assert_text(pdf, instrument, lang: str) -> None:
    text = _pdf_text(pdf)
    for it in instrument.items:
        for shown in (("zh", "en") if lang == "both" else (lang,)):
            # pdftotext breaks long lines: compare without white space
            assert _flat(it.text.get(shown)) in text, (it.id, shown)


def _assert_font_covers(text: str) -> None:
    from fontTools.ttLib import TTCollection, TTFont

    found = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True, text=True)
    path = found.stdout.strip()
    assert CJK_FONT.search(path), f"the questionnaire's first font resolves to {path}, not a CJK font"
    fonts = TTCollection(path).fonts if path.lower().endswith(".ttc") else [TTFont(path)]
    cmap = fonts[0].getBestCmap()
    missing = sorted({ch for ch in text if ord(ch) > 0x2E7F and ord(ch) not in cmap})
    assert missing == [], missing  # each of these would print as a .notdef box


def _assert_cjk_rendered(pdf, instrument, lang: str) -> None:
    _assert_text(pdf, instrument, lang)
    fonts = _fonts(pdf)
    assert any(CJK_FONT.search(f) for f in fonts), fonts  # the Chinese text is set in a CJK font ...
    assert not any("LastResort" in f or "notdef" in f.lower() for f in fonts), fonts  # ... not as boxes


def test_html_holds_every_item_once_without_construct_names_or_keying(instrument):
    html = questionnaire(instrument, format="html", lang="both").content
    for it in instrument.items:
        assert html.count(f'data-id="{it.id}"') == 1
    body = html.replace(instrument.title.zh, "").replace(instrument.title.en, "")  # the title names the outcome
    for c in instrument.constructs:
        assert c.name.zh not in body and c.name.en not in body and f">{c.code}<" not in body
    assert "reverse" not in html.lower() and "反向" not in html
    assert instrument.consent.zh in html and instrument.anonymity.en in html and instrument.instructions.zh in html
    assert 'content="instrument order"' in html
    assert 'content="shuffled with numpy.random.default_rng(9)"' in questionnaire(instrument, seed=9).content


def test_html_and_docx_are_deterministic(instrument):
    for fmt in ("html", "docx", "xlsform", "codebook-xlsx"):
        assert questionnaire(instrument, format=fmt).content == questionnaire(instrument, format=fmt).content


def test_docx_has_one_grid_row_per_question_and_the_east_asian_font(instrument):
    data = questionnaire(instrument, format="docx", lang="zh").content
    xml = zipfile.ZipFile(__import__("io").BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert xml.count("<w:tr>") + xml.count("<w:tr ") == len(instrument.item_ids) + 1 + len(instrument.constructs)
    styles = zipfile.ZipFile(__import__("io").BytesIO(data)).read("word/styles.xml").decode("utf-8")
    assert 'w:eastAsia="SimSun"' in styles


@pytest.mark.skipif(CHROMIUM is None or not POPPLER or not NOTO_CJK,
                    reason="headless Chromium, poppler or Noto CJK are not installed (Debian: chromium, poppler-utils, "
                           "fonts-noto-cjk)")
@pytest.mark.parametrize("lang", ["zh", "both"])
def test_html_prints_in_chromium_with_every_item_and_cjk_glyphs(tmp_path, instrument, lang):
    page = questionnaire(instrument, format="html", lang=lang).write(tmp_path / "q.html")
    pages = []
    for k in range(2):
        pdf = tmp_path / f"q{k}.pdf"
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--disable-component-update", f"--user-data-dir={tmp_path / 'p'}",
             "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
            capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and pdf.exists(), proc.stderr[-2000:]
        pages.append(_pages(pdf))
    # Chromium's PDF holds its fonts as unnamed Type 3 glyph programs: check the text, and that the
    # font the page asks for first is a CJK font that has a glyph for every character shown
    _assert_text(pdf, instrument, lang)
    _assert_font_covers(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8").split("</style>")[1]))
    assert pages[0] == pages[1] and 2 <= pages[0] <= (12 if lang == "zh" else 16)  # stable page count


@pytest.mark.skipif(SOFFICE is None or not POPPLER,
                    reason="LibreOffice and poppler are not installed (Debian: libreoffice-writer, poppler-utils)")
@pytest.mark.parametrize("lang", ["zh", "both"])
def test_pdf_from_libreoffice_has_every_item_cjk_glyphs_and_a_stable_page_count(tmp_path, instrument, lang):
    first = questionnaire(instrument, format="pdf", lang=lang)
    second = questionnaire(instrument, format="pdf", lang=lang)
    assert first.content == second.content  # conversion date and document ID are fixed
    pdf = first.write(tmp_path / "q.pdf")
    assert first.content.startswith(b"%PDF")
    _assert_cjk_rendered(pdf, instrument, lang)
    assert 2 <= _pages(pdf) <= (5 if lang == "zh" else 9)


def test_pdf_without_libreoffice_says_what_to_install(monkeypatch, instrument):
    import surveykit.report.pdf as pdf
    from surveykit.errors import SpecError

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(SpecError, match=r"PDF output needs LibreOffice \('soffice' on PATH\).*apt-get install "
                                        r"libreoffice-writer-nogui"):
        questionnaire(instrument, format="pdf")
