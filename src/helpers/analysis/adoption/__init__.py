"""Innovation adoption by Cancer Alliances: timelines, diffusion curves, reach, impact.

* :mod:`.timeline` — go-live month and Rogers adopter category per alliance.
* :mod:`.diffusion` — logistic and Bass curves of cumulative uptake, coverage forecasts.
* :mod:`.reach` — participation by group, who is missed, equity of participation.
* :mod:`.impact` — staggered roll-out: Callaway-Sant'Anna event study with not-yet-treated
  controls; single-date event study with a wild bootstrap (:mod:`helpers.stats.did`).
* :mod:`.stage` — stage of programme-found cancers against the others, same sites,
  alliances and years after go-live (descriptive).
* :mod:`.galleri` — the NHS-Galleri worked example on NHS England's public files.
"""

from helpers.analysis.adoption.diffusion import (
    DiffusionFit,
    bass_curve,
    cumulative_uptake,
    fit_curve,
    forecast_coverage,
    logistic_curve,
)
from helpers.analysis.adoption.reach import participation_by_group, uptake_inequality
from helpers.analysis.adoption.timeline import ROGERS_SHARES, adoption_timeline, rogers_category

__all__ = [
    "ROGERS_SHARES",
    "DiffusionFit",
    "adoption_timeline",
    "bass_curve",
    "cumulative_uptake",
    "fit_curve",
    "forecast_coverage",
    "logistic_curve",
    "participation_by_group",
    "rogers_category",
    "uptake_inequality",
]
