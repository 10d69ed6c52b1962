"""Judgement against conventions, as data: cut-offs live in ``conventions.yaml``.

A profile (``hu-bentler-1999``, ``cn-journal``, ...) lists, per measure, a comparison, a
cut-off and its citation.  :func:`load_profile` reads one; :meth:`Profile.judge` says whether a
value meets the cut-off and with which citation.  Nothing here knows what "good" means beyond
the numbers in the file.

>>> p = load_profile("hu-bentler-1999")
>>> p.judge("cfi", 0.962).meets
True
>>> p.judge("rmsea", 0.07).label
'RMSEA ≤ .06'
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from surveykit.errors import SpecError

__all__ = ["Criterion", "Judgement", "Procedure", "Profile", "load_profile", "load_procedure", "profile_names",
           "DEFAULT_PROFILE"]

DEFAULT_PROFILE = "hu-bentler-1999"

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
# how a measure is written in a criterion (statistic abbreviations are never translated)
_NAMES = {"cfi": "CFI", "tli": "TLI", "rmsea": "RMSEA", "srmr": "SRMR", "chisq_df": "χ²/df", "alpha": "α",
          "omega": "ω", "loading": "λ", "cr": "CR", "ave": "AVE", "fornell_larcker": "√AVE − max|r|",
          "htmt": "HTMT", "kmo": "KMO", "harman": "Harman", "delta_cfi": "ΔCFI", "delta_rmsea": "ΔRMSEA",
          "delta_srmr": "ΔSRMR", "power": "1 − β"}


def _fmt(x: float) -> str:
    """.95, .50, .015, −.01, 3: two decimals at least, three when needed, no leading zero."""
    if float(x).is_integer():
        return str(int(x)).replace("-", "−")
    s = f"{x:.3f}"
    if s.endswith("0"):
        s = s[:-1]
    s = s.replace("0.", ".", 1) if s.startswith(("0.", "-0.")) else s
    return s.replace("-", "−")


@dataclass(frozen=True)
class Criterion:
    measure: str
    op: str
    value: float
    cite: str
    ref: str
    what: dict | None = None
    percent: bool = False

    @property
    def label(self) -> str:
        """E.g. 'CFI ≥ .95', 'Harman < 50%' (the same in every language)."""
        value = f"{self.value * 100:g}%" if self.percent else _fmt(self.value)
        return f"{_NAMES.get(self.measure, self.measure)} {_SYMBOL[self.op]} {value}"

    def test(self, value) -> bool | None:
        """True/False; None when the value is missing or not a number."""
        if value is None or isinstance(value, bool):
            return None
        try:
            v = float(value)
        except (TypeError, ValueError):
            return None
        if math.isnan(v):
            return None
        return bool(_OPS[self.op](v, self.value))


@dataclass(frozen=True)
class Judgement:
    measure: str
    value: float | None
    meets: bool | None
    criterion: Criterion

    @property
    def label(self) -> str:
        return self.criterion.label

    @property
    def cite(self) -> str:
        return self.criterion.cite


@dataclass(frozen=True)
class Procedure:
    """A decision procedure for moderation or moderated mediation (``procedures`` in the file)."""

    name: str
    title: dict
    alpha: float
    cite: str
    refs: tuple[str, ...]
    references: dict[str, str]

    def cited(self) -> list[str]:
        return [self.references[r] for r in self.refs if r in self.references]


@dataclass(frozen=True)
class Profile:
    name: str
    title: dict
    criteria: dict[str, Criterion]
    references: dict[str, str]
    procedures: dict[str, str] = field(default_factory=dict)  # hypothesis kind -> procedure name

    def procedure(self, kind: str) -> Procedure:
        """The procedure that decides a hypothesis of ``kind`` (moderation, moderated_mediation)."""
        if kind not in self.procedures:
            raise SpecError(f"convention profile {self.name!r} names no procedure for {kind} hypotheses; add "
                            f"'procedures: {{{kind}: ...}}' to it (surveykit/report/conventions.yaml).")
        return load_procedure(self.procedures[kind])

    def __contains__(self, measure: str) -> bool:
        return measure in self.criteria

    def judge(self, measure: str, value) -> Judgement | None:
        """The judgement of ``value`` on ``measure``; None when the profile has no cut-off for it."""
        c = self.criteria.get(measure)
        if c is None:
            return None
        return Judgement(measure=measure, value=value, meets=c.test(value), criterion=c)

    def cited(self) -> list[str]:
        """Full references of the criteria, sorted, without duplicates."""
        return sorted({self.references[c.ref] for c in self.criteria.values() if c.ref in self.references})


@lru_cache(maxsize=1)
def _data() -> dict:
    text = resources.files("surveykit.report").joinpath("conventions.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def profile_names() -> list[str]:
    return list(_data()["profiles"])


@lru_cache(maxsize=16)
def load_profile(name: str = DEFAULT_PROFILE) -> Profile:
    """Read a profile from ``conventions.yaml`` (following ``extends``)."""
    data = _data()
    profiles = data["profiles"]
    if name not in profiles:
        raise SpecError(f"convention profile {name!r} is not defined; use one of {', '.join(profiles)} "
                        "(surveykit/report/conventions.yaml).")
    chain, cur = [], name
    while cur is not None:
        if cur in chain:
            raise SpecError(f"convention profile {name!r}: 'extends' forms a loop ({' -> '.join(chain + [cur])}).")
        chain.append(cur)
        cur = profiles[cur].get("extends")
    criteria: dict[str, Criterion] = {}
    procedures: dict[str, str] = {}
    for prof in reversed(chain):
        procedures.update(profiles[prof].get("procedures") or {})
        for measure, c in (profiles[prof].get("criteria") or {}).items():
            if c["op"] not in _OPS:
                raise SpecError(f"convention profile {prof!r}, criterion {measure!r}: op {c['op']!r} is not one "
                                f"of {', '.join(_OPS)}.")
            criteria[measure] = Criterion(measure=measure, op=c["op"], value=float(c["value"]), cite=c["cite"],
                                          ref=c.get("ref", ""), what=c.get("what"),
                                          percent=bool(c.get("percent", False)))
    return Profile(name=name, title=profiles[name].get("title", {}), criteria=criteria,
                   references=data.get("references", {}), procedures=procedures)


@lru_cache(maxsize=16)
def load_procedure(name: str) -> Procedure:
    """A decision procedure from ``conventions.yaml`` (``procedures``)."""
    data = _data()
    procs = data.get("procedures") or {}
    if name not in procs:
        raise SpecError(f"decision procedure {name!r} is not defined; use one of {', '.join(procs)} "
                        "(surveykit/report/conventions.yaml).")
    p = procs[name]
    return Procedure(name=name, title=p["title"], alpha=float(p["alpha"]), cite=p["cite"], refs=tuple(p["refs"]),
                     references=data.get("references", {}))
