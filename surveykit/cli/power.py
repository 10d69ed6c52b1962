"""`surveykit power SPEC.yaml`: Monte Carlo power for a population and an analysis model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from surveykit.analysis.commands import check_outputs, csv_text, power_study, write_text
from surveykit.cli._common import handled
from surveykit.errors import SpecError
from surveykit.results import dumps


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(v) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        raise SpecError(f"--n {text!r} must be sample sizes separated by commas, e.g. --n 200,400,800.") from None
    if not sizes:
        raise SpecError("--n is empty; give sample sizes such as --n 200,400,800.")
    return sizes


def power(
    spec: Path = typer.Argument(..., help="Power study (YAML): population, model, n, reps, seed."),
    n: Optional[str] = typer.Option(None, "--n", help="Sample sizes, e.g. 200,400,800 (overrides the spec)."),
    reps: Optional[int] = typer.Option(None, "--reps", help="Replications per sample size (overrides the spec)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Random seed (overrides the spec)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler, e.g. tcp://host:8786."),
    jobs: int = typer.Option(-1, "--jobs", help="Local worker processes (-1: all cores)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the results: .csv (table) or .json."),
) -> None:
    """Simulate, refit and report power, bias, coverage and convergence per sample size."""
    with handled():
        if out is not None and out.suffix.lower() not in (".csv", ".json"):
            raise SpecError(f"--out {out} must end in .csv or .json.")
        check_outputs({"--out": out}, {"the power spec": spec})
        res = power_study(spec, n=_sizes(n) if n is not None else None, reps=reps, seed=seed, jobs=jobs,
                          scheduler=scheduler)
        if out is not None:
            text = csv_text(res.table) if out.suffix.lower() == ".csv" else dumps(res.to_dict())
            typer.echo(str(write_text(out, text)))
        else:
            typer.echo(str(res))
