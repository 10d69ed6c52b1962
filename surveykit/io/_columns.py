"""Typing columns that arrive as text (CSV cells, spreadsheet cells stored as text).

Each column is seen twice: as *text* (every cell a string, empty cells NaN) and as
*parsed* by pandas' C parser (numbers where every cell of the chunk is a number, the
tokens ``NA``, ``N/A``, ``NaN``, ``nan``, ``#N/A``, ``NULL``, ``null`` and empty cells
as NaN).  A column becomes numeric when it parsed as numbers in every chunk, unless

* numbers have leading zeros (``007``: identifiers, postal codes), or
* a number is too large for a float to hold exactly (> 2**53: e.g. 18-digit ID numbers);

then it stays text, with a note.  Not-available tokens read as missing get a note too.
A text column that is mostly (>= 80 %) numbers raises a
:class:`~surveykit.errors.DataQualityWarning`, since that usually means a typo or an
undeclared missing code.

Whether a column is numeric, and whether it is integer (``int64``: whole numbers and no
empty cell anywhere) or ``float64``, is decided from the profile of the whole file, so
reading in chunks gives the same types as reading at once.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from surveykit.errors import DataQualityWarning

NA_TOKENS: tuple[str, ...] = ("NA", "N/A", "n/a", "NaN", "nan", "#N/A", "NULL", "null")
_MAX_EXACT = 2.0**53
_MOSTLY_NUMERIC = 0.8
_EXAMPLES = 3


def _is_number_dtype(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


@dataclass
class ColumnProfile:
    """What the cells of one column look like, accumulated over chunks.

    Parameters
    ----------
    name : str
        Column name (for notes and warnings).
    tokens : frozenset of str
        Cells a survey-platform layout declares as missing codes (Wenjuanxin's "(跳过)"):
        counted apart, so that they do not make a numeric column look like one with typos.
    """

    name: str
    tokens: frozenset[str] = frozenset()
    n_tokens: int = 0
    n_values: int = 0
    n_numeric: int = 0
    n_missing: int = 0
    parsed_numeric: bool = True
    all_integral: bool = True
    na_tokens: dict[str, int] = field(default_factory=dict)
    text_examples: list[str] = field(default_factory=list)
    leading_zero: str | None = None
    too_large: str | None = None

    def update(self, text: pd.Series, parsed: pd.Series) -> None:
        """Add one chunk of the column to the profile.

        Parameters
        ----------
        text : pandas.Series
            The cells as strings (NaN for empty cells).
        parsed : pandas.Series
            The same cells as pandas parsed them (numeric dtype if all were numbers).
        """
        present = text.notna().to_numpy()
        is_token = text.isin(NA_TOKENS).to_numpy()
        self.n_missing += int((~present).sum())
        self.n_values += int((present & ~is_token).sum())
        for token, count in text[is_token].value_counts().items():
            self.na_tokens[str(token)] = self.na_tokens.get(str(token), 0) + int(count)
        if _is_number_dtype(parsed):
            self._update_numbers(text, parsed.to_numpy(dtype=float))
        else:
            self.parsed_numeric = False
            self._update_text(text[present & ~is_token])

    def _update_numbers(self, text: pd.Series, values: np.ndarray) -> None:
        known = ~np.isnan(values)
        self.n_numeric += int(known.sum())
        numbers = values[known]
        if self.all_integral and not np.all(np.isfinite(numbers) & (numbers == np.round(numbers))):
            self.all_integral = False
        if self.too_large is None:
            big = np.abs(values) > _MAX_EXACT
            if big.any():
                self.too_large = str(text.iloc[int(np.argmax(big))])
        if self.leading_zero is None:
            stripped = text[known].str.lstrip(" +-")
            maybe = stripped[stripped.str.startswith("0")]
            zeros = maybe[maybe.str.match(r"0\d")]
            if len(zeros):
                self.leading_zero = str(text[zeros.index[0]])

    def _update_text(self, cells: pd.Series) -> None:
        counts = cells.value_counts()
        if self.tokens:
            is_token = counts.index.isin(list(self.tokens))
            self.n_tokens += int(counts.to_numpy()[is_token].sum())
            counts = counts[~is_token]
        numbers = pd.to_numeric(pd.Series(counts.index, dtype=object), errors="coerce").notna().to_numpy()
        self.n_numeric += int(counts.to_numpy()[numbers].sum())
        for value in counts.index[~numbers][:_EXAMPLES]:
            if len(self.text_examples) < _EXAMPLES and str(value) not in self.text_examples:
                self.text_examples.append(str(value))

    @property
    def is_numeric(self) -> bool:
        """Whether the column is read as numbers."""
        return self.parsed_numeric and self.leading_zero is None and self.too_large is None

    @property
    def dtype(self) -> str:
        """``'int64'``, ``'float64'`` or ``'str'``."""
        if not self.is_numeric:
            return "str"
        whole = self.all_integral and self.n_missing == 0 and not self.na_tokens
        return "int64" if whole and self.n_numeric > 0 else "float64"

    def notes(self) -> list[str]:
        """Plain sentences on what typing did to this column.

        Returns
        -------
        list of str
        """
        if self.is_numeric:
            if not self.na_tokens:
                return []
            cells = ", ".join(f"{n} cell{'s' if n > 1 else ''} {t!r}" for t, n in self.na_tokens.items())
            return [f"Column '{self.name}': read {cells} as missing."]
        if self.leading_zero is not None:
            return [
                f"Column '{self.name}' kept as text because values such as '{self.leading_zero}' "
                "have leading zeros (identifiers or codes)."
            ]
        if self.too_large is not None:
            return [
                f"Column '{self.name}' kept as text because numbers such as '{self.too_large}' have "
                "more digits than a floating-point number holds exactly."
            ]
        return []

    def warn_if_mostly_numeric(self, source: str) -> None:
        """Warn when a text column is mostly numbers: a typo or an undeclared code, usually.

        Parameters
        ----------
        source : str
            The file, for the message.
        """
        n_values = self.n_values - self.n_tokens
        if self.parsed_numeric or not n_values or self.n_numeric / n_values < _MOSTLY_NUMERIC:
            return
        n_text = n_values - self.n_numeric
        if n_text == 0:
            return
        shown = ", ".join(repr(t) for t in self.text_examples)
        warnings.warn(
            f"Column '{self.name}' in '{source}' is mostly numbers but has {n_text} text "
            f"value{'s' if n_text > 1 else ''} ({shown}) and was kept as text. Recode those values, "
            "or declare them as missing codes.",
            DataQualityWarning,
            stacklevel=4,
        )


def parse_texts(text: pd.Series) -> pd.Series:
    """Parse a text column as pandas' reader would: numbers if every cell is one, else unchanged.

    Used for cells that did not come through the CSV parser (spreadsheet cells).

    Parameters
    ----------
    text : pandas.Series
        Strings or missing values.

    Returns
    -------
    pandas.Series
    """
    blank = text.isna() | text.isin(NA_TOKENS)
    numbers = pd.to_numeric(text.where(~blank, None).astype(object), errors="coerce")
    if bool((numbers.notna() | blank).all()):
        return numbers.astype(float)
    return text


def convert(text: pd.Series, parsed: pd.Series, profile: ColumnProfile) -> pd.Series:
    """Convert one chunk of a column as its whole-file `profile` decided.

    Parameters
    ----------
    text, parsed : pandas.Series
        As for :meth:`ColumnProfile.update`.
    profile : ColumnProfile
        Profile of the whole column.

    Returns
    -------
    pandas.Series
        Numbers (``int64`` or ``float64``) or the text (NaN for empty cells).
    """
    if not profile.is_numeric:
        return text
    return parsed.astype(profile.dtype)


def profile_frame(
    text: pd.DataFrame,
    parsed: pd.DataFrame,
    profiles: dict[str, ColumnProfile] | None = None,
    *,
    tokens: frozenset[str] = frozenset(),
) -> dict[str, ColumnProfile]:
    """Profile every column of a chunk, adding to `profiles` if given.

    Parameters
    ----------
    text, parsed : pandas.DataFrame
        The chunk as text and as parsed, with the same columns and rows.
    profiles : dict, optional
        Profiles of earlier chunks, updated in place.
    tokens : frozenset of str
        Platform missing-value cells (see :class:`ColumnProfile`).

    Returns
    -------
    dict of str to ColumnProfile
    """
    profiles = {} if profiles is None else profiles
    for name in text.columns:
        profiles.setdefault(name, ColumnProfile(str(name), tokens)).update(text[name], parsed[name])
    return profiles


def convert_frame(
    text: pd.DataFrame, parsed: pd.DataFrame, profiles: dict[str, ColumnProfile]
) -> pd.DataFrame:
    """Convert every column of a chunk as its profile decided.

    Parameters
    ----------
    text, parsed : pandas.DataFrame
    profiles : dict of str to ColumnProfile

    Returns
    -------
    pandas.DataFrame
    """
    columns = {name: convert(text[name], parsed[name], profiles[name]) for name in text.columns}
    return pd.DataFrame(columns, index=text.index)
