"""Trends in inequality measures: weighted regression of yearly values on the year.

The slope is inverse-variance weighted least squares (known variances, inflated by
the Birge ratio sqrt(chi^2 / (n - 2)) when above 1; Thompson & Sharp 1999, Stat Med
18:2693-2708), written out here from the closed form.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.errors import ParameterError
from helpers.stats.inequality import summary_measures
from helpers.stats.trend import gap_trend, measures_by_period

Z = 1.959963984540054


def yearly(measure: str, values: list[float], ses: list[float]) -> pd.DataFrame:
    years = list(range(2019, 2019 + len(values)))
    v, s = np.array(values), np.array(ses)
    return pd.DataFrame(
        {"period": years, "measure": measure, "estimate": v, "lower": v - Z * s, "upper": v + Z * s}
    )


def slope_by_hand(t: np.ndarray, y: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    w = 1 / se**2
    tbar, ybar = w @ t / w.sum(), w @ y / w.sum()
    sxx = w @ (t - tbar) ** 2
    slope = w @ ((t - tbar) * (y - ybar)) / sxx
    resid = y - ybar - slope * (t - tbar)
    birge = max(1.0, (w @ resid**2) / (len(t) - 2))
    return slope, math.sqrt(birge / sxx)


def test_widening_sii_by_hand():
    values, ses = [4.0, 5.5, 6.1, 8.0], [0.6, 0.7, 0.6, 0.8]
    out = gap_trend(yearly("sii", values, ses)).set_index("measure")
    slope, se = slope_by_hand(np.arange(2019.0, 2023.0), np.array(values), np.array(ses))
    row = out.loc["sii"]
    assert (row["slope"], row["lower"], row["upper"]) == pytest.approx(
        (slope, slope - Z * se, slope + Z * se)
    )
    assert row["periods"] == 4 and row["trend"] == "widening"


def test_birge_ratio_inflates_a_scattered_series():
    values, ses = [2.0, 6.0, 3.0, 8.0, 5.0], [0.3] * 5
    out = gap_trend(yearly("d", values, ses)).set_index("measure")
    slope, se = slope_by_hand(np.arange(2019.0, 2024.0), np.array(values), np.array(ses))
    assert se > math.sqrt(1 / np.sum((1 / 0.09) * (np.arange(5) - 2) ** 2))
    assert out.loc["d", "upper"] == pytest.approx(slope + Z * se)


def test_narrowing_and_no_clear_change():
    narrowing = gap_trend(yearly("d", [9.0, 7.5, 6.0, 4.2], [0.5] * 4))
    assert narrowing["trend"].item() == "narrowing"
    flat = gap_trend(yearly("d", [5.0, 5.6, 4.7, 5.2], [1.5] * 4))
    assert flat["trend"].item() == "no clear change"
    reversed_gap = gap_trend(yearly("d", [-3.0, -4.5, -6.0, -7.0], [0.5] * 4))
    assert reversed_gap["trend"].item() == "widening"  # disadvantaged ever better off


def test_spread_measures_widen_when_they_grow():
    out = gap_trend(yearly("bgv", [2.0, 3.0, 4.0, 5.0], [0.2] * 4))
    assert out["trend"].item() == "widening"


def test_ratio_measures_are_modelled_on_the_log_scale():
    r = np.array([1.10, 1.15, 1.21, 1.27])
    log_se = np.array([0.02, 0.02, 0.02, 0.02])
    data = pd.DataFrame(
        {
            "period": [2019, 2020, 2021, 2022],
            "measure": "r",
            "estimate": r,
            "lower": r * np.exp(-Z * log_se),
            "upper": r * np.exp(Z * log_se),
        }
    )
    out = gap_trend(data).set_index("measure")
    slope, _ = slope_by_hand(np.arange(2019.0, 2023.0), np.log(r), log_se)
    assert out.loc["r", "slope"] == pytest.approx(slope)
    assert out.loc["r", "trend"] == "widening"


def test_years_where_a_measure_is_not_reported_are_left_out():
    """A linear RII withheld in one year (missing estimate) does not enter the regression."""
    r = np.array([1.10, np.nan, 1.21, 1.27])
    log_se = np.full(4, 0.02)
    data = pd.DataFrame({"period": [2019, 2020, 2021, 2022], "measure": "rii", "estimate": r,
                         "lower": r * np.exp(-Z * log_se), "upper": r * np.exp(Z * log_se)})
    out = gap_trend(data).set_index("measure")
    keep = [0, 2, 3]
    slope, se = slope_by_hand(np.array([2019.0, 2021.0, 2022.0]), np.log(r[keep]), log_se[keep])
    assert out.loc["rii", "periods"] == 3
    assert out.loc["rii", "slope"] == pytest.approx(slope)
    assert out.loc["rii", "upper"] == pytest.approx(slope + Z * se)


def test_non_numeric_periods_are_an_error():
    data = yearly("d", [1.0, 2.0], [0.1, 0.1]).assign(period=["2019/20", "2020/21"])
    with pytest.raises(ParameterError, match="numeric"):
        gap_trend(data)


def test_measures_by_period_runs_each_period():
    base = pd.DataFrame(
        {
            "group": ["Q1", "Q2", "Q3", "Q4", "Q5"],
            "order": [1, 2, 3, 4, 5],
            "population": [1200.0, 1000.0, 900.0, 800.0, 700.0],
            "se": [1.4, 1.6, 1.6, 1.7, 1.8],
        }
    )
    groups = pd.concat(
        [
            base.assign(period=2021, estimate=[52.0, 55.5, 58.0, 61.0, 63.5]),
            base.assign(period=2022, estimate=[50.0, 54.5, 58.0, 62.0, 65.5]),
        ]
    )
    out = measures_by_period(groups, ordered=True, higher_is_better=True, seed=9)
    assert list(out.columns[:2]) == ["period", "measure"]
    one = summary_measures(
        groups[groups["period"] == 2022], ordered=True, higher_is_better=True, seed=9
    )
    pd.testing.assert_frame_equal(
        out[out["period"] == 2022].drop(columns="period").reset_index(drop=True), one
    )
    trend = gap_trend(out).set_index("measure")
    assert trend.loc["sii", "periods"] == 2
