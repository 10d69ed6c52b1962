"""The standardized solution with delta-method standard errors against lavaan 0.6.14's
``standardizedSolution(fit, type = ...)`` (tests/reference/make_stdsol_reference.R ->
tests/reference/lavaan/stdsol.json)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.errors import SpecError
from tests.conftest import REF, load_ref

STD = load_ref("stdsol")
ORD_ITEMS = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]


def _fit(case_id: str, hs: pd.DataFrame, pol_dem: pd.DataFrame):
    m = STD["models"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.errors.SurveykitWarning)
        if case_id == "hs_ml":
            return sk.cfa(m["hs"], hs)
        if case_id == "pd_ml_defined":
            return sk.sem(m["pd"], pol_dem)
        if case_id == "hs_mimic_nox":
            return sk.sem(m["mimic"], hs)
        if case_id == "hs_mlr_groups":
            return sk.cfa(m["hs"], hs, group="school", group_equal=["loadings"], estimator="MLR")
        if case_id == "hs_fiml":
            return sk.cfa(m["hs"], pd.read_csv(REF / "data" / "corpus" / "hs_mcar.csv"), missing="fiml")
        bfi = pd.read_csv(REF / "data" / "bfi.csv")
        return sk.cfa(m["ordinal"], bfi[ORD_ITEMS + ["gender"]].dropna(), ordered=ORD_ITEMS)


CASES = [(c["id"], kind) for c in STD["cases"] for kind in c["solutions"]]


@pytest.mark.parametrize(("case_id", "kind"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_standardized_solution_matches_lavaan(case_id, kind, hs, pol_dem):
    """Standardized estimates 1e-5 absolute; standard errors 1e-3 relative (both sides differentiate
    numerically); z, p and the 95% interval follow."""
    ref = next(c for c in STD["cases"] if c["id"] == case_id)["solutions"][kind]
    fit = _fit(case_id, hs, pol_dem)
    ours = fit.standardized_solution(type=kind)
    multi = "group" in ours.columns
    index = {}
    for r in ours.to_dict("records"):
        g = int(r["group"]) if multi and r["op"] != ":=" else 1
        index[(r["lhs"], r["op"], r["rhs"] if r["op"] != ":=" else "", g)] = r
    for r in ref:
        key = (r["lhs"], r["op"], r["rhs"] if r["op"] != ":=" else "", int(r["group"]) if r["op"] != ":=" else 1)
        if r["op"] == ":=":
            key = (r["lhs"], ":=", "", 1)
        mine = index.get(key) or index.get((key[2], key[1], key[0], key[3]))
        assert mine is not None, key
        assert mine["est_std"] == pytest.approx(r["est.std"], abs=1e-5), key
        if r["se"] is None or not r["se"] > 0:
            assert not mine["se"] > 1e-6, key
            continue
        assert mine["se"] == pytest.approx(r["se"], rel=1e-3, abs=1e-6), key
        assert mine["ci_lower"] == pytest.approx(r["ci.lower"], abs=1e-4), key


def test_unknown_type_is_refused(hs):
    fit = sk.cfa(STD["models"]["hs"], hs)
    with pytest.raises(SpecError, match="type='std.xyz' is not one of std.all, std.lv, std.nox"):
        fit.standardized_solution(type="std.xyz")
    table = fit.standardized_solution()
    assert list(table.columns) == ["lhs", "op", "rhs", "label", "est_std", "se", "z", "pvalue", "ci_lower",
                                   "ci_upper"]
    assert np.isfinite(table["se"]).all()
