"""Adapter for semopy, the second, selectable SEM engine (``engine="semopy"``).

The only module of surveykit that imports semopy.  semopy (PyPI release 2.3.11) is used for
ONE thing: its ML point estimates (L-BFGS-B, the faster of its solvers), as an independent
cross-check of surveykit's own optimizer.  Everything reported — standard errors, the
standardized solution, fit measures — is computed by surveykit at semopy's estimates,
because semopy's own versions differ from lavaan's (its RMSEA divides by N - 1, its "GFI"
is the NFI, AIC/BIC/LogLik come from the discrepancy, no SRMR or RMSEA interval, std.all of
residual covariances uses total SDs).  semopy's log messages and warnings are turned into
a :class:`~surveykit.errors.ConvergenceWarning` when it reports failure; its objects never
leave this module.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from surveykit.errors import ConvergenceWarning, ModelSpecificationError
from surveykit.sem.partable import ParTable

__all__ = ["semopy_estimates"]


def semopy_estimates(model: str, frame: pd.DataFrame, pt: ParTable) -> np.ndarray:
    """semopy's ML estimates (L-BFGS-B) as surveykit's free-parameter vector for ``pt``."""
    if pt.ngroups > 1 or pt.meanstructure or pt.defined or pt.ov_x:
        raise ModelSpecificationError(
            "engine='semopy' is available for single-group models without mean structure, fixed.x "
            "covariates or ':=' parameters (semopy rejects ':=' and has no fixed.x); use engine='surveykit'."
        )
    try:
        import semopy  # the quarantined engine
    except ImportError:
        raise ModelSpecificationError("engine='semopy' needs semopy, an optional dependency of surveykit: "
                                      "pip install 'surveykit[semopy]' (or use engine='surveykit').") from None

    logger = logging.getLogger("semopy")
    old = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = semopy.Model(model)
            res = m.fit(frame[list(pt.ov_names)], solver="L-BFGS-B")
            table = m.inspect()
    finally:
        logger.setLevel(old)
    if not getattr(res, "success", True):
        warnings.warn(f"semopy reports that its optimizer failed: {getattr(res, 'message', '')}",
                      ConvergenceWarning, stacklevel=3)
    lv = set(pt.lv_names)
    theta = np.full(pt.n_free, np.nan)
    t = pt.table
    for r in table.itertuples(index=False):
        lval, op, rval, est = r[0], r[1], r[2], r[3]
        loading = t[(t["op"] == "=~") & (t["lhs"] == rval) & (t["rhs"] == lval)]
        if op == "~" and rval in lv and len(loading):  # semopy writes a loading as "indicator ~ factor"
            rows = loading
        elif op == "~":
            rows = t[(t["op"] == "~") & (t["lhs"] == lval) & (t["rhs"] == rval)]
        elif op == "~~":
            rows = t[(t["op"] == "~~") & (((t["lhs"] == lval) & (t["rhs"] == rval)) |
                                           ((t["lhs"] == rval) & (t["rhs"] == lval)))]
        else:
            continue
        for free in rows["free"]:
            if free > 0:
                theta[int(free) - 1] = float(est)
    if np.isnan(theta).any():
        missing = [f"{r.lhs} {r.op} {r.rhs}" for r in t[t["free"] > 0].itertuples() if np.isnan(theta[r.free - 1])]
        raise ModelSpecificationError(
            f"semopy did not estimate {', '.join(missing[:5])}: its model differs from surveykit's parameter "
            "table (semopy's defaults are not lavaan's); use engine='surveykit'."
        )
    return theta
