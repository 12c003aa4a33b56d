"""Crude rates with Byar's / exact Poisson intervals against the formulas and PHE's values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import REFCASES
from scipy.stats import chi2

from helpers.stats.rates import (
    add_rate,
    byars_interval,
    exact_poisson_interval,
    poisson_count_interval,
)

Z95 = 1.959963984540054


def byars_by_hand(x: float, z: float = Z95) -> tuple[float, float]:
    """Byar's approximation (Breslow & Day 1987, vol. II, eq. 2.13) written out."""
    lower = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return lower, upper


@pytest.mark.parametrize("x", [1, 10, 65, 1045])
def test_byars_matches_formula(x):
    lower, upper = byars_interval(x)
    assert (float(lower), float(upper)) == pytest.approx(byars_by_hand(x), rel=1e-12)


@pytest.mark.parametrize("x", [0, 1, 5, 9])
def test_exact_matches_chi_square_formula(x):
    """Garwood (1936): lower = chi2(a/2; 2x)/2, upper = chi2(1 - a/2; 2x + 2)/2."""
    lower, upper = exact_poisson_interval(x)
    expected_lower = 0.0 if x == 0 else chi2.ppf(0.025, 2 * x) / 2
    assert float(lower) == pytest.approx(expected_lower, abs=1e-12)
    assert float(upper) == pytest.approx(chi2.ppf(0.975, 2 * x + 2) / 2, rel=1e-10)


def test_switches_to_exact_below_ten():
    lower, upper, method = poisson_count_interval(np.array([9.0, 10.0, np.nan]))
    assert list(method) == ["Exact", "Byars", ""]
    assert lower[0] == pytest.approx(chi2.ppf(0.025, 18) / 2)
    assert lower[1] == pytest.approx(byars_by_hand(10)[0])
    assert np.isnan(lower[2]) and np.isnan(upper[2])


def test_rate_by_hand_per_100000():
    df = pd.DataFrame({"numerator": [65, 0], "denominator": [100_000, 50_000]})
    out = add_rate(df)
    lo, hi = byars_by_hand(65)
    assert out.loc[0, ["value", "lower", "upper"]].tolist() == pytest.approx([65, lo, hi])
    assert out.loc[1, "lower"] == 0
    assert out.loc[1, "upper"] == pytest.approx(chi2.ppf(0.975, 2) / 2 * 2)


def test_zero_or_missing_denominator_gives_nan():
    out = add_rate(pd.DataFrame({"numerator": [3, 3], "denominator": [0, np.nan]}))
    assert out[["value", "lower", "upper"]].isna().all().all()


def test_byars_matches_phe_byars_wilson_sheet():
    """PHEindicatormethods byars_lower/upper, rows 1-6 of the Byars/Wilson sheet."""
    ref = pd.read_csv(REFCASES / "byars_wilson.csv")
    ref = ref[(ref["method"] == "Byars") & ref["lowercl"].notna()]
    for _, r in ref.iterrows():
        conf = 0.95 if r["confidence"] == "95%" else 0.998
        lower, upper = byars_interval(r["x"], conf)
        assert float(lower) == pytest.approx(r["lowercl"], rel=1e-8)
        assert float(upper) == pytest.approx(r["uppercl"], rel=1e-8)


@pytest.mark.parametrize("confidence,suffix", [(0.95, "95_0cl"), (0.998, "99_8cl")])
def test_add_rate_matches_phe_rate_sheet(confidence, suffix):
    """PHEindicatormethods ``phe_rate`` (Byars, exact below 10), multipliers 100 and 100000."""
    ref = pd.read_csv(REFCASES / "rate_byars_exact.csv")
    df = ref.rename(columns={"Numerator": "numerator", "Denominator": "denominator"})
    out = add_rate(df, multiplier=1, confidence=confidence)
    scale = ref["multiplier"].to_numpy()
    np.testing.assert_allclose(out["value"] * scale, ref["value"], rtol=1e-8)
    np.testing.assert_allclose(out["lower"] * scale, ref[f"lower{suffix}"], rtol=1e-8)
    np.testing.assert_allclose(out["upper"] * scale, ref[f"upper{suffix}"], rtol=1e-8)
    assert out["method"].replace("", np.nan).equals(ref["method"])
