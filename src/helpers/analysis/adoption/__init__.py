"""Innovation adoption by Cancer Alliances: timelines, diffusion curves, reach, impact.

* :mod:`.timeline` — go-live month and Rogers adopter category per alliance.
* :mod:`.diffusion` — logistic and Bass curves of cumulative uptake, coverage forecasts.
* :mod:`.reach` — participation by group, who is missed, equity of participation.
* :mod:`.impact` — early against late adopters, event study (:mod:`helpers.stats.did`).
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
