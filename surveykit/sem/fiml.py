"""Full-information maximum likelihood (FIML) for incomplete data.

Rows are grouped by missing-data pattern; each pattern contributes the normal
log-likelihood of its observed variables,

    l_p = -n_p/2 [p_o log(2 pi) + log|Sigma_oo| + tr(Sigma_oo^-1 (S_p + d_p d_p'))],

with ``S_p`` the pattern's covariance (divisor n_p) and ``d_p`` the difference between the
pattern mean and the model-implied mean.  The unrestricted (h1) model is estimated by the EM
algorithm; the baseline model (independent variables) has closed-form estimates (each
variable's available-case mean and variance).  The chi-square is ``2 (l_h1 - l_h0)``;
standard errors come from the observed information (lavaan's default for
``missing = "fiml"``), by differencing the analytic gradient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from surveykit.sem.ram import trace_products

__all__ = ["Pattern", "patterns", "em_saturated", "pattern_loglik", "fiml_pieces", "independence_loglik"]


@dataclass(frozen=True)
class Pattern:
    obs: np.ndarray  # indices of the observed variables
    n: int
    mean: np.ndarray  # pattern mean of the observed variables
    cov: np.ndarray  # pattern covariance (divisor n)
    rows: np.ndarray  # row indices in the data


def patterns(x: np.ndarray) -> list[Pattern]:
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
    return out


def pattern_loglik(pats: list[Pattern], mu: np.ndarray, sigma: np.ndarray) -> float:
    """Observed-data log-likelihood of all patterns under (mu, sigma); -inf if not positive definite."""
    total = 0.0
    for pt in pats:
        so = sigma[np.ix_(pt.obs, pt.obs)]
        try:
            chol = np.linalg.cholesky(so)
        except np.linalg.LinAlgError:
            return -np.inf
        inv_c = np.linalg.solve(chol, np.eye(len(so)))
        d = pt.mean - mu[pt.obs]
        z = inv_c @ d
        tr = np.einsum("ij,ij->", inv_c @ pt.cov, inv_c)
        logdet = 2 * np.log(np.diag(chol)).sum()
        total += -pt.n / 2 * (len(pt.obs) * math.log(2 * math.pi) + logdet + tr + z @ z)
    return float(total)


def em_saturated(x: np.ndarray, *, max_iter: int = 10_000,
                 tol: float = 1e-12) -> tuple[np.ndarray, np.ndarray, float, int]:
    """EM estimates of the unrestricted mean vector and covariance matrix (divisor N).

    Returns (mu, sigma, loglik, iterations).
    """
    pats = patterns(x)
    n = sum(p.n for p in pats)
    p_ = x.shape[1]
    mu = np.nanmean(x, axis=0)
    sigma = np.diag(np.nanvar(x, axis=0))
    ll_old = -np.inf
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        t1 = np.zeros(p_)
        t2 = np.zeros((p_, p_))
        for pt in pats:
            o = pt.obs
            m = np.setdiff1d(np.arange(p_), o)
            xo = x[np.ix_(pt.rows, o)]
            if len(m) == 0:
                t1 += xo.sum(axis=0)
                t2 += xo.T @ xo
                continue
            soo = sigma[np.ix_(o, o)]
            smo = sigma[np.ix_(m, o)]
            beta = np.linalg.solve(soo, smo.T).T  # (m, o)
            xm = mu[m] + (xo - mu[o]) @ beta.T
            full = np.empty((pt.n, p_))
            full[:, o] = xo
            full[:, m] = xm
            t1 += full.sum(axis=0)
            t2 += full.T @ full
            cmm = sigma[np.ix_(m, m)] - beta @ smo.T
            t2[np.ix_(m, m)] += pt.n * cmm
        mu = t1 / n
        sigma = t2 / n - np.outer(mu, mu)
        ll = pattern_loglik(pats, mu, sigma)
        if abs(ll - ll_old) < tol * max(1.0, abs(ll)):
            break
        ll_old = ll
    return mu, sigma, pattern_loglik(pats, mu, sigma), it


def independence_loglik(x: np.ndarray) -> float:
    """Log-likelihood of the baseline model: independent normal variables, each with its
    available-case mean and variance (the FIML estimates under independence)."""
    total = 0.0
    for j in range(x.shape[1]):
        col = x[:, j]
        col = col[~np.isnan(col)]
        v = col.var()
        total += -len(col) / 2 * (math.log(2 * math.pi) + math.log(v) + 1.0)
    return float(total)


def fiml_pieces(model, theta: np.ndarray, pats: list[Pattern], n_total: int, *, need_hessian: bool = True,
                need_gradient: bool | None = None):
    """(F, gradient, Gauss-Newton Hessian) of ``F = -2 l / N`` (without the 2 pi constant) for one group.

    ``n_total`` is the number of rows of all groups (the weights are n_p / N).  With
    ``need_hessian=False`` only F (and the gradient when ``need_gradient=True``) is computed.
    """
    if need_gradient is None:
        need_gradient = need_hessian
    sigma, _, _ = model.implied(theta)
    mu = model.implied_means(theta)[: model.n_obs_vars]
    d_sigma, d_mu = model.derivatives(theta) if need_gradient else (None, None)
    f = 0.0
    k = len(theta)
    g = np.zeros(k)
    h = np.zeros((k, k))
    for pt in pats:
        o = pt.obs
        so = sigma[np.ix_(o, o)]
        try:
            chol = np.linalg.cholesky(so)
        except np.linalg.LinAlgError:
            return np.inf, g, h
        sinv = np.linalg.inv(so)
        d = pt.mean - mu[o]
        w = pt.n / n_total
        f += w * (2 * np.log(np.diag(chol)).sum() + np.einsum("ij,ji->", sinv, pt.cov) + d @ sinv @ d)
        if not need_gradient:
            continue
        ds = d_sigma[:, o][:, :, o]
        dm = d_mu[:, o]
        wmat = sinv - sinv @ (pt.cov + np.outer(d, d)) @ sinv
        kk = ds.shape[0]
        g += w * (ds.reshape(kk, -1) @ wmat.ravel() - 2.0 * dm @ (sinv @ d))
        if not need_hessian:
            continue
        h += w * (trace_products(sinv, ds) + 2.0 * dm @ sinv @ dm.T)
    return float(f), g, h


def fit_fiml(models, pt, group_data: list[np.ndarray], theta0: np.ndarray):
    """Estimate by FIML; returns (Optimum with lavaan's fmin, vcov from the observed information,
    h1 log-likelihood, h0 log-likelihood, baseline log-likelihood, per-group h1 moments)."""
    from surveykit.sem.estimate import Optimum, minimize_scoring

    pats = [patterns(x) for x in group_data]
    n_total = sum(x.shape[0] for x in group_data)
    const = sum(sum(p.n * len(p.obs) for p in pg) for pg in pats) * math.log(2 * math.pi)

    def f(th):
        tot = 0.0
        for model, pg in zip(models, pats):
            val, _, _ = fiml_pieces(model, th, pg, n_total, need_hessian=False)
            if not np.isfinite(val):
                return np.inf
            tot += val
        return tot

    def pieces(th):
        g = np.zeros(len(th))
        h = np.zeros((len(th), len(th)))
        for model, pg in zip(models, pats):
            _, gg, hh = fiml_pieces(model, th, pg, n_total)
            g += gg
            h += hh
        return g, h

    opt = minimize_scoring(f, pieces, theta0)
    l0 = -(n_total * f(opt.theta) + const) / 2
    h1 = [em_saturated(x) for x in group_data]
    l1 = float(sum(r[2] for r in h1))
    lb = float(sum(independence_loglik(x) for x in group_data))
    def grad(th):
        g = np.zeros(len(th))
        for model, pg in zip(models, pats):
            g += fiml_pieces(model, th, pg, n_total, need_hessian=False, need_gradient=True)[1]
        return g

    # observed information: Jacobian of the gradient of -l = N/2 F
    k = len(opt.theta)
    info = np.zeros((k, k))
    for j in range(k):
        step = 1e-6 * max(1.0, abs(opt.theta[j]))
        tp, tm = opt.theta.copy(), opt.theta.copy()
        tp[j] += step
        tm[j] -= step
        info[:, j] = n_total / 2 * (grad(tp) - grad(tm)) / (2 * step)
    info = (info + info.T) / 2
    try:
        vcov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        vcov = np.full_like(info, np.nan)
    opt = Optimum(theta=opt.theta, fmin=(l1 - l0) / n_total, iterations=opt.iterations, converged=opt.converged,
                  method=opt.method, gradient=opt.gradient, message=opt.message)
    return opt, vcov, l1, l0, lb, [(r[0], r[1]) for r in h1]
