"""Row rules shared by the record-level tables (tumours, referrals): each returns named masks.

Every function returns ``{reason: mask}`` for :func:`helpers.ingest.io.join_reasons`, so a
row breaking several rules lists every reason. The code-list and date-order rules of each
table stay with it (:mod:`helpers.ingest.clean`, :mod:`helpers.ingest.referrals`); these are
the rules both share: dates in range, small areas known, and no identifier where a
pseudonymous or geographic value belongs.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from helpers.ingest.io import (
    FIRST_YEAR,
    LAST_YEAR,
    OUT_OF_RANGE,
    broadcast,
    distinct_values,
    identifier_shaped,
    longer_than,
)

FIRST_DIAGNOSIS_YEAR = 1990
"""Diagnoses (and referrals) before this year are set aside: the registry series starts then."""

MAX_TEXT = 120
"""Longest id or geographic value kept (the longest ICB name has 77 characters); a longer
one is not a code or the name of a place."""

GEOGRAPHY = ("lad_code", "lad_name", "icb_code", "icb_name")


def date_range_rules(df: pd.DataFrame, columns: Iterable[str]) -> dict[str, pd.Series]:
    """Dates outside 1900-2100 (marked on parsing), e.g. a 9999-12-31 placeholder."""
    return {f"{col} outside {FIRST_YEAR}-{LAST_YEAR} (a placeholder such as 9999-12-31?)":
            df[col + OUT_OF_RANGE] for col in columns if col + OUT_OF_RANGE in df.columns}


def period_rules(df: pd.DataFrame, column: str) -> dict[str, pd.Series]:
    """The main date in the future or before :data:`FIRST_DIAGNOSIS_YEAR`."""
    what = column.replace("_", " ")
    return {
        f"{what} in the future": df[column] > pd.Timestamp.now(),
        f"{what} before {FIRST_DIAGNOSIS_YEAR}": df[column] < pd.Timestamp(FIRST_DIAGNOSIS_YEAR,
                                                                         1, 1),
    }


def identifier_rules(df: pd.DataFrame, columns: Iterable[str]) -> dict[str, pd.Series]:
    """Ids and place columns holding an identifier-shaped or over-long value.

    These columns pass into ``data/processed`` (and place names into the reports), so a
    value shifted there from an identifier column must stop here.
    """
    rules = {}
    for col in columns:
        if col.endswith("_id"):  # one value per row: check the values themselves
            codes, uniques = np.arange(len(df)), pa.array(df[col], pa.string(), from_pandas=True)
        else:
            codes, uniques = distinct_values(df[col])
        rules[f"{col} looks like an identifier (NHS number, postcode, date or e-mail)"] = (
            broadcast(codes, identifier_shaped(uniques), df.index))
        rules[f"{col} longer than {MAX_TEXT} characters"] = broadcast(
            codes, longer_than(uniques, MAX_TEXT), df.index)
    return rules


def area_rules(df: pd.DataFrame, areas: pd.DataFrame | None) -> dict[str, pd.Series]:
    """Small areas the areas table does not know, or placed in another local authority or ICB.

    Without an areas file the areas are taken from the records themselves, so only a
    missing small area can be detected (a rule of each table). Checked on the distinct
    combinations of small area and geography, then broadcast to the rows.
    """
    if areas is None:
        return {}
    cols = ["lsoa_code", *GEOGRAPHY]
    parts = [distinct_values(df[c]) for c in cols]
    key = np.zeros(len(df), dtype=np.int64)
    for codes, uniques in parts:
        key = key * (len(uniques) + 1) + (codes + 1)
    combos, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    seen = df.iloc[first][cols].astype("string").reset_index(drop=True)
    known = areas.drop_duplicates("lsoa_code").set_index("lsoa_code")
    unknown = (seen["lsoa_code"].notna() & ~seen["lsoa_code"].isin(set(known.index))).to_numpy()
    differs = np.zeros(len(seen), dtype=bool)
    for col in GEOGRAPHY:
        expected = seen["lsoa_code"].map(known[col].astype(str))
        differs |= (expected.notna() & (seen[col] != expected)).fillna(False).to_numpy(bool)
    del combos
    return {
        "small area (lsoa_code) not in the areas table": pd.Series(unknown[inverse],
                                                                    index=df.index),
        "local authority or ICB differs from the areas table for its small area":
            pd.Series(differs[inverse], index=df.index),
    }
