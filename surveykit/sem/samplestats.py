"""Step 3 of a fit: the sample statistics every estimator works from (lavaan's
``lav_samplestats``), per group.

* Complete data (``missing="listwise"``): means and covariances, with divisor N for
  normal-theory ML and N - 1 otherwise (lavaan's ``sample.cov.rescale``); the rows used are
  kept for casewise scores and Gamma.
* Incomplete data (``missing="ml"``, FIML): the rows with at least one value, their missing-data
  patterns, and the saturated (h1) means and covariances by EM, whose convergence is
  recorded and reported.  Under ``fixed.x`` rows with a missing covariate are dropped (lavaan);
  ``missing="ml.x"`` keeps them and takes the covariates' moments from EM.
* Ordinal indicators: thresholds and polychoric correlations (two-step, lavaan's
  ``muthen1984``) and their asymptotic covariance (Gamma).
* For the least-squares family and robust statistics: the vector of sample statistics in
  lavaan's order (means, then ``vech`` of the covariance matrix: its lower triangle column by
  column; thresholds, then correlations below the diagonal for ordinal data), Gamma (the
  asymptotic covariance of that vector: ``lav_samplestats_Gamma``, ADF, residualized on the
  covariates under ``fixed.x``) and the weight matrix of each estimator.

Everything here is computed once per fit and is read-only afterwards.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

from surveykit.errors import DataError, DataQualityWarning, MissingDataWarning

__all__ = ["GroupMoments", "SampleMoments", "H1", "Pattern", "patterns", "em_saturated", "vech_index",
           "gamma_adf", "gamma_nt_inverse", "dup_pre_post", "dup_pre_vec_kron", "zero_x", "pstar_not_x",
           "sample_stats", "listwise_moments"]


def vech_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of lavaan's ``vech``: the lower triangle (with the diagonal) column
    by column, i.e. ``S[vech_index(p)]`` for a symmetric S."""
    r, c = np.triu_indices(p)
    return c, r


def pstar_not_x(p: int, x_idx: tuple[int, ...], meanstructure: bool) -> np.ndarray:
    """Boolean mask of the statistics that do not involve only covariates (lavaan's
    ``eliminate.pstar.idx``): means of non-covariates, then vech elements not in the x block."""
    xs = set(x_idx)
    r, c = vech_index(p)
    keep = np.array([not (i in xs and j in xs) for i, j in zip(r, c)], dtype=bool)
    if meanstructure:
        keep = np.concatenate([np.array([i not in xs for i in range(p)], dtype=bool), keep])
    return keep


@dataclass(frozen=True)
class Pattern:
    """One missing-data pattern: the observed variables, the rows, their mean and covariance."""

    obs: np.ndarray  # indices of the observed variables
    n: int
    mean: np.ndarray  # pattern mean of the observed variables
    cov: np.ndarray  # pattern covariance (divisor n)
    rows: np.ndarray  # row indices in the data


def patterns(x: np.ndarray) -> tuple[Pattern, ...]:
    """Missing-data patterns of ``x`` (n, p) with NaN for missing; rows with nothing observed are
    left out (the caller reports them)."""
    miss = np.isnan(x)
    keys, inverse = np.unique(miss, axis=0, return_inverse=True)
    out = []
    for k, key in enumerate(keys):
        if key.all():
            continue
        rows = np.flatnonzero(inverse.ravel() == k)
        obs = np.flatnonzero(~key)
        xo = x[np.ix_(rows, obs)]
        m = xo.mean(axis=0)
        d = xo - m
        out.append(Pattern(obs=obs, n=len(rows), mean=m, cov=d.T @ d / len(rows), rows=rows))
    return tuple(out)


class _EMBlock(NamedTuple):
    """Patterns with the same number of observed variables, stacked: observed and missing indices
    (P, q) and (P, m), sizes (P,), observed means (P, q), covariances (P, q, q) and second moments."""

    obs: np.ndarray
    mis: np.ndarray
    n: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    m2: np.ndarray


def _em_blocks(pats: tuple[Pattern, ...], p: int) -> list[_EMBlock]:
    by_q: dict[int, list[Pattern]] = {}
    for pt in pats:
        by_q.setdefault(len(pt.obs), []).append(pt)
    out = []
    for _, group in sorted(by_q.items()):
        obs = np.array([pt.obs for pt in group])
        mis = np.array([np.setdiff1d(np.arange(p), pt.obs) for pt in group]).reshape(len(group), -1)
        mean = np.array([pt.mean for pt in group])
        cov = np.array([pt.cov for pt in group])
        out.append(_EMBlock(obs=obs, mis=mis, n=np.array([pt.n for pt in group], dtype=float), mean=mean, cov=cov,
                            m2=cov + mean[:, :, None] * mean[:, None, :]))
    return out


def _blocks_loglik(blocks: list[_EMBlock], mu: np.ndarray, sigma: np.ndarray) -> float:
    total = 0.0
    for b in blocks:
        so = sigma[b.obs[:, :, None], b.obs[:, None, :]]
        try:
            chol = np.linalg.cholesky(so)
        except np.linalg.LinAlgError:
            return -np.inf
        logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        sinv = np.linalg.inv(so)
        d = b.mean - mu[b.obs]
        tr = np.einsum("pij,pji->p", sinv, b.cov)
        quad = np.einsum("pi,pij,pj->p", d, sinv, d)
        q = b.obs.shape[1]
        total += float(-0.5 * b.n @ (q * math.log(2 * math.pi) + logdet + tr + quad))
    return total


def pattern_loglik(pats: tuple[Pattern, ...], mu: np.ndarray, sigma: np.ndarray) -> float:
    """Observed-data log-likelihood of all patterns under (mu, sigma); -inf if not positive definite."""
    return _blocks_loglik(_em_blocks(pats, len(mu)), mu, sigma)


def _em_step(blocks: list[_EMBlock], mu: np.ndarray, sigma: np.ndarray, n: float) -> tuple[np.ndarray, np.ndarray]:
    """One EM iteration from the patterns' summaries (no row loops): each pattern's expected
    first and second moments of the complete data, ``x_m = mu_m + B (x_o - mu_o)`` with
    ``B = S_mo S_oo^-1`` and the conditional covariance ``S_mm - B S_om`` added."""
    p = len(mu)
    t1 = np.zeros(p)
    t2 = np.zeros((p, p))
    for b in blocks:
        P, q = b.obs.shape
        m = b.mis.shape[1]
        ar = np.arange(P)[:, None]
        e1 = np.zeros((P, p))
        e2 = np.zeros((P, p, p))
        io, im = b.obs, b.mis
        e1[ar, io] = b.mean
        e2[ar[:, :, None], io[:, :, None], io[:, None, :]] = b.m2
        if m:
            soo = sigma[io[:, :, None], io[:, None, :]]
            smo = sigma[im[:, :, None], io[:, None, :]]
            beta = np.swapaxes(np.linalg.solve(soo, np.swapaxes(smo, 1, 2)), 1, 2)  # (P, m, q)
            xt = mu[im] + np.einsum("pmq,pq->pm", beta, b.mean - mu[io])
            bs = beta @ b.cov
            mo = bs + xt[:, :, None] * b.mean[:, None, :]
            cmm = sigma[im[:, :, None], im[:, None, :]] - beta @ np.swapaxes(smo, 1, 2)
            mm = bs @ np.swapaxes(beta, 1, 2) + xt[:, :, None] * xt[:, None, :] + cmm
            e1[ar, im] = xt
            e2[ar[:, :, None], im[:, :, None], io[:, None, :]] = mo
            e2[ar[:, :, None], io[:, :, None], im[:, None, :]] = np.swapaxes(mo, 1, 2)
            e2[ar[:, :, None], im[:, :, None], im[:, None, :]] = mm
        t1 += b.n @ e1
        t2 += np.tensordot(b.n, e2, axes=1)
    mu_new = t1 / n
    return mu_new, t2 / n - np.outer(mu_new, mu_new)


@dataclass(frozen=True)
class H1:
    """The saturated (unrestricted) model of incomplete data, estimated by EM."""

    mean: np.ndarray
    cov: np.ndarray
    logl: float
    iterations: int
    converged: bool


def em_saturated(x: np.ndarray, pats: tuple[Pattern, ...] | None = None, *, max_iter: int = 10_000,
                 tol: float = 1e-12) -> H1:
    """EM estimates of the unrestricted mean vector and covariance matrix (divisor N) of
    incomplete normal data; ``converged`` is False when the relative change of the
    log-likelihood did not fall below ``tol`` within ``max_iter`` iterations."""
    pats = patterns(x) if pats is None else pats
    n = sum(p.n for p in pats)
    mu = np.nanmean(x, axis=0)
    sigma = np.diag(np.nanvar(x, axis=0))
    blocks = _em_blocks(pats, x.shape[1])
    ll_old = -np.inf
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        mu, sigma = _em_step(blocks, mu, sigma, n)
        sigma = (sigma + sigma.T) / 2.0
        ll = _blocks_loglik(blocks, mu, sigma)
        if abs(ll - ll_old) < tol * max(1.0, abs(ll)):
            converged = True
            break
        ll_old = ll
    return H1(mean=mu, cov=sigma, logl=_blocks_loglik(blocks, mu, sigma), iterations=it, converged=converged)


def gamma_adf(y: np.ndarray, *, x_idx: tuple[int, ...] = (), meanstructure: bool = False,
              cluster: np.ndarray | None = None) -> np.ndarray:
    """lavaan's ``lav_samplestats_Gamma`` (N divisor, not model-based): the asymptotic covariance
    of ``sqrt(N)`` times the sample statistics (means when ``meanstructure``, then ``vech`` of the
    covariance).  With fixed covariates (``x_idx``) the statistics are residualized on them by
    least squares first (``fixed.x = TRUE``), so the covariates' own moments have zero rows.
    With ``cluster`` (integer codes per row) the centred terms are summed within clusters first,
    and the result is multiplied by ``C / (C - 1)`` (C clusters), as lavaan does."""
    y = np.asarray(y, dtype=float)
    n, p = y.shape
    r, c = vech_index(p)
    yc = y - y.mean(axis=0)
    if not x_idx:
        z = yc[:, r] * yc[:, c]
        if meanstructure:
            z = np.hstack([y, z])
    else:
        xi = list(x_idx)
        yi = [j for j in range(p) if j not in set(xi)]
        design = np.column_stack([np.ones(n), y[:, xi]])
        coef, *_ = np.linalg.lstsq(design, y[:, yi], rcond=None)
        yhat = y.copy()
        yhat[:, yi] = design @ coef
        yhc = yhat - yhat.mean(axis=0)
        z = yc[:, r] * yc[:, c] - yhc[:, r] * yhc[:, c]
        if meanstructure:
            z = np.hstack([y - yhat, z])
    zc = z - z.mean(axis=0)
    if cluster is None:
        return zc.T @ zc / n
    zc = cluster_sums(zc, cluster)
    n_c = zc.shape[0]
    return zc.T @ zc / n * (n_c / (n_c - 1.0))


def cluster_sums(scores: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """Rows summed within clusters (``cluster``: integer codes 0..C-1 per row), as R's ``rowsum``."""
    out = np.zeros((int(cluster.max()) + 1, scores.shape[1]))
    np.add.at(out, cluster, scores)
    return out


def dup_pre_post(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``D' (A (x) C) D`` on the ``vech`` elements (D the duplication matrix), for symmetric A, C:
    lavaan's ``lav_matrix_duplication_pre_post(A %x% C)`` without forming the p^2 x p^2 product."""
    r, cc = vech_index(len(a))
    m4 = (a[np.ix_(cc, cc)] * c[np.ix_(r, r)] + a[np.ix_(r, cc)] * c[np.ix_(cc, r)]
          + a[np.ix_(cc, r)] * c[np.ix_(r, cc)] + a[np.ix_(r, r)] * c[np.ix_(cc, cc)])
    d = np.where(r == cc, 2.0, 1.0)
    return m4 / np.outer(d, d)


def dup_pre_post_sum(a: np.ndarray, c: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``sum_p w_p D' (A_p (x) C_p) D`` for stacks of symmetric matrices (P, p, p): the products
    ``sum_p w_p A_p[a, b] C_p[c, d]`` of all index pairs come from one matrix product (p^2 x P
    times P x p^2), then the four duplication terms are gathered from it (the sum over missing-data
    patterns of FIML's h1 information, pattern by pattern, was most of a FIML fit)."""
    n_pat, p, _ = a.shape
    t = (a.reshape(n_pat, p * p).T * w) @ c.reshape(n_pat, p * p)  # (p^2, p^2)
    r, cc = vech_index(p)
    rr, cr = r * p, cc * p
    # M4[e, f] = A[c_e,c_f] C[r_e,r_f] + A[r_e,c_f] C[c_e,r_f] + A[c_e,r_f] C[r_e,c_f] + A[r_e,r_f] C[c_e,c_f]
    m4 = (t[(cr[:, None] + cc[None, :]), (rr[:, None] + r[None, :])]
          + t[(rr[:, None] + cc[None, :]), (cr[:, None] + r[None, :])]
          + t[(cr[:, None] + r[None, :]), (rr[:, None] + cc[None, :])]
          + t[(rr[:, None] + r[None, :]), (cr[:, None] + cc[None, :])])
    d = np.where(r == cc, 2.0, 1.0)
    return m4 / np.outer(d, d)


def dup_pre_vec_kron_sum(v: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``sum_p w_p D' (v_p (x) B_p)`` for stacks v (P, p) and symmetric B (P, p, p)."""
    n_pat, p = v.shape
    u = ((v.T * w) @ b.reshape(n_pat, p * p)).reshape(p, p, p)  # u[a, b, k] = sum_p w v[a] B[b, k]
    r, c = vech_index(p)
    return (u[c, r, :] + u[r, c, :]) / np.where(r == c, 2.0, 1.0)[:, None]


def dup_pre_vec_kron(v: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``D' (v (x) B)`` for a vector v and a symmetric B: (p*, p), lavaan's
    ``lav_matrix_duplication_pre(v %x% B)``."""
    r, c = vech_index(len(v))
    out = v[c][:, None] * b[r, :] + v[r][:, None] * b[c, :]
    return out / np.where(r == c, 2.0, 1.0)[:, None]


def zero_x(mat: np.ndarray, p: int, x_idx: tuple[int, ...], meanstructure: bool) -> np.ndarray:
    """``mat`` (statistics x statistics) with the rows and columns of the covariates' own
    moments set to zero (lavaan's ``x.idx`` handling); a copy."""
    if not x_idx:
        return mat
    keep = pstar_not_x(p, x_idx, meanstructure)
    out = mat.copy()
    out[~keep, :] = 0.0
    out[:, ~keep] = 0.0
    return out


def gamma_nt_inverse(cov_inv: np.ndarray, *, x_idx: tuple[int, ...] = (), meanstructure: bool = False) -> np.ndarray:
    """The normal-theory weight matrix (lavaan's ``lav_samplestats_Gamma_inverse_NT`` and
    ``lav_mvnorm_h1_information_expected``): ``0.5 D'(S^-1 (x) S^-1) D`` on the ``vech``
    elements (``S^-1`` in front for the means), with the rows and columns of the covariates' own
    moments set to zero under ``fixed.x``."""
    p = len(cov_inv)
    w = 0.5 * dup_pre_post(cov_inv, cov_inv)
    if meanstructure:
        out = np.zeros((p + len(w), p + len(w)))
        out[:p, :p] = cov_inv
        out[p:, p:] = w
        w = out
    return zero_x(w, p, x_idx, meanstructure)


@dataclass(frozen=True)
class GroupMoments:
    """The sample statistics of one group (see the module docstring)."""

    cov: np.ndarray  # N divisor (normal ML), N - 1 otherwise; polychoric correlations for ordinal data
    mean: np.ndarray
    nobs: int
    data: np.ndarray | None = None  # the rows used (n, p); with NaN under FIML
    x_idx: tuple[int, ...] = ()  # fixed.x covariates
    pats: tuple[Pattern, ...] = ()  # FIML
    h1: H1 | None = None  # FIML: saturated model by EM
    wls_obs: np.ndarray | None = None  # least squares: the vector of sample statistics
    wls_v: np.ndarray | None = None  # full weight matrix (GLS, WLS)
    wls_vd: np.ndarray | None = None  # diagonal weights (DWLS, ULS)
    nacov: np.ndarray | None = None  # Gamma (per observation)
    thresholds: tuple[np.ndarray, ...] = ()  # ordinal: per ordered variable
    categories: tuple[np.ndarray, ...] = ()
    weights: np.ndarray | None = None  # sampling weights of the rows (normalized to sum to N over all groups)
    cluster: np.ndarray | None = None  # cluster codes 0..C-1 of the rows (single-level model of clustered data)
    slopes: np.ndarray | None = None  # ordinal conditional on covariates: probit slopes (p_y, q)
    cov_x: np.ndarray | None = None  # ... and the covariates' moments (N - 1 divisor, as lavaan)
    mean_x: np.ndarray | None = None

    @cached_property
    def cov_inv(self) -> np.ndarray:
        return np.linalg.inv(self.cov)

    @cached_property
    def logdet(self) -> float:
        return float(np.linalg.slogdet(self.cov)[1])


@dataclass(frozen=True)
class SampleMoments:
    """Sample statistics of every group, with the names of the observed variables."""

    names: tuple[str, ...]
    groups: tuple[GroupMoments, ...]
    n_total: int  # rows of the data before any deletion
    group_labels: tuple[str, ...] = ("1",)
    missing: str = "listwise"
    notes: tuple[str, ...] = field(default=())

    # single-group shorthands (group 1)
    @property
    def cov(self) -> np.ndarray:
        return self.groups[0].cov

    @property
    def mean(self) -> np.ndarray:
        return self.groups[0].mean

    @property
    def data(self) -> np.ndarray | None:
        return self.groups[0].data

    @property
    def nobs(self) -> int:
        return int(sum(g.nobs for g in self.groups))


def _check_moments(cov: np.ndarray, names: tuple[str, ...], where: str, n: int) -> None:
    if n <= len(names):
        raise DataError(
            f"Only {n} usable rows{where} for {len(names)} model variables; the covariance matrix cannot be "
            "estimated. Collect more data or use fewer variables.")
    const = [names[i] for i in np.flatnonzero(np.diag(cov) <= 0)]
    if const:
        raise DataError(f"Model variable(s) {', '.join(const)} have zero variance{where}; remove them.")
    eig, vec = np.linalg.eigh(cov)
    if eig.min() <= 1e-12 * eig.max():
        sd = np.sqrt(np.diag(cov))
        r = cov / np.outer(sd, sd)
        np.fill_diagonal(r, 0.0)
        i, j = np.unravel_index(np.argmax(np.abs(r)), r.shape)
        involved = [names[k] for k in np.flatnonzero(np.abs(vec[:, 0]) > 1e-6)]
        raise DataError(
            f"The sample covariance matrix of the model variables{where} is not positive definite (smallest "
            f"eigenvalue {eig.min():.3g}): {', '.join(involved)} are linearly dependent (e.g. {names[i]} and "
            f"{names[j]} correlate {r[i, j]:.4f}). Remove redundant variables.")


def listwise_moments(x: np.ndarray, names: tuple[str, ...], where: str = "", *, unbiased: bool = False,
                     x_idx: tuple[int, ...] = (), weights: np.ndarray | None = None) -> GroupMoments:
    """Means and covariance (divisor N, or N - 1 when ``unbiased``) of complete rows ``x``; with
    sampling ``weights`` the weighted mean and covariance (divisor the sum of the weights, R's
    ``cov.wt(method = "ML")`` as lavaan)."""
    n = x.shape[0]
    if n < 2:
        raise DataError(f"Only {n} complete row(s){where}; a covariance matrix needs at least two.")
    if weights is not None:
        mean = weights @ x / weights.sum()
        xc = x - mean
        cov = (xc * weights[:, None]).T @ xc / weights.sum()
    else:
        mean = x.mean(axis=0)
        xc = x - mean
        cov = xc.T @ xc / (n - 1 if unbiased else n)
    _check_moments(cov, names, where, n)
    return GroupMoments(cov=cov, mean=mean, nobs=n, data=x, x_idx=x_idx, weights=weights)


def _numeric_block(frame: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise DataError(
            f"The model uses variable(s) {', '.join(missing)} that are not columns of the data; check the "
            "spelling in the model or the data.")
    sub = frame[list(names)]
    non_numeric = [c for c, dt in zip(names, sub.dtypes) if not pd.api.types.is_numeric_dtype(dt)]
    if non_numeric:
        raise DataError(f"Model variable(s) {', '.join(non_numeric)} are not numeric; recode them to numbers.")
    return sub.to_numpy(dtype=float)


def _group_rows(frame: pd.DataFrame, group: str | None, keep: np.ndarray) -> tuple[tuple[str, ...], list[np.ndarray]]:
    """Group labels (order of first appearance, as lavaan) and each group's row mask."""
    if group is None:
        return ("1",), [keep]
    if group not in frame.columns:
        raise DataError(f"The group variable {group!r} is not a column of the data.")
    gvals = frame[group].to_numpy()
    ok = keep & frame[group].notna().to_numpy()
    labels = list(dict.fromkeys(gvals[ok].tolist()))
    if len(labels) < 2:
        raise DataError(f"The group variable {group!r} has fewer than two groups in the rows used.")
    return tuple(str(g) for g in labels), [ok & (gvals == g) for g in labels]


def _design_columns(frame: pd.DataFrame, options) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The sampling weights and the cluster codes of every row (None when not declared), checked."""
    weights = cluster = None
    if options.sampling_weights is not None:
        col = options.sampling_weights
        if col not in frame.columns:
            raise DataError(f"The weight column {col!r} (sampling_weights=) is not a column of the data.")
        weights = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        bad = int((~np.isfinite(weights)).sum())
        if bad:
            raise DataError(f"The weight column {col!r} has {bad} missing or non-numeric value(s); give every row a "
                            "weight or drop those rows.")
        if (weights < 0).any():
            raise DataError(f"The weight column {col!r} has negative values (e.g. row {int(np.argmax(weights < 0)) + 1}"
                            "); sampling weights must be zero or positive.")
        if not (weights > 0).any():
            raise DataError(f"Every weight in {col!r} is zero; the weights must not all be zero.")
    if options.cluster is not None:
        col = options.cluster
        if col not in frame.columns:
            raise DataError(f"The cluster column {col!r} (cluster=) is not a column of the data.")
        if frame[col].isna().any():
            raise DataError(f"The cluster column {col!r} has {int(frame[col].isna().sum())} missing value(s); give "
                            "every row its cluster or drop those rows.")
        cluster = pd.factorize(frame[col], sort=False)[0].astype(np.int64)
    return weights, cluster


def _group_design(weights, cluster, m: np.ndarray, where: str, name: str | None):
    """The weights and the cluster codes (renumbered 0..C-1) of one group's rows ``m``."""
    w = weights[m] if weights is not None else None
    c = None
    if cluster is not None:
        c = pd.factorize(cluster[m], sort=False)[0].astype(np.int64)
        if c.max() + 1 < 2:
            raise DataError(f"The cluster column {name!r} has a single cluster{where}; cluster-robust standard errors "
                            "need at least two clusters.")
    return w, c


def sample_stats(frame: pd.DataFrame, names: tuple[str, ...], options, *, ov_x: tuple[str, ...] = (),
                 ordered: tuple[str, ...] = ()) -> SampleMoments:
    """The sample statistics of ``names`` (the model's observed variables, in order) for the
    resolved ``options`` (:class:`surveykit.sem.options.Options`); ``ov_x`` are the fixed.x
    covariates, ``ordered`` the ordinal indicators."""
    x = _numeric_block(frame, names)
    n_total = x.shape[0]
    x_idx = tuple(names.index(v) for v in ov_x)
    nan = np.isnan(x)
    weights, cluster = _design_columns(frame, options)
    group = options.group
    gnote = " or the group variable" if group is not None else ""
    if options.missing in ("ml", "ml.x"):
        keep = ~nan.all(axis=1)
        dropped_empty = int((~keep).sum())
        dropped_x = 0
        if options.missing == "ml" and x_idx:
            bad_x = nan[:, list(x_idx)].any(axis=1) & keep
            dropped_x = int(bad_x.sum())
            keep &= ~bad_x
        labels, masks = _group_rows(frame, group, keep)
        dropped_group = int(keep.sum() - sum(int(m.sum()) for m in masks))
        if dropped_empty:
            warnings.warn(f"{dropped_empty} of {n_total} rows had no value on any model variable and were dropped "
                          "(missing='fiml').", MissingDataWarning, stacklevel=4)
        if dropped_x:
            warnings.warn(
                f"{dropped_x} of {n_total} rows had a missing value on an exogenous covariate "
                f"({', '.join(ov_x)}) and were dropped, as lavaan does with fixed_x=True; use missing='ml.x' or "
                "fixed_x=False to keep them.", MissingDataWarning, stacklevel=4)
        if dropped_group:
            warnings.warn(f"{dropped_group} rows had no value of the group variable {group!r} and were dropped.",
                          MissingDataWarning, stacklevel=4)
        groups = []
        for label, m in zip(labels, masks):
            xg = x[m]
            where = f" in group {label!r}" if group is not None else ""
            pats = patterns(xg)
            for j, v in enumerate(names):
                if np.isnan(xg[:, j]).all():
                    raise DataError(f"Model variable {v} has no observed value{where}; remove it from the model.")
            h1 = em_saturated(xg, pats)
            if not h1.converged:
                warnings.warn(
                    f"The EM algorithm for the saturated model{where} did not converge in {h1.iterations} iterations; "
                    "the chi-square test and the fit indices are not trustworthy.", MissingDataWarning, stacklevel=4)
            _check_moments(h1.cov, names, where, xg.shape[0])
            if options.missing == "ml":
                # lavaan: under fixed.x the covariates' moments are those of the complete rows
                mean, cov = h1.mean.copy(), h1.cov.copy()
                if x_idx:
                    xi = list(x_idx)
                    xx = xg[:, xi]
                    mx = xx.mean(axis=0)
                    cov[np.ix_(xi, xi)] = (xx - mx).T @ (xx - mx) / xx.shape[0]
                    mean[xi] = mx
            else:
                mean, cov = h1.mean, h1.cov
            _, cg = _group_design(None, cluster, m, where, options.cluster)
            groups.append(GroupMoments(cov=cov, mean=mean, nobs=xg.shape[0], data=xg, x_idx=x_idx, pats=pats, h1=h1,
                                       cluster=cg))
        return SampleMoments(names=names, groups=tuple(groups), n_total=n_total, group_labels=labels,
                             missing=options.missing)

    if options.missing == "pairwise":
        keep = ~nan.all(axis=1)
    else:
        keep = ~nan.any(axis=1)
    labels, masks = _group_rows(frame, group, keep)
    n_used = sum(int(m.sum()) for m in masks)
    if n_used < n_total:
        what = ("no value on any model variable" if options.missing == "pairwise"
                else "missing values on model variables")
        warnings.warn(
            f"{n_total - n_used} of {n_total} rows had {what}{gnote} and were dropped "
            f"(missing={options.missing!r}).", MissingDataWarning, stacklevel=4)
    groups = []
    for label, m in zip(labels, masks):
        xg = x[m]
        where = f" in group {label!r}" if group is not None else ""
        if options.categorical:
            groups.append(_ordinal_group(xg, names, ordered, where, options, x_idx))
            continue
        wg, cg = _group_design(weights, cluster, m, where, options.cluster)
        if wg is not None:
            # lavaan's sampling.weights.normalization = "total": the weights sum to N over all groups
            wg = wg * n_used / sum(float(weights[mm].sum()) for mm in masks)
        gm = listwise_moments(xg, names, where, unbiased=not options.normal_likelihood, x_idx=x_idx, weights=wg)
        gm = dataclasses.replace(gm, cluster=cg)
        groups.append(_continuous_extras(gm, options))
    return SampleMoments(names=names, groups=tuple(groups), n_total=n_total, group_labels=labels,
                         missing=options.missing)


def _needs_gamma(options) -> bool:
    return options.base in ("WLS", "DWLS") or options.se == "robust.sem" or any(
        t in ("satorra.bentler", "mean.var.adjusted", "scaled.shifted") for t in options.test)


def _continuous_extras(gm: GroupMoments, options) -> GroupMoments:
    """Gamma, the vector of sample statistics and the weight matrix of the least-squares estimators."""
    import dataclasses

    ms = options.meanstructure
    x_idx = gm.x_idx if options.fixed_x else ()
    nacov = None
    if _needs_gamma(options):
        if gm.nobs < len(gm.cov) * (len(gm.cov) + 1) / 2 + (len(gm.cov) if ms else 0):
            warnings.warn(f"The number of observations ({gm.nobs}) is too small to estimate Gamma (the asymptotic "
                          "covariance of the sample statistics) well; robust statistics are unstable.",
                          DataQualityWarning, stacklevel=5)
        if gm.weights is not None:
            raise DataError("Gamma (the asymptotic covariance of the sample statistics) with sampling weights is not "
                            "available; use estimator='MLR' with sampling_weights=.")
        nacov = gamma_adf(gm.data, x_idx=x_idx, meanstructure=ms, cluster=gm.cluster)
    r, c = vech_index(len(gm.cov))
    obs = gm.cov[r, c]
    if ms:
        obs = np.concatenate([gm.mean, obs])
    wls_v = wls_vd = None
    if options.base == "GLS":
        wls_v = gamma_nt_inverse(gm.cov_inv, x_idx=x_idx, meanstructure=ms)
    elif options.base == "WLS":
        if x_idx:
            keep = pstar_not_x(len(gm.cov), x_idx, ms)
            wls_v = np.zeros_like(nacov)
            wls_v[np.ix_(keep, keep)] = np.linalg.inv(nacov[np.ix_(keep, keep)])
        else:
            eig = np.linalg.eigvalsh(nacov)
            if eig.min() <= 0:
                raise DataError("Gamma (the asymptotic covariance of the sample statistics) is not positive "
                                "definite, so estimator='WLS' cannot weight by its inverse; use estimator='DWLS' or "
                                "'MLM'.")
            wls_v = np.linalg.inv(nacov)
    elif options.base == "DWLS":
        d = np.diag(nacov).copy()
        with np.errstate(divide="ignore"):
            wls_vd = np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), 0.0)
    elif options.base == "ULS":
        wls_vd = np.ones(len(obs))
    return dataclasses.replace(gm, nacov=nacov, wls_obs=obs, wls_v=wls_v, wls_vd=wls_vd)


def _ordinal_group(xg: np.ndarray, names: tuple[str, ...], ordered: tuple[str, ...], where: str,
                   options, x_idx: tuple[int, ...] = ()) -> GroupMoments:
    """Thresholds, polychoric correlations and Gamma of one group's ordinal indicators (with
    covariates: conditional on them, :mod:`surveykit.sem.probit`)."""
    from surveykit.sem.categorical import ordinal_statistics
    from surveykit.sem.probit import conditional_ordinal_statistics

    x_cols = list(x_idx) if options.conditional_x else []
    y_cols = [j for j in range(len(names)) if j not in x_cols]
    not_ordered = [names[j] for j in y_cols if names[j] not in ordered]
    if not_ordered:
        raise DataError(
            f"Mixing ordinal and continuous indicators ({', '.join(not_ordered)} are not in ordered=) is not "
            "available yet; declare every indicator ordered or treat all as continuous.")
    y = xg[:, y_cols]
    for j, col in zip(y_cols, y.T):
        if len(np.unique(col[~np.isnan(col)])) < 2:
            raise DataError(f"Ordered variable {names[j]} has a single observed category{where}; remove it.")
    if x_cols:
        xx = xg[:, x_cols]
        stats = conditional_ordinal_statistics(y, xx, y_names=[names[j] for j in y_cols],
                                               x_names=[names[j] for j in x_cols], where=where)
        # lavaan fixes the covariates' (co)variances at their N - 1 sample values here
        extra = {"slopes": stats.slopes, "cov_x": np.cov(xx, rowvar=False).reshape(len(x_cols), -1),
                 "mean_x": xx.mean(axis=0)}
    else:
        stats = ordinal_statistics(y, pairwise=options.missing == "pairwise")
        extra = {}
    if stats.empty_cells:
        ynames = [names[j] for j in y_cols]
        warnings.warn(
            f"{len(stats.empty_cells)} of {len(stats.pairs)} bivariate tables of the ordinal items{where} have empty "
            f"cells (e.g. {', '.join(f'{ynames[a]}-{ynames[b]}' for a, b in stats.empty_cells[:3])}); their "
            "polychoric correlations and weights rest on sparse data. Consider collapsing rare categories.",
            DataQualityWarning, stacklevel=5)
    nacov = stats.gamma
    obs = stats.vector
    wls_v = wls_vd = None
    if options.base == "WLS":
        wls_v = np.linalg.inv(nacov)
    elif options.base == "DWLS":
        wls_vd = 1.0 / np.diag(nacov)
    else:  # ULS
        wls_vd = np.ones(len(obs))
    n = int(stats.nobs)
    return GroupMoments(cov=np.array(stats.rho), mean=np.zeros(len(y_cols)), nobs=n, data=xg, nacov=nacov,
                        wls_obs=obs, wls_v=wls_v, wls_vd=wls_vd, thresholds=tuple(stats.thresholds),
                        categories=tuple(stats.categories), x_idx=tuple(x_cols), **extra)
