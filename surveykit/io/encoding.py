"""Text encodings of delimited files: detect, or check a given one, without loading the file.

Survey exports from Chinese-language software arrive as UTF-8, UTF-8 with a byte-order
mark (Excel's "CSV UTF-8"), GB18030/GBK (mainland Windows) or Big5 (Taiwan, Hong Kong).
The file is streamed in 1 MiB blocks through incremental decoders, so detection costs
one pass over the bytes and constant memory.

Detection, in order:

1. A byte-order mark decides: UTF-8 BOM -> ``'utf-8-sig'``; UTF-16 BOM -> ``'utf-16'``
   (Excel's "Unicode text" export).
2. A NUL byte outside UTF-16 means a binary file: :class:`~surveykit.errors.ReadError`.
3. If the whole file decodes strictly as UTF-8, it is UTF-8.  (GB18030 and Big5 text is
   almost never valid UTF-8, while ASCII is all three: ASCII is reported as UTF-8.)
4. Otherwise GB18030 and Big5 are tried.  Each can often decode the other's bytes without
   an error, so each decoding is scored by how many of its non-ASCII characters are *common*
   Chinese characters: the 3,755 level-1 hanzi of GB 2312 (simplified) and the 5,401
   frequent hanzi of Big5 (traditional), plus CJK and full-width punctuation.  Text read
   in its true encoding is made almost entirely of such characters; read in the wrong
   one it turns into kana, Greek, private-use and rare characters.  The decoding with
   the higher ``common - rare`` count wins (ties go to GB18030).  If even the winner has
   fewer than half common characters, the file is in some other encoding and the reader
   asks for ``encoding=`` instead of guessing.  The counts stop after 200,000 non-ASCII
   characters (plenty to decide); strict decoding still covers the whole file.  Windows
   code page 950 is tried as Big5 when strict Big5 fails (it adds a few symbols such as
   the euro sign).

A given ``encoding=`` must decode the whole file strictly, and must not obviously turn
its text into mojibake: a valid UTF-8 file with non-ASCII text given as another
encoding, or a Chinese encoding that reads the file clearly worse than the detected one
(see :func:`_check_plausible`), is refused with a message naming the better encoding.

This heuristic is deliberately simple, so that its failures are understandable; a
detected encoding is always recorded in the metadata with a note, and ``encoding=``
overrides it.  (charset-normalizer 3.4 was tried and named short Chinese survey files
cp949, UTF-16-BE or Big5-HKSCS, so it is not used.)
"""

from __future__ import annotations

import codecs
import functools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from surveykit.errors import ReadError

_BLOCK = 1 << 20
_SCORE_CAP = 200_000
_MIN_COMMON_SHARE = 0.5
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CJK_CANDIDATES = ("gb18030", "big5", "cp950")
_ASCII_SUPERSETS = frozenset(
    {
        "utf-8",
        "utf-8-sig",
        "gb18030",
        "gbk",
        "gb2312",
        "big5",
        "cp950",
        "big5hkscs",
        "latin-1",
        "iso8859-1",
        "iso8859-15",
        "cp1250",
        "cp1251",
        "cp1252",
        "shift_jis",
        "cp932",
        "euc_kr",
        "cp949",
    }
)

_DISPLAY = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with a byte-order mark (BOM)",
    "utf-16": "UTF-16",
    "gb18030": "GB18030",
    "gbk": "GBK",
    "gb2312": "GB2312",
    "big5": "Big5",
    "cp950": "Big5 (Windows code page 950)",
}

_MAGIC = (
    (b"$FL2", "an SPSS .sav file", "sav"),
    (b"$FL3", "an SPSS .zsav file", "zsav"),
    (b"PK\x03\x04", "a zip archive, such as an Excel .xlsx file", "xlsx"),
    (b"PAR1", "a Parquet file", "parquet"),
    (b"<stata_dta>", "a Stata .dta file", "dta"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls file (save it as .xlsx)", None),
    (b"%PDF", "a PDF document", None),
)


@dataclass(frozen=True)
class TextEncoding:
    """The encoding to open a text file with, and how it was found.

    Parameters
    ----------
    encoding : str
        Python codec name (``'utf-8'``, ``'utf-8-sig'``, ``'gb18030'``, ``'big5'``, ...).
    detected : bool
        True if detected, False if given.
    notes : tuple of str
        Sentences for :attr:`FileMetadata.notes`.
    """

    encoding: str
    detected: bool
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Failure:
    offset: int
    line: int
    bad: bytes


@dataclass
class _Decoding:
    codec: str
    decoder: codecs.IncrementalDecoder = field(init=False)
    failure: _Failure | None = None
    common: int = 0
    rare: int = 0

    def __post_init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder(self.codec)(errors="strict")

    @property
    def ascii_safe(self) -> bool:
        """Whether an ASCII block can be skipped: the codec is a stateless ASCII superset."""
        return self.codec in _ASCII_SUPERSETS

    @property
    def alive(self) -> bool:
        return self.failure is None

    def pending(self) -> bytes:
        return self.decoder.getstate()[0]


def display_name(codec: str) -> str:
    """Return a reader-friendly name of a Python codec name (``'gb18030'`` -> ``'GB18030'``)."""
    return _DISPLAY.get(codec, codec.upper())


@functools.cache
def common_characters() -> frozenset[str]:
    """The characters counted as *common* Chinese text by the detection heuristic.

    Returns
    -------
    frozenset of str
        GB 2312 level-1 hanzi (rows 0xB0-0xD7), Big5 frequent hanzi (0xA440-0xC67E), CJK
        symbols and punctuation (U+3000-U+303F), full-width ASCII forms (U+FF01-U+FF5E)
        and the typographic quotes, dashes and ellipsis used in Chinese text.
    """
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):
        chars.update(_decodable(lead, range(0xA1, 0xFF), "gb2312"))
    big5_trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    for lead in range(0xA4, 0xC7):
        trails = [t for t in big5_trails if (lead << 8 | t) <= 0xC67E]
        chars.update(_decodable(lead, trails, "big5"))
    chars.update(chr(c) for c in range(0x3000, 0x3040))
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))
    chars.update("\u201c\u201d\u2018\u2019\u2026\u2014\u00b7")
    return frozenset(chars)


def _decodable(lead: int, trails: range | list[int], codec: str) -> list[str]:
    out = []
    for trail in trails:
        try:
            out.append(bytes((lead, trail)).decode(codec))
        except UnicodeDecodeError:
            continue
    return out


def resolve_text_encoding(path: Path, encoding: str | None) -> TextEncoding:
    """Detect the encoding of the text file `path`, or check that `encoding` decodes it.

    Parameters
    ----------
    path : Path
        An existing, non-empty file.
    encoding : str or None
        None to detect; otherwise any Python codec name, which is then checked against
        the whole file.

    Returns
    -------
    TextEncoding

    Raises
    ------
    ReadError
        If the file is binary, the encoding cannot be detected, `encoding` is unknown,
        or the file does not decode with `encoding` (naming the byte offset, the line and
        the encoding to try).
    """
    head = _head(path)
    if encoding is None:
        return _detect(path, head)
    return _check_given(path, head, encoding)


def _head(path: Path, n: int = 16) -> bytes:
    with path.open("rb") as handle:
        return handle.read(n)


def _detect(path: Path, head: bytes) -> TextEncoding:
    if head.startswith(_UTF8_BOM):
        _require(path, _scan(path, ["utf-8-sig"], score=False)[0][0])
        return TextEncoding(
            "utf-8-sig",
            True,
            (
                "Detected encoding UTF-8 with a byte-order mark (BOM); the BOM was removed and is "
                "not part of the first column name.",
            ),
        )
    if head.startswith(_UTF16_BOMS):
        _require(path, _scan(path, ["utf-16"], score=False, nul_check=False)[0][0])
        return TextEncoding("utf-16", True, ("Detected encoding UTF-16 (byte-order mark).",))
    (utf8,), is_ascii = _scan(path, ["utf-8"], score=False)
    if utf8.alive:
        plain = " (the file is plain ASCII)" if is_ascii else ""
        return TextEncoding("utf-8", True, (f"Detected encoding UTF-8{plain}.",))
    return _detect_cjk(path, utf8.failure)


def _detect_cjk(path: Path, utf8_failure: _Failure | None) -> TextEncoding:
    states, _ = _scan(path, list(_CJK_CANDIDATES), score=True)
    by_codec = {s.codec: s for s in states}
    if by_codec["big5"].alive or not by_codec["cp950"].alive:
        del by_codec["cp950"]
    alive = [s for s in by_codec.values() if s.alive]
    utf8_where = _where(utf8_failure)
    if not alive:
        raise ReadError(
            f"Cannot tell the text encoding of '{path}': it is not UTF-8 (byte {utf8_where}, is "
            "invalid), GB18030 or Big5. Pass encoding= with the encoding it was saved in (for example "
            "encoding='cp1252' for Western European Excel exports, encoding='shift_jis' for Japanese)."
        )
    best = max(alive, key=lambda s: (s.common - s.rare, s.codec == "gb18030"))
    share = _share(best)
    if share < _MIN_COMMON_SHARE:
        raise ReadError(
            f"Cannot tell the text encoding of '{path}': it is not UTF-8 (byte {utf8_where}, is "
            f"invalid), and read as {display_name(best.codec)} only {share:.0%} of its non-ASCII "
            "characters are common Chinese characters, so it is probably in another encoding. "
            "Pass encoding= with the encoding it was saved in (for example encoding='cp1252' for "
            "Western European Excel exports)."
        )
    others = "; ".join(
        f"as {display_name(s.codec)} {_share(s):.0%}" if s.alive else f"not valid {display_name(s.codec)}"
        for s in by_codec.values()
        if s is not best
    )
    name = display_name(best.codec)
    note = (
        f"Detected encoding {name}. The file is not UTF-8 (byte {utf8_where}, is invalid); read as "
        f"{name}, {share:.0%} of its non-ASCII characters are common Chinese characters ({others})."
    )
    return TextEncoding(best.codec, True, (note,))


def _share(state: _Decoding) -> float:
    total = state.common + state.rare
    return state.common / total if total else 1.0


def _check_given(path: Path, head: bytes, encoding: str) -> TextEncoding:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise ReadError(
            f"Unknown encoding={encoding!r} for '{path}'. Use a Python codec name such as "
            "'utf-8', 'gb18030' or 'big5', or encoding=None to detect it."
        ) from exc
    notes = [f"Read with the given encoding {display_name(codec)}."]
    if codec == "utf-8" and head.startswith(_UTF8_BOM):
        codec = "utf-8-sig"
        notes.append("Removed the UTF-8 byte-order mark (BOM) at the start of the file.")
    nul_check = not codec.startswith(("utf-16", "utf-32"))
    cjk = codec in _CJK_GIVEN
    (state,), is_ascii = _scan(path, [codec], score=cjk, nul_check=nul_check)
    if not state.alive:
        raise ReadError(_given_failure_message(path, encoding, codec, state.failure))
    if not is_ascii:
        _check_plausible(path, encoding, codec, state)
    return TextEncoding(codec, False, tuple(notes))


_CJK_GIVEN = frozenset({"gb18030", "gbk", "gb2312", "big5", "cp950", "big5hkscs"})
_CLEARLY_BETTER = 0.25


def _check_plausible(path: Path, given: str, codec: str, state: _Decoding) -> None:
    """Refuse a given encoding that decodes the bytes but turns the text into mojibake.

    Two cases are recognised: a file that is valid UTF-8 (with non-ASCII text) read with
    another encoding, and a Chinese encoding given where detection picks another one that
    reads the file clearly better: the given one leaves fewer than half of the non-ASCII
    characters common Chinese characters, or 25 percentage points fewer than the detected
    one.  A given encoding that reads the file about as well as the detected one is kept
    (that is what ``encoding=`` is for).
    """
    if codec in ("utf-8", "utf-8-sig") or codec.startswith(("utf-16", "utf-32")):
        return
    (utf8,), _ = _scan(path, ["utf-8"], score=False)
    if utf8.alive:
        raise ReadError(
            f"'{path}' is UTF-8 text, but encoding='{given}' was given: read as {display_name(codec)} its "
            f"non-ASCII text turns into mojibake such as {_mojibake(path, codec)!r}. Leave encoding= out (UTF-8 is "
            "detected) or pass encoding='utf-8'."
        )
    if codec not in _CJK_GIVEN:
        return
    try:
        detected = _detect(path, _head(path))
    except ReadError:
        return
    if detected.encoding == codec or detected.encoding in ("utf-8", "utf-8-sig"):
        return
    (other,), _ = _scan(path, [detected.encoding], score=True)
    if _share(state) >= _MIN_COMMON_SHARE and _share(other) - _share(state) < _CLEARLY_BETTER:
        return
    raise ReadError(
        f"'{path}' decodes with encoding='{given}', but read as {display_name(codec)} only {_share(state):.0%} of "
        f"its non-ASCII characters are common Chinese characters (mojibake such as "
        f"{_mojibake(path, codec)!r}), against {_share(other):.0%} as {display_name(detected.encoding)}. Pass "
        f"encoding='{detected.encoding}', or leave encoding= out to detect it."
    )


def _mojibake(path: Path, codec: str, width: int = 12) -> str:
    """The first non-ASCII stretch of the file as `codec` reads it (for messages)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    start = next((i for i, b in enumerate(head) if b >= 0x80), 0)
    text = head[max(0, start - 2) : start + 3 * width].decode(codec, errors="replace")
    return text.splitlines()[0][:width] if text.strip() else text[:width]


def _given_failure_message(path: Path, given: str, codec: str, failure: _Failure | None) -> str:
    try:
        suggestion = _detect(path, _head(path)).encoding
    except ReadError:
        suggestion = None
    if suggestion is not None and suggestion != codec:
        advice = f"Try encoding='{suggestion}' (detected from the file), or encoding=None to detect it."
    else:
        advice = (
            "Try encoding=None to detect it, or the encoding the file was saved in "
            "('utf-8', 'gb18030' or 'big5')."
        )
    return (
        f"Cannot decode '{path}' with encoding='{given}': the byte {_where(failure)}, is not valid "
        f"{display_name(codec)}. {advice}"
    )


def _where(failure: _Failure | None) -> str:
    if failure is None:
        return "at the end of the file"
    return f"0x{failure.bad.hex().upper()} at byte offset {failure.offset}, line {failure.line}"


def _require(path: Path, state: _Decoding) -> None:
    if not state.alive:
        raise ReadError(
            f"'{path}' starts with a {display_name(state.codec)} byte-order mark but is not valid "
            f"{display_name(state.codec)}: byte {_where(state.failure)}, is invalid. Save it again as "
            "UTF-8, or pass encoding= with the encoding it was saved in."
        )


def _scan(
    path: Path, codec_names: list[str], *, score: bool, nul_check: bool = True
) -> tuple[list[_Decoding], bool]:
    """Stream `path` through one strict incremental decoder per codec.

    Returns the decoders (each with its failure, if any, and its character counts when
    `score`) and whether the whole file is ASCII.
    """
    states = [_Decoding(name) for name in codec_names]
    offset = newlines = 0
    is_ascii = True
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            if nul_check:
                _check_nul(path, block, offset, newlines)
            block_ascii = block.isascii()
            is_ascii = is_ascii and block_ascii
            for state in states:
                if state.alive and not (block_ascii and state.ascii_safe and not state.pending()):
                    _feed(state, block, offset, newlines, score=score, final=False)
            newlines += block.count(b"\n")
            offset += len(block)
            if not any(s.alive for s in states):
                break
    for state in states:
        if state.alive:
            _feed(state, b"", offset, newlines, score=score, final=True)
    return states, is_ascii


def _feed(state: _Decoding, block: bytes, start: int, newlines: int, *, score: bool, final: bool) -> None:
    pending = state.pending()
    try:
        text = state.decoder.decode(block, final)
    except UnicodeDecodeError:
        state.failure = _locate(state.codec, pending + block, start - len(pending), block, start, newlines)
        return
    if score and state.common + state.rare < _SCORE_CAP:
        _count(state, text)


def _locate(
    codec: str, window: bytes, window_start: int, block: bytes, start: int, newlines: int
) -> _Failure:
    """Find the exact offending bytes by decoding `window` (which starts on a character boundary)."""
    base = "utf-8" if codec == "utf-8-sig" else codec
    try:
        window.decode(base)
    except UnicodeDecodeError as exc:
        offset = window_start + exc.start
        bad = window[exc.start : max(exc.end, exc.start + 1)]
    else:
        offset, bad = window_start + len(window), b""
    line = 1 + newlines + block.count(b"\n", 0, max(0, offset - start))
    return _Failure(offset=offset, line=line, bad=bad)


def _count(state: _Decoding, text: str) -> None:
    common = common_characters()
    for char, n in Counter(text).items():
        if char.isascii():
            continue
        if char in common:
            state.common += n
        else:
            state.rare += n


def _check_nul(path: Path, block: bytes, offset: int, newlines: int) -> None:
    pos = block.find(b"\x00")
    if pos < 0:
        return
    line = 1 + newlines + block.count(b"\n", 0, pos)
    raise ReadError(binary_file_message(path, offset + pos, line))


def binary_file_message(path: Path, offset: int, line: int) -> str:
    """The message for a binary file given as text, naming what it looks like if known.

    Parameters
    ----------
    path : Path
        The file.
    offset, line : int
        Where the first NUL byte is.

    Returns
    -------
    str
    """
    head = _head(path)
    what, fmt = "", None
    for magic, description, magic_format in _MAGIC:
        if head.startswith(magic):
            what, fmt = f" It looks like {description}.", magic_format
            break
    if fmt is not None:
        advice = f"Give it its proper extension or pass format='{fmt}'."
    else:
        advice = "Check that this is the data file you meant, exported as CSV text."
    return (
        f"'{path}' is not a text file: it contains a NUL byte at byte offset {offset} (line {line})."
        f"{what} {advice}"
    )
