"""Streaming: scoring a file in chunks gives the whole-file results."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.data import read_survey, score_file
from surveykit.data.stream import CrossProducts, Moments
from surveykit.errors import DataError
from surveykit.io import write_sav

from ._instruments import FIXTURES, with_attention


@pytest.fixture(scope="module")
def ins():
    return sk.load_instrument(sk.datasets.demo_instrument_path())


@pytest.fixture(scope="module")
def whole(ins):
    return read_survey(sk.datasets.demo_path("sav"), instrument=ins)


def _check_against_whole(summary, data) -> None:
    keyed = data.keyed()[data.item_ids()]
    complete = keyed.dropna()
    assert summary.n_rows == data.n and summary.n_complete == len(complete)
    np.testing.assert_allclose(summary.covariance.to_numpy(), np.cov(complete.to_numpy(), rowvar=False),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(summary.means.to_numpy(), complete.mean().to_numpy(), rtol=0, atol=1e-12)
    items = summary.items
    np.testing.assert_array_equal(items["n"], keyed.notna().sum().to_numpy())
    np.testing.assert_allclose(items["mean"], keyed.mean().to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(items["sd"], keyed.std().to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(items["min"], keyed.min().to_numpy())
    scores = data.scores()
    np.testing.assert_allclose(summary.scores["mean"], scores.mean().to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(summary.scores["sd"], scores.std().to_numpy(), rtol=0, atol=1e-12)
    assert summary.missing_code_counts == data.missing_code_counts


@pytest.mark.parametrize(("kind", "chunksize"), [("sav", 97), ("csv", 250), ("csv", 10_000)])
def test_chunked_equals_whole_file(kind, chunksize, ins, whole):
    summary = score_file(sk.datasets.demo_path(kind), ins, chunksize=chunksize)
    assert summary.n_chunks == -(-600 // chunksize)
    _check_against_whole(summary, whole)


def test_chunk_sizes_agree_with_each_other(ins):
    a = score_file(sk.datasets.demo_path("sav"), ins, chunksize=150)
    b = score_file(sk.datasets.demo_path("csv"), ins, chunksize=600)
    np.testing.assert_allclose(a.covariance, b.covariance, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(a.items[["construct", "reverse", "n", "n_missing", "min", "max"]],
                                  b.items[["construct", "reverse", "n", "n_missing", "min", "max"]])


def test_platform_text_export_streams(ins):
    path = FIXTURES / "wjx_text_gbk.csv"
    summary = score_file(path, ins, chunksize=12)
    _check_against_whole(summary, read_survey(path, instrument=ins))
    assert summary.metadata.layout == "wjx"
    assert {m.text for m in summary.text_mappings} >= {"非常同意", "不清楚", "城市"}
    assert sum(m.n for m in summary.text_mappings if m.variable == "ide_1") == 30


def test_moments_merge_is_stable_with_a_large_offset():
    rng = np.random.default_rng(5)
    shifted = rng.normal(size=(1000, 3))
    shifted[rng.random(shifted.shape) < 0.1] = np.nan
    x = 1e6 + shifted  # naive sums of squares would lose about 12 of 16 digits here
    shifted = x - 1e6  # exact (Sterbenz): the reference without the offset
    m, c = Moments(["a", "b", "c"]), CrossProducts(["a", "b", "c"])
    for start in range(0, 1000, 33):
        m.add(x[start : start + 33])
        c.add(x[start : start + 33])
    reference = pd.DataFrame(shifted)
    np.testing.assert_allclose(m.frame()["sd"], reference.std().to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(m.frame()["mean"] - 1e6, reference.mean().to_numpy(), atol=1e-9)
    complete = reference.dropna().to_numpy()
    np.testing.assert_allclose(c.covariance(), np.cov(complete, rowvar=False), rtol=1e-8, atol=1e-10)
    assert c.n == len(complete)


def test_scores_written_atomically(tmp_path, ins, whole):
    out = tmp_path / "scores.csv"
    summary = score_file(sk.datasets.demo_path("sav"), ins, chunksize=128, scores_out=out)
    assert summary.scores_path == str(out)
    written = pd.read_csv(out)
    assert list(written.columns) == ["respondent_id", *[c.code for c in ins.constructs]]
    np.testing.assert_allclose(written[["IDE", "EXE"]].to_numpy(), whole.scores()[["IDE", "EXE"]].to_numpy(),
                               rtol=1e-15)
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


def test_progress_goes_to_stderr_only(capsys, ins):
    score_file(sk.datasets.demo_path("csv"), ins, chunksize=300, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""


def test_summary_and_dict(ins):
    summary = score_file(sk.datasets.demo_path("sav"), ins, chunksize=250)
    d = summary.to_dict()
    assert d["n_rows"] == 600 and d["n_chunks"] == 3 and len(d["items"]) == 42
    assert "600 rows read in 3 chunk(s)" in str(summary)
    assert summary.to_frame().index.name == "item"


def test_stream_errors_name_the_row(tmp_path, ins):
    raw = pd.read_csv(sk.datasets.demo_path("csv"))
    raw.loc[450, "cap_2"] = 0
    bad = tmp_path / "bad.csv"
    raw.to_csv(bad, index=False)
    with pytest.raises(DataError, match=r"item 'cap_2' has values outside its scale 1-5 \(0\) at data row\(s\) 451"):
        score_file(bad, ins, chunksize=100)
    raw = pd.read_csv(sk.datasets.demo_path("csv")).drop(columns=["ide_2", "exe_6"])
    short = tmp_path / "short.csv"
    raw.to_csv(short, index=False)
    with pytest.raises(DataError, match=r"item\(s\) ide_2, exe_6 of instrument 'execution_capacity' are not columns"):
        score_file(short, ins)
    with pytest.raises(DataError, match="chunksize must be a positive whole number"):
        score_file(short, ins, chunksize=0)


def test_codes_and_texts_mixed_across_chunks_are_refused_like_the_whole_file(tmp_path, ins):
    raw = pd.read_csv(sk.datasets.demo_path("csv"))
    labels = {1: "非常不同意", 2: "不同意", 3: "既不同意也不反对", 4: "同意", 5: "非常同意", 8: "不清楚", 9: "拒答"}
    first = re.escape(labels[raw.loc[0, "ide_1"]])
    raw["ide_1"] = raw["ide_1"].astype(object)
    raw.loc[:299, "ide_1"] = raw.loc[:299, "ide_1"].map(labels)
    path = tmp_path / "mixed.csv"
    buffer = io.StringIO()
    raw.to_csv(buffer, index=False)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    expected = rf"item column 'ide_1' holds text such as '{first}' \(data row 1\) among numeric"
    with pytest.raises(DataError, match=expected):
        read_survey(path, instrument=ins)
    with pytest.raises(DataError, match=expected):
        score_file(path, ins, chunksize=100)


def test_worker_processes_do_not_change_the_results(ins):
    """Chunks read by worker processes (jobs=2) are scored exactly as chunks read here (jobs=1)."""
    here = score_file(sk.datasets.demo_path("sav"), ins, chunksize=97, jobs=1)
    workers = score_file(sk.datasets.demo_path("sav"), ins, chunksize=97, jobs=2)
    assert (workers.n_rows, workers.n_chunks, workers.n_complete) == (here.n_rows, here.n_chunks, here.n_complete)
    pd.testing.assert_frame_equal(workers.items, here.items, check_exact=True)
    pd.testing.assert_frame_equal(workers.covariance, here.covariance, check_exact=True)
    pd.testing.assert_frame_equal(workers.scores, here.scores, check_exact=True)
    assert workers.missing_code_counts == here.missing_code_counts
    assert workers.metadata == here.metadata


@pytest.mark.parametrize("name", ["qualtrics_numeric.csv", "wjx_numeric_gbk.csv"])
def test_numeric_exports_with_an_attention_check(name):
    """Numeric platform exports take the numpy path; the attention check's missing codes are counted too."""
    ins = with_attention()
    path = FIXTURES / name
    summary = score_file(path, ins, chunksize=7)
    whole = read_survey(path, instrument=ins)
    _check_against_whole(summary, whole)
    assert summary.missing_code_counts == {"org_3": {8: 1, 9: 2}, "int_5": {8: 1}, "mec_5": {9: 1}, "exe_4": {8: 1}}


def test_missing_ranges_and_reverse_keying_in_a_sav_file(tmp_path, ins):
    """A declared missing range (7-9) and a discrete code (0), counted by value like read_survey counts them;
    the attention check's missing code is counted too."""
    raw = read_survey(sk.datasets.demo_path("sav"), instrument=ins).frame
    frame = pd.DataFrame({"respondent_id": np.arange(1.0, 601.0)})
    for item in ins.item_ids:
        frame[item] = raw[item].fillna(8.0).to_numpy()
    frame["att_1"] = 4.0
    frame.loc[[17, 590], "att_1"] = 9.0
    frame.loc[[3, 250, 599], "ide_1"] = 7.0
    frame.loc[[10, 11], "ide_1"] = 0.0
    frame.loc[[5], "exe_6"] = 9.0
    path = tmp_path / "ranges.sav"
    write_sav(frame, path, missing_values={item: [(7, 9), 0] for item in [*ins.item_ids, "att_1"]})
    before = path.read_bytes()
    summary = score_file(path, with_attention(), chunksize=128)
    whole = read_survey(path, instrument=with_attention())
    _check_against_whole(summary, whole)
    assert summary.missing_code_counts["ide_1"] == {0: 2, 7: 3, 8: int(raw["ide_1"].isna().sum())}
    assert summary.missing_code_counts["exe_6"][9] == 1
    assert summary.missing_code_counts["att_1"] == {9: 2}
    reverse = [i for i in ins.item_ids if ins.item(i).reverse]
    assert summary.items.loc[reverse, "reverse"].all()
    keyed_mean = (6 - whole.frame[reverse[0]]).mean()
    assert summary.items.loc[reverse[0], "mean"] == pytest.approx(keyed_mean, abs=1e-12)
    assert path.read_bytes() == before


def test_out_of_range_code_in_a_chunk_read_by_a_worker(tmp_path, ins):
    """The error names the row in a later chunk, and no worker process is left running."""
    import multiprocessing

    raw = read_survey(sk.datasets.demo_path("sav"), instrument=ins).frame
    frame = raw[["respondent_id", *ins.item_ids]].copy()
    frame.loc[450, "cap_2"] = 0.0
    frame.loc[451, "cap_2"] = 2.5  # inside 1-5, but not a point of the scale
    path = tmp_path / "bad.sav"
    write_sav(frame, path)
    # other tests leave joblib's loky workers alive in this process: only new children count
    before = set(multiprocessing.active_children())
    with pytest.raises(DataError, match=r"item 'cap_2' has values outside its scale 1-5 \(0, 2\.5\) at data row\(s\) "
                                        r"451, 452\."):
        score_file(path, ins, chunksize=100, jobs=2)
    assert set(multiprocessing.active_children()) - before == set()


def test_bad_jobs(ins):
    for bad in (0, -2, 1.5, True):
        with pytest.raises(DataError, match=r"jobs must be a positive whole number of processes or -1"):
            score_file(sk.datasets.demo_path("sav"), ins, jobs=bad)


def test_score_csv_ids_that_look_like_formulas_are_neutralized(tmp_path):
    """A respondent id starting with '=' would run as a formula when the scores are opened in a
    spreadsheet (OWASP CSV injection, issue 13): it gets a leading quote; the scores stay numbers."""
    import copy

    from surveykit.data import score_file
    from surveykit.instrument import instrument_from_dict
    from tests._tiny import INSTRUMENT, tiny_data

    ins = copy.deepcopy(INSTRUMENT)
    ins["respondent"] = [{"id": "rid", "label": "id", "type": "id"}]
    data = tiny_data(n=4)
    data.insert(0, "rid", ["=1+1", "@cmd", "-3", "r4"])
    data.to_csv(tmp_path / "d.csv", index=False)
    score_file(tmp_path / "d.csv", instrument_from_dict(ins), scores_out=tmp_path / "s.csv", progress=False)
    lines = (tmp_path / "s.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in lines] == ["rid", "'=1+1", "'@cmd", "-3", "r4"]
