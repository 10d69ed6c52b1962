"""The io layer's import rules (ARCHITECTURE.md), checked on the source text."""

from __future__ import annotations

import re
from pathlib import Path

import surveykit

PACKAGE = Path(surveykit.__file__).parent
IMPORT = re.compile(r"^\s*(?:import|from)\s+([\w.]+)", re.MULTILINE)


def _imports(path: Path) -> set[str]:
    return set(IMPORT.findall(path.read_text(encoding="utf-8")))


def test_only_the_adapter_imports_pyreadstat() -> None:
    importers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(name == "pyreadstat" or name.startswith("pyreadstat.") for name in _imports(path))
    }
    assert importers == {"io/_pyreadstat.py"}


def test_io_imports_only_errors_and_itself() -> None:
    for path in (PACKAGE / "io").rglob("*.py"):
        own = {name for name in _imports(path) if name.startswith("surveykit")}
        assert all(n == "surveykit.errors" or n.startswith("surveykit.io") for n in own), path
