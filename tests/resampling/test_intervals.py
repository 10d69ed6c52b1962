"""Interval kernels against values worked out by hand (closed forms: 1e-12)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from surveykit.resampling.intervals import bootstrap_se, interval, jackknife_acceleration, norm_inter

T = np.arange(1.0, 20.0)  # R = 19 draws, so (R + 1) * alpha is a whole number for alpha = k / 20


def test_norm_inter_uses_the_order_statistic_when_it_exists():
    assert norm_inter(T, [0.05, 0.5, 0.95]).tolist() == [1.0, 10.0, 19.0]


def test_norm_inter_interpolates_on_the_normal_scale():
    # rk = 20 * 0.07 = 1.4: between the 1st and 2nd order statistics
    q, q1, q2 = stats.norm.ppf([0.07, 1 / 20, 2 / 20])
    assert norm_inter(T, [0.07])[0] == pytest.approx(1 + (q - q1) / (q2 - q1) * (2 - 1), abs=1e-12)


def test_norm_inter_extremes_and_non_finite_values():
    assert norm_inter(T, [0.001, 0.9999]).tolist() == [1.0, 19.0]
    with_nan = np.concatenate([T, [np.nan, np.inf]])
    assert norm_inter(with_nan, [0.5])[0] == 10.0


def test_percentile_interval():
    lo, hi = interval(T[:, None], np.array([10.0]), ci="percentile", level=0.90)
    assert (lo[0], hi[0]) == (1.0, 19.0)


def test_bias_corrected_interval_is_lavaans_bca_simple():
    t0 = 10.0
    z0 = stats.norm.ppf(9 / 19)  # 9 of 19 draws below the estimate
    adj = stats.norm.cdf(2 * z0 + stats.norm.ppf([0.05, 0.95]))
    lo, hi = interval(T[:, None], np.array([t0]), ci="bc", level=0.90)
    assert lo[0] == pytest.approx(norm_inter(T, adj[:1])[0], abs=1e-12)
    assert hi[0] == pytest.approx(norm_inter(T, adj[1:])[0], abs=1e-12)


def test_jackknife_acceleration_by_hand():
    # mean 4, d = (3, 2, 1, -6): sum d^3 = -180, sum d^2 = 50
    a = jackknife_acceleration(np.array([[1.0], [2.0], [3.0], [10.0]]))
    assert a[0] == pytest.approx(-180 / (6 * 50**1.5), abs=1e-12)
    assert jackknife_acceleration(np.ones((5, 1)))[0] == 0.0


def test_bca_interval_by_hand():
    t0, a = 10.0, 0.1
    z0 = stats.norm.ppf(9 / 19)
    za = stats.norm.ppf([0.05, 0.95])
    adj = stats.norm.cdf(z0 + (z0 + za) / (1 - a * (z0 + za)))
    lo, hi = interval(T[:, None], np.array([t0]), ci="bca", level=0.90, acceleration=np.array([a]))
    assert (lo[0], hi[0]) == pytest.approx(tuple(norm_inter(T, adj)), abs=1e-12)


def test_a_constant_column_gets_the_estimate_and_zero_se():
    d = np.column_stack([np.ones(10), np.arange(10.0)])
    lo, hi = interval(d, np.array([1.0, 4.5]), ci="bc")
    assert lo[0] == hi[0] == 1.0
    se = bootstrap_se(d)
    assert se[0] == 0.0
    assert se[1] == pytest.approx(np.std(np.arange(10.0), ddof=1), abs=1e-12)


def _quantile(t, p):
    t = np.sort(t)
    r = len(t)
    rk = (r + 1) * p
    k = int(np.floor(rk))
    if k < 1:
        return t[0]
    if k >= r:
        return t[-1]
    if rk == k:
        return t[k - 1]
    lo, hi = stats.norm.ppf(k / (r + 1)), stats.norm.ppf((k + 1) / (r + 1))
    return t[k - 1] + (stats.norm.ppf(p) - lo) / (hi - lo) * (t[k] - t[k - 1])


@pytest.mark.parametrize("ci", ["percentile", "bc", "bca"])
def test_vectorized_intervals_match_a_column_by_column_implementation(ci):
    g = np.random.default_rng(0)
    d = g.standard_normal((301, 6)) ** 3
    d[:, 2] = 1.0  # fixed
    d[5, 4] = np.nan  # a missing standardized value
    d[7:20, 5] = np.inf
    est = np.append(g.standard_normal(6)[:5] * 0.1, 5.0)  # last: every draw below the estimate
    est[2] = 1.0
    acc = np.array([0.05, -0.03, 0.0, 0.1, 0.02, -0.08])
    lo, hi = interval(d, est, ci=ci, level=0.9, acceleration=acc)
    za = stats.norm.ppf([0.05, 0.95])
    for j in range(6):
        t = d[:, j][np.isfinite(d[:, j])]
        if t.min() == t.max():
            assert lo[j] == hi[j] == est[j]
            continue
        if ci == "percentile":
            adj = [0.05, 0.95]
        else:
            z0 = stats.norm.ppf(np.mean(t < est[j]))
            a = 0.0 if ci == "bc" else acc[j]
            adj = [1.0, 1.0] if np.isinf(z0) else stats.norm.cdf(z0 + (z0 + za) / (1 - a * (z0 + za)))
        assert (lo[j], hi[j]) == pytest.approx((_quantile(t, adj[0]), _quantile(t, adj[1])), abs=1e-12)


def test_bca_needs_the_acceleration():
    with pytest.raises(ValueError, match="acceleration"):
        interval(T[:, None], np.array([10.0]), ci="bca")
