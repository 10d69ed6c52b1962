"""The report as a document model: sections of paragraphs, tables and figures, in one language.

:func:`build_document` turns a results record into a :class:`Document`; the HTML and Markdown
templates and the Word writer all render that one model, so every format carries the same
sections, tables, numbers and judgements.  Numbers are formatted here (compute, then format);
wording comes from ``messages/{lang}.yaml``; cut-offs from the convention profile.

Every section appears only when its part of the results is present, so the report renders
whatever the pipeline produced.  The record is :class:`surveykit.report.schema.ResultsRecord`:
the builder reads its validated models, so a key the schema does not know cannot reach it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from surveykit.errors import check_option
from surveykit.report.conventions import Profile, load_procedure
from surveykit.report.schema import ResultsRecord, SEMFit

__all__ = ["Cell", "Table", "Paragraph", "FigureBlock", "Section", "Document", "build_document", "messages",
           "code_message", "num", "pval", "fmt", "QUANTITIES"]


# ---------------------------------------------------------------------------------------------
# formatting (display only)


def num(x, digits: int = 3) -> str:
    """A number for display: fixed decimals, '−' for minus, '—' when missing."""
    if x is None or isinstance(x, str):
        return "—" if x is None else x
    if isinstance(x, bool):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    s = f"{x:.{digits}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s.replace("-", "−")


def pval(p) -> str:
    if p is None:
        return "—"
    p = float(p)
    if math.isnan(p):
        return "—"
    return "< .001" if p < 0.001 else f"{p:.3f}".lstrip("0")


def p_eq(p) -> str:
    """'= .012' or '< .001', to follow a 'p'."""
    s = pval(p)
    return s if s.startswith("<") else f"= {s}"


def coef(x, digits: int = 2) -> str:
    """A correlation-like coefficient without the leading zero: .39, −.03."""
    s = num(x, digits)
    return s.replace("0.", ".", 1) if s.startswith(("0.", "−0.")) else s


# The format of each kind of quantity, decided here only (APA 7, section 6.36, which the Chinese
# journals follow): a statistic that cannot exceed 1 in absolute value has no leading zero (.05,
# −.21, p < .001); every other number keeps it (0.95).  A TLI or a standardized coefficient beyond 1
# (a Heywood case) keeps its integer digit: 1.006.  kind: (bounded by 1, decimals)
QUANTITIES: dict[str, tuple[bool, int]] = {
    "alpha_level": (True, 2),  # a significance level: p < .05
    "r2": (True, 3),  # R², ΔR²
    "r": (True, 2),  # correlations in a matrix
    "beta": (True, 3),  # standardized coefficients, loadings and effects
    "reliability": (True, 3),  # α, ω, CR, AVE, item-total correlations
    "fit": (True, 3),  # CFI, TLI, RMSEA, SRMR and their changes
    "icc": (True, 2),
    "power": (True, 3),
    "estimate": (False, 3),  # unstandardized coefficients, standard errors, their intervals
    "statistic": (False, 2),  # z, t, F, χ² and other test statistics
}


def fmt(kind: str, x, digits: int | None = None) -> str:
    """``x`` formatted as its kind of quantity (see :data:`QUANTITIES`; ``"p"`` is a p-value)."""
    if kind == "p":
        return pval(x)
    bounded, default = QUANTITIES[kind]
    return (coef if bounded else num)(x, default if digits is None else digits)


def thr(x) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:g}"


def pct(x, digits: int = 1) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{float(x) * 100:.{digits}f}%"


def integer(x) -> str:
    if x is None:
        return "—"
    try:
        return str(int(x))
    except (TypeError, ValueError):
        return str(x)


@lru_cache(maxsize=4)
def messages(lang: str) -> dict:
    check_option("lang", lang, ("zh", "en"))
    text = resources.files("surveykit.report").joinpath("messages", f"{lang}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=4)
def _code_patterns(lang: str) -> tuple[tuple[re.Pattern, str], ...]:
    return tuple((re.compile(e["match"]), e[lang]) for e in messages(lang).get("code_messages") or [])


def code_message(text: str, lang: str) -> str:
    """A message that code raised in English, in the report's language: the message catalogue's
    ``code_messages`` (the first pattern matching the whole message gives the text, its named
    groups filled in); unchanged when the language is English or no pattern matches."""
    for pattern, template in _code_patterns(lang):
        mo = pattern.match(text)
        if mo:
            return template.format(**{k: v or "" for k, v in mo.groupdict().items()})
    return text


# ---------------------------------------------------------------------------------------------
# the model


@dataclass
class Cell:
    """One table cell: ``text``, an optional second line ``sub`` (smaller), and an optional
    judgement ``mark`` ('ok' meets the cut-off, 'no' does not) with its symbol and criterion."""

    text: str = ""
    sub: str | None = None
    numeric: bool = False
    mark: str | None = None
    symbol: str = ""
    criterion: str = ""


@dataclass
class Table:
    key: str
    caption: str
    header: list[str]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)
    row_header: bool = True
    number: int = 0
    kind: str = "table"

    @property
    def align(self) -> list[str]:
        """'r' for a column of numbers (every non-empty cell numeric), else 'l'."""
        out = []
        for j in range(len(self.header)):
            cells = [row[j] for row in self.rows if j < len(row) and row[j].text not in ("", "—")]
            out.append("r" if cells and all(c.numeric for c in cells) else "l")
        return out


@dataclass
class Paragraph:
    text: str
    style: str = "p"  # p | note | banner | warn | item
    kind: str = "paragraph"


@dataclass
class FigureBlock:
    key: str
    caption: str
    svg: str = ""           # inline SVG for HTML (prepared by the report)
    png: str = ""           # relative path of the PNG
    svg_file: str = ""      # relative path of the SVG
    number: int = 0
    note: str = ""          # the figure's note, below its caption
    kind: str = "figure"


@dataclass
class Section:
    key: str
    title: str
    blocks: list = field(default_factory=list)


@dataclass
class Document:
    lang: str
    lang_attr: str
    title: str
    banner: str | None
    generated_by: str
    toc: str
    sections: list[Section]
    table_label: str
    figure_label: str
    note_label: str

    @property
    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if b.kind == "table"]

    @property
    def figures(self) -> list[FigureBlock]:
        return [b for s in self.sections for b in s.blocks if b.kind == "figure"]


# ---------------------------------------------------------------------------------------------
# building


class _Builder:
    def __init__(self, results: ResultsRecord, lang: str, profile: Profile, figures: dict[str, FigureBlock]):
        self.r = results
        self.lang = lang
        self.m = messages(lang)
        self.p = profile
        self.figs = figures
        self.names = {c.code: c.name for c in results.instrument.constructs}
        self.judged_any = False

    # helpers ---------------------------------------------------------------------------------
    def tx(self, t) -> str:
        """A bilingual text (a record's Bilingual or a catalogue's {zh, en}) in the report's language."""
        if hasattr(t, "zh"):
            t = t.model_dump()
        if isinstance(t, dict):
            return t.get(self.lang) or t.get("zh") or t.get("en") or ""
        return "" if t is None else str(t)

    def other(self, t) -> str | None:
        """The other language's text, when it differs."""
        if hasattr(t, "zh"):
            t = t.model_dump()
        if isinstance(t, dict):
            v = t.get("en" if self.lang == "zh" else "zh")
            return v if v and v != t.get(self.lang) else None
        return None

    def cname(self, code) -> str:
        n = self.names.get(code)
        return f"{code} {self.tx(n)}" if n else str(code)

    def _chains(self, expr: str) -> list[list[str]] | None:
        """The paths a defined parameter multiplies along, one per term of a sum of products of path
        labels ('a1*b1' -> [[IDE, STY, EXE]]); None when a factor is not a labelled path."""
        block = self.r.structural or self.r.measurement
        labels = {p.label: (p.rhs, p.lhs) for p in block.rows("~") if p.label}
        chains = []
        for term in expr.replace(" ", "").split("+"):
            edges = [labels.get(f) for f in term.split("*")]
            if not term or None in edges:
                return None
            heads = {e[1] for e in edges}
            start = [e for e in edges if e[0] not in heads]
            if len(start) != 1:
                return None
            nodes, edges = list(start[0]), [e for e in edges if e is not start[0]]
            while edges:
                nxt = next((e for e in edges if e[0] == nodes[-1]), None)
                if nxt is None:
                    return None
                nodes.append(nxt[1])
                edges.remove(nxt)
            chains.append(nodes)
        return chains

    def effect_kind(self, expr: str) -> tuple[str, str | None]:
        """('indirect' | 'total' | 'direct' | 'other', the effect as arrows) of a defined parameter."""
        chains = self._chains(expr)
        if not chains:
            return "other", None
        if len(chains) == 1:
            return ("indirect" if len(chains[0]) > 2 else "direct"), " → ".join(chains[0])
        if len({(c[0], c[-1]) for c in chains}) == 1:
            return "total", self.m["effects"]["total"].format(x=chains[0][0], y=chains[0][-1])
        return "other", None

    def effect_name(self, target: str) -> str:
        """A hypothesis's target in words: 'EXE ~ IDE' -> 'IDE → EXE'; 'ind := a1*b1' -> 'IDE → STY → EXE'."""
        tag = re.search(r" \(PROCESS model (\d+)\)$", target)
        if tag:  # a moderation hypothesis: its effect and the PROCESS model, the tag in the report's language
            return target[:tag.start()] + self.m["process"]["model_tag"].format(model=tag[1])
        name, op, expr = target.partition(":=") if ":=" in target else target.partition("~")
        if op == "~":
            return f"{expr.strip()} → {name.strip()}"
        return self.effect_kind(expr)[1] or target

    def b(self, x, digits=3) -> Cell:
        """A quantity bounded by 1 (a correlation, reliability, share): no leading zero (APA)."""
        return Cell(coef(x, digits), numeric=True)

    def n(self, x, digits=3) -> Cell:
        return Cell(num(x, digits), numeric=True)

    def q(self, kind: str, x, digits: int | None = None) -> Cell:
        """A cell holding a quantity of ``kind`` (see :data:`QUANTITIES`)."""
        return Cell(fmt(kind, x, digits), numeric=True)

    def judged(self, measure: str, value, text: str | None = None) -> Cell:
        cell = Cell(num(value) if text is None else text, numeric=True)
        j = self.p.judge(measure, value)
        if j is None or j.meets is None:
            return cell
        self.judged_any = True
        mk = self.m["marks"]
        cell.mark = "ok" if j.meets else "no"
        cell.symbol = mk["ok"] if j.meets else mk["no"]
        cell.criterion = f"{mk['meets'] if j.meets else mk['fails']} {j.label} ({j.cite})"
        return cell

    def mark_note(self) -> str:
        return self.m["marks"]["note"].format(profile=self.p.name, ok=self.m["marks"]["ok"], no=self.m["marks"]["no"])

    def figure(self, key: str) -> list:
        return [self.figs[key]] if key in self.figs else []

    def figures_with_prefix(self, prefix: str) -> list:
        return [f for k, f in self.figs.items() if k.startswith(prefix)]

    # sections --------------------------------------------------------------------------------
    def sample(self) -> Section | None:
        m = self.m
        d, sc = self.r.data, self.r.screening
        ms = m["sample"]
        rows = [[Cell(ms["file"]), Cell(d.file)]]
        if d.file_label:
            rows.append([Cell(ms["file_label"]), Cell(d.file_label)])
        for key, value in (("n_rows", d.n_rows), ("n_before", sc.n_before), ("excluded", sc.n_excluded),
                           ("n_after", sc.n_after)):
            rows.append([Cell(ms[key]), Cell(integer(value), numeric=True)])
        blocks: list = [Table("sample", ms["caption"], [ms["measure"], ms["value"]], rows)]
        if sc.rules:
            rrows = [[Cell(m["screening_rule_names"].get(x.rule, x.rule)),
                      Cell(m["screening_rules"].get(x.rule, x.criterion).replace(
                          "{threshold}", thr(x.threshold) if x.threshold is not None else "")),
                      Cell(integer(x.flagged), numeric=True)] for x in sc.rules]
            blocks.append(Table("screening", ms["rules_caption"], [ms["rule"], ms["criterion"], ms["flagged"]], rrows,
                                notes=[ms["multi_flag_note"]]))
        else:
            blocks.append(Paragraph(ms["none_excluded"]))
        if d.missing_codes:
            parts = [ms["missing_item"].format(item=item, codes=m["list_sep"].join(
                ms["missing_code"].format(code=c, k=k) for c, k in codes.items()))
                for item, codes in d.missing_codes.items()]
            blocks.append(Paragraph(ms["missing_codes"].format(items=ms["missing_sep"].join(parts))))
        return Section("sample", m["sections"]["sample"], blocks)

    def instrument(self) -> Section | None:
        ins = self.r.instrument
        m, mi = self.m, self.m["instrument"]
        sep = self.m["semicolon"]
        labels = sep.join(f"{k} = {self.tx(v)}" for k, v in ins.scale.labels.items())
        missing = sep.join(f"{k} = {self.tx(v)}" for k, v in ins.scale.missing.items())
        text = mi["scale_text"].format(title=self.tx(ins.title), labels=labels)
        if missing:
            text += mi["missing_text"].format(missing=missing)
        blocks: list = [Paragraph(text)]
        for c in ins.constructs:
            rows = []
            for it in c.items:
                source = it.source.section if it.source else ""
                if it.source and it.source.quote:
                    source += f"{mi['quote_sep']}“{it.source.quote}”"
                rows.append([Cell(it.id), Cell(self.tx(it.text), sub=self.other(it.text)),
                             Cell(mi["mark_reverse"] if it.reverse else mi["mark_forward"]), Cell(source)])
            caption = f"{c.code} {self.tx(c.name)}"
            if self.other(c.name):
                caption += f" / {self.other(c.name)}"
            blocks.append(Table(f"instrument-{c.code}", caption,
                                [mi["item"], mi["text"], mi["reverse"], mi["source"]], rows))
        return Section("instrument", m["sections"]["instrument"], blocks)

    def descriptives(self) -> Section | None:
        ds = self.r.descriptives
        if not ds:
            return None
        md = self.m["descriptives"]
        shape = {x.item: x for x in self.r.normality.items} if self.r.normality is not None else {}
        rows = [[Cell(f"{d.item}{' (R)' if d.reverse else ''}"), Cell(d.code),
                 Cell(integer(d.n), numeric=True), Cell(integer(d.missing), numeric=True),
                 self.n(d.mean, 2), self.n(d.sd, 2), self.n(d.mean_keyed, 2)]
                + ([self.n(shape[d.item].skew, 2) if d.item in shape else Cell("—", numeric=True),
                    self.n(shape[d.item].kurtosis, 2) if d.item in shape else Cell("—", numeric=True)]
                   if shape else []) for d in ds]
        head = [md["item"], md["construct"], md["n"], md["missing"], md["mean"], md["sd"], md["mean_keyed"]]
        blocks: list = [Table("descriptives", md["caption"], head + ([md["skew"], md["kurtosis"]] if shape else []),
                              rows, notes=[md["note"]] + ([md["shape_note"]] if shape else []))]
        blocks += self.figures_with_prefix("likert-")
        return Section("descriptives", self.m["sections"]["descriptives"], blocks)

    def item_analysis(self) -> Section | None:
        """Per item: keyed mean and SD, corrected item-total correlation, alpha if dropped, and the
        critical ratio (the t test between the high and low total-score groups)."""
        rows = []
        for x in self.r.item_analysis:
            for it in x.items:
                rows.append([Cell(it.item), Cell(x.name), self.n(it.mean, 2), self.n(it.sd, 2),
                             Cell(coef(it.r_drop, 3), numeric=True), Cell(coef(it.alpha_if_dropped, 3), numeric=True),
                             self.n(it.cr_t, 2), Cell(pval(it.cr_pvalue), numeric=True)])
        if not rows:
            return None
        mi = self.m["item_analysis"]
        cr = self.r.item_analysis[0].critical_ratio
        notes = [mi["note"], mi["cr_note"].format(share=pct(cr.share, 0), test=mi["cr_tests"].get(cr.test, cr.test))]
        return Section("item_analysis", self.m["sections"]["item_analysis"], [
            Table("item-analysis", mi["caption"], [mi["item"], mi["construct"], mi["mean"], mi["sd"], mi["r_drop"],
                                                   mi["alpha_if_dropped"], mi["cr"], mi["cr_p"]], rows, notes=notes)])

    def normality(self) -> Section | None:
        """Univariate skewness and kurtosis (their ranges over the items) and Mardia's tests."""
        nm = self.r.normality
        if nm is None:
            return None
        mn, m = self.m["normality"], nm.mardia
        skews = [abs(x.skew) for x in nm.items if x.skew is not None]
        kurts = [abs(x.kurtosis) for x in nm.items if x.kurtosis is not None]
        rows = [[Cell(mn["skewness"]), self.n(m.b1p, 2), Cell(f"χ² = {num(m.skew, 2)}", numeric=True),
                 Cell(integer(m.skew_df), numeric=True), Cell(pval(m.skew_pvalue), numeric=True)],
                [Cell(mn["kurtosis"]), self.n(m.b2p, 2), Cell(f"z = {num(m.kurtosis, 2)}", numeric=True),
                 Cell("—", numeric=True), Cell(pval(m.kurtosis_pvalue), numeric=True)]]
        note = mn["note"].format(n=integer(m.n), p=integer(m.p), expected=num(m.p * (m.p + 2), 0))
        blocks: list = [
            Paragraph(mn["univariate"].format(k=len(nm.items), max_skew=num(max(skews), 2), max_kurt=num(max(kurts), 2),
                                              type=integer(nm.skew_type))),
            Table("mardia", mn["caption"], [mn["test"], mn["coefficient"], mn["statistic"], "df", "p"], rows,
                  notes=[note, mn["advice"]])]
        return Section("normality", self.m["sections"]["normality"], blocks)

    def reliability(self) -> Section | None:
        rel = self.r.reliability
        if not rel:
            return None
        mr = self.m["reliability"]
        self.judged_any = False
        rows = [[Cell(self.cname(x.name)), Cell(integer(x.n_items), numeric=True),
                 self.judged("alpha", x.alpha, coef(x.alpha, 3)),
                 Cell(f"[{coef(x.alpha_ci[0], 3)}, {coef(x.alpha_ci[1], 3)}]", numeric=True),
                 self.b(x.std_alpha), self.b(x.average_r), self.b(x.omega_total)] for x in rel]
        notes = [mr["note"]] + ([self.mark_note()] if self.judged_any else [])
        return Section("reliability", self.m["sections"]["reliability"], [
            Table("reliability", mr["caption"], [mr["construct"], mr["k"], mr["alpha"], mr["ci"], mr["std_alpha"],
                                                 mr["average_r"], mr["omega"]], rows, notes=notes)])

    def adequacy(self) -> Section | None:
        ps = self.r.psychometrics
        if ps is None:
            return None
        kmo, bart, pa, efa = ps.kmo, ps.bartlett, ps.parallel_analysis, ps.efa
        ma = self.m["adequacy"]
        self.judged_any = False
        rows = [[Cell(ma["kmo"]), self.judged("kmo", kmo.msa, coef(kmo.msa, 3))],
                [Cell(ma["bartlett"]),
                 Cell(f"χ² = {num(bart.chisq, 2)}, df = {integer(bart.df)}, p {p_eq(bart.pvalue)}", numeric=True)],
                [Cell(ma["pa_factors"]), Cell(integer(pa.n_factors), numeric=True)]]
        notes = [self.mark_note()] if self.judged_any else []
        blocks: list = [Table("adequacy", ma["caption"], [ma["measure"], ma["value"]], rows, notes=notes)]
        shown = pa.table[:max(pa.n_factors + PA_BEYOND, len(self.r.instrument.constructs) + 1)]
        prow = [[Cell(str(x.position)), self.n(x.observed), self.n(x.simulated_quantile)] for x in shown]
        note = ma["pa_note"].format(n_iter=integer(pa.n_iter), percentile=thr(pa.quantile * 100))
        if len(shown) < len(pa.table):
            note += ma["pa_rest"].format(first=integer(len(shown) + 1), last=integer(len(pa.table)))
        blocks.append(Table("parallel-analysis", ma["pa_caption"], [ma["factor"], ma["observed"], ma["simulated"]],
                            prow, notes=[note]))
        blocks += self.figure("scree")
        factors = efa.factors
        erows = [[Cell(str(x["item"]))] + [Cell(coef(x[f]), numeric=True) for f in factors]
                 + [Cell(coef(efa.communalities.get(str(x["item"]))), numeric=True)] for x in efa.loadings]
        note = ma["efa_note"].format(method=ma["efa_methods"].get(efa.method, efa.method),
                                     rotation=ma["rotations"].get(str(efa.rotation or "none"), efa.rotation),
                                     n_factors=integer(efa.n_factors))
        blocks.append(Table("efa", ma["efa_caption"], [ma["item"]] + factors + [ma["h2"]], erows, notes=[note]))
        return Section("adequacy", self.m["sections"]["adequacy"], blocks)

    def cmb(self) -> Section | None:
        if self.r.psychometrics is None:
            return None
        h = self.r.psychometrics.harman
        mc = self.m["cmb"]
        self.judged_any = False
        rows = [[Cell(mc["harman"]), self.judged("harman", h.first_factor_share, pct(h.first_factor_share))],
                [Cell(mc["n_factors"]), Cell(integer(h.n_eigenvalues_above_1), numeric=True)]]
        notes = [self.mark_note()] if self.judged_any else []
        blocks: list = [Table("harman", mc["caption"], [mc["measure"], mc["value"]], rows, notes=notes),
                        Paragraph(mc["caveat"], style="note")]
        cmb = self.r.cmb
        for key, caption in (("single_factor", mc["single_caption"]), ("ulmc", mc["ulmc_caption"])):
            block = getattr(cmb, key) if cmb is not None else None
            if block is None:
                continue
            crow = [[Cell(self.tx(mc["models"].get(c.model, c.model))),
                     Cell(f"{num(c.chisq, 2)} ({integer(c.df)})", numeric=True),
                     self.q("fit", c.cfi), self.q("fit", c.tli), self.q("fit", c.rmsea),
                     self.q("fit", c.srmr)] for c in block.comparison]
            t = block.test
            tnote = mc["delta_note"].format(dchi=num(t.delta_chisq, 2), ddf=integer(t.delta_df), p=p_eq(t.pvalue),
                                            dcfi=coef(t.delta_cfi, 3), drmsea=coef(t.delta_rmsea, 3))
            tnotes = [tnote]
            if key == "ulmc":
                tnotes.append(mc["ulmc_note"].format(method=pct(block.mean_method_variance),
                                                     substantive=pct(block.mean_substantive_variance)))
                if block.admissible is False:
                    tnotes.append(mc["inadmissible"])
            f = self.m["fit_names"]
            blocks.append(Table(f"cmb-{key}", caption, [mc["model"], f"{f['chisq']} (df)", f["cfi"], f["tli"],
                                                         f["rmsea"], f["srmr"]], crow, notes=tnotes))
        return Section("cmb", self.m["sections"]["cmb"], blocks)

    def fit_table(self, key: str, caption: str, block: SEMFit) -> Table:
        """The fit of ``block`` with the statistics its estimator reports: the scaled chi-square and
        robust indices under MLR, the scaled-shifted chi-square and scaled indices under WLSMV."""
        f, mf, mt = block.fit_measures, self.m["fit_names"], self.m["fit_table"]
        kind = block.estimation.indices
        r = block.reported()
        self.judged_any = False
        chisq, df = r["chisq"], r["df"]
        ratio = chisq / df if chisq is not None and df else None
        rows = [
            [Cell(mf["nobs"]), Cell(integer(block.nobs), numeric=True)],
            [Cell(f"{mf['chisq']} (df)"), Cell(f"{num(chisq, 2)} ({integer(df)})", numeric=True)],
            [Cell(mf["pvalue"]), Cell(pval(r["pvalue"]), numeric=True)],
        ]
        if kind != "standard":
            rows.append([Cell(mf["scaling"]), self.n(f.extra("chisq_scaling_factor"))])
            if f.extra("chisq_shift_parameter") is not None:
                rows.append([Cell(mf["shift"]), self.n(f.extra("chisq_shift_parameter"), 2)])
        rows += [
            [Cell(mf["chisq_df"]), self.judged("chisq_df", ratio, num(ratio, 2))],
            *([Cell(mf[k]), self.judged(k, r[k], fmt("fit", r[k]))] for k in ("cfi", "tli", "rmsea")),
            [Cell(mf["rmsea_ci"]), Cell(f"[{fmt('fit', r['rmsea_ci_lower'])}, {fmt('fit', r['rmsea_ci_upper'])}]",
                                        numeric=True)],
            [Cell(mf["srmr"]), self.judged("srmr", r["srmr"], fmt("fit", r["srmr"]))],
        ]
        if f.aic is not None:
            rows += [[Cell(mf["aic"]), self.n(f.aic, 1)], [Cell(mf["bic"]), self.n(f.bic, 1)]]
        est = block.estimator
        notes = [mt[kind].format(estimator=est, chisq=num(f.chisq, 2), df=integer(f.df))] if mt[kind] else []
        if block.estimation.missing == "ml":
            notes.append(mt["fiml"])
        notes += [self.mark_note()] if self.judged_any else []
        return Table(key, caption, [self.m["measurement"]["measure"], self.m["measurement"]["value"]], rows,
                     notes=notes)

    def measurement(self) -> Section | None:
        meas = self.r.measurement
        mm = self.m["measurement"]
        blocks: list = [self.fit_table("measurement-fit", mm["fit"], meas)]
        self.judged_any = False
        rows = [[Cell(x.lhs), Cell(x.rhs), self.n(x.est), self.n(x.se), Cell(pval(x.pvalue), numeric=True),
                 self.judged("loading", x.std_all, coef(x.std_all, 3))] for x in meas.rows("=~")]
        notes = [self.mark_note()] if self.judged_any else []
        blocks.append(Table("loadings", mm["loadings"], [mm["construct"], mm["item"], mm["est"], mm["se"], mm["p"],
                                                         mm["std"]], rows, notes=notes, row_header=False))
        val = meas.validity.table
        if val:
            self.judged_any = False
            extra = [k for k in ("sqrt_ave", "msv") if any(getattr(v, k) is not None for v in val)]
            vrows = [[Cell(self.cname(v.factor)), self.judged("cr", v.cr, coef(v.cr, 3)),
                      self.judged("ave", v.ave, coef(v.ave, 3))] + [self.b(getattr(v, k)) for k in extra] for v in val]
            notes = [mm["validity_note"]] + ([self.mark_note()] if self.judged_any else [])
            blocks.append(Table("validity", mm["validity"], [mm["construct"], mm["cr"], mm["ave"]]
                                + [mm[k] for k in extra], vrows, notes=notes))
        blocks += self._fornell_larcker(meas)
        blocks += self._htmt(meas)
        if meas.modindices:
            mrows = [[Cell(f"{x.lhs} {x.op} {x.rhs}"), self.n(x.mi, 2), self.n(x.epc), self.q("beta", x.sepc_all)]
                     for x in meas.modindices]
            blocks.append(Table("modindices", mm["mi_caption"], [mm["mi_param"], "MI", "EPC", "SEPC (std.all)"],
                                mrows, notes=[mm["mi_note"]]))
        blocks += self.figure("correlations")
        return Section("measurement", self.m["sections"]["measurement"], blocks)

    def two_level(self) -> Section | None:
        """The two-level CFA of the cluster-level constructs: its fit (with SRMR within and between),
        each item's loadings at both levels and its intraclass correlation."""
        tl = self.r.two_level
        if tl is None:
            return None
        mt = self.m["two_level"]
        intro = mt["intro"].format(constructs=self.m["list_sep"].join(self.cname(c) for c in tl.constructs),
                                   within=", ".join(f"{c}_w" for c in tl.constructs),
                                   between=", ".join(f"{c}_b" for c in tl.constructs), cluster=tl.cluster,
                                   n=integer(tl.nobs), clusters=integer(tl.nclusters), how=self.estimation_text(tl))
        fit = self.fit_table("two-level-fit", mt["fit"], tl)
        f = tl.fit_measures
        self.judged_any = False
        fit.rows += [[Cell(mt[k]), self.judged("srmr", f.extra(k), coef(f.extra(k), 3))]
                     for k in ("srmr_within", "srmr_between") if f.extra(k) is not None]
        if self.judged_any and self.mark_note() not in fit.notes:
            fit.notes.append(self.mark_note())
        loads = {(p.level, p.rhs): p for p in tl.rows("=~")}
        rows = []
        for code in tl.constructs:
            for item in (p.rhs for p in tl.rows("=~") if p.lhs == f"{code}_w"):
                row = [Cell(item), Cell(coef(tl.icc.get(item), 3), numeric=True)]
                for level in (1, 2):
                    p = loads.get((level, item))
                    row += ([self.n(p.est), self.n(p.se), Cell(coef(p.std_all, 3), numeric=True)] if p is not None
                            else [Cell("—", numeric=True)] * 3)
                rows.append(row)
        head = [mt["item"], mt["icc"]] + [f"{mt[lv]}: {mt[k]}" for lv in ("within", "between")
                                           for k in ("est", "se", "std")]
        notes = [mt["icc_note"]] + ([mt["zero_note"]] if tl.between_residuals == "zero" else [])
        blocks = [Paragraph(intro), fit, Table("two-level-loadings", mt["loadings"], head, rows, notes=notes)]
        return Section("two_level", self.m["sections"]["two_level"], blocks + self.figure("two-level-path"))

    def _matrix(self, codes: list[str], pairs: dict, diag: dict, judge: str | None, fmt=coef) -> list[list[Cell]]:
        rows = []
        for i, a in enumerate(codes):
            row = [Cell(self.cname(a))]
            for j, b in enumerate(codes):
                if j > i:
                    row.append(Cell(""))
                elif i == j:
                    row.append(Cell(fmt(diag[a]) if diag.get(a) is not None else "—", numeric=True))
                else:
                    v = pairs.get((a, b), pairs.get((b, a)))
                    row.append(self.judged(judge, v, fmt(v)) if judge else Cell(fmt(v), numeric=True))
            rows.append(row)
        return rows

    def _fornell_larcker(self, meas) -> list:
        val = meas.validity.table
        if not val or not all(v.sqrt_ave is not None for v in val):
            return []
        codes = [v.factor for v in val]
        pairs = {(x.lhs, x.rhs): x.std_all for x in meas.factor_correlations(codes)}
        diag = {v.factor: v.sqrt_ave for v in val}
        mm = self.m["measurement"]
        rows = self._matrix(codes, pairs, diag, None)
        # the criterion: √AVE exceeds every correlation of the construct (judged on the diagonal)
        self.judged_any = False
        for i, a in enumerate(codes):
            rs = [abs(v) for (x, y), v in pairs.items() if a in (x, y) and v is not None]
            if rs:
                cell = self.judged("fornell_larcker", diag[a] - max(rs), coef(diag[a]))
                rows[i][i + 1] = cell
        notes = [mm["fl_note"]] + ([self.mark_note()] if self.judged_any else [])
        return [Table("fornell-larcker", mm["fl"], [mm["construct"]] + codes, rows, notes=notes)]

    def _htmt(self, meas) -> list:
        ht = meas.validity.htmt
        if not ht:
            return []
        codes = list(ht)
        order = [c for c in self.names if c in codes] + [c for c in codes if c not in self.names]
        pairs = {(a, b): ht[a][b] for i, a in enumerate(codes) for b in codes[i + 1:]}
        self.judged_any = False
        rows = self._matrix(order, pairs, {}, "htmt")
        for i in range(len(order)):
            rows[i][i + 1] = Cell("—", numeric=True)
        mm = self.m["measurement"]
        notes = [mm["htmt_note"]] + ([self.mark_note()] if self.judged_any else [])
        return [Table("htmt", mm["htmt"], [mm["construct"]] + order, rows, notes=notes)]

    def structural(self) -> Section | None:
        s = self.r.structural
        if s is None:
            return None
        ms = self.m["structural"]
        blocks: list = [self.fit_table("structural-fit", self.m["measurement"]["fit"], s)]
        if s.nobs != self.r.measurement.nobs:
            blocks.append(Paragraph(ms["samples_differ"].format(
                n_sem=integer(s.nobs), n_cfa=integer(self.r.measurement.nobs),
                k_sem=len(self._sem_constructs(s)),
                k_cfa=len(self.r.measurement.validity.table),
                missing=self.m["methods"]["missing"].get(s.estimation.missing, s.estimation.missing))))
        head = [ms["path"], ms["b"], ms["se"], ms["z"], ms["p"], ms["ci"], ms["beta"]]

        def row(p, first):
            return [Cell(first), self.n(p.est), self.n(p.se), self.n(p.z, 2), Cell(pval(p.pvalue), numeric=True),
                    Cell(f"[{num(p.ci_lower)}, {num(p.ci_upper)}]", numeric=True), self.q("beta", p.std_all)]

        prows = [row(p, f"{p.rhs} → {p.lhs}") for p in s.rows("~")]
        blocks.append(Table("paths", ms["paths"], head, prows))
        if s.rows(":="):
            drows = [[self._effect_cell(p.lhs, p.rhs)] + row(p, "")[1:] for p in s.rows(":=")]
            blocks.append(Table("defined", ms["defined"], [ms["effect"]] + head[1:], drows, notes=[ms["defined_note"]]))
        r2 = construct_r_squared(self.r)
        if r2:
            blocks.append(Table("r-squared", ms["r2"], [ms["variable"], ms["r2"]],
                                [[Cell(self.cname(k)), self.b(v)] for k, v in r2.items()]))
        blocks += self.figure("path")
        return Section("structural", self.m["sections"]["structural"], blocks)

    def _effect_cell(self, name: str, expr: str | None) -> Cell:
        """A defined effect named by its path (IDE → STY → EXE), its definition on the second line."""
        kind, arrows = self.effect_kind(expr or "")
        label = self.m["effects"]["kinds"].get(kind, "")
        return Cell(arrows or name, sub=f"{label}{self.m['effects']['sep']}{expr}" if label and expr else expr or None)

    def _sem_constructs(self, s) -> list[str]:
        return sorted({p.lhs for p in s.rows("=~")})

    def mediation(self) -> Section | None:
        med = self.r.mediation
        effects = med.defined() if med is not None else []
        if not effects:
            return None
        mm = self.m["mediation"]
        rows = []
        for p, std, _ in effects:
            sig = p.ci_lower is not None and p.ci_upper is not None and (p.ci_lower > 0 or p.ci_upper < 0)
            kind = self.effect_kind(p.rhs or "")[0]
            words = mm["excludes_zero" if sig else "includes_zero"]
            rows.append([self._effect_cell(p.lhs, p.rhs), self.n(p.est), self.n(p.se),
                         Cell(f"[{num(p.ci_lower)}, {num(p.ci_upper)}]", numeric=True),
                         self.q("beta", std.est_std if std is not None else None),
                         Cell(words.get(kind, words["other"]))])
        note = mm["note"].format(n_boot=integer(med.n_boot), ci=self.m["ci_methods"].get(med.ci, med.ci),
                                 seed=integer(med.rng_seed))
        blocks: list = [Table("mediation", mm["caption"], [mm["effect"], mm["est"], mm["se"], mm["ci"], mm["beta"],
                                                            mm["decision"]], rows, notes=[note])]
        # the decision of the 温忠麟-叶宝娟 (2014) procedure, in the report's language
        decided = [(p, d) for p, _, d in effects if d.get("decision") in mm["decisions"]]
        for p, d in decided:
            text = mm["decisions"][d["decision"]].format(ratio=pct(d.get("effect_ratio")),
                                                         dratio=pct(d.get("direct_ratio")))
            name = self.effect_kind(p.rhs or "")[1] or p.lhs
            blocks.append(Paragraph(f"{name}{self.m['colon']}{text}"))
        if decided:
            blocks.append(Paragraph(mm["procedure"], style="note"))
        return Section("mediation", self.m["sections"]["mediation"], blocks)

    def hypotheses(self) -> Section | None:
        hs = self.r.hypotheses
        if not hs:
            return None
        mh, ms = self.m["hypotheses"], self.m["structural"]
        rows = []
        for h in hs:
            dec = Cell(mh["supported"] if h.supported else mh["not_supported"])
            dec.mark = "ok" if h.supported else "no"
            rows.append([Cell(h.id), Cell(self.tx(h.text), sub=self.effect_name(h.target)),
                         Cell(mh["expects"].get(h.expect, h.expect)), self.n(h.est), self.n(h.se),
                         self.q("beta", h.std_all), Cell(pval(h.pvalue), numeric=True),
                         Cell(f"[{num(h.ci_lower)}, {num(h.ci_upper)}]" if h.ci_lower is not None else "—",
                              numeric=True), dec])
        alpha = self.r.analysis.alpha
        notes = [mh["rule"].replace("{alpha}", fmt("alpha_level", alpha))]
        if any(h.kind in ("moderation", "moderated_mediation") for h in hs):
            notes.append(self.m["process"]["hypotheses_rule"])
        return Section("hypotheses", self.m["sections"]["hypotheses"], [
            Table("hypotheses", mh["caption"], [mh["id"], mh["statement"], mh["expect"], mh["est"], ms["se"],
                                                mh["beta"], mh["p"], ms["ci"], mh["decision"]], rows,
                  notes=notes)])

    def released_text(self, name: str) -> str:
        """A released constraint ('x3 ~1', 'f =~ x2') in words."""
        parts = name.split()
        lhs, op, rhs = parts[0], parts[1], parts[2] if len(parts) > 2 else ""
        template = self.m["invariance"]["released"].get(op)
        return template.format(lhs=lhs, rhs=rhs) if template else name

    def _inv_chisq(self, x) -> Cell:
        chisq, df = (x.chisq_scaled, x.df_scaled) if x.chisq_scaled is not None else (x.chisq, x.df)
        return Cell(f"{num(chisq, 2)} ({integer(df)})", numeric=True)

    def _inv_deltas(self, x) -> list[Cell]:
        return [self.judged("delta_cfi", x.delta_cfi, coef(x.delta_cfi, 3)) if x.delta_cfi is not None
                else Cell("—", numeric=True),
                self.judged("delta_rmsea", x.delta_rmsea, coef(x.delta_rmsea, 3)) if x.delta_rmsea is not None
                else Cell("—", numeric=True)]

    def invariance(self) -> Section | None:
        inv = self.r.invariance
        if inv is None or not inv.table:
            return None
        mv, mf = self.m["invariance"], self.m["fit_names"]
        self.judged_any = False
        rows = []
        names = {**mv["levels"], **(mv["ordinal_levels"] if inv.ordinal else {})}
        partial_notes = []
        for lv in inv.table:
            name = names.get(lv.level, lv.level)
            full = inv.full_levels.get(lv.level)
            freed = [self.released_text(x) for x in inv.released.get(lv.level, [])]
            if full is not None:
                rows.append([Cell(mv["full_level"].format(level=name)), self._inv_chisq(full),
                             self.judged("cfi", full.cfi, coef(full.cfi, 3)),
                             self.judged("rmsea", full.rmsea, coef(full.rmsea, 3)),
                             self.judged("srmr", full.srmr, coef(full.srmr, 3)), *self._inv_deltas(full),
                             Cell("—", numeric=True)])
            label = mv["partial_level"].format(level=name) if freed else name
            rows.append([Cell(label, sub=mv["freed"].format(what=self.m["list_sep"].join(freed)) if freed else None),
                         self._inv_chisq(lv),
                         self.judged("cfi", lv.cfi, coef(lv.cfi, 3)), self.judged("rmsea", lv.rmsea, coef(lv.rmsea, 3)),
                         self.judged("srmr", lv.srmr, coef(lv.srmr, 3)), *self._inv_deltas(lv),
                         Cell(f"{num(lv.chisq_diff, 2)} ({integer(lv.df_diff)}), p {p_eq(lv.pvalue_diff)}"
                              if lv.chisq_diff is not None else "—", numeric=True)])
            if freed:
                what = mv["partial_note"] if full is not None else mv["partial_note_nofull"]
                partial_notes.append(what.format(
                    level=name, n=len(freed), what=self.m["list_sep"].join(freed),
                    dcfi=coef(full.delta_cfi, 3) if full else "", df_full=integer(full.df_scaled or full.df)
                    if full else "", df=integer(lv.df_scaled if lv.chisq_scaled is not None else lv.df)))
        notes = [mv["note"].format(group=self.group_label(inv.group))] + partial_notes
        if inv.fit_indices in mv["indices"]:
            notes.append(mv["indices"][inv.fit_indices].format(estimator=inv.estimator))
        if inv.difference_test:
            notes.append(mv["difference"].format(method=self.m["difference_tests"].get(inv.difference_test,
                                                                                         inv.difference_test)))
        if inv.ordinal:
            notes.append(mv["ordinal"].format(parameterization=inv.parameterization, citation=inv.identification))
        notes += [self.mark_note()] if self.judged_any else []
        return Section("invariance", self.m["sections"]["invariance"], [
            Table("invariance", mv["caption"], [mv["level"], f"{mf['chisq']} (df)", mf["cfi"], mf["rmsea"], mf["srmr"],
                                                "ΔCFI", "ΔRMSEA", mv["chisq_diff"]], rows, notes=notes),
            *self.figure("invariance")])

    def _aggregation_cell(self, cut, value, fmt=coef) -> Cell:
        """A value judged against an aggregation cut-off (surveykit/psychometrics/aggregation_cutoffs.yaml)."""
        cell = Cell(fmt(value), numeric=True)
        if cut is None or value is None:
            return cell
        meets = value >= cut.value if cut.op == ">=" else value > cut.value
        mk = self.m["marks"]
        self.judged_any = True
        cell.mark = "ok" if meets else "no"
        cell.symbol = mk["ok"] if meets else mk["no"]
        cell.criterion = f"{mk['meets'] if meets else mk['fails']} {cut.op} {coef(cut.value)} ({cut.cite})"
        return cell

    def _design_text(self, d) -> str:
        md = self.m["design"]
        parts = []
        if d.clusters is not None:
            c = d.clusters
            parts.append(md["clusters"].format(n=integer(c.n_clusters), column=c.column, min=integer(c.size_min),
                                               max=integer(c.size_max), median=num(c.size_median, 1),
                                               mean=num(c.size_mean, 1)))
            if c.singletons:
                parts.append(md["singletons"].format(n=integer(c.singletons)))
        if d.weight_summary is not None:
            w = d.weight_summary
            parts.append(md["weights"].format(column=w.column, min=num(w.min, 2), max=num(w.max, 2), cv=num(w.cv, 2),
                                              deff=num(w.deff_kish, 2), n_eff=num(w.n_effective, 0)))
        if d.strata is not None or d.fpc is not None:
            parts.append(md["strata"].format(columns=", ".join(c for c in (d.strata, d.fpc) if c)))
        parts.append(md["models"][d.models])
        return "".join(parts) if self.lang == "zh" else " ".join(parts)

    def design(self) -> Section | None:
        d = self.r.design
        if d is None:
            return None
        md = self.m["design"]
        blocks: list = [Paragraph(self._design_text(d))]
        agg = d.aggregation
        if agg is not None:
            self.judged_any = False
            cut = agg.cutoffs
            rows = [[Cell(self.cname(a.code) + (md["cluster_level_mark"] if a.code in d.cluster_level else "")),
                     self._aggregation_cell(cut.get("icc1"), a.icc1), self._aggregation_cell(cut.get("icc2"), a.icc2),
                     Cell(f"{num(a.f, 2)} ({integer(a.df_between)}, {integer(a.df_within)})", numeric=True),
                     Cell(pval(a.p_value), numeric=True), self._aggregation_cell(cut.get("rwg_j"), a.rwg_j_mean),
                     Cell(coef(a.rwg_j_median), numeric=True), Cell(pct(a.rwg_j_share), numeric=True)]
                    for a in agg.constructs]
            notes = [md["aggregation_note"].format(group=agg.group, cutoff=coef(agg.rwg_cutoff))]
            notes += [md["cluster_level_note"]] if d.cluster_level else []
            refs = dict.fromkeys(f"{c.cite}" for c in cut.values())
            mk = self.m["marks"]
            notes.append(md["cutoff_note"].format(cites="; ".join(refs), ok=mk["ok"], no=mk["no"]))
            blocks.append(Table("aggregation", md["aggregation_caption"],
                                [md["construct"], "ICC(1)", "ICC(2)", "F (df)", "p", md["rwg_mean"], md["rwg_median"],
                                 md["rwg_share"].format(cutoff=coef(agg.rwg_cutoff))], rows, notes=notes))
        means = d.means
        rows = [[Cell(self.cname(e.variable)), self.n(e.estimate, 2), self.n(e.se, 3),
                 Cell(f"[{num(e.ci_lower, 2)}, {num(e.ci_upper, 2)}]", numeric=True), self.n(e.deff, 2)]
                for e in means.estimates]
        blocks.append(Table("design-means", md["means_caption"],
                            [md["construct"], md["mean"], "SE", md["ci"].format(level=num(means.level * 100, 0)),
                             md["deff"]], rows, notes=[md["means_note"][means.deff].format(call=means.r_call)]))
        return Section("design", self.m["sections"]["design"], blocks)

    def group_label(self, variable: str) -> str:
        """A respondent variable's label in the report's language, else its name."""
        label = self.r.instrument.variable_labels.get(variable)
        return self.tx(label) if label is not None else variable

    def power(self) -> Section | None:
        pw = self.r.power
        if pw is None or not pw.table:
            return None
        mp = self.m["power"]
        self.judged_any = False
        rows = [[Cell(c.parameter), Cell(integer(c.n), numeric=True), self.judged("power", c.power, coef(c.power, 3)),
                 Cell(f"[{coef(c.power_ci_lower, 3)}, {coef(c.power_ci_upper, 3)}]" if c.power_ci_lower is not None
                      else "—", numeric=True)] for c in pw.table]
        notes = [mp["note"].format(reps=integer(pw.reps), alpha=fmt("alpha_level", pw.alpha),
                                   seed=integer(pw.rng_seed))] + (
            [self.mark_note()] if self.judged_any else [])
        return Section("power", self.m["sections"]["power"], [
            Table("power", mp["caption"], [mp["parameter"], "N", mp["power"], mp["ci"]], rows, notes=notes),
            *self.figure("power")])

    # moderation and moderated mediation ------------------------------------------------------
    def _process_coef(self, t) -> Table:
        mp, run = self.m["process"], t.run
        rows = [[Cell(c.outcome), Cell(mp["constant"] if c.term == "constant" else c.term.replace(":", " × ")),
                 self.n(c.est), self.n(c.se), self.n(c.t, 2), Cell(pval(c.pvalue), numeric=True),
                 Cell(f"[{num(c.ci_lower)}, {num(c.ci_upper)}]", numeric=True)]
                for c in run.coefficients if c.equation != "total"]
        notes = [mp["r2_note"].format(outcome=s.outcome, r2=fmt("r2", s.r_squared), df1=num(s.df1, 0),
                                      df2=num(s.df2, 0), f=num(s.f, 2), p=p_eq(s.pvalue)) for s in run.model_summary
                 if s.equation != "total"]
        notes += [mp["r2_change_note"].format(outcome=c.outcome, term=c.term.replace(":", " × "),
                                              r2=fmt("r2", c.r2_change), df1=num(c.df1, 0), df2=num(c.df2, 0),
                                              f=num(c.f, 2), p=p_eq(c.pvalue))
                  for c in run.r_squared_change]
        if run.centered:
            notes.append(mp["centered_note"].format(names=", ".join(run.centered)))
        if run.hc:
            notes.append(mp["hc_note"].format(hc=run.hc))
        if run.cluster is not None:
            notes.append(mp["cluster_note"].format(n=integer(run.n_clusters), cluster=run.cluster,
                                                   df=integer(run.n_clusters - 1)))
        return Table(f"process-{t.id}-coef", mp["caption_coef"].format(id=t.id, model=run.model),
                     [mp["outcome"], mp["term"], mp["b"], mp["se"], mp["t"], mp["p"], mp["ci"]], rows, notes=notes)

    def _process_effects(self, t) -> Table:
        mp, run = self.m["process"], t.run
        w = run.w
        probe = mp["probe_note_percentiles" if run.moderator_values == "percentiles" else "probe_note"].format(w=w)
        notes = [probe] if run.moderator_kinds.get(w) == "continuous" else []
        if t.kind == "moderation":
            rows = [[Cell(f"{w} = {num(e.w) if isinstance(e.w, (int, float)) else e.w}"), self.n(e.est), self.n(e.se),
                     self.n(e.t, 2), Cell(pval(e.pvalue), numeric=True),
                     Cell(f"[{num(e.ci_lower)}, {num(e.ci_upper)}]", numeric=True)]
                    for e in run.conditional_effects if e.effect == f"{run.x} -> {run.y}"]
            return Table(f"process-{t.id}-effects", mp["caption_effects"].format(id=t.id, x=run.x, y=run.y, w=w),
                         [w, mp["effect"], mp["se"], mp["t"], mp["p"], mp["ci"]], rows, notes=notes)
        rows = [[Cell(f"{w} = {num(e.w) if isinstance(e.w, (int, float)) else e.w}", sub=e.path.replace("->", "→")),
                 self.n(e.est), self.n(e.boot_se), Cell(f"[{num(e.boot_ci_lower)}, {num(e.boot_ci_upper)}]",
                                                        numeric=True)] for e in run.indirect_effects]
        notes.append(mp["boot_note"].format(n_boot=integer(run.n_boot), ci=self.m["ci_methods"].get(run.ci, run.ci),
                                            seed=integer(run.rng_seed), n=integer(run.n)))
        if run.cluster is not None:
            notes.append(mp["boot_cluster_note"].format(n=integer(run.n_clusters), cluster=run.cluster))
        return Table(f"process-{t.id}-indirect", mp["caption_indirect"].format(
            id=t.id, x=run.x, y=run.y, m=" → ".join(run.m), w=w), [w, mp["effect"], mp["boot_se"], mp["boot_ci"]],
            rows, notes=notes)

    def _process_decision(self, t) -> list:
        mp = self.m["process"]
        rows = []
        for proc, steps in t.decisions.items():
            for k, st in enumerate(steps):
                ci = f"[{num(st.ci_lower)}, {num(st.ci_upper)}]" if st.ci_lower is not None else "—"
                sig = "—" if st.significant is None else mp["yes"] if st.significant else mp["no"]
                rows.append([Cell(mp["procedures"].get(proc, proc) if k == 0 else ""),
                             Cell(mp["steps"].get(st.step, st.step)), Cell(st.statistic.replace("->", "→")),
                             self.n(st.est), Cell(pval(st.pvalue) if st.pvalue is not None else "—", numeric=True),
                             Cell(ci, numeric=True), Cell(sig)])
        procedure = load_procedure(t.procedure)
        notes = [mp["decided"].format(id=t.id, profile=self.p.name, procedure=mp["procedures"].get(t.procedure))]
        notes += [mp["not_applicable"].format(procedure=mp["procedures"].get(k, k))
                  for k, v in t.outcomes.items() if v is None]
        table = Table(f"process-{t.id}-decision", mp["caption_decision"].format(id=t.id),
                      [mp["procedure"], mp["step"], mp["statistic"], mp["estimate"], mp["p"], mp["ci"],
                       mp["significant"]], rows, notes=notes)
        texts = [self._verdict(t, k) for k, v in t.outcomes.items() if v is not None]
        return [table] + [Paragraph(x) for x in texts] + self._jn_text(t, procedure.alpha)

    def _verdict(self, t, proc: str) -> str:
        """The decision of ``proc`` for ``t`` as the literature writes it."""
        mv, run = self.m["process"]["verdicts"], t.run
        steps, ok = t.decisions[proc], bool(t.outcomes[proc])
        key = next((s for s in steps if s.significant), steps[0])
        names = {"x": run.x, "y": run.y, "w": run.w, "m": " → ".join(run.m), "level": f"{run.level:.0%}"}
        if proc == "wen-ye-2014":
            seq = [s for s in steps if s.step == "sequential" and s.significant]
            boot = [s for s in steps if s.step == "bootstrap" and s.significant]
            how = (mv["sequential_yes"].format(product=seq[0].statistic, p=p_eq(seq[0].pvalue)) if seq else
                   mv["bootstrap_yes"].format(product=boot[0].statistic, lo=num(boot[0].ci_lower),
                                              hi=num(boot[0].ci_upper)) if boot else mv["bootstrap_no"])
            return mv[f"{proc}_{str(ok).lower()}"].format(how=how[:1].upper() + how[1:], **names)
        return mv[f"{proc}_{str(ok).lower()}"].format(
            term=key.statistic.replace(":", " × "), est=num(key.est), p=p_eq(key.pvalue), lo=num(key.ci_lower),
            hi=num(key.ci_upper), **names)

    def _jn_text(self, t, alpha: float) -> list:
        mp, run = self.m["process"], t.run
        out = []
        for effect in dict.fromkeys(r.effect for r in run.johnson_neyman_regions):
            regs = [r for r in run.johnson_neyman_regions if r.effect == effect]
            w = regs[0].moderator
            sig = [r for r in regs if r.significant]
            label = effect.replace("->", "→")
            if not sig:
                out.append(Paragraph(mp["jn_none"].format(effect=label, w=w, alpha=fmt("alpha_level", alpha))))
            elif len(sig) == len(regs):
                out.append(Paragraph(mp["jn_all"].format(effect=label, w=w, alpha=fmt("alpha_level", alpha))))
            else:
                parts = mp["jn_join"].join(mp["jn_region"].format(lo=num(r.from_), hi=num(r.to)) for r in sig)
                out.append(Paragraph(mp["jn"].format(effect=label, w=w, regions=parts,
                                                     alpha=fmt("alpha_level", alpha))))
        return out

    def process(self) -> Section | None:
        if not self.r.process:
            return None
        blocks: list = []
        for t in self.r.process:
            blocks.append(Paragraph(f"{t.id}: {self.tx(t.text)} — {self.effect_name(t.target)}"))
            blocks += [self._process_coef(t), self._process_effects(t)]
            blocks += self._process_decision(t)
            blocks += self.figures_with_prefix(f"process-{t.id}-")
        return Section("process", self.m["sections"]["process"], blocks)

    def warnings(self) -> Section:
        mw = self.m["warnings"]
        ws = self.r.warnings
        if not ws:
            return Section("warnings", self.m["sections"]["warnings"], [Paragraph(mw["none"])])
        rows = [[Cell(self.m["stages"].get(w.stage, w.stage)),
                 Cell(self.m["warning_categories"].get(w.category, w.category)),
                 Cell(code_message(w.message, self.lang))] for w in ws]
        return Section("warnings", self.m["sections"]["warnings"], [
            Table("warnings", mw["caption"], [mw["stage"], mw["category"], mw["message"]], rows, row_header=False)])

    def conventions(self) -> Section:
        mc = self.m["conventions"]
        rows = []
        for c in self.p.criteria.values():
            what = self.tx(c.what) if c.what else self.m["measures"].get(c.measure, c.measure)
            rows.append([Cell(what), Cell(c.label, numeric=True), Cell(c.cite)])
        title = self.tx(self.p.title)
        blocks: list = [Paragraph(mc["intro"].format(profile=self.p.name, title=title)),
                        Table("conventions", mc["caption"], [mc["measure"], mc["cutoff"], mc["source"]], rows,
                              notes=[mc["note"]]),
                        Paragraph(mc["references"], style="note")]
        refs = self.p.cited()
        used = list(dict.fromkeys(k for t in self.r.process for k, v in t.outcomes.items() if v is not None))
        if used:
            procs = [load_procedure(k) for k in used]
            level = fmt("alpha_level", procs[0].alpha)
            blocks.insert(2, Paragraph(self.m["process"]["procedures_intro"].format(alpha=level)))
            for k, pr in enumerate(procs):
                blocks.insert(3 + k, Paragraph(f"{self.m['process']['procedures'].get(pr.name, pr.name)}: "
                                               f"{self.tx(pr.title)} ({pr.cite})", style="item"))
            refs = sorted(set(refs) | {r for pr in procs for r in pr.cited()})
        blocks += [Paragraph(ref, style="item") for ref in refs]
        return Section("conventions", self.m["sections"]["conventions"], blocks)

    def estimation_text(self, block: SEMFit) -> str:
        """How ``block`` was estimated, in words true to its options: the estimator and the data it
        rests on, missing data, the kind of standard errors and information, the test statistic."""
        mm, how = self.m["methods"], block.estimation
        est = block.estimator
        key = f"{est}_fiml" if how.missing == "ml" and f"{est}_fiml" in mm["estimation"] else est
        if getattr(block, "nclusters", None) is not None:  # a two-level model: the two-level likelihood
            key = f"{est}_twolevel"
        par = mm["parameterizations"].get(how.parameterization or "", how.parameterization or "")
        parts = [mm["estimation"].get(key, est).format(parameterization=par),
                 mm["missing"].get(how.missing, how.missing)]
        se = f"{how.se}_{how.information}" if how.se == "standard" else how.se
        parts.append(mm["se"].get(se, how.se))
        test = how.test[-1]
        parts.append(mm["test"].get(test, test))
        return self.m["list_sep"].join(parts)

    def methods(self, versions: dict) -> Section:
        r, mm = self.r, self.m["methods"]
        d, sc = r.data, r.screening
        parts = [mm["data"].format(file=d.file, n_rows=integer(d.n_rows), n_excluded=integer(sc.n_excluded),
                                   n_after=integer(sc.n_after))]
        if r.reliability:
            parts.append(mm["reliability"])
        parts.append(mm["measurement"].format(n_constructs=len(r.measurement.validity.table),
                                              how=self.estimation_text(r.measurement)))
        if r.structural is not None:
            parts.append(mm["structural"])
        if r.two_level is not None:
            parts.append(mm["two_level"].format(constructs=", ".join(r.two_level.constructs),
                                                estimator=r.two_level.estimator))
        if r.mediation is not None:
            parts.append(mm["mediation"].format(n_boot=integer(r.mediation.n_boot),
                                                ci=self.m["ci_methods"].get(r.mediation.ci, r.mediation.ci)))
            if r.mediation.cluster is not None:
                parts.append(mm["mediation_cluster"].format(n=integer(r.mediation.n_clusters),
                                                            cluster=r.mediation.cluster))
        if r.process:
            parts.append(mm["process"].format(n_boot=integer(max(t.run.n_boot for t in r.process))))
            clustered = next((t.run for t in r.process if t.run.cluster is not None), None)
            if clustered is not None:
                parts.append(mm["process_cluster"].format(n=integer(clustered.n_clusters), cluster=clustered.cluster))
        if r.invariance is not None:
            parts.append(mm["invariance"].format(group=self.group_label(r.invariance.group)))
        if r.design is not None and r.design.models != "none":
            parts.append(mm["design"][r.design.models])
        if r.power is not None:
            parts.append(mm["power"].format(reps=integer(r.power.reps)))
        if r.analysis.seed is not None:
            parts.append(mm["seed"].format(seed=r.analysis.seed))
        parts.append(mm["conventions"].format(profile=self.p.name))
        parts.append(mm["software"].format(version=versions.get("surveykit", ""), python=versions.get("python", "")))
        text = mm["sentence_sep"].join(p.strip() for p in parts)
        return Section("methods", self.m["sections"]["methods"], [Paragraph(text)])


#: parallel analysis: the table shows the factors retained and this many beyond (the figure shows all)
PA_BEYOND = 3

SECTION_ORDER = ("sample", "design", "instrument", "descriptives", "item_analysis", "normality", "reliability",
                 "adequacy", "cmb", "measurement", "two_level", "structural", "mediation", "hypotheses", "process",
                 "invariance", "power", "warnings", "conventions", "methods")


def construct_r_squared(r: ResultsRecord) -> dict[str, float | None]:
    """R-squared of the constructs of the structural model (the fit reports every indicator's too)."""
    codes = {c.code for c in r.instrument.constructs}
    return {k: v for k, v in r.structural.r_squared.items() if k in codes} if r.structural is not None else {}


def build_document(results: ResultsRecord, lang: str, profile: Profile, *,
                   figures: dict[str, FigureBlock] | None = None, versions: dict | None = None) -> Document:
    """The report of ``results`` in ``lang`` judged against ``profile``; ``figures`` maps figure
    keys ('correlations', 'path', 'scree', 'invariance', 'power', 'likert-<construct>') to blocks."""
    from surveykit._version import __version__

    b = _Builder(results, lang, profile, figures or {})
    versions = {"surveykit": __version__, **(versions or {})}
    sections = []
    for key in SECTION_ORDER:
        sec = b.methods(versions) if key == "methods" else getattr(b, key)()
        if sec is not None and sec.blocks:
            sections.append(sec)
    m = b.m
    t_no = f_no = 0
    for s in sections:
        for blk in s.blocks:
            if blk.kind == "table":
                t_no += 1
                blk.number = t_no
            elif blk.kind == "figure":
                f_no += 1
                blk.number = f_no
    analysis = results.analysis
    return Document(lang=lang, lang_attr=m["lang_attr"], title=b.tx(analysis.title) or analysis.name,
                    banner=m["simulated_banner"] if analysis.simulated else None,
                    generated_by=m["generated_by"].replace("{version}", versions["surveykit"]), toc=m["toc"],
                    sections=sections, table_label=m["table_label"], figure_label=m["figure_label"],
                    note_label=m["note_label"])
