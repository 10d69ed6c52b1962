"""The analysis spec: one YAML file naming the data, the instrument, the models, the
hypotheses and the report options.  Relative paths are resolved against the spec's folder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from surveykit._yaml import read_yaml
from surveykit.data import ScreeningRule
from surveykit.errors import SpecError
from surveykit.instrument.schema import Text

__all__ = ["AnalysisSpec", "Hypothesis", "load_spec"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hypothesis(_M):
    """A hypothesis tested on the structural model.

    ``kind: path`` names a regression ``"Y ~ X"``; ``kind: defined`` names a ``:=`` parameter
    (an indirect effect).  ``expect`` is the predicted sign.
    """

    id: str
    kind: Literal["path", "defined"]
    path: str | None = None
    parameter: str | None = None
    expect: Literal["positive", "negative", "nonzero"] = "positive"
    text: Text

    @model_validator(mode="after")
    def _target(self) -> Hypothesis:
        if self.kind == "path":
            if not self.path or "~" not in self.path or "~~" in self.path or "=~" in self.path:
                raise ValueError(f"hypothesis {self.id}: kind 'path' needs path: 'Y ~ X'")
        elif not self.parameter:
            raise ValueError(f"hypothesis {self.id}: kind 'defined' needs parameter: <name of a := parameter>")
        return self

    @property
    def target(self) -> tuple[str, str, str]:
        if self.kind == "path":
            lhs, _, rhs = self.path.partition("~")
            return (lhs.strip(), "~", rhs.strip())
        return (self.parameter, ":=", "")


class StructuralSpec(_M):
    model: str = Field(description="structural part in lavaan syntax: '~' paths, labels and ':=' effects")
    hypotheses: tuple[Hypothesis, ...] = ()


class MeasurementSpec(_M):
    constructs: Literal["all"] | tuple[str, ...] = "all"


class ReportSpec(_M):
    lang: Literal["zh", "en"] = "zh"
    formats: tuple[Literal["html", "md", "json"], ...] = ("html", "md", "json")
    alpha: float = Field(0.05, gt=0, lt=1)


class AnalysisSpec(_M):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: Text
    data: str
    instrument: str
    simulated: bool = False
    seed: int | None = None
    screening: tuple[ScreeningRule, ...] = ()
    measurement: MeasurementSpec = MeasurementSpec()
    structural: StructuralSpec | None = None
    report: ReportSpec = ReportSpec()
    base_dir: str = Field(default=".", exclude=True)

    @field_validator("data", "instrument")
    @classmethod
    def _nonempty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must be a file path")
        return v

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else (Path(self.base_dir) / p)

    @property
    def data_path(self) -> Path:
        return self.resolve(self.data)

    @property
    def instrument_path(self) -> Path:
        return self.resolve(self.instrument)


def load_spec(path: str | Path, **overrides) -> tuple[AnalysisSpec, str]:
    """Read and validate a spec; returns (spec, SHA-256 of the file).  ``overrides`` replace keys
    (``data``, ``instrument``: paths relative to the current directory)."""
    p = Path(path)
    data = read_yaml(p, what="Spec file", error=SpecError)
    raw = p.read_bytes()
    if not isinstance(data, dict):
        raise SpecError(f"Spec file {p}: the top level must be a mapping with keys such as name, data, instrument.")
    data = dict(data)
    data["base_dir"] = str(p.resolve().parent)
    for key, val in overrides.items():
        if val is not None:
            data[key] = str(Path(val).resolve())
    try:
        spec = AnalysisSpec.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = ".".join(str(x) for x in e["loc"])
        raise SpecError(
            f"Spec file {p}: key '{loc}': {e['msg'].removeprefix('Value error, ')}. Fix that key."
        ) from None
    return spec, hashlib.sha256(raw).hexdigest()
