"""Funnel limits against PHE's reference outputs, and over-dispersion against hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import REFCASES
from scipy.stats import chi2

from helpers.errors import ParameterError
from helpers.stats.funnel import (
    assign_significance,
    funnel_limits,
    funnel_outliers,
    overdispersed_limits,
    overdispersion,
)

Z95, Z998 = 1.959963984540054, 3.090232306167813
PHE_LIMITS = {
    "lower_2s_limit": "Lower2s0025limit",
    "upper_2s_limit": "Upper2s0025limit",
    "lower_3s_limit": "Lower3s0001limit",
    "upper_3s_limit": "Upper3s0001limit",
    "baseline": "Baseline",
}

# Ten units' proportions for the hand-computed over-dispersion example.
NUM = np.array([40, 55, 30, 90, 62, 48, 75, 20, 110, 66], dtype=float)
DEN = np.array([100, 120, 90, 150, 110, 100, 140, 80, 170, 120], dtype=float)


def test_proportion_limits_by_hand():
    """PHE's closed form equals target +/- z sqrt(target (1 - target) / n) (score-test limits)."""
    out = funnel_limits(np.array([30.0, 50.0]), np.array([100.0, 100.0]))
    a = 0.4
    row = out.iloc[9]
    n = row["population"]
    assert row["lower_2s_limit"] == pytest.approx(100 * (a - Z95 * math.sqrt(a * (1 - a) / n)))
    assert row["upper_3s_limit"] == pytest.approx(100 * (a + Z998 * math.sqrt(a * (1 - a) / n)))
    assert out["baseline"].eq(40).all()
    assert len(out) == 100


def test_ratio_limits_are_observed_over_exact_poisson_limits():
    out = funnel_limits(np.array([5.0, 20.0]), np.array([4.0, 25.0]), statistic="ratio")
    o = out.loc[4, "observed"]
    assert out.loc[4, "lower_2s_expected"] == pytest.approx(chi2.ppf(0.975, 2 * o + 2) / 2)
    assert out.loc[4, "upper_3s_expected"] == pytest.approx(chi2.ppf(0.001, 2 * o) / 2)
    assert out.loc[4, "lower_2s_limit"] == pytest.approx(100 * o / out.loc[4, "lower_2s_expected"])


def test_unknown_statistic_is_an_error():
    with pytest.raises(ParameterError):
        funnel_limits(NUM, DEN, statistic="rate")


def winsorised_z_by_hand() -> tuple[np.ndarray, np.ndarray, float]:
    """Arcsine-square-root z-scores Winsorised at the 10th/90th percentiles (type 7)."""
    target = NUM.sum() / DEN.sum()
    s = 1 / (2 * np.sqrt(DEN))
    z = (np.arcsin(np.sqrt(NUM / DEN)) - np.arcsin(math.sqrt(target))) / s
    ordered = np.sort(z)
    h = (len(z) - 1) * 0.1  # 0.9: between the 1st and 2nd smallest
    low = ordered[0] + h * (ordered[1] - ordered[0])
    high = ordered[-1] - h * (ordered[-1] - ordered[-2])
    return np.clip(z, low, high), s, target


def test_overdispersion_by_hand():
    """Spiegelhalter (2005) Qual Saf Health Care 14:347: phi = mean(z_w^2);
    tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1 / s^2."""
    zw, s, target = winsorised_z_by_hand()
    phi = np.mean(zw**2)
    w = 1 / s**2
    tau2 = (10 * phi - 9) / (w.sum() - (w**2).sum() / w.sum())
    od = overdispersion(NUM, DEN)
    assert od.target == pytest.approx(target)
    assert od.phi == pytest.approx(phi)
    assert phi > 1 and od.tau2 == pytest.approx(tau2)
    assert od.p_value == pytest.approx(chi2.sf(10 * phi, 9))

    centre = np.arcsin(math.sqrt(target))
    n = 200.0
    additive = overdispersed_limits([n], od)
    sd = math.sqrt(1 / (4 * n) + tau2)
    assert additive.loc[0, "upper_2s_limit"] == pytest.approx(
        100 * math.sin(centre + Z95 * sd) ** 2
    )
    multiplicative = overdispersed_limits([n], od, method="multiplicative")
    sd = math.sqrt(phi) / (2 * math.sqrt(n))
    assert multiplicative.loc[0, "lower_3s_limit"] == pytest.approx(
        100 * math.sin(centre - Z998 * sd) ** 2
    )


def test_no_overdispersion_gives_zero_tau2():
    """Equal proportions: every z is 0, so phi = 0 <= (I - 1) / I and tau^2 = 0."""
    od = overdispersion(np.full(8, 25.0), np.full(8, 100.0))
    assert od.phi == 0 and od.tau2 == 0


def test_binomial_units_show_little_overdispersion_and_planted_spread_a_lot():
    rng = np.random.default_rng(7)
    den = rng.integers(200, 2000, size=60).astype(float)
    plain = rng.binomial(den.astype(int), 0.3).astype(float)
    assert overdispersion(plain, den).p_value > 0.01
    shifted = rng.binomial(den.astype(int), np.clip(0.3 + rng.normal(0, 0.08, 60), 0, 1))
    od = overdispersion(shifted.astype(float), den)
    assert od.phi > 2 and od.tau2 > 0 and od.p_value < 1e-6


def test_overdispersion_widens_limits_and_reduces_outliers():
    od = overdispersion(NUM, DEN)
    plain = assign_significance(NUM, DEN)
    adjusted = assign_significance(NUM, DEN, od=od)
    assert (adjusted != "Not significant").sum() < (plain != "Not significant").sum()
    z = (np.arcsin(np.sqrt(NUM / DEN)) - np.arcsin(math.sqrt(od.target))) / np.sqrt(
        1 / (4 * DEN) + od.tau2
    )
    assert ((adjusted == "High (0.025)") == ((z > Z95) & (z <= Z998))).all()


def test_outlier_listing():
    units = pd.DataFrame({"area": list("ABCDEFGHIJ"), "numerator": NUM, "denominator": DEN})
    out = funnel_outliers(units)
    labels = assign_significance(NUM, DEN)
    assert set(out["area"]) == set(units["area"][(labels != "Not significant").to_numpy()])
    assert out["value"].tolist() == pytest.approx((out["numerator"] / out["denominator"]).tolist())


@pytest.mark.parametrize(
    "max_denominator,expected_file",
    [(None, "funnel_prop_outputs.csv"), (31000, "funnel_prop_outputs_with_axis_variation.csv")],
)
def test_proportion_limits_match_phe(max_denominator, expected_file):
    """PHEindicatormethods ``calculate_funnel_limits(statistic="proportion", multiplier=100)``."""
    data = pd.read_csv(REFCASES / "funnel_prop_inputs.csv")
    if max_denominator:
        data = data[data["denominator"] < max_denominator]
    expected = pd.read_csv(REFCASES / expected_file)
    out = funnel_limits(data["numerator"], data["denominator"])
    np.testing.assert_array_equal(out["population"], expected["Population"])
    for ours, theirs in PHE_LIMITS.items():
        np.testing.assert_allclose(out[ours], expected[theirs], rtol=1e-6)


@pytest.mark.parametrize("ratio_type,suffix", [("isr", "isr"), ("count", "count")])
def test_ratio_limits_match_phe(ratio_type, suffix):
    """PHEindicatormethods ``calculate_funnel_limits(statistic="ratio")``. PHE finds the
    expected counts by bisection to 1e-7 on a transformed scale; ours are the exact
    chi-square limits, so the few smallest counts differ by up to 5e-5 (relative)."""
    data = pd.read_csv(REFCASES / "funnel_ratio_inputs.csv")
    expected = pd.read_csv(REFCASES / "funnel_ratio_outputs.csv")
    out = funnel_limits(data["obs"], data["expected"], statistic="ratio", ratio_type=ratio_type)
    np.testing.assert_array_equal(out["observed"], expected["Observed_events"])
    for name in ("lower_2s", "upper_2s", "lower_3s", "upper_3s"):
        np.testing.assert_allclose(
            out[f"{name}_expected"], expected[f"{name}_exp_events"], rtol=1e-4
        )
        np.testing.assert_allclose(out[f"{name}_limit"], expected[f"{name}_{suffix}"], rtol=1e-4)
        np.testing.assert_allclose(
            out[f"{name}_expected"].iloc[10:], expected[f"{name}_exp_events"].iloc[10:], rtol=1e-6
        )


def test_proportion_significance_matches_phe():
    """PHEindicatormethods ``assign_funnel_significance(statistic="proportion")``."""
    data = pd.read_csv(REFCASES / "funnel_prop_inputs.csv")
    out = assign_significance(data["numerator"], data["denominator"])
    assert out.astype(str).tolist() == data["significance"].tolist()


def test_ratio_significance_matches_phe():
    """PHEindicatormethods ``assign_funnel_significance(statistic="ratio")``."""
    data = pd.read_csv(REFCASES / "funnel_ratio_inputs.csv")
    out = assign_significance(data["obs"], data["expected"], statistic="ratio")
    assert out.astype(str).tolist() == data["significance"].tolist()
