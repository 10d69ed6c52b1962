"""The model side of a group's statistics: the model-implied moments and their Jacobian
``Delta`` (lavaan's ``computeDelta``) in the layout of the sample statistics
(:mod:`surveykit.sem.samplestats`): means (with a mean structure), then ``vech`` of the
covariance matrix; for ordinal indicators, standardized thresholds then correlations (see
:mod:`surveykit.sem.categorical` for the delta and theta parameterizations).

Every estimator's information matrix, robust standard errors and scaled test statistics
are built from ``Delta`` and a weight matrix per group; this module is where ``Delta`` comes
from.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from surveykit.errors import ModelSpecificationError
from surveykit.sem.partable import ParTable
from surveykit.sem.ram import RamModel
from surveykit.sem.samplestats import vech_index

__all__ = ["GroupModel", "group_models"]


@dataclass(frozen=True)
class GroupModel:
    """One group's model: the RAM representation plus, for ordinal indicators, where the
    thresholds and scaling parameters sit in the global parameter vector."""

    ram: RamModel
    group: int
    p: int  # observed variables
    meanstructure: bool
    categorical: bool = False
    parameterization: str = "delta"
    th_var: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=int))  # variable of each threshold
    th_par: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=int))  # free index or -1
    th_fixed: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    sc_par: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=int))  # per indicator: ~*~
    sc_fixed: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    y_idx: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=int))  # ordinal indicators
    x_idx: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=int))  # conditioned-on covariates

    @property
    def n_par(self) -> int:
        return self.ram.n_par

    # -- continuous ----------------------------------------------------------------------------
    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Sigma, mu) of the observed variables; for ordinal indicators the latent responses'
        correlation matrix and zero means (the thresholds carry the location)."""
        sigma, _, _ = self.ram.implied(theta)
        if self.categorical:
            c, _, _ = self._conditional(theta, sigma)
            s = self._scale(theta, c)
            r = c * np.outer(s, s)
            np.fill_diagonal(r, 1.0)
            return r, np.zeros(len(self.y_idx))
        mu = self.ram.implied_means(theta)[: self.p] if self.meanstructure else np.zeros(self.p)
        return sigma, mu

    def statistics(self, theta: np.ndarray) -> np.ndarray:
        """The model-implied statistics in the layout of ``GroupMoments.wls_obs``."""
        sigma, _, _ = self.ram.implied(theta)
        if self.categorical:
            c, pi, mu = self._conditional(theta, sigma)
            s = self._scale(theta, c)
            tau = self._thresholds(theta)
            th = s[self.th_var] * (tau - mu[self.th_var])
            iu = np.triu_indices(len(self.y_idx), 1)
            slopes = (s[:, None] * pi).ravel(order="F") if pi is not None else np.zeros(0)
            return np.concatenate([th, slopes, (c * np.outer(s, s))[iu]])
        r, c = vech_index(self.p)
        vec = sigma[r, c]
        if self.meanstructure:
            vec = np.concatenate([self.ram.implied_means(theta)[: self.p], vec])
        return vec

    def delta(self, theta: np.ndarray) -> np.ndarray:
        """d statistics / d theta: (number of statistics, number of free parameters)."""
        d_sigma, d_mu = self.ram.derivatives(theta)
        if self.categorical:
            return self._delta_categorical(theta, d_sigma, d_mu)
        r, c = vech_index(self.p)
        out = d_sigma[:, r, c].T
        if self.meanstructure:
            out = np.vstack([d_mu.T, out])
        return out

    # -- ordinal ------------------------------------------------------------------------------
    def _thresholds(self, theta: np.ndarray) -> np.ndarray:
        return np.where(self.th_par >= 0, theta[self.th_par.clip(0)], self.th_fixed)

    def _conditional(self, theta: np.ndarray, sigma: np.ndarray):
        """(C, Pi, mu) of the latent responses: their covariance (without the ordinal residual
        variances in the delta parameterization), slopes on the covariates and intercepts, given
        the covariates (lavaan's res.cov, res.slopes, res.int); without covariates the marginal
        moments and no slopes."""
        mu_all = self.ram.implied_means(theta)[: self.p]
        y = self.y_idx
        if not len(self.x_idx):
            return sigma[np.ix_(y, y)], None, mu_all[y]
        x = self.x_idx
        pi = np.linalg.solve(sigma[np.ix_(x, x)], sigma[np.ix_(x, y)]).T
        c = sigma[np.ix_(y, y)] - pi @ sigma[np.ix_(x, y)]
        return c, pi, mu_all[y] - pi @ mu_all[x]

    def _scale(self, theta: np.ndarray, c: np.ndarray) -> np.ndarray:
        """s_j = 1 / sd(y*_j): the scaling factor (delta) or 1/sqrt(C_jj) (theta)."""
        if self.parameterization == "delta":
            return np.where(self.sc_par >= 0, theta[self.sc_par.clip(0)], self.sc_fixed)
        return 1.0 / np.sqrt(np.diag(c))

    def _delta_categorical(self, theta, d_sigma, d_mu) -> np.ndarray:
        sigma, _, _ = self.ram.implied(theta)
        c, pi, mu = self._conditional(theta, sigma)
        y, x = self.y_idx, self.x_idx
        d_c = d_sigma[:, y[:, None], y[None, :]]
        d_m = d_mu[:, y]
        if pi is not None:
            # the covariates' moments are fixed: d Pi = dC_yx C_xx^-1, dC = dC_yy - dPi C_xy - Pi dC_xy
            cxx_inv = np.linalg.inv(sigma[np.ix_(x, x)])
            d_pi = d_sigma[:, y[:, None], x[None, :]] @ cxx_inv
            cxy = sigma[np.ix_(x, y)]
            d_cxy = d_sigma[:, x[:, None], y[None, :]]
            d_c = d_c - d_pi @ cxy - np.einsum("ab,kbc->kac", pi, d_cxy)
            d_m = d_m - d_pi @ self.ram.implied_means(theta)[x]
        s = self._scale(theta, c)
        k = self.n_par
        if self.parameterization == "delta":
            ds = np.zeros((k, len(y)))
            free = self.sc_par >= 0
            ds[self.sc_par[free], np.flatnonzero(free)] = 1.0
        else:
            ds = -0.5 * (s**3)[None, :] * np.einsum("kjj->kj", d_c)
        tau = self._thresholds(theta)
        j = self.th_var
        dtau = np.zeros((k, len(tau)))
        free = self.th_par >= 0
        dtau[self.th_par[free], np.flatnonzero(free)] = 1.0
        d_th = ds[:, j] * (tau - mu[j])[None, :] + s[j][None, :] * (dtau - d_m[:, j])
        parts = [d_th]
        if pi is not None:
            d_sl = ds[:, :, None] * pi[None, :, :] + s[None, :, None] * d_pi
            parts.append(d_sl.transpose(0, 2, 1).reshape(k, -1))  # covariate by covariate
        a, b = np.triu_indices(len(y), 1)
        parts.append((ds[:, a] * s[b] + s[a] * ds[:, b]) * c[a, b] + (s[a] * s[b]) * d_c[:, a, b])
        return np.hstack(parts).T


def group_models(pt: ParTable) -> list[GroupModel]:
    """The :class:`GroupModel` of every group of a parameter table."""
    out = []
    t = pt.table
    ord_set = set(pt.ov_ord)
    idx = {v: i for i, v in enumerate(pt.ov_names)}
    for g in range(1, pt.ngroups + 1):
        if not pt.categorical:
            out.append(GroupModel(ram=RamModel.from_partable(pt, group=g), group=g, p=len(pt.ov_names),
                                  meanstructure=pt.meanstructure))
            continue
        tg = t[t["group"] == g]
        ram_table = t.copy()
        if pt.parameterization == "delta":
            # the residual variances of y* are not parameters: v_j = 1/Delta_j^2 fixes them
            resid = (ram_table["op"] == "~~") & (ram_table["lhs"] == ram_table["rhs"]) & ram_table["lhs"].isin(
                ord_set)
            if (ram_table.loc[resid, "free"] > 0).any():
                raise ModelSpecificationError(
                    "In the delta parameterization the residual variances of ordinal indicators are not "
                    "parameters; remove their '~~' lines or use parameterization='theta'.")
            ram_table.loc[resid, "ustart"] = 0.0
        ram = RamModel.from_partable(dataclasses.replace(pt, table=ram_table), group=g)
        p = len(pt.ov_names)
        # an ordinal indicator must not send paths (its y* scale would enter other variables)
        a_cols = set(ram.a_cols.tolist())
        senders = [v for v in pt.ov_ord if idx[v] in a_cols]
        if senders:
            raise ModelSpecificationError(
                f"The ordinal indicator(s) {', '.join(senders)} predict other variables; this is not available "
                "for ordered indicators yet. Treat them as continuous or remove those paths.")
        th = tg[tg["op"] == "|"]
        # thresholds in variable order, then t1, t2, ...
        order = sorted(range(len(th)), key=lambda i: (idx[th["lhs"].iat[i]], int(th["rhs"].iat[i][1:])))
        th = th.iloc[order]
        ys = [v for v in pt.ov_names if v in ord_set]
        y_pos = {v: i for i, v in enumerate(ys)}
        sc = tg[tg["op"] == "~*~"].set_index("lhs")
        sc_par = np.array([int(sc.at[v, "free"]) - 1 if v in sc.index else -1 for v in ys], dtype=int)
        sc_fixed = np.array([float(sc.at[v, "ustart"]) if v in sc.index and sc.at[v, "free"] == 0 else 1.0
                             for v in ys])
        out.append(GroupModel(
            ram=ram, group=g, p=p, meanstructure=True, categorical=True, parameterization=pt.parameterization,
            th_var=np.array([y_pos[v] for v in th["lhs"]], dtype=int),
            y_idx=np.array([idx[v] for v in ys], dtype=int),
            x_idx=np.array([idx[v] for v in pt.ov_names if v in set(pt.ov_x)], dtype=int),
            th_par=th["free"].to_numpy(dtype=int) - 1,
            th_fixed=np.where(th["free"].to_numpy() > 0, 0.0, th["ustart"].to_numpy(dtype=float)),
            sc_par=sc_par, sc_fixed=sc_fixed,
        ))
    return out
