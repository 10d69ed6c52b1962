"""Bundled data: the simulated demo survey with its spec and instrument, and classic public
data sets used in the documentation (Holzinger-Swineford 1939, PoliticalDemocracy, bfi).

The demo survey is SIMULATED from ``demo_population.yaml``; it represents no real
respondents.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from surveykit.errors import check_option

__all__ = [
    "demo_dir",
    "demo_spec_path",
    "demo_path",
    "demo_instrument_path",
    "demo_population_path",
    "holzinger_swineford",
    "political_democracy",
    "bfi",
    "shipped_name",
    "shipped_path",
]


def _pkg_file(*parts: str) -> Path:
    return Path(str(resources.files("surveykit.datasets").joinpath(*parts)))


def shipped_name(path: str | Path) -> str | None:
    """The name of ``path`` among the files shipped in this folder ("demo/demo_survey.sav"), or
    None when it is not one of them.  A manifest records it so that a report made from shipped
    files verifies wherever surveykit is installed."""
    root = Path(str(resources.files("surveykit.datasets"))).resolve()
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def shipped_path(name: str) -> Path:
    """The installed copy of the shipped file ``name`` (as :func:`shipped_name` gives it)."""
    return _pkg_file(*name.split("/"))


def demo_dir() -> Path:
    """The folder holding the shipped demo spec, instrument, population model and survey."""
    return _pkg_file("demo")


def demo_spec_path() -> Path:
    return _pkg_file("demo", "demo.yaml")


def demo_instrument_path() -> Path:
    return _pkg_file("demo", "execution_capacity.yaml")


def demo_population_path() -> Path:
    return _pkg_file("demo", "demo_population.yaml")


def demo_path(kind: str = "sav") -> Path:
    """The simulated demo survey, ``kind`` = "sav" or "csv"."""
    check_option("kind", kind, ("sav", "csv"))
    return _pkg_file("demo", f"demo_survey.{kind}")


def holzinger_swineford() -> pd.DataFrame:
    """Holzinger & Swineford (1939), as in lavaan: 301 pupils, nine ability tests x1-x9."""
    return pd.read_csv(_pkg_file("public", "HolzingerSwineford1939.csv"))


def political_democracy() -> pd.DataFrame:
    """Bollen's (1989) PoliticalDemocracy data, as in lavaan (N = 75)."""
    return pd.read_csv(_pkg_file("public", "PoliticalDemocracy.csv"))


def bfi() -> pd.DataFrame:
    """psych's bfi: 25 six-point personality items, gender, education, age (N = 2,800)."""
    return pd.read_csv(_pkg_file("public", "bfi.csv"))
