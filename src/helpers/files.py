"""Writing files so that a run killed at any moment leaves the previous version whole.

Every report page, index, manifest and processed table is written to a
temporary file in the same folder, flushed to disk (``fsync``) and then moved
over the target with :func:`os.replace`, which is atomic on POSIX: a reader sees
the old file or the new one, never half of one. :func:`run_lock` keeps two runs
off one folder (``fcntl.flock``; the lock goes with the process, even after
SIGKILL).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from helpers.errors import OutputError, RunLockedError

TEMP_PREFIX = ".tmp-"
"""Temporary files start with this; a killed run may leave some, the next run removes them."""


def writable_folder(folder: Path) -> Path:
    """Create ``folder`` if needed and check a run can write in it.

    Raises
    ------
    OutputError
        ``folder`` is a file, cannot be created or is not writable.
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file, not a folder; move it away or set CAI_HOME")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{folder}: cannot create the folder ({err.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: the folder is read-only; make it writable or set CAI_HOME")
    return folder


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename is durable only once its folder is)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _describe_os_error(path: Path, err: OSError) -> OutputError:
    if err.errno == errno.ENOSPC:
        return OutputError(f"{path}: the disk is full; free some space and run again")
    return OutputError(f"{path}: cannot write ({err.strerror or err})")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    The caller writes the whole file to the yielded path (any writer that takes a
    path: pyarrow, pandas). On an exception the temporary file is removed and
    ``path`` is untouched.

    Raises
    ------
    OutputError
        The folder is not writable or the disk is full (the message names the file).
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", dir=folder)
        os.close(fd)
    except OSError as err:
        raise _describe_os_error(path, err) from None
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        fsync_folder(folder)
    except OSError as err:
        raise _describe_os_error(path, err) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    return write_bytes(path, text.encode("utf-8"))


def copy(source: Path, target: Path) -> Path:
    """Copy ``source`` over ``target`` atomically (see :func:`atomic_path`)."""
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    return target


def replace_folder(source: Path, target: Path) -> Path:
    """Copy the folder ``source`` over ``target`` so that ``target`` is never half-written.

    The copy is made beside ``target`` under a temporary name, then swapped in with
    two renames; a run killed in between leaves either folder whole, and the
    temporary names are removed by :func:`remove_temporary`.
    """
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{target.name}.", dir=parent))
        shutil.copytree(source, fresh, dirs_exist_ok=True)
        old = parent / f"{TEMP_PREFIX}{target.name}.old"
        if old.exists():
            shutil.rmtree(old)
        if target.exists():
            os.replace(target, old)
        os.replace(fresh, target)
        fsync_folder(parent)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as err:
        raise _describe_os_error(target, err) from None
    return target


def remove_temporary(folder: Path) -> list[Path]:
    """Delete temporary files an interrupted write left in ``folder``; return them."""
    left = sorted(folder.glob(f"{TEMP_PREFIX}*")) if folder.is_dir() else []
    for path in left:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return left


@contextlib.contextmanager
def run_lock(folder: Path, what: str = "run") -> Iterator[Path]:
    """Hold an exclusive lock on ``folder`` (file ``.lock``) for the block.

    Raises
    ------
    RunLockedError
        Another process holds the lock; the message names its process id.
    """
    path = writable_folder(folder) / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise RunLockedError(
                f"{folder}: another {what} is using this folder (process {holder}); "
                "wait for it to finish, or stop it, and run again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing releases the lock
