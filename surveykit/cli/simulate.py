"""`surveykit simulate POPULATION`: draw a survey from a written-down population model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from surveykit.cli._common import handled
from surveykit.data import write_survey
from surveykit.errors import SpecError
from surveykit.instrument import load_instrument
from surveykit.resampling import load_population
from surveykit.resampling import simulate as draw


def simulate(
    population: Path = typer.Argument(..., help="Population model (YAML)."),
    out: Path = typer.Option(..., "--out", help="Output .sav file; a .csv with the same name is written beside it."),
    n: Optional[int] = typer.Option(None, "--n", help="Number of respondents. Default: the population's n."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Random seed. Default: the population's seed."),
) -> None:
    """Simulate responses and write them as .sav (labels, missing codes) and .csv."""
    with handled():
        pop = load_population(population)
        ins_path = Path(pop.instrument)
        if not ins_path.is_absolute():
            ins_path = population.resolve().parent / ins_path
        ins = load_instrument(ins_path)
        if out.suffix.lower() != ".sav":
            raise SpecError(f"--out {out} must end in .sav (the .csv is written beside it).")
        sim = draw(pop, ins, n=n, rng=seed if seed is not None else pop.seed)
        # SPSS file labels hold 64 bytes: say what matters first
        label = f"SIMULATED DATA, not real respondents (surveykit seed {seed if seed is not None else pop.seed})"[:64]
        out.parent.mkdir(parents=True, exist_ok=True)
        for path in (write_survey(sim.frame, out, ins, file_label=label),
                     write_survey(sim.frame, out.with_suffix(".csv"), ins)):
            typer.echo(str(path))
