"""Figures of conditional process analysis: simple slopes, the Johnson-Neyman plot and the
conditional indirect effect against the moderator, each with its band.

They draw the tables a :class:`surveykit.resampling.process.ProcessResult` computed
(``simple_slopes()``, ``johnson_neyman_curve()`` with ``johnson_neyman()``,
``indirect_effect_curve()``) and compute nothing.  Their words come in Chinese or English
(``lang``); any label can be replaced.  Every text is drawn literally: a ``$`` in a variable
name is escaped, so that matplotlib never reads it as mathtext.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from surveykit.errors import DataError, check_option
from surveykit.plots._base import _finish, new_figure, plotting

__all__ = ["simple_slopes_plot", "johnson_neyman_plot", "conditional_indirect_plot", "PROCESS_TEXT", "literal"]

_PALETTE = ["#0571b0", "#ca0020", "#1b7837", "#762a83", "#e08214", "#525252"]
_BAND = 0.15

PROCESS_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "predicted": "Predicted {y}",
        "effect": "Conditional effect of {x} on {y}",
        "indirect": "Conditional indirect effect of {x} on {y}",
        "jn_point": "J-N point {value}",
        "band": "{level:.0%} confidence band",
        "boot_band": "{level:.0%} bootstrap confidence band",
        "significant": "significant (p < {alpha:g})",
        "at": "{name} = {value}",
    },
    "zh": {
        "predicted": "{y}预测值",
        "effect": "{x}对{y}的条件效应",
        "indirect": "{x}对{y}的条件间接效应",
        "jn_point": "J-N 临界点 {value}",
        "band": "{level:.0%} 置信带",
        "boot_band": "{level:.0%} Bootstrap 置信带",
        "significant": "显著（p < {alpha:g}）",
        "at": "{name} = {value}",
    },
}


def literal(text) -> str:
    """``text`` as a figure label.  Every surveykit figure draws text with ``text.parse_math`` off
    (:mod:`surveykit.plots._base`), so ``$`` is already literal: escaping it here would print the
    backslash."""
    return str(text)


def _num(v) -> str:
    if isinstance(v, (int, float, np.integer, np.floating)):
        return f"{float(v):.2f}"
    return str(v)


def _need(table: pd.DataFrame, cols, what: str) -> pd.DataFrame:
    t = pd.DataFrame(table)
    missing = [c for c in cols if c not in t.columns]
    if missing or t.shape[0] == 0:
        raise DataError(f"{what} needs rows with the columns {', '.join(cols)}"
                        + (f" (missing: {', '.join(missing)})" if missing else "") + ".")
    return t


def _text(lang: str) -> dict[str, str]:
    check_option("lang", lang, tuple(PROCESS_TEXT))
    return PROCESS_TEXT[lang]


def _groups(t: pd.DataFrame, col: str) -> list:
    if col not in t.columns or t[col].isna().all():
        return [None]
    return list(dict.fromkeys(t[col].tolist()))


def simple_slopes_plot(table: pd.DataFrame, *, x: str, y: str, w: str, z: str | None = None, level: float = 0.95,
                       lang: str = "en", xlabel: str | None = None, ylabel: str | None = None,
                       title: str | None = None, width: float = 5.5, height: float = 3.6):
    """Predicted Y against X, one line per value of the moderator W, each with its confidence band;
    with a second moderator Z, one panel per value of Z.

    Parameters
    ----------
    table : DataFrame
        ``ProcessResult.simple_slopes()``: columns ``w``, ``z``, ``x``, ``fit``, ``ci_lower``, ``ci_upper``.
    x, y, w, z : str
        The variables' names (shown in the labels and legend).
    level : float
        The confidence level of the band (for the legend).
    lang : {"en", "zh"}
        The language of the labels (:data:`PROCESS_TEXT`).
    """
    tx = _text(lang)
    t = _need(table, ["w", "x", "fit", "ci_lower", "ci_upper"], "simple_slopes_plot")
    panels = _groups(t, "z")
    with plotting():
        fig = new_figure(width * (1 if len(panels) == 1 else min(len(panels), 3) * 0.62), height)
        axes = fig.subplots(1, len(panels), squeeze=False, sharey=True)[0]
        for ax, zv in zip(axes, panels):
            part = t if zv is None else t[t["z"] == zv]
            for k, wv in enumerate(_groups(part, "w")):
                g = part[part["w"] == wv].sort_values("x")
                color = _PALETTE[k % len(_PALETTE)]
                xs = g["x"].astype(float).to_numpy()
                ax.plot(xs, g["fit"].astype(float).to_numpy(), color=color, linewidth=1.4,
                        label=literal(tx["at"].format(name=w, value=_num(wv))))
                ax.fill_between(xs, g["ci_lower"].astype(float).to_numpy(), g["ci_upper"].astype(float).to_numpy(),
                                color=color, alpha=_BAND, linewidth=0)
            ax.set_xlabel(literal(xlabel if xlabel is not None else x))
            if zv is not None:
                ax.set_title(literal(tx["at"].format(name=z, value=_num(zv))))
        axes[0].set_ylabel(literal(ylabel if ylabel is not None else tx["predicted"].format(y=y)))
        axes[-1].legend(frameon=False, title=literal(tx["band"].format(level=level)), fontsize=7.5,
                        title_fontsize=7.5)
        if title:
            fig.suptitle(literal(title))
        _finish(fig)
    return fig


def _zero_line(ax) -> None:
    ax.axhline(0.0, color="#333333", linewidth=0.8, linestyle="-", zorder=1)


def johnson_neyman_plot(curve: pd.DataFrame, points: pd.DataFrame | None = None, *, x: str, y: str,
                        effect: str | None = None, level: float = 0.95, lang: str = "en",
                        xlabel: str | None = None, ylabel: str | None = None, title: str | None = None,
                        width: float = 5.5, height: float = 3.6):
    """The conditional effect against the moderator with its confidence band; a dashed vertical
    line at each Johnson-Neyman point within the observed range, and the moderator values where the
    effect is significant shaded.

    Parameters
    ----------
    curve : DataFrame
        ``ProcessResult.johnson_neyman_curve()``: ``effect``, ``moderator``, ``value``, ``est``,
        ``ci_lower``, ``ci_upper``, ``pvalue``.
    points : DataFrame, optional
        ``ProcessResult.johnson_neyman()``: ``effect``, ``value``, ``within_range``.
    x, y : str
        The names of the focal predictor and the outcome of the effect (for the axis label).
    effect : str, optional
        Which effect of the table (e.g. ``"IDE -> STY"``); default the first.
    """
    tx = _text(lang)
    t = _need(curve, ["effect", "moderator", "value", "est", "ci_lower", "ci_upper"], "johnson_neyman_plot")
    effect = effect if effect is not None else t["effect"].iloc[0]
    t = t[t["effect"] == effect].sort_values("value")
    if t.empty:
        raise DataError(f"johnson_neyman_plot: the curve has no effect {effect!r}; it has "
                        f"{', '.join(map(repr, dict.fromkeys(curve['effect'])))}.")
    moderator = str(t["moderator"].iloc[0])
    xs = t["value"].astype(float).to_numpy()
    lo, hi = t["ci_lower"].astype(float).to_numpy(), t["ci_upper"].astype(float).to_numpy()
    with plotting():
        fig = new_figure(width, height)
        ax = fig.add_subplot()
        sig = (lo > 0) | (hi < 0)
        if sig.any():
            ax.fill_between(xs, 0, 1, where=sig, transform=ax.get_xaxis_transform(), color="#999999", alpha=0.12,
                            linewidth=0, label=literal(tx["significant"].format(alpha=round(1 - level, 10))))
        ax.fill_between(xs, lo, hi, color=_PALETTE[0], alpha=_BAND * 1.5, linewidth=0,
                        label=literal(tx["band"].format(level=level)))
        ax.plot(xs, t["est"].astype(float).to_numpy(), color=_PALETTE[0], linewidth=1.5)
        _zero_line(ax)
        if points is not None and len(points):
            p = pd.DataFrame(points)
            p = p[(p["effect"] == effect) & p["within_range"].astype(bool)]
            for v in p["value"].astype(float):
                ax.axvline(v, color=_PALETTE[1], linestyle="--", linewidth=1.0)
                ax.annotate(literal(tx["jn_point"].format(value=_num(v))), (v, 1.0), xycoords=("data", "axes fraction"),
                            xytext=(3, -3), textcoords="offset points", ha="left", va="top", fontsize=7.5,
                            color=_PALETTE[1])
        ax.set_xlim(xs.min(), xs.max())
        ax.set_xlabel(literal(xlabel if xlabel is not None else moderator))
        ax.set_ylabel(literal(ylabel if ylabel is not None else tx["effect"].format(x=x, y=y)))
        ax.legend(frameon=False, fontsize=7.5, loc="lower right")
        if title:
            ax.set_title(literal(title))
        _finish(fig)
    return fig


def conditional_indirect_plot(curve: pd.DataFrame, *, x: str, y: str, path: str | None = None,
                              at_name: str | None = None, level: float = 0.95, lang: str = "en",
                              xlabel: str | None = None, ylabel: str | None = None, title: str | None = None,
                              labels: Mapping | None = None, width: float = 5.5, height: float = 3.6):
    """The conditional indirect effect against the moderator with its bootstrap confidence band
    (one line per value of a second moderator, model 21 and alike).

    Parameters
    ----------
    curve : DataFrame
        ``ProcessResult.indirect_effect_curve()``: ``path``, ``moderator``, ``value``, ``at``, ``est``,
        ``boot_ci_lower``, ``boot_ci_upper``.
    x, y : str
        The names of X and Y (for the axis label).
    path : str, optional
        Which indirect path (e.g. ``"IDE -> STY -> EXE"``); default the first.
    at_name : str, optional
        The name of the second moderator whose values ``at`` holds (for the legend).
    labels : mapping, optional
        Legend text per value of ``at``.
    """
    tx = _text(lang)
    t = _need(curve, ["path", "moderator", "value", "est", "boot_ci_lower", "boot_ci_upper"],
              "conditional_indirect_plot")
    path = path if path is not None else t["path"].iloc[0]
    t = t[t["path"] == path]
    if t.empty:
        raise DataError(f"conditional_indirect_plot: the curve has no path {path!r}; it has "
                        f"{', '.join(map(repr, dict.fromkeys(curve['path'])))}.")
    moderator = str(t["moderator"].iloc[0])
    with plotting():
        fig = new_figure(width, height)
        ax = fig.add_subplot()
        for k, av in enumerate(_groups(t, "at")):
            g = (t if av is None else t[t["at"] == av]).sort_values("value")
            color = _PALETTE[k % len(_PALETTE)]
            xs = g["value"].astype(float).to_numpy()
            if av is None:
                label = None
            elif labels and av in labels:
                label = literal(labels[av])
            else:
                label = literal(tx["at"].format(name=at_name or "", value=_num(av)))
            ax.plot(xs, g["est"].astype(float).to_numpy(), color=color, linewidth=1.5, label=label)
            ax.fill_between(xs, g["boot_ci_lower"].astype(float).to_numpy(),
                            g["boot_ci_upper"].astype(float).to_numpy(), color=color, alpha=_BAND * 1.5,
                            linewidth=0, label=literal(tx["boot_band"].format(level=level)) if k == 0 else None)
        _zero_line(ax)
        ax.set_xlim(t["value"].astype(float).min(), t["value"].astype(float).max())
        ax.set_xlabel(literal(xlabel if xlabel is not None else moderator))
        ax.set_ylabel(literal(ylabel if ylabel is not None else tx["indirect"].format(x=x, y=y)))
        ax.legend(frameon=False, fontsize=7.5)
        if title:
            ax.set_title(literal(title))
        _finish(fig)
    return fig
