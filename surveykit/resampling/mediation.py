"""Mediation reporting: which defined parameters are indirect effects, and the decision of
the 温忠麟 & 叶宝娟 (2014) procedure for each.

Identification.  A ``:=`` parameter is an *indirect effect* of X on Y when its expression
(with other defined parameters substituted) is a sum of products of labels in which every
product is a chain of regression (``~``) paths X -> M1 -> ... -> Y of two or more links:
``a*b`` (simple), ``a1*d21*b2`` (serial), ``a1*b1 + a2*b2`` (total indirect effect of
parallel mediators).  A defined parameter that adds the direct path to such chains
(``c + a*b``) is recognized as a *total effect*.  The total effect itself is always taken
from the model (element [Y, X] of ``(I - A)^-1 - I``, every directed path from X to Y), so
it is right even when a defined "total" leaves a path out; the defined parameter that
equals it, if any, is named in the table.

The procedure (温忠麟, 叶宝娟, 2014, 中介效应分析：方法和模型发展, 心理科学进展 22(5),
731-745), with every test a bootstrap confidence interval that excludes 0:

1. total effect c: significant -> argue for mediation; not significant -> argue for a
   suppression (遮掩) effect; go on either way;
2./3. the indirect effect ab (the bootstrap test of ab, which the authors recommend over
   testing a and b in turn): not significant -> stop, no indirect effect;
4. the direct effect c': not significant -> only the indirect effect (full mediation);
5. c' significant: ab and c' of the same sign -> partial mediation, report ab/c;
   opposite signs -> suppression effect, report |ab/c'|.

The decision texts are data (``DECISIONS``, ``BASIS``) in Chinese and English; they carry no
numbers (numbers are columns of the table and are rounded only for display).
"""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from surveykit.sem.partable import ParTable

__all__ = ["DECISIONS", "BASIS", "Effect", "identify_effects", "decide"]

DECISIONS: dict[str, dict[str, str]] = {
    "no_mediation": {
        "zh": "间接效应的 Bootstrap 置信区间包含 0，间接效应不显著，中介效应不成立，停止分析。",
        "en": "The bootstrap confidence interval of the indirect effect includes 0: the indirect effect "
              "is not significant and there is no mediation; the analysis stops here.",
    },
    "full": {
        "zh": "间接效应显著（Bootstrap 置信区间不含 0）；直接效应不显著，只有中介效应（完全中介）。",
        "en": "The indirect effect is significant (its bootstrap confidence interval excludes 0) and the "
              "direct effect is not: there is only the indirect effect (full mediation).",
    },
    "partial": {
        "zh": "间接效应显著（Bootstrap 置信区间不含 0）；直接效应也显著，且与间接效应同号，为部分中介效应，"
              "报告中介效应占总效应的比例 ab/c。",
        "en": "The indirect effect is significant (its bootstrap confidence interval excludes 0); the direct "
              "effect is significant too and has the same sign: partial mediation; report the proportion of "
              "the total effect that is mediated, ab/c.",
    },
    "suppression": {
        "zh": "间接效应显著（Bootstrap 置信区间不含 0）；直接效应也显著，但与间接效应异号，为遮掩效应，"
              "报告间接效应与直接效应之比的绝对值 |ab/c'|。",
        "en": "The indirect effect is significant (its bootstrap confidence interval excludes 0); the direct "
              "effect is significant too but has the opposite sign: a suppression effect; report the absolute "
              "ratio of the indirect to the direct effect, |ab/c'|.",
    },
    "no_direct_path": {
        "zh": "间接效应显著（Bootstrap 置信区间不含 0）；模型没有设定自变量到因变量的直接路径，"
              "无法检验直接效应，不能区分完全中介与部分中介。",
        "en": "The indirect effect is significant (its bootstrap confidence interval excludes 0); the model "
              "has no direct path from the predictor to the outcome, so the direct effect cannot be tested "
              "and full and partial mediation cannot be told apart.",
    },
}

BASIS: dict[str, dict[str, str]] = {
    "mediation": {
        "zh": "总效应显著，按中介效应立论。",
        "en": "The total effect is significant: the result is argued as mediation.",
    },
    "suppression": {
        "zh": "总效应不显著，按遮掩效应立论。",
        "en": "The total effect is not significant: the result is argued as a suppression effect.",
    },
}


@dataclass(frozen=True)
class Effect:
    """A defined parameter recognized as an indirect or a total effect of ``x`` on ``y``."""

    name: str
    kind: str  # "indirect" or "total"
    x: str
    y: str
    chains: tuple[tuple[str, ...], ...]  # variables along each product, x ... y


def _expand(node: ast.AST, defined: dict[str, ast.AST]) -> dict[tuple[str, ...], float] | None:
    """The expression as a polynomial in labels: {sorted labels: coefficient}; None if not one."""
    if isinstance(node, ast.Expression):
        return _expand(node.body, defined)
    if isinstance(node, ast.Name):
        if node.id in defined:
            return _expand(defined[node.id], defined)
        return {(node.id,): 1.0}
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return {(): float(node.value)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _expand(node.operand, defined)
        if inner is None:
            return None
        return {k: (-v if isinstance(node.op, ast.USub) else v) for k, v in inner.items()}
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        left, right = _expand(node.left, defined), _expand(node.right, defined)
        if left is None or right is None:
            return None
        out: dict[tuple[str, ...], float] = defaultdict(float)
        if isinstance(node.op, ast.Mult):
            for (kl, vl), (kr, vr) in itertools.product(left.items(), right.items()):
                out[tuple(sorted(kl + kr))] += vl * vr
        else:
            sign = -1.0 if isinstance(node.op, ast.Sub) else 1.0
            for k, v in left.items():
                out[k] += v
            for k, v in right.items():
                out[k] += sign * v
        return {k: v for k, v in out.items() if v != 0}
    return None


def _chain(edges: list[tuple[str, str]]) -> tuple[str, ...] | None:
    """Order edges (from, to) into one path; None when they do not form one."""
    if not edges:
        return None
    tos = [e[1] for e in edges]
    starts = [e for e in edges if e[0] not in tos]
    if len(starts) != 1:
        return None
    by_from: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for e in edges:
        by_from[e[0]].append(e)
    path = [starts[0][0]]
    used = 0
    cur = starts[0]
    while True:
        path.append(cur[1])
        used += 1
        nxt = by_from.get(cur[1], [])
        if not nxt:
            break
        if len(nxt) != 1:
            return None
        cur = nxt[0]
        if used > len(edges):
            return None
    if used != len(edges) or len(set(path)) != len(path):
        return None
    return tuple(path)


def identify_effects(pt: ParTable) -> dict[str, Effect]:
    """Indirect and total effects among the defined parameters of ``pt`` (see module docstring)."""
    t = pt.table
    paths: dict[str, list[tuple[str, str]]] = defaultdict(list)  # label -> (from, to) of '~' rows
    for lhs, op, rhs, label in zip(t["lhs"], t["op"], t["rhs"], t["label"]):
        if op == "~" and label:
            paths[label].append((rhs, lhs))
    defined = {}
    out: dict[str, Effect] = {}
    for d in pt.defined:
        try:
            tree = ast.parse(d.rhs.replace("^", "**"), mode="eval")
        except SyntaxError:
            continue
        poly = _expand(tree, defined)
        defined[d.lhs] = tree.body
        if not poly or any(v != 1.0 for v in poly.values()):
            continue
        chains = []
        for labels in poly:
            if not labels or any(lab not in paths for lab in labels):
                chains = None
                break
            found = None
            for edges in itertools.product(*(paths[lab] for lab in labels)):
                found = _chain(list(edges))
                if found:
                    break
            if found is None:
                chains = None
                break
            chains.append(found)
        if not chains:
            continue
        ends = {(c[0], c[-1]) for c in chains}
        if len(ends) != 1:
            continue
        x, y = ends.pop()
        lengths = [len(c) - 1 for c in chains]
        if min(lengths) >= 2:
            kind = "indirect"
        elif lengths.count(1) == 1:
            kind = "total"
        else:
            continue
        out[d.lhs] = Effect(name=d.lhs, kind=kind, x=x, y=y, chains=tuple(chains))
    return out


def _excludes_zero(lo: float, hi: float) -> bool:
    return bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))


def decide(
    *,
    ab: float,
    ab_ci: tuple[float, float],
    direct: float | None,
    direct_ci: tuple[float, float] | None,
    total: float,
    total_ci: tuple[float, float],
) -> dict:
    """The decision of the procedure for one indirect effect.

    Returns ``decision`` (a key of :data:`DECISIONS`), ``basis`` (a key of :data:`BASIS`),
    ``effect_ratio`` (ab/c) and ``direct_ratio`` (|ab/c'|), each NaN where undefined, and the
    texts ``decision_zh``, ``decision_en``, ``basis_zh``, ``basis_en``.
    """
    ab_sig = _excludes_zero(*ab_ci)
    basis = "mediation" if _excludes_zero(*total_ci) else "suppression"
    if not ab_sig:
        decision = "no_mediation"
    elif direct is None:
        decision = "no_direct_path"
    elif not _excludes_zero(*direct_ci):
        decision = "full"
    elif np.sign(ab) == np.sign(direct):
        decision = "partial"
    else:
        decision = "suppression"
    ratio = ab / total if total != 0 and np.isfinite(total) else float("nan")
    dratio = abs(ab / direct) if direct not in (None, 0) and np.isfinite(direct) else float("nan")
    return {
        "decision": decision, "basis": basis, "effect_ratio": float(ratio), "direct_ratio": float(dratio),
        "decision_zh": DECISIONS[decision]["zh"], "decision_en": DECISIONS[decision]["en"],
        "basis_zh": BASIS[basis]["zh"], "basis_en": BASIS[basis]["en"],
    }
