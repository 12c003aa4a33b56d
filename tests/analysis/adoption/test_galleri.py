"""The NHS-Galleri worked example on the real FDS files."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REAL

from helpers.analysis.adoption import galleri
from helpers.config import Paths
from helpers.ingest import fetch


def test_six_month_periods_count_from_october_2021():
    months = pd.Series(["2021-04", "2021-09", "2021-10", "2022-03", "2022-04", "2024-09"])
    assert galleri.six_month_period(months).tolist() == [-1, -1, 0, 0, 1, 5]
    assert galleri.period_label(0) == "Oct 2021-Mar 2022"
    assert galleri.period_label(-1) == "Apr 2021-Sep 2021"


@pytest.mark.skipif(not REAL.exists(),
                    reason="../shared/data/real is absent: the worked example needs it")
def test_worked_example_runs_on_the_real_files(tmp_path):
    paths = Paths(tmp_path)
    fetch.import_from(REAL, paths.raw_public)
    cwt, areas = galleri.load_inputs(paths)
    treated, mixed = galleri.trial_alliances(paths.raw_public)
    assert mixed == {"E56000035"}  # East of England: North in the trial, South not
    assert len(treated) == 7
    data = galleri.panel(cwt, areas, treated, mixed, list(galleri.CANCER_TYPES))
    assert sorted(data["period"].unique()) == [-1, 0, 1, 2, 3, 4, 5]
    assert data["alliance_code"].nunique() == 19
    results = galleri.event_studies(cwt, areas, paths.raw_public, n_boot=199)
    assert set(results["cancer_types"]) == {"head & neck, lung and upper GI", "head & neck",
                                            "lung", "upper GI"}
    per_study = results[results["period"] != "post average"].groupby(
        ["outcome", "cancer_types"]).size()
    assert (per_study == 6).all()  # six post periods, the reference left out
    text = galleri.reading(results, "after_28_pct", "lung")
    assert text.startswith("Suspected lung cancer: after the trial began")
