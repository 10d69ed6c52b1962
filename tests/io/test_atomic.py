"""Atomic writes: complete new file or the old one, never a temporary file left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from surveykit.errors import DataError
from surveykit.io import atomic, atomic_write_bytes, atomic_write_text, read_file, write_csv, write_sav


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_bytes_and_text(tmp_path: Path) -> None:
    atomic_write_bytes(tmp_path / "a.bin", b"\x00\x01")
    atomic_write_text(tmp_path / "b.txt", "满意\n", encoding="gb18030")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.txt").read_bytes() == "满意\n".encode("gb18030")
    assert _names(tmp_path) == ["a.bin", "b.txt"]


def test_overwrite_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _names(tmp_path) == ["r.txt"]


def test_new_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    atomic_write_text(tmp_path / "n.txt", "x")
    mode = stat.S_IMODE((tmp_path / "n.txt").stat().st_mode)
    assert mode == 0o666 & ~atomic._UMASK


def test_failure_keeps_target_and_removes_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("precious", encoding="utf-8")

    def broken_fsync(path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "_fsync_file", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_text(target, "replacement")
    assert target.read_text(encoding="utf-8") == "precious"
    assert _names(tmp_path) == ["keep.txt"]


def test_failure_in_replace_removes_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_replace(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(PermissionError):
        atomic_write_bytes(tmp_path / "x.bin", b"data")
    monkeypatch.undo()
    assert _names(tmp_path) == []


def test_unencodable_text_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(tmp_path / "a.txt", "满意", encoding="ascii")
    assert _names(tmp_path) == []


def test_write_csv_round_trip(tmp_path: Path) -> None:
    frame = pd.DataFrame({"編號": [1, 2], "城市": ["北京", "臺北"], "分數": [1.5, None]})
    for encoding in ("utf-8", "utf-8-sig", "gb18030", "big5"):
        path = tmp_path / f"{encoding}.csv"
        write_csv(frame, path, encoding=encoding)
        raw = read_file(path)
        assert raw.metadata.encoding == encoding
        pd.testing.assert_frame_equal(raw.frame, frame, check_dtype=False)
    assert (tmp_path / "utf-8.csv").read_bytes().startswith("編號,城市,分數\n1,北京,1.5\n".encode())


def test_write_csv_unencodable_keeps_target(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    frame = pd.DataFrame({"name": ["abc", "张三"]})
    with pytest.raises(DataError, match=r"Cannot write '.*out\.csv' in ascii: line 3 has the character '张'"):
        write_csv(frame, target, encoding="ascii")
    assert target.read_text(encoding="utf-8") == "old"
    assert _names(tmp_path) == ["out.csv"]


def test_write_sav_failure_keeps_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "s.sav"
    write_sav(pd.DataFrame({"q1": [1.0]}), target)
    before = target.read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="Input/output error"):
        write_sav(pd.DataFrame({"q1": [2.0, 3.0]}), target)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert _names(tmp_path) == ["s.sav"]
    assert os.path.getsize(target) == len(before)
