"""Interrupts during a parallel bootstrap (surveykit.cli._common.handled, resampling._parallel): Ctrl-C
(SIGINT to the whole process group, as a terminal sends it) exits 130 and SIGTERM 143, each with one
sentence, no traceback, no worker left running and the previous report untouched; after kill -9 the
workers end with their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests._tiny import write_tiny

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process groups")


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _start(tmp_path: Path, n_boot: int) -> subprocess.Popen:
    spec = write_tiny(tmp_path / "in", spec={"bootstrap": {"n_boot": n_boot, "jobs": 2, "ci": "percentile"},
                                             "structural": {"model": "BBB ~ p*AAA\nd := p*p\n"}})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    return subprocess.Popen([sys.executable, "-m", "surveykit", "analyze", str(spec), "--out", str(tmp_path / "out")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _workers(proc: subprocess.Popen, timeout: float = 180) -> list[psutil.Process]:
    """The worker processes, once two have started and run a batch for a moment."""
    parent = psutil.Process(proc.pid)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        kids = [k for k in parent.children(recursive=True) if "LokyProcess" in " ".join(k.cmdline())]
        if len(kids) >= 2:
            time.sleep(1.0)
            return parent.children(recursive=True)
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("the bootstrap's workers did not start")


def _left_running(kids: list[psutil.Process], wait: float = 15) -> list[int]:
    end = time.monotonic() + wait
    while time.monotonic() < end:
        alive = [k.pid for k in kids if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return []
        time.sleep(0.2)
    return alive


@pytest.mark.parametrize("sig, code, what", [(signal.SIGINT, 130, "interrupted (Ctrl-C)"),
                                             (signal.SIGTERM, 143, "terminated (SIGTERM)")])
def test_interrupt_during_parallel_bootstrap(tmp_path, sig, code, what):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "results.json").write_text("{}", encoding="utf-8")  # the previous report
    before = _tree(tmp_path / "out")
    proc = _start(tmp_path, 200_000)
    kids = _workers(proc)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # a terminal's Ctrl-C reaches the workers too
    else:
        os.kill(proc.pid, sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code
    assert stderr == (f"surveykit: {what}; stopped, with every output either complete or as it was before (no file "
                      "left half-written, no worker left running).\n")
    assert _left_running(kids) == []
    assert _tree(tmp_path / "out") == before
    assert sorted(os.listdir(tmp_path)) == ["in", "out"]


@pytest.mark.slow
def test_workers_end_with_a_killed_parent(tmp_path):
    proc = _start(tmp_path, 200_000)
    kids = _workers(proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=120)
    assert _left_running(kids) == []
