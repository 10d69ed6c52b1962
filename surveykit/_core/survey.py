"""Taylor-linearization variance of a design-based estimate: R survey's ``svyrecvar``.

The kernel takes the estimate's influence values (one row per observation present in the
estimate: the domain, without missing values) and the design as integer codes per sampling stage,
computed on the whole sample:

* ``clusters[:, s]``: the unit sampled at stage ``s`` (stage-1 PSUs, then SSUs nested in them);
* ``strata[:, s]``: the stratum it was sampled from (stage 1: the design's strata; stage ``s > 1``:
  the stage-``s - 1`` unit, as R's ``svydesign`` sets it);
* ``n_units[:, s]``: how many units were sampled in that stratum at that stage (whole sample);
* ``pop_size[:, s]``: the stratum's population of units (``inf``: no finite population correction),
  or None for a design without fpc.

Variance of a total of influence values ``z``, per stage (R ``onestrat``): in a stratum with
``n_h`` sampled units of a population ``N_h``, with ``f_h = (N_h - n_h) / N_h``,
``V_h = f_h * n_h / (n_h - 1) * sum_i (z_hi - mean_h z)^2`` over the units' totals ``z_hi``
(units of the stratum absent from a domain count as zero totals); the later stages add their
variance within each stage-1 unit, times that unit's sampling fraction ``n_h / N_h`` (only when
an fpc is given, as R does).

A stratum with one sampled unit ("lonely PSU") follows R's ``options(survey.lonely.psu = ...)``:
``"fail"`` raises; ``"remove"`` and ``"certainty"`` let it contribute nothing; ``"adjust"``
centres its unit's total at zero (the grand mean of the influence values) instead of at the
stratum mean; ``"average"`` replaces its contribution by the average of the other strata's
(the sum over strata is scaled by strata / strata with two or more units).  A stratum whose
fpc says every unit was sampled (``f_h = 0``) contributes nothing whatever its size.
R's ``survey.adjust.domain.lonely`` is FALSE (its default) throughout.

Validated against: R survey 4.1.1 ``svymean``, ``svytotal``, ``svyby`` (tests/data/test_design.py).
"""

from __future__ import annotations

import numpy as np

from surveykit.errors import DataError

__all__ = ["LONELY_PSU_RULES", "taylor_variance"]

LONELY_PSU_RULES = ("fail", "adjust", "remove", "certainty", "average")


def taylor_variance(
    z: np.ndarray,
    clusters: np.ndarray,
    strata: np.ndarray,
    n_units: np.ndarray,
    pop_size: np.ndarray | None,
    *,
    lonely_psu: str = "fail",
) -> np.ndarray:
    """The (p, p) covariance matrix of the totals of the columns of ``z`` (n, p).

    ``clusters``, ``strata``, ``n_units`` and ``pop_size`` are (n, stages) arrays for the rows of
    ``z`` (see the module docstring); ``lonely_psu`` one of :data:`LONELY_PSU_RULES`.
    """
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        z = z[:, None]
    return _multistage(z, clusters, strata, n_units, pop_size, 0, lonely_psu)


def _multistage(z, clusters, strata, n_units, pop_size, stage, lonely_psu) -> np.ndarray:
    v = _onestage(z, strata[:, stage], clusters[:, stage], n_units[:, stage],
                  None if pop_size is None else pop_size[:, stage], stage, lonely_psu)
    if pop_size is not None and clusters.shape[1] > stage + 1:
        units, inverse = np.unique(clusters[:, stage], return_inverse=True)
        for u in range(len(units)):
            rows = inverse == u
            first = np.flatnonzero(rows)[0]
            fraction = n_units[first, stage] / pop_size[first, stage]
            if fraction == 0:  # an infinite population at this stage: no later-stage term
                continue
            v = v + fraction * _multistage(z[rows], clusters[rows], strata[rows], n_units[rows], pop_size[rows],
                                           stage + 1, lonely_psu)
    return v


def _onestage(z, strata, clusters, n_units, pop_size, stage, lonely_psu) -> np.ndarray:
    p = z.shape[1]
    if z.shape[0] == 0:
        return np.zeros((p, p))
    levels, inverse = np.unique(strata, return_inverse=True)
    total = np.zeros((p, p))
    lonely_averaged = 0
    for h in range(len(levels)):
        rows = inverse == h
        v = _onestrat(z[rows], clusters[rows], int(n_units[rows][0]),
                      None if pop_size is None else float(pop_size[rows][0]), stage, lonely_psu, levels[h])
        if v is None:
            lonely_averaged += 1
        else:
            total += v
    n_ok = len(levels) - lonely_averaged
    if lonely_averaged and n_ok == 0:
        return np.full((p, p), np.nan)
    return total * len(levels) / n_ok


def _onestrat(z, clusters, n_units, pop_size, stage, lonely_psu, stratum) -> np.ndarray | None:
    f = 1.0 if pop_size is None or np.isinf(pop_size) else (pop_size - n_units) / pop_size
    if f < 1e-7:
        return np.zeros((z.shape[1], z.shape[1]))
    scale = f * n_units / (n_units - 1) if n_units > 1 else f
    _, inverse = np.unique(clusters, return_inverse=True)
    totals = np.zeros((inverse.max() + 1, z.shape[1]))
    np.add.at(totals, inverse, z)
    present = totals.shape[0]
    if present < n_units:  # units of the stratum without rows here (a domain) have zero totals
        totals = np.vstack([totals, np.zeros((n_units - present, z.shape[1]))])
    if lonely_psu != "adjust" or present > 1 or n_units > 1:
        totals = totals - totals.mean(axis=0)
    if n_units > 1 or lonely_psu in ("remove", "certainty", "adjust"):
        return scale * (totals.T @ totals)
    if lonely_psu == "average":
        return None
    raise DataError(f"Stratum {stratum!r} has only one PSU at stage {stage + 1}; choose a lonely_psu rule.")
