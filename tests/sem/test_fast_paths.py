"""The fast paths of the estimation core (issue 8) compute the same numbers as the plain formulas.

* gradient and expected information from the factored derivatives
  (:meth:`RamModel.entry_derivatives`) against traces over the explicit (n_par, p, p) stack of
  dSigma/dtheta, for equality constraints, mean structures and a non-recursive model;
* ``(I - A)^-1`` by the finite series for recursive models against a general inverse;
* a warm-started refit with the refit tolerance against a full fit of the same data;
* the content-keyed cache of polychoric/WLSMV statistics.

Tolerances: 1e-10 absolute for the algebraic identities (rounding only); 1e-6 for estimates of a
refit (its stopping rule: no parameter moved by more than 1e-7 in the last step).
"""

from __future__ import annotations

import numpy as np
import pytest

from surveykit._core.fit import rmsea_ci, rmsea_pvalue
from surveykit._core.memo import ContentCache, clear_caches, content_key
from surveykit._core.polychoric import POLYCHORIC_CACHE, polychoric_matrix
from surveykit.datasets import holzinger_swineford, political_democracy
from surveykit.sem import sem
from surveykit.sem.categorical import STATS_CACHE as _STATS_CACHE
from surveykit.sem.estimate import group_pieces
from surveykit.sem.kernel import FitKernel
from surveykit.sem.ram import RamModel

HS = "visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nx1 ~~ x4"
PD = """ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"""
# x1 and x2 cause each other: A is not nilpotent
NONRECURSIVE = "y1 ~ y2 + x1\ny2 ~ y1 + x2"


def _plain_pieces(model: RamModel, theta: np.ndarray, cov: np.ndarray, mean: np.ndarray):
    """ML gradient and expected information by traces over the explicit derivative stack."""
    sigma, _, _ = model.implied(theta)
    sinv = np.linalg.inv(sigma)
    d_sigma, d_mu = model.derivatives(theta)
    if model.meanstructure:
        dev = mean - model.implied_means(theta)[: model.n_obs_vars]
        w = sinv - sinv @ (cov + np.outer(dev, dev)) @ sinv
        g = np.einsum("kab,ba->k", d_sigma, w) - 2.0 * d_mu @ (sinv @ dev)
    else:
        w = sinv - sinv @ cov @ sinv
        g = np.einsum("kab,ba->k", d_sigma, w)
    h = np.einsum("ab,kbc,cd,lda->kl", sinv, d_sigma, sinv, d_sigma)
    if model.meanstructure:
        h = h + 2.0 * d_mu @ sinv @ d_mu.T
    return g, h


def _explicit_derivatives(model: RamModel, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """dSigma/dtheta by central differences of the implied covariance matrix."""
    out = []
    for k in range(len(theta)):
        tp, tm = theta.copy(), theta.copy()
        tp[k] += h
        tm[k] -= h
        out.append((model.implied(tp)[0] - model.implied(tm)[0]) / (2 * h))
    return np.array(out)


@pytest.mark.parametrize("case", ["hs", "hs_means", "pd", "nonrecursive"])
def test_factored_gradient_and_information_equal_the_trace_formulas(case):
    rng = np.random.default_rng(3)
    if case.startswith("hs"):
        fit = sem(HS, holzinger_swineford(), meanstructure=case == "hs_means")
    elif case == "pd":
        fit = sem(PD, political_democracy())
    else:
        x = rng.standard_normal((400, 2))
        y2 = 0.5 * x[:, 1] + rng.standard_normal(400)
        y1 = 0.3 * y2 + 0.6 * x[:, 0] + rng.standard_normal(400)
        y2 = y2 + 0.2 * y1
        import pandas as pd

        fit = sem(NONRECURSIVE, pd.DataFrame({"y1": y1, "y2": y2, "x1": x[:, 0], "x2": x[:, 1]}))
    model = RamModel.from_partable(fit.partable)
    theta = np.asarray(fit._theta) + 0.02 * rng.standard_normal(len(fit._theta))  # away from the optimum
    gm = fit._moments.groups[0]
    g, h = group_pieces(model, theta, gm)
    g0, h0 = _plain_pieces(model, theta, gm.cov, gm.mean)
    assert np.max(np.abs(g - g0)) < 1e-10
    assert np.max(np.abs(h - h0)) < 1e-10 * max(1.0, np.max(np.abs(h0)))
    # and the derivative stack itself against numerical differences of Sigma
    assert np.max(np.abs(model.derivatives(theta)[0] - _explicit_derivatives(model, theta))) < 1e-6
    if case == "nonrecursive":
        assert model._layout.depth is None
    else:
        assert model._layout.depth is not None
    A, _ = model.matrices(theta)
    assert np.max(np.abs(model.inverse(A) - np.linalg.inv(np.eye(model.m) - A))) < 1e-12


def test_a_warm_started_refit_lands_on_the_full_fit():
    data = holzinger_swineford()
    fit = sem(HS, data)
    kernel = FitKernel.from_result(fit)
    x = fit._moments.data
    rng = np.random.default_rng(11)
    for _ in range(3):
        rows = rng.integers(0, len(x), len(x))
        kf = kernel.estimate(FitKernel.moments(x[rows]), len(rows))
        full = sem(HS, data.iloc[rows].reset_index(drop=True))
        assert kf.converged
        assert np.max(np.abs(kf.theta - np.asarray(full._theta))) < 1e-6
        assert kf.iterations < 30


def test_content_cache_keys_on_content_and_freezes_results():
    cache = ContentCache(maxsize=2)
    a = np.arange(6.0).reshape(3, 2)
    calls = []

    def compute():
        calls.append(1)
        return (a.sum(axis=0), [a.copy()])

    first = cache.get(content_key(a, "opt"), compute)
    again = cache.get(content_key(a.copy(), "opt"), compute)  # same content, another object
    assert again is first and len(calls) == 1
    assert cache.get(content_key(a, "other"), compute) is not first and len(calls) == 2
    with pytest.raises(ValueError):
        first[0][0] = 99.0  # cached arrays are read-only
    b = a.copy()
    b[0, 0] = -1.0
    assert content_key(b, "opt") != content_key(a, "opt")
    cache.get(content_key(b), compute)  # a third key evicts the least recently used
    assert len(cache._items) == 2
    clear_caches()  # every cache of the process
    assert len(cache._items) == 0 and len(POLYCHORIC_CACHE._items) == 0


def test_polychoric_and_wlsmv_statistics_are_computed_once_per_data_set():
    rng = np.random.default_rng(5)
    z = rng.multivariate_normal(np.zeros(4), 0.6 * np.eye(4) + 0.4, size=1000)
    x = np.digitize(z, [-0.8, 0.0, 0.8]).astype(float)
    POLYCHORIC_CACHE.clear()
    r1 = polychoric_matrix(x)
    r2 = polychoric_matrix(x.copy())
    assert r2 is r1 and POLYCHORIC_CACHE.misses == 1 and POLYCHORIC_CACHE.hits == 1
    import pandas as pd

    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    _STATS_CACHE.clear()
    f1 = sem("f =~ a + b + c + d", frame, ordered=True)
    f2 = sem("f =~ a + b + c + d\na ~~ b", frame, ordered=True)
    assert _STATS_CACHE.misses == 1 and _STATS_CACHE.hits == 1
    assert f1.fit_measures()["chisq"] != f2.fit_measures()["chisq"]


def test_rmsea_interval_of_a_perfect_fit():
    # a saturated-like fit can end at chisq = -1e-13 (rounding): the interval is [0, upper]
    lo, hi = rmsea_ci(-1e-13, 5, 300)
    assert lo == 0.0 and hi == pytest.approx(rmsea_ci(0.0, 5, 300)[1]) and np.isfinite(hi)
    assert rmsea_pvalue(-1e-13, 5, 300) == pytest.approx(rmsea_pvalue(0.0, 5, 300))


def test_a_refit_with_fixed_x_covariates_uses_each_samples_covariate_moments():
    data = holzinger_swineford()
    model = "f =~ x4 + x5 + x6\nf ~ x1 + x2"
    fit = sem(model, data)
    kernel = FitKernel.from_result(fit)
    assert len(kernel.exo_pos) == 3  # var(x1), var(x2), cov(x1, x2)
    x = fit._moments.data
    rows = np.random.default_rng(2).integers(0, len(x), len(x))
    cov = FitKernel.moments(x[rows])
    kf = kernel.estimate(cov, len(rows))
    full = sem(model, data.iloc[rows].reset_index(drop=True))
    assert kf.converged
    assert np.max(np.abs(kf.theta - np.asarray(full._theta))) < 1e-6
    est = kernel.parameters(kf.theta, cov)["est"]
    pe = full.parameter_estimates()
    assert np.max(np.abs(est[: len(pe)] - pe["est"].to_numpy())) < 1e-6
    # the kernel's own model keeps the full sample's values
    assert kernel.model_for(cov)._layout.s_template is not kernel.model._layout.s_template
