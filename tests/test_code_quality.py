"""Lint and architecture checks, run as part of the test suite (and so of CI)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    exe = shutil.which("ruff")
    cmd = [exe] if exe else [sys.executable, "-m", "ruff"]
    proc = subprocess.run([*cmd, "check", "surveykit", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_layers_hold():
    exe = shutil.which("lint-imports")
    assert exe, "import-linter is a test dependency: pip install -e '.[test]'"
    proc = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# HELPER_RULES / STYLE: functions in surveykit/sem stay under 100 lines (def line to last line)
MAX_SEM_FUNCTION_LINES = 100


def _long_functions(package: Path, limit: int, root: Path = ROOT) -> list[str]:
    """The functions of ``package`` with ``limit`` lines or more, as 'path:line name (n lines)'."""
    out = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n >= limit:
                    out.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({n} lines)")
    return out


def test_sem_functions_are_under_100_lines():
    long = _long_functions(ROOT / "surveykit" / "sem", MAX_SEM_FUNCTION_LINES)
    assert not long, "split these functions into steps: " + "; ".join(long)


def test_long_function_check_finds_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_SEM_FUNCTION_LINES))
    (tmp_path / "m.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n", encoding="utf-8")
    found = _long_functions(tmp_path, MAX_SEM_FUNCTION_LINES, root=tmp_path)
    assert found == [f"m.py:5 long ({MAX_SEM_FUNCTION_LINES + 1} lines)"]
