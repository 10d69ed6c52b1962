from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REF = Path(__file__).parent / "reference"


def load_ref(name: str) -> dict:
    return json.loads((REF / "lavaan" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def hs() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv")


@pytest.fixture(scope="session")
def pol_dem() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "PoliticalDemocracy.csv")


@pytest.fixture(autouse=True)
def _global_rng_untouched():
    """No surveykit code may draw from or reseed numpy's global RNG."""
    before = np.random.get_state()[1].copy()
    yield
    after = np.random.get_state()[1]
    assert np.array_equal(before, after), "the global numpy RNG state was changed"
