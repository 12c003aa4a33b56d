"""ONS geography lookups: LSOA -> CCG/Sub-ICB -> ICB -> alliance -> LAD; LSOA11 <-> LSOA21.

Readers (one per official file; :func:`read` picks the right one from the header):

- :func:`read_lsoa11_lookup`: ``LSOA11_CCG21_STP21_CAL21_LAD21_EN_LU.xlsx`` (32,844 LSOA11,
  21 CAL21 alliances) -> ``lsoa11_code, lsoa11_name, ccg21_code, ccg21_ods_code, ccg21_name,
  stp21_code, stp21_name, cal21_code, cal21_name, lad_code, lad_name, alliance_code, alliance``
  (``lad_*`` are 2021 local authorities; ``alliance_code``/``alliance`` are the April 2024
  alliance, CAL24, from :mod:`helpers.registry.alliances`).
- :func:`read_ccg_lookup`: ``CCG21_STP21_CAL21_EN_LU.csv`` -> ``ccg21_code, ccg21_ods_code,
  ccg21_name, stp21_code, stp21_ods_code, stp21_name, cal21_code, cal21_name, alliance_code,
  alliance``.
- :func:`read_cal24`: ``CAL24_names_codes.json`` -> ``alliance_code, alliance`` (20 rows).
- :func:`read_icb23`: ``ICB23_names_codes.json`` -> ``icb_code, icb_name`` (42 rows; names
  whitespace-stripped: the file has a trailing space on Norfolk and Waveney).
- :func:`read_lsoa21_lookup`: ``LSOA21_SICBL24_ICB24_EN_LU.csv`` -> ``lsoa21_code, lsoa21_name,
  sicbl24_code, sicbl24_ods_code, sicbl24_name, icb_code, icb_ods_code, icb_name``.
- :func:`read_crosswalk`: ``LSOA11_LSOA21_LAD22_EW_LU.csv`` -> ``lsoa11_code, lsoa11_name,
  change_code, lsoa21_code, lsoa21_name, lad22_code, lad22_name`` (England only by default).

Apportioning (as ``../shared/data/calibration/README.md`` does it):
:func:`lsoa21_to_lsoa11` and :func:`lsoa11_to_lsoa21` carry counts across the crosswalk.
Each link (source, target) gets the weight ``w = population(target) / links(target)``; a
source unit's counts are split over its links in proportion to ``w`` and summed per
target. U and S links (LSOA21 -> LSOA11) or U and M links (LSOA11 -> LSOA21) move whole
counts; merges/splits share counts by population; X (irregular) links get a
population-weighted approximation. Totals are preserved exactly. Without a population
the split is equal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.errors import InputDataError, ParameterError
from helpers.ingest.io import clean_text
from helpers.ingest.sources._common import (
    Quarantine,
    add_alliance,
    check_file,
    csv_rows,
    header_key,
    is_xlsx,
    load_table,
    report,
    require_unique_codes,
)

CHANGE_CODES: dict[str, str] = {"U": "unchanged", "S": "split", "M": "merged", "X": "irregular"}
"""ONS LSOA11 -> LSOA21 change codes."""

ICB22_TO_ICB23: dict[str, str] = {"E54000052": "E54000063", "E54000053": "E54000064"}
"""ICB codes re-issued between the 2022 NHS England files and ONS ICB23 (same ODS codes:
Surrey Heartlands QXU, Sussex QNX). Every other ICB code is the same in both."""

_LSOA11_NAMES = {
    "LSOA11CD": "lsoa11_code", "LSOA11NM": "lsoa11_name", "CCG21CD": "ccg21_code",
    "CCG21CDH": "ccg21_ods_code", "CCG21NM": "ccg21_name", "STP21CD": "stp21_code",
    "STP21CDH": "stp21_ods_code", "STP21NM": "stp21_name", "CAL21CD": "cal21_code",
    "CAL21NM": "cal21_name", "LAD21CD": "lad_code", "LAD21NM": "lad_name", "FID": "fid",
}
_LSOA21_NAMES = {
    "lsoa21_code": "lsoa21_code", "lsoa21_name": "lsoa21_name", "LSOA21CD": "lsoa21_code",
    "LSOA21NM": "lsoa21_name", "sicbl24_code": "sicbl24_code", "SICBL24CD": "sicbl24_code",
    "sicbl24_code_nhs": "sicbl24_ods_code", "SICBL24CDH": "sicbl24_ods_code",
    "sicbl24_name": "sicbl24_name", "SICBL24NM": "sicbl24_name", "icb24_code": "icb_code",
    "ICB24CD": "icb_code", "icb24_code_nhs": "icb_ods_code", "ICB24CDH": "icb_ods_code",
    "icb24_name": "icb_name", "ICB24NM": "icb_name",
}
_CROSSWALK_NAMES = {
    "lsoa11_code": "lsoa11_code", "LSOA11CD": "lsoa11_code", "lsoa11_name": "lsoa11_name",
    "LSOA11NM": "lsoa11_name", "change_code": "change_code", "CHGIND": "change_code",
    "lsoa21_code": "lsoa21_code", "LSOA21CD": "lsoa21_code", "lsoa21_name": "lsoa21_name",
    "LSOA21NM": "lsoa21_name", "ltla22_code": "lad22_code", "LAD22CD": "lad22_code",
    "ltla22_name": "lad22_name", "LAD22NM": "lad22_name",
}


def _strings(df: pd.DataFrame) -> pd.DataFrame:
    return df.apply(clean_text)


def _finish(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    return df.loc[:, [c for c in columns if c in df.columns]].reset_index(drop=True)


def read_lsoa11_lookup(path: Path | str, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read the ONS LSOA11 -> CCG21 -> STP21 -> CAL21 -> LAD21 lookup (xlsx or csv).

    Returns one row per LSOA11 with the CAL21 alliance and its April 2024
    (CAL24) successor in ``alliance_code``/``alliance``. A CAL21 code the
    registry does not know is tried by name, then kept as ``<NA>`` and
    recorded in ``quarantine``.
    """
    path = check_file(path)
    table = load_table(path, _LSOA11_NAMES, ["lsoa11_code", "cal21_code", "lad_code"])
    df = _strings(table)
    require_unique_codes(df, "lsoa11_code", path)
    local = Quarantine()
    fallback = "cal21_name" if "cal21_name" in df.columns else None
    df = add_alliance(df, "cal21_code", path, local, rows=table.index.to_series(),
                      fallback=fallback)
    report(quarantine, local, path)
    return _finish(df, ["lsoa11_code", "lsoa11_name", "ccg21_code", "ccg21_ods_code",
                        "ccg21_name", "stp21_code", "stp21_name", "cal21_code", "cal21_name",
                        "lad_code", "lad_name", "alliance_code", "alliance"])


def read_ccg_lookup(path: Path | str, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read the ONS CCG21 -> STP21 -> CAL21 lookup (106 CCGs)."""
    path = check_file(path)
    table = load_table(path, _LSOA11_NAMES, ["ccg21_code", "cal21_code"])
    df = _strings(table)
    require_unique_codes(df, "ccg21_code", path)
    local = Quarantine()
    df = add_alliance(df, "cal21_code", path, local, rows=table.index.to_series(),
                      fallback="cal21_name" if "cal21_name" in df.columns else None)
    report(quarantine, local, path)
    return _finish(df, ["ccg21_code", "ccg21_ods_code", "ccg21_name", "stp21_code",
                        "stp21_ods_code", "stp21_name", "cal21_code", "cal21_name",
                        "alliance_code", "alliance"])


def _read_json_codes(path: Path | str, prefix: str) -> tuple[Path, dict[str, str]]:
    path = check_file(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputDataError(path, f"is not valid JSON ({err})") from None
    if isinstance(data, list):  # [{"code": .., "name": ..}, ...] also accepted
        try:
            data = {str(d.get("code") or d.get("CD")): str(d.get("name") or d.get("NM"))
                    for d in data}
        except AttributeError:
            data = None
    if not isinstance(data, dict) or not data:
        raise InputDataError(path, "expected a JSON object mapping codes to names")
    bad = [k for k in data if not (isinstance(k, str) and k.strip().startswith(prefix))]
    if bad:
        raise InputDataError(path, f"keys must be {prefix}... codes, found {bad[0]!r}")
    return path, {k.strip(): str(v).strip() for k, v in data.items()}


def read_cal24(path: Path | str, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read ``CAL24_names_codes.json`` (code -> name) into ``alliance_code, alliance``.

    Each code must resolve in :mod:`helpers.registry.alliances` to itself; a code that
    does not, or whose name differs from the registry's, is recorded in the
    quarantine (the file's name is kept in ``source_name``).
    """
    path, data = _read_json_codes(path, "E56")
    df = pd.DataFrame({"source_code": list(data), "source_name": list(data.values())},
                      dtype="string")
    local = Quarantine()
    df = add_alliance(df, "source_code", path, local, rows=pd.Series(range(2, len(df) + 2)))
    for i, row in df.iterrows():
        if pd.notna(row["alliance_code"]) and row["alliance_code"] != row["source_code"]:
            local.add(path, i + 2, "code", row["source_code"],
                      f"is a 2021 code; the April 2024 code is {row['alliance_code']}")
        elif pd.notna(row["alliance"]) and row["alliance"] != row["source_name"]:
            local.add(path, i + 2, "name", row["source_name"],
                      f"differs from the registry name {row['alliance']!r}")
    report(quarantine, local, path)
    return df[["alliance_code", "alliance", "source_code", "source_name"]]


def read_icb23(path: Path | str) -> pd.DataFrame:
    """Read ``ICB23_names_codes.json`` into ``icb_code, icb_name`` (names stripped)."""
    _, data = _read_json_codes(path, "E54")
    return pd.DataFrame({"icb_code": list(data), "icb_name": list(data.values())}).astype(
        "string"
    )


def icb_name_key(name: object) -> str:
    """Comparison key of an ICB name: case, "&", "NHS " and " Integrated Care Board" ignored."""
    key = header_key(name).replace("&", "AND")
    key = " ".join(key.replace(",", " ").split())
    key = key.removeprefix("NHS ").removesuffix(" INTEGRATED CARE BOARD").removesuffix(" ICB")
    return key


def icb_codes_by_name(icb23: pd.DataFrame) -> dict[str, str]:
    """Map :func:`icb_name_key` of each ICB name to its code (from :func:`read_icb23`)."""
    return {icb_name_key(n): c for c, n in zip(icb23["icb_code"], icb23["icb_name"], strict=True)}


def read_lsoa21_lookup(path: Path | str) -> pd.DataFrame:
    """Read the ONS LSOA21 -> Sub-ICB location (2024) -> ICB (2024) lookup."""
    path = check_file(path)
    table = load_table(path, _LSOA21_NAMES, ["lsoa21_code", "icb_code"])
    df = _strings(table)
    require_unique_codes(df, "lsoa21_code", path)
    return _finish(df, ["lsoa21_code", "lsoa21_name", "sicbl24_code", "sicbl24_ods_code",
                        "sicbl24_name", "icb_code", "icb_ods_code", "icb_name"])


def read_crosswalk(path: Path | str, *, england_only: bool = True) -> pd.DataFrame:
    """Read the ONS best-fit LSOA11 <-> LSOA21 lookup with change codes U/S/M/X.

    One row per (LSOA11, LSOA21) link. ``england_only`` keeps links whose
    LSOA11 is English (E01...), as the calibration tables do.
    """
    path = check_file(path)
    table = load_table(path, _CROSSWALK_NAMES, ["lsoa11_code", "change_code", "lsoa21_code"])
    df = _strings(table)
    df["change_code"] = df["change_code"].str.upper()
    bad = ~df["change_code"].isin(list(CHANGE_CODES))
    if bad.any():
        rows = [i + 1 for i, m in enumerate(bad.tolist()) if m]
        raise InputDataError(
            path, f"unknown change code(s) such as {df.loc[bad, 'change_code'].iloc[0]!r} "
            "(expected U, S, M or X)", column="change_code", rows=rows,
        )
    for column in ("lsoa11_code", "lsoa21_code"):
        missing = df[column].isna()
        if missing.any():
            rows = [i + 1 for i, m in enumerate(missing.tolist()) if m]
            raise InputDataError(path, "empty code(s)", column=column, rows=rows)
    if england_only:
        df = df[df["lsoa11_code"].str.startswith("E")]
    return _finish(df, ["lsoa11_code", "lsoa11_name", "change_code", "lsoa21_code",
                        "lsoa21_name", "lad22_code", "lad22_name"])


def _as_counts(values: pd.DataFrame | pd.Series, code: str) -> pd.DataFrame:
    """Return ``values`` as a DataFrame indexed by code with numeric count columns."""
    if isinstance(values, pd.Series):
        frame = values.to_frame(values.name or "count")
    elif code in values.columns:
        frame = values.set_index(code)
    else:
        frame = values
    frame = frame.select_dtypes("number")
    if frame.index.has_duplicates:
        raise ParameterError(f"{code} values repeat; give one row per area")
    return frame


def _apportion(
    values: pd.DataFrame | pd.Series, crosswalk: pd.DataFrame, source: str, target: str,
    target_population: pd.Series | None,
) -> pd.DataFrame:
    counts = _as_counts(values, source)
    links = crosswalk[[source, target]].drop_duplicates()
    unknown = counts.index.difference(pd.Index(links[source]))
    if len(unknown):
        raise ParameterError(
            f"{len(unknown)} {source} value(s) are not in the crosswalk, e.g. "
            f"{', '.join(map(str, unknown[:5]))}"
        )
    links = links[links[source].isin(counts.index)]
    n_links = links.groupby(target)[source].transform("size").astype(float)
    if target_population is None:
        pop = pd.Series(1.0, index=links.index)
    else:
        pop = links[target].map(target_population).astype(float)
        if pop.isna().any():
            missing = links.loc[pop.isna(), target].unique()
            raise ParameterError(
                f"population missing for {len(missing)} {target} value(s), e.g. "
                f"{', '.join(map(str, missing[:5]))}"
            )
    weight = pop / n_links
    total = weight.groupby(links[source]).transform("sum")
    share = np.where(total > 0, weight / total.where(total > 0, 1.0),
                     1.0 / links.groupby(source)[target].transform("size"))
    moved = counts.loc[links[source]].to_numpy(dtype=float) * share[:, None]
    out = pd.DataFrame(moved, columns=counts.columns)
    out[target] = links[target].to_numpy()
    return out.groupby(target, sort=True).sum()


def lsoa21_to_lsoa11(
    values: pd.DataFrame | pd.Series, crosswalk: pd.DataFrame,
    lsoa11_population: pd.Series | None = None,
) -> pd.DataFrame:
    """Re-express LSOA21 counts on LSOA11s (the calibration README's method).

    Parameters
    ----------
    values
        Counts by LSOA21: a Series indexed by ``lsoa21_code``, or a DataFrame
        with a ``lsoa21_code`` column (or index) and numeric columns.
    crosswalk
        :func:`read_crosswalk` output.
    lsoa11_population
        Population by LSOA11 (e.g. IoD2019 File 6 mid-2015 totals), the
        weights of merged (M) and irregular (X) links. Equal split if omitted.

    Returns
    -------
    pandas.DataFrame
        Float counts indexed by ``lsoa11_code``; column totals equal the input's.
    """
    return _apportion(values, crosswalk, "lsoa21_code", "lsoa11_code", lsoa11_population)


def lsoa11_to_lsoa21(
    values: pd.DataFrame | pd.Series, crosswalk: pd.DataFrame,
    lsoa21_population: pd.Series | None = None,
) -> pd.DataFrame:
    """Carry LSOA11 counts onto LSOA21s: the mirror of :func:`lsoa21_to_lsoa11`.

    A split (S) LSOA11 shares its counts among its LSOA21 pieces in proportion
    to ``lsoa21_population`` (e.g. Census 2021 totals); merged (M) LSOA11s are
    summed into their LSOA21. Column totals are preserved.
    """
    return _apportion(values, crosswalk, "lsoa11_code", "lsoa21_code", lsoa21_population)


def read(path: Path | str, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read any ONS file of this module, chosen from its content."""
    path = check_file(path)
    if path.suffix.lower() == ".json":
        text = path.read_text(encoding="utf-8-sig")
        return read_cal24(path, quarantine=quarantine) if '"E56' in text else read_icb23(path)
    if is_xlsx(path):
        return read_lsoa11_lookup(path, quarantine=quarantine)
    head = {header_key(c) for row in csv_rows(path)[:5] for c in row}
    if "LSOA11CD" in head:
        return read_lsoa11_lookup(path, quarantine=quarantine)
    if "CCG21CD" in head:
        return read_ccg_lookup(path, quarantine=quarantine)
    if "CHANGE_CODE" in head or "CHGIND" in head:
        return read_crosswalk(path)
    if "LSOA21_CODE" in head or "LSOA21CD" in head:
        return read_lsoa21_lookup(path)
    raise InputDataError(path, "is not a known ONS lookup (no LSOA11CD, CCG21CD, change_code "
                         "or lsoa21_code header)")
