"""Innovation adoption by Cancer Alliances: timelines, diffusion curves, reach, impact.

* :mod:`.timeline` — go-live month and Rogers adopter category per alliance.
* :mod:`.diffusion` — logistic and Bass curves of cumulative uptake, coverage forecasts.
* :mod:`.reach` — coverage, equity of participation, who is missed, stage shift.
* :mod:`.event_study` — difference-in-differences event study with CR1 inference.
* :mod:`.bootstrap` — wild cluster restricted bootstrap tests of the event study.
"""

from .bootstrap import wild_cluster_bootstrap
from .diffusion import (
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
from .event_study import average_effect, did_event_study, pretrend_test
from .reach import participation_by_group, stage_shift, uptake_coverage, uptake_inequality
from .timeline import ROGERS_SHARES, adoption_timeline, rogers_category

__all__ = [
    "ROGERS_SHARES",
    "DiffusionFit",
    "adoption_timeline",
    "average_effect",
    "bass_curve",
    "cumulative_uptake",
    "did_event_study",
    "diffusion_summary",
    "fit_alliance_curves",
    "fit_curve",
    "forecast_coverage",
    "goodness_of_fit",
    "logistic_curve",
    "participation_by_group",
    "pretrend_test",
    "rogers_category",
    "stage_shift",
    "uptake_coverage",
    "uptake_inequality",
    "wild_cluster_bootstrap",
]
