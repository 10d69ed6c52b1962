"""`surveykit efa DATA --instrument I`: KMO, Bartlett, parallel analysis, EFA and Harman's test."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from surveykit.analysis.commands import check_outputs, factor_tables
from surveykit.cli._common import handled
from surveykit.cli.reliability import emit, output_format, render
from surveykit.errors import SpecError


def efa(
    data: Path = typer.Argument(..., help="Data file."),
    instrument: Path = typer.Option(..., "--instrument", help="Instrument YAML."),
    n_factors: str = typer.Option("auto", "--n-factors", help="Number of factors, or auto (parallel analysis)."),
    method: str = typer.Option("ml", "--method", help="ml, minres, paf or principal."),
    rotation: str = typer.Option("oblimin", "--rotation", help="oblimin, promax, varimax, geomin or none."),
    cor: str = typer.Option("pearson", "--cor", help="pearson or polychoric."),
    missing: str = typer.Option("pairwise", "--missing", help="pairwise or listwise."),
    n_iter: int = typer.Option(20, "--n-iter", help="Parallel analysis: simulated data sets."),
    seed: int = typer.Option(1, "--seed", help="Parallel analysis seed."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the tables to this file instead of stdout."),
    format: Optional[str] = typer.Option(None, "--format", help="text, md, csv or json (default: --out suffix, text)."),
) -> None:
    """Exploratory factor analysis of all keyed items of the instrument, with its adequacy checks."""
    with handled():
        fmt = output_format(format, out)
        check_outputs({"--out": out}, {"the data file": data, "the instrument": instrument})
        if n_factors == "auto":
            k: int | str = "auto"
        else:
            try:
                k = int(n_factors)
            except ValueError:
                raise SpecError(f"--n-factors {n_factors!r} must be 'auto' or a positive integer.") from None
        result = factor_tables(data, instrument, n_factors=k, method=method,
                               rotation=None if rotation == "none" else rotation, cor=cor, missing=missing,
                               n_iter=n_iter, rng=seed)
        emit(render(result, fmt), out)
