"""Power curves: estimated power against sample size, one line per parameter."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from surveykit.errors import DataError
from surveykit.plots._base import _finish, new_figure, plotting

__all__ = ["power_curve"]

_PALETTE = ["#0571b0", "#ca0020", "#1b7837", "#762a83", "#e08214", "#525252", "#35978f", "#c51b7d"]


def power_curve(table: pd.DataFrame, *, parameter: str = "parameter", n: str = "n", power: str = "power",
                lower: str | None = "ci_lower", upper: str | None = "ci_upper", target: float | None = None,
                labels: Mapping | None = None, xlabel: str = "N", ylabel: str = "Power", title: str | None = None,
                width: float = 5.5, height: float = 3.6):
    """Power (share of replications with p below alpha, as computed by the analysis) against N.

    Parameters
    ----------
    table : DataFrame
        Long format: one row per parameter and sample size with columns ``parameter``, ``n``,
        ``power`` and, when present, the Monte Carlo interval ``lower``/``upper`` (drawn as a band).
    target : float, optional
        A horizontal dashed line at the power the caller aims for (e.g. .80).
    """
    t = pd.DataFrame(table)
    missing = [c for c in (parameter, n, power) if c not in t.columns]
    if missing or t.shape[0] == 0:
        raise DataError(f"power_curve needs rows with the columns {parameter}, {n}, {power}"
                        + (f" (missing: {', '.join(missing)})" if missing else "") + ".")
    with plotting():
        fig = new_figure(width, height)
        ax = fig.add_subplot()
        for k, (name, g) in enumerate(t.groupby(parameter, sort=False)):
            g = g.sort_values(n)
            color = _PALETTE[k % len(_PALETTE)]
            xs = g[n].astype(float).to_numpy()
            label = str(labels.get(name, name)) if labels else str(name)
            ax.plot(xs, g[power].astype(float).to_numpy(), marker="o", markersize=3.5, linewidth=1.3, color=color,
                    label=label)
            if lower and upper and lower in g.columns and upper in g.columns:
                ax.fill_between(xs, g[lower].astype(float).to_numpy(), g[upper].astype(float).to_numpy(),
                                color=color, alpha=0.15, linewidth=0)
        if target is not None:
            ax.axhline(float(target), color="#333333", linestyle="--", linewidth=0.9)
        ax.set_ylim(0, 1.02)
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(frameon=False, fontsize=7.5)
        if title:
            ax.set_title(title)
        _finish(fig)
    return fig
