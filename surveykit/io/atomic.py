"""Atomic file writes: a reader sees either the old file or the complete new one.

The new content goes to a temporary file in the target's directory (so that the final
rename never crosses file systems), is flushed and fsync-ed, then moved over the target
with :func:`os.replace`, which is atomic on POSIX and Windows.  On any error the
temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
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


# -- a whole folder at once ---------------------------------------------------------------------------------------
_STAGE_TAG = ".surveykit-"


def _stage_prefix(target: Path) -> str:
    return f".{target.name}{_STAGE_TAG}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but is another user's
    return True


def _remove_orphans(target: Path) -> None:
    """Remove staging folders of ``target`` left by a process that was killed (kill -9, power loss):
    their names carry the pid of the writer, and only those of dead processes are removed.  POSIX
    only: on Windows os.kill(pid, 0) would terminate the process, so orphans stay there."""
    if os.name != "posix":
        return
    prefix = _stage_prefix(target)
    with contextlib.suppress(OSError):
        for entry in target.parent.iterdir():
            pid = entry.name[len(prefix):].split("-", 1)[0] if entry.name.startswith(prefix) else ""
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 with RENAME_EXCHANGE, through ctypes since
    the standard library has no binding); False where the system or file system does not offer it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap_in(staged: Path, target: Path) -> Path | None:
    """Put ``staged`` where ``target`` is; returns the path that now holds the old folder (None if
    there was none).  The old folder stays complete until the new one is in place."""
    if not target.exists():
        os.rename(staged, target)
        return None
    if _exchange(staged, target):
        return staged
    old = Path(f"{staged}-old")
    os.rename(target, old)
    try:
        os.rename(staged, target)
    except BaseException:
        os.rename(old, target)
        raise
    return old


def _fsync_tree(folder: Path) -> None:
    for root, _dirs, names in os.walk(folder):
        for name in names:
            _fsync_file(Path(root) / name)
        _fsync_dir(Path(root))


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty staging folder beside `path`; on success it replaces `path` as a whole.

    The block writes every file of the folder into the staging folder (a hidden sibling, so that
    the final rename never crosses file systems).  After the block the files are fsync-ed and the
    staging folder is swapped in with one rename (on Linux an atomic exchange; elsewhere the old
    folder is moved aside first and moved back if the second rename fails); the old folder is
    removed only after the new one is in place.  A reader sees the old folder or the complete new
    one, never a mixture.  If the block raises (an error, Ctrl-C, a full disk), the staging folder
    is removed and `path` is untouched.  Staging folders a killed process left are removed on the
    next write.  When `path` is a symbolic link, the folder it points to is replaced.

    The caller decides whether the existing folder may be replaced: everything in it is discarded.
    """
    target = Path(os.fspath(path))
    if target.is_symlink():
        target = target.resolve()
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(target)
    staged = Path(tempfile.mkdtemp(prefix=f"{_stage_prefix(target)}{os.getpid()}-", dir=target.parent))
    old: Path | None = None
    try:
        yield staged
        _fsync_tree(staged)
        try:
            mode = target.stat().st_mode & 0o7777
        except OSError:
            mode = 0o777 & ~_UMASK
        os.chmod(staged, mode)
        old = _swap_in(staged, target)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


def file_sha256(path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
