"""Two-way fixed-effects event study, its pre-trend F test and pooled post-period effect.

Expected values come by a different route: statsmodels' WLS on explicit dummy
matrices, the CR1 covariance written out by hand, effects planted in simulated panels.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from adoption_fixtures import ARGS, dummy_matrix, simulated_panel, small_panel
from scipy import stats

from helpers.errors import ParameterError
from helpers.stats.did import average_effect, did_event_study, pretrend_test, wild_cluster_bootstrap

pytestmark = pytest.mark.filterwarnings("ignore:The F test")


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
        fixef_k="full",  # statsmodels on explicit dummies counts every unit effect
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


@pytest.mark.parametrize("cluster", [None, "region", "period"])
def test_default_cr1_counts_nested_unit_effects_once(cluster):
    """fixest/reghdfe convention: unit effects nested in the clusters are not counted in K.

    small_panel: n = 30 rows (6 units x 5 years), reference 2022, so 4 period dummies and
    4 interactions. Clustered by unit (G = 6) or by region (G = 3, two whole units each)
    the units nest: K = 1 + 4 + 4 = 9. Clustered by period (G = 5) they do not: K counts
    the 6 unit effects, 6 + 4 + 4 = 14. The CR1 factor (G / (G - 1)) (n - 1) / (n - K) is
    computed here by hand and applied to the unscaled sandwich written out in
    ``cr1_by_hand`` (Cameron and Miller 2015, eq. 12; fixest ssc(fixef.K = "nested")).
    """
    panel = small_panel()
    X = dummy_matrix(panel, reference=2022)
    groups = pd.factorize(panel[cluster or "unit"])[0]
    n, G = 30, {None: 6, "region": 3, "period": 5}[cluster]
    K = 14 if cluster == "period" else 9
    factor = G / (G - 1) * (n - 1) / (n - K)
    full_factor = G / (G - 1) * (n - 1) / (n - 14)
    sandwich = cr1_by_hand(X.to_numpy(), panel["y"].to_numpy(), panel["w"].to_numpy(), groups)
    cov = sandwich / full_factor * factor
    inter = [X.columns.get_loc(c) for c in X.columns if c.startswith("x")]
    res = did_event_study(panel, **{**ARGS, "reference_period": 2022}, weight="w",
                          cluster=cluster)
    np.testing.assert_allclose(res["se"], np.sqrt(np.diag(cov)[inter]), rtol=1e-10)
    assert res.attrs["n_params"] == K and res.attrs["fixef_k"] == "nested"
    t_crit = stats.t.ppf(0.975, G - 1)
    np.testing.assert_allclose(res["upper"] - res["estimate"], t_crit * res["se"])
    with pytest.raises(ParameterError, match="fixef_k"):
        did_event_study(panel, **{**ARGS, "reference_period": 2022}, fixef_k="none")


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
