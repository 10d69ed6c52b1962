"""Scree plot with the parallel-analysis line."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from surveykit.errors import DataError
from surveykit.plots._base import _finish, new_figure, plotting

__all__ = ["scree_plot"]


def scree_plot(observed: Sequence[float], simulated: Sequence[float] | None = None, *, retained: int | None = None,
               observed_label: str = "Observed", simulated_label: str = "Parallel analysis",
               xlabel: str = "Factor", ylabel: str = "Eigenvalue", title: str | None = None,
               width: float = 5.5, height: float = 3.6):
    """Eigenvalues by factor number; the simulated (parallel-analysis) eigenvalues as a dashed line.

    Parameters
    ----------
    observed : sequence of float
        Eigenvalues of the sample matrix, largest first (as computed by the analysis).
    simulated : sequence of float, optional
        The parallel-analysis reference eigenvalues (e.g. their 95th percentile), same length.
    retained : int, optional
        Number of factors the analysis retained; marked by a vertical dotted line.
    """
    obs = np.asarray(list(observed), dtype=float)
    if obs.ndim != 1 or obs.size == 0:
        raise DataError("scree_plot needs a non-empty sequence of observed eigenvalues.")
    sim = None if simulated is None else np.asarray(list(simulated), dtype=float)
    if sim is not None and sim.shape != obs.shape:
        raise DataError(f"scree_plot: {sim.size} simulated eigenvalues for {obs.size} observed ones; give one each.")
    x = np.arange(1, obs.size + 1)
    with plotting():
        fig = new_figure(width, height)
        ax = fig.add_subplot()
        ax.plot(x, obs, marker="o", markersize=4, color="#0571b0", linewidth=1.4, label=observed_label)
        if sim is not None:
            ax.plot(x, sim, linestyle="--", marker="x", markersize=4, color="#ca0020", linewidth=1.2,
                    label=simulated_label)
        if retained:
            ax.axvline(retained + 0.5, color="#777777", linestyle=":", linewidth=1)
        step = max(1, int(np.ceil(obs.size / 15)))
        ax.set_xticks(x[::step])
        ax.set_xlim(0.5, obs.size + 0.5)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(frameon=False)
        if title:
            ax.set_title(title)
        _finish(fig)
    return fig
