"""Zip containers (.docx, .xlsx) with the same bytes for the same content, whenever written: fixed
document dates, fixed zip entry dates and attributes.  Word, Excel and the workbooks of the
questionnaire and the data codebook all go through here."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timezone

__all__ = ["FIXED_TIME", "FIXED_STAMP", "normalize_zip", "fix_workbook_dates", "stable_xlsx"]

FIXED_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
FIXED_STAMP = "2000-01-01T00:00:00Z"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def normalize_zip(data: bytes, *, modified: str | None = None) -> bytes:
    """Rewrite a zip (docx) with fixed entry dates, attributes and order-preserving entries;
    ``modified`` (e.g. '2000-01-01T00:00:00Z') replaces the document's modification date, which
    openpyxl sets to the time of saving whatever the workbook says."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0o644 << 16
            body = src.read(info.filename)
            if modified is not None and info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + modified.encode() + rb"\g<2>", body)
            dst.writestr(zi, body)
    return out.getvalue()


def fix_workbook_dates(book) -> None:
    """Set an openpyxl workbook's creation and modification dates to :data:`FIXED_TIME` (before it is
    saved; :func:`stable_xlsx` then undoes the modification date openpyxl writes on saving)."""
    book.properties.created = book.properties.modified = FIXED_TIME.replace(tzinfo=None)


def stable_xlsx(data: bytes) -> bytes:
    """The saved bytes of a workbook whose dates :func:`fix_workbook_dates` fixed, made byte-stable."""
    return normalize_zip(data, modified=FIXED_STAMP)
