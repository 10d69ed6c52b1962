"""The committed demo report verifies under other OpenBLAS kernels and thread counts.

OpenBLAS chooses a CPU kernel at run time; ``OPENBLAS_CORETYPE`` forces another one that the CPU
can run (an older instruction set), which sums in another order and changes the last bits of
every matrix product, as a colleague's machine would.  Two kernels this machine offers, with one
and two threads, each re-run the demo through ``surveykit verify reports/demo`` in a fresh
process; each must verify (byte-identical or numerically identical) and name the kernel and
thread count that differ from the recorded run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import surveykit

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "reports" / "demo"
# newest first: a kernel the CPU cannot run dies of an illegal instruction in the probe
CANDIDATES = ("SkylakeX", "Haswell", "Zen", "Prescott", "Sandybridge", "Nehalem")
_PROBE = """
import json, numpy as np, scipy.linalg
a = np.random.default_rng(1).standard_normal((300, 300))
scipy.linalg.eigh(a @ a.T)
from threadpoolctl import threadpool_info
print(json.dumps([[i["internal_api"], i.get("architecture"), i["num_threads"]] for i in threadpool_info()
                  if i["user_api"] == "blas"]))
"""


def _env(kernel: str, threads: int) -> dict[str, str]:
    path = os.pathsep.join([str(Path(surveykit.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "OPENBLAS_CORETYPE": kernel, "OPENBLAS_NUM_THREADS": str(threads),
            "PYTHONPATH": path.rstrip(os.pathsep)}


def _probe(kernel: str, threads: int) -> tuple[str, int] | None:
    """(the kernel OpenBLAS reports, its threads) when forced to ``kernel``; None if it cannot run."""
    proc = subprocess.run([sys.executable, "-c", _PROBE], env=_env(kernel, threads), capture_output=True, text=True,
                          timeout=120)
    if proc.returncode != 0:
        return None
    libs = json.loads(proc.stdout)
    kinds = {(arch, n) for api, arch, n in libs if api == "openblas"}
    return kinds.pop() if len(kinds) == 1 and len(libs) else None


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two kernels (the first with one thread, the second with two), each verifying reports/demo."""
    chosen: list[tuple[str, int, tuple[str, int]]] = []
    for kernel in CANDIDATES:
        threads = 1 if not chosen else 2
        got = _probe(kernel, threads)
        if got is not None and all(got[0] != c[2][0] for c in chosen):
            chosen.append((kernel, threads, got))
        if len(chosen) == 2:
            break
    if len(chosen) < 2:
        pytest.skip("the BLAS library is not an OpenBLAS with two kernels this CPU can run")
    procs = []
    for kernel, threads, got in chosen:
        cwd = tmp_path_factory.mktemp(f"verify-{kernel}")
        procs.append((got, subprocess.Popen([sys.executable, "-m", "surveykit", "verify", str(DEMO)], cwd=cwd,
                                            env=_env(kernel, threads), stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True)))
    return [(got, *p.communicate(timeout=1800), p.returncode) for got, p in procs]


@pytest.mark.parametrize("which", [0, 1])
def test_the_demo_report_verifies_under_another_kernel_and_thread_count(runs, which):
    (kernel, threads), out, err, code = runs[which]
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith(("verified: byte-identical: results.json and ",
                                "verified: numerically identical: ")), out
    recorded = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))["environment"]["blas"]
    env = lines[-1]
    assert env.startswith("environment: ")
    # the re-run used the kernel and thread count forced on it: verify names what differs
    for key, now in (("kernel", kernel), ("threads", threads)):
        then = {b[key] for b in recorded}
        if then == {now}:
            assert f"BLAS {key} " not in env, env
        else:
            assert any(f"BLAS {key} {t} -> {now}" in env for t in then), env
