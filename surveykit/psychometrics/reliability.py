"""Reliability of a scale: Cronbach's alpha (raw and standardized), Guttman's lambda 6,
average inter-item correlation, the Feldt or bootstrap interval, and one-factor McDonald's omega.

Validated against: psych 2.2.9 ``alpha(x)`` (pairwise covariances) and
``omega(x, nfactors = 1)`` on the bfi scales and the Holzinger-Swineford factors; the bootstrap
interval against ``alpha(x, n.iter = 2000)$boot.ci`` within Monte Carlo error.  For omega with
several group factors (omega hierarchical, Schmid-Leiman) see :func:`surveykit.psychometrics.omega`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from surveykit._core import reliability as k
from surveykit._core.blas import single_thread
from surveykit._core.guards import check_covariance, check_memory
from surveykit._core.items import bootstrap_alpha, bootstrap_counts
from surveykit._core.rng import make_rng
from surveykit.errors import DataError, SpecError
from surveykit.psychometrics._common import check_option, item_frame, reverse_key
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["ReliabilityResult", "reliability"]


@dataclass(frozen=True, repr=False, eq=False)
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
    ci_method: str = "feldt"
    n_boot: int | None = None
    rng_seed: int | None = None
    feldt_ci: tuple[float, float] | None = None

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
                "ci_method": self.ci_method, "n_boot": self.n_boot, "rng_seed": self.rng_seed,
                "feldt_ci": list(self.feldt_ci) if self.feldt_ci is not None else None,
                "items": self._items.reset_index(),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        row = {k_: v for k_, v in self.to_dict().items()
               if k_ not in ("items", "alpha_ci", "reversed_items", "feldt_ci")}
        row["alpha_ci_lower"], row["alpha_ci_upper"] = self.alpha_ci
        return pd.DataFrame([row])

    def _repr_line(self) -> str:
        return f"ReliabilityResult {self.name}: alpha={self.alpha:.3f} omega_total={self.omega_total:.3f}"

    def summary(self) -> Summary:
        lo, hi = self.alpha_ci
        total = pd.DataFrame(
            [{"alpha": self.alpha, "std_alpha": self.std_alpha, "G6": self.g6, "average_r": self.average_r,
              f"alpha {int(round(self.ci_level * 100))}% CI lower": lo, "upper": hi,
              "omega_total": self.omega_total, "n": self.n}]
        )
        notes = []
        if self.ci_method == "bootstrap":
            notes.append(f"Alpha interval: percentile bootstrap, {self.n_boot} resamples of rows "
                         f"(seed {self.rng_seed}).")
        else:
            notes.append("Alpha interval: Feldt (1965).")
        notes.append("omega_total: one-factor minres solution (psych omega(nfactors = 1)); "
                     "for omega hierarchical with group factors use omega().")
        if self.reversed_items:
            notes.append(f"Reverse-keyed before analysis: {', '.join(self.reversed_items)}")
        return Summary(
            title=f"Reliability: {self.name} ({self.n_items} items; {self.missing} covariances)",
            tables=(("Scale", total), ("Items", self._items.reset_index())),
            notes=tuple(notes),
        )


def reliability(
    frame: pd.DataFrame,
    *,
    reverse: Sequence[str] | None = None,
    scale_range: tuple[float, float] | None = None,
    missing: Literal["pairwise", "listwise"] = "pairwise",
    ci_level: float = 0.95,
    ci: Literal["feldt", "bootstrap"] = "feldt",
    n_boot: int = 1000,
    rng: int | np.random.Generator | None = None,
    name: str = "scale",
) -> ReliabilityResult:
    """Reliability of the items in ``frame`` (one column per item).

    Parameters
    ----------
    frame : DataFrame or SurveyData
        Item responses; NaN marks missing.  A SurveyData contributes its keyed items.
    reverse : list of str, optional
        Columns to reverse-key as ``min + max - x`` before analysis; ``min``/``max`` come
        from ``scale_range`` or, as psych does, from the observed data.
    scale_range : (min, max), optional
        The response scale's end points, for ``reverse``.
    missing : {"pairwise", "listwise"}
        Pairwise-complete covariances (psych's default) or complete cases only.
    ci_level : float
        Level of the alpha interval.
    ci : {"feldt", "bootstrap"}
        Feldt's (1965) F-based interval, or the percentile bootstrap: ``n_boot`` resamples of the
        rows (with replacement), alpha recomputed from each sample's covariances (with the same
        ``missing`` rule), quantiles ``(1 - level)/2`` and ``(1 + level)/2`` (numpy's linear
        = R's type 7), as psych ``alpha(n.iter = )`` does.
    n_boot : int
        Bootstrap resamples (``ci="bootstrap"`` only).
    rng : int, numpy Generator or None
        Seed of the bootstrap.  The seed is recorded on the result (``rng_seed``); with ``None``
        fresh entropy is drawn and recorded, so the run can still be repeated.
    name : str
        Scale name shown in the summary.

    Returns
    -------
    ReliabilityResult
        ``alpha``, ``std_alpha``, ``g6``, ``average_r``, ``alpha_ci``, ``omega_total``,
        ``omega_hierarchical`` (one-factor: ``(sum l)^2/sum(R)``), ``items`` (n, mean, sd, r_drop,
        alpha_if_dropped, loading), ``missing``.

    Notes
    -----
    ``alpha = k/(k-1) (1 - tr(C)/1'C1)``; standardized alpha and G6 from ``cov2cor(C)``; the
    Feldt interval ``1 - (1 - alpha) F_q(n - 1, (n - 1)(k - 1))`` uses n = all rows (psych's
    ``alpha.ci`` with ``n.obs``); omega from a one-factor minres solution on the correlation
    matrix (psych ``omega(nfactors=1)``).  ``r_drop`` is the correlation of an item with the sum
    of the other items, both from the covariance matrix.

    Validated against: psych 2.2.9 ``alpha()`` (alpha, std_alpha, G6, average_r, r_drop,
    alpha if dropped: 1e-6 relative; Feldt interval 1e-4), ``omega(nfactors = 1)`` (1e-3).

    Examples
    --------
    >>> import surveykit as sk
    >>> bfi = sk.datasets.bfi()
    >>> rel = sk.reliability(bfi[["A1", "A2", "A3", "A4", "A5"]], reverse=["A1"], scale_range=(1, 6))
    >>> round(rel.alpha, 3)
    0.703
    >>> boot = sk.reliability(bfi[["A2", "A3", "A4", "A5"]], ci="bootstrap", n_boot=200, rng=1)
    >>> boot.alpha_ci[0] < boot.alpha < boot.alpha_ci[1]
    True
    """
    check_option("missing", missing, ("pairwise", "listwise"))
    check_option("ci", ci, ("feldt", "bootstrap"))
    if not 0 < ci_level < 1:
        raise SpecError(f"ci_level={ci_level!r} must be between 0 and 1.")
    if isinstance(frame, pd.DataFrame) and frame.shape[1] < 2:
        raise DataError(f"Reliability needs at least 2 items; got {frame.shape[1]} ({list(frame.columns)}).")
    x = item_frame(frame, function="reliability")
    x, reversed_items = reverse_key(x, reverse, scale_range)
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
    # Guttman's lambda 6 and omega invert the correlation matrix: copied or dependent items end here
    check_covariance(c, x.columns, len(x), what=f"items of {name}", indefinite_ok=missing == "pairwise")
    r = k.cov2cor(c)
    alpha = k.alpha_from_cov(c)
    nk = c.shape[0]
    feldt = k.feldt_ci(alpha, len(x), nk, ci_level)
    interval, seed, boots = feldt, None, None
    if ci == "bootstrap":
        if int(n_boot) < 2:
            raise SpecError(f"n_boot={n_boot!r} must be at least 2.")
        boots = int(n_boot)
        # the resampling counts of every draw are built at once (draws x rows, three arrays)
        check_memory(boots * len(x) * 24, f"n_boot={boots} bootstrap samples of {len(x)} rows", "n_boot")
        gen, seed = make_rng(rng)
        xs = x.to_numpy()
        values = bootstrap_alpha(xs, bootstrap_counts(len(xs), boots, gen))
        q = (1.0 - ci_level) / 2.0
        lo, hi = np.nanquantile(values, [q, 1.0 - q])
        interval = (float(lo), float(hi))
    r_pair = x.corr(min_periods=2).to_numpy()
    with single_thread():
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
        alpha_ci=interval,
        ci_level=ci_level,
        omega_total=omega_t,
        omega_hierarchical=omega_h,
        n=n,
        n_complete=len(complete),
        n_items=nk,
        missing=missing,
        reversed_items=reversed_items,
        _items=items,
        ci_method=ci,
        n_boot=boots,
        rng_seed=seed,
        feldt_ci=feldt,
    )
