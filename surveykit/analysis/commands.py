"""What the commands other than ``analyze`` and ``verify`` do, below the command line.

Each function reads its inputs, runs one piece of the pipeline and returns the result object;
the command line (:mod:`surveykit.cli`) only parses options, calls one of these and prints the
result's own rendering.  They are the same steps as in a full analysis, run alone.
"""

from __future__ import annotations

from pathlib import Path

from surveykit.analysis.draft import draft_files
from surveykit.analysis.schemas import schema_path, schema_text
from surveykit.data import read_survey, score_file, validate, write_survey
from surveykit.data.codebook import Codebook, check_format, codebook
from surveykit.data.stream import StreamSummary
from surveykit.data.validate import ValidationReport
from surveykit.errors import SpecError
from surveykit.instrument import load_instrument
from surveykit.io import atomic_write_text
from surveykit.psychometrics.battery import FactorBattery, ScaleBattery, factor_battery, scale_battery
from surveykit.resampling import PowerResult, load_population, power, simulate
from surveykit.resampling.power_spec import load_power_spec

__all__ = ["check_data", "describe_data", "codebook_format", "scale_tables", "factor_tables", "power_study",
           "score_data", "simulate_survey", "write_text", "draft_from_data", "schema_uri", "schema_text"]


def check_data(data: Path, instrument: Path, **read) -> ValidationReport:
    """``surveykit validate``: the data file checked against the instrument."""
    return validate(read_survey(data, instrument=instrument, **read))


def codebook_format(fmt: str) -> str:
    """A codebook format given as ``--format`` (md, json, xlsx, html), checked."""
    return check_format(fmt, name="--format")


def describe_data(data: Path, instrument: Path | None = None, **read) -> Codebook:
    """``surveykit codebook``: one row per variable of the file."""
    return codebook(data, instrument=instrument, **read)


def scale_tables(data: Path, instrument: Path, **options) -> ScaleBattery:
    """``surveykit reliability``: reliability and item analysis of each construct
    (options of :func:`surveykit.psychometrics.battery.scale_battery`)."""
    return scale_battery(read_survey(data, instrument=instrument), **options)


def factor_tables(data: Path, instrument: Path, **options) -> FactorBattery:
    """``surveykit efa``: KMO, Bartlett, parallel analysis, EFA and Harman's test of every keyed item
    (options of :func:`surveykit.psychometrics.battery.factor_battery`)."""
    return factor_battery(read_survey(data, instrument=instrument), **options)


def power_study(spec: Path, *, n: list[int] | None = None, reps: int | None = None, seed: int | None = None,
                jobs: int = -1, scheduler: str | None = None) -> PowerResult:
    """``surveykit power``: the Monte Carlo study of a power spec, with the command line's overrides."""
    s = load_power_spec(spec)
    return power(s.model, s.population, n=n if n is not None else s.n, reps=reps if reps is not None else s.reps,
                 alpha=s.alpha, rng=seed if seed is not None else s.seed, jobs=jobs, scheduler=scheduler,
                 standardized=s.standardized, ordinal=s.ordinal, missing=s.missing, parameters=s.parameters)


def score_data(data: Path, instrument: Path, **options) -> StreamSummary:
    """``surveykit score``: every respondent's construct scores, chunk by chunk
    (options of :func:`surveykit.data.score_file`)."""
    return score_file(data, instrument, **options)


def simulate_survey(population: Path, out: Path, *, n: int | None = None, seed: int | None = None) -> list[Path]:
    """``surveykit simulate``: a survey drawn from a population model, written as .sav (labelled
    SIMULATED, with the seed) and .csv; returns the two paths."""
    if out.suffix.lower() != ".sav":
        raise SpecError(f"--out {out} must end in .sav (the .csv is written beside it).")
    pop = load_population(population)
    ins_path = Path(pop.instrument)
    if not ins_path.is_absolute():
        ins_path = population.resolve().parent / ins_path
    ins = load_instrument(ins_path)
    sim = simulate(pop, ins, n=n, rng=seed if seed is not None else pop.seed)
    # SPSS file labels hold 64 bytes: say what matters first
    label = f"SIMULATED DATA, not real respondents (surveykit seed {sim.seed})"[:64]
    out.parent.mkdir(parents=True, exist_ok=True)
    return [write_survey(sim.frame, out, ins, file_label=label), write_survey(sim.frame, out.with_suffix(".csv"), ins)]


def write_text(path: Path, text: str) -> Path:
    """Write a command's output file atomically (its folder created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    return path


def draft_from_data(data: Path, instrument_out: Path, spec_out: Path, **read) -> list[Path]:
    """``surveykit init``: an instrument and an analysis spec drafted from ``data``
    (:mod:`surveykit.analysis.draft`), written atomically; existing files are not overwritten."""
    for path, what in ((instrument_out, "--instrument-out"), (spec_out, "--spec-out")):
        if path.exists():
            raise SpecError(f"{what} {path} exists; choose another file or remove it (init never overwrites).")
    if instrument_out.resolve() == spec_out.resolve():
        raise SpecError(f"--instrument-out and --spec-out are the same file {spec_out}; give two files.")
    draft = draft_files(data, instrument_out, spec_out, **read)
    return [write_text(instrument_out, draft.instrument_yaml(schema_uri("instrument"))),
            write_text(spec_out, draft.spec_yaml(schema_uri("analysis")))]


def schema_uri(name: str) -> str:
    """The file URI of the JSON Schema of ``name`` (instrument, analysis, results) shipped with surveykit."""
    return schema_path(name).resolve().as_uri()
