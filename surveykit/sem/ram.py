"""The RAM form of a parameter table and the normal-theory ML kernels.

Variables are ordered observed first, then latent.  ``A`` holds directed paths
(``A[to, from]``: loadings and regressions), ``S`` the symmetric (residual) variances and
covariances, ``F`` selects the observed variables, so that the model-implied covariance is

    Sigma = F (I - A)^{-1} S (I - A)^{-T} F'.

Derivatives of Sigma with respect to each free parameter are rank-two outer products,
which gives the analytic gradient of the ML discrepancy and its expected information
cheaply (cost grows with the number of variables, not respondents).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from surveykit.sem.partable import ParTable

__all__ = ["RamModel", "ml_discrepancy"]


@dataclass(frozen=True)
class RamModel:
    """Index maps from the free-parameter vector into A and S."""

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

    @classmethod
    def from_partable(cls, pt: ParTable) -> RamModel:
        names = tuple(pt.ov_names) + tuple(pt.lv_names)
        idx = {n: i for i, n in enumerate(names)}
        t = pt.table
        ar, ac, ap, af, sr, sc, sp, sf = ([] for _ in range(8))
        for lhs, op, rhs, free, ustart in zip(t["lhs"], t["op"], t["rhs"], t["free"], t["ustart"]):
            par = int(free) - 1
            fixed = 0.0 if par >= 0 else float(ustart)
            if op == "=~":
                entry, target = (idx[rhs], idx[lhs], par, fixed), (ar, ac, ap, af)
            elif op == "~":
                entry, target = (idx[lhs], idx[rhs], par, fixed), (ar, ac, ap, af)
            elif op == "~~":
                entry, target = (idx[lhs], idx[rhs], par, fixed), (sr, sc, sp, sf)
            else:
                continue
            for lst, val in zip(target, entry):
                lst.append(val)
        return cls(
            names=names,
            n_obs_vars=len(pt.ov_names),
            a_rows=np.array(ar, dtype=int), a_cols=np.array(ac, dtype=int),
            a_par=np.array(ap, dtype=int), a_fixed=np.array(af, dtype=float),
            s_rows=np.array(sr, dtype=int), s_cols=np.array(sc, dtype=int),
            s_par=np.array(sp, dtype=int), s_fixed=np.array(sf, dtype=float),
            n_par=pt.n_free,
        )

    @property
    def m(self) -> int:
        return len(self.names)

    def matrices(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A and S at the parameter vector ``theta``."""
        m = self.m
        A = np.zeros((m, m))
        S = np.zeros((m, m))
        av = np.where(self.a_par >= 0, theta[self.a_par.clip(0)], self.a_fixed)
        A[self.a_rows, self.a_cols] = av
        sv = np.where(self.s_par >= 0, theta[self.s_par.clip(0)], self.s_fixed)
        S[self.s_rows, self.s_cols] = sv
        S[self.s_cols, self.s_rows] = sv
        return A, S

    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Sigma of observed variables, total covariance C of all variables, B = (I-A)^-1)."""
        A, S = self.matrices(theta)
        B = np.linalg.inv(np.eye(self.m) - A)
        C = B @ S @ B.T
        p = self.n_obs_vars
        return C[:p, :p], C, B

    def sigma_derivatives(self, theta: np.ndarray) -> np.ndarray:
        """d Sigma / d theta_k for each free parameter: array (n_par, p, p)."""
        A, S = self.matrices(theta)
        B = np.linalg.inv(np.eye(self.m) - A)
        p = self.n_obs_vars
        FB = B[:p, :]  # p x m
        FC = (B @ S @ B.T)[:p, :]  # p x m: covariances of observed with all
        out = np.zeros((self.n_par, p, p))
        for r, c, k in zip(self.a_rows, self.a_cols, self.a_par):
            if k < 0:
                continue
            # dSigma = F B E_rc B S B' F' + transpose
            outer = np.outer(FB[:, r], FC[:, c])
            out[k] += outer + outer.T
        for r, c, k in zip(self.s_rows, self.s_cols, self.s_par):
            if k < 0:
                continue
            if r == c:
                out[k] += np.outer(FB[:, r], FB[:, r])
            else:
                outer = np.outer(FB[:, r], FB[:, c])
                out[k] += outer + outer.T
        return out


def ml_discrepancy(sigma: np.ndarray, s: np.ndarray, logdet_s: float) -> float:
    """F_ML = log|Sigma| + tr(S Sigma^-1) - log|S| - p; ``inf`` when Sigma is not positive definite."""
    try:
        chol = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return np.inf
    logdet = 2.0 * np.log(np.diag(chol)).sum()
    inv_chol = np.linalg.solve(chol, np.eye(len(s)))
    tr = np.einsum("ij,ij->", inv_chol @ s, inv_chol)
    return float(logdet + tr - logdet_s - len(s))
