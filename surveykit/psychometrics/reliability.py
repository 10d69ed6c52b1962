"""Reliability of a scale: Cronbach's alpha (raw and standardized), Guttman's lambda 6,
average inter-item correlation, the Feldt interval, and one-factor McDonald's omega.

Validated against: psych 2.2.9 ``alpha(x)`` (pairwise covariances) and
``omega(x, nfactors = 1)`` on the bfi scales and the Holzinger-Swineford factors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from surveykit._core import reliability as k
from surveykit.errors import DataError, SpecError
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["ReliabilityResult", "reliability"]


@dataclass(frozen=True)
class ReliabilityResult(ResultMixin):
    """Reliability of one scale.  Attributes are plain numbers; ``items`` is a DataFrame."""

    name: str
    alpha: float
    std_alpha: float
    g6: float
    average_r: float
    alpha_ci: tuple[float, float]
    ci_level: float
    omega_total: float
    omega_hierarchical: float
    n: int
    n_complete: int
    n_items: int
    missing: str
    reversed_items: tuple[str, ...]
    _items: pd.DataFrame = field(repr=False)

    @property
    def items(self) -> pd.DataFrame:
        return self._items.copy()

    def to_dict(self) -> dict:
        return to_jsonable(
            {
                "name": self.name, "alpha": self.alpha, "std_alpha": self.std_alpha, "g6": self.g6,
                "average_r": self.average_r, "alpha_ci": list(self.alpha_ci), "ci_level": self.ci_level,
                "omega_total": self.omega_total, "omega_hierarchical": self.omega_hierarchical,
                "n": self.n, "n_complete": self.n_complete, "n_items": self.n_items,
                "missing": self.missing, "reversed_items": list(self.reversed_items),
                "items": self._items.reset_index(),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k_: v for k_, v in self.to_dict().items() if k_ not in ("items", "alpha_ci",
                                                                                    "reversed_items")}])

    def _repr_line(self) -> str:
        return f"ReliabilityResult {self.name}: alpha={self.alpha:.3f} omega_total={self.omega_total:.3f}"

    def summary(self) -> Summary:
        lo, hi = self.alpha_ci
        total = pd.DataFrame(
            [{"alpha": self.alpha, "std_alpha": self.std_alpha, "G6": self.g6, "average_r": self.average_r,
              f"alpha {int(round(self.ci_level * 100))}% CI lower": lo, "upper": hi,
              "omega_total": self.omega_total, "n": self.n}]
        )
        return Summary(
            title=f"Reliability: {self.name} ({self.n_items} items; {self.missing} covariances)",
            tables=(("Scale", total), ("Items", self._items.reset_index())),
            notes=(f"Reverse-keyed before analysis: {', '.join(self.reversed_items)}",) if self.reversed_items else (),
        )


def reliability(
    frame: pd.DataFrame,
    *,
    reverse: Sequence[str] | None = None,
    scale_range: tuple[float, float] | None = None,
    missing: Literal["pairwise", "listwise"] = "pairwise",
    ci_level: float = 0.95,
    name: str = "scale",
) -> ReliabilityResult:
    """Reliability of the items in ``frame`` (one column per item).

    Parameters
    ----------
    frame : DataFrame
        Item responses; NaN marks missing.
    reverse : list of str, optional
        Columns to reverse-key as ``min + max - x`` before analysis; ``min``/``max`` come
        from ``scale_range`` or, as psych does, from the observed data.
    missing : {"pairwise", "listwise"}
        Pairwise-complete covariances (psych's default) or complete cases only.

    Notes
    -----
    ``alpha = k/(k-1) (1 - tr(C)/1'C1)``; standardized alpha and G6 from ``cov2cor(C)``; the
    Feldt interval uses n = all rows (psych's ``alpha.ci`` with ``n.obs``); omega from a
    one-factor minres solution on the correlation matrix (psych ``omega(nfactors=1)``).

    Examples
    --------
    >>> import surveykit as sk
    >>> bfi = sk.datasets.bfi()
    >>> rel = sk.reliability(bfi[["A1", "A2", "A3", "A4", "A5"]], reverse=["A1"], scale_range=(1, 6))
    >>> round(rel.alpha, 3)
    0.703
    """
    if missing not in ("pairwise", "listwise"):
        raise SpecError(f"missing={missing!r} is not one of 'pairwise', 'listwise'.")
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"reliability() needs a DataFrame of items, not {type(frame).__name__}.")
    if frame.shape[1] < 2:
        raise DataError(f"Reliability needs at least 2 items; got {frame.shape[1]} ({list(frame.columns)}).")
    non_num = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if non_num:
        raise DataError(f"Item column(s) {', '.join(map(str, non_num))} are not numeric; recode them.")
    x = frame.astype(float).copy()
    reverse = list(reverse or [])
    unknown = [c for c in reverse if c not in x.columns]
    if unknown:
        raise DataError(f"reverse names {', '.join(unknown)}, which are not columns of the data.")
    if reverse:
        lo, hi = scale_range if scale_range is not None else (np.nanmin(x.to_numpy()), np.nanmax(x.to_numpy()))
        for c in reverse:
            x[c] = lo + hi - x[c]
    n = len(x)
    complete = x.dropna()
    if missing == "listwise":
        x = complete
    c = x.cov(min_periods=2).to_numpy()
    if not np.isfinite(c).all():
        raise DataError("Some item pairs have fewer than 2 joint responses; covariances cannot be computed.")
    zero = [str(col) for col, v in zip(x.columns, np.diag(c)) if v <= 0]
    if zero:
        raise DataError(f"Item(s) {', '.join(zero)} have zero variance; remove them before reliability.")
    r = k.cov2cor(c)
    alpha = k.alpha_from_cov(c)
    nk = c.shape[0]
    ci = k.feldt_ci(alpha, len(x), nk, ci_level)
    r_pair = x.corr(min_periods=2).to_numpy()
    omega_t, omega_h, lam = k.omega_one_factor(r_pair)
    items = pd.DataFrame(
        {
            "n": x.notna().sum().to_numpy(),
            "mean": x.mean().to_numpy(),
            "sd": x.std(ddof=1).to_numpy(),
            "r_drop": k.r_drop(c),
            "alpha_if_dropped": k.alpha_if_dropped(c),
            "loading": lam,
        },
        index=pd.Index([str(cname) for cname in x.columns], name="item"),
    )
    return ReliabilityResult(
        name=name,
        alpha=alpha,
        std_alpha=k.std_alpha_from_cor(r),
        g6=k.guttman_lambda6(r),
        average_r=k.average_r(r),
        alpha_ci=ci,
        ci_level=ci_level,
        omega_total=omega_t,
        omega_hierarchical=omega_h,
        n=n,
        n_complete=len(complete),
        n_items=nk,
        missing=missing,
        reversed_items=tuple(reverse),
        _items=items,
    )
