"""The two-level normal likelihood of clustered data (lavaan's ``lav_mvnorm_cluster``).

A two-level model has a within (level-1) and a between (level-2) covariance matrix and mean
vector.  Variables are *within-only* (in the level-1 block only), *between-only* (level 2
only: a cluster's value, ``z``) or in *both* blocks (split into a within and a between part).
With ``y`` the level-1 variables (both and within-only), cluster j of size n_j contributes

    (z_j, ybar_j) ~ N(mu, V_j),   V_j = Sigma_B[(z, y), (z, y)] + blockdiag(0, Sigma_W / n_j),

and its members' deviations from ``ybar_j`` the within part ``(n_j - 1)`` times
``log|Sigma_W| + tr(Sigma_W^-1 S_PW)``.  So the log-likelihood needs only the pooled within
covariance ``S_PW`` and, per distinct cluster size, the mean and covariance of the clusters'
means (lavaan's ``cov.d``/``mean.d``): one batched factorization per size, not per cluster.

:func:`loglik` gives lavaan's ``-2 logL`` (without the constant) and its gradient with respect
to the within and between moments, analytic (dF = tr(G dV) with G = V^-1 - V^-1 M V^-1);
:func:`em_h1` fits the unrestricted (saturated) two-level model by lavaan's EM algorithm
(``lav_mvnorm_cluster_em_sat``: same start, same steps, same stopping rule, so that the
likelihood-ratio test matches lavaan's), whose moments are also lavaan's sample statistics of
a two-level fit and its intraclass correlations.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

from surveykit.errors import DataError, DataQualityWarning
from surveykit.sem.discrepancy import numerical_hessian

__all__ = ["ClusterData", "Moments2L", "cluster_data", "loglik", "em_h1"]


@dataclass(frozen=True, eq=False)
class ClusterData:
    """Clustered data summarized for the two-level likelihood (lavaan's ``Lp`` and ``YLp``)."""

    names: tuple[str, ...]  # every observed variable, level-1 variables first
    within: tuple[str, ...]  # the level-1 block's observed variables, in its order
    between: tuple[str, ...]  # the level-2 block's
    x_within: tuple[str, ...]  # fixed.x covariates of level 1 only / of level 2 only (lavaan's ov.x.idx)
    x_between: tuple[str, ...]
    cluster: np.ndarray  # cluster code 0..C-1 of every row
    sizes: np.ndarray  # members of every cluster
    y2: np.ndarray  # cluster means (C, P)
    s_pw: np.ndarray  # pooled within covariance of the y variables (N - C divisor)
    y1y1: np.ndarray  # crossproduct of the y variables' raw values (EM)
    size_values: np.ndarray  # distinct cluster sizes
    size_counts: np.ndarray  # clusters of each size
    mean_d: np.ndarray  # (sizes, q): mean of the clusters' (z, y) means, per size
    cov_d: np.ndarray  # (sizes, q, q): their covariance (divisor: clusters of the size)
    loglik_x: float  # the covariates' own log-likelihood (lavaan's loglik.x)
    cluster_labels: tuple = ()
    scatter: np.ndarray | None = None  # (C, ny, ny): each cluster's within scatter of the y variables

    @property
    def nobs(self) -> int:
        return int(self.sizes.sum())

    @cached_property
    def maps(self) -> _Maps:
        return _maps(self)

    @property
    def nclusters(self) -> int:
        return len(self.sizes)

    @property
    def z_names(self) -> tuple[str, ...]:
        """Between-only variables (the cluster-level values ``z``), in the level-2 block's order."""
        return tuple(v for v in self.between if v not in self.within)

    @property
    def y_names(self) -> tuple[str, ...]:
        """Level-1 variables (within-only and split), in the level-1 block's order."""
        return self.within

    @property
    def both(self) -> tuple[str, ...]:
        return tuple(v for v in self.within if v in self.between)


class Moments2L(NamedTuple):
    """Within and between moments in the blocks' own orders."""

    sigma_w: np.ndarray
    mu_w: np.ndarray
    sigma_b: np.ndarray
    mu_b: np.ndarray


def _numeric(frame: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    missing = [v for v in names if v not in frame.columns]
    if missing:
        raise DataError(f"Model variable {missing[0]!r} is not a column of the data.")
    out = np.empty((len(frame), len(names)))
    for j, v in enumerate(names):
        col = pd.to_numeric(frame[v], errors="coerce")
        bad = int((col.isna() & frame[v].notna()).sum())
        if bad:
            raise DataError(f"Column {v!r} has {bad} non-numeric value(s); a two-level model needs numeric columns.")
        out[:, j] = col.to_numpy(dtype=float)
    return out


def _check_levels(x: np.ndarray, y2: np.ndarray, codes: np.ndarray, names, within, between, col: str) -> None:
    """lavaan's checks of the variables' levels, as sentences (a level-1 variable without
    within-cluster variance is an error here: its within covariance matrix would be singular)."""
    dev = x - y2[codes]
    for j, v in enumerate(names):
        spread = float(np.max(np.abs(dev[:, j]))) if len(dev) else 0.0
        scale = max(1.0, float(np.max(np.abs(x[:, j]))))
        if v in within and spread <= 1e-10 * scale:
            raise DataError(
                f"Level-1 variable {v!r} has no variance within the clusters of {col!r} (it is constant in every "
                "cluster): it is a level-2 variable; remove it from the 'level: 1' block of the model.")
        if v in between and v not in within and spread > 1e-10 * scale:
            n_vary = int(len(np.unique(codes[np.abs(dev[:, j]) > 1e-10 * scale])))
            warnings.warn(
                f"Level-2 variable {v!r} varies within {n_vary} cluster(s) of {col!r}; its cluster means are used as "
                "the clusters' values (as lavaan does). Aggregate it to one value per cluster if that is not meant.",
                DataQualityWarning, stacklevel=5)


def _check_split(x: np.ndarray, y2: np.ndarray, sizes: np.ndarray, names, split: list[str], col: str) -> None:
    """lavaan's warning for a variable of both levels whose cluster means hardly vary (the between
    scatter ``sum n_j (ybar_j - ybar)^2 / (C - 1)`` below 1e-4): its between part is (near) zero."""
    if not split:
        return
    idx = [names.index(v) for v in split]
    dev = y2[:, idx] - x[:, idx].mean(axis=0)
    s_b = (sizes[:, None] * dev**2).sum(axis=0) / (len(sizes) - 1)
    flat = [v for v, b in zip(split, s_b) if b < 1e-4]
    if flat:
        warnings.warn(
            f"{', '.join(flat)} (in both levels) hardly vary between the clusters of {col!r} (near-zero between "
            "variance); put them in the 'level: 1' block only.", DataQualityWarning, stacklevel=5)


def _size_moments(y2: np.ndarray, sizes: np.ndarray, order: list[int]):
    """Per distinct cluster size: the mean and covariance (divisor: the number of clusters of
    that size; 0 for a single cluster) of the clusters' means of the variables in ``order``."""
    values, counts = np.unique(sizes, return_counts=True)
    q = len(order)
    mean_d = np.zeros((len(values), q))
    cov_d = np.zeros((len(values), q, q))
    sub = y2[:, order]
    for s, nj in enumerate(values):
        rows = sub[sizes == nj]
        mean_d[s] = rows.mean(axis=0)
        if len(rows) > 1:
            d = rows - mean_d[s]
            cov_d[s] = d.T @ d / len(rows)
    return values, counts, mean_d, cov_d


def _h1_loglik_x(cov: np.ndarray, n: int) -> float:
    p = len(cov)
    return -n / 2.0 * (p * math.log(2 * math.pi) + float(np.linalg.slogdet(cov)[1]) + p)


def cluster_data(frame: pd.DataFrame, cluster: str, within: tuple[str, ...], between: tuple[str, ...],
                 x_within: tuple[str, ...] = (), x_between: tuple[str, ...] = ()) -> ClusterData:
    """The summaries of the complete rows of ``frame`` (listwise deletion of the model's
    variables and the cluster column), with lavaan's checks."""
    if cluster not in frame.columns:
        raise DataError(f"The cluster column {cluster!r} (cluster=) is not a column of the data.")
    if frame[cluster].isna().any():
        raise DataError(f"The cluster column {cluster!r} has {int(frame[cluster].isna().sum())} missing value(s); "
                        "give every row its cluster or drop those rows.")
    names = tuple(within) + tuple(v for v in between if v not in within)
    x = _numeric(frame, names)
    keep = ~np.isnan(x).any(axis=1)
    if not keep.all():
        warnings.warn(f"{int((~keep).sum())} of {len(x)} rows had missing values on model variables and were dropped "
                      "(missing='listwise').", DataQualityWarning, stacklevel=4)
    x = x[keep]
    codes, labels = pd.factorize(frame[cluster].to_numpy()[keep], sort=False)
    sizes = np.bincount(codes)
    if len(sizes) == len(x):
        raise DataError(f"Every cluster of {cluster!r} contains only one row; a two-level model needs clusters with "
                        "several members.")
    if len(sizes) < 2:
        raise DataError(f"The cluster column {cluster!r} has a single cluster; a two-level model needs many clusters.")
    y2 = np.zeros((len(sizes), len(names)))
    np.add.at(y2, codes, x)
    y2 /= sizes[:, None]
    _check_levels(x, y2, codes, names, set(within), set(between), cluster)
    _check_split(x, y2, sizes, names, [v for v in within if v in between], cluster)
    yi = [names.index(v) for v in within]
    dev = x[:, yi] - y2[codes][:, yi]
    n, c = len(x), len(sizes)
    z = [names.index(v) for v in between if v not in within]
    values, counts, mean_d, cov_d = _size_moments(y2, sizes, z + yi)
    ll_x = 0.0
    if x_within:
        xw = x[:, [names.index(v) for v in x_within]]
        ll_x += _h1_loglik_x(np.cov(xw, rowvar=False, bias=True).reshape(len(x_within), -1), n)
    if x_between:
        xb = y2[:, [names.index(v) for v in x_between]]
        ll_x += _h1_loglik_x(np.cov(xb, rowvar=False, bias=True).reshape(len(x_between), -1), c)
    return ClusterData(names=names, within=tuple(within), between=tuple(between), x_within=tuple(x_within),
                       x_between=tuple(x_between), cluster=codes, sizes=sizes, y2=y2, s_pw=dev.T @ dev / (n - c),
                       y1y1=x[:, yi].T @ x[:, yi], size_values=values, size_counts=counts, mean_d=mean_d,
                       cov_d=cov_d, loglik_x=ll_x, cluster_labels=tuple(labels.tolist()),
                       scatter=_scatter(dev, codes, len(sizes)))


def _scatter(dev: np.ndarray, codes: np.ndarray, c: int) -> np.ndarray:
    """Every cluster's within scatter matrix (sum of the outer products of the deviations from
    its mean), for the clusters' scores."""
    out = np.zeros((c, dev.shape[1], dev.shape[1]))
    np.add.at(out, codes, dev[:, :, None] * dev[:, None, :])
    return out


class _Maps(NamedTuple):
    jb: np.ndarray  # position of every level-2 variable in the joint (z, y) order
    jw: np.ndarray  # ... of every level-1 variable
    nz: int
    ny: int


def _maps(cd: ClusterData) -> _Maps:
    z = cd.z_names
    nz, ny = len(z), len(cd.within)
    pos = {v: i for i, v in enumerate(z)} | {v: nz + i for i, v in enumerate(cd.within)}
    return _Maps(jb=np.array([pos[v] for v in cd.between], dtype=int), jw=nz + np.arange(ny), nz=nz, ny=ny)


def _joint(cd: ClusterData, mm: _Maps, m: Moments2L) -> tuple[np.ndarray, np.ndarray]:
    """(V of every cluster size: (sizes, q, q), the joint mean (q,)) of the clusters' (z, ybar)."""
    q = mm.nz + mm.ny
    sb = np.zeros((q, q))
    sb[np.ix_(mm.jb, mm.jb)] = m.sigma_b
    mu = np.zeros(q)
    np.add.at(mu, mm.jb, m.mu_b)
    np.add.at(mu, mm.jw, m.mu_w)
    v = np.repeat(sb[None], len(cd.size_values), axis=0)
    v[:, mm.nz:, mm.nz:] += m.sigma_w[None] / cd.size_values[:, None, None]
    return v, mu


def loglik(cd: ClusterData, m: Moments2L, *, gradient: bool = False):
    """lavaan's ``-2 logL`` without the 2 pi constant (``lav_mvnorm_cluster_loglik_samplestats_2l``
    with ``minus.two = TRUE``) and, with ``gradient``, its derivatives with respect to the
    moments (a :class:`Moments2L` of symmetric matrix derivatives: dF = tr(G_W dSigma_W) + ...).
    ``inf`` (and no gradient) when a covariance matrix is not positive definite."""
    mm = cd.maps
    v, mu = _joint(cd, mm, m)
    try:
        lv = np.linalg.cholesky(v)
        lw = np.linalg.cholesky(m.sigma_w)
    except np.linalg.LinAlgError:
        return (math.inf, None) if gradient else math.inf
    n_s, c_s = cd.size_values.astype(float), cd.size_counts.astype(float)
    logdet_v = 2.0 * np.log(np.diagonal(lv, axis1=1, axis2=2)).sum(axis=1)
    vinv = np.linalg.inv(v)
    d = cd.mean_d - mu
    big_m = cd.cov_d + d[:, :, None] * d[:, None, :]
    swinv = np.linalg.inv(m.sigma_w)
    n_w = cd.nobs - cd.nclusters
    f = float(c_s @ (logdet_v + mm.ny * np.log(n_s) + np.einsum("sij,sji->s", vinv, big_m)))
    f += n_w * (2.0 * float(np.log(np.diag(lw)).sum()) + float(np.sum(swinv * cd.s_pw)))
    if not gradient:
        return f
    g = vinv - vinv @ big_m @ vinv
    g_b = np.einsum("s,sij->ij", c_s, g)
    g_w = np.einsum("s,sij->ij", c_s / n_s, g[:, mm.nz:, mm.nz:]) + n_w * (swinv - swinv @ cd.s_pw @ swinv)
    g_mu = -2.0 * np.einsum("s,sij,sj->i", c_s, vinv, d)
    return f, Moments2L(sigma_w=g_w, mu_w=g_mu[mm.jw], sigma_b=g_b[np.ix_(mm.jb, mm.jb)], mu_b=g_mu[mm.jb])


def logl_of(cd: ClusterData, f: float) -> float:
    """The log-likelihood lavaan reports from ``-2 logL`` without the constant: with the 2 pi
    constant, conditional on the fixed covariates (minus their own log-likelihood)."""
    mm = cd.maps
    const = (cd.nobs * mm.ny + cd.nclusters * mm.nz) * math.log(2 * math.pi)
    return -0.5 * (f + const) - cd.loglik_x


class H1(NamedTuple):
    moments: Moments2L
    logl: float
    iterations: int
    converged: bool


def _em_step(cd: ClusterData, mm: _Maps, st: dict) -> dict:
    """One E and M step of lavaan's ``lav_mvnorm_cluster_em_estepb`` (per cluster size)."""
    nz = mm.nz
    sw, sb, syz, szz, muz, muw, mub = (st[k] for k in ("sw", "sb", "syz", "szz", "muz", "muw", "mub"))
    sigma1 = np.hstack([syz, sb])
    mu = np.concatenate([muz, muw + mub])
    z_idx = [cd.names.index(v) for v in cd.z_names]
    y_idx = [cd.names.index(v) for v in cd.within]
    ny = len(y_idx)
    cw2, cb, zy = np.zeros((ny, ny)), np.zeros((ny, ny)), np.zeros((nz, ny))
    mw, mb = np.zeros(ny), np.zeros(ny)
    for nj, cnt in zip(cd.size_values, cd.size_counts):
        rows = cd.y2[cd.sizes == nj]
        ybar, zz = rows[:, y_idx], rows[:, z_idx]
        omega = np.block([[szz, syz.T], [syz, (sw + nj * sb) / nj]])
        s1j = sigma1 @ np.linalg.inv(omega)
        ev = (np.hstack([zz, ybar]) - mu) @ s1j.T + mub
        covv = cnt * (sb - s1j @ sigma1.T)
        evv = 0.5 * (covv + covv.T) + ev.T @ ev
        mw += nj * (ybar - ev).sum(axis=0)
        mb += ev.sum(axis=0)
        cw2 += nj * (evv - ybar.T @ ev - ev.T @ ybar)
        cb += evv
        zy += zz.T @ ev
    n, c = cd.nobs, cd.nclusters
    m_w, m_b = mw / n, mb / c
    return {"sw": (cd.y1y1 + cw2) / n - np.outer(m_w, m_w), "sb": cb / c - np.outer(m_b, m_b),
            "syz": (zy / c - np.outer(muz, m_b)).T, "szz": szz, "muz": muz, "muw": m_w, "mub": m_b}


def _em_implied(cd: ClusterData, mm: _Maps, st: dict) -> Moments2L:
    """lavaan's ``lav_mvnorm_cluster_2l2implied``: the blocks' moments of the EM state."""
    q = mm.nz + mm.ny
    full = np.zeros((q, q))
    full[mm.nz:, mm.nz:] = st["sb"]
    full[mm.nz:, :mm.nz] = st["syz"]
    full[:mm.nz, mm.nz:] = st["syz"].T
    full[:mm.nz, :mm.nz] = st["szz"]
    mu_b = np.concatenate([st["muz"], st["mub"]])
    within_only = [mm.nz + i for i, v in enumerate(cd.within) if v not in cd.between]
    mu_b[within_only] = 0.0
    return Moments2L(sigma_w=st["sw"], mu_w=st["muw"], sigma_b=full[np.ix_(mm.jb, mm.jb)], mu_b=mu_b[mm.jb])


def em_h1(cd: ClusterData, *, tol: float = 1e-4, max_iter: int = 5000, min_variance: float = 1e-5) -> H1:
    """The unrestricted two-level model by lavaan's EM algorithm (``lav_mvnorm_cluster_em_sat``
    as lavaan's h1 calls it: identity start, the between-only variables' moments fixed at their
    cluster-level sample values, stop when the log-likelihood rises by less than ``tol``)."""
    mm = _maps(cd)
    ny, nz = mm.ny, mm.nz
    b_pos = {v: i for i, v in enumerate(cd.between)}
    sb0 = np.diag([1.0 if v in b_pos else 0.0 for v in cd.within])
    z = cd.y2[:, [cd.names.index(v) for v in cd.z_names]]
    st = {"sw": np.eye(ny), "sb": sb0, "syz": np.zeros((ny, nz)), "muw": np.zeros(ny), "mub": np.zeros(ny),
          "muz": z.mean(axis=0), "szz": np.cov(z, rowvar=False, bias=True).reshape(nz, nz)}
    start = Moments2L(np.eye(ny), np.zeros(ny), np.eye(len(cd.between)), np.zeros(len(cd.between)))
    fx_old = logl_of(cd, loglik(cd, start))
    implied, fx, it, converged = start, fx_old, 0, False
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        st = _em_step(cd, mm, st)
        implied = _em_implied(cd, mm, st)
        small = np.flatnonzero(np.diag(implied.sigma_w) < min_variance)
        if len(small):
            for mat in (implied.sigma_w, st["sw"]):
                mat[small, :] = 0.0
                mat[:, small] = 0.0
                mat[small, small] = min_variance
        fx = logl_of(cd, loglik(cd, implied))
        if fx - fx_old < tol:
            converged = True
            break
        fx_old = fx
    return H1(moments=implied, logl=fx, iterations=it, converged=converged)


def icc(cd: ClusterData, h1: Moments2L) -> pd.Series:
    """The intraclass correlation of every level-1 variable from the unrestricted model
    (lavaan's ``lavInspect(fit, "icc")``): between / (within + between) variance; 0 for
    within-only variables."""
    out = {}
    for i, v in enumerate(cd.within):
        if v in cd.between:
            b = h1.sigma_b[cd.between.index(v), cd.between.index(v)]
            out[v] = float(b / (h1.sigma_w[i, i] + b))
        else:
            out[v] = 0.0
    return pd.Series(out, name="icc", dtype=float)


def cluster_scores(cd: ClusterData, m: Moments2L) -> Moments2L:
    """Each cluster's derivatives of its ``-2 logL`` term with respect to the moments (stacked
    over clusters: (C, p1, p1), (C, p1), (C, p2, p2), (C, p2)); they sum to :func:`loglik`'s
    gradient except for the within means of split variables, which get none (as in lavaan).
    lavaan's ``lav_mvnorm_cluster_scores_2l`` (times -2), for sandwich standard errors and the
    Yuan-Bentler test: the clusters are the independent units."""
    mm = cd.maps
    v, mu = _joint(cd, mm, m)
    vinv = np.linalg.inv(v)[np.searchsorted(cd.size_values, cd.sizes)]
    z = [cd.names.index(x) for x in cd.z_names]
    y = [cd.names.index(x) for x in cd.within]
    d = cd.y2[:, z + y] - mu
    vd = np.einsum("cij,cj->ci", vinv, d)
    g = vinv - vd[:, :, None] * vd[:, None, :]
    swinv = np.linalg.inv(m.sigma_w)
    n = cd.sizes.astype(float)
    g_w = g[:, mm.nz:, mm.nz:] / n[:, None, None] + (n - 1.0)[:, None, None] * swinv - swinv @ cd.scatter @ swinv
    g_mu = -2.0 * vd
    # lavaan's scores give a split variable's within mean no score (its mean is a level-2 parameter; the
    # within mean it gets from a within covariate's mean is left out of the sandwich's meat): the same here
    split = np.array([v in cd.between for v in cd.within])
    g_mu_w = np.where(split, 0.0, g_mu[:, mm.jw])
    return Moments2L(sigma_w=g_w, mu_w=g_mu_w, sigma_b=g[:, mm.jb][:, :, mm.jb], mu_b=g_mu[:, mm.jb])


def _vech_gradient(g: np.ndarray) -> np.ndarray:
    """A symmetric-matrix derivative (..., p, p) as the derivative by vech: off-diagonal twice."""
    p = g.shape[-1]
    r, c = np.tril_indices(p)
    return g[..., c, r] * np.where(r == c, 1.0, 2.0)


def _h1_vector(m: Moments2L) -> np.ndarray:
    r1, c1 = np.tril_indices(len(m.mu_w))
    r2, c2 = np.tril_indices(len(m.mu_b))
    return np.concatenate([m.mu_w, m.sigma_w[c1, r1], m.mu_b, m.sigma_b[c2, r2]])


def _h1_moments(x: np.ndarray, p1: int, p2: int) -> Moments2L:
    out, o = [], 0
    for p in (p1, p2):
        mu = x[o:o + p]
        o += p
        r, c = np.tril_indices(p)
        s = np.zeros((p, p))
        s[c, r] = s[r, c] = x[o:o + len(r)]
        o += len(r)
        out += [s, mu]
    return Moments2L(out[0], out[1], out[2], out[3])


def h1_trace(cd: ClusterData, m: Moments2L, fixed_x: tuple[str, ...]) -> tuple[float, int]:
    """``tr(B1 A1^-1)`` of the unrestricted two-level model at the moments ``m`` and the number of
    its statistics (lavaan's ``lav_test_yuan_bentler_mplus_trace`` with the h1 information of
    ``lav_mvnorm_cluster_information_observed``/``_firstorder``): A1 the observed information by
    central differences of the analytic gradient in (Mu.W, vech Sigma.W, Mu.B, vech Sigma.B)
    with a split variable's within mean held (it is not a parameter), B1 the crossproduct of the
    clusters' scores; the fixed covariates' moments and the held means are left out."""
    p1, p2 = len(cd.within), len(cd.between)
    x0 = _h1_vector(m)
    split = np.array([v in cd.between for v in cd.within])

    def grad(x: np.ndarray) -> np.ndarray:
        mo = _h1_moments(x, p1, p2)
        mo = mo._replace(mu_w=np.where(split, m.mu_w, mo.mu_w))
        g = loglik(cd, mo, gradient=True)[1]
        return np.concatenate([g.mu_w, _vech_gradient(g.sigma_w), g.mu_b, _vech_gradient(g.sigma_b)])

    k = len(x0)
    a1 = 0.5 * numerical_hessian(grad, x0)  # the information: -d2 logL = 1/2 d2 (-2 logL)
    sc = cluster_scores(cd, m)
    s1 = -0.5 * np.concatenate([sc.mu_w, _vech_gradient(sc.sigma_w), sc.mu_b, _vech_gradient(sc.sigma_b)], axis=1)
    drop = np.zeros(k, dtype=bool)
    o = 0
    for names, p in ((cd.within, p1), (cd.between, p2)):
        xs = np.array([v in fixed_x for v in names])
        r, c = np.tril_indices(p)
        drop[o:o + p] |= xs
        drop[o + p:o + p + len(r)] |= xs[r] & xs[c]
        o += p + len(r)
    drop[:p1] |= split
    keep = np.flatnonzero(~drop)
    a1 = a1[np.ix_(keep, keep)]
    b1 = s1[:, keep].T @ s1[:, keep]
    return float(np.sum(b1 * np.linalg.inv(a1).T)), len(keep)
