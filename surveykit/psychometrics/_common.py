"""What every psychometric function shares: argument checks, item frames, missing-data
handling, correlation matrices and random generators, resolved in one place.

Conventions (psych's, stated in every result):

* ``missing="pairwise"``: each correlation/covariance from the rows answering both items
  (psych's ``use = "pairwise"``), ``n`` = all rows; ``missing="listwise"``: complete rows only.
* ``cor="pearson"`` or ``"polychoric"`` (:func:`surveykit._core.polychoric.polychoric_matrix`).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from surveykit._core import factor as fac
from surveykit._core.polychoric import polychoric_matrix
from surveykit.data import SurveyData
from surveykit.errors import DataError, NonPositiveDefiniteWarning, SpecError

__all__ = ["check_option", "item_frame", "reverse_key", "listwise", "correlation", "make_rng", "small_blas"]

_CONTROLLER: Any = None


@contextlib.contextmanager
def small_blas() -> Iterator[None]:
    """Run the block with one BLAS thread.

    Factor extraction makes hundreds of L-BFGS-B steps on p-vectors and eigen-decompositions of
    p x p matrices; on a multi-core machine OpenBLAS's thread hand-offs cost more than the
    arithmetic (30x slower measured on 2 busy cores).  threadpoolctl (installed with pingouin's
    scikit-learn) limits the threads; without it the block runs unchanged.  Results are identical
    either way.
    """
    global _CONTROLLER
    try:
        if _CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER = ThreadpoolController()
        cm = _CONTROLLER.limit(limits=1, user_api="blas")
    except Exception:  # pragma: no cover - threadpoolctl missing or unusable
        cm = contextlib.nullcontext()
    with cm:
        yield


def check_option(name: str, value: Any, options: Sequence[Any]) -> None:
    """One message template for every string option."""
    if value not in options:
        shown = ", ".join(repr(o) for o in options)
        raise SpecError(f"{name}={value!r} is not one of {shown}.")


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


def make_rng(rng: int | np.random.Generator | None) -> tuple[np.random.Generator, int | None]:
    """A Generator and the seed to record.  ``None`` draws fresh entropy and records it, so that
    every run can be repeated; a Generator passed in is used as is (seed recorded as None)."""
    if isinstance(rng, np.random.Generator):
        return rng, None
    if rng is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
        return np.random.default_rng(seed), seed
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise SpecError(f"rng={rng!r} must be a non-negative int seed or a numpy Generator.")
    return np.random.default_rng(int(rng)), int(rng)
