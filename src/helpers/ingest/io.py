"""The one ingest path every input shares: read, check columns, quarantine reasons, write.

Record-level tumours (:mod:`helpers.ingest.clean`), innovation activity
(:mod:`helpers.ingest.activity`) and the public build (:mod:`helpers.ingest.public`)
read and write through these functions, so a file is read, a missing column
reported, a set-aside row explained and a processed table labelled the same
way whatever the input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.errors import InputDataError

SOURCE_ROW = "source_row"
"""Column added on reading: the data row's number in its file (1 = first data row)."""

SOURCE_FILE = "source_file"
"""Column added on reading: the file's name."""


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (every value as text) or parquet file, numbering its data rows from 1.

    Raises
    ------
    InputDataError
        The file is neither ``.csv`` nor ``.parquet``.
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        df = pd.read_parquet(path)
    elif suffix == ".csv":
        df = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
        )
    else:
        raise InputDataError(path, "is neither .csv nor .parquet")
    df.columns = [str(c).strip() for c in df.columns]
    df = df.reset_index(drop=True)
    df[SOURCE_ROW] = np.arange(1, len(df) + 1)
    df[SOURCE_FILE] = path.name
    return df


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


def quarantine_view(rows: pd.DataFrame) -> pd.DataFrame:
    """The allow-listed columns of set-aside rows (:data:`QUARANTINE_KEEPS`), in file order."""
    keep = [c for c in (SOURCE_FILE, SOURCE_ROW, *QUARANTINE_KEEPS) if c in rows.columns]
    return rows.loc[:, keep]


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
    pq.write_table(table.replace_schema_metadata(meta), path)
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
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_formulas(df).to_csv(path, index=False)
    return path


def write_quarantine_csv(rows: pd.DataFrame, path: Path, *, data_status: str) -> Path:
    """Write set-aside rows as CSV, the data status in the first column, formulas neutralised."""
    out = rows.copy()
    out.insert(0, "data_status", data_status)
    return write_csv(out, path)
