"""iter_chunks: the chunks of every streaming format concatenate to the whole read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat  # only to make a Stata fixture
import pytest

from surveykit.errors import DataQualityWarning, ReadError
from surveykit.io import iter_chunks, read_file, write_csv, write_sav

DATA = Path(__file__).parents[1] / "data" / "io"


def _frame(n: int = 250) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    q1 = rng.integers(1, 6, n).astype(float)
    q1[::17] = np.nan
    q1[5::23] = 9.0
    return pd.DataFrame(
        {"id": np.arange(n, dtype=float), "q1": q1, "城市": rng.choice(["北京", "台北", "上海"], n)}
    )


def _assert_chunks_equal_whole(path: Path, chunksize: int, **kwargs: object) -> list:
    whole = read_file(path, **kwargs)
    chunks = list(iter_chunks(path, chunksize=chunksize, **kwargs))
    assert all(len(c.frame) <= chunksize for c in chunks)
    assert [c.metadata.n_rows for c in chunks] == [len(c.frame) for c in chunks]
    pd.testing.assert_frame_equal(pd.concat([c.frame for c in chunks]), whole.frame)
    for chunk in chunks:
        assert list(chunk.metadata.variables) == list(whole.metadata.variables)
    return chunks


def test_sav_chunks(tmp_path: Path) -> None:
    path = tmp_path / "s.sav"
    write_sav(_frame(), path, missing_values={"q1": [9]}, variable_labels={"城市": "所在城市"})
    chunks = _assert_chunks_equal_whole(path, 60)
    assert len(chunks) == 5
    assert chunks[0].metadata.variables["q1"].missing_values == (9,)
    assert chunks[-1].metadata.variables["城市"].label == "所在城市"
    assert chunks[1].metadata.notes[-1] == "Chunk 2: rows 60 to 119."
    assert 9.0 in pd.concat([c.frame for c in chunks])["q1"].tolist()


def test_sav_chunks_with_columns(tmp_path: Path) -> None:
    path = tmp_path / "s.sav"
    write_sav(_frame(), path)
    _assert_chunks_equal_whole(path, 100, columns=["城市", "id"])
    with pytest.raises(ReadError, match=r"has no column 'nope'"):
        iter_chunks(path, columns=["nope"]).__next__()


def _assert_same_chunks(path: Path, chunksize: int, **kwargs: object) -> list:
    """Chunks read by worker processes (jobs=2) equal the chunks read in this process, frame and metadata."""
    here = list(iter_chunks(path, chunksize=chunksize, **kwargs))
    workers = list(iter_chunks(path, chunksize=chunksize, jobs=2, **kwargs))
    assert len(workers) == len(here) > 1
    for a, b in zip(workers, here):
        pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
        assert a.metadata == b.metadata
    return workers


@pytest.mark.parametrize("suffix", ["sav", "zsav", "dta"])
def test_chunks_read_by_worker_processes(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"s.{suffix}"
    if suffix == "dta":
        pyreadstat.write_dta(_frame(), str(path))
    else:
        write_sav(_frame(), path, missing_values={"q1": [9]}, variable_labels={"城市": "所在城市"})
    chunks = _assert_same_chunks(path, 60)
    assert [len(c.frame) for c in chunks] == [60, 60, 60, 60, 10]
    assert chunks[3].metadata.notes[-1] == "Chunk 4: rows 180 to 239."
    _assert_same_chunks(path, 100, columns=["城市", "id"])


def test_worker_processes_stop_with_the_consumer(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "s.sav"
    write_sav(_frame(1000), path)
    # other tests leave joblib's loky workers alive in this process: only new children count
    before = set(multiprocessing.active_children())
    chunks = iter_chunks(path, chunksize=50, jobs=2)
    first = next(chunks)
    assert list(first.frame.index) == list(range(50))
    chunks.close()
    assert set(multiprocessing.active_children()) - before == set()


def test_truncated_file_read_by_worker_processes(tmp_path: Path) -> None:
    path = tmp_path / "s.sav"
    write_sav(_frame(), path)
    path.write_bytes(path.read_bytes()[:-1000])  # the header promises 250 rows; the data stop short
    with pytest.raises(ReadError, match=r"as an SPSS \.sav file: File did not contain the expected number of rows"):
        list(iter_chunks(path, chunksize=60, jobs=2))


def test_bad_jobs(tmp_path: Path) -> None:
    path = tmp_path / "s.sav"
    write_sav(_frame(), path)
    for bad in (0, -3, 2.0, False):
        with pytest.raises(ReadError, match=r"jobs must be a positive whole number of processes or -1"):
            iter_chunks(path, jobs=bad)


def test_dta_chunks(tmp_path: Path) -> None:
    path = tmp_path / "s.dta"
    pyreadstat.write_dta(_frame(), str(path))
    _assert_chunks_equal_whole(path, 99)


def test_sas7bdat_chunks() -> None:
    _assert_chunks_equal_whole(DATA / "survey.sas7bdat", 10)


def test_csv_chunks(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    write_csv(_frame(), path, encoding="gb18030")
    chunks = _assert_chunks_equal_whole(path, 40)
    assert chunks[0].metadata.encoding == "gb18030"


def test_csv_chunk_types_follow_whole_file(tmp_path: Path) -> None:
    # 'x' looks numeric in the first chunk, but row 7 holds text: every chunk keeps it as text,
    # and 'y' is integer everywhere but has a missing cell in the last chunk: float everywhere.
    rows = [f"{i},{i},{i}" for i in range(6)] + ["6,abc,6", "7,8,"]
    path = tmp_path / "t.csv"
    path.write_text("id,x,y\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.warns(
        DataQualityWarning, match=r"Column 'x' .* mostly numbers but has 1 text value \('abc'\)"
    ):
        chunks = _assert_chunks_equal_whole(path, 3)
    assert {str(c.frame["x"].dtype) for c in chunks} == {"str"}
    assert {str(c.frame["y"].dtype) for c in chunks} == {"float64"}
    assert {str(c.frame["id"].dtype) for c in chunks} == {"int64"}


def test_csv_chunk_warning_given_once(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text("age\n" + "1\n" * 20 + "x\n", encoding="utf-8")
    with pytest.warns(DataQualityWarning) as record:
        list(iter_chunks(path, chunksize=5))
    assert len(record) == 1


def test_header_only_csv_yields_one_empty_chunk(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("a,b\n", encoding="utf-8")
    chunks = list(iter_chunks(path))
    assert len(chunks) == 1 and chunks[0].frame.shape == (0, 2)


def test_xlsx_read_whole_then_split(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    path = tmp_path / "s.xlsx"
    _frame(30).to_excel(path, index=False)
    chunks = _assert_chunks_equal_whole(path, 7)
    assert "read whole, then split" in chunks[0].metadata.notes[-1]


def test_bad_chunksize(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    for bad in (0, -5, 2.5, True):
        with pytest.raises(ReadError, match=r"chunksize must be a positive whole number"):
            iter_chunks(path, chunksize=bad)


def test_errors_are_raised_when_called(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"File not found"):
        iter_chunks(tmp_path / "missing.sav")


def test_corrupt_file_while_streaming(tmp_path: Path) -> None:
    path = tmp_path / "s.sav"
    write_sav(_frame(), path)
    path.write_bytes(path.read_bytes()[:400])
    with pytest.raises(ReadError, match=r"as an SPSS \.sav file"):
        list(iter_chunks(path, chunksize=10))


def test_worker_processes_are_spawned_when_this_process_runs_threads(tmp_path: Path) -> None:
    """Forking while another thread may hold a lock can deadlock: with a second thread running, workers are
    spawned (slower to start), and the chunks are the same."""
    import threading

    from surveykit.io._pyreadstat import _start_method

    path = tmp_path / "s.sav"
    write_sav(_frame(), path, missing_values={"q1": [9]})
    if threading.active_count() == 1:  # other tests may leave threads behind (a loky pool's manager)
        assert _start_method() == "fork"
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert _start_method() == "spawn"
        _assert_same_chunks(path, 100)
    finally:
        stop.set()
        thread.join()
