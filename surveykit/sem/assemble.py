"""Step 8 of a fit: one result assembly for every estimator.

From the estimation (:class:`surveykit.sem.pipeline.Estimation`) and the fit measures: the
parameter estimates with standard errors, z, p and 95% Wald intervals, the standardized
solutions (``std_lv``, ``std_all``, lavaan 0.6 conventions, see :mod:`surveykit.sem.solution`),
the defined (``:=``) parameters with delta-method standard errors, R-squared of every
endogenous variable (observed outcomes and indicators, latent variables with incoming paths
or loadings: lavaan's ``lavInspect(fit, "r2")``), the implied and sample moments, and the
admissibility checks (Heywood cases, non-positive-definite latent covariance matrices),
which are warnings on the result.

For ordinal indicators the residual variances of the latent responses are not parameters in
the delta parameterization: they are reported as ``1 / Delta^2`` minus the common variance, as
lavaan does, and enter the standardized solution and R-squared.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
from scipy import special, stats

from surveykit.errors import HeywoodCaseWarning, NonPositiveDefiniteWarning
from surveykit.sem.pipeline import Estimation
from surveykit.sem.results import SEMResult
from surveykit.sem.solution import Solution

__all__ = ["assemble"]

_Z975 = stats.norm.ppf(0.975)


def complete_models(est: Estimation, theta: np.ndarray | None = None):
    """RAM models whose ordinal residual variances (delta parameterization) carry their
    implied values, so that total variances are those of the latent responses; and those values
    by (group, variable)."""
    theta = est.theta if theta is None else theta
    if not est.pt.categorical or est.pt.parameterization != "delta":
        return [m.ram for m in est.models], {}
    out, resid = [], {}
    ys = [v for v in est.pt.ov_names if v in set(est.pt.ov_ord)]
    idx = {v: i for i, v in enumerate(ys)}
    for m in est.models:
        ram = m.ram
        sigma, _, _ = ram.implied(theta)
        cov_y, _, _ = m._conditional(theta, sigma)  # given the covariates when there are any
        s = m._scale(theta, cov_y)
        fixed = ram.s_fixed.copy()
        for k, (r, c, par) in enumerate(zip(ram.s_rows, ram.s_cols, ram.s_par)):
            if par < 0 and r == c and ram.names[r] in est.pt.ov_ord:
                j = idx[ram.names[r]]
                val = 1.0 / s[j] ** 2 - cov_y[j, j]
                fixed[k] = val
                resid[(m.group, ram.names[r])] = val
        out.append(dataclasses.replace(ram, s_fixed=fixed))
    return out, resid


def _r_squared(est: Estimation, rams) -> pd.Series:
    pt = est.pt
    t = pt.table
    lv = set(pt.lv_names)
    endo_lv = {a for a, o in zip(t["lhs"], t["op"]) if o == "~" and a in lv} | {
        b for b, o in zip(t["rhs"], t["op"]) if o == "=~" and b in lv}
    names = [v for v in pt.ov_names if v not in pt.ov_exo] + [v for v in pt.lv_names if v in endo_lv]
    out = {}
    G = pt.ngroups
    for g, ram in enumerate(rams):
        idx = {n: i for i, n in enumerate(ram.names)}
        _, C, _ = ram.implied(est.theta)
        _, S = ram.matrices(est.theta)
        label = pt.group_labels[g]
        for v in names:
            i = idx[v]
            out[(label, v) if G > 1 else v] = 1.0 - S[i, i] / C[i, i]
    return pd.Series(out, name="r_squared", dtype=float)


def _admissibility(est: Estimation, rams, std_all: np.ndarray) -> None:
    """Heywood cases and non-positive-definite latent covariance matrices, as warnings."""
    pt = est.pt
    t = pt.table
    theta = est.theta
    G = pt.ngroups
    for g, ram in enumerate(rams):
        where = f" in group {pt.group_labels[g]!r}" if G > 1 else ""
        _, S = ram.matrices(theta)
        idx = {n: i for i, n in enumerate(ram.names)}
        tg = t[t["group"] == g + 1]
        for lhs, op, rhs, free in zip(tg["lhs"], tg["op"], tg["rhs"], tg["free"]):
            if op != "~~" or lhs != rhs:
                continue
            val = S[idx[lhs], idx[lhs]]
            if (free > 0 or lhs in pt.ov_ord) and val < 0:
                warnings.warn(
                    f"Heywood case: the estimated (residual) variance of {lhs}{where} is negative ({val:.4g}); the "
                    "solution is not admissible. Consider the model specification, the sample size, or outliers.",
                    HeywoodCaseWarning, stacklevel=4)
        _, C, _ = ram.implied(theta)
        lv_idx = [idx[v] for v in pt.lv_names]
        if lv_idx and np.linalg.eigvalsh(C[np.ix_(lv_idx, lv_idx)]).min() <= 0:
            warnings.warn(
                f"The model-implied covariance matrix of the latent variables{where} is not positive definite "
                "(a factor correlation is at or beyond 1 in absolute value); check the model.",
                NonPositiveDefiniteWarning, stacklevel=4)
    op = t["op"].to_numpy()
    for i in np.flatnonzero((op == "=~") & (np.abs(std_all[: len(op)]) > 1)):
        warnings.warn(
            f"Heywood case: the standardized loading of {t['rhs'].iat[i]} on {t['lhs'].iat[i]} is "
            f"{std_all[i]:.4f} (> 1 in absolute value); the solution is not admissible.",
            HeywoodCaseWarning, stacklevel=4)


def row_values(est: Estimation, theta: np.ndarray) -> tuple[Solution, np.ndarray, dict[str, np.ndarray]]:
    """At ``theta``: the solution, every table row's value (with the derived values of ordinal
    models: residual variances in the delta, scaling factors in the theta parameterization) and
    the standardized columns std_lv, std_all and std_nox."""
    pt = est.pt
    t = pt.table
    rams, ord_resid = complete_models(est, theta)
    sol = Solution.build(pt, rams)
    est_rows = sol.estimates(theta)
    if ord_resid:
        for i, (lhs, op, rhs, g) in enumerate(zip(t["lhs"], t["op"], t["rhs"], t["group"])):
            if op == "~~" and lhs == rhs and (g, lhs) in ord_resid:
                est_rows[i] = ord_resid[(g, lhs)]
    if pt.categorical and pt.parameterization == "theta":
        # the scaling factors are not parameters in the theta parameterization: 1 / sd(y*), as lavaan reports
        idx = {v: i for i, v in enumerate(v for v in pt.ov_names if v in set(pt.ov_ord))}
        scales = {}
        for m in est.models:
            sigma, _, _ = m.ram.implied(theta)
            sd_inv = m._scale(theta, m._conditional(theta, sigma)[0])
            for v in pt.ov_ord:
                scales[(m.group, v)] = sd_inv[idx[v]]
        for i, (lhs, op, g) in enumerate(zip(t["lhs"], t["op"], t["group"])):
            if op == "~*~":
                est_rows[i] = scales[(g, lhs)]
        ord_resid = ord_resid or {"theta": True}
    if ord_resid:
        sol = dataclasses.replace(sol, fixed=est_rows.copy())
    std_lv, std_all = sol.standardized(theta)
    _, std_nox = sol.standardized(theta, nox=tuple(pt.ov_exo)) if pt.ov_exo else (None, std_all)
    return sol, est_rows, {"std_lv": std_lv, "std_all": std_all, "std_nox": std_nox}


def standardized_with_se(est: Estimation, kind: str = "std_all") -> tuple[np.ndarray, np.ndarray]:
    """The standardized values of every row and defined parameter (``kind``: std_all, std_lv or
    std_nox) and their delta-method standard errors, ``sqrt(diag(J V J'))`` with J the Jacobian
    of the standardized values by central differences of the free parameters and V their
    covariance matrix (lavaan's ``standardizedSolution``, which differentiates numerically too)."""
    theta = est.theta
    vcov = est.vcov.vcov

    def values(th: np.ndarray) -> np.ndarray:
        sol, _, cols = row_values(est, th)
        return np.concatenate([cols[kind], sol.defined_values(cols[kind])])

    base = values(theta)
    if not np.isfinite(vcov).all():
        return base, np.full_like(base, np.nan)
    jac = np.zeros((len(base), len(theta)))
    for j in range(len(theta)):
        h = 1e-6 * max(1.0, abs(theta[j]))
        tp, tm = theta.copy(), theta.copy()
        tp[j] += h
        tm[j] -= h
        jac[:, j] = (values(tp) - values(tm)) / (2.0 * h)
    jac[~np.isfinite(jac)] = 0.0
    var = np.einsum("ij,jk,ik->i", jac, vcov, jac)
    return base, np.sqrt(np.clip(var, 0.0, None))


def assemble(est: Estimation, fit: dict, *, syntax: str, engine_note: str | None = None) -> SEMResult:
    """The :class:`SEMResult` of an estimation and its fit measures."""
    pt = est.pt
    theta = est.theta
    vcov = est.vcov.vcov
    t = pt.table
    G = pt.ngroups
    rams, _ = complete_models(est)
    se_all = np.sqrt(np.clip(np.diag(vcov), 0, None)) if np.isfinite(vcov).all() else np.full(len(theta), np.nan)
    sol, est_rows, std = row_values(est, theta)
    se = np.where(sol.free >= 0, se_all[sol.free.clip(0)], 0.0)
    std_lv, std_all, std_nox = std["std_lv"], std["std_all"], std["std_nox"]
    free = sol.free >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free, est_rows / np.where(se > 0, se, np.nan), np.nan)
    lhs, op, rhs, label = (t[c].tolist() for c in ("lhs", "op", "rhs", "label"))
    grp_col = t["group"].to_numpy() if G > 1 else None
    cols = {"est": est_rows, "se": se, "z": z, "pvalue": np.where(free, 2 * special.ndtr(-np.abs(z)), np.nan),
            "ci_lower": np.where(free, est_rows - _Z975 * se, est_rows),
            "ci_upper": np.where(free, est_rows + _Z975 * se, est_rows),
            "std_lv": std_lv, "std_all": std_all, "std_nox": std_nox}
    if sol.n_defined:
        vals, ses = sol.defined_with_se(theta, vcov)
        with np.errstate(divide="ignore", invalid="ignore"):
            zz = vals / np.where(ses > 0, ses, np.nan)
        extra = {"est": vals, "se": ses, "z": zz, "pvalue": 2 * special.ndtr(-np.abs(zz)),
                 "ci_lower": vals - _Z975 * ses, "ci_upper": vals + _Z975 * ses,
                 "std_lv": sol.defined_values(std_lv), "std_all": sol.defined_values(std_all),
                 "std_nox": sol.defined_values(std_nox)}
        cols = {k: np.concatenate([v, extra[k]]) for k, v in cols.items()}
        lhs = lhs + [d.lhs for d in pt.defined]
        op = op + [":="] * sol.n_defined
        rhs = rhs + [d.rhs for d in pt.defined]
        label = label + [d.lhs for d in pt.defined]
        if grp_col is not None:
            grp_col = np.concatenate([grp_col, np.zeros(sol.n_defined, dtype=grp_col.dtype)])
    head = {"lhs": lhs, "op": op, "rhs": rhs}
    if grp_col is not None:
        head["group"] = grp_col
    table = pd.DataFrame({**head, "label": label, **cols})
    _admissibility(est, rams, cols["std_all"])
    r2 = _r_squared(est, rams)
    names = list(est.stats.names)
    implied, sample = [], []
    for m, gm in zip(est.models, est.stats.groups):
        sigma, _ = m.implied(theta)
        if len(sigma) != len(names):  # ordinal indicators given the covariates: their residual correlations
            names = [names[j] for j in m.y_idx]
        implied.append(pd.DataFrame(sigma, index=names, columns=names))
        s = gm.h1.cov if gm.h1 is not None else gm.cov
        sample.append(pd.DataFrame(s, index=names, columns=names))
    labels = list(pt.group_labels)
    missing = {"ml": "fiml", "ml.x": "fiml.x"}.get(est.options.missing, est.options.missing)
    return SEMResult(
        model_syntax=syntax, estimator=est.options.estimator, partable=pt, nobs=est.stats.nobs,
        n_total=est.stats.n_total, converged=est.opt.converged, iterations=est.opt.iterations,
        optimizer=engine_note or est.opt.method, _estimates=table, _fit=fit, _r2=r2,
        _implied=implied[0] if G == 1 else pd.concat(implied, keys=labels),
        _sample=sample[0] if G == 1 else pd.concat(sample, keys=labels),
        _vcov=vcov, _theta=np.array(theta, dtype=float), _data=est.stats.data if G == 1 else None,
        _moments=est.stats, missing=missing, options=est.options, _estimation=est,
    )
