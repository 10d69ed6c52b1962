"""Are two results records the same analysis?  Per-quantity tolerances, declared with their reasons.

Two runs of one spec on one data file give byte-identical ``results.json`` on one kind of
machine.  On another CPU the BLAS library picks another kernel (OpenBLAS: Haswell, SkylakeX,
...), sums in another order, and the last bits of every matrix product differ; a converged
estimate then differs by rounding error times the problem's condition.  Measured on the demo
analysis across four OpenBLAS kernels and two thread counts (``docs/reproducibility.md``):
estimates, standard errors and fit measures move by at most 1e-11 relative;
p-values in the far tail by 1e-12 relative (1e-15 absolute); bootstrap draws that stop on the
refits' step rule by up to 3e-9 absolute.  A real change of the analysis (other data, model,
estimator, screening rule, seed or number of draws) moves the same numbers by 1e-4 or more.

:func:`compare_results` walks both records in parallel.  Strings, booleans, integers and
missing values (``null``) must be equal; a float must lie within the tolerance of its kind
(:data:`TOLERANCES`), chosen by :func:`quantity_kind` from its key and section::

    |a - b| <= max(atol, rtol * max(|a|, |b|))
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Tolerance", "TOLERANCES", "Deviation", "Comparison", "quantity_kind", "compare_results"]


@dataclass(frozen=True)
class Tolerance:
    kind: str
    rtol: float
    atol: float
    reason: str

    def allowed(self, a: float, b: float) -> float:
        return max(self.atol, self.rtol * max(abs(a), abs(b)))

    def describe(self) -> str:
        if math.isinf(self.atol):
            return f"{self.kind}, not compared"
        parts = ([f"{self.rtol:g} relative"] if self.rtol else []) + ([f"{self.atol:g} absolute"] if self.atol else [])
        return f"{self.kind}, {' or '.join(parts) or 'exact'}"


TOLERANCES: dict[str, Tolerance] = {
    "exact": Tolerance(
        "exact", 0.0, 0.0,
        "counts, degrees of freedom, labels, settings and decisions: any change is a change of the analysis"),
    "estimate": Tolerance(
        "estimate", 1e-6, 1e-9,
        "estimates, standard errors, fit measures, reliabilities, loadings: closed forms are exact to rounding "
        "and every iterative estimate is converged to 1e-9 relative or better (the SEM optimizer to a gradient "
        "below 1e-9, EFA and omega polished to round-off), so another CPU moves them by 1e-11 relative at most; "
        "1e-6 leaves room for a change of optimizer that stops elsewhere inside its tolerance, while other "
        "data, models or options move estimates by 1e-4 or more; 1e-9 absolute for values that are zero "
        "but for rounding (differences of equal fit indices)"),
    "pvalue": Tolerance(
        "pvalue", 0.0, 1e-6,
        "p-values: in the tails a p-value's relative change is its z times the change in z (7e-63 can move "
        "by 1e-12 relative between CPUs), so only the absolute difference means something; 1e-6 is "
        "what an estimate moving by 1e-6 relative can do to it, 1000 times below the 3 decimals reported"),
    "iterations": Tolerance(
        "iterations", 0.0, math.inf,
        "iteration counts of optimizers: the path to the optimum, not the optimum; a convergence test that "
        "lands near its threshold takes one step more or fewer on another kernel (the demo's CFA: 8 iterations "
        "with OpenBLAS's Haswell kernel, 7 with Katmai, estimates equal to 1e-14), and another optimizer takes "
        "another path: listed, never a difference of the analysis (the estimates they lead to are compared)"),
    "resampled": Tolerance(
        "resampled", 1e-5, 1e-8,
        "bootstrap and Monte Carlo summaries (standard errors and interval bounds of the bootstrap, every "
        "number of a power study): each draw is a refit "
        "that stops on a step of 1e-7, so a draw can move by 1e-8 between CPUs (3e-9 measured) and an order "
        "statistic or SD with it; 1e-5 relative is far below the Monte Carlo error another seed or number of "
        "draws brings (1e-2)"),
}

_RESAMPLED_SECTIONS = ("mediation", "power")
_RESAMPLED_KEYS = {"se", "ci_lower", "ci_upper", "std_ci_lower", "std_ci_upper"}


def quantity_kind(path: tuple, key: str, parent: dict) -> str:
    """The kind of the float at ``parent[key]`` (``path``: the keys and indices above it)."""
    k = key.lower()
    if k == "iterations":
        return "iterations"
    if k == "pvalue" or k.startswith("pvalue_") or k.endswith("_pvalue"):
        return "pvalue"
    section = path[0] if path else None
    if section == "power":
        return "resampled"
    if section == "mediation" and (k in _RESAMPLED_KEYS or "_ci_" in k or k.startswith("ci_")):
        return "resampled"
    if section == "hypotheses" and k in _RESAMPLED_KEYS and str(parent.get("method", "")).startswith("bootstrap"):
        return "resampled"
    return "estimate"


@dataclass(frozen=True)
class Deviation:
    """One number that differs: where (a readable path), both values, how much, and its tolerance."""

    where: str
    recorded: Any
    fresh: Any
    kind: str
    abs_diff: float = math.nan
    rel_diff: float = math.nan
    share: float = math.inf  # the difference as a share of what its tolerance allows

    def describe(self) -> str:
        if self.kind == "structure":  # what is there: counts of entries, "(absent)", or the value
            a, b = (v if isinstance(v, str) else _show(v) for v in (self.recorded, self.fresh))
            return f"{self.where}: recorded {a}, re-run {b}"
        a, b = _show(self.recorded), _show(self.fresh)
        if not math.isfinite(self.abs_diff):
            return f"{self.where}: recorded {a}, re-run {b}"
        tol = TOLERANCES[self.kind]
        return (f"{self.where}: recorded {a}, re-run {b} (difference {self.abs_diff:.2g}, relative "
                f"{self.rel_diff:.2g}; tolerance: {tol.describe()})")


@dataclass
class Comparison:
    """The result of :func:`compare_results`: how many numbers were compared and differed in any
    digit, the largest difference relative to its tolerance, and every difference beyond one."""

    n_numbers: int = 0
    n_differing: int = 0
    largest: Deviation | None = None
    failures: list[Deviation] = field(default_factory=list)

    @property
    def within_tolerance(self) -> bool:
        return not self.failures


def _show(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)[:80]


_LABEL_KEYS = ("id", "stage", "rule", "construct", "item", "name", "lhs", "op", "rhs", "level", "variable",
               "parameter", "n", "effect", "category")


def _label(element: Any, index: int) -> str:
    """A list element's name in a readable path: its identifying fields ("IDE ide_1", "H1"), else the index."""
    if isinstance(element, dict):
        parts = [str(element[k]) for k in _LABEL_KEYS if isinstance(element.get(k), (str, int))
                 and not isinstance(element.get(k), bool)]
        if parts:
            return " ".join(parts)
    return str(index)


def compare_results(recorded: Any, fresh: Any) -> Comparison:
    """Compare two results records (parsed results.json); see the module docstring."""
    out = Comparison()
    _walk(recorded, fresh, (), "", None, {}, out)
    return out


def _walk(a: Any, b: Any, path: tuple, where: str, key: str | None, parent: dict, out: Comparison) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            w = f"{where}.{k}" if where else str(k)
            if k not in a or k not in b:
                out.failures.append(Deviation(w, a.get(k, "(absent)"), b.get(k, "(absent)"), "structure"))
                continue
            _walk(a[k], b[k], path + (k,), w, k, a, out)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.failures.append(Deviation(where, f"{len(a)} entries", f"{len(b)} entries", "structure"))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            _walk(x, y, path + (i,), f"{where}[{_label(x, i)}]", key, parent, out)
        return
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    if numbers:
        out.n_numbers += 1
        if a == b:
            return
        kind = quantity_kind(tuple(p for p in path if isinstance(p, str)), str(key or ""), parent)
        if isinstance(a, int) and isinstance(b, int) and kind != "iterations":
            out.failures.append(Deviation(where, a, b, "exact"))
            return
        out.n_differing += 1
        tol = TOLERANCES[kind]
        diff = abs(a - b)
        dev = Deviation(where, a, b, kind, diff, diff / max(abs(a), abs(b)), diff / tol.allowed(a, b))
        if out.largest is None or dev.share > out.largest.share:
            out.largest = dev
        if dev.share > 1.0:
            out.failures.append(dev)
        return
    if type(a) is not type(b) or a != b:
        out.failures.append(Deviation(where, a, b, "exact" if type(a) is type(b) else "structure"))
