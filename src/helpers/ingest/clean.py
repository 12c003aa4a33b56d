"""Cleaning: raw record-level files -> validated canonical tables and the count cube.

Tumours (``*tumours*``) are required; urgent referrals (``*referrals*``,
:mod:`helpers.ingest.referrals`) are optional: with them the 28-day Faster
Diagnosis Standard is counted over every urgent referral (NHS England's
population), without them over the tumours only, and ``data_status.json``
records which (``fds_population``: ``"referrals"`` or ``"tumours"``).

A chain of named steps (``read -> check columns -> parse types -> quarantine rows
-> canonicalise -> validate -> write``). Structural faults (a missing column, a
column whose values are not of its type) raise :class:`InputDataError` naming
the file, column and rows. Row-level faults (unknown alliance, impossible
dates, duplicate ids, values outside the code lists) set the row aside in
``data/processed/quarantine/`` with its reason. Counts always reconcile:
rows in = kept + quarantined.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from helpers.config import SYNTHETIC_LABEL, Paths
from helpers.cube import build_cube
from helpers.errors import InputDataError
from helpers.files import write_text
from helpers.ingest.follow_up import clean_follow_up
from helpers.ingest.io import (
    OUT_OF_RANGE,
    SOURCE_ROW,
    as_category,
    check_columns,
    count_reasons,
    join_reasons,
    parse_dates,
    parse_whole_numbers,
    per_value,
    quarantine_view,
    read_table,
    safe_examples,
    sha256,
    write_parquet,
    write_quarantine_csv,
)
from helpers.ingest.referrals import clean_referrals
from helpers.ingest.rules import (
    FIRST_DIAGNOSIS_YEAR,
    GEOGRAPHY,
    area_rules,
    date_range_rules,
    identifier_rules,
    period_rules,
)
from helpers.registry import alliances
from helpers.registry.schema import (
    AGE_BAND_EDGES,
    AGE_BANDS,
    ETHNICITIES,
    PROCESSED_TUMOUR_COLUMNS,
    RAW_AREA_COLUMNS,
    RAW_TUMOUR_COLUMNS,
    ROUTES,
    SEXES,
    SITES,
    STAGES,
    processed_tumour_schema,
)

SOURCES = ("synthetic", "local")


@dataclass
class CleanResult:
    """What the cleaning step did, with counts that reconcile."""

    source: str
    inputs: list[Path]
    rows_in: int
    kept: int
    quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        """One line: rows in = kept + quarantined."""
        return f"rows in {self.rows_in:,} = kept {self.kept:,} + quarantined {self.quarantined:,}"


# --------------------------------------------------------------------------- reading


def raw_tumour_files(paths: Paths, source: str) -> list[Path]:
    """Return the record-level tumour files of ``source`` ("synthetic" or "local")."""
    if source == "synthetic":
        files = sorted(paths.raw_synthetic.glob("*tumours*.parquet"))
    elif source == "local":
        files = sorted(
            p for p in paths.raw_local.glob("*tumours*") if p.suffix.lower() in (".csv", ".parquet")
        )
    else:
        raise InputDataError(paths.raw, f"unknown source {source!r}; choose one of {SOURCES}")
    if not files:
        where = paths.raw_synthetic if source == "synthetic" else paths.raw_local
        raise InputDataError(where, "no tumour files (*tumours*.csv or *.parquet) found")
    return files


def parse_types(df: pd.DataFrame, path: Path, required: dict[str, str]) -> pd.DataFrame:
    """Convert each column to its logical type, raising on values that are not of it.

    A date outside 1900-2100 (a placeholder such as 9999-12-31) is not a structural
    fault: it reads as missing and ``<column>__out_of_range`` marks the row, for the
    row rules to set it aside (:func:`helpers.ingest.date_range_rules`).
    """
    out = df.copy(deep=False)  # copy-on-write: columns replaced below, the input untouched
    for col, kind in required.items():
        values = out[col]
        if kind == "date":
            parsed, bad, out_of_range = parse_dates(values)
            _raise_if(bad, out, path, col, "has values that are not dates (expected YYYY-MM-DD)")
            out[col] = parsed
            out[col + OUT_OF_RANGE] = out_of_range
        elif kind == "int":
            parsed, bad = parse_whole_numbers(values)
            _raise_if(bad, out, path, col, "has values that are not whole numbers")
            out[col] = parsed
        else:
            out[col] = per_value(values, lambda v: v.astype("string").str.strip())
    return out


def _raise_if(bad: pd.Series, df: pd.DataFrame, path: Path, col: str, message: str) -> None:
    if bad.any():
        examples = safe_examples(df.loc[bad, col])
        raise InputDataError(
            path, f"{message}, e.g. {examples}", column=col, rows=df.loc[bad, SOURCE_ROW].tolist()
        )


# --------------------------------------------------------------------------- row rules


def quarantine_reasons(df: pd.DataFrame, areas: pd.DataFrame | None = None) -> pd.Series:
    """Return, for each row, the reasons it must be set aside ("" when none).

    Every rule is vectorised; a row failing several rules lists them all. ``areas``:
    the areas file's table, when one was given (small areas must be in it).
    """
    rules: dict[str, pd.Series] = {
        "missing tumour_id": df["tumour_id"].isna() | (df["tumour_id"] == ""),
        "duplicate tumour_id": df["tumour_id"].notna() & df["tumour_id"].duplicated(keep=False),
        "unknown alliance": df["alliance_code"].isna(),
        "missing diagnosis_date": df["diagnosis_date"].isna(),
        "site not one of the 17 NDRS sites": ~df["site"].isin(SITES),
        "stage not 1-4, unstageable or missing": ~df["stage"].isin(STAGES),
        "sex not Female or Male": ~df["sex"].isin(SEXES),
        "ethnicity not an ONS 2021 broad group or Not known": ~df["ethnicity"].isin(ETHNICITIES),
        "route not an NDRS route to diagnosis": ~df["route"].isin(ROUTES),
        "age missing or outside 0-120": ~df["age"].between(0, 120).fillna(False),
        "imd_decile missing or outside 1-10": ~df["imd_decile"].between(1, 10).fillna(False),
        "missing small area or local authority": df[["lsoa_code", "lad_code", "lad_name"]]
        .isna()
        .any(axis=1),
        "referral after told-outcome date": df["told_outcome_date"] < df["referral_date"],
        "referral after decision to treat": df["decision_to_treat_date"] < df["referral_date"],
        "treatment before referral": df["first_treatment_date"] < df["referral_date"],
        "treatment before decision to treat": df["first_treatment_date"]
        < df["decision_to_treat_date"],
        **record_rules(df, areas),
    }
    return join_reasons(rules, df.index)


def record_rules(df: pd.DataFrame, areas: pd.DataFrame | None) -> dict[str, pd.Series]:
    """The rules tumours share with referrals: dates in range, areas known, no identifiers."""
    dates = [c for c, kind in RAW_TUMOUR_COLUMNS.items() if kind == "date"]
    return {
        **period_rules(df, "diagnosis_date"),
        **{f"{col} before {FIRST_DIAGNOSIS_YEAR} (a date of birth in the wrong column?)":
           df[col] < pd.Timestamp(FIRST_DIAGNOSIS_YEAR, 1, 1) for col in dates[1:]},
        **date_range_rules(df, dates),
        **area_rules(df, areas),
        **identifier_rules(df, ("tumour_id", "lsoa_code", *GEOGRAPHY)),
    }


# --------------------------------------------------------------------------- canonical


def canonicalise(df: pd.DataFrame) -> pd.DataFrame:
    """Derive year, quintile, age band and canonical alliance; keep the allow-listed columns."""
    out = df.copy(deep=False)  # copy-on-write
    out["year"] = out["diagnosis_date"].dt.year.astype("int64")
    out["age"] = out["age"].astype("int64")
    out["imd_decile"] = out["imd_decile"].astype("int64")
    out["imd_quintile"] = (out["imd_decile"] + 1) // 2
    out["age_band"] = pd.cut(
        out["age"], bins=list(AGE_BAND_EDGES), labels=list(AGE_BANDS), right=False
    ).astype(str)
    names = {a.code: a.name for a in alliances.ALLIANCES}
    out["alliance"] = out["alliance_code"].map(names)
    out = out.loc[:, list(PROCESSED_TUMOUR_COLUMNS)]
    for col in (
        "site",
        "stage",
        "sex",
        "ethnicity",
        "route",
        "age_band",
        "alliance",
        "alliance_code",
        "lad_code",
        "lad_name",
        "icb_code",
        "icb_name",
    ):
        out[col] = as_category(out[col])
    for col in ("tumour_id", "lsoa_code"):
        out[col] = out[col].astype(str)
    return out.reset_index(drop=True)


def read_typed(files: list[Path], columns: dict[str, str]) -> pd.DataFrame:
    """Read every file, check it has ``columns`` and give them their types; one table."""
    frames = []
    for path in files:
        df = read_table(path)
        check_columns(df, path, columns)
        frames.append(parse_types(df, path, columns))
    return pd.concat(frames, ignore_index=True)


def read_tumours(files: list[Path]) -> pd.DataFrame:
    """Read, check and type every tumour file; resolve alliances to CAL24 codes."""
    df = read_typed(files, RAW_TUMOUR_COLUMNS)
    df["alliance_code"] = per_value(df["alliance"], alliances.resolve_codes)
    return df


AREA_TEXT_COLUMNS = (
    "lsoa_code", "lad_code", "lad_name", "icb_code", "icb_name", "alliance_code", "alliance",
)


def area_files(paths: Paths, source: str) -> list[Path]:
    """Return the optional small-area files of ``source``."""
    folder = paths.raw_synthetic if source == "synthetic" else paths.raw_local
    return sorted(p for p in folder.glob("*areas*") if p.suffix.lower() in (".csv", ".parquet"))


def read_areas(files: list[Path], tumours: pd.DataFrame) -> pd.DataFrame:
    """Return the small-area table: from the areas files, else derived from the tumours."""
    cols = [*AREA_TEXT_COLUMNS, "imd_decile"]
    if not files:
        areas = tumours[cols].drop_duplicates("lsoa_code").copy()
        areas["population"] = pd.NA
    else:
        frames = []
        for path in files:
            df = read_table(path)
            check_columns(df, path, RAW_AREA_COLUMNS)
            df = parse_types(df, path, RAW_AREA_COLUMNS)
            codes = alliances.resolve_codes(df["alliance"])
            _raise_if(codes.isna(), df, path, "alliance", "names an unknown Cancer Alliance")
            check_areas(df, path)
            df["alliance_code"] = codes
            df["alliance"] = codes.map({a.code: a.name for a in alliances.ALLIANCES})
            frames.append(df)
        areas = pd.concat(frames, ignore_index=True)[[*cols, "population"]]
    areas["imd_quintile"] = (areas["imd_decile"].astype("int64") + 1) // 2
    for col in AREA_TEXT_COLUMNS:
        areas[col] = areas[col].astype(str)
    return areas.reset_index(drop=True)


def check_areas(df: pd.DataFrame, path: Path) -> None:
    """The areas file is reference data: a fault in it stops the run (naming column and rows)."""
    lsoa = df["lsoa_code"]
    _raise_if(lsoa.isna(), df, path, "lsoa_code", "is empty")
    _raise_if(lsoa.duplicated(keep=False) & lsoa.notna(), df, path, "lsoa_code",
              "names a small area more than once")
    _raise_if(~df["imd_decile"].between(1, 10).fillna(False), df, path, "imd_decile",
              "is missing or outside 1-10")
    _raise_if((df["population"] < 0).fillna(False), df, path, "population", "is negative")
    for col in ("lsoa_code", *AREA_TEXT_COLUMNS[1:5]):
        _raise_if(df[col].isna(), df, path, col, "is empty")
        for reason, mask in identifier_rules(df, (col,)).items():
            _raise_if(mask, df, path, col, reason.removeprefix(col + " "))


# --------------------------------------------------------------------------- writing


def is_synthetic(files: list[Path]) -> bool:
    """True when any input declares itself synthetic (parquet metadata or file name)."""
    import pyarrow.parquet as pq

    for path in files:
        if SYNTHETIC_LABEL in path.name.upper():
            return True
        if path.suffix.lower() == ".parquet":
            meta = pq.read_schema(path).metadata or {}
            if meta.get(b"data_status", b"").decode().upper() == SYNTHETIC_LABEL:
                return True
    return False


def write_quarantine(df: pd.DataFrame, reasons: pd.Series, folder: Path, status: str) -> Path:
    """Write the set-aside rows (allow-listed columns only) with their reasons and data status."""
    out = quarantine_view(df.loc[reasons != ""]).copy()
    out.insert(0, "reason", reasons[reasons != ""])
    return write_quarantine_csv(out, folder / "tumours_quarantine.csv", data_status=status)


def clean(paths: Paths, source: str = "synthetic") -> CleanResult:
    """Run the whole cleaning step for ``source`` and write ``data/processed``.

    Returns
    -------
    CleanResult
        Inputs, outputs and the reconciled row counts.
    """
    files = raw_tumour_files(paths, source)
    raw = read_tumours(files)
    areas_in = area_files(paths, source)
    known_areas = read_areas(areas_in, raw) if areas_in else None
    reasons = quarantine_reasons(raw, known_areas)
    kept_raw = raw[reasons == ""]
    if kept_raw.empty:
        raise InputDataError(files[0], f"every one of the {len(raw):,} tumour rows was set "
                                       f"aside; reasons: {_top_reasons(reasons)}")
    tumours = canonicalise(kept_raw)
    validate_processed(tumours, files)
    result = CleanResult(
        source=source,
        inputs=files,
        rows_in=len(raw),
        kept=len(tumours),
        quarantined=int((reasons != "").sum()),
        reasons=count_reasons(reasons),
    )
    if result.rows_in != result.kept + result.quarantined:  # pragma: no cover - invariant
        raise AssertionError(f"counts do not reconcile: {result.summary()}")

    synthetic = is_synthetic(files)
    status = {
        "data_status": SYNTHETIC_LABEL if synthetic else "RECORD-LEVEL",
        "source": source,
        "synthetic": synthetic,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "years": sorted(int(y) for y in tumours["year"].unique()),
        "inputs": [{"file": p.name, "sha256": sha256(p)} for p in [*files, *areas_in]],
        "rows_in": result.rows_in,
        "kept": result.kept,
        "quarantined": result.quarantined,
        "quarantine_reasons": result.reasons,
        "skipped": [],
    }
    areas = known_areas if known_areas is not None else read_areas([], tumours)
    out = paths.processed
    referrals, referred, referral_outputs = clean_referrals(
        paths, source, tumours["tumour_id"], _metadata(status), areas=known_areas)
    status["fds_population"] = "referrals" if referrals is not None else "tumours"
    status["referrals"] = None if referred is None else {
        "files": [{"file": p.name, "sha256": sha256(p)} for p in referred.inputs],
        "rows_in": referred.rows_in, "kept": referred.kept, "quarantined": referred.quarantined,
        "quarantine_reasons": referred.reasons,
    }
    follow_up, follow_up_outputs = clean_follow_up(paths, source, tumours, _metadata(status))
    status["follow_up"] = None if follow_up is None else follow_up.status()
    result.outputs = [
        write_parquet(tumours, out / "tumours.parquet", _metadata(status)),
        write_parquet(areas, out / "areas.parquet", _metadata(status)),
        write_parquet(build_cube(out / "tumours.parquet",  # streamed from the files
                                 None if referrals is None else out / "referrals.parquet"),
                      out / "cube.parquet", _metadata(status)),
        *referral_outputs,
        *follow_up_outputs,
        write_quarantine(raw, reasons, paths.quarantine, status["data_status"]),
    ]
    result.outputs += _clean_activity(paths, source, status)
    status_path = out / "data_status.json"
    write_text(status_path, json.dumps(status, indent=2))
    result.outputs.append(status_path)
    return result


def _top_reasons(reasons: pd.Series, limit: int = 3) -> str:
    counts = count_reasons(reasons)
    return "; ".join(f"{r} ({n:,})" for r, n in sorted(counts.items(), key=lambda kv: -kv[1])[
        :limit])


def validate_processed(tumours: pd.DataFrame, files: list[Path]) -> None:
    """Check the processed table against its schema; a failure is one line, quoting no value."""
    from pandera.errors import SchemaError

    try:
        processed_tumour_schema().validate(tumours)
    except SchemaError as err:
        column = getattr(err.schema, "name", None)
        raise InputDataError(files[0], "failed the processed-table check "
                                       f"({type(err.check).__name__ if err.check else 'type'})",
                             column=str(column) if column else None) from None


def _clean_activity(paths: Paths, source: str, status: dict) -> list[Path]:
    """Validate innovation activity files (if any) into ``activity.parquet``; record counts.

    Activity is optional: a file that cannot be used (a missing column, counts that are
    not numbers) is skipped, the reason recorded under ``skipped`` in ``data_status.json``
    (the command line and the data-quality page say so), and the tumours are still reported.
    """
    from helpers.ingest.activity import activity_files, read_activity, write_activity

    files = activity_files(paths, source)
    (paths.processed / "activity.parquet").unlink(missing_ok=True)
    if not files:
        status["activity"] = None
        return []
    try:
        kept, held = read_activity(files)
    except InputDataError as err:  # activity is optional: report the rest, say what was skipped
        status["activity"] = {"files": [{"file": p.name, "sha256": sha256(p)} for p in files],
                              "skipped": str(err)}
        status.setdefault("skipped", []).append(f"innovation activity: {err}")
        return []
    status["activity"] = {"files": [{"file": p.name, "sha256": sha256(p)} for p in files],
                          "rows_in": len(kept) + len(held), "kept": len(kept),
                          "quarantined": len(held)}
    return write_activity(kept, paths.processed, data_status=status["data_status"],
                          source=source, quarantine=held)


def _metadata(status: dict) -> dict[str, str]:
    """What every processed parquet file carries: its data status and source."""
    return {"data_status": status["data_status"], "source": status["source"]}


def read_status(paths: Paths) -> dict:
    """Return what the last cleaning run recorded about the data (status, source, inputs)."""
    path = paths.processed / "data_status.json"
    if not path.exists():
        raise InputDataError(path, "not found: run the cleaning step (01_clean) first")
    return json.loads(path.read_text())
