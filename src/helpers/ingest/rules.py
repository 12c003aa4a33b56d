"""Row rules shared by the record-level tables (tumours, referrals): each returns named masks.

Every function returns ``{reason: mask}`` for :func:`helpers.ingest.io.join_reasons`, so a
row breaking several rules lists every reason. The code-list and date-order rules of each
table stay with it (:mod:`helpers.ingest.clean`, :mod:`helpers.ingest.referrals`); these are
the rules both share: dates in range, small areas known, and no identifier where a
pseudonymous or geographic value belongs.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from helpers.ingest.io import FIRST_YEAR, LAST_YEAR, OUT_OF_RANGE, looks_identifying

FIRST_DIAGNOSIS_YEAR = 1990
"""Diagnoses (and referrals) before this year are set aside: the registry series starts then."""

MAX_TEXT = 64
"""Longest id or geographic value kept; a longer one is not a code or a name of a place."""

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
        values = df[col]
        rules[f"{col} looks like an identifier (NHS number, postcode, date or e-mail)"] = (
            looks_identifying(values))
        rules[f"{col} longer than {MAX_TEXT} characters"] = (
            values.astype("string").str.len() > MAX_TEXT).fillna(False)
    return rules


def area_rules(df: pd.DataFrame, areas: pd.DataFrame | None) -> dict[str, pd.Series]:
    """Small areas the areas table does not know, or placed in another local authority or ICB.

    Without an areas file the areas are taken from the records themselves, so only a
    missing small area can be detected (a rule of each table).
    """
    if areas is None:
        return {}
    known = areas.drop_duplicates("lsoa_code").set_index("lsoa_code")
    lsoa = df["lsoa_code"].astype("string")
    unknown = lsoa.notna() & ~lsoa.isin(set(known.index))
    differs = pd.Series(False, index=df.index)
    for col in GEOGRAPHY:
        expected = lsoa.map(known[col].astype(str))
        differs |= (expected.notna() & (df[col].astype("string") != expected)).fillna(False)
    return {
        "small area (lsoa_code) not in the areas table": unknown,
        "local authority or ICB differs from the areas table for its small area": differs,
    }
