"""MAIHDA on simulated strata with known variance and main effects; REML and cross tables.

MAIHDA: Merlo (2018) Soc Sci Med 203:74-80; Evans et al. (2018) Soc Sci Med 203:64-73.
REML for random-effects meta-regression: Viechtbauer (2005) J Educ Behav Stat 30:261-293.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import expit

from helpers.report.disclosure import suppress
from helpers.stats.intersectional import cross_table, maihda, meta_regression

QUINTILE_EFFECT = {1: 0.0, 2: 0.15, 3: 0.3, 4: 0.45, 5: 0.6}
ETHNIC_EFFECT = {"White": 0.0, "Asian": -0.3, "Black": -0.5, "Mixed": 0.2}


def simulate(seed: int, tau2: float = 0.0, planted: tuple | None = None) -> pd.DataFrame:
    """Stratum counts from logit p = -0.2 + quintile + ethnicity (+ N(0, tau2)) (+ 0.8 planted)."""
    rng = np.random.default_rng(seed)
    rows = []
    for q, qe in QUINTILE_EFFECT.items():
        for e, ee in ETHNIC_EFFECT.items():
            n = int(rng.integers(800, 3000))
            logit = -0.2 + qe + ee + rng.normal(0, math.sqrt(tau2))
            logit += 0.8 if planted == (q, e) else 0.0
            rows.append(
                {"imd": q, "eth": e, "numerator": rng.binomial(n, expit(logit)), "denominator": n}
            )
    return pd.DataFrame(rows)


def test_reml_equal_variances_closed_form():
    """With equal sampling variances v, REML gives tau^2 = RSS / (k - p) - v and OLS beta."""
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(30), rng.normal(size=30)])
    y = x @ [0.5, 1.0] + rng.normal(0, 0.5, 30)
    v = np.full(30, 0.04)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    rss = np.sum((y - x @ beta) ** 2)
    fit = meta_regression(y, v, x)
    assert fit.tau2 == pytest.approx(rss / 28 - 0.04, rel=1e-8)
    assert fit.beta == pytest.approx(beta, rel=1e-8)


def test_reml_matches_direct_maximisation():
    """Restricted log-likelihood written out and maximised numerically."""
    rng = np.random.default_rng(4)
    v = rng.uniform(0.01, 0.2, 25)
    y = 0.3 + rng.normal(0, np.sqrt(0.1 + v))
    x = np.ones((25, 1))

    def minus_reml(tau2: float) -> float:
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return 0.5 * (np.sum(np.log(v + tau2)) + math.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    best = minimize_scalar(minus_reml, bounds=(0, 5), method="bounded", options={"xatol": 1e-12})
    assert meta_regression(y, v, x).tau2 == pytest.approx(best.x, rel=1e-6)


def test_no_interaction_main_effects_explain_the_variance():
    """Strata differ only through their main effects: PCV near 1, no stratum flagged,
    and the fitted main effects recover the simulated ones (within 3 standard errors)."""
    result = maihda(simulate(seed=11), ["imd", "eth"])
    assert result.tau2_null > 0.05
    assert result.pcv > 0.95
    assert (result.strata["flag"] == "as main effects predict").all()
    assert result.vpc_null == pytest.approx(result.tau2_null / (result.tau2_null + math.pi**2 / 3))
    fixed = result.fixed.set_index("term")
    se = (fixed["upper"] - fixed["lower"]) / (2 * 1.959963984540054)
    truth = {"imd=5": 0.6, "imd=3": 0.3, "eth=Black": -0.5, "eth=Mixed": 0.2}
    for term, value in truth.items():
        assert abs(fixed.loc[term, "estimate"] - value) < 3 * se[term], term


def test_planted_interaction_is_flagged():
    """Most deprived Black patients fare 0.8 log-odds above what the main effects predict."""
    result = maihda(simulate(seed=11, planted=(1, "Black")), ["imd", "eth"])
    flagged = result.strata[result.strata["flag"] != "as main effects predict"]
    assert flagged[["imd", "eth"]].values.tolist() == [[1, "Black"]]
    assert flagged["flag"].iloc[0] == "higher than main effects predict"
    assert result.tau2_main > 0 and result.pcv < 0.9


def test_known_between_strata_variance_is_recovered():
    """Random stratum effects with tau^2 = 0.05 on top of the main effects (20 strata)."""
    estimates = [maihda(simulate(seed=s, tau2=0.05), ["imd", "eth"]).tau2_main for s in range(8)]
    assert 0.025 < np.mean(estimates) < 0.08


def test_zero_count_stratum_gets_continuity_correction():
    data = simulate(seed=2)
    data.loc[0, "numerator"] = 0
    result = maihda(data, ["imd", "eth"])
    assert np.isfinite(result.strata["residual"]).all()
    assert result.strata.loc[0, "observed"] == 0


def test_cross_table_counts_wilson_and_suppression():
    cube = pd.DataFrame(
        {
            "imd": [1, 1, 1, 2, 2],
            "eth": ["White", "White", "Black", "White", "Black"],
            "numerator": [30, 20, 3, 60, 40],
            "denominator": [60, 40, 10, 100, 90],
        }
    )
    out = suppress(cross_table(cube, "imd", "eth"), threshold=7).set_index(["imd", "eth"])
    cell = out.loc[(1, "White")]
    assert (cell["numerator"], cell["denominator"]) == (50, 100)
    z = 1.959963984540054
    p, n = 0.5, 100
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert (cell["lower"], cell["upper"]) == pytest.approx(
        (100 * (centre - half), 100 * (centre + half))
    )
    small = out.loc[(1, "Black")]
    assert small["suppressed"] and np.isnan(small["value"]) and np.isnan(small["numerator"])
