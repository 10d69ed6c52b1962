"""Is a correlation matrix worth factoring?  Kaiser-Meyer-Olkin sampling adequacy and Bartlett's
test of sphericity.

Validated against: psych 2.2.9 ``KMO()`` and ``cortest.bartlett()`` on the 25 bfi items
(pairwise and complete rows) and the Holzinger-Swineford tests x1-x9.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from surveykit.psychometrics._common import correlation, item_frame, listwise
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["KMOResult", "BartlettResult", "kmo", "bartlett", "kmo_label"]


def kmo_label(msa: float) -> str:
    """Kaiser's (1974) verbal labels for an MSA value."""
    for cut, label in ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"),
                       (0.5, "miserable")):
        if msa >= cut:
            return label
    return "unacceptable"


@dataclass(frozen=True, repr=False, eq=False)
class KMOResult(ResultMixin):
    """Overall ``msa`` and per-item ``msa_items`` (a Series)."""

    msa: float
    n: int
    n_items: int
    missing: str
    cor: str
    _msa_items: pd.Series = field(repr=False)

    @property
    def msa_items(self) -> pd.Series:
        return self._msa_items.copy()

    @property
    def label(self) -> str:
        return kmo_label(self.msa)

    def to_frame(self) -> pd.DataFrame:
        return self._msa_items.rename("msa").rename_axis("item").reset_index()

    def to_dict(self) -> dict:
        return to_jsonable({"msa": self.msa, "label": self.label, "n": self.n, "n_items": self.n_items,
                            "missing": self.missing, "cor": self.cor, "msa_items": self._msa_items})

    def _repr_line(self) -> str:
        return f"KMOResult msa={self.msa:.3f} ({self.label})"

    def summary(self) -> Summary:
        overall = pd.DataFrame([{"MSA": self.msa, "Kaiser's label": self.label, "items": self.n_items,
                                 "n": self.n}])
        return Summary(
            title="Kaiser-Meyer-Olkin measure of sampling adequacy",
            tables=(("Overall", overall), ("Items", self.to_frame().rename(columns={"msa": "MSA"}))),
            notes=(f"{self.cor.capitalize()} correlations, {self.missing} missing-data handling. Items with MSA "
                   "below 0.5 are candidates for removal.",),
        )


@dataclass(frozen=True, repr=False)
class BartlettResult(ResultMixin):
    """Bartlett's test that the correlation matrix is an identity matrix."""

    chisq: float
    df: int
    pvalue: float
    n: int
    n_items: int
    missing: str

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])

    def to_dict(self) -> dict:
        return to_jsonable({"chisq": self.chisq, "df": self.df, "pvalue": self.pvalue, "n": self.n,
                            "n_items": self.n_items, "missing": self.missing})

    def _repr_line(self) -> str:
        return f"BartlettResult chisq={self.chisq:.3f} df={self.df} p={self.pvalue:.3g}"

    def summary(self) -> Summary:
        t = pd.DataFrame([{"chi-square": self.chisq, "df": self.df, "p": self.pvalue, "n": self.n}])
        return Summary(title="Bartlett's test of sphericity", tables=(("Test", t),),
                       notes=(f"Pearson correlations, {self.missing} missing-data handling; n = {self.n} rows.",))


def kmo(
    frame: pd.DataFrame,
    *,
    missing: Literal["pairwise", "listwise"] = "pairwise",
    cor: Literal["pearson", "polychoric"] = "pearson",
) -> KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item.

    Parameters
    ----------
    frame : DataFrame or SurveyData
        Item responses (NaN = missing).
    missing : {"pairwise", "listwise"}
        Pairwise-complete correlations (psych's ``cor(x, use = "pairwise")``) or complete rows.
    cor : {"pearson", "polychoric"}
        Correlations to assess.

    Notes
    -----
    With ``R`` the correlation matrix and ``Q`` the anti-image (partial) correlations,
    ``Q = cov2cor(R^-1)`` with signs as psych (no sign flip; only squares enter),
    ``MSA = sum_{i!=j} r_ij^2 / (sum_{i!=j} r_ij^2 + sum_{i!=j} q_ij^2)``, and per item the same
    sums over its column.  Kaiser's labels: >= .9 marvelous, .8 meritorious, .7 middling,
    .6 mediocre, .5 miserable, below unacceptable.

    Validated against: psych 2.2.9 ``KMO()`` (1e-6 relative).

    Examples
    --------
    >>> import surveykit as sk
    >>> bfi = sk.datasets.bfi()
    >>> round(sk.kmo(bfi.iloc[:, :25]).msa, 4)
    0.8459
    """
    x = listwise(item_frame(frame, function="kmo"), missing)
    r, _ = correlation(x, cor=cor)
    q = np.linalg.inv(r)
    d = np.sqrt(np.diag(q))
    q = q / np.outer(d, d)
    np.fill_diagonal(q, 0.0)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    r2, q2 = r0**2, q**2
    msa = float(r2.sum() / (r2.sum() + q2.sum()))
    msai = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return KMOResult(msa=msa, n=len(x), n_items=x.shape[1], missing=missing, cor=cor,
                     _msa_items=pd.Series(msai, index=pd.Index(list(x.columns), name="item"), name="msa"))


def bartlett(
    frame: pd.DataFrame,
    *,
    missing: Literal["pairwise", "listwise"] = "pairwise",
) -> BartlettResult:
    """Bartlett's (1951) test of sphericity: are the items uncorrelated?

    Parameters
    ----------
    frame : DataFrame or SurveyData
        Item responses (NaN = missing).
    missing : {"pairwise", "listwise"}
        Pairwise-complete correlations with ``n`` = all rows (psych ``cortest.bartlett(x)``) or
        complete rows only.

    Notes
    -----
    ``chisq = -log det(R) (n - 1 - (2p + 5)/6)`` with ``df = p(p - 1)/2``.  With thousands of
    respondents the test rejects almost any matrix; it is a minimum requirement, not evidence
    of a good factor structure.

    Validated against: psych 2.2.9 ``cortest.bartlett()`` (1e-6 relative).

    Examples
    --------
    >>> import surveykit as sk
    >>> b = sk.bartlett(sk.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]])
    >>> round(b.chisq, 2), b.df
    (904.1, 36)
    """
    x = listwise(item_frame(frame, function="bartlett"), missing)
    r = x.corr(min_periods=2).to_numpy()
    n, p = len(x), x.shape[1]
    sign, logdet = np.linalg.slogdet(r)
    chisq = float(-logdet * (n - 1 - (2 * p + 5) / 6)) if sign > 0 else float("inf")
    df = p * (p - 1) // 2
    return BartlettResult(chisq=chisq, df=df, pvalue=float(stats.chi2.sf(chisq, df)), n=n, n_items=p,
                          missing=missing)
