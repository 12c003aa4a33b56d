"""Synthetic small areas standing in for LSOAs.

Each ``lad_profile`` row (a local authority, or the part of one inside an
alliance) gets ``n_lsoa11`` synthetic areas with codes ``SYN000001`` ...
(never real LSOA codes). Every area lies in one national IMD quintile; the
areas' populations are set so that the row's population shares by quintile
equal the calibration's exactly (up to whole people), and each area's decile
is drawn as 2q-1 or 2q. The row's 60+ population is split with deprived
areas a little younger, as in England.

The areas of all 20 alliances are always built, from their own random
stream, so an area's code, decile and population do not depend on which
alliances a run selects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synthetic.profiles import QUINTILE_SHARE_COLUMNS
from helpers.synthetic.sampling import largest_remainder, largest_remainder_grouped

AREA_CODE_PREFIX = "SYN"

AREA_SIZE_SHAPE = 20.0
"""Gamma shape of the random area sizes within a quintile (coefficient of variation ~22%)."""

OLDER_BY_DECILE_SLOPE = 0.06
"""Relative 60+ share rises by this much per IMD decile (decile 10 ~1.5x decile 1)."""

AREA_COLUMNS_OUT: tuple[str, ...] = (
    "lsoa_code", "lad_code", "lad_name", "icb_code", "icb_name", "alliance",
    "imd_decile", "population", "alliance_code", "pop_60_plus",
)


def _quintile_counts(lad: pd.DataFrame) -> np.ndarray:
    """Areas per (row, quintile): one for each quintile with people, the rest by share."""
    shares = lad[list(QUINTILE_SHARE_COLUMNS)].to_numpy(dtype=float)
    n = lad["n_lsoa11"].to_numpy(dtype=np.int64)
    present = shares > 0
    n_present = present.sum(axis=1)
    if (n_present > n).any():
        bad = lad.loc[n_present > n, "lad21nm"].tolist()
        raise ValueError(f"calibration rows with more populated quintiles than areas: {bad}")
    spare = largest_remainder(shares * (n - n_present)[:, None], n - n_present)
    return spare + present


def build_areas(lad: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Return one row per synthetic area, for every row of ``lad`` (the full profile).

    Columns: :data:`AREA_COLUMNS_OUT` plus ``lad_row`` (position of the area's
    ``lad`` row, for joining the ethnicity shares) and ``imd_quintile``.
    """
    lad = lad.reset_index(drop=True)
    counts = _quintile_counts(lad)  # rows x 5
    n_rows = len(lad)
    row = np.repeat(np.repeat(np.arange(n_rows), 5), counts.ravel())
    quintile = np.repeat(np.tile(np.arange(1, 6), n_rows), counts.ravel())
    cell = (row * 5 + quintile - 1)  # (row, quintile) group of each area
    n_areas = len(row)

    # shuffle areas within their row, so codes do not run in quintile order
    order = np.lexsort((rng.random(n_areas), row))
    row, quintile, cell = row[order], quintile[order], cell[order]

    # population: the (row, quintile) population split by random area sizes
    pop_total = lad["pop_total"].to_numpy(dtype=float)
    shares = lad[list(QUINTILE_SHARE_COLUMNS)].to_numpy(dtype=float)
    shares = shares / shares.sum(axis=1, keepdims=True)
    size = rng.gamma(AREA_SIZE_SHAPE, size=n_areas)
    size_share = size / np.bincount(cell, weights=size, minlength=n_rows * 5)[cell]
    pop_float = (shares * pop_total[:, None]).ravel()[cell] * size_share
    population = largest_remainder_grouped(pop_float, row, lad["pop_total"].to_numpy())

    decile = 2 * quintile - 1 + (rng.random(n_areas) < 0.5)

    older = population * (1.0 + OLDER_BY_DECILE_SLOPE * (decile - 1)) * rng.gamma(
        AREA_SIZE_SHAPE, 1.0 / AREA_SIZE_SHAPE, size=n_areas
    )
    older_float = older / np.bincount(row, weights=older, minlength=n_rows)[row] * lad[
        "pop_60_plus"
    ].to_numpy(dtype=float)[row]
    pop_60_plus = np.minimum(
        largest_remainder_grouped(older_float, row, lad["pop_60_plus"].to_numpy()), population
    )

    codes = [f"{AREA_CODE_PREFIX}{i:06d}" for i in range(1, n_areas + 1)]

    def from_lad(col: str) -> np.ndarray:
        return lad[col].to_numpy()[row]

    return pd.DataFrame({
        "lsoa_code": codes,
        "lad_code": from_lad("lad21cd"),
        "lad_name": from_lad("lad21nm"),
        "icb_code": from_lad("icb_cd"),
        "icb_name": from_lad("icb"),
        "alliance": from_lad("cal24nm"),
        "imd_decile": decile.astype(np.int64),
        "population": population,
        "alliance_code": from_lad("cal24cd"),
        "pop_60_plus": pop_60_plus.astype(np.int64),
        "lad_row": row,
        "imd_quintile": quintile.astype(np.int64),
    })
