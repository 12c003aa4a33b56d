"""Diffusion curves: cumulative uptake, logistic and Bass fits, coverage forecasts.

Expected values come by a different route: the simulated curves' known parameters,
the Gaussian log-likelihood for AIC, root finding for forecast times.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.optimize import brentq

from helpers.analysis.adoption import (
    bass_curve,
    cumulative_uptake,
    fit_curve,
    forecast_coverage,
    logistic_curve,
)
from helpers.errors import ParameterError

T = np.arange(1, 37, dtype=float)


@pytest.fixture(scope="module")
def logistic_fit():
    rng = np.random.default_rng(20240101)
    y = 5000 / (1 + np.exp(-0.3 * (T - 15))) + rng.normal(0, 40, T.size)
    return fit_curve(T, y, model="logistic", origin=pd.Period("2023-01", "M"), label="X")


@pytest.fixture(scope="module")
def bass_fit():
    rng = np.random.default_rng(7)
    decay = np.exp(-(0.01 + 0.25) * T)
    y = 8000 * (1 - decay) / (1 + 25 * decay) + rng.normal(0, 40, T.size)
    return fit_curve(T, y, model="bass")


@pytest.mark.parametrize(
    "fixture,truth",
    [
        ("logistic_fit", {"K": 5000, "r": 0.3, "t0": 15}),
        ("bass_fit", {"m": 8000, "p": 0.01, "q": 0.25}),
    ],
)
def test_curves_recover_known_parameters(request, fixture, truth):
    fit = request.getfixturevalue(fixture)
    table = fit.parameter_table(confidence=0.99).set_index("parameter")
    for name, value in truth.items():
        assert table.loc[name, "lower"] <= value <= table.loc[name, "upper"]
        assert table.loc[name, "estimate"] == pytest.approx(value, rel=0.05)
    half = stats.t.ppf(0.995, T.size - 3) * table["se"]
    np.testing.assert_allclose(table["upper"] - table["estimate"], half)


def test_logistic_intervals_cover_at_about_the_nominal_rate():
    rng = np.random.default_rng(99)
    truth = np.array([5000, 0.3, 15])
    covered = []
    for _ in range(40):
        y = logistic_curve(T, *truth) + rng.normal(0, 40, T.size)
        table = fit_curve(T, y).parameter_table()
        covered.append((table["lower"] <= truth) & (truth <= table["upper"]))
    assert 0.85 <= np.mean(covered) <= 1.0


def test_goodness_of_fit_by_another_route(logistic_fit):
    fit = logistic_fit
    resid = fit.y - fit.predict(T)
    sigma = math.sqrt(np.mean(resid**2))
    loglik = stats.norm.logpdf(resid, scale=sigma).sum()
    assert fit.aic == pytest.approx(-2 * loglik + 2 * 4, rel=1e-12)
    assert fit.rmse == pytest.approx(sigma)
    assert fit.r2 == pytest.approx(1 - np.sum(resid**2) / np.sum((fit.y - fit.y.mean()) ** 2))
    assert fit.t50 == pytest.approx(fit.params["t0"])


def test_bass_time_to_half_ceiling(bass_fit):
    t50 = brentq(lambda t: bass_fit.predict(t) - bass_fit.ceiling / 2, 0.1, 100)
    assert bass_fit.t50 == pytest.approx(t50, rel=1e-9)


@pytest.mark.parametrize("fixture", ["logistic_fit", "bass_fit"])
def test_forecast_coverage_point_and_interval(request, fixture):
    fit = request.getfixturevalue(fixture)
    out = forecast_coverage(fit, 0.9, n_sim=2000, seed=1)
    t90 = brentq(lambda t: fit.predict(t) - 0.9 * fit.ceiling, 0.1, 200)
    assert out["t"] == pytest.approx(t90, rel=1e-9)
    truth = 15 + math.log(9) / 0.3 if fixture == "logistic_fit" else math.log(10 + 9 * 25) / 0.26
    assert out["lower"] < out["t"] < out["upper"]
    assert out["lower"] <= truth <= out["upper"]
    assert out["p_reached"] == 1.0
    assert forecast_coverage(fit, 0.9, n_sim=500, seed=3).equals(
        forecast_coverage(fit, 0.9, n_sim=500, seed=3)
    )


def test_forecast_months_and_unreachable_target(logistic_fit):
    out = forecast_coverage(logistic_fit, 0.5, eligible=4000, seed=1)
    t = brentq(lambda t: logistic_fit.predict(t) - 2000, 0.1, 100)
    assert out["t"] == pytest.approx(t)
    # t in (j, j + 1] falls in month j after the January 2023 launch month.
    assert out["month"] == pd.Period("2023-01", "M") + (math.ceil(t) - 1)
    never = forecast_coverage(logistic_fit, 0.9, eligible=20000, seed=1)
    assert math.isinf(never["t"]) and pd.isna(never["month"]) and never["p_reached"] == 0


def test_cumulative_uptake_from_monthly_table():
    months = pd.period_range("2022-01", "2024-12", freq="M")
    t_a = np.arange(1, 37)
    cum_a = np.round(logistic_curve(t_a, 3000, 0.4, 12))
    rows = [
        {"month": m.to_timestamp(), "alliance": "A", "count": c}
        for m, c in zip(months, np.diff(cum_a, prepend=0), strict=True)
    ]
    rows += [
        {"month": pd.Timestamp("2024-11-01"), "alliance": "B", "count": 5},
        {"month": pd.Timestamp("2024-01-01"), "alliance": "C", "count": 0},
    ]
    activity = pd.DataFrame(rows)
    cum = cumulative_uptake(activity)
    b = cum[cum["alliance"] == "B"]
    assert b["cumulative"].tolist() == [5, 5] and b["t"].tolist() == [1, 2]
    assert "C" not in set(cum["alliance"])


def test_ceiling_bound_is_respected():
    y = bass_curve(T[:12], 8000, 0.01, 0.25)  # reaches 3635 by month 12
    fit = fit_curve(T[:12], y, model="bass", max_ceiling=4000)
    assert fit.ceiling == pytest.approx(4000, rel=1e-6) and fit.ceiling <= 4000
    with pytest.raises(ParameterError):
        fit_curve(T[:12], y, model="bass", max_ceiling=3000)
    with pytest.raises(ParameterError):
        fit_curve(T[:4], y[:4])
