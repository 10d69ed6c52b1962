"""The dictionary of an SPSS portable (.por) file, read by surveykit itself.

pyreadstat reads the data of a portable file but cannot keep its user-missing
declarations: ``read_por`` has no ``user_missing`` option, so declared missing codes
arrive as empty cells and the declarations are lost.  This module reads the file's
dictionary (everything before the data) so that the declarations survive, and gives
pyreadstat a copy of the file without them, so that the codes stay in the data as codes
(what ``user_missing=True`` does for a .sav file).  The file itself is only read.

The format (GNU PSPP's "Portable File Format" chapter; SPSS documents no more):

* Text in lines of 80 characters; line ends carry no meaning, and a shorter line counts
  as padded with spaces.  The file ends with ``Z`` characters.
* A 200-byte splash (``ASCII SPSS PORT FILE`` in five character sets), a 256-byte
  character translation table and the tag ``SPSSPORT``.  The table gives, for each
  portable-character position (64-73 digits, 74-99 capitals, 100-125 small letters,
  126 space, then punctuation and a few symbols), the byte the file uses for it; every
  byte of the file is read through it.  Symbols the writer's character set lacks are set
  to the byte of position 64 (the digit 0), so the first position of a byte wins.
* Numbers: base-30 digits ``0-9A-T``, an optional ``-`` and ``.``, an optional exponent
  (``+`` or ``-`` and base-30 digits, a power of 30), ending in ``/``; ``*.`` is the
  system-missing value.  Strings: their length as a number, then the characters.
* Records, each a tag character and its fields: ``A`` version, creation date and time;
  ``1`` product, ``2`` author, ``3`` sub-product; ``4`` number of variables; ``5``
  precision (base-30 digits); ``6`` weight variable; ``7`` variable (width, 0 for
  numeric; name; print and write formats); ``8`` a missing value; ``9`` LOWEST THRU x;
  ``A`` x THRU HIGHEST; ``B`` x THRU y; ``C`` variable label; ``D`` value labels; ``E``
  documents; ``F`` the data, to the end of the file.  Missing values of string
  variables are strings.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from surveykit.errors import ReadError
from surveykit.io.metadata import VariableMeta

LINE = 80
_SPLASH, _TABLE, _TAG = 200, 256, 8
_HEADER = _SPLASH + _TABLE + _TAG
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRST"
_DIGIT_VALUE = {c: i for i, c in enumerate(_DIGITS)}
_MISSING_TAGS = frozenset("89AB")
_WHAT = "an SPSS portable .por file"


def _positions() -> dict[int, str]:
    """Portable-character position -> the character it stands for (positions 64-188)."""
    chars = {64 + i: c for i, c in enumerate("0123456789")}
    chars.update({74 + i: chr(ord("A") + i) for i in range(26)})
    chars.update({100 + i: chr(ord("a") + i) for i in range(26)})
    # 126 space, 127-155 punctuation (131 solid bar, 143 broken bar, 151 pound sign)
    chars.update({126 + i: c for i, c in enumerate(" .<(+|&[]!$*);^-/¦,%_>?`:£@'=\"")})
    chars.update(
        {156: "≤", 157: "□", 158: "±", 159: "■", 160: "°", 161: "†", 162: "~", 163: "–", 164: "└", 165: "┌",
         166: "≥"}
    )
    chars.update({167 + i: c for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")})
    chars.update({177: "┘", 178: "┐", 179: "≠", 180: "—", 181: "⁽", 182: "⁾", 183: "‡", 184: "{", 185: "}",
                  186: "\\", 187: "¢", 188: "•"})
    return chars


_POSITIONS = _positions()


@dataclass(frozen=True)
class PorVariable:
    """One variable as the dictionary of a portable file declares it.

    Parameters
    ----------
    name : str
        The variable name (at most 8 characters, as written).
    width : int
        0 for a numeric variable, else the string width.
    label : str or None
        Variable label (``C`` record).
    missing_values : tuple
        Discrete user-missing values (``8`` records): floats for numeric variables,
        strings (trailing spaces removed) for string variables.
    missing_ranges : tuple of (float, float)
        ``B`` (x THRU y), ``9`` (LOWEST THRU x: ``-inf``) and ``A`` (x THRU HIGHEST:
        ``inf``) ranges of a numeric variable, both ends included.
    print_format : tuple of int
        (type, width, decimals) of the print format, SPSS's format codes.
    """

    name: str
    width: int
    label: str | None = None
    missing_values: tuple = ()
    missing_ranges: tuple[tuple[float, float], ...] = ()
    print_format: tuple[int, int, int] = (5, 8, 2)

    @property
    def is_string(self) -> bool:
        return self.width > 0


@dataclass(frozen=True)
class PorDictionary:
    """What a portable file says before its data.

    Parameters
    ----------
    variables : tuple of PorVariable
        In file order.
    value_labels : dict of str to dict
        Variable name -> {value: label}.
    documents : tuple of str
        Lines of the ``E`` (DOCUMENT) record.
    weight : str or None
        Name of the weight variable (``6`` record).
    product, author, subproduct : str or None
        ``1``, ``2`` and ``3`` records (the writing program).
    created : str
        Creation date and time as written (``YYYYMMDD HHMMSS``).
    notes : tuple of str
        What the reader found worth saying (declarations that cannot mean what they say).
    text : bytes
        The file without line ends, each line padded to 80 characters.
    missing_spans : tuple of (int, int)
        Where the missing-value records lie in `text` (start, end).
    """

    variables: tuple[PorVariable, ...]
    value_labels: dict[str, dict] = field(default_factory=dict)
    documents: tuple[str, ...] = ()
    weight: str | None = None
    product: str | None = None
    author: str | None = None
    subproduct: str | None = None
    created: str = ""
    notes: tuple[str, ...] = ()
    text: bytes = field(default=b"", repr=False)
    missing_spans: tuple[tuple[int, int], ...] = ()

    @property
    def has_missing(self) -> bool:
        """Whether any variable declares user-missing values."""
        return bool(self.missing_spans)

    def without_missing(self) -> io.BytesIO:
        """The file with its missing-value records left out, in 80-character lines.

        pyreadstat reads this copy like the file, except that no value is declared
        missing, so declared codes reach the frame as codes.

        Returns
        -------
        io.BytesIO
        """
        parts, start = [], 0
        for lo, hi in self.missing_spans:
            parts.append(self.text[start:lo])
            start = hi
        parts.append(self.text[start:])
        body = b"".join(parts)
        return io.BytesIO(b"".join(body[i : i + LINE] + b"\r\n" for i in range(0, len(body), LINE)))


def read_por_dictionary(path: Path) -> PorDictionary:
    """Read the dictionary (header and records before the data) of a portable file.

    Parameters
    ----------
    path : Path
        An existing, non-empty file.

    Returns
    -------
    PorDictionary

    Raises
    ------
    ReadError
        If the file is not a portable file, or is truncated or damaged; the message names
        the file, the line and column, and what to do.

    Examples
    --------
    >>> d = read_por_dictionary(Path("tests/data/fixtures/pspp_missing.por"))  # doctest: +SKIP
    >>> d.variables[1].name, d.variables[1].missing_values  # doctest: +SKIP
    ('Q1', (8.0, 9.0))
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ReadError(f"Cannot open '{path}': {exc.strerror or exc}. Check its permissions.") from exc
    text, end = _unwrap(raw, b" ")
    if end < _HEADER:
        raise _error(path, "it ends inside the 464-byte header", None)
    table = text[_SPLASH : _SPLASH + _TABLE]
    space = table[126:127]
    if space != b" ":
        text = text[: _SPLASH + _TABLE] + _unwrap(raw, space)[0][_SPLASH + _TABLE :]
    return _Parser(path, text, end, _decoder(table)).parse()


def por_missing(variables: Mapping[str, VariableMeta], dictionary: PorDictionary) -> dict[str, VariableMeta]:
    """`variables` (as pyreadstat described them) with the missing values `dictionary` declares.

    Numeric codes are stored as for a .sav file read with ``user_missing=True``: integral
    codes as ``int`` (``8`` rather than ``8.0``), ranges as ``(lo, hi)`` floats with
    ``-inf``/``inf`` for LOWEST/HIGHEST; string codes as strings.

    Parameters
    ----------
    variables : mapping of str to VariableMeta
    dictionary : PorDictionary

    Returns
    -------
    dict of str to VariableMeta
    """
    declared = {v.name: v for v in dictionary.variables}
    out = {}
    for name, meta in variables.items():
        var = declared.get(name)
        if var is not None and (var.missing_values or var.missing_ranges):
            values = tuple(v if isinstance(v, str) else _tidy(v) for v in var.missing_values)
            meta = replace(meta, missing_values=values, missing_ranges=var.missing_ranges)
        out[name] = meta
    return out


def _unwrap(raw: bytes, space: bytes) -> tuple[bytes, int]:
    """The file without line ends, every line padded to 80 characters with `space`; and where
    the file's own characters end (before the last line's padding)."""
    lines = re.split(rb"\r\n|\n|\r", raw)
    if lines and not lines[-1]:
        lines.pop()
    text = b"".join(line + space * (LINE - len(line)) if len(line) < LINE else line for line in lines)
    return text, len(text) - (LINE - len(lines[-1]) if lines and len(lines[-1]) < LINE else 0)


def _decoder(table: bytes) -> dict[int, str]:
    """Byte -> character, from the translation table (the first position of a byte wins)."""
    decode: dict[int, str] = {}
    for position in range(64, _TABLE):
        byte = table[position]
        if byte not in decode and position in _POSITIONS:
            decode[byte] = _POSITIONS[position]
    return decode


def _error(path: Path, problem: str, where: tuple[int, int] | None) -> ReadError:
    at = f" (line {where[0]}, column {where[1]})" if where else ""
    return ReadError(
        f"Cannot read '{path}' as {_WHAT}: {problem}{at}. The file may be truncated or damaged (export or "
        "download it again), or be in another format (pass format=)."
    )


class _Parser:
    """Reads records one field at a time from the unwrapped, translated text."""

    def __init__(self, path: Path, text: bytes, end: int, decode: dict[int, str]) -> None:
        self.path = path
        self.text = text
        # bytes the table does not name keep their Latin-1 meaning (ASCII for a PSPP file); a field
        # running into the padding of the last line means the file was cut short
        self.chars = text[:end].decode("latin-1").translate({b: decode.get(b, chr(b)) for b in range(256)})
        self.pos = _HEADER
        self.notes: list[str] = []

    def parse(self) -> PorDictionary:
        if self.chars[_SPLASH + _TABLE : _HEADER] != "SPSSPORT":
            raise _error(self.path, "the tag SPSSPORT is missing after the character table", self._where(_SPLASH))
        if self._char() != "A":
            raise _error(self.path, "the version record (A) is missing after SPSSPORT", self._where(self.pos - 1))
        created = f"{self._string()} {self._string()}"
        info: dict[str, str | None] = {"1": None, "2": None, "3": None, "6": None}
        variables: list[dict] = []
        labels: dict[str, dict] = {}
        documents: list[str] = []
        spans: list[tuple[int, int]] = []
        count = None
        while True:
            start = self.pos
            tag = self._char()
            if tag in info:
                info[tag] = self._string()
            elif tag == "4":
                count = self._int()
            elif tag == "5":
                self._int()
            elif tag == "7":
                variables.append(self._variable())
            elif tag in _MISSING_TAGS:
                if not variables:
                    raise _error(self.path, f"a missing-value record ({tag}) comes before any variable",
                                 self._where(start))
                self._missing(tag, variables[-1])
                spans.append((start, self.pos))
            elif tag == "C":
                if not variables:
                    raise _error(self.path, "a variable label (C) comes before any variable", self._where(start))
                variables[-1]["label"] = self._string()
            elif tag == "D":
                self._value_labels(variables, labels)
            elif tag == "E":
                documents.extend(self._string() for _ in range(self._int()))
            elif tag == "F":
                break
            else:
                raise _error(self.path, f"unknown record tag {tag!r}", self._where(start))
        if count is not None and count != len(variables):
            raise _error(self.path, f"it declares {count} variables but describes {len(variables)}", None)
        return PorDictionary(
            variables=tuple(PorVariable(**v) for v in variables),
            value_labels=labels,
            documents=tuple(documents),
            weight=info["6"],
            product=info["1"],
            author=info["2"],
            subproduct=info["3"],
            created=created,
            notes=tuple(self.notes),
            text=self.text,
            missing_spans=tuple(spans),
        )

    # -- records ---------------------------------------------------------------------------------------
    def _variable(self) -> dict:
        width = self._int()
        name = self._string()
        print_format = (self._int(), self._int(), self._int())
        self._int(), self._int(), self._int()  # write format
        return {"name": name, "width": width, "print_format": print_format, "label": None,
                "missing_values": (), "missing_ranges": ()}

    def _missing(self, tag: str, var: dict) -> None:
        if var["width"] > 0:
            values = [self._string().rstrip(" ") for _ in range(2 if tag == "B" else 1)]
            if tag == "8":
                var["missing_values"] += (values[0],)
            else:
                self.notes.append(
                    f"Variable {var['name']}: a string missing range ({', '.join(values)}) was ignored "
                    "(SPSS declares only single values missing for strings)."
                )
            return
        if tag == "8":
            var["missing_values"] += (self._number(),)
            return
        if tag == "B":
            lo, hi = self._number(), self._number()
        elif tag == "9":
            lo, hi = float("-inf"), self._number()
        else:
            lo, hi = self._number(), float("inf")
            if lo >= _DBL_MAX:
                self.notes.append(
                    f"Variable {var['name']}: the file declares {lo:.16g} THRU HIGHEST missing, which matches no "
                    "value; GNU PSPP (1.6.2 and earlier) writes this for every 'x THRU HIGHEST' and loses x. "
                    "Declare the range again after reading, or read the .sav file."
                )
        var["missing_ranges"] += ((lo, hi),)

    def _value_labels(self, variables: list[dict], labels: dict[str, dict]) -> None:
        start = self.pos
        names = [self._string() for _ in range(self._int())]
        widths = {v["name"]: v["width"] for v in variables}
        unknown = [n for n in names if n not in widths]
        if unknown:
            raise _error(self.path, f"value labels name the unknown variable {unknown[0]!r}", self._where(start))
        is_string = bool(names) and widths[names[0]] > 0
        pairs = {}
        for _ in range(self._int()):
            value = self._string().rstrip(" ") if is_string else _tidy(self._number())
            pairs[value] = self._string()
        for name in names:
            labels.setdefault(name, {}).update(pairs)

    # -- fields ----------------------------------------------------------------------------------------
    def _where(self, pos: int) -> tuple[int, int]:
        return pos // LINE + 1, pos % LINE + 1

    def _char(self) -> str:
        if self.pos >= len(self.chars):
            raise _error(self.path, "it ends before the data record (F)", None)
        c = self.chars[self.pos]
        self.pos += 1
        return c

    def _field(self) -> tuple[str, int]:
        """The characters of one number up to its '/' (leading spaces skipped), and where it began."""
        while self.pos < len(self.chars) and self.chars[self.pos] == " ":
            self.pos += 1
        start = self.pos
        if self.chars.startswith("*.", start):
            self.pos += 2
            return "*.", start
        end = self.chars.find("/", start)
        if end == -1:
            raise _error(self.path, "it ends inside a number (no closing '/')", self._where(start))
        self.pos = end + 1
        return self.chars[start:end], start

    def _number(self) -> float:
        token, start = self._field()
        if token == "*.":
            return float("nan")
        value = _parse_number(token)
        if value is None:
            raise _error(self.path, f"{token!r} is not a base-30 number", self._where(start))
        return value

    def _int(self) -> int:
        token, start = self._field()
        value = _parse_number(token) if token != "*." else None
        if value is None or not value.is_integer() or value < 0:
            raise _error(self.path, f"{token!r} is not a count or length", self._where(start))
        return int(value)

    def _string(self) -> str:
        length = self._int()
        if self.pos + length > len(self.chars):
            raise _error(self.path, "it ends inside a string", self._where(self.pos))
        s = self.chars[self.pos : self.pos + length]
        self.pos += length
        return s


_DBL_MAX = 1.7976931348623157e308
_NUMBER = re.compile(r"(-?)([0-9A-T]*)(?:\.([0-9A-T]*))?(?:([+-])([0-9A-T]+))?")


def _parse_number(token: str) -> float | None:
    """A base-30 number as the format writes it (without its '/'); None if malformed."""
    m = _NUMBER.fullmatch(token)
    if m is None or not (m.group(2) or m.group(3)):
        return None
    sign, whole, frac, esign, exp = m.groups()
    frac = frac or ""
    mantissa = 0
    for c in whole + frac:
        mantissa = mantissa * 30 + _DIGIT_VALUE[c]
    power = -len(frac)
    if exp:
        e = 0
        for c in exp:
            e = e * 30 + _DIGIT_VALUE[c]
        power += e if esign == "+" else -e
    value = Fraction(mantissa) * Fraction(30) ** power
    try:
        number = float(value)
    except OverflowError:  # rounded past the largest double (PSPP writes DBL_MAX so): PSPP reads DBL_MAX
        number = _DBL_MAX
    return -number if sign else number


def _tidy(value: float) -> float | int:
    return int(value) if value.is_integer() else value
