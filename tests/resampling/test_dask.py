"""The same work on a real Dask cluster (two worker processes): identical results to local runs,
also when a worker process is killed in the middle of a bootstrap."""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from surveykit.errors import HeywoodCaseWarning, MissingDataWarning, SpecError, SurveykitWarning
from surveykit.resampling import bootstrap, power
from surveykit.sem import sem

from ..conftest import load_ref

distributed = pytest.importorskip("distributed")

PD_MODEL = load_ref("pd_sem_bootstrap")["model"]
N_BOOT = 160


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=50)
    c = distributed.Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def fit(pol_dem):
    return sem(PD_MODEL, pol_dem)


@pytest.fixture(scope="module")
def local(fit):
    with pytest.warns(HeywoodCaseWarning):
        return bootstrap(fit, n_boot=N_BOOT, ci="bca", rng=42, jobs=1)


def _same(a, b):
    assert np.array_equal(a._draws, b._draws, equal_nan=True)
    assert np.array_equal(a._std_draws, b._std_draws, equal_nan=True)
    assert np.array_equal(a._jackknife, b._jackknife, equal_nan=True)
    pd.testing.assert_frame_equal(a.parameter_estimates(), b.parameter_estimates())
    pd.testing.assert_frame_equal(a.standardized_solution(), b.standardized_solution())
    pd.testing.assert_frame_equal(a.mediation(), b.mediation())
    assert (a.n_failed, a.n_nonadmissible) == (b.n_failed, b.n_nonadmissible)


def test_bootstrap_on_dask_equals_the_local_run(fit, local, client):
    with pytest.warns(HeywoodCaseWarning):
        on_dask = bootstrap(fit, n_boot=N_BOOT, ci="bca", rng=42, scheduler=client, batch_size=25)
    _same(local, on_dask)


def test_cluster_bootstrap_on_dask_equals_the_local_run(client):
    from ..conftest import REF

    branches = pd.read_csv(REF / "data" / "twolevel_branches.csv")
    fit = sem("f =~ e1 + e2 + e3 + e4\nf ~ tenure", branches)
    kw = dict(n_boot=40, ci="bca", rng=3, data=branches, cluster="branch", progress=False)
    local = bootstrap(fit, jobs=1, **kw)
    on_dask = bootstrap(fit, scheduler=client, batch_size=9, **kw)
    _same(local, on_dask)


def test_scheduler_address_string(fit, local, client):
    with pytest.warns(HeywoodCaseWarning):
        on_dask = bootstrap(fit, n_boot=N_BOOT, ci="bca", rng=42, scheduler=client.scheduler.address)
    _same(local, on_dask)


def test_power_on_dask_equals_the_local_run(client):
    kw = dict(n=[60, 100], reps=40, rng=5, standardized=True)
    model, pop = "m ~ a*x\ny ~ b*m + c*x\nab := a*b", "m ~ 0.4*x\ny ~ 0.3*m + 0.1*x"
    a = power(model, pop, jobs=1, **kw)
    b = power(model, pop, scheduler=client, batch_size=9, **kw)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert np.array_equal(a._est, b._est, equal_nan=True)


@pytest.mark.slow  # waits for the 10 s connection timeout
def test_unreachable_scheduler_is_a_clear_error(fit):
    with pytest.raises(SpecError, match="Could not connect to the Dask scheduler"):
        bootstrap(fit, n_boot=10, rng=1, scheduler="tcp://127.0.0.1:1", jobs=1)


@pytest.mark.slow
def test_demo_bca_is_identical_for_one_process_all_cores_and_dask(client):
    """The demo's indirect effects (the simulated demo survey's analysis sample, 519 rows, six
    factors): BCa bootstrap with its 519-sample jackknife, on three engines."""
    from ..conftest import REF

    ref = load_ref("demo_sem_ml")
    data = pd.read_csv(REF / "data" / "demo_keyed.csv")
    with pytest.warns(MissingDataWarning):
        demo = sem(ref["model"], data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveykitWarning)  # whether draws are Heywood cases is not the point
        runs = [bootstrap(demo, n_boot=200, ci="bca", rng=2026, **kw)
                for kw in ({"jobs": 1}, {"jobs": -1}, {"scheduler": client})]
    for other in runs[1:]:
        _same(runs[0], other)
    med = runs[0].mediation()
    assert med["effect"].tolist() == ["ind_IDE_STY_EXE", "ind_INS_MEC_EXE"]
    assert med["total_label"].tolist() == ["total_IDE_EXE", ""]


def test_a_worker_killed_mid_run_costs_time_not_the_result(fit, local, client):
    """Kill one worker process while it is computing a batch: Dask reruns the lost batches (the
    nanny restarts the worker) and the answer is identical."""
    pids = client.run(os.getpid)
    victim = sorted(pids)[0]
    finished = threading.Event()
    seen: dict = {}

    def kill_when_busy():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not finished.is_set():
            busy = client.processing().get(victim, ())
            if any("_call" in str(k) for k in busy):  # a batch task (the payload task is _identity)
                seen["lost"] = list(busy)
                os.kill(pids[victim], signal.SIGKILL)
                seen["killed_during_run"] = not finished.is_set()
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    try:
        with pytest.warns(HeywoodCaseWarning):
            res = bootstrap(fit, n_boot=N_BOOT, ci="bca", rng=42, scheduler=client, batch_size=8)
    finally:
        finished.set()
        killer.join()
    assert seen.get("killed_during_run"), "the worker was not killed while it computed a batch"
    assert seen["lost"]
    _same(local, res)
    client.wait_for_workers(2, timeout=60)
