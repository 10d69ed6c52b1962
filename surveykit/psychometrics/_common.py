"""What every psychometric function shares: argument checks, item frames, missing-data
handling, correlation matrices, resolved in one place (random generators: :mod:`surveykit._core.rng`).

Conventions (psych's, stated in every result):

* ``missing="pairwise"``: each correlation/covariance from the rows answering both items
  (psych's ``use = "pairwise"``), ``n`` = all rows; ``missing="listwise"``: complete rows only.
* ``cor="pearson"`` or ``"polychoric"`` (:func:`surveykit._core.polychoric.polychoric_matrix`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from surveykit._core import factor as fac
from surveykit._core.polychoric import polychoric_matrix
from surveykit.data import SurveyData
from surveykit.errors import DataError, NonPositiveDefiniteWarning, check_option

__all__ = ["check_option", "item_frame", "reverse_key", "listwise", "correlation"]


def item_frame(data: Any, *, function: str, min_items: int = 2) -> pd.DataFrame:
    """The item columns as a float DataFrame (a copy).

    ``data`` is a DataFrame (one column per item) or a :class:`~surveykit.data.SurveyData`, whose
    keyed item columns are used (reverse-keyed items recoded, as ``SurveyData.items()``).
    """
    if isinstance(data, SurveyData):
        frame = data.items() if data.instrument is not None else data.frame
    elif isinstance(data, pd.DataFrame):
        frame = data
    else:
        raise DataError(f"{function}() needs a DataFrame of items or a SurveyData, not {type(data).__name__}.")
    if frame.shape[1] < min_items:
        raise DataError(f"{function}() needs at least {min_items} items; got {frame.shape[1]} ({list(frame.columns)}).")
    non_num = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if non_num:
        raise DataError(f"Item column(s) {', '.join(non_num)} are not numeric; recode them before {function}().")
    x = frame.astype(float).copy()
    x.columns = [str(c) for c in x.columns]
    if x.columns.duplicated().any():
        dup = sorted(set(x.columns[x.columns.duplicated()]))
        raise DataError(f"Item column name(s) {', '.join(dup)} appear more than once; rename them.")
    empty = [c for c in x.columns if x[c].notna().sum() < 2]
    if empty:
        raise DataError(f"Item(s) {', '.join(empty)} have fewer than 2 answers; remove them before {function}().")
    const = [c for c in x.columns if x[c].std() == 0]
    if const:
        raise DataError(f"Item(s) {', '.join(const)} have zero variance; remove them before {function}().")
    return x


def reverse_key(x: pd.DataFrame, reverse: Sequence[str] | None,
                scale_range: tuple[float, float] | None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Recode the ``reverse`` columns as ``min + max - x`` (``scale_range`` or the observed range)."""
    reverse = [str(c) for c in (reverse or [])]
    if not reverse:
        return x, ()
    unknown = [c for c in reverse if c not in x.columns]
    if unknown:
        raise DataError(f"reverse names {', '.join(unknown)}, which are not columns of the data.")
    lo, hi = scale_range if scale_range is not None else (np.nanmin(x.to_numpy()), np.nanmax(x.to_numpy()))
    x = x.copy()
    for c in reverse:
        x[c] = lo + hi - x[c]
    return x, tuple(reverse)


def listwise(x: pd.DataFrame, missing: str) -> pd.DataFrame:
    check_option("missing", missing, ("pairwise", "listwise"))
    if missing == "listwise":
        out = x.dropna()
        if len(out) < 3:
            raise DataError(f"Only {len(out)} rows answer every item; use missing='pairwise' or fewer items.")
        return out
    return x


def correlation(x: pd.DataFrame, *, cor: str = "pearson", smooth_warning: bool = True) -> tuple[np.ndarray, bool]:
    """Correlation matrix of the item frame ``x`` (already listwise-reduced if asked).

    Returns ``(R, smoothed)``.  A matrix that is not positive definite is smoothed as psych's
    ``cor.smooth`` does (eigenvalues below 1e-12 raised) and a :class:`NonPositiveDefiniteWarning`
    says so.
    """
    check_option("cor", cor, ("pearson", "polychoric"))
    if cor == "pearson":
        r = x.corr(min_periods=2).to_numpy()
    else:
        distinct = {c: int(x[c].nunique()) for c in x.columns}
        many = {c: k for c, k in distinct.items() if k > 10}
        if many:
            shown = ", ".join(f"{c} ({k})" for c, k in many.items())
            raise DataError(f"cor='polychoric' is for ordinal items with at most 10 categories; {shown} have more. "
                            "Use cor='pearson' for these items.")
        r = polychoric_matrix(x.to_numpy()).rho
    if not np.isfinite(r).all():
        bad = sorted({x.columns[i] for i, j in zip(*np.where(~np.isfinite(r)))})
        raise DataError(f"Correlations involving {', '.join(bad)} cannot be computed (fewer than 2 joint answers).")
    r, smoothed = fac.cor_smooth(r)
    if smoothed and smooth_warning:
        warnings.warn(
            f"The {cor} correlation matrix of {', '.join(map(str, x.columns[:5]))}"
            f"{'...' if x.shape[1] > 5 else ''} is not positive definite; it was smoothed as psych's cor.smooth() "
            "does (eigenvalues below 1e-12 raised, then rescaled to a correlation matrix).",
            NonPositiveDefiniteWarning, stacklevel=3)
    return r, smoothed
