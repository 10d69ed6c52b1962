"""Shared helpers of the io tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from surveykit.errors import ReadError
from surveykit.io import read_file


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def assert_read_error(path: Path, match: str, **kwargs: object) -> ReadError:
    """read_file(path) raises ReadError matching `match`, names the file, and leaves it unchanged."""
    before = sha256(path) if Path(path).is_file() else None
    with pytest.raises(ReadError, match=match) as info:
        read_file(path, **kwargs)
    assert Path(path).name in str(info.value)
    if before is not None:
        assert sha256(path) == before
    return info.value


SIMPLIFIED = "编号,性别,年龄,我对工作感到满意,团队执行力很强\n1,男,25,4,3\n2,女,31,5,4\n3,男,,2,5\n"
TRADITIONAL = "編號,性別,年齡,我對工作感到滿意,團隊執行力很強\n1,男,25,4,3\n2,女,31,5,4\n3,男,,2,5\n"
