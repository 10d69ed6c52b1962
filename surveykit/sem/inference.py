"""Steps 5 and 6 of a fit: information matrices and standard errors, for every estimator
(lavaan's ``lav_model_information*``, ``lav_model_h1_information*`` and ``lav_model_vcov``).

Everything is per observation, as in lavaan: a group contributes with weight
``f_g = n_g / N``, and the covariance matrix of the estimates is the inverse information
divided by N (normal-theory ML) or N - G (Wishart ML and the least-squares estimators).

* h1 information (of the saturated model, per group, on the sample statistics): expected
  (``0.5 D'(S^-1 (x) S^-1) D`` with ``S^-1`` for the means, at the model-implied moments when
  "structured", at the sample moments when "unstructured"; the estimator's weight matrix for
  GLS/WLS/DWLS/ULS), observed (the negative Hessian of the saturated log-likelihood; equal to
  the expected for complete data at the sample moments), and first-order (the cross-product of
  the casewise scores); with missing data the pattern-wise versions at the EM or implied
  moments.  The covariates' own moments have zero rows under ``fixed.x``.
* Model information: expected ``sum_g f_g Delta_g' A1_g Delta_g``, observed (the Hessian of the
  discrepancy function, or ``Delta' A1_obs Delta`` with ``observed_information="h1"``) and
  first-order ``Delta' B1 Delta``.
* Standard errors: "standard" (inverse information), "robust.sem" (``E^-1 Delta' W Gamma W Delta
  E^-1``, MLM/WLSMV), "robust.huber.white" (``E^-1 B0 E^-1``, MLR), "first.order" (MLF).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from surveykit.errors import NonPositiveDefiniteWarning
from surveykit.sem.moments import GroupModel
from surveykit.sem.options import Options
from surveykit.sem.samplestats import (
    GroupMoments,
    SampleMoments,
    cluster_sums,
    dup_pre_post,
    dup_pre_post_sum,
    dup_pre_vec_kron,
    dup_pre_vec_kron_sum,
    gamma_adf,
    gamma_nt_inverse,
    vech_index,
    zero_x,
)

__all__ = ["Context", "model_information", "vcov_of", "invert_information"]


@dataclass(frozen=True, eq=False)
class Context:
    """Everything the information matrices, standard errors and tests need about one fit."""

    options: Options
    stats: SampleMoments
    models: tuple[GroupModel, ...]
    theta: np.ndarray
    hessian: object = None  # callable theta -> unit Hessian of the discrepancy (observed information)
    n_free_rows: int = 0  # free rows of the table: lavaan's parameter count before equality constraints

    @property
    def ngroups(self) -> int:
        return len(self.models)

    @cached_property
    def ntotal(self) -> int:
        return int(sum(g.nobs for g in self.stats.groups))

    @cached_property
    def fg(self) -> np.ndarray:
        return np.array([g.nobs / self.ntotal for g in self.stats.groups])

    @property
    def n_vcov(self) -> int:
        """The N that divides the unit information (lavaan: N for normal ML, N - G otherwise)."""
        return self.ntotal if self.options.normal_likelihood else self.ntotal - self.ngroups

    @cached_property
    def deltas(self) -> list[np.ndarray]:
        return [m.delta(self.theta) for m in self.models]

    @cached_property
    def implied(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [m.implied(self.theta) for m in self.models]

    def meanstructure(self) -> bool:
        return self.models[0].meanstructure

    # -- h1 information, per group -------------------------------------------------------------------
    def _moments(self, g: int, structured: bool) -> tuple[np.ndarray, np.ndarray]:
        """(cov, mean) at which an h1 information is evaluated: implied (structured) or sample."""
        gm = self.stats.groups[g]
        if structured:
            sigma, mu = self.implied[g]
            if not self.meanstructure():
                mu = gm.h1.mean if gm.h1 is not None else gm.mean
            return sigma, mu
        if gm.h1 is not None:
            return gm.h1.cov, gm.h1.mean
        return gm.cov, gm.mean

    def weight(self, g: int) -> np.ndarray:
        """The estimator's weight matrix in group g (least-squares family), full."""
        gm = self.stats.groups[g]
        if gm.wls_v is not None:
            return gm.wls_v
        return np.diag(gm.wls_vd)

    def h1_expected(self, g: int, structured: bool) -> np.ndarray:
        if self.options.base != "ML":
            return self.weight(g)
        gm = self.stats.groups[g]
        sigma, _ = self._moments(g, structured)
        ms = self.meanstructure()
        if gm.pats:
            return _missing_expected(gm, sigma, ms)
        return gamma_nt_inverse(np.linalg.inv(sigma), x_idx=gm.x_idx, meanstructure=ms)

    def h1_observed(self, g: int, structured: bool) -> np.ndarray:
        if self.options.base != "ML":
            return self.weight(g)
        gm = self.stats.groups[g]
        ms = self.meanstructure()
        if gm.pats:
            sigma, mu = self._moments(g, structured)
            return _missing_observed(gm, mu, sigma)
        if not structured:
            return gamma_nt_inverse(gm.cov_inv, x_idx=gm.x_idx, meanstructure=ms)
        sigma, mu = self._moments(g, True)
        return _complete_observed(gm, mu, sigma, ms)

    def h1_firstorder(self, g: int, structured: bool) -> np.ndarray:
        """The cross-product of the casewise scores per observation (lavaan's first-order h1
        information): weighted by the sampling weights and, for clustered data, summed within
        clusters with the correction ``C / (C - 1)``."""
        gm = self.stats.groups[g]
        ms = self.meanstructure()
        if gm.pats:
            sigma, mu = self._moments(g, structured)
            return _score_crossprod(_missing_scores(gm, mu, sigma), gm)
        if not structured:
            if gm.weights is not None:
                # lavaan: the scores at the weighted (cov.wt, ML) sample moments
                return _score_crossprod(_complete_scores(gm.data, gm.mean, gm.cov, ms, gm.x_idx), gm)
            a1 = gamma_nt_inverse(gm.cov_inv, x_idx=gm.x_idx, meanstructure=ms)
            gamma = gm.nacov if gm.nacov is not None else gamma_adf(gm.data, x_idx=gm.x_idx, meanstructure=ms,
                                                                    cluster=gm.cluster)
            return a1 @ gamma @ a1
        sigma, mu = self._moments(g, True)
        return _score_crossprod(_complete_scores(gm.data, mu, sigma, ms, gm.x_idx), gm)

    def h1_information(self, g: int, kind: str, structured: bool) -> np.ndarray:
        if kind == "expected":
            return self.h1_expected(g, structured)
        if kind == "observed":
            return self.h1_observed(g, structured)
        return self.h1_firstorder(g, structured)

    def gamma(self, g: int) -> np.ndarray:
        gm = self.stats.groups[g]
        if gm.nacov is not None:
            return gm.nacov
        return gamma_adf(gm.data, x_idx=gm.x_idx, meanstructure=self.meanstructure(), cluster=gm.cluster)


def _score_crossprod(scores: np.ndarray, gm: GroupMoments) -> np.ndarray:
    """``SC' SC / N`` of casewise scores, with lavaan's weights (scores times the weight, N the sum
    of the weights) and clusters (scores summed within clusters, times ``sqrt(C / (C - 1))``)."""
    n = gm.nobs
    if gm.weights is not None:
        scores = scores * gm.weights[:, None]
        n = float(gm.weights.sum())
    if gm.cluster is not None:
        scores = cluster_sums(scores, gm.cluster)
        n_c = scores.shape[0]
        scores = scores * np.sqrt(n_c / (n_c - 1.0))
    return scores.T @ scores / n


# -- missing-data h1 pieces (lav_mvnorm_missing_*) ----------------------------------------------------------
def _pattern_inverses(sigma: np.ndarray, gm: GroupMoments) -> tuple[np.ndarray, np.ndarray]:
    """Each pattern's Sigma_oo^-1 embedded in a p x p matrix of zeros (P, p, p), and the patterns'
    sizes (P,); the inverses are stacked by pattern size (one batched inversion per size)."""
    p = len(sigma)
    out = np.zeros((len(gm.pats), p, p))
    by_q: dict[int, list[int]] = {}
    for i, pt in enumerate(gm.pats):
        by_q.setdefault(len(pt.obs), []).append(i)
    for members in by_q.values():
        obs = np.array([gm.pats[i].obs for i in members])
        inv = np.linalg.inv(sigma[obs[:, :, None], obs[:, None, :]])
        rows = np.array(members)[:, None, None]
        out[rows, obs[:, :, None], obs[:, None, :]] = inv
    return out, np.array([pt.n for pt in gm.pats], dtype=float)


def _missing_expected(gm: GroupMoments, sigma: np.ndarray, ms: bool) -> np.ndarray:
    """lavaan's ``lav_mvnorm_missing_information_expected``, per observation."""
    p = len(sigma)
    k, n_p = _pattern_inverses(sigma, gm)
    n = n_p.sum()
    i11 = np.tensordot(n_p, k, axes=1)
    i22 = 0.5 * dup_pre_post_sum(k, k, n_p)
    out = np.zeros((p + len(i22), p + len(i22)))
    out[:p, :p] = i11
    out[p:, p:] = i22
    out /= n
    return zero_x(out, p, gm.x_idx, True)


def _missing_observed(gm: GroupMoments, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """lavaan's ``lav_mvnorm_missing_information_observed_samplestats``: minus the Hessian of the
    observed-data log-likelihood with respect to (mu, vech Sigma), per observation."""
    p = len(sigma)
    k, n_p = _pattern_inverses(sigma, gm)
    # every pattern's (mean, covariance) embedded in p-space (zeros where unobserved); with the
    # embedded inverses K the products below equal the pattern-wise ones
    mean = np.zeros((len(gm.pats), p))
    cov = np.zeros_like(k)
    seen = np.zeros((len(gm.pats), p))
    for i, pt in enumerate(gm.pats):
        mean[i, pt.obs] = pt.mean - mu[pt.obs]
        cov[i][np.ix_(pt.obs, pt.obs)] = pt.cov
        seen[i, pt.obs] = 1.0
    t21 = np.einsum("pij,pj->pi", k, mean)
    w_tilde = cov + mean[:, :, None] * mean[:, None, :]
    sigma_oo = sigma[None, :, :] * seen[:, :, None] * seen[:, None, :]
    t22 = k @ (2.0 * w_tilde - sigma_oo) @ k
    n = n_p.sum()
    h11 = np.tensordot(n_p, k, axes=1)
    h21 = dup_pre_vec_kron_sum(t21, k, n_p)
    h22 = 0.5 * dup_pre_post_sum(k, t22, n_p)
    out = np.block([[h11, h21.T], [h21, h22]]) / n
    return zero_x(out, p, gm.x_idx, True)


def _missing_scores(gm: GroupMoments, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Casewise scores of (mu, vech Sigma) with missing values (missing elements score 0)."""
    y = gm.data
    n, p = y.shape
    r, c = vech_index(p)
    dmu = np.zeros((n, p))
    sc = np.zeros((n, len(r)))
    for pt in gm.pats:
        o = pt.obs
        s_inv = np.zeros((p, p))
        s_inv[np.ix_(o, o)] = np.linalg.inv(sigma[np.ix_(o, o)])
        yc = np.zeros((pt.n, p))
        yc[:, o] = (y[np.ix_(pt.rows, o)] - mu[o]) @ s_inv[np.ix_(o, o)]
        dmu[pt.rows] = yc
        sc[pt.rows] = yc[:, r] * yc[:, c] - s_inv[r, c]
    sc[:, r == c] /= 2.0
    out = np.hstack([dmu, sc])
    if gm.x_idx:
        from surveykit.sem.samplestats import pstar_not_x

        out[:, ~pstar_not_x(p, gm.x_idx, True)] = 0.0
    return out


def _complete_scores(y: np.ndarray, mu: np.ndarray, sigma: np.ndarray, ms: bool, x_idx: tuple[int, ...]) -> np.ndarray:
    """Casewise scores of complete data (lavaan's ``lav_mvnorm_scores_(mu_)vech_sigma``)."""
    p = len(sigma)
    s_inv = np.linalg.inv(sigma)
    yc = (y - mu) @ s_inv
    r, c = vech_index(p)
    sc = yc[:, r] * yc[:, c] - s_inv[r, c]
    sc[:, r == c] /= 2.0
    if not ms:
        return sc
    out = np.hstack([yc, sc])
    if x_idx:
        from surveykit.sem.samplestats import pstar_not_x

        out[:, ~pstar_not_x(p, x_idx, True)] = 0.0
    return out


def _complete_observed(gm: GroupMoments, mu: np.ndarray, sigma: np.ndarray, ms: bool) -> np.ndarray:
    """lavaan's ``lav_mvnorm_information_observed_samplestats`` (complete data, structured)."""
    p = len(sigma)
    s_inv = np.linalg.inv(sigma)
    dev = gm.mean - mu
    w_tilde = gm.cov + np.outer(dev, dev)
    t22 = s_inv @ (2.0 * w_tilde - sigma) @ s_inv
    h22 = 0.5 * dup_pre_post(s_inv, t22)
    if not ms:
        return zero_x(h22, p, gm.x_idx, False)
    h21 = dup_pre_vec_kron(s_inv @ dev, s_inv)
    out = np.block([[s_inv, h21.T], [h21, h22]])
    return zero_x(out, p, gm.x_idx, True)


# -- model information and standard errors ----------------------------------------------------------------
def model_information(ctx: Context, kind: str, *, h1_structured: bool = True, observed: str = "hessian") -> np.ndarray:
    """The unit information of the free parameters: "expected", "observed" (the Hessian of the
    discrepancy, or ``Delta' A1_obs Delta`` with ``observed="h1"``) or "first.order"."""
    if kind == "observed" and observed == "hessian":
        if ctx.hessian is None:
            raise ValueError("observed information needs the discrepancy's Hessian")
        return ctx.hessian(ctx.theta)
    k = len(ctx.theta)
    out = np.zeros((k, k))
    for g in range(ctx.ngroups):
        a1 = ctx.h1_information(g, kind if kind != "observed" else "observed", h1_structured)
        d = ctx.deltas[g]
        out += ctx.fg[g] * d.T @ a1 @ d
    return out


def observed_hessian(ctx: Context, gradient_terms: list[tuple[np.ndarray, np.ndarray | None]]) -> np.ndarray:
    """The exact Hessian of the ML or FIML objective per observation (lavaan's observed information
    "hessian"), analytically: ``sum_g f_g [Delta_g' A1_g Delta_g + 1/2 (tr(W_g d2Sigma) + t_g' d2mu)]``
    with A1_g the observed h1 information at the implied moments and ``(W_g, t_g)`` the matrix and
    mean vector of the group's gradient ``tr(W dSigma) + t' dmu`` (of F = 2 f)."""
    k = len(ctx.theta)
    out = np.zeros((k, k))
    for g, (w, t) in enumerate(gradient_terms):
        d = ctx.deltas[g]
        ram = ctx.models[g].ram
        A, S = ram.matrices(ctx.theta)
        B = ram.inverse(A)
        ed = ram.entry_derivatives(ctx.theta, B, S)
        nu = B @ ram.mean_vector(ctx.theta) if t is not None else None
        out += ctx.fg[g] * (d.T @ ctx.h1_observed(g, True) @ d + 0.5 * ram.second_order(ed, B, S, w, t, nu))
    return (out + out.T) / 2.0


def invert_information(info: np.ndarray, *, warn: bool = True) -> np.ndarray | None:
    """The inverse of an information matrix, or None (with a warning) when it is singular: the
    model may not be identified (lavaan's check)."""
    if info.size == 0:
        return info.copy()
    eig = np.linalg.eigvalsh((info + info.T) / 2.0)
    if eig.min() <= 1e-10 * max(abs(eig.max()), 1e-300):
        if warn:
            warnings.warn(
                "The information matrix is singular (smallest eigenvalue "
                f"{eig.min():.3g}): the model may not be identified; standard errors are not available.",
                NonPositiveDefiniteWarning, stacklevel=4)
        return None
    return np.linalg.inv(info)


@dataclass(frozen=True)
class VcovResult:
    vcov: np.ndarray  # NaN-filled when not available
    information: np.ndarray | None  # the unit information the standard errors invert
    e_inv: np.ndarray | None


def vcov_of(ctx: Context) -> VcovResult:
    """The covariance matrix of the estimates for ``ctx.options.se``."""
    o = ctx.options
    k = len(ctx.theta)
    nan = np.full((k, k), np.nan)
    if o.se == "none":
        return VcovResult(vcov=nan, information=None, e_inv=None)
    h1s = o.h1_information[0] == "structured"
    if o.se == "first.order":
        info = model_information(ctx, "first.order", h1_structured=h1s)
        inv = invert_information(info)
        return VcovResult(vcov=nan if inv is None else inv / ctx.n_vcov, information=info, e_inv=inv)
    info = model_information(ctx, o.information[0], h1_structured=h1s, observed=o.observed_information[0])
    e_inv = invert_information(info)
    if e_inv is None:
        return VcovResult(vcov=nan, information=info, e_inv=None)
    if o.se == "standard":
        return VcovResult(vcov=e_inv / ctx.n_vcov, information=info, e_inv=e_inv)
    if o.se in ("robust.sem", "robust.cluster.sem"):
        meat = np.zeros((k, k))
        for g in range(ctx.ngroups):
            w = _sem_weight(ctx, g, o.information[0], h1s, o.observed_information[0])
            wd = w @ ctx.deltas[g]
            meat += ctx.fg[g] * wd.T @ ctx.gamma(g) @ wd
        return VcovResult(vcov=e_inv @ meat @ e_inv / ctx.n_vcov, information=info, e_inv=e_inv)
    # robust.huber.white (and robust.cluster, whose first-order information sums the scores within
    # clusters): the meat is the first-order information (h1 "structured" by default)
    b0 = model_information(ctx, "first.order", h1_structured=h1s)
    return VcovResult(vcov=e_inv @ b0 @ e_inv / ctx.n_vcov, information=info, e_inv=e_inv)


def _sem_weight(ctx: Context, g: int, kind: str, structured: bool, observed: str) -> np.ndarray:
    """The weight matrix W of ``Delta' W Gamma W Delta`` (lavaan's ``WLS.V`` attribute of the
    information): the h1 information of the kind the information matrix used."""
    if kind == "observed" and observed == "hessian":
        # lavaan's extra attributes of an observed information are the h1 observed information
        return ctx.h1_observed(g, structured)
    return ctx.h1_information(g, kind, structured)
