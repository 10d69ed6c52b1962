"""Bootstrap intervals against lavaan 0.6.14 on the PoliticalDemocracy SEM (pd_sem_bootstrap.json).

lavaan's intervals come from its own 5,000 random draws, ours from ours: both estimate the
same ideal-bootstrap quantities (B -> infinity) on the same data, so they can only agree within
Monte Carlo error.  How that is judged, per interval endpoint (and per bootstrap SE):

* the Monte Carlo standard error of our endpoint is estimated by resampling our own B draws
  (R = 200 times, with replacement) and recomputing the endpoint (the same function: percentile,
  or bias-corrected with its estimated z0) - the standard error of a functional of B i.i.d.
  draws, which accounts for everything a kernel-density formula for a quantile would miss
  (the random z0 of the bias correction, the interpolation);
* lavaan's endpoint has the same error scaled to its B = 5,000: se_lav = se_ours * sqrt(B / 5000);
* the difference of two independent estimates has sd = sqrt(se_ours^2 + se_lav^2); we require
  |ours - lavaan| < 4 sd for every endpoint of every free and defined parameter.  With ~70
  endpoints the chance that one honest endpoint fails is about 70 * 6e-5 < 0.5 %.
* the share of nonadmissible draws (lavaan: 1,611 of 5,000) agrees within 4 binomial sd.

At B = 5,000 (seed 20261126), over the 66 endpoints of the 33 free and defined parameters, the
largest |difference| / sd was 2.92 (percentile) and 2.80 (bias-corrected), the mean of the
squared ratios 1.14 and 1.00 (1 expected); bootstrap SEs: largest ratio 2.02; 1,659
nonadmissible draws against lavaan's 1,611 (z = 1.0).
"""

from __future__ import annotations

import numpy as np
import pytest

from surveykit.errors import HeywoodCaseWarning
from surveykit.resampling import bootstrap
from surveykit.resampling.intervals import bootstrap_se, interval
from surveykit.sem import sem

from ..conftest import load_ref

REF = load_ref("pd_sem_bootstrap")
LAVAAN_B = REF["nboot"]
LAVAAN_NONADMISSIBLE = 1611  # lavaan's warning for this run (tests/reference/README.md)


def _mc_se(draws: np.ndarray, est: np.ndarray, ci: str, reps: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo SE of the (lower, upper) endpoints and of the bootstrap SE, by resampling the draws."""
    g = np.random.default_rng(12345)
    b = len(draws)
    ends, ses = [], []
    for _ in range(reps):
        d = draws[g.integers(0, b, size=b)]
        ends.append(np.concatenate(interval(d, est, ci=ci)))
        ses.append(bootstrap_se(d))
    return np.std(ends, axis=0, ddof=1), np.std(ses, axis=0, ddof=1)


def _check(pol_dem, n_boot: int, jobs: int):
    fit = sem(REF["model"], pol_dem)
    with pytest.warns(HeywoodCaseWarning, match="nonadmissible"):
        res = bootstrap(fit, n_boot=n_boot, rng=20261126, jobs=jobs)
    pe = res.parameter_estimates()
    kept = res.draw_status != "failed"
    draws = res.draws[kept.to_numpy()].to_numpy()
    est = pe["est"].to_numpy()
    k = len(est)
    scale = np.sqrt(1 + n_boot / LAVAAN_B)  # sd of (ours - lavaan) in units of our MC SE
    worst = {}
    for ci, key in (("percentile", "percentile"), ("bc", "bca_simple")):
        lo, hi = interval(draws, est, ci=ci)
        se_end, se_se = _mc_se(draws, est, ci)
        z = []
        for row in REF[key]:
            if not row["se"]:
                continue  # fixed parameter
            i = int(np.flatnonzero((pe.lhs == row["lhs"]) & (pe.op == row["op"]) & (pe.rhs == row["rhs"]))[0])
            where = f"{row['lhs']} {row['op']} {row['rhs']} ({ci})"
            for ours, theirs, sd in ((lo[i], row["ci.lower"], se_end[i]), (hi[i], row["ci.upper"], se_end[k + i])):
                z.append((ours - theirs) / (scale * sd))
                assert abs(ours - theirs) < 4 * scale * sd, where
            if ci == "percentile":
                sd = scale * se_se[i]
                assert abs(pe["se"].iloc[i] - row["se"]) < 4 * sd, f"{where} se"
                assert pe["ci_lower"].iloc[i] == lo[i] and pe["ci_upper"].iloc[i] == hi[i]
        worst[ci] = float(np.max(np.abs(z)))
    p_lav = LAVAAN_NONADMISSIBLE / LAVAAN_B
    share = res.n_nonadmissible / n_boot
    assert abs(share - p_lav) < 4 * np.sqrt(p_lav * (1 - p_lav) * (1 / n_boot + 1 / LAVAAN_B))
    assert res.n_failed == 0
    return worst


def test_percentile_and_bc_intervals_agree_with_lavaan_1000_draws(pol_dem):
    _check(pol_dem, 1000, jobs=-1)


@pytest.mark.slow
def test_percentile_and_bc_intervals_agree_with_lavaan_5000_draws(pol_dem):
    worst = _check(pol_dem, 5000, jobs=-1)
    assert worst["percentile"] < 4 and worst["bc"] < 4
