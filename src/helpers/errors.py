"""One exception hierarchy for the project; every error carries its context.

Modelled on papermill's ``PapermillException`` family: callers catch
:class:`InsightsError` and show its message, which always names the file,
column, rows or parameter at fault.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Sequence


class InsightsError(Exception):
    """Base class of every error raised by ``helpers``."""


class UnknownAllianceError(InsightsError, KeyError):
    """A name or code does not resolve to a Cancer Alliance.

    Parameters
    ----------
    value
        The text that failed to resolve.
    suggestions
        The closest canonical names, best first.
    """

    def __init__(self, value: str, suggestions: Sequence[str] = ()) -> None:
        self.value = value
        self.suggestions = list(suggestions)
        hint = f" Closest matches: {', '.join(self.suggestions)}." if self.suggestions else ""
        super().__init__(f"Unknown Cancer Alliance {value!r}.{hint}")

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0]


def rows_text(rows: Sequence[int], limit: int = 10) -> str:
    """Row numbers for a message: the first ``limit``, then how many more."""
    shown = ", ".join(str(r) for r in list(rows)[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"{shown}{more}"


class InputDataError(InsightsError, ValueError):
    """An input file cannot be used as it is.

    Parameters
    ----------
    path
        The file at fault.
    message
        What is wrong.
    column
        The column at fault, when there is one.
    rows
        Data row numbers at fault (1 = first row after the header).
    """

    def __init__(
        self,
        path: object,
        message: str,
        *,
        column: str | None = None,
        rows: Sequence[int] = (),
    ) -> None:
        self.path = str(path)
        self.column = column
        self.rows = list(rows)
        where = f" column {column!r}" if column else ""
        at = f" (data rows {rows_text(self.rows)})" if self.rows else ""
        super().__init__(f"{self.path}:{where} {message}{at}")


class ParameterError(InsightsError, ValueError):
    """A notebook or command parameter is not valid."""


def require_columns(df, columns: Iterable[str], what: str) -> None:
    """Raise :class:`ParameterError` naming any of ``columns`` missing from ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ParameterError(f"{what} lacks column(s) {missing}; it has {list(df.columns)}.")


def one_line(text: str, limit: int = 600) -> str:
    """``text`` on one line (newlines and runs of spaces collapsed), cut to ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


OS_ERROR_HINTS = {
    errno.ENOSPC: "the disk is full: free some space and run again",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
    errno.EACCES: "permission denied: make the folder writable or set CAI_HOME to another one",
    errno.EPERM: "permission denied: make the folder writable or set CAI_HOME to another one",
    errno.EROFS: "the file system is read-only: set CAI_HOME to a writable folder",
    errno.ENOTDIR: "a file stands where a folder is needed: move it away",
    errno.EEXIST: "a file stands where a folder is needed: move it away",
    errno.EISDIR: "a folder stands where a file is needed: move it away",
    errno.ENOENT: "no such file or folder",
}
"""What to do about the operating-system errors a run can meet."""


def describe_os_error(err: OSError) -> str:
    """One line for an operating-system error: the file, what went wrong and what to do."""
    where = err.filename if err.filename is not None else "a file"
    hint = OS_ERROR_HINTS.get(err.errno, err.strerror or type(err).__name__)
    return one_line(f"{where}: {hint}")


def _error_names(cls: type = InsightsError) -> set[str]:
    names = {cls.__name__}
    for sub in cls.__subclasses__():
        names |= _error_names(sub)
    return names


def public_message(ename: str, evalue: str) -> str:
    """What a report, index or manifest may say about a failure: one line, no raw values.

    The project's own errors (:class:`InsightsError` and its kind) are written to be
    shown: they name file, column and rows and withhold identifier-like values. Any
    other exception may quote a value from the data, so only its type is shown.
    """
    if ename in _error_names():
        return one_line(f"{ename}: {evalue}")
    return (f"{ename} (an unexpected error; its details stay in the executed notebook under "
            "reports/_executed/, which is not published)")
class OutputError(InsightsError, OSError):
    """A report or data file cannot be written (read-only folder, a file in the way, full disk)."""


class RunLockedError(InsightsError):
    """Another run holds the lock on the folder this run would write."""


class RunInterrupted(InsightsError):
    """The run was stopped by a signal; the previous reports are left as they were."""
