"""Innovation adoption: timelines, diffusion curves, reach, stage shift and the event study.

Expected values are built by hand or by a different route: statsmodels for
Wilson/Newcombe intervals and for the event-study regression on explicit dummy
matrices, root finding for forecast times, brute-force refits for the bootstrap.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.optimize import brentq
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from helpers.analysis.adoption import (
    adoption_timeline,
    bass_curve,
    cumulative_uptake,
    diffusion_summary,
    fit_alliance_curves,
    fit_curve,
    forecast_coverage,
    goodness_of_fit,
    logistic_curve,
    participation_by_group,
    rogers_category,
    stage_shift,
    uptake_coverage,
    uptake_inequality,
)
from helpers.errors import ParameterError
from helpers.stats.did import average_effect, did_event_study, pretrend_test, wild_cluster_bootstrap

pytestmark = pytest.mark.filterwarnings("ignore:The F test")

# --- adoption timeline -------------------------------------------------------------------


def test_rogers_categories_for_20_alliances():
    # Cumulative shares 2.5, 16, 50, 84, 100% of 20 = 0.5, 3.2, 10, 16.8, 20, rounded half up.
    cats = [rogers_category(rank, 20) for rank in range(1, 21)]
    counts = pd.Series(cats).value_counts()
    assert counts.to_dict() == {
        "innovators": 1,
        "early adopters": 2,
        "early majority": 7,
        "late majority": 7,
        "laggards": 3,
    }
    assert cats[0] == "innovators" and cats[3] == "early majority" and cats[17] == "laggards"


def test_timeline_go_live_ties_and_never_adopters():
    activity = pd.DataFrame(
        {
            "month": [
                "2024-01-01",
                "2024-02-01",
                "2024-02-01",
                "2024-03-01",
                "2024-03-01",
                "2024-05-01",
                "2024-05-01",
            ],
            "alliance": ["A", "A", "A", "B", "C", "C", "D"],
            "count": [2, 3, 4, 9, 4, 6, 1],
        }
    )
    # threshold 5: A goes live in Feb (3 + 4 summed), B in Mar, C in May; D never; E no rows.
    out = adoption_timeline(activity, threshold=5, alliances=list("ABCDE")).set_index("alliance")
    assert out.loc["A", "go_live"] == pd.Period("2024-02", "M")
    assert out["months_behind"].tolist()[:3] == [0, 1, 3]
    assert pd.isna(out.loc["D", "go_live"]) and pd.isna(out.loc["E", "adoption_rank"])
    # N = 5: midpoints 0.1 (early adopters), 0.3 (early majority), 0.5 (early majority, boundary).
    assert out["category"].astype(str).tolist() == [
        "early adopters",
        "early majority",
        "early majority",
        "laggards",
        "laggards",
    ]


def test_timeline_ties_share_the_earlier_category():
    months = ["2023-01-01"] * 3 + ["2023-06-01"] * 17
    activity = pd.DataFrame(
        {"month": months, "alliance": [f"A{i:02d}" for i in range(20)], "count": 10}
    )
    out = adoption_timeline(activity)
    assert (out["adoption_rank"].iloc[:3] == 1).all()
    assert set(out["category"].iloc[:3]) == {"innovators"}
    assert set(out["category"].iloc[3:]) == {"early majority"}  # all rank 4


def test_timeline_accepts_periods_and_rejects_mid_month_dates():
    base = pd.DataFrame({"alliance": ["A", "B"], "count": [1, 1]})
    periods = adoption_timeline(base.assign(month=pd.PeriodIndex(["2024-01", "2024-03"], freq="M")))
    stamps = adoption_timeline(base.assign(month=pd.to_datetime(["2024-01-01", "2024-03-01"])))
    pd.testing.assert_frame_equal(periods, stamps)
    with pytest.raises(ParameterError, match="first-of-month"):
        adoption_timeline(base.assign(month=["2024-01-15", "2024-03-01"]))


# --- diffusion curves --------------------------------------------------------------------

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


def test_alliance_curves_from_monthly_table():
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
    with pytest.warns(UserWarning, match=r"\['B'\]"):
        fits = fit_alliance_curves(activity, max_ceiling={"A": 10000})
    assert list(fits) == ["A"] and fits["A"].origin == pd.Period("2022-01", "M")
    assert fits["A"].params["K"] == pytest.approx(3000, rel=0.01)
    summary = diffusion_summary(fits)
    assert summary.columns.tolist() == [
        "alliance",
        "model",
        "parameter",
        "estimate",
        "se",
        "lower",
        "upper",
    ]
    gof = goodness_of_fit(fits).iloc[0]
    assert gof["month50"] == pd.Period("2022-01", "M") + (math.ceil(gof["t50"]) - 1)


def test_ceiling_bound_is_respected():
    y = bass_curve(T[:12], 8000, 0.01, 0.25)  # reaches 3635 by month 12
    fit = fit_curve(T[:12], y, model="bass", max_ceiling=4000)
    assert fit.ceiling == pytest.approx(4000, rel=1e-6) and fit.ceiling <= 4000
    with pytest.raises(ParameterError):
        fit_curve(T[:12], y, model="bass", max_ceiling=3000)
    with pytest.raises(ParameterError):
        fit_curve(T[:4], y[:4])


# --- reach and equity --------------------------------------------------------------------


def test_coverage_uses_wilson_interval():
    df = pd.DataFrame({"alliance": ["A", "B"], "participated": [120, 0], "eligible": [400, 50]})
    out = uptake_coverage(df)
    lo, hi = proportion_confint([120, 0], [400, 50], method="wilson")
    np.testing.assert_allclose(out["coverage"], [30, 0])
    np.testing.assert_allclose(out["lower"], 100 * lo, atol=1e-12)
    np.testing.assert_allclose(out["upper"], 100 * hi, atol=1e-12)


@pytest.fixture
def by_quintile():
    return pd.DataFrame(
        {
            "quintile": [1, 2, 3, 4, 5, 5],
            "invited": [1000, 900, 800, 700, 300, 300],
            "participated": [300, 315, 320, 315, 150, 150],
        }
    )


def test_participation_invitations_per_participant_and_missed(by_quintile):
    out = participation_by_group(by_quintile, group="quintile").set_index("group")
    # rates: 30, 35, 40, 45, 50 -> best is quintile 5 (300 + 300 invited, 300 took part)
    np.testing.assert_allclose(out["rate"], [30, 35, 40, 45, 50])
    np.testing.assert_allclose(
        out["invitations_per_participant"], [1000 / 300, 900 / 315, 2.5, 700 / 315, 2]
    )
    lo, hi = proportion_confint(300, 1000, method="wilson")
    assert (out.loc[1, "ipp_lower"], out.loc[1, "ipp_upper"]) == pytest.approx((1 / hi, 1 / lo))
    np.testing.assert_allclose(out["missed"], [200, 135, 80, 35, 0])
    d_lo, d_hi = confint_proportions_2indep(300, 600, 300, 1000, method="newcomb")
    assert (out.loc[1, "missed_lower"], out.loc[1, "missed_upper"]) == pytest.approx(
        (1000 * d_lo, 1000 * d_hi)
    )
    assert out.attrs["total_missed"] == pytest.approx(450)


def test_participation_against_a_fixed_rate(by_quintile):
    out = participation_by_group(by_quintile, group="quintile", reference_rate=40)
    np.testing.assert_allclose(out["missed"], [100, 45, 0, -35, -60])
    lo, hi = proportion_confint(300, 1000, method="wilson")
    assert out.loc[0, "missed_lower"] == pytest.approx(1000 * (0.4 - hi))
    with pytest.raises(ParameterError):
        participation_by_group(by_quintile, group="quintile", reference=1, reference_rate=40)


def test_uptake_inequality_passes_the_groups_table(by_quintile):
    inequality = pytest.importorskip(
        "helpers.stats.inequality", reason="summary_measures not available yet"
    )
    if not hasattr(inequality, "summary_measures"):
        pytest.skip("summary_measures not available yet")
    out = uptake_inequality(by_quintile, group="quintile", order="quintile", seed=4)
    n = np.array([1000, 900, 800, 700, 600])
    p = np.array([0.30, 0.35, 0.40, 0.45, 0.50])
    groups = pd.DataFrame(
        {
            "group": [1, 2, 3, 4, 5],
            "population": n,
            "estimate": 100 * p,
            "se": 100 * np.sqrt(p * (1 - p) / n),
            "scale": 100.0,
            "order": [1, 2, 3, 4, 5],
        }
    )
    expected = inequality.summary_measures(groups, ordered=True, higher_is_better=True, seed=4)
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    assert {"measure", "estimate", "lower", "upper"} <= set(out.columns)


def test_stage_shift_wilson_and_newcombe():
    stages = ["1"] * 30 + ["3"] * 20 + ["missing"] * 5 + ["2"] * 40 + ["4"] * 60 + ["unstageable"]
    via = [1] * 55 + [0] * 101
    out = stage_shift(pd.DataFrame({"stage": stages, "via_innovation": via})).set_index("group")
    assert out.loc["innovation", ["early", "staged"]].tolist() == [30, 50]
    assert out.loc["other routes", ["early", "staged"]].tolist() == [40, 100]
    lo, hi = proportion_confint(30, 50, method="wilson")
    assert out.loc["innovation", ["value", "lower", "upper"]].tolist() == pytest.approx(
        [60, 100 * lo, 100 * hi]
    )
    d_lo, d_hi = confint_proportions_2indep(30, 50, 40, 100, method="newcomb")
    assert out.loc["difference", ["value", "lower", "upper"]].tolist() == pytest.approx(
        [20, 100 * d_lo, 100 * d_hi]
    )


# --- event study -------------------------------------------------------------------------


def small_panel(seed: int = 3) -> pd.DataFrame:
    """6 units x 5 periods with weights; units 0-2 treated; clusters pair units."""
    rng = np.random.default_rng(seed)
    rows = [
        {
            "unit": f"u{u}",
            "period": 2020 + t,
            "treated": int(u < 3),
            "y": rng.normal(),
            "w": rng.uniform(0.5, 2.0),
            "region": f"r{u % 3}",
        }
        for u in range(6)
        for t in range(5)
    ]
    return pd.DataFrame(rows)


def dummy_matrix(panel: pd.DataFrame, reference: int) -> pd.DataFrame:
    """Every unit dummy, period dummies but the first, treated x period but the reference."""
    units = pd.get_dummies(panel["unit"], dtype=float)
    periods = pd.get_dummies(panel["period"], dtype=float)
    inter = periods.mul(panel["treated"], axis=0).drop(columns=reference).add_prefix("x")
    return pd.concat([units, periods.iloc[:, 1:].add_prefix("p"), inter], axis=1)


def cr1_by_hand(X: np.ndarray, y: np.ndarray, w: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """CR1 covariance written out: bread (X'WX)^-1, cluster meat, (n-1)/(n-K) G/(G-1)."""
    bread = np.linalg.inv(X.T @ (w[:, None] * X))
    u = y - X @ bread @ X.T @ (w * y)
    meat = np.zeros((X.shape[1], X.shape[1]))
    for g in np.unique(groups):
        s = X[groups == g].T @ (w * u)[groups == g]
        meat += np.outer(s, s)
    n, k, G = len(y), X.shape[1], len(np.unique(groups))
    return bread @ meat @ bread * (n - 1) / (n - k) * G / (G - 1)


@pytest.mark.parametrize("cluster", [None, "region"])
def test_event_study_matches_statsmodels_dummies(cluster):
    panel = small_panel()
    panel = panel.drop(index=7).reset_index(drop=True)  # unbalanced
    X = dummy_matrix(panel, reference=2022)
    groups = pd.factorize(panel[cluster or "unit"])[0]
    fit = sm.WLS(panel["y"], X, weights=panel["w"]).fit(
        cov_type="cluster",
        cov_kwds={"groups": groups, "use_correction": True, "df_correction": True},
    )
    inter = [c for c in X.columns if c.startswith("x")]
    cov = cr1_by_hand(X.to_numpy(), panel["y"].to_numpy(), panel["w"].to_numpy(), groups)
    np.testing.assert_allclose(fit.cov_params().to_numpy(), cov, atol=1e-12)

    res = did_event_study(
        panel,
        outcome="y",
        unit="unit",
        period="period",
        treated="treated",
        reference_period=2022,
        weight="w",
        cluster=cluster,
    )
    assert res["period"].tolist() == [2020, 2021, 2023, 2024]
    np.testing.assert_allclose(res["estimate"], fit.params[inter], atol=1e-8)
    np.testing.assert_allclose(res["se"], fit.bse[inter], atol=1e-8)
    G = len(np.unique(groups))
    t_crit = stats.t.ppf(0.975, G - 1)
    np.testing.assert_allclose(res["lower"], fit.params[inter] - t_crit * fit.bse[inter])
    np.testing.assert_allclose(res["p_value"], 2 * stats.t.sf(np.abs(fit.tvalues[inter]), G - 1))
    assert res.attrs["n_clusters"] == G and res.attrs["n_params"] == X.shape[1]

    R = np.zeros((2, X.shape[1]))
    R[0, X.columns.get_loc("x2020")] = R[1, X.columns.get_loc("x2021")] = 1
    f_test = fit.f_test(R)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 2 restrictions is many for 3-6 clusters
        pre = pretrend_test(res)
    assert pre["statistic"] == pytest.approx(float(np.squeeze(f_test.fvalue)), rel=1e-8)
    assert (pre["df_num"], pre["df_den"]) == (2, G - 1)
    assert pre["p_value"] == pytest.approx(float(f_test.pvalue), rel=1e-8)


def simulated_panel(effect: float, seed: int, n_units: int = 20, n_periods: int = 12):
    """Units 0..n/2-1 treated from period 6 on; unit effects, common trend, noise sd 1."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(n_periods), n_units)
    treated = (unit < n_units // 2).astype(int)
    y = (
        rng.normal(0, 3, n_units)[unit]
        + 0.2 * period
        + rng.normal(0, 1, unit.size)
        + effect * treated * (period >= 6)
    )
    weight = rng.uniform(50, 500, n_units)[unit]
    return pd.DataFrame({"unit": unit, "period": period, "treated": treated, "y": y, "w": weight})


ARGS = {
    "outcome": "y",
    "unit": "unit",
    "period": "period",
    "treated": "treated",
    "reference_period": 5,
}


def test_planted_effect_is_recovered():
    res = did_event_study(simulated_panel(5.0, seed=1), **ARGS, weight="w").set_index("period")
    post, pre = res.loc[6:], res.loc[:4]
    assert ((post["lower"] <= 5) & (post["upper"] >= 5)).all()
    assert (pre["lower"] <= 0).all() and (pre["upper"] >= 0).all()
    assert np.abs(pre["estimate"]).max() < 1
    avg = average_effect(res.reset_index())
    assert avg["lower"] <= 5 <= avg["upper"] and avg["p_value"] < 1e-6
    assert res.attrs["pretrend"]["p_value"] > 0.05


def test_placebo_shows_no_pooled_post_effect():
    res = did_event_study(simulated_panel(0.0, seed=2), **ARGS)
    avg = average_effect(res)
    assert avg["p_value"] > 0.05 and avg["lower"] < 0 < avg["upper"]


def test_wild_bootstrap_null_and_large_effect():
    null = wild_cluster_bootstrap(
        simulated_panel(0.0, seed=2), **ARGS, periods=(), pretrend=True, n_boot=999, seed=1
    ).set_index("term")
    assert null.attrs["weight_type"] == "webb"  # 20 clusters
    assert null.loc["post average", "p_value"] > 0.2
    assert null.loc["pre-trend (joint)", "p_value"] > 0.05
    big = wild_cluster_bootstrap(
        simulated_panel(5.0, seed=1), **ARGS, weight="w", n_boot=999, seed=1
    ).set_index("term")
    assert big.loc["post average", "p_value"] < 0.01
    assert (big.loc[list(range(6, 12)), "p_value"] < 0.01).all()
    est = did_event_study(simulated_panel(5.0, seed=1), **ARGS, weight="w")
    np.testing.assert_allclose(big.loc[est["period"].tolist(), "estimate"], est["estimate"])


def restricted_design(X: pd.DataFrame, term: object) -> np.ndarray:
    """The dummy matrix with the null of ``term`` imposed by dropping or merging columns."""
    if term == "post average":  # x2023 + x2024 = 0: one column x2023 - x2024
        merged = X["x2023"] - X["x2024"]
        return np.column_stack([X.drop(columns=["x2023", "x2024"]), merged])
    dropped = ["x2020", "x2021"] if term == "pre-trend (joint)" else [f"x{term}"]
    return X.drop(columns=dropped).to_numpy()


@pytest.mark.parametrize(
    "term,cluster",
    [(2024, None), (2024, "period"), ("post average", None), ("pre-trend (joint)", "region")],
)
def test_wild_bootstrap_matches_brute_force_refits(term, cluster):
    """WCR by hand: refit the restricted model, resample its residuals, refit every draw."""
    panel = small_panel(seed=8)
    panel.loc[panel["treated"].eq(1) & panel["period"].ge(2023), "y"] += 1.0
    X = dummy_matrix(panel, reference=2022)
    y, w = panel["y"].to_numpy(), panel["w"].to_numpy()
    groups = pd.factorize(panel[cluster or "unit"], sort=True)[0]
    G, n_boot, seed = groups.max() + 1, 99, 5
    R = np.zeros((2, X.shape[1]))
    if term == "pre-trend (joint)":
        R[0, X.columns.get_loc("x2020")] = R[1, X.columns.get_loc("x2021")] = 1
    else:
        for p in [2023, 2024] if term == "post average" else [term]:
            R[0, X.columns.get_loc(f"x{p}")] = 0.5 if term == "post average" else 1
        R = R[:1]
    cov_kwds = {"groups": groups, "use_correction": True, "df_correction": True}

    def statistic(yy):
        fit = sm.WLS(yy, X.to_numpy(), weights=w).fit(cov_type="cluster", cov_kwds=cov_kwds)
        if len(R) > 1:
            return float(np.squeeze(fit.f_test(R).fvalue))
        return float(R[0] @ fit.params / np.sqrt(R[0] @ fit.cov_params() @ R[0]))

    restricted = sm.WLS(y, restricted_design(X, term), weights=w).fit()
    v = np.random.default_rng(seed).choice(np.array([-1.0, 1.0]), size=(G, n_boot))
    boot = np.array(
        [
            statistic(restricted.fittedvalues + restricted.resid * v[groups, b])
            for b in range(n_boot)
        ]
    )
    observed = statistic(y)
    expected = np.mean(np.abs(boot) >= abs(observed) * (1 - 1e-10))

    out = wild_cluster_bootstrap(
        panel,
        **{**ARGS, "reference_period": 2022},
        weight="w",
        cluster=cluster,
        periods=[term] if term == 2024 else [],
        average=term == "post average",
        pretrend=term == "pre-trend (joint)",
        n_boot=n_boot,
        weight_type="rademacher",
        seed=seed,
    ).set_index("term")
    assert out.loc[term, "statistic"] == pytest.approx(observed, rel=1e-8)
    assert out.loc[term, "p_value"] == pytest.approx(expected, abs=1e-12)
    assert 0 < expected < 1  # the comparison is not trivial


def test_pretrend_f_test_warns_with_many_pre_periods():
    res = did_event_study(simulated_panel(0.0, seed=2), **ARGS)
    with pytest.warns(UserWarning, match="over-rejects"):
        pretrend_test(res)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pretrend_test(res, periods=[3, 4])["df_num"] == 2


def test_event_study_rejects_bad_panels():
    panel = small_panel()
    with pytest.raises(ParameterError, match="reference_period"):
        did_event_study(panel, **{**ARGS, "reference_period": 1999})
    changing = panel.assign(treated=(panel["period"] > 2021).astype(int))
    with pytest.raises(ParameterError, match="constant"):
        did_event_study(changing, **{**ARGS, "reference_period": 2022})
    with pytest.raises(ParameterError, match="lacks"):
        did_event_study(panel, **{**ARGS, "outcome": "missing", "reference_period": 2022})
    with pytest.raises(ParameterError, match="weight_type"):
        wild_cluster_bootstrap(panel, **{**ARGS, "reference_period": 2022}, weight_type="x")

