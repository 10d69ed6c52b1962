"""The bootstrap interval of alpha: exactly reproducible for a seed, the kernel equals a
plain loop over resamples, and psych's ``alpha(n.iter = 2000)$boot.ci`` agrees within Monte
Carlo error (different random number generators: tolerance 0.004, about 4 Monte Carlo SDs of
the difference of two 2000-draw percentile endpoints)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from surveykit._core import reliability as k
from surveykit._core.items import bootstrap_alpha, bootstrap_counts
from surveykit.psychometrics import reliability

from .conftest import psych_ref


def test_same_seed_same_interval_and_seed_recorded(bfi_keyed):
    x = bfi_keyed[["A1", "A2", "A3", "A4", "A5"]]
    a = reliability(x, ci="bootstrap", n_boot=300, rng=7)
    b = reliability(x, ci="bootstrap", n_boot=300, rng=7)
    c = reliability(x, ci="bootstrap", n_boot=300, rng=8)
    assert a.alpha_ci == b.alpha_ci
    assert a.alpha_ci != c.alpha_ci
    assert (a.ci_method, a.n_boot, a.rng_seed) == ("bootstrap", 300, 7)
    assert a.feldt_ci == reliability(x).alpha_ci
    # a Generator gives one seed (drawn from it), recorded so that the run can be repeated
    g = reliability(x, ci="bootstrap", n_boot=300, rng=np.random.default_rng(7))
    assert isinstance(g.rng_seed, int) and g.rng_seed == np.random.default_rng(7).integers(0, 2**63 - 1)
    assert reliability(x, ci="bootstrap", n_boot=300, rng=g.rng_seed).alpha_ci == g.alpha_ci


def test_unseeded_run_records_a_seed_that_repeats_it(bfi_keyed):
    x = bfi_keyed[["C1", "C2", "C3"]]
    a = reliability(x, ci="bootstrap", n_boot=100)
    assert isinstance(a.rng_seed, int)
    assert reliability(x, ci="bootstrap", n_boot=100, rng=a.rng_seed).alpha_ci == a.alpha_ci


def test_kernel_equals_a_plain_loop_with_pairwise_covariances(bfi_keyed):
    x = bfi_keyed[["A1", "A2", "A3", "A4", "A5"]].to_numpy()
    counts = bootstrap_counts(len(x), 5, np.random.default_rng(3))
    fast = bootstrap_alpha(x, counts)
    for b in range(5):
        rows = np.repeat(np.arange(len(x)), counts[b].astype(int))
        c = pd.DataFrame(x[rows]).cov().to_numpy()  # pairwise complete, as psych
        assert fast[b] == pytest.approx(k.alpha_from_cov(c), rel=1e-10)


def test_interval_agrees_with_psych_within_monte_carlo_error(bfi_keyed):
    ref = psych_ref("items")["alpha_bootstrap"]
    res = reliability(bfi_keyed[["A1", "A2", "A3", "A4", "A5"]], ci="bootstrap", n_boot=ref["n_iter"], rng=20240602)
    assert res.alpha_ci[0] == pytest.approx(ref["boot_ci"]["lower"], abs=0.004)
    assert res.alpha_ci[1] == pytest.approx(ref["boot_ci"]["upper"], abs=0.004)


def test_listwise_bootstrap_uses_complete_rows(bfi_keyed):
    x = bfi_keyed[["E1", "E2", "E3"]]
    res = reliability(x, ci="bootstrap", n_boot=200, rng=1, missing="listwise")
    assert res.alpha_ci[0] < res.alpha < res.alpha_ci[1]
    assert "percentile bootstrap, 200 resamples" in str(res)


def test_bad_ci_option(bfi_keyed):
    with pytest.raises(ValueError, match="ci='boot' is not one of 'feldt', 'bootstrap'"):
        reliability(bfi_keyed[["E1", "E2"]], ci="boot")
    with pytest.raises(ValueError, match="rng='x' must be"):
        reliability(bfi_keyed[["E1", "E2"]], ci="bootstrap", rng="x")
