"""Survival after diagnosis by place and group, the deprivation gap and whether it is closing.

Input: the follow-up cohort (``data/processed/survival.parquet``, columns
:data:`helpers.registry.schema.SURVIVAL_COLUMNS`). Every figure is observed
(all-cause) survival, age-standardised with the ICSS weights (standard 1, the one for
all cancers together; :func:`helpers.stats.survival.age_standardised`), as a
percentage with its 95% interval. All sites are pooled and only age is standardised:
ONS and NDRS publish net survival by site, and NDRS's index of cancer survival also
standardises for sex and site, so these figures are not comparable with theirs.

The deprivation gap is the least deprived fifth's survival minus the most deprived
fifth's, in percentage points: positive means the most deprived fare worse (the
project's sign). Whether it is closing is read from the 1-year gap by year of
diagnosis with :func:`helpers.stats.gap_trend` (the same rule as every other gap
trend: a change is named only when the slope's interval excludes zero).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.registry.schema import ETHNICITIES, STAGES
from helpers.stats import gap_trend
from helpers.stats.survival import age_standardised, survival_difference

DAYS_PER_YEAR = 365.25
HORIZONS: tuple[int, ...] = (1, 5)
"""Years after diagnosis at which survival is read."""

BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "all": ("All",),
    "stage": STAGES,
    "imd_quintile": ("1", "2", "3", "4", "5"),
    "ethnicity": ETHNICITIES,
}
"""Breakdowns of the survival table and their groups in display order."""

MOST_DEPRIVED, LEAST_DEPRIVED = "1", "5"


def _in_group(cohort: pd.DataFrame, dimension: str, group: str) -> np.ndarray:
    """Which patients belong to ``group`` (compared in the column's own type, no copy)."""
    if dimension == "all":
        return np.ones(len(cohort), dtype=bool)
    column = cohort[dimension]
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy() == int(group)
    return (column == group).to_numpy(dtype=bool)


def survival_rows(cohort: pd.DataFrame, dimension: str = "all",
                  horizons: tuple[int, ...] = HORIZONS,
                  groups: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Age-standardised survival of each group of one breakdown at each horizon.

    ``groups``: the groups to estimate (default: all of :data:`BREAKDOWNS`'s for the
    breakdown).

    Returns
    -------
    pandas.DataFrame
        ``dimension``, ``group``, ``horizon`` (years), ``value``, ``lower``, ``upper`` (%),
        ``variance`` (of the fraction), ``denominator`` (patients), ``numerator`` (deaths by
        the horizon) and ``at_risk``. Groups with no patients are left out.
    """
    rows = []
    years = cohort["days"].to_numpy(dtype=float) / DAYS_PER_YEAR
    died = cohort["died"].to_numpy(dtype=bool)
    age = cohort["age"].to_numpy(dtype=float)
    for group in groups or BREAKDOWNS[dimension]:
        mine = _in_group(cohort, dimension, group)
        if not mine.any():
            continue
        est = age_standardised(years[mine], died[mine], age[mine], tuple(map(float, horizons)))
        for h, row in zip(horizons, est.itertuples(index=False), strict=True):
            rows.append({
                "dimension": dimension, "group": group, "horizon": h,
                "value": 100 * row.survival, "lower": 100 * row.lower,
                "upper": 100 * row.upper, "variance": row.variance,
                "denominator": int(row.patients), "numerator": int(row.deaths),
                "at_risk": int(row.at_risk),
            })
    return pd.DataFrame(rows, columns=["dimension", "group", "horizon", "value", "lower",
                                       "upper", "variance", "denominator", "numerator",
                                       "at_risk"])


def survival_table(cohort: pd.DataFrame, dimensions: tuple[str, ...] = tuple(BREAKDOWNS),
                   horizons: tuple[int, ...] = HORIZONS) -> pd.DataFrame:
    """:func:`survival_rows` for several breakdowns, stacked."""
    return pd.concat([survival_rows(cohort, d, horizons) for d in dimensions],
                     ignore_index=True)


def deprivation_gap(rows: pd.DataFrame) -> pd.DataFrame:
    """Least minus most deprived fifth's survival at each horizon, in percentage points.

    ``rows``: :func:`survival_rows` by ``imd_quintile``. Returns ``horizon``, ``estimate``,
    ``lower``, ``upper`` (NaN where either fifth has no estimate).
    """
    out = []
    for h, block in rows[rows["dimension"] == "imd_quintile"].groupby("horizon"):
        by = block.set_index("group")
        if not {MOST_DEPRIVED, LEAST_DEPRIVED} <= set(by.index):
            continue
        least, most = (by.loc[g, ["value", "variance"]] for g in (LEAST_DEPRIVED, MOST_DEPRIVED))
        pair = [pd.Series({"survival": r["value"] / 100, "variance": r["variance"]})
                for r in (least, most)]
        d, lo, hi = survival_difference(*pair)
        out.append({"horizon": int(h), "estimate": 100 * d, "lower": 100 * lo,
                    "upper": 100 * hi})
    return pd.DataFrame(out, columns=["horizon", "estimate", "lower", "upper"])


def gap_by_year(cohort: pd.DataFrame, horizon: int = 1
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The deprivation gap at ``horizon`` by year of diagnosis, its trend and its inputs.

    Returns
    -------
    tuple
        ``(years, trend, rows)``: ``years`` has ``period``, ``estimate``, ``lower``, ``upper``
        (percentage points) for each year with a gap; ``trend`` is
        :func:`helpers.stats.gap_trend`'s row for it (``slope`` in points per year,
        ``trend``: widening, narrowing or no clear change), empty with fewer than two years;
        ``rows`` the two fifths' :func:`survival_rows` each year (column ``period``), for
        disclosure control.
    """
    blocks, inputs = [], []
    for year, rows in cohort.groupby("year", sort=True):
        fifths = survival_rows(rows, "imd_quintile", (horizon,), (MOST_DEPRIVED, LEAST_DEPRIVED))
        inputs.append(fifths.assign(period=int(year)))
        gap = deprivation_gap(fifths)
        gap = gap[np.isfinite(gap["estimate"])]
        if not gap.empty:
            blocks.append(gap.assign(period=int(year)))
    rows = pd.concat(inputs, ignore_index=True) if inputs else pd.DataFrame()
    if not blocks:
        empty = pd.DataFrame(columns=["period", "estimate", "lower", "upper"])
        return empty, gap_trend(empty.assign(measure=[]), period="period"), rows
    years = pd.concat(blocks, ignore_index=True)[["period", "estimate", "lower", "upper"]]
    return years, gap_trend(years.assign(measure="d"), period="period"), rows
