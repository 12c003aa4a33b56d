"""Staggered roll-out impact (Callaway-Sant'Anna via ``differences``), checked two ways.

1. A five-alliance panel whose group-time effects are 2x2 differences-in-differences
   worked out by hand below (Callaway and Sant'Anna 2021, eq. 2.5, universal base
   period g - 1, not-yet-treated controls), with the standard error of a weighted
   difference of means, sqrt(sum w^2 (d - m)^2 / W^2 over both groups).
2. The planted effect in the SYNTHETIC data: planted and placebo runs differ only in
   the stage of the tumours the checks found, so the true effect on the lung
   early-stage share (all ages, as in the cube) is the difference of their estimates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import synthetic
from helpers.analysis import adoption
from helpers.analysis.adoption.impact import cohort_panel, not_yet_treated, staggered_impact
from helpers.analysis.adoption.timeline import monthly_totals
from helpers.errors import ParameterError

# Outcome in 2019, 2020, 2021; cohort = go-live year (NaN: never); weight per alliance.
Y = {"A": (10, 13, 15), "B": (20, 22, 25), "C": (12, 13, 17), "D": (11, 12, 13),
     "E": (15, 15, 18)}
COHORT = {"A": 2020, "B": 2020, "C": 2021, "D": np.nan, "E": np.nan}
WEIGHT = {"A": 1, "B": 3, "C": 3, "D": 1, "E": 1}


def hand_panel() -> pd.DataFrame:
    return pd.DataFrame([{"alliance": u, "period": 2019 + i, "early_pct": y,
                          "cohort": COHORT[u], "weight": WEIGHT[u]}
                         for u, ys in Y.items() for i, y in enumerate(ys)])


def test_group_time_effects_are_hand_computed_2x2_dids():
    result = staggered_impact(hand_panel())
    gt = result.attrs["group_time"].set_index(["cohort", "period"])
    # ATT(2020, 2020), base 2019: treated changes A 3 (w 1), B 2 (w 3): 9/4 = 2.25;
    # not yet treated in 2020: C 1 (w 3), D 1, E 0: 4/5 = 0.8; ATT = 1.45.
    assert gt.loc[(2020, 2020), "estimate"] == pytest.approx(1.45)
    # se: treated (1 x 0.75^2 + 9 x 0.25^2) / 16 = 0.0703125,
    # controls (9 x 0.2^2 + 0.2^2 + 0.8^2) / 25 = 0.0416
    assert gt.loc[(2020, 2020), "se"] == pytest.approx(np.sqrt(0.0703125 + 0.0416))
    assert gt.loc[(2020, 2020), "n_control"] == 3
    # ATT(2020, 2021), base 2019: treated 5 and 5; not yet treated in 2021: D 2, E 3 -> 2.5
    assert gt.loc[(2020, 2021), "estimate"] == pytest.approx(2.5)
    assert gt.loc[(2020, 2021), "se"] == pytest.approx(np.sqrt(0.5 / 4))
    # ATT(2021, 2021), base 2020: C 4; D 1, E 3 -> 2; ATT = 2
    assert gt.loc[(2021, 2021), "estimate"] == pytest.approx(2.0)
    # pre-trend ATT(2021, 2019), base 2020: C -1; D -1, E 0 -> -0.5; ATT = -0.5
    assert gt.loc[(2021, 2019), "estimate"] == pytest.approx(-0.5)
    events = result.set_index("event")
    # theta(0): cohorts weighted by their total weight, (4 x 1.45 + 3 x 2) / 7
    assert events.loc[0, "estimate"] == pytest.approx((4 * 1.45 + 3 * 2) / 7)
    assert events.loc[1, "estimate"] == pytest.approx(2.5)
    assert events.loc[-2, "estimate"] == pytest.approx(-0.5)
    assert events.loc[-1, "estimate"] == 0 and np.isnan(events.loc[-1, "se"])
    # post average: mean of theta(0) and theta(1)
    assert events.loc["post average", "estimate"] == pytest.approx(((11.8 / 7) + 2.5) / 2)
    assert events.loc[0, "upper"] - events.loc[0, "estimate"] == pytest.approx(
        1.959964 * events.loc[0, "se"], rel=1e-6)
    assert events.loc[0, "n_cohorts"] == 2 and events.loc[0, "n_treated"] == 3


def test_first_year_adopters_are_left_out_and_controls_are_not_yet_treated():
    panel = hand_panel()
    early = panel[panel["alliance"] == "A"].assign(alliance="Z", cohort=2019)
    result = staggered_impact(pd.concat([panel, early]))
    assert result.attrs["left_out"] == ["Z"]  # no year before go-live to compare with
    assert result.set_index("event").loc[1, "estimate"] == pytest.approx(2.5)
    cohorts = pd.Series({"a": 2020.0, "b": 2021.0, "c": 2022.0, "d": np.nan})
    assert list(not_yet_treated(cohorts, 2020, 2020)) == ["b", "c", "d"]
    assert list(not_yet_treated(cohorts, 2020, 2021)) == ["c", "d"]
    assert list(not_yet_treated(cohorts, 2022, 2019)) == ["d"]  # not yet treated in 2021
    varying = panel.assign(weight=np.arange(len(panel)))
    with pytest.raises(ParameterError, match="constant"):
        staggered_impact(varying)


def test_cohort_panel_takes_the_go_live_year_and_a_constant_weight():
    counts = pd.DataFrame({"alliance": ["A", "A", "B", "B"], "period": ["2019", "2020"] * 2,
                           "numerator": [30, 50, 20, 20], "denominator": [100, 100, 80, 120]})
    timeline = pd.DataFrame({"alliance": ["A", "B"],
                             "go_live": [pd.Period("2020-11", "M"), pd.Period("2021-02", "M")]})
    panel = cohort_panel(counts, timeline).set_index(["alliance", "period"])
    assert panel.loc[("A", 2020), "cohort"] == 2020
    assert np.isnan(panel.loc[("B", 2020), "cohort"])  # live only after the data end
    assert panel.loc[("B", 2019), "weight"] == 100  # (80 + 120) / 2
    assert panel.loc[("A", 2020), "early_pct"] == 50


def lung_counts(tumours: pd.DataFrame) -> pd.DataFrame:
    """Lung stage 1-2 of staged, all ages (as the cube), by alliance and year, from records."""
    lung = tumours[(tumours["site"] == "Lung") & tumours["stage"].isin(["1", "2", "3", "4"])]
    lung = lung.assign(period=lung["diagnosis_date"].dt.year,
                       early=lung["stage"].isin(["1", "2"]))
    return (lung.groupby(["alliance", "period"], observed=True)["early"]
            .agg(numerator="sum", denominator="count").reset_index())


@pytest.fixture(scope="module")
def runs():
    kwargs = dict(years=(2019, 2020, 2021, 2022), seed=11, referrals=False)
    planted = synthetic.generate(**kwargs)
    placebo = synthetic.generate(**kwargs, plant_effects=False)
    timeline = adoption.adoption_timeline(monthly_totals(planted.activity, "lung_health_check"))
    return {name: staggered_impact(cohort_panel(lung_counts(data.tumours), timeline))
            .set_index("event") for name, data in (("planted", planted), ("placebo", placebo))}


def test_planted_effect_is_recovered_within_its_interval(runs):
    planted, placebo = runs["planted"], runs["placebo"]
    avg = planted.loc["post average"]
    truth = avg["estimate"] - placebo.loc["post average", "estimate"]
    assert truth > 1  # checks raise the lung early-stage share where they run
    assert avg["lower"] <= truth <= avg["upper"]
    assert avg["lower"] > 0


def test_placebo_shows_no_effect_and_no_pretrend(runs):
    avg = runs["placebo"].loc["post average"]
    assert avg["lower"] <= 0 <= avg["upper"]
    for run in runs.values():
        pre = run[[isinstance(e, int) and e < -1 for e in run.index]]
        assert len(pre) and ((pre["lower"] <= 0) & (pre["upper"] >= 0)).all()
