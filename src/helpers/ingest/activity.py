"""Innovation activity: the reader for an alliance's files into the canonical monthly table.

The canonical table (``data/processed/activity.parquet``) has one row per
month x alliance x (local authority) x innovation x measure x dimension x group,
with the columns of :data:`helpers.registry.schema.ACTIVITY_COLUMNS`:

* ``month``: ``"YYYY-MM"``;
* ``alliance_code``, ``alliance``: CAL24 code and canonical name;
* ``lad_code``, ``lad_name``: a local authority, or ``""`` for the whole alliance;
* ``innovation``: a key of :mod:`helpers.registry.innovations`;
* ``measure``: one of :data:`helpers.registry.innovations.ACTIVITY_MEASURES`;
* ``dimension``, ``group``: ``"all"``/``"All"``, or a breakdown by
  ``imd_quintile`` (``"1"`` .. ``"5"``, 1 = most deprived), ``ethnicity``
  (:data:`helpers.registry.schema.ETHNICITIES`), ``age_band``
  (:data:`helpers.registry.schema.AGE_BANDS`)
  or ``sex`` (:data:`helpers.registry.schema.SEXES`);
* ``count``: a whole number >= 0.

How to add rows up:

* within one (month, alliance, innovation, measure, dimension) the groups, and
  the local authorities, partition the alliance's total: sum them; never add
  rows of different dimensions (each dimension is a full breakdown of the same people);
* ``eligible`` is a stock: add local authorities within a month, but take the
  latest (largest) month over a period, never the sum;
* a file either gives an alliance total (empty ``lad_code``) or local-authority
  rows for a (month, alliance, innovation, measure, dimension), not both.

:func:`read_activity` reads the CSV or parquet files an alliance brings
(``data/raw/local/*activity*.csv``): structural faults raise
:class:`helpers.errors.InputDataError`; row faults are set aside with a reason;
rows in = kept + quarantined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.config import Paths
from helpers.errors import InputDataError, ParameterError
from helpers.ingest.io import (
    SOURCE_FILE,
    SOURCE_ROW,
    check_columns,
    clean_text,
    join_reasons,
    quarantine_view,
    read_table,
    safe_examples,
    source_files,
    write_parquet,
    write_quarantine_csv,
)
from helpers.registry import alliances as alliance_registry
from helpers.registry import innovations
from helpers.registry.schema import (
    ACTIVITY_COLUMNS,
    ACTIVITY_DIMENSIONS,
    ACTIVITY_GROUPS,
    ACTIVITY_KEY_COLUMNS,
    empty_activity,
)

REQUIRED_COLUMNS: tuple[str, ...] = (
    "month", "innovation", "measure", "dimension", "group", "count",
)
"""Columns an activity file must have, plus ``alliance`` or ``alliance_code`` (or both)."""

OPTIONAL_COLUMNS: tuple[str, ...] = ("alliance", "alliance_code", "lad_code", "lad_name")

QUARANTINE_FILE = "activity_quarantine.csv"
ACTIVITY_FILE = "activity.parquet"

_DIMENSION_ALIASES = {"total": "all", "imd": "imd_quintile", "age": "age_band",
                      "deprivation_quintile": "imd_quintile"}
_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-01(?:[T ]00:00(?::00)?)?)?$")


# --------------------------------------------------------------------------- files


def activity_files(paths: Paths, source: str) -> list[Path]:
    """Return the activity files of ``source`` (``*activity*``); activity is optional.

    See :func:`helpers.ingest.io.source_files`.
    """
    return source_files(paths, source, "activity")


def _parse_count(df: pd.DataFrame, path: Path) -> pd.Series:
    """Return ``count`` as nullable integers; raise on values that are not whole numbers."""
    raw = df["count"]
    if pd.api.types.is_bool_dtype(raw):
        raise InputDataError(path, "holds true/false values, not counts", column="count",
                             rows=df[SOURCE_ROW].tolist())
    text = clean_text(raw) if not pd.api.types.is_numeric_dtype(raw) else raw
    parsed = pd.to_numeric(text, errors="coerce")
    finite = parsed.notna() & np.isfinite(parsed.astype(float))
    bad = text.notna() & (~finite | (parsed.where(finite, 0) % 1 != 0))
    if bad.any():
        examples = safe_examples(raw[bad])
        raise InputDataError(
            path, f"has values that are not whole numbers, e.g. {examples}",
            column="count", rows=df.loc[bad, SOURCE_ROW].tolist(),
        )
    return parsed.where(finite).round().astype("Int64")


def _parse_month(values: pd.Series) -> pd.Series:
    """Return ``"YYYY-MM"`` for valid months (text or first-of-month dates), else ``<NA>``."""
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.asfreq("M").astype(str).where(values.notna()).astype("string")
    if pd.api.types.is_datetime64_any_dtype(values):
        first = values.notna() & (values == values.dt.to_period("M").dt.to_timestamp())
        return values.dt.strftime("%Y-%m").where(first).astype("string")
    text = clean_text(values)
    parts = text.str.extract(_MONTH)
    year = pd.to_numeric(parts[0], errors="coerce")
    month = pd.to_numeric(parts[1], errors="coerce")
    ok = year.between(1990, 2100) & month.between(1, 12)
    out = (parts[0] + "-" + parts[1]).astype("string")
    return out.where(ok)


def _canonical_group(dimension: pd.Series, group: pd.Series) -> pd.Series:
    """Return the canonical group for its dimension, ``<NA>`` where it is not valid."""
    text = clean_text(group).fillna("")
    out = pd.Series(pd.NA, index=group.index, dtype="string")
    folded = text.str.casefold()
    for dim, valid in ACTIVITY_GROUPS.items():
        mine = dimension == dim
        if not mine.any():
            continue
        if dim == "imd_quintile":
            stripped = folded[mine].str.replace(r"^q(?:uintile)?\s*", "", regex=True)
            number = pd.to_numeric(stripped, errors="coerce")
            ok = number.isin([1, 2, 3, 4, 5])
            out[mine] = number.where(ok).astype("Int64").astype("string")
            continue
        lookup = {v.casefold(): v for v in valid}
        if dim == "sex":
            lookup.update({"f": "Female", "m": "Male"})
        key = folded[mine]
        if dim == "age_band":
            key = key.str.replace(r"\s+", "", regex=True).str.replace("\u2013", "-")
        out[mine] = key.map(lookup).astype("string")
    return out


def _canonical_dimension(values: pd.Series) -> pd.Series:
    text = clean_text(values).str.casefold().str.replace(r"[^0-9a-z]+", "_", regex=True)
    text = text.str.strip("_").replace(_DIMENSION_ALIASES)
    return text.where(text.isin(ACTIVITY_DIMENSIONS)).astype("string")


def _map_unique(values: pd.Series, func) -> pd.Series:
    uniques = values.dropna().unique()
    mapping = {v: func(v) for v in uniques}
    return values.astype(object).map(mapping).astype("string")


def _resolve_alliances(df: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Return (CAL24 code per row, mask of rows whose alliance and code disagree)."""
    by_name = (alliance_registry.resolve_codes(clean_text(df["alliance"]))
               if "alliance" in df.columns else None)
    by_code = (alliance_registry.resolve_codes(clean_text(df["alliance_code"]))
               if "alliance_code" in df.columns else None)
    if by_name is None:
        return by_code, pd.Series(False, index=df.index)
    if by_code is None:
        return by_name, pd.Series(False, index=df.index)
    name_given = clean_text(df["alliance"]).notna()
    code_given = clean_text(df["alliance_code"]).notna()
    code = by_name.where(name_given, by_code)
    # a given value that does not resolve makes the row unknown
    code = code.mask((name_given & by_name.isna()) | (code_given & by_code.isna()))
    clash = (by_name.notna() & by_code.notna() & (by_name != by_code)).fillna(False)
    return code, clash.astype(bool)


def _quarantine_reasons(df: pd.DataFrame, canon: pd.DataFrame, clash: pd.Series) -> pd.Series:
    this_month = pd.Timestamp(date.today()).strftime("%Y-%m")
    month_ok = canon["month"].notna()
    known = {inn.key: innovations.get(inn.key) for inn in innovations.INNOVATIONS}
    measure_ok = canon["measure"].notna() & canon["innovation"].notna()
    recorded = pd.Series(True, index=df.index)
    for key, inn in known.items():
        mine = measure_ok & (canon["innovation"] == key)
        recorded[mine] = canon.loc[mine, "measure"].isin(inn.measures)
    has_lad = canon["lad_code"] != ""
    resolved = canon[["month", "alliance_code", "innovation", "measure", "dimension",
                      "group"]].notna().all(axis=1)
    key = canon.loc[resolved, list(ACTIVITY_KEY_COLUMNS)]
    duplicate = pd.Series(False, index=df.index)
    duplicate[resolved] = key.duplicated(keep=False)
    partial = ["month", "alliance_code", "innovation", "measure", "dimension"]
    lad_flag = has_lad[resolved].astype("int8")
    any_lad = lad_flag.groupby([canon.loc[resolved, c] for c in partial]).transform("max")
    total_with_lads = pd.Series(False, index=df.index)
    total_with_lads[resolved] = any_lad.to_numpy(dtype=bool) & ~has_lad[resolved].to_numpy()

    rules: dict[str, pd.Series] = {
        "unknown alliance": canon["alliance_code"].isna(),
        "alliance and alliance_code name different alliances": clash,
        "month not YYYY-MM": ~month_ok,
        "month in the future": month_ok & (canon["month"] > this_month),
        "unknown innovation": canon["innovation"].isna(),
        "unknown measure": canon["measure"].isna(),
        "measure not recorded by this innovation": ~recorded,
        "unknown dimension": canon["dimension"].isna(),
        "group not valid for the dimension": canon["dimension"].notna()
        & canon["group"].isna(),
        "missing count": canon["count"].isna(),
        "negative count": (canon["count"] < 0).fillna(False),
        "lad_name without lad_code": ~has_lad & (canon["lad_name"] != ""),
        "duplicate row (same month, alliance, local authority, innovation, measure, "
        "dimension and group)": duplicate,
        "alliance total given alongside local-authority rows": total_with_lads,
    }
    return join_reasons(rules, df.index)


def _canonicalise(df: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, pd.Series]:
    code, clash = _resolve_alliances(df)
    names = {a.code: a.name for a in alliance_registry.ALLIANCES}
    dimension = _canonical_dimension(df["dimension"])
    canon = pd.DataFrame({
        "month": _parse_month(df["month"]),
        "alliance_code": code,
        "alliance": code.map(names).astype("string"),
        "lad_code": clean_text(df["lad_code"]).fillna("") if "lad_code" in df else "",
        "lad_name": clean_text(df["lad_name"]).fillna("") if "lad_name" in df else "",
        "innovation": _map_unique(clean_text(df["innovation"]), innovations.resolve_key),
        "measure": _map_unique(clean_text(df["measure"]), innovations.resolve_measure),
        "dimension": dimension,
        "group": _canonical_group(dimension, df["group"]),
        "count": _parse_count(df, path),
    }, index=df.index)
    return canon, clash


def read_activity(files: Sequence[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read, check and canonicalise activity files.

    Parameters
    ----------
    files
        CSV (read as text) or parquet files with the columns of
        :data:`ACTIVITY_COLUMNS`; ``alliance`` or ``alliance_code`` may be
        missing (not both), ``lad_code`` and ``lad_name`` are optional. Alliance
        names and codes may be in any spelling :func:`helpers.registry.alliances.resolve`
        accepts; innovations may be given by key or title; dimension, group and
        measure names ignore case.

    Returns
    -------
    (kept, quarantined)
        ``kept``: the canonical table (:data:`ACTIVITY_COLUMNS`), in file and
        row order. ``quarantined``: ``source_file``, ``source_row`` (1 = first
        data row), ``reason`` (every rule the row breaks, ``"; "``-separated)
        and the row's allow-listed columns as read
        (:func:`helpers.ingest.io.quarantine_view`). ``len(kept) + len(quarantined)`` = rows in.
        Duplicate rows (same :data:`ACTIVITY_KEY_COLUMNS`, also across files) are all set aside.

    Raises
    ------
    InputDataError
        A file is not CSV or parquet, lacks a required column, or has counts
        that are not whole numbers (naming the file, column and data rows).
    """
    raws, canons, clashes = [], [], []
    for path in map(Path, files):
        df = read_table(path)
        check_columns(df, path, REQUIRED_COLUMNS, one_of=("alliance", "alliance_code"))
        canon, clash = _canonicalise(df, path)
        raws.append(df)
        canons.append(canon)
        clashes.append(clash)
    if not raws:
        return empty_activity(), pd.DataFrame(columns=[SOURCE_FILE, SOURCE_ROW, "reason"])
    raw = pd.concat(raws, ignore_index=True)
    canon = pd.concat(canons, ignore_index=True)
    clash = pd.concat(clashes, ignore_index=True)
    reasons = _quarantine_reasons(raw, canon, clash)
    bad = (reasons != "").to_numpy()
    kept = _finalise(canon.loc[~bad, list(ACTIVITY_COLUMNS)])
    view = quarantine_view(raw.loc[bad])
    quarantined = pd.concat([
        view[[SOURCE_FILE, SOURCE_ROW]],
        reasons[bad].rename("reason").astype(str),
        view.drop(columns=[SOURCE_FILE, SOURCE_ROW]).astype("string"),
    ], axis=1).reset_index(drop=True)
    if len(kept) + len(quarantined) != len(raw):  # pragma: no cover - invariant
        raise AssertionError("activity rows do not reconcile")
    return kept, quarantined


def _finalise(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reset_index(drop=True).copy()
    for col in ACTIVITY_COLUMNS:
        if col != "count":
            out[col] = out[col].astype(str)
    out["count"] = out["count"].astype("int64")
    return out


# --------------------------------------------------------------------------- writing


def write_activity(
    df: pd.DataFrame,
    processed_dir: Path,
    *,
    data_status: str = "AGGREGATE",
    source: str = "local",
    quarantine: pd.DataFrame | None = None,
) -> list[Path]:
    """Write the canonical table to ``processed_dir/activity.parquet``; return paths written.

    The parquet schema metadata carries ``data_status`` (e.g. ``SYNTHETIC``) and
    ``source``. Set-aside rows, when given, go to
    ``processed_dir/quarantine/activity_quarantine.csv`` with a ``data_status`` column.
    """
    missing = [c for c in ACTIVITY_COLUMNS if c not in df.columns]
    if missing:
        raise ParameterError(f"The activity table lacks column(s) {missing}")
    processed_dir = Path(processed_dir)
    written = [write_parquet(_finalise(df[list(ACTIVITY_COLUMNS)]), processed_dir / ACTIVITY_FILE,
                             {"data_status": data_status, "source": source})]
    if quarantine is not None:
        written.append(write_quarantine_csv(quarantine, processed_dir / "quarantine"
                                            / QUARANTINE_FILE, data_status=data_status))
    return written
