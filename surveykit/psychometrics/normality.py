"""Univariate skewness and kurtosis with standard errors, and Mardia's multivariate tests.

Validated against: psych 2.2.9 ``describe()`` / ``skew()`` / ``kurtosi()`` and ``mardia()`` on the
Holzinger-Swineford tests x1-x9 and the bfi agreeableness items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from surveykit._core import descriptives as d
from surveykit._core.guards import check_covariance
from surveykit.errors import DataError
from surveykit.psychometrics._common import check_option, item_frame
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["NormalityResult", "normality"]


@dataclass(frozen=True, repr=False, eq=False)
class NormalityResult(ResultMixin):
    """``items``: per item n, mean, sd, skew, se_skew, z_skew, kurtosis, se_kurtosis, z_kurtosis;
    Mardia's statistics as attributes."""

    skew_type: int
    n: int
    n_complete: int
    n_items: int
    mardia_b1p: float
    mardia_b2p: float
    mardia_skew: float
    mardia_skew_df: float
    mardia_skew_pvalue: float
    mardia_small_skew: float
    mardia_small_skew_pvalue: float
    mardia_kurtosis: float
    mardia_kurtosis_pvalue: float
    _items: pd.DataFrame = field(repr=False)

    @property
    def items(self) -> pd.DataFrame:
        return self._items.copy()

    @property
    def mardia(self) -> dict[str, float]:
        return {"n": self.n_complete, "p": self.n_items, "b1p": self.mardia_b1p, "b2p": self.mardia_b2p,
                "skew": self.mardia_skew, "skew_df": self.mardia_skew_df, "skew_pvalue": self.mardia_skew_pvalue,
                "small_skew": self.mardia_small_skew, "small_skew_pvalue": self.mardia_small_skew_pvalue,
                "kurtosis": self.mardia_kurtosis, "kurtosis_pvalue": self.mardia_kurtosis_pvalue}

    def to_frame(self) -> pd.DataFrame:
        return self._items.reset_index()

    def to_dict(self) -> dict:
        return to_jsonable({"skew_type": self.skew_type, "n": self.n, "n_complete": self.n_complete,
                            "n_items": self.n_items, "mardia": self.mardia, "items": self._items.reset_index()})

    def _repr_line(self) -> str:
        return f"NormalityResult {self.n_items} items: Mardia kurtosis z={self.mardia_kurtosis:.2f}"

    def summary(self) -> Summary:
        m = pd.DataFrame([
            {"test": "skewness", "statistic": self.mardia_b1p, "chi-square / z": self.mardia_skew,
             "df": self.mardia_skew_df, "p": self.mardia_skew_pvalue},
            {"test": "skewness (small sample)", "statistic": self.mardia_b1p, "chi-square / z": self.mardia_small_skew,
             "df": self.mardia_skew_df, "p": self.mardia_small_skew_pvalue},
            {"test": "kurtosis", "statistic": self.mardia_b2p, "chi-square / z": self.mardia_kurtosis,
             "df": np.nan, "p": self.mardia_kurtosis_pvalue},
        ])
        return Summary(
            title="Normality: univariate and multivariate",
            tables=(("Items", self._items.reset_index()), ("Mardia's tests", m)),
            notes=(f"Skewness and excess kurtosis of type {self.skew_type} (psych describe() uses type 3; SPSS "
                   "type 2); standard errors are SPSS's exact normal-theory ones, z = statistic / SE. Common rules "
                   "of thumb: |skew| < 2 and |kurtosis| < 7 for ML estimation (Curran, West and Finch 1996).",
                   f"Mardia's b1p, b2p on {self.n_complete} complete rows: skewness n b1p/6 ~ chi-square, "
                   "kurtosis z = (b2p - p(p+2)) / sqrt(8p(p+2)/n) (psych mardia())."),
        )


def normality(
    frame: pd.DataFrame,
    *,
    skew_type: Literal[1, 2, 3] = 3,
) -> NormalityResult:
    """Univariate skewness/kurtosis table and Mardia's multivariate skewness and kurtosis.

    Parameters
    ----------
    frame : DataFrame or SurveyData
        Item responses (NaN = missing): univariate statistics use each item's answers, Mardia's
        tests the complete rows (psych ``mardia(na.rm = TRUE)``).
    skew_type : {1, 2, 3}
        Sample skewness/kurtosis definition (see :mod:`surveykit._core.descriptives`); 3 is
        psych ``describe()``'s default.

    Notes
    -----
    ``SE_skew = sqrt(6n(n-1)/((n-2)(n+1)(n+3)))``, ``SE_kurt = 2 SE_skew sqrt((n^2-1)/((n-3)(n+5)))``.
    Mardia (1970): ``b1p = sum_ij d_ij^3/n^2``, ``b2p = sum_i d_ii^2/n`` with
    ``d_ij = (x_i - xbar)' S^-1 (x_j - xbar)`` (S with divisor n - 1, as psych); skewness
    ``n b1p/6 ~ chi2(p(p+1)(p+2)/6)``, small-sample version times
    ``(p+1)(n+1)(n+3)/(n((n+1)(p+1)-6))``; kurtosis ``(b2p - p(p+2)) sqrt(n/(8p(p+2))) ~ N(0,1)``.

    Validated against: psych 2.2.9 ``describe()``/``skew()``/``kurtosi()`` (1e-10 relative) and
    ``mardia()`` (1e-10 relative).

    Examples
    --------
    >>> import surveykit as sk
    >>> hs = sk.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]]
    >>> round(sk.normality(hs).mardia_kurtosis, 3)
    2.407
    """
    check_option("skew_type", skew_type, (1, 2, 3))
    x = item_frame(frame, function="normality")
    complete = x.dropna()
    if len(complete) <= x.shape[1] + 1:
        raise DataError(f"Mardia's tests need more complete rows ({len(complete)}) than items ({x.shape[1]}) + 1.")
    rows = []
    for c in x.columns:
        v = x[c].dropna().to_numpy()
        ses, sek = d.skew_kurtosis_se(v.size)
        sk_ = d.skewness(v, skew_type)
        ku = d.kurtosis(v, skew_type)
        rows.append({"item": c, "n": v.size, "mean": float(v.mean()), "sd": float(v.std(ddof=1)),
                     "skew": sk_, "se_skew": ses, "z_skew": sk_ / ses, "kurtosis": ku, "se_kurtosis": sek,
                     "z_kurtosis": ku / sek})
    # Mardia's statistics invert the covariance matrix: collinear or constant items get a sentence
    check_covariance(np.cov(complete.to_numpy(float), rowvar=False, ddof=1).reshape(x.shape[1], x.shape[1]),
                     x.columns, len(complete), what="items", where=" (Mardia's tests, complete rows)")
    m = d.mardia(complete.to_numpy())
    return NormalityResult(
        skew_type=int(skew_type), n=len(x), n_complete=len(complete), n_items=x.shape[1],
        mardia_b1p=m["b1p"], mardia_b2p=m["b2p"], mardia_skew=m["skew"], mardia_skew_df=m["skew_df"],
        mardia_skew_pvalue=m["skew_pvalue"], mardia_small_skew=m["small_skew"],
        mardia_small_skew_pvalue=m["small_skew_pvalue"], mardia_kurtosis=m["kurtosis"],
        mardia_kurtosis_pvalue=m["kurtosis_pvalue"], _items=pd.DataFrame(rows).set_index("item"),
    )
