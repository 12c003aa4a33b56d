"""Indirect standardisation against a hand-computed table and PHE's ``calculate_ISRatio``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import REFCASES
from scipy.stats import chi2

from helpers.errors import ParameterError
from helpers.stats.standardisation import adjusted_share, expected_counts, indirect_standardise

Z95 = 1.959963984540054


def small_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """England early-stage counts by age x sex, and one alliance's, made up for the test."""
    strata = pd.MultiIndex.from_product([["<60", "60+"], ["F", "M"]], names=["age", "sex"])
    england = pd.DataFrame(
        {"numerator": [600, 500, 900, 700], "denominator": [1000, 1000, 2000, 2000]}, strata
    ).reset_index()
    local = pd.DataFrame(
        {"numerator": [30, 20, 80, 55], "denominator": [50, 40, 150, 160]}, strata
    ).reset_index()
    return england, local


def test_expected_counts_and_ratio_by_hand():
    """Breslow & Day (1987) vol. II ch. 2: E = sum of reference rate x local denominator."""
    england, local = small_tables()
    expected = 0.6 * 50 + 0.5 * 40 + 0.45 * 150 + 0.35 * 160  # 173.5
    observed = 30 + 20 + 80 + 55  # 185
    totals = expected_counts(local, england, ["age", "sex"])
    assert totals.loc[0, "expected"] == pytest.approx(expected)
    assert totals.loc[0, "observed"] == observed

    out = indirect_standardise(totals["observed"], totals["expected"])
    x = observed  # Byar's interval for the observed count, divided by E
    lower = x * (1 - 1 / (9 * x) - Z95 / (3 * math.sqrt(x))) ** 3 / expected
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + Z95 / (3 * math.sqrt(x + 1))) ** 3 / expected
    row = out.iloc[0]
    assert row["value"] == pytest.approx(observed / expected)
    assert (row["lower"], row["upper"]) == pytest.approx((lower, upper))
    assert row["method"] == "Byars"


def test_adjusted_share_is_ratio_times_reference_share():
    england, local = small_tables()
    totals = expected_counts(local, england, ["age", "sex"])
    ratios = indirect_standardise(totals["observed"], totals["expected"])
    share = 2700 / 6000
    out = adjusted_share(ratios, share)
    for col in ("value", "lower", "upper"):
        assert out.loc[0, col] == pytest.approx(100 * share * ratios.loc[0, col])


def test_small_observed_count_uses_exact_interval():
    out = indirect_standardise(4, 8.0, refvalue=100)
    assert out.loc[0, "method"] == "Exact"
    assert out.loc[0, "lower"] == pytest.approx(100 * chi2.ppf(0.025, 8) / 2 / 8)
    assert out.loc[0, "upper"] == pytest.approx(100 * chi2.ppf(0.975, 10) / 2 / 8)


def test_expected_counts_by_area():
    england, local = small_tables()
    two = pd.concat([local.assign(area="A"), local.assign(area="B", numerator=0)])
    out = expected_counts(two, england, ["age", "sex"], by=["area"])
    assert out["area"].tolist() == ["A", "B"]
    assert out["expected"].tolist() == pytest.approx([173.5, 173.5])
    assert out["observed"].tolist() == [185, 0]


def test_missing_reference_stratum_is_an_error():
    england, local = small_tables()
    with pytest.raises(ParameterError, match="No reference rate"):
        expected_counts(local, england.iloc[:3], ["age", "sex"])


@pytest.mark.parametrize(
    "rows,refvalue,confidence,suffix",
    [
        ((7, 9), 1, 0.95, "95_0cl"),
        ((7, 9), 1, 0.998, "99_8cl"),
        ((10, 12), 100, 0.95, "95_0cl"),
        ((10, 12), 100, 0.998, "99_8cl"),
    ],
)
def test_matches_phe_isratio(rows, refvalue, confidence, suffix):
    """PHEindicatormethods ``calculate_ISRatio``: isr_expected.csv rows 7-12 from
    dsr_isr_input_multiarea.csv (NA count = 0) and the isr_refdata.csv reference."""
    data = pd.read_csv(REFCASES / "dsr_isr_input_multiarea.csv").rename(
        columns={"count": "numerator", "pop": "denominator"}
    )
    ref = pd.read_csv(REFCASES / "isr_refdata.csv").rename(
        columns={"Age Band": "ageband", "refcount": "numerator", "refpop": "denominator"}
    )
    expected = pd.read_csv(REFCASES / "isr_expected.csv").set_index("row").loc[slice(*rows)]
    totals = expected_counts(data, ref, ["ageband"], by=["area"])
    out = indirect_standardise(
        totals["observed"], totals["expected"], refvalue=refvalue, confidence=confidence
    )
    assert totals["area"].tolist() == expected["area"].tolist()
    np.testing.assert_allclose(out["observed"], expected["observed"])
    np.testing.assert_allclose(out["expected"], expected["expected"], rtol=1e-10)
    np.testing.assert_allclose(out["value"], expected["value"], rtol=1e-10)
    np.testing.assert_allclose(out["lower"], expected[f"lower{suffix}"], rtol=1e-8)
    np.testing.assert_allclose(out["upper"], expected[f"upper{suffix}"], rtol=1e-8)
    assert out["method"].tolist() == expected["method"].tolist()
