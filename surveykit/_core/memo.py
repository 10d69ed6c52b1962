"""Results of expensive pure functions of a data matrix, kept per process and keyed by content.

Several analyses of one data set (EFA on polychoric correlations, ordinal alpha, WLSMV CFA and
SEM in one pipeline) need the same polychoric matrix and asymptotic covariance; computing them
is seconds for tens of items, hashing the data is milliseconds.  The key is a BLAKE2b digest
of the array's shape, dtype and bytes (plus the options), so a changed data set can never hit
a stale entry.  Cached arrays are made read-only: a caller that tried to modify one in place
would fail loudly instead of corrupting the next caller's result.

The (much cheaper) covariance matrix is not cached: hashing a large data matrix costs about as
much as its covariance (measured at 100,000 x 42: both ~30 ms).
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

__all__ = ["ContentCache", "content_key", "clear_caches"]

T = TypeVar("T")


def content_key(*parts: Any) -> str:
    """A digest of arrays (shape, dtype, bytes) and other values (their repr), in order."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        if isinstance(part, np.ndarray):
            arr = np.ascontiguousarray(part)
            h.update(repr((arr.shape, arr.dtype.str)).encode())
            h.update(arr.tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"|")
    return h.hexdigest()


def _freeze(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        obj.setflags(write=False)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            _freeze(item)
    return obj


_ALL: weakref.WeakSet[ContentCache] = weakref.WeakSet()


def clear_caches() -> None:
    """Empty every content cache of this process (benchmarks time cold computations with it)."""
    for cache in list(_ALL):
        cache.clear()


class ContentCache:
    """A small least-recently-used map from :func:`content_key` digests to results."""

    def __init__(self, maxsize: int = 4) -> None:
        _ALL.add(self)
        self.maxsize = maxsize
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        value = _freeze(compute())
        with self._lock:
            self.misses += 1
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0
