"""SurveyData: matching columns to the instrument, missing codes, keying, scoring, validation, screening."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.data import ScreeningRule, careless_indices, read_survey, screen, validate
from surveykit.errors import DataError


@pytest.fixture(scope="module")
def ins():
    return sk.load_instrument(sk.datasets.demo_instrument_path())


@pytest.fixture(scope="module")
def demo(ins):
    return read_survey(sk.datasets.demo_path("sav"), instrument=ins)


def test_declared_missing_codes_become_nan_and_are_counted(demo):
    raw = pd.read_csv(sk.datasets.demo_path("csv"))
    for item, codes in demo.missing_code_counts.items():
        for code, n in codes.items():
            assert (raw[item] == code).sum() == n
        assert demo.frame[item].isna().sum() == sum(codes.values())
    assert sum(map(len, demo.missing_code_counts.values())) > 5
    items = demo.frame[demo.item_ids()]
    assert set(np.unique(items.to_numpy()[~np.isnan(items.to_numpy())])) <= {1, 2, 3, 4, 5}


def test_keyed_reverses_only_reverse_items(demo, ins):
    keyed = demo.keyed()
    for it in ins.items:
        if it.reverse:
            np.testing.assert_array_equal(keyed[it.id], 6 - demo.frame[it.id])
        else:
            np.testing.assert_array_equal(keyed[it.id], demo.frame[it.id])
    # the stored frame is untouched
    assert not demo.frame.equals(keyed)


def test_scores_are_means_of_keyed_items(demo):
    scores = demo.scores()
    keyed = demo.keyed()
    row = 0
    np.testing.assert_allclose(scores.loc[row, "IDE"], keyed.loc[row, demo.item_ids("IDE")].mean())
    assert list(scores.columns) == ["IDE", "ORG", "CAP", "STY", "INT", "INS", "MEC", "EXE"]


def test_match_by_alias_and_label(tmp_path, ins):
    raw = pd.read_csv(sk.datasets.demo_path("csv"))
    renamed = raw.rename(columns={"ide_1": "IDE_1", "exe_5": "Q40"})
    p = tmp_path / "renamed.csv"
    renamed.to_csv(p, index=False)
    data = read_survey(p, instrument=ins)
    how = {m.variable: (m.column, m.how) for m in data.matches}
    assert how["ide_1"] == ("IDE_1", "name")  # case-insensitive id
    assert how["exe_5"] == (None, "missing")
    assert "Q40" in data.unknown_columns
    rep = validate(data)
    assert not rep.ok
    assert any(p.kind == "missing_column" and p.column == "exe_5" for p in rep.errors)
    with pytest.raises(DataError, match="Item 'exe_5' of instrument 'execution_capacity' is not a column"):
        rep.raise_if_blocking()


def test_match_by_variable_label_in_sav(tmp_path, ins):
    from surveykit.io import read_file, write_sav

    raw = read_file(sk.datasets.demo_path("sav"))
    frame = raw.frame.rename(columns={"sty_2": "V17"})
    labels = {n: v.label for n, v in raw.metadata.variables.items() if v.label}
    labels["V17"] = labels.pop("sty_2")
    p = tmp_path / "labelled.sav"
    write_sav(frame, p, variable_labels=labels)
    data = read_survey(p, instrument=ins)
    m = {x.variable: x for x in data.matches}["sty_2"]
    assert (m.column, m.how) == ("V17", "label")
    assert "sty_2" in data.frame.columns


def test_validation_of_out_of_range_duplicates_and_constants(tmp_path, ins):
    raw = pd.read_csv(sk.datasets.demo_path("csv"))
    raw.loc[[0, 7], "org_2"] = 6
    raw.loc[4, "respondent_id"] = raw.loc[5, "respondent_id"]
    raw["cap_1"] = 3
    p = tmp_path / "bad.csv"
    raw.to_csv(p, index=False)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    rep = validate(read_survey(p, instrument=ins))
    kinds = {(x.kind, x.column): x for x in rep.problems}
    oor = kinds[("out_of_range", "org_2")]
    assert oor.rows == (1, 8) and "6 (2 rows)" in oor.message
    assert kinds[("duplicate_id", "respondent_id")].rows == (5, 6)
    assert kinds[("constant_item", "cap_1")].severity == "warning"
    assert not rep.ok
    assert hashlib.sha256(p.read_bytes()).hexdigest() == digest


def test_text_in_item_column_is_a_clear_error(tmp_path, ins):
    raw = pd.read_csv(sk.datasets.demo_path("csv"))
    raw["ide_3"] = raw["ide_3"].astype(object)
    raw.loc[2, "ide_3"] = "同意"
    p = tmp_path / "text.csv"
    raw.to_csv(p, index=False)
    with pytest.warns(sk.errors.DataQualityWarning, match="has 1 text value"):
        with pytest.raises(DataError, match=r"item column 'ide_3' holds text such as '同意' \(data row 3\)"):
            read_survey(p, instrument=ins)


def test_careless_indices_by_hand():
    ins = sk.load_instrument(sk.datasets.demo_instrument_path())
    ids = ins.item_ids
    assert len(ids) == 42
    frame = pd.DataFrame([[3] * 42, [1, 2] * 21, [4] * 21 + [5] * 21], columns=ids, dtype=float)
    frame.loc[2, ids[0]] = np.nan
    frame["duration_sec"] = [100, 500, 700]
    data = sk.SurveyData(frame=frame, instrument=ins)
    idx = careless_indices(data)
    assert idx["longstring"].tolist() == [42, 1, 21]
    assert idx["irv"][0] == 0.0
    assert idx["irv"][1] == pytest.approx(np.std([1, 2] * 21, ddof=1))
    assert idx["prop_missing"].tolist() == [0, 0, 1 / 42]
    res = screen(data, [ScreeningRule(rule="longstring"), ScreeningRule(rule="speed", min_seconds=180)])
    assert res.n_before == 3 and res.n_after == 2
    assert res.counts()["flagged"].tolist() == [1, 1]
    assert res.excluded.tolist() == [True, False, False]


def test_mahalanobis_matches_direct_computation(demo):
    idx = careless_indices(demo)
    x = demo.frame[demo.item_ids()].dropna()
    d = x.to_numpy() - x.to_numpy().mean(axis=0)
    inv = np.linalg.inv(np.cov(x.to_numpy(), rowvar=False))
    d2 = np.einsum("ij,jk,ik->i", d, inv, d)
    np.testing.assert_allclose(idx.loc[x.index, "mahalanobis"], d2, rtol=1e-10)
