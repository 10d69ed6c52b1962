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


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_result():
    """The shipped demo analysis (full spec: bootstrap, invariance, CMB), run once per session.

    Its surveykit warnings (listwise deletion in every fit) are recorded in the results and
    checked there, so they are silenced here."""
    import warnings

    import surveykit as sk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.errors.SurveykitWarning)
        return sk.analyze()


def write_light_spec(folder: Path, **changes) -> Path:
    """A quick variant of the demo spec (no bootstrap, invariance, design or ULMC; fewer parallel-analysis
    iterations) with absolute paths, for tests that run the pipeline several times."""
    import yaml

    spec = yaml.safe_load((ROOT / "analyses" / "demo.yaml").read_text(encoding="utf-8"))
    spec["data"] = str(ROOT / "surveykit" / "datasets" / "demo" / "demo_survey.sav")
    spec["instrument"] = str(ROOT / "instruments" / "execution_capacity.yaml")
    spec["name"] = "demo-light"
    spec.pop("bootstrap", None)
    spec.pop("invariance", None)
    spec.pop("design", None)
    spec["cmb"] = {"single_factor": True, "ulmc": False}
    spec["psychometrics"]["parallel_iter"] = 20
    if "process" in spec:  # the moderation hypotheses with a short bootstrap in one process
        spec["process"] = {**spec["process"], "n_boot": 200, "jobs": 1}
    spec.update(changes)
    path = Path(folder) / "demo-light.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def light_spec(tmp_path) -> Path:
    return write_light_spec(tmp_path)
