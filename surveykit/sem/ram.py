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
from functools import cached_property

import numpy as np

from surveykit.errors import EstimationError
from surveykit.sem.partable import ParTable

__all__ = ["RamModel", "EntryDerivatives", "ml_discrepancy", "trace_products"]


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
        for lhs, op, rhs, free, ustart in zip(*(t[c].tolist() for c in ("lhs", "op", "rhs", "free", "ustart"))):
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
        lay = self._layout
        A = lay.a_template.astype(theta.dtype, copy=True)
        A.flat[lay.a_flat] = theta[lay.a_par]
        S = lay.s_template.astype(theta.dtype, copy=True)
        sv = theta[lay.s_par]
        S.flat[lay.s_flat] = sv
        S.flat[lay.s_flat_t] = sv
        return A, S

    def inverse(self, A: np.ndarray) -> np.ndarray:
        """``B = (I - A)^-1``.  For a recursive model (A nilpotent: no feedback loops) this is
        the finite series ``I + A + ... + A^(d-1)`` (d - 1 small products, cheaper than a
        general inverse); otherwise a general inverse."""
        depth = self._layout.depth
        eye = self._layout.eye if A.dtype == float else np.eye(self.m, dtype=A.dtype)
        if depth is None:
            try:
                return np.linalg.inv(eye - A)
            except np.linalg.LinAlgError:
                raise EstimationError(
                    "The model's loadings and regressions form a loop whose matrix (I - B) is singular (a cycle of "
                    "coefficients multiplying to 1, such as a latent variable measured through its own indicator); "
                    "check the model's feedback loops and what each =~ line measures.") from None
        B = eye + A
        for _ in range(depth - 2):
            B = eye + A @ B
        return B

    def mean_vector(self, theta: np.ndarray) -> np.ndarray:
        """The intercept/latent-mean vector m (zeros without a mean structure)."""
        mv = np.zeros(self.m, dtype=theta.dtype)
        if len(self.m_rows):
            mv[self.m_rows] = np.where(self.m_par >= 0, theta[self.m_par.clip(0)], self.m_fixed)
        return mv

    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Sigma of observed variables, total covariance C of all variables, B = (I-A)^-1)."""
        A, S = self.matrices(theta)
        B = self.inverse(A)
        C = B @ S @ B.T
        p = self.n_obs_vars
        return C[:p, :p], C, B

    def implied_means(self, theta: np.ndarray) -> np.ndarray:
        """Model-implied means of all variables, ``(I - A)^-1 m``."""
        A, _ = self.matrices(theta)
        return self.inverse(A) @ self.mean_vector(theta)

    @cached_property
    def _layout(self) -> _Layout:
        return _Layout.build(self)

    def entry_derivatives(self, theta: np.ndarray, B: np.ndarray | None = None,
                          S: np.ndarray | None = None, FC: np.ndarray | None = None) -> EntryDerivatives:
        """The derivatives of Sigma and mu with respect to every free matrix entry, in factored
        form (see :class:`EntryDerivatives`): O(p x entries) numbers instead of the
        (n_par, p, p) stack, enough for gradients and the expected information.  ``B``, ``S``
        and ``FC = F B S B'`` may be passed when already computed for ``theta``."""
        lay = self._layout
        if B is None or S is None:
            A, S = self.matrices(theta)
            B = self.inverse(A)
        p = self.n_obs_vars
        FB = B[:p, :]
        if FC is None:
            FC = FB @ S @ B.T  # covariances of the observed with all variables
        # columns of [FB | FC | 0]: one gather each for u and v (mean entries get zero columns)
        cols = np.concatenate([FB, FC, np.zeros((p, 1))], axis=1)
        u = cols.take(lay.u_cols, axis=1)
        v = cols.take(lay.v_cols, axis=1)
        dmu = None
        if self.meanstructure:
            nu = B @ self.mean_vector(theta)
            dmu = np.concatenate([FB[:, lay.a_r] * nu[lay.a_c], np.zeros((p, len(lay.s_r))), FB[:, lay.m_r]], axis=1)
        return EntryDerivatives(u=u, v=v, coef=lay.coef, dmu=dmu, incidence=lay.incidence, order=lay.order)

    def derivatives(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(dSigma/dtheta: (n_par, p, p), dmu/dtheta: (n_par, p))."""
        ed = self.entry_derivatives(theta)
        p = self.n_obs_vars
        outer = np.einsum("pe,qe->epq", ed.u * ed.coef, ed.v)
        outer = outer + outer.transpose(0, 2, 1)
        # summing entries that share a parameter (equality constraints) as one dense product:
        # np.add.at on (n, p, p) stacks was 30% of a bootstrap refit in the profile
        inc_t = ed.incidence.T
        d_sigma = (inc_t @ outer.reshape(len(ed.coef), p * p)).reshape(self.n_par, p, p)
        d_mu = inc_t @ ed.dmu.T if ed.dmu is not None else np.zeros((self.n_par, p))
        return d_sigma, d_mu

    def ml_hessian(self, ed: EntryDerivatives, B: np.ndarray, S: np.ndarray, sinv: np.ndarray,
                   w: np.ndarray) -> np.ndarray:
        """The exact (observed) Hessian of ``F = log|Sigma| + tr(S_obs Sigma^-1)`` without a mean
        structure, at the point of ``ed``/``B``/``S`` with ``sinv = Sigma^-1`` and
        ``w = Sigma^-1 - Sigma^-1 S_obs Sigma^-1`` (the gradient matrix):

            H_kl = tr(Sinv dS_k Sinv dS_l) - 2 tr(W dS_k Sinv dS_l) + tr(W d2Sigma_kl),

        the expected information, a misfit term, and second derivatives of Sigma, which are
        non-zero for pairs of A entries and for an A entry with an S entry:

            A (r,c), A (k,l): 2 [B_lr G_ck + B_ck G_lr + C_cl P_kr]
            A (r,c), S (k,l): 2 [B_ck P_lr + B_cl P_kr]   (the second term only for k != l)

        with ``C = B S B'``, ``P = B' F'WF B``, ``G = C F'WF B``.  Near the optimum of a model
        that does not fit exactly, Newton steps with it converge quadratically where Fisher
        scoring (the expected information alone) converges only linearly.
        """
        q = self.second_order(ed, B, S, w)
        xvx, xwx = ed.gram(sinv), ed.gram(w)
        return ed.information(sinv, gram=xvx) - 2.0 * ed.cross_information(w, sinv, grams=(xwx, xvx)) + q

    def second_order(self, ed: EntryDerivatives, B: np.ndarray, S: np.ndarray, w: np.ndarray,
                     mean_term: np.ndarray | None = None, nu: np.ndarray | None = None) -> np.ndarray:
        """``tr(W d2Sigma_kl) + t' d2mu_kl`` for all parameter pairs: the second-derivative term of the
        Hessian of a discrepancy whose gradient is ``tr(W dSigma) + t' dmu`` (``t = mean_term``, with
        ``nu = B m`` the implied means of all variables).  For Sigma see :meth:`ml_hessian`; for the
        means, with ``z = B' F' t``:

            A (r,c), A (k,l): z_k B_lr nu_c + z_r B_ck nu_l,     A (r,c), m (k): z_r B_ck.
        """
        lay = self._layout
        p = self.n_obs_vars
        fb = B[:p]
        C = B @ S @ B.T
        wfb = w @ fb
        P = (fb.T @ wfb).ravel()
        G = (C[:, :p] @ wfb).ravel()
        Bf, Cf = B.ravel(), C.ravel()
        qi = lay.q_index
        n_a, n_s = len(lay.a_r), len(lay.s_r)
        q = np.zeros((len(lay.coef), len(lay.coef)))
        if n_a:
            # gathers from the raveled matrices with precomputed flat indices (2-D fancy indexing
            # with broadcast index arrays was half of this function's time)
            q[:n_a, :n_a] = 2.0 * (Bf.take(qi["lr"]) * G.take(qi["ck"]) + Bf.take(qi["ck"]) * G.take(qi["lr"])
                                   + Cf.take(qi["cl"]) * P.take(qi["kr"]))
            if n_s:
                qas = 2.0 * (Bf.take(qi["s_ck"]) * P.take(qi["s_lr"])
                             + qi["s_off"] * Bf.take(qi["s_cl"]) * P.take(qi["s_kr"]))
                q[:n_a, n_a:n_a + n_s] = qas
                q[n_a:n_a + n_s, :n_a] = qas.T
            if mean_term is not None:
                z = fb.T @ mean_term
                ar, ac = lay.a_r, lay.a_c
                qm = (z[ar][None, :] * Bf.take(qi["lr"]) * nu[ac][:, None]
                      + z[ar][:, None] * Bf.take(qi["ck"]) * nu[ac][None, :])
                q[:n_a, :n_a] += qm
                if len(lay.m_r):
                    off = n_a + n_s
                    qam = z[ar][:, None] * B[ac[:, None], lay.m_r[None, :]]
                    q[:n_a, off:off + len(lay.m_r)] = qam
                    q[off:off + len(lay.m_r), :n_a] = qam.T
        return ed.entries_to_parameters(q)

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


@dataclass(frozen=True)
class _Layout:
    """Where theta goes in A, S and m, and the free entries of A, S and m (in that order) with
    the entry-to-parameter incidence matrix.  Built once per model (cached)."""

    a_template: np.ndarray  # A with the fixed values, zeros at free entries
    a_flat: np.ndarray  # flat positions of the free A entries
    a_par: np.ndarray  # their parameter indices
    s_template: np.ndarray
    s_flat: np.ndarray
    s_flat_t: np.ndarray  # the transposed positions
    s_par: np.ndarray
    depth: int | None  # smallest d with A^d = 0 for every value of the free entries; None: cyclic
    a_r: np.ndarray
    a_c: np.ndarray
    s_r: np.ndarray
    s_c: np.ndarray
    m_r: np.ndarray
    coef: np.ndarray  # 1/2 for a diagonal S entry (dSigma = u u'), else 1
    incidence: np.ndarray  # (entries, n_par): 1 where the entry is the parameter
    order: np.ndarray | None  # when every parameter is exactly one entry: the entry of each parameter
    u_cols: np.ndarray  # for each entry, its u and v column in [FB | FC | 0]
    v_cols: np.ndarray

    @cached_property
    def eye(self) -> np.ndarray:
        out = np.eye(self.a_template.shape[0])
        out.setflags(write=False)
        return out

    @cached_property
    def q_index(self) -> dict[str, np.ndarray]:
        """Flat indices into raveled m x m matrices for the second-derivative terms of
        :meth:`RamModel.ml_hessian` (rows: A entries (r, c); columns: A entries (k, l), or S
        entries (k, l) for the ``s_`` keys)."""
        m = self.a_template.shape[0]
        ar, ac, sr, sc = self.a_r, self.a_c, self.s_r, self.s_c
        return {
            "lr": ac[None, :] * m + ar[:, None], "ck": ac[:, None] * m + ar[None, :],
            "cl": ac[:, None] * m + ac[None, :], "kr": ar[None, :] * m + ar[:, None],
            "s_ck": ac[:, None] * m + sr[None, :], "s_lr": sc[None, :] * m + ar[:, None],
            "s_cl": ac[:, None] * m + sc[None, :], "s_kr": sr[None, :] * m + ar[:, None],
            "s_off": (sr != sc)[None, :].astype(float),
        }

    @classmethod
    def build(cls, model: RamModel) -> _Layout:
        m = model.m
        fa = model.a_par >= 0
        fs = model.s_par >= 0
        fm = model.m_par >= 0 if len(model.m_par) else np.zeros(0, dtype=bool)
        a_tmp = np.zeros((m, m))
        a_tmp[model.a_rows[~fa], model.a_cols[~fa]] = model.a_fixed[~fa]
        s_tmp = np.zeros((m, m))
        s_tmp[model.s_rows[~fs], model.s_cols[~fs]] = model.s_fixed[~fs]
        s_tmp[model.s_cols[~fs], model.s_rows[~fs]] = model.s_fixed[~fs]
        a_r, a_c = model.a_rows[fa], model.a_cols[fa]
        s_r, s_c = model.s_rows[fs], model.s_cols[fs]
        par = np.concatenate([model.a_par[fa], model.s_par[fs], model.m_par[fm]]).astype(int)
        inc = np.zeros((len(par), model.n_par))
        inc[np.arange(len(par)), par] = 1.0
        order = None
        if len(par) == model.n_par and np.array_equal(np.sort(par), np.arange(model.n_par)):
            order = np.argsort(par)
        coef = np.concatenate([np.ones(int(fa.sum())), np.where(s_r == s_c, 0.5, 1.0), np.zeros(int(fm.sum()))])
        return cls(
            a_template=a_tmp, a_flat=a_r * m + a_c, a_par=model.a_par[fa].astype(int),
            s_template=s_tmp, s_flat=s_r * m + s_c, s_flat_t=s_c * m + s_r, s_par=model.s_par[fs].astype(int),
            depth=_nilpotent_depth((a_tmp != 0) | _pattern(m, a_r, a_c)),
            a_r=a_r, a_c=a_c, s_r=s_r, s_c=s_c, m_r=model.m_rows[fm], coef=coef, incidence=inc, order=order,
            u_cols=np.concatenate([a_r, s_r, np.full(int(fm.sum()), 2 * m)]).astype(int),
            v_cols=np.concatenate([m + a_c, s_c, np.full(int(fm.sum()), 2 * m)]).astype(int),
        )


def _pattern(m: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    out = np.zeros((m, m), dtype=bool)
    out[rows, cols] = True
    return out


def _nilpotent_depth(pattern: np.ndarray) -> int | None:
    """Smallest d with pattern^d = 0 (boolean powers), or None when the directed graph has a
    cycle (a non-recursive model)."""
    p = pattern.astype(np.int64)
    power = np.eye(len(p), dtype=np.int64)
    for d in range(1, len(p) + 2):
        power = np.minimum(power @ p, 1)
        if not power.any():
            return max(d, 2)
    return None


@dataclass(frozen=True)
class EntryDerivatives:
    """dSigma/d(entry e) = coef_e (u_e v_e' + v_e u_e'); dmu/d(entry e) = dmu[:, e].

    With these, for symmetric W and V (no (n, p, p) stacks):

    * ``tr(W dSigma_e) = 2 coef_e u_e' W v_e``;
    * ``tr(V dSigma_e V dSigma_f) = 2 coef_e coef_f [(u_e'V u_f)(v_e'V v_f) + (u_e'V v_f)(v_e'V u_f)]``;

    and parameters sharing an entry (equality constraints) sum through ``incidence``.
    """

    u: np.ndarray  # (p, entries)
    v: np.ndarray
    coef: np.ndarray
    dmu: np.ndarray | None  # (p, entries) with a mean structure
    incidence: np.ndarray  # (entries, n_par)
    order: np.ndarray | None = None  # see _Layout.order: a permutation replaces the incidence products

    def gradient(self, w: np.ndarray, mean_term: np.ndarray | None = None) -> np.ndarray:
        """``tr(W dSigma_k)`` for every parameter k (plus ``mean_term' dmu_k`` when given)."""
        ge = 2.0 * self.coef * np.einsum("pe,pe->e", self.u, w @ self.v)
        if mean_term is not None and self.dmu is not None:
            ge = ge + mean_term @ self.dmu
        return ge[self.order] if self.order is not None else self.incidence.T @ ge

    @cached_property
    def _working(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(X = [u | v], coef, dmu) in parameter order when every parameter is one entry, else in
        entry order (then :meth:`_to_parameters` sums through the incidence matrix)."""
        if self.order is not None:
            o = self.order
            return (np.concatenate([self.u[:, o], self.v[:, o]], axis=1), self.coef[o],
                    self.dmu[:, o] if self.dmu is not None else None)
        return np.concatenate([self.u, self.v], axis=1), self.coef, self.dmu

    @cached_property
    def order_flat(self) -> np.ndarray:
        o = self.order
        return (o[:, None] * len(o) + o[None, :]).ravel()

    def entries_to_parameters(self, he: np.ndarray) -> np.ndarray:
        """An (entries x entries) matrix in entry order as (parameters x parameters): permuted
        when every parameter is one entry, else summed over entries sharing a parameter."""
        if self.order is not None:
            return he.take(self.order_flat).reshape(len(self.order), -1)
        return self.incidence.T @ he @ self.incidence

    def _to_parameters(self, he: np.ndarray) -> np.ndarray:
        """The same for a matrix in working order (:attr:`_working`), already permuted."""
        return he if self.order is not None else self.entries_to_parameters(he)

    def gram(self, mat: np.ndarray) -> np.ndarray:
        """``X' M X`` with ``X = [u | v]``: all the bilinear forms u'Mu, u'Mv, v'Mv in one product."""
        x = self._working[0]
        return x.T @ (mat @ x)

    def information(self, vm: np.ndarray, mean_weight: np.ndarray | None = None, *,
                    gram: np.ndarray | None = None) -> np.ndarray:
        """``tr(V dSigma_k V dSigma_l)`` for all parameter pairs (plus ``2 dmu_k' M dmu_l`` with
        ``mean_weight`` M): ``2 c c' [(u'Vu) o (v'Vv) + (u'Vv) o (u'Vv)']``."""
        _, c, dmu = self._working
        k = len(c)
        g = self.gram(vm) if gram is None else gram
        uv = g[:k, k:]
        he = g[:k, :k] * g[k:, k:] + uv * uv.T
        he *= 2.0 * c[:, None] * c[None, :]
        if mean_weight is not None and dmu is not None:
            he += 2.0 * dmu.T @ mean_weight @ dmu
        return self._to_parameters(he)

    def information_patterns(self, sinv: np.ndarray, idx: np.ndarray, w: np.ndarray, *,
                             chunk: int = 64) -> np.ndarray:
        """``sum_p w_p [tr(K_p dSigma_k K_p dSigma_l) + 2 dmu_k' K_p dmu_l]`` over missing-data patterns,
        with ``K_p`` the inverse of the pattern's observed block (``sinv``: (P, q, q); ``idx``: (P, q)
        observed variables), batched: the grams ``X_o' K_p X_o`` of a chunk of patterns come from one
        stacked matrix product (FIML's expected information, one pattern at a time was the bulk of
        a FIML fit)."""
        x, c, dmu = self._working
        k = len(c)
        he = np.zeros((k, k))
        hm = np.zeros((k, k))
        for lo in range(0, len(idx), chunk):
            sl = slice(lo, lo + chunk)
            xo = x[idx[sl]]  # (P, q, 2k)
            g = np.swapaxes(xo, 1, 2) @ (sinv[sl] @ xo)  # (P, 2k, 2k)
            uu, vv, uv = g[:, :k, :k], g[:, k:, k:], g[:, :k, k:]
            he += np.tensordot(w[sl], uu * vv + uv * np.swapaxes(uv, 1, 2), axes=1)
            if dmu is not None:
                mo = dmu[idx[sl]]  # (P, q, k)
                hm += np.tensordot(w[sl], np.swapaxes(mo, 1, 2) @ (sinv[sl] @ mo), axes=1)
        he = 2.0 * c[:, None] * c[None, :] * he + 2.0 * hm
        return self._to_parameters(he)

    def cross_information(self, m1: np.ndarray, m2: np.ndarray, *,
                          grams: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """``tr(M1 dSigma_k M2 dSigma_l)`` for all parameter pairs (M1, M2 symmetric):
        ``c c' [M1uv o M2uv' + M1uv' o M2uv + M1uu o M2vv + M1vv o M2uu]``."""
        _, c, _ = self._working
        k = len(c)
        a, b = grams if grams is not None else (self.gram(m1), self.gram(m2))
        a_uv, b_uv = a[:k, k:], b[:k, k:]
        he = a_uv * b_uv.T + a_uv.T * b_uv + a[:k, :k] * b[k:, k:] + a[k:, k:] * b[:k, :k]
        he *= c[:, None] * c[None, :]
        return self._to_parameters(he)
