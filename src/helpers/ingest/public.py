"""Build the processed tables and the count cube from the official public files.

``data/raw/public`` (filled by ``alliances fetch``) -> ``data/processed``:

- ``areas.parquet``: every 2011 small area with its local authority, ICB and
  alliance (ONS), national IMD 2019 decile and quintile and mid-2015
  population (MHCLG), and Census 2021 ethnic-group shares moved onto 2011
  areas (ONS crosswalk);
- ``cwt_monthly.parquet``: NHS England waiting-time counts by month, provider,
  standard, route and cancer type, with each provider's alliance shares;
- ``cube.parquet``: the count cube. NDRS stage at diagnosis gives
  ``early_stage`` and ``stage_recorded`` by alliance, ICB and England, site and
  year; the 28-day FDS (monthly CSVs, then CWT-CRS) and the 31- and 62-day
  standards (CWT-CRS) give monthly rows by alliance (providers attributed by
  their patients' ICBs, never guessed) and England, by cancer type and route.

Public files hold no patient-level breakdown by deprivation or ethnicity; the
cube has none, and the reports say so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from helpers import files
from helpers.config import Paths
from helpers.cube import CUBE_COLUMNS, ENGLAND_CODE
from helpers.errors import InputDataError
from helpers.ingest import sources
from helpers.ingest.io import write_csv, write_parquet
from helpers.ingest.sources import LAYOUT, Quarantine
from helpers.registry import indicators

FDS_FILES_END = "2024-09"
"""Last month of the monthly FDS files; later months come from CWT-CRS."""


@dataclass
class PublicResult:
    """What the public build read and wrote."""

    inputs: list[Path] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    unmapped_providers: list[str] = field(default_factory=list)
    quarantined: int = 0

    def summary(self) -> str:
        return (f"public data: {len(self.inputs)} files read, {self.quarantined} values set "
                f"aside, {len(self.unmapped_providers)} providers not attributed to one alliance")


def _path(root: Path, key: str) -> Path:
    path = root / LAYOUT[key]
    if not path.exists():
        raise InputDataError(path, "not found: run `alliances fetch` (or `alliances fetch "
                             "--from DIR`) first")
    return path


def build_areas(root: Path, quarantine: Quarantine) -> pd.DataFrame:
    """Small areas (LSOA 2011) with geography, IMD, population and ethnic-group shares."""
    lookup = sources.read_lsoa11_lookup(_path(root, "lsoa11_lookup"), quarantine=quarantine)
    imd = sources.read_imd(_path(root, "imd_file1"), _path(root, "imd_population"),
                           _path(root, "imd_scores"))
    subicb = sources.read_subicb_alliance(_path(root, "subicb_alliance"), quarantine=quarantine)
    icb = subicb.drop_duplicates("sicbl_ods_code").set_index("sicbl_ods_code")
    census = sources.read_census(_path(root, "census_ts021"))
    counts = census[census["group_level"].isin(["total", "broad"])].pivot_table(
        index="lsoa21_code", columns="broad_group", values="count", aggfunc="sum")
    crosswalk = sources.read_crosswalk(_path(root, "crosswalk"))
    population = imd.set_index("lsoa11_code")["population"]
    on11 = sources.lsoa21_to_lsoa11(counts, crosswalk, population)
    shares = on11.drop(columns="Total").div(on11["Total"], axis=0)
    shares.columns = [f"eth_{c.lower()}" for c in shares.columns]
    areas = lookup.merge(imd[["lsoa11_code", "imd_decile", "imd_quintile", "population",
                              "population_60_plus"]], on="lsoa11_code", how="left")
    areas["icb_code"] = areas["ccg21_ods_code"].map(icb["icb_code"])
    areas["icb_name"] = areas["ccg21_ods_code"].map(icb["icb_name"])
    areas = areas.merge(shares, left_on="lsoa11_code", right_index=True, how="left")
    return areas.rename(columns={"lsoa11_code": "lsoa_code"})[
        ["lsoa_code", "lad_code", "lad_name", "icb_code", "icb_name", "alliance_code",
         "alliance", "imd_decile", "imd_quintile", "population", "population_60_plus",
         *shares.columns]].reset_index(drop=True)


def ndrs_cube(root: Path, quarantine: Quarantine) -> pd.DataFrame:
    """Early stage and stage recorded, by alliance, ICB and England, site and year (NDRS)."""
    stage = sources.read_ndrs_stage(_path(root, "ndrs_stage"), quarantine=quarantine)
    early = sources.ndrs.to_cube(stage)
    recorded = sources.ndrs.to_cube(stage.assign(early=stage["tumours"] - stage["missing"],
                                                 staged=stage["tumours"]))
    recorded["indicator"] = "stage_recorded"
    unstageable = sources.ndrs.to_cube(stage.assign(early=stage["unstageable"],
                                                    staged=stage["tumours"]))
    unstageable["indicator"] = "stage_unstageable"
    return pd.concat([early, recorded, unstageable], ignore_index=True)


def waiting_times(root: Path, quarantine: Quarantine) -> pd.DataFrame:
    """Monthly counts per provider for the 28-, 31- and 62-day standards, one table."""
    fds = sources.read_fds_dir(_path(root, "fds_monthly"), quarantine=quarantine)
    fds = pd.DataFrame({
        "month": fds["month"].dt.strftime("%Y-%m"), "level": fds["level"],
        "standard": "fds_28", "provider_code": fds["provider_code"],
        "provider_name": fds["provider_name"], "route": fds["referral_route"],
        "cancer_type": fds["cancer_type"], "total": fds["total"].astype(float),
        "within": fds["within_28"].astype(float),
        "source_file": fds["source_file"], "source_row": fds["source_row"],
    })
    crs = sources.read_crs_dir(_path(root, "crs_extracts"), quarantine=quarantine)
    crs = pd.DataFrame({
        "month": crs["month"].dt.strftime("%Y-%m"), "level": "provider",
        "standard": crs["standard"], "provider_code": crs["provider_code"],
        "provider_name": crs["provider_name"], "route": crs["route"],
        "cancer_type": crs["cancer_type"], "total": crs["total"].astype(float),
        "within": crs["within_standard"].astype(float),
        "source_file": crs["source_file"], "source_row": crs["source_row"],
    })
    crs = crs[(crs["standard"] != "fds_28") | (crs["month"] > FDS_FILES_END)]
    return pd.concat([fds, crs], ignore_index=True)


def _cwt_rows(counts: pd.DataFrame, geography_type: str, code: str, name: str,
              parent: str, dimension: str, column: str | None) -> pd.DataFrame:
    keys = ["month", "standard"] + ([column] if column else [])
    grouped = counts.groupby([*keys, code, name], dropna=False)[["within", "total"]].sum()
    grouped = grouped.reset_index()
    return pd.DataFrame({
        "period": grouped["month"], "geography_type": geography_type,
        "geography_code": grouped[code].astype(str), "geography_name": grouped[name].astype(str),
        "parent_code": parent, "indicator": grouped["standard"], "dimension": dimension,
        "group": grouped[column].astype(str) if column else "All",
        "numerator": grouped["within"].round().astype("int64"),
        "denominator": grouped["total"].round().astype("int64"),
    })


def cwt_cube(counts: pd.DataFrame, attribution: pd.DataFrame) -> pd.DataFrame:
    """Cube rows for the waiting-time standards: England and attributed alliances."""
    providers = counts[counts["level"] == "provider"]
    shares = attribution.dropna(subset=["alliance_code"])
    alliance = providers.merge(shares[["provider_code", "alliance_code", "alliance", "share"]],
                               on="provider_code")
    alliance[["within", "total"]] = alliance[["within", "total"]].mul(alliance["share"], axis=0)
    # England: the national rows where a file has them (FDS), else every provider (CRS)
    national_months = set(counts.loc[counts["level"] == "england", "month"])
    england = pd.concat([
        counts[(counts["level"] == "england")],
        providers[~providers["month"].isin(national_months)],
    ]).assign(_code=ENGLAND_CODE, _name="England")
    frames = []
    for dimension, column in (("all", None), ("cancer_type", "cancer_type"), ("route", "route")):
        frames.append(_cwt_rows(england, "england", "_code", "_name", "", dimension, column))
        frames.append(_cwt_rows(alliance, "alliance", "alliance_code", "alliance",
                                ENGLAND_CODE, dimension, column))
    cube = pd.concat(frames, ignore_index=True)
    cube = cube[cube["denominator"] > 0]
    # only the months a standard applied (e.g. the 28-day FDS from October 2021)
    first_day = pd.to_datetime(cube["period"] + "-01", format="%Y-%m-%d")
    applied = pd.Series(False, index=cube.index)
    for key, part in cube.groupby("indicator").groups.items():
        applied[part] = indicators.get(key).in_window(first_day[part]).to_numpy()
    return cube[applied].loc[:, list(CUBE_COLUMNS)]


def build(paths: Paths) -> PublicResult:
    """Read every public file and write ``data/processed`` for the public source."""
    root = paths.raw_public
    quarantine = Quarantine()
    result = PublicResult()
    areas = build_areas(root, quarantine)
    cube_ndrs = ndrs_cube(root, quarantine)
    counts = waiting_times(root, quarantine)
    lookups = sources.AttributionLookups.from_root(root, quarantine=quarantine)
    seen = counts[counts["level"] == "provider"]
    attribution = sources.attribute_providers(seen["provider_code"].dropna().unique(), lookups)
    unmapped = sources.unmapped_providers(seen, lookups)
    result.unmapped_providers = sorted(unmapped["provider_code"].astype(str).unique())
    cube = pd.concat([cube_ndrs, cwt_cube(counts, attribution)], ignore_index=True)

    manifest = root / "manifest.json"
    recorded = json.loads(manifest.read_text())["files"] if manifest.exists() else {}
    result.inputs = [root / p for p in recorded] or sorted(p for p in root.rglob("*")
                                                           if p.is_file())
    status = {
        "data_status": "PUBLIC",
        "source": "public",
        "synthetic": False,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "description": ("official public data: ONS lookups, IMD 2019, Census 2021, NDRS stage "
                        "at diagnosis, NHS England Cancer Waiting Times"),
        "periods": {k: [min(v), max(v)] for k, v in
                    cube.groupby("indicator")["period"].agg(list).items()},
        "inputs": [{"file": p, "sha256": v["sha256"], "retrieved_at": v["retrieved_at"]}
                   for p, v in recorded.items()],
        "unmapped_providers": result.unmapped_providers,
    }
    out = paths.processed
    meta = {"data_status": status["data_status"], "source": status["source"]}
    for stale in ("tumours.parquet", "activity.parquet", "survival.parquet"):
        (out / stale).unlink(missing_ok=True)
    result.outputs = [
        write_parquet(areas, out / "areas.parquet", meta),
        write_parquet(cube, out / "cube.parquet", meta),
        write_parquet(counts.merge(attribution, on="provider_code", how="left"),
                      out / "cwt_monthly.parquet", meta),
    ]
    held = quarantine.frame()
    result.quarantined = len(held)
    paths.quarantine.mkdir(parents=True, exist_ok=True)
    held_path = paths.quarantine / "public_quarantine.csv"
    write_csv(held, held_path)
    write_csv(unmapped, paths.quarantine / "unmapped_providers.csv")
    status["quarantined_values"] = result.quarantined
    files.write_text(out / "data_status.json", json.dumps(status, indent=2))
    result.outputs += [held_path, out / "data_status.json"]
    return result


STANDARD_WORDS = {"fds_28": "28-day FDS", "cwt_31": "31-day", "cwt_62": "62-day"}


def unattributed(paths: Paths) -> pd.DataFrame | None:
    """The providers left unattributed, with the waiting-time counts they carry.

    Returns None when the processed data were not built from the public files.
    One row per provider: ``provider_code``, ``provider_name``, ``reason``,
    ``files`` (files it appears in) and, per standard (fds_28, cwt_31, cwt_62),
    its count over all months. ``attrs["share_pct"]`` holds, per standard, the
    percentage of all providers' counts that these providers carry.
    """
    listed = paths.quarantine / "unmapped_providers.csv"
    counts = paths.processed / "cwt_monthly.parquet"
    status = paths.processed / "data_status.json"
    if not (listed.exists() and counts.exists() and status.exists()):
        return None
    if json.loads(status.read_text()).get("source") != "public":
        return None  # files left from an earlier public build
    providers = pd.read_csv(listed, dtype=str)
    rows = pd.read_parquet(counts, columns=["month", "level", "standard", "provider_code",
                                            "route", "cancer_type", "total"])
    rows = rows[rows["level"] == "provider"].drop_duplicates(  # one row per alliance share
        ["month", "standard", "provider_code", "route", "cancer_type"])
    totals = (rows.groupby(["provider_code", "standard"], observed=True)["total"].sum()
              .unstack("standard").reindex(columns=list(STANDARD_WORDS)).fillna(0))
    out = (providers.groupby("provider_code", sort=False)
           .agg(provider_name=("provider_name", "first"), reason=("reason", "first"),
                files=("source_file", "nunique"))
           .reset_index())
    out["provider_name"] = out["provider_name"].fillna("(no name in the files)")
    for standard in STANDARD_WORDS:
        out[standard] = out["provider_code"].map(totals[standard]).fillna(0).astype(int)
    out = out.sort_values(list(STANDARD_WORDS), ascending=False, ignore_index=True)
    out.attrs["share_pct"] = {s: 100 * out[s].sum() / totals[s].sum() for s in STANDARD_WORDS}
    return out
