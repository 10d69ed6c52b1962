"""Aggregation statistics of members nested in groups: one-way ANOVA ICCs and rwg agreement.

* One-way random-effects ANOVA of ``y`` on the group: ``MSB = sum_j n_j (m_j - m)^2 / (J - 1)``,
  ``MSW = sum_j sum_i (y_ij - m_j)^2 / (N - J)``.
* ``ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW)``: the share of an answer's variance that lies
  between groups; ``k`` the group size, for unequal groups either the mean ``N / J`` (Bliese's
  multilevel ``ICC1``, psych ``statsBy``) or the "adjusted" ``k0 = (N - sum_j n_j^2 / N) / (J - 1)``
  of the ANOVA variance-component estimator (equal to ``N / J`` for equal groups).
* ``ICC(2) = (MSB - MSW) / MSB``: the reliability of the group means (Bliese 2000).
* ``rwg(J) = J (1 - r) / (J (1 - r) + r)`` with ``r = mean_j s_j^2 / sigma_EU^2`` over the ``J``
  items (``s_j^2`` with the n - 1 divisor), James, Demaree & Wolf (1984, eq. 8); ``J = 1`` gives the
  single-item ``rwg = 1 - s^2 / sigma_EU^2`` (eq. 1).  ``sigma_EU^2 = (A^2 - 1) / 12`` is the
  variance of a uniform ("no agreement") null over ``A`` response options.  A mean variance above
  ``sigma_EU^2`` is truncated to it (rwg = 0), as James et al. and LeBreton & Senter (2008)
  recommend; a group of one member has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["OneWayAnova", "one_way_anova", "icc1", "icc2", "uniform_null_variance", "rwg_j"]


@dataclass(frozen=True)
class OneWayAnova:
    n: int
    groups: int
    ms_between: float
    ms_within: float
    df_between: int
    df_within: int
    k_mean: float
    k_adjusted: float

    @property
    def f(self) -> float:
        return self.ms_between / self.ms_within if self.ms_within > 0 else np.nan

    @property
    def p_value(self) -> float:
        if self.df_between < 1 or self.df_within < 1 or not np.isfinite(self.f):
            return np.nan
        return float(stats.f.sf(self.f, self.df_between, self.df_within))


def one_way_anova(y: np.ndarray, codes: np.ndarray) -> OneWayAnova:
    """The one-way ANOVA of ``y`` on integer group ``codes`` (no missing values)."""
    y = np.asarray(y, dtype=float)
    _, inverse = np.unique(codes, return_inverse=True)
    sizes = np.bincount(inverse)
    means = np.bincount(inverse, weights=y) / sizes
    n, j = len(y), len(sizes)
    ss_between = float(sizes @ (means - y.mean()) ** 2)
    ss_within = float(((y - means[inverse]) ** 2).sum())
    df_b, df_w = j - 1, n - j
    k_adj = (n - (sizes**2).sum() / n) / df_b if df_b > 0 else np.nan
    return OneWayAnova(n=n, groups=j, ms_between=ss_between / df_b if df_b > 0 else np.nan,
                       ms_within=ss_within / df_w if df_w > 0 else np.nan, df_between=df_b, df_within=df_w,
                       k_mean=n / j, k_adjusted=float(k_adj))


def icc1(msb: float, msw: float, k: float) -> float:
    """``(MSB - MSW) / (MSB + (k - 1) MSW)``."""
    return (msb - msw) / (msb + (k - 1) * msw)


def icc2(msb: float, msw: float) -> float:
    """``(MSB - MSW) / MSB``."""
    return (msb - msw) / msb


def uniform_null_variance(options: int) -> float:
    """``(A^2 - 1) / 12``: the variance of a uniform distribution over ``A`` response options."""
    return (options**2 - 1) / 12


def rwg_j(x: np.ndarray, sigma2: float) -> tuple[float, float, bool]:
    """rwg(J) of one group's answers ``x`` (members x items, complete): (rwg, mean item variance, truncated)."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[0] < 2:
        return np.nan, np.nan, False
    mean_var = float(x.var(axis=0, ddof=1).mean())
    truncated = mean_var > sigma2
    r = min(mean_var, sigma2) / sigma2
    j = x.shape[1]
    return j * (1 - r) / (j * (1 - r) + r), mean_var, truncated
