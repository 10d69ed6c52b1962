"""McDonald's omega from a Schmid-Leiman solution, as psych 2.2.9 ``omega()`` computes it.

Steps (psych ``schmid()`` and ``omegah()``):

1. ``m`` factors by ``fa(R, m, fm, rotate = "varimax")`` (psych order and signs);
2. an oblique rotation of those loadings (GPArotation ``oblimin`` by default, ``geominQ``, or
   psych's Kaiser-normalized ``Promax``), giving the pattern ``F`` and factor correlations ``Phi``;
3. the general factor: one-factor ``fa(Phi, 1, fm)`` loadings ``g_f`` when ``m > 2``; with two
   factors psych sets both to ``sqrt(|phi_12|)`` (``option = "equal"``);
4. Schmid-Leiman loadings: general ``g = F g_f``, group ``s_jf = sign(F_jf) sqrt(F_jf^2 (1 - g_f^2))``,
   communality ``h2 = rowSums(varimax loadings^2)``, ``u2 = 1 - h2``;
5. ``flip``: items with a negative general loading are reversed (rows/columns of ``R`` and rows of
   the loadings change sign);
6. with ``Vt = sum(R)``: ``omega_total = (Vt - sum(u2))/Vt``, ``omega_h = (sum g)^2/Vt``,
   ``omega_limit = (sum g)^2/(Vt - sum(u2))``, ``alpha`` (standardized) and ``G6`` from ``R``,
   ``ECV = sum(g^2)/sum(g^2 + s^2)``; per group factor (the items whose largest group loading is
   on it): ``omega_total = ((sum s)^2 + (sum g)^2)/Vg``, ``omega_general = (sum g)^2/Vg``,
   ``omega_group = (sum s)^2/Vg`` with ``Vg`` the sum of their correlations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from surveykit._core import factor as fac
from surveykit._core import rotation as rot

__all__ = ["SchmidLeiman", "schmid", "OmegaStats", "omega_from_schmid"]


@dataclass(frozen=True)
class SchmidLeiman:
    general: np.ndarray  # (p,)
    group: np.ndarray  # (p, m)
    h2: np.ndarray
    u2: np.ndarray
    oblique: np.ndarray  # (p, m) oblique pattern
    phi: np.ndarray  # (m, m)
    gloading: np.ndarray  # (m,)
    converged: bool


def schmid(r: np.ndarray, m: int, *, fm: str = "minres", rotation: str = "oblimin") -> SchmidLeiman:
    """Schmid-Leiman transformation of an ``m``-factor solution of the correlation matrix ``r``."""
    orth = fac.fa(r, m, method=fm, rotation="varimax").loadings
    if m == 1:
        fload, phi, ok = orth, np.eye(1), True
    else:
        if rotation == "oblimin":
            rt = rot.gpa_oblique(orth, rot.vgq_oblimin)
        elif rotation == "geomin":
            rt = rot.gpa_oblique(orth, rot.vgq_geomin)
        elif rotation == "promax":
            rt = rot.kaiser(orth, rot.promax)
        else:  # pragma: no cover - validated by the caller
            raise ValueError(rotation)
        fload, phi, ok = rt.loadings, rt.phi, rt.converged
    if m == 1:
        gload = np.ones(1)
    elif m == 2:
        c = phi[0, 1]
        gload = np.array([np.sqrt(abs(c)), np.sign(c) * np.sqrt(abs(c))])
    else:
        gload = fac.fa(phi, 1, method=fm, rotation=None).loadings[:, 0]
    g = fload @ gload
    h2 = np.sum(orth**2, axis=1)
    u2 = np.diag(r) - h2
    uniq2 = np.clip(fload**2 - (fload * gload) ** 2, 0.0, None)
    sm = np.sign(fload) * np.sqrt(uniq2)
    return SchmidLeiman(g, sm, h2, u2, fload, phi, gload, ok)


@dataclass(frozen=True)
class OmegaStats:
    omega_h: float
    omega_total: float
    omega_limit: float
    alpha: float
    g6: float
    ecv: float
    key: np.ndarray  # +1/-1 per item (flip)
    general: np.ndarray  # flipped general loadings
    group: np.ndarray  # flipped group loadings
    assignment: np.ndarray  # group factor index (0-based) of each item
    group_total: np.ndarray  # (m+1,) row 0 = general
    group_general: np.ndarray
    group_group: np.ndarray


def omega_from_schmid(r: np.ndarray, sl: SchmidLeiman, *, flip: bool = True) -> OmegaStats:
    """psych ``omegah`` statistics from a Schmid-Leiman solution (see the module docstring)."""
    p, m = sl.group.shape
    g, s = sl.general.copy(), sl.group.copy()
    key = np.ones(p)
    if flip:
        key = np.sign(g)
        key[key == 0] = 1.0
        if np.any(key < 0):
            r = r * np.outer(key, key)
            g, s = g * key, s * key[:, None]
    vt = float(r.sum())
    uniq = float(sl.u2.sum())
    gsq = float(g.sum()) ** 2
    om_tot = (vt - uniq) / vt
    alpha = ((vt - np.trace(r)) / vt) * (p / (p - 1))
    g6 = (vt + fac.smc(r).sum() - np.trace(r)) / vt
    ev = np.concatenate([[np.sum(g**2)], np.sum(s**2, axis=0)])
    sub = np.argmax(np.abs(s), axis=1)
    tot, gen, grp = np.full(m + 1, np.nan), np.full(m + 1, np.nan), np.full(m + 1, np.nan)
    grs = 0.0
    for f in range(m):
        idx = np.flatnonzero(sub == f)
        if idx.size:
            vg = float(r[np.ix_(idx, idx)].sum())
            gr = float(s[idx, f].sum())
            gg = float(g[idx].sum())
            grs += gr**2
            grp[f + 1] = gr**2 / vg
            gen[f + 1] = gg**2 / vg
            tot[f + 1] = (gr**2 + gg**2) / vg
    gen[0] = gsq / vt
    grp[0] = grs / vt
    tot[0] = om_tot
    return OmegaStats(gsq / vt, om_tot, gsq / (vt - uniq), float(alpha), float(g6), float(ev[0] / ev.sum()),
                      key, g, s, sub, tot, gen, grp)
