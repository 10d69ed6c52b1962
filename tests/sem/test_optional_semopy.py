"""semopy is an optional dependency (surveykit[semopy]): without it, engine='semopy' says how to get it."""

from __future__ import annotations

import sys

import pytest

from surveykit.errors import ModelSpecificationError
from surveykit.sem import sem

MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"


def test_engine_semopy_without_semopy_names_the_extra(hs, monkeypatch):
    monkeypatch.setitem(sys.modules, "semopy", None)  # import semopy now raises ImportError
    with pytest.raises(ModelSpecificationError, match=r"engine='semopy' needs semopy, an optional dependency of "
                                                      r"surveykit: pip install 'surveykit\[semopy\]'"):
        sem(MODEL, hs, engine="semopy")
    assert sem(MODEL, hs).converged  # surveykit's own engine needs nothing more
