"""The latent interaction population and Monte Carlo study (surveykit.resampling.latent_interaction)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import surveykit as sk
from surveykit._core.rng import stream
from surveykit.errors import SpecError
from surveykit.resampling.latent_interaction import (
    ANALYSIS_MODEL,
    InteractionPopulation,
    interaction_monte_carlo,
    simulate_interaction,
)


def test_population_moments():
    pop = InteractionPopulation()
    d = simulate_interaction(pop, 200_000, 3)
    assert list(d.columns) == [f"{v}{j}" for v in "xwy" for j in (1, 2, 3)]
    c = d.cov().to_numpy()
    # var(x1) = 1 + 0.4; cov(x1, w1) = phi; var(XW) = 1 + phi^2 enters var(y1)
    assert c[0, 0] == pytest.approx(1.4, abs=0.02)
    assert c[0, 3] == pytest.approx(0.3, abs=0.01)
    var_eta = 0.4 ** 2 + 0.3 ** 2 + 2 * 0.4 * 0.3 * 0.3 + 0.2 ** 2 * (1 + 0.3 ** 2) + 0.5
    assert c[6, 6] == pytest.approx(var_eta + 0.4, abs=0.02)
    # E[y1] = 3 + omega * cov(X, W): the product shifts the mean
    assert d["y1"].mean() == pytest.approx(3.0 + 0.2 * 0.3, abs=0.01)
    np.testing.assert_array_equal(simulate_interaction(pop, 50, 9), simulate_interaction(pop, 50, 9))


def test_study_is_reproducible_and_convertible():
    a = interaction_monte_carlo(n=150, reps=2, methods=("pi_matched", "pi_all"), rng=4)
    # replication r is the sample of stream(seed, n, r), whatever the worker that computes it
    data = simulate_interaction(InteractionPopulation(), 150, stream(4, 150, 1))
    pe = sk.sem(ANALYSIS_MODEL, data, match=False).parameter_estimates().query("op == '~'")
    np.testing.assert_allclose(a.estimates[1, 1], pe["est"].to_numpy(), rtol=1e-12)
    assert a.table.shape[0] == 6 and set(a.table["method"]) == {"pi_matched", "pi_all"}
    json.dumps(a.to_dict())
    assert "Bias and coverage" in str(a)


def test_bad_study_input():
    with pytest.raises(SpecError, match="are not among lms, pi_matched, pi_all"):
        interaction_monte_carlo(reps=2, methods=("qml",))
    with pytest.raises(SpecError, match="reps must be an int of at least 2"):
        interaction_monte_carlo(reps=1)
