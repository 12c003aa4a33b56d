"""Shared parsing helpers of :mod:`helpers.ingest.sources`: header detection, numbers, quarantine.

Row numbers: ``source_row`` in a quarantine (and in the ``source_row`` columns some
readers add) is the row as a spreadsheet shows the file, 1 = the file's first line
(title rows included). :class:`~helpers.errors.InputDataError` keeps its own
convention (1 = first data row after the header).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.errors import InputDataError
from helpers.registry.alliances import by_code, resolve_codes

QUARANTINE_COLUMNS: tuple[str, ...] = ("source_file", "source_row", "column", "value", "reason")


class SourceWarning(UserWarning):
    """A reader kept rows it could not fully resolve and no quarantine was given."""


@dataclass
class Quarantine:
    """Collects values a reader could not resolve, with where they came from.

    Readers never drop such rows: they keep them (with ``<NA>`` where the value
    did not resolve) and record the value here. Pass one :class:`Quarantine` to
    several readers to gather everything in one table.

    Examples
    --------
    >>> q = Quarantine()
    >>> q.add("a.csv", 3, "alliance", "Atlantis", "not a Cancer Alliance")
    >>> q.frame()["reason"].tolist()
    ['not a Cancer Alliance']
    """

    records: list[tuple[str, int, str, str, str]] = field(default_factory=list)

    def add(self, source_file: object, source_row: int, column: str, value: object,
            reason: str) -> None:
        """Record one unresolved value."""
        self.records.append(
            (Path(str(source_file)).name, int(source_row), column, _text(value), reason)
        )

    def extend(self, source_file: object, rows: Iterable[int], column: str,
               values: Iterable[object], reason: str) -> None:
        """Record many unresolved values of one column with one reason."""
        for row, value in zip(rows, values, strict=True):
            self.add(source_file, row, column, value, reason)

    def frame(self) -> pd.DataFrame:
        """Return the records as a DataFrame with :data:`QUARANTINE_COLUMNS`."""
        df = pd.DataFrame.from_records(self.records, columns=list(QUARANTINE_COLUMNS))
        return df.astype({"source_row": "int64"})

    def __len__(self) -> int:
        return len(self.records)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return str(value)


def report(quarantine: Quarantine | None, local: Quarantine, path: Path) -> None:
    """Hand ``local`` records to ``quarantine``, or warn when the caller gave none."""
    if not local:
        return
    if quarantine is not None:
        quarantine.records.extend(local.records)
        return
    rows = sorted({r[1] for r in local.records})
    shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
    warnings.warn(
        f"{path}: {len(local)} value(s) kept unresolved (rows {shown}); "
        "pass quarantine=Quarantine() to collect them",
        SourceWarning,
        stacklevel=3,
    )


def snake(text: object) -> str:
    """Return ``text`` as a snake_case column name ("ODS CODE (1)" -> "ods_code")."""
    s = re.sub(r"\(\s*\d{1,2}\s*\)", " ", str(text))  # footnote markers
    s = s.replace("&", " and ").replace("%", " pct ").replace("+", " plus ")
    s = re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()
    return s


def header_key(text: object) -> str:
    """Return the comparison key of a header cell.

    Upper case, whitespace collapsed, BOM, footnote markers ("(1)", "(2)") and
    "(where 1 is most deprived ...)" notes dropped.
    """
    s = str(text if text is not None else "").replace("\ufeff", "")
    s = re.sub(r"\(\s*\d{1,2}\s*\)|\(\s*where [^)]*\)", " ", s, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", s).strip().upper()


def names_from_rules(
    rows: Sequence[Sequence[object]], rules: Sequence[tuple[str, str]]
) -> dict[str, str]:
    """Build a header -> canonical mapping for the header cells in ``rows``.

    ``rules`` are (regex on :func:`header_key`, canonical name) pairs; a
    canonical name may use ``{0}`` for the regex's first group (e.g. a year).
    """
    names: dict[str, str] = {}
    for row in rows:
        for cell in row:
            key = header_key(cell)
            if not key or key in names:
                continue
            for pattern, canonical in rules:
                m = re.fullmatch(pattern, key)
                if m:
                    names[key] = canonical.format(*(g[-2:] if g else g for g in m.groups()))
                    break
    return names


def check_file(path: Path | str) -> Path:
    """Return ``path`` as a Path, or raise InputDataError when it is not a file."""
    p = Path(path)
    if not p.is_file():
        raise InputDataError(p, "file not found")
    return p


def open_text(path: Path) -> io.TextIOBase:
    """Open a (possibly gzipped) text file, UTF-8 with BOM, falling back to cp1252."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except OSError as err:
            raise InputDataError(path, f"not a valid gzip file ({err})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return io.StringIO(text, newline="")


def csv_rows(path: Path) -> list[list[str]]:
    """Return every record of a CSV file as lists of strings (title rows included)."""
    with open_text(path) as handle:
        try:
            return list(csv.reader(handle))
        except csv.Error as err:
            raise InputDataError(path, f"cannot be parsed as CSV ({err})") from None


def find_header(
    rows: Sequence[Sequence[object]], required: Iterable[str | Sequence[str]], path: Path, *,
    limit: int = 50, what: str = "header row",
) -> int:
    """Return the index of the first row holding every ``required`` header (by :func:`header_key`).

    An item of ``required`` may be a tuple of alternative spellings.

    Raises
    ------
    InputDataError
        No row among the first ``limit`` has them all; the message names the
        missing ones (of the row that came closest).
    """
    need = [tuple(header_key(a) for a in ((r,) if isinstance(r, str) else r)) for r in required]
    shown = [r if isinstance(r, str) else r[0] for r in required]
    best, best_hits = None, 0
    for i, row in enumerate(rows[:limit]):
        keys = {header_key(c) for c in row}
        hits = sum(any(a in keys for a in alts) for alts in need)
        if hits == len(need):
            return i
        if hits > best_hits:
            best, best_hits = i, hits
    if best is not None and best_hits >= 2:
        keys = {header_key(c) for c in rows[best]}
        missing = [s for s, alts in zip(shown, need, strict=True)
                   if not any(a in keys for a in alts)]
        raise InputDataError(
            path,
            f"{what} (file row {best + 1}) lacks column(s) {', '.join(map(repr, missing))}",
            column=str(missing[0]),
        )
    raise InputDataError(
        path,
        f"no {what} found in the first {limit} rows: expected columns "
        + ", ".join(map(repr, shown)),
    )


def map_header(
    header: Sequence[object], names: Mapping[str, str], path: Path,
    required: Iterable[str] = (),
) -> dict[str, int]:
    """Map canonical names to column positions.

    ``names`` maps header keys (see :func:`header_key`) to canonical names; a
    header not in ``names`` gets its :func:`snake` form. Raises InputDataError
    naming the first canonical column in ``required`` that is absent, or a
    canonical column that appears twice.
    """
    wanted = {header_key(k): v for k, v in names.items()}
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = header_key(cell)
        if not key:
            continue
        name = wanted.get(key, snake(key))
        if name in positions:
            raise InputDataError(path, "appears twice in the header", column=str(cell))
        positions[name] = i
    for name in required:
        if name not in positions:
            expected = [k for k, v in names.items() if v == name]
            raise InputDataError(
                path, f"required column missing (expected a header {expected[0]!r})",
                column=expected[0] if expected else name,
            )
    return positions


NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def to_number(
    values: pd.Series, path: Path, column: str, *, source_rows: pd.Series | None = None,
    quarantine: Quarantine | None = None, integer: bool = True,
) -> pd.Series:
    """Parse numbers written with thousands separators, spaces or a % sign.

    Empty cells (and "-", "..", "*") become ``<NA>``. Anything else that is not a
    number raises :class:`InputDataError` naming the rows, unless a
    ``quarantine`` is given, in which case it is recorded there and kept as
    ``<NA>``. Returns ``Int64`` when ``integer`` and every value is whole,
    else ``Float64``.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    ):
        out = pd.to_numeric(values).astype("Float64")
    else:
        try:  # fast path: plain numbers and missing cells
            out = pd.to_numeric(values, errors="raise").astype("Float64")
        except (ValueError, TypeError):
            out = None
        if out is not None:
            if integer and bool((out.dropna() % 1 == 0).all()):
                return out.astype("Int64")
            return out
        text = values.astype("string").str.strip()
        text = text.str.replace(r"[,\s£%]", "", regex=True)
        empty = text.isna() | text.isin(["", "-", "..", "*"])
        good = text.str.fullmatch(NUMBER_RE.pattern).fillna(False).astype(bool)
        bad = ~empty & ~good
        if bad.any():
            if quarantine is None:
                data_rows = [i + 1 for i, flag in enumerate(bad.tolist()) if flag]
                raise InputDataError(
                    path, f"non-numeric value(s) such as {values[bad].iloc[0]!r}",
                    column=column, rows=data_rows,
                )
            if source_rows is None:
                source_rows = pd.Series(range(1, len(values) + 1), index=values.index)
            quarantine.extend(path, source_rows[bad], column, values[bad], "not a number")
        out = pd.to_numeric(text.where(good), errors="coerce").astype("Float64")
    if integer and bool((out.dropna() % 1 == 0).all()):
        return out.astype("Int64")
    return out


def add_alliance(
    df: pd.DataFrame, source: str, path: Path, quarantine: Quarantine, *,
    rows: pd.Series | None = None, code_column: str = "alliance_code",
    name_column: str = "alliance", fallback: str | None = None,
) -> pd.DataFrame:
    """Add the canonical CAL24 ``alliance_code`` and ``alliance`` for ``df[source]``.

    Values resolve through :mod:`helpers.registry.alliances` (codes, 2021 or 2024 names,
    "... Cancer Alliance", "&"). When ``fallback`` names another column, it is
    tried where ``source`` does not resolve. Unresolved values are kept as
    ``<NA>`` and recorded in ``quarantine``.
    """
    codes = resolve_codes(df[source].astype("string").str.strip())
    if fallback is not None:
        codes = codes.fillna(resolve_codes(df[fallback].astype("string").str.strip()))
    missing = codes.isna() & df[source].notna()
    if missing.any():
        where = rows if rows is not None else pd.Series(range(2, len(df) + 2), index=df.index)
        quarantine.extend(path, where[missing], source, df.loc[missing, source],
                          "not a Cancer Alliance known to helpers.registry.alliances")
    names = {c: by_code(c).name for c in codes.dropna().unique()}
    out = df.copy()
    out[code_column] = codes
    out[name_column] = codes.astype(object).map(names).astype("string")
    return out


def require_unique_codes(df: pd.DataFrame, column: str, path: Path) -> None:
    """Raise :class:`InputDataError` naming the rows where ``column`` is empty or repeats."""
    missing = df[column].isna()
    if missing.any():
        rows = [i + 1 for i, m in enumerate(missing.tolist()) if m]
        raise InputDataError(path, "empty code(s)", column=column, rows=rows)
    dup = df[column].duplicated(keep=False)
    if dup.any():
        rows = [i + 1 for i, m in enumerate(dup.tolist()) if m]
        raise InputDataError(path, f"code(s) repeat, e.g. {df.loc[dup, column].iloc[0]!r}",
                             column=column, rows=rows)


def sniff_rows(path: Path, *, limit: int = 50, sheet: str | int | None = None
               ) -> dict[str | int, list[list[object]]]:
    """Return the first ``limit`` rows of a CSV (key 0) or of each sheet of an .xlsx."""
    from helpers.ingest.sources._xlsx import Workbook

    if is_xlsx(path):
        with Workbook(path) as wb:
            names = wb.sheet_names if sheet is None else [
                wb.sheet_names[sheet] if isinstance(sheet, int) else sheet
            ]
            return {name: [r for _, r in wb.rows(name, max_rows=limit)] for name in names}
    return {0: csv_rows(path)[:limit]}


def is_xlsx(path: Path) -> bool:
    """True when ``path`` is a zip (xlsx) file, whatever its name."""
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def load_table(
    path: Path | str, names: Mapping[str, str], required: Sequence[str], *,
    sheet: str | int | None = None, what: str = "header row", limit: int = 50,
) -> pd.DataFrame:
    """Read a CSV (optionally gzipped) or .xlsx table whose header may follow title rows.

    The header row is the first row (of the first sheet that has one) holding
    the headers that map to every ``required`` canonical name; ``names`` maps
    header text (compared by :func:`header_key`) to canonical names, other
    headers get their :func:`snake` form. Returns a DataFrame of object (cell)
    values with canonical column names, indexed by spreadsheet row number
    (``source_row``); rows that are entirely empty are dropped.
    """
    from helpers.ingest.sources._xlsx import Workbook

    path = check_file(path)
    need = [tuple(k for k, v in names.items() if v == r) or (r,) for r in required]
    if is_xlsx(path):
        with Workbook(path) as wb:
            candidates = wb.sheet_names if sheet is None else [
                wb.sheet_names[sheet] if isinstance(sheet, int) else sheet
            ]
            chosen, error = None, None
            for name in candidates:
                head = [r for _, r in wb.rows(name, max_rows=limit)]
                try:
                    find_header(head, need, path, limit=limit, what=what)
                except InputDataError as err:
                    error = error or err
                    continue
                chosen = name
                break
            if chosen is None:
                if len(candidates) > 1 and error is not None:
                    raise InputDataError(
                        path, f"no sheet of {candidates} has a {what} with columns "
                        + ", ".join(map(repr, need))
                    )
                raise error or InputDataError(path, "workbook has no sheets")
            grid = wb.grid(chosen)
        head_rows = grid.head(limit).to_numpy().tolist()
        h = find_header(head_rows, need, path, limit=limit, what=what)
        header = head_rows[h]
        body = grid.iloc[h + 1:]
    else:
        records = csv_rows(path)
        h = find_header(records, need, path, limit=limit, what=what)
        header = records[h]
        numbered = [(i, r) for i, r in enumerate(records[h + 1:], start=h + 2)
                    if any(c.strip() for c in r)]  # drop empty rows
        width = max([len(header), *(len(r) for _, r in numbered)])
        body = pd.DataFrame(
            [[c if c != "" else None for c in r] + [None] * (width - len(r)) for _, r in numbered],
            index=pd.Index([i for i, _ in numbered], dtype="int64"), columns=range(width),
            dtype=object,
        )
    positions = map_header(header, names, path, required)
    out = pd.DataFrame(
        {name: body[i] if i in body.columns else None for name, i in positions.items()},
        index=body.index,
    )
    out.index.name = "source_row"
    return out
