"""NHS England Cancer Waiting Times: monthly 28-day FDS provider CSVs and CWT-CRS extracts.

Monthly FDS CSVs (``nhse_cwt/fds_monthly/data_YYYY_MM.csv``), :func:`read_fds` /
:func:`read_fds_dir`. The published layout has title rows, a header row that moves
(file row 7 up to Sep-2023, row 9 from Oct-2023), a blank row and then the national
"ALL ENGLISH PROVIDERS" rows after the provider rows; numbers may carry thousands
separators. The header row is found by its column names; the month comes from the file
name (``data_YYYY_MM``) and from the title row ("Apr-21", or "24-Jul" where a spreadsheet
re-typed "Jul-24"), which must agree. Canonical columns:

``month`` (first day, datetime64), ``level`` (``"provider"`` or ``"england"``: the national
rows; never sum both), ``provider_code`` (``<NA>`` on national rows), ``provider_name``,
``referral_route``, ``cancer_type`` (suspected cancer or breast symptomatic), ``total``,
``within_28``, ``after_28``, ``within_14``, ``days_15_28``, ``days_29_42``, ``days_43_62``,
``after_62`` (those present in the file), ``source_file``, ``source_row``. The file's
percentage column is not kept (it is ``within_28 / total``).

CWT-CRS provider extract workbooks (``CWT-CRS-*-Provider*.xlsx``), :func:`read_crs` /
:func:`read_crs_dir`: ``month, standard`` (``"fds_28"``, ``"cwt_31"``, ``"cwt_62"``),
``provider_code, provider_name`` (the extracts carry codes only: names come from
``provider_names``, e.g. :func:`provider_names` of the FDS files), ``route`` (the file's
STAGE/ROUTE: a referral route for FDS and 62-day, First/Subsequent Treatment for 31-day),
``modality`` (``<NA>`` for FDS), ``cancer_type, total, within_standard, breaches,
source_file, source_row``. Counts are floats: the 62-day standard shares a patient
between two providers as 0.5.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import pandas as pd

from helpers.errors import InputDataError
from helpers.ingest.io import clean_text
from helpers.ingest.sources._common import (
    Quarantine,
    check_file,
    csv_rows,
    find_header,
    header_key,
    is_xlsx,
    load_table,
    map_header,
    report,
    to_number,
)
from helpers.ingest.sources._xlsx import excel_date

FDS_NAMES: dict[str, str] = {
    "ODS CODE": "provider_code", "ORG CODE": "provider_code", "PROVIDER CODE": "provider_code",
    "ACCOUNTABLE PROVIDER": "provider_name", "PROVIDER NAME": "provider_name",
    "REFERRAL ROUTE": "referral_route",
    "SUSPECTED CANCER OR BREAST SYMPTOMATIC": "cancer_type",
    "TOTAL": "total", "WITHIN 28 DAYS": "within_28", "AFTER 28 DAYS": "after_28",
    "TOLD WITHIN 28 DAYS": "pct_within_28", "WITHIN 14 DAYS": "within_14",
    "IN 15 TO 28 DAYS": "days_15_28", "IN 29 TO 42 DAYS": "days_29_42",
    "IN 43 TO 62 DAYS": "days_43_62", "AFTER 62 DAYS": "after_62",
}
FDS_REQUIRED = ("provider_code", "provider_name", "referral_route", "cancer_type", "total",
                "within_28")
FDS_COUNTS = ("total", "within_28", "after_28", "within_14", "days_15_28", "days_29_42",
              "days_43_62", "after_62")
NATIONAL_NAMES = ("ALL ENGLISH PROVIDERS", "ALL PROVIDERS", "ENGLAND", "TOTAL", "GRAND TOTAL")
"""Provider names (upper case) of national/total rows."""

STANDARDS: dict[str, str] = {
    "28-DAY FDS": "fds_28", "28 DAY FDS": "fds_28", "FDS": "fds_28",
    "31-DAY COMBINED": "cwt_31", "31 DAY COMBINED": "cwt_31",
    "62-DAY COMBINED": "cwt_62", "62 DAY COMBINED": "cwt_62",
}
"""The CRS extracts' STANDARD (upper case) -> canonical standard."""

CRS_NAMES: dict[str, str] = {
    "PERIOD": "period", "YEAR": "year", "MONTH": "month_name", "STANDARD": "standard",
    "ORG CODE": "provider_code", "STAGE/ROUTE": "route", "TREATMENT MODALITY": "modality",
    "CANCER TYPE": "cancer_type", "TOTAL TREATED": "total", "TOTAL": "total",
    "WITHIN STANDARD": "within_standard", "BREACHES": "breaches",
}
CRS_REQUIRED = ("period", "standard", "provider_code", "route", "cancer_type", "total",
                "within_standard", "breaches")

_FILE_MONTH = re.compile(r"(20\d\d)[_-](\d\d)")
_MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}


def month_from_name(path: Path) -> pd.Timestamp | None:
    """Return the month in a file name like ``data_2021_04.csv``, else None."""
    m = _FILE_MONTH.search(path.stem)
    if m and 1 <= int(m.group(2)) <= 12:
        return pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)
    return None


def _month_candidates(cell: str) -> list[pd.Timestamp]:
    """Months a title cell may mean: "Apr-21", "April 2021", "2021-04", or re-typed "24-Jul"."""
    text = cell.strip().upper()
    out = []
    m = re.fullmatch(r"([A-Z]{3})[A-Z]*[-\s/]+(\d{2}|\d{4})", text)
    if m and m.group(1) in _MONTHS:
        year = int(m.group(2)) + (2000 if len(m.group(2)) == 2 else 0)
        out.append(pd.Timestamp(year, _MONTHS[m.group(1)], 1))
    m = re.fullmatch(r"(\d{2})[-\s/]+([A-Z]{3})[A-Z]*", text)  # Excel turned "Jul-24" into this
    if m and m.group(2) in _MONTHS:
        out.append(pd.Timestamp(2000 + int(m.group(1)), _MONTHS[m.group(2)], 1))
    m = re.fullmatch(r"(20\d\d)-(\d\d)(?:-\d\d)?", text)
    if m and 1 <= int(m.group(2)) <= 12:
        out.append(pd.Timestamp(int(m.group(1)), int(m.group(2)), 1))
    return out


def _fds_month(path: Path, title_rows: list[list[str]]) -> pd.Timestamp:
    from_name = month_from_name(path)
    found: list[pd.Timestamp] = []
    for row in title_rows:
        for cell in row:
            found.extend(_month_candidates(str(cell)))
    if from_name is not None:
        if found and from_name not in found:
            raise InputDataError(
                path, f"the file name says {from_name:%b-%Y} but the title rows say "
                f"{found[0]:%b-%Y}",
            )
        return from_name
    if not found:
        raise InputDataError(path, "no month found in the file name (data_YYYY_MM) or the "
                             "title rows (e.g. 'Apr-21')")
    if len(set(found)) > 1:
        raise InputDataError(path, f"title rows name several months: {sorted(set(found))}")
    return found[0]


def read_fds(path: Path | str, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read one monthly 28-day FDS provider CSV into the canonical long table.

    Raises
    ------
    InputDataError
        No header row with the expected columns, a required column missing,
        non-numeric counts, or a month that cannot be told.
    """
    path = check_file(path)
    records = csv_rows(path)
    need = [tuple(k for k, v in FDS_NAMES.items() if v == r) for r in FDS_REQUIRED]
    h = find_header(records, need, path, what="FDS header row")
    month = _fds_month(path, records[:h])
    positions = map_header(records[h], FDS_NAMES, path, FDS_REQUIRED)
    numbered = [(i, r) for i, r in enumerate(records[h + 1:], start=h + 2)
                if any(c.strip() for c in r)]  # the blank row before the national rows
    keep = {name: i for name, i in positions.items() if name in (*FDS_REQUIRED, *FDS_COUNTS)}
    df = pd.DataFrame(
        {name: [(r[i] or None) if i < len(r) else None for _, r in numbered]
         for name, i in keep.items()},
        dtype=object,
    )
    rows = pd.Series([i for i, _ in numbered], dtype="int64")
    for column in ("provider_code", "provider_name", "referral_route", "cancer_type"):
        df[column] = clean_text(df[column])
    local = Quarantine()
    for column in FDS_COUNTS:
        if column in df.columns:
            df[column] = to_number(df[column], path, column, source_rows=rows)
    name_key = df["provider_name"].fillna("").str.upper()
    national = df["provider_code"].isna() & name_key.isin(NATIONAL_NAMES)
    orphan = df["provider_code"].isna() & ~national
    local.extend(path, rows[orphan], "provider_code", df.loc[orphan, "provider_name"],
                 "row has no provider code and is not a national total")
    if "after_28" in df.columns:
        off = (df["within_28"] + df["after_28"] != df["total"]).fillna(False).astype(bool)
        local.extend(path, rows[off], "total", df.loc[off, "total"],
                     "within_28 + after_28 differs from total")
    else:
        df["after_28"] = df["total"] - df["within_28"]
    report(quarantine, local, path)
    df.insert(0, "month", month)
    df.insert(1, "level", pd.array(["england" if n else "provider" for n in national],
                                   dtype="string"))
    df["source_file"] = path.name
    df["source_row"] = rows
    df["month"] = df["month"].astype("datetime64[ns]")
    df["source_file"] = df["source_file"].astype("string")
    order = ["month", "level", "provider_code", "provider_name", "referral_route",
             "cancer_type", *FDS_COUNTS, "source_file", "source_row"]
    return df.loc[:, [c for c in order if c in df.columns]]


def read_fds_dir(folder: Path | str, pattern: str = "data_*.csv", *,
                 quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read every monthly FDS CSV in ``folder`` (sorted by name) into one table."""
    folder = Path(folder)
    files = sorted(folder.glob(pattern))
    if not files:
        raise InputDataError(folder, f"no files match {pattern!r}")
    frames = [read_fds(f, quarantine=quarantine) for f in files]
    return pd.concat(frames, ignore_index=True)


def provider_names(fds: pd.DataFrame) -> dict[str, str]:
    """Provider code -> the latest name the FDS table gives it."""
    rows = fds[fds["provider_code"].notna()].sort_values("month", kind="stable")
    return dict(zip(rows["provider_code"], rows["provider_name"], strict=True))


def national_check(fds: pd.DataFrame) -> pd.DataFrame:
    """Compare national rows with the sum of provider rows, per month x route x cancer type.

    Returns one row per national row with the national and summed counts and
    their difference (``diff_*`` columns, 0 where they agree), and rows for
    combinations that have providers but no national row.
    """
    keys = ["month", "referral_route", "cancer_type"]
    counts = [c for c in FDS_COUNTS if c in fds.columns]
    nat = fds[fds["level"] == "england"].groupby(keys, dropna=False)[counts].sum()
    prov = fds[fds["level"] == "provider"].groupby(keys, dropna=False)[counts].sum()
    both = nat.merge(prov, how="outer", left_index=True, right_index=True,
                     suffixes=("_national", "_providers")).fillna(0)
    for c in counts:
        both[f"diff_{c}"] = both[f"{c}_national"] - both[f"{c}_providers"]
    return both.reset_index()


def read_crs(
    path: Path | str, *, provider_names: Mapping[str, str] | None = None,
    quarantine: Quarantine | None = None,
) -> pd.DataFrame:
    """Read one CWT-CRS provider data extract workbook into the canonical table.

    Only the sheet with the extract header is read (with a fast XML reader;
    see :mod:`helpers.ingest.sources._xlsx`). Unknown STANDARD values keep their rows
    with ``standard`` ``<NA>`` and go to the quarantine, as do rows whose
    within_standard + breaches differ from total, and months where PERIOD and
    MONTH disagree.
    """
    path = check_file(path)
    table = load_table(path, CRS_NAMES, list(CRS_REQUIRED), what="CRS extract header row")
    rows = table.index.to_series().reset_index(drop=True)
    df = table.reset_index(drop=True)
    local = Quarantine()
    month = excel_date(df["period"])
    bad = month.isna()
    if bad.any():
        flagged = [i + 1 for i, m in enumerate(bad.tolist()) if m]
        raise InputDataError(path, "PERIOD is not a date", column="PERIOD", rows=flagged)
    month = month.dt.to_period("M").dt.to_timestamp()
    if "month_name" in df.columns:
        named = df["month_name"].astype("string").str.strip().str.upper().str[:3].map(_MONTHS)
        off = (named != month.dt.month).fillna(True).astype(bool)
        local.extend(path, rows[off], "MONTH", df.loc[off, "month_name"],
                     "MONTH disagrees with PERIOD")
    standard_raw = clean_text(df["standard"])
    standard = standard_raw.map({s: STANDARDS.get(header_key(s), pd.NA)
                                 for s in standard_raw.dropna().unique()})
    unknown = standard.isna()
    local.extend(path, rows[unknown], "STANDARD", standard_raw[unknown], "unknown standard")
    out = pd.DataFrame({
        "month": month.astype("datetime64[ns]"),
        "standard": standard.astype("string"),
        "provider_code": clean_text(df["provider_code"]),
    })
    out["provider_name"] = out["provider_code"].map(dict(provider_names or {})).astype("string")
    out["route"] = clean_text(df["route"])
    out["modality"] = clean_text(df["modality"]) if "modality" in df.columns else pd.NA
    out["cancer_type"] = clean_text(df["cancer_type"])
    for column in ("total", "within_standard", "breaches"):
        out[column] = to_number(df[column], path, column, source_rows=rows,
                                integer=False).astype("Float64")
    off = ((out["within_standard"] + out["breaches"] - out["total"]).abs() > 1e-9).fillna(False)
    local.extend(path, rows[off.astype(bool)], "TOTAL TREATED", out.loc[off, "total"],
                 "within_standard + breaches differs from total")
    missing = out["provider_code"].isna()
    local.extend(path, rows[missing], "ORG CODE", [""] * int(missing.sum()),
                 "row has no provider code")
    report(quarantine, local, path)
    out["source_file"] = pd.array([path.name] * len(out), dtype="string")
    out["source_row"] = rows.astype("int64")
    return out


def read_crs_dir(folder: Path | str, pattern: str = "CWT-CRS-*Provider*.xlsx", *,
                 provider_names: Mapping[str, str] | None = None,
                 quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read every CRS extract in ``folder``; a month found in two files is kept once.

    When extracts overlap, the file whose data reach the latest month (a later
    release, which may revise earlier months) wins for the months they share;
    ties go to the name sorting last (e.g. "...-Final").
    """
    folder = Path(folder)
    files = sorted(folder.glob(pattern))
    if not files:
        raise InputDataError(folder, f"no files match {pattern!r}")
    frames = [read_crs(f, provider_names=provider_names, quarantine=quarantine) for f in files]
    frames.sort(key=lambda f: (f["month"].max(), str(f["source_file"].iloc[0]) if len(f) else ""))
    seen: set[datetime] = set()
    kept = []
    for frame in reversed(frames):
        months = set(frame["month"].unique())
        kept.append(frame[~frame["month"].isin(seen)])
        seen |= months
    return pd.concat(kept, ignore_index=True).sort_values(
        ["month", "standard", "provider_code"], kind="stable").reset_index(drop=True)


def read(path: Path | str, **kwargs: object) -> pd.DataFrame:
    """Read an FDS CSV or a CRS workbook, chosen from the file."""
    path = check_file(path)
    if is_xlsx(path):
        return read_crs(path, **kwargs)  # type: ignore[arg-type]
    return read_fds(path, **kwargs)  # type: ignore[arg-type]
