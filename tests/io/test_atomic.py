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


# -- a whole folder ------------------------------------------------------------------------------------------------
def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _fill(stage: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (stage / name).parent.mkdir(parents=True, exist_ok=True)
        (stage / name).write_bytes(data)


def test_folder_new_and_replaced_as_a_whole(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with atomic.atomic_folder(target) as stage:
        _fill(stage, {"a.txt": b"1", "sub/b.txt": b"2"})
    assert _tree(target) == {"a.txt": b"1", "sub/b.txt": b"2"}
    with atomic.atomic_folder(target) as stage:
        _fill(stage, {"a.txt": b"new"})
    # the old folder's files are gone with it (no stale sub/b.txt), nothing else is left beside it
    assert _tree(target) == {"a.txt": b"new"}
    assert _names(tmp_path) == ["out"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o777 & ~atomic._UMASK


@pytest.mark.parametrize("fault", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_folder_failure_keeps_the_old_folder_and_leaves_nothing(tmp_path: Path, fault: BaseException) -> None:
    target = tmp_path / "out"
    with atomic.atomic_folder(target) as stage:
        _fill(stage, {"a.txt": b"old", "figures/f.svg": b"<svg/>"})
    with pytest.raises(type(fault)):
        with atomic.atomic_folder(target) as stage:
            _fill(stage, {"a.txt": b"half"})
            raise fault
    assert _tree(target) == {"a.txt": b"old", "figures/f.svg": b"<svg/>"}
    assert _names(tmp_path) == ["out"]


@pytest.mark.parametrize("exchange", [True, False])
def test_folder_swap_failure_puts_the_old_folder_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      exchange: bool) -> None:
    target = tmp_path / "out"
    with atomic.atomic_folder(target) as stage:
        _fill(stage, {"a.txt": b"old"})
    real_rename = os.rename

    def rename(src, dst):  # the new folder cannot be moved in; moving the old one back works
        if Path(dst) == target and not str(src).endswith("-old"):
            raise OSError(16, "Device or resource busy")
        real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", rename)
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: (_ for _ in ()).throw(OSError(16, "busy")) if exchange
                        else False)
    with pytest.raises(OSError):
        with atomic.atomic_folder(target) as stage:
            _fill(stage, {"a.txt": b"new"})
    monkeypatch.undo()
    assert _tree(target) == {"a.txt": b"old"}
    assert _names(tmp_path) == ["out"]


def test_folder_orphans_of_killed_writers_are_removed(tmp_path: Path) -> None:
    dead = 2 ** 22 + 12345  # above Linux's pid_max default: no such process
    orphan = tmp_path / f".out.surveykit-{dead}-abc"
    orphan.mkdir()
    (orphan / "results.json").write_bytes(b"{")
    alive = tmp_path / f".out.surveykit-{os.getpid() + 0}x-abc"  # not a pid: left alone
    alive.mkdir()
    with atomic.atomic_folder(tmp_path / "out") as stage:
        _fill(stage, {"a.txt": b"1"})
    assert _names(tmp_path) == sorted([alive.name, "out"])


def test_folder_exchange_is_atomic_on_linux(tmp_path: Path) -> None:
    if not os.sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux's")
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_bytes(b"a")
    (b / "x").write_bytes(b"b")
    assert atomic._exchange(a, b)
    assert (a / "x").read_bytes() == b"b" and (b / "x").read_bytes() == b"a"
