"""Single-level models of clustered data and sampling weights (lavaan's ``cluster=`` and
``sampling.weights=``): the numbers are compared with lavaan in the corpus (tests/sem/test_corpus.py,
cases tl_*); here, what is refused and how."""

from __future__ import annotations

import pandas as pd
import pytest

import surveykit as sk
from surveykit.errors import DataError

from .corpus import load_data

MODEL = "fw =~ y1 + y2 + y3\nfw ~ x1 + x2"


@pytest.fixture(scope="module")
def tl() -> pd.DataFrame:
    return load_data("corpus/demo_twolevel.csv")


def test_clusters_and_weights_change_the_standard_errors_not_the_estimates(tl):
    plain = sk.sem(MODEL, tl, estimator="MLR", meanstructure=True).parameter_estimates()
    clustered = sk.sem(MODEL, tl, estimator="MLR", cluster="cluster").parameter_estimates()
    key = ["lhs", "op", "rhs"]
    assert plain[key].equals(clustered[key])
    assert list(plain["est"]) == pytest.approx(list(clustered["est"]), rel=1e-8)
    free = plain["se"] > 0
    assert (clustered.loc[free, "se"] != plain.loc[free, "se"]).all()
    weighted = sk.sem(MODEL, tl, sampling_weights="wt")
    assert weighted.estimator == "MLR"


@pytest.mark.parametrize(("change", "kwargs", "message"), [
    (lambda d: d.assign(wt=d["wt"].where(d.index != 5)), {"sampling_weights": "wt"},
     r"The weight column 'wt' has 1 missing or non-numeric value\(s\)"),
    (lambda d: d.assign(wt=d["wt"].where(d.index != 3, -1.0)), {"sampling_weights": "wt"},
     r"The weight column 'wt' has negative values \(e\.g\. row 4\)"),
    (lambda d: d.assign(wt=0.0), {"sampling_weights": "wt"}, r"Every weight in 'wt' is zero"),
    (lambda d: d, {"sampling_weights": "weight"}, r"The weight column 'weight' \(sampling_weights=\) is not a column"),
    (lambda d: d.assign(cluster=d["cluster"].where(d.index != 0)), {"cluster": "cluster"},
     r"The cluster column 'cluster' has 1 missing value\(s\)"),
    (lambda d: d.assign(cluster=1), {"cluster": "cluster"}, r"has a single cluster; cluster-robust standard errors"),
    (lambda d: d, {"cluster": "branch"}, r"The cluster column 'branch' \(cluster=\) is not a column of the data"),
])
def test_bad_design_columns_get_a_sentence(tl, change, kwargs, message):
    with pytest.raises(DataError, match=message):
        sk.sem(MODEL, change(tl.copy()), **kwargs)


def test_weights_with_a_satorra_bentler_test_are_refused(tl):
    with pytest.raises(DataError, match="Gamma .* with sampling weights is not available; use estimator='MLR'"):
        sk.sem(MODEL, tl, sampling_weights="wt", estimator="MLM")
