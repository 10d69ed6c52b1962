"""Byte-stable zip containers: fixed entry dates and attributes, and a fixed document date."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

from surveykit.io import fix_workbook_dates, normalize_zip, stable_xlsx


def _zip(date_time, core: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("docProps/core.xml", date_time=date_time), core)
        z.writestr(zipfile.ZipInfo("b.xml", date_time=date_time), b"<b/>")
    return buf.getvalue()


def test_normalize_zip_fixes_entry_dates_and_the_modification_date():
    core = b"<cp><dcterms:modified xsi:type='W3CDTF'>%s</dcterms:modified></cp>"
    a = normalize_zip(_zip((2024, 5, 1, 10, 0, 0), core % b"2024-05-01T10:00:00Z"), modified="2000-01-01T00:00:00Z")
    b = normalize_zip(_zip((2025, 6, 2, 11, 0, 2), core % b"2025-06-02T11:00:02Z"), modified="2000-01-01T00:00:00Z")
    assert a == b
    z = zipfile.ZipFile(io.BytesIO(a))
    assert [i.filename for i in z.infolist()] == ["docProps/core.xml", "b.xml"]
    assert b"2000-01-01T00:00:00Z" in z.read("docProps/core.xml")


def test_a_workbook_saved_twice_gives_the_same_bytes():
    def save() -> bytes:
        wb = Workbook()
        wb.active.append(["a", 1])
        fix_workbook_dates(wb)
        buf = io.BytesIO()
        wb.save(buf)
        return stable_xlsx(buf.getvalue())

    first = save()
    import time

    time.sleep(1.1)  # openpyxl writes the time of saving as the modification date
    assert save() == first
