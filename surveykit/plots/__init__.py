"""Plots: take pieces of the results (plain data, DataFrames), return matplotlib figures; never
compute statistics.  matplotlib is imported lazily; figures use the Agg canvas and the bundled
CJK font (Noto Sans CJK SC from ``mplfonts``); :func:`figure_svg` and :func:`figure_png` give
deterministic bytes."""

from surveykit.plots._base import (
    CJK_FONT_FILE,
    FIGURE_DPI,
    cjk_font_path,
    figure_bytes,
    figure_png,
    figure_svg,
    format_coef,
    plotting,
    register_cjk_font,
    stars,
)
from surveykit.plots.heatmap import correlation_heatmap, pairs_to_matrix
from surveykit.plots.invariance import invariance_plot
from surveykit.plots.likert import likert_bars
from surveykit.plots.path import graphviz_available, layered_ranks, path_diagram
from surveykit.plots.power import power_curve
from surveykit.plots.process import (
    PROCESS_TEXT,
    conditional_indirect_plot,
    johnson_neyman_plot,
    literal,
    simple_slopes_plot,
)
from surveykit.plots.scree import scree_plot

__all__ = [
    "CJK_FONT_FILE",
    "FIGURE_DPI",
    "PROCESS_TEXT",
    "cjk_font_path",
    "conditional_indirect_plot",
    "correlation_heatmap",
    "figure_bytes",
    "figure_png",
    "figure_svg",
    "format_coef",
    "graphviz_available",
    "invariance_plot",
    "johnson_neyman_plot",
    "layered_ranks",
    "likert_bars",
    "literal",
    "pairs_to_matrix",
    "path_diagram",
    "plotting",
    "power_curve",
    "register_cjk_font",
    "scree_plot",
    "simple_slopes_plot",
    "stars",
]
