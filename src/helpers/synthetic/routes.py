"""Route to diagnosis (NDRS categories), given site, stage, age and deprivation.

1. Emergency presentation: logistic in a site term, the stage, age over 70 and
   the IMD quintile (about 24% in the most deprived quintile vs 15% in the
   least; ~19% nationally; pancreas, lung and late stage commonest).
2. Screening, for breast, bowel and cervix only, within the programmes' age
   ranges, likelier for early stage and in affluent areas.
3. Otherwise Two Week Wait, GP referral, other outpatient, inpatient elective
   or unknown, with site-specific probabilities (Two Week Wait the largest).
"""

from __future__ import annotations

import numpy as np

from helpers.registry.schema import ROUTES
from helpers.synthetic.sampling import choose_rows, sigmoid

EMERGENCY_SITE_LOGIT: dict[str, float] = {
    "Anus": -2.1, "Bladder": -2.3, "Bowel": -1.4, "Breast": -3.6, "Cervix": -2.5,
    "Head and neck": -2.5, "Kidney": -1.9, "Lung": -0.95, "Oesophagus": -1.7, "Other": -1.0,
    "Ovary": -1.25, "Pancreas": -0.35, "Prostate": -2.9, "Renal pelvis and ureter": -2.1,
    "Skin cancer": -4.5, "Testes": -3.0, "Uterus": -3.0,
}
"""Emergency-presentation log-odds by site, at stage 3, age 70, quintile 3."""

EMERGENCY_STAGE_LOGIT: np.ndarray = np.array([-0.9, -0.4, 0.0, 0.7, 0.2, 0.5])
"""Log-odds shift by stage index (1, 2, 3, 4, unstageable, missing)."""

EMERGENCY_QUINTILE_LOGIT: np.ndarray = np.array([0.22, 0.11, 0.0, -0.11, -0.22])
"""Log-odds shift by IMD quintile 1 (most deprived) .. 5."""

EMERGENCY_AGE_SLOPE = 0.02
"""Log-odds per year of age above 70."""

SCREENING: dict[str, tuple[int, int, float]] = {
    "Breast": (50, 71, 0.42), "Bowel": (56, 74, 0.22), "Cervix": (25, 64, 0.35),
}
"""Site -> (youngest, oldest screened age, base probability among non-emergencies)."""

SCREENING_EARLY_LOGIT = 0.5
SCREENING_QUINTILE_SLOPE = 0.12
"""Screening log-odds: + for stage 1-2, + this per quintile step towards affluence."""

OTHER_ROUTES: tuple[str, ...] = (
    "Two Week Wait", "GP Referral", "Other Outpatient", "Inpatient Elective", "Unknown",
)
DEFAULT_OTHER_PROBS: tuple[float, ...] = (0.52, 0.22, 0.15, 0.04, 0.07)
OTHER_PROBS: dict[str, tuple[float, ...]] = {
    "Breast": (0.80, 0.06, 0.07, 0.01, 0.06),
    "Skin cancer": (0.58, 0.22, 0.12, 0.02, 0.06),
    "Prostate": (0.48, 0.30, 0.13, 0.03, 0.06),
    "Other": (0.36, 0.22, 0.28, 0.07, 0.07),
    "Testes": (0.62, 0.20, 0.10, 0.02, 0.06),
}
"""Probabilities of the remaining routes by site (order of :data:`OTHER_ROUTES`)."""


def assign_route(
    site: np.ndarray,
    sites: tuple[str, ...],
    stage: np.ndarray,
    age: np.ndarray,
    quintile: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return each tumour's route as an index into :data:`helpers.registry.schema.ROUTES`."""
    n = len(site)
    route_index = {r: i for i, r in enumerate(ROUTES)}
    logit = (
        np.array([EMERGENCY_SITE_LOGIT[s] for s in sites])[site]
        + EMERGENCY_STAGE_LOGIT[stage]
        + EMERGENCY_QUINTILE_LOGIT[quintile - 1]
        + EMERGENCY_AGE_SLOPE * (age - 70)
    )
    emergency = rng.random(n) < sigmoid(logit)

    screen_p = np.zeros(n)
    for name, (lo, hi, base) in SCREENING.items():
        mine = (site == sites.index(name)) & (age >= lo) & (age <= hi)
        x = (
            np.log(base / (1 - base))
            + SCREENING_EARLY_LOGIT * (stage[mine] <= 1)
            + SCREENING_QUINTILE_SLOPE * (quintile[mine] - 3)
        )
        screen_p[mine] = sigmoid(x)
    screened = ~emergency & (rng.random(n) < screen_p)

    probs = np.array([OTHER_PROBS.get(s, DEFAULT_OTHER_PROBS) for s in sites])[site]
    other = np.array([route_index[r] for r in OTHER_ROUTES])[choose_rows(probs, rng)]
    route = np.where(
        emergency,
        route_index["Emergency Presentation"],
        np.where(screened, route_index["Screening"], other),
    )
    return route.astype(np.int8)
