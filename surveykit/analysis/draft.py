"""Draft an instrument and an analysis spec from a data file (``surveykit init``).

What a file says is used as it is: variable labels become item texts, value labels the scale's
labels, declared user-missing codes the scale's missing codes.  What it cannot say is guessed
and marked for review: constructs from item-name prefixes (``A1 ... A5`` -> construct ``A``, at
least three numbered items), the scale's points from the answers seen when no value labels are
declared, every item as not reverse-keyed.  Columns that are not items become respondent
variables (categorical when they have value labels).  Both drafts validate as they are, so that
``surveykit analyze`` runs on them; the analysis spec has no structural model until its paths
are named.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from surveykit.analysis.spec import AnalysisSpec
from surveykit.errors import DataError
from surveykit.instrument import Instrument
from surveykit.io import file_sha256, read_file

__all__ = ["Draft", "draft_files"]

_ITEM = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z_]*?)_?(?P<number>\d+)$")
_SCHEMA_HINT = "# yaml-language-server: $schema={schema}\n"


@dataclass(frozen=True)
class Draft:
    """The drafted instrument and spec (as mappings and YAML text) and what to review."""

    instrument: dict
    spec: dict
    review: tuple[str, ...]

    def instrument_yaml(self, schema: str | None = None) -> str:
        return _yaml_text(self.instrument, "instrument", self.review, schema)

    def spec_yaml(self, schema: str | None = None) -> str:
        notes = ("Name the paths of a structural model (see 'structural' below) to test hypotheses.",)
        return _yaml_text(self.spec, "analysis spec", notes, schema) + _STRUCTURAL_EXAMPLE


_STRUCTURAL_EXAMPLE = """
# structural:
#   model: |
#     Y ~ a*X + M
#     M ~ b*X
#     indirect := a*b
#   hypotheses:
#     - {id: H1, kind: path, path: Y ~ X, text: X raises Y.}
#     - {id: H2, kind: defined, parameter: indirect, text: X raises Y through M.}
"""


def _yaml_text(data: dict, what: str, review: tuple[str, ...], schema: str | None) -> str:
    head = _SCHEMA_HINT.format(schema=schema) if schema else ""
    head += f"# A draft {what} written by `surveykit init`; check every line marked below.\n"
    head += "".join(f"# REVIEW: {line}\n" for line in review)
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def _numeric_codes(col: pd.Series) -> list[int] | None:
    """The distinct answers of a column when all are integers, else None."""
    vals = pd.to_numeric(col, errors="coerce").dropna().unique()
    if len(vals) == 0 or not np.all(np.equal(np.mod(vals, 1), 0)):
        return None
    return sorted(int(v) for v in vals)


def _constructs(frame: pd.DataFrame) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for col in frame.columns:
        mo = _ITEM.match(str(col))
        if mo and _numeric_codes(frame[col]) is not None:
            groups.setdefault(mo["prefix"], []).append(str(col))
    return {p: cols for p, cols in groups.items() if len(cols) >= 3}


def _scale(frame: pd.DataFrame, items: list[str], meta, review: list[str]) -> dict:
    """One scale for every item: the value labels and user-missing codes the file declares, the
    points from the labelled codes and the answers seen."""
    labels: dict[int, str] = {}
    missing: dict[int, str] = {}
    for col in items:
        vm = meta.variables.get(col)
        if vm is None:
            continue
        for code in vm.missing_values:
            if isinstance(code, (int, float)) and float(code).is_integer():
                missing.setdefault(int(code), vm.value_labels.get(code, "missing"))
        for code, text in vm.value_labels.items():
            if isinstance(code, (int, float)) and float(code).is_integer() and int(code) not in missing:
                labels.setdefault(int(code), str(text))

    def declared(col: str, code: int) -> bool:
        vm = meta.variables.get(col)
        return code in missing or bool(vm and vm.is_declared_missing(code))

    seen = sorted({c for col in items for c in (_numeric_codes(frame[col]) or []) if not declared(col, c)})
    if not seen:
        raise DataError(f"{meta.path}: the items {', '.join(items[:5])} hold no answer that is not a declared "
                        "missing code; surveykit init needs answers to draft a scale.")
    if labels:
        lo, hi = min(labels), max(labels)
    else:
        lo, hi = seen[0], seen[-1]
        labels = {k: str(k) for k in range(lo, hi + 1)}
        review.append(f"scale: points {lo}-{hi} are the answers seen (the file declares no value labels); "
                      "give each point its label.")
    lo, hi = min(lo, seen[0]), max(hi, seen[-1])
    return {"min": lo, "max": hi, "labels": labels, **({"missing": missing} if missing else {})}


def _respondent(frame: pd.DataFrame, cols: list[str], meta) -> list[dict]:
    out = []
    for col in cols:
        vm = meta.variables.get(col)
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(col)) or _numeric_codes(frame[col]) is None:
            continue
        label = (vm.label if vm and vm.label else str(col))
        codes = {int(k): str(v) for k, v in (vm.value_labels.items() if vm else ())
                 if isinstance(k, (int, float)) and float(k).is_integer()}
        out.append({"id": str(col), "label": label, "type": "categorical", "codes": codes} if codes
                   else {"id": str(col), "label": label, "type": "numeric"})
    return out


def draft_files(data: Path, instrument_out: Path, spec_out: Path, **read) -> Draft:
    """The drafts for the data file ``data``; ``instrument_out`` and ``spec_out`` are where they will
    be written (the spec names the data and the instrument relative to its own folder)."""
    raw = read_file(data, **read)
    frame, meta = raw.frame, raw.metadata
    groups = _constructs(frame)
    if not groups:
        raise DataError(f"{data}: no items found: surveykit init groups numbered columns with a common prefix "
                        "(A1, A2, A3 ... or ide_1, ide_2, ide_3 ...), three or more per construct.")
    review: list[str] = []
    items = [c for cols in groups.values() for c in cols]
    scale = _scale(frame, items, meta, review)
    constructs = []
    for prefix, cols in groups.items():
        code = prefix.upper().rstrip("_")
        texts = {c: (meta.variables[c].label if c in meta.variables and meta.variables[c].label else c) for c in cols}
        constructs.append({"code": code, "name": code,
                           "items": [{"id": c, "text": texts[c], "reverse": False} for c in cols]})
    review.append(f"constructs {', '.join(c['code'] for c in constructs)} were guessed from the item names: "
                  "give each a name (and a definition), move items that belong elsewhere.")
    review.append("no item is reverse-keyed in this draft: set 'reverse: true' on the items worded against "
                  "their construct.")
    if not any(meta.variables.get(c) and meta.variables[c].label for c in items):
        review.append("item texts are the column names (the file has no variable labels): write each item's text.")
    rest = [c for c in frame.columns if c not in items]
    codes = [c["code"] for c in constructs]
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", data.stem) or "survey"
    ins = {"id": name, "version": "0.1", "title": meta.file_label or name, "default_scale": "likert",
           "scales": {"likert": scale}, "constructs": constructs}
    resp = _respondent(frame, rest, meta)
    if resp:
        ins["respondent"] = resp
    Instrument.model_validate(ins)  # the draft is valid as it is
    base = spec_out.parent.resolve()
    spec = {"name": name, "title": meta.file_label or name,
            "data": _relative(data, base), "instrument": _relative(instrument_out, base),
            "seed": int(file_sha256(data)[:8], 16), "measurement": {"constructs": "all"},
            "psychometrics": {"n_factors": len(codes)}, "report": {"lang": "en", "formats": ["html", "md", "json"]}}
    if read:
        spec["data"] = {"file": spec["data"], **read}
    AnalysisSpec.model_validate({**spec, "base_dir": str(base)})
    return Draft(ins, spec, tuple(review))


def _relative(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` (as a spec names its files), absolute on another drive."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), base)).as_posix()
    except ValueError:
        return Path(path).resolve().as_posix()
