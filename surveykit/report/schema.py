"""The results record: what an analysis hands its report, as pydantic models (version 4).

``results.json`` is this record.  :mod:`surveykit.analysis` builds it, one section per stage,
each from the result object's own ``to_dict()``; :func:`validate_results` checks it whenever a
report is written (:func:`surveykit.report.write_report`) and whenever one is read
(:func:`read_results`, ``surveykit verify``), and the report renders the validated models, so
that a misspelled or missing key fails loudly instead of rendering as a dash.  Every model
forbids keys it does not declare.

Floats are written at :data:`surveykit.results.SIGNIFICANT_DIGITS`; a value that is not a number
(NaN, an undefined statistic) is ``null``.  Version history: 1, the hand-flattened record;
2, floats at a declared precision; 3, sections are the results' own ``to_dict()``; 4, the SEM
sections record how they were estimated (standard errors, test, information), the record has
the items' normality, the sampling design (``design``), and conditional process analysis
(``process``: PROCESS models on construct scores and their decisions) with moderation hypotheses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from surveykit.errors import SpecError

__all__ = ["SCHEMA_VERSION", "ResultsRecord", "validate_results", "read_results", "schema_json"]

SCHEMA_VERSION = 4

Num = float | None  # null: not a number (NaN), or a statistic that is undefined here
Cell = str | float | int | bool | None


class _Model(BaseModel):
    # strict: a string is not a number, a float is not a count (JSON's integers are floats' equals)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Bilingual(_Model):
    zh: str
    en: str


class Warned(_Model):
    """A warning a result recorded: its category (a surveykit warning class) and message."""

    category: str
    message: str


# -- the run, the data and the instrument ---------------------------------------------------------------------
class AnalysisInfo(_Model):
    name: str
    title: Bilingual
    simulated: bool
    alpha: float
    seed: int | None
    estimator: str
    missing: str
    convention: str


class Match(_Model):
    """An instrument variable and its data column (None: an optional respondent variable not in the file)."""

    variable: str
    column: str | None
    how: str


class Problem(_Model):
    severity: Literal["error", "warning", "info"]
    kind: str
    message: str
    column: str | None = None
    rows: list[int] = Field(default_factory=list)


class VariableMatch(_Model):
    """One instrument variable and the data column it was found in (None: not found)."""

    kind: str
    variable: str
    column: str | None
    how: str | None


class ColumnMatch(_Model):
    """How the instrument's variables were matched to the data's columns."""

    items_present: list[str]
    items_missing: list[str]
    extra_columns: list[str]
    columns: list[VariableMatch]


class Validation(_Model):
    """:meth:`surveykit.data.ValidationReport.to_dict`."""

    source: str | None
    n_rows: int
    ok: bool
    match: ColumnMatch | None = None
    problems: list[Problem]


class DataInfo(_Model):
    file: str
    format: str | None
    file_label: str | None
    encoding: str | None
    n_rows: int
    matches: list[Match]
    missing_codes: dict[str, dict[str, int]]
    validation: Validation


class Source(_Model):
    section: str
    quote: str | None = None


class ScaleInfo(_Model):
    min: int
    max: int
    labels: dict[str, Bilingual]
    missing: dict[str, Bilingual]


class ItemInfo(_Model):
    id: str
    text: Bilingual
    reverse: bool
    source: Source | None


class ConstructInfo(_Model):
    code: str
    name: Bilingual
    definition: Bilingual | None
    source: Source | None
    items: list[ItemInfo]


class VariableInfo(_Model):
    """A respondent variable (region, role, ...): its label and the labels of its codes."""

    label: Bilingual
    codes: dict[str, Bilingual]


class InstrumentInfo(_Model):
    id: str
    version: str
    title: Bilingual
    source: str | None
    scale: ScaleInfo
    constructs: list[ConstructInfo]
    variables: dict[str, VariableInfo] = {}

    @property
    def variable_labels(self) -> dict[str, Bilingual]:
        return {k: v.label for k, v in self.variables.items()}


class RuleCount(_Model):
    rule: str
    criterion: str
    threshold: Num
    flagged: int


class Screening(_Model):
    """:meth:`surveykit.data.ScreeningResult.to_dict`."""

    n_before: int
    n_after: int
    n_excluded: int
    rules: list[RuleCount]


class Descriptive(_Model):
    """A row of :func:`surveykit.data.item_descriptives`: raw answers (distribution over every scale
    point, before reverse keying) and the keyed mean."""

    item: str
    code: str = Field(alias="construct")  # "construct" is a (deprecated) method of pydantic models
    reverse: bool
    n: int
    missing: int
    mean: Num
    sd: Num
    mean_keyed: Num
    distribution: dict[str, int]


# -- psychometrics ------------------------------------------------------------------------------------------
class ReliabilityItem(_Model):
    item: str
    n: int
    mean: Num
    sd: Num
    r_drop: Num
    alpha_if_dropped: Num
    loading: Num = None


class Reliability(_Model):
    """:meth:`surveykit.psychometrics.ReliabilityResult.to_dict` (``name``: the construct's code)."""

    name: str
    alpha: Num
    std_alpha: Num
    g6: Num
    average_r: Num
    alpha_ci: list[Num]
    ci_level: float
    omega_total: Num
    omega_hierarchical: Num
    n: int
    n_complete: int
    n_items: int
    missing: str
    reversed_items: list[str]
    ci_method: str
    n_boot: int | None
    rng_seed: int | None
    feldt_ci: list[Num] | None
    items: list[ReliabilityItem]


class CriticalRatio(_Model):
    label: str
    share: float
    test: str
    cut_low: Num
    cut_high: Num
    n_low: int
    n_high: int


class ItemRow(_Model):
    item: str
    n: int
    mean: Num
    sd: Num
    skew: Num
    kurtosis: Num
    r_drop: Num
    alpha_if_dropped: Num
    omega_if_dropped: Num
    cr_mean_high: Num
    cr_mean_low: Num
    cr_t: Num
    cr_df: Num
    cr_pvalue: Num


class ItemAnalysis(_Model):
    """:meth:`surveykit.psychometrics.ItemAnalysisResult.to_dict` (``name``: the construct's code)."""

    name: str
    alpha: Num
    omega_total: Num
    n: int
    n_complete: int
    n_items: int
    missing: str
    skew_type: int
    reversed_items: list[str]
    critical_ratio: CriticalRatio
    items: list[ItemRow]


class Mardia(_Model):
    n: int
    p: int
    b1p: Num
    b2p: Num
    skew: Num
    skew_df: Num
    skew_pvalue: Num
    small_skew: Num
    small_skew_pvalue: Num
    kurtosis: Num
    kurtosis_pvalue: Num


class ItemShape(_Model):
    item: str
    n: int
    mean: Num
    sd: Num
    skew: Num
    se_skew: Num
    z_skew: Num
    kurtosis: Num
    se_kurtosis: Num
    z_kurtosis: Num


class Normality(_Model):
    """:meth:`surveykit.psychometrics.NormalityResult.to_dict` of every item analysed (keyed)."""

    skew_type: int
    n: int
    n_complete: int
    n_items: int
    mardia: Mardia
    items: list[ItemShape]


class KMO(_Model):
    msa: Num
    label: str
    n: int
    n_items: int
    missing: str
    cor: str
    msa_items: dict[str, Num]


class Bartlett(_Model):
    chisq: Num
    df: int
    pvalue: Num
    n: int
    n_items: int
    missing: str


class ParallelRow(_Model):
    position: int
    observed: Num
    simulated_mean: Num
    simulated_quantile: Num
    above: bool


class ParallelAnalysis(_Model):
    n_factors: int
    kind: str
    quantile: float
    n_iter: int
    n_obs: int
    n_items: int
    missing: str
    cor: str
    rng_seed: int | None
    table: list[ParallelRow]


class EFAFit(_Model):
    objective: Num
    chisq: Num
    dof: Num
    pvalue: Num
    rmsea: Num
    rmsea_ci_lower: Num
    rmsea_ci_upper: Num
    tli: Num
    bic: Num
    n_obs: int


class EFA(_Model):
    """:meth:`surveykit.psychometrics.EFAResult.to_dict`: ``loadings`` rows are ``{"item": ..., factor: loading}``."""

    n_factors: int
    method: str
    rotation: str | None
    cor: str
    missing: str
    kaiser_normalize: bool
    n_obs: int
    n_items: int
    oblique: bool
    fit: EFAFit
    converged: bool
    warnings: list[str]
    loadings: list[dict[str, Cell]]
    structure: list[dict[str, Cell]]
    phi: list[dict[str, Cell]]
    communalities: dict[str, Num]
    uniquenesses: dict[str, Num]
    variance_explained: list[dict[str, Cell]]
    eigenvalues: list[Num]

    @property
    def factors(self) -> list[str]:
        return [k for k in (self.loadings[0] if self.loadings else {}) if k != "item"]


class Harman(_Model):
    first_factor_share: Num
    first_eigenvalue: Num
    n_items: int
    n_obs: int
    method: str
    missing: str
    threshold: float
    exceeds_threshold: bool
    caveat: str
    n_eigenvalues_above_1: int


class Psychometrics(_Model):
    kmo: KMO
    bartlett: Bartlett
    parallel_analysis: ParallelAnalysis
    efa: EFA
    harman: Harman


# -- SEM ------------------------------------------------------------------------------------------------------
class _Row(_Model):
    """A row of a parameter table: lavaan's lhs, op, rhs and the label."""

    lhs: str
    op: str
    rhs: str
    label: str | None = None


class Parameter(_Row):
    """A row of ``parameter_estimates()`` (lavaan's names)."""

    group: int | None = None
    level: int | None = None  # a two-level model's level (1 within, 2 between)
    est: Num = None
    se: Num = None
    z: Num = None
    pvalue: Num = None
    ci_lower: Num = None
    ci_upper: Num = None
    std_lv: Num = None
    std_all: Num = None
    std_nox: Num = None  # lavaan's std.nox: as std_all, the exogenous covariates in their own scale


class FitMeasures(_Model):
    """``fit_measures()``: the measures every estimator reports are required; robust and scaled ones
    (MLR, WLSMV) are allowed besides them."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    npar: Num
    nobs: Num
    chisq: Num
    df: Num
    pvalue: Num
    cfi: Num
    tli: Num
    rmsea: Num
    rmsea_ci_lower: Num
    rmsea_ci_upper: Num
    srmr: Num
    aic: Num = None
    bic: Num = None

    def extra(self, key: str) -> float | None:
        """A measure beyond the required ones (``chisq_scaled``, ``cfi_robust``, ...), None when absent."""
        return (self.model_extra or {}).get(key)

    def reported(self, kind: str) -> dict[str, float | None]:
        """The measures a report shows for a test of ``kind`` (:attr:`Estimation.indices`): 'standard',
        'robust' (MLR: the scaled chi-square, robust CFI/TLI/RMSEA of Brosseau-Liard & Savalei) or
        'scaled' (WLSMV: the scaled-shifted chi-square and the CFI/TLI/RMSEA computed from it, as
        Mplus and lavaan's "scaled" column report them)."""
        out = {k: getattr(self, k) for k in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
                                             "rmsea_ci_upper", "srmr")}
        if kind == "standard":
            return out
        out.update(chisq=self.extra("chisq_scaled"), df=self.extra("df_scaled"), pvalue=self.extra("pvalue_scaled"))
        for k in ("cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper"):
            out[k] = self.extra(f"{k}_{kind}")
        return out


class Estimation(_Model):
    """How a model was estimated (lavaan's options as resolved): the kind of standard errors, the
    test statistics, the information matrix, missing data, and the fit indices a report shows."""

    se: str            # standard | robust.huber.white | robust.sem | ...
    test: list[str]    # standard, and a robust test when there is one (yuan.bentler.mplus, scaled.shifted, ...)
    information: str   # expected | observed | first.order
    missing: str       # listwise | ml | pairwise ...
    ordered: bool      # the indicators are ordinal (polychoric correlations, thresholds)
    parameterization: str | None = None  # ordinal indicators: delta | theta

    @property
    def indices(self) -> str:
        """The fit indices to report: 'scaled' with ordinal indicators and a robust test (WLSMV),
        'robust' with a robust test otherwise (MLR), else 'standard'."""
        if len(self.test) < 2:
            return "standard"
        return "scaled" if self.ordered else "robust"


class ModIndex(_Row):
    group: int | None = None
    mi: Num
    epc: Num
    sepc_lv: Num = None
    sepc_all: Num = None
    sepc_nox: Num = None


class ValidityRow(_Model):
    factor: str
    n_items: int
    cr: Num
    ave: Num
    cr_obs: Num = None
    ave_implied: Num = None
    ave_std: Num = None
    sqrt_ave: Num = None
    msv: Num = None
    asv: Num = None
    sqrt_ave_gt_max_r: bool | None = None


class Validity(_Model):
    """:meth:`surveykit.sem.ValidityResult.to_dict`; with WLSMV only the table's CR and AVE from the
    standardized loadings (:func:`surveykit._core.validity.reliability_from_standardized`)."""

    table: list[ValidityRow]
    nobs: int | None = None
    htmt2: bool | None = None
    items: dict[str, list[str]] | None = None
    factor_cor: dict[str, dict[str, Num]] | None = None
    fornell_larcker: dict[str, dict[str, Num]] | None = None
    htmt: dict[str, dict[str, Num]] | None = None
    notes: list[str] = Field(default_factory=list)


class SEMFit(_Model):
    """:meth:`surveykit.sem.SEMResult.to_dict` with the model syntax fitted."""

    model: str
    estimator: str
    nobs: int
    converged: bool
    iterations: int
    fit_measures: FitMeasures
    parameters: list[Parameter]
    r_squared: dict[str, Num]
    warnings: list[Warned]
    estimation: Estimation

    def reported(self) -> dict[str, float | None]:
        return self.fit_measures.reported(self.estimation.indices)

    def rows(self, op: str) -> list[Parameter]:
        return [p for p in self.parameters if p.op == op]


class Measurement(SEMFit):
    validity: Validity
    poor_fit: bool
    modindices: list[ModIndex] | None = None

    def factor_correlations(self, constructs: list[str]) -> list[Parameter]:
        """The covariances between two constructs (their std_all is the correlation)."""
        return [p for p in self.parameters if p.op == "~~" and p.lhs != p.rhs and p.lhs in constructs
                and p.rhs in constructs]


class Structural(SEMFit):
    structural_model: str


class TwoLevel(SEMFit):
    """A two-level CFA (lavaan's ``level:`` blocks): the fit, each item's intraclass correlation,
    R-squared keyed ``within:<item>`` / ``between:<item>``."""

    constructs: list[str]
    between_residuals: Literal["free", "zero"]
    cluster: str
    nclusters: int
    icc: dict[str, Num]


class _Fit(_Model):
    """The fit of one model in a comparison of models."""

    npar: int
    chisq: Num
    df: Num
    pvalue: Num
    cfi: Num
    tli: Num
    rmsea: Num
    srmr: Num
    aic: Num
    bic: Num


class ModelFit(_Fit):
    model: str
    converged: bool


class DeltaTest(_Model):
    delta_chisq: Num
    delta_df: Num
    pvalue: Num
    delta_cfi: Num
    delta_tli: Num
    delta_rmsea: Num
    delta_srmr: Num


class SingleFactor(_Model):
    one_factor_syntax: str
    measurement_syntax: str | None
    comparison: list[ModelFit]
    test: DeltaTest
    warnings: list[Warned]


class MethodVariance(_Model):
    item: str
    factor: str
    substantive_loading: Num
    method_loading: Num
    method_pvalue: Num
    substantive_variance: Num
    method_variance: Num


class ULMC(_Model):
    loadings: str
    method_syntax: str
    comparison: list[ModelFit]
    test: DeltaTest
    mean_substantive_variance: Num
    mean_method_variance: Num
    variance_ratio: Num
    admissible: bool
    variance: list[MethodVariance]
    warnings: list[Warned]


class CMB(_Model):
    single_factor: SingleFactor | None = None
    ulmc: ULMC | None = None


# -- resampling -----------------------------------------------------------------------------------------------
class BootParameter(_Row):
    """A row of the bootstrap's parameter estimates (``est``) or standardized solution (``est_std``)."""

    est: Num = None
    est_std: Num = None
    se: Num = None
    ci_lower: Num = None
    ci_upper: Num = None


class Mediation(_Model):
    """:meth:`surveykit.resampling.BootstrapResult.to_dict`: ``mediation`` rows are the 温忠麟-叶宝娟
    (2014) decisions of :mod:`surveykit.resampling.mediation`."""

    ci: str
    level: float
    n_boot: int
    n_failed: int
    n_nonadmissible: int
    rng_seed: int | None
    cluster: str | None = None  # the cluster bootstrap's cluster variable
    n_clusters: int | None = None
    # defined parameter -> kept draws in which it was not finite (missing in those draws only)
    nonfinite_draws: dict[str, int] = {}
    parameters: list[BootParameter]
    standardized: list[BootParameter]
    mediation: list[dict[str, Cell]]
    warnings: list[Warned]

    def defined(self) -> list[tuple[BootParameter, BootParameter | None, dict[str, Cell]]]:
        """Each defined parameter (``:=``) with its standardized row and its mediation decision."""
        std = {p.lhs: p for p in self.standardized if p.op == ":="}
        med = {str(m.get("effect")): m for m in self.mediation}
        return [(p, std.get(p.lhs), med.get(p.lhs, {})) for p in self.parameters if p.op == ":="]


class Hypothesis(_Model):
    """A hypothesis and its decision; for a moderation ``est`` is the interaction coefficient (t test,
    OLS), for a moderated mediation the index of moderated mediation (``pvalue`` null, bootstrap
    interval); their whole analysis is in ``process``."""

    id: str
    kind: Literal["path", "defined", "moderation", "moderated_mediation"]
    text: Bilingual
    target: str
    expect: str
    est: Num
    se: Num
    z: Num
    pvalue: Num
    ci_lower: Num
    ci_upper: Num
    std_all: Num
    supported: bool
    method: str


# -- conditional process analysis (PROCESS models on construct scores) -------------------------------------
class _ProcessStat(_Model):
    est: Num
    se: Num
    t: Num
    pvalue: Num
    ci_lower: Num
    ci_upper: Num


class _Boot(_Model):
    boot_se: Num
    boot_ci_lower: Num
    boot_ci_upper: Num


class ProcessCoefficient(_ProcessStat):
    equation: str
    outcome: str
    term: str


class ProcessModelSummary(_Model):
    equation: str
    outcome: str
    r: Num
    r_squared: Num
    mse: Num
    f: Num
    df1: Num
    df2: Num
    pvalue: Num
    n: int


class ProcessR2Change(_Model):
    equation: str
    outcome: str
    term: str
    r2_change: Num
    f: Num
    df1: Num
    df2: Num
    pvalue: Num


class ConditionalEffect(_ProcessStat):
    """An effect at probe values of the moderators (``w``, ``z``: a value or a category)."""

    equation: str
    effect: str
    kind: str
    w: Cell
    z: Cell


class JohnsonNeymanPoint(_Model):
    effect: str
    kind: str
    moderator: str
    value: Num
    within_range: bool
    pct_below: Num
    pct_above: Num


class JohnsonNeymanRegion(_Model):
    model_config = ConfigDict(populate_by_name=True)
    effect: str
    moderator: str
    from_: Num = Field(alias="from")
    to: Num
    significant: bool


class ProcessDirectEffect(_ProcessStat, _Boot):
    effect: str
    w: Cell
    z: Cell


class ProcessIndirectEffect(_Boot):
    path: str
    mediators: str
    w: Cell
    z: Cell
    est: Num


class ModeratedMediationIndex(_Boot):
    path: str
    kind: str
    moderator: str
    level: str
    at: Cell
    index: Num


class IndirectContrast(_Boot):
    model_config = ConfigDict(populate_by_name=True)
    path: str
    moderator: str
    from_: Cell = Field(alias="from")
    to: Cell
    est: Num


class CoefficientProduct(_Boot):
    """Wen & Ye (2014): a product of a stage's coefficient and the other stage's moderation."""

    product: str
    first: str
    second: str
    est: Num
    first_est: Num
    first_pvalue: Num
    second_est: Num
    second_pvalue: Num


class SimpleSlopePoint(_Model):
    w: Cell
    z: Cell
    x: Num
    fit: Num
    se: Num
    ci_lower: Num
    ci_upper: Num


class JohnsonNeymanCurvePoint(_Model):
    effect: str
    moderator: str
    value: Num
    est: Num
    se: Num
    ci_lower: Num
    ci_upper: Num
    pvalue: Num


class IndirectCurvePoint(_Model):
    path: str
    moderator: str
    value: Num
    at: Cell
    est: Num
    boot_ci_lower: Num
    boot_ci_upper: Num


class ProcessRun(_Model):
    """:meth:`surveykit.resampling.ProcessResult.to_dict`."""

    model: int
    x: str
    m: list[str]
    y: str
    w: str | None
    z: str | None
    covariates: list[str]
    n: int
    n_dropped: int
    hc: str | None
    cluster: str | None = None  # the design's cluster column: CR1 errors and a bootstrap of whole clusters
    n_clusters: int | None = None
    df_rule: Literal["n - k", "G - 1"] = "n - k"  # denominator df of the t and F tests
    center: bool
    centered: dict[str, float]
    moderator_values: str
    probe_values: dict[str, list[Cell]]
    moderator_kinds: dict[str, str]
    ci: str
    level: float
    n_boot: int
    n_failed: int
    rng_seed: int | None
    coefficients: list[ProcessCoefficient]
    model_summary: list[ProcessModelSummary]
    r_squared_change: list[ProcessR2Change]
    conditional_effects: list[ConditionalEffect]
    johnson_neyman: list[JohnsonNeymanPoint]
    johnson_neyman_regions: list[JohnsonNeymanRegion]
    direct_effect: list[ProcessDirectEffect]
    total_effect: list[ProcessDirectEffect]
    indirect_effects: list[ProcessIndirectEffect]
    index_of_moderated_mediation: list[ModeratedMediationIndex]
    contrasts: list[IndirectContrast]
    coefficient_products: list[CoefficientProduct]
    simple_slopes: list[SimpleSlopePoint]
    johnson_neyman_curve: list[JohnsonNeymanCurvePoint]
    indirect_effect_curve: list[IndirectCurvePoint]
    warnings: list[Warned]


class ProcedureStep(_Model):
    """One step of a decision procedure: what was tested, the numbers, whether it decided."""

    step: str
    statistic: str
    est: Num
    pvalue: Num = None
    ci_lower: Num = None
    ci_upper: Num = None
    significant: bool | None


class ProcessTest(_Model):
    """A moderation or moderated-mediation hypothesis: its PROCESS run and the decision of each
    procedure (``moderation``; ``hayes-2015``, ``wen-ye-2014``), ``procedure`` the one that decides
    ``supported`` (the convention profile's choice)."""

    id: str
    kind: Literal["moderation", "moderated_mediation"]
    text: Bilingual
    target: str
    expect: str
    procedure: str
    supported: bool
    decisions: dict[str, list[ProcedureStep]]
    outcomes: dict[str, bool | None]  # each procedure's verdict (None: it does not apply to the model)
    run: ProcessRun


class InvarianceLevel(_Fit):
    level: str
    chisq_scaled: Num = None  # robust estimators: the scaled statistic of the level
    df_scaled: Num = None
    pvalue_scaled: Num = None
    chisq_diff: Num
    df_diff: Num
    pvalue_diff: Num
    rmsea_diff: Num
    delta_cfi: Num
    delta_rmsea: Num
    holds: bool


class FullLevel(_Fit):
    """A level with every constraint it adds, before constraints were released (partial invariance):
    its fit and its change from the level before."""

    chisq_scaled: Num = None
    df_scaled: Num = None
    pvalue_scaled: Num = None
    delta_cfi: Num
    delta_rmsea: Num


class LatentMean(_Model):
    group: str
    factor: str
    est: Num
    se: Num
    z: Num
    pvalue: Num
    std: Num


class Invariance(_Model):
    """:meth:`surveykit.resampling.InvarianceResult.to_dict`."""

    group: str
    group_labels: list[str]
    convention: str
    citation: str
    table: list[InvarianceLevel]
    released: dict[str, list[str]]
    latent_means: list[LatentMean]
    estimator: str = "ML"
    ordinal: bool = False
    parameterization: str = ""  # ordinal sequence: delta or theta
    fit_indices: str = "standard"  # the CFI/TLI/RMSEA the decisions compare: standard, robust or scaled
    difference_test: str = ""
    identification: str = ""  # ordinal sequence: Wu & Estabrook (2016)
    syntax: dict[str, str] = {}  # ordinal sequence: the lavaan syntax of every level
    full_levels: dict[str, FullLevel] = {}  # partial levels: the full level that failed


class PowerRow(_Model):
    n: int
    parameter: str
    lhs: str
    op: str
    rhs: str
    label: str | None
    true: Num
    mean_est: Num
    sd_est: Num
    mean_se: Num
    bias: Num
    rel_bias: Num
    power: Num
    power_mcse: Num
    power_ci_lower: Num
    power_ci_upper: Num
    coverage: Num
    n_converged: int
    conv_rate: Num
    n_nonadmissible: int


class Convergence(_Model):
    n: int
    reps: int
    n_converged: int
    conv_rate: Num
    n_nonadmissible: int
    mean_n_used: Num


# -- the sampling design -------------------------------------------------------------------------------------
class ClusterSizes(_Model):
    """How many respondents each cluster has (after screening)."""

    column: str
    n_clusters: int
    size_min: int
    size_median: float
    size_mean: float
    size_max: int
    singletons: int  # clusters with one respondent


class WeightSummary(_Model):
    """The sampling weights: range, coefficient of variation and Kish's (1965) design effect of
    weighting, ``deff_w = n sum(w^2) / sum(w)^2``, with the effective sample size ``n / deff_w``."""

    column: str
    min: float
    max: float
    mean: float
    cv: float
    deff_kish: float
    n_effective: float


class AggregationConstruct(_Model):
    """:meth:`surveykit.psychometrics.AggregationResult.to_dict` ``constructs`` row."""

    code: str = Field(alias="construct")  # "construct" is a (deprecated) method of pydantic models
    n_items: int
    options: int
    sigma_eu2: float
    n: int
    groups: int
    k: Num
    ms_between: Num
    ms_within: Num
    df_between: int
    df_within: int
    f: Num
    p_value: Num
    icc1: Num
    icc2: Num
    rwg_j_groups: int
    rwg_j_mean: Num
    rwg_j_median: Num
    rwg_j_share: Num
    rwg_j_truncated: int


class AggregationItem(_Model):
    """:meth:`surveykit.psychometrics.AggregationResult.to_dict` ``items`` row."""

    code: str = Field(alias="construct")
    item: str
    n: int
    groups: int
    k: Num
    ms_between: Num
    ms_within: Num
    df_between: int
    df_within: int
    f: Num
    p_value: Num
    icc1: Num
    icc2: Num
    rwg_groups: int
    rwg_mean: Num
    rwg_median: Num
    rwg_share: Num
    rwg_truncated: int


class AggregationCutoff(_Model):
    op: str
    value: float
    cite: str
    ref: str
    reference: str
    what: Bilingual


class RwgBand(_Model):
    """One of LeBreton & Senter's (2008) verbal bands of agreement, from ``lower`` up."""

    lower: float = Field(alias="from")
    en: str
    zh: str


class Aggregation(_Model):
    """:meth:`surveykit.psychometrics.AggregationResult.to_dict` without the per-group rows; the
    cut-offs' ``rwg_bands`` entry is ``rwg_bands``."""

    group: str
    group_size: str
    rwg_cutoff: float
    constructs: list[AggregationConstruct]
    items: list[AggregationItem]
    cutoffs: dict[str, AggregationCutoff]
    rwg_bands: list[RwgBand] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class SurveyEstimate(_Model):
    variable: str
    estimate: Num
    se: Num
    ci_lower: Num
    ci_upper: Num
    deff: Num
    n: int
    sum_weights: float
    group: Cell = None


class SurveyEstimates(_Model):
    """:meth:`surveykit.data.SurveyEstimates.to_dict` (design-based means of the construct scores)."""

    statistic: str
    design: dict[str, Cell | list[str]]
    r_call: str
    by: str | None
    level: float
    design_df: int | None
    deff: Literal["srswor", "replace"] = "srswor"
    estimates: list[SurveyEstimate]
    notes: list[str] = Field(default_factory=list)


class Design(_Model):
    """The sampling design and what it implies: cluster sizes, weights, the constructs' ICCs and
    agreement, design-based means of the construct scores with their design effects, and how the
    models use the design."""

    cluster: str | None = None
    weights: str | None = None
    strata: str | None = None
    fpc: str | None = None
    cluster_level: list[str] = Field(default_factory=list)
    n: int
    clusters: ClusterSizes | None = None
    weight_summary: WeightSummary | None = None
    aggregation: Aggregation | None = None
    means: SurveyEstimates
    models: Literal["cluster-robust", "weighted", "cluster-robust and weighted", "none"]


class Power(_Model):
    """:meth:`surveykit.resampling.PowerResult.to_dict`."""

    n: list[int]
    reps: int
    alpha: float
    rng_seed: int | None
    model: str
    population: str
    table: list[PowerRow]
    convergence: list[Convergence]
    warnings: list[Warned]


class StageWarning(_Model):
    """A warning raised during a stage of the analysis."""

    stage: str
    category: str
    message: str


class ResultsRecord(_Model):
    """The whole record (``results.json``); sections a spec did not ask for are absent."""

    surveykit_results: Literal[4]
    significant_digits: int
    analysis: AnalysisInfo
    data: DataInfo
    instrument: InstrumentInfo
    screening: Screening
    descriptives: list[Descriptive] = Field(default_factory=list)
    reliability: list[Reliability] = Field(default_factory=list)
    item_analysis: list[ItemAnalysis] = Field(default_factory=list)
    normality: Normality | None = None
    psychometrics: Psychometrics | None = None
    measurement: Measurement
    two_level: TwoLevel | None = None
    cmb: CMB | None = None
    structural: Structural | None = None
    mediation: Mediation | None = None
    hypotheses: list[Hypothesis] = Field(default_factory=list)
    process: list[ProcessTest] = Field(default_factory=list)
    invariance: Invariance | None = None
    design: Design | None = None
    power: Power | None = None
    warnings: list[StageWarning] = Field(default_factory=list)

    def construct_name(self, code: str) -> Bilingual | None:
        for c in self.instrument.constructs:
            if c.code == code:
                return c.name
        return None


def _where(err: dict) -> str:
    return ".".join(str(p) for p in err["loc"]) or "the record"


def validate_results(results: dict | ResultsRecord, *, source: str = "the results record") -> ResultsRecord:
    """The record as models; :class:`surveykit.errors.SpecError` naming the first problem (key path,
    what is wrong) and the number of others when it does not match the schema."""
    if isinstance(results, ResultsRecord):
        return results
    if isinstance(results, dict) and results.get("surveykit_results") != SCHEMA_VERSION:
        raise SpecError(f"{source} is version {results.get('surveykit_results')!r} of the results schema; this "
                        f"surveykit reads version {SCHEMA_VERSION}: regenerate it with `surveykit analyze`.")
    try:
        return ResultsRecord.model_validate(results)
    except ValidationError as exc:
        errs = exc.errors()
        first = errs[0]
        more = f" ({len(errs) - 1} more problems)" if len(errs) > 1 else ""
        raise SpecError(f"{source} does not match the results schema: {_where(first)}: {first['msg']}{more}.") \
            from None


def read_results(path: str | Path) -> ResultsRecord:
    """Read and validate a results.json."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError(f"{path} is not valid JSON ({exc}); regenerate it with `surveykit analyze`.") from None
    return validate_results(data, source=str(path))


def schema_json() -> dict:
    """The JSON Schema of results.json (for editors and other programs)."""
    return ResultsRecord.model_json_schema()
