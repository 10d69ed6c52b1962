"""Random streams keyed by draw index and the batch runner (local paths; Dask in test_dask.py)."""

from __future__ import annotations

import numpy as np
import pytest

from surveykit._core.rng import resolve_seed, stream
from surveykit.errors import SpecError
from surveykit.resampling._parallel import batches, run_batches


def test_stream_of_draw_i_is_the_ith_spawned_child():
    children = np.random.SeedSequence(20261126).spawn(7)
    for i in (0, 3, 6):
        a = stream(20261126, i).integers(0, 1000, size=20)
        b = np.random.default_rng(children[i]).integers(0, 1000, size=20)
        assert np.array_equal(a, b)
    assert not np.array_equal(stream(1, 0).random(5), stream(1, 1).random(5))
    assert not np.array_equal(stream(1, 200, 0).random(5), stream(1, 400, 0).random(5))


def test_resolve_seed():
    assert resolve_seed(5) == 5
    assert resolve_seed(np.int64(9)) == 9
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert resolve_seed(g1) == resolve_seed(g2)
    assert isinstance(resolve_seed(None), int)
    assert resolve_seed(np.random.SeedSequence(11)) == 11
    with pytest.raises(SpecError, match="rng"):
        resolve_seed("1")
    with pytest.raises(SpecError, match="negative"):
        resolve_seed(-1)


def _squares(payload, start, stop):
    return np.array([payload * i * i for i in range(start, stop)])


@pytest.mark.parametrize("batch_size", [1, 3, 7, 50])
def test_batches_cover_every_item_once(batch_size):
    spans = batches(23, batch_size)
    covered = [i for s, e in spans for i in range(s, e)]
    assert covered == list(range(23))
    out = np.zeros(23)
    for s, e, res in run_batches(_squares, 2, 23, jobs=1, batch_size=batch_size):
        out[s:e] = res
    assert np.array_equal(out, 2 * np.arange(23) ** 2)


def test_local_processes_give_the_same_items():
    out = np.zeros(40)
    for s, e, res in run_batches(_squares, 3, 40, jobs=2, batch_size=6):
        out[s:e] = res
    assert np.array_equal(out, 3 * np.arange(40) ** 2)


def test_progress_bar_can_be_forced_on(capsys):
    got = list(run_batches(_squares, 1, 10, jobs=1, batch_size=4, progress=True, description="test"))
    assert len(got) == 3
    capsys.readouterr()


@pytest.mark.parametrize("jobs", [0, -2, 1.5, True])
def test_bad_jobs_are_refused(jobs):
    with pytest.raises(SpecError, match="jobs"):
        list(run_batches(_squares, 1, 3, jobs=jobs))


def test_bad_scheduler_is_refused():
    with pytest.raises(SpecError, match="scheduler"):
        list(run_batches(_squares, 1, 3, scheduler=42))


def test_a_scheduler_without_dask_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    with pytest.raises(SpecError, match=r"scheduler='tcp://127.0.0.1:1' needs Dask, an optional dependency of "
                                        r"surveykit: pip install 'surveykit\[dask\]'"):
        list(run_batches(_squares, 1, 4, batch_size=2, jobs=1, scheduler="tcp://127.0.0.1:1"))
