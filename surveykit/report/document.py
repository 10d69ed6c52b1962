"""The report as a document model: sections of paragraphs, tables and figures, in one language.

:func:`build_document` turns a results record into a :class:`Document`; the HTML and Markdown
templates and the Word writer all render that one model, so every format carries the same
sections, tables, numbers and judgements.  Numbers are formatted here (compute, then format);
wording comes from ``messages/{lang}.yaml``; cut-offs from the convention profile.

Every section appears only when its part of the results is present, so the report renders
whatever the pipeline produced.  The results keys read here (``r`` is the results dict)::

    analysis {name, title, simulated, alpha, seed, missing?}; data; instrument; screening
    descriptives[] {item, construct, reverse, n, missing, mean, sd, mean_keyed, distribution?}
        distribution: {scale value as str: count} over every scale point, raw (not reverse-keyed)
    reliability[] {construct, n_items, alpha, alpha_ci_lower, alpha_ci_upper, std_alpha, average_r,
        omega_total, items[] {item, mean, sd, r_drop, alpha_if_dropped}}
    psychometrics? {kmo {overall, items?{item: msa}}, bartlett {chisq, df, pvalue},
        parallel_analysis {observed[], simulated[], n_factors, n_iter?, percentile?},
        efa {n_factors, method, rotation, factors[], loadings[] {item, loadings[], h2?}},
        harman {variance, n_factors?}}
    measurement {nobs, estimator, fit, loadings[], factor_correlations[] {lhs, rhs, r},
        validity[] {construct, cr, ave, sqrt_ave?, msv?}, htmt?[] {lhs, rhs, htmt}}
    structural? {nobs, fit, paths[], defined[], r_squared}
    mediation? {n_boot, ci, seed?, effects[] {name, label?, est, se?, ci_lower, ci_upper, std_all?,
        pvalue?, significant?}}
    hypotheses[]
    invariance? {group, levels[] {level, chisq, df, cfi, tli?, rmsea, srmr, delta_cfi?, delta_rmsea?,
        delta_srmr?, chisq_diff?, df_diff?, pvalue_diff?}}
    power? {alpha?, reps, seed?, curves[] {parameter, n, power, ci_lower?, ci_upper?}, target?}
    warnings[] {stage, category, message}
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from surveykit.errors import SpecError
from surveykit.report.conventions import Profile

__all__ = ["Cell", "Table", "Paragraph", "FigureBlock", "Section", "Document", "build_document", "messages",
           "num", "pval"]


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
    if lang not in ("zh", "en"):
        raise SpecError(f"report language {lang!r} is not one of 'zh', 'en'.")
    text = resources.files("surveykit.report").joinpath("messages", f"{lang}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


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
    def __init__(self, results: dict, lang: str, profile: Profile, figures: dict[str, FigureBlock]):
        self.r = results
        self.lang = lang
        self.m = messages(lang)
        self.p = profile
        self.figs = figures
        cons = (results.get("instrument") or {}).get("constructs") or []
        self.names = {c["code"]: c.get("name") for c in cons}
        self.judged_any = False

    # helpers ---------------------------------------------------------------------------------
    def tx(self, t) -> str:
        if isinstance(t, dict):
            return t.get(self.lang) or t.get("zh") or t.get("en") or ""
        return "" if t is None else str(t)

    def other(self, t) -> str | None:
        if isinstance(t, dict):
            o = "en" if self.lang == "zh" else "zh"
            v = t.get(o)
            return v if v and v != t.get(self.lang) else None
        return None

    def cname(self, code) -> str:
        n = self.names.get(code)
        return f"{code} {self.tx(n)}" if n else str(code)

    def n(self, x, digits=3) -> Cell:
        return Cell(num(x, digits), numeric=True)

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
        r, m = self.r, self.m
        d, sc = r.get("data") or {}, r.get("screening") or {}
        ms = m["sample"]
        rows = [[Cell(ms["file"]), Cell(str(d.get("file", "—")))]]
        if d.get("file_label"):
            rows.append([Cell(ms["file_label"]), Cell(str(d["file_label"]))])
        for key, value in (("n_rows", d.get("n_rows")), ("n_before", sc.get("n_before")),
                           ("excluded", sc.get("n_excluded")), ("n_after", sc.get("n_after"))):
            rows.append([Cell(ms[key]), Cell(integer(value), numeric=True)])
        blocks: list = [Table("sample", ms["caption"], [ms["measure"], ms["value"]], rows)]
        if sc.get("rules"):
            rrows = [[Cell(str(x["rule"])),
                      Cell(m["screening_rules"].get(x["rule"], str(x.get("criterion", ""))).replace(
                          "{threshold}", thr(x["threshold"]) if x.get("threshold") is not None else "")),
                      Cell(integer(x.get("flagged")), numeric=True)] for x in sc["rules"]]
            blocks.append(Table("screening", ms["rules_caption"], [ms["rule"], ms["criterion"], ms["flagged"]], rrows,
                                notes=[ms["multi_flag_note"]]))
        else:
            blocks.append(Paragraph(ms["none_excluded"]))
        if d.get("missing_codes"):
            parts = []
            for item, codes in d["missing_codes"].items():
                parts.append(f"{item} ({', '.join(f'{c}: {k}' for c, k in codes.items())})")
            blocks.append(Paragraph(f"{ms['missing_codes']}: {'; '.join(parts)}."))
        return Section("sample", m["sections"]["sample"], blocks)

    def instrument(self) -> Section | None:
        ins = self.r.get("instrument")
        if not ins:
            return None
        m, mi = self.m, self.m["instrument"]
        scale = ins.get("scale") or {}
        labels = "; ".join(f"{k} = {self.tx(v)}" for k, v in (scale.get("labels") or {}).items())
        missing = "; ".join(f"{k} = {self.tx(v)}" for k, v in (scale.get("missing") or {}).items())
        text = f"{self.tx(ins.get('title'))}. {mi['scale']}: {labels}."
        if missing:
            text += f" {mi['missing']}: {missing}."
        blocks: list = [Paragraph(text)]
        for c in ins.get("constructs") or []:
            rows = []
            for it in c.get("items") or []:
                src = it.get("source") or {}
                source = str(src.get("section") or "")
                if src.get("quote"):
                    source += f"{mi['quote_sep']}“{src['quote']}”"
                rows.append([Cell(str(it["id"])), Cell(self.tx(it.get("text")), sub=self.other(it.get("text"))),
                             Cell(mi["mark_reverse"] if it.get("reverse") else mi["mark_forward"]), Cell(source)])
            name = c.get("name") or {}
            caption = f"{c['code']} {self.tx(name)}"
            if self.other(name):
                caption += f" / {self.other(name)}"
            blocks.append(Table(f"instrument-{c['code']}", caption,
                                [mi["item"], mi["text"], mi["reverse"], mi["source"]], rows))
        return Section("instrument", m["sections"]["instrument"], blocks)

    def descriptives(self) -> Section | None:
        ds = self.r.get("descriptives")
        if not ds:
            return None
        md = self.m["descriptives"]
        rows = [[Cell(f"{d['item']}{' (R)' if d.get('reverse') else ''}"), Cell(str(d.get("construct", ""))),
                 Cell(integer(d.get("n")), numeric=True), Cell(integer(d.get("missing")), numeric=True),
                 self.n(d.get("mean"), 2), self.n(d.get("sd"), 2), self.n(d.get("mean_keyed"), 2)] for d in ds]
        blocks: list = [Table("descriptives", md["caption"],
                              [md["item"], md["construct"], md["n"], md["missing"], md["mean"], md["sd"],
                               md["mean_keyed"]], rows, notes=[md["note"]])]
        blocks += self.figures_with_prefix("likert-")
        return Section("descriptives", self.m["sections"]["descriptives"], blocks)

    def item_analysis(self) -> Section | None:
        rel = self.r.get("reliability") or []
        rows = []
        for x in rel:
            for it in x.get("items") or []:
                rows.append([Cell(str(it.get("item"))), Cell(str(x.get("construct"))), self.n(it.get("mean"), 2),
                             self.n(it.get("sd"), 2), self.n(it.get("r_drop")), self.n(it.get("alpha_if_dropped"))])
        if not rows:
            return None
        mi = self.m["item_analysis"]
        return Section("item_analysis", self.m["sections"]["item_analysis"], [
            Table("item-analysis", mi["caption"], [mi["item"], mi["construct"], mi["mean"], mi["sd"], mi["r_drop"],
                                                   mi["alpha_if_dropped"]], rows, notes=[mi["note"]])])

    def reliability(self) -> Section | None:
        rel = self.r.get("reliability")
        if not rel:
            return None
        mr = self.m["reliability"]
        self.judged_any = False
        rows = [[Cell(self.cname(x["construct"])), Cell(integer(x.get("n_items")), numeric=True),
                 self.judged("alpha", x.get("alpha")),
                 Cell(f"[{num(x.get('alpha_ci_lower'))}, {num(x.get('alpha_ci_upper'))}]", numeric=True),
                 self.n(x.get("std_alpha")), self.n(x.get("average_r")), self.n(x.get("omega_total"))] for x in rel]
        notes = [mr["note"]] + ([self.mark_note()] if self.judged_any else [])
        return Section("reliability", self.m["sections"]["reliability"], [
            Table("reliability", mr["caption"], [mr["construct"], mr["k"], mr["alpha"], mr["ci"], mr["std_alpha"],
                                                 mr["average_r"], mr["omega"]], rows, notes=notes)])

    def adequacy(self) -> Section | None:
        ps = self.r.get("psychometrics") or {}
        kmo, bart, pa, efa = ps.get("kmo"), ps.get("bartlett"), ps.get("parallel_analysis"), ps.get("efa")
        if not any((kmo, bart, pa, efa)):
            return None
        ma = self.m["adequacy"]
        blocks: list = []
        self.judged_any = False
        rows = []
        if kmo:
            overall = kmo.get("overall") if isinstance(kmo, dict) else kmo
            rows.append([Cell(ma["kmo"]), self.judged("kmo", overall)])
        if bart:
            rows.append([Cell(ma["bartlett"]),
                         Cell(f"χ² = {num(bart.get('chisq'), 2)}, df = {integer(bart.get('df'))}, "
                              f"p {p_eq(bart.get('pvalue'))}", numeric=True)])
        if pa and pa.get("n_factors") is not None:
            rows.append([Cell(ma["pa_factors"]), Cell(integer(pa["n_factors"]), numeric=True)])
        if rows:
            notes = [self.mark_note()] if self.judged_any else []
            blocks.append(Table("adequacy", ma["caption"], [ma["measure"], ma["value"]], rows, notes=notes))
        if pa and pa.get("observed"):
            obs, sim = pa.get("observed") or [], pa.get("simulated") or []
            prow = [[Cell(str(i + 1)), self.n(o), self.n(sim[i] if i < len(sim) else None)]
                    for i, o in enumerate(obs)]
            note = ma["pa_note"].format(n_iter=integer(pa.get("n_iter")), percentile=thr(pa.get("percentile", 95)))
            blocks.append(Table("parallel-analysis", ma["pa_caption"], [ma["factor"], ma["observed"], ma["simulated"]],
                                prow, notes=[note]))
            blocks += self.figure("scree")
        if efa and efa.get("loadings"):
            factors = list(efa.get("factors") or [f"F{i + 1}" for i in range(int(efa.get("n_factors", 0)))])
            has_h2 = any("h2" in x for x in efa["loadings"])
            erows = []
            for x in efa["loadings"]:
                row = [Cell(str(x["item"]))] + [Cell(coef(v), numeric=True) for v in x.get("loadings", [])]
                if has_h2:
                    row.append(Cell(coef(x.get("h2")), numeric=True))
                erows.append(row)
            header = [ma["item"]] + factors + ([ma["h2"]] if has_h2 else [])
            note = ma["efa_note"].format(method=str(efa.get("method", "")), rotation=str(efa.get("rotation", "")),
                                         n_factors=integer(efa.get("n_factors")))
            blocks.append(Table("efa", ma["efa_caption"], header, erows, notes=[note]))
        return Section("adequacy", self.m["sections"]["adequacy"], blocks)

    def cmb(self) -> Section | None:
        h = (self.r.get("psychometrics") or {}).get("harman")
        if not h:
            return None
        mc = self.m["cmb"]
        self.judged_any = False
        rows = [[Cell(mc["harman"]), self.judged("harman", h.get("variance"), pct(h.get("variance")))]]
        if h.get("n_factors") is not None:
            rows.append([Cell(mc["n_factors"]), Cell(integer(h["n_factors"]), numeric=True)])
        notes = [self.mark_note()] if self.judged_any else []
        blocks: list = [Table("harman", mc["caption"], [mc["measure"], mc["value"]], rows, notes=notes),
                        Paragraph(mc["caveat"], style="note")]
        cmb = self.r.get("cmb") or {}
        for key, caption in (("single_factor", mc["single_caption"]), ("ulmc", mc["ulmc_caption"])):
            block = cmb.get(key)
            if not block:
                continue
            crow = []
            for c in block.get("comparison") or []:
                crow.append([Cell(self.tx(mc["models"].get(str(c.get("model")), str(c.get("model"))))),
                             Cell(f"{num(c.get('chisq'), 2)} ({integer(c.get('df'))})", numeric=True),
                             self.n(c.get("cfi")), self.n(c.get("tli")), self.n(c.get("rmsea")), self.n(c.get("srmr"))])
            t = block.get("test") or {}
            tnote = mc["delta_note"].format(dchi=num(t.get("delta_chisq"), 2), ddf=integer(t.get("delta_df")),
                                            p=p_eq(t.get("pvalue")), dcfi=num(t.get("delta_cfi")),
                                            drmsea=num(t.get("delta_rmsea")))
            tnotes = [tnote]
            if key == "ulmc":
                tnotes.append(mc["ulmc_note"].format(method=pct(block.get("mean_method_variance")),
                                                     substantive=pct(block.get("mean_substantive_variance"))))
                if block.get("admissible") is False:
                    tnotes.append(mc["inadmissible"])
            f = self.m["fit_names"]
            blocks.append(Table(f"cmb-{key}", caption, [mc["model"], f"{f['chisq']} (df)", f["cfi"], f["tli"],
                                                         f["rmsea"], f["srmr"]], crow, notes=tnotes))
        return Section("cmb", self.m["sections"]["cmb"], blocks)

    def fit_table(self, key: str, caption: str, block: dict) -> Table:
        f, mf = block.get("fit") or {}, self.m["fit_names"]
        self.judged_any = False
        chisq, df = f.get("chisq"), f.get("df")
        ratio = chisq / df if isinstance(chisq, (int, float)) and isinstance(df, (int, float)) and df else None
        rows = [
            [Cell(mf["nobs"]), Cell(integer(block.get("nobs", f.get("nobs"))), numeric=True)],
            [Cell(f"{mf['chisq']} (df)"), Cell(f"{num(chisq, 2)} ({integer(df)})", numeric=True)],
            [Cell(mf["pvalue"]), Cell(pval(f.get("pvalue")), numeric=True)],
            [Cell(mf["chisq_df"]), self.judged("chisq_df", ratio, num(ratio, 2))],
            [Cell(mf["cfi"]), self.judged("cfi", f.get("cfi"))],
            [Cell(mf["tli"]), self.judged("tli", f.get("tli"))],
            [Cell(mf["rmsea"]), self.judged("rmsea", f.get("rmsea"))],
            [Cell(mf["rmsea_ci"]), Cell(f"[{num(f.get('rmsea_ci_lower'))}, {num(f.get('rmsea_ci_upper'))}]",
                                        numeric=True)],
            [Cell(mf["srmr"]), self.judged("srmr", f.get("srmr"))],
            [Cell(mf["aic"]), self.n(f.get("aic"), 1)],
            [Cell(mf["bic"]), self.n(f.get("bic"), 1)],
        ]
        notes = [self.mark_note()] if self.judged_any else []
        return Table(key, caption, [self.m["measurement"]["measure"], self.m["measurement"]["value"]], rows,
                     notes=notes)

    def measurement(self) -> Section | None:
        meas = self.r.get("measurement")
        if not meas:
            return None
        mm = self.m["measurement"]
        blocks: list = [self.fit_table("measurement-fit", mm["fit"], meas)]
        self.judged_any = False
        rows = [[Cell(str(x["construct"])), Cell(str(x["item"])), self.n(x.get("est")), self.n(x.get("se")),
                 Cell(pval(x.get("pvalue")), numeric=True), self.judged("loading", x.get("std_all"))]
                for x in meas.get("loadings") or []]
        notes = [self.mark_note()] if self.judged_any else []
        blocks.append(Table("loadings", mm["loadings"], [mm["construct"], mm["item"], mm["est"], mm["se"], mm["p"],
                                                         mm["std"]], rows, notes=notes, row_header=False))
        val = meas.get("validity") or []
        if val:
            self.judged_any = False
            extra = [k for k in ("sqrt_ave", "msv") if any(k in v for v in val)]
            vrows = [[Cell(self.cname(v["construct"])), self.judged("cr", v.get("cr")),
                      self.judged("ave", v.get("ave"))] + [self.n(v.get(k)) for k in extra] for v in val]
            notes = [mm["validity_note"]] + ([self.mark_note()] if self.judged_any else [])
            blocks.append(Table("validity", mm["validity"], [mm["construct"], mm["cr"], mm["ave"]]
                                + [mm[k] for k in extra], vrows, notes=notes))
        blocks += self._fornell_larcker(meas)
        blocks += self._htmt(meas)
        mi = meas.get("modindices") or []
        if mi:
            mrows = [[Cell(f"{x.get('lhs')} {x.get('op')} {x.get('rhs')}"), self.n(x.get("mi"), 2),
                      self.n(x.get("epc")), self.n(x.get("sepc_all"))] for x in mi]
            blocks.append(Table("modindices", mm["mi_caption"], [mm["mi_param"], "MI", "EPC", "SEPC (std.all)"],
                                mrows, notes=[mm["mi_note"]]))
        blocks += self.figure("correlations")
        return Section("measurement", self.m["sections"]["measurement"], blocks)

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

    def _fornell_larcker(self, meas: dict) -> list:
        val = meas.get("validity") or []
        if not val or not all(v.get("sqrt_ave") is not None for v in val):
            return []
        codes = [v["construct"] for v in val]
        pairs = {(x["lhs"], x["rhs"]): x["r"] for x in meas.get("factor_correlations") or []}
        diag = {v["construct"]: v["sqrt_ave"] for v in val}
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

    def _htmt(self, meas: dict) -> list:
        ht = meas.get("htmt")
        if not ht:
            return []
        codes = []
        for x in ht:
            for c in (x["lhs"], x["rhs"]):
                if c not in codes:
                    codes.append(c)
        order = [c for c in self.names if c in codes] + [c for c in codes if c not in self.names]
        pairs = {(x["lhs"], x["rhs"]): x["htmt"] for x in ht}
        self.judged_any = False
        rows = self._matrix(order, pairs, {}, "htmt")
        for i in range(len(order)):
            rows[i][i + 1] = Cell("—", numeric=True)
        mm = self.m["measurement"]
        notes = [mm["htmt_note"]] + ([self.mark_note()] if self.judged_any else [])
        return [Table("htmt", mm["htmt"], [mm["construct"]] + order, rows, notes=notes)]

    def structural(self) -> Section | None:
        s = self.r.get("structural")
        if not s:
            return None
        ms = self.m["structural"]
        blocks: list = [self.fit_table("structural-fit", self.m["measurement"]["fit"], s)]
        head = [ms["path"], ms["b"], ms["se"], ms["z"], ms["p"], ms["ci"], ms["beta"]]

        def row(p, first):
            return [Cell(first), self.n(p.get("est")), self.n(p.get("se")), self.n(p.get("z"), 2),
                    Cell(pval(p.get("pvalue")), numeric=True),
                    Cell(f"[{num(p.get('ci_lower'))}, {num(p.get('ci_upper'))}]", numeric=True),
                    self.n(p.get("std_all"))]

        prows = [row(p, f"{p['rhs']} → {p['lhs']}") for p in s.get("paths") or []]
        blocks.append(Table("paths", ms["paths"], head, prows))
        if s.get("defined"):
            drows = [[Cell(str(p["lhs"]), sub=str(p.get("rhs", "")))] + row(p, "")[1:] for p in s["defined"]]
            blocks.append(Table("defined", ms["defined"], [ms["effect"]] + head[1:], drows, notes=[ms["defined_note"]]))
        if s.get("r_squared"):
            blocks.append(Table("r-squared", ms["r2"], [ms["variable"], ms["r2"]],
                                [[Cell(self.cname(k)), self.n(v)] for k, v in s["r_squared"].items()]))
        blocks += self.figure("path")
        return Section("structural", self.m["sections"]["structural"], blocks)

    def mediation(self) -> Section | None:
        med = self.r.get("mediation")
        if not med or not med.get("effects"):
            return None
        mm = self.m["mediation"]
        rows = []
        for e in med["effects"]:
            sig = e.get("significant")
            if sig is None and e.get("ci_lower") is not None and e.get("ci_upper") is not None:
                sig = e["ci_lower"] > 0 or e["ci_upper"] < 0
            rows.append([Cell(str(e.get("name")), sub=self.tx(e.get("label")) or None), self.n(e.get("est")),
                         self.n(e.get("se")), Cell(f"[{num(e.get('ci_lower'))}, {num(e.get('ci_upper'))}]",
                                                   numeric=True),
                         self.n(e.get("std_all")),
                         Cell(mm["excludes_zero"] if sig else mm["includes_zero"])])
        note = mm["note"].format(n_boot=integer(med.get("n_boot")), ci=self.m["ci_methods"].get(
            str(med.get("ci")), str(med.get("ci"))), seed=integer(med.get("seed")))
        blocks: list = [Table("mediation", mm["caption"], [mm["effect"], mm["est"], mm["se"], mm["ci"], mm["beta"],
                                                            mm["decision"]], rows, notes=[note])]
        # the decision of the 温忠麟-叶宝娟 (2014) procedure, in the report's language
        for e in med["effects"]:
            text = e.get(f"decision_{self.lang}")
            if not text:
                continue
            ratio = e.get("effect_ratio")
            extra = mm["ratio"].format(ratio=pct(ratio)) if isinstance(ratio, (int, float)) and e.get(
                "decision") == "partial" else ""
            blocks.append(Paragraph(f"{e.get('name')}: {text}{extra}"))
        if any(e.get(f"decision_{self.lang}") for e in med["effects"]):
            blocks.append(Paragraph(mm["procedure"], style="note"))
        return Section("mediation", self.m["sections"]["mediation"], blocks)

    def hypotheses(self) -> Section | None:
        hs = self.r.get("hypotheses")
        if not hs:
            return None
        mh, ms = self.m["hypotheses"], self.m["structural"]
        rows = []
        for h in hs:
            dec = Cell(mh["supported"] if h.get("supported") else mh["not_supported"])
            dec.mark = "ok" if h.get("supported") else "no"
            rows.append([Cell(str(h["id"])), Cell(self.tx(h.get("text")), sub=str(h.get("target", ""))),
                         self.n(h.get("est")), self.n(h.get("se")), self.n(h.get("std_all")),
                         Cell(pval(h.get("pvalue")), numeric=True),
                         Cell(f"[{num(h.get('ci_lower'))}, {num(h.get('ci_upper'))}]", numeric=True), dec])
        alpha = (self.r.get("analysis") or {}).get("alpha", 0.05)
        return Section("hypotheses", self.m["sections"]["hypotheses"], [
            Table("hypotheses", mh["caption"], [mh["id"], mh["statement"], mh["est"], ms["se"], mh["beta"], mh["p"],
                                                ms["ci"], mh["decision"]], rows,
                  notes=[mh["rule"].replace("{alpha}", num(alpha, 2))])])

    def invariance(self) -> Section | None:
        inv = self.r.get("invariance")
        if not inv or not inv.get("levels"):
            return None
        mv, mf = self.m["invariance"], self.m["fit_names"]
        self.judged_any = False
        rows = []
        for lv in inv["levels"]:
            rows.append([Cell(mv["levels"].get(lv["level"], str(lv["level"]))),
                         Cell(f"{num(lv.get('chisq'), 2)} ({integer(lv.get('df'))})", numeric=True),
                         self.judged("cfi", lv.get("cfi")), self.judged("rmsea", lv.get("rmsea")),
                         self.judged("srmr", lv.get("srmr")),
                         self.judged("delta_cfi", lv.get("delta_cfi")) if lv.get("delta_cfi") is not None
                         else Cell("—", numeric=True),
                         self.judged("delta_rmsea", lv.get("delta_rmsea")) if lv.get("delta_rmsea") is not None
                         else Cell("—", numeric=True),
                         Cell(f"{num(lv.get('chisq_diff'), 2)} ({integer(lv.get('df_diff'))}), p "
                              f"{p_eq(lv.get('pvalue_diff'))}" if lv.get("chisq_diff") is not None else "—",
                              numeric=True)])
        notes = [mv["note"].format(group=str(inv.get("group", "")))] + ([self.mark_note()] if self.judged_any else [])
        return Section("invariance", self.m["sections"]["invariance"], [
            Table("invariance", mv["caption"], [mv["level"], f"{mf['chisq']} (df)", mf["cfi"], mf["rmsea"], mf["srmr"],
                                                "ΔCFI", "ΔRMSEA", mv["chisq_diff"]], rows, notes=notes),
            *self.figure("invariance")])

    def power(self) -> Section | None:
        pw = self.r.get("power")
        if not pw or not pw.get("curves"):
            return None
        mp = self.m["power"]
        self.judged_any = False
        rows = [[Cell(str(c.get("parameter"))), Cell(integer(c.get("n")), numeric=True),
                 self.judged("power", c.get("power")),
                 Cell(f"[{num(c.get('ci_lower'))}, {num(c.get('ci_upper'))}]" if c.get("ci_lower") is not None
                      else "—", numeric=True)] for c in pw["curves"]]
        notes = [mp["note"].format(reps=integer(pw.get("reps")), alpha=num(pw.get("alpha", 0.05), 2),
                                   seed=integer(pw.get("seed")))] + ([self.mark_note()] if self.judged_any else [])
        return Section("power", self.m["sections"]["power"], [
            Table("power", mp["caption"], [mp["parameter"], "N", mp["power"], mp["ci"]], rows, notes=notes),
            *self.figure("power")])

    def warnings(self) -> Section:
        mw = self.m["warnings"]
        ws = self.r.get("warnings") or []
        if not ws:
            return Section("warnings", self.m["sections"]["warnings"], [Paragraph(mw["none"])])
        rows = [[Cell(self.m["stages"].get(w.get("stage"), str(w.get("stage")))), Cell(str(w.get("category"))),
                 Cell(str(w.get("message")))] for w in ws]
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
        blocks += [Paragraph(ref, style="item") for ref in self.p.cited()]
        return Section("conventions", self.m["sections"]["conventions"], blocks)

    def methods(self, versions: dict) -> Section:
        r, mm = self.r, self.m["methods"]
        d, sc = r.get("data") or {}, r.get("screening") or {}
        parts = [mm["data"].format(file=d.get("file", "—"), n_rows=integer(d.get("n_rows")),
                                   n_excluded=integer(sc.get("n_excluded")), n_after=integer(sc.get("n_after")))]
        if r.get("reliability"):
            parts.append(mm["reliability"])
        meas = r.get("measurement")
        if meas:
            est = str(meas.get("estimator") or "ML")
            missing = str((r.get("analysis") or {}).get("missing") or "listwise")
            parts.append(mm["measurement"].format(
                n_constructs=len(meas.get("validity") or []),
                estimator=self.m["estimators"].get(est, est),
                missing=self.m["missing_methods"].get(missing, missing)))
        if r.get("structural"):
            parts.append(mm["structural"])
        med = r.get("mediation")
        if med:
            parts.append(mm["mediation"].format(n_boot=integer(med.get("n_boot")),
                                                ci=self.m["ci_methods"].get(str(med.get("ci")), str(med.get("ci")))))
        if r.get("invariance"):
            parts.append(mm["invariance"].format(group=str(r["invariance"].get("group", ""))))
        if r.get("power"):
            parts.append(mm["power"].format(reps=integer(r["power"].get("reps"))))
        seed = (r.get("analysis") or {}).get("seed")
        if seed is not None:
            parts.append(mm["seed"].format(seed=seed))
        parts.append(mm["conventions"].format(profile=self.p.name))
        parts.append(mm["software"].format(version=versions.get("surveykit", ""), python=versions.get("python", "")))
        return Section("methods", self.m["sections"]["methods"], [Paragraph(" ".join(p.strip() for p in parts))])


SECTION_ORDER = ("sample", "instrument", "descriptives", "item_analysis", "reliability", "adequacy", "cmb",
                 "measurement", "structural", "mediation", "hypotheses", "invariance", "power", "warnings",
                 "conventions", "methods")


def build_document(results: dict, lang: str, profile: Profile, *, figures: dict[str, FigureBlock] | None = None,
                   versions: dict | None = None) -> Document:
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
    analysis = results.get("analysis") or {}
    return Document(lang=lang, lang_attr=m["lang_attr"], title=b.tx(analysis.get("title")) or str(analysis.get("name")),
                    banner=m["simulated_banner"] if analysis.get("simulated") else None,
                    generated_by=m["generated_by"].replace("{version}", versions["surveykit"]), toc=m["toc"],
                    sections=sections, table_label=m["table_label"], figure_label=m["figure_label"],
                    note_label=m["note_label"])
