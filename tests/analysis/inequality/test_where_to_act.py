"""Where to act: extra early diagnoses and Core20 shares on a hand-made cube."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.analysis.inequality.where_to_act import core20_share, extra_early_diagnoses, priority

A = "E56000021"


def row(gtype, code, name, group, num, den, parent=A):
    return {"period": "2022", "geography_type": gtype, "geography_code": code,
            "geography_name": name, "parent_code": parent, "indicator": "early_stage",
            "dimension": "imd_quintile", "group": group, "numerator": num, "denominator": den}


CUBE = pd.DataFrame([
    row("alliance", A, "West London", "5", 60, 100, "E92000001"),   # benchmark 60%
    row("alliance", A, "West London", "1", 90, 200, "E92000001"),
    row("lad", "L1", "Brent", "1", 40, 100),    # 60 expected -> 20 extra
    row("lad", "L1", "Brent", "5", 35, 50),     # 30 expected, above -> 0 extra
    row("lad", "L2", "Ealing", "1", 50, 100),   # 60 expected -> 10 extra
    row("lad", "L2", "Ealing", "5", 25, 50),    # 30 expected -> 5 extra
])


def test_net_shortfall_and_its_interval_by_hand():
    out = extra_early_diagnoses(CUBE, A).set_index("geography_name")
    # Brent: fifth 1 is 20 short of 60%, fifth 5 is 5 above it: net 15 (not 20 clipped)
    assert out.loc["Brent", "extra"] == pytest.approx(15.0)
    assert out.loc["Ealing", "extra"] == pytest.approx(15.0)
    # variance = N^2 p(1-p)/n_b + sum O(n-O)/n = 150^2 * 0.24/100 + (40*60/100 + 35*15/50)
    se = math.sqrt(22500 * 0.0024 + 24 + 10.5)
    assert out.loc["Brent", "extra_se"] == pytest.approx(se)
    assert out.loc["Brent", "extra_lower"] == pytest.approx(15 - 1.959963984540054 * se)
    assert out.attrs["benchmark"][0] == pytest.approx(0.6)


def test_an_authority_above_the_benchmark_counts_against_the_total():
    cube = pd.concat([CUBE, pd.DataFrame([row("lad", "L3", "City", "5", 9, 10)])])
    out = extra_early_diagnoses(cube, A).set_index("geography_name")
    assert out.loc["City", "extra"] == pytest.approx(6 - 9)  # above the benchmark: -3
    total, lower, upper = out.attrs["total"]
    assert total == pytest.approx(15 + 15 - 3)
    # the benchmark term once for all 310 staged tumours, plus each cell's own variance
    own = 24 + 10.5 + 25 + 12.5 + 9 * 1 / 10
    se = math.sqrt(310 ** 2 * 0.0024 + own)
    assert (lower, upper) == pytest.approx((27 - 1.959963984540054 * se,
                                            27 + 1.959963984540054 * se))


def test_a_priority_is_named_only_when_distinguishable():
    tied = priority(extra_early_diagnoses(CUBE, A))
    assert tied["first"] == "Brent" and tied["second"] == "Ealing"
    assert tied["difference"] == pytest.approx(0.0) and not tied["distinct"]
    big = pd.concat([CUBE, pd.DataFrame([row("lad", "L4", "Harrow", "1", 100, 1000)])])
    clear = priority(extra_early_diagnoses(big, A))
    # Harrow: 600 expected, 100 observed -> 500 short, far ahead of 15
    assert clear["first"] == "Harrow" and clear["distinct"]
    assert clear["difference"] == pytest.approx(500 - 15)


def test_core20_share_uses_populations():
    areas = pd.DataFrame({"alliance_code": [A, A, A], "lad_code": ["L1", "L1", "L2"],
                          "imd_quintile": [1, 3, 1], "population": [300, 700, 50]})
    out = core20_share(areas, A).set_index("geography_code")
    assert out.loc["L1", "core20_share"] == pytest.approx(0.3)
    assert out.loc["L2", "core20_share"] == pytest.approx(1.0)
    assert set(out["basis"]) == {"residents"}
