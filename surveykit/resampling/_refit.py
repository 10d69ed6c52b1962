"""One refit of a fitted model to new data: the piece bootstrap draws and power replications share.

Wraps :class:`surveykit.sem.kernel.FitKernel` (the refit itself, which also sets the fixed.x
rows of the parameter table to the sample (co)variances of each new data set, as in lavaan)
and adds what resampling needs per draw without pandas work: the raw row estimates, the
standardized solution, and lavaan's admissibility check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from surveykit.resampling._geometry import RowGeometry
from surveykit.sem.kernel import FitKernel
from surveykit.sem.results import SEMResult

__all__ = ["Refitter"]


@dataclass(frozen=True)
class Refitter:
    kernel: FitKernel
    geom: RowGeometry

    @classmethod
    def from_result(cls, fit: SEMResult) -> Refitter:
        return cls(kernel=FitKernel.from_result(fit), geom=RowGeometry.from_partable(fit.partable))

    @property
    def n_rows(self) -> int:
        return self.kernel.n_rows

    def refit(self, x: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """(theta or None, the N-divisor covariance of ``x``).  None when the covariance matrix is not
        positive definite (``sem()`` would refuse such data; lavaan counts the draw as failed) or
        the optimizer did not converge."""
        cov = self.kernel.moments(x)
        eig = np.linalg.eigvalsh(cov)
        if not np.all(np.isfinite(eig)) or eig.min() <= 1e-12 * max(eig.max(), 1e-300):
            return None, cov
        kf = self.kernel.estimate(cov, x.shape[0], start=self.kernel.theta_hat)
        if not kf.converged or not np.all(np.isfinite(kf.theta)):
            return None, cov
        return kf.theta, cov

    def estimates(self, theta: np.ndarray, cov: np.ndarray) -> np.ndarray:
        """The estimate of every table row (fixed.x rows: the sample values of ``cov``) followed by
        the defined parameters."""
        sol = self.kernel.solution
        est = self.kernel.with_fixed_x(sol.estimates(theta), cov)
        return np.concatenate([est, sol.defined_values(est)])

    def standardized(self, theta: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(est, std_all), each for every row followed by the defined parameters."""
        vals = self.kernel.parameters(theta, cov if len(self.kernel.exo_rows) else None)
        return vals["est"], vals["std_all"]

    def admissible(self, est: np.ndarray) -> bool:
        return bool(self.geom.admissible(est[None, :self.n_rows])[0])
