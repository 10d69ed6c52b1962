"""LMS (surveykit.sem.lms): the likelihood and its gradient, the reduction to ordinary ML
without an interaction, agreement with product indicators, quadrature accuracy, a Monte
Carlo check of bias and coverage, and the sentences bad input gets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.resampling.latent_interaction import (
    ANALYSIS_MODEL,
    InteractionPopulation,
    interaction_monte_carlo,
    simulate_interaction,
)
from surveykit.sem import lms
from surveykit.sem.interaction import simple_slopes
from surveykit.sem.syntax import parse_syntax

DATA = pd.read_csv(Path(__file__).parents[1] / "reference" / "data" / "latent_interaction.csv")


def _linear_fit(text, data):
    return sk.sem(text, data, meanstructure=True)


def _problem(model, data, points=8):
    """The LMS problem and data matrix of a model (through fit_lms, stopping before the optimizer)."""
    captured = {}

    def stop(problem, y, theta0):
        captured.update(problem=problem, y=y, theta0=theta0)
        raise StopIteration

    orig = lms.maximize
    lms.maximize = stop
    try:
        with pytest.raises(StopIteration):
            lms.fit_lms(model, parse_syntax(model), data, linear_fit=_linear_fit, quadrature_points=points)
    finally:
        lms.maximize = orig
    return captured["problem"], captured["y"], captured["theta0"]


@pytest.mark.parametrize("extra", [
    "Y ~ X + W + X:W",
    "V =~ x3 + w3\nY ~ X + W + X:W + V\nV ~~ W",  # a latent outside the product covarying with one in it
    "Z =~ z1 + z2 + z3\nY ~ X + W + Z + X:W + X:Z + W:Z",  # two conditioning variables, one product of both
])
def test_gradient_is_the_derivative_of_the_loglikelihood(extra):
    model = "X =~ x1 + x2 + x3\nW =~ w1 + w2 + w3\nY =~ y1 + y2 + y3\n" + extra
    data = DATA.iloc[:200].copy()
    noise = np.random.default_rng(2).normal(size=(200, 4))
    for j in range(3):  # a third factor correlated with X and W
        data[f"z{j + 1}"] = 0.3 * data[f"x{j + 1}"] + 0.3 * data[f"w{j + 1}"] + noise[:, 3] + 0.6 * noise[:, j]
    problem, y, theta0 = _problem(model, data)
    theta = theta0 + np.random.default_rng(1).normal(0, 0.02, len(theta0))
    theta[len(theta0) - 1] += 0.1  # an interaction away from 0
    _, grad = problem.loglik(theta, y)
    h = 1e-6
    numeric = np.array([(problem.loglik(theta + e, y, gradient=False)[0]
                         - problem.loglik(theta - e, y, gradient=False)[0]) / (2 * h)
                        for e in np.eye(len(theta)) * h])
    np.testing.assert_allclose(grad, numeric, atol=2e-5 * max(1.0, np.abs(numeric).max()))


def test_zero_interaction_reproduces_ordinary_ml():
    """With the interaction fixed at 0 the LMS likelihood is the normal one: from starting values
    away from the optimum LMS finds lavaan's ML estimates and loglikelihood (sem() with a mean
    structure, itself checked against lavaan) to 1e-4.  The mixture equals the normal density
    only up to the quadrature error: 6e-4 in the loglikelihood (N = 400) with the default 32
    points, below 1e-8 with 64, which this test uses."""
    data = simulate_interaction(InteractionPopulation(omega=0.0), 250, 7)
    linear = sk.sem(ANALYSIS_MODEL.replace(" + X:W", ""), data, meanstructure=True)
    model = ANALYSIS_MODEL.replace("X:W", "0*X:W")
    start = linear._theta * 1.1 + 0.05
    fit = lms.fit_lms(model, parse_syntax(model), data, linear_fit=_linear_fit, start=start, quadrature_points=64)
    assert fit.converged
    assert fit.fit_measures()["logl"] == pytest.approx(linear.fit_measures()["logl"], abs=1e-4)
    np.testing.assert_allclose(fit._theta, linear._theta, atol=1e-4)
    # the observed information of the normal model: SEs as lavaan's information="observed"
    observed = sk.sem(ANALYSIS_MODEL.replace(" + X:W", ""), data, meanstructure=True, information="observed")
    np.testing.assert_allclose(np.sqrt(np.diag(fit._vcov)), np.sqrt(np.diag(observed._vcov)), atol=1e-4)
    # a free interaction on these data: near 0, the loglikelihood at least the linear one
    free = sk.sem(ANALYSIS_MODEL, data, interaction="lms")
    b3 = free.interaction_effects()
    assert abs(b3["est"].iloc[0]) < 2.5 * b3["se"].iloc[0]
    assert free.fit_measures()["logl"] >= linear.fit_measures()["logl"] - 1e-6


@pytest.fixture(scope="module")
def lms_fit():
    return sk.sem(ANALYSIS_MODEL, DATA, interaction="lms")


def test_lms_agrees_with_product_indicators(lms_fit):
    """On the simulated data (N = 500, true interaction 0.2) LMS and the product-indicator
    estimates differ by less than half the LMS standard error for every structural path."""
    pe_l = lms_fit.parameter_estimates().query("op == '~'").set_index("rhs")
    for match in (True, False):
        pe_p = sk.sem(ANALYSIS_MODEL, DATA, match=match).parameter_estimates().query("op == '~'").set_index("rhs")
        for rhs_l, rhs_p in (("X", "X"), ("W", "W"), ("X:W", "X.W")):
            assert abs(pe_l.loc[rhs_l, "est"] - pe_p.loc[rhs_p, "est"]) < 0.5 * pe_l.loc[rhs_l, "se"], (match, rhs_l)
    b3 = lms_fit.interaction_effects().iloc[0]
    assert b3["pvalue"] < 0.001 and b3["ci_lower"] < 0.2 < b3["ci_upper"]


@pytest.mark.slow
def test_quadrature_is_converged_at_the_default(lms_fit):
    dense = sk.sem(ANALYSIS_MODEL, DATA, interaction="lms", quadrature_points=64)
    np.testing.assert_allclose(lms_fit._theta, dense._theta, atol=5e-4)
    assert lms_fit.fit_measures()["logl"] == pytest.approx(dense.fit_measures()["logl"], abs=0.02)


def test_lms_result_is_printable_and_convertible(lms_fit):
    fm = lms_fit.fit_measures()
    assert "chisq" not in fm and fm["npar"] == 31
    assert fm["aic"] == pytest.approx(-2 * fm["logl"] + 62)
    assert fm["bic"] == pytest.approx(-2 * fm["logl"] + 31 * np.log(500))
    assert fm["lr_df"] == 1 and fm["lr_chisq"] > 10
    text = str(lms_fit)
    assert "no chi-square" in text and "Y ~ X:W" in text
    d = lms_fit.to_dict()
    json.dumps(d)
    assert d["interactions"][0]["term"] == "X:W"
    assert list(lms_fit.vcov().index)[-1] == "Y~X:W"
    assert repr(lms_fit).startswith("<LMSResult")
    slopes = simple_slopes(lms_fit, "Y", "X", "W").to_frame()
    b = lms_fit.parameter_estimates().set_index(["lhs", "op", "rhs"])["est"]
    sd = np.sqrt(b[("W", "~~", "W")])
    np.testing.assert_allclose(slopes["slope"], b[("Y", "~", "X")] + b[("Y", "~", "X:W")] * sd * np.array([-1, 0, 1]))
    assert (slopes["se"] > 0).all()


def test_monte_carlo_quick():
    """10 replications (N = 250, 16 quadrature points): the mean LMS interaction estimate lies
    within 3 Monte Carlo standard errors of the truth, at least 8 of the 10 intervals cover it,
    and the standard errors are of the size of the estimates' spread (the full study, 500
    replications, is test_monte_carlo_full and benchmarks/lms_monte_carlo.py)."""
    res = interaction_monte_carlo(n=250, reps=10, methods=("lms",), rng=11, quadrature_points=16)
    row = res.table.query("parameter == 'Y ~ X:W'").iloc[0]
    assert row["n_converged"] == 10
    assert abs(row["bias"]) < 3 * row["mc_se_of_mean"]
    assert row["coverage"] >= 0.8
    assert 0.6 < row["mean_se"] / row["sd_est"] < 1.6


@pytest.mark.slow
def test_monte_carlo_full():
    """500 replications of N = 400: relative bias of the interaction below 5%, coverage of its
    95% intervals within 92-98% (issue 15).  About 7 minutes of CPU, spread over the cores
    (the numbers do not depend on the worker count)."""
    res = interaction_monte_carlo(n=400, reps=500, methods=("lms",), rng=20261203, jobs=-1)
    row = res.table.query("parameter == 'Y ~ X:W'").iloc[0]
    assert row["n_converged"] >= 495
    assert abs(row["rel_bias"]) < 0.05
    assert 0.92 <= row["coverage"] <= 0.98


def test_bad_input_gets_a_sentence():
    base = "X =~ x1 + x2 + x3\nW =~ w1 + w2 + w3\nY =~ y1 + y2 + y3\n"
    with pytest.raises(ModelSpecificationError, match="needs exogenous latent variables in a product, but W"):
        sk.sem(base + "W ~ X\nY ~ X + W + X:W", DATA, interaction="lms")
    with pytest.raises(ModelSpecificationError, match=r"defined parameters or equality constraints \(':='\)"):
        sk.sem(base + "Y ~ X + W + b*X:W\nslope := b", DATA, interaction="lms")
    with pytest.raises(ModelSpecificationError, match="does not take observed covariates"):
        sk.sem(base + "Y ~ X + W + X:W + age", DATA.assign(age=np.arange(len(DATA)) % 7), interaction="lms")
    holes = DATA.copy()
    holes.loc[[3, 9], "w2"] = np.nan
    with pytest.raises(SpecError, match="needs complete data, but column 'w2' has 2 missing"):
        sk.sem(ANALYSIS_MODEL, holes, interaction="lms")
    with pytest.raises(SpecError, match="quadrature_points= must be a whole number from 2 to 64"):
        sk.sem(ANALYSIS_MODEL, DATA, interaction="lms", quadrature_points=100)
    with pytest.raises(SpecError, match="maximum likelihood with a mean structure on complete data"):
        sk.sem(ANALYSIS_MODEL, DATA, interaction="lms", estimator="MLR")
    with pytest.raises(SpecError, match="not this estimator, missing= or meanstructure="):
        sk.sem(ANALYSIS_MODEL, DATA, interaction="lms", meanstructure=False)
    with pytest.raises(SpecError, match="match= belongs to interaction='product_indicator'"):
        sk.sem(ANALYSIS_MODEL, DATA, interaction="lms", match=False)
    with pytest.raises(SpecError, match="quadrature_points= to interaction='lms'"):
        sk.sem(ANALYSIS_MODEL, DATA, quadrature_points=16)
    with pytest.raises(ModelSpecificationError, match="quadratic latent terms are not supported"):
        sk.sem(base + "Y ~ X + X:X", DATA, interaction="lms")


@pytest.mark.slow
def test_lms_agrees_with_product_indicators_on_the_demo():
    """The demo survey (complete rows, Likert items as continuous) holds a planted latent interaction,
    'EXE ~ STY:MEC': 0.15 in its population file: EXE ~ STY + MEC + STY:MEC by LMS and by matched-pair
    product indicators (MEC's first five items, to pair with STY's five).  The main effects agree
    within 0.25 LMS standard errors; the two interaction estimates (different estimators on ordinal
    items) each lie within the other's 95% interval, and both find the interaction (p < .05, positive)."""
    demo = pd.read_csv(Path(__file__).parents[1] / "reference" / "data" / "demo_keyed.csv")
    demo = demo[[c for c in demo.columns if c[:3] in ("sty", "mec", "exe")]].dropna()
    model = ("STY =~ sty_1 + sty_2 + sty_3 + sty_4 + sty_5\nMEC =~ mec_1 + mec_2 + mec_3 + mec_4 + mec_5\n"
             "EXE =~ exe_1 + exe_2 + exe_3 + exe_4 + exe_5 + exe_6\nEXE ~ STY + MEC + STY:MEC")
    pe_l = sk.sem(model, demo, interaction="lms").parameter_estimates().query("op == '~'").set_index("rhs")
    pe_p = sk.sem(model, demo).parameter_estimates().query("op == '~'").set_index("rhs")
    for rhs in ("STY", "MEC"):
        assert abs(pe_l.loc[rhs, "est"] - pe_p.loc[rhs, "est"]) < 0.25 * pe_l.loc[rhs, "se"], rhs
    lms, pi = pe_l.loc["STY:MEC"], pe_p.loc["STY.MEC"]
    assert abs(lms["est"] - pi["est"]) < 1.96 * min(lms["se"], pi["se"])
    assert lms["est"] > 0 and pi["est"] > 0 and lms["pvalue"] < 0.05 and pi["pvalue"] < 0.05


def test_likelihood_equals_a_direct_two_dimensional_integral(lms_fit):
    """The LMS loglikelihood of 20 respondents at the LMS estimates against an independent
    computation: the density of y given both factors (the outcome factor integrated out
    analytically) integrated over (X, W) ~ N(0, Phi) on a dense 2-D grid (trapezoid rule,
    +-7 SD, 401 points per axis), agreeing to 1e-6."""
    pe = lms_fit.parameter_estimates().set_index(["lhs", "op", "rhs"])["est"]
    problem, y, _ = _problem(ANALYSIS_MODEL, DATA, points=64)
    y = y[:20]
    lam = {v: pe[(f, "=~", v)] for f, items in (("X", "x"), ("W", "w"), ("Y", "y")) for v in
           (f"{items}1", f"{items}2", f"{items}3")}
    nu = np.array([pe[(v, "~1", "")] for v in lam])
    theta_e = np.array([pe[(v, "~~", v)] for v in lam])
    phi = np.array([[pe[("X", "~~", "X")], pe[("X", "~~", "W")]], [pe[("X", "~~", "W")], pe[("W", "~~", "W")]]])
    g1, g2, om, psi = pe[("Y", "~", "X")], pe[("Y", "~", "W")], pe[("Y", "~", "X:W")], pe[("Y", "~~", "Y")]
    lx, lw, ly = (np.array([lam[f"{s}{j}"] for j in (1, 2, 3)]) for s in "xwy")
    sd = np.sqrt(np.diag(phi))
    gx, gw = np.linspace(-7 * sd[0], 7 * sd[0], 401), np.linspace(-7 * sd[1], 7 * sd[1], 401)
    X, W = (a.ravel() for a in np.meshgrid(gx, gw, indexing="ij"))
    prior = np.exp(-0.5 * np.einsum("gi,ij,gj->g", np.c_[X, W], np.linalg.inv(phi), np.c_[X, W])) / (
        2 * np.pi * np.sqrt(np.linalg.det(phi)))
    eta = g1 * X + g2 * W + om * X * W
    cov_y = np.diag(theta_e[6:]) + psi * np.outer(ly, ly)
    ll = 0.0
    for row in y:
        dx, dw = row[:3] - nu[:3], row[3:6] - nu[3:6]
        lx_part = -0.5 * (((dx[None, :] - X[:, None] * lx) ** 2) / theta_e[:3]).sum(1)
        lw_part = -0.5 * (((dw[None, :] - W[:, None] * lw) ** 2) / theta_e[3:6]).sum(1)
        ry = row[6:] - nu[6:]
        dev = ry[None, :] - eta[:, None] * ly
        ly_part = -0.5 * np.einsum("gi,ij,gj->g", dev, np.linalg.inv(cov_y), dev)
        const = -0.5 * (6 * np.log(2 * np.pi) + np.log(theta_e[:6]).sum()) - 0.5 * (
            3 * np.log(2 * np.pi) + np.log(np.linalg.det(cov_y)))
        dens = (prior * np.exp(lx_part + lw_part + ly_part + const)).reshape(401, 401)
        ll += np.log(np.trapezoid(np.trapezoid(dens, gw, axis=1), gx))
    assert problem.loglik(lms_fit._theta, y, gradient=False)[0] == pytest.approx(ll, abs=1e-6)
