"""Reading a YAML file (``yaml.safe_load`` only) with one-sentence errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

__all__ = ["read_yaml", "validate_as", "validation_message"]


def read_yaml(path: str | Path, *, what: str, error: type[Exception]) -> object:
    """Load ``path``; failures raise ``error`` naming the file (``what``: "Instrument file", ...)."""
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{what} {p} does not exist; check the path.") from None
    except IsADirectoryError:
        raise error(f"{what} {p} is a folder; give the YAML file.") from None
    except UnicodeDecodeError:
        raise error(f"{what} {p} is not UTF-8 text; save it as UTF-8.") from None
    except OSError as exc:
        raise error(f"{what} {p} cannot be read: {exc.strerror}.") from None
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{what} {p} is not valid YAML{where}: {problem}.") from None


def _loc(loc: tuple) -> str:
    parts: list[str] = []
    for p in loc:
        parts.append(f"[{p}]" if isinstance(p, int) else ("." if parts else "") + str(p))
    return "".join(parts) or "(top level)"


def validation_message(exc, where: str, examples: Mapping[str, str] | None = None) -> str:
    """One sentence for the first problem of a pydantic ``ValidationError``: where (the file), the
    key path, what is wrong, and, when ``examples`` has one for the innermost key named, the
    expected form; then how many problems follow."""
    errs = exc.errors()
    e = errs[0]
    msg = e["msg"].removeprefix("Value error, ")
    keys = [p for p in e["loc"] if isinstance(p, str)]
    # the innermost key with an example (".key": only that key at the top level; "": any other problem)
    candidates = ([f".{keys[0]}"] if len(e["loc"]) == 1 else []) + keys[::-1] + [""]
    example = next((examples[k] for k in candidates if k in examples), None) if examples else None
    shown = f" Expected, for example: {example}." if example else ""
    more = f" ({len(errs) - 1} more problem(s) after this one)" if len(errs) > 1 else ""
    return f"{where}: key '{_loc(e['loc'])}': {msg}. Fix that key.{shown}{more}"


def validate_as(model_cls, data: object, *, what: str, path: str | Path, error: type[Exception],
                examples: Mapping[str, str] | None = None):
    """Validate loaded YAML ``data`` with the pydantic ``model_cls``; the first problem becomes one
    sentence naming the file and the key path, with an example of the expected form
    (:func:`validation_message`; ``error`` is raised)."""
    from pydantic import ValidationError

    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise error(validation_message(exc, f"{what} {path}", examples)) from None
