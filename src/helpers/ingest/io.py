"""The one ingest path every input shares: read, check columns, quarantine reasons, write.

Record-level tumours (:mod:`helpers.ingest.clean`), innovation activity
(:mod:`helpers.ingest.activity`) and the public build (:mod:`helpers.ingest.public`)
read and write through these functions, so a file is read, a missing column
reported, a set-aside row explained and a processed table labelled the same
way whatever the input.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import files
from helpers.config import Paths
from helpers.errors import InputDataError, rows_text
from helpers.registry import alliances
from helpers.registry.schema import (
    ETHNICITIES,
    REFERRAL_ROUTES,
    ROUTES,
    SEXES,
    SITES,
    STAGES,
    SUSPECTED_CANCERS,
)

SOURCE_ROW = "source_row"
"""Column added on reading: the data row's number in its file (1 = first data row)."""

SOURCE_FILE = "source_file"
"""Column added on reading: the file's name."""


SAMPLE_BYTES = 1 << 16
"""How much of a CSV file is looked at to find its encoding, delimiter and header."""

DELIMITERS = ",;\t|"
"""Delimiters a CSV file may use; the header line decides which (:func:`csv.Sniffer`)."""

ENCODINGS = ("utf-8", "cp1252", "latin-1")
"""Encodings tried in turn when a CSV file has no byte-order mark: UTF-8, then Windows-1252
(what Excel writes in the UK), then Latin-1 (which reads any bytes)."""

MAX_FIELD = 100_000
"""Longest field (characters) a CSV may hold; a longer one is refused (the file is not a table)."""


def source_files(paths: Paths, source: str, kind: str) -> list[Path]:
    """Return the ``*<kind>*`` record-level files of ``source``, sorted (may be none).

    ``"synthetic"``: ``data/raw/synthetic/*<kind>*.parquet``; ``"local"``:
    ``data/raw/local/*<kind>*.csv`` and ``*.parquet``.

    Raises
    ------
    InputDataError
        ``source`` is neither synthetic nor local.
    """
    if source == "synthetic":
        return sorted(paths.raw_synthetic.glob(f"*{kind}*.parquet"))
    if source == "local":
        return sorted(p for p in paths.raw_local.glob(f"*{kind}*")
                      if p.suffix.lower() in (".csv", ".parquet"))
    raise InputDataError(paths.raw, f"unknown source {source!r}; choose synthetic or local")


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (every value as text) or parquet file, numbering its data rows from 1.

    CSV files may be UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order
    mark, or Windows-1252/Latin-1 (:data:`ENCODINGS`), delimited by any of
    :data:`DELIMITERS` (found from the header line). Empty values become missing.

    Raises
    ------
    InputDataError
        In one line naming the file (and the lines or column at fault): the file is
        neither ``.csv`` nor ``.parquet``, cannot be read, is empty, has no data rows,
        is binary, has a blank or repeated column name, or has rows whose number of
        fields differs from the header's.
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        df = _read_parquet(path)
    elif suffix == ".csv":
        df = _read_csv(path)
    else:
        raise InputDataError(path, "is neither .csv nor .parquet")
    df.columns = [str(c).strip() for c in df.columns]
    _check_header(path, list(df.columns))
    if len(df) == 0:
        raise InputDataError(path, "has a header but no data rows")
    df = df.reset_index(drop=True)
    df[SOURCE_ROW] = np.arange(1, len(df) + 1)
    df[SOURCE_FILE] = path.name
    return df


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa

    try:
        return pd.read_parquet(path)
    except (pa.ArrowException, OSError, ValueError) as err:
        raise InputDataError(path, f"is not a readable parquet file ({type(err).__name__})"
                             ) from None


def _check_header(path: Path, names: list[str]) -> None:
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise InputDataError(path, "appears twice in the header; each column once, please",
                                 column=name)
        seen.add(name)
        if not name or name.startswith("Unnamed:"):
            raise InputDataError(path, f"column {position} of the header has no name")


def _encoding(path: Path, sample: bytes) -> tuple[str, ...]:
    """The encodings to try, from the byte-order mark or :data:`ENCODINGS`."""
    if not sample.strip():
        raise InputDataError(path, "is empty")
    if sample.startswith(codecs.BOM_UTF8):
        return ("utf-8-sig",)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ("utf-16",)
    if sample.startswith(b"PAR1"):
        raise InputDataError(path, "is a parquet file named .csv: rename it to .parquet")
    if b"\x00" in sample:
        raise InputDataError(path, "is not a text file (binary content); save it as CSV "
                                   "(UTF-8) or parquet")
    return ENCODINGS


def _header(path: Path, text: str) -> tuple[str, list[str]]:
    """The delimiter and the column names, from the first line of ``text``."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    names = next(csv.reader([first], delimiter=delimiter), [])
    names = [n.strip() for n in names]
    _check_header(path, names)
    return delimiter, names


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV as text with pyarrow, refusing ragged rows (naming their lines)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    for encoding in _encoding(path, sample):
        try:
            text = sample.decode(encoding, errors="strict" if len(sample) < SAMPLE_BYTES
                                 else "ignore")
        except UnicodeDecodeError:
            continue
        delimiter, names = _header(path, text)
        ragged: list[tuple[int | None, int]] = []

        def skip(row, ragged=ragged) -> str:
            ragged.append((row.number, row.actual_columns))
            return "skip"

        try:
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(
                    column_names=[f"c{i}" for i in range(len(names))], skip_rows=1,
                    encoding=encoding.replace("utf-8-sig", "utf-8"), use_threads=False),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter, newlines_in_values=True, invalid_row_handler=skip),
                convert_options=pacsv.ConvertOptions(
                    column_types={f"c{i}": pa.string() for i in range(len(names))},
                    strings_can_be_null=True, null_values=[""]),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as err:
            if "UTF8" in str(err) or isinstance(err, UnicodeDecodeError):
                continue  # not this encoding: try the next
            raise InputDataError(path, "cannot be read as a CSV table (unbalanced quotes or "
                                       "a field longer than the reader allows?)") from None
        if ragged:
            lines = [n for n, _ in ragged if n is not None]
            fields = sorted({f for _, f in ragged})
            raise InputDataError(
                path, f"has {len(ragged)} row(s) with {', '.join(map(str, fields))} fields "
                      f"where the header has {len(names)} (delimiter {delimiter!r})"
                      + (f", at line(s) {rows_text(lines)}" if lines else "")
                      + "; quote values that contain the delimiter")
        _check_field_lengths(path, table, names)
        df = table.to_pandas()
        df.columns = names
        return df
    raise InputDataError(path, "cannot be decoded as UTF-8, Windows-1252 or Latin-1")


def _check_field_lengths(path: Path, table, names: list[str]) -> None:
    """Refuse a field longer than :data:`MAX_FIELD` characters (naming its column and rows)."""
    import pyarrow.compute as pc

    for name, column in zip(names, table.columns, strict=True):
        lengths = pc.utf8_length(column)
        if (pc.max(lengths).as_py() or 0) > MAX_FIELD:
            rows = (np.flatnonzero(pc.fill_null(pc.greater(lengths, MAX_FIELD), False)
                                   .to_numpy(zero_copy_only=False)) + 1).tolist()
            raise InputDataError(path, f"has values longer than {MAX_FIELD:,} characters",
                                 column=name, rows=rows)
def per_value(values: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply a vectorised ``convert`` to ``values``; to a categorical, once per category.

    A categorical (as parquet files written by pandas or pyarrow give) stays categorical:
    ``convert`` sees only its categories, which may map to fewer values or to missing,
    so millions of rows cost what a few thousand distinct values cost.
    """
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return convert(values)
    converted = convert(pd.Series(values.cat.categories.astype(object)))
    kept = pd.Index(converted.dropna().unique())
    mapping = np.append(kept.get_indexer(converted), -1)  # a missing code (-1) stays missing
    codes = mapping[values.cat.codes.to_numpy()]
    return pd.Series(pd.Categorical.from_codes(codes, categories=kept), index=values.index,
                     name=values.name)


def as_category(values: pd.Series) -> pd.Series:
    """``values`` as text categories sorted by value (unused categories dropped)."""
    if not isinstance(values.dtype, pd.CategoricalDtype) or values.isna().any():
        return values.astype(str).astype("category")
    values = values.cat.remove_unused_categories()
    text = values.cat.categories.astype(str)
    cats = pd.Categorical.from_codes(values.cat.codes.to_numpy(), categories=text)
    return pd.Series(cats, index=values.index, name=values.name).cat.reorder_categories(
        sorted(text))


def check_columns(df: pd.DataFrame, path: Path, required: Iterable[str], *,
                  one_of: tuple[str, ...] = ()) -> None:
    """Raise :class:`InputDataError` naming every required column ``df`` lacks.

    ``one_of``: alternative columns of which at least one must be present
    (reported under the first name).
    """
    missing = [c for c in required if c not in df.columns]
    if one_of and not any(c in df.columns for c in one_of):
        missing.insert(0, one_of[0])
    if missing:
        found = [c for c in df.columns if c not in (SOURCE_ROW, SOURCE_FILE)]
        raise InputDataError(
            path,
            f"missing required column(s) {', '.join(map(repr, missing))}; "
            f"found {', '.join(map(repr, found))}",
            column=missing[0],
        )


QUARANTINE_KEEPS: tuple[str, ...] = (
    "tumour_id", "referral_id", "site", "suspected_site", "stage", "route", "sex", "ethnicity",
    "alliance", "innovation", "measure", "dimension", "group", "month",
)
"""What a quarantine file keeps of a set-aside row, besides its file, row number and reason:
the pseudonymous id and coded, non-identifying fields an analyst needs to find and fix the row.
Everything else (dates, ages, small areas, and any identifier whatever its column name) stays in
the analyst's own raw file."""

MAX_ECHO = 12
"""Longest value an error message may quote; longer ones are withheld."""


IDENTIFIER_PATTERNS: dict[str, str] = {
    "NHS number": r"\d{3}[ -]?\d{3}[ -]?\d{4}",
    "postcode": r"(?i:[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})",
    "date": r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[T ].*)?",
    "e-mail address": r".*@.*\..*",
}
"""Shapes of values that identify a person; none belongs in an id, area or place-name column."""

IDENTIFIER_SHAPE = r"^\s*(?:" + "|".join(IDENTIFIER_PATTERNS.values()) + r")\s*$"


def distinct_values(values: pd.Series):
    """``(codes, uniques)``: each row's position among the distinct values (-1 = missing).

    Rules that look at a value, not a row, run on the distinct values only (a pyarrow
    string array) and are broadcast back with ``codes``: a column of ten million rows
    often has a few hundred. Dictionary-encoded by pyarrow (much faster than
    :func:`pandas.factorize` on text).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values.dtype, pd.CategoricalDtype):
        uniques = pa.array(values.cat.categories.astype(str).tolist(), pa.string())
        return values.cat.codes.to_numpy(dtype=np.int64), uniques
    arr = pa.array(values, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    encoded = pc.dictionary_encode(arr.cast(pa.string()))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary


def broadcast(codes: np.ndarray, per_value: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-row booleans from per-distinct-value ones (``False`` where the value is missing)."""
    hit = np.append(np.asarray(per_value, dtype=bool), False)
    return pd.Series(hit[np.where(codes < 0, len(hit) - 1, codes)], index=index)


def identifier_shaped(uniques) -> np.ndarray:
    """True for each value (a pyarrow string array) shaped like an NHS number, postcode, date
    or e-mail address."""
    import pyarrow.compute as pc

    if len(uniques) == 0:
        return np.zeros(0, dtype=bool)
    found = pc.match_substring_regex(uniques, IDENTIFIER_SHAPE)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False).astype(bool)


def longer_than(uniques, limit: int) -> np.ndarray:
    """True for each value (a pyarrow string array) longer than ``limit`` characters."""
    import pyarrow.compute as pc

    if len(uniques) == 0:
        return np.zeros(0, dtype=bool)
    return pc.fill_null(pc.greater(pc.utf8_length(uniques), limit), False).to_numpy(
        zero_copy_only=False).astype(bool)


def looks_identifying(values: pd.Series) -> pd.Series:
    """True where a value has the shape of an NHS number, postcode, date or e-mail address."""
    codes, uniques = distinct_values(values)
    return broadcast(codes, identifier_shaped(uniques), values.index)


CODE_LISTS: dict[str, frozenset[str]] = {
    "site": frozenset(SITES), "suspected_cancer": frozenset(SUSPECTED_CANCERS),
    "stage": frozenset(STAGES), "route": frozenset(ROUTES) | frozenset(REFERRAL_ROUTES),
    "sex": frozenset(SEXES), "ethnicity": frozenset(ETHNICITIES),
}
"""Coded fields a quarantine file keeps only when they hold one of their codes."""

NOT_A_CODE = "(not a listed value: see your file)"


def quarantine_view(rows: pd.DataFrame) -> pd.DataFrame:
    """The allow-listed columns of set-aside rows (:data:`QUARANTINE_KEEPS`), in file order.

    Even an allow-listed column may hold an identifier typed in the wrong place: a coded
    field is kept only when it holds one of its codes, an id or other text only when it is
    short and not shaped like an identifier (:func:`looks_identifying`); otherwise
    :data:`NOT_A_CODE` stands in.
    """
    keep = [c for c in (SOURCE_FILE, SOURCE_ROW, *QUARANTINE_KEEPS) if c in rows.columns]
    out = rows.loc[:, keep].copy()
    for col in keep[2:]:
        text = out[col].astype("string")
        if col in CODE_LISTS:
            unsafe = text.notna() & ~text.isin(CODE_LISTS[col])
        elif col == "alliance":
            unsafe = text.notna() & alliances.resolve_codes(text).isna()
        else:
            unsafe = text.notna() & (looks_identifying(text) | (text.str.len() > MAX_ECHO * 4))
        out[col] = text.mask(unsafe.fillna(False).astype(bool), NOT_A_CODE)
    return out


def safe_examples(values: pd.Series, limit: int = 3) -> str:
    """Up to ``limit`` offending values for an error message, never one that could identify.

    A value is quoted only when it is short (at most :data:`MAX_ECHO` characters) and
    holds fewer than 6 digits, so an NHS number, a date of birth or a postcode shifted
    into the wrong column is never echoed; otherwise "a value withheld" stands in.
    """
    shown = []
    for value in pd.Series(values).astype(str).unique()[:limit]:
        digits = sum(ch.isdigit() for ch in value)
        shown.append(repr(value) if len(value) <= MAX_ECHO and digits < 6 else
                     "(a value withheld: it may identify someone)")
    return ", ".join(shown)


def clean_text(values: pd.Series) -> pd.Series:
    """Strip whitespace; empty strings become ``<NA>``; ``string`` dtype."""
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def join_reasons(rules: Mapping[str, pd.Series], index: pd.Index) -> pd.Series:
    """Return, per row, every rule it breaks joined by ``"; "`` (``""`` when none)."""
    reasons = pd.Series("", index=index, dtype=object)
    for reason, mask in rules.items():
        mask = pd.Series(mask, index=index).fillna(False).astype(bool).to_numpy()
        reasons[mask] = reasons[mask] + np.where(reasons[mask] == "", "", "; ") + reason
    return reasons


def count_reasons(reasons: pd.Series) -> dict[str, int]:
    """How many rows broke each rule (a row may break several)."""
    split = reasons[reasons != ""].str.split("; ").explode()
    return {str(k): int(v) for k, v in split.value_counts().items()}


def sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_parquet(df: pd.DataFrame, path: Path, metadata: Mapping[str, str]) -> Path:
    """Write ``df`` with ``metadata`` (e.g. ``data_status``: SYNTHETIC, ``source``) in the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = {**(table.schema.metadata or {}),
            **{k.encode(): str(v).encode() for k, v in metadata.items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    with files.atomic_path(path) as tmp:
        pq.write_table(table.replace_schema_metadata(meta), tmp)
    return path


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet runs a cell beginning with one of these as a formula (OWASP, CSV injection)."""


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to text cells a spreadsheet would run as a formula (OWASP's advice).

    Only text cells change: numbers stay numbers, so ``-3`` in a numeric column
    is untouched while the text ``"=HYPERLINK(...)"`` becomes ``"'=HYPERLINK(...)"``.
    """
    out = df.copy()
    for col in out.columns:
        values = out[col]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string")
        risky = text.str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
        if risky.any():
            out[col] = values.astype(object).where(~risky, "'" + text.astype(object))
    return out


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write a CSV meant for people (opened in spreadsheets): formulas neutralised."""
    with files.atomic_path(path) as tmp:
        neutralise_formulas(df).to_csv(tmp, index=False)
    return path


def write_quarantine_csv(rows: pd.DataFrame, path: Path, *, data_status: str) -> Path:
    """Write set-aside rows as CSV, the data status in the first column, formulas neutralised."""
    out = rows.copy()
    out.insert(0, "data_status", data_status)
    return write_csv(out, path)


# --------------------------------------------------------------------------- typed values

FIRST_YEAR, LAST_YEAR = 1900, 2100
"""Dates outside these years are placeholders (9999-12-31, 1900-01-01 is kept) or typing slips:
the row is set aside (:data:`OUT_OF_RANGE`), never the file refused."""

OUT_OF_RANGE = "__out_of_range"
"""Suffix of the column :func:`parse_dates` callers add: True where a date lies outside
:data:`FIRST_YEAR`-:data:`LAST_YEAR`."""

_ISO_DATE = (r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
             r"\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)?\s*$")


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse dates written ``YYYY-MM-DD``, or read as dates from parquet.

    A time and time zone after the date (``2022-03-10T23:30:00+01:00``) are ignored:
    the calendar date as written is the date, whatever the zone, so mixed zones
    cannot shift a date across midnight.

    Returns
    -------
    (dates, not_dates, out_of_range)
        ``datetime64[ns]`` dates (``NaT`` where empty, not a date or out of range);
        a mask of values that are not dates at all (a structural fault); a mask of
        real dates outside :data:`FIRST_YEAR`-:data:`LAST_YEAR` (a row fault).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        dates = values.dt.normalize()
        not_dates = pd.Series(False, index=values.index)
    else:
        text = values.astype("string")
        present = text.notna() & (text.str.strip() != "")
        day = text.str.extract(_ISO_DATE, expand=False)
        written = pd.to_numeric(day.str.slice(0, 4), errors="coerce")
        far = (written.notna() & ~written.between(FIRST_YEAR, LAST_YEAR)).fillna(False)
        dates = pd.to_datetime(day.mask(far), errors="coerce", format="%Y-%m-%d")
        not_dates = (present & dates.isna() & ~far).fillna(False).astype(bool)
    years = dates.dt.year
    out = (dates.notna() & ~years.between(FIRST_YEAR, LAST_YEAR)).fillna(False).astype(bool)
    if not pd.api.types.is_datetime64_any_dtype(values):
        out = out | far.astype(bool)
    return dates.mask(out).astype("datetime64[ns]"), not_dates, out


MAX_WHOLE = 10**15
"""Whole numbers above this (in size) cannot be an age, decile or count: read as missing,
so the range rules set the row aside."""


def parse_whole_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse whole numbers (``70`` and ``70.0`` alike) into ``Int64``.

    Returns ``(numbers, not_whole)``: the numbers (``<NA>`` where empty or beyond
    :data:`MAX_WHOLE`) and a mask of values that are not whole numbers (``70.5``,
    ``seventy``, ``inf``).
    """
    if pd.api.types.is_bool_dtype(values):
        return pd.Series(pd.NA, index=values.index, dtype="Int64"), values.notna()
    text = values if pd.api.types.is_numeric_dtype(values) else clean_text(values)
    parsed = pd.to_numeric(text, errors="coerce").astype("float64")
    finite = parsed.notna() & np.isfinite(parsed)
    not_whole = (text.notna() & (~finite | (parsed.where(finite, 0) % 1 != 0)))
    fits = finite & (parsed.abs() < MAX_WHOLE)
    return (parsed.where(fits & ~not_whole).round().astype("Int64"),
            not_whole.fillna(False).astype(bool))
