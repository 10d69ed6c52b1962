"""Render a results record into the report folder: report.html, report.md, results.json,
manifest.json.  Templates and wording are files (``templates/``, ``messages/``); this module
only formats numbers and writes files atomically.  Output depends only on the results and
the language: no clock, no random ids, stable key order.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
import yaml

from surveykit.errors import SpecError
from surveykit.io import atomic_write_text
from surveykit.results import to_jsonable

__all__ = ["write_report", "render_html", "render_markdown", "messages", "SECTIONS"]

SECTIONS = ("sample", "instrument", "descriptives", "reliability", "measurement", "structural", "hypotheses",
            "warnings", "methods")


@lru_cache(maxsize=4)
def messages(lang: str) -> dict:
    if lang not in ("zh", "en"):
        raise SpecError(f"report language {lang!r} is not one of 'zh', 'en'.")
    text = resources.files("surveykit.report").joinpath("messages", f"{lang}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _num(x, digits: int = 3) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "—"
    s = f"{x:.{digits}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s.replace("-", "−")


def _pval(p) -> str:
    if p is None:
        return "—"
    p = float(p)
    if math.isnan(p):
        return "—"
    return "< .001" if p < 0.001 else f"{p:.3f}".lstrip("0")


def _thr(x) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:g}"


def _md(s) -> str:
    return "" if s is None else str(s).replace("|", "\\|").replace("\n", " ")


def _environment(autoescape: bool) -> jinja2.Environment:
    loader = jinja2.FunctionLoader(
        lambda name: resources.files("surveykit.report").joinpath("templates", name).read_text(encoding="utf-8")
    )
    env = jinja2.Environment(loader=loader, autoescape=autoescape, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=False, lstrip_blocks=False)
    return env


def _context(results: dict, lang: str) -> dict:
    from surveykit._version import __version__

    m = messages(lang)
    r = results
    names = {c["code"]: c["name"] for c in r["instrument"]["constructs"]}

    def tx(t):
        if isinstance(t, dict):
            return t.get(lang) or t.get("zh") or t.get("en") or ""
        return "" if t is None else str(t)

    def cname(code):
        n = names.get(code)
        return f"{code} {tx(n)}" if n else str(code)

    methods = m["methods"].format(
        file=r["data"]["file"], n_rows=r["data"]["n_rows"], n_excluded=r["screening"]["n_excluded"],
        n_after=r["screening"]["n_after"], n_constructs=len(r["measurement"]["validity"]), version=__version__,
    )
    return dict(r=r, m=m, tx=tx, cname=cname, num=_num, pval=_pval, md=_md, thr=_thr, version=__version__,
                sections=[s for s in SECTIONS if s != "structural" or r.get("structural")
                          if s != "hypotheses" or r.get("hypotheses")],
                methods=methods, dict=dict)


def render_html(results: dict, lang: str = "zh") -> str:
    return _environment(True).get_template("report.html.j2").render(**_context(results, lang))


def render_markdown(results: dict, lang: str = "zh") -> str:
    text = _environment(False).get_template("report.md.j2").render(**_context(results, lang))
    # collapse runs of blank lines left by template control blocks
    lines, blank = [], 0
    for line in text.splitlines():
        blank = blank + 1 if not line.strip() else 0
        if blank <= 1:
            lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def _json(obj) -> str:
    return json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_report(results: dict, manifest: dict, out_dir: Path, *, lang: str = "zh",
                 formats: tuple[str, ...] = ("html", "md", "json")) -> list[Path]:
    """Write the report files into ``out_dir`` (created if needed); returns the paths written.

    ``results.json`` and ``manifest.json`` are always written; ``formats`` chooses the
    readable reports.  Every file is written atomically (temporary file, then rename).
    """
    unknown = [f for f in formats if f not in ("html", "md", "json")]
    if unknown:
        raise SpecError(f"report format(s) {', '.join(unknown)} are not available; use html, md, json.")
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecError(
            f"Cannot create the output folder {out_dir}: {exc.strerror}; choose another with --out."
        ) from None
    written = []
    outputs = [("results.json", _json(results))]
    if "html" in formats:
        outputs.append(("report.html", render_html(results, lang)))
    if "md" in formats:
        outputs.append(("report.md", render_markdown(results, lang)))
    man = dict(manifest)
    man["outputs"] = {}
    import hashlib

    for name, text in outputs:
        man["outputs"][name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    man["report"] = {"lang": lang, "formats": list(formats)}
    outputs.append(("manifest.json", _json(man)))
    for name, text in outputs:
        path = out_dir / name
        atomic_write_text(path, text)
        written.append(path)
    return written
