"""Synthetic follow-up: the curves pass through the published figures, dates are consistent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import synthetic
from helpers.registry.schema import SITES, STAGES
from helpers.synthetic.survival import (
    DEPRIVATION_EXCESS_HR,
    FOLLOW_UP_END,
    NET_SURVIVAL_BY_STAGE,
    curve_table,
    deprivation_factor,
    expected_survival,
    weibull_curve,
)


def test_every_site_has_four_stages():
    assert set(NET_SURVIVAL_BY_STAGE) == set(SITES)
    assert all(set(v) == {"1", "2", "3", "4"} for v in NET_SURVIVAL_BY_STAGE.values())


@pytest.mark.parametrize("s1, s5", [(0.88, 0.57), (0.19, 0.03), (1.0, 1.0)])
def test_weibull_curve_passes_through_both_points(s1, s5):
    scale, shape = weibull_curve(s1, s5)
    s1, s5 = min(s1, 0.999), min(s5, min(s1, 0.999) - 0.002)
    assert np.exp(-(1 / scale) ** shape) == pytest.approx(s1)
    assert np.exp(-(5 / scale) ** shape) == pytest.approx(s5)


def test_unstaged_tumours_take_the_mean_of_stage_3_and_4():
    scale, shape = curve_table(("Lung",), STAGES)
    lung = NET_SURVIVAL_BY_STAGE["Lung"]
    s1 = (lung["3"][0] + lung["4"][0]) / 200
    assert np.exp(-(1 / scale[0, 4]) ** shape[0, 4]) == pytest.approx(s1)


def test_deprivation_factor_is_planted_only_with_the_gap():
    q = np.array([1, 3, 5])
    assert deprivation_factor(q, True) == pytest.approx(
        [DEPRIVATION_EXCESS_HR, DEPRIVATION_EXCESS_HR ** 0.5, 1.0])
    assert (deprivation_factor(q, False) == 1).all()


@pytest.fixture(scope="module")
def data():
    return synthetic.generate(alliances=["Peninsula"], scale=0.3, referrals=False)


def test_follow_up_dates_are_consistent(data):
    f, t = data.follow_up, data.tumours
    assert len(f) == len(t) and (f["tumour_id"] == t["tumour_id"]).all()
    assert set(f["vital_status"].astype(str)) == {"alive", "dead"}
    assert (f["vital_status_date"] >= t["diagnosis_date"]).all()
    assert (f["vital_status_date"] <= pd.Timestamp(str(FOLLOW_UP_END))).all()
    alive = f["vital_status"] == "alive"
    assert (f.loc[alive, "vital_status_date"] == pd.Timestamp(str(FOLLOW_UP_END))).all()
    dead = ~alive
    last = t[["referral_date", "told_outcome_date", "decision_to_treat_date",
              "first_treatment_date"]].max(axis=1)
    assert (f.loc[dead, "vital_status_date"] >= last[dead].fillna(t["diagnosis_date"])).all()


def test_observed_one_year_survival_is_the_model_expectation(data):
    """Share alive at one year (everyone is followed that long) vs the mean modelled chance."""
    f, t = data.follow_up, data.tumours
    days = (f["vital_status_date"] - t["diagnosis_date"]).dt.days
    alive = ~((f["vital_status"] == "dead") & (days <= 365)).to_numpy()
    expected = expected_survival(t, 1.0, deprivation_gap=True)
    for stage in ("1", "4"):
        mine = (t["stage"] == stage).to_numpy()
        p, n = alive[mine].mean(), mine.sum()
        assert abs(p - expected[mine].mean()) < 3 * np.sqrt(p * (1 - p) / n) + 0.005


def test_same_seed_same_follow_up(data):
    again = synthetic.generate(alliances=["Peninsula"], scale=0.3, referrals=False)
    pd.testing.assert_frame_equal(data.follow_up, again.follow_up)
