"""Exploratory factor analysis with psych's conventions.

Extraction, rotation, factor order and signs, and fit statistics follow psych 2.2.9 ``fa()``
(``method`` "ml", "minres", "paf") and ``principal()`` (``method="principal"``), with rotations
from GPArotation 2022.10-2 / R ``stats``; the kernels are :mod:`surveykit._core.factor` and
:mod:`surveykit._core.rotation` (their docstrings say why statsmodels' factor modules are not used
for these steps).

Validated against: psych 2.2.9 ``fa()`` / ``principal()`` on the 25 bfi items (5 factors; ml,
minres, pa, principal; oblimin, varimax, promax, geominQ, none; Pearson and polychoric) and the
Holzinger-Swineford tests x1-x9 (3 factors; ``tests/reference/lavaan/efa.json`` and
``tests/reference/psych/efa.json``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from surveykit._core import factor as fac
from surveykit._core.blas import single_thread
from surveykit.errors import ConvergenceWarning, DataError, HeywoodCaseWarning, SpecError
from surveykit.psychometrics._common import check_option, correlation, item_frame, listwise
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["EFAResult", "efa"]

_METHODS = ("ml", "minres", "paf", "principal")
_ROTATIONS = ("oblimin", "promax", "varimax", "geomin", None)
_PREFIX = {"ml": "ML", "minres": "MR", "paf": "PA"}
_VAR_ROWS = ["ss_loadings", "proportion_var", "cumulative_var", "proportion_explained", "cumulative_proportion"]


@dataclass(frozen=True, repr=False, eq=False)
class EFAResult(ResultMixin):
    """An exploratory factor solution.  DataFrame attributes are returned as copies."""

    n_factors: int
    method: str
    rotation: str | None
    cor: str
    missing: str
    kaiser_normalize: bool
    n_obs: int
    n_items: int
    oblique: bool
    objective: float
    chisq: float
    dof: float
    pvalue: float
    rmsea: float
    rmsea_ci: tuple[float, float]
    tli: float
    bic: float
    converged: bool
    iterations: int
    warnings: tuple[str, ...]
    _loadings: pd.DataFrame = field(repr=False)
    _structure: pd.DataFrame = field(repr=False)
    _phi: pd.DataFrame = field(repr=False)
    _communalities: pd.Series = field(repr=False)
    _uniquenesses: pd.Series = field(repr=False)
    _variance: pd.DataFrame = field(repr=False)
    _eigenvalues: pd.Series = field(repr=False)
    _correlation: pd.DataFrame = field(repr=False)

    @property
    def loadings(self) -> pd.DataFrame:
        """Pattern loadings (items x factors)."""
        return self._loadings.copy()

    @property
    def pattern(self) -> pd.DataFrame:
        return self._loadings.copy()

    @property
    def structure(self) -> pd.DataFrame:
        """Structure loadings ``pattern @ phi`` (correlations of items with factors)."""
        return self._structure.copy()

    @property
    def phi(self) -> pd.DataFrame:
        """Factor correlations (identity for orthogonal and unrotated solutions)."""
        return self._phi.copy()

    @property
    def communalities(self) -> pd.Series:
        return self._communalities.copy()

    @property
    def uniquenesses(self) -> pd.Series:
        return self._uniquenesses.copy()

    @property
    def variance_explained(self) -> pd.DataFrame:
        """Rows ss_loadings, proportion_var, cumulative_var, proportion_explained,
        cumulative_proportion (psych ``Vaccounted``); columns factors."""
        return self._variance.copy()

    @property
    def eigenvalues(self) -> pd.Series:
        """Eigenvalues of the correlation matrix analysed."""
        return self._eigenvalues.copy()

    @property
    def correlation(self) -> pd.DataFrame:
        """The correlation matrix analysed."""
        return self._correlation.copy()

    def to_frame(self) -> pd.DataFrame:
        out = self._loadings.copy()
        out["communality"] = self._communalities
        out["uniqueness"] = self._uniquenesses
        return out.rename_axis("item").reset_index()

    def fit_measures(self) -> dict[str, float]:
        return {"objective": self.objective, "chisq": self.chisq, "dof": self.dof, "pvalue": self.pvalue,
                "rmsea": self.rmsea, "rmsea_ci_lower": self.rmsea_ci[0], "rmsea_ci_upper": self.rmsea_ci[1],
                "tli": self.tli, "bic": self.bic, "n_obs": self.n_obs}

    def to_dict(self) -> dict:
        return to_jsonable({
            "n_factors": self.n_factors, "method": self.method, "rotation": self.rotation, "cor": self.cor,
            "missing": self.missing, "kaiser_normalize": self.kaiser_normalize, "n_obs": self.n_obs,
            "n_items": self.n_items, "oblique": self.oblique, "fit": self.fit_measures(),
            "converged": self.converged, "warnings": list(self.warnings),
            "loadings": self._loadings.rename_axis("item").reset_index(),
            "structure": self._structure.rename_axis("item").reset_index(),
            "phi": self._phi.rename_axis("factor").reset_index(),
            "communalities": self._communalities, "uniquenesses": self._uniquenesses,
            "variance_explained": self._variance.rename_axis("quantity").reset_index(),
            "eigenvalues": list(self._eigenvalues),
        })

    def _repr_line(self) -> str:
        return f"EFAResult {self.n_factors} factors, {self.method}/{self.rotation or 'none'}, n={self.n_obs}"

    def summary(self) -> Summary:
        load = self.to_frame().rename(columns={"communality": "h2", "uniqueness": "u2"})
        var = self._variance.rename_axis("").reset_index()
        tables = [("Pattern loadings" if self.oblique else "Loadings", load), ("Variance accounted for", var)]
        if self.oblique:
            tables.append(("Factor correlations (Phi)", self._phi.rename_axis("").reset_index()))
        fit = pd.DataFrame([{"chi-square": self.chisq, "df": self.dof, "p": self.pvalue, "RMSEA": self.rmsea,
                             "RMSEA 90% lower": self.rmsea_ci[0], "upper": self.rmsea_ci[1], "TLI": self.tli,
                             "BIC": self.bic}])
        tables.append(("Model fit (psych factor.stats)", fit))
        rot = self.rotation or "none"
        notes = [f"{self.n_factors} factors, {self.method} extraction, {rot} rotation"
                 f"{' (Kaiser-normalized)' if self.kaiser_normalize and self.rotation else ''}, {self.cor} "
                 f"correlations ({self.missing}), n = {self.n_obs}."]
        if self.method != "ml":
            notes.append("The chi-square uses the ML discrepancy of the fitted correlations (as psych reports it); "
                         "it is a likelihood-ratio test only for method='ml'.")
        notes += list(self.warnings)
        return Summary(title="Exploratory factor analysis", tables=tuple(tables), notes=tuple(notes))


def efa(
    frame: pd.DataFrame,
    *,
    n_factors: int,
    method: Literal["ml", "minres", "paf", "principal"] = "ml",
    rotation: Literal["oblimin", "promax", "varimax", "geomin"] | None = "oblimin",
    cor: Literal["pearson", "polychoric"] = "pearson",
    kaiser_normalize: bool | None = None,
    missing: Literal["pairwise", "listwise"] = "pairwise",
) -> EFAResult:
    """Exploratory factor analysis of the items in ``frame``.

    Parameters
    ----------
    frame : DataFrame or SurveyData
        Item responses (NaN = missing).
    n_factors : int
        Number of factors (see :func:`parallel_analysis` for a suggestion).
    method : {"ml", "minres", "paf", "principal"}
        Maximum likelihood, minimum residual (= ULS; psych's default), principal axis factoring
        (psych ``fm = "pa"``), or principal components (psych ``principal()``).
    rotation : {"oblimin", "promax", "varimax", "geomin", None}
        Quartimin-family oblimin (GPArotation ``oblimin``, gamma = 0), promax (power 4), varimax
        (``stats::varimax``), oblique geomin (GPArotation ``geominQ``, delta = 0.01), or none.
    cor : {"pearson", "polychoric"}
        Correlations to factor; polychoric uses :func:`polychoric` (two-step ML).
    kaiser_normalize : bool or None
        Rotate rows scaled to unit length (Kaiser normalization).  ``None`` (default) keeps psych's
        choice for each rotation, which is what makes results equal psych's: varimax and, in
        ``fa()``, promax are normalized; oblimin and geomin are not (GPArotation's default).
    missing : {"pairwise", "listwise"}
        Pairwise-complete correlations (psych's default) or complete rows.

    Returns
    -------
    EFAResult
        ``loadings`` (pattern), ``structure``, ``communalities``, ``uniquenesses``, ``phi``,
        ``variance_explained``, fit statistics (``chisq``, ``dof``, ``pvalue``, ``rmsea``,
        ``rmsea_ci``, ``tli``, ``bic``) and ``eigenvalues``.

    Notes
    -----
    Factors are signed so that each factor's pattern loadings sum to a positive number, then
    ordered by the variance they account for, ``diag(Phi L'L)`` (for ``principal``: by the
    column sums of squares before signing), exactly as psych; factor names follow psych
    (``ML1``, ``MR2``, ``PA3`` numbered by extraction order; ``PC``/``RC``/``TC`` for components).
    Communalities are the row sums of squared unrotated loadings; uniquenesses ``1 - h2``.

    Fit (psych ``factor.stats``): ``F = tr(M^-1 R) - log det(M^-1 R) - p`` for the model-implied
    ``M = L Phi L'`` with unit diagonal; ``chisq = F (n - 1 - (2p + 5)/6 - 2m/3)`` (Bartlett's
    correction) with ``dof = p(p-1)/2 - pm + m(m-1)/2``;
    ``RMSEA = sqrt(max(chisq/(dof n) - 1/(n - 1), 0))`` with a 90% interval;
    ``TLI = (M0 - Mm)/(M0 - 1/nm)``; ``n`` = all rows, also with pairwise correlations (as psych).

    Validated against: psych 2.2.9 ``fa()`` and ``principal()`` (loadings, communalities, Phi:
    1e-3 absolute after matching factor order and sign -- in practice < 1e-5; chi-square 1e-6
    relative for ML; RMSEA, TLI 1e-5).

    Examples
    --------
    >>> import surveykit as sk
    >>> hs = sk.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]]
    >>> f = sk.efa(hs, n_factors=3, method="ml", rotation="oblimin")
    >>> list(f.loadings.columns), round(f.chisq, 2), f.dof
    (['ML1', 'ML3', 'ML2'], 22.38, 12.0)
    """
    check_option("method", method, _METHODS)
    check_option("rotation", rotation, _ROTATIONS)
    check_option("cor", cor, ("pearson", "polychoric"))
    if kaiser_normalize not in (None, True, False):
        raise SpecError(f"kaiser_normalize={kaiser_normalize!r} must be True, False or None.")
    x = listwise(item_frame(frame, function="efa", min_items=3), missing)
    p = x.shape[1]
    if isinstance(n_factors, bool) or not isinstance(n_factors, (int, np.integer)) or n_factors < 1:
        raise SpecError(f"n_factors={n_factors!r} must be a positive integer.")
    n_factors = int(n_factors)
    max_f = p - 1 if method != "principal" else p
    if n_factors > max_f:
        raise DataError(f"n_factors={n_factors} is too many for {p} items (at most {max_f}).")
    msgs: list[str] = []
    r, smoothed = correlation(x, cor=cor)
    if smoothed:
        msgs.append(f"The {cor} correlation matrix was not positive definite and was smoothed (psych cor.smooth).")
    kmethod = "pa" if method == "paf" else method
    with single_thread():
        sol = fac.fa(r, n_factors, method=kmethod, rotation=rotation, kaiser_normalize=kaiser_normalize)
        st = fac.fa_stats(r, sol.loadings, sol.phi if sol.oblique else None, len(x))
    ext = sol.extraction
    if not ext.converged:
        m = (f"The {method} extraction did not converge"
             f"{' within 50 iterations' if method == 'paf' else ''}; the loadings are the last iterate.")
        warnings.warn(m, ConvergenceWarning, stacklevel=2)
        msgs.append(m)
    if not sol.rotation_converged:
        m = f"The {rotation} rotation did not converge (1000 iterations); the loadings are the last iterate."
        warnings.warn(m, ConvergenceWarning, stacklevel=2)
        msgs.append(m)
    bound = 1.0 if method in ("paf", "principal") else 0.995 - 1e-8
    heywood = [c for c, h in zip(x.columns, sol.communality) if h > bound]
    if heywood and method != "principal":
        m = (f"Heywood case: the communality of {', '.join(heywood)} reached the bound (uniqueness <= 0.005, "
             "or communality > 1); the solution is improper. Consider fewer factors or another method.")
        warnings.warn(m, HeywoodCaseWarning, stacklevel=2)
        msgs.append(m)
    names = _factor_names(method, rotation, n_factors, sol.order)
    items = pd.Index(list(x.columns), name=None)
    phi = sol.phi
    var = fac.variance_accounted(sol.loadings, phi, float(np.sum(sol.communality + sol.uniqueness)))
    if n_factors == 1:
        var = var[:2]
    oblique = bool(sol.oblique)
    effective_kn = (kaiser_normalize if kaiser_normalize is not None
                    else (rotation == "varimax" or (rotation == "promax" and method != "principal")))
    return EFAResult(
        n_factors=n_factors, method=method, rotation=rotation, cor=cor, missing=missing,
        kaiser_normalize=bool(effective_kn), n_obs=len(x), n_items=p, oblique=oblique,
        objective=st["objective"], chisq=st["chisq"], dof=st["dof"], pvalue=st["pvalue"], rmsea=st["rmsea"],
        rmsea_ci=(st["rmsea_ci_lower"], st["rmsea_ci_upper"]), tli=st["tli"], bic=st["bic"],
        converged=bool(ext.converged and sol.rotation_converged), iterations=ext.iterations,
        warnings=tuple(msgs),
        _loadings=pd.DataFrame(sol.loadings, index=items, columns=names),
        _structure=pd.DataFrame(sol.structure, index=items, columns=names),
        _phi=pd.DataFrame(phi, index=names, columns=names),
        _communalities=pd.Series(sol.communality, index=items, name="communality"),
        _uniquenesses=pd.Series(sol.uniqueness, index=items, name="uniqueness"),
        _variance=pd.DataFrame(var, index=_VAR_ROWS[: var.shape[0]], columns=names),
        _eigenvalues=pd.Series(ext.e_values, index=range(1, p + 1), name="eigenvalue"),
        _correlation=pd.DataFrame(r, index=items, columns=items),
    )


def _factor_names(method: str, rotation: str | None, m: int, order: np.ndarray) -> list[str]:
    if method == "principal":
        if rotation is None or m == 1:
            prefix = "PC"
        elif rotation in ("oblimin", "geomin"):
            prefix = "TC"
        else:
            prefix = "RC"
    else:
        prefix = _PREFIX[method]
    return [f"{prefix}{i + 1}" for i in order]
