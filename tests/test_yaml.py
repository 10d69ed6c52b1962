"""surveykit._yaml: the safe loader refuses duplicate keys; a path that is not a regular file is refused
before it is opened (a FIFO would block forever)."""

from __future__ import annotations

import os

import pytest
import yaml

from surveykit._yaml import load_yaml, read_yaml
from surveykit.errors import SpecError, not_a_regular_file


def test_duplicate_keys_at_any_depth_are_refused():
    assert load_yaml("a: 1\nb: {x: 1, y: 2}\n") == {"a": 1, "b": {"x": 1, "y": 2}}
    assert load_yaml("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n")["c"] == {"x": 1, "y": 2}  # merge keys are fine
    with pytest.raises(yaml.YAMLError, match=r"the key 'x' appears twice in one mapping \(first at line 3\)"):
        load_yaml("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n")


def test_read_yaml_names_file_line_and_key(tmp_path):
    p = tmp_path / "spec.yaml"
    p.write_text("name: a\ntitle: t\nname: b\n", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        read_yaml(p, what="Spec file", error=SpecError)
    assert str(info.value) == (f"Spec file {p} is not valid YAML at line 3, column 1: the key 'name' appears twice in "
                               "one mapping (first at line 1); keep one.")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    assert not_a_regular_file(fifo) == "a named pipe (FIFO)"
    assert not_a_regular_file(tmp_path) is None and not_a_regular_file(tmp_path / "nope") is None
    with pytest.raises(SpecError) as info:
        read_yaml(fifo, what="Spec file", error=SpecError)
    assert str(info.value) == f"Spec file {fifo} is a named pipe (FIFO), not a file; give the YAML file itself."
