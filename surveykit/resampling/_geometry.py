"""The RAM matrices of parameter-table rows, batched over draws (numpy only).

From a matrix of row estimates (draws x table rows) this builds A (directed paths) and S
((residual) variances and covariances) for every draw at once; that gives lavaan's
admissibility check of each bootstrap solution and the model's total effects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from surveykit.sem.partable import ParTable

__all__ = ["RowGeometry"]

_EPS = np.finfo(float).eps ** 0.75  # lavaan's tolerance for a negative eigenvalue


@dataclass(frozen=True)
class RowGeometry:
    names: tuple[str, ...]  # observed first, then latent (RamModel's order)
    n_obs: int
    a_rows: np.ndarray  # table rows that are directed paths
    a_to: np.ndarray
    a_from: np.ndarray
    s_rows: np.ndarray  # table rows that are (co)variances
    s_i: np.ndarray
    s_j: np.ndarray
    ov_var_rows: np.ndarray
    lv_var_rows: np.ndarray

    @classmethod
    def from_partable(cls, pt: ParTable) -> RowGeometry:
        names = tuple(pt.ov_names) + tuple(pt.lv_names)
        idx = {n: i for i, n in enumerate(names)}
        t = pt.table
        a_rows, a_to, a_from, s_rows, s_i, s_j, ov_var, lv_var = ([] for _ in range(8))
        lv = set(pt.lv_names)
        for r, (lhs, op, rhs) in enumerate(zip(t["lhs"], t["op"], t["rhs"])):
            if op == "=~":
                a_rows.append(r)
                a_to.append(idx[rhs])
                a_from.append(idx[lhs])
            elif op == "~":
                a_rows.append(r)
                a_to.append(idx[lhs])
                a_from.append(idx[rhs])
            elif op == "~~":
                s_rows.append(r)
                s_i.append(idx[lhs])
                s_j.append(idx[rhs])
                if lhs == rhs:
                    (lv_var if lhs in lv else ov_var).append(r)
        arr = lambda v: np.array(v, dtype=int)  # noqa: E731
        return cls(names=names, n_obs=len(pt.ov_names), a_rows=arr(a_rows), a_to=arr(a_to), a_from=arr(a_from),
                   s_rows=arr(s_rows), s_i=arr(s_i), s_j=arr(s_j), ov_var_rows=arr(ov_var), lv_var_rows=arr(lv_var))

    @property
    def m(self) -> int:
        return len(self.names)

    def matrices(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A and S, shape (D, m, m), from row estimates ``rows`` (D, n_rows)."""
        rows = np.atleast_2d(rows)
        d, m = rows.shape[0], self.m
        A = np.zeros((d, m, m))
        S = np.zeros((d, m, m))
        A[:, self.a_to, self.a_from] = rows[:, self.a_rows]
        S[:, self.s_i, self.s_j] = rows[:, self.s_rows]
        S[:, self.s_j, self.s_i] = rows[:, self.s_rows]
        return A, S

    def total_effects(self, rows: np.ndarray) -> np.ndarray:
        """``(I - A)^-1 - I`` per draw: element [to, from] is the total effect of ``from`` on ``to``."""
        A, _ = self.matrices(rows)
        eye = np.eye(self.m)
        with np.errstate(all="ignore"):
            try:
                return np.linalg.inv(eye - A) - eye
            except np.linalg.LinAlgError:
                out = np.full_like(A, np.nan)
                for k in range(len(A)):
                    try:
                        out[k] = np.linalg.inv(eye - A[k]) - eye
                    except np.linalg.LinAlgError:
                        pass
                return out

    def admissible(self, rows: np.ndarray) -> np.ndarray:
        """lavaan's post-estimation check (``lavInspect(fit, "post.check")``) per draw: no negative
        observed or latent variance, a positive definite latent covariance matrix (checked when
        latent variances are not negative) and a positive definite residual covariance matrix of
        the observed variables (checked when their variances are not negative)."""
        rows = np.atleast_2d(rows)
        ok = np.ones(len(rows), dtype=bool)
        ov_ok = ~(rows[:, self.ov_var_rows] < 0).any(axis=1) if len(self.ov_var_rows) else ok.copy()
        lv_ok = ~(rows[:, self.lv_var_rows] < 0).any(axis=1) if len(self.lv_var_rows) else ok.copy()
        ok &= ov_ok & lv_ok
        p = self.n_obs
        A, S = self.matrices(rows)
        with np.errstate(all="ignore"):
            if self.m > p:
                sel = np.flatnonzero(lv_ok)
                if len(sel):
                    B = np.linalg.inv(np.eye(self.m) - A[sel])
                    C = B @ S[sel] @ np.swapaxes(B, 1, 2)
                    eig = np.linalg.eigvalsh(C[:, p:, p:])
                    ok[sel[eig.min(axis=1) < -_EPS]] = False
            sel = np.flatnonzero(ov_ok)
            if len(sel):
                eig = np.linalg.eigvalsh(S[sel][:, :p, :p])
                ok[sel[eig.min(axis=1) < -_EPS]] = False
        return ok
