"""Ordinal indicators: their sample statistics (thresholds, polychoric correlations and Gamma,
lavaan's ``muthen1984``) and the model-implied statistics with their derivatives in the delta
and theta parameterizations.

Sample statistics (Muthen 1984; lavaan ``estimator = "WLSMV"``): thresholds from the
univariate margins, polychoric correlations by pairwise ML with fixed thresholds
(:mod:`surveykit._core.polychoric`), and Gamma, the per-observation asymptotic covariance of
``(thresholds, correlations)``, from the casewise influence functions of the two-step
estimator with lavaan's cross-product information: thresholds ``IF_tau = A11^-1 s_tau,i``;
correlations ``IF_rho = (s_rho,i - A21 IF_tau) / A22`` with the bivariate scores ``s_rho`` and
``s_tau^biv``, ``A22 = mean(s_rho^2)``, ``A21 = mean(s_rho s_tau^biv')``.

Model (lavaan's LISREL-type model for latent responses ``y*``): with the RAM model's
covariance ``C`` of ``y*`` without the ordinal residual variances, the variance of ``y*_j`` is
``v_j = 1 / Delta_j^2`` in the delta parameterization (``Delta_j`` the scaling factor ``~*~``:
1 in the first group) and ``v_j = C_jj + theta_jj`` in the theta parameterization (residual
variance ``theta_jj``: 1 in the first group).  With ``s_j = v_j^(-1/2)`` and the implied means
``mu*``, the model's statistics are the standardized thresholds ``s_j (tau_jk - mu*_j)`` and the
correlations ``s_j s_k C_jk``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import ndtr

from surveykit._core.memo import ContentCache, content_key
from surveykit._core.polychoric import cell_probabilities, polychoric_matrix
from surveykit.errors import DataError

__all__ = ["OrdinalStats", "ordinal_statistics", "STATS_CACHE"]

_H = 1e-5


class OrdinalStats(NamedTuple):
    thresholds: list[np.ndarray]
    rho: np.ndarray
    gamma: np.ndarray  # per observation, (thresholds, correlations)
    categories: list[np.ndarray]
    pairs: list[tuple[int, int]]
    nobs: int
    empty_cells: list[tuple[int, int]]

    @property
    def vector(self) -> np.ndarray:
        """The sample statistics in lavaan's order: thresholds (variable by variable), then the
        correlations below the diagonal, column by column."""
        iu = np.array(self.pairs).reshape(-1, 2)
        return np.concatenate([np.concatenate(self.thresholds), self.rho[iu[:, 0], iu[:, 1]]])


def _phi(x):
    return np.where(np.isfinite(x), np.exp(-0.5 * np.square(np.where(np.isfinite(x), x, 0.0))) / math.sqrt(2 * math.pi),
                    0.0)


def _univariate(codes: np.ndarray, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Casewise threshold scores (n, K-1) and the per-case Fisher information (K-1, K-1)."""
    cut = np.concatenate([[-np.inf], tau, [np.inf]])
    p = ndtr(cut[1:]) - ndtr(cut[:-1])
    dens = _phi(tau)
    k = len(tau)
    # dP_c / dtau_t: +phi(tau_t) when t == c, -phi(tau_t) when t == c - 1
    dp = np.zeros((k + 1, k))
    for t in range(k):
        dp[t, t] += dens[t]
        dp[t + 1, t] -= dens[t]
    scores = dp[codes] / p[codes][:, None]
    info = (dp / p[:, None]).T @ dp
    return scores, info


STATS_CACHE = ContentCache(maxsize=4)


def ordinal_statistics(x: np.ndarray, *, pairwise: bool = False) -> OrdinalStats:
    """Thresholds, polychoric correlations and Gamma of ordinal data ``x`` (n, p).

    With missing values (``pairwise``, lavaan's ``missing = "pairwise"``) each item's thresholds
    use the rows where it is answered and each correlation the rows where both items are; a
    case's scores are zero where its values are missing, and the information blocks are sums over
    the rows that have them (lavaan's ``muthen1984`` with ``NA``).

    Computed once per data set and process (content-keyed, :mod:`surveykit._core.memo`): a
    CFA and an SEM of the same items share them; the returned arrays are read-only."""
    x = np.asarray(x, dtype=float)
    if np.isnan(x).any() and not pairwise:
        raise DataError("The ordinal items have missing values; drop the rows (missing='listwise') or use "
                        "missing='pairwise'.")
    return STATS_CACHE.get(content_key("wlsmv-statistics", x), lambda: _ordinal_statistics(x))


def _bivariate_scores(r: float, tj: np.ndarray, tk: np.ndarray, cj: np.ndarray, ck: np.ndarray):
    """Casewise scores of one pair's bivariate log-likelihood with respect to rho and to the two
    items' thresholds (rows with both answered)."""

    def logp(rho, a, b):
        return np.log(np.maximum(cell_probabilities(rho, a, b), 1e-300))

    d_rho = (logp(r + _H, tj, tk) - logp(r - _H, tj, tk)) / (2 * _H)
    d_tau = []
    for t in range(len(tj)):
        e = np.zeros(len(tj))
        e[t] = _H
        d_tau.append((logp(r, tj + e, tk) - logp(r, tj - e, tk)) / (2 * _H))
    for t in range(len(tk)):
        e = np.zeros(len(tk))
        e[t] = _H
        d_tau.append((logp(r, tj, tk + e) - logp(r, tj, tk - e)) / (2 * _H))
    return d_rho[cj, ck], np.column_stack([dt[cj, ck] for dt in d_tau])


def _ordinal_statistics(x: np.ndarray) -> OrdinalStats:
    n, p = x.shape
    poly = polychoric_matrix(x)
    taus = poly.thresholds
    answered = ~np.isnan(x)
    codes = np.column_stack([np.searchsorted(poly.categories[j], np.where(answered[:, j], x[:, j], np.nan))
                             for j in range(p)])
    n_tau = [len(t) for t in taus]
    tau_off = np.concatenate([[0], np.cumsum(n_tau)])
    # influence functions, scaled so that Gamma = IF'IF / n (lavaan: N B^-1 INNER B^-T with sums)
    if_tau = np.zeros((n, tau_off[-1]))
    for j in range(p):
        ok = answered[:, j]
        s, info = _univariate(codes[ok, j], taus[j])
        if_tau[np.ix_(ok, np.arange(tau_off[j], tau_off[j + 1]))] = (n / ok.sum()) * s @ np.linalg.inv(info).T
    pairs = [(j, k) for j in range(p) for k in range(j + 1, p)]
    if_rho = np.zeros((n, len(pairs)))
    empty = []
    for m, (j, k) in enumerate(pairs):
        both = answered[:, j] & answered[:, k]
        cj, ck = codes[both, j], codes[both, k]
        table = np.zeros((n_tau[j] + 1, n_tau[k] + 1))
        np.add.at(table, (cj, ck), 1.0)
        if (table == 0).any():
            empty.append((j, k))
        s_rho, s_tau = _bivariate_scores(poly.rho[j, k], taus[j], taus[k], cj, ck)
        # lavaan (muthen1984): information blocks as cross-products of the scores, summed
        a22 = float(s_rho @ s_rho)
        a21 = s_rho @ s_tau
        # every row whose threshold scores are not zero contributes through A21, also where the
        # pair is incomplete (lavaan's B^-1 applied to all scores)
        if_t = np.hstack([if_tau[:, tau_off[j]:tau_off[j + 1]], if_tau[:, tau_off[k]:tau_off[k + 1]]])
        if_rho[:, m] = -(if_t @ a21) / a22
        if_rho[both, m] += n * s_rho / a22
    if_all = np.hstack([if_tau, if_rho])
    gamma = if_all.T @ if_all / n
    gamma.setflags(write=False)
    return OrdinalStats(thresholds=list(taus), rho=poly.rho, gamma=gamma, categories=list(poly.categories),
                        pairs=pairs, nobs=n, empty_cells=empty)
