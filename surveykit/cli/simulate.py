"""`surveykit simulate POPULATION`: draw a survey from a written-down population model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from surveykit.analysis.commands import simulate_survey
from surveykit.cli._common import handled


def simulate(
    population: Path = typer.Argument(..., help="Population model (YAML)."),
    out: Path = typer.Option(..., "--out", help="Output .sav file; a .csv with the same name is written beside it."),
    n: Optional[int] = typer.Option(None, "--n", help="Number of respondents. Default: the population's n."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Random seed. Default: the population's seed."),
) -> None:
    """Simulate responses and write them as .sav (labels, missing codes) and .csv."""
    with handled():
        for path in simulate_survey(population, out, n=n, seed=seed):
            typer.echo(str(path))
