"""English Indices of Deprivation: IMD rank, decile, score and population by LSOA.

Readers (:func:`read` picks one from the file's content):

- :func:`read_file1`: IoD File 1 workbook (official layout: a "Notes" sheet, then the data
  sheet; the reader finds the sheet and header row itself) -> ``lsoa11_code, lsoa11_name,
  lad19_code, lad19_name, imd_rank, imd_decile, imd_quintile`` (plus ``imd_score`` if the
  sheet has one).
  IMD 2025 is published on 2021 LSOAs and no copy of it is in ``../shared/data/real``: this
  reader accepts the same File 1 layout with "LSOA code (2021)" headers and then names the
  columns after the years in the headers (``lsoa21_code, lsoa21_name``, and e.g.
  ``lad24_code`` for "Local Authority District code (2024)"); "(where 1 is most deprived)"
  notes after a header are ignored. Only the 2019 file is tested against a real copy; the
  2021-code layout is tested on a synthetic workbook.
- :func:`read_population`: IoD2019 File 6 population denominators (csv or csv.gz, numbers
  with thousands separators) -> ``lsoa11_code, lsoa11_name, lad19_code, lad19_name,
  population, population_0_15, population_16_59, population_60_plus,
  population_working_age`` (mid-2015, excluding prisoners).
- :func:`read_scores`: the simple score/decile CSV (``LSOA11CD, IMD_2019_decile,
  IMD_2019_score``) -> ``lsoa11_code, imd_decile, imd_quintile, imd_score``.
- :func:`combine`: one row per LSOA with ``imd_score`` (if a score file is given),
  ``imd_rank, imd_decile, imd_quintile`` and the population columns; checks that File 1
  and the score file agree on every decile.

``imd_quintile = ceil(imd_decile / 2)``: 1 = most deprived 20% of LSOAs, 5 = least.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.errors import InputDataError
from helpers.ingest.io import clean_text
from helpers.ingest.sources._common import (
    Quarantine,
    check_file,
    header_key,
    is_xlsx,
    load_table,
    names_from_rules,
    report,
    require_unique_codes,
    sniff_rows,
    to_number,
)

_RULES: list[tuple[str, str]] = [
    (r"LSOA CODE \((\d{4})\)", "lsoa{0}_code"),
    (r"LSOA NAME \((\d{4})\)", "lsoa{0}_name"),
    (r"LSOA(\d\d)CD", "lsoa{0}_code"),
    (r"LSOA(\d\d)NM", "lsoa{0}_name"),
    (r"LOCAL AUTHORITY DISTRICT CODE \((\d{4})\)", "lad{0}_code"),
    (r"LOCAL AUTHORITY DISTRICT NAME \((\d{4})\)", "lad{0}_name"),
    (r"INDEX OF MULTIPLE DEPRIVATION \(IMD\) RANK", "imd_rank"),
    (r"INDEX OF MULTIPLE DEPRIVATION \(IMD\) DECILE", "imd_decile"),
    (r"INDEX OF MULTIPLE DEPRIVATION \(IMD\) SCORE", "imd_score"),
    (r"IMD_?\d{4}_DECILE|IMD_?DECILE", "imd_decile"),
    (r"IMD_?\d{4}_SCORE|IMD_?SCORE", "imd_score"),
    (r"IMD_?\d{4}_RANK|IMD_?RANK", "imd_rank"),
    (r"TOTAL POPULATION: MID \d{4} \(EXCLUDING PRISONERS\)", "population"),
    (r"DEPENDENT CHILDREN AGED 0-15: MID \d{4} \(EXCLUDING PRISONERS\)", "population_0_15"),
    (r"POPULATION AGED 16-59: MID \d{4} \(EXCLUDING PRISONERS\)", "population_16_59"),
    (r"OLDER POPULATION AGED 60 AND OVER: MID \d{4} \(EXCLUDING PRISONERS\)",
     "population_60_plus"),
    (r"WORKING AGE POPULATION 18-59/64.*", "population_working_age"),
]
POPULATION_COLUMNS: tuple[str, ...] = (
    "population", "population_0_15", "population_16_59", "population_60_plus",
    "population_working_age",
)


def _names(path: Path) -> tuple[dict[str, str], str]:
    """Header -> canonical names for the file, and its LSOA key column (lsoa11/lsoa21)."""
    heads = sniff_rows(path)
    names: dict[str, str] = {}
    for rows in heads.values():
        names.update(names_from_rules(rows, _RULES))
    keys = sorted({v for v in names.values() if v.startswith("lsoa") and v.endswith("_code")})
    if not keys:
        raise InputDataError(path, "no LSOA code column found (expected a header like "
                             "'LSOA code (2011)' or 'LSOA11CD')")
    if len(keys) > 1:
        raise InputDataError(path, f"has LSOA codes of several vintages: {keys}")
    return names, keys[0]


def _decile(df: pd.DataFrame, path: Path, rows: pd.Series) -> pd.DataFrame:
    decile = to_number(df["imd_decile"], path, "imd_decile", source_rows=rows)
    bad = decile.isna() | ~decile.between(1, 10)
    if bad.any():
        flagged = [i + 1 for i, m in enumerate(bad.tolist()) if m]
        raise InputDataError(path, "IMD decile must be a whole number 1-10", column="imd_decile",
                             rows=flagged)
    df = df.copy()
    df["imd_decile"] = decile.astype("Int64")
    df["imd_quintile"] = ((decile + 1) // 2).astype("Int64")
    return df


def read_file1(path: Path | str) -> pd.DataFrame:
    """Read IoD File 1 (IMD rank and decile by LSOA, official workbook or its CSV)."""
    path = check_file(path)
    names, key = _names(path)
    table = load_table(path, names, [key, "imd_rank", "imd_decile"], what="IMD header row")
    rows = table.index.to_series()
    df = table.reset_index(drop=True)
    for column in df.columns:
        if not column.startswith("imd_"):
            df[column] = clean_text(df[column])
    require_unique_codes(df, key, path)
    df = _decile(df, path, rows.reset_index(drop=True))
    df["imd_rank"] = to_number(df["imd_rank"], path, "imd_rank", source_rows=rows)
    bad = df["imd_rank"].isna() | ~df["imd_rank"].between(1, len(df))
    if bad.any():
        flagged = [i + 1 for i, m in enumerate(bad.tolist()) if m]
        raise InputDataError(path, f"IMD rank must be 1-{len(df)}", column="imd_rank",
                             rows=flagged)
    if "imd_score" in df.columns:
        df["imd_score"] = to_number(df["imd_score"], path, "imd_score", source_rows=rows,
                                    integer=False)
    lad = [c for c in df.columns if c.startswith("lad")]
    order = [key, key.replace("_code", "_name"), *sorted(lad), "imd_score", "imd_rank",
             "imd_decile", "imd_quintile"]
    return df.loc[:, [c for c in order if c in df.columns]]


def read_population(path: Path | str, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read IoD2019 File 6 population denominators (csv, csv.gz or xlsx).

    Rows whose 0-15, 16-59 and 60+ bands do not add up to the total are kept
    and recorded in ``quarantine``.
    """
    path = check_file(path)
    names, key = _names(path)
    table = load_table(path, names, [key, "population"], what="population header row")
    rows = table.index.to_series().reset_index(drop=True)
    df = table.reset_index(drop=True)
    for column in df.columns:
        if column.startswith("population"):
            df[column] = to_number(df[column], path, column, source_rows=rows)
        else:
            df[column] = clean_text(df[column])
    require_unique_codes(df, key, path)
    local = Quarantine()
    bands = ["population_0_15", "population_16_59", "population_60_plus"]
    if all(b in df.columns for b in bands):
        off = (df[bands].sum(axis=1, skipna=False) != df["population"]).fillna(True)
        local.extend(path, rows[off], "population", df.loc[off, "population"],
                     "age bands 0-15, 16-59 and 60+ do not add up to the total")
    report(quarantine, local, path)
    lad = [c for c in df.columns if c.startswith("lad")]
    order = [key, key.replace("_code", "_name"), *sorted(lad), *POPULATION_COLUMNS]
    return df.loc[:, [c for c in order if c in df.columns]]


def read_scores(path: Path | str) -> pd.DataFrame:
    """Read the simple IMD score/decile CSV (``LSOA11CD, IMD_2019_decile, IMD_2019_score``)."""
    path = check_file(path)
    names, key = _names(path)
    table = load_table(path, names, [key, "imd_decile"], what="IMD header row")
    rows = table.index.to_series().reset_index(drop=True)
    df = table.reset_index(drop=True)
    df[key] = clean_text(df[key])
    require_unique_codes(df, key, path)
    df = _decile(df, path, rows)
    if "imd_score" in df.columns:
        df["imd_score"] = to_number(df["imd_score"], path, "imd_score", source_rows=rows,
                                    integer=False)
    if "imd_rank" in df.columns:
        df["imd_rank"] = to_number(df["imd_rank"], path, "imd_rank", source_rows=rows)
    order = [key, "imd_score", "imd_rank", "imd_decile", "imd_quintile"]
    return df.loc[:, [c for c in order if c in df.columns]]


def combine(
    file1: Path | str | None = None, population: Path | str | None = None,
    scores: Path | str | None = None, *, quarantine: Quarantine | None = None,
) -> pd.DataFrame:
    """Return one row per LSOA: ``imd_score`` (if given), rank, decile, quintile, population.

    When both ``file1`` and ``scores`` are given, their deciles must agree for
    every LSOA (InputDataError naming the score file otherwise), and the LSOA
    sets must match. The population file is left-joined (``<NA>`` where absent).
    """
    parts: list[tuple[Path, pd.DataFrame]] = []
    if file1 is not None:
        parts.append((Path(file1), read_file1(file1)))
    if scores is not None:
        parts.append((Path(scores), read_scores(scores)))
    if not parts:
        raise InputDataError(Path(population or "."), "combine needs file1 or scores")
    key = next(c for c in parts[0][1].columns if c.endswith("_code") and c.startswith("lsoa"))
    base = parts[0][1]
    if len(parts) == 2:
        other_path, other = parts[1]
        merged = base.merge(other, on=key, how="outer", suffixes=("", "_other"),
                            indicator=True)
        unmatched = merged["_merge"] != "both"
        if unmatched.any():
            raise InputDataError(
                other_path, f"{int(unmatched.sum())} LSOA(s) are in only one of the two IMD "
                f"files, e.g. {merged.loc[unmatched, key].iloc[0]!r}", column=key,
            )
        differ = merged["imd_decile"] != merged["imd_decile_other"]
        if differ.any():
            raise InputDataError(
                other_path, f"IMD deciles differ from {parts[0][0].name} for "
                f"{int(differ.sum())} LSOA(s), e.g. {merged.loc[differ, key].iloc[0]!r}",
                column="imd_decile",
            )
        for column in ("imd_score", "imd_rank"):
            if column not in merged.columns and f"{column}_other" in merged.columns:
                merged[column] = merged[f"{column}_other"]
        base = merged.drop(columns=[c for c in merged.columns
                                    if c.endswith("_other") or c == "_merge"])
    if population is not None:
        local = Quarantine()
        pop = read_population(population, quarantine=local)
        report(quarantine, local, Path(population))
        pop_key = next(c for c in pop.columns if c.startswith("lsoa") and c.endswith("_code"))
        if pop_key != key:
            raise InputDataError(population, f"is keyed on {pop_key}, the IMD on {key}")
        base = base.merge(pop[[key, *[c for c in POPULATION_COLUMNS if c in pop.columns]]],
                          on=key, how="left")
    order = [key, key.replace("_code", "_name"), *[c for c in base.columns if c.startswith("lad")],
             "imd_score", "imd_rank", "imd_decile", "imd_quintile", *POPULATION_COLUMNS]
    return base.loc[:, [c for c in order if c in base.columns]].reset_index(drop=True)


def read(path: Path | str, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read any IMD file of this module, chosen from its content."""
    path = check_file(path)
    heads = sniff_rows(path)
    keys = {header_key(c) for rows in heads.values() for row in rows for c in row}
    if any(k.startswith("TOTAL POPULATION") for k in keys):
        return read_population(path, quarantine=quarantine)
    if is_xlsx(path) or "INDEX OF MULTIPLE DEPRIVATION (IMD) RANK" in keys:
        return read_file1(path)
    return read_scores(path)
