"""The analysis spec: one YAML file naming the data, the instrument, the models, the
hypotheses and the report options.  Relative paths are resolved against the spec's folder.

``data`` is the data file's path, or a mapping with the file and how to read it::

    data: exports/wave1.csv
    data:
      file: exports/wave1.csv
      encoding: gb18030      # a csv/tsv file's text encoding (default: detected)
      layout: wjx            # auto | plain | qualtrics | wjx | kobo (default: detected)
      sheet: 答卷数据         # an .xlsx sheet (default: the first)
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from surveykit._yaml import read_yaml, validate_as
from surveykit.data import ScreeningRule
from surveykit.errors import SpecError
from surveykit.instrument.schema import Text
from surveykit.resampling.process_models import MODELS

#: The PROCESS models whose indirect effect depends on a moderator (sk.process offers them).
MODERATED_MEDIATION = tuple(m for m in MODELS if m not in (1, 2, 3, 4, 5, 6))

__all__ = ["AnalysisSpec", "DataSource", "Hypothesis", "ProcessHypothesis", "ProcessSpec", "load_spec"]

#: The keys of a ``data`` mapping that are options of :func:`surveykit.read_survey`.
READ_OPTIONS = ("encoding", "layout", "sheet")


def _nonempty_path(v: str) -> str:
    if not v.strip():
        raise ValueError("must be a file path")
    return v


_FilePath = Annotated[str, AfterValidator(_nonempty_path)]

EXAMPLES = {
    # the expected form of a key, shown with the first problem of a spec file
    "": "'name: bfi', 'title: Big Five', 'data: bfi.sav', 'instrument: bfi_instrument.yaml'",
    "data": "'data: wave1.sav' or 'data: {file: wave1.csv, encoding: gb18030, layout: wjx}'",
    "file": "'file: wave1.csv'",
    "title": "'title: Big Five' (one language) or 'title: {zh: 大五人格, en: Big Five}'",
    "text": "'text: X raises Y.' (one language) or 'text: {zh: X 提升 Y。, en: X raises Y.}'",
    "structural": ("'structural: {model: \"Y ~ a*X\", hypotheses: [{id: H1, kind: path, path: Y ~ X, "
                   "expect: positive, text: X raises Y.}]}'"),
    "hypotheses": "'hypotheses: [{id: H1, kind: path, path: Y ~ X, expect: positive, text: X raises Y.}]'",
    "expect": "'expect: positive', 'expect: negative' or 'expect: nonzero' (the sign the hypothesis predicts)",
    "process": ("'process: {hypotheses: [{id: H7, kind: moderation, x: STY, w: MEC, y: EXE, expect: positive, "
                "text: MEC strengthens STY -> EXE.}]}'"),
    "screening": "'screening: [{rule: longstring}, {rule: speed, min_seconds: 180}]'",
    "constructs": "'constructs: all' or 'constructs: [A, C, E]'",
}


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hypothesis(_M):
    """A hypothesis tested on the structural model.

    ``kind: path`` names a regression ``"Y ~ X"``; ``kind: defined`` names a ``:=`` parameter
    (an indirect effect).  ``expect`` is the predicted sign, required: positive, negative, or nonzero
    (two-sided); a hypothesis is supported when the estimate has that sign and is significant.
    """

    id: str
    kind: Literal["path", "defined"]
    path: str | None = None
    parameter: str | None = None
    expect: Literal["positive", "negative", "nonzero"] = Field(
        description="the predicted sign: positive, negative, or nonzero (two-sided)")
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


class ProcessHypothesis(_M):
    """A moderation or moderated mediation tested by a PROCESS model on construct scores.

    ``kind: moderation``: W changes the effect of X on Y (PROCESS model 1; 2 or 3 with a second
    moderator ``z``).  ``kind: moderated_mediation``: the indirect effect of X on Y through M
    depends on W; ``model`` is the PROCESS model number (7: W moderates X -> M; 14: M -> Y; 58:
    both; 8, 15, 59 also the direct effect; 9, 21 with ``z``).  Variables are construct codes
    (their scores) or columns of the data; ``expect``, required as for the structural hypotheses, is
    the predicted sign of the interaction coefficient (moderation) or of the index of moderated
    mediation: positive, negative, or nonzero (two-sided).
    """

    id: str
    kind: Literal["moderation", "moderated_mediation"]
    x: str
    y: str
    w: str
    m: str | tuple[str, ...] | None = None
    z: str | None = None
    model: int | None = None
    covariates: tuple[str, ...] = ()
    expect: Literal["positive", "negative", "nonzero"] = Field(
        description="the predicted sign of the interaction or of the index: positive, negative, or nonzero (two-sided)")
    text: Text

    @model_validator(mode="after")
    def _roles(self) -> ProcessHypothesis:
        if self.kind == "moderation":
            if self.m is not None:
                raise ValueError(f"hypothesis {self.id}: a moderation has no mediator m; use kind "
                                 "'moderated_mediation' with a model number")
            if self.model is not None and self.model not in (1, 2, 3):
                raise ValueError(f"hypothesis {self.id}: a moderation is PROCESS model 1 (2 or 3 with z), not "
                                 f"{self.model}")
        elif self.m is None or self.model is None:
            raise ValueError(f"hypothesis {self.id}: kind 'moderated_mediation' needs m (the mediator) and model "
                             "(the PROCESS model number, e.g. 7, 14 or 58)")
        elif self.model not in MODERATED_MEDIATION:
            offered = ", ".join(map(str, MODERATED_MEDIATION))
            what = "is not offered" if self.model not in MODELS else "has no moderated indirect effect"
            raise ValueError(f"hypothesis {self.id}: PROCESS model {self.model} {what}; a moderated mediation is "
                             f"one of the models {offered}")
        return self

    @property
    def process_model(self) -> int:
        return self.model if self.model is not None else (1 if self.z is None else 2)


class ProcessSpec(_M):
    """Moderation and moderated-mediation hypotheses on construct scores (PROCESS models, OLS);
    the decision procedures and their alpha come from the report's convention profile."""

    hypotheses: tuple[ProcessHypothesis, ...] = Field(min_length=1)
    n_boot: int = Field(5000, ge=100)
    ci: Literal["percentile", "bc"] = "percentile"
    hc: Literal["HC0", "HC1", "HC2", "HC3", "HC4"] | None = None
    center: bool = Field(True, description="mean-centre X and the moderators before forming products")
    moderator_values: Literal["mean_sd", "percentiles"] = "mean_sd"
    jobs: int = -1


class DataSource(_M):
    """The data file and how to read it (the options of :func:`surveykit.read_survey`)."""

    file: _FilePath
    encoding: str | None = None
    layout: Literal["auto", "plain", "qualtrics", "wjx", "kobo"] | None = None
    sheet: str | int | None = None

    @property
    def options(self) -> dict[str, str | int]:
        """The read options that are set, as keyword arguments of ``read_survey``."""
        return {k: getattr(self, k) for k in READ_OPTIONS if getattr(self, k) is not None}


class StructuralSpec(_M):
    model: str = Field(description="structural part in lavaan syntax: '~' paths, labels and ':=' effects")
    hypotheses: tuple[Hypothesis, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> StructuralSpec:
        ids = [h.id for h in self.hypotheses]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        if dup is not None:
            raise ValueError(f"hypothesis id {dup!r} appears {ids.count(dup)} times; give each hypothesis its own id")
        return self


class MeasurementSpec(_M):
    constructs: Literal["all"] | tuple[str, ...] = "all"


class EstimationSpec(_M):
    """How the CFA and SEM are estimated (lavaan's options)."""

    estimator: Literal["ML", "MLR", "WLSMV"] = "ML"
    missing: Literal["listwise", "fiml"] = "listwise"

    @model_validator(mode="after")
    def _combo(self) -> EstimationSpec:
        if self.missing == "fiml" and self.estimator != "ML":
            raise ValueError("missing 'fiml' needs estimator 'ML'")
        return self


class PsychometricsSpec(_M):
    """The psychometric battery before the CFA: item analysis, KMO/Bartlett, parallel analysis,
    EFA and Harman's test."""

    enabled: bool = True
    n_factors: Literal["auto", "constructs"] | int = "constructs"
    efa_method: Literal["ml", "minres", "paf", "principal"] = "ml"
    rotation: Literal["oblimin", "promax", "varimax", "geomin", "none"] = "oblimin"
    parallel_iter: int = Field(100, ge=10)


class CMBSpec(_M):
    """Model-based common-method-bias checks."""

    single_factor: bool = True
    ulmc: bool = False


class BootstrapSpec(_M):
    """Bootstrap of the structural model's indirect effects (mediation)."""

    n_boot: int = Field(1000, ge=100)
    ci: Literal["percentile", "bc", "bca"] = "bca"
    level: float = Field(0.95, gt=0.5, lt=1)
    jobs: int = -1


class InvarianceSpec(_M):
    """Measurement invariance of the measurement model across a grouping variable."""

    group: str
    # None: the sequence of the items' kind (continuous: configural, metric, scalar, strict; ordinal, i.e.
    # estimation.estimator WLSMV: configural, thresholds, metric, scalar, and strict in the theta parameterization)
    levels: tuple[Literal["configural", "thresholds", "metric", "scalar", "strict"], ...] | None = None
    convention: Literal["cheung-rensvold-2002", "chen-2007"] = "cheung-rensvold-2002"
    partial: bool | None = Field(None, description="search for constraints to release (continuous items only); "
                                                   "default: true for continuous items")
    parameterization: Literal["delta", "theta"] = "delta"


class TwoLevelSpec(_M):
    """A two-level CFA of constructs that describe the cluster (lavaan's ``level: 1`` / ``level: 2``
    blocks): each construct is a factor of its items within clusters (``<code>_w``) and between
    them (``<code>_b``).  ``between_residuals: zero`` fixes the items' between-level residual
    variances at 0 (the between factor explains the items' cluster means wholly), a common choice
    when a free model gives negative (Heywood) between-level variances; ``free`` is lavaan's
    default."""

    constructs: tuple[str, ...] = Field((), description="constructs modelled at both levels (default: "
                                                            "design.cluster_level)")
    between_residuals: Literal["free", "zero"] = Field("free", description="the items' between-level residual "
                                                                           "variances: free (lavaan's default) or "
                                                                           "fixed at zero")


class DesignSpec(_M):
    """The sampling design: respondents nested in clusters (e.g. members in Party branches), with
    sampling weights, strata and finite population corrections.  ``cluster`` and ``weights`` enter
    every model (cluster-robust standard errors and scaled tests, weighted moments, as lavaan's
    ``cluster=`` and ``sampling.weights=``) and the design-based descriptives; ``strata`` and
    ``fpc`` enter the design-based descriptives only (lavaan's estimators have no strata);
    ``weights_in_models: false`` keeps the weights out of the models too (unweighted estimates with
    cluster-robust standard errors, and a cluster bootstrap of the defined effects).
    ``cluster_level`` names constructs that describe the cluster (asked of members, meant of the
    branch): their aggregation statistics (ICC(1), ICC(2), rwg(j)) are judged against the
    conventional cut-offs; ``two_level`` fits them as a two-level CFA (:class:`TwoLevelSpec`)."""

    cluster: str | None = Field(None, description="column naming each respondent's cluster (e.g. branch_id)")
    weights: str | None = Field(None, description="column of sampling weights")
    strata: str | None = Field(None, description="column of strata")
    fpc: str | None = Field(None, description="column of the finite population correction (population size or "
                                              "sampling fraction of the first stage)")
    cluster_level: tuple[str, ...] = Field((), description="constructs that describe the cluster")
    weights_in_models: bool = Field(True, description="false: the weights enter the design-based descriptives only "
                                                      "(the models are unweighted, with cluster-robust SEs)")
    two_level: TwoLevelSpec | None = Field(None, description="a two-level CFA of the cluster-level constructs")

    @model_validator(mode="after")
    def _something(self) -> DesignSpec:
        if self.cluster is None and self.weights is None and self.strata is None:
            raise ValueError("design needs at least one of cluster, weights or strata")
        if self.cluster_level and self.cluster is None:
            raise ValueError("design.cluster_level needs design.cluster (the column naming each member's cluster)")
        if self.two_level is not None and self.cluster is None:
            raise ValueError("design.two_level needs design.cluster (the column naming each member's cluster)")
        if self.two_level is not None and not (self.two_level.constructs or self.cluster_level):
            raise ValueError("design.two_level needs constructs (or design.cluster_level) to model at both levels")
        return self


class PowerSpec(_M):
    """A Monte Carlo power study run with the analysis (simsem / Mplus MONTECARLO workflow)."""

    population: str = Field(description="population model in lavaan syntax, a value for every path")
    model: str = Field(description="the analysis model fitted to each simulated data set")
    standardized: bool = True
    n: tuple[int, ...] = (200, 400, 800)
    reps: int = Field(500, ge=10)
    alpha: float = Field(0.05, gt=0, lt=1)
    jobs: int = -1


class ReportSpec(_M):
    lang: Literal["zh", "en"] = "zh"
    # pdf: the Word report converted by LibreOffice (needs `soffice` on the PATH)
    formats: tuple[Literal["html", "md", "json", "docx", "pdf", "tex"], ...] = ("html", "md", "json", "docx")
    alpha: float = Field(0.05, gt=0, lt=1)
    table_style: Literal["apa", "cn"] = "apa"
    convention: str = "hu-bentler-1999"
    modindices: int = Field(10, ge=0, description="modification indices shown when the CFA fit is poor")


_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


class AnalysisSpec(_M):
    name: str = Field(json_schema_extra={"pattern": _NAME.pattern},
                      description="the report folder's name (reports/<name>): letters, digits, '_', '.' and '-', "
                                  "starting with a letter, digit or '_'")
    title: Text
    data: DataSource
    instrument: _FilePath
    simulated: bool = False
    seed: int | None = None
    screening: tuple[ScreeningRule, ...] = ()
    estimation: EstimationSpec = EstimationSpec()
    psychometrics: PsychometricsSpec = PsychometricsSpec()
    measurement: MeasurementSpec = MeasurementSpec()
    cmb: CMBSpec = CMBSpec()
    structural: StructuralSpec | None = None
    bootstrap: BootstrapSpec | None = None
    process: ProcessSpec | None = None
    invariance: InvarianceSpec | None = None
    design: DesignSpec | None = None
    power: PowerSpec | None = None
    report: ReportSpec = ReportSpec()
    base_dir: SkipJsonSchema[str] = Field(default=".", exclude=True)

    @field_validator("name")
    @classmethod
    def _folder_name(cls, v: str) -> str:
        # the report goes to reports/<name>: never '.', '..', hidden or a path that leaves reports/
        if not _NAME.match(v):
            raise ValueError(f"{v!r} is not a folder name: use letters, digits, '_', '.' and '-', starting with a "
                             "letter, digit or '_' (the report is written to reports/<name>)")
        return v

    @field_validator("data", mode="before")
    @classmethod
    def _data_path(cls, v: object) -> object:
        return {"file": v} if isinstance(v, str) else v

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else (Path(self.base_dir) / p)

    @property
    def data_path(self) -> Path:
        return self.resolve(self.data.file)

    @property
    def instrument_path(self) -> Path:
        return self.resolve(self.instrument)


def load_spec(path: str | Path, **overrides) -> tuple[AnalysisSpec, str]:
    """Read and validate a spec; returns (spec, SHA-256 of the file).  ``overrides`` replace keys
    (``data``, ``instrument``: paths relative to the current directory; ``data`` replaces the
    file only, the spec's read options still apply)."""
    p = Path(path)
    data = read_yaml(p, what="Spec file", error=SpecError)
    raw = p.read_bytes()
    if not isinstance(data, dict):
        raise SpecError(f"Spec file {p}: the top level must be a mapping with keys such as name, data, instrument.")
    data = dict(data)
    data["base_dir"] = str(p.resolve().parent)
    for key, val in overrides.items():
        if val is None:
            continue
        if key == "data" and isinstance(data.get("data"), dict):
            data["data"] = {**data["data"], "file": str(Path(val).resolve())}
        else:
            data[key] = str(Path(val).resolve())
    spec = validate_as(AnalysisSpec, data, what="Spec file", path=p, error=SpecError, examples=EXAMPLES)
    return spec, hashlib.sha256(raw).hexdigest()
