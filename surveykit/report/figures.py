"""The report's figures: which ones the results support, their text in the report language,
and their files (SVG and 300-dpi PNG, deterministic bytes).  The drawing is in surveykit.plots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from surveykit import plots
from surveykit.report.conventions import Profile
from surveykit.report.document import construct_r_squared, messages
from surveykit.report.schema import ResultsRecord

__all__ = ["RenderedFigure", "render_figures", "inline_svg"]


@dataclass(frozen=True)
class RenderedFigure:
    key: str
    caption: str
    svg: bytes
    png: bytes
    note: str = ""  # text below the figure (APA), in the report's note size rather than drawn in

    @property
    def svg_name(self) -> str:
        return f"figures/{self.key}.svg"

    @property
    def png_name(self) -> str:
        return f"figures/{self.key}.png"


def _tx(t, lang) -> str:
    return (getattr(t, lang) or t.zh or t.en or "") if t is not None else ""


def _figure_specs(results: ResultsRecord, lang: str, profile: Profile, path_layout: str):
    """(key, caption, builder) for every figure the results support, in report order."""
    m = messages(lang)
    mf = m["figures"]
    names = {c.code: _tx(c.name, lang) for c in results.instrument.constructs}
    order = list(names)
    specs = []

    # Likert distributions, one figure per construct
    cat_labels = {k: _tx(v, lang) for k, v in results.instrument.scale.labels.items()}
    by_construct: dict[str, list] = {}
    for d in results.descriptives:
        if d.distribution:
            by_construct.setdefault(d.code, []).append(d)
    for code in order + [c for c in by_construct if c not in order]:
        items = by_construct.get(code)
        if not items:
            continue
        cats = list(items[0].distribution)
        counts = pd.DataFrame([[float(d.distribution.get(c, 0)) for c in cats] for d in items],
                              index=[f"{d.item}{' (R)' if d.reverse else ''}" for d in items], columns=cats)
        totals = counts.sum(axis=1).replace(0, float("nan"))
        props = counts.div(totals, axis=0).dropna()
        if props.empty:
            continue
        label = f"{code} {names.get(code, '')}".strip()
        specs.append((f"likert-{code}", mf["likert"].format(construct=label),
                      lambda props=props: plots.likert_bars(props, category_labels=cat_labels,
                                                            xlabel=mf["likert_xlabel"])))

    # adequacy: scree with parallel analysis
    if results.psychometrics is not None:
        pa = results.psychometrics.parallel_analysis
        specs.append(("scree", mf["scree"], lambda: plots.scree_plot(
            [x.observed for x in pa.table], [x.simulated_quantile for x in pa.table], retained=pa.n_factors,
            observed_label=mf["scree_observed"], simulated_label=mf["scree_simulated"], xlabel=mf["scree_xlabel"],
            ylabel=mf["scree_ylabel"])))

    # measurement: construct correlations
    pairs = [{"lhs": p.lhs, "rhs": p.rhs, "r": p.std_all} for p in results.measurement.factor_correlations(order)]
    if pairs:
        matrix = plots.pairs_to_matrix(pairs, [c for c in order if any(c in (x["lhs"], x["rhs"]) for x in pairs)])
        specs.append(("correlations", mf["correlations"], lambda: plots.correlation_heatmap(
            matrix, labels={k: f"{v} {k}" if v else k for k, v in names.items()})))

    # structural: path diagram
    st = results.structural
    if st is not None and st.rows("~"):
        paths = [p.model_dump(include={"lhs", "rhs", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper",
                                       "std_all"}) for p in st.rows("~")]
        specs.append(("path", mf["path"], lambda: plots.path_diagram(
            paths, labels={k: f"{v}\n{k}" if v else k for k, v in names.items()},
            r_squared=construct_r_squared(results), order=order, layout=path_layout)))

    # two-level CFA: each level's factor and its items (the between-level items are the items' cluster means)
    tl = results.two_level
    if tl is not None:
        mt = m["two_level"]
        between = {p.rhs: f"{p.rhs} ({mt['between']})" for p in tl.rows("=~") if p.level == 2}
        loads = [{"lhs": p.rhs if p.level == 1 else between[p.rhs], "rhs": p.lhs, "std_all": p.std_all,
                  "pvalue": p.pvalue} for p in tl.rows("=~")]
        tl_labels = {f"{c}_{s}": f"{names.get(c) or c}\n{c}_{s} ({mt[lv]})" for c in tl.constructs
                     for s, lv in (("w", "within"), ("b", "between"))}
        specs.append(("two-level-path", mf["two_level_path"], lambda: plots.path_diagram(
            loads, labels={**tl_labels, **{v: v.replace(" (", "\n(") for v in between.values()}},
            layout=path_layout)))

    # moderation and moderated mediation: simple slopes, Johnson-Neyman, conditional indirect effect
    for t in results.process:
        specs += _process_figures(t, lang, mf)

    # invariance
    inv = results.invariance
    if inv is not None and inv.table:
        levels = pd.DataFrame([lv.model_dump() for lv in inv.table]).set_index("level")
        ref = {k: profile.criteria[k].value for k in ("cfi", "tli", "rmsea", "srmr") if k in profile.criteria}
        specs.append(("invariance", mf["invariance"], lambda levels=levels, ref=ref: plots.invariance_plot(
            levels, level_labels=m["invariance"]["levels"], measure_labels=m["fit_names"], reference=ref)))

    # power
    pw = results.power
    if pw is not None and pw.table:
        curves = pd.DataFrame([c.model_dump() for c in pw.table])
        target = profile.criteria["power"].value if "power" in profile.criteria else None
        specs.append(("power", mf["power"], lambda curves=curves, target=target: plots.power_curve(
            curves, lower="power_ci_lower", upper="power_ci_upper", target=target, ylabel=mf["power_ylabel"])))
    return specs


def _process_figures(t, lang: str, mf: dict) -> list:
    """The figures of one moderation or moderated-mediation hypothesis, drawn from its PROCESS run."""
    run, out = t.run, []

    def frame(rows) -> pd.DataFrame:
        return pd.DataFrame([r.model_dump() for r in rows])

    slopes = frame(run.simple_slopes)
    if len(slopes):
        out.append((f"process-{t.id}-slopes", mf["process_slopes"].format(id=t.id, x=run.x, y=run.y, w=run.w),
                    lambda: plots.simple_slopes_plot(slopes, x=run.x, y=run.y, w=run.w, z=run.z, level=run.level,
                                                     lang=lang)))
    curve, points = frame(run.johnson_neyman_curve), frame(run.johnson_neyman)
    for effect in dict.fromkeys(curve["effect"]) if len(curve) else ():
        src, dst = effect.split(" -> ")
        out.append((f"process-{t.id}-jn-{src}-{dst}", mf["process_jn"].format(id=t.id, effect=f"{src} → {dst}"),
                    lambda effect=effect, src=src, dst=dst: plots.johnson_neyman_plot(
                        curve, points if len(points) else None, x=src, y=dst, effect=effect, level=run.level,
                        lang=lang)))
    ind = frame(run.indirect_effect_curve)
    for path in dict.fromkeys(ind["path"]) if len(ind) else ():
        out.append((f"process-{t.id}-indirect", mf["process_indirect"].format(
            id=t.id, x=run.x, y=run.y, m=" → ".join(run.m)),
            lambda path=path: plots.conditional_indirect_plot(ind, x=run.x, y=run.y, path=path,
                                                              at_name=run.z, level=run.level, lang=lang)))
    return out


# a figure's note is text of the report below it (APA), not drawn in the figure: a figure scaled to
# the page in Word would shrink a drawn note below the size of the table notes
_NOTES = {"path": "path_note", "two-level-path": "two_level_path_note"}


def render_figures(results: ResultsRecord, lang: str, profile: Profile, *,
                   path_layout: str = "layered") -> list[RenderedFigure]:
    """Draw every figure the results support; SVG and PNG bytes for each, and its note."""
    out = []
    mf = messages(lang)["figures"]
    for key, caption, build in _figure_specs(results, lang, profile, path_layout):
        fig = build()
        out.append(RenderedFigure(key=key, caption=caption, svg=plots.figure_svg(fig), png=plots.figure_png(fig),
                                  note=mf[_NOTES[key]] if key in _NOTES else ""))
    return out


_ID = re.compile(r'\bid="([^"]+)"')


def inline_svg(svg: bytes, key: str, label_id: str) -> str:
    """The SVG prepared for inclusion in HTML: no XML prolog or doctype, no namespace URLs,
    ids prefixed with the figure key (several figures share one document), the stylesheet
    scoped to this figure, scalable (viewBox kept, fixed size dropped), labelled by its caption."""
    text = svg.decode("utf-8")
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text, flags=re.S)
    prefix = f"{key}-"
    text = _ID.sub(lambda mo: f'id="{prefix}{mo.group(1)}"', text)
    text = text.replace('xlink:href="#', f'href="#{prefix}').replace("xlink:href=", "href=")
    text = re.sub(r'url\(#([^)]+)\)', lambda mo: f"url(#{prefix}{mo.group(1)})", text)
    text = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", text)
    svg_id = f"svg-{key}"
    text = re.sub(r"<svg\b([^>]*?)\s+width=\"[^\"]*\"\s+height=\"[^\"]*\"",
                  lambda mo: f'<svg id="{svg_id}" role="img" aria-labelledby="{label_id}"{mo.group(1)}', text, count=1)
    text = text.replace('<style type="text/css">*{', f"<style>#{svg_id} *{{", 1)
    return text.strip()
