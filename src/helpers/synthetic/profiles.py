"""The packaged calibration constants and the choice of alliances to generate.

Two aggregated public tables ship in ``calibration/`` beside this module
(see the comment line at the top of each for its sources and licence):

* ``lad_profile.csv``: one row per (local authority, CAL21 alliance) with the
  CAL24 alliance, ICB, population, IMD quintile shares and ethnicity shares;
* ``alliance_stage_profile.csv``: NDRS tumours and stage counts per CAL24
  alliance (plus England), site and diagnosis year 2019-2022.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources

import pandas as pd

from helpers.errors import ParameterError

ENGLAND_NAME = "England"
CALIBRATION_YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022)

CALIBRATION_SOURCES: tuple[str, ...] = (
    "ONS LSOA11-CCG21-STP21-CAL21-LAD21 lookup and CAL24 alliance names and codes",
    "MHCLG English Indices of Deprivation 2019, File 6 mid-2015 population denominators",
    "ONS Census 2021 TS021 ethnic group",
    "NHS England 2022 Sub-ICB to Cancer Alliance mapping",
    "NDRS (NHS England) cancer stage at diagnosis by site, 2013-2022",
)
"""Sources of the calibration tables (Open Government Licence v3.0)."""

QUINTILE_SHARE_COLUMNS: tuple[str, ...] = tuple(f"imd_q{q}_share" for q in range(1, 6))
ETHNICITY_SHARE_COLUMNS: tuple[str, ...] = (
    "eth_asian", "eth_black", "eth_mixed", "eth_white", "eth_other",
)
"""Census shares in the order of the registry's ETHNICITIES (without "Not known")."""


@cache
def _read(name: str) -> pd.DataFrame:
    with resources.files(__package__).joinpath("calibration", name).open("r") as fh:
        return pd.read_csv(fh, comment="#")


def lad_profile() -> pd.DataFrame:
    """Return the local-authority profile (a fresh copy), in file order."""
    return _read("lad_profile.csv").copy()


def stage_profile() -> pd.DataFrame:
    """Return the alliance x site x year stage counts, without the England rows."""
    df = _read("alliance_stage_profile.csv")
    return df[df["cal24nm"] != ENGLAND_NAME].reset_index(drop=True)


def alliance_names() -> list[str]:
    """Return the 20 CAL24 alliance names, sorted."""
    return sorted(lad_profile()["cal24nm"].unique())


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def resolve_alliances(alliances: Sequence[str] | None) -> list[str]:
    """Return the canonical CAL24 names of ``alliances`` (names or codes), in the order given.

    ``None`` means all 20. Matching ignores case and repeated whitespace;
    duplicates are dropped.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming every unknown entry and listing the valid names.
    """
    lad = lad_profile()
    pairs = lad[["cal24cd", "cal24nm"]].drop_duplicates()
    if alliances is None:
        return sorted(pairs["cal24nm"])
    if isinstance(alliances, str):
        alliances = [alliances]
    lookup = {_key(nm): nm for nm in pairs["cal24nm"]}
    lookup.update({_key(cd): nm for cd, nm in zip(pairs["cal24cd"], pairs["cal24nm"], strict=True)})
    unknown = [a for a in alliances if _key(a) not in lookup]
    if unknown:
        valid = "; ".join(f"{nm} ({cd})" for cd, nm in sorted(
            zip(pairs["cal24cd"], pairs["cal24nm"], strict=True), key=lambda p: p[1]))
        raise ParameterError(
            f"Unknown Cancer Alliance(s) {unknown!r} for the synthetic generator. "
            f"Valid CAL24 names (codes): {valid}"
        )
    chosen = [lookup[_key(a)] for a in alliances]
    if not chosen:
        raise ParameterError("alliances is empty: give at least one CAL24 name or code, or None")
    return list(dict.fromkeys(chosen))


def resolve_years(years: Sequence[int]) -> list[int]:
    """Return the sorted distinct ``years``; each must be a calibration year (2019-2022)."""
    try:
        chosen = sorted({int(y) for y in years})
    except (TypeError, ValueError):
        raise ParameterError(f"years must be integers, got {years!r}") from None
    bad = [y for y in chosen if y not in CALIBRATION_YEARS]
    if bad or not chosen:
        raise ParameterError(
            f"years {bad or list(years)!r} not available: the calibration covers "
            f"{', '.join(map(str, CALIBRATION_YEARS))}"
        )
    return chosen
