"""Sentences generated from the numbers, claiming no difference the intervals do not support.

Rules:
- two groups of one place are compared with Newcombe's 95% interval for the
  difference; a gap is stated only when that interval excludes zero;
- a place against England (of which it is part) differs only when England's
  value lies outside the place's 95% interval;
- a waiting-time standard is "met" as NHS England judges it, on the published
  value (point estimate >= the target in force in that period, see
  :meth:`helpers.registry.indicators.Indicator.targets_for`); whether a shortfall
  is beyond chance (the whole 95% interval below the target) is a second,
  separate statement;
- an ambition (the Long Term Plan's 75% early diagnosis by 2028) is never
  "met" or "missed" before its date: the text gives the distance to it;
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
    """The value against the target in force in the row's period, NHS England's way.

    "Meets" when the published value (point estimate) is at or above the
    standard; a shortfall is then said to be beyond chance only when the whole
    95% interval lies below it. An operational target in force (e.g. the FDS
    77% by March 2025) is mentioned after the standard. For an ambition (early
    diagnosis) the sentence gives the distance to it and never says "missed".
    Returns "" when no target applied throughout the period or the row is suppressed.
    """
    if not _quotable(row):
        return ""
    head = f"{place}, {row['period']}: {indicator.short} {pct(row['value'])} ({ci(row)})"
    if (ambition := indicator.ambition) is not None and not indicator.targets_for(row["period"]):
        gap = ambition.value - row["value"]
        where = (f"{gap:.1f} percentage points short of" if gap > 0
                 else "already at or above")
        return (f"{head}: {where} the NHS Long Term Plan ambition of {ambition.value:g}% "
                f"by {ambition.start.year} (an ambition for {ambition.start.year}, not a "
                "target for this period).")
    standard = indicator.standard_for(row["period"])
    if standard is None:
        return ""
    t = standard.value
    if row["value"] >= t:
        text = f"{head}, meeting the {t:g}% standard."
    elif row["upper"] < t:
        text = (f"{head}, below the {t:g}% standard by {t - row['value']:.1f} percentage "
                "points; the whole 95% interval is below it, so the shortfall is beyond chance.")
    else:
        text = (f"{head}, below the {t:g}% standard by {t - row['value']:.1f} percentage "
                "points; the 95% interval reaches the standard, so the shortfall could be "
                "chance.")
    if (operational := indicator.operational_for(row["period"])) is not None:
        word = "meeting" if row["value"] >= operational.value else "below"
        text += f" The operational target then was {operational.value:g}% ({word} it)."
    return text


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
    """NHS England's verdict on one period: "met", "not met", "no standard" or "suppressed".

    Judged on the point estimate against the standard in force throughout the
    period (:meth:`helpers.registry.indicators.Indicator.standard_for`); see
    :func:`shortfall_beyond_chance` for the separate statement about chance.
    """
    if not _quotable(row):
        return "suppressed"
    standard = indicator.standard_for(row["period"])
    if standard is None:
        return "no standard"
    return "met" if row["value"] >= standard.value else "not met"


def shortfall_beyond_chance(indicator: Indicator, row: pd.Series) -> str:
    """Whether a value below its standard is below it beyond chance ("yes", "no" or "")."""
    if not _quotable(row):
        return ""
    standard = indicator.standard_for(row["period"])
    if standard is None or row["value"] >= standard.value:
        return ""
    return "yes" if row["upper"] < standard.value else "no"


FDS_TUMOUR_ONLY = ("among people whose cancer was diagnosed (tumour-only population), "
                   "not NHS England's FDS population")
"""How every place showing the FDS counted over tumours (no referrals table) labels it."""


def population_label(key: str, status: dict) -> str:
    """The plain label the FDS needs when it was counted over tumours only, else ""."""
    if key == "fds_28" and status.get("fds_population", "referrals") == "tumours":
        return FDS_TUMOUR_ONLY
    return ""


def ambition_year(place: str, indicator: Indicator, row: pd.Series) -> str:
    """A sentence on when a place would reach the ambition on its current trend.

    ``row``: one row of :func:`helpers.analysis.ambition.year_reached` (``slope``,
    ``slope_lower``, ``slope_upper`` in points a year, ``year``, ``year_lower``,
    ``year_upper``, ``status``).
    """
    ambition = indicator.ambition
    if ambition is None:
        return ""
    goal = f"the NHS Long Term Plan ambition of {ambition.value:g}% by {ambition.start.year}"
    trend_words = (f"{row['slope']:+.1f} percentage points a year "
                   f"(95% CI {row['slope_lower']:+.1f} to {row['slope_upper']:+.1f})")
    if row["status"] == "reached":
        return f"In {place}, the share diagnosed at stage 1-2 is already at or above {goal}."
    if row["status"] != "on trend":
        return (f"In {place}, the share diagnosed at stage 1-2 changed by {trend_words}: "
                f"not rising beyond chance, so {goal} is not on current trend.")
    upper = "later" if pd.isna(row["year_upper"]) else f"{row['year_upper']:.0f}"
    when = "by" if row["year"] <= ambition.start.year else "after"
    return (f"In {place}, the share diagnosed at stage 1-2 rose by {trend_words}; on this trend "
            f"it would reach {ambition.value:g}% in about {row['year']:.0f} (95% interval "
            f"{row['year_lower']:.0f} to {upper}), {when} the {ambition.start.year} date of "
            f"{goal}.")


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


CASE_MIX = ("adjusted for cancer site, age band and sex (indirect standardisation against "
            "England, like NDRS's case-mix adjusted early-diagnosis measure)")


def case_mix_summary(adjusted: pd.DataFrame, period: str) -> str:
    """How many alliances differ from England once case mix is allowed for (one rule)."""
    above = int((adjusted["versus_england"] == "higher").sum())
    below = int((adjusted["versus_england"] == "lower").sum())
    return (f"In {period}, {CASE_MIX}, {count_of(above, 'alliance')} "
            f"{'was' if above == 1 else 'were'} above England beyond chance and {below} below "
            f"(funnel test of the standardised ratio); adjusted shares ranged from "
            f"{pct(adjusted['value'].min())} to {pct(adjusted['value'].max())}.")


def case_mix_place(place: str, row: pd.Series, england: float, period: str) -> str:
    """One alliance's crude and case-mix-adjusted early-stage share, against England."""
    verdict = {"higher": "above England beyond chance", "lower": "below England beyond chance"
               }.get(row["versus_england"], "not different from England beyond chance")
    return (f"In {period}, {place}'s crude share was {pct(row['crude'])}; {CASE_MIX}, it was "
            f"{pct(row['value'])} (95% CI {row['lower']:.1f}-{row['upper']:.1f}%) against "
            f"England's {pct(england)}: {verdict}.")


def count_of(n: int, noun: str) -> str:
    """``"1 alliance"``, ``"2 alliances"``: a count with its noun in the right number."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


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
    """How many alliances are better or worse than England beyond chance.

    Counts the ``versus_england`` verdicts, the project's one rule for unusual
    values (the funnel test of :mod:`helpers.analysis.inequality.unusual`), so
    the sentence agrees with the table and the funnel chart.
    """
    above = int((alliances["versus_england"] == "higher").sum())
    below = int((alliances["versus_england"] == "lower").sum())
    better, worse = (above, below) if indicator.higher_is_better else (below, above)
    return (
        f"In {period}, England's figure was {pct(england['value'])} ({ci(england)}). "
        f"{count_of(better, 'alliance')} {'was' if better == 1 else 'were'} better than England "
        f"beyond chance (outside the funnel's 95% limits) and {worse} worse; the range was "
        f"{pct(alliances['value'].min())} to {pct(alliances['value'].max())}."
    )


def headline_alliances(indicator: Indicator, alliances: pd.DataFrame, england: pd.Series) -> str:
    """A chart title counting alliances above and below England beyond chance (one rule)."""
    above = int((alliances["versus_england"] == "higher").sum())
    below = int((alliances["versus_england"] == "lower").sum())
    return (
        f"{indicator.short}: {count_of(above, 'alliance')} above England's "
        f"{pct(england['value'])} beyond chance, {below} below"
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
