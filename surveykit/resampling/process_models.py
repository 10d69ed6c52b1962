"""The PROCESS model templates (Hayes, 2022, appendix A) as equations of variable-level terms.

A model is a list of OLS equations, one per outcome (each mediator, then Y; models 4 and 6 also
the total effect model of Y on X), each a list of *terms*: tuples of variable names whose
product is a predictor (``("IDE",)``, ``("IDE", "INS")``); covariates come last in every
equation, as PROCESS enters them by default.  What a model moderates is said by which stage a
moderator enters:

=====  ==========================  ===========================  ===================
model  X -> M (first stage)        M -> Y (second stage)        X -> Y (direct)
=====  ==========================  ===========================  ===================
1      (no mediator: Y = X, W, XW)
2      (no mediator: Y = X, W, Z, XW, XZ)
3      (no mediator: Y = X, W, Z, XW, XZ, WZ, XWZ)
4      -                           -                            -
5      -                           -                            W
6      serial: M_j = X, M_1 .. M_{j-1}; Y = X, M_1 .. M_k
7      W                           -                            -
8      W                           -                            W
9      W, Z                        -                            -
14     -                           W                            -
15     -                           W                            W
21     W                           Z                            -
58     W                           W                            -
59     W                           W                            W
=====  ==========================  ===========================  ===================

Mediators are parallel (one equation each, none predicting another) except in model 6.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MODELS", "Equation", "ProcessModel", "build_model"]

# model: (first-stage moderators, second-stage moderators, direct-effect moderators)
_MEDIATION = {
    4: ((), (), ()),
    5: ((), (), ("w",)),
    7: (("w",), (), ()),
    8: (("w",), (), ("w",)),
    9: (("w", "z"), (), ()),
    14: ((), ("w",), ()),
    15: ((), ("w",), ("w",)),
    21: (("w",), ("z",), ()),
    58: (("w",), ("w",), ()),
    59: (("w",), ("w",), ("w",)),
}
MODELS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15, 21, 58, 59)
# the roles each model needs (besides x and y); mediators: (fewest, most)
NEEDS = {1: ("w",), 2: ("w", "z"), 3: ("w", "z"), 4: ("m",), 5: ("m", "w"), 6: ("m",), 7: ("m", "w"),
         8: ("m", "w"), 9: ("m", "w", "z"), 14: ("m", "w"), 15: ("m", "w"), 21: ("m", "w", "z"),
         58: ("m", "w"), 59: ("m", "w")}
MEDIATORS = {6: (2, 4)}  # serial mediation: 2 to 4 mediators in order; other models: 1 to 10 in parallel
MAX_PARALLEL = 10


@dataclass(frozen=True)
class Equation:
    """One OLS equation: ``outcome`` on ``terms`` (variable-level products, covariates last)."""

    outcome: str
    terms: tuple[tuple[str, ...], ...]
    kind: str  # "mediator", "outcome" or "total" (the total effect model of models 4 and 6)

    @property
    def label(self) -> str:
        return "total" if self.kind == "total" else self.outcome

    def highest_order(self) -> tuple[tuple[str, ...], ...]:
        """The product terms of the highest order (PROCESS tests their R-squared change)."""
        order = max((len(t) for t in self.terms), default=1)
        return tuple(t for t in self.terms if order > 1 and len(t) == order)


@dataclass(frozen=True)
class ProcessModel:
    number: int
    x: str
    m: tuple[str, ...]
    y: str
    w: str | None
    z: str | None
    equations: tuple[Equation, ...]
    paths: tuple[tuple[str, ...], ...]  # indirect paths x, m ..., y

    @property
    def moderators(self) -> tuple[str, ...]:
        return tuple(v for v in (self.w, self.z) if v is not None)

    def equation(self, label: str) -> Equation:
        return next(e for e in self.equations if e.label == label)


def _products(focal: str, mods: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [(focal, v) for v in mods]


def build_model(number: int, *, x: str, m: tuple[str, ...], y: str, w: str | None, z: str | None,
                covariates: tuple[str, ...]) -> ProcessModel:
    """The equations of PROCESS model ``number`` for these variables (see the module docstring)."""
    cov = tuple((c,) for c in covariates)
    role = {"w": w, "z": z}
    if number in (1, 2, 3):
        terms: list[tuple[str, ...]] = [(x,), (w,)]
        if number == 1:
            terms += [(x, w)]
        elif number == 2:
            terms += [(z,), (x, w), (x, z)]
        else:
            terms += [(z,), (x, w), (x, z), (w, z), (x, w, z)]
        eqs = (Equation(y, tuple(terms) + cov, "outcome"),)
        return ProcessModel(number, x, (), y, w, z, eqs, ())
    if number == 6:
        eqs_l = [Equation(mj, ((x,),) + tuple((mi,) for mi in m[:j]) + cov, "mediator") for j, mj in enumerate(m)]
        eqs_l.append(Equation(y, ((x,),) + tuple((mi,) for mi in m) + cov, "outcome"))
        eqs_l.append(Equation(y, ((x,),) + cov, "total"))
        # every ordered subset of the mediators is a path: x -> m_i1 -> ... -> y with i1 < i2 < ...
        paths = []
        k = len(m)
        for mask in range(1, 2**k):
            chosen = tuple(m[i] for i in range(k) if mask >> i & 1)
            paths.append((x, *chosen, y))
        paths.sort(key=lambda p: (len(p), [m.index(v) for v in p[1:-1]]))
        return ProcessModel(number, x, m, y, w, z, tuple(eqs_l), tuple(paths))
    first, second, direct = (tuple(role[r] for r in stage) for stage in _MEDIATION[number])
    eqs_l = [Equation(mi, ((x,),) + tuple((v,) for v in first) + tuple(_products(x, first)) + cov, "mediator")
             for mi in m]
    mods_y = tuple(v for v in (w, z) if v is not None and (v in second or v in direct))
    y_terms = [(x,), *((mi,) for mi in m), *((v,) for v in mods_y), *_products(x, direct)]
    for mi in m:
        y_terms += _products(mi, second)
    eqs_l.append(Equation(y, tuple(y_terms) + cov, "outcome"))
    if number == 4:
        eqs_l.append(Equation(y, ((x,),) + cov, "total"))
    return ProcessModel(number, x, m, y, w, z, tuple(eqs_l), tuple((x, mi, y) for mi in m))
