"""Re-run a report folder's analysis and say how closely it reproduces.

Three levels (``surveykit verify REPORT_DIR``; the test of the committed demo report uses the
same :func:`compare_report`):

``byte-identical``
    the re-run's ``results.json`` has the same bytes as the folder's, and every report file
    (report.md, report.html, report.docx, figures) is the rendering of it;
``numerically identical``
    some numbers of ``results.json`` differ in their last digits, each within the tolerance of
    its kind (:mod:`surveykit.report.compare`), and every report file is the rendering of the
    folder's ``results.json``; the number that differed most is named, with what in the
    environment (CPU, BLAS kernel and threads, library versions; all in manifest.json) differs
    from the recorded run;
``different``
    an input's SHA-256 differs from the recorded one, a number lies beyond its tolerance or a
    string, count or decision changed (the first is named with both values), or a report file
    is not the rendering of ``results.json``.

The report files are rendered from the folder's own ``results.json`` with the report options
and versions its manifest records, so that a report whose numbers moved in the last digits is
checked against its own numbers, not against the re-run's, whose third decimal could round the
other way.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from surveykit.analysis.provenance import environment_differences
from surveykit.analysis.run import analyze
from surveykit.datasets import shipped_path
from surveykit.errors import DataError, SpecError, SurveykitWarning
from surveykit.io import file_sha256
from surveykit.report import write_report
from surveykit.report.compare import Comparison, compare_results
from surveykit.report.schema import validate_results
from surveykit.results import SIGNIFICANT_DIGITS, dumps

__all__ = ["LEVELS", "Verification", "load_manifest", "compare_report", "verify_report"]

LEVELS = ("byte-identical", "numerically identical", "different")
_REPORT_FILES = ("report.md", "report.html", "report.docx")


@dataclass(frozen=True)
class Verification:
    """How a report folder compares with a re-run of its analysis (see the module docstring)."""

    level: str
    report_dir: Path
    problems: tuple[str, ...]
    comparison: Comparison | None
    files: tuple[str, ...]
    environment: tuple[str, ...]
    inputs: int = 0

    @property
    def ok(self) -> bool:
        return self.level != "different"

    def lines(self) -> list[str]:
        """What ``surveykit verify`` prints."""
        inputs = f"; {self.inputs} inputs match" if self.inputs else ""
        env = ("environment: " + "; ".join(self.environment)) if self.environment else \
            "environment: the same CPU, BLAS kernels and versions as the recorded run"
        if self.level == "byte-identical":
            return [f"verified: byte-identical: results.json and {len(self.files)} report files match the re-run of "
                    f"{self.report_dir} byte for byte{inputs}", env]
        if self.level == "numerically identical":
            c = self.comparison
            out = [f"verified: numerically identical: {c.n_differing} of {c.n_numbers} numbers in results.json differ "
                   f"from the re-run of {self.report_dir}, all within the declared tolerances; "
                   f"{len(self.files)} report files are the rendering of results.json{inputs}"]
            if c.largest is not None:
                out.append(f"largest difference: {c.largest.describe()}")
            return out + [env]
        return ([f"different: {len(self.problems)} differences from the re-run of {self.report_dir}"]
                + [f"differs: {p}" for p in self.problems] + [env])


def load_manifest(report_dir: Path) -> dict:
    """The folder's manifest.json, checked for what verify needs (SpecError, one sentence, if not)."""
    path = report_dir / "manifest.json"
    if not report_dir.is_dir():
        raise SpecError(f"{report_dir} is not a folder; give the folder that `surveykit analyze` wrote.")
    if not path.is_file():
        raise SpecError(f"{path} does not exist; verify needs the manifest.json that `surveykit analyze` writes.")
    try:
        man = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError(f"{path} is not valid JSON ({exc}); regenerate the report with `surveykit analyze`.") from None
    if not isinstance(man, dict) or "surveykit_manifest" not in man:
        raise SpecError(f"{path} is not a surveykit manifest (no 'surveykit_manifest' key).")
    for key in ("spec", "inputs"):
        if not isinstance(man.get(key), dict):
            raise SpecError(f"{path}: key '{key}' is missing or not a mapping; the manifest cannot be verified.")
    return man


def _input(man: dict, what: str, report_dir: Path) -> tuple[Path, str | None]:
    """The recorded input file: its path as recorded, else beside the report folder, else (for a
    file shipped with surveykit) this installation's copy."""
    rec = man["spec"] if what == "spec" else (man["inputs"].get(what) or {})
    name = rec.get("file")
    if not name:
        raise SpecError(f"manifest.json records no file for the {what}; it cannot be verified.")
    path = Path(name)
    if not path.exists() and not path.is_absolute() and (report_dir / path).exists():
        path = report_dir / path
    if not path.exists() and rec.get("shipped"):
        path = shipped_path(str(rec["shipped"]))
    if not path.exists():
        raise DataError(f"The {what} file {name} recorded in manifest.json does not exist; restore it or run verify "
                        "from the folder the analysis was run in.")
    return path, rec.get("sha256")


def _first_line_difference(name: str, old: bytes, new: bytes) -> str:
    if name.endswith((".md", ".html", ".svg")):
        try:
            a, b = old.decode("utf-8").splitlines(), new.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            return f"{name} differs"
        for i, (x, y) in enumerate(zip(a, b), start=1):
            if x != y:
                return f"{name} differs from line {i}"
        return f"{name} differs from line {min(len(a), len(b)) + 1}"
    return f"{name} differs"


def _listing_problems(report_dir: Path, man: dict, fresh: dict) -> list[str]:
    """manifest.json against the folder and against the rendering: every file in the folder is
    listed with its SHA-256 (a stale figure, an added file or an edited one is named), every listed
    file exists, and every file the rendering writes is listed (a removed entry is named)."""
    listed = dict(man.get("outputs") or {})
    present = sorted(rel for rel in (p.relative_to(report_dir).as_posix() for p in report_dir.rglob("*")
                                     if p.is_file()) if rel != "manifest.json")
    problems = [f"{n} is in the report folder but manifest.json does not list it (a stale or added file; remove it or "
                "run the analysis again)" for n in present if n not in listed]
    problems += [f"{n} is listed in manifest.json but missing from the report folder" for n in listed
                 if n not in present]
    problems += [f"{n}: its SHA-256 is not the one manifest.json records (the file was changed after the report was "
                 "written)" for n in present if n in listed and file_sha256(report_dir / n) != listed[n]]
    problems += [f"manifest.json does not list {n}, which the report writes (an entry was removed)"
                 for n in sorted(fresh.get("outputs") or {}) if n not in listed]
    return problems


def _rendering_problems(report_dir: Path, recorded: dict, man: dict) -> tuple[list[str], list[str]]:
    """(problems, files checked): the report files against the rendering of ``recorded`` with the
    report options and versions of the manifest."""
    opts = dict(man.get("report") or {})
    kwargs = {k: opts[k] for k in ("lang", "table_style", "convention", "path_layout") if k in opts}
    if "formats" in opts:
        kwargs["formats"] = tuple(opts["formats"])
    problems, checked = [], []
    with tempfile.TemporaryDirectory(prefix="surveykit-verify-") as tmp:
        out = Path(tmp)
        write_report(recorded, man, out, **kwargs)
        names = [n for n in _REPORT_FILES if (report_dir / n).exists() or (out / n).exists()]
        listed = {n for n in (man.get("outputs") or {}) if n.startswith("figures/")}
        drawn = {p.relative_to(out).as_posix() for p in (out / "figures").glob("*")} if (out / "figures").is_dir() \
            else set()
        names += sorted(listed | drawn)
        problems += _listing_problems(report_dir, man, json.loads((out / "manifest.json").read_text(encoding="utf-8")))
        for name in names:
            mine, fresh = report_dir / name, out / name
            if not fresh.exists():
                problems.append(f"{name} is in the report folder but the rendering of results.json has no such file")
            elif not mine.exists():
                problems.append(f"{name} is missing from the report folder")
            else:
                checked.append(name)
                old, new = mine.read_bytes(), fresh.read_bytes()
                if old != new:
                    problems.append(f"{_first_line_difference(name, old, new)} (not the rendering of results.json)")
    return problems, checked


def compare_report(report_dir: str | Path, results: dict, manifest: dict | None = None, *,
                   recorded_manifest: dict | None = None, problems: list[str] | None = None,
                   inputs: int = 0) -> Verification:
    """Compare the report folder with a fresh results record (``results``, with its ``manifest``
    for the environment); ``problems`` found before (input hashes) make the level 'different'."""
    report_dir = Path(report_dir)
    man = recorded_manifest if recorded_manifest is not None else load_manifest(report_dir)
    problems = list(problems or [])
    fresh_bytes = dumps(results, digits=SIGNIFICANT_DIGITS).encode("utf-8")
    path = report_dir / "results.json"
    comparison: Comparison | None = None
    recorded: dict | None = None
    same_bytes = False
    if not path.is_file():
        problems.append("results.json is missing from the report folder")
    else:
        old = path.read_bytes()
        same_bytes = old == fresh_bytes
        try:
            recorded = json.loads(old)
        except (UnicodeDecodeError, json.JSONDecodeError):
            problems.append("results.json in the report folder is not valid JSON")
        if recorded is not None and not same_bytes:
            comparison = compare_results(recorded, json.loads(fresh_bytes))
            if comparison.failures:
                first = comparison.failures[0]
                more = len(comparison.failures) - 1
                problems.append(f"results.json {first.describe()}" + (f"; {more} more beyond tolerance" * (more > 0)))
            elif comparison.n_differing == 0:
                problems.append("results.json differs from the re-run in its formatting only")
    checked: list[str] = []
    if recorded is not None:
        try:
            validate_results(recorded, source="results.json in the report folder")
        except SpecError as exc:
            problems.append(str(exc))
            recorded = None
    if recorded is not None:
        render_problems, checked = _rendering_problems(report_dir, recorded, man)
        problems += render_problems
    env = environment_differences(man, manifest or {}) if manifest is not None else []
    level = "different" if problems else ("byte-identical" if same_bytes else "numerically identical")
    return Verification(level, report_dir, tuple(problems), comparison, tuple(checked), tuple(env), inputs)


def verify_report(report_dir: str | Path) -> Verification:
    """Re-run the analysis recorded in ``report_dir/manifest.json`` (its spec, data and instrument,
    with the recorded read options) and compare (:func:`compare_report`)."""
    report_dir = Path(report_dir)
    man = load_manifest(report_dir)
    inputs = {what: _input(man, what, report_dir) for what in ("spec", "data", "instrument")}
    problems = [f"input {what} {path}: SHA-256 differs from the one recorded in manifest.json"
                for what, (path, recorded) in inputs.items() if recorded and file_sha256(path) != recorded]
    read = ((man.get("inputs") or {}).get("data") or {}).get("read") or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveykitWarning)  # they are part of results.json
        res = analyze(inputs["spec"][0], data=inputs["data"][0], instrument=inputs["instrument"][0],
                      command=man.get("command"), **{k: read[k] for k in ("encoding", "layout", "sheet") if k in read})
    return compare_report(report_dir, res.results, res.manifest, recorded_manifest=man, problems=problems,
                          inputs=len(inputs))
