"""Score tests: modification indices for parameters not in the model, and for releasing
equality constraints (partial invariance).

For a fitted model with parameters theta and a set of candidate parameters c evaluated at
their current value (0 for a new path, the shared value for a released constraint), the
score test of one candidate j is

    MI_j = u_j^2 / (I_jj - I_j,theta I_theta,theta^-1 I_theta,j),    EPC_j = u_j / (same),

with u the score (gradient of the log-likelihood, ``-sum_g n_g/2 dF_g``) and I the expected
information of the expanded model (lavaan's ``modindices()`` with ``information =
"expected"``).  The standardized EPCs (``sepc_lv``, ``sepc_all``) scale the EPC as the
standardized solution scales that kind of parameter.
"""

from __future__ import annotations

import dataclasses
from itertools import combinations

import numpy as np
import pandas as pd

from surveykit.sem.estimate import group_pieces
from surveykit.sem.partable import ParTable
from surveykit.sem.ram import RamModel

__all__ = ["score_tests", "modindices", "candidate_rows"]


def _expanded(pt: ParTable, new_rows: list[dict], release: list[int]) -> tuple[ParTable, list[int]]:
    """A copy of ``pt`` with ``new_rows`` added (fixed at 0 but given free indices) and the rows in
    ``release`` given their own free index.  Returns the table and the free index (0-based)
    of each candidate, in the order new rows, then released rows."""
    t = pt.table.copy()
    n_free = int(t["free"].max()) if len(t) else 0
    cand = []
    for i in release:
        n_free += 1
        t.loc[i, "free"] = n_free
        cand.append(n_free - 1)
    add = []
    for r in new_rows:
        n_free += 1
        add.append({"id": 0, "lhs": r["lhs"], "op": r["op"], "rhs": r["rhs"], "group": r.get("group", 1),
                    "user": 0, "free": n_free, "ustart": np.nan, "start": np.nan, "label": "", "exo": 0, "line": 0})
        cand.append(n_free - 1)
    if add:
        t = pd.concat([t, pd.DataFrame(add)], ignore_index=True)
    new_cand = cand[len(release):] + cand[: len(release)]
    return dataclasses.replace(pt, table=t), new_cand


def _score_and_info(fit, pt: ParTable, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n_new = len(theta)
    score = np.zeros(n_new)
    info = np.zeros((n_new, n_new))
    for g, gm in enumerate(fit._moments.groups, start=1):
        model = RamModel.from_partable(pt, group=g)
        gd, h = group_pieces(model, theta, gm, "ML", None)
        score -= gm.nobs / 2.0 * gd
        info += gm.nobs / 2.0 * h
    return score, info


def _extended_theta(fit, pt: ParTable, cand: list[int], release: list[int]) -> np.ndarray:
    theta0 = np.asarray(fit._theta, dtype=float)
    theta = np.zeros(pt.n_free)
    theta[: len(theta0)] = theta0
    for i, k in zip(release, cand[len(cand) - len(release):]):
        theta[k] = theta0[int(fit.partable.table.loc[i, "free"]) - 1]
    return theta


def score_tests(fit, *, new_rows: list[dict] = (), release: list[int] = ()) -> pd.DataFrame:
    """Score tests for adding ``new_rows`` (dicts with lhs, op, rhs, group) and for releasing
    the table rows ``release`` (row indices of ``fit.partable.table`` whose free index is
    shared), each candidate on its own.

    Adding: the score of the model's own parameters is zero at the estimate, so
    ``MI_j = u_j^2 / (I_jj - I_j,theta I_theta,theta^-1 I_theta,j)`` for all candidates at once.
    Releasing a constraint changes the score of the parameter it shared, so each release is
    tested with the full quadratic form ``u' I^-1 u`` of its own expanded model (lavaan
    ``lavTestScore()`` univariate tests).  Returns lhs, op, rhs, group, mi, epc.
    """
    new_rows, release = list(new_rows), list(release)
    rows = []
    if new_rows:
        pt, cand = _expanded(fit.partable, new_rows, [])
        theta = _extended_theta(fit, pt, cand, [])
        score, info = _score_and_info(fit, pt, theta)
        old_idx = np.setdiff1d(np.arange(len(theta)), cand)
        i_oo = info[np.ix_(old_idx, old_idx)]
        try:
            i_oo_inv = np.linalg.inv(i_oo)
        except np.linalg.LinAlgError:
            i_oo_inv = np.linalg.pinv(i_oo)
        for r, k in zip(new_rows, cand):
            i_co = info[k, old_idx]
            schur = info[k, k] - i_co @ i_oo_inv @ i_co
            ok = schur > 1e-12 * max(info[k, k], 1e-300)
            rows.append({"lhs": r["lhs"], "op": r["op"], "rhs": r["rhs"], "group": r.get("group", 1),
                         "mi": score[k] ** 2 / schur if ok else np.nan, "epc": score[k] / schur if ok else np.nan})
    t0 = fit.partable.table
    for i in release:
        pt, cand = _expanded(fit.partable, [], [i])
        theta = _extended_theta(fit, pt, cand, [i])
        score, info = _score_and_info(fit, pt, theta)
        try:
            step = np.linalg.solve(info, score)
            mi, epc = float(score @ step), float(step[cand[0]])
        except np.linalg.LinAlgError:
            mi, epc = np.nan, np.nan
        rows.append({"lhs": t0.loc[i, "lhs"], "op": t0.loc[i, "op"], "rhs": t0.loc[i, "rhs"],
                     "group": int(t0.loc[i, "group"]), "mi": mi, "epc": epc})
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "group", "mi", "epc"])


def candidate_rows(pt: ParTable) -> list[dict]:
    """Parameters not in the model that lavaan's ``modindices()`` considers: cross-loadings of
    every latent variable on every indicator, and residual covariances between observed
    variables (exogenous covariates under fixed.x excluded), in every group."""
    t = pt.table
    present = set()
    for lhs, op, rhs, g in zip(t["lhs"], t["op"], t["rhs"], t["group"]):
        present.add((lhs, op, rhs, g))
        if op == "~~":
            present.add((rhs, op, lhs, g))
    indicators = [v for v in pt.ov_names if v not in pt.ov_x]
    out = []
    for g in range(1, pt.ngroups + 1):
        for lv in pt.lv_names:
            for ov in indicators:
                if (lv, "=~", ov, g) not in present:
                    out.append({"lhs": lv, "op": "=~", "rhs": ov, "group": g})
        for a, b in combinations(indicators, 2):
            if (a, "~~", b, g) not in present:
                out.append({"lhs": a, "op": "~~", "rhs": b, "group": g})
    return out


def modindices(fit, *, minimum_value: float = 0.0, sort: bool = True) -> pd.DataFrame:
    """Modification indices with EPC and standardized EPC (lavaan ``modindices()``).

    Columns: lhs, op, rhs, (group,) mi, epc, sepc_lv, sepc_all.
    """
    pt = fit.partable
    cands = candidate_rows(pt)
    if not cands:
        return pd.DataFrame(columns=["lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all"])
    res = score_tests(fit, new_rows=cands)
    theta = np.asarray(fit._theta, dtype=float)
    sepc_lv, sepc_all = [], []
    cache: dict[int, tuple[np.ndarray, np.ndarray, dict]] = {}
    for r in res.itertuples():
        if r.group not in cache:
            model = RamModel.from_partable(pt, group=r.group)
            _, C, _ = model.implied(theta)
            _, S = model.matrices(theta)
            cache[r.group] = (np.sqrt(np.diag(C)), np.diag(S), {n: i for i, n in enumerate(model.names)})
        sd, resid, idx = cache[r.group]
        if r.op == "=~":
            a, b = idx[r.lhs], idx[r.rhs]
            sepc_lv.append(r.epc * sd[a])
            sepc_all.append(r.epc * sd[a] / sd[b])
        else:  # residual covariance of two observed variables: residual correlation
            a, b = idx[r.lhs], idx[r.rhs]
            sepc_lv.append(r.epc)
            sepc_all.append(r.epc / np.sqrt(resid[a] * resid[b]))
    res["sepc_lv"] = sepc_lv
    res["sepc_all"] = sepc_all
    res = res[res["mi"].fillna(-1) >= minimum_value]
    if pt.ngroups == 1:
        res = res.drop(columns="group")
    if sort:
        res = res.sort_values("mi", ascending=False, kind="stable")
    return res.reset_index(drop=True)

