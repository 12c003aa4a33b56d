"""The evaluation recovers the effect planted in the SYNTHETIC data, and a placebo shows none.

Lung health checks: alliances live by December 2019 against those live from
August 2021, early-stage share of lung cancers in people aged 55-74 (the checks'
eligible ages) by year 2019-2021 (reference 2019). The planted and placebo runs
differ only in the stage of the tumours the checks found, so the true planted
effect is the difference of the two estimates. With 8 clusters the bootstrap
has little resolution, so it is compared between the runs rather than to 0.05.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import synthetic
from helpers.analysis import adoption
from helpers.analysis.adoption.impact import early_late_panel, impact
from helpers.analysis.adoption.timeline import monthly_totals

STAGED = ["1", "2", "3", "4"]


def lung_counts(tumours: pd.DataFrame) -> pd.DataFrame:
    """Lung stage 1-2 of staged, ages 55-74, by alliance and year, counted from the records."""
    lung = tumours[(tumours["site"] == "Lung") & tumours["stage"].isin(STAGED)
                   & tumours["age"].between(55, 74)].copy()
    lung["period"] = lung["diagnosis_date"].dt.year
    lung["early"] = lung["stage"].isin(["1", "2"])
    return (lung.groupby(["alliance", "period"], observed=True)["early"]
            .agg(numerator="sum", denominator="count").reset_index())


@pytest.fixture(scope="module")
def runs():
    kwargs = dict(years=(2019, 2020, 2021), seed=11)
    planted = synthetic.generate(**kwargs)
    placebo = synthetic.generate(**kwargs, plant_effects=False)
    timeline = adoption.adoption_timeline(monthly_totals(planted.activity,
                                                         "lung_health_check"))
    out = {}
    for name, data in (("planted", planted), ("placebo", placebo)):
        panel = early_late_panel(lung_counts(data.tumours), timeline, early_by="2019-12",
                                 late_from="2021-08", last_period=2021)
        out[name] = impact(panel, reference_period=2019, n_boot=499).set_index("period")
    return out


def test_planted_effect_is_recovered_within_its_interval(runs):
    planted, placebo = runs["planted"], runs["placebo"]
    avg = planted.loc["post average"]
    truth = avg["estimate"] - placebo.loc["post average", "estimate"]
    assert truth > 3  # checks raise the lung early-stage share where they run
    assert avg["lower"] <= truth <= avg["upper"]
    assert avg["lower"] > 0
    assert avg["p_boot"] < runs["placebo"].loc["post average", "p_boot"]


def test_placebo_shows_no_effect(runs):
    avg = runs["placebo"].loc["post average"]
    assert avg["lower"] <= 0 <= avg["upper"]
    assert avg["p_boot"] > 0.05
