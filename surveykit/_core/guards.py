"""Checks that turn a numerical dead end into one sentence before it is reached.

A covariance matrix with fewer rows than variables, a constant variable or linearly dependent
variables (a column copied twice, a sum score beside its items) has no inverse: numpy would end
in ``LinAlgError: Singular matrix`` deep inside an estimator.  :func:`check_covariance` says
which variables, their correlation and what to do; the SEM sample statistics and reliability
call it.  :func:`check_memory` refuses a request whose arrays would not fit, before allocating.
"""

from __future__ import annotations

import numpy as np

from surveykit.errors import DataError, ResourceError

__all__ = ["check_covariance", "check_memory", "MEMORY_LIMIT"]

# the largest block of memory one request may ask for; above it, a sentence instead of MemoryError
MEMORY_LIMIT = 8 * 2**30


def check_covariance(cov: np.ndarray, names, n: int, *, what: str = "model variables", where: str = "",
                     indefinite_ok: bool = False) -> None:
    """Refuse (DataError) a covariance matrix of ``n`` rows that cannot be inverted: fewer rows than
    variables, a variable without variance, or linearly dependent variables (named, with the largest
    correlation).  ``indefinite_ok``: a matrix of pairwise-complete covariances may have a negative
    eigenvalue without being singular; only an eigenvalue near zero is refused then."""
    names = [str(v) for v in names]
    if not names:  # every name of the model is a latent variable
        raise DataError(f"The {what}{where} include no column of the data (every name is a latent variable); "
                        "measure each latent variable by observed columns (=~).")
    if n <= len(names):
        raise DataError(
            f"Only {n} usable rows{where} for {len(names)} {what}; the covariance matrix cannot be "
            "estimated. Collect more data or use fewer variables.")
    const = [names[i] for i in np.flatnonzero(np.diag(cov) <= 0)]
    if const:
        label = "Model variable(s)" if what == "model variables" else f"Of the {what}, item(s)"
        raise DataError(f"{label} {', '.join(const)} have zero variance{where}; remove them.")
    eig, vec = np.linalg.eigh(cov)
    small = abs(eig).min() if indefinite_ok else eig.min()
    if small <= 1e-12 * eig.max():
        k = int(np.argmin(abs(eig))) if indefinite_ok else 0
        sd = np.sqrt(np.diag(cov))
        r = cov / np.outer(sd, sd)
        np.fill_diagonal(r, 0.0)
        i, j = np.unravel_index(np.argmax(np.abs(r)), r.shape)
        involved = [names[m] for m in np.flatnonzero(np.abs(vec[:, k]) > 1e-6)]
        raise DataError(
            f"The sample covariance matrix of the {what}{where} is not positive definite (smallest "
            f"eigenvalue {eig[k]:.3g}): {', '.join(involved)} are linearly dependent (e.g. {names[i]} and "
            f"{names[j]} correlate {r[i, j]:.4f}). Remove redundant variables.")


def check_memory(n_bytes: float, what: str, lower: str) -> None:
    """Refuse (ResourceError) a request whose arrays need more than :data:`MEMORY_LIMIT`: ``what`` is
    the request ('n_boot=1000000000 draws of 16 estimates'), ``lower`` what to reduce."""
    if n_bytes > MEMORY_LIMIT:
        raise ResourceError(f"{what} would need {_size(n_bytes)} of memory, more than the {_size(MEMORY_LIMIT)} "
                            f"surveykit allows one request; lower {lower}.")


def _size(n_bytes: float) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f} {unit}"
    return f"{n_bytes:,.0f} bytes"
