"""Horn's parallel analysis: how many factors stand out from random data?

Validated against: psych 2.2.9 ``fa.parallel(x, fm = "minres", fa = "both", n.iter = 20)`` on the
25 bfi items (psych suggests 6 factors and 6 components for every seed tried) and the
Holzinger-Swineford tests x1-x9 (3 and 3).  The simulated eigenvalues are random; they agree with
psych's within Monte Carlo error, not digit for digit (different random number generators).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from surveykit._core import factor as fac
from surveykit._core.blas import single_thread
from surveykit._core.guards import check_memory
from surveykit._core.rng import make_rng
from surveykit.errors import SpecError
from surveykit.psychometrics._common import check_option, correlation, item_frame, listwise
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["ParallelAnalysisResult", "parallel_analysis"]


@dataclass(frozen=True, repr=False, eq=False)
class ParallelAnalysisResult(ResultMixin):
    """``n_factors`` is the suggested number; ``table`` the observed and simulated eigenvalues."""

    n_factors: int
    kind: str
    quantile: float
    n_iter: int
    n_obs: int
    n_items: int
    missing: str
    cor: str
    rng_seed: int | None
    _table: pd.DataFrame = field(repr=False)
    _simulated: np.ndarray = field(repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """Per position: observed eigenvalue, mean and ``quantile`` of the simulated ones, and
        whether the observed value exceeds the quantile."""
        return self._table.copy()

    @property
    def simulated(self) -> np.ndarray:
        """All simulated eigenvalues, shape (n_iter, n_items)."""
        return self._simulated.copy()

    def to_frame(self) -> pd.DataFrame:
        return self._table.reset_index()

    def to_dict(self) -> dict:
        return to_jsonable({"n_factors": self.n_factors, "kind": self.kind, "quantile": self.quantile,
                            "n_iter": self.n_iter, "n_obs": self.n_obs, "n_items": self.n_items,
                            "missing": self.missing, "cor": self.cor, "rng_seed": self.rng_seed,
                            "table": self._table.reset_index()})

    def _repr_line(self) -> str:
        return f"ParallelAnalysisResult suggests {self.n_factors} {'factors' if self.kind == 'fa' else 'components'}"

    def summary(self) -> Summary:
        what = "factors" if self.kind == "fa" else "components"
        basis = ("eigenvalues of the correlation matrix with one-factor minres communalities on the diagonal "
                 "(psych fa.parallel's 'fa' values)" if self.kind == "fa"
                 else "eigenvalues of the correlation matrix (principal components)")
        return Summary(
            title=f"Parallel analysis: {self.n_factors} {what} suggested",
            tables=(("Eigenvalues", self._table.reset_index()),),
            notes=(f"Observed {basis} compared with the {self.quantile:g} quantile of {self.n_iter} sets of "
                   f"normal random data of the same size (n = {self.n_obs}, {self.n_items} items); the suggestion "
                   f"is the number of leading observed eigenvalues above it. Seed: {self.rng_seed}.",),
        )


def parallel_analysis(
    frame: pd.DataFrame,
    *,
    n_iter: int = 20,
    rng: int | np.random.Generator | None = None,
    quantile: float = 0.95,
    kind: Literal["fa", "pca"] = "fa",
    missing: Literal["pairwise", "listwise"] = "pairwise",
    cor: Literal["pearson", "polychoric"] = "pearson",
) -> ParallelAnalysisResult:
    """Suggest a number of factors (``kind="fa"``) or components (``"pca"``) by parallel analysis.

    Parameters
    ----------
    frame : DataFrame or SurveyData
        Item responses (NaN = missing).
    n_iter : int
        Simulated data sets (psych's default 20).
    rng : int, numpy Generator or None
        Seed; recorded as ``rng_seed`` (``None`` draws and records fresh entropy).
    quantile : float
        Quantile of the simulated eigenvalues an observed eigenvalue must exceed (psych ``quant``).
    kind : {"fa", "pca"}
        Factor eigenvalues (psych ``fa.parallel``'s ``fa.values``: eigenvalues of ``R`` with the
        communalities of a one-factor minres solution on the diagonal) or component eigenvalues.
    missing, cor
        How the observed correlation matrix is computed.

    Notes
    -----
    For each of ``n_iter`` draws, ``n`` x ``p`` independent standard normal values (``n`` = rows
    of the data, as psych) give a correlation matrix whose eigenvalues (of the same kind) are
    kept.  The suggestion is the number of leading observed eigenvalues that exceed the
    ``quantile`` of the simulated ones at the same position (psych:
    ``which(!(observed > quantile))[1] - 1``).  psych also resamples the observed data; it uses
    the normal simulations for its suggestion, so only those are drawn here.

    Validated against: psych 2.2.9 ``fa.parallel`` (the same suggested number of factors and
    components on bfi and Holzinger-Swineford).

    Examples
    --------
    >>> import surveykit as sk
    >>> hs = sk.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]]
    >>> sk.parallel_analysis(hs, rng=1).n_factors
    3
    """
    check_option("kind", kind, ("fa", "pca"))
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise SpecError(f"n_iter={n_iter!r} must be a positive integer.")
    if not 0 < quantile < 1:
        raise SpecError(f"quantile={quantile!r} must be between 0 and 1.")
    x = listwise(item_frame(frame, function="parallel_analysis", min_items=3), missing)
    gen, seed = make_rng(rng)
    r, _ = correlation(x, cor=cor)
    n, p = x.shape

    def values(c: np.ndarray) -> np.ndarray:
        return fac.fa_values(c, "minres") if kind == "fa" else np.linalg.eigvalsh(c)[::-1]

    check_memory(int(n_iter) * p * 8, f"n_iter={int(n_iter)} simulated data sets of {p} items", "n_iter")
    sim = np.empty((int(n_iter), p))
    with single_thread():
        observed = values(r)
        for i in range(int(n_iter)):
            z = gen.standard_normal((n, p))
            sim[i] = values(np.corrcoef(z, rowvar=False))
    q = np.quantile(sim, quantile, axis=0)
    above = observed > q
    n_sugg = int(np.argmin(above)) if not above.all() else p
    table = pd.DataFrame({"observed": observed, "simulated_mean": sim.mean(axis=0),
                          "simulated_quantile": q, "above": above},
                         index=pd.RangeIndex(1, p + 1, name="position"))
    return ParallelAnalysisResult(n_factors=n_sugg, kind=kind, quantile=float(quantile), n_iter=int(n_iter),
                                  n_obs=n, n_items=p, missing=missing, cor=cor, rng_seed=seed,
                                  _table=table, _simulated=sim)
