"""What a manifest records about the machine and software of a run, and how two runs' records
differ (``surveykit verify`` names the differences beside any difference of numbers).

``versions``: surveykit, Python and every library whose arithmetic or output reaches the report.
``environment``: the CPU and the BLAS libraries with the kernel each chose at run time and its
thread count: the parts of a machine that decide the last bits of a number (see
:mod:`surveykit.report.compare` for what verify makes of them).
"""

from __future__ import annotations

import platform
from importlib import metadata as importlib_metadata
from pathlib import Path

from surveykit._core.blas import blas_libraries

__all__ = ["versions", "environment", "environment_differences"]

# every library whose arithmetic or output reaches a report (optional ones: "not installed" when absent)
DEPENDENCIES = ("numpy", "scipy", "pandas", "pyreadstat", "openpyxl", "pydantic", "PyYAML", "Jinja2", "matplotlib",
                "mplfonts", "python-docx", "joblib", "threadpoolctl", "semopy", "dask")


def versions() -> dict[str, str]:
    """Python's version, surveykit's and each of :data:`DEPENDENCIES`' ("not installed" when absent)."""
    out = {"python": platform.python_version()}
    try:
        out["surveykit"] = importlib_metadata.version("surveykit")
    except importlib_metadata.PackageNotFoundError:
        from surveykit._version import __version__

        out["surveykit"] = __version__
    for dist in DEPENDENCIES:
        try:
            out[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _cpu() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else what the platform module knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment() -> dict:
    """``{"cpu": model name, "blas": [{library, version, kernel, threads, file}, ...]}``."""
    return {"cpu": _cpu(), "blas": blas_libraries()}


def environment_differences(recorded: dict, fresh: dict) -> list[str]:
    """The differences between two manifests' CPU, BLAS kernels and thread counts and software
    versions, one phrase each ("BLAS kernel SkylakeX -> Haswell", "numpy 2.1.0 -> 2.2.1");
    parts the recorded manifest does not hold are not compared."""
    out = []
    env0, env1 = recorded.get("environment") or {}, fresh.get("environment") or {}
    if env0.get("cpu") and env0.get("cpu") != env1.get("cpu"):
        out.append(f"CPU {env0.get('cpu')} -> {env1.get('cpu')}")
    blas0 = {str(b.get("file")): b for b in env0.get("blas") or []}
    blas1 = {str(b.get("file")): b for b in env1.get("blas") or []}
    for name, b0 in blas0.items():
        b1 = blas1.get(name)
        if b1 is None:
            out.append(f"BLAS {b0.get('library')} {b0.get('version')} ({name}) not loaded")
            continue
        out += [f"BLAS {key} {b0.get(key)} -> {b1.get(key)}" for key in ("kernel", "threads", "version")
                if b0.get(key) != b1.get(key)]
    if blas0:
        out += [f"BLAS {b.get('library')} {b.get('version')} ({name}) newly loaded" for name, b in blas1.items()
                if name not in blas0]
    v0, v1 = recorded.get("versions") or {}, fresh.get("versions") or {}
    out += [f"{k} {v0[k]} -> {v1.get(k, 'not recorded')}" for k in v0 if v1.get(k) != v0[k]]
    return list(dict.fromkeys(out))  # the libraries numpy and scipy load usually change together
