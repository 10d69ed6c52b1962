"""Ordinal indicators conditional on exogenous covariates (lavaan's ``conditional.x = TRUE``, its
default for ordinal indicators with observed covariates): the sample statistics and their Gamma.

Step 1, for every indicator ``y_j``: the ordered probit regression
``P(y_j <= c | x) = Phi(tau_jc - x' beta_j)`` by ML (thresholds ``tau_j`` and slopes ``beta_j``).
Step 2, for every pair: the residual (polychoric) correlation ``rho_jk`` by ML of the bivariate
probit with both regressions fixed (each case's cut points ``tau - x' beta``).
Gamma (lavaan's ``muthen1984``): with the casewise scores ``s_j = (d/dtau_j, d/dbeta_j) log L_ij``
of step 1, ``A11_j = sum_i s_ij s_ij'`` and the influence functions ``IF_j = N A11_j^-1 s_j``; with
the bivariate scores ``s_rho`` and ``s_jk`` (with respect to both regressions),
``A22 = sum s_rho^2``, ``A21 = sum s_rho s_jk'`` and ``IF_rho = (N s_rho - A21 IF_jk) / A22``; then
``Gamma = IF' IF / N`` in lavaan's order: thresholds (variable by variable), slopes (covariate by
covariate, each over the indicators), correlations below the diagonal column by column.

Written here because no Python library estimates lavaan's two-step conditional polychorics (statsmodels'
OrderedModel fits step 1 but not the bivariate step nor Gamma); the numbers are checked against lavaan.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import optimize
from scipy.special import ndtr, ndtri

from surveykit._core.polychoric import bvn_cdf, bvn_pdf
from surveykit.errors import DataError

__all__ = ["ConditionalOrdinalStats", "conditional_ordinal_statistics"]


class ConditionalOrdinalStats(NamedTuple):
    thresholds: list[np.ndarray]
    slopes: np.ndarray  # (p, q)
    rho: np.ndarray  # residual correlations (p, p)
    gamma: np.ndarray  # per observation
    categories: list[np.ndarray]
    pairs: list[tuple[int, int]]
    nobs: int
    empty_cells: list[tuple[int, int]]
    converged: bool

    @property
    def vector(self) -> np.ndarray:
        iu = np.array(self.pairs).reshape(-1, 2)
        return np.concatenate([np.concatenate(self.thresholds), self.slopes.ravel(order="F"),
                               self.rho[iu[:, 0], iu[:, 1]]])


def _pdf(z: np.ndarray) -> np.ndarray:
    zf = np.where(np.isfinite(z), z, 0.0)
    return np.where(np.isfinite(z), np.exp(-0.5 * zf * zf) / math.sqrt(2 * math.pi), 0.0)


def _bounds(codes: np.ndarray, tau: np.ndarray, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each case's lower and upper cut points ``tau_c - eta``, ``tau_{c+1} - eta`` (infinite at the ends)."""
    cut = np.concatenate([[-np.inf], tau, [np.inf]])
    return cut[codes] - eta, cut[codes + 1] - eta


def _uv_jacobians(codes: np.ndarray, k: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d(upper)/d(tau, beta) and d(lower)/d(tau, beta) per case: (n, k + q)."""
    n = len(codes)
    ju = np.zeros((n, k + x.shape[1]))
    jl = np.zeros_like(ju)
    up = codes < k
    ju[np.flatnonzero(up), codes[up]] = 1.0
    lo = codes > 0
    jl[np.flatnonzero(lo), codes[lo] - 1] = 1.0
    ju[:, k:] = -x
    jl[:, k:] = -x
    return ju, jl


def _uv_parts(par: np.ndarray, codes: np.ndarray, k: int, x: np.ndarray):
    tau, beta = par[:k], par[k:]
    lo, up = _bounds(codes, tau, x @ beta)
    p = np.maximum(ndtr(up) - ndtr(lo), 1e-300)
    return lo, up, p


def _uv_loglik(par, codes, k, x) -> float:
    tau = par[:k]
    if np.any(np.diff(tau) <= 0):
        return -np.inf
    _, _, p = _uv_parts(par, codes, k, x)
    return float(np.sum(np.log(p)))


def _uv_scores(par, codes, k, x) -> np.ndarray:
    lo, up, p = _uv_parts(par, codes, k, x)
    ju, jl = _uv_jacobians(codes, k, x)
    return (_pdf(up)[:, None] * ju - _pdf(lo)[:, None] * jl) / p[:, None]


def _uv_hessian(par, codes, k, x) -> np.ndarray:
    lo, up, p = _uv_parts(par, codes, k, x)
    ju, jl = _uv_jacobians(codes, k, x)
    fu, fl = _pdf(up), _pdf(lo)
    g = (fu[:, None] * ju - fl[:, None] * jl) / p[:, None]
    upf = np.where(np.isfinite(up), up, 0.0)
    lof = np.where(np.isfinite(lo), lo, 0.0)
    wu = -upf * fu / p
    wl = lof * fl / p
    return (ju * wu[:, None]).T @ ju + (jl * wl[:, None]).T @ jl - g.T @ g


def ordered_probit(codes: np.ndarray, k: int, x: np.ndarray, *, tol: float = 1e-10) -> tuple[np.ndarray, bool]:
    """ML thresholds and slopes ``(tau_1..tau_k, beta)`` of the ordered probit of ``codes``
    (0..k) on ``x`` (Newton-Raphson with step halving from the marginal thresholds)."""
    counts = np.bincount(codes, minlength=k + 1)
    par = np.concatenate([ndtri(np.cumsum(counts)[:-1] / len(codes)), np.zeros(x.shape[1])])
    ll = _uv_loglik(par, codes, k, x)
    for _ in range(200):
        grad = _uv_scores(par, codes, k, x).sum(axis=0)
        if np.max(np.abs(grad)) < tol * len(codes):
            return par, True
        hess = _uv_hessian(par, codes, k, x)
        try:
            step = -np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        for _ in range(50):
            new = par + step
            ll_new = _uv_loglik(new, codes, k, x)
            if ll_new >= ll - 1e-12 * abs(ll):
                break
            step /= 2.0
        else:
            break
        par, ll = new, ll_new
    grad = _uv_scores(par, codes, k, x).sum(axis=0)
    return par, bool(np.max(np.abs(grad)) < 1e-6 * len(codes))


def _rect(lo1, up1, lo2, up2, rho):
    return (bvn_cdf(up1, up2, rho) - bvn_cdf(lo1, up2, rho) - bvn_cdf(up1, lo2, rho) + bvn_cdf(lo1, lo2, rho))


def _bv_rho(lo1, up1, lo2, up2) -> tuple[float, bool]:
    def nll(r: float) -> float:
        return -float(np.sum(np.log(np.maximum(_rect(lo1, up1, lo2, up2, r), 1e-300))))

    res = optimize.minimize_scalar(nll, bounds=(-0.995, 0.995), method="bounded", options={"xatol": 1e-12})
    return float(res.x), bool(res.success)


def _bv_scores(rho, lo1, up1, lo2, up2, j1u, j1l, j2u, j2l):
    """Casewise scores of the bivariate log-likelihood: rho, the first regression, the second."""
    p = np.maximum(_rect(lo1, up1, lo2, up2, rho), 1e-300)
    d_rho = (bvn_pdf(up1, up2, rho) - bvn_pdf(lo1, up2, rho) - bvn_pdf(up1, lo2, rho) + bvn_pdf(lo1, lo2, rho)) / p
    sd = math.sqrt(1.0 - rho * rho)

    def edge(a, b_lo, b_hi):
        # d/da of P(a_lo < Y1 <= a, b_lo < Y2 <= b_hi): phi(a) [Phi((b_hi - rho a)/sd) - Phi((b_lo - rho a)/sd)]
        af = np.where(np.isfinite(a), a, 0.0)
        return _pdf(a) * (ndtr((b_hi - rho * af) / sd) - ndtr((b_lo - rho * af) / sd))

    d_up1, d_lo1 = edge(up1, lo2, up2), -edge(lo1, lo2, up2)
    d_up2, d_lo2 = edge(up2, lo1, up1), -edge(lo2, lo1, up1)
    s1 = (d_up1[:, None] * j1u + d_lo1[:, None] * j1l) / p[:, None]
    s2 = (d_up2[:, None] * j2u + d_lo2[:, None] * j2l) / p[:, None]
    return d_rho, s1, s2


def conditional_ordinal_statistics(y: np.ndarray, x: np.ndarray, *, y_names=None, x_names=None,
                                   where: str = "") -> ConditionalOrdinalStats:
    """Thresholds, slopes, residual correlations and Gamma of ordinal ``y`` (n, p) given the
    covariates ``x`` (n, q); complete rows only.  A covariate that separates an indicator's
    categories (almost) perfectly, so that its slope runs off to infinity, is refused."""
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    n, p = y.shape
    q = x.shape[1]
    y_names = list(y_names) if y_names is not None else [f"y{j + 1}" for j in range(p)]
    x_names = list(x_names) if x_names is not None else [f"x{m + 1}" for m in range(q)]
    x_sd = x.std(axis=0)
    const = [x_names[m] for m in range(q) if not x_sd[m] > 0]
    if const:
        raise DataError(f"The covariate(s) {', '.join(const)} are constant{where}; remove them from the model.")
    cats = [np.unique(y[:, j]) for j in range(p)]
    codes = np.column_stack([np.searchsorted(cats[j], y[:, j]) for j in range(p)])
    ks = [len(c) - 1 for c in cats]
    pars, ifs, jac, ok = [], [], [], True
    for j in range(p):
        par, conv = ordered_probit(codes[:, j], ks[j], x)
        ok &= conv
        # a shift of 8 probit units per SD of a covariate leaves the other categories with P < 1e-15
        big = np.abs(par[ks[j]:]) * x_sd > 8.0
        if big.any():
            raise DataError(
                f"The covariate {x_names[int(np.argmax(big))]} separates the categories of {y_names[j]}{where} "
                "(almost) perfectly, so its probit slope is not finite; merge sparse categories or remove the path.")
        s = _uv_scores(par, codes[:, j], ks[j], x)
        a11 = s.T @ s
        pars.append(par)
        ifs.append(n * s @ np.linalg.inv(a11))
        jac.append(_uv_jacobians(codes[:, j], ks[j], x))
    if not ok:
        raise DataError("The ordered probit regression of an indicator on the covariates did not converge; check for "
                        "categories that the covariates predict perfectly.")
    bounds = [_bounds(codes[:, j], pars[j][:ks[j]], x @ pars[j][ks[j]:]) for j in range(p)]
    pairs = [(j, k) for j in range(p) for k in range(j + 1, p)]
    rho = np.eye(p)
    if_rho = np.zeros((n, len(pairs)))
    empty = []
    for m, (j, k) in enumerate(pairs):
        table = np.zeros((ks[j] + 1, ks[k] + 1))
        np.add.at(table, (codes[:, j], codes[:, k]), 1.0)
        if (table == 0).any():
            empty.append((j, k))
        (lo1, up1), (lo2, up2) = bounds[j], bounds[k]
        r, conv = _bv_rho(lo1, up1, lo2, up2)
        ok &= conv
        rho[j, k] = rho[k, j] = r
        s_rho, s1, s2 = _bv_scores(r, lo1, up1, lo2, up2, jac[j][0], jac[j][1], jac[k][0], jac[k][1])
        a22 = float(s_rho @ s_rho)
        a21 = s_rho @ np.hstack([s1, s2])
        if_rho[:, m] = (n * s_rho - np.hstack([ifs[j], ifs[k]]) @ a21) / a22
    # lavaan's order: all thresholds, then the slopes covariate by covariate, then the correlations
    if_th = np.hstack([ifs[j][:, :ks[j]] for j in range(p)])
    if_sl = np.hstack([np.column_stack([ifs[j][:, ks[j] + m] for j in range(p)]) for m in range(q)])
    if_all = np.hstack([if_th, if_sl, if_rho])
    gamma = if_all.T @ if_all / n
    gamma.setflags(write=False)
    slopes = np.array([pars[j][ks[j]:] for j in range(p)]).reshape(p, q)
    return ConditionalOrdinalStats(thresholds=[pars[j][:ks[j]] for j in range(p)], slopes=slopes, rho=rho,
                                   gamma=gamma, categories=cats, pairs=pairs, nobs=n, empty_cells=empty,
                                   converged=ok)
