"""The survival gap: the planted deprivation gap is recovered in its interval; none in a placebo.

The truth is the generator's own model: each tumour's modelled chance of being alive
(:func:`helpers.synthetic.survival.expected_survival`), averaged within ICSS age groups
and weighted by the ICSS weights, least minus most deprived fifth. The estimate is
Kaplan-Meier on the drawn deaths and censoring, through the cleaning step's cohort.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import synthetic
from helpers.analysis.pathway import survival as surv
from helpers.ingest.follow_up import survival_cohort
from helpers.stats.survival import ICSS_WEIGHTS, icss_group
from helpers.synthetic.survival import expected_survival

ALLIANCE = "Greater Manchester"


def cohort_of(data: synthetic.SyntheticData) -> pd.DataFrame:
    t = data.tumours.copy()
    t["year"] = t["diagnosis_date"].dt.year
    t["imd_quintile"] = (t["imd_decile"] + 1) // 2
    t["alliance_code"] = "E56000032"
    follow = data.follow_up.assign(vital_status=data.follow_up["vital_status"].astype(str))
    return survival_cohort(follow, t)


def true_gap(data: synthetic.SyntheticData, years: float) -> float:
    t = data.tumours
    chance = expected_survival(t, years, deprivation_gap=data.deprivation_gap)
    quintile = (t["imd_decile"].to_numpy() + 1) // 2
    band = icss_group(t["age"].to_numpy())
    weights = np.asarray(ICSS_WEIGHTS[1])

    def standardised(q: int) -> float:
        return float(sum(w * chance[(quintile == q) & (band == a)].mean()
                         for a, w in enumerate(weights)))

    return 100 * (standardised(5) - standardised(1))


@pytest.fixture(scope="module", params=[True, False], ids=["planted", "placebo"])
def case(request):
    data = synthetic.generate(alliances=[ALLIANCE], scale=0.4, referrals=False,
                              deprivation_gap=request.param, plant_effects=request.param)
    cohort = cohort_of(data)
    gap = surv.deprivation_gap(surv.survival_rows(cohort, "imd_quintile")).set_index("horizon")
    return data, cohort, gap


@pytest.mark.parametrize("horizon", [1, 5])
def test_gap_is_recovered_within_its_interval(case, horizon):
    data, _, gap = case
    truth = true_gap(data, horizon)
    row = gap.loc[horizon]
    assert row["lower"] <= truth <= row["upper"], (truth, row.to_dict())
    if data.deprivation_gap:
        assert truth > 3 and row["lower"] > 0   # planted: a gap is claimed
    else:
        assert row["lower"] <= 0 <= row["upper"]  # placebo: no gap is claimed


def test_gap_by_year_has_one_gap_a_year_and_a_trend(case):
    _, cohort, _ = case
    years, trend, rows = surv.gap_by_year(cohort, horizon=1)
    assert len(rows) == 8 and set(rows["group"]) == {"1", "5"}
    assert years["period"].tolist() == [2019, 2020, 2021, 2022]
    assert trend.iloc[0]["trend"] in ("widening", "narrowing", "no clear change")
    assert trend.iloc[0]["periods"] == 4


def test_survival_rows_carry_patients_and_deaths(case):
    _, cohort, _ = case
    rows = surv.survival_table(cohort, ("all", "stage"))
    every = rows[(rows["dimension"] == "all") & (rows["horizon"] == 1)].iloc[0]
    assert every["denominator"] == len(cohort)
    assert every["numerator"] == int((cohort["died"] & (cohort["days"] <= 365.25)).sum())
    stage = rows[(rows["dimension"] == "stage") & (rows["horizon"] == 1)].set_index("group")
    assert stage.loc["1", "value"] > stage.loc["4", "value"]
    assert stage["denominator"].sum() == len(cohort)
