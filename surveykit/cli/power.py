"""`surveykit power SPEC.yaml`: Monte Carlo power for a population and an analysis model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from surveykit.cli._common import handled
from surveykit.errors import SpecError
from surveykit.io.atomic import atomic_write_text
from surveykit.resampling import power as run_power
from surveykit.resampling.power_spec import load_power_spec
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
        s = load_power_spec(spec)
        if out is not None and out.suffix.lower() not in (".csv", ".json"):
            raise SpecError(f"--out {out} must end in .csv or .json.")
        res = run_power(s.model, s.population, n=_sizes(n) if n is not None else s.n,
                        reps=reps if reps is not None else s.reps, alpha=s.alpha,
                        rng=seed if seed is not None else s.seed, jobs=jobs, scheduler=scheduler,
                        standardized=s.standardized, ordinal=s.ordinal, missing=s.missing, parameters=s.parameters)
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            text = res.table.to_csv(index=False) if out.suffix.lower() == ".csv" else dumps(res.to_dict())
            atomic_write_text(out, text)
            typer.echo(str(out))
        else:
            typer.echo(str(res))
