"""Intersectional analysis: MAIHDA on aggregated counts, and cross tables of two dimensions.

MAIHDA (multilevel analysis of individual heterogeneity and discriminatory
accuracy; Merlo 2018, Soc Sci Med 203:74-80; Evans et al. 2018, Soc Sci Med
203:64-73) models a random intercept for each intersectional stratum (e.g.
deprivation quintile x ethnicity). With counts per stratum it is fitted here as
a random-effects meta-regression of the stratum log-odds on their binomial
sampling variances (the aggregated-data form of the logistic random-intercept
model), with tau^2 estimated by REML (Fisher scoring, as metafor's
``rma(method = "REML")``; Viechtbauer 2005, J Educ Behav Stat 30:261-293):

- null model (intercept only): tau^2_null is all between-strata variation;
- main-effects model (each dimension as fixed effects): tau^2_main is what the
  dimensions' additive effects do not explain, i.e. the interaction.

VPC = tau^2 / (tau^2 + pi^2 / 3) puts tau^2 on the latent-response scale of a
logistic model; PCV = (tau^2_null - tau^2_main) / tau^2_null is the share of the
between-strata variance the main effects explain. Each stratum's predicted
random effect (BLUP) in the main-effects model, with its prediction interval,
says whether the stratum fares better or worse than its dimensions' main
effects predict.

statsmodels has no meta-regression with a REML between-study variance (its
``combine_effects`` has no covariates), so the estimator is written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm

from helpers.errors import ParameterError
from helpers.stats.proportions import add_proportion

LATENT_VARIANCE = np.pi**2 / 3
"""Variance of the standard logistic distribution (level-1 variance on the latent scale)."""


@dataclass(frozen=True)
class MetaRegression:
    """A fitted random-effects meta-regression y = X beta + u + e.

    Attributes
    ----------
    beta
        Fixed-effect estimates.
    cov
        Their covariance, (X' W X)^-1 with W = diag(1 / (v + tau2)).
    tau2
        REML estimate of the between-unit variance of u.
    """

    beta: np.ndarray
    cov: np.ndarray
    tau2: float


def _gls(y: np.ndarray, v: np.ndarray, x: np.ndarray, tau2: float) -> MetaRegression:
    w = 1 / (v + tau2)
    cov = np.linalg.inv(x.T @ (x * w[:, None]))
    return MetaRegression(cov @ (x.T @ (w * y)), cov, tau2)


def meta_regression(
    effect: np.ndarray,
    variance: np.ndarray,
    design: np.ndarray,
    *,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> MetaRegression:
    """Fit a random-effects meta-regression with tau^2 by REML (Fisher scoring).

    Parameters
    ----------
    effect
        Unit effects (here: stratum log-odds).
    variance
        Their known sampling variances.
    design
        Fixed-effects design matrix (units x terms), with an intercept column.

    Notes
    -----
    With P = W - W X (X'WX)^-1 X'W, the update is
    tau2 += (y'PPy - tr P) / tr(PP), kept at 0 or above, until the step is
    below ``tol``.
    """
    y, v, x = (np.asarray(a, dtype=float) for a in (effect, variance, design))
    if len(y) <= x.shape[1]:
        raise ParameterError(f"{len(y)} strata cannot fit {x.shape[1]} fixed effects and tau^2.")
    tau2 = max(0.0, float(np.var(y, ddof=1) - np.mean(v)))
    for _ in range(max_iter):
        w = 1 / (v + tau2)
        wx = x * w[:, None]
        p = np.diag(w) - wx @ np.linalg.solve(x.T @ wx, wx.T)
        py = p @ y
        step = (py @ py - np.trace(p)) / np.sum(p * p)
        new = max(0.0, tau2 + step)
        converged = abs(new - tau2) < tol
        tau2 = new
        if converged:
            break
    return _gls(y, v, x, tau2)


def _log_odds(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stratum log-odds and binomial sampling variances (0.5 added when x = 0 or x = n)."""
    c = np.where((x == 0) | (x == n), 0.5, 0.0)
    return np.log((x + c) / (n - x + c)), 1 / (x + c) + 1 / (n - x + c)


def _levels(column: pd.Series) -> list:
    """Levels in category order (categoricals) or order of first appearance."""
    present = pd.unique(column)
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [c for c in column.cat.categories if c in set(present)]
    return list(present)


def _design(strata: pd.DataFrame, dimensions: Sequence[str]) -> pd.DataFrame:
    """Intercept plus treatment-coded main effects (each dimension's first level = reference)."""
    parts = [pd.Series(1.0, index=strata.index, name="intercept")]
    for dim in dimensions:
        coded = pd.Categorical(strata[dim], categories=_levels(strata[dim]))
        dummies = pd.get_dummies(coded, prefix=dim, prefix_sep="=", drop_first=True, dtype=float)
        parts.append(dummies.set_index(strata.index))
    return pd.concat(parts, axis=1)


def _vpc(tau2: float) -> float:
    return tau2 / (tau2 + LATENT_VARIANCE)


@dataclass(frozen=True)
class Maihda:
    """Results of :func:`maihda`.

    Attributes
    ----------
    tau2_null, tau2_main
        Between-strata variance (log-odds scale) without and with main effects.
    vpc_null, vpc_main
        Variance partition coefficients on the latent scale.
    pcv
        Proportional change in variance: share of tau2_null explained by main effects.
    fixed
        Main-effects model terms: ``term``, ``estimate``, ``lower``, ``upper``
        (log-odds; ``odds_ratio`` = exp(estimate)).
    strata
        One row per stratum: the dimensions, ``numerator``, ``denominator``,
        ``observed`` (proportion), ``predicted_main`` (from main effects only),
        ``residual`` (predicted stratum effect, log-odds) with ``lower`` /
        ``upper``, and ``flag``: "higher than main effects predict", "lower than
        main effects predict" or "as main effects predict". The counts are not
        suppressed: pass the table through :func:`helpers.report.disclosure.suppress`
        before publishing it.
    """

    tau2_null: float
    tau2_main: float
    vpc_null: float
    vpc_main: float
    pcv: float
    fixed: pd.DataFrame
    strata: pd.DataFrame


def _blups(
    fit: MetaRegression, y: np.ndarray, v: np.ndarray, x: np.ndarray, z: float
) -> pd.DataFrame:
    """Predicted random effects with prediction intervals (Raudenbush & Bryk 2002, ch. 3).

    u = tau2 w (y - x beta), var(u - u_hat) = tau2 - tau2^2 w + tau2^2 w^2 x (X'WX)^-1 x'.
    """
    t = fit.tau2
    w = 1 / (v + t)
    u = t * w * (y - x @ fit.beta)
    lever = np.einsum("ij,jk,ik->i", x, fit.cov, x)
    se = np.sqrt(np.clip(t - t**2 * w + t**2 * w**2 * lever, 0, None))
    return pd.DataFrame({"residual": u, "lower": u - z * se, "upper": u + z * se})


def _flag(lower: pd.Series, upper: pd.Series) -> np.ndarray:
    return np.select(
        [lower > 0, upper < 0],
        ["higher than main effects predict", "lower than main effects predict"],
        "as main effects predict",
    )


def maihda(
    strata: pd.DataFrame,
    dimensions: Sequence[str],
    *,
    numerator: str = "numerator",
    denominator: str = "denominator",
    confidence: float = 0.95,
) -> Maihda:
    """Fit the MAIHDA null and main-effects models to stratum counts.

    Parameters
    ----------
    strata
        One row per stratum (combination of ``dimensions``) with event and
        population counts for a binary outcome. Strata with no denominator are
        dropped.
    dimensions
        The columns whose combinations are the strata, e.g.
        ``["imd_quintile", "ethnicity"]``.
    numerator, denominator
        Count columns.
    confidence
        Level of the fixed-effect and stratum intervals.
    """
    data = strata[strata[denominator].fillna(0) > 0].reset_index(drop=True)
    x_count = data[numerator].to_numpy(dtype=float)
    n = data[denominator].to_numpy(dtype=float)
    y, v = _log_odds(x_count, n)
    design = _design(data, dimensions)
    null = meta_regression(y, v, np.ones((len(y), 1)))
    main = meta_regression(y, v, design.to_numpy())
    z = float(norm.ppf(0.5 + confidence / 2))
    se = np.sqrt(np.diag(main.cov))
    fixed = pd.DataFrame(
        {
            "term": design.columns,
            "estimate": main.beta,
            "lower": main.beta - z * se,
            "upper": main.beta + z * se,
            "odds_ratio": np.exp(main.beta),
        }
    )
    blups = _blups(main, y, v, design.to_numpy(), z)
    table = data[[*dimensions, numerator, denominator]].assign(
        observed=x_count / n,
        predicted_main=expit(design.to_numpy() @ main.beta),
        **blups,
    )
    table["flag"] = _flag(table["lower"], table["upper"])
    pcv = (null.tau2 - main.tau2) / null.tau2 if null.tau2 > 0 else np.nan
    return Maihda(null.tau2, main.tau2, _vpc(null.tau2), _vpc(main.tau2), pcv, fixed, table)


def cross_table(
    cube: pd.DataFrame,
    rows: str,
    columns: str,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Return counts and percentages for each combination of two dimensions.

    Parameters
    ----------
    cube
        Rows with ``rows``, ``columns``, ``numerator`` and ``denominator``
        (summed per combination).
    rows, columns
        The two dimensions, e.g. "imd_quintile" and "ethnicity".
    confidence
        Level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        One row per cell (long form): ``rows``, ``columns``, ``numerator``,
        ``denominator``, ``value``, ``lower``, ``upper`` (percent). Unsuppressed:
        pass it through :func:`helpers.report.disclosure.suppress` before publishing.
    """
    cells = (
        cube.groupby([rows, columns], observed=True)[["numerator", "denominator"]]
        .sum()
        .reset_index()
    )
    return add_proportion(cells, confidence)
