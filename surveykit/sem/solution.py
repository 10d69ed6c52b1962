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
from functools import cached_property

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
    op: np.ndarray  # 0 "=~", 1 "~", 2 "~~", 3 "~1", 4 "|", 5 "~*~"
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
        ops = {"=~": 0, "~": 1, "~~": 2, "~1": 3, "|": 4, "~*~": 5}
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
            b=np.array([idx.get(x, idx.get(a, 0)) for a, x in zip(t["lhs"].tolist(), t["rhs"].tolist())], dtype=int),
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
    def standardized(self, theta: np.ndarray, values: np.ndarray | None = None,
                     nox: tuple[str, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(std_lv, std_all) for every table row, of the estimates or of per-row ``values`` (the
        standardized expected parameter changes of modification indices); with ``nox`` (the
        exogenous covariates) the second array is lavaan's ``std.nox``: as std_all, but the
        covariates keep their own scale."""
        est = self.estimates(theta) if values is None else values
        std_all = np.full_like(est, np.nan)
        std_lv = np.full_like(est, np.nan)
        x_idx = [self.models[0].names.index(v) for v in (nox or ())]
        for g, model in enumerate(self.models):
            A, S = model.matrices(theta)
            B = model.inverse(A)
            var = np.einsum("ij,ij->i", B @ S, B)  # diag(B S B'), the total variances
            with np.errstate(invalid="ignore", divide="ignore"):
                sd = np.sqrt(np.where(var > 0, var, np.nan))
                # lavaan's cov.std: covariances over the square roots of the absolute residual variances
                sdiag = np.abs(np.diag(S))
                rsd = np.sqrt(np.where(sdiag > 0, sdiag, np.nan))
                sd_lhs = sd
                if x_idx:
                    # std.nox: the covariates keep their scale (as predictors, in their own (co)variances and
                    # means); a covariate regressed on something is still divided by its SD
                    var, sd, rsd = var.copy(), sd.copy(), rsd.copy()
                    var[x_idx] = sd[x_idx] = rsd[x_idx] = 1.0
                self._standardize_rows(self._row_sets[g], est, sd, var, rsd, std_lv, std_all, sd_lhs)
        return std_lv, std_all

    @cached_property
    def _row_sets(self) -> list[dict[str, tuple]]:
        """Per group and kind of row: (row indices, lhs index, rhs index, lhs latent, rhs latent),
        found once (masks per call were most of a bootstrap draw's standardization)."""
        kinds = {"load": self.op == 0, "reg": self.op == 1, "var": (self.op == 2) & (self.a == self.b),
                 "cov": (self.op == 2) & (self.a != self.b), "int": self.op == 3, "th": self.op == 4,
                 "scale": self.op == 5}
        out = []
        for g in range(len(self.models)):
            sets = {}
            for kind, mask in kinds.items():
                r = np.flatnonzero((self.grp == g) & mask)
                sets[kind] = (r, self.a[r], self.b[r], self.lhs_lv[r], self.rhs_lv[r])
            out.append(sets)
        return out

    @staticmethod
    def _standardize_rows(sets, est, sd, var, rsd, std_lv, std_all, sd_lhs=None) -> None:
        # =~ : lhs latent (a), rhs indicator (b)
        r, a, b, _, rlv = sets["load"]
        e = est[r]
        std_all[r] = e * sd[a] / sd[b]
        std_lv[r] = e * sd[a] / np.where(rlv, sd[b], 1.0)
        # ~ : lhs outcome (a), rhs predictor (b)
        r, a, b, llv, rlv = sets["reg"]
        e = est[r]
        sd_l = sd if sd_lhs is None else sd_lhs
        std_all[r] = e * sd[b] / sd_l[a]
        std_lv[r] = e * np.where(rlv, sd[b], 1.0) / np.where(llv, sd_l[a], 1.0)
        # ~~ variances
        r, a, _, llv, _ = sets["var"]
        e = est[r]
        std_all[r] = e / var[a]
        std_lv[r] = np.where(llv, e / var[a], e)
        # ~~ covariances: residual correlations
        r, a, b, llv, rlv = sets["cov"]
        e = est[r]
        std_all[r] = e / (rsd[a] * rsd[b])
        std_lv[r] = e / (np.where(llv, rsd[a], 1.0) * np.where(rlv, rsd[b], 1.0))
        # ~1 intercepts and latent means
        r, a, _, llv, _ = sets["int"]
        e = est[r]
        std_all[r] = e / sd[a]
        std_lv[r] = np.where(llv, e / sd[a], e)
        # | thresholds of ordinal indicators: on the latent response's standard deviation
        r, a, _, _, _ = sets["th"]
        e = est[r]
        std_all[r] = e / sd[a]
        std_lv[r] = e
        # ~*~ scaling factors: as estimated in std_lv, 1 on the standardized latent responses (lavaan)
        r = sets["scale"][0]
        std_all[r] = 1.0
        std_lv[r] = est[r]

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
