"""Estimation (surveykit/sem/estimate.py, pipeline.py): what happens when it cannot go well, each
failure path asserting its sentence."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from surveykit.datasets import holzinger_swineford
from surveykit.errors import (
    ConvergenceWarning,
    DataError,
    EstimationError,
    IdentificationWarning,
    NonPositiveDefiniteWarning,
)
from surveykit.sem import cfa, sem
from surveykit.sem.estimate import minimize_scoring

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def test_a_model_with_negative_degrees_of_freedom_is_flagged_not_identified():
    hs = holzinger_swineford()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fit = cfa("f =~ x1 + x2 + a*x3\nx1 ~~ x2", hs[["x1", "x2", "x3"]])
    msgs = [str(w.message) for w in rec if issubclass(w.category, IdentificationWarning)]
    assert any("more free parameters (7) than sample statistics (6): df = -1, so it is not identified" in m
               for m in msgs), msgs
    assert any("not identified" in m for _, m in fit.warnings)


def test_a_sample_smaller_than_the_number_of_free_parameters_is_flagged():
    """15 complete rows for 21 free parameters: a sentence in the result (and so in the report's
    warnings table, where tests/report/test_messages.py translates it); 16 rows for a model of 13
    parameters are not flagged."""
    hs = holzinger_swineford()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = cfa(HS, hs.head(15))
        enough = cfa("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", hs.head(16))
    assert ("DataQualityWarning", "The sample (N = 15 rows used) is smaller than the number of free parameters "
            "(21): the estimates, standard errors and test statistic are not trustworthy. Collect more data or "
            "estimate a smaller model.") in small.warnings
    assert enough.partable.n_free == 13 and not any("smaller than the number of free" in m for _, m in enough.warnings)


def test_an_empirically_unidentified_model_says_its_information_is_singular():
    hs = holzinger_swineford()
    model = "f1 =~ x1 + x2\nf2 =~ x4 + x5\nf1 ~~ 0*f2"
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fit = cfa(model, hs)
    msgs = [str(w.message) for w in rec if issubclass(w.category, NonPositiveDefiniteWarning)]
    assert any("information matrix is singular" in m and "not be identified" in m for m in msgs)
    assert np.isnan(fit.parameter_estimates()["se"].iloc[1])


def test_absurd_starting_values_still_reach_the_default_solution():
    hs = holzinger_swineford()
    ref = cfa(HS, hs)
    bad = cfa("visual =~ x1 + start(40)*x2 + start(-30)*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", hs)
    assert bad.converged
    assert np.allclose(bad._theta, ref._theta, atol=1e-6)


def test_scoring_that_cannot_converge_reports_it():
    # a function without a minimum: every scoring step lowers it, none converges
    def f(th):
        return float(-th[0])

    def pieces(th, hessian=True):
        return np.array([-1.0]), np.array([[1.0]])

    opt = minimize_scoring(f, pieces, np.array([0.0]), max_iter=5, fallback=False)
    assert not opt.converged and opt.iterations == 5
    with pytest.warns(ConvergenceWarning, match=r"did not converge after \d+ iterations .* not trustworthy"):
        opt = minimize_scoring(f, pieces, np.array([0.0]), max_iter=5, fallback=True)
    assert not opt.converged


def test_an_implied_matrix_that_is_never_positive_definite_is_an_error():
    def f(th):
        return np.inf

    def pieces(th, hessian=True):
        return np.zeros(1), np.eye(1)

    with pytest.raises(EstimationError, match=r"not positive definite at every point the optimizer tried"):
        minimize_scoring(f, pieces, np.array([0.0]))


def test_collinear_items_are_named_with_their_correlation():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 3))
    data = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "d": x[:, 0] + x[:, 1]})
    with pytest.raises(DataError, match=r"not positive definite .*: a, b, d are linearly dependent"):
        sem("f =~ a + b + c + d", data)


def test_too_few_rows_for_the_model_variables():
    hs = holzinger_swineford().head(5)
    with pytest.raises(DataError, match=r"Only 5 usable rows for 9 model variables"):
        cfa(HS, hs)


def test_fiml_reports_an_em_that_did_not_converge(monkeypatch):
    from surveykit.sem import samplestats as ss

    real = ss.em_saturated
    monkeypatch.setattr(ss, "em_saturated", lambda x, pats=None: real(x, pats, max_iter=2))
    hs = holzinger_swineford().copy()
    hs.loc[:40, "x1"] = np.nan
    with pytest.warns(Warning, match=r"EM algorithm for the saturated model did not converge in 2 iterations"):
        fit = cfa(HS, hs, missing="fiml")
    assert any("EM algorithm" in m for _, m in fit.warnings)


def test_a_loop_with_a_singular_i_minus_b_gets_a_sentence():
    """y1 -> y2 -> y1 with both coefficients fixed at 1: (I - B) has no inverse (found in kind by the
    fuzz test, where an item was made a latent measured by its own construct)."""
    import numpy as np
    import pandas as pd

    import surveykit as sk
    from surveykit.errors import EstimationError

    d = pd.DataFrame(np.random.default_rng(1).normal(size=(100, 3)), columns=["y1", "y2", "y3"])
    with pytest.raises(EstimationError, match=r"form a loop whose matrix \(I - B\) is singular"):
        sk.sem("y1 ~ 1*y2 + y3\ny2 ~ 1*y1", d)
