"""Running independent draws in batches: in this process, local worker processes, or Dask.

Work is a range of item indices ``0 .. n_items - 1`` (bootstrap draws, jackknife samples,
simulation replications) cut into contiguous batches.  A batch is computed by a pure,
importable function ``fn(payload, start, stop)`` whose result for item ``i`` depends on
``i`` and the payload only (every item has its own random stream, see ``_streams``), so
the answer cannot depend on how many workers there are or which one computed a batch.

* ``jobs=1``: batches run one after another in this process.
* otherwise: joblib's loky process pool (``jobs=-1``: all cores), batches dispatched lazily.
* ``scheduler="tcp://host:8786"`` or a ``dask.distributed.Client``: batches are submitted
  to the Dask cluster with at most a few batches per worker thread in flight, so that a
  run of millions of draws never holds millions of tasks or results at once.  The payload
  is itself a task (not scattered data), so the scheduler can recompute it when the
  worker holding it dies; a lost batch is simply computed again by another worker.

Results are yielded as ``(start, stop, result)`` in completion order; callers store them by
index.  A rich progress bar is drawn on stderr when stderr is a terminal.
"""

from __future__ import annotations

import ctypes
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from surveykit._core.blas import single_thread
from surveykit.errors import SpecError

__all__ = ["batches", "run_batches", "check_jobs", "n_workers"]

_CONNECT_TIMEOUT = "10s"  # to reach a scheduler given by address


def check_jobs(jobs) -> int:
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs == 0 or jobs < -1:
        raise SpecError(f"jobs={jobs!r} must be a positive int or -1 (all cores).")
    return jobs


def n_workers(jobs: int) -> int:
    if jobs == -1:
        import joblib

        return max(1, int(joblib.cpu_count()))
    return jobs


def batches(n_items: int, batch_size: int) -> list[tuple[int, int]]:
    return [(s, min(s + batch_size, n_items)) for s in range(0, n_items, batch_size)]


def _default_batch_size(n_items: int, workers: int, cap: int) -> int:
    # about eight batches per worker, none larger than ``cap`` items
    return max(1, min(cap, math.ceil(n_items / (8 * max(workers, 1)))))


@contextmanager
def _progress(total: int, description: str, show: bool | None):
    """A callable ``advance(k)``; draws a rich bar on stderr only when asked or on a terminal."""
    if show is None:
        show = sys.stderr.isatty()
    if not show or total <= 0:
        yield lambda k: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda k: bar.advance(task, k)


def _identity(x):
    return x


def _call(fn, payload, start: int, stop: int):
    """Run one batch with single-threaded BLAS: refits multiply small matrices, where BLAS
    threads only compete with the worker processes (and with each other under load); one
    thread everywhere also makes in-process, loky and Dask runs take the same arithmetic path."""
    with single_thread():  # the refits' own single_thread() blocks are then free
        return fn(payload, start, stop)


def _dask_client(scheduler):
    """(client, owned): a Client for an address (closed afterwards) or the Client given."""
    if isinstance(scheduler, str):
        try:
            from distributed import Client
        except ImportError:
            raise SpecError(f"scheduler={scheduler!r} needs Dask, an optional dependency of surveykit: "
                            "pip install 'surveykit[dask]'.") from None
        try:
            return Client(scheduler, set_as_default=False, timeout=_CONNECT_TIMEOUT), True
        except OSError as exc:
            raise SpecError(f"Could not connect to the Dask scheduler at {scheduler!r}: {exc}. "
                            "Check the address and that the scheduler is running.") from None
    if hasattr(scheduler, "submit") and hasattr(scheduler, "nthreads"):
        return scheduler, False
    raise SpecError(f"scheduler must be None, an address such as 'tcp://host:8786' or a dask.distributed Client, "
                    f"not {type(scheduler).__name__}.")


def _run_dask(fn, payload, spans, client) -> Iterator[tuple[int, int, Any]]:
    from distributed import as_completed

    threads = sum(client.nthreads().values()) or 1
    window = max(4, 2 * threads)
    payload_f = client.submit(_identity, payload, pure=False)
    pending = iter(spans)
    span_of: dict = {}

    def submit_next():
        span = next(pending, None)
        if span is None:
            return None
        fut = client.submit(_call, fn, payload_f, span[0], span[1], pure=False)
        span_of[fut.key] = span
        return fut

    first = [f for f in (submit_next() for _ in range(window)) if f is not None]
    running = as_completed(first, loop=client.loop)
    try:
        for fut in running:
            start, stop = span_of.pop(fut.key)
            result = fut.result()
            fut.release()
            nxt = submit_next()
            if nxt is not None:
                running.add(nxt)
            yield start, stop, result
    finally:
        for fut in list(running.futures):
            fut.cancel()
        payload_f.release()


def run_batches(
    fn: Callable[[Any, int, int], Any],
    payload: Any,
    n_items: int,
    *,
    jobs: int = -1,
    scheduler=None,
    batch_size: int | None = None,
    max_batch: int = 250,
    progress: bool | None = None,
    description: str = "",
) -> Iterator[tuple[int, int, Any]]:
    """Yield ``(start, stop, fn(payload, start, stop))`` for contiguous batches covering ``n_items``."""
    jobs = check_jobs(jobs)
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                   or batch_size < 1):
        raise SpecError(f"batch_size={batch_size!r} must be a positive int.")
    if scheduler is not None:
        client, owned = _dask_client(scheduler)
        try:
            workers = sum(client.nthreads().values()) or 1
            spans = batches(n_items, batch_size or _default_batch_size(n_items, workers, max_batch))
            with _progress(n_items, description, progress) as advance:
                for start, stop, res in _run_dask(fn, payload, spans, client):
                    advance(stop - start)
                    yield start, stop, res
        finally:
            if owned:
                client.close()
        return
    workers = n_workers(jobs)
    spans = batches(n_items, batch_size or _default_batch_size(n_items, workers, max_batch))
    with _progress(n_items, description, progress) as advance:
        if workers == 1 or len(spans) == 1:
            for start, stop in spans:
                res = _call(fn, payload, start, stop)
                advance(stop - start)
                yield start, stop, res
            return
        from joblib import Parallel, delayed

        # each worker ends with this process, even after kill -9 (_die_with)
        main = threading.current_thread() is threading.main_thread()
        par = Parallel(n_jobs=min(workers, len(spans)), backend="loky", return_as="generator_unordered",
                       initializer=_die_with, initargs=(os.getpid(), main))
        with _sigint_ignored():  # the workers start here and inherit the ignored signal
            results = par(delayed(_tagged)(fn, payload, s, e) for s, e in spans)
        for start, stop, res in results:
            advance(stop - start)
            yield start, stop, res


@contextmanager
def _sigint_ignored():
    """Start worker processes with SIGINT ignored: Ctrl-C in a terminal reaches the whole process
    group, and a worker would print a traceback; this process handles it (joblib then stops the
    workers).  A child inherits an ignored signal through exec, and Python does not install its
    Ctrl-C handler where SIGINT is ignored.  Meanwhile SIGINT is blocked in this thread, so that one
    arriving now is delivered when the block ends instead of being lost.  POSIX, main thread only."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    old_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)


def _die_with(parent: int, arm: bool) -> None:
    """A worker's initializer: end when ``parent`` ends, even by kill -9 (Linux's PR_SET_PDEATHSIG,
    through ctypes since the standard library has no binding; otherwise loky's workers and their
    resource trackers wait for an idle timeout that a busy worker never reaches).  The signal comes
    when the *thread* that started the worker ends, so it is armed only for workers started from the
    main thread (or loky's manager thread, which lives as long as the pool), not from a caller's
    short-lived thread."""
    if arm and sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent ended before the line above
        os._exit(1)


def _tagged(fn, payload, start, stop):
    return start, stop, _call(fn, payload, start, stop)
