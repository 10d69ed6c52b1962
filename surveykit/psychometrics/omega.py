"""McDonald's omega with group factors: omega hierarchical, omega total and the subscale omegas
of a Schmid-Leiman solution (psych ``omega()``).

The kernel is :mod:`surveykit._core.omega`.  For one construct without group factors,
:func:`surveykit.psychometrics.reliability` gives the one-factor omega.

Validated against: psych 2.2.9 ``omega()`` on the Holzinger-Swineford tests x1-x9 (3 factors)
and the 25 bfi items (5 factors, raw and reverse-keyed; 3 factors with promax).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from surveykit._core import omega as ko
from surveykit._core.blas import single_thread
from surveykit.errors import ConvergenceWarning, DataError, SpecError
from surveykit.psychometrics._common import (
    check_option,
    correlation,
    item_frame,
    listwise,
    reverse_key,
)
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["OmegaResult", "omega"]


@dataclass(frozen=True, repr=False, eq=False)
class OmegaResult(ResultMixin):
    """Omega hierarchical (``omega_h``), omega total, and per group factor ``omega_subscales``."""

    name: str
    omega_h: float
    omega_total: float
    omega_limit: float
    alpha: float
    g6: float
    ecv: float
    n_factors: int
    fm: str
    rotation: str
    cor: str
    missing: str
    n: int
    n_items: int
    flipped_items: tuple[str, ...]
    reversed_items: tuple[str, ...]
    _subscales: pd.DataFrame = field(repr=False)
    _loadings: pd.DataFrame = field(repr=False)
    _phi: pd.DataFrame = field(repr=False)

    @property
    def omega_hierarchical(self) -> float:
        return self.omega_h

    @property
    def omega_subscales(self) -> pd.DataFrame:
        """Rows ``g`` (whole scale) and ``F1*``... (items assigned to each group factor); columns
        ``omega_total``, ``omega_general`` (variance due to g), ``omega_group`` (due to the group
        factor; for ``g``: all group factors), ``n_items`` (psych ``omega.group``)."""
        return self._subscales.copy()

    @property
    def loadings(self) -> pd.DataFrame:
        """Schmid-Leiman loadings: ``g``, ``F1*``..., ``h2``, ``u2``, ``p2`` (= g^2/h2) and the assigned group."""
        return self._loadings.copy()

    @property
    def phi(self) -> pd.DataFrame:
        """Correlations of the oblique group factors before the transformation."""
        return self._phi.copy()

    def to_frame(self) -> pd.DataFrame:
        return self._subscales.rename_axis("factor").reset_index()

    def to_dict(self) -> dict:
        return to_jsonable({
            "name": self.name, "omega_h": self.omega_h, "omega_total": self.omega_total,
            "omega_limit": self.omega_limit, "alpha": self.alpha, "g6": self.g6, "ecv": self.ecv,
            "n_factors": self.n_factors, "fm": self.fm, "rotation": self.rotation, "cor": self.cor,
            "missing": self.missing, "n": self.n, "n_items": self.n_items,
            "flipped_items": list(self.flipped_items), "reversed_items": list(self.reversed_items),
            "omega_subscales": self._subscales.rename_axis("factor").reset_index(),
            "loadings": self._loadings.rename_axis("item").reset_index(),
            "phi": self._phi.rename_axis("factor").reset_index(),
        })

    def _repr_line(self) -> str:
        return f"OmegaResult {self.name}: omega_h={self.omega_h:.3f} omega_total={self.omega_total:.3f}"

    def summary(self) -> Summary:
        total = pd.DataFrame([{"omega_h": self.omega_h, "omega_total": self.omega_total,
                               "omega_h / omega_total": self.omega_limit, "alpha (std)": self.alpha, "G6": self.g6,
                               "ECV": self.ecv, "n": self.n}])
        notes = [f"Schmid-Leiman transformation of {self.n_factors} {self.fm} factors ({self.rotation} rotation) "
                 f"of the {self.cor} correlations ({self.missing}); general factor from the factor correlations "
                 "(psych omega())."]
        if self.n_factors == 2:
            notes.append("With two group factors the general factor is not identified; its loadings on both are set "
                         "equal to sqrt(phi_12) (psych's option = 'equal'). Interpret omega_h with caution.")
        if self.flipped_items:
            notes.append(f"Reversed because their general-factor loading was negative: {', '.join(self.flipped_items)}")
        if self.reversed_items:
            notes.append(f"Reverse-keyed before analysis: {', '.join(self.reversed_items)}")
        return Summary(
            title=f"Omega: {self.name} ({self.n_items} items, {self.n_factors} group factors)",
            tables=(("Scale", total), ("Subscales", self.to_frame()),
                    ("Schmid-Leiman loadings", self._loadings.rename_axis("item").reset_index())),
            notes=tuple(notes),
        )


def omega(
    frame: pd.DataFrame,
    *,
    n_factors: int = 3,
    fm: Literal["minres", "ml", "paf"] = "minres",
    rotation: Literal["oblimin", "promax", "geomin"] = "oblimin",
    flip: bool = True,
    reverse: Sequence[str] | None = None,
    scale_range: tuple[float, float] | None = None,
    missing: Literal["pairwise", "listwise"] = "pairwise",
    cor: Literal["pearson", "polychoric"] = "pearson",
    name: str = "scale",
) -> OmegaResult:
    """Omega hierarchical and omega total from a Schmid-Leiman solution (psych ``omega()``).

    Parameters
    ----------
    frame : DataFrame or SurveyData
        Item responses (NaN = missing).
    n_factors : int
        Number of group factors (psych's default 3; at least 2).
    fm : {"minres", "ml", "paf"}
        Extraction of the group factors and of the general factor.
    rotation : {"oblimin", "promax", "geomin"}
        Oblique rotation of the group factors.
    flip : bool
        Reverse items whose general-factor loading is negative (psych's ``flip = TRUE``).
    reverse, scale_range
        Reverse-key these columns as ``min + max - x`` first.
    missing, cor
        Pairwise or listwise Pearson or polychoric correlations.
    name : str
        Scale name shown in the summary.

    Returns
    -------
    OmegaResult
        ``omega_h``, ``omega_total``, ``omega_limit`` (omega_h/omega_total), ``alpha`` (standardized),
        ``g6``, ``ecv``, ``omega_subscales``, ``loadings``, ``phi``.

    Notes
    -----
    With ``g`` the general loadings, ``s`` the group loadings and ``u2`` the uniquenesses of the
    Schmid-Leiman solution and ``V = 1'R1``: ``omega_h = (1'g)^2/V``,
    ``omega_total = (V - 1'u2)/V``.  Each subscale (the items whose largest group loading is on
    that factor) has ``omega_total = ((1's_f)^2 + (1'g_f)^2)/V_f``, ``omega_group = (1's_f)^2/V_f``.
    Steps in :mod:`surveykit._core.omega`.

    Validated against: psych 2.2.9 ``omega()`` (omega_h, omega_total, subscale omegas,
    Schmid-Leiman loadings: 1e-3 absolute; in practice < 1e-5).

    Examples
    --------
    >>> import surveykit as sk
    >>> hs = sk.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]]
    >>> om = sk.omega(hs, n_factors=3)
    >>> round(om.omega_h, 3), round(om.omega_total, 3)
    (0.449, 0.851)
    """
    check_option("fm", fm, ("minres", "ml", "paf"))
    check_option("rotation", rotation, ("oblimin", "promax", "geomin"))
    if isinstance(n_factors, bool) or not isinstance(n_factors, (int, np.integer)) or n_factors < 2:
        raise SpecError(f"n_factors={n_factors!r} must be an integer >= 2; for one factor use reliability().")
    x = item_frame(frame, function="omega", min_items=3)
    x, reversed_items = reverse_key(x, reverse, scale_range)
    x = listwise(x, missing)
    if int(n_factors) > x.shape[1] // 2:
        raise DataError(f"n_factors={n_factors} group factors need at least {2 * int(n_factors)} items; "
                        f"got {x.shape[1]}.")
    r, _ = correlation(x, cor=cor)
    kfm = "pa" if fm == "paf" else fm
    with single_thread():
        sl = ko.schmid(r, int(n_factors), fm=kfm, rotation=rotation)
    if not sl.converged:
        warnings.warn(f"The {rotation} rotation in omega() did not converge; results are the last iterate.",
                      ConvergenceWarning, stacklevel=2)
    st = ko.omega_from_schmid(r, sl, flip=flip)
    m = int(n_factors)
    gnames = [f"F{i + 1}*" for i in range(m)]
    counts = [int(np.sum(st.assignment == f)) for f in range(m)]
    subs = pd.DataFrame({"omega_total": st.group_total, "omega_general": st.group_general,
                         "omega_group": st.group_group, "n_items": [x.shape[1], *counts]},
                        index=pd.Index(["g", *gnames], name="factor"))
    items = list(x.columns)
    load = pd.DataFrame(st.group, index=items, columns=gnames)
    load.insert(0, "g", st.general)
    load["h2"] = sl.h2
    load["u2"] = sl.u2
    load["p2"] = st.general**2 / sl.h2
    load["group"] = [gnames[i] for i in st.assignment]
    flipped = tuple(c for c, k_ in zip(items, st.key) if k_ < 0)
    return OmegaResult(
        name=name, omega_h=st.omega_h, omega_total=st.omega_total, omega_limit=st.omega_limit, alpha=st.alpha,
        g6=st.g6, ecv=st.ecv, n_factors=m, fm=fm, rotation=rotation, cor=cor, missing=missing, n=len(x),
        n_items=len(items), flipped_items=flipped, reversed_items=reversed_items, _subscales=subs,
        _loadings=load, _phi=pd.DataFrame(sl.phi, index=gnames, columns=gnames),
    )
