"""Innovation adoption by Cancer Alliances: timelines, diffusion curves, reach, impact.

* :mod:`.timeline` — go-live month and Rogers adopter category per alliance.
* :mod:`.diffusion` — logistic and Bass curves of cumulative uptake, coverage forecasts.
* :mod:`.reach` — coverage, equity of participation, who is missed, stage shift.
* :mod:`.impact` — early against late adopters, event study (:mod:`helpers.stats.did`).
* :mod:`.galleri` — the NHS-Galleri worked example on NHS England's public files.
"""

from helpers.analysis.adoption.diffusion import (
    DiffusionFit,
    bass_curve,
    cumulative_uptake,
    diffusion_summary,
    fit_alliance_curves,
    fit_curve,
    forecast_coverage,
    goodness_of_fit,
    logistic_curve,
)
from helpers.analysis.adoption.reach import (
    participation_by_group,
    stage_shift,
    uptake_coverage,
    uptake_inequality,
)
from helpers.analysis.adoption.timeline import ROGERS_SHARES, adoption_timeline, rogers_category

__all__ = [
    "ROGERS_SHARES",
    "DiffusionFit",
    "adoption_timeline",
    "bass_curve",
    "cumulative_uptake",
    "diffusion_summary",
    "fit_alliance_curves",
    "fit_curve",
    "forecast_coverage",
    "goodness_of_fit",
    "logistic_curve",
    "participation_by_group",
    "rogers_category",
    "stage_shift",
    "uptake_coverage",
    "uptake_inequality",
]
