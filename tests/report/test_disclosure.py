"""Small-number suppression on hand-made rows."""

from __future__ import annotations

import pandas as pd

from helpers.report.disclosure import SUPPRESSED, format_count, format_percent, suppress


def test_suppression_rules():
    rows = pd.DataFrame(
        {
            "numerator": [0, 3, 50, 95, 5, 8],
            "denominator": [100, 100, 100, 100, 5, 100],
            "value": [0.0, 3.0, 50.0, 95.0, 100.0, 8.0],
        }
    )
    out = suppress(rows, threshold=7)
    # 0 is not disclosive; 3 is; 95 of 100 leaves 5 (complement); 5 of 5 hides the row; 8 shown
    assert out["suppressed"].tolist() == [False, True, False, True, True, False]
    assert out["value"].isna().tolist() == [False, True, False, True, True, False]
    assert out["denominator"].isna().tolist() == [False, False, False, False, True, False]


def test_threshold_is_configurable():
    rows = pd.DataFrame({"numerator": [8], "denominator": [100], "value": [8.0]})
    assert bool(suppress(rows, threshold=10)["suppressed"].iloc[0])
    assert not bool(suppress(rows, threshold=7)["suppressed"].iloc[0])


def test_formatting():
    assert format_count(float("nan")) == SUPPRESSED
    assert format_count(12345) == "12,345"
    assert format_percent(float("nan")) == SUPPRESSED
    assert format_percent(54.321, 50.04, 58.66) == "54.3% (50.0-58.7)"
