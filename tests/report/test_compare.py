"""Per-quantity comparison of two results records (what `surveykit verify` calls numerically identical)."""

from __future__ import annotations

import copy

import pytest

from surveykit.report.compare import TOLERANCES, compare_results, quantity_kind

RECORD = {
    "surveykit_results": 2,
    "measurement": {
        "nobs": 577, "iterations": 8,
        "fit": {"chisq": 829.7673591, "df": 802.0, "pvalue": 0.1645585152, "cfi": 0.9947957189,
                "delta_cfi": 0.0},
        "loadings": [{"construct": "IDE", "item": "ide_1", "est": 1.0, "se": 0.0, "pvalue": None},
                     {"construct": "IDE", "item": "ide_2", "est": 0.7864004363, "se": 0.06210275855,
                      "pvalue": 7.271647863e-63}],
    },
    "mediation": {"n_boot": 1000, "effects": [{"name": "ind", "est": 0.1447269864, "se": 0.05479950711,
                                               "ci_lower": 0.06556369487, "ci_upper": 0.3660585272}]},
    "hypotheses": [
        {"id": "H1", "est": 0.4252001620, "se": 0.05677872534, "pvalue": 1e-9, "supported": True,
         "method": "Wald z"},
        {"id": "H5", "est": 0.1447269864, "se": 0.05479950711, "ci_lower": 0.06556369487, "supported": True,
         "method": "bootstrap bc CI"},
    ],
    "power": {"curves": [{"parameter": "a", "n": 200, "power": 0.815}]},
}


def _changed(path, value):
    rec = copy.deepcopy(RECORD)
    node = rec
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value(node[path[-1]]) if callable(value) else value
    return rec


def test_identical_records():
    c = compare_results(RECORD, copy.deepcopy(RECORD))
    assert c.within_tolerance and c.n_differing == 0 and c.largest is None
    assert c.n_numbers == 26  # floats and integers


@pytest.mark.parametrize(("path", "kind"), [
    (("measurement", "fit", "chisq"), "estimate"),
    (("measurement", "loadings", 1, "pvalue"), "pvalue"),
    (("measurement", "fit", "pvalue"), "pvalue"),
    (("mediation", "effects", 0, "ci_lower"), "resampled"),
    (("mediation", "effects", 0, "est"), "estimate"),
    (("hypotheses", 1, "se"), "resampled"),
    (("hypotheses", 0, "se"), "estimate"),
    (("power", "curves", 0, "power"), "resampled"),
])
def test_quantity_kinds(path, kind):
    node = RECORD
    for p in path[:-1]:
        node = node[p]
    assert quantity_kind(tuple(p for p in path if isinstance(p, str))[:-1], path[-1], node) == kind


def test_last_digit_differences_are_within_tolerance_and_the_largest_is_named():
    rec = _changed(("measurement", "loadings", 1, "est"), lambda x: x * (1 + 4e-11))
    rec["measurement"]["fit"]["pvalue"] += 3e-13
    rec["measurement"]["loadings"][1]["pvalue"] *= 1 + 1e-12  # far tail: relative moves mean nothing
    rec["measurement"]["fit"]["delta_cfi"] = -4e-16  # zero but for rounding
    rec["mediation"]["effects"][0]["ci_upper"] += 3e-9
    c = compare_results(RECORD, rec)
    assert c.within_tolerance and c.n_differing == 5
    assert c.largest.where == "mediation.effects[ind].ci_upper" and c.largest.kind == "resampled"
    assert c.largest.share == pytest.approx(3e-9 / (1e-5 * 0.3660585302), rel=1e-6)


@pytest.mark.parametrize(("path", "value", "where", "kind"), [
    (("measurement", "loadings", 1, "est"), lambda x: x * (1 + 2e-6), "measurement.loadings[IDE ide_2].est",
     "estimate"),
    (("measurement", "fit", "pvalue"), lambda x: x + 2e-6, "measurement.fit.pvalue", "pvalue"),
    (("mediation", "effects", 0, "ci_lower"), lambda x: x * (1 + 5e-5), "mediation.effects[ind].ci_lower",
     "resampled"),
    (("hypotheses", 0, "se"), lambda x: x * (1 + 5e-6), "hypotheses[H1].se", "estimate"),
    (("measurement", "fit", "delta_cfi"), 2e-9, "measurement.fit.delta_cfi", "estimate"),
])
def test_a_change_beyond_its_tolerance_is_named_with_both_values(path, value, where, kind):
    rec = _changed(path, value)
    c = compare_results(RECORD, rec)
    assert not c.within_tolerance and len(c.failures) == 1
    f = c.failures[0]
    assert (f.where, f.kind) == (where, kind)
    assert f.share > 1
    assert f.describe().startswith(f"{where}: recorded {f.recorded!r}, re-run {f.fresh!r} (difference ")
    assert f.describe().endswith(f"tolerance: {TOLERANCES[kind].describe()})")


@pytest.mark.parametrize(("path", "value", "expected"), [
    (("measurement", "nobs"), 576, "measurement.nobs: recorded 576, re-run 577"),
    (("hypotheses", 0, "supported"), False, "hypotheses[H1].supported: recorded false, re-run true"),
    (("measurement", "loadings", 0, "pvalue"), 0.5, "measurement.loadings[IDE ide_1].pvalue: recorded 0.5, "
                                                      "re-run null"),
    (("measurement", "loadings"), [], "measurement.loadings: recorded 0 entries, re-run 2 entries"),
    (("mediation", "n_boot"), 2000, "mediation.n_boot: recorded 2000, re-run 1000"),
])
def test_counts_decisions_and_structure_must_be_equal(path, value, expected):
    rec = _changed(path, value)
    c = compare_results(rec, RECORD)
    assert not c.within_tolerance
    assert c.failures[0].describe() == expected


def test_a_key_present_in_only_one_record():
    rec = copy.deepcopy(RECORD)
    del rec["power"]
    c = compare_results(RECORD, rec)
    assert [f.describe() for f in c.failures] == ['power: recorded {"curves": [{"parameter": "a", "n": 200, '
                                                  '"power": 0.815}]}, re-run (absent)']


def test_iteration_counts_are_listed_but_never_a_difference():
    """The demo's CFA takes 8 iterations with OpenBLAS's Haswell kernel and 7 with Katmai."""
    c = compare_results(RECORD, _changed(("measurement", "iterations"), 7))
    assert c.within_tolerance and c.n_differing == 1
    assert c.largest.describe() == ("measurement.iterations: recorded 8, re-run 7 (difference 1, relative 0.12; "
                                    "tolerance: iterations, not compared)")
    # any other difference is larger
    rec = _changed(("measurement", "iterations"), 7)
    rec["measurement"]["fit"]["cfi"] *= 1 + 1e-13
    assert compare_results(RECORD, rec).largest.where == "measurement.fit.cfi"
