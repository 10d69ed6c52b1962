"""Reading a YAML file (PyYAML's safe loader only, refusing duplicate keys) with one-sentence errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from surveykit.errors import not_a_regular_file

__all__ = ["read_yaml", "validate_as", "validation_message", "load_yaml"]


class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice in one mapping: PyYAML keeps the last silently,
    so a second ``name:`` or ``model:`` would change an analysis without a word."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark.line)
                except TypeError:
                    continue  # an unhashable key: the safe constructor refuses it with its own message
                if first != key_node.start_mark.line:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key {key!r} appears twice in one mapping (first at line {first + 1}); keep "
                        "one", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> object:
    """``yaml.safe_load`` that refuses duplicate keys (yaml.YAMLError)."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


def read_yaml(path: str | Path, *, what: str, error: type[Exception]) -> object:
    """Load ``path``; failures raise ``error`` naming the file (``what``: "Instrument file", ...)."""
    p = Path(path)
    kind = not_a_regular_file(p)
    if kind:
        raise error(f"{what} {p} is {kind}, not a file; give the YAML file itself.")
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
        return load_yaml(raw)
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


def _model_at(model_cls, loc: tuple):
    """The pydantic model that holds the last key of ``loc`` (None when the path leaves models)."""
    import typing

    from pydantic import BaseModel

    def models(tp) -> list:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return [tp]
        return [m for arg in typing.get_args(tp) for m in models(arg)]

    current = model_cls
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if current is not None else None
        found = models(field.annotation) if field is not None else []
        current = found[0] if found else None
    return current


def validation_message(exc, where: str, examples: Mapping[str, str] | None = None, model_cls=None) -> str:
    """One sentence for the first problem of a pydantic ``ValidationError``: where (the file), the
    key path, what is wrong (an unknown key: with the keys allowed there, when ``model_cls`` is
    given), and, when ``examples`` has one for the innermost key named, the expected form; then
    how many problems follow."""
    # an unknown key first: a misspelled key ('direction' for 'expect') also makes the right one missing
    errs = sorted(exc.errors(), key=lambda x: x["type"] != "extra_forbidden")
    e = errs[0]
    msg = e["msg"].removeprefix("Value error, ")
    holder = _model_at(model_cls, e["loc"]) if model_cls is not None and e["type"] == "extra_forbidden" else None
    if holder is not None:
        allowed = [f.alias or name for name, f in holder.model_fields.items() if not f.exclude]
        msg = f"{msg}; the keys allowed here are {', '.join(allowed)}"
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
        raise error(validation_message(exc, f"{what} {path}", examples, model_cls)) from None
