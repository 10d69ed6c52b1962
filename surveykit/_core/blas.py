"""One BLAS thread for small-matrix kernels.

The estimation kernels multiply many small matrices (tens of variables).  Multi-threaded
OpenBLAS spends far more time synchronizing its threads than computing on such sizes — measured
here: 20 ms with two threads against 0.4 ms with one for the same 70 x 900 product — and
worse when other processes share the cores (bootstrap workers); factor extraction, hundreds of
eigen-decompositions of p x p matrices, ran 30 times slower on two busy cores.  ``single_thread()`` limits
BLAS to one thread for the duration of a block (threadpoolctl; a no-op when it is missing).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from functools import lru_cache, wraps

__all__ = ["single_thread", "single_threaded", "blas_libraries"]


@lru_cache(maxsize=1)
def _controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return None
    return ThreadpoolController()


_state = threading.local()


@contextmanager
def single_thread():
    """BLAS limited to one thread inside the block.  Nested blocks cost nothing: only the
    outermost one talks to threadpoolctl (~20 us per call, a few percent of a bootstrap refit)."""
    depth = getattr(_state, "depth", 0)
    ctl = _controller() if depth == 0 else None
    _state.depth = depth + 1
    try:
        with (ctl.limit(limits=1, user_api="blas") if ctl is not None else nullcontext()):
            yield
    finally:
        _state.depth = depth


def single_threaded(fn):
    """Decorator: run ``fn`` with one BLAS thread (keeps its signature and docstring)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        with single_thread():
            return fn(*args, **kwargs)

    return wrapper


def blas_libraries() -> list[dict[str, object]]:
    """The BLAS libraries loaded in this process, as threadpoolctl reports them: the library
    (``openblas``, ``mkl``, ...), its version, the CPU kernel it chose (OpenBLAS: ``Haswell``,
    ``SkylakeX``, ...; settable with ``OPENBLAS_CORETYPE``) and its thread count.  The kernel
    decides the last bits of every matrix product, so a manifest records it."""
    ctl = _controller()
    if ctl is None:  # pragma: no cover - threadpoolctl is a dependency
        return []
    out = []
    for info in ctl.info():
        if info.get("user_api") != "blas":
            continue
        out.append({"library": info.get("internal_api"), "version": info.get("version"),
                    "kernel": info.get("architecture"), "threads": info.get("num_threads"),
                    "file": str(info.get("filepath", "")).rsplit("/", 1)[-1]})
    return sorted(out, key=lambda d: str(d["file"]))
