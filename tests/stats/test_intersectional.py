"""MAIHDA as a binomial random-intercept model, checked against an independent ML fit.

The independent fit below shares no code with the module: each stratum's marginal
likelihood is integrated over u = sigma z on a fixed fine grid (trapezoid rule on
z in [-10, 10], non-adaptive, binomial log-pmf from scipy.stats) and maximised with
scipy's L-BFGS-B (finite-difference gradients, bound sigma >= 0), from a statsmodels
GLM start. The grid integral is itself checked against scipy.integrate.quad (with
scipy.stats.binom there, so the two integrands are also written differently).

MAIHDA: Merlo (2018) Soc Sci Med 203:74-80; Evans et al. (2018) Soc Sci Med 203:64-73.
REML for random-effects meta-regression: Viechtbauer (2005) J Educ Behav Stat 30:261-293.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.integrate import quad
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, gammaln, logsumexp, xlog1py, xlogy
from scipy.stats import binom, chi2, norm

from helpers.report.disclosure import suppress
from helpers.stats.intersectional import (
    cross_table,
    maihda,
    meta_regression,
    random_intercept_logit,
)

QUINTILE_EFFECT = {1: 0.0, 2: 0.15, 3: 0.3, 4: 0.45, 5: 0.6}
ETHNIC_EFFECT = {"White": 0.0, "Asian": -0.3, "Black": -0.5, "Mixed": 0.2}
LATENT = math.pi**2 / 3

# Greater Manchester, early stage at diagnosis by deprivation quintile x ethnic group
# (synthetic default data, pooled periods, "Not known" ethnicity left out): issue 10
# item 10, where the normal approximation on empirical log-odds gave PCV 89%.
GREATER_MANCHESTER = pd.DataFrame(
    [
        (1, "White", 6646, 12759), (4, "White", 3006, 5246), (2, "White", 3773, 7158),
        (5, "White", 2791, 4741), (1, "Other", 206, 389), (5, "Black", 74, 155),
        (2, "Mixed", 161, 285), (3, "White", 2727, 4975), (3, "Asian", 369, 752),
        (3, "Black", 155, 282), (1, "Black", 457, 942), (1, "Asian", 1304, 2555),
        (5, "Other", 48, 97), (2, "Asian", 678, 1252), (2, "Other", 123, 231),
        (5, "Asian", 337, 549), (4, "Mixed", 97, 172), (4, "Asian", 431, 761),
        (1, "Mixed", 293, 544), (4, "Black", 98, 181), (4, "Other", 62, 111),
        (3, "Other", 60, 107), (5, "Mixed", 85, 142), (3, "Mixed", 98, 171),
        (2, "Black", 226, 433),
    ],
    columns=["imd_quintile", "ethnicity", "numerator", "denominator"],
)  # fmt: skip


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


# --- the independent implementation -------------------------------------------------

GRID = np.linspace(-10, 10, 1001)
LOG_TRAPEZOID = np.log(np.r_[0.5, np.ones(len(GRID) - 2), 0.5] * (GRID[1] - GRID[0]))
"""Trapezoid rule: for smooth integrands decaying at the ends its error falls like
exp(-2 pi^2 s^2 / h^2) for a peak of width s (here s > h for every stratum tested)."""


def grid_log_integrand(y, n, eta, sigma):
    """log Binomial(y_j | n_j, expit(eta_j + sigma z)) + log phi(z) on the grid (strata x grid)."""
    p = expit(eta[:, None] + sigma * GRID)
    y, n = y[:, None], n[:, None]
    log_choose = gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)
    return log_choose + xlogy(y, p) + xlog1py(n - y, -p) + norm.logpdf(GRID)


def grid_loglik(y, n, x, beta, sigma) -> float:
    return float(logsumexp(grid_log_integrand(y, n, x @ beta, sigma) + LOG_TRAPEZOID, axis=1).sum())


def independent_fit(y, n, x):
    """ML over (beta, sigma >= 0) of the grid likelihood with L-BFGS-B; returns beta, sigma, ll."""
    start = sm.GLM(np.column_stack([y, n - y]), x, family=sm.families.Binomial()).fit().params
    res = minimize(
        lambda t: -grid_loglik(y, n, x, t[:-1], t[-1]),
        np.r_[start, 0.3],
        method="L-BFGS-B",
        bounds=[(None, None)] * x.shape[1] + [(0, 5)],
        options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 2000},
    )
    return res.x[:-1], res.x[-1], -res.fun


def dummies(data: pd.DataFrame, dims: list[str]) -> np.ndarray:
    """A full-rank coding of the main effects (last sorted level as reference: a different
    coding from the module's, which leaves sigma^2 and the random effects unchanged)."""
    parts = [np.ones((len(data), 1))]
    for dim in dims:
        levels = sorted(data[dim].unique(), key=str)
        parts.append(np.column_stack([(data[dim] == v).to_numpy(float) for v in levels[:-1]]))
    return np.column_stack(parts)


def counts(result) -> tuple[np.ndarray, np.ndarray]:
    table = result.strata
    return table["numerator"].to_numpy(float), table["denominator"].to_numpy(float)


# --- tests --------------------------------------------------------------------------


def test_grid_integral_matches_adaptive_quad():
    """The test's own integrator against scipy.integrate.quad, per stratum."""
    y, n = np.array([0.0, 7.0, 180.0, 2900.0]), np.array([12.0, 40.0, 400.0, 3000.0])
    eta, sigma = np.array([-1.0, 0.2, 0.5, 2.0]), 0.7
    grid = logsumexp(grid_log_integrand(y, n, eta, sigma) + LOG_TRAPEZOID, axis=1)
    for j in range(len(y)):
        mode = float(GRID[np.argmax(grid_log_integrand(y, n, eta, sigma)[j])])
        value, _ = quad(
            lambda z, j=j: binom.pmf(y[j], n[j], expit(eta[j] + sigma * z)) * norm.pdf(z),
            -10, 10, points=[mode], epsabs=0, epsrel=1e-12, limit=200,
        )
        assert grid[j] == pytest.approx(math.log(value), abs=1e-9)


def test_fit_matches_independent_ml_with_interaction_variance():
    """Strata with a random interaction (tau^2 = 0.1): both models, VPC and PCV agree."""
    data = simulate(seed=5, tau2=0.1)
    result = maihda(data, ["imd", "eth"], bootstrap=0)
    y, n = counts(result)
    x_main = dummies(result.strata, ["imd", "eth"])
    x_null = np.ones((len(y), 1))
    _, s_null, ll_null = independent_fit(y, n, x_null)
    _, s_main, ll_main = independent_fit(y, n, x_main)
    assert s_main > 0.1
    assert result.sigma2_null == pytest.approx(s_null**2, rel=1e-4)
    assert result.sigma2_main == pytest.approx(s_main**2, rel=1e-4)
    assert result.loglik_null == pytest.approx(ll_null, abs=1e-6)
    assert result.loglik_main == pytest.approx(ll_main, abs=1e-6)
    assert result.vpc_null == pytest.approx(s_null**2 / (s_null**2 + LATENT), rel=1e-4)
    assert result.pcv == pytest.approx((s_null**2 - s_main**2) / s_null**2, rel=1e-4)
    # the module's log-likelihood is the integral the grid computes, at its own estimates
    fit = random_intercept_logit(y, n, x_main, profile=False)
    assert grid_loglik(y, n, x_main, fit.beta, math.sqrt(fit.sigma2)) == pytest.approx(
        fit.loglik, abs=1e-8
    )


def test_greater_manchester_main_effects_explain_all_variance():
    """The exact binomial model puts sigma2_main on the boundary 0: PCV is 100%, the main
    effects model is the logistic regression (statsmodels GLM), nothing is flagged."""
    result = maihda(GREATER_MANCHESTER, ["imd_quintile", "ethnicity"])
    y, n = counts(result)
    x_main = dummies(result.strata, ["imd_quintile", "ethnicity"])
    _, s_null, ll_null = independent_fit(y, n, np.ones((len(y), 1)))
    _, s_main, ll_main = independent_fit(y, n, x_main)
    assert s_main < 1e-3 and ll_main <= result.loglik_main + 1e-8
    assert result.sigma2_main == 0.0 and result.pcv == 1.0
    assert result.sigma2_null == pytest.approx(s_null**2, rel=1e-4)
    assert result.loglik_null == pytest.approx(ll_null, abs=1e-6)
    glm = sm.GLM(
        np.column_stack([y, n - y]), module_design(result),
        family=sm.families.Binomial(),
    ).fit()
    assert result.fixed["estimate"].to_numpy() == pytest.approx(glm.params, abs=1e-7)
    assert result.fixed["upper"].to_numpy() - result.fixed["lower"].to_numpy() == pytest.approx(
        2 * norm.ppf(0.975) * glm.bse, rel=1e-6
    )
    assert result.loglik_main == pytest.approx(glm.llf, abs=1e-8)
    assert result.interaction_p_value == 1.0
    assert (result.strata["flag"] == "as main effects predict").all()
    assert result.strata["predicted_main"].to_numpy() == pytest.approx(glm.predict(), abs=1e-9)
    # profile interval of sigma2_main starts at the boundary; PCV replicates are <= 1
    assert result.sigma2_main_ci[0] == 0.0 and result.sigma2_main_ci[1] > 0
    assert result.pcv_ci[1] == 1.0 and np.nanmax(result.pcv_replicates) <= 1.0


def module_design(result) -> np.ndarray:
    """The module's coding rebuilt from its term names (first level = reference)."""
    table = result.strata
    columns = [np.ones(len(table))]
    for term in result.fixed["term"].iloc[1:]:
        dim, level = term.split("=", 1)
        columns.append((table[dim].astype(str) == level).to_numpy(float))
    return np.column_stack(columns)


def test_profile_likelihood_interval_of_the_null_variance():
    """At each reported limit the independently profiled log-likelihood (intercept
    re-maximised, grid integral) is the maximum minus chi2_1(0.95) / 2."""
    result = maihda(simulate(seed=5, tau2=0.1), ["imd", "eth"], bootstrap=0)
    y, n = counts(result)
    ones = np.ones((len(y), 1))
    drop = chi2.ppf(0.95, 1) / 2

    def profile(sigma2: float) -> float:
        res = minimize_scalar(
            lambda b: -grid_loglik(y, n, ones, np.array([b]), math.sqrt(sigma2)),
            bounds=(-3, 3), method="bounded", options={"xatol": 1e-10},
        )
        return -res.fun

    lower, upper = result.sigma2_null_ci
    assert 0 < lower < result.sigma2_null < upper
    assert profile(lower) == pytest.approx(result.loglik_null - drop, abs=1e-5)
    assert profile(upper) == pytest.approx(result.loglik_null - drop, abs=1e-5)
    assert result.vpc_null_ci == pytest.approx((lower / (lower + LATENT), upper / (upper + LATENT)))


def test_planted_interaction_is_recovered_and_flagged():
    """Most deprived Black patients fare 0.8 log-odds above the main effects: only that
    stratum is flagged, the interaction variance is significant, and each stratum's
    empirical Bayes effect is the posterior mean computed on the independent grid."""
    result = maihda(simulate(seed=11, planted=(1, "Black")), ["imd", "eth"])
    flagged = result.strata[result.strata["flag"] != "as main effects predict"]
    assert flagged[["imd", "eth"]].values.tolist() == [[1, "Black"]]
    assert flagged["flag"].iloc[0] == "higher than main effects predict"
    assert result.sigma2_main > 0 and result.interaction_p_value < 0.001
    assert result.pcv < 0.9 and result.pcv_ci[0] <= result.pcv <= result.pcv_ci[1] < 1

    y, n = counts(result)
    x = dummies(result.strata, ["imd", "eth"])
    beta, sigma, _ = independent_fit(y, n, x)
    log_post = grid_log_integrand(y, n, x @ beta, sigma) + LOG_TRAPEZOID
    weight = np.exp(log_post - logsumexp(log_post, axis=1, keepdims=True))
    mean = sigma * (weight * GRID).sum(axis=1)
    sd = sigma * np.sqrt((weight * GRID**2).sum(axis=1) - (weight * GRID).sum(axis=1) ** 2)
    assert result.strata["residual"].to_numpy() == pytest.approx(mean, abs=2e-5)
    fit = random_intercept_logit(y, n, x, profile=False)
    assert fit.u_sd == pytest.approx(sd, abs=2e-5)
    assert (result.strata["residual_se"].to_numpy() >= sd - 1e-9).all()
    assert result.strata["residual"].idxmax() == flagged.index[0]


def test_no_interaction_main_effects_explain_the_variance():
    """Strata differ only through their main effects: PCV near 1, no stratum flagged,
    and the fitted main effects recover the simulated ones (within 3 standard errors)."""
    result = maihda(simulate(seed=11), ["imd", "eth"], bootstrap=0)
    assert result.sigma2_null > 0.05
    assert result.pcv > 0.95
    assert (result.strata["flag"] == "as main effects predict").all()
    fixed = result.fixed.set_index("term")
    se = (fixed["upper"] - fixed["lower"]) / (2 * 1.959963984540054)
    truth = {"imd=5": 0.6, "imd=3": 0.3, "eth=Black": -0.5, "eth=Mixed": 0.2}
    for term, value in truth.items():
        assert abs(fixed.loc[term, "estimate"] - value) < 3 * se[term], term


def test_known_between_strata_variance_is_recovered():
    """Random stratum effects with sigma^2 = 0.05 on top of the main effects (20 strata)."""
    estimates = [
        maihda(simulate(seed=s, tau2=0.05), ["imd", "eth"], bootstrap=0).sigma2_main
        for s in range(8)
    ]
    assert 0.025 < np.mean(estimates) < 0.08


def test_bootstrap_replicates_are_refits_of_data_from_the_main_model():
    """The PCV replicates, redrawn here (u then y, same seed) and refitted independently."""
    data = simulate(seed=3, tau2=0.08).query("imd <= 3 and eth != 'Mixed'")
    result = maihda(data, ["imd", "eth"], bootstrap=3, seed=7)
    y, n = counts(result)
    x = module_design(result)
    rng = np.random.default_rng(7)
    u = rng.normal(0, math.sqrt(result.sigma2_main), (3, len(n)))
    beta = result.fixed["estimate"].to_numpy()
    draws = rng.binomial(n.astype(np.int64), expit(x @ beta + u)).astype(float)
    for yb, pcv in zip(draws, result.pcv_replicates, strict=True):
        _, s_null, _ = independent_fit(yb, n, np.ones((len(n), 1)))
        _, s_main, _ = independent_fit(yb, n, x)
        assert pcv == pytest.approx(1 - s_main**2 / s_null**2, abs=1e-3)
    assert result.pcv_ci == pytest.approx(np.quantile(result.pcv_replicates, [0.025, 0.975]))


def test_rows_of_a_stratum_are_summed_and_zero_counts_are_exact():
    data = simulate(seed=2)
    data.loc[0, "numerator"] = 0
    halves = pd.concat([data.assign(numerator=data["numerator"] // 2,
                                    denominator=data["denominator"] // 2),
                        data.assign(numerator=data["numerator"] - data["numerator"] // 2,
                                    denominator=data["denominator"] - data["denominator"] // 2)])
    whole = maihda(data, ["imd", "eth"], bootstrap=0)
    split = maihda(halves, ["imd", "eth"], bootstrap=0)
    assert split.sigma2_main == pytest.approx(whole.sigma2_main, rel=1e-9, abs=1e-12)
    assert np.isfinite(whole.strata["residual"]).all()
    assert whole.strata.loc[0, "observed"] == 0
    y, n = counts(whole)
    _, s_main, _ = independent_fit(y, n, dummies(whole.strata, ["imd", "eth"]))
    assert whole.sigma2_main == pytest.approx(s_main**2, rel=1e-4)


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
