"""The least-squares and FIML discrepancies (surveykit/sem/discrepancy.py): analytic gradients
and Gauss-Newton Hessians against numerical differences, away from the optimum."""

from __future__ import annotations

import numpy as np
import pytest

from surveykit.datasets import holzinger_swineford, political_democracy
from surveykit.sem import sem
from surveykit.sem.discrepancy import FIML, LeastSquares, numerical_hessian

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD = """ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5"""


def _numeric_gradient(f, theta, h=1e-6):
    g = np.zeros_like(theta)
    for j in range(len(theta)):
        e = np.zeros_like(theta)
        e[j] = h * max(1.0, abs(theta[j]))
        g[j] = (f(theta + e) - f(theta - e)) / (2 * e[j])
    return g


@pytest.mark.parametrize("estimator", ["GLS", "ULS", "DWLS", "WLS"])
def test_least_squares_gradient_and_hessian(estimator):
    fit = sem(PD, political_democracy(), estimator=estimator)
    est = fit._estimation
    problem = LeastSquares(list(est.models), est.stats)
    theta = est.theta * 1.02
    g, h = problem.pieces(theta)
    assert np.allclose(g, _numeric_gradient(problem.f, theta), rtol=1e-5, atol=1e-8)
    # the Gauss-Newton Hessian is the Hessian of the quadratic model: compare with the numerical
    # Jacobian of the gradient at the optimum, where the residual term vanishes to first order
    h_num = numerical_hessian(lambda t: problem.pieces(t, hessian=False)[0], est.theta)
    h_opt = problem.pieces(est.theta)[1]
    assert np.max(np.abs(h_opt - h_num)) < 0.05 * np.max(np.abs(h_num))
    assert h.shape == (len(theta), len(theta))


def test_fiml_gradient_matches_numerical_differences():
    data = holzinger_swineford().copy()
    rng = np.random.default_rng(5)
    for col in ("x1", "x4", "x8"):
        data.loc[rng.choice(len(data), 40, replace=False), col] = np.nan
    fit = sem(HS, data, missing="fiml")
    est = fit._estimation
    problem = FIML(est.rams, est.stats)
    theta = est.theta + 0.01
    g, _ = problem.pieces(theta, hessian=False)
    assert np.allclose(g, _numeric_gradient(problem.f, theta), rtol=1e-5, atol=1e-8)
