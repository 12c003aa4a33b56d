"""Sentences generated from the numbers, claiming no difference the intervals do not support.

Rules:
- two groups of one place are compared with Newcombe's 95% interval for the
  difference; a gap is stated only when that interval excludes zero;
- a place against England (of which it is part) differs only when England's
  value lies outside the place's 95% interval;
- a value meets or misses a target only when its whole interval is on one side;
- suppressed rows are never quoted.
"""

from __future__ import annotations

import pandas as pd

from helpers.registry.indicators import Indicator
from helpers.stats import compare_proportions


def pct(value: float) -> str:
    """A percentage to one decimal place."""
    return f"{value:.1f}%"


def ci(row: pd.Series) -> str:
    """The row's 95% interval in words."""
    return f"95% CI {row['lower']:.1f}-{row['upper']:.1f}%"


def _quotable(*rows: pd.Series) -> bool:
    return all(not bool(r.get("suppressed", False)) and pd.notna(r["value"]) for r in rows)


def _raw(row: pd.Series) -> tuple[float, float]:
    """The counts behind a quotable row."""
    return float(row["numerator"]), float(row["denominator"])


def group_gap(
    place: str,
    indicator: Indicator,
    disadvantaged: pd.Series,
    advantaged: pd.Series,
    disadvantaged_label: str,
    advantaged_label: str,
) -> str:
    """Compare two groups of one place, e.g. the most and least deprived fifths.

    Examples
    --------
    "In West London, 48.0% of cancers in the most deprived fifth were found at
    stage 1-2, against 56.1% in the least deprived: 8.1 percentage points lower
    (95% CI 5.9 to 10.3), so the most deprived fifth is worse off."
    """
    if not _quotable(disadvantaged, advantaged):
        return (
            f"In {place}, the numbers of {indicator.subject} in the {disadvantaged_label} or the "
            f"{advantaged_label} are too small to compare."
        )
    d, lo, hi = compare_proportions(*_raw(disadvantaged), *_raw(advantaged))
    a, b = disadvantaged["value"], advantaged["value"]
    opening = (
        f"In {place}, {pct(a)} of {indicator.subject} in the {disadvantaged_label} "
        f"{indicator.predicate}, against {pct(b)} in the {advantaged_label}"
    )
    if lo > 0 or hi < 0:
        direction = "higher" if d > 0 else "lower"
        worse = (d < 0) == indicator.higher_is_better
        who = disadvantaged_label if worse else advantaged_label
        return (
            f"{opening}: {abs(d):.1f} percentage points {direction} "
            f"(95% CI {min(abs(lo), abs(hi)):.1f} to {max(abs(lo), abs(hi)):.1f}), "
            f"so the {who} is worse off."
        )
    return (
        f"{opening}; the difference is within what chance alone could produce, "
        "so no gap is claimed."
    )


def versus_england(place: str, indicator: Indicator, row: pd.Series, england: pd.Series) -> str:
    """Place against England in one period."""
    if not _quotable(row, england):
        return f"In {place}, the numbers of {indicator.subject} are too small to report."
    opening = (
        f"In {row['period']}, {pct(row['value'])} ({ci(row)}) of {indicator.subject} in {place} "
        f"{indicator.predicate}"
    )
    e = england["value"]
    if e < row["lower"]:
        word = "better than" if indicator.higher_is_better else "worse than"
        return f"{opening}: higher than England's {pct(e)}, {word} the national figure."
    if e > row["upper"]:
        word = "worse than" if indicator.higher_is_better else "better than"
        return f"{opening}: lower than England's {pct(e)}, {word} the national figure."
    return f"{opening}, similar to England's {pct(e)}."


def against_target(place: str, indicator: Indicator, row: pd.Series) -> str:
    """Whether a value meets the indicator's national target, respecting its interval."""
    if indicator.target is None or not _quotable(row):
        return ""
    t = indicator.target
    head = f"{place}, {row['period']}: {indicator.short} {pct(row['value'])} ({ci(row)})"
    if row["lower"] >= t:
        return f"{head}, meeting the {t:g}% target."
    if row["upper"] < t:
        return f"{head}, below the {t:g}% target by {t - row['value']:.1f} percentage points."
    return f"{head}, not distinguishable from the {t:g}% target."


def trend(place: str, indicator: Indicator, first: pd.Series, last: pd.Series) -> str:
    """Change between the first and last period, stated only when beyond chance."""
    if not _quotable(first, last):
        return ""
    d, lo, hi = compare_proportions(*_raw(last), *_raw(first))
    span = (
        f"from {pct(first['value'])} in {first['period']} "
        f"to {pct(last['value'])} in {last['period']}"
    )
    share = f"In {place}, the share of {indicator.subject} that {indicator.predicate}"
    if lo > 0:
        return f"{share} rose {span}."
    if hi < 0:
        return f"{share} fell {span}."
    return (
        f"In {place}, the share of {indicator.subject} that {indicator.predicate} was "
        f"{pct(first['value'])} in {first['period']} and {pct(last['value'])} in {last['period']}: "
        "no change beyond chance."
    )


def target_status(indicator: Indicator, row: pd.Series) -> str:
    """Return "met", "missed", "not distinguishable" or "suppressed" for one row."""
    if not _quotable(row):
        return "suppressed"
    if row["lower"] >= indicator.target:
        return "met"
    if row["upper"] < indicator.target:
        return "missed"
    return "not distinguishable"


def _relation(indicator: Indicator, row: pd.Series, england: pd.Series) -> str:
    if england["value"] < row["lower"]:
        return "above"
    if england["value"] > row["upper"]:
        return "below"
    return "similar to"


def headline_versus_england(
    place: str, indicator: Indicator, row: pd.Series, england: pd.Series
) -> str:
    """A chart title stating the place's latest figure against England's."""
    if not _quotable(row, england):
        return f"{indicator.title}, {place}"
    relation = _relation(indicator, row, england)
    return (
        f"{place}: {indicator.short.lower()} {pct(row['value'])} in {row['period']}, "
        f"{relation} England ({pct(england['value'])})"
    )


def headline_gap(indicator: Indicator, sentences: str, place: str, dimension: str) -> str:
    """A chart title stating whether any group gap was supported by the intervals."""
    if "worse off" in sentences:
        if dimension == "deprivation":
            return f"{place}: {indicator.short.lower()} differs by deprivation beyond chance"
        return f"{place}: {indicator.short.lower()} differs between ethnic groups beyond chance"
    return f"{place}: no {dimension} gap in {indicator.short.lower()} beyond chance"


def spread(place: str, indicator: Indicator, top: pd.Series, bottom: pd.Series, n: int,
           worse: int, areas: str) -> str:
    """The range across a place's areas and how many are worse than the place beyond chance."""
    count = "1 is" if worse == 1 else f"{worse} are"
    return (
        f"Across {n} {areas} in {place}, {indicator.short.lower()} ranged from "
        f"{pct(top['value'])} in {top['geography_name']} to {pct(bottom['value'])} in "
        f"{bottom['geography_name']}; {count} worse than {place} as a whole beyond chance."
    )


def alliances_against_england(
    indicator: Indicator, alliances: pd.DataFrame, england: pd.Series, period: str
) -> str:
    """How many alliances are better or worse than England beyond chance."""
    above = int((alliances["lower"] > england["value"]).sum())
    below = int((alliances["upper"] < england["value"]).sum())
    better, worse = (above, below) if indicator.higher_is_better else (below, above)
    return (
        f"In {period}, England's figure was {pct(england['value'])} ({ci(england)}). "
        f"{better} alliances were better than England beyond chance and {worse} worse; "
        f"the range was {pct(alliances['value'].min())} to {pct(alliances['value'].max())}."
    )


def headline_alliances(indicator: Indicator, alliances: pd.DataFrame, england: pd.Series) -> str:
    """A chart title counting alliances above and below England beyond chance."""
    above = int((alliances["lower"] > england["value"]).sum())
    below = int((alliances["upper"] < england["value"]).sum())
    return (
        f"{indicator.short}: {above} alliances above England's {pct(england['value'])} "
        f"beyond chance, {below} below"
    )


def gaps_summary(indicator: Indicator, supported: int, total: int, england: pd.Series | None,
                 period: str) -> str:
    """The deprivation gap across alliances, with England's gap and its interval."""
    text = (
        f"Over {period}, the most deprived fifth was worse off than the least deprived in "
        f"{supported} of {total} alliances beyond chance"
    )
    if england is None:
        return text + "."
    return (
        f"{text}; in England the gap was {england['value']:.1f} percentage points "
        f"(95% CI {england['lower']:.1f} to {england['upper']:.1f})."
    )
