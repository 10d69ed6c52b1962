"""A Monte Carlo power study written down as data (YAML), for ``surveykit power SPEC.yaml``.

Example::

    # power study: simple mediation x -> m -> y
    population: |            # lavaan syntax, a value for every path (see population_model)
      m ~ 0.3*x
      y ~ 0.3*m + 0.1*x
    standardized: true       # values are standardized; residual variances derived
    model: |                 # the analysis model, as it will be fitted
      m ~ a*x
      y ~ b*m + c*x
      ab := a*b
    n: [200, 400, 800]
    reps: 1000
    alpha: 0.05
    seed: 20261126
    ordinal: null            # or 5 (categories) or [-1.5, -0.5, 0.5, 1.5] (thresholds)
    missing: 0.0             # MCAR proportion of cells
    parameters: structural   # or all
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from surveykit._yaml import read_yaml, validate_as
from surveykit.errors import SpecError

__all__ = ["PowerSpec", "load_power_spec"]


class PowerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    population: str = Field(description="population model in lavaan syntax with a value for every path")
    model: str = Field(description="analysis model in lavaan syntax")
    standardized: bool = False
    n: list[int] = Field(default_factory=lambda: [200, 400, 800])
    reps: int = Field(1000, ge=1)
    alpha: float = Field(0.05, gt=0, lt=1)
    seed: int = Field(1, ge=0)
    ordinal: int | list[float] | dict[str, int | list[float]] | None = None
    missing: float | dict[str, float] = 0.0
    parameters: Literal["structural", "all"] = "structural"


def load_power_spec(path: str | Path) -> PowerSpec:
    p = Path(path)
    data = read_yaml(p, what="Power spec", error=SpecError)
    if not isinstance(data, dict):
        raise SpecError(f"Power spec {p} must be a mapping with keys population, model, n, reps, seed.")
    return validate_as(PowerSpec, data, what="Power spec", path=p, error=SpecError)
