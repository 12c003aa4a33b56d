"""Early diagnosis adjusted for case mix: indirect standardisation by site, age band and sex.

Which cancers a place diagnoses (site), and in whom (age, sex), drive the share
found at stage 1-2 far more than the place does. Like NDRS's case-mix adjusted
early-diagnosis measure, each area's expected count of early-stage cancers is
England's early-stage share in each site x age band x sex stratum applied to the
area's staged tumours in that stratum; the indirectly standardised ratio
observed / expected (Byar's interval, exact Poisson below 10 events;
:func:`helpers.stats.standardisation.indirect_standardise`) times England's
crude share is the area's share had its case mix been England's.

The cube holds the strata as dimension :data:`STRATA_DIMENSION` (groups
``"site | age band | sex"``) at alliance and England level.
"""

from __future__ import annotations

import pandas as pd

from helpers.analysis.inequality.unusual import compare_with_target
from helpers.cube import ENGLAND_CODE, GROUP_SEPARATOR, select
from helpers.stats.standardisation import adjusted_share, expected_counts, indirect_standardise

STRATA_DIMENSION = "site x age_band x sex"
"""The cube dimension holding early-stage counts by site, age band and sex."""

STRATA = ("site", "age_band", "sex")


def available(cube: pd.DataFrame, indicator: str = "early_stage") -> bool:
    """Whether the cube holds the case-mix strata for this indicator."""
    return bool(len(select(cube, indicator=indicator, dimension=STRATA_DIMENSION,
                           geography_code=ENGLAND_CODE)))


def _strata(rows: pd.DataFrame) -> pd.DataFrame:
    parts = rows["group"].str.split(GROUP_SEPARATOR, expand=True, regex=False)
    return rows.assign(**{name: parts[i] for i, name in enumerate(STRATA)})


def adjusted_early_diagnosis(cube: pd.DataFrame, periods: list[str] | str,
                             indicator: str = "early_stage") -> pd.DataFrame:
    """Crude and case-mix-adjusted shares of every alliance for the given period(s).

    Parameters
    ----------
    cube
        The count cube, with :data:`STRATA_DIMENSION` rows for ``indicator``.
    periods
        One period or a list (pooled, e.g. every year of the report).
    indicator
        The indicator to adjust (a proportion).

    Returns
    -------
    pandas.DataFrame
        One row per alliance: ``geography_code``, ``geography_name``,
        ``observed``, ``denominator``, ``crude`` (%), ``expected``, ``ratio``,
        ``ratio_lower``, ``ratio_upper`` and ``value``, ``lower``, ``upper``
        (the adjusted share, %, with its 95% interval). ``attrs["england"]``
        is England's crude share (%), the reference.
    """
    periods = [periods] if isinstance(periods, str) else list(periods)
    rows = _strata(select(cube, indicator=indicator, dimension=STRATA_DIMENSION,
                          period=periods, geography_type=("alliance", "england")))
    england = rows[rows["geography_type"] == "england"]
    local = rows[rows["geography_type"] == "alliance"]
    by = ["geography_code", "geography_name"]
    counts = expected_counts(local, england, list(STRATA), by=by)
    totals = local.groupby(by, observed=True)["denominator"].sum().rename("denominator")
    counts = counts.merge(totals.reset_index(), on=by)
    reference = float(england["numerator"].sum() / england["denominator"].sum())
    ratios = indirect_standardise(counts["observed"], counts["expected"])
    shares = adjusted_share(ratios, reference)
    out = counts.assign(
        crude=100 * counts["observed"] / counts["denominator"],
        ratio=ratios["value"].to_numpy(), ratio_lower=ratios["lower"].to_numpy(),
        ratio_upper=ratios["upper"].to_numpy(), value=shares["value"].to_numpy(),
        lower=shares["lower"].to_numpy(), upper=shares["upper"].to_numpy(),
    )
    out.attrs["england"] = 100 * reference
    return out.sort_values("value", ascending=False).reset_index(drop=True)


def with_verdicts(cube: pd.DataFrame, periods: list[str] | str,
                  indicator: str = "early_stage") -> pd.DataFrame:
    """:func:`adjusted_early_diagnosis` plus each alliance's verdict against England.

    ``versus_england`` is the project's one rule for unusual values
    (:func:`helpers.analysis.inequality.unusual.compare_with_target`) applied to
    the standardised ratio observed / expected against 1; ``attrs["model"]`` is
    the ratio funnel's model.
    """
    adjusted = adjusted_early_diagnosis(cube, periods, indicator)
    ratios = pd.DataFrame({"numerator": adjusted["observed"],
                           "denominator": adjusted["expected"]})
    judged = compare_with_target(ratios, 1.0, "ratio")
    adjusted["versus_england"] = judged["verdict"].to_numpy()
    adjusted["significance"] = judged["significance"].to_numpy()
    adjusted.attrs["model"] = judged.attrs["model"]
    return adjusted
