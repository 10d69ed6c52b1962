"""The parameter table (surveykit/sem/partable.py) against lavaan's ``parTable()`` of every corpus
case that lavaan fitted: the same rows, the same free/fixed status, the same fixed values and
the same equality constraints (lavaan's ``==`` rows and shared labels as equality classes;
surveykit's shared free indices), plus the rules of lavaanify that the corpus does not reach."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.sem.api import parameter_table
from surveykit.sem.partable import build_partable

from .corpus import case_ids, load_case, load_data, surveykit_kwargs
from .test_corpus import REFUSED

_PARAM_OPS = {"=~", "~", "~~", "~1", "|", "~*~"}


def _lavaan_classes(rows: list[dict]) -> dict[tuple, int]:
    """Equality classes of lavaan's free parameters: rows linked by '==' rows (lhs/rhs are labels
    or plabels) share a class."""
    parent: dict[int, int] = {}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_name: dict[str, int] = {}
    for i, r in enumerate(rows):
        if r["op"] in _PARAM_OPS and r["free"] > 0:
            parent[i] = i
            by_name[r["plabel"]] = i
            if r.get("label"):
                by_name.setdefault(r["label"], i)
    for r in rows:
        if r["op"] == "==" and r["lhs"] in by_name and r["rhs"] in by_name:
            a, b = find(by_name[r["lhs"]]), find(by_name[r["rhs"]])
            parent[b] = a
    return {_key(rows[i]): find(i) for i in parent}


def _key(r: dict) -> tuple:
    return (r["lhs"], r["op"], r["rhs"], int(r.get("group") or 1))


def _partition(mapping: dict) -> set[frozenset]:
    classes: dict = {}
    for k, c in mapping.items():
        classes.setdefault(c, set()).add(k)
    return {frozenset(v) for v in classes.values()}


CASES = [c for c in case_ids() if not load_case(c).get("error") and c not in REFUSED]


@pytest.mark.parametrize("cid", CASES)
def test_parameter_table_matches_lavaan(cid):
    case = load_case(cid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pt = parameter_table(case["model"], load_data(case["data"]), model_type=case["function"],
                             **surveykit_kwargs(case))
    lav = [r for r in case["partable"] if r["op"] in _PARAM_OPS]
    ours = pt.table
    mine = {}
    for r in ours.to_dict("records"):
        mine[(r["lhs"], r["op"], r["rhs"], int(r["group"]))] = r
    lav_keys = set()
    for r in lav:
        key = _key(r)
        m = mine.get(key) or (mine.get((key[2], key[1], key[0], key[3])) if key[1] == "~~" else None)
        assert m is not None, f"{cid}: lavaan row {key} missing"
        lav_keys.add((m["lhs"], m["op"], m["rhs"], int(m["group"])))
        assert (m["free"] > 0) == (r["free"] > 0), f"{cid}: {key} free {m['free']} vs lavaan {r['free']}"
        if r["free"] == 0 and r.get("exo", 0) == 0 and r.get("ustart") is not None and r["op"] not in ("~*~",):
            if not (r["op"] == "~~" and r["lhs"] == r["rhs"] and r["lhs"] in pt.ov_ord):
                assert m["ustart"] == pytest.approx(r["ustart"], abs=1e-12), f"{cid}: {key} fixed value"
        if r.get("exo", 0) == 1 and r["free"] == 0:
            assert m["exo"] == 1 and np.isfinite(m["ustart"]), f"{cid}: {key} fixed.x row"
            # (1e-4: with missing="ml.x" they are EM estimates, converged more tightly than lavaan's)
            assert m["ustart"] == pytest.approx(r["est"], rel=1e-4, abs=1e-10), f"{cid}: {key} fixed.x value"
    extra = set(mine) - lav_keys
    assert not extra, f"{cid}: rows lavaan does not have: {sorted(extra)[:5]}"
    # equality classes
    ours_classes = {k: int(v["free"]) for k, v in mine.items() if v["free"] > 0}
    lav_classes = _lavaan_classes(case["partable"])
    lav_classes = {(k if k in mine else (k[2], k[1], k[0], k[3])): c for k, c in lav_classes.items()}
    assert _partition(ours_classes) == _partition(lav_classes), cid


HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _rows(pt, **where) -> pd.DataFrame:
    t = pt.table
    mask = np.ones(len(t), dtype=bool)
    for k, v in where.items():
        mask &= t[k].to_numpy() == v
    return t[mask]


def test_group_vectors_label_fix_and_free_per_group():
    pt = build_partable("f =~ x1 + c(a, b)*x2 + c(1, NA)*x3 + x4", ngroups=2)
    x3 = _rows(pt, op="=~", rhs="x3")
    assert list(x3["free"] > 0) == [False, True] and x3["ustart"].iloc[0] == 1.0
    pt = build_partable("f =~ x1 + c(a, b)*x2 + c(1, NA)*x3 + x4", ngroups=2, group_equal=("loadings",))
    x2 = _rows(pt, op="=~", rhs="x2")
    # per-group labels override group_equal (lavaan: a user label wins over the automatic one)
    assert list(x2["label"]) == ["a", "b"] and x2["free"].iloc[0] != x2["free"].iloc[1]
    x4 = _rows(pt, op="=~", rhs="x4")
    assert x4["free"].iloc[0] == x4["free"].iloc[1] > 0  # group_equal loadings
    # an equality class with a fixed member is fixed (lavaan): group 2's NA gives way to group_equal
    x3 = _rows(pt, op="=~", rhs="x3")
    assert list(x3["free"]) == [0, 0] and list(x3["ustart"]) == [1.0, 1.0]


def test_a_vector_of_the_wrong_length_is_refused():
    with pytest.raises(ModelSpecificationError, match=r"has 3 values for 2 group\(s\); give one value per group"):
        build_partable("f =~ x1 + c(a, b, c)*x2 + x3", ngroups=2)


def test_equal_modifier_and_simple_equality_constraints():
    pt = build_partable('f =~ x1 + x2 + equal("f=~x2")*x3 + a*x4 + b*x5\na == b')
    load = _rows(pt, op="=~").set_index("rhs")["free"]
    assert load["x2"] == load["x3"] > 0
    assert load["x4"] == load["x5"] > 0
    with pytest.raises(ModelSpecificationError, match=r"only simple equality constraints .* not 'a == 2\*b'"):
        build_partable("f =~ x1 + a*x2 + b*x3\na == 2*b")
    with pytest.raises(ModelSpecificationError, match=r"equal\('f=~x9'\) does not name a parameter"):
        build_partable('f =~ x1 + x2 + equal("f=~x9")*x3')


def test_group_partial_written_as_lavaan_writes_it():
    for spelling in ("visual=~x2", "visual =~ x2", " visual=~ x2 "):
        pt = build_partable(HS, ngroups=2, group_equal=("loadings",), group_partial=(spelling,))
        x2 = _rows(pt, op="=~", rhs="x2")
        assert x2["free"].iloc[0] != x2["free"].iloc[1], spelling
    with pytest.raises(ModelSpecificationError, match=r"group_partial names 'visual=~x9', which is not a parameter"):
        build_partable(HS, ngroups=2, group_equal=("loadings",), group_partial=("visual=~x9",))


def test_duplicate_rows_and_self_paths_are_refused():
    with pytest.raises(ModelSpecificationError, match=r"line 2: 'f =~ x2' is specified twice \(also line 1\)"):
        build_partable("f =~ x1 + x2 + x3\nf =~ x2")
    with pytest.raises(ModelSpecificationError, match=r"'y ~ y' relates a variable to itself"):
        build_partable("f =~ x1 + x2 + x3\ny ~ y")
    with pytest.raises(ModelSpecificationError, match=r"defined parameter 'ab' is defined twice"):
        build_partable("y ~ a*x\nz ~ b*y\nab := a*b\nab := a+b")


def test_options_that_cfa_sets_itself_are_refused(hs):
    from surveykit.sem import cfa

    with pytest.raises(SpecError, match=r"auto_fix_single= is set by cfa\(\)/sem\(\)/growth\(\) themselves"):
        cfa(HS, hs, auto_fix_single=False)
    with pytest.raises(SpecError, match=r"iter_max= is not an option of sem\(\)/cfa\(\)/growth\(\)"):
        cfa(HS, hs, iter_max=5)
