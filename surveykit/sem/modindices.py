"""Score tests: modification indices (lavaan's ``modindices()``) and the release of equality
constraints (lavaan's ``lavTestScore()``), for every estimator.

Modification indices are computed for every parameter lavaan lists: every fixed parameter of
the model (fixed loadings, variances, covariances such as those of orthogonal factors, means),
and every parameter of lavaan's "full" table that the model lacks (``lav_partable_full``):
loadings of every latent variable on every observed variable outside regressions,
covariances among indicators and among covariates, covariances among latent variables,
regressions among the variables of the structural part, means, thresholds and scaling
factors.  For the candidates c, with the model's parameters theta at their estimates and the
candidates at their current values (0 for a new path),

    MI_c = N u_c^2 / V_cc,  V = I_cc - I_c,theta I_theta,theta^-1 I_theta,c,  EPC_c = -u_c / V_cc,

with u the gradient of the estimator's objective per observation and I the expected
information of the model extended by the candidates (lavaan's default ``information =
"expected"``).  A candidate whose ``V_cc`` is below ``eps^(1/3)`` (not identified together with
the model) gets no index and is not listed, as in lavaan.  The standardized EPCs scale the EPC as
the standardized solution scales that kind of parameter (for a variance, lavaan's
``cov.std`` convention standardizes the estimate itself).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from surveykit.errors import SpecError
from surveykit.sem.estimate import group_pieces
from surveykit.sem.inference import Context, invert_information, model_information
from surveykit.sem.moments import group_models
from surveykit.sem.partable import ParTable
from surveykit.sem.solution import Solution

__all__ = ["modindices", "score_tests", "full_candidates"]

_EPS13 = np.finfo(float).eps ** (1.0 / 3.0)


def full_candidates(pt: ParTable, *, strict_exo: bool = False) -> list[dict]:
    """The rows of lavaan's "full" parameter table that ``pt`` lacks, per group (see the module
    docstring), as dicts with lhs, op, rhs, group.  ``strict_exo`` (lavaan, given the covariates
    under conditional.x): nothing about the covariates themselves (their (co)variances, means, or
    regressions of a covariate)."""
    t = pt.table
    lv = list(pt.lv_names)
    ov = list(pt.ov_names)
    ov_x = [v for v in ov if v in set(pt.ov_exo)]
    ov_nox = [v for v in ov if v not in set(ov_x)]
    ov_ind = {r for o, r in zip(t["op"], t["rhs"]) if o == "=~" and r not in set(lv)}
    eqs = list(dict.fromkeys([a for a, o in zip(t["lhs"], t["op"]) if o == "~"]
                             + [b for b, o in zip(t["rhs"], t["op"]) if o == "~"]))
    eq_set = set(eqs)
    present = set()
    for lhs, op, rhs, g in zip(t["lhs"], t["op"], t["rhs"], t["group"]):
        present.add((lhs, op, rhs, int(g)))
        if op == "~~":
            present.add((rhs, op, lhs, int(g)))
    ov_other = {v for v in ov if v not in ov_ind}
    out: list[dict] = []
    for g in range(1, pt.ngroups + 1):
        rows: list[tuple[str, str, str]] = []
        rows += [(f, "=~", v) for f in lv for v in ov_nox if v not in eq_set]
        for j, a in enumerate(ov_nox):
            for b in ov_nox[j:]:
                if a in ov_other or b in ov_other:
                    continue
                rows.append((a, "~~", b))
        for j, a in enumerate(ov_x if not strict_exo else []):
            rows += [(a, "~~", b) for b in ov_x[j:]]
        for j, a in enumerate(lv):
            rows += [(a, "~~", b) for b in lv[j:]]
        eqs_y = [y for y in eqs if not (strict_exo and y in set(ov_x))]
        rows += [(y, "~", x) for y in eqs_y for x in eqs if y != x and not (y in ov_ind and x in set(lv))]
        if pt.meanstructure:
            rows += [(v, "~1", "") for v in (ov_nox if strict_exo else ov) + lv]
        for v in pt.ov_ord:
            th = t[(t["group"] == g) & (t["op"] == "|") & (t["lhs"] == v)]
            rows += [(v, "|", r) for r in th["rhs"]]
        if pt.ngroups > 1:
            rows += [(v, "~*~", v) for v in pt.ov_ord]
        for lhs, op, rhs in rows:
            if (lhs, op, rhs, g) in present:
                continue
            present.add((lhs, op, rhs, g))
            if op == "~~":
                present.add((rhs, op, lhs, g))
            out.append({"lhs": lhs, "op": op, "rhs": rhs, "group": g})
    return out


def _extended(pt: ParTable, theta: np.ndarray, new_rows: list[dict], free_rows: list[int],
              release: list[int] = ()) -> tuple[ParTable, np.ndarray, list[int]]:
    """``pt`` with the fixed rows ``free_rows`` and the rows ``release`` (whose free index is
    shared) given their own free index, and ``new_rows`` appended as free parameters; the
    extended parameter vector (candidates at their current values) and the candidates' free
    indices (0-based), in the order ``free_rows``, ``new_rows``, ``release``."""
    t = pt.table.copy()
    n_free = pt.n_free
    ext = list(theta)
    cand = []
    free = t["free"].to_numpy().copy()
    for i in free_rows:
        n_free += 1
        free[i] = n_free
        ext.append(float(t["ustart"].iat[i]))
        cand.append(n_free - 1)
    t["free"] = free
    add = []
    for r in new_rows:
        n_free += 1
        add.append({"id": 0, "lhs": r["lhs"], "op": r["op"], "rhs": r["rhs"], "group": r.get("group", 1),
                    "user": 10, "free": n_free, "ustart": np.nan, "start": np.nan, "label": "", "exo": 0, "line": 0})
        ext.append(0.0)
        cand.append(n_free - 1)
    rel = []
    for i in release:
        n_free += 1
        ext.append(float(theta[int(t["free"].iat[i]) - 1]))
        free = t["free"].to_numpy().copy()
        free[i] = n_free
        t["free"] = free
        rel.append(n_free - 1)
    if add:
        t = pd.concat([t, pd.DataFrame(add)], ignore_index=True)
    return dataclasses.replace(pt, table=t), np.array(ext), cand + rel


def _score_and_information(est, pt_ext: ParTable, theta_ext: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(gradient of the estimator's objective per observation, expected information per
    observation) of the extended model at ``theta_ext``."""
    from surveykit.sem.discrepancy import FIML, LeastSquares

    models = tuple(group_models(pt_ext))
    o = est.options
    ctx = Context(options=o, stats=est.stats, models=models, theta=theta_ext)
    info = model_information(ctx, "expected", h1_structured=o.h1_information[0] == "structured")
    k = len(theta_ext)
    if o.fiml:
        grad = 0.5 * FIML([m.ram for m in models], est.stats).gradient(theta_ext)
    elif o.base == "ML":
        n = est.stats.nobs
        grad = np.zeros(k)
        for m, gm in zip(models, est.stats.groups):
            grad += gm.nobs / n * 0.5 * group_pieces(m.ram, theta_ext, gm, hessian=False)[0]
    else:
        grad = 0.5 * LeastSquares(list(models), est.stats).pieces(theta_ext, hessian=False)[0]
    return grad, info


def _original_inverse(est) -> np.ndarray:
    o = est.options
    info = model_information(est.ctx, "expected", h1_structured=o.h1_information[0] == "structured")
    inv = invert_information(info, warn=False)
    if inv is None:
        raise SpecError("Modification indices cannot be computed: the model's information matrix is singular "
                        "(the model is not identified).")
    return inv


def score_tests(fit, *, new_rows: list[dict] = (), release: list[int] = ()) -> pd.DataFrame:
    """Score tests for adding ``new_rows`` (dicts with lhs, op, rhs, group) and for releasing the
    table rows ``release`` (row indices of ``fit.partable.table`` whose free index is shared),
    each candidate on its own.  Returns lhs, op, rhs, group, mi, epc.

    Adding: the score of the model's own parameters is zero at the estimate, so the index is
    ``N u_c^2 / V_cc`` (see the module docstring).  Releasing a constraint changes the score of the
    parameter it shared, so each release is tested with the full quadratic form ``N u' I^-1 u`` of
    its own expanded model (lavaan's ``lavTestScore()`` univariate tests).
    """
    est = fit._estimation
    pt = est.pt
    n = est.stats.nobs
    new_rows, release = list(new_rows), list(release)
    rows = []
    if new_rows:
        pt_ext, theta_ext, cand = _extended(pt, est.theta, new_rows, [])
        u, info = _score_and_information(est, pt_ext, theta_ext)
        mi, epc = _indices(u, info, cand, _original_inverse(est), n)
        for r, m_, e_ in zip(new_rows, mi, epc):
            rows.append({"lhs": r["lhs"], "op": r["op"], "rhs": r["rhs"], "group": r.get("group", 1), "mi": m_,
                         "epc": e_})
    t0 = pt.table
    for i in release:
        pt_ext, theta_ext, cand = _extended(pt, est.theta, [], [], [i])
        u, info = _score_and_information(est, pt_ext, theta_ext)
        try:
            step = np.linalg.solve(info, -u)
            mi, epc = float(n * (-u) @ step), float(step[cand[0]])
        except np.linalg.LinAlgError:
            mi, epc = np.nan, np.nan
        rows.append({"lhs": t0["lhs"].iat[i], "op": t0["op"].iat[i], "rhs": t0["rhs"].iat[i],
                     "group": int(t0["group"].iat[i]), "mi": mi, "epc": epc})
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "group", "mi", "epc"])


def _indices(u: np.ndarray, info: np.ndarray, cand: list[int], i22_inv: np.ndarray, n: int):
    model_idx = np.setdiff1d(np.arange(len(u)), cand)
    i12 = info[np.ix_(cand, model_idx)]
    v = info[np.ix_(cand, cand)] - i12 @ i22_inv @ i12.T
    vd = np.diag(v).copy()
    vd[vd < _EPS13] = np.nan
    uc = u[cand]
    with np.errstate(invalid="ignore", divide="ignore"):
        mi = n * uc * uc / vd
        epc = -uc / vd
    return mi, epc


def modindices(fit, *, minimum_value: float = 0.0, sort: bool = False) -> pd.DataFrame:
    """Modification indices with EPC and standardized EPC (lavaan's ``modindices()``; see the
    module docstring).  Columns: lhs, op, rhs, (group,) mi, epc, sepc_lv, sepc_all, sepc_nox; in
    lavaan's order unless ``sort`` (by mi, largest first)."""
    est = fit._estimation
    if est is None:
        raise SpecError("This result carries no estimation to compute modification indices from.")
    pt = est.pt
    t = pt.table
    ordset = set(pt.ov_ord) if pt.parameterization == "delta" else set()
    # every fixed row, except the residual variances of ordinal indicators in the delta
    # parameterization, which are not parameters (lavaan gives them no index)
    strict_exo = est.options.conditional_x  # the covariates' own moments are not part of the model
    fixed = [i for i in range(len(t)) if t["free"].iat[i] == 0 and not (
        t["op"].iat[i] == "~~" and t["lhs"].iat[i] == t["rhs"].iat[i] and t["lhs"].iat[i] in ordset)
        and not (strict_exo and t["exo"].iat[i] == 1)]
    new = full_candidates(pt, strict_exo=strict_exo)
    pt_ext, theta_ext, cand = _extended(pt, est.theta, new, fixed)
    u, info = _score_and_information(est, pt_ext, theta_ext)
    mi, epc = _indices(u, info, cand, _original_inverse(est), est.stats.nobs)
    rows = [(t["lhs"].iat[i], t["op"].iat[i], t["rhs"].iat[i], int(t["group"].iat[i])) for i in fixed]
    rows += [(r["lhs"], r["op"], r["rhs"], r["group"]) for r in new]
    # standardized EPCs: the extended table's rows standardized with the model's own moments
    ext_rows = fixed + list(range(len(t), len(pt_ext.table)))
    from surveykit.sem.assemble import complete_models

    rams, _ = complete_models(dataclasses.replace(est, models=tuple(group_models(pt_ext)), pt=pt_ext),
                              theta=theta_ext)
    sol = Solution.build(pt_ext, rams)
    values = sol.estimates(theta_ext).copy()
    te = pt_ext.table
    is_var = np.array([(te["op"].iat[i] == "~~" and te["lhs"].iat[i] == te["rhs"].iat[i]
                        and te["exo"].iat[i] == 0) for i in ext_rows], dtype=bool)
    absepc = np.abs(epc)
    vals_c = np.where(is_var, values[ext_rows], absepc)
    small = is_var & (np.abs(vals_c) < np.sqrt(np.finfo(float).eps))
    values[ext_rows] = vals_c
    std_lv, std_all = sol.standardized(theta_ext, values)
    _, std_nox = sol.standardized(theta_ext, values, nox=tuple(pt.ov_exo))
    sign = np.sign(epc)
    out = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "group"])
    out["mi"] = mi
    out["epc"] = epc
    out["sepc_lv"] = np.where(small, 0.0, sign * std_lv[ext_rows])
    out["sepc_all"] = np.where(small, 0.0, sign * std_all[ext_rows])
    out["sepc_nox"] = np.where(small, 0.0, sign * std_nox[ext_rows])
    out = out[out["mi"].notna() & (out["mi"] >= minimum_value)]
    if pt.ngroups == 1:
        out = out.drop(columns="group")
    if sort:
        out = out.sort_values("mi", ascending=False, kind="stable")
    return out.reset_index(drop=True)
