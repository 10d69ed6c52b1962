"""Polychoric correlations of ordinal items (two-step ML), with thresholds.

The numeric kernel is :func:`surveykit._core.polychoric.polychoric_matrix` (numpy/scipy only);
see its docstring for the method.  Validated against: lavaan 0.6-14 ``lavCor(x, ordered = ...)``
on the complete bfi rows (correlations 1e-6 absolute, in practice ~4e-8; thresholds 1e-10) and
psych 2.2.9 ``polychoric()`` (complete and pairwise rows; 1e-4 absolute, the accuracy of psych's
``optimize()``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from surveykit._core import factor as fac
from surveykit._core.polychoric import polychoric_matrix
from surveykit.errors import DataError, NonPositiveDefiniteWarning
from surveykit.psychometrics._common import item_frame, listwise
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["PolychoricResult", "polychoric"]


@dataclass(frozen=True, repr=False, eq=False)
class PolychoricResult(ResultMixin):
    """``rho`` (items x items), ``thresholds`` (items x t1..tk, NaN-padded), ``n_pairs``."""

    n: int
    n_items: int
    missing: str
    smoothed: bool
    positive_definite: bool
    _rho: pd.DataFrame = field(repr=False)
    _thresholds: pd.DataFrame = field(repr=False)
    _n_pairs: pd.DataFrame = field(repr=False)
    _categories: dict = field(repr=False)

    @property
    def rho(self) -> pd.DataFrame:
        return self._rho.copy()

    @property
    def thresholds(self) -> pd.DataFrame:
        """Thresholds per item (rows) ``t1 < t2 < ...``; items with fewer categories padded with NaN."""
        return self._thresholds.copy()

    @property
    def n_pairs(self) -> pd.DataFrame:
        return self._n_pairs.copy()

    @property
    def categories(self) -> dict[str, list[float]]:
        """The observed categories of each item, ascending (threshold ``t_k`` separates the k-th
        from the (k+1)-th)."""
        return {k: list(v) for k, v in self._categories.items()}

    def to_frame(self) -> pd.DataFrame:
        return self._rho.rename_axis("item").reset_index()

    def to_dict(self) -> dict:
        return to_jsonable({
            "n": self.n, "n_items": self.n_items, "missing": self.missing, "smoothed": self.smoothed,
            "positive_definite": self.positive_definite, "rho": self._rho.rename_axis("item").reset_index(),
            "thresholds": {k: [v for v in row if np.isfinite(v)] for k, row in self._thresholds.iterrows()},
            "categories": self.categories,
        })

    def _repr_line(self) -> str:
        return f"PolychoricResult {self.n_items} items, n={self.n}"

    def summary(self) -> Summary:
        notes = [f"Two-step ML (thresholds from each item's answers, then ML per pair; {self.missing} rows), "
                 f"n = {self.n}."]
        if self.smoothed:
            notes.append("The matrix was not positive definite and was smoothed (psych cor.smooth).")
        elif not self.positive_definite:
            notes.append("The matrix is not positive definite (not smoothed).")
        return Summary(title="Polychoric correlations",
                       tables=(("Correlations", self._rho.rename_axis("item").reset_index()),
                               ("Thresholds", self._thresholds.rename_axis("item").reset_index())),
                       notes=tuple(notes))


def polychoric(
    frame: pd.DataFrame,
    *,
    missing: Literal["pairwise", "listwise"] = "pairwise",
    smooth: bool = False,
    max_categories: int = 10,
) -> PolychoricResult:
    """Polychoric correlation matrix and thresholds of ordinal items.

    Parameters
    ----------
    frame : DataFrame or SurveyData
        Ordinal item responses (numeric codes; NaN = missing).
    missing : {"pairwise", "listwise"}
        Each pair from the rows answering both items, each item's thresholds from all its answers
        (psych's ``polychoric``), or complete rows only (lavaan's ``lavCor`` default).
    smooth : bool
        Smooth a matrix that is not positive definite as psych's ``cor.smooth`` (psych smooths by
        default; here only on request, with a :class:`NonPositiveDefiniteWarning`).
    max_categories : int
        Refuse items with more distinct values than this (they are not ordinal categories).

    Notes
    -----
    Step 1: ``tau_jk = Phi^-1(P(x_j <= k-th category))``.  Step 2: for each pair, ``rho`` maximizes
    ``sum n_ab log P_ab(rho; tau)`` with the thresholds fixed, ``P_ab`` a rectangle probability of
    the standard bivariate normal (Olsson 1979).  Empty cells get nothing added except in 2 x 2
    tables (+0.5; lavaan's ``zero.add``).

    Validated against: lavaan 0.6-14 ``lavCor(ordered = )`` (1e-6 absolute) and psych 2.2.9
    ``polychoric()`` (1e-4 absolute).

    Examples
    --------
    >>> import surveykit as sk
    >>> bfi = sk.datasets.bfi()
    >>> pc = sk.polychoric(bfi[["A1", "A2", "A3", "A4", "A5"]].dropna())
    >>> round(float(pc.rho.loc["A2", "A3"]), 3), pc.thresholds.shape
    (0.558, (5, 5))
    """
    x = listwise(item_frame(frame, function="polychoric"), missing)
    many = {c: int(x[c].nunique()) for c in x.columns if x[c].nunique() > max_categories}
    if many:
        shown = ", ".join(f"{c} ({k})" for c, k in many.items())
        raise DataError(f"polychoric() is for ordinal items with at most {max_categories} categories; "
                        f"{shown} have more. Use Pearson correlations or raise max_categories.")
    res = polychoric_matrix(x.to_numpy())
    rho = res.rho
    if not np.isfinite(rho).all():
        raise DataError("Some item pairs have no joint answers; their polychoric correlation cannot be computed.")
    pd_ok = fac.is_positive_definite(rho)
    smoothed = False
    if smooth and not pd_ok:
        rho, smoothed = fac.cor_smooth(rho)
        warnings.warn("The polychoric correlation matrix was not positive definite and was smoothed as psych's "
                      "cor.smooth() does.", NonPositiveDefiniteWarning, stacklevel=2)
    cols = list(x.columns)
    kmax = max(len(t) for t in res.thresholds)
    th = np.full((len(cols), kmax), np.nan)
    for i, t in enumerate(res.thresholds):
        th[i, : len(t)] = t
    return PolychoricResult(
        n=len(x), n_items=len(cols), missing=missing, smoothed=smoothed, positive_definite=pd_ok,
        _rho=pd.DataFrame(rho, index=cols, columns=cols),
        _thresholds=pd.DataFrame(th, index=cols, columns=[f"t{k + 1}" for k in range(kmax)]),
        _n_pairs=pd.DataFrame(res.n_pairs, index=cols, columns=cols),
        _categories={c: [float(v) for v in cat] for c, cat in zip(cols, res.categories)},
    )
