"""Urgent referrals: raw record-level files -> ``data/processed/referrals.parquet``.

One row per urgent suspected-cancer, screening or breast-symptomatic referral,
whether or not cancer was found: the population of NHS England's 28-day Faster
Diagnosis Standard (FDS). Columns are :data:`helpers.registry.schema.RAW_REFERRAL_COLUMNS`
(documented in README.md). The same steps as the tumours (read -> check columns ->
parse types -> quarantine rows -> canonicalise -> write) through
:mod:`helpers.ingest.io`; rows in = kept + quarantined.

When no referrals file exists, nothing is written and the cube counts the FDS over
the tumours that came by those routes, a narrower population the reports label
(see :func:`helpers.cube.build_cube`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.config import Paths
from helpers.ingest.io import (
    as_category,
    check_columns,
    count_reasons,
    join_reasons,
    per_value,
    quarantine_view,
    read_table,
    source_files,
    write_parquet,
    write_quarantine_csv,
)
from helpers.ingest.rules import (
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
    PROCESSED_REFERRAL_COLUMNS,
    RAW_REFERRAL_COLUMNS,
    REFERRAL_ROUTES,
    SEXES,
    SUSPECTED_CANCERS,
)

YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})
"""Accepted spellings (any case) of ``cancer_diagnosed``."""

QUARANTINE_FILE = "referrals_quarantine.csv"


@dataclass
class ReferralResult:
    """What reading the referrals did, with counts that reconcile (rows in = kept + set aside)."""

    inputs: list[Path]
    rows_in: int
    kept: int
    quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)


def referral_files(paths: Paths, source: str) -> list[Path]:
    """Return the referrals files of ``source`` (``*referrals*``); may be empty.

    See :func:`helpers.ingest.io.source_files`.
    """
    return source_files(paths, source, "referrals")


def parse_referrals(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Give every column its logical type; raise naming the rows whose values are not of it."""
    from helpers.ingest.clean import parse_types

    check_columns(df, path, RAW_REFERRAL_COLUMNS)
    out = parse_types(df, path, RAW_REFERRAL_COLUMNS)
    out["cancer_diagnosed"] = yes_no(out["cancer_diagnosed"])
    out["tumour_id"] = out["tumour_id"].mask(out["tumour_id"] == "")
    return out


def yes_no(values: pd.Series) -> pd.Series:
    """``True``/``False`` for the spellings in :data:`YES`/:data:`NO` (any case), else ``<NA>``.

    Each distinct value is looked up once, so a column of millions costs what its
    handful of spellings cost.
    """
    codes, uniques = pd.factorize(values)
    lower = [str(u).lower() for u in uniques]
    answer = np.array([v in YES for v in lower] + [False])
    unknown = np.array([v not in YES and v not in NO for v in lower] + [True])
    return pd.Series(pd.arrays.BooleanArray(answer[codes], unknown[codes]), index=values.index,
                     name=values.name)


def quarantine_reasons(df: pd.DataFrame, tumour_ids: pd.Series | None = None,
                       areas: pd.DataFrame | None = None) -> pd.Series:
    """Return, per row, every reason to set it aside (``""`` when none).

    ``tumour_ids``: the kept tumours' ids; a referral naming a tumour that is not
    among them is set aside (its cancer cannot be linked). ``areas``: the areas
    file's table, when one was given (small areas must be in it).
    """
    diagnosed = df["cancer_diagnosed"]
    rules: dict[str, pd.Series] = {
        "missing referral_id": df["referral_id"].isna() | (df["referral_id"] == ""),
        "duplicate referral_id": df["referral_id"].notna()
        & df["referral_id"].duplicated(keep=False),
        "unknown alliance": df["alliance_code"].isna(),
        "missing referral_date": df["referral_date"].isna(),
        "route not urgent suspected cancer, screening or breast symptomatic":
            ~df["route"].isin(REFERRAL_ROUTES),
        "suspected_cancer not a CWT suspected-cancer group":
            ~df["suspected_cancer"].isin(SUSPECTED_CANCERS),
        "told-outcome date before referral": df["told_outcome_date"] < df["referral_date"],
        "cancer_diagnosed not yes or no": diagnosed.isna(),
        "cancer diagnosed without a tumour_id": diagnosed.fillna(False) & df["tumour_id"].isna(),
        "tumour_id given but no cancer diagnosed": (~diagnosed.fillna(True))
        & df["tumour_id"].notna(),
        "sex not Female or Male": ~df["sex"].isin(SEXES),
        "ethnicity not an ONS 2021 broad group or Not known": ~df["ethnicity"].isin(ETHNICITIES),
        "age missing or outside 0-120": ~df["age"].between(0, 120).fillna(False),
        "imd_decile missing or outside 1-10": ~df["imd_decile"].between(1, 10).fillna(False),
        "missing small area or local authority": df[["lsoa_code", "lad_code", "lad_name"]]
        .isna().any(axis=1),
        **period_rules(df, "referral_date"),
        **date_range_rules(df, ("referral_date", "told_outcome_date")),
        **area_rules(df, areas),
        **identifier_rules(df, ("referral_id", "lsoa_code", *GEOGRAPHY)),
    }
    if tumour_ids is not None:
        rules["tumour_id not among the kept tumours"] = df["tumour_id"].notna() & ~df[
            "tumour_id"].isin(set(tumour_ids))
    return join_reasons(rules, df.index)


def canonicalise(df: pd.DataFrame) -> pd.DataFrame:
    """Derive quintile, age band and canonical alliance; keep the allow-listed columns."""
    out = df.copy(deep=False)  # copy-on-write
    out["age"] = out["age"].astype("int64")
    out["imd_decile"] = out["imd_decile"].astype("int64")
    out["imd_quintile"] = (out["imd_decile"] + 1) // 2
    out["age_band"] = pd.cut(out["age"], bins=list(AGE_BAND_EDGES), labels=list(AGE_BANDS),
                             right=False).astype(str)
    out["alliance"] = out["alliance_code"].map({a.code: a.name for a in alliances.ALLIANCES})
    out["cancer_diagnosed"] = out["cancer_diagnosed"].astype(bool)
    out = out.loc[:, list(PROCESSED_REFERRAL_COLUMNS)]
    for col in ("route", "suspected_cancer", "alliance_code", "alliance", "lad_code", "lad_name",
                "icb_code", "icb_name", "age_band", "sex", "ethnicity"):
        out[col] = as_category(out[col])
    for col in ("referral_id", "lsoa_code"):
        out[col] = out[col].astype(str)
    out["tumour_id"] = out["tumour_id"].astype("string")
    return out.reset_index(drop=True)


def read_referrals(files: list[Path], tumour_ids: pd.Series | None = None,
                   areas: pd.DataFrame | None = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Read, type and check every referrals file.

    Returns
    -------
    tuple
        ``(kept, raw, reasons)``: the canonical kept referrals, every raw row
        (typed) and each row's reasons (``""`` when kept).
    """
    frames = []
    for path in files:
        frames.append(parse_referrals(read_table(path), path))
    raw = pd.concat(frames, ignore_index=True)
    raw["alliance_code"] = per_value(raw["alliance"], alliances.resolve_codes)
    reasons = quarantine_reasons(raw, tumour_ids, areas)
    kept = canonicalise(raw[reasons == ""])
    return kept, raw, reasons


def clean_referrals(paths: Paths, source: str, tumour_ids: pd.Series,
                    metadata: dict[str, str], areas: pd.DataFrame | None = None
                    ) -> tuple[pd.DataFrame | None, ReferralResult | None, list[Path]]:
    """Clean the referrals of ``source`` into ``data/processed/referrals.parquet``.

    Returns ``(None, None, [])`` (and removes a stale referrals.parquet) when the
    source has no referrals file.
    """
    out_path = paths.processed / "referrals.parquet"
    files = referral_files(paths, source)
    if not files:
        out_path.unlink(missing_ok=True)
        return None, None, []
    kept, raw, reasons = read_referrals(files, tumour_ids, areas)
    result = ReferralResult(inputs=files, rows_in=len(raw), kept=len(kept),
                            quarantined=int((reasons != "").sum()),
                            reasons=count_reasons(reasons))
    if result.rows_in != result.kept + result.quarantined:  # pragma: no cover - invariant
        raise AssertionError("referral counts do not reconcile")
    held = quarantine_view(raw.loc[reasons != ""]).copy()
    held.insert(0, "reason", reasons[reasons != ""])
    outputs = [
        write_parquet(kept, out_path, metadata),
        write_quarantine_csv(held, paths.quarantine / QUARANTINE_FILE,
                             data_status=metadata["data_status"]),
    ]
    return kept, result, outputs
