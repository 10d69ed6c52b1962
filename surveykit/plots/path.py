"""The path diagram of a structural model: constructs as boxes, regressions as arrows labelled
with standardized coefficients and significance stars.

Layout: Graphviz ``dot`` when both the ``graphviz`` Python package and the ``dot`` program are
installed (``layout="graphviz"``, or ``"auto"``); otherwise a layered layout computed here
(``layout="layered"``): exogenous constructs on the left, mediators in the middle, outcomes on
the right.  Either way the figure is drawn by matplotlib with the bundled CJK font, so Chinese
names render the same on every machine.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from surveykit.errors import DataError, check_option
from surveykit.plots._base import _finish, format_coef, plotting, stars

__all__ = ["path_diagram", "graphviz_available", "layered_ranks"]

BOX_W = 1.35  # inches
BOX_H = 0.62
GAP_X = 1.75  # horizontal space between boxes of adjacent ranks
GAP_Y = 0.5   # vertical space between boxes of one rank
MARGIN = 0.3
LABEL_COLUMNS = 18  # a box line's width in columns (a CJK character is two)
LABEL_PAD = 0.08  # inches kept free inside a box on each side


@dataclass(frozen=True)
class _Edge:
    source: str
    target: str
    coef: float
    pvalue: float | None


def graphviz_available() -> bool:
    """True when the ``graphviz`` Python package and the ``dot`` program are both installed."""
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


def layered_ranks(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Rank of each node: 0 for exogenous ones, else one more than its highest-ranked
    predictor (longest path).  Feedback loops are cut at the node met second."""
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        preds[b].append(a)
    rank: dict[str, int] = {}
    visiting: set[str] = set()

    def visit(n: str) -> int:
        if n in rank:
            return rank[n]
        if n in visiting:
            return 0
        visiting.add(n)
        r = 1 + max((visit(p) for p in preds[n]), default=-1)
        visiting.discard(n)
        rank[n] = r
        return r

    for n in nodes:
        visit(n)
    return rank


def _layered_positions(nodes: list[str], edges: list[_Edge]) -> dict[str, tuple[float, float]]:
    rank = layered_ranks(nodes, [(e.source, e.target) for e in edges])
    n_ranks = max(rank.values()) + 1
    layers = [[n for n in nodes if rank[n] == r] for r in range(n_ranks)]
    succ = {n: [e.target for e in edges if e.source == n] for n in nodes}
    pred = {n: [e.source for e in edges if e.target == n] for n in nodes}
    index = {n: i for i, n in enumerate(nodes)}

    def ys(layer: list[str]) -> dict[str, float]:
        m = len(layer)
        return {n: ((m - 1) / 2 - j) * (BOX_H + GAP_Y) for j, n in enumerate(layer)}

    y: dict[str, float] = {}
    for layer in layers:
        y.update(ys(layer))
    # barycentre sweeps (down the ranks by predecessors, then back by successors) against crossings
    for sweep in range(2):
        order = range(1, n_ranks) if sweep == 0 else range(n_ranks - 2, -1, -1)
        for r in order:
            nbrs = pred if sweep == 0 else succ

            def key(n, nbrs=nbrs):
                ref = [y[m] for m in nbrs[n] if m in y]
                return (-(sum(ref) / len(ref)) if ref else -y[n], index[n])

            layers[r] = sorted(layers[r], key=key)
            y.update(ys(layers[r]))
    return {n: (rank[n] * (BOX_W + GAP_X), y[n]) for n in nodes}


def _graphviz_layout(nodes: list[str], edges: list[_Edge]):
    import graphviz

    g = graphviz.Digraph(graph_attr={"rankdir": "LR", "nodesep": f"{GAP_Y}", "ranksep": f"{GAP_X - 0.2}",
                                     "splines": "spline", "ordering": "out"},
                         node_attr={"shape": "box", "fixedsize": "true", "width": f"{BOX_W}",
                                    "height": f"{BOX_H}", "label": ""})
    ids = {n: f"n{i}" for i, n in enumerate(nodes)}
    rank = layered_ranks(nodes, [(e.source, e.target) for e in edges])
    for r in sorted(set(rank.values())):
        with g.subgraph() as sub:
            sub.attr(rank="same")
            for n in nodes:
                if rank[n] == r:
                    sub.node(ids[n])
    for e in edges:
        g.edge(ids[e.source], ids[e.target])
    plain = g.pipe(format="plain", engine="dot").decode("utf-8")
    back = {v: k for k, v in ids.items()}
    pos: dict[str, tuple[float, float]] = {}
    splines: dict[tuple[str, str], np.ndarray] = {}
    for line in plain.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "node":
            pos[back[parts[1]]] = (float(parts[2]), float(parts[3]))
        elif parts[0] == "edge":
            k = int(parts[3])
            pts = np.array([float(v) for v in parts[4:4 + 2 * k]]).reshape(k, 2)
            splines[(back[parts[1]], back[parts[2]])] = pts
    # dot ends a spline where its arrowhead begins: extend it to the border of the target box
    for (_, target), pts in splines.items():
        cx, cy = pos[target]
        end, before = pts[-1], pts[-2]
        d = end - before
        norm = float(np.hypot(*d))
        if norm == 0:
            continue
        d = d / norm
        ts = []
        if d[0]:
            ts += [(cx - np.sign(d[0]) * BOX_W / 2 - end[0]) / d[0]]
        if d[1]:
            ts += [(cy - np.sign(d[1]) * BOX_H / 2 - end[1]) / d[1]]
        ts = [t for t in ts if t > 0]
        if ts:
            t = max(ts)
            pts[-1] = end + t * d
            pts[-2] = before + t * d
    return pos, splines


def _columns(text: str) -> int:
    """Display width: a wide (CJK) character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(label: str, width: int = LABEL_COLUMNS) -> str:
    """A box label in lines: the given lines, a bilingual name split at its separator (' / '), and a
    line wider than ``width`` columns broken at its spaces only.  A word is never split, so a name
    without spaces (Chinese) stays whole; :func:`_fit_text` shrinks what is still too wide."""
    lines: list[str] = []
    for given in str(label).split("\n"):
        for part in given.split(" / "):
            line = ""
            for word in part.split():
                if line and _columns(f"{line} {word}") > width:
                    lines.append(line)
                    line = word
                else:
                    line = f"{line} {word}" if line else word
            lines.append(line)
    return "\n".join(lines)


def _fit_text(text, width: float, height: float, renderer, *, smallest: float = 6.0) -> None:
    """Shrink ``text`` (a matplotlib Text) in half points until it fits ``width`` x ``height``
    inches, down to ``smallest`` points: a long name is drawn smaller rather than cut."""
    dpi = text.figure.dpi
    while text.get_fontsize() > smallest:
        box = text.get_window_extent(renderer)
        if box.width <= width * dpi and box.height <= height * dpi:
            return
        text.set_fontsize(text.get_fontsize() - 0.5)


def _quad(p0, c, p2, t):
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * c + t**2 * p2


def _control(p0, p2, rad):
    """Control point of matplotlib's arc3 connection (a quadratic Bézier)."""
    d = p2 - p0
    return (p0 + p2) / 2 + rad * np.array([d[1], -d[0]])


def _bend(p0, p2, boxes, ends) -> float:
    """arc3 ``rad`` for an arrow that would cross a box between its ends (0: straight)."""
    for n, (bx, by) in boxes.items():
        if n in ends or not (p0[0] < bx < p2[0]):
            continue
        yl = p0[1] + (p2[1] - p0[1]) * (bx - p0[0]) / (p2[0] - p0[0])
        clear = BOX_H / 2 + 0.18
        if abs(yl - by) < clear:
            up = yl >= by
            need = (by + clear - yl) if up else (yl - by + clear)
            t = (bx - p0[0]) / (p2[0] - p0[0])
            r = min(0.8, max(0.12, need / (2 * t * (1 - t) * float(np.hypot(*(p2 - p0))))))
            return -r if up else r
    return 0.0


def _layered_geometry(nodes, edges, pos):
    """Start, end and bend of every arrow; arrows leaving or entering one box get their own
    attachment points, ordered by the direction in which they leave or arrive (no crossings)."""
    first = {}
    for e in edges:
        (sx, sy), (tx, ty) = pos[e.source], pos[e.target]
        p0, p2 = np.array([sx + BOX_W / 2, sy]), np.array([tx - BOX_W / 2, ty])
        first[(e.source, e.target)] = (p0, p2, _bend(p0, p2, pos, (e.source, e.target)))
    port: dict[tuple[str, str, str], float] = {}
    for n in nodes:
        for side in ("out", "in"):
            mine = [e for e in edges if (e.source if side == "out" else e.target) == n]

            def slope(e, side=side):
                p0, p2, rad = first[(e.source, e.target)]
                c = _control(p0, p2, rad) if rad else (p2 if side == "out" else p0)
                d = (c - p0) if side == "out" else (p2 - c)
                return np.arctan2(d[1], d[0])

            # leaving: the most upward arrow takes the top port; arriving: the one coming down from above
            ordered = sorted(mine, key=lambda e: -slope(e) if side == "out" else slope(e))
            step = min(0.16, 0.6 * BOX_H / max(len(ordered), 1))
            for j, e in enumerate(ordered):
                port[(side, e.source, e.target)] = ((len(ordered) - 1) / 2 - j) * step
    out = {}
    for e in edges:
        p0, p2, rad = first[(e.source, e.target)]
        p0 = p0 + np.array([0.0, port[("out", e.source, e.target)]])
        p2 = p2 + np.array([0.0, port[("in", e.source, e.target)]])
        out[(e.source, e.target)] = (p0, p2, rad)
    return out


def path_diagram(paths: Sequence[Mapping], *, labels: Mapping | None = None, r_squared: Mapping | None = None,
                 order: Sequence[str] | None = None, layout: str = "auto", coefficient: str = "std_all",
                 digits: int = 2, r2_label: str = "R²", note: str | None = None, title: str | None = None):
    """Draw the structural model.

    Parameters
    ----------
    paths : sequence of mappings
        Regression records as in ``structural.paths``: ``lhs`` (outcome), ``rhs`` (predictor),
        the coefficient under ``coefficient`` (default ``std_all``) and ``pvalue``.
    labels : mapping, optional
        Box text per construct (e.g. 'IDE\\n思想建设').
    r_squared : mapping, optional
        R² per endogenous construct, printed under its box.
    order : sequence of str, optional
        Preferred top-to-bottom order of constructs (e.g. the instrument's order).
    layout : {'auto', 'graphviz', 'layered'}
        'auto' uses Graphviz when installed, else the layered layout.
    note : str, optional
        A line under the diagram (e.g. what the stars mean).

    Non-significant paths (no star) are drawn dashed.
    """
    check_option("layout", layout, ("auto", "graphviz", "layered"), error=DataError)
    edges = []
    for rec in paths:
        try:
            edges.append(_Edge(str(rec["rhs"]), str(rec["lhs"]), float(rec[coefficient]),
                               None if rec.get("pvalue") is None else float(rec["pvalue"])))
        except KeyError as exc:
            raise DataError(f"path_diagram: a path record lacks the key {exc.args[0]!r}; records need lhs, rhs, "
                            f"{coefficient}, pvalue.") from None
    if not edges:
        raise DataError("path_diagram needs at least one path (lhs ~ rhs).")
    seen = [n for e in edges for n in (e.source, e.target)]
    nodes = [n for n in (order or []) if n in seen]
    for n in seen:
        if n not in nodes:
            nodes.append(n)
    use_gv = layout == "graphviz" or (layout == "auto" and graphviz_available())
    if layout == "graphviz" and not graphviz_available():
        raise DataError("path_diagram layout 'graphviz' needs the graphviz Python package and the dot program; "
                        "install both or use layout='layered'.")
    splines: dict = {}
    if use_gv:
        pos, splines = _graphviz_layout(nodes, edges)
    else:
        pos = _layered_positions(nodes, edges)
    xs = np.array([p[0] for p in pos.values()])
    ys = np.array([p[1] for p in pos.values()])
    x0, x1 = xs.min() - BOX_W / 2 - MARGIN, xs.max() + BOX_W / 2 + MARGIN
    extra_top = 0.35 if title else 0.0
    extra_bottom = 0.35 if note else 0.0
    y0, y1 = ys.min() - BOX_H / 2 - MARGIN - 0.3 - extra_bottom, ys.max() + BOX_H / 2 + MARGIN + extra_top
    for pts in splines.values():
        y0, y1 = min(y0, pts[:, 1].min() - MARGIN), max(y1, pts[:, 1].max() + MARGIN)
    width, height = x1 - x0, y1 - y0
    r2 = dict(r_squared or {})
    with plotting():
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
        from matplotlib.path import Path as MPath

        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.axis("off")
        renderer = fig.canvas.get_renderer()
        for n in nodes:
            cx, cy = pos[n]
            ax.add_patch(FancyBboxPatch((cx - BOX_W / 2, cy - BOX_H / 2), BOX_W, BOX_H,
                                        boxstyle="round,pad=0,rounding_size=0.06", facecolor="#f4f7fb",
                                        edgecolor="#1a1a1a", linewidth=1.0, zorder=3))
            text = labels.get(n, n) if labels else n
            _fit_text(ax.text(cx, cy, _wrap(text), ha="center", va="center", fontsize=8.5, zorder=4,
                              linespacing=1.15), BOX_W - 2 * LABEL_PAD, BOX_H - LABEL_PAD, renderer)
            if n in r2 and r2[n] is not None:
                ax.text(cx, cy - BOX_H / 2 - 0.06, f"{r2_label} = {format_coef(r2[n], digits)}", ha="center",
                        va="top", fontsize=7.5, color="#333333", zorder=4)
        geometry = {} if splines else _layered_geometry(nodes, edges, pos)
        for e in edges:
            mark = stars(e.pvalue)
            style = "-" if mark else (0, (4, 3))
            label = f"{format_coef(e.coef, digits)}{mark}"
            head = "-|>,head_length=6,head_width=3"
            if (e.source, e.target) in splines:
                pts = splines[(e.source, e.target)]
                codes = [MPath.MOVETO] + [MPath.CURVE4] * (len(pts) - 1)
                arrow = FancyArrowPatch(path=MPath(pts, codes), arrowstyle=head, color="#1a1a1a", linewidth=1.0,
                                        linestyle=style, zorder=2)
                lx, ly = pts[len(pts) // 2]
            else:
                p0, p2, rad = geometry[(e.source, e.target)]
                arrow = FancyArrowPatch(tuple(p0), tuple(p2), connectionstyle=f"arc3,rad={rad}", arrowstyle=head,
                                        color="#1a1a1a", linewidth=1.0, linestyle=style, shrinkA=0, shrinkB=0,
                                        zorder=2)
                lx, ly = _quad(p0, _control(p0, p2, rad), p2, 0.5 if rad else 0.45)
            ax.add_patch(arrow)
            ax.text(lx, ly, label, ha="center", va="center", fontsize=7.5, zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
        if title:
            ax.text((x0 + x1) / 2, y1 - 0.12, title, ha="center", va="top", fontsize=10)
        if note:
            ax.text(x0 + 0.1, y0 + 0.1, note, ha="left", va="bottom", fontsize=7, color="#333333")
        _finish(fig)
    return fig
