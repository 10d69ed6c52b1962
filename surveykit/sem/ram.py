"""The RAM form of a parameter table (one group) and the discrepancy kernels.

Variables are ordered observed first, then latent.  ``A`` holds directed paths
(``A[to, from]``: loadings and regressions), ``S`` the symmetric (residual) variances and
covariances, ``m`` the intercepts and latent means, ``F`` selects the observed variables:

    Sigma = F (I - A)^{-1} S (I - A)^{-T} F',      mu = F (I - A)^{-1} m.

Derivatives of Sigma and mu with respect to each free parameter are rank-one/two outer
products, which gives analytic gradients and the expected (Gauss-Newton) information
cheaply: the cost grows with the number of variables, not respondents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from surveykit.sem.partable import ParTable

__all__ = ["RamModel", "ml_discrepancy", "trace_products"]


def trace_products(v: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``H[k, l] = tr(V d_k V d_l)`` for a stack of matrices d (k, p, p), by one matrix product
    (the einsum ``kab,lba->kl`` done as BLAS: vec(V d_k) . vec((V d_l)'))."""
    k, p, _ = d.shape
    # one 2-D product (BLAS) instead of k small ones: (V d_k) for all k at once
    vd = (v @ np.ascontiguousarray(d).transpose(1, 0, 2).reshape(p, k * p)).reshape(p, k, p).transpose(1, 0, 2)
    return vd.reshape(k, -1) @ vd.transpose(0, 2, 1).reshape(k, -1).T


@dataclass(frozen=True)
class RamModel:
    """Index maps from the (global) free-parameter vector into one group's A, S and m."""

    names: tuple[str, ...]
    n_obs_vars: int
    a_rows: np.ndarray  # for each A-entry: row (to)
    a_cols: np.ndarray
    a_par: np.ndarray  # free index (0-based) or -1 when fixed
    a_fixed: np.ndarray
    s_rows: np.ndarray
    s_cols: np.ndarray
    s_par: np.ndarray
    s_fixed: np.ndarray
    n_par: int
    m_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    m_par: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    m_fixed: np.ndarray = field(default_factory=lambda: np.zeros(0))
    meanstructure: bool = False

    @classmethod
    def from_partable(cls, pt: ParTable, group: int = 1) -> RamModel:
        names = tuple(pt.ov_names) + tuple(pt.lv_names)
        idx = {n: i for i, n in enumerate(names)}
        t = pt.table
        if "group" in t.columns:
            t = t[t["group"] == group]
        a_l: tuple[list, ...] = ([], [], [], [])
        s_l: tuple[list, ...] = ([], [], [], [])
        m_l: tuple[list, ...] = ([], [], [])
        for lhs, op, rhs, free, ustart in zip(t["lhs"], t["op"], t["rhs"], t["free"], t["ustart"]):
            par = int(free) - 1
            fixed = 0.0 if par >= 0 else float(ustart)
            if op == "=~":
                entry, target = (idx[rhs], idx[lhs], par, fixed), a_l
            elif op == "~":
                entry, target = (idx[lhs], idx[rhs], par, fixed), a_l
            elif op == "~~":
                entry, target = (idx[lhs], idx[rhs], par, fixed), s_l
            elif op == "~1":
                entry, target = (idx[lhs], par, fixed), m_l
            else:
                continue
            for lst, val in zip(target, entry):
                lst.append(val)
        return cls(
            names=names,
            n_obs_vars=len(pt.ov_names),
            a_rows=np.array(a_l[0], dtype=int), a_cols=np.array(a_l[1], dtype=int),
            a_par=np.array(a_l[2], dtype=int), a_fixed=np.array(a_l[3], dtype=float),
            s_rows=np.array(s_l[0], dtype=int), s_cols=np.array(s_l[1], dtype=int),
            s_par=np.array(s_l[2], dtype=int), s_fixed=np.array(s_l[3], dtype=float),
            n_par=pt.n_free,
            m_rows=np.array(m_l[0], dtype=int), m_par=np.array(m_l[1], dtype=int),
            m_fixed=np.array(m_l[2], dtype=float),
            meanstructure=bool(pt.meanstructure),
        )

    @property
    def m(self) -> int:
        return len(self.names)

    def matrices(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A and S at the parameter vector ``theta``."""
        m = self.m
        A = np.zeros((m, m), dtype=theta.dtype)
        S = np.zeros((m, m), dtype=theta.dtype)
        av = np.where(self.a_par >= 0, theta[self.a_par.clip(0)], self.a_fixed)
        A[self.a_rows, self.a_cols] = av
        sv = np.where(self.s_par >= 0, theta[self.s_par.clip(0)], self.s_fixed)
        S[self.s_rows, self.s_cols] = sv
        S[self.s_cols, self.s_rows] = sv
        return A, S

    def mean_vector(self, theta: np.ndarray) -> np.ndarray:
        """The intercept/latent-mean vector m (zeros without a mean structure)."""
        mv = np.zeros(self.m, dtype=theta.dtype)
        if len(self.m_rows):
            mv[self.m_rows] = np.where(self.m_par >= 0, theta[self.m_par.clip(0)], self.m_fixed)
        return mv

    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Sigma of observed variables, total covariance C of all variables, B = (I-A)^-1)."""
        A, S = self.matrices(theta)
        B = np.linalg.inv(np.eye(self.m) - A)
        C = B @ S @ B.T
        p = self.n_obs_vars
        return C[:p, :p], C, B

    def implied_means(self, theta: np.ndarray) -> np.ndarray:
        """Model-implied means of all variables, ``(I - A)^-1 m``."""
        A, _ = self.matrices(theta)
        return np.linalg.solve(np.eye(self.m) - A, self.mean_vector(theta))

    def derivatives(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(dSigma/dtheta: (n_par, p, p), dmu/dtheta: (n_par, p))."""
        A, S = self.matrices(theta)
        B = np.linalg.inv(np.eye(self.m) - A)
        p = self.n_obs_vars
        FB = B[:p, :]  # p x m
        FC = (B @ S @ B.T)[:p, :]  # covariances of observed with all
        out = np.zeros((self.n_par, p, p))
        dmu = np.zeros((self.n_par, p))
        # every A entry (r, c): dSigma = FB[:, r] FC[:, c]' + transpose; S entries: FB[:, r] FB[:, c]' (+ t)
        fa = self.a_par >= 0
        if fa.any():
            u = FB[:, self.a_rows[fa]]
            v = FC[:, self.a_cols[fa]]
            outer = np.einsum("pi,qi->ipq", u, v)
            np.add.at(out, self.a_par[fa], outer + outer.transpose(0, 2, 1))
            if self.meanstructure:
                nu = B @ self.mean_vector(theta)
                np.add.at(dmu, self.a_par[fa], (u * nu[self.a_cols[fa]]).T)
        fs = self.s_par >= 0
        if fs.any():
            u = FB[:, self.s_rows[fs]]
            v = FB[:, self.s_cols[fs]]
            outer = np.einsum("pi,qi->ipq", u, v)
            offdiag = (self.s_rows[fs] != self.s_cols[fs])[:, None, None]
            np.add.at(out, self.s_par[fs], outer + np.where(offdiag, outer.transpose(0, 2, 1), 0.0))
        fm = self.m_par >= 0 if len(self.m_par) else np.zeros(0, dtype=bool)
        if fm.any():
            np.add.at(dmu, self.m_par[fm], FB[:, self.m_rows[fm]].T)
        return out, dmu

    def sigma_derivatives(self, theta: np.ndarray) -> np.ndarray:
        """d Sigma / d theta_k for each free parameter: array (n_par, p, p)."""
        return self.derivatives(theta)[0]


def ml_discrepancy(sigma: np.ndarray, s: np.ndarray, logdet_s: float,
                   mean_dev: np.ndarray | None = None) -> float:
    """F_ML = log|Sigma| + tr(S Sigma^-1) - log|S| - p (+ d' Sigma^-1 d); ``inf`` when Sigma is
    not positive definite."""
    try:
        chol = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return np.inf
    logdet = 2.0 * np.log(np.diag(chol)).sum()
    inv_chol = np.linalg.solve(chol, np.eye(len(s)))
    tr = np.einsum("ij,ij->", inv_chol @ s, inv_chol)
    val = logdet + tr - logdet_s - len(s)
    if mean_dev is not None:
        z = inv_chol @ mean_dev
        val += z @ z
    return float(val)
