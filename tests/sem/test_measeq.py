"""The ordinal invariance models (Wu & Estabrook 2016) against semTools' ``measEq.syntax``
fitted by lavaan 0.6.14 (tests/reference/make_ordinal_invariance_reference.R)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import surveykit as sk
from surveykit.errors import SpecError
from surveykit.sem.api import parameter_table
from surveykit.sem.measeq import ordinal_invariance_syntax
from tests.conftest import REF, load_ref

# the bfi items have sparse bivariate tables (DataQualityWarning), as in lavaan (which says nothing)
pytestmark = pytest.mark.filterwarnings("ignore::surveykit.errors.DataQualityWarning")

ORD = load_ref("ordinal_invariance")
ITEMS = ORD["items"]
SCENARIOS = {s["id"]: s for s in ORD["scenarios"]}
CASES = [(s["id"], lvl["level"]) for s in ORD["scenarios"] for lvl in s["levels"]]


def scenario_data(sid: str) -> pd.DataFrame:
    """The two data sets of the R script: the six-category items, and the same with A1 binary
    and C2 in three categories."""
    bfi = pd.read_csv(REF / "data" / "bfi.csv")
    d = bfi[ITEMS + ["gender"]].dropna().reset_index(drop=True)
    if sid == "bfi_mixed_theta":
        d["A1"] = (d["A1"] > 3).astype(int)
        d["C2"] = (d["C2"] > 2).astype(int) + (d["C2"] > 4).astype(int)
    return d


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    return {sid: scenario_data(sid) for sid in SCENARIOS}


def _configural(sid: str, data):
    par = SCENARIOS[sid]["parameterization"]
    return parameter_table(ORD["model"], data[sid], ordered=ITEMS, group="gender", std_lv=True, parameterization=par)


def _level(sid: str, level: str) -> dict:
    return next(lv for lv in SCENARIOS[sid]["levels"] if lv["level"] == level)


def _structure(pt) -> dict:
    """Each row's (free or fixed value) and the partition of rows into equality classes: what
    makes two parameter tables the same model whatever the labels."""
    t = pt.table
    t = t[t["op"].isin(["=~", "~~", "~1", "|", "~*~", "~"])]
    cells = {}
    for r in t.itertuples():
        cells[(r.lhs, r.op, r.rhs, r.group)] = ("free", r.free) if r.free > 0 else ("fixed", round(r.ustart, 12))
    classes: dict[int, list] = {}
    for key, (kind, val) in cells.items():
        if kind == "free":
            classes.setdefault(val, []).append(key)
    partition = sorted(sorted(v) for v in classes.values())
    pattern = {k: (v[0] if v[0] == "free" else v) for k, v in cells.items()}
    return {"pattern": pattern, "partition": partition}


@pytest.mark.parametrize(("sid", "level"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_same_model_as_measeq_syntax(sid, level, data):
    """The syntax written here and semTools' syntax give the same parameter table: every row free
    or fixed at the same value, and the same equality classes."""
    par = SCENARIOS[sid]["parameterization"]
    ours = ordinal_invariance_syntax(_configural(sid, data), level, parameterization=par)
    kw = {"ordered": ITEMS, "group": "gender", "std_lv": True, "parameterization": par}
    mine = parameter_table(ours, data[sid], **kw)
    theirs = parameter_table(_level(sid, level)["syntax"], data[sid], **kw)
    assert _structure(mine) == _structure(theirs)


@pytest.mark.parametrize(("sid", "level"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_fit_matches_lavaan(sid, level, data):
    """chisq and the scaled statistic 1e-6 relative, df exactly, the scaled indices and SRMR 1e-5."""
    par = SCENARIOS[sid]["parameterization"]
    syntax = ordinal_invariance_syntax(_configural(sid, data), level, parameterization=par)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.errors.SurveykitWarning)
        fit = sk.cfa(syntax, data[sid], ordered=ITEMS, group="gender", std_lv=True, parameterization=par)
    fm = fit.fit_measures()
    ref = _level(sid, level)["fit"]
    assert fm["df"] == ref["df"] and fm["npar"] == ref["npar"]
    for key in ("chisq", "chisq.scaled", "df.scaled"):
        assert fm[key.replace(".", "_")] == pytest.approx(ref[key], rel=1e-6), key
    for key in ("cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi", "tli", "rmsea", "srmr"):
        assert fm[key.replace(".", "_")] == pytest.approx(ref[key], rel=1e-5), key


def test_binary_items_keep_their_scale_until_intercepts_are_equal(data):
    pt = _configural("bfi_mixed_theta", data)
    thresholds = ordinal_invariance_syntax(pt, "thresholds", parameterization="theta")
    scalar = ordinal_invariance_syntax(pt, "scalar", parameterization="theta")
    assert "A1 ~~ c(1, 1)*A1" in thresholds and "A2 ~~ c(1, NA)*A2" in thresholds
    assert "A1 ~~ c(1, NA)*A1" in scalar
    assert "A1 ~ c(0, NA)*1" in thresholds and "A1 ~ c(0, 0)*1" in scalar


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"level": "strict"}, "Residual variances of ordinal indicators can only be tested for invariance in the theta"),
    ({"level": "partial"}, "level='partial' is not one of configural, thresholds, metric, scalar, strict"),
])
def test_refusals(data, kwargs, message):
    pt = _configural("bfi_delta", data)
    with pytest.raises(SpecError, match=message):
        ordinal_invariance_syntax(pt, parameterization="delta", **kwargs)


def test_refuses_continuous_indicators_and_constraints(data):
    d = data["bfi_delta"]
    pt = parameter_table(ORD["model"], d, group="gender", std_lv=True)
    with pytest.raises(SpecError, match="needs every indicator ordinal; A1, A2, A3, A4, A5, C1, .*, C5 are not"):
        ordinal_invariance_syntax(pt, "metric")
    pt = parameter_table(ORD["model"] + "\nd := 2 * 1", d, ordered=ITEMS, group="gender", std_lv=True)
    with pytest.raises(SpecError, match="remove the '==' and ':=' lines"):
        ordinal_invariance_syntax(pt, "metric")
