"""Polychoric correlations by the two-step method (numpy/scipy only).

Public kernel API (also used by the WLSMV estimator in ``surveykit.sem``)::

    res = polychoric_matrix(x)          # x: (n, p) float array of integer categories, NaN = missing
    res.rho          # (p, p) polychoric correlation matrix, unit diagonal (not smoothed)
    res.thresholds   # list of p 1-d arrays: item j has len(res.categories[j]) - 1 thresholds
    res.categories   # list of p 1-d arrays: the observed category values of each item, ascending
    res.n_pairs      # (p, p) int array: rows with both items answered (diagonal: item's n)
    res.converged    # (p, p) bool array

    rho, thresholds, *_ = polychoric_matrix(x)     # it is a NamedTuple

Method
------
1. Thresholds of item j: ``tau_jc = Phi^-1(cumulative proportion of categories <= c)`` over the
   rows where item j is answered (its observed categories, so unused codes leave no empty
   category).
2. For each pair, with both thresholds fixed, ``rho`` maximizes the multinomial log-likelihood
   ``sum_ab n_ab log P_ab(rho)`` of the pair's contingency table (rows answering both items), where
   ``P_ab`` is the bivariate-normal probability of the rectangle ``(tau_a-1, tau_a] x (tau_b-1,
   tau_b]``.  Fisher scoring with step halving (``dP/drho`` is the bivariate normal density at
   the rectangle's corners), converged to ``|step| < 1e-10``.

This is lavaan's ``lavCor(x, ordered = names(x))`` estimator with complete data (lavaan
0.6-14: thresholds from the univariate margins, then pairwise ML with fixed thresholds; zero cells
get nothing added except in 2 x 2 tables, where 0.5 is added, lavaan's ``zero.add = c(0.5, 0)``);
psych 2.2.9 ``polychoric(x)`` (``global = TRUE``) uses the same estimator, but maximizes with
``optimize()`` (tolerance ~1e-4) on probabilities from ``mnormt::sadmvn`` (absolute error 1e-6),
so it agrees with this kernel to about 1e-4.

The bivariate normal distribution function is Genz's (2004) ``bvnu`` algorithm (Drezner and
Wesolowsky's method with Gauss-Legendre quadrature, 6/12/20 points by ``|rho|``), accurate to
about 1e-15 and vectorized over all cells of a table.

References: Olsson (1979), Psychometrika 44, 443-460; Genz (2004), Statistics and Computing 14,
251-260.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import optimize
from scipy.special import ndtr, ndtri

from surveykit._core.memo import ContentCache, content_key

__all__ = [
    "PolychoricMatrix",
    "polychoric_matrix",
    "thresholds_from_codes",
    "pair_polychoric",
    "cell_probabilities",
    "bvn_cdf",
    "bvn_pdf",
]

POLYCHORIC_CACHE = ContentCache(maxsize=4)

_TWO_PI = 2.0 * math.pi

# Gauss-Legendre half-sets for 6, 12 and 20 points (Genz 2004)
_GL6 = (np.array([0.1713244923791705, 0.3607615730481384, 0.4679139345726904]),
        np.array([0.9324695142031522, 0.6612093864662647, 0.2386191860831970]))
_GL12 = (np.array([0.04717533638651177, 0.1069393259953183, 0.1600783285433464, 0.2031674267230659,
                   0.2334925365383547, 0.2491470458134029]),
         np.array([0.9815606342467191, 0.9041172563704750, 0.7699026741943050, 0.5873179542866171,
                   0.3678314989981802, 0.1252334085114692]))
_GL20 = (np.array([0.01761400713915212, 0.04060142980038694, 0.06267204833410906, 0.08327674157670475,
                   0.1019301198172404, 0.1181945319615184, 0.1316886384491766, 0.1420961093183821,
                   0.1491729864726037, 0.1527533871307259]),
         np.array([0.9931285991850949, 0.9639719272779138, 0.9122344282513259, 0.8391169718222188,
                   0.7463319064601508, 0.6360536807265150, 0.5108670019508271, 0.3737060887154196,
                   0.2277858511416451, 0.07652652113349733]))


def _bvnu(h: np.ndarray, k: np.ndarray, r: float) -> np.ndarray:
    """``P(X > h, Y > k)`` for a standard bivariate normal with correlation ``r`` (finite h, k)."""
    h, k = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float))
    if r == 0.0:
        return ndtr(-h) * ndtr(-k)
    w, x = _GL6 if abs(r) < 0.3 else (_GL12 if abs(r) < 0.75 else _GL20)
    w = np.concatenate([w, w])
    x = np.concatenate([1.0 - x, 1.0 + x])
    hk = h * k
    if abs(r) < 0.925:
        hs = (h * h + k * k) / 2.0
        asr = math.asin(r) / 2.0
        sn = np.sin(asr * x)
        bvn = np.sum(np.exp((sn * hk[..., None] - hs[..., None]) / (1.0 - sn**2)) * w, axis=-1)
        bvn = bvn * asr / _TWO_PI + ndtr(-h) * ndtr(-k)
    else:
        if r < 0:
            k = -k
            hk = -hk
        bvn = np.zeros_like(h)
        if abs(r) < 1.0:
            as_ = 1.0 - r * r
            a = math.sqrt(as_)
            bs = (h - k) ** 2
            asr = -(bs / as_ + hk) / 2.0
            c = (4.0 - hk) / 8.0
            d = (12.0 - hk) / 80.0
            with np.errstate(over="ignore", under="ignore"):
                bvn = np.where(asr > -100, a * np.exp(asr) * (1 - c * (bs - as_) * (1 - d * bs) / 3
                                                              + c * d * as_**2), 0.0)
                b = np.sqrt(bs)
                sp = math.sqrt(_TWO_PI) * ndtr(-b / a)
                bvn = np.where(hk > -100, bvn - np.exp(-hk / 2) * sp * b * (1 - c * bs * (1 - d * bs) / 3), bvn)
                a /= 2.0
                xs = (a * x) ** 2
                asr2 = -(bs[..., None] / xs + hk[..., None]) / 2.0
                sp2 = 1.0 + c[..., None] * xs * (1.0 + 5.0 * d[..., None] * xs)
                rs = np.sqrt(1.0 - xs)
                ep = np.exp(-(hk[..., None] / 2.0) * xs / (1.0 + rs) ** 2) / rs
                term = np.sum(np.where(asr2 > -100, np.exp(asr2) * (sp2 - ep), 0.0) * w, axis=-1)
            bvn = (a * term - bvn) / _TWO_PI
        if r > 0:
            bvn = bvn + ndtr(-np.maximum(h, k))
        else:
            low = np.where(h < 0, ndtr(k) - ndtr(h), ndtr(-h) - ndtr(-k))
            bvn = np.where(h >= k, -bvn, low - bvn)
    return np.clip(bvn, 0.0, 1.0)


def bvn_cdf(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """``P(X <= h, Y <= k)`` for a standard bivariate normal with correlation ``rho``.

    ``h`` and ``k`` broadcast against each other and may hold ``-inf``/``inf``.
    """
    h, k = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float))
    out = np.empty(h.shape)
    fin = np.isfinite(h) & np.isfinite(k)
    out[fin] = _bvnu(-h[fin], -k[fin], rho)
    nf = ~fin
    if nf.any():
        hh, kk = h[nf], k[nf]
        out[nf] = np.where((hh == -np.inf) | (kk == -np.inf), 0.0,
                           np.where(hh == np.inf, ndtr(kk), ndtr(hh)))
    return out


def bvn_pdf(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """Standard bivariate normal density; 0 where ``h`` or ``k`` is infinite."""
    h, k = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float))
    s = 1.0 - rho * rho
    with np.errstate(invalid="ignore", over="ignore"):
        q = (h * h - 2.0 * rho * h * k + k * k) / (2.0 * s)
        d = np.exp(-q) / (_TWO_PI * math.sqrt(s))
    return np.where(np.isfinite(h) & np.isfinite(k), d, 0.0)


def cell_probabilities(rho: float, tau_x: np.ndarray, tau_y: np.ndarray, *,
                       derivative: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Probabilities of the ``(len(tau_x)+1) x (len(tau_y)+1)`` cells of a bivariate normal
    with correlation ``rho`` cut at the thresholds; with ``derivative=True`` also ``dP/drho``."""
    a = np.concatenate([[-np.inf], tau_x, [np.inf]])
    b = np.concatenate([[-np.inf], tau_y, [np.inf]])
    F = bvn_cdf(a[:, None], b[None, :], rho)
    P = F[1:, 1:] - F[:-1, 1:] - F[1:, :-1] + F[:-1, :-1]
    if not derivative:
        return P
    D = bvn_pdf(a[:, None], b[None, :], rho)
    dP = D[1:, 1:] - D[:-1, 1:] - D[1:, :-1] + D[:-1, :-1]
    return P, dP


def thresholds_from_codes(codes: np.ndarray, n_categories: int) -> np.ndarray:
    """Thresholds ``Phi^-1(cumulative proportions)`` of integer codes ``0..n_categories-1`` (-1 = missing)."""
    counts = np.bincount(codes[codes >= 0], minlength=n_categories).astype(float)
    cum = np.cumsum(counts)[:-1] / counts.sum()
    return ndtri(cum)


def _loglik(rho: float, table: np.ndarray, tx: np.ndarray, ty: np.ndarray) -> float:
    P = cell_probabilities(rho, tx, ty)
    pos = table > 0
    return float(np.sum(table[pos] * np.log(np.maximum(P[pos], 1e-300))))


def pair_polychoric(table: np.ndarray, tau_x: np.ndarray, tau_y: np.ndarray, *,
                    start: float = 0.0, tol: float = 1e-10, max_iter: int = 100) -> tuple[float, bool]:
    """ML polychoric correlation of one contingency table with fixed thresholds.

    ``table`` is ``(len(tau_x)+1) x (len(tau_y)+1)`` counts (zero cells allowed; add any
    continuity correction before calling).  Returns ``(rho, converged)``.
    """
    table = np.asarray(table, float)
    n = table.sum()
    rho = float(np.clip(start, -0.99, 0.99))
    ll = _loglik(rho, table, tau_x, tau_y)
    for _ in range(max_iter):
        P, dP = cell_probabilities(rho, tau_x, tau_y, derivative=True)
        P = np.maximum(P, 1e-300)
        score = float(np.sum(table * dP / P))
        info = float(n * np.sum(dP**2 / P))
        if not np.isfinite(info) or info <= 0:
            break
        step = score / info
        new = rho + step
        for _ in range(60):
            new = float(np.clip(rho + step, -0.999999, 0.999999))
            ll_new = _loglik(new, table, tau_x, tau_y)
            if ll_new >= ll - 1e-12 * abs(ll):
                break
            step /= 2.0
        if abs(new - rho) < tol:
            return new, True
        rho, ll = new, ll_new
    # fall back on a bounded one-dimensional search
    res = optimize.minimize_scalar(lambda t: -_loglik(t, table, tau_x, tau_y), bounds=(-0.999999, 0.999999),
                                   method="bounded", options={"xatol": 1e-10})
    return float(res.x), bool(res.success)


class PolychoricMatrix(NamedTuple):
    """Result of :func:`polychoric_matrix` (see the module docstring)."""

    rho: np.ndarray
    thresholds: list[np.ndarray]
    categories: list[np.ndarray]
    n_pairs: np.ndarray
    converged: np.ndarray


def _encode(col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = ~np.isnan(col)
    cats = np.unique(col[ok])
    codes = np.full(col.shape, -1, dtype=np.int64)
    codes[ok] = np.searchsorted(cats, col[ok])
    return codes, cats


def polychoric_matrix(x: np.ndarray, *, zero_add: tuple[float, float] = (0.5, 0.0)) -> PolychoricMatrix:
    """Polychoric correlation matrix and thresholds of ordinal items (two-step ML).

    Parameters
    ----------
    x : ndarray, shape (n, p)
        Ordered categories (any increasing numeric codes; integers in practice); NaN = missing.
        Each pair uses the rows where both items are answered; each item's thresholds use the
        rows where it is answered.  Every item needs at least two observed categories.
    zero_add : (float, float)
        Added to empty cells of 2 x 2 tables and of larger tables (lavaan's ``zero.add``);
        thresholds stay those of the margins.

    Returns
    -------
    PolychoricMatrix
        ``(rho, thresholds, categories, n_pairs, converged)``.

    Examples
    --------
    >>> import numpy as np
    >>> from surveykit._core.polychoric import polychoric_matrix
    >>> rng = np.random.default_rng(1)
    >>> z = rng.multivariate_normal([0, 0], [[1, .5], [.5, 1]], size=2000)
    >>> x = np.digitize(z, [-1, 0, 1]).astype(float)
    >>> res = polychoric_matrix(x)
    >>> bool(abs(res.rho[0, 1] - 0.5) < 0.05), len(res.thresholds[0])
    (True, 3)
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError("polychoric_matrix needs a 2-d array (rows = respondents, columns = items).")
    # one computation per data set and process, shared by every analysis that asks (see _core.memo)
    return POLYCHORIC_CACHE.get(content_key("polychoric", x, tuple(zero_add)),
                                lambda: _polychoric_matrix(x, zero_add))


def _polychoric_matrix(x: np.ndarray, zero_add: tuple[float, float]) -> PolychoricMatrix:
    n, p = x.shape
    enc = [_encode(x[:, j]) for j in range(p)]
    codes = np.column_stack([c for c, _ in enc]) if p else np.empty((n, 0), dtype=np.int64)
    cats = [c for _, c in enc]
    few = [j for j, c in enumerate(cats) if len(c) < 2]
    if few:
        raise ValueError(f"item(s) at column(s) {few} have fewer than 2 observed categories; "
                         "a polychoric correlation needs at least 2.")
    ncat = [len(c) for c in cats]
    taus = [thresholds_from_codes(codes[:, j], ncat[j]) for j in range(p)]
    rho = np.eye(p)
    conv = np.ones((p, p), dtype=bool)
    answered = codes >= 0
    n_pairs = answered.T.astype(np.int64) @ answered.astype(np.int64)
    # standardized codes give a Pearson start value for every pair at once
    z = np.where(answered, codes, np.nan).astype(float)
    z = (z - np.nanmean(z, axis=0)) / np.nanstd(z, axis=0)
    zf = np.where(answered, z, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        start = (zf.T @ zf) / np.maximum(n_pairs, 1)
    for i in range(p):
        for j in range(i + 1, p):
            both = answered[:, i] & answered[:, j]
            if not both.any():
                rho[i, j] = rho[j, i] = np.nan
                conv[i, j] = conv[j, i] = False
                continue
            idx = codes[both, i] * ncat[j] + codes[both, j]
            table = np.bincount(idx, minlength=ncat[i] * ncat[j]).reshape(ncat[i], ncat[j]).astype(float)
            add = zero_add[0] if (ncat[i] == 2 and ncat[j] == 2) else zero_add[1]
            if add > 0:
                table[table == 0] = add
            s = start[i, j] if np.isfinite(start[i, j]) else 0.0
            r, ok = pair_polychoric(table, taus[i], taus[j], start=s)
            rho[i, j] = rho[j, i] = r
            conv[i, j] = conv[j, i] = ok
    return PolychoricMatrix(rho, taus, cats, n_pairs, conv)
