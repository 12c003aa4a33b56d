"""Year the 75% early-diagnosis ambition is reached on trend, checked by hand and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hand_intervals import Z95

from helpers.analysis.ambition import trend_line, year_reached
from helpers.errors import ParameterError


def place(code: str, counts: list[tuple[int, int]], first: int = 2019) -> pd.DataFrame:
    return pd.DataFrame({"geography_code": code, "geography_name": code,
                         "period": [str(first + i) for i in range(len(counts))],
                         "numerator": [n for n, _ in counts],
                         "denominator": [d for _, d in counts]})


def test_exact_line_by_hand():
    # 50, 52, 54, 56% of 1000: the line is exact, slope 2 points a year, so 75% is reached
    # when 50 + 2 (t - 2019) = 75, i.e. t = 2031.5.
    out = year_reached(place("A", [(500, 1000), (520, 1000), (540, 1000), (560, 1000)]), 75)
    r = out.iloc[0]
    assert r["slope"] == pytest.approx(2.0)
    assert r["year"] == pytest.approx(2031.5)
    # weights n / (p (100 - p)) = 1000/2500, 1000/2496, 1000/2484, 1000/2464; residuals are
    # zero so the dispersion floor 1 applies and se = 1 / sqrt(sum w (t - tbar)^2).
    w = np.array([1000 / 2500, 1000 / 2496, 1000 / 2484, 1000 / 2464])
    t = np.array([2019.0, 2020, 2021, 2022])
    tbar = (w * t).sum() / w.sum()
    se = 1 / math.sqrt((w * (t - tbar) ** 2).sum())
    assert r["slope_lower"] == pytest.approx(2 - 1.959964 * se, abs=1e-5)
    level = 50 + 2 * (tbar - 2019)
    assert r["year_lower"] == pytest.approx(tbar + (75 - level) / (2 + 1.959964 * se))
    assert r["year_upper"] == pytest.approx(tbar + (75 - level) / (2 - 1.959964 * se))
    assert r["status"] == "on trend"


def test_noisy_series_matches_statsmodels_wls():
    counts = [(480, 1000), (530, 1000), (515, 1000), (570, 1000), (575, 1000)]
    p = np.array([100 * n / d for n, d in counts])
    w = 1000 / (p * (100 - p))
    t = np.arange(2018, 2023, dtype=float)
    fit = sm.WLS(p, sm.add_constant(t), weights=w).fit()
    tbar, a, b, se = trend_line(t, [n for n, _ in counts], [d for _, d in counts])
    assert b == pytest.approx(fit.params[1])
    # statsmodels scales by the residual variance (here above 1, so the floor is inactive)
    assert fit.scale > 1
    assert se == pytest.approx(fit.bse[1])
    assert a == pytest.approx(fit.params[0] + fit.params[1] * tbar)
    out = year_reached(place("B", counts, first=2018), 75).iloc[0]
    lo = fit.params[1] - Z95 * fit.bse[1]
    assert out["slope_lower"] == pytest.approx(lo)
    assert out["status"] == ("on trend" if lo > 0 else "not on current trend")


def test_flat_or_reached_give_no_year():
    flat = year_reached(place("C", [(550, 1000), (540, 1000), (552, 1000), (545, 1000)]), 75)
    assert flat.iloc[0]["status"] == "not on current trend"
    assert math.isnan(flat.iloc[0]["year"])
    done = year_reached(place("D", [(700, 1000), (740, 1000), (760, 1000)]), 75)
    assert done.iloc[0]["status"] == "reached"


def test_too_few_years_is_an_error():
    with pytest.raises(ParameterError):
        year_reached(place("E", [(500, 1000), (520, 1000)]), 75)
