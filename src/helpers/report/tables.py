"""Report tables: cube selections shaped for display, with intervals and suppression.

Every count published through these functions passes :func:`with_intervals`, which
applies the project's disclosure method (:func:`helpers.report.disclosure.suppress`):
small counts are hidden and, by default, enough further cells of each margin group
(a place's groups for one period, a place's years, an alliance's local
authorities, England's alliances) are hidden too that no hidden count can be
worked out by subtracting the shown cells from a total shown elsewhere.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from helpers.analysis import casemix
from helpers.analysis.inequality.unusual import compare_with_target
from helpers.cube import ENGLAND_CODE, pool_periods, select
from helpers.registry import indicators
from helpers.report.disclosure import (
    footnote,
    format_count,
    format_percent,
    suppress,
    suppress_derived,
)
from helpers.stats import add_proportion

IMD_LABELS: dict[str, str] = {
    "1": "1 most deprived",
    "2": "2",
    "3": "3",
    "4": "4",
    "5": "5 least deprived",
}


def with_intervals(rows: pd.DataFrame) -> pd.DataFrame:
    """Add the proportion and its Wilson 95% interval (percent), then apply disclosure control.

    Parameters
    ----------
    rows
        Cube rows (:data:`helpers.cube.CUBE_COLUMNS`). The margin groups are
        read from the cube's columns (:func:`helpers.report.disclosure.margin_groups`),
        so a selection must hold whole groups (every site, every fifth, every year,
        every local authority of the alliance) for the protection to be complete;
        a partial group is treated as a whole one, which can only hide more.

    Returns
    -------
    pandas.DataFrame
        ``rows`` with ``value``, ``lower``, ``upper`` and the ``suppressed`` and
        ``secondary`` flags; hidden counts and rates are NaN.
    """
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
    """Every alliance and England for one indicator and period, best first.

    Adds ``versus_england``: "higher", "lower" or "similar" by the project's one
    rule for unusual values (:func:`helpers.analysis.inequality.unusual.compare_with_target`,
    the funnel test against England's value), "too few to say" where suppressed
    and "" for England itself, and ``significance`` (PHE's funnel label).
    ``attrs["model"]`` is the funnel model.
    """
    ind = indicators.get(indicator)
    raw = select(cube, indicator=indicator, period=period, geography_type=("alliance", "england"))
    rows = with_intervals(raw)
    rows["versus_england"] = ""
    england = raw[raw["geography_type"] == "england"]
    alliance_rows = raw["geography_type"] == "alliance"
    model = None
    if len(england) and alliance_rows.any():
        target = float(england["numerator"].sum() / england["denominator"].sum())
        verdicts = compare_with_target(raw[alliance_rows], target)
        rows.loc[alliance_rows.to_numpy(), "versus_england"] = verdicts["verdict"].to_numpy()
        rows.loc[alliance_rows.to_numpy(), "significance"] = verdicts["significance"].to_numpy()
        model = verdicts.attrs["model"]
    rows.loc[rows["suppressed"] & (rows["geography_type"] == "alliance"),
             "versus_england"] = "too few to say"
    rows = rows.sort_values("value", ascending=not ind.higher_is_better).reset_index(drop=True)
    rows.attrs["model"] = model
    return rows


CASE_MIX_FIGURES = ("crude", "expected", "ratio", "ratio_lower", "ratio_upper", "value",
                    "lower", "upper")
"""The case-mix figures built on an alliance's observed count (hidden with it)."""


def case_mix(cube: pd.DataFrame, period: str, indicator: str = "early_stage") -> pd.DataFrame:
    """Every alliance's case-mix-adjusted share with its verdict, after disclosure control.

    :func:`helpers.analysis.casemix.with_verdicts`, with every figure built on a
    hidden observed count (the ratio, the expected count it would be recovered
    from, the adjusted share) hidden too, and the verdict "too few to say".
    """
    adjusted = suppress_derived(casemix.with_verdicts(cube, period, indicator),
                                CASE_MIX_FIGURES, numerator="observed")
    adjusted.loc[adjusted["suppressed"], "versus_england"] = "too few to say"
    return adjusted


def local_authorities(cube: pd.DataFrame, alliance_code: str, indicator: str) -> pd.DataFrame:
    """The alliance's local authorities for an indicator, pooled over all periods, ranked.

    Adds ``versus_alliance``: "higher", "lower" or "similar" by the project's
    one rule for unusual values (:func:`helpers.analysis.inequality.unusual.compare_with_target`:
    the funnel test against the alliance's value, widened only for detected
    overdispersion), the same verdicts the funnel chart shows; "too few to
    say" where the authority's figures are suppressed; ``significance`` is PHE's
    funnel label. ``attrs["model"]`` is the funnel model.
    """
    ind = indicators.get(indicator)
    raw = pool_periods(select(cube, indicator=indicator, geography_type="lad",
                              parent_code=alliance_code))
    lads = with_intervals(raw)
    whole = pooled(select(cube, indicator=indicator, geography_type="alliance",
                          geography_code=alliance_code))
    reference = float(whole["value"].iloc[0]) if len(whole) else float("nan")
    lads["versus_alliance"] = "similar"
    if len(raw) and np.isfinite(reference):
        verdicts = compare_with_target(raw, reference / 100)
        lads["versus_alliance"] = verdicts["verdict"].to_numpy()
        lads["significance"] = verdicts["significance"].to_numpy()
        lads.attrs["model"] = verdicts.attrs["model"]
    lads.loc[lads["suppressed"], "versus_alliance"] = "too few to say"
    lads = lads.sort_values("value", ascending=not ind.higher_is_better, na_position="last")
    lads.insert(0, "rank", range(1, len(lads) + 1))
    model = lads.attrs.get("model")
    lads = lads.reset_index(drop=True)
    lads.attrs["alliance_value"] = reference
    lads.attrs["model"] = model
    return lads


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


NEGATIVE_ZERO = re.compile(r"(?<![\w.])-(0(?:\.0+)?)(?![\d.])")
"""A rounded value printed as "-0.0": the sign says nothing and misleads."""


def no_negative_zero(text: str) -> str:
    """``"(-0.0 to 12.6)"`` -> ``"(0.0 to 12.6)"``: drop the sign of values that round to zero."""
    return NEGATIVE_ZERO.sub(r"\1", text)


def show(table: pd.DataFrame, caption: str = "", note: str | None = None):
    """Return an HTML rendering of a display table (no index) with the suppression note."""
    from IPython.display import HTML

    note = footnote() if note is None else note
    html = table.to_html(index=False, classes="cai-table", border=0, escape=True)
    cap = f"<p class='cai-caption'><strong>{caption}</strong></p>" if caption else ""
    return HTML(no_negative_zero(f"{cap}{html}<p class='cai-note'>{note}</p>"))
