"""PDF from a Word file, through LibreOffice in headless mode.

Why LibreOffice and not WeasyPrint: the PDF is then the Word file as printed, so the reader of
the PDF and the editor of the .docx see the same pages; LibreOffice is already what the test
suite opens the Word files with (CI installs it); and it adds no Python dependency, where
WeasyPrint would add one that still needs Pango and its fonts from the operating system.
The cost: ``soffice`` must be on PATH for PDF output (a clear error says so when it is not).

The PDF is made deterministic after conversion: LibreOffice writes the conversion time
(``/CreationDate``, also in the XMP metadata), a random document ``/ID`` and a ``/DocChecksum``
that covers them; all are replaced by fixed values of the same
length, so the cross-reference offsets stay valid and the same Word file gives the same PDF bytes
on one installation.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from surveykit.errors import SpecError

__all__ = ["docx_to_pdf", "soffice"]

_TIMEOUT = 300
_DATE = re.compile(rb"D:\d{14}(?:[+\-Z]\d{2}'\d{2}'?)?")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
_XMP_DATE = re.compile(rb"(<xmp:(?:CreateDate|ModifyDate|MetadataDate)>)[^<]*(</xmp:)")
_XMP_UUID = re.compile(rb"uuid:[0-9a-fA-F-]{36}")
_CHECKSUM = re.compile(rb"(/DocChecksum\s*/)([0-9A-Fa-f]+)")


def soffice() -> str | None:
    """The LibreOffice executable on PATH, or None."""
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _fixed(pdf: bytes, source: bytes) -> bytes:
    """`pdf` with its dates and document ID replaced by fixed values of the same length."""
    digest = hashlib.sha256(source).hexdigest().upper().encode()

    def date(m: re.Match) -> bytes:
        fixed = b"D:20000101000000" + (b"Z00'00'" if len(m.group(0)) > 16 else b"")
        return fixed[: len(m.group(0))].ljust(len(m.group(0)), b"'")

    def ident(m: re.Match) -> bytes:
        a, b = m.group(1), m.group(2)
        return m.group(0).replace(a, (digest * 4)[: len(a)]).replace(b, (digest * 4)[: len(b)])

    def xmp_date(m: re.Match) -> bytes:
        inner = m.group(0)[len(m.group(1)) : -len(m.group(2))]
        return m.group(1) + b"2000-01-01T00:00:00Z"[: len(inner)].ljust(len(inner), b" ") + m.group(2)

    pdf = _DATE.sub(date, pdf)
    pdf = _ID.sub(ident, pdf)
    pdf = _CHECKSUM.sub(lambda m: m.group(1) + (digest * 2)[: len(m.group(2))], pdf)
    pdf = _XMP_DATE.sub(xmp_date, pdf)
    uuid = f"uuid:{digest[:8].decode()}-{digest[8:12].decode()}-{digest[12:16].decode()}-" \
           f"{digest[16:20].decode()}-{digest[20:32].decode()}".lower().encode()
    return _XMP_UUID.sub(uuid, pdf)


def docx_to_pdf(docx: bytes, *, name: str = "document") -> bytes:
    """Convert a Word file (bytes) to PDF (bytes) with LibreOffice.

    Raises
    ------
    SpecError
        If LibreOffice is not installed, or the conversion fails.
    """
    exe = soffice()
    if exe is None:
        raise SpecError(
            "PDF output needs LibreOffice ('soffice' on PATH), which is not installed; install it (Debian: "
            "apt-get install libreoffice-writer-nogui) or write the Word or HTML file instead."
        )
    with tempfile.TemporaryDirectory(prefix="surveykit-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / f"{name}.docx"
        source.write_bytes(docx)
        proc = subprocess.run(
            [exe, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={(folder / 'lo').as_uri()}",
             "--convert-to", "pdf", "--outdir", str(folder), str(source)],
            capture_output=True, text=True, timeout=_TIMEOUT, stdin=subprocess.DEVNULL,
        )
        target = folder / f"{name}.pdf"
        if proc.returncode != 0 or not target.exists():
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise SpecError(
                f"LibreOffice could not convert the Word file to PDF ({detail[-1] if detail else 'no message'}); "
                "write the Word file instead and print it from Word or LibreOffice."
            )
        return _fixed(target.read_bytes(), docx)
