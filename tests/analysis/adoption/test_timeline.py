"""Adoption timeline: go-live month, adoption rank and Rogers adopter category.

Expected values are worked out by hand from the cumulative Rogers shares.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.analysis.adoption import adoption_timeline, rogers_category
from helpers.errors import ParameterError


def test_rogers_categories_for_20_alliances():
    # Cumulative shares 2.5, 16, 50, 84, 100% of 20 = 0.5, 3.2, 10, 16.8, 20, rounded half up.
    cats = [rogers_category(rank, 20) for rank in range(1, 21)]
    counts = pd.Series(cats).value_counts()
    assert counts.to_dict() == {
        "innovators": 1,
        "early adopters": 2,
        "early majority": 7,
        "late majority": 7,
        "laggards": 3,
    }
    assert cats[0] == "innovators" and cats[3] == "early majority" and cats[17] == "laggards"


def test_timeline_go_live_ties_and_never_adopters():
    activity = pd.DataFrame(
        {
            "month": [
                "2024-01-01",
                "2024-02-01",
                "2024-02-01",
                "2024-03-01",
                "2024-03-01",
                "2024-05-01",
                "2024-05-01",
            ],
            "alliance": ["A", "A", "A", "B", "C", "C", "D"],
            "count": [2, 3, 4, 9, 4, 6, 1],
        }
    )
    # threshold 5: A goes live in Feb (3 + 4 summed), B in Mar, C in May; D never; E no rows.
    out = adoption_timeline(activity, threshold=5, alliances=list("ABCDE")).set_index("alliance")
    assert out.loc["A", "go_live"] == pd.Period("2024-02", "M")
    assert out["months_behind"].tolist()[:3] == [0, 1, 3]
    assert pd.isna(out.loc["D", "go_live"]) and pd.isna(out.loc["E", "adoption_rank"])
    # N = 5: midpoints 0.1 (early adopters), 0.3 (early majority), 0.5 (early majority, boundary).
    assert out["category"].astype(str).tolist() == [
        "early adopters",
        "early majority",
        "early majority",
        "laggards",
        "laggards",
    ]


def test_timeline_ties_share_the_earlier_category():
    months = ["2023-01-01"] * 3 + ["2023-06-01"] * 17
    activity = pd.DataFrame(
        {"month": months, "alliance": [f"A{i:02d}" for i in range(20)], "count": 10}
    )
    out = adoption_timeline(activity)
    assert (out["adoption_rank"].iloc[:3] == 1).all()
    assert set(out["category"].iloc[:3]) == {"innovators"}
    assert set(out["category"].iloc[3:]) == {"early majority"}  # all rank 4


def test_timeline_accepts_periods_and_rejects_mid_month_dates():
    base = pd.DataFrame({"alliance": ["A", "B"], "count": [1, 1]})
    periods = adoption_timeline(base.assign(month=pd.PeriodIndex(["2024-01", "2024-03"], freq="M")))
    stamps = adoption_timeline(base.assign(month=pd.to_datetime(["2024-01-01", "2024-03-01"])))
    pd.testing.assert_frame_equal(periods, stamps)
    with pytest.raises(ParameterError, match="first-of-month"):
        adoption_timeline(base.assign(month=["2024-01-15", "2024-03-01"]))
