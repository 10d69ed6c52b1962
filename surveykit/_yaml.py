"""Reading a YAML file (``yaml.safe_load`` only) with one-sentence errors."""

from __future__ import annotations

from pathlib import Path

import yaml

__all__ = ["read_yaml"]


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


def validate_as(model_cls, data: object, *, what: str, path: str | Path, error: type[Exception]):
    """Validate loaded YAML ``data`` with the pydantic ``model_cls``; the first problem becomes one
    sentence naming the file and the key path (``error`` is raised)."""
    from pydantic import ValidationError

    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = ".".join(str(x) for x in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        raise error(f"{what} {path}: key '{loc}': {msg}. Fix that key.") from None
