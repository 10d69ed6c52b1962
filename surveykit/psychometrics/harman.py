"""Harman's single-factor test for common-method variance -- and why it is weak.

Validated against: R ``eigen(cor(x, use = "pairwise"))`` and psych 2.2.9 ``fa(x, 1,
rotate = "none")$Vaccounted`` on the 25 bfi items and the Holzinger-Swineford tests x1-x9.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from surveykit._core import factor as fac
from surveykit._core.blas import single_thread
from surveykit.errors import SpecError
from surveykit.psychometrics._common import check_option, correlation, item_frame, listwise
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["HarmanResult", "harman", "HARMAN_CAVEAT"]

HARMAN_CAVEAT = (
    "Harman's single-factor test is a weak check: a first factor below the threshold does not show that "
    "common-method variance is absent (it only rules out a single method factor dominating all items), and "
    "it cannot separate method variance from substantive correlation among constructs (Podsakoff et al. 2003). "
    "Prefer model-based checks (a latent method factor or a marker variable in the CFA)."
)


@dataclass(frozen=True, repr=False)
class HarmanResult(ResultMixin):
    """``first_factor_share``: the share of total item variance of the first unrotated factor;
    ``n_eigenvalues_above_1``: how many eigenvalues of the correlation matrix exceed 1 (the factors
    an unrotated principal-component analysis retains by Kaiser's rule, as Harman's test is usually
    reported beside the first factor's share)."""

    first_factor_share: float
    first_eigenvalue: float
    n_items: int
    n_obs: int
    method: str
    missing: str
    threshold: float
    n_eigenvalues_above_1: int
    caveat: str = HARMAN_CAVEAT

    @property
    def exceeds_threshold(self) -> bool:
        return self.first_factor_share > self.threshold

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in self.to_dict().items() if k != "caveat"}])

    def to_dict(self) -> dict:
        return to_jsonable({"first_factor_share": self.first_factor_share,
                            "first_eigenvalue": self.first_eigenvalue, "n_items": self.n_items,
                            "n_obs": self.n_obs, "method": self.method, "missing": self.missing,
                            "threshold": self.threshold, "exceeds_threshold": self.exceeds_threshold,
                            "caveat": self.caveat, "n_eigenvalues_above_1": self.n_eigenvalues_above_1})

    def _repr_line(self) -> str:
        return f"HarmanResult first factor {self.first_factor_share:.1%} of the variance"

    def summary(self) -> Summary:
        what = ("first principal component (eigenvalue / number of items)" if self.method == "pca"
                else "first unrotated minres factor (sum of squared loadings / number of items)")
        t = pd.DataFrame([{"first factor share": self.first_factor_share, "first eigenvalue": self.first_eigenvalue,
                           "items": self.n_items, "n": self.n_obs,
                           f"above {self.threshold:.0%}": self.exceeds_threshold}])
        return Summary(title="Harman's single-factor test", tables=(("First unrotated factor", t),),
                       notes=(f"Share of the {what}.", self.caveat))


def harman(
    frame: pd.DataFrame,
    *,
    method: Literal["pca", "fa"] = "pca",
    missing: Literal["pairwise", "listwise"] = "pairwise",
    threshold: float = 0.5,
) -> HarmanResult:
    """Harman's single-factor test: the share of variance of the first unrotated factor.

    Parameters
    ----------
    frame : DataFrame or SurveyData
        All items of the survey (every construct), NaN = missing.
    method : {"pca", "fa"}
        ``"pca"`` (the usual SPSS practice: principal components of the correlation matrix,
        unrotated): ``share = lambda_1 / p``.  ``"fa"``: one unrotated minres factor,
        ``share = sum(l^2) / p`` (psych ``fa(x, 1, rotate = "none")`` "Proportion Var").
    missing : {"pairwise", "listwise"}
        Correlation matrix from pairwise-complete or complete rows.
    threshold : float
        Conventional cut-off (50%) above which common-method variance is suspected.

    Notes
    -----
    The test is weak (see ``HarmanResult.caveat``); report it, if a reviewer asks, together with a
    model-based check from the SEM part of surveykit.

    Validated against: R ``eigen()`` (1e-10 relative) and psych 2.2.9 ``fa(x, 1)`` (1e-6).

    Examples
    --------
    >>> import surveykit as sk
    >>> h = sk.harman(sk.datasets.bfi().iloc[:, :25])
    >>> round(h.first_factor_share, 4), h.exceeds_threshold
    (0.2015, False)
    """
    check_option("method", method, ("pca", "fa"))
    if not 0 < threshold < 1:
        raise SpecError(f"threshold={threshold!r} must be between 0 and 1.")
    x = listwise(item_frame(frame, function="harman", min_items=3), missing)
    r, _ = correlation(x)
    p = r.shape[0]
    eig = np.linalg.eigvalsh(r)
    ev = float(eig[-1])
    if method == "pca":
        share = ev / p
    else:
        with single_thread():
            ext = fac.extract(r, 1, "minres")
        share = float(np.sum(ext.loadings**2) / np.trace(r))
    return HarmanResult(first_factor_share=float(share), first_eigenvalue=ev, n_items=p, n_obs=len(x),
                        method=method, missing=missing, threshold=float(threshold),
                        n_eigenvalues_above_1=int((eig > 1).sum()))
