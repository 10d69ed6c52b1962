"""Atomic file writes: a reader sees either the old file or the complete new one.

The new content goes to a temporary file in the target's directory (so that the final
rename never crosses file systems), is flushed and fsync-ed, then moved over the target
with :func:`os.replace`, which is atomic on POSIX and Windows.  On any error the
temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(directory: Path) -> None:
    """Best effort: make the rename durable (POSIX only; a no-op where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _final_mode(target: Path) -> int:
    """Mode for the new file: the target's if it exists, else what open() would give."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success move it over `path`.

    Use this when a library insists on writing to a path itself (pyreadstat does).  The
    temporary file exists (empty) when the block starts; the code in the block
    overwrites it.  After the block the file is fsync-ed and renamed over `path`; if the
    block raises, the temporary file is removed and `path` is untouched.

    Parameters
    ----------
    path : str or os.PathLike
        The final destination.

    Yields
    ------
    Path
        The temporary path to write to.
    """
    target = Path(os.fspath(path))
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _fsync_file(tmp)
        os.chmod(tmp, _final_mode(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(directory)


def _write_via(path: str | os.PathLike[str], writer: Callable[[Path], None]) -> None:
    with atomic_path(path) as tmp:
        writer(tmp)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; its directory must exist.
    data : bytes
        The complete new content.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
    >>> atomic_write_bytes(out, b"abc")
    >>> out.read_bytes()
    b'abc'
    """
    payload = bytes(data)
    _write_via(path, lambda tmp: tmp.write_bytes(payload))


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write `text` to `path` atomically, encoded with `encoding`, newlines as given.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; its directory must exist.
    text : str
        The complete new content.  Newlines are written as they are (no translation).
    encoding : str, default 'utf-8'
        Text encoding.  The text is encoded before anything is written, so an
        unencodable character leaves no trace on disk.
    """
    atomic_write_bytes(path, text.encode(encoding))


def file_sha256(path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
