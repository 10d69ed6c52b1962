"""Correlation heatmap of constructs (lower triangle, values printed in the cells)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from surveykit.errors import DataError
from surveykit.plots._base import _finish, format_coef, new_figure, plotting

__all__ = ["correlation_heatmap", "pairs_to_matrix"]


def pairs_to_matrix(pairs: Iterable[Mapping], order: Sequence[str] | None = None, *, value: str = "r",
                    lhs: str = "lhs", rhs: str = "rhs") -> pd.DataFrame:
    """Arrange correlation records ``{lhs, rhs, r}`` (as in ``measurement.factor_correlations``)
    into a symmetric matrix with a unit diagonal; cells without a record are NaN."""
    pairs = list(pairs)
    names = list(order) if order is not None else []
    for rec in pairs:
        for v in (rec[lhs], rec[rhs]):
            if v not in names:
                names.append(v)
    m = pd.DataFrame(np.nan, index=names, columns=names, dtype=float)
    for n in names:
        m.loc[n, n] = 1.0
    for rec in pairs:
        a, b = rec[lhs], rec[rhs]
        if a in m.index and b in m.index:
            m.loc[a, b] = m.loc[b, a] = float(rec[value]) if rec[value] is not None else np.nan
    return m


def correlation_heatmap(matrix: pd.DataFrame, *, labels: Mapping | None = None, title: str | None = None,
                        colorbar_label: str = "r", digits: int = 2, width: float | None = None):
    """Heatmap of a correlation matrix: lower triangle with the diagonal, diverging colours
    fixed to [-1, 1] so that figures are comparable, each cell annotated.

    Parameters
    ----------
    matrix : DataFrame
        Square, symmetric; index and columns name the constructs (see :func:`pairs_to_matrix`).
    labels : mapping, optional
        Display label per construct (e.g. the construct's name in the report language).
    """
    m = pd.DataFrame(matrix).astype(float)
    if m.shape[0] != m.shape[1] or list(m.index) != list(m.columns) or m.shape[0] == 0:
        raise DataError("correlation_heatmap needs a square matrix whose index and columns name the same constructs.")
    k = m.shape[0]
    vals = m.to_numpy().copy()
    mask = np.triu(np.ones((k, k), dtype=bool), 0)  # the unit diagonal is printed, not coloured
    shown = np.ma.masked_array(vals, mask=mask | np.isnan(vals))
    names = [str(labels.get(c, c)) if labels else str(c) for c in m.index]
    size = width or max(3.8, 0.62 * k + 2.4)
    with plotting():
        from matplotlib import colormaps
        from matplotlib.patches import Rectangle

        cmap = colormaps["RdBu_r"].with_extremes(bad="white")
        fig = new_figure(size, size * 0.86)
        ax = fig.add_subplot()
        # vector cells (not an embedded raster image): crisp at any size and in the SVG
        im = ax.pcolormesh(np.arange(k + 1) - 0.5, np.arange(k + 1) - 0.5, shown, cmap=cmap, vmin=-1, vmax=1,
                           edgecolors="white", linewidth=0.6)
        ax.set_xlim(-0.5, k - 0.5)
        ax.set_ylim(k - 0.5, -0.5)
        ax.set_aspect("equal")
        for i in range(k):
            for j in range(i + 1):
                v = vals[i, j]
                if i == j:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#eeeeee", edgecolor="white",
                                           linewidth=0.6))
                    ax.text(j, i, "1", ha="center", va="center", fontsize=7.5, color="#555555")
                    continue
                if np.isnan(v):
                    continue
                ax.text(j, i, format_coef(v, digits), ha="center", va="center", fontsize=7.5,
                        color="white" if abs(v) > 0.6 else "#1a1a1a")
        ax.set_xticks(range(k), names, rotation=45, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(k), names)
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(length=0)
        cbar = fig.colorbar(im, ax=ax, shrink=0.8, ticks=[-1, -0.5, 0, 0.5, 1])
        cbar.set_label(colorbar_label)
        cbar.outline.set_visible(False)
        if title:
            ax.set_title(title)
        _finish(fig)
    return fig
