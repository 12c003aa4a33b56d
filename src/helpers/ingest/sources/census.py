"""Census 2021 TS021 ethnic group by 2021 LSOA (Nomis bulk CSV).

- :func:`read` -> long table ``lsoa21_code, lsoa21_name, group_level, broad_group, group,
  count`` with ``group_level`` one of ``"total"`` (all usual residents), ``"broad"`` (the 5
  ONS broad groups, named as :data:`helpers.registry.schema.ETHNICITIES`: Asian, Black, Mixed,
  White,
  Other) and ``"detailed"`` (the 19 detailed groups, e.g. "Indian", "Other White";
  ``broad_group`` says which broad group each belongs to).
- :func:`broad_shares` -> wide ``lsoa21_code, total, asian, black, mixed, white, other``
  (shares of ``total``; ``total`` is the count of usual residents).

England only by default (E01 codes: 33,755 LSOA21); Welsh rows with ``england_only=False``.
Each LSOA's broad groups must add up to its total and each broad group's detailed groups
to the broad group; rows that do not are kept and recorded in the quarantine.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from helpers.errors import InputDataError
from helpers.ingest.io import clean_text
from helpers.ingest.sources._common import (
    Quarantine,
    check_file,
    csv_rows,
    header_key,
    is_xlsx,
    load_table,
    report,
    snake,
    sniff_rows,
    to_number,
)
from helpers.registry.schema import ETHNICITIES

BROAD_GROUPS: dict[str, str] = {
    "ASIAN, ASIAN BRITISH OR ASIAN WELSH": "Asian",
    "BLACK, BLACK BRITISH, BLACK WELSH, CARIBBEAN OR AFRICAN": "Black",
    "MIXED OR MULTIPLE ETHNIC GROUPS": "Mixed",
    "WHITE": "White",
    "OTHER ETHNIC GROUP": "Other",
}
"""TS021 broad-group header text (upper case) -> broad group (registry ETHNICITIES)."""

_PREFIX = re.compile(r"^ETHNIC GROUP(?: \(\d+ CATEGORIES\))?: ", re.IGNORECASE)


def _classify(header: str) -> tuple[str, str, str] | None:
    """Return (group_level, broad_group, group) for a TS021 count header, else None."""
    text = str(header).replace("\ufeff", "").strip()
    if not _PREFIX.match(text):
        return None
    rest = _PREFIX.sub("", text)
    if header_key(rest).startswith("TOTAL"):
        return ("total", "Total", "Total")
    broad_text, _, detail = rest.partition(": ")
    broad = BROAD_GROUPS.get(header_key(broad_text))
    if broad is None:
        return ("unknown", broad_text, rest)
    return ("detailed", broad, detail.strip()) if detail else ("broad", broad, broad)


def read(path: Path | str, *, england_only: bool = True,
         quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read TS021 into the long table described in the module docstring."""
    path = check_file(path)
    names = {"geography code": "lsoa21_code", "geography": "lsoa21_name", "date": "date"}
    table = load_table(path, names, ["lsoa21_code"], what="TS021 header row")
    rows = table.index.to_series().reset_index(drop=True)
    df = table.reset_index(drop=True)
    # load_table snake-cased the count headers; classify them from the raw header text.
    raw = _raw_headers(path)
    groups: dict[str, tuple[str, str, str]] = {}
    for header in raw:
        found = _classify(header)
        if found is None:
            continue
        if found[0] == "unknown":
            raise InputDataError(path, "is not a TS021 broad ethnic group", column=header)
        groups[_snake_of(header)] = found
    if not any(level == "total" for level, _, _ in groups.values()):
        raise InputDataError(path, "required column missing (expected "
                             "'Ethnic group: Total: All usual residents')",
                             column="Ethnic group: Total: All usual residents")
    broad_found = {b for level, b, _ in groups.values() if level == "broad"}
    missing = [b for b in ETHNICITIES[:5] if b not in broad_found]
    if missing:
        raise InputDataError(path, f"broad group column(s) missing: {missing}",
                             column=f"Ethnic group: {missing[0]}")
    df["lsoa21_code"] = clean_text(df["lsoa21_code"])
    df["lsoa21_name"] = clean_text(df["lsoa21_name"]) if "lsoa21_name" in df else pd.NA
    if df["lsoa21_code"].isna().any():
        bad = [i + 1 for i, m in enumerate(df["lsoa21_code"].isna().tolist()) if m]
        raise InputDataError(path, "empty geography code(s)", column="geography code", rows=bad)
    if england_only:
        keep = df["lsoa21_code"].str.startswith("E").to_numpy(dtype=bool)
        df, rows = df[keep].reset_index(drop=True), rows[keep].reset_index(drop=True)
    dup = df["lsoa21_code"].duplicated(keep=False)
    if dup.any():
        bad = [i + 1 for i, m in enumerate(dup.tolist()) if m]
        raise InputDataError(path, "LSOA code(s) repeat", column="geography code", rows=bad)
    counts = pd.DataFrame({c: to_number(df[c], path, c, source_rows=rows) for c in groups})

    local = Quarantine()
    total_col = next(c for c, g in groups.items() if g[0] == "total")
    broad_cols = {g[1]: c for c, g in groups.items() if g[0] == "broad"}
    off = (counts[list(broad_cols.values())].sum(axis=1) != counts[total_col]).fillna(True)
    local.extend(path, rows[off], "total", counts.loc[off, total_col],
                 "broad groups do not add up to the total")
    for broad, column in broad_cols.items():
        detail = [c for c, g in groups.items() if g[0] == "detailed" and g[1] == broad]
        if detail:
            off = (counts[detail].sum(axis=1) != counts[column]).fillna(True)
            local.extend(path, rows[off], column, counts.loc[off, column],
                         f"detailed {broad} groups do not add up to the broad group")
    report(quarantine, local, path)

    level_order = {"total": 0, "broad": 1, "detailed": 2}
    ordered = sorted(groups, key=lambda c: level_order[groups[c][0]])  # stable: file order
    n, k = len(df), len(ordered)
    values = counts[ordered].to_numpy(dtype="float64", na_value=float("nan")).reshape(-1)
    out = pd.DataFrame({
        "lsoa21_code": df["lsoa21_code"].to_numpy().repeat(k),
        "lsoa21_name": df["lsoa21_name"].to_numpy().repeat(k),
        "group_level": [groups[c][0] for c in ordered] * n,
        "broad_group": [groups[c][1] for c in ordered] * n,
        "group": [groups[c][2] for c in ordered] * n,
        "count": pd.array(values, dtype="Float64").astype("Int64"),
    })
    for column in ("lsoa21_code", "lsoa21_name", "group_level", "broad_group", "group"):
        out[column] = out[column].astype("string")
    return out


def _raw_headers(path: Path) -> list[str]:
    rows = next(iter(sniff_rows(path, limit=20).values())) if is_xlsx(path) else csv_rows(
        path)[:20]
    for row in rows:
        if any(header_key(c) == "GEOGRAPHY CODE" for c in row):
            return [str(c) for c in row if c is not None]
    return []


def _snake_of(header: str) -> str:
    return snake(header_key(header))


def broad_shares(long: pd.DataFrame) -> pd.DataFrame:
    """Return ``lsoa21_code, total, asian, black, mixed, white, other`` from :func:`read`'s table.

    ``total`` is the count of usual residents; the five group columns are
    shares of it (they sum to 1 where the broad counts add up to the total).
    """
    wide = long[long["group_level"].isin(["total", "broad"])].pivot(
        index="lsoa21_code", columns="group", values="count"
    )
    total = wide["Total"].astype("Float64")
    out = pd.DataFrame({"total": wide["Total"].astype("Int64")}, index=wide.index)
    for group in ETHNICITIES[:5]:
        out[group.lower()] = (wide[group].astype("Float64") / total.where(total > 0)).astype(
            "Float64"
        )
    return out.reset_index()
