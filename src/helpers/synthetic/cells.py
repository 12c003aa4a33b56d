"""How many tumours, and of which stage, each (alliance, site, year) cell gets.

The counts come straight from the NDRS calibration: at ``scale=1`` every cell
has exactly the published tumours, staged, early, unstageable and missing
counts. At another scale each count is multiplied and rounded (the cell total
to the nearest integer, its four stage groups by largest remainder so they add
up to it, every one within 1 of the scaled figure).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synthetic.sampling import largest_remainder


def _split(total: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Round ``total`` x first / (first + second); an even split when both are 0."""
    both = first + second
    share = np.divide(first, both, out=np.full(len(both), 0.5), where=both > 0)
    return np.floor(total * share + 0.5).astype(np.int64)


def cell_counts(
    stage_profile: pd.DataFrame, alliances: list[str], years: list[int], scale: float
) -> pd.DataFrame:
    """Return one row per (alliance, site, year) cell with its scaled stage counts.

    ``n_early`` = stage 1 + 2 + other early, ``n_late`` = stage 3 + 4 + other
    advanced; ``n_stage_1`` of the early and ``n_stage_3`` of the late are split
    in the cell's stage 1 : 2 and 3 : 4 proportions (other early/advanced folded in).
    """
    sp = stage_profile[
        stage_profile["cal24nm"].isin(alliances) & stage_profile["year"].isin(years)
    ]
    sp = sp.sort_values(["year", "cal24nm", "site"]).reset_index(drop=True)
    groups = np.column_stack([
        sp["early"], sp["staged"] - sp["early"], sp["unstageable"], sp["missing"],
    ]).astype(float) * scale
    total = np.floor(sp["tumours"].to_numpy() * scale + 0.5).astype(np.int64)
    early, late, unstageable, missing = largest_remainder(groups, total).T
    return pd.DataFrame({
        "alliance": sp["cal24nm"].to_numpy(),
        "site": sp["site"].to_numpy(),
        "year": sp["year"].to_numpy(dtype=np.int64),
        "n": total,
        "n_early": early,
        "n_late": late,
        "n_unstageable": unstageable,
        "n_missing": missing,
        "n_stage_1": _split(early, sp["stage_1"].to_numpy(), sp["stage_2"].to_numpy()),
        "n_stage_3": _split(late, sp["stage_3"].to_numpy(), sp["stage_4"].to_numpy()),
    })
