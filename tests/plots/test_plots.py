"""Figures: built from plain data, drawn with the bundled CJK font, the same bytes every time."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from surveykit import plots
from surveykit.errors import DataError

CHINESE = "思想建设执行力"


def _likert():
    p = pd.DataFrame([[0.1, 0.2, 0.3, 0.25, 0.15], [0.05, 0.1, 0.2, 0.4, 0.25], [0.3, 0.3, 0.2, 0.1, 0.1]],
                     index=["ide_1", "ide_2 (R)", "ide_3"], columns=["1", "2", "3", "4", "5"])
    return p


PATHS = [{"lhs": "STY", "rhs": "IDE", "std_all": 0.40, "pvalue": 1e-9},
         {"lhs": "EXE", "rhs": "IDE", "std_all": 0.14, "pvalue": 0.02},
         {"lhs": "EXE", "rhs": "ORG", "std_all": 0.07, "pvalue": 0.18},
         {"lhs": "EXE", "rhs": "STY", "std_all": 0.26, "pvalue": 1e-6}]
LABELS = {"IDE": "思想建设\nIDE", "ORG": "组织建设\nORG", "STY": "作风建设\nSTY", "EXE": "执行力\nEXE"}


def _all_figures():
    pairs = [{"lhs": "IDE", "rhs": "ORG", "r": 0.39}, {"lhs": "IDE", "rhs": "EXE", "r": -0.03},
             {"lhs": "ORG", "rhs": "EXE", "r": 0.2}]
    inv = pd.DataFrame({"cfi": [0.99, 0.98, 0.97], "rmsea": [0.02, 0.03, 0.03]},
                       index=["configural", "metric", "scalar"])
    pw = pd.DataFrame({"parameter": ["a"] * 3 + ["b"] * 3, "n": [100, 200, 400] * 2,
                       "power": [0.3, 0.6, 0.9, 0.2, 0.4, 0.7]})
    return {
        "likert": plots.likert_bars(_likert(), category_labels={"1": "非常不同意", "5": "非常同意"}, title="思想建设"),
        "heatmap": plots.correlation_heatmap(plots.pairs_to_matrix(pairs), labels={"IDE": "思想建设"}),
        "scree": plots.scree_plot([3.1, 1.6, 1.1, 0.7], [1.3, 1.2, 1.1, 1.0], retained=2, observed_label="观测"),
        "path": plots.path_diagram(PATHS, labels=LABELS, r_squared={"EXE": 0.25, "STY": 0.16}, layout="layered",
                                   note="标准化系数"),
        "invariance": plots.invariance_plot(inv, level_labels={"configural": "形态等值"}, reference={"cfi": 0.95}),
        "power": plots.power_curve(pw, target=0.8, labels={"a": "思想→作风"}),
    }


@pytest.fixture(scope="module")
def figures():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph ('Glyph ... missing from font(s)') fails here
        return _all_figures()


def test_font_is_the_bundled_noto_sans_cjk_and_wins_over_system_fonts():
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager as fm

    path = plots.cjk_font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf" and path.parent.parent.name == "mplfonts"
    family = plots.register_cjk_font()
    assert fm.findfont(fm.FontProperties(family=family), fallback_to_default=False) == str(path)
    with TTFont(path, lazy=True) as font:
        cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in CHINESE + "β²χ−→≥≤Δ")


def test_chinese_renders_as_glyphs_not_tofu():
    """Each character drawn alone: real glyphs all differ; tofu boxes would all be the same."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def raster(ch, family):
        with plots.plotting():
            fig = Figure(figsize=(0.5, 0.5), dpi=100)
            FigureCanvasAgg(fig)
            fig.text(0.5, 0.5, ch, fontsize=24, ha="center", va="center", family=family)
            fig.canvas.draw()
            return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = [raster(ch, plots.register_cjk_font()) for ch in CHINESE]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tofu = [raster(ch, "DejaVu Sans") for ch in CHINESE]  # a font without CJK glyphs
    assert any("missing from font" in str(w.message) for w in caught)
    assert all(np.array_equal(tofu[0], t) for t in tofu[1:]), "the control should draw identical boxes"
    for i in range(len(ours)):
        assert (ours[i] < 128).any(), "ink drawn"
        for j in range(i):
            assert not np.array_equal(ours[i], ours[j]), (CHINESE[i], CHINESE[j])
        assert not np.array_equal(ours[i], tofu[i])


def test_every_figure_has_its_artists(figures):
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    lk = figures["likert"].axes[0]
    assert len(lk.patches) == 3 * 5  # a segment per item and category
    assert [t.get_text() for t in lk.get_yticklabels()] == ["ide_1", "ide_2 (R)", "ide_3"]
    left = min(p.get_x() for p in lk.patches[:3])
    assert left < 0 < max(p.get_x() + p.get_width() for p in lk.patches)
    texts = [t.get_text() for t in figures["heatmap"].axes[0].texts]
    assert ".39" in texts and "−.03" in texts and "1" in texts
    assert len(figures["scree"].axes[0].lines) == 3  # observed, simulated, retained marker
    path = figures["path"].axes[0]
    assert sum(isinstance(p, FancyArrowPatch) for p in path.patches) == len(PATHS)
    assert sum(isinstance(p, FancyBboxPatch) for p in path.patches) == 4
    labels = [t.get_text() for t in path.texts]
    assert ".40***" in labels and ".14*" in labels and ".07" in labels and "R² = .25" in labels
    dashed = [p for p in path.patches if isinstance(p, FancyArrowPatch) and p.get_linestyle() != "-"]
    assert len(dashed) == 1  # the non-significant path
    assert len(figures["invariance"].axes) == 2
    assert len(figures["power"].axes[0].lines) == 3


def test_layered_layout_puts_exogenous_left_mediators_middle_outcome_right():
    ranks = plots.layered_ranks(["IDE", "ORG", "STY", "EXE"],
                                [("IDE", "STY"), ("IDE", "EXE"), ("ORG", "EXE"), ("STY", "EXE")])
    assert ranks == {"IDE": 0, "ORG": 0, "STY": 1, "EXE": 2}


@pytest.mark.skipif(not plots.graphviz_available(), reason="graphviz (Python package and dot program) not installed")
def test_graphviz_layout_draws_the_same_elements():
    from matplotlib.patches import FancyArrowPatch

    fig = plots.path_diagram(PATHS, labels=LABELS, layout="graphviz")
    assert sum(isinstance(p, FancyArrowPatch) for p in fig.axes[0].patches) == len(PATHS)


def test_bytes_are_identical_across_builds_and_metadata_free(figures):
    again = _all_figures()
    for key, fig in figures.items():
        svg, png = plots.figure_svg(fig), plots.figure_png(fig)
        assert svg == plots.figure_svg(again[key]), key
        assert png == plots.figure_png(again[key]), key
        text = svg.decode("utf-8")
        assert "<metadata" not in text and "dc:date" not in text and "Matplotlib v" not in text
        assert b"tEXt" not in png and b"tIME" not in png
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        # 300 dpi: pHYs holds 11811 pixels per metre
        i = png.index(b"pHYs")
        assert int.from_bytes(png[i + 4:i + 8], "big") == 11811


def test_bad_input_is_named():
    with pytest.raises(DataError, match="likert_bars takes proportions: each row must be non-negative and sum to 1"):
        plots.likert_bars(pd.DataFrame([[1, 2, 3]], columns=["1", "2", "3"]))
    with pytest.raises(DataError, match="lacks the key 'std_all'"):
        plots.path_diagram([{"lhs": "Y", "rhs": "X", "pvalue": 0.1}])
    with pytest.raises(DataError, match="2 simulated eigenvalues for 3 observed"):
        plots.scree_plot([3, 2, 1], [1, 1])
    with pytest.raises(DataError, match="layout='circle' is not one of 'auto', 'graphviz', 'layered'."):
        plots.path_diagram(PATHS, layout="circle")


def test_figures_live_on_the_agg_canvas_without_pyplot(figures):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    assert all(isinstance(f.canvas, FigureCanvasAgg) for f in figures.values())
    from pathlib import Path

    source = "".join(p.read_text(encoding="utf-8") for p in Path(plots.__file__).parent.glob("*.py"))
    assert "import matplotlib.pyplot" not in source and "from matplotlib import pyplot" not in source


def test_dollar_signs_are_drawn_literally():
    """Survey text is not TeX: an unknown command in a '$' pair used to abort drawing (issue 13)."""
    from matplotlib.text import Text

    hostile = r"$\undefinedcmd{x}$ costs $5 to $10"
    p = pd.DataFrame([[0.5, 0.5]], index=[hostile], columns=["1", "2"])
    fig = plots.likert_bars(p, title=hostile, category_labels={"1": "$x^2$", "2": "b"})
    plots.figure_svg(fig)
    plots.figure_png(fig)
    texts = [t for t in fig.findobj(Text) if "$" in t.get_text()]
    assert texts and not any(t.get_parse_math() for t in texts)


@pytest.mark.parametrize("labels", [
    {"configural": "形态等值", "metric": "弱等值（载荷）", "scalar": "强等值（+ 截距）",
     "strict": "严格等值（+ 残差）"},
    {"configural": "Configural", "metric": "Metric (loadings)", "scalar": "Scalar (+ intercepts)",
     "strict": "Strict (+ residuals)"}])
def test_invariance_plot_tick_labels_do_not_overlap(labels):
    """The x labels of each panel, measured as drawn: no two overlap, none leaves the figure."""
    from surveykit.plots.invariance import invariance_plot

    table = pd.DataFrame({"cfi": [.98, .981, .982, .981], "rmsea": [.019, .019, .018, .018],
                          "tli": [.97, .97, .98, .98], "srmr": [.048, .05, .05, .051]}, index=list(labels))
    fig = invariance_plot(table, level_labels=labels)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width = fig.bbox.width
    for ax in fig.axes:
        boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
        assert len(boxes) == 4
        for a, b in zip(boxes, boxes[1:]):
            assert a.x1 < b.x0, (a, b)
        assert boxes[0].x0 >= 0 and boxes[-1].x1 <= width


def test_path_diagram_labels_never_split_a_word_and_fit_their_box():
    """Box labels break at spaces and at the bilingual separator only: a Chinese name stays whole
    (a long one is drawn smaller), an English word is never cut (issue 18)."""
    from matplotlib.patches import FancyBboxPatch

    labels = {"IDE": "思想建设\nIDE", "ORG": "思想政治建设与组织制度建设\nORG",
              "STY": "Integrity and strict governance\nSTY", "EXE": "执行力 / Execution capacity\nEXE"}
    fig = plots.path_diagram(PATHS, labels=labels, layout="layered")
    ax = fig.axes[0]
    drawn = {t.get_text().split("\n")[-1]: t for t in ax.texts if t.get_text().split("\n")[-1] in labels}
    assert drawn["IDE"].get_text() == "思想建设\nIDE"
    assert drawn["ORG"].get_text() == "思想政治建设与组织制度建设\nORG"
    assert drawn["STY"].get_text() == "Integrity and\nstrict governance\nSTY"
    assert drawn["EXE"].get_text() == "执行力\nExecution capacity\nEXE"
    assert drawn["ORG"].get_fontsize() < drawn["IDE"].get_fontsize() == 8.5
    renderer = fig.canvas.get_renderer()
    boxes = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, FancyBboxPatch)]
    for t in drawn.values():
        e = t.get_window_extent(renderer)
        assert any(b.x0 < e.x0 and e.x1 < b.x1 and b.y0 < e.y0 and e.y1 < b.y1 for b in boxes), t.get_text()


def test_wrap_breaks_only_at_spaces():
    from surveykit.plots.path import _wrap

    assert _wrap("Organizational building\nORG") == "Organizational\nbuilding\nORG"
    assert _wrap("Supercalifragilisticexpialidocious") == "Supercalifragilisticexpialidocious"
    assert _wrap("廉政建设与从严治党从严治党") == "廉政建设与从严治党从严治党"
