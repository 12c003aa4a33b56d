"""Stage at diagnosis: exact calibrated counts per cell, assigned with a deprivation gradient.

Within each (alliance, site, year) cell the numbers of early (1-2), late (3-4),
unstageable and missing-stage tumours are fixed by the calibration (see
:mod:`.cells`). Which tumours get which is drawn by weighted sampling without
replacement (Efraimidis-Spirakis keys, top-k per cell):

1. the unstaged (unstageable + missing) are drawn with weights rising with age;
2. among the staged, the early ones are drawn with weights rising with
   affluence, ``exp(EARLY_DEPRIVATION_SLOPE x (q - 1))`` for IMD quintile q
   (1 = most deprived), a small ethnicity factor and an age factor;
3. stage 1 vs 2 and 3 vs 4 (and unstageable vs missing) are split at random.

The site mix by deprivation (:mod:`.placement`) alone makes a national crude
gap of about 4 percentage points in the early-stage share (stage 1-2 of
staged) between the least and the most deprived quintile; the weights add
about 4 more, for about 8 in all (7.96 at the default seed and full scale).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.registry.schema import STAGES
from helpers.synthetic.sampling import top_k_weighted

assert STAGES == ("1", "2", "3", "4", "unstageable", "missing"), "stage codes below follow STAGES"

EARLY_DEPRIVATION_SLOPE = 0.03
"""Log-weight of early-stage selection per IMD quintile step towards affluence."""

EARLY_ETHNICITY_FACTOR: np.ndarray = np.array([0.95, 0.92, 0.97, 1.0, 0.95, 1.0])
"""Early-stage weight by ethnicity code (Asian, Black, Mixed, White, Other, Not known)."""

UNSTAGED_AGE_SLOPE = 0.025
"""Log-weight of being unstaged per year of age above 70."""

EARLY_AGE_SLOPE = -0.006
"""Log-weight of early stage per year of age above 70."""



def assign_stage(
    cell: np.ndarray,
    cells: pd.DataFrame,
    quintile: np.ndarray,
    age: np.ndarray,
    ethnicity: np.ndarray,
    rng: np.random.Generator,
    *,
    inequality: bool = True,
) -> np.ndarray:
    """Return each tumour's stage as an index into :data:`helpers.registry.schema.STAGES`.

    ``cell`` is each tumour's row position in ``cells`` (from :func:`.cells.cell_counts`);
    the cell must hold exactly ``cells.n`` tumours. ``inequality=False`` drops the
    deprivation and ethnicity factors of the early-stage weight (age still counts).
    """
    def per_tumour(col: str) -> np.ndarray:
        return cells[col].to_numpy()[cell]

    n_unstaged = per_tumour("n_unstageable") + per_tumour("n_missing")
    older = age - 70.0
    unstaged = top_k_weighted(cell, np.exp(UNSTAGED_AGE_SLOPE * older), n_unstaged, rng)
    staged = ~unstaged

    weight = np.exp(EARLY_AGE_SLOPE * older)
    if inequality:
        weight = (weight * np.exp(EARLY_DEPRIVATION_SLOPE * (quintile - 1))
                  * EARLY_ETHNICITY_FACTOR[ethnicity])
    early = top_k_weighted(cell, weight, per_tumour("n_early"), rng, eligible=staged)
    late = staged & ~early

    flat = np.ones(len(cell))
    stage_1 = top_k_weighted(cell, flat, per_tumour("n_stage_1"), rng, eligible=early)
    stage_3 = top_k_weighted(cell, flat, per_tumour("n_stage_3"), rng, eligible=late)
    unstageable = top_k_weighted(
        cell, flat, per_tumour("n_unstageable"), rng, eligible=unstaged
    )

    stage = np.full(len(cell), 5, dtype=np.int8)  # missing
    stage[unstageable] = 4
    stage[late] = 3
    stage[stage_3] = 2
    stage[early] = 1
    stage[stage_1] = 0
    return stage
