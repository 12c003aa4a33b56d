"""The report recovers the deprivation gap the generator plants, and claims none where none is.

The truth is the generator's expected gap in one alliance, estimated straight from
the raw records of six other seeds (plain pandas, not the measures code). The report
is the section text built from one more seed, through cleaning and the count cube.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers import synthetic
from helpers.config import Paths
from helpers.ingest import clean
from helpers.registry import alliances
from helpers.report import context
from helpers.report.sections import inequality, overview

ALLIANCE = "West Midlands"
TRUTH_SEEDS = range(1, 7)
REPORT_SEED = 101


def raw_gap(tumours: pd.DataFrame) -> float:
    """Stage 1-2 share of stage 1-4, least minus most deprived national quintile, in points."""
    quintile = (tumours["imd_decile"].astype(int) + 1) // 2
    staged = tumours["stage"].isin(["1", "2", "3", "4"])
    early = tumours["stage"].isin(["1", "2"])
    share = 100 * early[staged].groupby(quintile[staged]).mean()
    return float(share[5] - share[1])


def generate(seed: int, gap: bool) -> synthetic.SyntheticData:
    return synthetic.generate(alliances=[ALLIANCE], seed=seed, deprivation_gap=gap, referrals=False,
                              plant_effects=gap)


@pytest.fixture(scope="module", params=[True, False], ids=["planted", "no-gap"])
def case(request, tmp_path_factory):
    gap = request.param
    truths = [raw_gap(generate(seed, gap).tumours) for seed in TRUTH_SEEDS]
    paths = Paths(tmp_path_factory.mktemp("recovery"))
    synthetic.write(generate(REPORT_SEED, gap), paths.raw_synthetic)
    clean.clean(paths, "synthetic")
    ctx = context.load(alliances.resolve(ALLIANCE), project=paths)
    return gap, float(np.mean(truths)), ctx


def difference_sentence(ctx: context.Context) -> tuple[str, float, float, float]:
    text = inequality.summary_table(ctx, "early_stage", "imd_quintile").findings[0]
    found = re.search(r"difference (-?[\d.]+) \(95% CI (-?[\d.]+) to (-?[\d.]+)\)", text)
    assert found, text
    return text, *map(float, found.groups())


def test_the_truth_is_what_was_planted(case):
    gap, truth, _ = case
    if gap:
        assert 6.5 < truth < 9  # about 4 points from the site mix and 4 from the stage draw
    else:
        assert abs(truth) < 0.5


def test_the_gap_is_recovered_within_its_interval_and_said_only_when_planted(case):
    gap, truth, ctx = case
    text, estimate, lower, upper = difference_sentence(ctx)
    assert lower <= truth <= upper, (truth, text)
    words = " ".join(overview.by_group(ctx, "early_stage", "imd_quintile").findings)
    if gap:
        assert lower > 0
        assert "the most deprived are worse off beyond chance" in text
        assert "so the most deprived fifth is worse off" in words
    else:
        assert lower <= 0 <= upper
        assert "so no gap is claimed" in text
        assert "no gap is claimed" in words
