"""Every figure of a report as one tidy table, in the spirit of OHID Fingertips' data export.

One row per indicator, period, area, breakdown and group, with the value, its
95% interval and the counts. The rows are made by the same table functions, on
the same selections, that make the report's own tables (by year:
:func:`helpers.report.tables.place_vs_england`; by group, pooled over the years:
:meth:`helpers.report.context.Context.pooled_groups`; local authorities:
:func:`helpers.report.tables.local_authorities`; on the England page, the
alliances side by side: :func:`helpers.report.tables.alliances_side_by_side`),
so each figure has passed the same disclosure step and carries the same
suppression as the table that shows it. Breakdowns are one dimension at a
time (:data:`CROSS`).
"""

from __future__ import annotations

import pandas as pd

from helpers.cube import select
from helpers.registry import indicators
from helpers.report import tables
from helpers.report.context import Context
from helpers.report.disclosure import SUPPRESSED

COLUMNS: tuple[str, ...] = (
    "indicator", "indicator_name", "period", "area_type", "area_code", "area_name",
    "breakdown", "group", "value_percent", "lower_95", "upper_95", "numerator", "denominator",
    "compared_with", "verdict",
)
"""The tidy table's columns (``value_percent`` and its limits in percent, 1 dp)."""

CROSS = " x "
"""Crossed breakdowns (deprivation x ethnicity, the case-mix strata) are left out: the
report shows them as a model and a heat map, not as a table of figures."""


def _tidy(rows: pd.DataFrame, key: str, compared_with: str = "", verdict: str = "") -> pd.DataFrame:
    """Suppressed table rows -> the tidy columns, numbers formatted as the tables show them."""
    ind = indicators.get(key)
    name = rows["place"] if "place" in rows else rows["geography_name"]

    def number(values: pd.Series, digits: int) -> list[str]:
        return [SUPPRESSED if pd.isna(v) else f"{v:.{digits}f}" for v in values]

    return pd.DataFrame({
        "indicator": key,
        "indicator_name": ind.title,
        "period": rows["period"].to_numpy(),
        "area_type": rows["geography_type"].to_numpy(),
        "area_code": rows["geography_code"].to_numpy(),
        "area_name": name.to_numpy(),
        "breakdown": rows["dimension"].to_numpy(),
        "group": rows["group"].to_numpy(),
        "value_percent": number(rows["value"], 1),
        "lower_95": number(rows["lower"], 1),
        "upper_95": number(rows["upper"], 1),
        "numerator": number(rows["numerator"], 0),
        "denominator": number(rows["denominator"], 0),
        "compared_with": compared_with,
        "verdict": rows[verdict].to_numpy() if verdict else "",
    })


def tidy_figures(ctx: Context) -> pd.DataFrame:
    """Every indicator figure of the place's report (an alliance, or England), tidy.

    Parameters
    ----------
    ctx
        The report's context (:func:`helpers.report.context.load`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; suppressed numbers are ``*``, as in the tables.
    """
    frames = []
    keys = [k for k in indicators.INDICATORS if ctx.has(k)]
    dimensions = sorted(set(select(ctx.cube, indicator=keys, dimension=None)["dimension"]))
    for key in keys:
        frames.append(_tidy(tables.place_vs_england(ctx.cube, ctx.code, key), key))
        for dimension in dimensions:
            if dimension != "all" and CROSS not in dimension and ctx.has(key, dimension):
                frames.append(_tidy(ctx.pooled_groups(key, dimension), key))
        if ctx.alliance is None:
            rows = tables.alliances_side_by_side(ctx.cube, key, ctx.latest(key))
            alliance_rows = rows[rows["geography_type"] == "alliance"]
            frames.append(_tidy(alliance_rows, key, "England", "versus_england"))
        elif not select(ctx.cube, indicator=key, geography_type="lad",
                        parent_code=ctx.code).empty:
            lads = tables.local_authorities(ctx.cube, ctx.code, key)
            frames.append(_tidy(lads, key, ctx.place, "versus_alliance"))
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(frames, ignore_index=True).loc[:, list(COLUMNS)]
