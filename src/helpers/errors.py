"""One exception hierarchy for the project; every error carries its context.

Modelled on papermill's ``PapermillException`` family: callers catch
:class:`InsightsError` and show its message, which always names the file,
column, rows or parameter at fault.
"""

from __future__ import annotations

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


def _rows_text(rows: Sequence[int], limit: int = 10) -> str:
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
        at = f" (data rows {_rows_text(self.rows)})" if self.rows else ""
        super().__init__(f"{self.path}:{where} {message}{at}")


class ParameterError(InsightsError, ValueError):
    """A notebook or command parameter is not valid."""


def require_columns(df, columns: Iterable[str], what: str) -> None:
    """Raise :class:`ParameterError` naming any of ``columns`` missing from ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ParameterError(f"{what} lacks column(s) {missing}; it has {list(df.columns)}.")


class OutputError(InsightsError, OSError):
    """A report or data file cannot be written (read-only folder, a file in the way, full disk)."""


class RunLockedError(InsightsError):
    """Another run holds the lock on the folder this run would write."""


class RunInterrupted(InsightsError):
    """The run was stopped by a signal; the previous reports are left as they were."""
