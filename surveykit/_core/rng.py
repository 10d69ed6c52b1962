"""Random numbers: the one place an ``rng`` argument becomes a seed and a generator.

Every stochastic function in surveykit takes ``rng`` and records the integer seed it used, so
that a run can be repeated exactly:

* an int: that seed;
* ``None``: fresh entropy from the operating system, recorded;
* a ``numpy.random.Generator``: one integer drawn from it, recorded (the caller's generator
  advances by one draw);
* a root ``numpy.random.SeedSequence``: its entropy.

Resampling draws use one stream per draw, :func:`stream`: ``SeedSequence(seed, spawn_key=key)``
with ``key = (i,)`` for bootstrap draw ``i`` or ``(n, r)`` for replication ``r`` at sample size
``n``.  For a bootstrap this is exactly ``SeedSequence(seed).spawn(n_boot)[i]``, but it never
builds the list of children, so a worker computing draws 4,000-4,999 needs nothing but the seed
and the indices; which process, thread or cluster node computes a draw cannot change it.
"""

from __future__ import annotations

import numpy as np

from surveykit.errors import SpecError

__all__ = ["resolve_seed", "make_rng", "stream"]


def resolve_seed(rng) -> int:
    """The integer seed of a run from ``rng`` (see the module docstring)."""
    if rng is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(rng, (bool, np.bool_)):
        raise SpecError(f"rng={rng!r} must be an int seed, a numpy Generator or None, not a bool.")
    if isinstance(rng, (int, np.integer)):
        if rng < 0:
            raise SpecError(f"rng={rng} is negative; give a non-negative int seed.")
        return int(rng)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    if isinstance(rng, np.random.SeedSequence):
        if rng.spawn_key:
            raise SpecError("rng: pass a root SeedSequence (without spawn_key) or its int entropy.")
        return int(rng.entropy)
    raise SpecError(f"rng={rng!r} must be an int seed, a numpy Generator or None, not {type(rng).__name__}.")


def make_rng(rng) -> tuple[np.random.Generator, int]:
    """A generator and the seed to record, from ``rng`` (see the module docstring)."""
    seed = resolve_seed(rng)
    return np.random.default_rng(seed), seed


def stream(seed: int, *key: int) -> np.random.Generator:
    """The generator of the draw with index ``key`` (a tuple of non-negative ints)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in key)))
