"""Sentences claim a difference only where the intervals support it."""

from __future__ import annotations

import pandas as pd

from helpers.registry import indicators
from helpers.report import narrative
from helpers.report.tables import with_intervals

EARLY = indicators.get("early_stage")
EMERGENCY = indicators.get("emergency_presentation")


def rows(*pairs, period="2022"):
    df = pd.DataFrame(
        {"numerator": [p[0] for p in pairs], "denominator": [p[1] for p in pairs], "period": period}
    )
    return [r for _, r in with_intervals(df).iterrows()]


def test_supported_gap_is_stated_with_numbers_and_who_is_worse_off():
    most, least = rows((480, 1000), (560, 1000))
    text = narrative.group_gap(
        "West London", EARLY, most, least, "most deprived fifth", "least deprived"
    )
    assert text.startswith(
        "In West London, 48.0% of cancers in the most deprived fifth were "
        "found at stage 1-2, against 56.0% in the least deprived"
    )
    assert "8.0 percentage points lower" in text
    assert "so the most deprived fifth is worse off" in text


def test_unsupported_gap_is_not_claimed():
    most, least = rows((48, 100), (56, 100))
    text = narrative.group_gap(
        "Peninsula", EARLY, most, least, "most deprived fifth", "least deprived"
    )
    assert "no gap is claimed" in text
    assert "worse off" not in text and "percentage points" not in text


def test_direction_respects_unfavourable_indicators():
    # emergency presentation: higher is worse, so a higher share in the deprived is worse off
    most, least = rows((240, 1000), (150, 1000))
    text = narrative.group_gap("X", EMERGENCY, most, least, "most deprived fifth", "least deprived")
    assert "higher" in text and "so the most deprived fifth is worse off" in text


def test_suppressed_rows_are_never_quoted():
    most, least = rows((3, 10), (56, 100))
    text = narrative.group_gap("X", EARLY, most, least, "most deprived fifth", "least deprived")
    assert "too small" in text and "%" not in text


def test_versus_england_and_target():
    place, england = rows((600, 1000), (5400, 10000))
    text = narrative.versus_england("X", EARLY, place, england)
    assert "higher than England's 54.0%" in text
    similar, _ = rows((550, 1000), (1, 1))
    assert "similar to England's 54.0%" in narrative.versus_england("X", EARLY, similar, england)
    (meets,) = rows((780, 1000))
    assert "meeting the 75% target" in narrative.against_target("X", EARLY, meets)
    (unclear,) = rows((74, 100))
    assert "not distinguishable" in narrative.against_target("X", EARLY, unclear)


def test_trend_only_beyond_chance():
    (first,) = rows((500, 1000), period="2019")
    (last,) = rows((560, 1000), period="2022")
    assert "rose from 50.0% in 2019 to 56.0% in 2022" in narrative.trend("X", EARLY, first, last)
    (last,) = rows((51, 100), period="2022")
    assert "no change beyond chance" in narrative.trend("X", EARLY, first, last)
