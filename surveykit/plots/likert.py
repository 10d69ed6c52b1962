"""Diverging stacked bars of Likert responses, one bar per item."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from surveykit.errors import DataError
from surveykit.plots._base import _finish, new_figure, plotting

__all__ = ["likert_bars", "LIKERT_COLORS"]

# ColorBrewer RdBu, colour-blind safe; the middle grey marks the neutral category
LIKERT_COLORS = {
    2: ["#ef8a62", "#67a9cf"],
    3: ["#ef8a62", "#d9d9d9", "#67a9cf"],
    4: ["#ca0020", "#f4a582", "#92c5de", "#0571b0"],
    5: ["#ca0020", "#f4a582", "#d9d9d9", "#92c5de", "#0571b0"],
    6: ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"],
    7: ["#b2182b", "#ef8a62", "#fddbc7", "#d9d9d9", "#d1e5f0", "#67a9cf", "#2166ac"],
}


def _colors(k: int) -> list[str]:
    if k in LIKERT_COLORS:
        return LIKERT_COLORS[k]
    from matplotlib import colormaps

    cmap = colormaps["RdBu"]
    return [cmap(x) for x in np.linspace(0.1, 0.9, k)]


def likert_bars(proportions: pd.DataFrame, *, category_labels: Mapping | None = None, title: str | None = None,
                xlabel: str = "Responses (%)", legend_title: str | None = None, width: float = 6.5):
    """Diverging stacked bars: disagreement left of zero, agreement right, the neutral
    category (odd number of categories) centred on zero.

    Parameters
    ----------
    proportions : DataFrame
        Items (rows, in display order; the index gives the labels) by response categories
        (columns, in scale order from the lowest).  Each row holds proportions summing to 1.
    category_labels : mapping, optional
        Legend text per category (column); default the column names.
    title, xlabel, legend_title : str
        Text (any language; Chinese is drawn with the bundled CJK font).

    Returns
    -------
    matplotlib.figure.Figure
    """
    p = pd.DataFrame(proportions).astype(float)
    if p.shape[0] == 0 or p.shape[1] < 2:
        raise DataError("likert_bars needs at least one item (row) and two response categories (columns).")
    values = p.to_numpy()
    if np.isnan(values).any() or (values < 0).any() or not np.allclose(values.sum(axis=1), 1.0, atol=1e-6):
        bad = [str(i) for i, s in zip(p.index, values.sum(axis=1)) if not np.isclose(s, 1.0, atol=1e-6)]
        raise DataError(
            "likert_bars takes proportions: each row must be non-negative and sum to 1"
            + (f" (rows {', '.join(bad)} do not)" if bad else "") + "; divide counts by the row totals first."
        )
    k = p.shape[1]
    n_neg = k // 2
    neutral = k % 2 == 1
    left = values[:, :n_neg].sum(axis=1) + (values[:, n_neg] / 2 if neutral else 0.0)
    colors = _colors(k)
    labels = [str(category_labels.get(c, c)) if category_labels else str(c) for c in p.columns]
    rows = [str(i) for i in p.index]
    y = np.arange(len(rows))
    with plotting():
        fig = new_figure(width, 0.32 * len(rows) + 1.5)
        ax = fig.add_subplot()
        start = -left
        for j in range(k):
            ax.barh(y, values[:, j], left=start, height=0.7, color=colors[j], edgecolor="white", linewidth=0.5,
                    label=labels[j])
            start = start + values[:, j]
        ax.axvline(0, color="#333333", linewidth=0.8)
        extent = float(max(left.max(), (values.sum(axis=1) - left).max()))
        lim = min(1.0, np.ceil(extent * 4 + 1e-9) / 4)
        ticks = np.round(np.arange(-lim, lim + 1e-9, 0.25), 2)
        ax.set_xlim(-lim, lim)
        ax.set_xticks(ticks, [f"{abs(t) * 100:.0f}" for t in ticks])
        ax.set_yticks(y, rows)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        if title:
            ax.set_title(title)
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=min(k, 7), frameon=False,
                   title=legend_title)
        _finish(fig)
    return fig
