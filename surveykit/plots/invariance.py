"""Measurement invariance: fit indices per level of constraint (configural, metric, scalar, ...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from surveykit.errors import DataError
from surveykit.plots._base import _finish, new_figure, plotting

__all__ = ["invariance_plot"]


def _two_lines(label: str) -> str:
    """A level's name with its parenthesis or qualifier on a second line ('弱等值（载荷）' ->
    '弱等值\n（载荷）', 'Metric (loadings)' -> 'Metric\n(loadings)'), so that four levels' tick
    labels fit side by side in a half-page panel."""
    for sep, keep in (("（", "（"), (" (", "("), ("：", ""), (": ", "")):
        head, found, tail = label.partition(sep)
        if found and head:
            return f"{head}\n{keep}{tail}"
    return label


def invariance_plot(table: pd.DataFrame, *, measures: Sequence[str] = ("cfi", "tli", "rmsea", "srmr"),
                    level_labels: Mapping | None = None, measure_labels: Mapping | None = None,
                    reference: Mapping[str, float] | None = None, title: str | None = None, width: float = 6.5):
    """One small panel per fit index: its value at each invariance level, in the order given.

    Parameters
    ----------
    table : DataFrame
        One row per level (the index names the level, e.g. 'configural', 'metric', 'scalar',
        'strict'); one column per fit index.
    measures : sequence of str
        Columns to show (those absent from ``table`` are skipped).
    reference : mapping, optional
        A horizontal dashed line per measure (e.g. a conventional cut-off chosen by the caller).
    """
    t = pd.DataFrame(table)
    cols = [m for m in measures if m in t.columns]
    if t.shape[0] == 0 or not cols:
        raise DataError(f"invariance_plot needs rows (levels) and at least one of the columns {', '.join(measures)}.")
    levels = [_two_lines(str(level_labels.get(i, i)) if level_labels else str(i)) for i in t.index]
    x = np.arange(len(levels))
    ncols = min(2, len(cols))
    nrows = int(np.ceil(len(cols) / ncols))
    with plotting():
        fig = new_figure(width, 2.1 * nrows + 0.6)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for k, col in enumerate(cols):
            ax = axes[k // ncols][k % ncols]
            ax.plot(x, t[col].astype(float).to_numpy(), marker="o", markersize=4, color="#0571b0", linewidth=1.3)
            if reference and reference.get(col) is not None:
                ax.axhline(float(reference[col]), color="#ca0020", linestyle="--", linewidth=0.9)
            ax.set_xticks(x, levels)
            ax.tick_params(axis="x", labelsize=7)  # four two-line level names side by side
            ax.set_xlim(-0.4, len(levels) - 0.6)
            ax.set_title(str(measure_labels.get(col, col.upper())) if measure_labels else col.upper())
        for k in range(len(cols), nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        if title:
            fig.suptitle(title)
        _finish(fig)
    return fig
