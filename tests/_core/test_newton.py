"""Newton polish: optima fixed to round-off, whatever rounding noise did on the way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from surveykit._core import factor as fac
from surveykit._core import reliability as rel
from surveykit._core.newton import polish

from ..conftest import REF

BFI_ITEMS = [f"{t}{i}" for t in "ACENO" for i in range(1, 6)]


def _rosenbrock_grad(x: np.ndarray) -> np.ndarray:
    return optimize.rosen_der(x)


def test_polish_reaches_the_root_of_the_gradient():
    start = np.array([1.0, 1.0, 1.0]) + np.array([3e-6, -2e-6, 5e-6])
    x = polish(_rosenbrock_grad, start)
    np.testing.assert_allclose(x, [1.0, 1.0, 1.0], rtol=0, atol=1e-14)


def test_polish_keeps_coordinates_at_a_bound():
    # minimum of (x0 - 2)^2 + (x1 - 0.5)^2 on x0 <= 1: x0 at its bound, x1 free
    def grad(x):
        return np.array([2 * (x[0] - 2.0), 2 * (x[1] - 0.5)])

    x = polish(grad, np.array([1.0, 0.5 + 1e-7]), upper=1.0)
    assert x[0] == 1.0
    assert x[1] == pytest.approx(0.5, abs=1e-15)


def test_polish_leaves_a_point_with_a_singular_hessian():
    def grad(x):  # flat in the second coordinate: the Hessian is singular
        return np.array([2 * (x[0] - 1.0), 0.0])

    start = np.array([1.0 + 1e-8, 3.0])
    np.testing.assert_array_equal(polish(grad, start), start)


@pytest.fixture(scope="module")
def bfi_r() -> tuple[np.ndarray, np.ndarray]:
    """The bfi correlation matrix and a copy perturbed in its last bit, as another BLAS kernel
    perturbs the arithmetic on the way to it."""
    r = pd.read_csv(REF / "data" / "bfi.csv")[BFI_ITEMS].dropna().corr().to_numpy()
    sign = np.random.default_rng(3).choice([-1.0, 1.0], size=r.shape)
    e = np.triu(sign * np.finfo(float).eps * np.abs(r), 1)
    return r, r + e + e.T


@pytest.mark.parametrize("method", ["ml", "minres"])
def test_factor_extraction_moves_only_at_round_off(bfi_r, method):
    """Before the polish, L-BFGS-B's stop moved ML loadings by 1e-10 for this perturbation."""
    r, r2 = bfi_r
    a, b = fac.extract(r, 5, method), fac.extract(r2, 5, method)
    assert a.converged and b.converged
    np.testing.assert_allclose(a.loadings, b.loadings, rtol=0, atol=1e-13)


def test_one_factor_minres_moves_only_at_round_off(bfi_r):
    r, r2 = bfi_r
    for block in (slice(0, 5), slice(5, 10), slice(10, 15)):
        a = rel.minres_one_factor(r[block, block])
        b = rel.minres_one_factor(r2[block, block])
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)
