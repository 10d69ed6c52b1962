"""`surveykit verify REPORT_DIR`: re-run the analysis recorded in manifest.json and compare.

The inputs named by the manifest (spec, data, instrument) are hashed and compared with the
recorded SHA-256; the analysis is run again into a temporary folder with the recorded report
options; results.json, report.md, report.html, report.docx and the figures are compared byte
for byte.  Exit 0: everything matches; 1: something differs (each difference is named, for
results.json with the first differing JSON path); 2: the manifest is missing or invalid, or an
input file is missing.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

import typer

from surveykit.cli._common import handled
from surveykit.errors import DataError, SpecError, SurveykitWarning
from surveykit.io import file_sha256

_COMPARED = ("results.json", "report.md", "report.html", "report.docx")


def _sha256(path: Path) -> str:
    return file_sha256(path)


def _load_manifest(report_dir: Path) -> dict:
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
    rec = man["spec"] if what == "spec" else (man["inputs"].get(what) or {})
    name = rec.get("file")
    if not name:
        raise SpecError(f"manifest.json records no file for the {what}; it cannot be verified.")
    path = Path(name)
    if not path.is_absolute() and not path.exists() and (report_dir / path).exists():
        path = report_dir / path
    if not path.exists():
        raise DataError(f"The {what} file {name} recorded in manifest.json does not exist; restore it or run verify "
                        "from the folder the analysis was run in.")
    return path, rec.get("sha256")


def first_json_difference(a, b, path: str = "$") -> str | None:
    """The first JSON path at which ``a`` and ``b`` differ, with both values; None when equal."""
    if type(a) is not type(b):
        return f"{path}: {json.dumps(a, ensure_ascii=False)[:80]} != {json.dumps(b, ensure_ascii=False)[:80]}"
    if isinstance(a, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                return f"{path}.{k}: present in only one of the two"
            d = first_json_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        if list(a) != list(b):
            return f"{path}: the keys are in a different order"
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_json_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        if len(a) != len(b):
            return f"{path}: {len(a)} entries != {len(b)}"
        return None
    if a != b:
        return f"{path}: {json.dumps(a, ensure_ascii=False)[:80]} != {json.dumps(b, ensure_ascii=False)[:80]}"
    return None


def _describe(name: str, old: bytes, new: bytes) -> str:
    if name.endswith(".json"):
        try:
            d = first_json_difference(json.loads(old), json.loads(new))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return f"{name} differs (the file in the report folder is not valid JSON)"
        if d:
            return f"{name} differs at {d} (report folder != re-run)"
        return f"{name} differs in formatting only"
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


def verify(
    report_dir: Path = typer.Argument(..., help="A report folder written by `surveykit analyze` (with manifest.json)."),
) -> None:
    """Re-run the analysis from REPORT_DIR/manifest.json; exit 0 if every file matches, 1 naming what differs."""
    with handled():
        man = _load_manifest(report_dir)
        inputs = {what: _input(man, what, report_dir) for what in ("spec", "data", "instrument")}
        problems = []
        for what, (path, recorded) in inputs.items():
            if recorded and _sha256(path) != recorded:
                problems.append(f"input {what} {path}: SHA-256 differs from the one recorded in manifest.json")
        opts = dict(man.get("report") or {})
        from surveykit.analysis import analyze
        from surveykit.report import write_report

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SurveykitWarning)  # they are part of results.json
            # the read options the run used (--encoding/--layout/--sheet or the spec's), as recorded
            read = ((man.get("inputs") or {}).get("data") or {}).get("read") or {}
            res = analyze(inputs["spec"][0], data=inputs["data"][0], instrument=inputs["instrument"][0],
                          command=man.get("command"),
                          **{k: read[k] for k in ("encoding", "layout", "sheet") if k in read})
        with tempfile.TemporaryDirectory(prefix="surveykit-verify-") as tmp:
            kwargs = {k: opts[k] for k in ("lang", "table_style", "convention", "path_layout") if k in opts}
            if "formats" in opts:
                kwargs["formats"] = tuple(opts["formats"])
            write_report(res.results, res.manifest, Path(tmp), **kwargs)
            names = [n for n in _COMPARED if (report_dir / n).exists() or (Path(tmp) / n).exists()]
            names += sorted(n for n in (man.get("outputs") or {}) if n.startswith("figures/"))
            checked = 0
            for name in names:
                mine, fresh = report_dir / name, Path(tmp) / name
                if not fresh.exists():
                    problems.append(f"{name} is in the report folder but the re-run did not write it")
                elif not mine.exists():
                    problems.append(f"{name} is missing from the report folder")
                else:
                    old, new = mine.read_bytes(), fresh.read_bytes()
                    checked += 1
                    if old != new:
                        problems.append(_describe(name, old, new))
        if problems:
            now = res.manifest.get("versions") or {}
            then = man.get("versions") or {}
            changed = [f"{k} {then[k]} -> {now.get(k)}" for k in then if now.get(k) != then[k]]
            for p in problems:
                typer.echo(f"differs: {p}")
            if changed:
                typer.echo(f"note: software versions differ from the recorded run: {', '.join(changed)}")
    if problems:
        raise typer.Exit(1)
    typer.echo(f"verified: {checked} files and 3 inputs match the re-run of {report_dir}")
