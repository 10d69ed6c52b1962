"""Mediation reporting: recognizing indirect effects, and the 温忠麟-叶宝娟 (2014) decisions."""

from __future__ import annotations

import math

import pytest

from surveykit.resampling import bootstrap, simulate_model
from surveykit.resampling.mediation import BASIS, DECISIONS, decide, identify_effects
from surveykit.sem import sem
from surveykit.sem.partable import build_partable

SERIAL = """
m1 ~ a1*x
m2 ~ a2*x + d21*m1
y ~ b1*m1 + b2*m2 + c*x
ind1 := a1*b1
ind2 := a2*b2
ind3 := a1*d21*b2
total_ind := ind1 + ind2 + ind3
total := c + a1*b1 + a2*b2 + a1*d21*b2
ratio := ind1 / total
twice := 2*ind1
"""


def test_simple_serial_parallel_and_total_effects_are_recognized():
    eff = identify_effects(build_partable(SERIAL))
    assert eff["ind1"].kind == "indirect" and eff["ind1"].chains == (("x", "m1", "y"),)
    assert eff["ind3"].chains == (("x", "m1", "m2", "y"),)
    assert eff["total_ind"].kind == "indirect" and len(eff["total_ind"].chains) == 3
    assert eff["total"].kind == "total" and (eff["total"].x, eff["total"].y) == ("x", "y")
    assert "ratio" not in eff and "twice" not in eff  # not a sum of paths


def test_products_of_loadings_or_broken_chains_are_not_indirect_effects():
    pt = build_partable("f =~ l1*y1 + l2*y2 + l3*y3\nz ~ a*f\nw ~ b*q\nll := l1*l2\nab := a*b")
    assert identify_effects(pt) == {}


CI_IN, CI_OUT_POS, CI_OUT_NEG = (-0.1, 0.2), (0.1, 0.4), (-0.4, -0.1)


@pytest.mark.parametrize(
    ("ab_ci", "direct", "direct_ci", "total_ci", "decision", "basis"),
    [
        (CI_IN, 0.2, CI_OUT_POS, CI_OUT_POS, "no_mediation", "mediation"),
        (CI_OUT_POS, 0.05, CI_IN, CI_OUT_POS, "full", "mediation"),
        (CI_OUT_POS, 0.2, CI_OUT_POS, CI_OUT_POS, "partial", "mediation"),
        (CI_OUT_POS, -0.25, CI_OUT_NEG, CI_IN, "suppression", "suppression"),
        (CI_OUT_POS, None, None, CI_OUT_POS, "no_direct_path", "mediation"),
    ],
)
def test_decisions_of_the_procedure(ab_ci, direct, direct_ci, total_ci, decision, basis):
    d = decide(ab=0.25, ab_ci=ab_ci, direct=direct, direct_ci=direct_ci, total=0.5, total_ci=total_ci)
    assert d["decision"] == decision and d["basis"] == basis
    assert d["decision_zh"] == DECISIONS[decision]["zh"] and d["decision_en"] == DECISIONS[decision]["en"]
    assert d["basis_zh"] == BASIS[basis]["zh"]
    assert d["effect_ratio"] == pytest.approx(0.5)
    assert math.isnan(d["direct_ratio"]) if direct is None else d["direct_ratio"] == pytest.approx(abs(0.25 / direct))


def test_every_decision_has_both_languages():
    for texts in (*DECISIONS.values(), *BASIS.values()):
        assert set(texts) == {"zh", "en"} and all(texts.values())
    assert "遮掩效应" in DECISIONS["suppression"]["zh"] and "完全中介" in DECISIONS["full"]["zh"]
    assert "部分中介" in DECISIONS["partial"]["zh"]


MODEL = "m ~ a*x\ny ~ b*m + c*x\nx ~~ x\nab := a*b\ntotal := c + a*b"


@pytest.mark.parametrize(
    ("population", "decision"),
    [
        ("m ~ 0.5*x\ny ~ 0.5*m + 0.0*x", "full"),
        ("m ~ 0.5*x\ny ~ 0.4*m + 0.3*x", "partial"),
        ("m ~ 0.5*x\ny ~ 0.5*m + -0.4*x", "suppression"),
        ("m ~ 0.5*x\ny ~ 0.0*m + 0.4*x", "no_mediation"),
    ],
)
def test_decisions_on_simulated_data(population, decision):
    data = simulate_model(population, 1000, rng=20261126, standardized=True)
    res = bootstrap(sem(MODEL, data), n_boot=200, rng=1, jobs=1)
    med = res.mediation()
    assert len(med) == 1
    row = med.iloc[0]
    assert row["decision"] == decision
    assert (row["x"], row["mediators"], row["y"], row["total_label"]) == ("x", "m", "y", "total")
    pe = res.parameter_estimates().set_index("label")
    assert row["total"] == pytest.approx(pe.loc["total", "est"], abs=1e-10)
    assert row["effect_ratio"] == pytest.approx(pe.loc["ab", "est"] / pe.loc["total", "est"], abs=1e-12)
    assert row["direct"] == pytest.approx(pe.loc["c", "est"], abs=1e-12)
    assert (row["total_ci_lower"], row["total_ci_upper"]) == pytest.approx(
        (pe.loc["total", "ci_lower"], pe.loc["total", "ci_upper"]), abs=1e-10)
