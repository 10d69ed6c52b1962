"""Exploratory factor analysis of a correlation matrix, as psych 2.2.9 ``fa()`` / ``principal()``
compute it (numpy/scipy only).

Why not ``statsmodels.multivariate.factor.Factor``?  It offers principal-axis ("pa") and ML
extraction but no minres (psych's default), its principal-axis iteration stops on a different
rule than psych's (``|sum(h2_new) - sum(h2_old)| < 0.001``, at most 50 iterations: the early stop
is visible at the 1e-3 level), and it neither orders nor signs factors as psych does.  The
extraction steps below are psych's, written out:

* ``minres`` (= ULS): minimize ``0.5 * sum_{i>m} lambda_i(R - Psi)^2`` over the uniquenesses
  ``Psi`` (L-BFGS-B on [0.005, 1], start ``1 - smc``, then Newton steps on the exact gradient,
  :mod:`surveykit._core.newton`, so that the answer is the optimum to round-off on every CPU
  rather than wherever rounding noise made L-BFGS-B stop); loadings are the first ``m`` eigenvectors
  of ``R - Psi`` times the root eigenvalues (psych ``fit.residuals`` / ``FAgr.minres`` /
  ``FAout.wls``).  psych's gradient ``diag(LL' + Psi - R)`` is the exact gradient of this
  objective, so both stop at the same point;
* ``ml``: minimize ``-sum_{i>m}(log e_i - e_i) - m + p`` with ``e`` the eigenvalues of
  ``Psi^-1/2 R Psi^-1/2`` (psych ``FAfn``/``FAgr``/``FAout``), same bounds and start;
* ``pa``: principal axes iterated from squared multiple correlations until the summed
  communality changes by less than 0.001 (at most 50 iterations), exactly psych's loop;
* ``principal``: principal components (``principal()``).

Then the rotation (:mod:`surveykit._core.rotation`), psych's signs (each factor's loadings sum
to a positive number) and order (by the variance each rotated factor accounts for,
``diag(Phi L'L)``), and :func:`fa_stats` (psych ``factor.stats``: the ML objective of the
model-implied correlation matrix, Bartlett-corrected chi-square, RMSEA with its 90% interval,
Tucker-Lewis index, BIC).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from surveykit._core import rotation as rot
from surveykit._core.newton import polish

__all__ = [
    "smc",
    "cor_smooth",
    "is_positive_definite",
    "FactorSolution",
    "extract",
    "rotate_psych",
    "fa",
    "fa_stats",
    "fa_values",
]

_EPS = np.finfo(float).eps


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 - 1/diag(R^+)`` (pseudo-inverse), clipped to [0, 1] (psych ``smc``)."""
    s = 1.0 - 1.0 / np.diag(np.linalg.pinv(r, rcond=math.sqrt(_EPS), hermitian=True))
    return np.clip(s, 0.0, 1.0)


def is_positive_definite(r: np.ndarray) -> bool:
    return bool(np.linalg.eigvalsh(r).min() >= _EPS)


def cor_smooth(r: np.ndarray, eig_tol: float = 1e-12) -> tuple[np.ndarray, bool]:
    """psych ``cor.smooth``: if an eigenvalue is below machine epsilon, raise eigenvalues below
    ``eig_tol`` to ``100 * eig_tol``, rescale them to sum to p and return to a correlation matrix.
    Returns ``(matrix, smoothed)``."""
    w, v = np.linalg.eigh(r)
    if w.min() >= _EPS:
        return r, False
    w = np.where(w < eig_tol, 100 * eig_tol, w)
    w = w * r.shape[0] / w.sum()
    x = (v * w) @ v.T
    d = np.sqrt(np.diag(x))
    return x / np.outer(d, d), True


def _eig_desc(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w, v = np.linalg.eigh(s)
    return w[::-1], v[:, ::-1]


# -- extraction ----------------------------------------------------------------------------
def _uls_loadings(psi: np.ndarray, r: np.ndarray, m: int) -> np.ndarray:
    w, v = _eig_desc(r - np.diag(psi))
    return v[:, :m] * np.sqrt(np.maximum(w[:m], 0.0))


def _uls_fn(psi: np.ndarray, r: np.ndarray, m: int) -> tuple[float, np.ndarray]:
    w, v = _eig_desc(r - np.diag(psi))
    lam = v[:, :m] * np.sqrt(np.maximum(w[:m], 0.0))
    resid = r - np.diag(psi) - lam @ lam.T
    return 0.5 * float(np.sum(resid**2)), -np.diag(resid).copy()


def _ml_loadings(psi: np.ndarray, r: np.ndarray, m: int) -> np.ndarray:
    sc = 1.0 / np.sqrt(psi)
    w, v = _eig_desc(r * np.outer(sc, sc))
    return np.sqrt(psi)[:, None] * v[:, :m] * np.sqrt(np.maximum(w[:m] - 1.0, 0.0))


def _ml_fn(psi: np.ndarray, r: np.ndarray, m: int) -> tuple[float, np.ndarray]:
    sc = 1.0 / np.sqrt(psi)
    w, v = _eig_desc(r * np.outer(sc, sc))
    e = w[m:]
    f = -(np.sum(np.log(e) - e) - m + r.shape[0])
    lam = np.sqrt(psi)[:, None] * v[:, :m] * np.sqrt(np.maximum(w[:m] - 1.0, 0.0))
    g = np.diag(lam @ lam.T) + psi - np.diag(r)
    return float(f), g / psi**2


def _optimize_psi(fn, r: np.ndarray, m: int) -> tuple[np.ndarray, bool]:
    s = smc(r)
    start = np.diag(r) - s
    upper = max(float(s.max()), 1.0)
    # psych: optim(method = "L-BFGS-B", lower = 0.005, upper = max(smc, 1)); here run to a tighter
    # tolerance than R's default factr = 1e7 and then polished, so that the answer is the optimum itself
    res = optimize.minimize(fn, np.clip(start, 0.005, upper), args=(r, m), jac=True, method="L-BFGS-B",
                            bounds=[(0.005, upper)] * len(start),
                            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10000, "maxcor": 20})
    # L-BFGS-B may stop with "ABNORMAL" when no further decrease is representable; what matters is
    # the projected gradient (zero components pointing out of the box at an active bound)
    x, g = res.x, np.asarray(res.jac, float)
    # L-BFGS-B stops where function values stop resolving the point (about sqrt(eps)), a place
    # that rounding noise decides; Newton steps on the exact gradient fix it to round-off
    x = polish(lambda psi: fn(psi, r, m)[1], x, lower=0.005, upper=upper)
    g = fn(x, r, m)[1]
    pg = np.where(((x <= 0.005 + 1e-12) & (g > 0)) | ((x >= upper - 1e-12) & (g < 0)), 0.0, g)
    return x, bool(res.success or np.max(np.abs(pg)) < 1e-6)


@dataclass(frozen=True)
class FactorSolution:
    """Unrotated extraction: loadings (p x m), the psych-style communality estimate
    (``1 - Psi`` for minres/ml, the last iterate for pa), eigenvalues of the reduced matrix
    (``values``) and of ``R`` (``e_values``), convergence, iterations."""

    loadings: np.ndarray
    values: np.ndarray
    e_values: np.ndarray
    converged: bool
    heywood: bool
    iterations: int


def extract(r: np.ndarray, m: int, method: str) -> FactorSolution:
    """Unrotated loadings of ``m`` factors of the correlation matrix ``r`` (psych conventions)."""
    p = r.shape[0]
    e_values = _eig_desc(r)[0]
    converged, heywood, iterations = True, False, 0
    if method == "principal":
        w, v = _eig_desc(r)
        loadings = v[:, :m] * np.sqrt(np.maximum(w[:m], _EPS))
        values = w
    elif method == "pa":
        rm = r.copy()
        np.fill_diagonal(rm, smc(r) if m <= p else 1.0)
        comm = float(np.trace(rm))
        err = comm
        while err > 0.001:
            w, v = _eig_desc(rm)
            loadings = v[:, :m] * np.sqrt(np.maximum(w[:m], 0.0))
            new = np.sum(loadings**2, axis=1)
            comm1 = float(new.sum())
            np.fill_diagonal(rm, new)
            err = abs(comm - comm1)
            comm = comm1
            iterations += 1
            if iterations >= 50:
                converged = err <= 0.001
                break
        values = w
        heywood = bool(np.any(np.sum(loadings**2, axis=1) > 1.0))
    elif method in ("minres", "ml"):
        fn, out = (_uls_fn, _uls_loadings) if method == "minres" else (_ml_fn, _ml_loadings)
        psi, converged = _optimize_psi(fn, r, m)
        loadings = out(psi, r, m)
        s = r.copy()
        np.fill_diagonal(s, np.sum(loadings**2, axis=1))
        values = _eig_desc(s)[0]
        heywood = bool(np.any(psi <= 0.005 + 1e-8))
    else:  # pragma: no cover - validated by the caller
        raise ValueError(method)
    # psych: make each factor's loadings sum to a positive number
    sign = np.sign(loadings.sum(axis=0))
    sign[sign == 0] = 1.0
    loadings = loadings * sign
    loadings[loadings == 0] = 1e-15
    return FactorSolution(loadings, values, e_values, converged, heywood, iterations)


# -- rotation with psych's defaults ---------------------------------------------------------
def rotate_psych(loadings: np.ndarray, rotation: str | None, *, method: str,
                 kaiser_normalize: bool | None = None) -> rot.Rotation:
    """Rotate as psych ``fa()`` (or ``principal()`` when ``method == "principal"``) does.

    ``kaiser_normalize=None`` keeps psych's choice for each rotation: varimax normalizes rows
    (``stats::varimax``), oblimin and geomin do not (GPArotation's default), promax normalizes
    in ``fa()`` (``kaiser(., "Promax")``) but not in ``principal()`` (``stats::promax``).
    """
    m = loadings.shape[1]
    if rotation is None or m < 2:
        return rot.Rotation(loadings.copy(), np.eye(m), np.eye(m), True)
    if rotation == "varimax":
        return rot.varimax(loadings, normalize=True if kaiser_normalize is None else kaiser_normalize)
    if rotation == "promax":
        norm = (method != "principal") if kaiser_normalize is None else kaiser_normalize
        return rot.kaiser(loadings, rot.promax) if norm else rot.promax(loadings)
    if rotation == "oblimin":
        return rot.gpa_oblique(loadings, rot.vgq_oblimin, normalize=bool(kaiser_normalize))
    if rotation == "geomin":
        return rot.gpa_oblique(loadings, rot.vgq_geomin, normalize=bool(kaiser_normalize))
    raise ValueError(rotation)  # pragma: no cover - validated by the caller


@dataclass(frozen=True)
class FA:
    """A psych-ordered, psych-signed solution; ``order`` maps final columns to extraction columns."""

    loadings: np.ndarray
    phi: np.ndarray
    structure: np.ndarray
    communality: np.ndarray
    uniqueness: np.ndarray
    order: np.ndarray
    extraction: FactorSolution
    rotation_converged: bool
    oblique: bool


def fa(r: np.ndarray, m: int, *, method: str = "minres", rotation: str | None = "oblimin",
       kaiser_normalize: bool | None = None) -> FA:
    """psych ``fa(r, m, fm = method, rotate = rotation)`` (or ``principal``) on a correlation matrix."""
    ext = extract(r, m, method)
    L0 = ext.loadings
    comm = np.sum(L0**2, axis=1)
    rt = rotate_psych(L0, rotation, method=method, kaiser_normalize=kaiser_normalize)
    L, phi = rt.loadings, rt.phi
    oblique = rotation in ("oblimin", "geomin", "promax") and m > 1
    order = np.arange(m)
    if method == "principal":
        # principal(): order by the column sums of squares, then sign
        if m > 1:
            order = np.argsort(-np.sum(L**2, axis=0), kind="stable")
            L, phi = L[:, order], phi[np.ix_(order, order)]
        sign = np.sign(L.sum(axis=0))
        sign[sign == 0] = 1.0
        L, phi = L * sign, phi * np.outer(sign, sign)
    else:
        # fa(): sign, then order by the variance accounted for, diag(Phi L'L)
        sign = np.sign(L.sum(axis=0))
        sign[sign == 0] = 1.0
        L, phi = L * sign, phi * np.outer(sign, sign)
        if m > 1:
            ev = np.diag(phi @ L.T @ L) if oblique else np.sum(L**2, axis=0)
            order = np.argsort(-ev, kind="stable")
            L, phi = L[:, order], phi[np.ix_(order, order)]
    if not oblique:
        phi = np.eye(m)
    return FA(L, phi, L @ phi, comm, np.diag(r) - comm, order, ext, rt.converged, oblique)


def variance_accounted(loadings: np.ndarray, phi: np.ndarray, total: float) -> np.ndarray:
    """psych ``Vaccounted`` rows: SS loadings, proportion var, cumulative var, proportion
    explained, cumulative proportion (shape 5 x m)."""
    vx = np.diag(phi @ loadings.T @ loadings)
    return np.vstack([vx, vx / total, np.cumsum(vx / total), vx / vx.sum(), np.cumsum(vx / vx.sum())])


# -- fit statistics -------------------------------------------------------------------------
def _logdet(a: np.ndarray) -> float:
    sign, ld = np.linalg.slogdet(a)
    return ld if sign > 0 else -np.inf


def fa_stats(r: np.ndarray, loadings: np.ndarray, phi: np.ndarray | None, n_obs: float,
             alpha: float = 0.1) -> dict[str, float]:
    """psych ``factor.stats``: objective, chi-square, dof, p, RMSEA (with ``1 - alpha`` interval),
    TLI, BIC of an m-factor model of the correlation matrix ``r`` with ``n_obs`` respondents.

    ``F = tr(M^-1 R) - log det(M^-1 R) - p`` with ``M = L Phi L'`` (unit diagonal);
    ``chisq = F ((n - 1) - (2p + 5)/6 - 2m/3)``; ``dof = p(p-1)/2 - pm + m(m-1)/2``;
    ``RMSEA = sqrt(max(chisq/(dof n) - 1/(n - 1), 0))``;
    ``TLI = (M0 - Mm)/(M0 - 1/nm)`` with ``M0 = F0 2/(p(p-1))``, ``Mm = F/dof``.
    """
    p, m = loadings.shape
    phi = np.eye(m) if phi is None else phi
    model = loadings @ phi @ loadings.T
    np.fill_diagonal(model, np.diag(r))
    model, _ = cor_smooth(model)
    rs, _ = cor_smooth(r)
    mir = np.linalg.solve(model, rs)
    objective = float(np.trace(mir) - _logdet(mir) - p)
    dof = p * (p - 1) / 2 - p * m + m * (m - 1) / 2
    nm = (n_obs - 1) - (2 * p + 5) / 6 - (2 * m) / 3
    chisq = max(objective * nm, 0.0)
    pvalue = float(stats.chi2.sf(chisq, dof)) if dof > 0 else math.nan
    f0 = float(np.trace(rs) - _logdet(rs) - p)
    mm = objective / dof if dof > 0 else math.nan
    m0 = f0 * 2 / (p * (p - 1))
    tli = (m0 - mm) / (m0 - 1 / nm) if dof > 0 else math.nan
    out = {"objective": objective, "chisq": chisq, "dof": dof, "pvalue": pvalue,
           "null_chisq": f0 * ((n_obs - 1) - (2 * p + 5) / 6), "null_dof": p * (p - 1) / 2, "tli": tli,
           "rmsea": math.nan, "rmsea_ci_lower": math.nan, "rmsea_ci_upper": math.nan, "bic": math.nan}
    if dof > 0:
        out["rmsea"] = math.sqrt(max(chisq / (dof * n_obs) - 1 / (n_obs - 1), 0.0))
        tail = alpha / 2
        hi_x = max(n_obs, chisq) + 2 * n_obs

        def root(target: float) -> float:
            return optimize.brentq(lambda x: stats.ncx2.cdf(chisq, dof, x) - target if x > 0
                                   else stats.chi2.cdf(chisq, dof) - target, 0.0, hi_x, xtol=1e-12)

        upper = 0.0
        if stats.chi2.cdf(chisq, dof) > tail:
            upper = math.sqrt(root(tail) / (n_obs - 1) / dof)
        lower = 0.0
        if stats.chi2.cdf(chisq, dof) > 1 - tail:
            lower = math.sqrt(root(1 - tail) / (n_obs - 1) / dof)
        out["rmsea_ci_lower"] = lower if lower <= out["rmsea"] else math.nan
        out["rmsea_ci_upper"] = upper if upper >= out["rmsea"] else math.nan
        out["bic"] = chisq - dof * math.log(n_obs)
    return out


def fa_values(r: np.ndarray, method: str = "minres") -> np.ndarray:
    """Eigenvalues of ``r`` with the communalities of a one-factor solution on the diagonal
    (psych ``fa(r, 1, rotate = "none")$values``; used by parallel analysis)."""
    ext = extract(r, 1, method)
    return ext.values
