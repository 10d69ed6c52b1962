"""Item analysis: descriptive statistics, corrected item-total correlations, alpha and omega if
an item is dropped, and the critical-ratio (CR) item discrimination test.

Validated against: psych 2.2.9 ``describe()``, ``alpha()``, ``omega(x[, -i], nfactors = 1)`` and
R 4.2.2 ``t.test()`` on the bfi scales and the Holzinger-Swineford factors
(``tests/reference/psych/items.json``, made by ``tests/reference/make_psych_reference.R``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from surveykit._core import descriptives as d
from surveykit._core import items as ki
from surveykit._core.blas import single_thread
from surveykit.errors import SpecError
from surveykit.psychometrics._common import check_option, item_frame, reverse_key
from surveykit.psychometrics.reliability import reliability
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["ItemAnalysisResult", "item_analysis"]

CR_LABEL = "critical ratio (CR, item discrimination)"


@dataclass(frozen=True, repr=False, eq=False)
class ItemAnalysisResult(ResultMixin):
    """Item statistics of one scale; ``items`` is a DataFrame with one row per item."""

    name: str
    alpha: float
    omega_total: float
    n: int
    n_complete: int
    n_items: int
    missing: str
    skew_type: int
    reversed_items: tuple[str, ...]
    cr_share: float
    cr_test: str
    cr_cut_low: float
    cr_cut_high: float
    cr_n_low: int
    cr_n_high: int
    _items: pd.DataFrame = field(repr=False)

    @property
    def items(self) -> pd.DataFrame:
        """n, mean, sd, skew, kurtosis, r_drop, alpha_if_dropped, omega_if_dropped, cr_mean_high,
        cr_mean_low, cr_t, cr_df, cr_pvalue (index: item)."""
        return self._items.copy()

    def to_frame(self) -> pd.DataFrame:
        return self._items.reset_index()

    def to_dict(self) -> dict:
        return to_jsonable({
            "name": self.name, "alpha": self.alpha, "omega_total": self.omega_total, "n": self.n,
            "n_complete": self.n_complete, "n_items": self.n_items, "missing": self.missing,
            "skew_type": self.skew_type, "reversed_items": list(self.reversed_items),
            "critical_ratio": {"label": CR_LABEL, "share": self.cr_share, "test": self.cr_test,
                               "cut_low": self.cr_cut_low, "cut_high": self.cr_cut_high,
                               "n_low": self.cr_n_low, "n_high": self.cr_n_high},
            "items": self._items.reset_index(),
        })

    def _repr_line(self) -> str:
        return f"ItemAnalysisResult {self.name}: {self.n_items} items, alpha={self.alpha:.3f}"

    def summary(self) -> Summary:
        t = self._items.reset_index()
        desc = t[["item", "n", "mean", "sd", "skew", "kurtosis"]]
        rel = t[["item", "r_drop", "alpha_if_dropped", "omega_if_dropped"]]
        cr = t[["item", "cr_mean_high", "cr_mean_low", "cr_t", "cr_df", "cr_pvalue"]].rename(
            columns={"cr_mean_high": "mean high", "cr_mean_low": "mean low", "cr_t": "t", "cr_df": "df",
                     "cr_pvalue": "p"})
        pct = int(round(self.cr_share * 100))
        notes = [
            f"Skewness and kurtosis: type {self.skew_type} (psych describe() uses type 3); kurtosis is excess "
            "kurtosis (0 for a normal distribution).",
            f"r_drop: corrected item-total correlation; alpha {self.alpha:.3f}, omega_total {self.omega_total:.3f} "
            f"with all items ({self.missing} covariances).",
            f"{CR_LABEL}: {'Welch' if self.cr_test == 'welch' else 'Student'} t-test of the top {pct}% "
            f"(total >= {self.cr_cut_high:g}, n = {self.cr_n_high}) versus the bottom {pct}% "
            f"(total <= {self.cr_cut_low:g}, n = {self.cr_n_low}) of the total score, {self.n_complete} complete "
            "rows. Not to be confused with composite reliability (CR).",
        ]
        if self.reversed_items:
            notes.append(f"Reverse-keyed before analysis: {', '.join(self.reversed_items)}")
        return Summary(
            title=f"Item analysis: {self.name} ({self.n_items} items, n = {self.n})",
            tables=(("Descriptive statistics", desc), ("Item-total statistics", rel), (CR_LABEL, cr)),
            notes=tuple(notes),
        )


def item_analysis(
    frame: pd.DataFrame,
    *,
    reverse: Sequence[str] | None = None,
    scale_range: tuple[float, float] | None = None,
    missing: Literal["pairwise", "listwise"] = "pairwise",
    skew_type: Literal[1, 2, 3] = 3,
    cr_share: float = 0.27,
    cr_test: Literal["welch", "student"] = "welch",
    name: str = "scale",
) -> ItemAnalysisResult:
    """Item analysis of one scale (one column per item).

    Parameters
    ----------
    frame : DataFrame or SurveyData
        Item responses; NaN marks missing.
    reverse, scale_range
        Reverse-key these columns as ``min + max - x`` first (see :func:`reliability`).
    missing : {"pairwise", "listwise"}
        For the descriptive statistics (each item's answers), the covariances behind ``r_drop``
        and alpha if dropped, and the correlations behind omega if dropped: all available answers
        (psych's default) or complete rows only.  The CR test always uses complete rows (it needs
        the total score).
    skew_type : {1, 2, 3}
        Definition of skewness and kurtosis (see :mod:`surveykit._core.descriptives`); 3 is psych
        ``describe()``'s default, 2 is SPSS's.
    cr_share : float
        Share of respondents in each extreme group of the CR test (Kelley's 27%).
    cr_test : {"welch", "student"}
        Welch's t-test (R ``t.test`` default) or Student's pooled-variance t-test (SPSS's "equal
        variances assumed" row).
    name : str
        Scale name shown in the summary.

    Returns
    -------
    ItemAnalysisResult
        ``items``: n, mean, sd, skew, kurtosis, r_drop, alpha_if_dropped, omega_if_dropped,
        cr_mean_high, cr_mean_low, cr_t, cr_df, cr_pvalue.

    Notes
    -----
    * ``r_drop_i = cov(x_i, T - x_i)/sqrt(var(x_i) var(T - x_i))`` from the covariance matrix
      (psych ``alpha()``'s ``r.drop``); alpha if dropped is raw alpha of the other items.
    * Omega if dropped: ``omega_total`` of a one-factor minres solution of the other items' correlation
      matrix (psych ``omega(x[, -i], nfactors = 1)$omega.tot``); NaN with fewer than 3 other items.
    * Critical ratio (CR, item discrimination): total ``T`` = sum of the items on complete rows; the
      low group has ``T <= q(0.27)``, the high group ``T >= q(0.73)`` (sample quantiles, R's type 7),
      ties at the cut-offs included; per item ``t = (mean_high - mean_low)/SE`` with Welch's or the
      pooled SE.  A small or non-significant t flags an item that does not separate high and low
      scorers.

    Validated against: psych 2.2.9 ``describe()`` (mean, sd, skew, kurtosis: 1e-10 relative),
    ``alpha()`` (r_drop, alpha if dropped: 1e-6 relative), ``omega(x[, -i], nfactors = 1)``
    (1e-3) and R ``t.test()`` (t, df: 1e-8 relative; p: 1e-6).

    Examples
    --------
    >>> import surveykit as sk
    >>> bfi = sk.datasets.bfi()
    >>> ia = sk.item_analysis(bfi[["A1", "A2", "A3", "A4", "A5"]], reverse=["A1"], scale_range=(1, 6))
    >>> ia.items.loc["A3", ["r_drop", "cr_t"]].round(2).tolist()
    [0.59, 42.59]
    """
    check_option("missing", missing, ("pairwise", "listwise"))
    check_option("skew_type", skew_type, (1, 2, 3))
    check_option("cr_test", cr_test, ("welch", "student"))
    if not 0 < cr_share <= 0.5:
        raise SpecError(f"cr_share={cr_share!r} must be in (0, 0.5].")
    x = item_frame(frame, function="item_analysis")
    x, reversed_items = reverse_key(x, reverse, scale_range)
    rel = reliability(x, missing=missing, name=name)
    complete = x.dropna()
    used = complete if missing == "listwise" else x
    r = used.corr(min_periods=2).to_numpy()
    cr = ki.critical_ratio(complete.to_numpy(), share=cr_share, equal_var=(cr_test == "student"))
    ri = rel.items
    with single_thread():
        omega_dropped = ki.omega_if_dropped(r)
    items = pd.DataFrame({
        "n": used.notna().sum().to_numpy(),
        "mean": used.mean().to_numpy(),
        "sd": used.std(ddof=1).to_numpy(),
        "skew": [d.skewness(used[c].to_numpy(), skew_type) for c in used.columns],
        "kurtosis": [d.kurtosis(used[c].to_numpy(), skew_type) for c in used.columns],
        "r_drop": ri["r_drop"].to_numpy(),
        "alpha_if_dropped": ri["alpha_if_dropped"].to_numpy(),
        "omega_if_dropped": omega_dropped,
        "cr_mean_high": cr["mean_high"],
        "cr_mean_low": cr["mean_low"],
        "cr_t": cr["t"],
        "cr_df": cr["df"],
        "cr_pvalue": cr["pvalue"],
    }, index=pd.Index(list(x.columns), name="item"))
    return ItemAnalysisResult(
        name=name, alpha=rel.alpha, omega_total=rel.omega_total, n=len(x), n_complete=len(complete),
        n_items=x.shape[1], missing=missing, skew_type=int(skew_type), reversed_items=reversed_items,
        cr_share=float(cr_share), cr_test=cr_test, cr_cut_low=cr["cut_low"], cr_cut_high=cr["cut_high"],
        cr_n_low=cr["n_low"], cr_n_high=cr["n_high"], _items=items,
    )
