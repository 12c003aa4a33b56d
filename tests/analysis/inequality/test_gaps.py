"""The deprivation gap per place on hand-made pooled rows, against Newcombe by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from hand_intervals import newcombe

from helpers.analysis.inequality.gaps import fifth_gaps, first_row

Z = 1.959963984540054  # standard normal 97.5% point






def row(name: str, gtype: str, group: str, num: float, den: float,
        suppressed: bool = False) -> dict:
    return {"geography_name": name, "geography_type": gtype, "geography_code": name[:3],
            "group": group, "numerator": num, "denominator": den,
            "value": 100 * num / den, "suppressed": suppressed}


ROWS = pd.DataFrame([
    row("Alpha", "alliance", "1", 30, 100),     # most deprived 30%
    row("Alpha", "alliance", "3", 45, 100),     # middle fifth: not used
    row("Alpha", "alliance", "5", 60, 100),     # least deprived 60%: gap 30 points
    row("England", "england", "5", 500, 1000),  # 50% against 45%: gap 5 points
    row("England", "england", "1", 450, 1000),
    row("Gamma", "alliance", "1", 20, 100),
    row("Gamma", "alliance", "5", 97, 100, suppressed=True),  # suppressed: skipped
    row("Delta", "alliance", "1", 40, 100),     # no least deprived fifth: skipped
])


def test_newcombe_by_hand_matches_the_published_example():
    # Newcombe (1998), Stat Med 17:873, example (a): 56/70 - 48/80, method 10
    d, lo, hi = newcombe(56, 70, 48, 80)
    assert (round(d, 2), round(lo / 100, 4), round(hi / 100, 4)) == (20.0, 0.0524, 0.3339)


def test_gap_is_least_minus_most_deprived_with_newcombe_interval():
    gaps = fifth_gaps(ROWS, higher_is_better=True)
    assert list(gaps.columns) == ["geography_name", "geography_type", "value", "lower",
                                  "upper", "q1", "q5"]
    assert gaps["geography_name"].tolist() == ["Alpha", "England"]  # largest gap first
    alpha = gaps.iloc[0]
    d, lo, hi = newcombe(60, 100, 30, 100)
    assert d == pytest.approx(30.0)
    assert (alpha["value"], alpha["lower"], alpha["upper"]) == pytest.approx((d, lo, hi))
    assert (round(lo, 1), round(hi, 1)) == (16.3, 42.2)
    assert (alpha["q1"], alpha["q5"]) == (30.0, 60.0)
    england = gaps.iloc[1]
    assert (england["value"], england["lower"], england["upper"]) == pytest.approx(
        newcombe(500, 1000, 450, 1000))


def test_gap_flips_where_lower_is_better():
    # e.g. emergency presentation: 30% most vs 60% least deprived favours the most deprived
    gaps = fifth_gaps(ROWS, higher_is_better=False)
    assert gaps["geography_name"].tolist() == ["England", "Alpha"]
    alpha = gaps.set_index("geography_name").loc["Alpha"]
    d, lo, hi = newcombe(60, 100, 30, 100)
    assert (alpha["value"], alpha["lower"], alpha["upper"]) == pytest.approx((-d, -hi, -lo))
    assert alpha["lower"] < alpha["upper"] < 0  # the most deprived are better off
    assert (alpha["q1"], alpha["q5"]) == (30.0, 60.0)


def test_gaps_by_other_columns_and_none_left():
    gaps = fifth_gaps(ROWS, higher_is_better=True, by=("geography_code",))
    assert list(gaps.columns) == ["geography_code", "value", "lower", "upper", "q1", "q5"]
    assert gaps["geography_code"].tolist() == ["Alp", "Eng"]
    empty = fifth_gaps(ROWS[ROWS["geography_name"] == "Gamma"], higher_is_better=True)
    assert empty.empty and "value" in empty.columns


def test_first_row():
    found = first_row(ROWS, geography_name="Alpha", group="5")
    assert found is not None and found["numerator"] == 60
    assert first_row(ROWS, geography_name="Delta", group="5") is None
