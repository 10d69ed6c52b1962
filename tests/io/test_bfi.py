"""The bfi data (psych) as written by R haven: labels from the .sav, numbers equal the .csv."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from surveykit.io import iter_chunks, read_file

from ._helpers import sha256

REF = Path(__file__).parents[1] / "reference" / "data"
SCALE = {
    1: "Very Inaccurate",
    2: "Moderately Inaccurate",
    3: "Slightly Inaccurate",
    4: "Slightly Accurate",
    5: "Moderately Accurate",
    6: "Very Accurate",
}


def test_bfi_sav_labels() -> None:
    raw = read_file(REF / "bfi.sav")
    variables = raw.metadata.variables
    assert raw.frame.shape == (2800, 28)
    assert raw.metadata.n_rows == 2800
    assert variables["A1"].label == "Am indifferent to the feelings of others."
    assert variables["O5"].label == "Will not probe deeply into a subject."
    assert variables["age"].label == "Age in years"
    assert variables["A1"].value_labels == SCALE
    assert variables["gender"].value_labels == {1: "Males", 2: "Females"}
    assert variables["education"].value_labels[5] == "graduate degree"
    assert variables["age"].value_labels == {}
    assert all(v.missing_values == () and v.missing_ranges == () for v in variables.values())


def test_bfi_sav_numbers_equal_csv() -> None:
    sav = read_file(REF / "bfi.sav").frame
    csv = read_file(REF / "bfi.csv").frame
    assert list(sav.columns) == list(csv.columns)
    np.testing.assert_array_equal(sav.to_numpy(dtype=float), csv.to_numpy(dtype=float))
    assert int(sav["education"].isna().sum()) == 223


def test_bfi_chunks_equal_whole() -> None:
    whole = read_file(REF / "bfi.sav").frame
    chunks = list(iter_chunks(REF / "bfi.sav", chunksize=1000))
    assert [len(c.frame) for c in chunks] == [1000, 1000, 800]
    pd.testing.assert_frame_equal(pd.concat([c.frame for c in chunks]), whole)


def test_bfi_files_unchanged_by_reading() -> None:
    before = {name: sha256(REF / name) for name in ("bfi.sav", "bfi.csv")}
    read_file(REF / "bfi.sav")
    read_file(REF / "bfi.csv")
    assert {name: sha256(REF / name) for name in before} == before
