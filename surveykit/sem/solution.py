"""Turning a parameter vector into the rows of the parameter table: estimates, the
standardized solutions and defined (``:=``) parameters.

Built once per model (index arrays), evaluated many times (bootstrap draws, simulation
replications), so everything here is vectorized over the table rows.

Standardization follows lavaan 0.6: ``std.all`` scales loadings and regressions by the
model-implied total standard deviations; a variance is divided by the total variance; a
covariance between two different variables by the square roots of their (residual)
variance parameters (``cov.std = TRUE``), so residual covariances become residual
correlations.  ``std.lv`` scales by latent standard deviations only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from surveykit.sem.defined import compile_expression, delta_method
from surveykit.sem.partable import ParTable
from surveykit.sem.ram import RamModel

__all__ = ["Solution"]


@dataclass(frozen=True)
class Solution:
    pt: ParTable
    models: tuple[RamModel, ...]  # one per group
    grp: np.ndarray  # 0-based group of each row
    free: np.ndarray  # 0-based free index per row, -1 fixed
    fixed: np.ndarray  # fixed value per row (NaN where free)
    op: np.ndarray  # 0 "=~", 1 "~", 2 "~~", 3 "~1"
    a: np.ndarray  # variable index of lhs
    b: np.ndarray  # variable index of rhs
    lhs_lv: np.ndarray
    rhs_lv: np.ndarray
    labels: dict  # label -> row index (first row carrying it)
    defined_funcs: tuple  # ((f, uses_abs), ...) in order

    @property
    def model(self) -> RamModel:
        """The group-1 model (single-group shorthand)."""
        return self.models[0]

    @classmethod
    def build(cls, pt: ParTable, model: RamModel | tuple[RamModel, ...] | list[RamModel]) -> Solution:
        models = tuple(model) if isinstance(model, (tuple, list)) else (model,)
        t = pt.table
        idx = {n: i for i, n in enumerate(models[0].names)}
        idx[""] = 0  # the empty rhs of "~1" rows
        lv = set(pt.lv_names)
        ops = {"=~": 0, "~": 1, "~~": 2, "~1": 3}
        labels: dict[str, int] = {}
        for i, lab in enumerate(t["label"].tolist()):
            if lab and lab not in labels:
                labels[lab] = i
        known = set(labels)
        funcs = []
        for d in pt.defined:
            funcs.append(compile_expression(d.rhs, known, line=d.line))
            known.add(d.lhs)
        grp = (t["group"].to_numpy(dtype=int) - 1) if "group" in t.columns else np.zeros(len(t), dtype=int)
        return cls(
            pt=pt,
            models=models,
            grp=grp,
            free=t["free"].to_numpy(dtype=int) - 1,
            fixed=t["ustart"].to_numpy(dtype=float),
            op=np.array([ops[o] for o in t["op"].tolist()], dtype=int),
            a=np.array([idx[x] for x in t["lhs"].tolist()], dtype=int),
            b=np.array([idx[x] for x in t["rhs"].tolist()], dtype=int),
            lhs_lv=np.array([x in lv for x in t["lhs"].tolist()]),
            rhs_lv=np.array([x in lv for x in t["rhs"].tolist()]),
            labels=labels,
            defined_funcs=tuple(funcs),
        )

    # -- raw estimates ------------------------------------------------------------
    def estimates(self, theta: np.ndarray) -> np.ndarray:
        """The estimate of every table row (free rows from ``theta``, fixed rows their value)."""
        return np.where(self.free >= 0, theta[self.free.clip(0)], self.fixed)

    # -- standardized solutions -------------------------------------------------------
    def standardized(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(std_lv, std_all) for every table row."""
        est = self.estimates(theta)
        std_all = np.full_like(est, np.nan)
        std_lv = np.full_like(est, np.nan)
        for g, model in enumerate(self.models):
            rows = self.grp == g
            _, C, _ = model.implied(theta)
            _, S = model.matrices(theta)
            var = np.diag(C)
            with np.errstate(invalid="ignore", divide="ignore"):
                sd = np.sqrt(np.where(var > 0, var, np.nan))
                sdiag = np.diag(S)
                rsd = np.sqrt(np.where(sdiag > 0, sdiag, np.nan))
                self._standardize_rows(rows, est, sd, var, rsd, std_lv, std_all)
        return std_lv, std_all

    def _standardize_rows(self, rows, est, sd, var, rsd, std_lv, std_all) -> None:
        a, b = self.a, self.b
        one = np.ones_like(est)
        # =~ : lhs latent (a), rhs indicator (b)
        m = rows & (self.op == 0)
        std_all[m] = est[m] * sd[a[m]] / sd[b[m]]
        std_lv[m] = est[m] * sd[a[m]] / np.where(self.rhs_lv[m], sd[b[m]], one[m])
        # ~ : lhs outcome (a), rhs predictor (b)
        m = rows & (self.op == 1)
        std_all[m] = est[m] * sd[b[m]] / sd[a[m]]
        std_lv[m] = est[m] * np.where(self.rhs_lv[m], sd[b[m]], one[m]) / np.where(
            self.lhs_lv[m], sd[a[m]], one[m])
        # ~~ variances
        m = rows & (self.op == 2) & (a == b)
        std_all[m] = est[m] / var[a[m]]
        std_lv[m] = np.where(self.lhs_lv[m], est[m] / var[a[m]], est[m])
        # ~~ covariances: residual correlations
        m = rows & (self.op == 2) & (a != b)
        std_all[m] = est[m] / (rsd[a[m]] * rsd[b[m]])
        scale_a = np.where(self.lhs_lv[m], rsd[a[m]], one[m])
        std_lv[m] = est[m] / (scale_a * np.where(self.rhs_lv[m], rsd[b[m]], one[m]))
        # ~1 intercepts and latent means
        m = rows & (self.op == 3)
        std_all[m] = est[m] / sd[a[m]]
        std_lv[m] = np.where(self.lhs_lv[m], est[m] / sd[a[m]], est[m])

    # -- defined parameters -----------------------------------------------------------
    @property
    def n_defined(self) -> int:
        return len(self.defined_funcs)

    def _env(self, row_values) -> dict:
        env = {lab: row_values[..., i] for lab, i in self.labels.items()}
        for d, (f, _) in zip(self.pt.defined, self.defined_funcs):
            env[d.lhs] = f(env)
        return env

    def defined_values(self, row_values: np.ndarray) -> np.ndarray:
        """Defined parameters evaluated on per-row values (estimates or a standardized column);
        ``row_values`` may be a (k, rows) stack, giving (k, defined)."""
        lead = np.shape(row_values)[:-1]
        if not self.defined_funcs:
            return np.zeros((*lead, 0))
        env = self._env(row_values)
        return np.stack([np.broadcast_to(np.real(env[d.lhs]), lead).astype(float) for d in self.pt.defined],
                        axis=-1)

    def defined_with_se(self, theta: np.ndarray, vcov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values and delta-method standard errors of the defined parameters."""
        funcs = [((lambda env, name=d.lhs: env[name]), uses_abs)
                 for d, (_, uses_abs) in zip(self.pt.defined, self.defined_funcs)]

        def env_of(th):
            vals = np.where(self.free >= 0, th[..., self.free.clip(0)], self.fixed.astype(th.dtype))
            return self._env(vals)

        ok = np.isfinite(vcov).all()
        vals, ses = delta_method(funcs, env_of, theta, vcov if ok else np.zeros_like(vcov))
        return vals, (ses if ok else np.full_like(ses, np.nan))
