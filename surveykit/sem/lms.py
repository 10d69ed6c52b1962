"""Latent moderated structural equations (LMS; Klein & Moosbrugger 2000), the engine of
``sem(model, data, interaction="lms")`` for ``y ~ a + b + a:b`` between latent variables.

The model is the parameter table of the linear model (the same rows lavaan's ``sem()`` would
fit with a mean structure) plus one regression row per interaction, whose "predictor" is a
pseudo-latent ``a:b`` with no variance: its value is the product of the two latent values.
Let C be the fewest exogenous latent variables that meet every product (for ``a:b``: ``a``).
Given their values c, every product is linear in the remaining variables (``x_a x_b`` is a
path from ``b`` of size ``omega * c_a``), so the observed variables are normal (in RAM
notation, with R the remaining variables except the products, S the (co)variances and m the
intercepts/means of the disturbances u, A_RR(c) the paths with the products' paths added):

    u_R | c ~ N(m_R + K (c - m_C), S_RR - K S_CR),   K = S_RC S_CC^-1,
    y | c   ~ N(F B(c) (m_R + K (c - m_C) + A_RC c + [products of two conditioning variables]),
                F B(c) (S_RR - K S_CR) B(c)' F'),      B(c) = (I - A_RR(c))^-1.

The marginal density is the mixture over c ~ N(m_C, S_CC), computed by Gauss-Hermite
quadrature over C only (as Klein & Moosbrugger: one dimension for one product), with
``quadrature_points`` per dimension (a tensor grid when C has more than one variable).  The
default is 32: the rule is not adaptive, and on the simulated test data (three indicators of
reliability about .7 per factor) 16 points moved the estimates by up to 0.005 (0.1 SE) from a
64-point fit, 32 points by 1.4e-4.

The loglikelihood is maximized directly: BFGS with its analytic gradient (the mixture's
gradient with respect to the node means and covariances, carried back to the parameters in
one reverse-mode pass through the model matrices), then Newton steps with the Hessian below,
instead of Klein and Moosbrugger's EM: both find the same maximum, and the direct method
converges in fewer steps near it.  Standard errors come from the observed information, the
Hessian of the marginal loglikelihood by central differences of its analytic gradient (step
1e-6 times max(1, |theta|)).  Starting values: the ML fit of the linear model (no products),
with the interaction coefficients at 0.

Like Mplus for these models, there is no chi-square test and no fit index: the model does not
imply a covariance matrix to compare with the sample one.  Reported: loglikelihood, AIC, BIC,
sample-size adjusted BIC, and the likelihood-ratio test of the interaction coefficients
against the linear model (the starting fit).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations, product
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from surveykit._core.blas import single_threaded
from surveykit._version import __version__
from surveykit.errors import ConvergenceWarning, HeywoodCaseWarning, ModelSpecificationError, SpecError
from surveykit.results import ResultMixin, Summary, to_jsonable
from surveykit.sem.assemble import heywood_sentence
from surveykit.sem.discrepancy import numerical_hessian
from surveykit.sem.interaction import InteractionTerm, interaction_terms
from surveykit.sem.partable import ParTable, variable_names
from surveykit.sem.ram import RamModel
from surveykit.sem.results import free_parameter_names
from surveykit.sem.syntax import SyntaxRow, row_syntax

__all__ = ["LMSResult", "LMSProblem", "fit_lms", "gauss_hermite_grid"]


def gauss_hermite_grid(dim: int, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (points^dim, dim) and log-weights of the tensor Gauss-Hermite rule for N(0, I)."""
    x, w = np.polynomial.hermite_e.hermegauss(points)
    w = w / w.sum()
    nodes = np.array(list(product(x, repeat=dim)), dtype=float).reshape(-1, dim)
    logw = np.array([sum(math.log(w[i]) for i in idx) for idx in product(range(points), repeat=dim)])
    return nodes, logw


def _conditioning_set(terms: tuple[InteractionTerm, ...]) -> list[str]:
    """The fewest latent variables that meet every product (a minimum vertex cover of the
    products' graph, by brute force: the graphs are tiny).  Given their values the model is
    linear in every other variable, so LMS integrates over these only (Klein & Moosbrugger
    2000: one dimension for one product)."""
    names = list(dict.fromkeys(v for t in terms for v in (t.left, t.right)))
    for size in range(1, len(names) + 1):
        for subset in combinations(names, size):
            if all(t.left in subset or t.right in subset for t in terms):
                return list(subset)
    return names  # pragma: no cover - the full set always covers


@dataclass(frozen=True, eq=False)
class LMSProblem:
    """The LMS likelihood of one parameter table: index sets into the RAM variables and the grid.

    ``c``: the conditioning latent variables (quadrature dimensions); ``r``: every other
    variable except the product pseudo-latents (observed first).  For product t, ``ca[t]`` is
    its factor in ``c``; its other factor is ``rb[t]`` in ``r`` or, when both are in ``c``,
    ``cb[t]`` in ``c`` (and ``rb[t] = -1``)."""

    ram: RamModel
    c: np.ndarray
    prod: np.ndarray
    ca: np.ndarray
    rb: np.ndarray
    cb: np.ndarray
    r: np.ndarray
    nodes: np.ndarray
    logw: np.ndarray

    @classmethod
    def build(cls, pt: ParTable, terms: tuple[InteractionTerm, ...], points: int) -> LMSProblem:
        ram = RamModel.from_partable(pt)
        pos = {n: i for i, n in enumerate(ram.names)}
        cond = _conditioning_set(terms)
        c = np.array([pos[v] for v in cond], dtype=int)
        prod = np.array([pos[t.name] for t in terms], dtype=int)
        r = np.array([i for i in range(ram.m) if i not in set(c) | set(prod)], dtype=int)
        r_pos = {int(v): i for i, v in enumerate(r)}
        ca, rb, cb = [], [], []
        for t in terms:
            a, b = (t.left, t.right) if t.left in cond else (t.right, t.left)
            ca.append(cond.index(a))
            rb.append(-1 if b in cond else r_pos[pos[b]])
            cb.append(cond.index(b) if b in cond else -1)
        nodes, logw = gauss_hermite_grid(len(c), points)
        return cls(ram=ram, c=c, prod=prod, ca=np.array(ca, dtype=int), rb=np.array(rb, dtype=int),
                   cb=np.array(cb, dtype=int), r=r, nodes=nodes, logw=logw)

    def moments(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The node covariances (nodes, p, p) and node means (nodes, p) of the observed variables."""
        f = self._forward(theta)
        return f["sigma"], f["mu"]

    @cached_property
    def _blocks(self) -> dict[str, np.ndarray]:
        """Flat indices of the sub-blocks of the m x m matrices (np.ix_ once, not per call)."""
        m = self.ram.m
        idx = np.arange(m * m).reshape(m, m)
        c, r, pr = self.c, self.r, self.prod
        return {"cc": idx[np.ix_(c, c)], "rc": idx[np.ix_(r, c)], "rr": idx[np.ix_(r, r)], "rp": idx[np.ix_(r, pr)]}

    def _forward(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        A, S = self.ram.matrices(theta)
        m = self.ram.mean_vector(theta)
        bl, p, nr = self._blocks, self.ram.n_obs_vars, len(self.r)
        s_cc, s_rc, a_rc, a_rp = S.flat[bl["cc"]], S.flat[bl["rc"]], A.flat[bl["rc"]], A.flat[bl["rp"]]
        chol = np.linalg.cholesky(s_cc)
        s_cc_inv = linalg.cho_solve((chol, True), np.eye(len(self.c)))
        k = s_rc @ s_cc_inv
        s_c = S.flat[bl["rr"]] - k @ s_rc.T
        xc = m[self.c] + self.nodes @ chol.T  # (nodes, kc): the conditioning latent values
        a_n = np.broadcast_to(A.flat[bl["rr"]], (len(xc), nr, nr)).copy()
        shift = (xc - m[self.c]) @ k.T + xc @ a_rc.T + m[self.r]
        for t in range(len(self.prod)):
            if self.rb[t] >= 0:  # x_a x_b with x_a given: a path from b of size omega * x_a
                a_n[:, :, self.rb[t]] += xc[:, self.ca[t], None] * a_rp[None, :, t]
            else:
                shift += (xc[:, self.ca[t]] * xc[:, self.cb[t]])[:, None] * a_rp[None, :, t]
        b_n = np.linalg.inv(np.eye(nr) - a_n)
        f_n = b_n[:, :p, :]
        sigma = f_n @ s_c @ f_n.transpose(0, 2, 1)
        mu = np.einsum("qpr,qr->qp", f_n, shift)
        return {"sigma": sigma, "mu": mu, "chol": chol, "s_cc_inv": s_cc_inv, "k": k, "s_rc": s_rc, "a_rc": a_rc,
                "a_rp": a_rp, "b_n": b_n, "f_n": f_n, "s_c": s_c, "xc": xc, "shift": shift, "m_c": m[self.c]}

    def _backward(self, f: dict[str, np.ndarray], g_sigma: np.ndarray, g_mu: np.ndarray) -> np.ndarray:
        """The gradient with respect to theta from the gradients with respect to the node
        covariances (entrywise) and means, by the chain rule back through :meth:`_forward`
        (reverse mode: one pass for all parameters)."""
        f_n, k, xc, a_rp = f["f_n"], f["k"], f["xc"], f["a_rp"]
        g_f = 2.0 * g_sigma @ f_n @ f["s_c"] + g_mu[:, :, None] * f["shift"][:, None, :]
        g_sc = np.einsum("qpr,qps,qst->rt", f_n, g_sigma, f_n)
        g_shift = np.einsum("qpr,qp->qr", f_n, g_mu)
        g_an = f_n.transpose(0, 2, 1) @ g_f @ f["b_n"].transpose(0, 2, 1)  # dB = B dA B
        g_arp = np.zeros_like(a_rp)
        g_xc = g_shift @ (k + f["a_rc"])
        for t in range(len(self.prod)):
            a = self.ca[t]
            if self.rb[t] >= 0:
                col = g_an[:, :, self.rb[t]]  # (nodes, r)
                g_arp[:, t] += col.T @ xc[:, a]
                g_xc[:, a] += col @ a_rp[:, t]
            else:
                b = self.cb[t]
                g_arp[:, t] += g_shift.T @ (xc[:, a] * xc[:, b])
                along = g_shift @ a_rp[:, t]
                g_xc[:, a] += along * xc[:, b]
                g_xc[:, b] += along * xc[:, a]
        g_k = g_shift.T @ (xc - f["m_c"]) - g_sc @ f["s_rc"]
        g_mc = g_xc.sum(0) - (g_shift @ k).sum(0)
        g_l = np.tril(g_xc.T @ self.nodes)
        # Cholesky backward (Murray 2016): P = Phi(L' Lbar), Sbar = L^-T P L^-1, symmetrized
        chol = f["chol"]
        phi = np.tril(chol.T @ g_l)
        phi[np.diag_indices_from(phi)] *= 0.5
        linv = linalg.solve_triangular(chol, np.eye(len(chol)), lower=True)
        g_scc = linv.T @ phi @ linv
        g_scc = 0.5 * (g_scc + g_scc.T) - k.T @ g_k @ f["s_cc_inv"]
        g_src = -g_sc @ k + g_k @ f["s_cc_inv"]
        return self._scatter(g_an.sum(0), g_shift.T @ xc, g_arp, g_sc, g_src, g_scc, g_shift.sum(0), g_mc)

    def _scatter(self, g_arr, g_arc, g_arp, g_srr, g_src, g_scc, g_mr, g_mc) -> np.ndarray:
        """Matrix-entry gradients (blocks) summed into the free parameters."""
        ram, m = self.ram, self.ram.m
        ga, gs, gm = np.zeros((m, m)), np.zeros((m, m)), np.zeros(m)
        bl = self._blocks
        ga.flat[bl["rr"]] = g_arr
        ga.flat[bl["rc"]] = g_arc
        ga.flat[bl["rp"]] = g_arp
        gs.flat[bl["rr"]] = g_srr
        gs.flat[bl["rc"]] = g_src
        gs.flat[bl["cc"]] = g_scc
        gs = gs + gs.T - np.diag(np.diag(gs))  # S_CR enters through S_RC: fold the blocks into one triangle
        gm[self.r] = g_mr
        gm[self.c] = g_mc
        grad = np.zeros(ram.n_par)
        fa, fs, fm = ram.a_par >= 0, ram.s_par >= 0, ram.m_par >= 0
        np.add.at(grad, ram.a_par[fa], ga[ram.a_rows[fa], ram.a_cols[fa]])
        np.add.at(grad, ram.s_par[fs], gs[ram.s_rows[fs], ram.s_cols[fs]])
        np.add.at(grad, ram.m_par[fm], gm[ram.m_rows[fm]])
        return grad

    def loglik(self, theta: np.ndarray, y: np.ndarray, *, gradient: bool = True) -> tuple[float, np.ndarray | None]:
        """The marginal loglikelihood and (optionally) its analytic gradient."""
        f = self._forward(theta)
        sigma, mu = f["sigma"], f["mu"]
        n, p = y.shape
        chol = np.linalg.cholesky(sigma)
        logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(1)
        sinv = np.linalg.inv(sigma)
        v = np.einsum("qpk,qk->qp", sinv, mu)
        quad = ((y @ sinv) * y[None, :, :]).sum(-1).T  # (n, nodes): y' Sigma_q^-1 y by batched BLAS products
        d2 = quad - 2.0 * y @ v.T + (mu * v).sum(1)[None, :]
        lp = self.logw[None, :] - 0.5 * (d2 + logdet[None, :])
        top = lp.max(axis=1)
        resp = np.exp(lp - top[:, None])
        tot = resp.sum(axis=1)
        ll = float((top + np.log(tot)).sum() - 0.5 * n * p * math.log(2 * math.pi))
        if not gradient:
            return ll, None
        resp /= tot[:, None]
        rsum = resp.sum(0)
        ry = resp.T @ y  # (nodes, p)
        g_mu = np.einsum("qpk,qk->qp", sinv, ry - rsum[:, None] * mu)
        yry = (resp.T[:, :, None] * y[None, :, :]).transpose(0, 2, 1) @ y  # (nodes, p, p): sum_i r_iq y_i y_i'
        w = yry - ry[:, :, None] * mu[:, None, :] - mu[:, :, None] * ry[:, None, :] + rsum[:, None, None] * (
            mu[:, :, None] * mu[:, None, :])
        g_sigma = 0.5 * (sinv @ w @ sinv - rsum[:, None, None] * sinv)
        return ll, self._backward(f, g_sigma, g_mu)


def _objective(problem: LMSProblem, y: np.ndarray):
    n = len(y)

    def f(theta):
        try:
            ll, grad = problem.loglik(theta, y)
        except np.linalg.LinAlgError:  # a (co)variance matrix left the positive definite cone: step back
            return 1e10, np.zeros_like(theta)
        if not np.isfinite(ll):
            return 1e10, np.zeros_like(theta)
        return -ll / n, -grad / n
    return f


def observed_hessian(problem: LMSProblem, theta: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The Hessian of the loglikelihood by central differences of its analytic gradient (NaN
    when a step leaves the admissible region)."""
    try:
        return numerical_hessian(lambda th: problem.loglik(th, y)[1], theta)
    except np.linalg.LinAlgError:
        return np.full((len(theta), len(theta)), np.nan)


@dataclass(frozen=True)
class _Optimum:
    theta: np.ndarray
    loglik: float
    hessian: np.ndarray
    iterations: int
    converged: bool
    max_gradient: float


def maximize(problem: LMSProblem, y: np.ndarray, theta0: np.ndarray) -> _Optimum:
    """BFGS on -loglik/N from ``theta0``, then the observed Hessian there and Newton steps with it
    until the largest gradient element per observation is below 1e-9 (the Hessian is not
    recomputed after these steps: they move the estimates by less than 1e-6)."""
    n = len(y)
    if len(theta0) == 0:
        ll = problem.loglik(theta0, y, gradient=False)[0]
        return _Optimum(theta0, ll, np.zeros((0, 0)), 0, True, 0.0)
    res = optimize.minimize(_objective(problem, y), theta0, jac=True, method="BFGS",
                            options={"gtol": 1e-6, "maxiter": 2000})
    theta, its = res.x, int(res.nit)
    try:
        ll, grad = problem.loglik(theta, y)
    except np.linalg.LinAlgError:
        return _Optimum(theta, math.nan, np.full((len(theta), len(theta)), np.nan), its, False, math.inf)
    hess = observed_hessian(problem, theta, y)
    for _ in range(5):
        if np.max(np.abs(grad)) / n < 1e-9 or not np.all(np.isfinite(hess)):
            break
        try:
            trial = theta - np.linalg.solve(hess, grad)
            ll_t, grad_t = problem.loglik(trial, y)
        except np.linalg.LinAlgError:
            break
        if not np.isfinite(ll_t) or ll_t < ll - 1e-9 * n:
            break
        theta, ll, grad, its = trial, ll_t, grad_t, its + 1
    gmax = float(np.max(np.abs(grad)) / n)
    converged = gmax < 1e-5 and bool(np.all(np.isfinite(hess))) and bool(np.all(np.linalg.eigvalsh(-hess) > 0))
    return _Optimum(theta, ll, hess, its, converged, gmax)


def _check_lms(rows: list[SyntaxRow], terms: tuple[InteractionTerm, ...], frame: pd.DataFrame) -> list[SyntaxRow]:
    """The rows of the linear model, after LMS's own checks (one sentence each)."""
    for r in rows:
        if r.op in (":=", "=="):
            raise ModelSpecificationError(
                f"Model syntax line {r.line}: interaction='lms' does not take defined parameters or equality "
                f"constraints ('{r.op}'); remove the line (simple slopes: surveykit.sem.interaction.simple_slopes).")
    linear = [r for r in rows if not (r.op == "~" and ":" in r.rhs)]
    vn = variable_names(linear)
    for t in terms:
        for v in (t.left, t.right):
            if v not in vn.lv_x:
                raise ModelSpecificationError(
                    f"interaction='lms' needs exogenous latent variables in a product, but {v} in '{t.term}' is "
                    "predicted by another variable or is an indicator; use interaction='product_indicator'.")
    if vn.ov_x:
        raise ModelSpecificationError(
            f"interaction='lms' does not take observed covariates ({', '.join(vn.ov_x)}); write each as a "
            "single-indicator latent variable ('f =~ x').")
    absent = [v for v in vn.ov if v not in frame.columns]
    if absent:
        raise SpecError(f"The data have no column {', '.join(map(repr, absent))} that the model uses.")
    for v in vn.ov:
        n_missing = int(pd.to_numeric(frame[v], errors="coerce").isna().sum())
        if n_missing:
            raise SpecError(
                f"interaction='lms' needs complete data, but column {v!r} has {n_missing} missing or non-numeric "
                "values; delete those rows or use interaction='product_indicator' with missing='fiml'.")
    return linear


def _lms_partable(pt: ParTable, rows: list[SyntaxRow], terms: tuple[InteractionTerm, ...]) -> ParTable:
    """The linear model's table plus one regression row per interaction coefficient."""
    t = pt.table
    template = t[t["op"] == "~"].iloc[0] if (t["op"] == "~").any() else t.iloc[0]
    n_free = pt.n_free
    new = []
    for r in rows:
        if not (r.op == "~" and ":" in r.rhs):
            continue
        term = next(x for x in terms if {x.left, x.right} == set(r.rhs.split(":")))
        row = template.copy()
        row["id"] = int(t["id"].max()) + len(new) + 1
        row["lhs"], row["op"], row["rhs"], row["user"], row["line"] = r.lhs, "~", term.name, 1, r.line
        row["label"], row["exo"], row["start"] = r.label, 0, 0.0
        shared = t[(t["label"] == r.label) & (t["free"] > 0)] if r.label else t.iloc[0:0]
        if r.fixed is not None:
            row["free"], row["ustart"] = 0, float(r.fixed)
        elif len(shared):
            row["free"], row["ustart"] = int(shared["free"].iloc[0]), np.nan
        else:
            n_free += 1
            row["free"], row["ustart"] = n_free, np.nan
        new.append(row)
    table = pd.concat([t, pd.DataFrame(new)], ignore_index=True)
    return dataclasses.replace(pt, table=table, lv_names=tuple(pt.lv_names) + tuple(x.name for x in terms))


def _estimates(pt: ParTable, theta: np.ndarray, vcov: np.ndarray) -> pd.DataFrame:
    t = pt.table
    free = t["free"].to_numpy(dtype=int)
    est = np.where(free > 0, theta[np.clip(free - 1, 0, None)] if len(theta) else 0.0,
                   t["ustart"].to_numpy(dtype=float))
    var = np.where(free > 0, np.diag(vcov)[np.clip(free - 1, 0, None)] if len(theta) else 0.0, np.nan)
    se = np.where(free > 0, np.sqrt(np.where(var >= 0, var, np.nan)), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free > 0, est / se, np.nan)
    half = stats.norm.ppf(0.975) * se
    out = pd.DataFrame({"lhs": t["lhs"].to_numpy(), "op": t["op"].to_numpy(), "rhs": t["rhs"].to_numpy(),
                        "label": t["label"].to_numpy(), "est": est, "se": se, "z": z,
                        "pvalue": 2.0 * stats.norm.sf(np.abs(z)), "ci_lower": est - half, "ci_upper": est + half})
    return out


@dataclass(frozen=True, repr=False, eq=False)
class LMSResult(ResultMixin):
    """An LMS fit: estimates with standard errors from the observed information, the
    loglikelihood and information criteria (no chi-square, as Mplus), and the linear model it
    started from (``linear``: the same model without the products, a :class:`SEMResult`)."""

    model_syntax: str
    partable: ParTable
    interactions: tuple[InteractionTerm, ...]
    nobs: int
    converged: bool
    iterations: int
    quadrature_points: int
    linear: Any = field(repr=False)
    _estimates: pd.DataFrame = field(repr=False)
    _fit: dict = field(repr=False)
    _theta: np.ndarray = field(repr=False)
    _vcov: np.ndarray = field(repr=False)
    warnings: tuple[tuple[str, str], ...] = ()
    estimator: str = "ML (LMS)"

    def parameter_estimates(self) -> pd.DataFrame:
        """lhs, op, rhs, label, est, se, z, pvalue, ci_lower, ci_upper; an interaction's row has
        ``rhs`` ``a:b``."""
        return self._estimates.copy()

    def interaction_effects(self) -> pd.DataFrame:
        """The rows of the interaction coefficients."""
        pe = self._estimates
        return pe[(pe["op"] == "~") & pe["rhs"].str.contains(":", regex=False)].reset_index(drop=True)

    def fit_measures(self) -> dict[str, float]:
        """logl, npar, aic, bic, bic2, and the likelihood-ratio test of the interaction
        coefficients against the linear model (lr_chisq, lr_df, lr_pvalue)."""
        return dict(self._fit)

    def to_frame(self) -> pd.DataFrame:
        return self.parameter_estimates()

    def vcov(self) -> pd.DataFrame:
        """The covariance matrix of the free parameters (inverse observed information)."""
        return pd.DataFrame(self._vcov, index=free_parameter_names(self.partable),
                            columns=free_parameter_names(self.partable))

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({"estimator": self.estimator, "nobs": self.nobs, "converged": self.converged,
                            "iterations": self.iterations, "quadrature_points": self.quadrature_points,
                            "fit_measures": self._fit, "parameters": self._estimates,
                            "interactions": [t.to_dict() for t in self.interactions],
                            "warnings": [{"category": c, "message": m} for c, m in self.warnings]})

    def _repr_line(self) -> str:
        return (f"LMSResult nobs={self.nobs} npar={self._fit['npar']:.0f} logl={self._fit['logl']:.3f} "
                f"converged={self.converged}")

    def summary(self) -> Summary:
        f = self._fit
        head = [("Estimator", "ML, latent moderated structural equations (LMS)"), ("Converged", self.converged),
                ("Iterations", self.iterations), ("Number of model parameters", int(f["npar"])),
                ("Number of observations", self.nobs),
                ("Quadrature", f"Gauss-Hermite, {self.quadrature_points} points per latent variable in a product"),
                ("Standard errors", "observed information (numerical Hessian of the loglikelihood)")]
        info = [("Loglikelihood", f["logl"]), ("Akaike (AIC)", f["aic"]), ("Bayesian (BIC)", f["bic"]),
                ("Sample-size adjusted BIC", f["bic2"]), ("Loglikelihood of the linear model", f["logl_linear"]),
                ("LR test of the interactions: chi-square", f["lr_chisq"]), ("  df", f["lr_df"]),
                ("  p-value", f["lr_pvalue"])]
        pe = self._estimates
        tables = [("Model", pd.DataFrame(head, columns=["", "value"])),
                  ("Information criteria", pd.DataFrame(info, columns=["", "value"]))]
        for name, mask in (("Latent variables", pe["op"] == "=~"), ("Regressions", pe["op"] == "~"),
                           ("Covariances", (pe["op"] == "~~") & (pe["lhs"] != pe["rhs"])),
                           ("Intercepts", pe["op"] == "~1"),
                           ("Variances", (pe["op"] == "~~") & (pe["lhs"] == pe["rhs"]))):
            block = pe[mask]
            if len(block):
                tab = block[["est", "se", "z", "pvalue"]].copy()
                tab.insert(0, "parameter", [f"{r.lhs} {r.op} {r.rhs}".strip() for r in block.itertuples()])
                tables.append((name, tab.reset_index(drop=True)))
        notes = ["LMS implies no covariance matrix: no chi-square test of model fit and no fit indices (as Mplus)."]
        notes += [f"{c}: {m}" for c, m in self.warnings]
        if not self.converged:
            notes.insert(0, "The optimizer did not converge: do not interpret these estimates.")
        return Summary(title=f"surveykit {__version__} LMS estimation", tables=tuple(tables), notes=tuple(notes))


def _fit_dict(opt: _Optimum, linear, n: int, n_new: int) -> dict[str, float]:
    k = len(opt.theta)
    ll0 = float(linear.fit_measures()["logl"])
    lr = 2.0 * (opt.loglik - ll0)
    return {"npar": float(k), "logl": opt.loglik, "aic": -2 * opt.loglik + 2 * k,
            "bic": -2 * opt.loglik + k * math.log(n), "bic2": -2 * opt.loglik + k * math.log((n + 2) / 24),
            "logl_linear": ll0, "lr_chisq": lr if n_new else math.nan, "lr_df": float(n_new) if n_new else math.nan,
            "lr_pvalue": float(stats.chi2.sf(max(lr, 0.0), n_new)) if n_new else math.nan,
            "max_gradient": opt.max_gradient}


def _warn_heywood(pt: ParTable, theta: np.ndarray) -> None:
    t = pt.table
    for r in t[(t["op"] == "~~") & (t["lhs"] == t["rhs"]) & (t["free"] > 0)].itertuples():
        if theta[r.free - 1] < 0:
            warnings.warn(heywood_sentence(r.lhs, theta[r.free - 1]), HeywoodCaseWarning, stacklevel=3)


@single_threaded
def fit_lms(model: str, rows: list[SyntaxRow], frame: pd.DataFrame, *, linear_fit, quadrature_points: int = 32,
            start: np.ndarray | None = None) -> LMSResult:
    """Fit a model with latent interactions by LMS (see the module docstring).

    ``linear_fit(syntax, data)`` fits the model without the products by ML with a mean structure
    (``sem()``'s pipeline; its estimates are the starting values unless ``start`` is given)."""
    from surveykit.results import capture_warnings

    if isinstance(quadrature_points, bool) or not isinstance(quadrature_points, (int, np.integer)) or not (
            2 <= quadrature_points <= 64):
        raise SpecError(f"quadrature_points= must be a whole number from 2 to 64, not {quadrature_points!r}.")
    terms = tuple(dataclasses.replace(t, name=t.term) for t in interaction_terms(rows))
    with capture_warnings() as log:
        linear_rows = _check_lms(rows, terms, frame)
        linear = linear_fit("\n".join(row_syntax(r) for r in linear_rows), frame)
        pt = _lms_partable(linear.partable, rows, terms)
        problem = LMSProblem.build(pt, terms, int(quadrature_points))
        y = np.asarray(linear._data, dtype=float)
        n_new = pt.n_free - linear.partable.n_free
        theta0 = np.concatenate([linear._theta, np.zeros(n_new)]) if start is None else np.asarray(start, float)
        if len(theta0) != pt.n_free:
            raise SpecError(f"start= has {len(theta0)} values for {pt.n_free} free parameters.")
        opt = maximize(problem, y, theta0)
        try:
            vcov = np.linalg.inv(-opt.hessian) if len(opt.theta) else np.zeros((0, 0))
        except np.linalg.LinAlgError:
            vcov = np.full((pt.n_free, pt.n_free), np.nan)
        _warn_heywood(pt, opt.theta)
        if not opt.converged:
            warnings.warn(
                f"LMS did not converge (largest gradient element per observation {opt.max_gradient:.2g}, or the "
                "information matrix is not positive definite): the estimates and standard errors are not usable.",
                ConvergenceWarning, stacklevel=2)
    return LMSResult(model_syntax=model, partable=pt, interactions=terms, nobs=len(y), converged=opt.converged,
                     iterations=opt.iterations, quadrature_points=int(quadrature_points), linear=linear,
                     _estimates=_estimates(pt, opt.theta, vcov), _fit=_fit_dict(opt, linear, len(y), n_new),
                     _theta=opt.theta, _vcov=vcov, warnings=tuple(log))
