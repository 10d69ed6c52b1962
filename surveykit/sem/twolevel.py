"""Two-level CFA and SEM (lavaan's ``level: 1`` / ``level: 2`` blocks with ``cluster=``).

As in lavaan, a block is a level: the parameter table holds the rows of both levels (column
``level``; internally ``group`` is the block, so each level has its own RAM model over the
same variables), built by lavaan's defaults within each level (``lavaanify`` per block) with
the two-level rules: an observed variable in both blocks has its intercept at level 2 only
(fixed at 0 at level 1); covariates of one level are fixed.x at that level's moments of the
unrestricted model; labels shared across levels are one parameter.

Estimation is maximum likelihood with complete data (:mod:`surveykit.sem.cluster`): the
two-level log-likelihood and its analytic gradient through each level's ``Delta``, Newton
steps with the Hessian by differences of the gradient, standard errors from the observed
information (lavaan's default for multilevel ML: the Hessian by lavaan's 4-point differences
of the analytic gradient), the likelihood-ratio test against the unrestricted model (fitted by
lavaan's EM) and the baseline of independent variables at both levels.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from surveykit.errors import ConvergenceWarning, HeywoodCaseWarning, IdentificationWarning, ModelSpecificationError
from surveykit.sem.cluster import (
    H1,
    ClusterData,
    Moments2L,
    cluster_data,
    cluster_scores,
    em_h1,
    h1_trace,
    logl_of,
    loglik,
)
from surveykit.sem.discrepancy import numerical_hessian
from surveykit.sem.estimate import Optimum, minimize_scoring, starting_values
from surveykit.sem.inference import invert_information
from surveykit.sem.options import Options
from surveykit.sem.partable import ParTable, lavaanify, variable_names
from surveykit.sem.ram import RamModel
from surveykit.sem.results import SEMResult
from surveykit.sem.samplestats import GroupMoments, SampleMoments
from surveykit.sem.solution import Solution
from surveykit.sem.syntax import SyntaxRow

__all__ = ["LevelTable", "TwoLevelModel", "level_partable", "fit_two_level", "LEVEL_NAMES"]

LEVEL_NAMES = ("within", "between")


@dataclass(frozen=True)
class LevelTable:
    """The two-level parameter table with each level's variable classification."""

    pt: ParTable  # column "level" = 1/2; column "group" holds lavaan's block (here the level: one group)
    within: tuple[str, ...]  # observed variables of each block (lavaan's ov.names.l)
    between: tuple[str, ...]
    x_within: tuple[str, ...]  # fixed.x covariates of one level only (lavaan's ov.x.idx)
    x_between: tuple[str, ...]
    exo: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  # each level's exogenous covariates, whatever fixed.x


def _level_rows(rows: list[SyntaxRow]) -> tuple[list[SyntaxRow], list[SyntaxRow], list, list]:
    plain = [r for r in rows if r.op not in (":=", "==")]
    defined = [r for r in rows if r.op == ":="]
    constraints = [r for r in rows if r.op == "=="]
    return [r for r in plain if r.level == 1], [r for r in plain if r.level == 2], defined, constraints


def _constraint_links(constraints: list[SyntaxRow], user: set[str]) -> tuple[list, dict[str, float]]:
    """(label pairs made equal, labels fixed at a number) of simple ``==`` constraints."""
    links, fixed = [], {}
    for c in constraints:
        if c.lhs in user and c.rhs in user:
            links.append((c.lhs, c.rhs))
            continue
        try:
            value = float(c.rhs)
        except ValueError:
            value = math.nan
        if c.lhs not in user or not np.isfinite(value):
            raise ModelSpecificationError(
                f"Model syntax line {c.line}: only simple equality constraints between two parameter labels ('a == b') "
                f"or a label and a number are supported, not '{c.lhs} == {c.rhs}'; give both parameters the same "
                "label instead.")
        fixed[c.lhs] = value
    return links, fixed


def _union_labels(table: pd.DataFrame, constraints: list[SyntaxRow]) -> pd.DataFrame:
    """One free index per class of rows that share a free index, a user label (across the
    levels) or are tied by ``a == b``; a class with a fixed member is fixed at its value
    (lavaan's rule) and ``a == number`` fixes; free indices renumbered in row order."""
    t = table.copy()
    n = len(t)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(rows: list[int]) -> None:
        for i in rows[1:]:
            parent[find(i)] = find(rows[0])

    labels, free = t["label"].tolist(), t["free"].tolist()
    by_label: dict[str, list[int]] = {}
    by_free: dict[int, list[int]] = {}
    for i, (lab, k) in enumerate(zip(labels, free)):
        if lab:
            by_label.setdefault(lab, []).append(i)
        if k > 0:
            by_free.setdefault(int(k), []).append(i)
    links, fixed_at = _constraint_links(constraints, set(by_label))
    for rows in list(by_label.values()) + list(by_free.values()):
        join(rows)
    for a, b in links:
        join([by_label[a][0], by_label[b][0]])
    classes: dict[int, list[int]] = {}
    for i in range(n):
        classes.setdefault(find(i), []).append(i)
    ustart = t["ustart"].to_numpy(dtype=float).copy()
    new_free = np.zeros(n, dtype=np.int64)
    count = 0
    for members in sorted(classes.values(), key=min):
        values = [fixed_at[labels[i]] for i in members if labels[i] in fixed_at]
        values += [ustart[i] for i in members if free[i] <= 0]
        if values:
            ustart[members] = values[0]
            continue
        count += 1
        new_free[members] = count
        ustart[members] = np.nan
    t["free"] = new_free
    t["ustart"] = ustart
    return t


def level_partable(rows: list[SyntaxRow], options: Options) -> LevelTable:
    """The two-level table of parsed rows (see the module docstring); the fixed.x rows are NaN
    until :func:`with_level_moments` fills them."""
    r1, r2, defined, constraints = _level_rows(rows)
    vn1, vn2 = variable_names(r1), variable_names(r2)
    within, between = vn1.ov, vn2.ov
    both = set(within) & set(between)
    tables = []
    for level, lrows in enumerate((r1, r2), start=1):
        t = lavaanify(lrows, options).table.copy()
        if level == 1:  # a variable of both levels has its intercept at level 2 only
            split = (t["op"] == "~1") & t["lhs"].isin(both)
            t.loc[split, ["free", "ustart"]] = [0, 0.0]
        t["group"] = level
        t["level"] = level
        offset = sum(int(x["free"].max()) for x in tables) if tables else 0
        t.loc[t["free"] > 0, "free"] += offset
        tables.append(t)
    table = _union_labels(pd.concat(tables, ignore_index=True), constraints)
    table["id"] = np.arange(1, len(table) + 1)
    cols = ["id", "lhs", "op", "rhs", "level", "group", "user", "free", "ustart", "start", "label", "exo", "line"]
    names = tuple(within) + tuple(v for v in between if v not in within)
    lv = tuple(dict.fromkeys(vn1.lv + vn2.lv))
    x_fixed = (vn1.ov_x + vn2.ov_x) if options.fixed_x else ()
    pt = ParTable(table=table[cols], ov_names=names, lv_names=lv, ov_x=tuple(dict.fromkeys(x_fixed)),
                  defined=tuple(defined), ngroups=2, group_labels=LEVEL_NAMES, meanstructure=True,
                  ov_exo=tuple(dict.fromkeys(vn1.ov_x + vn2.ov_x)))
    xw = tuple(v for v in vn1.ov_x if v not in both) if options.fixed_x else ()
    xb = tuple(v for v in vn2.ov_x if v not in both) if options.fixed_x else ()
    return LevelTable(pt=pt, within=within, between=between, x_within=xw, x_between=xb, exo=(vn1.ov_x, vn2.ov_x))


def ndat_two_level(lt: LevelTable) -> int:
    """The number of sample statistics (lavaan's ``lav_partable_ndat`` for two levels): level 1
    the within covariances and the means of its within-only outcomes, level 2 the between
    covariances and means, without the fixed covariates' moments."""
    t = lt.pt.table
    out = 0
    for level, ov in ((1, lt.within), (2, lt.between)):
        other = lt.between if level == 1 else lt.within
        xs = set(t.loc[(t["level"] == level) & (t["exo"] == 1), "lhs"])
        nx = len(xs)
        p = len(ov)
        out += p * (p + 1) // 2 - nx * (nx + 1) // 2
        if level == 1:
            out += sum(1 for v in ov if v not in other and v not in xs)
        else:
            out += p - nx
    return out


@dataclass(frozen=True, eq=False)
class TwoLevelModel:
    """A two-level table's RAM model of each level and the two-level likelihood of the data."""

    lt: LevelTable
    cd: ClusterData
    rams: tuple[RamModel, RamModel]

    @classmethod
    def build(cls, lt: LevelTable, cd: ClusterData) -> TwoLevelModel:
        return cls(lt=lt, cd=cd, rams=(RamModel.from_partable(lt.pt, group=1), RamModel.from_partable(lt.pt, group=2)))

    @cached_property
    def index(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions of each level's observed variables among the RAM models' observed variables."""
        pos = {v: i for i, v in enumerate(self.lt.pt.ov_names)}
        return (np.array([pos[v] for v in self.lt.within], dtype=int),
                np.array([pos[v] for v in self.lt.between], dtype=int))

    def _level_pieces(self, theta: np.ndarray) -> list[tuple]:
        """Per level: (its Sigma, its mu, B = (I - A)^-1, S): the RAM matrices computed once for
        the moments and the entry derivatives of a gradient."""
        out = []
        for ram, idx in zip(self.rams, self.index):
            a, s = ram.matrices(theta)
            b = ram.inverse(a)
            fb = b[: ram.n_obs_vars]
            fc = fb @ s @ b.T
            mu = fb @ ram.mean_vector(theta)
            out.append((fc[:, : ram.n_obs_vars][np.ix_(idx, idx)], mu[idx], b, s, fc))
        return out

    def moments(self, theta: np.ndarray) -> Moments2L:
        """The model-implied within and between moments (in each block's order)."""
        (sw, mw, *_), (sb, mb, *_) = self._level_pieces(theta)
        return Moments2L(sw, mw, sb, mb)

    def f(self, theta: np.ndarray) -> float:
        """``-2 logL / N`` (without constants): the objective, whose half is lavaan's fmin."""
        return loglik(self.cd, self.moments(theta)) / self.cd.nobs

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """The analytic gradient of :meth:`f`: the moments' derivatives through each level's Delta."""
        pieces = self._level_pieces(theta)
        moments = Moments2L(pieces[0][0], pieces[0][1], pieces[1][0], pieces[1][1])
        _, g = loglik(self.cd, moments, gradient=True)
        if g is None:
            return np.full(len(theta), np.nan)
        out = np.zeros(len(theta))
        p = len(self.lt.pt.ov_names)
        for ram, idx, (gs, gm), (_, _, b, s, fc) in zip(self.rams, self.index,
                                                         ((g.sigma_w, g.mu_w), (g.sigma_b, g.mu_b)), pieces):
            w = np.zeros((p, p))
            w[np.ix_(idx, idx)] = gs
            mt = np.zeros(p)
            mt[idx] = gm
            out += ram.entry_derivatives(theta, B=b, S=s, FC=fc).gradient(w, mean_term=mt)
        return out / self.cd.nobs

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """The Hessian of :meth:`f` by central differences of the analytic gradient (lavaan
        differentiates its analytic gradient numerically too), symmetrized."""
        return numerical_hessian(self.gradient, theta)


def _newton_pieces(model: TwoLevelModel):
    """Gradient and the matrix of a scoring step: far from the optimum the crossproduct of the
    clusters' scores (BHHH: the clusters are independent, so it estimates the information; one
    evaluation instead of 2 x n_free gradients), near it (``hessian="observed"``) the Hessian by
    differences of the gradient with its eigenvalues kept away from zero, so that every step
    goes downhill (the optimizer keeps either while it still contracts the gradient)."""
    def pieces(theta: np.ndarray, hessian=True):
        g = model.gradient(theta)
        if hessian is False:
            return g, None
        if hessian is True:
            s = parameter_scores(model, theta)
            return g, (2.0 / model.cd.nobs) * (s.T @ s)
        h = model.hessian(theta)
        if not np.isfinite(h).all():
            return g, np.eye(len(theta))
        vals, vecs = np.linalg.eigh(h)
        floor = 1e-6 * max(1.0, float(np.max(np.abs(vals))))
        return g, (vecs * np.maximum(np.abs(vals), floor)) @ vecs.T
    return pieces


def _starts(model: TwoLevelModel, h1: Moments2L) -> np.ndarray:
    """Starting values of both levels from the total (within + between) moments of the
    unrestricted model, as lavaan starts both blocks from the total sample statistics."""
    p = len(model.lt.pt.ov_names)
    c, m = np.zeros((p, p)), np.zeros(p)
    for idx, cov, mean in zip(model.index, (h1.sigma_w, h1.sigma_b), (h1.mu_w, h1.mu_b)):
        c[np.ix_(idx, idx)] += cov
        m[idx] += mean
    total = GroupMoments(cov=c, mean=m, nobs=0)
    stats = SampleMoments(names=model.lt.pt.ov_names, groups=(total, total), n_total=0)
    return starting_values(model.lt.pt, model.rams[0], stats)


def estimate(model: TwoLevelModel, h1: Moments2L, start: np.ndarray | None = None) -> Optimum:
    """The ML estimates: scoring and Newton steps from lavaan-like starts (or ``start``; L-BFGS-B
    when they stall)."""
    theta0 = _starts(model, h1) if start is None else start
    if model.lt.pt.n_free == 0:
        return minimize_scoring(model.f, _newton_pieces(model), theta0, max_iter=0)
    if not np.isfinite(model.f(theta0)):
        # the between starts may not be positive definite: start the latent and residual variances small
        t = model.lt.pt.table
        var = (t["op"] == "~~") & (t["lhs"] == t["rhs"]) & (t["free"] > 0)
        theta0[t.loc[var, "free"].to_numpy() - 1] = np.maximum(theta0[t.loc[var, "free"].to_numpy() - 1], 0.05)
    return minimize_scoring(model.f, _newton_pieces(model), theta0, max_iter=200, gtol=1e-9, partial_hessian=True,
                            observed=True)


def baseline_table(lt: LevelTable) -> LevelTable:
    """The independence model of a two-level table (lavaan's baseline): at each level the
    variances of its observed variables, the means of level 2 and of level 1's within-only
    variables (a split variable's level-1 mean is 0), the fixed covariates' rows as in the model."""
    t = lt.pt.table
    recs = []
    for level, ov in ((1, lt.within), (2, lt.between)):
        tl = t[t["level"] == level]
        exo = tl[tl["exo"] == 1]
        xs = set(exo["lhs"])
        for v in ov:
            if v not in xs:
                recs.append((v, "~~", v, level, 1, np.nan, 0))
        recs += [(r.lhs, r.op, r.rhs, level, 0, r.ustart, 1) for r in exo.itertuples() if r.op == "~~"]
        # covariates that are not fixed.x keep their covariances in the baseline (lavaan: a saturated x block)
        free_x = [v for v in lt.exo[level - 1] if v not in xs]
        recs += [(a, "~~", b, level, 1, np.nan, 0) for i, a in enumerate(free_x) for b in free_x[i + 1:]]
        for v in ov:
            if v in xs:
                row = exo[(exo["op"] == "~1") & (exo["lhs"] == v)]
                recs.append((v, "~1", "", level, 0, float(row["ustart"].iat[0]) if len(row) else 0.0, 1))
            elif level == 1 and v in lt.between:
                recs.append((v, "~1", "", level, 0, 0.0, 0))
            else:
                recs.append((v, "~1", "", level, 1, np.nan, 0))
    free = np.cumsum([r[4] for r in recs]) * np.array([r[4] for r in recs])
    table = pd.DataFrame({
        "id": np.arange(1, len(recs) + 1), "lhs": [r[0] for r in recs], "op": [r[1] for r in recs],
        "rhs": [r[2] for r in recs], "level": [r[3] for r in recs], "group": [r[3] for r in recs],
        "user": 0, "free": free.astype(np.int64), "ustart": [r[5] for r in recs], "start": np.nan, "label": "",
        "exo": [r[6] for r in recs], "line": 0})
    pt = dataclasses.replace(lt.pt, table=table, lv_names=(), defined=())
    return dataclasses.replace(lt, pt=pt)


def _cov2cor(s: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(s))
    return s / np.outer(d, d)


def _force_pd(s: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """lavaan's ``lav_matrix_symmetric_force_pd``: eigenvalues below tol x the largest raised to it."""
    if len(s) == 1:
        return np.array([[max(s[0, 0], tol)]])
    vals, vecs = np.linalg.eigh(s)
    top = abs(vals[-1])
    vals = np.where(vals / top < tol, tol * top, vals)
    return (vecs * vals) @ vecs.T


def srmr_two_level(h1: Moments2L, implied: Moments2L) -> tuple[float, float]:
    """(SRMR within, SRMR between): lavaan's ``lav_fit_srmr_twolevel``, the root mean square of
    the correlation residuals (unrestricted minus model-implied) at each level, means excluded."""
    out = []
    for s, sigma in ((h1.sigma_w, implied.sigma_w), (h1.sigma_b, _force_pd(implied.sigma_b))):
        if not np.all(np.diag(sigma) > 0):
            out.append(math.nan)
            continue
        r = _cov2cor(s) - _cov2cor(sigma)
        iu = np.triu_indices(len(s))
        out.append(math.sqrt(float(np.sum(r[iu] ** 2)) / len(iu[0])))
    return out[0], out[1]


def fit_measures_two_level(cd: ClusterData, h1: H1, *, f: float, f_base: float, df: int, df_base: int, npar: int,
                           srmr: tuple[float, float]) -> dict[str, float]:
    """lavaan's ``fitMeasures`` of a two-level ML fit: the likelihood-ratio tests of the model and
    the baseline against the unrestricted model, CFI/TLI and the other incremental indices,
    log-likelihoods and information criteria (N = level-1 units), RMSEA with N = level-1 units,
    and SRMR as the sum of the within and between SRMRs."""
    from scipy import special

    from surveykit._core.fit import rmsea, rmsea_ci, rmsea_notclose_pvalue, rmsea_pvalue
    from surveykit.sem.fitmeasures import _incremental

    n = cd.nobs
    logl, logl_b = logl_of(cd, f), logl_of(cd, f_base)
    x2 = max(2.0 * (h1.logl - logl), 0.0)
    x2n = max(2.0 * (h1.logl - logl_b), 0.0)
    out: dict[str, float] = {"npar": npar, "nobs": n, "ntotal": n, "nclusters": cd.nclusters, "fmin": f / (2 * n),
                             "chisq": x2, "df": df, "pvalue": float(special.chdtrc(df, x2)) if df > 0 else math.nan,
                             "baseline_chisq": x2n, "baseline_df": df_base,
                             "baseline_pvalue": float(special.chdtrc(df_base, x2n)) if df_base > 0 else math.nan}
    out.update(_incremental("", x2, float(df), x2n, float(df_base)))
    out.update({"logl": logl, "unrestricted_logl": h1.logl, "aic": -2 * logl + 2 * npar,
                "bic": -2 * logl + npar * math.log(n), "bic2": -2 * logl + npar * math.log((n + 2) / 24)})
    out["rmsea"] = rmsea(x2, df, n)
    out["rmsea_ci_lower"], out["rmsea_ci_upper"] = rmsea_ci(x2, df, n, 0.90)
    out.update({"rmsea_ci_level": 0.90, "rmsea_pvalue": rmsea_pvalue(x2, df, n, 0.05), "rmsea_close_h0": 0.05,
                "rmsea_notclose_pvalue": rmsea_notclose_pvalue(x2, df, n, 0.08), "rmsea_notclose_h0": 0.08})
    out.update({"srmr": srmr[0] + srmr[1], "srmr_within": srmr[0], "srmr_between": srmr[1]})
    return out


@dataclass(frozen=True, eq=False)
class TwoLevelEstimation:
    """A fitted two-level model: the table, the data summaries, the optimum, its covariance
    matrix and the unrestricted model."""

    lt: LevelTable
    cd: ClusterData
    model: TwoLevelModel
    opt: Optimum
    vcov: np.ndarray
    h1: H1
    options: Options
    trace_h0: float = math.nan  # the Yuan-Bentler (Mplus) test's tr(B0 A0^-1)

    @property
    def theta(self) -> np.ndarray:
        return self.opt.theta

    @property
    def solution(self) -> Solution:
        return Solution.build(self.lt.pt, self.model.rams)

    def columns(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Every row's estimate and its standardized values (per level: each level's implied
        variances scale its rows, lavaan's std.all of a two-level model)."""
        sol = self.solution
        std_lv, std_all = sol.standardized(theta)
        nox = tuple(self.lt.pt.ov_exo)
        std_nox = sol.standardized(theta, nox=nox)[1] if nox else std_all
        return {"est": sol.estimates(theta), "std_lv": std_lv, "std_all": std_all, "std_nox": std_nox}

    def standardized_with_se(self, kind: str = "std_all") -> tuple[np.ndarray, np.ndarray]:
        """Standardized values of every row and defined parameter with delta-method standard
        errors (the Jacobian by central differences, as lavaan's ``standardizedSolution``)."""
        sol = self.solution

        def values(th: np.ndarray) -> np.ndarray:
            col = self.columns(th)[kind]
            return np.concatenate([col, sol.defined_values(col)])

        base = values(self.theta)
        if not np.isfinite(self.vcov).all():
            return base, np.full_like(base, np.nan)
        jac = np.zeros((len(base), len(self.theta)))
        for j in range(len(self.theta)):
            h = 1e-6 * max(1.0, abs(self.theta[j]))
            tp, tm = self.theta.copy(), self.theta.copy()
            tp[j] += h
            tm[j] -= h
            jac[:, j] = (values(tp) - values(tm)) / (2.0 * h)
        jac[~np.isfinite(jac)] = 0.0
        return base, np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, self.vcov, jac), 0.0, None))


def parameter_scores(model: TwoLevelModel, theta: np.ndarray) -> np.ndarray:
    """Each cluster's score (derivative of its log-likelihood term) for every free parameter:
    the clusters' moment scores through each level's Delta, (C, n_free)."""
    sc = cluster_scores(model.cd, model.moments(theta))
    out = np.zeros((model.cd.nclusters, len(theta)))
    for ram, idx, gs, gm in zip(model.rams, model.index, (sc.sigma_w, sc.sigma_b), (sc.mu_w, sc.mu_b)):
        d_sigma, d_mu = ram.derivatives(theta)
        out += np.einsum("cij,kij->ck", gs, d_sigma[:, idx][:, :, idx]) + gm @ d_mu[:, idx].T
    return -0.5 * out


@dataclass(frozen=True)
class Inference:
    vcov: np.ndarray
    trace_h0: float  # tr(B0 A0^-1) of the Yuan-Bentler (Mplus) test (NaN without it)


def _inference(model: TwoLevelModel, theta: np.ndarray, options: Options) -> Inference:
    """The covariance matrix of the estimates: the inverse observed information (the Hessian of
    -logL), with MLR the sandwich A^-1 B A^-1 with B the crossproduct of the clusters' scores
    (lavaan's robust.huber.white for multilevel models); and tr(B A^-1) for the robust test."""
    k = len(theta)
    nan = np.full((k, k), np.nan)
    robust_test = "yuan.bentler.mplus" in options.test
    if (options.se == "none" and not robust_test) or k == 0:
        return Inference(vcov=nan, trace_h0=math.nan)
    info = model.hessian(theta) * model.cd.nobs / 2.0
    a_inv = invert_information(info)
    if a_inv is None:
        return Inference(vcov=nan, trace_h0=math.nan)
    b0 = None
    if options.se == "robust.huber.white" or robust_test:
        s = parameter_scores(model, theta)
        b0 = s.T @ s
    vcov = {"standard": a_inv, "none": nan}.get(options.se)
    if vcov is None:
        vcov = a_inv @ b0 @ a_inv
    return Inference(vcov=vcov, trace_h0=float(np.sum(b0 * a_inv.T)) if robust_test else math.nan)


def _check_admissible(est: TwoLevelEstimation) -> None:
    """Negative variance estimates (Heywood cases) at either level, as warnings."""
    t = est.lt.pt.table
    values = est.solution.estimates(est.theta)
    for i in np.flatnonzero(((t["op"] == "~~") & (t["lhs"] == t["rhs"]) & (t["free"] > 0)).to_numpy()):
        if values[i] < 0:
            level = LEVEL_NAMES[int(t["level"].iat[i]) - 1]
            warnings.warn(
                f"Heywood case: the estimated (residual) variance of {t['lhs'].iat[i]} at the {level} level is "
                f"negative ({values[i]:.4g}); the solution is not admissible. Consider fixing it at 0 at that level "
                "or a simpler between-level model.", HeywoodCaseWarning, stacklevel=4)


def two_level_table(rows: list[SyntaxRow], frame: pd.DataFrame, options: Options
                    ) -> tuple[LevelTable, ClusterData, H1]:
    """The two-level table with its fixed.x rows at the unrestricted model's moments, the
    clusters' summaries and the unrestricted model (lavaan's EM)."""
    lt = level_partable(rows, options)
    cd = cluster_data(frame, options.cluster, lt.within, lt.between, lt.x_within, lt.x_between)
    h1 = em_h1(cd)
    if not h1.converged:
        warnings.warn(f"The EM algorithm for the unrestricted two-level model did not converge in {h1.iterations} "
                      "iterations; the chi-square test and the fit indices are not trustworthy.",
                      ConvergenceWarning, stacklevel=4)
    return with_level_moments(lt, h1.moments), cd, h1


def with_level_moments(lt: LevelTable, h1: Moments2L) -> LevelTable:
    """The table with every level's fixed.x rows set to that level's unrestricted moments (a split
    covariate's level-1 intercept stays 0)."""
    t = lt.pt.table
    ustart = t["ustart"].to_numpy(dtype=float).copy()
    pos = ({v: i for i, v in enumerate(lt.within)}, {v: i for i, v in enumerate(lt.between)})
    mats = ((h1.sigma_w, h1.mu_w), (h1.sigma_b, h1.mu_b))
    rows = zip(t["lhs"], t["op"], t["rhs"], t["level"], t["exo"], t["free"])
    for i, (lhs, op, rhs, level, exo, free) in enumerate(rows):
        if exo != 1 or free != 0 or (op == "~1" and level == 1 and lhs in pos[1]):
            continue
        cov, mean = mats[level - 1]
        ix = pos[level - 1]
        ustart[i] = cov[ix[lhs], ix[rhs]] if op == "~~" else mean[ix[lhs]]
    return dataclasses.replace(lt, pt=dataclasses.replace(lt.pt, table=t.assign(ustart=ustart)))


def fit_two_level(rows: list[SyntaxRow], frame: pd.DataFrame, options: Options) -> TwoLevelEstimation:
    """Steps 2-6 of a two-level fit: the table, the clusters' summaries, the unrestricted
    model, the estimates and their covariance matrix."""
    lt, cd, h1 = two_level_table(rows, frame, options)
    model = TwoLevelModel.build(lt, cd)
    opt = estimate(model, h1.moments)
    df = ndat_two_level(lt) - lt.pt.n_free
    if df < 0:
        warnings.warn(
            f"The model has more free parameters ({lt.pt.n_free}) than sample statistics ({ndat_two_level(lt)}): "
            f"df = {df}, so it is not identified and its estimates are not unique. Fix or constrain parameters.",
            IdentificationWarning, stacklevel=3)
    inf = _inference(model, opt.theta, options)
    est = TwoLevelEstimation(lt=lt, cd=cd, model=model, opt=opt, vcov=inf.vcov, h1=h1, options=options,
                             trace_h0=inf.trace_h0)
    _check_admissible(est)
    return est


def two_level_fit_measures(est: TwoLevelEstimation) -> dict[str, float]:
    """The fit measures of a two-level fit, with the baseline model fitted the same way (and
    with MLR its own Yuan-Bentler trace)."""
    base_lt = baseline_table(est.lt)
    base = TwoLevelModel.build(base_lt, est.cd)
    base_opt = estimate(base, est.h1.moments, start=_baseline_starts(base_lt, est.h1.moments))
    ndat = ndat_two_level(est.lt)
    implied = est.model.moments(est.theta)
    df, df_base = ndat - est.lt.pt.n_free, ndat - base_lt.pt.n_free
    out = fit_measures_two_level(
        est.cd, est.h1, f=est.model.f(est.theta) * est.cd.nobs, f_base=base.f(base_opt.theta) * est.cd.nobs,
        df=df, df_base=df_base, npar=est.lt.pt.n_free, srmr=srmr_two_level(est.h1.moments, implied))
    if "yuan.bentler.mplus" in est.options.test:
        # lavaan evaluates the h1 information of the test at the unrestricted (EM) moments
        tr_h1, ndat_h1 = h1_trace(est.cd, est.h1.moments, est.lt.pt.ov_x)
        base_inf = _inference(base, base_opt.theta, dataclasses.replace(est.options, se="none"))
        out.update(_scaled_measures(out, tr_h1 - est.trace_h0, tr_h1 - base_inf.trace_h0, df, df_base,
                                    est.cd.nobs))
        out["scaling_factor_h1"] = tr_h1 / ndat_h1
        out["scaling_factor_h0"] = est.trace_h0 / est.lt.pt.n_free
    return out


def _baseline_starts(lt: LevelTable, h1: Moments2L) -> np.ndarray:
    """Starts of the independence model: each level's unrestricted variances and means (its
    optimum when the variables are independent, so a few steps reach it)."""
    t = lt.pt.table
    theta = np.zeros(lt.pt.n_free)
    pos = ({v: i for i, v in enumerate(lt.within)}, {v: i for i, v in enumerate(lt.between)})
    mats = ((h1.sigma_w, h1.mu_w), (h1.sigma_b, h1.mu_b))
    for lhs, op, rhs, level, free in zip(t["lhs"], t["op"], t["rhs"], t["level"], t["free"]):
        if free > 0:
            cov, mean = mats[level - 1]
            i = pos[level - 1][lhs]
            theta[free - 1] = cov[i, pos[level - 1][rhs]] if op == "~~" else mean[i]
    return theta


def _scaled_measures(f: dict, trace: float, trace_base: float, df: int, df_base: int, n: int) -> dict[str, float]:
    """The Yuan-Bentler (Mplus) scaled statistics and the scaled and robust indices (as
    :func:`surveykit.sem.fitmeasures.fit_measures` for MLR): c = tr(U Gamma) / df."""
    from scipy import special

    from surveykit._core.fit import rmsea, rmsea_ci, rmsea_notclose_pvalue, rmsea_pvalue
    from surveykit.sem.fitmeasures import _cfi, _incremental, _rni, _tli

    x2, x2n = f["chisq"], f["baseline_chisq"]
    c = trace / df if df > 0 else math.nan
    cn = trace_base / df_base if df_base > 0 else math.nan
    out = {"chisq_scaled": x2 / c, "df_scaled": df, "pvalue_scaled": float(special.chdtrc(df, x2 / c)),
           "chisq_scaling_factor": c, "baseline_chisq_scaled": x2n / cn, "baseline_df_scaled": df_base,
           "baseline_pvalue_scaled": float(special.chdtrc(df_base, x2n / cn)), "baseline_chisq_scaling_factor": cn}
    out.update(_incremental("_scaled", x2 / c, float(df), x2n / cn, float(df_base)))
    out.update({"cfi_robust": _cfi(x2, df, x2n, df_base, c, cn), "tli_robust": _tli(x2, df, x2n, df_base, c, cn),
                "rni_robust": _rni(x2, df, x2n, df_base, c, cn)})
    out["nnfi_robust"] = out["tli_robust"]
    out["rmsea_scaled"] = rmsea(x2, trace, n)
    out["rmsea_ci_lower_scaled"], out["rmsea_ci_upper_scaled"] = rmsea_ci(x2, trace, n, 0.90)
    out["rmsea_pvalue_scaled"] = rmsea_pvalue(x2, trace, n, 0.05)
    out["rmsea_notclose_pvalue_scaled"] = rmsea_notclose_pvalue(x2, trace, n, 0.08)
    out["rmsea_robust"] = rmsea(x2, df, n, 1, c)
    out["rmsea_ci_lower_robust"], out["rmsea_ci_upper_robust"] = rmsea_ci(x2 / c, df, n, 0.90, 1, c)
    out["rmsea_pvalue_robust"] = rmsea_pvalue(x2 / c, df, n, 0.05, 1, c)
    out["rmsea_notclose_pvalue_robust"] = rmsea_notclose_pvalue(x2 / c, df, n, 0.08, 1, c)
    return out


def _r_squared(est: TwoLevelEstimation) -> pd.Series:
    """R-squared of every endogenous variable at each level (lavaan's ``lavInspect(fit, "r2")``)."""
    t = est.lt.pt.table
    out = {}
    for level, ram in enumerate(est.model.rams, start=1):
        tl = t[t["level"] == level]
        endo = set(tl.loc[tl["op"] == "~", "lhs"]) | set(tl.loc[tl["op"] == "=~", "rhs"])
        exo = set(tl.loc[tl["exo"] == 1, "lhs"])
        idx = {n: i for i, n in enumerate(ram.names)}
        _, c, _ = ram.implied(est.theta)
        _, s = ram.matrices(est.theta)
        for v in dict.fromkeys(list(tl["lhs"]) + list(tl["rhs"])):
            if v in endo and v not in exo:
                i = idx[v]
                out[(LEVEL_NAMES[level - 1], v)] = 1.0 - s[i, i] / c[i, i]
    return pd.Series(out, name="r_squared", dtype=float)


def assemble_two_level(est: TwoLevelEstimation, fit: dict, *, syntax: str, n_total: int) -> SEMResult:
    """The :class:`SEMResult` of a two-level fit (a ``level`` column instead of ``group``)."""
    from scipy import special, stats

    pt, theta, vcov = est.lt.pt, est.theta, est.vcov
    t = pt.table
    sol = est.solution
    cols = est.columns(theta)
    se_all = np.sqrt(np.clip(np.diag(vcov), 0, None)) if np.isfinite(vcov).all() else np.full(len(theta), np.nan)
    free = sol.free >= 0
    se = np.where(free, se_all[sol.free.clip(0)], 0.0)
    lhs, op, rhs, label = (t[c].tolist() for c in ("lhs", "op", "rhs", "label"))
    level = t["level"].to_numpy()
    est_rows = cols["est"]
    std = {k: cols[k] for k in ("std_lv", "std_all", "std_nox")}
    if sol.n_defined:
        vals, ses = sol.defined_with_se(theta, vcov)
        est_rows, se = np.concatenate([est_rows, vals]), np.concatenate([se, ses])
        free = np.concatenate([free, np.ones(sol.n_defined, dtype=bool)])
        std = {k: np.concatenate([v, sol.defined_values(v)]) for k, v in std.items()}
        lhs, op, rhs = lhs + [d.lhs for d in pt.defined], op + [":="] * sol.n_defined, rhs + [d.rhs for d in pt.defined]
        label, level = label + [d.lhs for d in pt.defined], np.concatenate([level, np.zeros(sol.n_defined, int)])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free, est_rows / np.where(se > 0, se, np.nan), np.nan)
    half = stats.norm.ppf(0.975) * se
    table = pd.DataFrame({"lhs": lhs, "op": op, "rhs": rhs, "level": level, "label": label, "est": est_rows,
                          "se": se, "z": z, "pvalue": np.where(free, 2 * special.ndtr(-np.abs(z)), np.nan),
                          "ci_lower": np.where(free, est_rows - half, est_rows),
                          "ci_upper": np.where(free, est_rows + half, est_rows), **std})
    implied = est.model.moments(theta)
    frames = []
    for mats in ((implied.sigma_w, implied.sigma_b), (est.h1.moments.sigma_w, est.h1.moments.sigma_b)):
        frames.append(pd.concat([pd.DataFrame(m, index=list(n), columns=list(n))
                                 for m, n in zip(mats, (est.lt.within, est.lt.between))], keys=LEVEL_NAMES))
    return SEMResult(
        model_syntax=syntax, estimator=est.options.estimator, partable=pt, nobs=est.cd.nobs, n_total=n_total,
        converged=est.opt.converged, iterations=est.opt.iterations, optimizer="newton (analytic gradient)",
        _estimates=table, _fit=fit, _r2=_r_squared(est), _implied=frames[0], _sample=frames[1], _vcov=vcov,
        _theta=np.array(theta, dtype=float), options=est.options, _estimation=est,
    )
