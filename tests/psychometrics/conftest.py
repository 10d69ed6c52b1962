"""Fixtures for the psychometrics tests: the benchmark data and the psych reference values
(``tests/reference/psych/*.json`` from ``make_psych_reference.R``; ``tests/reference/lavaan/``
from ``make_reference.R``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ..conftest import REF

BFI_ITEMS = [f"{t}{i}" for t in "ACENO" for i in range(1, 6)]
BFI_REVERSED = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]
HS9 = [f"x{i}" for i in range(1, 10)]


def psych_ref(name: str) -> dict:
    return json.loads((REF / "psych" / f"{name}.json").read_text(encoding="utf-8"))


def matrix(block: dict) -> pd.DataFrame:
    """A {rownames, colnames, values} block as a DataFrame."""
    vals = np.array(block["values"], dtype=float).reshape(len(block["rownames"]), -1)
    cols = block["colnames"] if isinstance(block["colnames"], list) else [block["colnames"]]
    return pd.DataFrame(vals, index=block["rownames"], columns=cols)


@pytest.fixture(scope="session")
def bfi() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "bfi.csv")


@pytest.fixture(scope="session")
def bfi_items(bfi) -> pd.DataFrame:
    return bfi[BFI_ITEMS]


@pytest.fixture(scope="session")
def bfi_keyed(bfi_items) -> pd.DataFrame:
    out = bfi_items.copy()
    out[BFI_REVERSED] = 7 - out[BFI_REVERSED]
    return out


@pytest.fixture(scope="session")
def hs9(hs) -> pd.DataFrame:
    return hs[HS9]
