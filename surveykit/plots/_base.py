"""What every figure shares: the bundled CJK font, one style, deterministic SVG and PNG bytes.

matplotlib is imported lazily (inside functions), figures are built on the Agg canvas without
pyplot (no global figure registry, no GUI backend), and every plot function builds its figure
inside :func:`plotting` so that the style (fonts, sizes, SVG id salt) applies whatever the
caller's rcParams are.

Chinese text is drawn with Noto Sans CJK SC (SIL Open Font Licence) from the ``mplfonts``
package.  The font file is registered with matplotlib's ``font_manager.addfont`` at run time:
nothing is written into site-packages and ``mplfonts init`` is not needed.  The SimHei.ttf that
``mplfonts`` also ships is not freely licensed and is never used.
"""

from __future__ import annotations

import importlib.util
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from surveykit.errors import SurveykitError, check_option

__all__ = ["CJK_FONT_FILE", "cjk_font_path", "register_cjk_font", "plotting", "new_figure", "figure_bytes",
           "figure_svg", "figure_png", "stars", "format_coef", "FIGURE_DPI"]

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
FIGURE_DPI = 300
_SVG_SALT = "surveykit"
# the text font: the CJK font carries Latin, Greek and the statistics symbols used here;
# DejaVu Sans (shipped with matplotlib) is the per-glyph fallback for anything it lacks
_FALLBACK = "DejaVu Sans"


def cjk_font_path() -> Path:
    """Path of Noto Sans CJK SC inside the installed ``mplfonts`` package (not imported)."""
    spec = importlib.util.find_spec("mplfonts")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for loc in locations:
        path = Path(loc) / "fonts" / CJK_FONT_FILE
        if path.is_file():
            return path
    raise SurveykitError(
        f"The Chinese figure font {CJK_FONT_FILE} was not found: the 'mplfonts' package is missing or incomplete. "
        "Install it with: pip install mplfonts"
    )


def register_cjk_font() -> str:
    """Register the bundled CJK font with matplotlib and return its family name.

    The entry is moved to the front of matplotlib's font list so that this file, and not a
    system font of the same family name (e.g. Debian's fonts-noto-cjk), draws the text: the
    figures then have the same bytes on every machine.
    """
    from matplotlib import font_manager as fm

    path = str(cjk_font_path())
    mgr = fm.fontManager
    ours = [e for e in mgr.ttflist if e.fname == path]
    if not ours:
        mgr.addfont(path)
        ours = [e for e in mgr.ttflist if e.fname == path]
    if mgr.ttflist[: len(ours)] != ours:
        mgr.ttflist[:] = ours + [e for e in mgr.ttflist if e.fname != path]
        cache = getattr(mgr, "_findfont_cached", None)
        if cache is not None and hasattr(cache, "cache_clear"):
            cache.cache_clear()
    return ours[0].name


def _rc(family: str) -> dict:
    return {
        "font.family": [family, _FALLBACK],
        "font.size": 9.0,
        "axes.titlesize": 10.0,
        "axes.labelsize": 9.0,
        "xtick.labelsize": 8.5,
        "ytick.labelsize": 8.5,
        "legend.fontsize": 8.5,
        "axes.unicode_minus": True,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#333333",
        "axes.linewidth": 0.8,
        "svg.fonttype": "path",
        "svg.hashsalt": _SVG_SALT,
        "svg.image_inline": True,
        "savefig.dpi": FIGURE_DPI,
        "savefig.facecolor": "white",
        "figure.facecolor": "white",
        "figure.dpi": 100,
        "path.simplify": False,
        "image.interpolation": "nearest",
        # labels are survey text, drawn literally: '$' pairs are not TeX (an unknown command would
        # abort the drawing; a price range would turn into italics)
        "text.parse_math": False,
    }


@contextmanager
def plotting() -> Iterator[object]:
    """Build (or save) figures inside this context: the surveykit style and fonts apply."""
    import matplotlib

    family = register_cjk_font()
    with matplotlib.rc_context(_rc(family)):
        yield matplotlib


def new_figure(width: float, height: float):
    """A Figure on the Agg canvas (no pyplot), with constrained layout.  Call inside :func:`plotting`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finish(fig) -> None:
    """Fix every text's font family now, so that drawing later under other rcParams changes nothing."""
    import matplotlib
    from matplotlib.text import Text

    family = list(matplotlib.rcParams["font.family"])
    fig.canvas.draw()  # create tick labels with the current style
    for t in fig.findobj(Text):
        t.set_fontfamily(family)
        t.set_parse_math(False)


_SVG_DROP = (
    re.compile(r"<metadata>.*?</metadata>\s*", re.S),
    re.compile(r"<!--.*?-->\s*", re.S),
)


def figure_svg(fig) -> bytes:
    """SVG bytes, deterministic: fixed id salt, no date, creator or other metadata."""
    buf = io.BytesIO()
    with plotting():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue().decode("utf-8")
    for pat in _SVG_DROP:
        text = pat.sub("", text)
    return text.encode("utf-8")


def figure_png(fig, dpi: int = FIGURE_DPI) -> bytes:
    """PNG bytes at ``dpi`` (300 by default), deterministic: no software or time stamp chunk."""
    buf = io.BytesIO()
    with plotting():
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def figure_bytes(fig, fmt: str) -> bytes:
    """``fmt`` 'svg' or 'png'."""
    if fmt == "svg":
        return figure_svg(fig)
    if fmt == "png":
        return figure_png(fig)
    check_option("fmt", fmt, ("svg", "png"))


STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))


def stars(p, levels=STARS) -> str:
    """Significance stars for a p value (``levels``: (threshold, mark) from the strictest)."""
    if p is None:
        return ""
    try:
        p = float(p)
    except (TypeError, ValueError):
        return ""
    if p != p:  # NaN
        return ""
    for threshold, mark in levels:
        if p < threshold:
            return mark
    return ""


def format_coef(x, digits: int = 2, leading_zero: bool = False) -> str:
    """A coefficient as journals print it: '.40', '−.12' (no leading zero for |x| < 1 by default)."""
    if x is None:
        return "—"
    x = float(x)
    if x != x:
        return "—"
    s = f"{x:.{digits}f}"
    if float(s) == 0:
        s = s.lstrip("-")
    if not leading_zero:
        s = re.sub(r"^(-?)0\.", r"\1.", s)
    return s.replace("-", "\u2212")
