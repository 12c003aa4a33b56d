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
    # early diagnosis: 75% by 2028 is an ambition, never a target "missed" in 2022
    (low,) = rows((600, 1000))
    text = narrative.against_target("X", EARLY, low)
    assert "15.0 percentage points short of the NHS Long Term Plan ambition of 75% by 2028" in text
    assert "target" in text and "missed" not in text and "below the" not in text
    assert narrative.target_status(EARLY, low) == "no standard"


FDS = indicators.get("fds_28")
URGENT_62 = indicators.get("cwt_62_urgent")


def test_met_is_judged_on_the_point_estimate_chance_separately():
    # 76 of 100 = 76.0%: Wilson 95% CI 66.8-83.3% reaches below 75%, yet NHS England says met
    (met,) = rows((76, 100), period="2022-03")
    assert round(met["lower"], 1) == 66.8 and round(met["upper"], 1) == 83.3
    assert narrative.target_status(FDS, met) == "met"
    assert "meeting the 75% standard" in narrative.against_target("X", FDS, met)
    # 74 of 100 (Wilson 64.6-81.7%): not met, but the shortfall could be chance
    (close,) = rows((74, 100), period="2022-03")
    assert narrative.target_status(FDS, close) == "not met"
    assert narrative.shortfall_beyond_chance(FDS, close) == "no"
    assert "could be chance" in narrative.against_target("X", FDS, close)
    # 700 of 1000 (Wilson 67.1-72.7%): not met, beyond chance
    (far,) = rows((700, 1000), period="2022-03")
    assert narrative.shortfall_beyond_chance(FDS, far) == "yes"
    assert "below the 75% standard by 5.0 percentage points" in narrative.against_target(
        "X", FDS, far)


def test_the_standard_in_force_in_each_period_is_used():
    # FDS began on 1 October 2021: nothing to judge in September 2021
    (sept,) = rows((80, 100), period="2021-09")
    assert narrative.against_target("X", FDS, sept) == ""
    assert narrative.target_status(FDS, sept) == "no standard"
    # 2024/25 operational target 77% (standard still 75%): 76% meets one, not the other
    (mar25,) = rows((760, 1000), period="2025-03")
    text = narrative.against_target("X", FDS, mar25)
    assert "meeting the 75% standard" in text and "operational target then was 77% (below" in text
    # 62-day urgent-referral standard 85% until 30 September 2023 only
    (y2022,) = rows((86, 100), period="2022")
    assert narrative.target_status(URGENT_62, y2022) == "met"
    (y2024,) = rows((86, 100), period="2024")
    assert narrative.target_status(URGENT_62, y2024) == "no standard"


def test_fds_tumour_only_population_is_labelled():
    assert narrative.population_label("fds_28", {"fds_population": "tumours"}) == (
        "among people whose cancer was diagnosed (tumour-only population), "
        "not NHS England's FDS population")
    assert narrative.population_label("fds_28", {"fds_population": "referrals"}) == ""
    assert narrative.population_label("cwt_31", {"fds_population": "tumours"}) == ""


def test_ambition_year_sentences():
    on = pd.Series({"slope": 2.0, "slope_lower": 1.0, "slope_upper": 3.0, "year": 2031.5,
                    "year_lower": 2027.3, "year_upper": 2044.0, "status": "on trend"})
    text = narrative.ambition_year("X", EARLY, on)
    assert "reach 75% in about 2032 (95% interval 2027 to 2044), after the 2028 date" in text
    off = on.copy()
    off["status"] = "not on current trend"
    assert "is not on current trend" in narrative.ambition_year("X", EARLY, off)


def test_trend_only_beyond_chance():
    (first,) = rows((500, 1000), period="2019")
    (last,) = rows((560, 1000), period="2022")
    assert "rose from 50.0% in 2019 to 56.0% in 2022" in narrative.trend("X", EARLY, first, last)
    (last,) = rows((51, 100), period="2022")
    assert "no change beyond chance" in narrative.trend("X", EARLY, first, last)


def test_counts_agree_with_their_noun():
    assert narrative.count_of(1, "alliance") == "1 alliance"
    assert narrative.count_of(0, "alliance") == "0 alliances"
    assert narrative.count_of(7, "alliance") == "7 alliances"
