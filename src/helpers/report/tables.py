"""Report tables: cube selections shaped for display, with intervals and suppression."""

from __future__ import annotations

import pandas as pd

from helpers.cube import ENGLAND_CODE, pool_periods, select
from helpers.registry import indicators
from helpers.report.disclosure import footnote, format_count, format_percent, suppress
from helpers.stats import add_proportion

IMD_LABELS: dict[str, str] = {
    "1": "1 most deprived",
    "2": "2",
    "3": "3",
    "4": "4",
    "5": "5 least deprived",
}


def with_intervals(rows: pd.DataFrame) -> pd.DataFrame:
    """Add the proportion and its Wilson 95% interval (percent), then suppress small counts."""
    return suppress(add_proportion(rows))


def place_and_england(
    cube: pd.DataFrame, alliance_code: str, indicator: str, dimension: str = "all"
) -> pd.DataFrame:
    """Raw cube rows of one alliance and England; ``place`` holds the area's name.

    England's code belongs to the england level only and an alliance's code to
    the alliance level only, so the two pairs of criteria pick exactly those rows.
    """
    rows = select(cube, indicator=indicator, dimension=dimension,
                  geography_type=("alliance", "england"),
                  geography_code=(alliance_code, ENGLAND_CODE))
    return rows.rename(columns={"geography_name": "place"})


def place_vs_england(
    cube: pd.DataFrame, alliance_code: str, indicator: str, dimension: str = "all"
) -> pd.DataFrame:
    """One alliance and England by period and group, with intervals and suppression."""
    rows = with_intervals(place_and_england(cube, alliance_code, indicator, dimension))
    return rows.sort_values(["place", "period", "group"]).reset_index(drop=True)


def pooled(rows: pd.DataFrame) -> pd.DataFrame:
    """Pool a cube selection over its periods (e.g. 2019-2022) and add intervals."""
    return with_intervals(pool_periods(rows))


def alliances_side_by_side(cube: pd.DataFrame, indicator: str, period: str) -> pd.DataFrame:
    """Every alliance and England for one indicator and period, best first."""
    ind = indicators.get(indicator)
    rows = with_intervals(select(cube, indicator=indicator, period=period,
                                 geography_type=("alliance", "england")))
    return rows.sort_values("value", ascending=not ind.higher_is_better).reset_index(drop=True)


def local_authorities(cube: pd.DataFrame, alliance_code: str, indicator: str) -> pd.DataFrame:
    """The alliance's local authorities for an indicator, pooled over all periods, ranked.

    Adds ``versus_alliance``: "higher", "lower" or "similar", by whether the
    alliance's own value lies outside the authority's 95% interval.
    """
    ind = indicators.get(indicator)
    lads = pooled(select(cube, indicator=indicator, geography_type="lad",
                         parent_code=alliance_code))
    whole = pooled(select(cube, indicator=indicator, geography_type="alliance",
                          geography_code=alliance_code))
    reference = float(whole["value"].iloc[0]) if len(whole) else float("nan")
    lads["versus_alliance"] = "similar"
    lads.loc[lads["lower"] > reference, "versus_alliance"] = "higher"
    lads.loc[lads["upper"] < reference, "versus_alliance"] = "lower"
    lads.loc[lads["suppressed"], "versus_alliance"] = "too few to say"
    lads = lads.sort_values("value", ascending=not ind.higher_is_better, na_position="last")
    lads.insert(0, "rank", range(1, len(lads) + 1))
    lads.attrs["alliance_value"] = reference
    return lads.reset_index(drop=True)


def display_table(
    rows: pd.DataFrame, columns: dict[str, str], percent_label: str = "% (95% CI)"
) -> pd.DataFrame:
    """Format rows for a report: chosen columns renamed, counts and percents as text.

    ``columns`` maps source column -> heading for the descriptive columns; the
    numerator, denominator and percentage columns are appended.
    """
    out = rows[list(columns)].rename(columns=columns).copy()
    out["Number"] = rows["numerator"].map(format_count)
    out["Of"] = rows["denominator"].map(format_count)
    out[percent_label] = [
        format_percent(v, lo, hi)
        for v, lo, hi in zip(rows["value"], rows["lower"], rows["upper"], strict=True)
    ]
    return out.reset_index(drop=True)


def show(table: pd.DataFrame, caption: str = "", note: str | None = None):
    """Return an HTML rendering of a display table (no index) with the suppression note."""
    from IPython.display import HTML

    note = footnote() if note is None else note
    html = table.to_html(index=False, classes="cai-table", border=0, escape=True)
    cap = f"<p class='cai-caption'><strong>{caption}</strong></p>" if caption else ""
    return HTML(f"{cap}{html}<p class='cai-note'>{note}</p>")
