"""Kaplan-Meier through lifelines against a hand Kaplan-Meier with Greenwood's variance."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from helpers.errors import ParameterError
from helpers.stats.survival import (
    ICSS_WEIGHTS,
    MIN_GROUP_PATIENTS,
    age_standardised,
    icss_group,
    kaplan_meier,
    survival_difference,
)

Z = 1.959963984540054
# ten patients: time and whether it ended in death (a censoring at 2 ties with a death)
TIMES = np.array([1, 2, 2, 3, 4, 4, 5, 6, 7, 8], dtype=float)
DIED = np.array([1, 1, 0, 1, 1, 1, 0, 1, 0, 1], dtype=bool)

# by hand: at risk n and deaths d at each death time -> S and sum d / (n (n - d))
#   t=1: n=10 d=1   t=2: n=9 d=1   t=3: n=7 d=1   t=4: n=6 d=2   t=6: n=3 d=1   t=8: n=1 d=1
S_45 = Fraction(9, 10) * Fraction(8, 9) * Fraction(6, 7) * Fraction(4, 6)  # 16/35
G_45 = Fraction(1, 90) + Fraction(1, 72) + Fraction(1, 42) + Fraction(2, 24)
S_65 = S_45 * Fraction(2, 3)  # 32/105
G_65 = G_45 + Fraction(1, 6)


def hand_interval(s: float, g: float) -> tuple[float, float]:
    """log(-log) interval: S ** exp(+-z sqrt(g) / |log S|)."""
    se = np.sqrt(g) / abs(np.log(s))
    return s ** np.exp(Z * se), s ** np.exp(-Z * se)


def test_kaplan_meier_matches_the_hand_computation():
    out = kaplan_meier(TIMES, DIED, (4.5, 6.5)).set_index("time")
    for t, s, g in ((4.5, S_45, G_45), (6.5, S_65, G_65)):
        assert out.loc[t, "survival"] == pytest.approx(float(s), abs=1e-12)
        assert out.loc[t, "variance"] == pytest.approx(float(s * s * g), abs=1e-12)
        lower, upper = hand_interval(float(s), float(g))
        assert out.loc[t, "lower"] == pytest.approx(lower, abs=1e-9)
        assert out.loc[t, "upper"] == pytest.approx(upper, abs=1e-9)
    assert out.loc[4.5, "deaths"] == 5 and out.loc[4.5, "at_risk"] == 4
    assert out.loc[6.5, "patients"] == 10


def test_interval_is_lifelines_own_exponential_greenwood():
    fit = KaplanMeierFitter().fit(TIMES, DIED)
    ci = fit.confidence_interval_survival_function_
    out = kaplan_meier(TIMES, DIED, (4.5,)).iloc[0]
    row = ci[ci.index <= 4.5].iloc[-1]
    assert out["lower"] == pytest.approx(row.iloc[0], abs=1e-6)
    assert out["upper"] == pytest.approx(row.iloc[1], abs=1e-6)


def test_no_extrapolation_beyond_follow_up():
    out = kaplan_meier(np.array([1.0, 2.0, 3.0]), np.array([True, False, False]), (2.5, 4.0))
    assert out["survival"].iloc[0] == pytest.approx(2 / 3)
    assert np.isnan(out["survival"].iloc[1])  # nobody was followed to 4 years
    everyone_died = kaplan_meier(np.array([1.0, 2.0]), np.array([True, True]), (5.0,))
    assert everyone_died["survival"].iloc[0] == 0


def test_negative_times_are_refused():
    with pytest.raises(ParameterError):
        kaplan_meier(np.array([-1.0, 2.0]), np.array([True, False]), (1.0,))


def test_icss_groups():
    assert list(icss_group(np.array([14, 15, 44, 45, 64, 65, 75, 99, 100]))) == [
        -1, 0, 0, 1, 2, 3, 4, 4, -1]


def cohort_without_censoring(deaths: list[int], n: int = 20) -> pd.DataFrame:
    """Per ICSS group, ``n`` patients: ``deaths[a]`` die at 0.5 years, the rest followed 2."""
    ages = (30, 50, 60, 70, 80)
    rows = []
    for age, k in zip(ages, deaths, strict=True):
        rows += [(0.5, True, age)] * k + [(2.0, False, age)] * (n - k)
    return pd.DataFrame(rows, columns=["years", "died", "age"])


def test_age_standardised_is_the_icss_weighted_binomial_without_censoring():
    deaths = [1, 2, 4, 6, 10]
    data = cohort_without_censoring(deaths)
    out = age_standardised(data["years"], data["died"], data["age"], (1.0,)).iloc[0]
    weights = ICSS_WEIGHTS[1]
    s = [1 - k / 20 for k in deaths]
    assert out["survival"] == pytest.approx(sum(w * p for w, p in zip(weights, s, strict=True)))
    assert out["variance"] == pytest.approx(
        sum(w * w * p * (1 - p) / 20 for w, p in zip(weights, s, strict=True)))
    assert out["patients"] == 100 and out["deaths"] == sum(deaths)


def test_age_standardised_needs_every_age_group():
    data = cohort_without_censoring([1, 2, 4, 6, 10])
    data = data[~((data["age"] == 30) & (data.index % 20 >= MIN_GROUP_PATIENTS - 1))]
    out = age_standardised(data["years"], data["died"], data["age"], (1.0,))
    assert np.isnan(out["survival"].iloc[0])
    with pytest.raises(ParameterError):
        age_standardised(data["years"], data["died"], data["age"], (1.0,), standard=4)


def test_difference_of_two_estimates():
    d, lo, hi = survival_difference(pd.Series({"survival": 0.8, "variance": 0.0004}),
                                    pd.Series({"survival": 0.7, "variance": 0.0005}))
    se = np.sqrt(0.0009)
    assert (d, lo, hi) == pytest.approx((0.1, 0.1 - Z * se, 0.1 + Z * se))
