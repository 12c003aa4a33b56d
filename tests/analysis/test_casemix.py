"""Case-mix adjusted early diagnosis on a hand-made cube (Breslow & Day 1987, vol. II ch. 2).

NDRS publishes a case-mix adjusted early-diagnosis measure (adjusted for site,
age and sex); the expected counts here are computed by hand from England's
stratum shares, and the interval is Byar's, written out in the test.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.analysis.casemix import STRATA_DIMENSION, adjusted_early_diagnosis, available

Z95 = 1.959963984540054


def row(gtype, code, name, group, num, den, period="2022"):
    return {"period": period, "geography_type": gtype, "geography_code": code,
            "geography_name": name, "parent_code": "", "indicator": "early_stage",
            "dimension": STRATA_DIMENSION, "group": group, "numerator": num, "denominator": den}


CUBE = pd.DataFrame([
    row("england", "E92000001", "England", "Lung | 60-69 | Male", 300, 1000),
    row("england", "E92000001", "England", "Breast | 60-69 | Female", 900, 1000),
    row("alliance", "A1", "North", "Lung | 60-69 | Male", 40, 150),      # mostly lung
    row("alliance", "A1", "North", "Breast | 60-69 | Female", 45, 50),
    row("alliance", "A2", "South", "Lung | 60-69 | Male", 10, 50),       # mostly breast
    row("alliance", "A2", "South", "Breast | 60-69 | Female", 130, 150),
])


def test_adjustment_removes_the_site_mix_by_hand():
    assert available(CUBE)
    out = adjusted_early_diagnosis(CUBE, "2022").set_index("geography_name")
    england = 1200 / 2000
    # North: crude 85/200 = 42.5%; expected = 0.3 x 150 + 0.9 x 50 = 90; ratio 85/90
    north = out.loc["North"]
    assert north["crude"] == pytest.approx(42.5)
    assert north["expected"] == pytest.approx(90.0)
    assert north["value"] == pytest.approx(100 * england * 85 / 90)
    x = 85  # Byar's interval of the observed count, divided by E, times England's share
    lower = x * (1 - 1 / (9 * x) - Z95 / (3 * math.sqrt(x))) ** 3 / 90
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + Z95 / (3 * math.sqrt(x + 1))) ** 3 / 90
    assert (north["lower"], north["upper"]) == pytest.approx((100 * england * lower,
                                                              100 * england * upper))
    # South: crude 140/200 = 70% looks far better, but expected = 0.3 x 50 + 0.9 x 150 = 150
    south = out.loc["South"]
    assert south["crude"] == pytest.approx(70.0)
    assert south["value"] == pytest.approx(100 * england * 140 / 150)
    # once the site mix is allowed for, North (ratio 0.944) is ahead of South (0.933)
    assert north["value"] > south["value"]
    assert out.attrs["england"] == pytest.approx(60.0)


def test_periods_are_pooled():
    two = pd.concat([CUBE, CUBE.assign(period="2021")])
    out = adjusted_early_diagnosis(two, ["2021", "2022"]).set_index("geography_name")
    assert out.loc["North", "expected"] == pytest.approx(180.0)
    assert out.loc["North", "observed"] == 170
