"""surveykit._core.guards: a singular covariance matrix and an oversized request become one sentence
before numpy fails or memory runs out."""

from __future__ import annotations

import numpy as np
import pytest

from surveykit._core.guards import MEMORY_LIMIT, check_covariance, check_memory
from surveykit.errors import DataError, ResourceError


def _cov(x):
    return np.cov(x, rowvar=False)


def test_copied_and_dependent_columns_are_named():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 3))
    check_covariance(_cov(x), ["a", "b", "c"], 50)
    copied = np.column_stack([x, x[:, 0]])
    with pytest.raises(DataError, match=r"^The sample covariance matrix of the items of S is not positive definite "
                                        r"\(smallest eigenvalue .*\): a, d are linearly dependent \(e.g. a and d "
                                        r"correlate 1.0000\). Remove redundant variables.$"):
        check_covariance(_cov(copied), list("abcd"), 50, what="items of S")
    summed = np.column_stack([x, x.sum(axis=1)])  # a sum score beside its items: no pair correlates 1
    with pytest.raises(DataError, match=r": a, b, c, d are linearly dependent"):
        check_covariance(_cov(summed), list("abcd"), 50)


def test_too_few_rows_and_constant_columns():
    x = np.random.default_rng(2).normal(size=(3, 3))
    with pytest.raises(DataError, match=r"^Only 3 usable rows for 3 model variables; the covariance matrix cannot be "
                                        r"estimated. Collect more data or use fewer variables.$"):
        check_covariance(_cov(x), list("abc"), 3)
    y = np.random.default_rng(2).normal(size=(20, 3))
    y[:, 1] = 4.0
    with pytest.raises(DataError, match=r"^Model variable\(s\) b have zero variance; remove them.$"):
        check_covariance(_cov(y), list("abc"), 20)


def test_pairwise_indefinite_is_not_singular():
    r = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.5], [0.9, -0.5, 1.0]])  # indefinite, invertible
    assert np.linalg.eigvalsh(r).min() < 0
    check_covariance(r, list("abc"), 100, indefinite_ok=True)
    with pytest.raises(DataError):
        check_covariance(r, list("abc"), 100)


def test_memory_is_checked_before_allocating():
    check_memory(MEMORY_LIMIT, "x", "y")
    with pytest.raises(ResourceError, match=r"^n_boot=1000000000 draws of 16 estimates would need 238.4 GiB of "
                                            r"memory, more than the 8.0 GiB surveykit allows one request; lower "
                                            r"n_boot.$"):
        check_memory(1e9 * 16 * 16, "n_boot=1000000000 draws of 16 estimates", "n_boot")


def test_a_model_without_observed_columns_gets_a_sentence():
    """Found by the fuzz test: every name of the model a latent variable left an empty covariance matrix."""
    import numpy as np
    import pandas as pd

    import surveykit as sk
    from surveykit.errors import DataError

    d = pd.DataFrame(np.random.default_rng(1).normal(size=(50, 2)), columns=["y1", "y2"])
    with pytest.raises(DataError, match=r"^The model variables include no column of the data \(every name is a "
                                        r"latent variable\); measure each latent variable by observed columns"):
        sk.sem("f =~ g\ng =~ f", d)
