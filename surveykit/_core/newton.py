"""Newton polish of an optimum: its last digits fixed by the gradient, not by the path.

Quasi-Newton and trust-region optimizers (L-BFGS-B, ``least_squares``) stop on rules that
compare function values, and near an optimum a function value resolves the point only to about
the square root of machine epsilon (``f(x* + d) - f(x*)`` is ``O(d^2)``).  Where such a rule
stops is then decided by rounding noise: the last bits of every BLAS call on the way, which
differ between CPU kernels (OpenBLAS picks Haswell, SkylakeX, ... at run time) and thread
counts.  Measured on the demo analysis: EFA loadings and communalities moved by up to 3e-9,
psych-style omega loadings by 2e-10 between two kernels of the same OpenBLAS.

:func:`polish` takes the optimizer's answer and makes Newton steps on the exact gradient, with
a Hessian differenced from that gradient once at the start (the chord method: its fixed point
is where the gradient vanishes, whatever the Hessian's own rounding).  It stops when a step no
longer decreases the gradient, which happens at round-off: the point is then the optimum to
rounding error times the problem's condition, on every machine.  Coordinates at a bound of the
box (a Heywood case) stay where the optimizer put them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from scipy import linalg, optimize

__all__ = ["polish"]


def polish(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray, *, lower: float = -np.inf,
           upper: float = np.inf, max_iter: int = 20) -> np.ndarray:
    """Newton steps from ``x`` towards ``grad(x) = 0`` over the coordinates strictly inside
    ``[lower, upper]``; returns the last point whose gradient was smaller than the one before.

    ``x`` should already be close to the optimum (an optimizer's answer): the Hessian is the
    forward difference of ``grad`` at ``x`` (step ``sqrt(eps)`` scaled by ``|x|``), symmetrized.
    A step that leaves the box, a Hessian that cannot be solved, or a gradient that stops
    decreasing ends the polish.
    """
    x = np.array(x, dtype=float)
    span = np.maximum(1.0, np.abs(x)) * 1e-12
    free = np.flatnonzero((x > lower + span) & (x < upper - span))
    if free.size == 0:
        return x

    def g_free(z: np.ndarray) -> np.ndarray:
        full = x.copy()
        full[free] = z
        return np.asarray(grad(full), dtype=float)[free]

    z = x[free]
    g = g_free(z)
    h = optimize.approx_fprime(z, g_free, np.sqrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(z)))
    h = np.atleast_2d(h)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", linalg.LinAlgWarning)  # an exactly singular Hessian
            lu = linalg.lu_factor((h + h.T) / 2.0, check_finite=True)
    except (ValueError, linalg.LinAlgError, linalg.LinAlgWarning):
        return x
    size = float(np.max(np.abs(g)))
    for _ in range(max_iter):
        new = z - linalg.lu_solve(lu, g)
        if not np.all(np.isfinite(new)) or np.any(new <= lower) or np.any(new >= upper):
            break
        g_new = g_free(new)
        size_new = float(np.max(np.abs(g_new)))
        if not size_new < size:
            break
        z, g, size = new, g_new, size_new
    x[free] = z
    return x
