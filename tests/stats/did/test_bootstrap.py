"""Wild cluster restricted bootstrap of event-study coefficients, averages and pre-trends.

Expected values come from brute-force refits: the restricted model fitted with
statsmodels, its residuals resampled by hand and every draw refitted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from adoption_fixtures import ARGS, dummy_matrix, simulated_panel, small_panel

from helpers.stats.did import did_event_study, wild_cluster_bootstrap

pytestmark = pytest.mark.filterwarnings("ignore:The F test")


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

    args = dict(
        weight="w",
        cluster=cluster,
        periods=[term] if term == 2024 else [],
        average=term == "post average",
        pretrend=term == "pre-trend (joint)",
        n_boot=n_boot,
        weight_type="rademacher",
        seed=seed,
    )
    reference = {**ARGS, "reference_period": 2022}
    # statsmodels on explicit dummies counts every unit effect in K: fixef_k="full"
    out = wild_cluster_bootstrap(panel, **reference, **args, fixef_k="full").set_index("term")
    assert out.loc[term, "statistic"] == pytest.approx(observed, rel=1e-8)
    assert out.loc[term, "p_value"] == pytest.approx(expected, abs=1e-12)
    assert 0 < expected < 1  # the comparison is not trivial
    # The default (nested) K rescales the observed and every bootstrap statistic alike:
    # the p-value is unchanged; a t grows by sqrt((n - K_full) / (n - K_nested)), a Wald / q
    # by its square, when units nest in the clusters (n = 30, K_full = 6 + 4 + 4 = 14,
    # K_nested = 1 + 4 + 4 = 9); with clusters by period they do not, and nothing changes.
    nested = wild_cluster_bootstrap(panel, **reference, **args).set_index("term")
    assert nested.loc[term, "p_value"] == out.loc[term, "p_value"]
    ratio = 1.0 if cluster == "period" else (30 - 14) / (30 - 9)
    power = 1 if term == "pre-trend (joint)" else 0.5
    assert nested.loc[term, "statistic"] == pytest.approx(observed / ratio**power, rel=1e-8)
