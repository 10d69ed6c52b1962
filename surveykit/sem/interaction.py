"""Latent interactions ``y ~ a + b + a:b`` in model syntax: the terms, their checks, and the
product-indicator method (semTools' ``indProd`` with lavaan's ``sem()``).

The product-indicator method (Marsh, Wen & Hau 2004; Lin, Wen, Marsh & Lin 2010) turns the
interaction into a latent variable ``a.b`` measured by products of the indicators of ``a`` and
``b``, built as semTools' ``indProd(data, var1, var2, match=, meanC=TRUE, residualC=FALSE,
doubleMC=TRUE)`` builds them: every indicator centered at its mean (over its observed values),
the products formed, and every product centered again (double-mean-centering).  Because the
products are centered, no mean structure is needed (Lin et al. 2010): the model is fitted by
the ordinary :func:`surveykit.sem.sem` pipeline, the product latent covarying freely with the
other exogenous latent variables (the "unconstrained approach").

``match=True`` pairs the indicators in order (``a1.b1, a2.b2, ...``; both factors need the
same number of indicators, as in semTools); ``match=False`` uses all pairs (``a1.b1, a1.b2,
..., a2.b1, ...``, semTools' order) and lets the residuals of two products that share an
indicator covary (``a1.b1 ~~ a1.b2``), as Marsh, Wen & Hau (2004) prescribe for the all-pairs
strategy: products sharing an item share that item's measurement error, and leaving these
covariances out misfits and biases the interaction.  (Matched pairs share no item.)

The latent moderated structural equations (LMS) method is :mod:`surveykit.sem.lms`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.results import ResultMixin, Summary, to_jsonable
from surveykit.sem.syntax import SyntaxRow

__all__ = ["InteractionTerm", "SimpleSlopesResult", "interaction_terms", "product_indicators",
           "expand_product_indicators", "simple_slopes"]

METHODS = ("product_indicator", "lms")


@dataclass(frozen=True)
class InteractionTerm:
    """The latent interaction ``left:right`` and what represents it: the name of the product
    latent variable, its indicators (product indicators; empty for LMS) and the outcomes."""

    left: str
    right: str
    name: str
    outcomes: tuple[str, ...]
    indicators: tuple[str, ...] = ()
    match: bool | None = None

    @property
    def term(self) -> str:
        return f"{self.left}:{self.right}"

    def to_dict(self) -> dict:
        return {"term": self.term, "latent": self.name, "outcomes": list(self.outcomes),
                "indicators": list(self.indicators), "match": self.match}


def _check_term(left: str, right: str, r: SyntaxRow, lv: set[str], measured: dict[str, list[str]]) -> None:
    where = f"Model syntax line {r.line}: the interaction '{left}:{right}'"
    if left == right:
        raise ModelSpecificationError(
            f"{where} multiplies {left} with itself; quadratic latent terms are not supported, use two different "
            "latent variables.")
    for name in (left, right):
        if name not in lv:
            raise ModelSpecificationError(
                f"{where} names {name}, which no '=~' line defines as a latent variable; define it ('{name} =~ ...'), "
                f"or for an observed moderator a single-indicator latent ('{name} =~ 1*column').")
        if not measured.get(name):
            raise ModelSpecificationError(f"{where}: {name} has no indicators.")
    if r.lhs in (left, right):
        raise ModelSpecificationError(f"{where} predicts {r.lhs}, one of its own factors; remove it.")


def interaction_terms(rows: list[SyntaxRow]) -> tuple[InteractionTerm, ...]:
    """The distinct interactions of parsed rows (``a:b`` and ``b:a`` are one), each checked:
    two different latent variables defined by ``=~``."""
    lv = {r.lhs for r in rows if r.op == "=~"}
    measured: dict[str, list[str]] = {}
    for r in rows:
        if r.op == "=~":
            measured.setdefault(r.lhs, []).append(r.rhs)
    found: dict[frozenset, tuple[str, str, list[str]]] = {}
    for r in rows:
        if r.op != "~" or ":" not in r.rhs:
            continue
        left, right = r.rhs.split(":")
        _check_term(left, right, r, lv, measured)
        key = frozenset((left, right))
        if key not in found:
            found[key] = (left, right, [])
        if r.lhs not in found[key][2]:
            found[key][2].append(r.lhs)
    names = {r.lhs for r in rows} | {r.rhs for r in rows}
    out = []
    for left, right, outcomes in found.values():
        name = f"{left}.{right}"
        if name in names:
            raise ModelSpecificationError(
                f"The product latent of '{left}:{right}' would be called {name}, a name the model already uses; "
                "rename that variable.")
        out.append(InteractionTerm(left=left, right=right, name=name, outcomes=tuple(outcomes)))
    return tuple(out)


def _centered(col: pd.Series) -> pd.Series:
    return col - col.mean()  # pandas skips missing values, as R's scale(): a product of a missing item is missing


def product_indicators(data: pd.DataFrame, var1, var2, *, match: bool = True) -> pd.DataFrame:
    """Double-mean-centered product indicators, as semTools ``indProd(data, var1, var2,
    match=match, meanC=TRUE, residualC=FALSE, doubleMC=TRUE)``: columns named ``"a.b"``, in
    semTools' order.

    Examples
    --------
    >>> import surveykit as sk
    >>> hs = sk.datasets.holzinger_swineford()
    >>> list(product_indicators(hs, ["x1", "x2"], ["x4", "x5"]).columns)
    ['x1.x4', 'x2.x5']
    """
    var1, var2 = list(var1), list(var2)
    missing = [v for v in var1 + var2 if v not in data.columns]
    if missing:
        raise SpecError(f"The data have no column {', '.join(map(repr, missing))} to build product indicators from.")
    if match and len(var1) != len(var2):
        raise ModelSpecificationError(
            f"Matched-pair product indicators need the same number of indicators on both factors ({len(var1)} and "
            f"{len(var2)}); use match=False (all pairs) or give both factors as many indicators.")
    cols = {}
    for v in var1 + var2:
        try:
            cols[v] = _centered(pd.to_numeric(data[v], errors="raise").astype(float))
        except (TypeError, ValueError):
            raise SpecError(f"Column {v!r} is not numeric; product indicators need numeric items.") from None
    pairs = list(zip(var1, var2)) if match else [(a, b) for a in var1 for b in var2]
    out = pd.DataFrame({f"{a}.{b}": _centered(cols[a] * cols[b]) for a, b in pairs}, index=data.index)
    return out


def _all_pairs_covariances(pairs: list[tuple[str, str]]) -> list[str]:
    """``p ~~ q`` for every two products that share an indicator (Marsh, Wen & Hau 2004)."""
    lines = []
    for i, (a1, b1) in enumerate(pairs):
        for a2, b2 in pairs[i + 1:]:
            if a1 == a2 or b1 == b2:
                lines.append(f"{a1}.{b1} ~~ {a2}.{b2}")
    return lines


def _indicators(rows: list[SyntaxRow], lv: str, latents: set[str]) -> list[str]:
    items = [r.rhs for r in rows if r.op == "=~" and r.lhs == lv]
    nested = [v for v in items if v in latents]
    if nested:
        raise ModelSpecificationError(
            f"{lv} is measured by the latent variable(s) {', '.join(nested)}; product indicators need observed "
            "indicators (use interaction='lms' for higher-order factors).")
    return items


def expand_product_indicators(model: str, rows: list[SyntaxRow], frame: pd.DataFrame, *, match: bool = True
                              ) -> tuple[str, pd.DataFrame, tuple[InteractionTerm, ...]]:
    """The model with every ``a:b`` replaced by the product latent ``a.b`` and its
    measurement model appended, the data with the product indicators, and the terms."""
    terms = interaction_terms(rows)
    latents = {r.lhs for r in rows if r.op == "=~"}
    frame = frame.copy()
    lines, out_terms = [], []
    for t in terms:
        var1, var2 = _indicators(rows, t.left, latents), _indicators(rows, t.right, latents)
        prods = product_indicators(frame, var1, var2, match=match)
        clash = [c for c in prods.columns if c in frame.columns]
        if clash:
            raise SpecError(
                f"The data already have a column {clash[0]!r}, the name of a product indicator of '{t.term}'; "
                "rename that column.")
        frame = pd.concat([frame, prods], axis=1)
        kind = "matched pairs" if match else "all pairs"
        lines.append(f"# {t.term}: double-mean-centered product indicators ({kind})")
        lines.append(f"{t.name} =~ {' + '.join(prods.columns)}")
        if not match:
            lines += _all_pairs_covariances([(a, b) for a in var1 for b in var2])
        out_terms.append(InteractionTerm(left=t.left, right=t.right, name=t.name, outcomes=t.outcomes,
                                         indicators=tuple(prods.columns), match=match))
    for t in terms:
        for a, b in ((t.left, t.right), (t.right, t.left)):
            pattern = rf"(?<![\w.]){re.escape(a)}\s*:\s*{re.escape(b)}(?![\w.])"
            model = re.sub(pattern, t.name, model)
    return model.rstrip() + "\n" + "\n".join(lines) + "\n", frame, tuple(out_terms)


def check_method(method: str, match) -> None:
    if method not in METHODS:
        raise SpecError(f"interaction={method!r} is not a method for latent interactions; use one of "
                        f"{', '.join(map(repr, METHODS))}.")
    if not isinstance(match, (bool, np.bool_)):
        raise SpecError(f"match= must be True (matched pairs) or False (all pairs), not {match!r}.")


def _parameter(fit, lhs: str, op: str, rhs: str) -> tuple[float, int]:
    """(value, free index or -1) of a row of a fit's parameter table; (0, -1) when absent."""
    t = fit.partable.table
    rows = t[(t["lhs"] == lhs) & (t["op"] == op) & (t["rhs"] == rhs)]
    if op == "~~" and rows.empty:
        rows = t[(t["lhs"] == rhs) & (t["op"] == op) & (t["rhs"] == lhs)]
    if rows.empty:
        return 0.0, -1
    free = int(rows["free"].iloc[0])
    if free > 0:
        return float(fit._theta[free - 1]), free - 1
    return float(rows["ustart"].iloc[0]), -1


def _check_marker_scale(fit, term: InteractionTerm) -> None:
    """A product latent measures the product of its factors only when every one of the three is
    scaled by a first loading fixed at 1 (then ``a1.b1 = (a + e1)(b + e2) - mean`` loads 1 on
    ``a b``); with ``std_lv`` or other scalings the slopes would be on another scale."""
    t = fit.partable.table
    for lv in (term.left, term.right, term.name):
        rows = t[(t["lhs"] == lv) & (t["op"] == "=~")]
        if rows.empty or int(rows["free"].iloc[0]) != 0 or float(rows["ustart"].iloc[0]) != 1.0:
            raise SpecError(
                f"Simple slopes from product indicators need {lv} scaled by its first loading fixed at 1 (lavaan's "
                "default, not std_lv=True): only then is the product latent on the scale of the product of its "
                "factors. Refit without std_lv, or use interaction='lms'.")


@dataclass(frozen=True, repr=False)
class SimpleSlopesResult(ResultMixin):
    """Simple slopes of ``focal`` on ``outcome`` at values of the latent ``moderator``."""

    outcome: str
    focal: str
    moderator: str
    method: str
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict:
        return to_jsonable({"outcome": self.outcome, "focal": self.focal, "moderator": self.moderator,
                            "method": self.method, "slopes": self.table})

    def _repr_line(self) -> str:
        return f"SimpleSlopesResult {self.outcome} ~ {self.focal} at {self.moderator}"

    def summary(self) -> Summary:
        title = f"Simple slopes: the effect of {self.focal} on {self.outcome} at values of {self.moderator}"
        return Summary(title=title,
                       tables=(("Slopes", self.table),),
                       notes=(f"Estimated by {self.method}; standard errors by the delta method (the moderator's "
                              "SD and mean are estimates too).",))


def simple_slopes(fit, outcome: str, focal: str, moderator: str, *, at=(-1.0, 0.0, 1.0)) -> SimpleSlopesResult:
    """The effect of the latent ``focal`` on ``outcome`` where the latent ``moderator`` is at
    its mean + ``at`` standard deviations (default -1, 0, +1 SD): ``b_focal + b_product * w``
    with ``w = mean + at * sqrt(var)``, from a product-indicator (:class:`SEMResult`) or an LMS
    fit, with delta-method standard errors (over the two coefficients, the moderator's variance
    and mean), z, p and 95% intervals.

    Examples
    --------
    >>> import surveykit as sk
    >>> hs = sk.datasets.holzinger_swineford()
    >>> fit = sk.sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9\\n"
    ...              "speed ~ visual + textual + visual:textual", hs)
    >>> simple_slopes(fit, "speed", "visual", "textual").to_frame()["at_sd"].tolist()
    [-1.0, 0.0, 1.0]
    """
    terms = getattr(fit, "interactions", ())
    term = next((t for t in terms if {t.left, t.right} == {focal, moderator}), None)
    if term is None:
        have = ", ".join(t.term for t in terms) or "none"
        raise SpecError(f"The fit has no interaction of {focal} and {moderator} (its interactions: {have}).")
    if outcome not in term.outcomes:
        raise SpecError(f"The interaction {term.term} does not predict {outcome} (it predicts "
                        f"{', '.join(term.outcomes)}).")
    if term.indicators:
        _check_marker_scale(fit, term)
    try:
        at = np.asarray([float(a) for a in np.atleast_1d(at)])
    except (TypeError, ValueError):
        raise SpecError(f"at= must be numbers of standard deviations, not {at!r}.") from None
    values = [_parameter(fit, outcome, "~", focal), _parameter(fit, outcome, "~", term.name),
              _parameter(fit, moderator, "~~", moderator), _parameter(fit, moderator, "~1", "")]
    (b1, _), (b3, _), (var, _), (mean, _) = values
    sd = math.sqrt(var) if var > 0 else math.nan
    idx = [i for _, i in values]
    vc = np.asarray(fit._vcov, dtype=float)
    rows = []
    for a in at:
        w = mean + a * sd
        grad = np.array([1.0, w, b3 * a / (2 * sd), b3])  # d/d(b1, b3, var, mean)
        sub = np.array([[vc[i, j] if i >= 0 and j >= 0 else 0.0 for j in idx] for i in idx])
        est, se = b1 + b3 * w, math.sqrt(max(float(grad @ sub @ grad), 0.0))
        z = est / se if se > 0 else math.nan
        rows.append({"at_sd": a, "moderator_value": w, "slope": est, "se": se, "z": z,
                     "pvalue": float(2 * stats.norm.sf(abs(z))), "ci_lower": est - 1.959963984540054 * se,
                     "ci_upper": est + 1.959963984540054 * se})
    method = "LMS" if getattr(fit, "estimator", "") == "ML (LMS)" else "product indicators"
    return SimpleSlopesResult(outcome=outcome, focal=focal, moderator=moderator, method=method,
                              table=pd.DataFrame(rows))
