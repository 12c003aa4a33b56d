"""Summary measures of inequality against hand computation and PHE's SII reference values.

Hand formulas: WHO Handbook on health inequality monitoring (2013; 2nd ed. 2024) and
HEAT technical notes; Schlotheuber & Hosseinpoor (2022) IJERPH 19:3697; standard errors
from Ahn et al. (2018) JCO Clin Cancer Inform 2:1-19 and Walter (1978) Int J Epidemiol
7:175-182; the SII/RII from PHEindicatormethods' ``phe_sii`` and the OHID Fingertips
Technical Guide, "Slope index of inequality (SII)" (ranks: cumulative mid-point shares of
the area's own population); the difference's interval from Newcombe (1998) Stat Med
17:873-890, method 10.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import REFCASES
from hand_intervals import newcombe

from helpers.errors import ParameterError
from helpers.stats.inequality import (
    NATIONAL,
    ORDERED,
    UNORDERED,
    describe,
    national_scale_ranks,
    summary_measures,
)

Z = 1.959963984540054

QUINTILES = pd.DataFrame(
    {
        "group": ["Q1", "Q2", "Q3", "Q4", "Q5"],
        "order": [1, 2, 3, 4, 5],
        "population": [1200.0, 1000.0, 900.0, 800.0, 700.0],
        "estimate": [52.0, 55.5, 58.0, 61.0, 63.5],
        "se": [1.4, 1.6, 1.6, 1.7, 1.8],
    }
)
ETHNICITY = pd.DataFrame(
    {
        "group": ["White", "Asian", "Black", "Mixed"],
        "population": [5000.0, 800.0, 500.0, 200.0],
        "estimate": [58.0, 54.0, 50.0, 56.0],
        "se": [0.7, 1.8, 2.2, 3.5],
    }
)


def by_measure(out: pd.DataFrame) -> pd.DataFrame:
    return out.set_index("measure")


def ci(estimate: float, se: float) -> tuple[float, float, float]:
    return estimate, estimate - Z * se, estimate + Z * se


def check(row: pd.Series, expected: tuple[float, float, float], rel: float = 1e-9) -> None:
    assert (row["estimate"], row["lower"], row["upper"]) == pytest.approx(expected, rel=rel)


# --- ordered: five quintiles ---------------------------------------------------------------

Y = QUINTILES["estimate"].to_numpy()
SE = QUINTILES["se"].to_numpy()
POP = QUINTILES["population"].to_numpy()
P = POP / POP.sum()
RANK = (np.cumsum(POP) - POP / 2) / POP.sum()  # [0.13043, 0.36957, 0.56522, 0.74783, 0.92391]
MEAN = P @ Y


def wls_line(rank: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted least squares intercept and slope from the closed form."""
    xbar, ybar = w @ rank / w.sum(), w @ y / w.sum()
    slope = (w * (rank - xbar)) @ (y - ybar) / ((w * (rank - xbar)) @ (rank - xbar))
    return ybar - slope * xbar, slope


def test_quintile_simple_measures_by_hand():
    """D = y(Q5) - y(Q1); R = y(Q5) / y(Q1) with the log-scale delta-method interval."""
    out = by_measure(summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=1))
    check(out.loc["d"], ci(Y[4] - Y[0], math.hypot(SE[4], SE[0])))
    log_se = math.hypot(SE[4] / Y[4], SE[0] / Y[0])
    r = Y[4] / Y[0]
    check(out.loc["r"], (r, r * math.exp(-Z * log_se), r * math.exp(Z * log_se)))


def test_quintile_sii_rii_by_hand():
    """PHE: population-weighted regression on mid-point ranks; RII = (a + b) / a."""
    a, b = wls_line(RANK, Y, POP)
    out = by_measure(summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=1))
    assert out.loc["sii", "estimate"] == pytest.approx(b, rel=1e-12)
    assert out.loc["rii", "estimate"] == pytest.approx((a + b) / a, rel=1e-12)
    draws = np.random.default_rng(5).normal(Y, SE, size=(20_000, 5))
    sims = np.array([wls_line(RANK, d, POP) for d in draws])
    lo, hi = np.quantile(sims[:, 1], [0.025, 0.975])
    width = hi - lo
    assert out.loc["sii", "lower"] == pytest.approx(lo, abs=0.05 * width)
    assert out.loc["sii", "upper"] == pytest.approx(hi, abs=0.05 * width)
    rii_sims = (sims[:, 0] + sims[:, 1]) / sims[:, 0]
    lo, hi = np.quantile(rii_sims, [0.025, 0.975])
    assert out.loc["rii", "lower"] == pytest.approx(lo, abs=0.05 * (hi - lo))
    assert out.loc["rii", "upper"] == pytest.approx(hi, abs=0.05 * (hi - lo))


def test_quintile_transformed_sii_by_hand():
    """PHE transform = TRUE: the line on the logit scale, the ends transformed back."""
    lower, upper = Y - Z * SE, Y + Z * SE  # each group's own 95% limits
    groups = QUINTILES.assign(transform="logit", lower=lower, upper=upper, scale=100.0)
    out = by_measure(summary_measures(groups, ordered=True, higher_is_better=True, seed=3))

    def logit(v):
        return np.log(v / (100 - v))

    def expit(v):
        return 100 / (1 + np.exp(-v))

    a, b = wls_line(RANK, logit(Y), POP)
    assert out.loc["sii", "estimate"] == pytest.approx(expit(a + b) - expit(a), rel=1e-12)
    assert out.loc["rii", "estimate"] == pytest.approx(expit(a + b) / expit(a), rel=1e-12)
    se_logit = (logit(upper) - logit(lower)) / (2 * Z)
    draws = np.random.default_rng(8).normal(logit(Y), se_logit, size=(20_000, 5))
    slopes = np.array([wls_line(RANK, d, POP)[1] for d in draws])
    b_lo, b_hi = np.quantile(slopes, [0.025, 0.975])
    mid = a + b / 2
    lo, hi = (expit(mid + s / 2) - expit(mid - s / 2) for s in (b_lo, b_hi))
    assert out.loc["sii", "lower"] == pytest.approx(lo, abs=0.05 * (hi - lo))
    assert out.loc["sii", "upper"] == pytest.approx(hi, abs=0.05 * (hi - lo))
    # on this gentle gradient the transformed SII is close to the linear one
    linear = by_measure(summary_measures(QUINTILES, ordered=True, higher_is_better=True))
    assert out.loc["sii", "estimate"] == pytest.approx(linear.loc["sii", "estimate"], rel=0.02)


def test_transform_needs_limits_inside_the_range():
    groups = QUINTILES.assign(transform="logit")
    with pytest.raises(ParameterError, match="'lower' and 'upper'"):
        summary_measures(groups, ordered=True, higher_is_better=True)
    bad = groups.assign(lower=Y - 60, upper=Y + 1)
    with pytest.raises(ParameterError, match="strictly inside 0 to 100"):
        summary_measures(bad, ordered=True, higher_is_better=True)
    with pytest.raises(ParameterError, match="one of"):
        summary_measures(QUINTILES.assign(transform="sqrt", lower=Y - 1, upper=Y + 1),
                         ordered=True, higher_is_better=True)


def logistic_by_hand(rank: np.ndarray, p: np.ndarray, w: np.ndarray):
    """Newton-Raphson for logit(p) = b0 + b1 rank (binomial, weights w) and the HC1 sandwich."""
    x = np.column_stack([np.ones_like(rank), rank])
    beta = np.zeros(2)
    for _ in range(50):
        mu = 1 / (1 + np.exp(-x @ beta))
        info = x.T @ (x * (w * mu * (1 - mu))[:, None])
        beta = beta + np.linalg.solve(info, x.T @ (w * (p - mu)))
    mu = 1 / (1 + np.exp(-x @ beta))
    bread = np.linalg.inv(x.T @ (x * (w * mu * (1 - mu))[:, None]))
    meat = (x * (w * (p - mu))[:, None]).T @ (x * (w * (p - mu))[:, None])
    k = len(p)
    return beta, k / (k - 2) * bread @ meat @ bread


def test_quintile_logistic_sii_rii_by_hand():
    """HEAT: SII = p(rank 1) - p(rank 0), RII = p(1) / p(0) from the logistic model,
    delta-method intervals with the HC1 covariance."""
    (b0, b1), cov = logistic_by_hand(RANK, Y / 100, POP)
    v0, v1 = 1 / (1 + math.exp(-b0)), 1 / (1 + math.exp(-b0 - b1))
    g = np.array([v1 * (1 - v1) - v0 * (1 - v0), v1 * (1 - v1)])
    out = by_measure(summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=1))
    check(out.loc["sii_logistic"], ci(100 * (v1 - v0), 100 * math.sqrt(g @ cov @ g)), rel=1e-6)
    g = np.array([v0 - v1, 1 - v1])
    se = math.sqrt(g @ cov @ g)
    log_rii = math.log(v1 / v0)
    expected = (v1 / v0, math.exp(log_rii - Z * se), math.exp(log_rii + Z * se))
    check(out.loc["rii_logistic"], expected, rel=1e-6)


def test_quintile_concentration_indices_by_hand():
    """ACI = sum p_j (2 R_j - 1) y_j (Handbook 2013); RCI = 100 ACI / mean. Interval: the
    standard error of the slope in the 'convenient regression' of 2 var(R) y on R."""
    aci = np.sum(P * (2 * RANK - 1) * Y)
    sigma2 = P @ (RANK - 0.5) ** 2
    lhs = 2 * sigma2 * Y
    a, b = wls_line(RANK, lhs, POP)
    resid = lhs - a - b * RANK
    s2 = (POP * resid**2).sum() / (5 - 2)
    xbar = P @ RANK
    se = math.sqrt(s2 / (POP @ (RANK - xbar) ** 2))
    out = by_measure(summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=1))
    assert b == pytest.approx(aci)
    check(out.loc["aci"], ci(aci, se))
    check(out.loc["rci"], ci(100 * aci / MEAN, 100 * se / MEAN))


def walter_se(y_ref: float, pop_ref: float, mean: float, total: float) -> float:
    """Walter (1978) variance of the attributable fraction from the 2 x 2 table."""
    c = y_ref / 100 * pop_ref
    d = pop_ref - c
    a = mean / 100 * total - c
    b = total - a - pop_ref
    n = a + b + c + d
    return math.sqrt(c * n * (a * d * (n - c) + b * c**2) / ((a + c) ** 3 * (c + d) ** 3))


def test_quintile_paf_par_by_hand():
    """PAR = y(most advantaged) - mean; PAF = 100 PAR / mean (HEAT), Walter's interval."""
    se = walter_se(Y[4], POP[4], MEAN, POP.sum())
    out = by_measure(summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=1))
    check(out.loc["par"], ci(Y[4] - MEAN, MEAN * se))
    check(out.loc["paf"], ci(100 * (Y[4] - MEAN) / MEAN, 100 * se))


def test_lower_is_better_flips_signs_and_inverts_ratios():
    """The same table for an adverse indicator: the disadvantaged group is now better off."""
    good = by_measure(summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=3))
    bad = by_measure(summary_measures(QUINTILES, ordered=True, higher_is_better=False, seed=3))
    for m in ("d", "sii", "sii_logistic", "aci", "rci"):
        assert bad.loc[m, "estimate"] == pytest.approx(-good.loc[m, "estimate"])
        assert bad.loc[m, "lower"] == pytest.approx(-good.loc[m, "upper"])
        assert bad.loc[m, "favours"] == "disadvantaged better off"
    for m in ("r", "rii", "rii_logistic"):
        assert bad.loc[m, "estimate"] == pytest.approx(1 / good.loc[m, "estimate"])
        assert bad.loc[m, "upper"] == pytest.approx(1 / good.loc[m, "lower"])
    assert good.loc["sii", "favours"] == "disadvantaged worse off"
    assert bad.loc["par", "estimate"] == 0  # the least deprived group is the worst here


ENGLAND = {1: 11.0e6, 2: 11.2e6, 3: 11.3e6, 4: 11.4e6, 5: 11.5e6}
ENGLAND_POP = np.array(list(ENGLAND.values()))
ENGLAND_RANK = (np.cumsum(ENGLAND_POP) - ENGLAND_POP / 2) / ENGLAND_POP.sum()
# [0.09692, 0.29427, 0.49339, 0.69427, 0.89692], against the own RANK above


def test_standard_measures_rank_the_places_own_population():
    """PHE's SII (Fingertips Technical Guide) and HEAT's ACI / RCI rank the area's own
    population: adding England's ranks must not move them, only add sii_national."""
    groups = national_scale_ranks(QUINTILES, ENGLAND)
    assert groups["national_rank"].to_numpy() == pytest.approx(ENGLAND_RANK)
    out = by_measure(summary_measures(groups, ordered=True, higher_is_better=True, seed=1))
    assert list(out.index) == [*ORDERED, *NATIONAL]
    a, b = wls_line(RANK, Y, POP)
    assert out.loc["sii", "estimate"] == pytest.approx(b, rel=1e-12)
    assert out.loc["rii", "estimate"] == pytest.approx((a + b) / a, rel=1e-12)
    aci = np.sum(P * (2 * RANK - 1) * Y)  # Handbook (2013): own cumulative shares
    assert out.loc["aci", "estimate"] == pytest.approx(aci, rel=1e-12)
    assert out.loc["rci", "estimate"] == pytest.approx(100 * aci / MEAN, rel=1e-12)
    # on England's ranks the concentration index would be a different number
    assert np.sum(P * (2 * ENGLAND_RANK - 1) * Y) != pytest.approx(aci, rel=1e-3)
    own = by_measure(summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=1))
    pd.testing.assert_frame_equal(out.loc[list(ORDERED)], own)


def test_sii_national_uses_englands_ranks_and_local_weights():
    """The separately named SII on England's scale: the same regression, England's ranks."""
    groups = national_scale_ranks(QUINTILES, ENGLAND)
    out = by_measure(summary_measures(groups, ordered=True, higher_is_better=True, seed=1))
    _, slope = wls_line(ENGLAND_RANK, Y, POP)
    _, own_slope = wls_line(RANK, Y, POP)
    row = out.loc["sii_national"]
    assert row["estimate"] == pytest.approx(slope, rel=1e-12)
    assert slope != pytest.approx(own_slope, rel=1e-3)
    draws = np.random.default_rng(6).normal(Y, SE, size=(20_000, 5))
    sims = np.array([wls_line(ENGLAND_RANK, d, POP)[1] for d in draws])
    lo, hi = np.quantile(sims, [0.025, 0.975])
    assert row["lower"] == pytest.approx(lo, abs=0.05 * (hi - lo))
    assert row["upper"] == pytest.approx(hi, abs=0.05 * (hi - lo))
    assert row["favours"] == "disadvantaged worse off" and row["ci_method"] == "simulation"
    bad = by_measure(summary_measures(groups, ordered=True, higher_is_better=False, seed=1))
    assert bad.loc["sii_national", "estimate"] == pytest.approx(-slope, rel=1e-12)
    with pytest.raises(ParameterError, match="order"):
        national_scale_ranks(QUINTILES, {1: 1.0, 2: 1.0})


def test_a_rank_column_is_refused():
    """The old override that put England's ranks into every measure is gone."""
    with pytest.raises(ParameterError, match="own population"):
        summary_measures(QUINTILES.assign(rank=RANK), ordered=True, higher_is_better=True)


# --- the linear RII when the fitted line crosses zero --------------------------------------

# Five equal groups: ranks 0.1, 0.3, 0.5, 0.7, 0.9 (mean 0.5, sum of squared deviations
# 0.4). Uptake 2, 10, 20, 30, 40%: slope = (-0.4*2 - 0.2*10 + 0.2*30 + 0.4*40) / 0.4 = 48,
# intercept = 20.4 - 48 * 0.5 = -3.6, so the "RII" (a + b) / a would be 44.4 / -3.6 = -12.3.
LOW_UPTAKE = pd.DataFrame(
    {
        "group": ["1", "2", "3", "4", "5"],
        "order": [1, 2, 3, 4, 5],
        "population": [1000.0] * 5,
        "estimate": [2.0, 10.0, 20.0, 30.0, 40.0],
        "se": [0.44, 0.95, 1.26, 1.45, 1.55],
        "scale": 100.0,
    }
)


@pytest.mark.parametrize("higher_is_better", [True, False])
def test_linear_rii_with_a_fitted_end_below_zero_is_not_reported(higher_is_better):
    out = by_measure(summary_measures(LOW_UPTAKE, ordered=True,
                                      higher_is_better=higher_is_better, seed=2))
    row = out.loc["rii"]
    assert np.isnan(row["estimate"]) and np.isnan(row["lower"]) and np.isnan(row["upper"])
    assert row["favours"] == "not reported" and row["ci_method"] == "not reported"
    assert "the fitted line is -3.6 at the most disadvantaged end" in row["note"]
    assert "logistic RII" in row["note"]
    sign = 1 if higher_is_better else -1
    assert out.loc["sii", "estimate"] == pytest.approx(sign * 48.0, rel=1e-12)
    assert out.loc["sii", "note"] == ""
    (b0, b1), _ = logistic_by_hand(np.array([0.1, 0.3, 0.5, 0.7, 0.9]),
                                   LOW_UPTAKE["estimate"].to_numpy() / 100, np.full(5, 1000.0))
    v0, v1 = 1 / (1 + math.exp(-b0)), 1 / (1 + math.exp(-b0 - b1))
    assert out.loc["rii_logistic", "estimate"] == pytest.approx((v1 / v0) ** sign, rel=1e-6)
    assert out.loc["rii_logistic", "lower"] > 0
    assert "not reported" in describe(row.to_dict() | {"measure": "rii"}, "uptake (%)")


def test_linear_rii_with_an_end_within_chance_of_zero_is_not_reported():
    """Intercept 0.6 (slope (-3.2 - 2 + 6 + 16) / 0.4 = 42, mean 21.6): positive, but with
    se 2 per group the intercept's se is 2 sqrt(0.7^2 + 0.45^2 + 0.2^2 + 0.05^2 + 0.3^2)
    = 1.817 (weights 0.2 - 1.25 (rank - 0.5)), so P(intercept <= 0) = Phi(-0.6 / 1.817)."""
    groups = LOW_UPTAKE.assign(estimate=[8.0, 10.0, 20.0, 30.0, 40.0], se=2.0)
    a, b = wls_line(np.array([0.1, 0.3, 0.5, 0.7, 0.9]), groups["estimate"].to_numpy(),
                    np.ones(5))
    assert (a, b) == pytest.approx((0.6, 42.0))
    se_a = 2 * math.sqrt(0.7**2 + 0.45**2 + 0.2**2 + 0.05**2 + 0.3**2)
    expected = 100 * 0.5 * math.erfc(0.6 / se_a / math.sqrt(2))  # Phi(-a / se_a), ~37%
    out = by_measure(summary_measures(groups, ordered=True, higher_is_better=True, seed=4))
    note = out.loc["rii", "note"]
    assert np.isnan(out.loc["rii", "estimate"])
    share = float(note.split(" in ")[1].split("%")[0])
    assert share == pytest.approx(expected, abs=1.5)
    assert "no reliable interval" in note


def test_linear_rii_clear_of_zero_is_reported():
    out = by_measure(summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=1))
    assert out.loc["rii", "note"] == "" and out.loc["rii", "lower"] > 0


# --- the difference from counts: Newcombe's interval ---------------------------------------

COUNTED = pd.DataFrame(
    {
        "group": ["Q1", "Q2", "Q3", "Q4", "Q5"],
        "order": [1, 2, 3, 4, 5],
        "numerator": [624, 555, 522, 488, 445],
        "denominator": [1200, 1000, 900, 800, 700],
    }
).assign(
    population=lambda f: f["denominator"].astype(float),
    estimate=lambda f: 100 * f["numerator"] / f["denominator"],
    se=lambda f: 100 * np.sqrt(f["estimate"] / 100 * (1 - f["estimate"] / 100)
                               / f["denominator"]),
)






def test_newcombe_by_hand_matches_the_published_example():
    # Newcombe (1998), Stat Med 17:873, example (a): 56/70 - 48/80 -> 0.0524 to 0.3339
    d, lo, hi = newcombe(56, 70, 48, 80)
    assert (round(lo / 100, 4), round(hi / 100, 4)) == (0.0524, 0.3339)


def test_difference_from_counts_has_newcombes_interval():
    out = by_measure(summary_measures(COUNTED, ordered=True, higher_is_better=True, seed=1))
    check(out.loc["d"], newcombe(445, 700, 624, 1200), rel=1e-9)
    assert out.loc["d", "ci_method"] == "Newcombe"
    adverse = by_measure(summary_measures(COUNTED, ordered=True, higher_is_better=False))
    d, lo, hi = newcombe(445, 700, 624, 1200)
    check(adverse.loc["d"], (-d, -hi, -lo), rel=1e-9)
    # without counts the interval is the normal one
    plain = by_measure(summary_measures(COUNTED.drop(columns=["numerator", "denominator"]),
                                        ordered=True, higher_is_better=True))
    se = math.hypot(*COUNTED["se"].iloc[[4, 0]])
    check(plain.loc["d"], ci(d, se), rel=1e-9)


def test_unordered_difference_from_counts_has_newcombes_interval():
    groups = pd.DataFrame({"group": ["White", "Asian", "Black"], "numerator": [600, 550, 400],
                           "denominator": [1000, 1000, 1000]}).assign(
        population=lambda f: f["denominator"].astype(float),
        estimate=lambda f: f["numerator"] / 10, se=1.0)
    out = by_measure(summary_measures(groups, ordered=False, higher_is_better=True,
                                      reference="White"))
    check(out.loc["d"], newcombe(600, 1000, 400, 1000), rel=1e-9)


def test_counts_must_match_the_estimates():
    with pytest.raises(ParameterError, match="numerator / denominator"):
        summary_measures(COUNTED.assign(estimate=COUNTED["estimate"].round(1)), ordered=True,
                         higher_is_better=True)


# --- unordered: four ethnic groups ---------------------------------------------------------

YU = ETHNICITY["estimate"].to_numpy()
SEU = ETHNICITY["se"].to_numpy()
PU = ETHNICITY["population"].to_numpy() / ETHNICITY["population"].sum()
MU = PU @ YU


def unordered(**kwargs) -> pd.DataFrame:
    return by_measure(
        summary_measures(ETHNICITY, ordered=False, higher_is_better=True, seed=11, **kwargs)
    )


def test_unordered_point_estimates_by_hand():
    """HEAT definitions with White as reference and the best group = White (58%)."""
    out = unordered(reference="White")
    best, ref, worst = 58.0, 58.0, 50.0
    bgv = PU @ (YU - MU) ** 2
    expected = {
        "d": ref - worst,
        "r": ref / worst,
        "bgv": bgv,
        "bgsd": math.sqrt(bgv),
        "cov": 100 * math.sqrt(bgv) / MU,
        "mdbu": np.abs(YU - best).mean(),
        "mdbw": PU @ np.abs(YU - best),
        "mdmu": np.abs(YU - MU).mean(),
        "mdmw": PU @ np.abs(YU - MU),
        "mdru": np.abs(YU - ref).mean(),
        "mdrw": PU @ np.abs(YU - ref),
        "idisu": 100 * np.abs(YU - MU).mean() / MU,
        "idisw": 100 * (PU @ np.abs(YU - MU)) / MU,
        "ti": 1000 * np.sum(PU * (YU / MU) * np.log(YU / MU)),
        "mld": 1000 * np.sum(-PU * np.log(YU / MU)),
        "par": best - MU,
        "paf": 100 * (best - MU) / MU,
    }
    assert list(out.index) == list(UNORDERED)
    for m, value in expected.items():
        assert out.loc[m, "estimate"] == pytest.approx(value, rel=1e-12), m


def test_unordered_analytic_intervals_by_hand():
    """Ahn et al. (2018): BGV, Theil and MLD delta-method standard errors."""
    out = unordered(reference="White")
    dev = YU - MU
    s2 = np.sum(PU**2 * SEU**2)
    var_bgv = 4 * np.sum(PU**2 * SEU**2 * dev**2) + 2 * (
        s2**2 - np.sum(PU**4 * SEU**4) + np.sum(PU**2 * (1 - PU) ** 2 * SEU**4)
    )
    check(out.loc["bgv"], ci(PU @ dev**2, math.sqrt(var_bgv)))
    r = YU / MU
    t = 1 + np.log(r)
    se_ti = math.sqrt(np.sum((t - np.sum(PU * r * t)) ** 2 * PU**2 * SEU**2 / MU**2))
    check(out.loc["ti"], ci(1000 * np.sum(PU * r * np.log(r)), 1000 * se_ti))
    se_mld = math.sqrt(np.sum((PU * SEU / MU) ** 2 * (1 - 1 / r) ** 2))
    check(out.loc["mld"], ci(1000 * np.sum(-PU * np.log(r)), 1000 * se_mld))
    check(out.loc["d"], ci(8.0, math.hypot(SEU[0], SEU[2])))
    se = walter_se(58.0, 5000.0, MU, 6500.0)
    check(out.loc["paf"], ci(100 * (58 - MU) / MU, 100 * se))


def test_unordered_simulated_intervals_match_a_hand_simulation():
    """HEAT's Monte Carlo limits: redraw every estimate from Normal(estimate, se)."""
    out = unordered(reference="White")
    y = np.random.default_rng(2024).normal(YU, SEU, size=(40_000, 4))
    mean = y @ PU
    dev = np.abs(y - mean[:, None])
    sims = {
        "bgsd": np.sqrt(((y - mean[:, None]) ** 2) @ PU),
        "mdmw": dev @ PU,
        "idisu": 100 * dev.mean(axis=1) / mean,
        "mdbu": np.abs(y - y.max(axis=1, keepdims=True)).mean(axis=1),
        "mdrw": np.abs(y - y[:, [0]]) @ PU,
    }
    for m, draws in sims.items():
        lo, hi = np.quantile(draws, [0.025, 0.975])
        tol = 0.05 * (hi - lo)
        assert out.loc[m, "lower"] == pytest.approx(lo, abs=tol), m
        assert out.loc[m, "upper"] == pytest.approx(hi, abs=tol), m
        assert out.loc[m, "ci_method"] == "simulation"


def test_unordered_without_reference_uses_best_group_and_drops_mdr():
    out = unordered()
    assert "mdru" not in out.index and "mdrw" not in out.index
    assert out.loc["d", "estimate"] == pytest.approx(58 - 50)
    assert out.loc["d", "favours"] == "worst-off group worse off"


def test_adverse_unordered_reference_against_worst_group():
    """Lower is better: the worst group has the highest value; d = worst - reference."""
    out = by_measure(
        summary_measures(ETHNICITY, ordered=False, higher_is_better=False, reference="Black")
    )
    assert out.loc["d", "estimate"] == pytest.approx(58 - 50)  # White is worst, Black reference
    assert out.loc["r", "estimate"] == pytest.approx(58 / 50)
    assert out.loc["par", "estimate"] == pytest.approx(MU - 50)
    assert out.loc["mdbu", "estimate"] == pytest.approx(np.abs(YU - 50).mean())


# --- applicability, reproducibility, wording -------------------------------------------------


def test_applicability_rule():
    ordered = summary_measures(QUINTILES, ordered=True, higher_is_better=True)
    assert ordered["measure"].tolist() == list(ORDERED)
    two = summary_measures(QUINTILES.iloc[[0, 4]], ordered=True, higher_is_better=True)
    assert two["measure"].tolist() == ["d", "r"]
    one = summary_measures(ETHNICITY.iloc[:1], ordered=False, higher_is_better=True)
    assert one.empty and list(one.columns)[:4] == ["measure", "estimate", "lower", "upper"]
    suppressed = ETHNICITY.assign(estimate=[58.0, np.nan, 50.0, np.nan])
    assert summary_measures(suppressed, ordered=False, higher_is_better=True)[
        "measure"
    ].tolist() == ["d", "r"]
    zero = summary_measures(
        ETHNICITY.assign(estimate=[58.0, 0.0, 50.0, 56.0]), ordered=False, higher_is_better=True
    )
    assert not {"ti", "mld", "r"} & set(zero["measure"])


def test_seed_makes_simulated_intervals_reproducible():
    a = summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=42)
    b = summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=42)
    c = summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=43)
    pd.testing.assert_frame_equal(a, b)
    assert a.set_index("measure").loc["sii", "lower"] != c.set_index("measure").loc["sii", "lower"]


def test_missing_se_leaves_intervals_missing():
    out = by_measure(
        summary_measures(ETHNICITY.assign(se=np.nan), ordered=False, higher_is_better=True)
    )
    assert np.isnan(out.loc["bgsd", "lower"]) and np.isnan(out.loc["d", "upper"])
    assert np.isfinite(out.loc["bgsd", "estimate"])


def test_bad_inputs_are_errors():
    with pytest.raises(ParameterError, match="order"):
        summary_measures(ETHNICITY, ordered=True, higher_is_better=True)
    with pytest.raises(ParameterError, match="reference"):
        summary_measures(ETHNICITY, ordered=False, higher_is_better=True, reference="Other")


def test_describe_says_direction_and_certainty():
    row = by_measure(summary_measures(QUINTILES, ordered=True, higher_is_better=True, seed=1)).loc[
        "sii"
    ]
    text = describe(row.to_dict() | {"measure": "sii"}, "early-stage diagnosis (%)")
    assert text.startswith("Slope index of inequality for early-stage diagnosis (%)")
    assert "disadvantaged worse off" in text and "excludes no difference" in text
    spread = unordered().loc["bgv"].to_dict() | {"measure": "bgv"}
    assert "no direction" in describe(spread, "early-stage diagnosis (%)")


# --- PHE reference cases ---------------------------------------------------------------------


def phe_cases() -> list:
    """The phe_sii test calls that the reference sheet supports, with and without a transform.

    Cases 10 and 18 are left out: their StandardError column is on the log / logit
    scale (for transform=TRUE), while the expected limits correspond to the standard
    error from the 95% limits, which cases 11 and 19 test.
    """
    cases = pd.read_csv(REFCASES / "sii_cases.csv")
    keep = ~cases["case_id"].isin([10, 18])
    return [pytest.param(row, id=f"case{row.case_id}") for row in cases[keep].itertuples()]


def mean_relative_difference(ours: list[float], theirs: list[float]) -> float:
    """testthat / waldo's tolerance measure: mean |x - y| / mean |y|."""
    x, y = np.asarray(ours), np.asarray(theirs)
    return float(np.mean(np.abs(x - y)) / np.mean(np.abs(y)))


@pytest.mark.parametrize("case", phe_cases())
def test_sii_rii_match_phe(case):
    """PHEindicatormethods ``phe_sii``: point estimates to 1e-9, simulated limits within
    PHE's own tolerance (mean relative difference < 0.05 per column over the areas)."""
    data = pd.read_csv(REFCASES / "sii_input.csv").set_index("RecordNo")
    expected = pd.read_csv(REFCASES / "sii_expected.csv").set_index("RecordNo")
    first, last = map(int, case.input_records.split("-"))
    rows = data.loc[first:last]
    records = [int(r) for r in str(case.expected_records).split(";")]
    levels = [float(c) for c in str(case.confidence).split(";")]
    levels = [c / 100 if c > 1 else c for c in levels]
    pairs: dict[str, list[tuple[float, float]]] = {}
    areas = rows.groupby(["Area", "Grouping1", "Grouping2"], sort=False)
    for (_, area), record in zip(areas, records, strict=True):
        if case.uncertainty_input == "se":
            se = area["StandardError"]
        else:  # phe_sii takes 95% limits and derives se = (upper - lower) / (2 z)
            se = (area["UpperCL"] - area["LowerCL"]) / (2 * Z)
        value = area["Count"] / area["Population"] if case.value_input == "Count" else area["Value"]
        size = abs(case.multiplier)
        groups = pd.DataFrame(
            {
                "group": area["Quantile"].astype(str),
                "order": area["Quantile"],
                "population": area["Population"],
                "estimate": value * size,
                "se": se * size,
            }
        )
        if case.transform:  # log for rates, logit for proportions, from the 95% limits
            groups["transform"] = "log" if case.value_type == 1 else "logit"
            groups["lower"] = area["LowerCL"].to_numpy() * size
            groups["upper"] = area["UpperCL"].to_numpy() * size
            if case.value_type == 2:  # proportions (x the multiplier) are bounded by it
                groups["scale"] = size
        ref = expected.loc[record]
        for i, level in enumerate(levels, start=1):
            out = by_measure(
                summary_measures(
                    groups,
                    ordered=True,
                    higher_is_better=case.multiplier > 0,
                    confidence=level,
                    seed=record,
                )
            )
            assert out.loc["sii", "estimate"] == pytest.approx(ref["sii"], rel=1e-9)
            if not np.isnan(ref["rii"]):
                assert out.loc["rii", "estimate"] == pytest.approx(ref["rii"], rel=1e-9)
            for measure in ("sii", "rii"):
                for side in ("lower", "upper"):
                    column = f"{measure}_{side}cl_{i}"
                    if not np.isnan(ref.get(column, np.nan)):
                        pairs.setdefault(column, []).append((out.loc[measure, side], ref[column]))
    for column, values in pairs.items():
        ours, theirs = zip(*values, strict=True)
        assert mean_relative_difference(ours, theirs) < 0.05, column
