"""NDRS cancer stage at diagnosis, and cancer prevalence / population by alliance.

- :func:`read_stage`: ``NDRS_stage_at_diagnosis_by_site_2013-2022.csv`` -> one row per
  geography x year x site: ``geography_type`` (``"england"``, ``"alliance"``, ``"icb"``, as in
  the count cube), ``geography_code`` (CAL24 code via :mod:`helpers.registry.alliances`;
  ICB E54 code
  when an ICB name lookup is given, see :func:`helpers.ingest.sources.ons.read_icb23`; England
  ``E92000001``), ``geography_name`` (canonical alliance name; ICB and England names as in
  the file), ``year, site, stage_1, stage_2, stage_3, stage_4, other_early, other_advanced,
  unstageable, missing, pct_completeness`` and the derived ``tumours`` (all eight counts),
  ``staged`` (1-4 + other early/advanced) and ``early`` (1 + 2 + other early).
- :func:`to_cube`: ``early_stage`` rows in the count-cube shape (:data:`helpers.cube.CUBE_COLUMNS`),
  numerator ``early``, denominator ``staged``, dimensions ``"all"`` (sites summed) and
  ``"site"``.
- :func:`read_prevalence`: ``cancer_prevalence_2020_population_by_alliance.csv`` (title line
  first) -> ``source_name, alliance_code, alliance, prevalence_rate, prevalence_count, mced,
  population``. The file uses the 21 CAL21 alliances: East of England - North and - South are
  two rows that both resolve to East of England (E56000035); ``source_name`` tells them apart.

The NDRS alliance footprints are not exactly CAL21-by-code (Bassetlaw in South Yorkshire,
Swindon apparently under Thames Valley): see ``../shared/data/calibration/README.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from helpers.cube import CUBE_COLUMNS, ENGLAND_CODE
from helpers.errors import InputDataError
from helpers.ingest.io import clean_text
from helpers.ingest.sources._common import (
    Quarantine,
    add_alliance,
    check_file,
    csv_rows,
    header_key,
    load_table,
    report,
    to_number,
)
from helpers.ingest.sources.ons import icb_name_key

STAGE_COLUMNS: tuple[str, ...] = (
    "stage_1", "stage_2", "stage_3", "stage_4", "other_early", "other_advanced",
    "unstageable", "missing",
)
_STAGE_NAMES = {
    "Geography Type": "geography_type", "Geography Name": "geography_name", "Year": "year",
    "Site": "site", "Stage 1": "stage_1", "Stage 2": "stage_2", "Stage 3": "stage_3",
    "Stage 4": "stage_4", "Staged - other early": "other_early",
    "Staged - other advanced": "other_advanced", "Unstageable": "unstageable",
    "Missing stage": "missing", "Percentage completeness": "pct_completeness",
}
GEOGRAPHY_TYPES: dict[str, str] = {
    "COUNTRY": "england", "CANCER ALLIANCE": "alliance", "INTEGRATED CARE BOARD": "icb",
}
"""The file's ``Geography Type`` (upper case) -> cube ``geography_type``."""


def read_stage(
    path: Path | str, *, icb_codes: Mapping[str, str] | pd.DataFrame | None = None,
    quarantine: Quarantine | None = None,
) -> pd.DataFrame:
    """Read the NDRS stage-at-diagnosis file into the canonical long table.

    Parameters
    ----------
    path
        The NDRS CSV.
    icb_codes
        ICB names -> E54 codes: the DataFrame from :func:`helpers.ingest.sources.ons.read_icb23`
        or a mapping of names to codes. Without it ICB rows have ``<NA>`` codes.
    quarantine
        Collects alliance and ICB names that do not resolve, and unknown
        geography types (their rows are kept with ``<NA>`` codes).
    """
    path = check_file(path)
    table = load_table(path, _STAGE_NAMES, list(_STAGE_NAMES.values())[:-1],
                       what="NDRS header row")
    rows = table.index.to_series().reset_index(drop=True)
    df = table.reset_index(drop=True)
    for column in ("geography_type", "geography_name", "site"):
        df[column] = clean_text(df[column])
    for column in ("year", *STAGE_COLUMNS):
        df[column] = to_number(df[column], path, column, source_rows=rows)
        if df[column].isna().any():
            bad = [i + 1 for i, m in enumerate(df[column].isna().tolist()) if m]
            raise InputDataError(path, "empty count(s)", column=column, rows=bad)
    if "pct_completeness" in df.columns:
        df["pct_completeness"] = to_number(df["pct_completeness"], path, "pct_completeness",
                                           source_rows=rows, integer=False)
    local = Quarantine()
    kind = df["geography_type"].map(lambda t: GEOGRAPHY_TYPES.get(header_key(t), pd.NA))
    unknown = kind.isna()
    local.extend(path, rows[unknown], "Geography Type", df.loc[unknown, "geography_type"],
                 "unknown geography type")
    df["geography_type"] = kind.astype("string")
    df["geography_code"] = pd.Series(pd.NA, index=df.index, dtype="string")
    df["source_name"] = df["geography_name"]

    alliance = (df["geography_type"] == "alliance").fillna(False).astype(bool)
    if alliance.any():
        resolved = add_alliance(df.loc[alliance, ["geography_name"]], "geography_name", path,
                                local, rows=rows[alliance])
        df.loc[alliance, "geography_code"] = resolved["alliance_code"]
        df.loc[alliance, "geography_name"] = resolved["alliance"].fillna(
            df.loc[alliance, "geography_name"])
    england = (df["geography_type"] == "england").fillna(False).astype(bool)
    df.loc[england, "geography_code"] = ENGLAND_CODE
    icb = (df["geography_type"] == "icb").fillna(False).astype(bool)
    if icb.any() and icb_codes is not None:
        lookup = (
            {icb_name_key(n): c for n, c in zip(icb_codes["icb_name"], icb_codes["icb_code"],
                                                strict=True)}
            if isinstance(icb_codes, pd.DataFrame)
            else {icb_name_key(n): c for n, c in icb_codes.items()}
        )
        codes = df.loc[icb, "geography_name"].map(lambda n: lookup.get(icb_name_key(n), pd.NA))
        df.loc[icb, "geography_code"] = codes.astype("string")
        miss = codes.isna()
        local.extend(path, rows[icb][miss], "Geography Name",
                     df.loc[icb, "geography_name"][miss], "ICB name not in the ICB lookup")
    report(quarantine, local, path)

    counts = df[list(STAGE_COLUMNS)]
    df["tumours"] = counts.sum(axis=1)
    df["staged"] = df[["stage_1", "stage_2", "stage_3", "stage_4", "other_early",
                       "other_advanced"]].sum(axis=1)
    df["early"] = df[["stage_1", "stage_2", "other_early"]].sum(axis=1)
    key = ["geography_type", "geography_name", "year", "site"]
    dup = df.duplicated(subset=key, keep=False)
    if dup.any():
        bad = [i + 1 for i, m in enumerate(dup.tolist()) if m]
        raise InputDataError(path, "geography x year x site repeats", rows=bad)
    columns = ["geography_type", "geography_code", "geography_name", "year", "site",
               *STAGE_COLUMNS, "pct_completeness", "tumours", "staged", "early", "source_name"]
    return df.loc[:, [c for c in columns if c in df.columns]]


def to_cube(stage: pd.DataFrame, *, icb_parents: Mapping[str, str] | None = None
            ) -> pd.DataFrame:
    """Return the ``early_stage`` count-cube rows of :func:`read_stage`'s table.

    ``numerator`` = stage 1 + 2 + other early, ``denominator`` = staged (1-4 +
    other early + other advanced); ``period`` is the year. ``dimension`` is
    ``"all"`` (group ``"All"``, the 17 sites summed) or ``"site"`` (group = site).
    ``parent_code``: England ``""``, alliances ``E92000001``, ICBs their
    alliance code from ``icb_parents`` (ICB code -> CAL24 code), else ``""``.
    Rows whose geography did not resolve (``<NA>`` code) are left out; rows
    with no staged tumours are dropped, as :func:`helpers.cube.build_cube` does.
    """
    df = stage[stage["geography_code"].notna()].copy()
    parents = {"england": "", "alliance": ENGLAND_CODE}
    df["parent_code"] = [
        (icb_parents or {}).get(code, "") if kind == "icb" else parents.get(kind, "")
        for kind, code in zip(df["geography_type"], df["geography_code"], strict=True)
    ]
    keys = ["year", "geography_type", "geography_code", "geography_name", "parent_code"]
    by_site = df[[*keys, "site", "early", "staged"]].assign(dimension="site", group=df["site"])
    all_sites = (df.groupby(keys, sort=False, dropna=False)[["early", "staged"]].sum()
                 .reset_index().assign(dimension="all", group="All"))
    both = pd.concat([all_sites, by_site], ignore_index=True)
    cube = pd.DataFrame({
        "period": both["year"].astype(str),
        "geography_type": both["geography_type"].astype(str),
        "geography_code": both["geography_code"].astype(str),
        "geography_name": both["geography_name"].astype(str),
        "parent_code": both["parent_code"].astype(str),
        "indicator": "early_stage",
        "dimension": both["dimension"],
        "group": both["group"].astype(str),
        "numerator": both["early"].astype("int64"),
        "denominator": both["staged"].astype("int64"),
    })
    cube = cube[cube["denominator"] > 0].reset_index(drop=True)
    return cube.loc[:, list(CUBE_COLUMNS)]


_PREVALENCE_NAMES = {
    "Cancer Alliance": "source_name", "Sum of Rate": "prevalence_rate",
    "Sum of Count": "prevalence_count", "MCED": "mced", "population": "population",
}


def read_prevalence(path: Path | str, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read the 2020 cancer prevalence and population by alliance (title line(s) first)."""
    path = check_file(path)
    table = load_table(path, _PREVALENCE_NAMES, ["source_name", "population"],
                       what="prevalence header row")
    rows = table.index.to_series().reset_index(drop=True)
    df = table.reset_index(drop=True)
    df["source_name"] = clean_text(df["source_name"])
    for column, integer in (("prevalence_rate", False), ("prevalence_count", True),
                            ("mced", True), ("population", True)):
        if column in df.columns:
            df[column] = to_number(df[column], path, column, source_rows=rows, integer=integer)
    local = Quarantine()
    df = add_alliance(df, "source_name", path, local, rows=rows)
    report(quarantine, local, path)
    columns = ["source_name", "alliance_code", "alliance", "prevalence_rate",
               "prevalence_count", "mced", "population"]
    return df.loc[:, [c for c in columns if c in df.columns]]


def read(path: Path | str, **kwargs: object) -> pd.DataFrame:
    """Read either NDRS file, chosen from its header."""
    path = check_file(path)
    head = {header_key(c) for row in csv_rows(path)[:10] for c in row}
    if "GEOGRAPHY TYPE" in head:
        return read_stage(path, **kwargs)  # type: ignore[arg-type]
    return read_prevalence(path, **kwargs)  # type: ignore[arg-type]
