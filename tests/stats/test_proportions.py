"""Wilson intervals and Newcombe differences against hand computation and published values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import REFCASES

from helpers.stats import add_proportion, compare_proportions, wilson_interval


def wilson_by_hand(x: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927) score interval written out from the formula."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("x,n", [(0, 10), (1, 10), (20, 100), (65, 100), (1045, 5000), (50, 50)])
def test_wilson_matches_formula(x, n):
    lower, upper = wilson_interval(x, n)
    assert (float(lower), float(upper)) == pytest.approx(wilson_by_hand(x, n), abs=1e-12)


def test_zero_denominator_gives_nan():
    lower, upper = wilson_interval(np.array([0, 3]), np.array([0, 10]))
    assert np.isnan(lower[0]) and np.isnan(upper[0])
    assert not np.isnan(lower[1])


def test_wilson_matches_phe_byars_wilson_sheet():
    ref = pd.read_csv(REFCASES / "byars_wilson.csv")
    ref = ref[ref["method"] == "Wilson"]
    for _, r in ref.iterrows():
        conf = 0.95 if r["confidence"] == "95%" else 0.998
        lower, upper = wilson_interval(r["x"], r["n"], conf)
        assert float(lower) == pytest.approx(r["lowercl"], rel=1e-8)
        assert float(upper) == pytest.approx(r["uppercl"], rel=1e-8)


def test_add_proportion_matches_phe_proportion_sheet():
    ref = pd.read_csv(REFCASES / "proportion_wilson.csv").dropna(subset=["Numerator"])
    ref = ref[ref["Denominator"] > 0]
    out = add_proportion(
        ref.rename(columns={"Numerator": "numerator", "Denominator": "denominator"}),
        scale=1.0,
    )
    scale = ref["multiplier"].to_numpy()
    np.testing.assert_allclose(out["value"] * scale, ref["value"], rtol=1e-8)
    np.testing.assert_allclose(out["lower"] * scale, ref["lower95_0cl"], rtol=1e-8)
    np.testing.assert_allclose(out["upper"] * scale, ref["upper95_0cl"], rtol=1e-8)


def test_newcombe_difference_matches_published_example():
    # Newcombe RG (1998) Stat Med 17:873-890, Table II example (a): 56/70 - 48/80,
    # method 10 (score interval, no continuity correction): 0.0524 to 0.3339.
    diff, lower, upper = compare_proportions(56, 70, 48, 80)
    assert diff == pytest.approx(100 * (56 / 70 - 48 / 80))
    assert lower == pytest.approx(5.24, abs=0.005)
    assert upper == pytest.approx(33.39, abs=0.005)


def test_newcombe_by_hand_from_wilson_limits():
    # Newcombe's hybrid: d - sqrt((p1-l1)^2 + (u2-p2)^2), d + sqrt((u1-p1)^2 + (p2-l2)^2)
    l1, u1 = wilson_by_hand(30, 120)
    l2, u2 = wilson_by_hand(12, 90)
    p1, p2 = 30 / 120, 12 / 90
    d = p1 - p2
    expected = (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )
    _, lower, upper = compare_proportions(30, 120, 12, 90)
    assert (lower / 100, upper / 100) == pytest.approx(expected, abs=1e-10)
