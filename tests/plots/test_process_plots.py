"""Figures of conditional process analysis: drawn from a ProcessResult's tables, in Chinese or
English, text literal (no mathtext), the same bytes every time."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import surveykit as sk
from surveykit import plots
from surveykit.errors import DataError, SpecError
from tests.conftest import REF


@pytest.fixture(scope="module")
def results():
    d = pd.read_csv(REF / "data" / "process.csv")
    return {
        "m1": sk.process(d, model=1, x="IDE", w="INS", y="STY", n_boot=0),
        "m3": sk.process(d, model=3, x="IDE", w="INS", z="ORG", y="EXE", n_boot=0),
        "m7": sk.process(d, model=7, x="IDE", m="STY", w="INS", y="EXE", n_boot=200, rng=1, jobs=1),
        "m21": sk.process(d, model=21, x="IDE", m="STY", w="INS", z="ORG", y="EXE", n_boot=200, rng=1, jobs=1),
    }


def _figures(results, lang):
    m1, m3, m7, m21 = results["m1"], results["m3"], results["m7"], results["m21"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph ('Glyph ... missing from font(s)') fails here
        return {
            "slopes": plots.simple_slopes_plot(m1.simple_slopes(), x="IDE", y="STY", w="INS", lang=lang),
            "slopes3": plots.simple_slopes_plot(m3.simple_slopes(), x="IDE", y="EXE", w="INS", z="ORG", lang=lang),
            "jn": plots.johnson_neyman_plot(m1.johnson_neyman_curve(), m1.johnson_neyman(), x="IDE", y="STY",
                                            lang=lang),
            "indirect": plots.conditional_indirect_plot(m7.indirect_effect_curve(), x="IDE", y="EXE", lang=lang),
            "indirect21": plots.conditional_indirect_plot(m21.indirect_effect_curve(), x="IDE", y="EXE",
                                                          at_name="ORG", lang=lang),
        }


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_figure_draws_lines_bands_and_points(results, lang):
    from matplotlib.collections import PolyCollection

    f = _figures(results, lang)
    ax = f["slopes"].axes[0]
    assert len(ax.lines) == 3  # one per probe value of INS
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 3  # their bands
    assert len(f["slopes3"].axes) == 3  # one panel per value of ORG
    jn = f["jn"].axes[0]
    roots = results["m1"].johnson_neyman()
    inside = roots[roots["within_range"]]["value"].tolist()
    vertical = [ln for ln in jn.lines if ln.get_linestyle() == "--"]
    assert [ln.get_xdata()[0] for ln in vertical] == pytest.approx(inside)
    assert len(jn.texts) == len(inside)
    assert len(f["indirect"].axes[0].lines) == 2  # the effect and the zero line
    assert len(f["indirect21"].axes[0].lines) == 3 + 1  # one per value of ORG, and zero
    ylabel = f["jn"].axes[0].get_ylabel()
    assert ylabel == ("IDE对STY的条件效应" if lang == "zh" else "Conditional effect of IDE on STY")
    legend = [t.get_text() for t in f["indirect"].axes[0].get_legend().get_texts()]
    assert legend == (["95% Bootstrap 置信带"] if lang == "zh" else ["95% bootstrap confidence band"])


def test_text_is_literal_never_mathtext(results):
    fig = plots.simple_slopes_plot(results["m1"].simple_slopes(), x="cost $x$", y="y$", w="$w$")
    ax = fig.axes[0]
    for t in [ax.xaxis.label, ax.yaxis.label, *ax.get_legend().get_texts()]:
        shown, is_math = t._preprocess_math(t.get_text())
        assert is_math is False and "$" in shown
    assert ax.xaxis.label._preprocess_math(ax.xaxis.label.get_text()) == ("cost $x$", False)
    assert plots.literal("a $ b $") == "a $ b $"


def test_bytes_are_identical_across_builds(results):
    one, two = _figures(results, "zh"), _figures(results, "zh")
    for key in one:
        assert plots.figure_svg(one[key]) == plots.figure_svg(two[key]), key


def test_bad_tables_and_options_are_refused(results):
    with pytest.raises(DataError, match=r"^simple_slopes_plot needs rows with the columns w, x, fit"):
        plots.simple_slopes_plot(pd.DataFrame(), x="IDE", y="STY", w="INS")
    with pytest.raises(DataError, match=r"^johnson_neyman_plot: the curve has no effect 'X -> Y'; it has 'IDE -> STY'"):
        plots.johnson_neyman_plot(results["m1"].johnson_neyman_curve(), x="X", y="Y", effect="X -> Y")
    with pytest.raises(SpecError, match=r"^lang='fr' is not one of 'en', 'zh'\.$"):
        plots.conditional_indirect_plot(results["m7"].indirect_effect_curve(), x="IDE", y="EXE", lang="fr")
