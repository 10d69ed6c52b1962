"""A fitted model as a fast re-estimation kernel (for bootstrap draws and simulations).

``FitKernel.from_result(fit)`` keeps the compiled model; ``estimate(cov, n, start)``
re-fits it to another covariance matrix (warm-started, Fisher scoring), and
``parameters(theta)`` returns the estimate, std_lv and std_all of every table row plus the
defined parameters, in the order of ``fit.parameter_estimates()``.  Nothing here builds
DataFrames or fit measures, so one refit costs a few milliseconds.

Under ``fixed.x`` the exogenous covariates' (co)variances are fixed at the sample values
of the data being fitted, as lavaan does for each bootstrap sample.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from surveykit._core.blas import single_thread
from surveykit.errors import ConvergenceWarning
from surveykit.sem.estimate import expected_hessian_factor, ml_point, optimize_ml
from surveykit.sem.ram import RamModel
from surveykit.sem.results import SEMResult
from surveykit.sem.solution import Solution

__all__ = ["FitKernel", "KernelFit"]


@dataclass(frozen=True)
class KernelFit:
    theta: np.ndarray
    converged: bool
    iterations: int
    fmin: float


@dataclass(frozen=True)
class FitKernel:
    names: tuple[str, ...]  # observed variables, in the order ``moments`` expects columns
    model: RamModel
    solution: Solution
    theta_hat: np.ndarray
    nobs: int
    exo_pos: np.ndarray  # positions in model.s_* of the fixed.x entries
    exo_ij: np.ndarray  # (k, 2) observed-variable indices of those entries
    exo_rows: np.ndarray  # parameter-table rows of the fixed.x (co)variances
    exo_row_ij: np.ndarray  # (k, 2) observed-variable indices of those rows

    @classmethod
    def from_result(cls, fit: SEMResult) -> FitKernel:
        pt = fit.partable
        model = RamModel.from_partable(pt)
        sol = Solution.build(pt, model)
        p = model.n_obs_vars
        exo = {v for v in pt.ov_x}
        pos, ij = [], []
        for k, (r, c, par) in enumerate(zip(model.s_rows, model.s_cols, model.s_par)):
            if par < 0 and r < p and c < p and model.names[r] in exo and model.names[c] in exo:
                pos.append(k)
                ij.append((r, c))
        t = pt.table
        var_pos = {v: i for i, v in enumerate(pt.ov_names)}
        rows, row_ij = [], []
        for r, (lhs, op, rhs, free) in enumerate(zip(*(t[c].tolist() for c in ("lhs", "op", "rhs", "free")))):
            if op == "~~" and free == 0 and lhs in exo and rhs in exo:
                rows.append(r)
                row_ij.append((var_pos[lhs], var_pos[rhs]))
        return cls(
            names=tuple(pt.ov_names), model=model, solution=sol, theta_hat=np.array(fit._theta, dtype=float),
            nobs=fit.nobs, exo_pos=np.array(pos, dtype=int), exo_ij=np.array(ij, dtype=int).reshape(-1, 2),
            exo_rows=np.array(rows, dtype=int), exo_row_ij=np.array(row_ij, dtype=int).reshape(-1, 2),
        )

    def with_fixed_x(self, row_values: np.ndarray, cov: np.ndarray) -> np.ndarray:
        """A copy of per-row values with the fixed.x (co)variance rows set to the sample values of
        ``cov``, as lavaan fixes them for each data set (unchanged without fixed.x rows)."""
        if not len(self.exo_rows):
            return row_values
        out = row_values.copy()
        out[self.exo_rows] = cov[self.exo_row_ij[:, 0], self.exo_row_ij[:, 1]]
        return out

    @cached_property
    def _hessian0(self) -> np.ndarray | None:
        """The expected information at the full-sample solution, factored once: the first
        Fisher-scoring step of every refit from that solution uses it (it depends on the
        parameters only, not on the data, so all resamples share it; under fixed.x it is taken with
        the full sample's covariate moments, close to each resample's)."""
        with single_thread():
            return expected_hessian_factor(self.model, self.theta_hat)

    @cached_property
    def _start_point(self):
        """The full-sample solution's Sigma, its inverse and derivatives, computed once: every
        refit from that solution starts there (not under fixed.x, whose S differs per data set)."""
        if len(self.exo_pos):
            return None
        with single_thread():
            return ml_point(self.model, self.theta_hat)

    @property
    def n_rows(self) -> int:
        return len(self.solution.free)

    @staticmethod
    def moments(x: np.ndarray) -> np.ndarray:
        """N-divisor covariance of complete data ``x`` (n, p)."""
        xc = x - x.mean(axis=0)
        return xc.T @ xc / x.shape[0]

    def model_for(self, cov: np.ndarray) -> RamModel:
        """The RAM model for data with covariance ``cov``: under fixed.x the exogenous covariates'
        (co)variances are fixed at the values of ``cov``; otherwise the kernel's own model."""
        if not len(self.exo_pos):
            return self.model
        vals = cov[self.exo_ij[:, 0], self.exo_ij[:, 1]]
        fixed = self.model.s_fixed.copy()
        fixed[self.exo_pos] = vals
        new = dataclasses.replace(self.model, s_fixed=fixed)
        # the index layout does not depend on fixed values: carry it over with the new S template
        # (rebuilding it per bootstrap draw cost more than the draw's first iteration)
        lay = self.model._layout
        tmp = lay.s_template.copy()
        tmp[self.exo_ij[:, 0], self.exo_ij[:, 1]] = vals
        tmp[self.exo_ij[:, 1], self.exo_ij[:, 0]] = vals
        new.__dict__["_layout"] = dataclasses.replace(lay, s_template=tmp)
        return new

    def estimate(self, cov: np.ndarray, n: int, start: np.ndarray | None = None) -> KernelFit:
        """Re-estimate on covariance ``cov`` (N divisor) of ``n`` rows; never raises on
        non-convergence (``converged`` says so)."""
        model = self.model_for(cov)
        theta0 = self.theta_hat if start is None else start
        with warnings.catch_warnings(), single_thread():
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                from_hat = start is None or start is self.theta_hat
                opt = optimize_ml(model, theta0, cov, xtol=1e-7, hessian0=self._hessian0 if from_hat else None,
                                  start_point=self._start_point if from_hat else None)
            except Exception:  # noqa: BLE001 - a failed draw is counted, not fatal
                return KernelFit(theta=np.full_like(theta0, np.nan), converged=False, iterations=0, fmin=np.nan)
        return KernelFit(theta=opt.theta, converged=opt.converged, iterations=opt.iterations, fmin=opt.fmin)

    def parameters(self, theta: np.ndarray, cov: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """est, std_lv, std_all for every row followed by the defined parameters."""
        sol = self.solution
        if cov is not None and len(self.exo_pos):
            # fixed.x rows carry the sample values of this data set
            sol = dataclasses.replace(sol, models=(self.model_for(cov),), fixed=self.with_fixed_x(sol.fixed, cov))
        est = sol.estimates(theta)
        std_lv, std_all = sol.standardized(theta)
        rows = np.stack([est, std_lv, std_all])
        both = np.concatenate([rows, sol.defined_values(rows)], axis=1)  # the three at once
        return {"est": both[0], "std_lv": both[1], "std_all": both[2]}
