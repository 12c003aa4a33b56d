"""Report sections on a hand-made cube: gap orientation, rankings and findings."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers.registry import alliances
from helpers.report.context import Context
from helpers.report.sections import inequality as inequality_sections
from helpers.report.sections import overview
from helpers.stats import compare_proportions


def cube_rows(indicator: str, counts: dict[tuple[str, str, str], tuple[int, int]],
              period: str = "2022") -> pd.DataFrame:
    """counts: (geography_type, code, group) -> (numerator, denominator), dimension imd_quintile."""
    names = {a.code: a.name for a in alliances.ALLIANCES} | {"E92000001": "England"}
    return pd.DataFrame([
        {"period": period, "geography_type": gtype, "geography_code": code,
         "geography_name": names[code], "parent_code": "", "indicator": indicator,
         "dimension": "imd_quintile", "group": group, "numerator": n, "denominator": d}
        for (gtype, code, group), (n, d) in counts.items()
    ])


COUNTS = {
    ("alliance", "E56000021", "1"): (400, 1000),  # West London: 40% most, 60% least deprived
    ("alliance", "E56000021", "5"): (600, 1000),
    ("alliance", "E56000014", "1"): (55, 100),    # Peninsula: 55% vs 50%, not beyond chance
    ("alliance", "E56000014", "5"): (50, 100),
    ("england", "E92000001", "1"): (455, 1100),
    ("england", "E92000001", "5"): (650, 1100),
}


@pytest.fixture
def ctx():
    cube = pd.concat([cube_rows("early_stage", COUNTS),
                      cube_rows("emergency_presentation", COUNTS)], ignore_index=True)
    return Context(cube=cube, status={"synthetic": True, "source": "synthetic"})


def test_gap_is_positive_when_most_deprived_is_worse_off(ctx):
    section = overview.deprivation_gaps(ctx, "early_stage")
    html = section.table.data
    d, lo, hi = compare_proportions(600, 1000, 400, 1000)
    assert f"{d:.1f} ({lo:.1f} to {hi:.1f})" in html  # West London: +20.0 points
    assert "worse off than the least deprived in 1 of 2 alliances" in section.findings[0]


def test_gap_flips_for_indicators_where_lower_is_better(ctx):
    # for emergency presentation a higher share is worse, so 40% vs 60% favours the deprived
    section = overview.deprivation_gaps(ctx, "emergency_presentation")
    d, lo, hi = compare_proportions(600, 1000, 400, 1000)
    assert f"{-d:.1f} ({-hi:.1f} to {-lo:.1f})" in section.table.data
    assert "in 0 of 2 alliances" in section.findings[0]


def test_alliance_group_section_states_only_supported_gaps(ctx):
    west = Context(cube=ctx.cube, status=ctx.status,
                            alliance=alliances.resolve("West London"))
    text = " ".join(overview.by_group(west, "early_stage", "imd_quintile").findings)
    assert "40.0% of cancers in the most deprived fifth were found at stage 1-2" in text
    assert "so the most deprived fifth is worse off" in text
    peninsula = Context(cube=ctx.cube, status=ctx.status,
                                 alliance=alliances.resolve("Peninsula"))
    text = " ".join(overview.by_group(peninsula, "early_stage", "imd_quintile").findings)
    assert "no gap is claimed" in text


def test_ethnic_gap_sentence_names_the_worst_off_group():
    counts = {("alliance", "E56000021", "White"): (600, 1000),
              ("alliance", "E56000021", "Asian"): (550, 1000),
              ("alliance", "E56000021", "Black"): (400, 1000),
              ("england", "E92000001", "White"): (600, 1000),
              ("england", "E92000001", "Asian"): (550, 1000),
              ("england", "E92000001", "Black"): (400, 1000)}
    cube = cube_rows("early_stage", counts).assign(dimension="ethnicity")
    west = Context(cube=cube, status={"synthetic": True, "source": "synthetic"},
                            alliance=alliances.resolve("West London"))
    text = " ".join(inequality_sections.summary_table(west, "early_stage", "ethnicity").findings)
    # d = 60% - 40% = 20 points (Black against White), far beyond chance at n = 1000 each
    assert re.search(r"difference 20\.00? ", text)  # 20.0 or 20.00, whichever precision
    assert "the Black group is behind the White group beyond chance" in text
