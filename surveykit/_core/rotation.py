"""Factor rotations as R computes them (numpy only).

Why not statsmodels' ``factor_rotation``?  Its gradient-projection routine (GPA) is a port of
the same Bernaards-Jennrich algorithm as GPArotation, and for quartimin it gives the same
answer (``tests/psychometrics/test_rotation.py`` checks this), but psych parity needs more than
it offers: it has no geomin criterion; its varimax is GPA run to a gradient tolerance, whereas
psych calls ``stats::varimax`` (Kaiser's SVD iteration with its own relative stopping rule,
whose early stop is visible at the 1e-4 level); and its ``promax`` uses power 2 and its own
varimax, whereas psych uses power 4 on a Kaiser-normalized varimax.  So the few lines of each R
routine are reproduced here, step for step, with the same starting values and stopping rules,
so that the rotation reaches the same local optimum as R:

* :func:`gpa_oblique` / :func:`gpa_orthogonal`: GPArotation 2022.10-2 ``GPFoblq`` / ``GPForth``
  (``eps = 1e-5``, ``maxit = 1000``, identity start);
* :func:`vgq_oblimin` (``oblimin``, gamma = 0 is quartimin) and :func:`vgq_geomin`
  (``geominQ``/``geominT``, delta = 0.01): criterion value and gradient;
* :func:`varimax`: ``stats::varimax`` (``normalize = TRUE``, ``eps = 1e-5``);
* :func:`promax`: ``psych::Promax`` (= ``stats::promax``; power ``m = 4``);
* :func:`kaiser`: ``psych::kaiser`` (rows divided by the root communality before rotating).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = [
    "Rotation",
    "gpa_oblique",
    "gpa_orthogonal",
    "vgq_oblimin",
    "vgq_geomin",
    "varimax",
    "promax",
    "kaiser",
]

VgQ = Callable[[np.ndarray], tuple[float, np.ndarray]]


class Rotation(NamedTuple):
    """A rotated pattern: ``loadings`` (p x m), factor correlations ``phi`` (identity when
    orthogonal), the transformation ``rotmat`` (``loadings = A @ rotmat``) and whether the
    iteration met its criterion."""

    loadings: np.ndarray
    phi: np.ndarray
    rotmat: np.ndarray
    converged: bool


def vgq_oblimin(L: np.ndarray, gam: float = 0.0) -> tuple[float, np.ndarray]:
    """Oblimin criterion ``f = sum(L^2 * X)/4`` with ``X = L^2 (1 1' - I)`` (GPArotation ``vgQ.oblimin``)."""
    p, m = L.shape
    X = (L**2) @ (1.0 - np.eye(m))
    if gam != 0:
        X = (np.eye(p) - gam / p) @ X
    return float(np.sum(L**2 * X) / 4.0), L * X


def vgq_geomin(L: np.ndarray, delta: float = 0.01) -> tuple[float, np.ndarray]:
    """Geomin criterion ``f = sum_i prod_j (l_ij^2 + delta)^(1/m)`` (GPArotation ``vgQ.geomin``)."""
    m = L.shape[1]
    L2 = L**2 + delta
    pro = np.exp(np.log(L2).sum(axis=1) / m)
    return float(pro.sum()), (2.0 / m) * (L / L2) * pro[:, None]


def _weights(A: np.ndarray, normalize: bool) -> np.ndarray:
    return np.sqrt((A**2).sum(axis=1))[:, None] if normalize else np.ones((A.shape[0], 1))


def gpa_oblique(A: np.ndarray, vgq: VgQ, *, T: np.ndarray | None = None, normalize: bool = False,
                eps: float = 1e-5, maxit: int = 1000) -> Rotation:
    """Oblique gradient projection (GPArotation ``GPFoblq``): ``L = A (T')^-1``, ``Phi = T'T``."""
    W = _weights(A, normalize)
    A = A / W
    T = np.eye(A.shape[1]) if T is None else T.copy()
    al = 1.0
    L = A @ np.linalg.inv(T).T
    f, Gq = vgq(L)
    G = -(L.T @ Gq @ np.linalg.inv(T)).T
    s = np.inf
    for _ in range(maxit + 1):
        Gp = G - T @ np.diag(np.sum(T * G, axis=0))
        s = float(np.sqrt(np.sum(Gp**2)))
        if s < eps:
            break
        al *= 2.0
        for _ in range(11):
            X = T - al * Gp
            Tt = X / np.sqrt(np.sum(X**2, axis=0))
            Tti = np.linalg.inv(Tt)
            L = A @ Tti.T
            ft, Gqt = vgq(L)
            if f - ft > 0.5 * s**2 * al:
                break
            al /= 2.0
        T, f = Tt, ft
        G = -(L.T @ Gqt @ Tti).T
    L = A @ np.linalg.inv(T).T
    return Rotation(L * W, T.T @ T, np.linalg.inv(T).T, s < eps)


def gpa_orthogonal(A: np.ndarray, vgq: VgQ, *, T: np.ndarray | None = None, normalize: bool = False,
                   eps: float = 1e-5, maxit: int = 1000) -> Rotation:
    """Orthogonal gradient projection (GPArotation ``GPForth``): ``L = A T``, ``T'T = I``."""
    W = _weights(A, normalize)
    A = A / W
    T = np.eye(A.shape[1]) if T is None else T.copy()
    al = 1.0
    L = A @ T
    f, Gq = vgq(L)
    G = A.T @ Gq
    s = np.inf
    for _ in range(maxit + 1):
        M = T.T @ G
        Gp = G - T @ ((M + M.T) / 2.0)
        s = float(np.sqrt(np.sum(Gp**2)))
        if s < eps:
            break
        al *= 2.0
        for _ in range(11):
            u, _d, vt = np.linalg.svd(T - al * Gp)
            Tt = u @ vt
            L = A @ Tt
            ft, Gqt = vgq(L)
            if ft < f - 0.5 * s**2 * al:
                break
            al /= 2.0
        T, f = Tt, ft
        G = A.T @ Gqt
    return Rotation((A @ T) * W, np.eye(A.shape[1]), T, s < eps)


def varimax(x: np.ndarray, *, normalize: bool = True, eps: float = 1e-5) -> Rotation:
    """``stats::varimax``: Kaiser's varimax by successive SVDs, stopping when the criterion
    grows by less than a relative ``eps`` (R's rule, kept for parity)."""
    nc = x.shape[1]
    if nc < 2:
        return Rotation(x.copy(), np.eye(nc), np.eye(nc), True)
    sc = np.sqrt((x**2).sum(axis=1))[:, None] if normalize else np.ones((x.shape[0], 1))
    x = x / sc
    p = x.shape[0]
    TT = np.eye(nc)
    d = 0.0
    converged = False
    for _ in range(1000):
        z = x @ TT
        B = x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p)
        u, sv, vt = np.linalg.svd(B)
        TT = u @ vt
        dpast, d = d, float(sv.sum())
        if d < dpast * (1 + eps):
            converged = True
            break
    return Rotation((x @ TT) * sc, np.eye(nc), TT, converged)


def promax(x: np.ndarray, *, m: float = 4.0) -> Rotation:
    """``psych::Promax`` (identical to ``stats::promax``): varimax, then the least-squares
    transformation towards the target ``L |L|^(m-1)``, rescaled so that ``diag(Phi) = 1``."""
    nc = x.shape[1]
    if nc < 2:
        return Rotation(x.copy(), np.eye(nc), np.eye(nc), True)
    vm = varimax(x, normalize=True)
    xv = vm.loadings
    Q = xv * np.abs(xv) ** (m - 1)
    U = np.linalg.lstsq(xv, Q, rcond=None)[0]
    d = np.diag(np.linalg.inv(U.T @ U))
    U = U @ np.diag(np.sqrt(d))
    z = xv @ U
    U = vm.rotmat @ U
    ui = np.linalg.inv(U)
    return Rotation(z, ui @ ui.T, U, vm.converged)


def kaiser(f: np.ndarray, rotate: Callable[[np.ndarray], Rotation]) -> Rotation:
    """``psych::kaiser``: rotate the rows divided by ``sqrt(h2)``, then multiply them back."""
    h = np.sqrt((f**2).sum(axis=1))[:, None]
    rot = rotate(f / h)
    return Rotation(rot.loadings * h, rot.phi, rot.rotmat, rot.converged)
