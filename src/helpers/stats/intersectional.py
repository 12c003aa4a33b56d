"""Intersectional analysis: MAIHDA on aggregated counts, and cross tables of two dimensions.

MAIHDA (multilevel analysis of individual heterogeneity and discriminatory
accuracy; Merlo 2018, Soc Sci Med 203:74-80; Evans et al. 2018, Soc Sci Med
203:64-73) models a random intercept for each intersectional stratum (e.g.
deprivation quintile x ethnic group). For a binary outcome it is the binomial
(logit) random-intercept model

    y_j ~ Binomial(n_j, p_j),  logit p_j = x_j' beta + u_j,  u_j ~ N(0, sigma^2),

fitted here by maximum likelihood to the stratum counts (y_j, n_j), which are
sufficient: the patient-level (0/1) likelihood differs only by a constant.
With one count row per stratum the marginal likelihood of a stratum is a 1-D
integral over u_j, evaluated by adaptive Gauss-Hermite quadrature (AGHQ,
centred on the mode of the integrand and scaled by its curvature, as lme4's
``glmer(nAGQ = 25)``; Pinheiro & Bates 1995, J Comput Graph Stat 4:12-35).
Two models are fitted:

- null model (intercept + stratum random intercept): sigma^2_null is all the
  between-strata variation;
- main-effects model (+ each dimension as fixed effects): sigma^2_main is what
  the dimensions' additive effects do not explain, i.e. the interaction.

sigma is estimated on [0, inf): sigma = 0 (the plain logistic regression) is a
legitimate estimate, reached when the strata vary no more than binomial chance
allows around the fixed effects (as lme4 and glmmTMB report a zero variance).

VPC = sigma^2 / (sigma^2 + pi^2 / 3) puts sigma^2 on the latent-response scale
of a logistic model (Goldstein, Browne & Rasbash 2002, Understanding
Statistics 1:223-231); PCV = (sigma^2_null - sigma^2_main) / sigma^2_null is
the share of the between-strata variance the main effects explain. Each
stratum's random effect u_j in the main-effects model is predicted by its
empirical Bayes posterior mean, with an interval that adds the uncertainty of
the fixed effects to the posterior variance, so a stratum is flagged as faring
better or worse than its dimensions' main effects predict only beyond chance.

The approximate random-effects meta-regression of empirical log-odds
(:func:`meta_regression`) is kept for starting values; it is not the model.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, gammaln
from scipy.stats import chi2, norm

from helpers.errors import ParameterError
from helpers.stats.proportions import add_proportion

LATENT_VARIANCE = np.pi**2 / 3
"""Variance of the standard logistic distribution (level-1 variance on the latent scale)."""

QUADRATURE_NODES = 25
"""Adaptive Gauss-Hermite nodes per stratum (lme4's maximum ``nAGQ``)."""

PCV_BOOTSTRAP = 200
"""Parametric bootstrap replicates for the PCV interval."""

PCV_BOOTSTRAP_SEED = 20180301
"""Seed of the PCV parametric bootstrap (one seed for one purpose)."""

_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(QUADRATURE_NODES)
_LOG_WEIGHTS = np.log(_WEIGHTS) + _NODES**2
_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)
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


@dataclass(frozen=True)
class _State:
    """The marginal likelihood at a batch of (beta, sigma), with each stratum's quadrature.

    Arrays have a leading batch axis (data sets fitted side by side). ``z``
    (batch x strata x nodes) are the AGHQ abscissae on the standardised scale
    u = sigma z, ``weight`` the normalised posterior weights of those nodes (sums
    over nodes are posterior expectations given y_j) and ``p`` the event
    probabilities at the nodes.
    """

    loglik: np.ndarray
    z: np.ndarray
    weight: np.ndarray
    p: np.ndarray

    def where(self, rows: np.ndarray, other: _State) -> _State:
        """This state, with ``other``'s values in the batch rows where ``rows`` is true."""
        pick = rows[:, None, None]
        return _State(
            np.where(rows, other.loglik, self.loglik),
            np.where(pick, other.z, self.z),
            np.where(pick, other.weight, self.weight),
            np.where(pick, other.p, self.p),
        )


class _Likelihood:
    """Marginal log-likelihood of the binomial random-intercept model on stratum counts.

    ``events`` is strata-long, or batch x strata for several data sets sharing the
    trials and the design (the bootstrap); parameters then carry the batch axis too.
    """

    def __init__(self, events: np.ndarray, trials: np.ndarray, design: np.ndarray) -> None:
        self.y = np.atleast_2d(events)
        self.n, self.x = trials, design
        self.log_choose = (
            gammaln(trials + 1) - gammaln(self.y + 1) - gammaln(trials - self.y + 1)
        ).sum(axis=1)

    def modes(self, eta: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mode and curvature of h(z) = log Binomial(y | n, expit(eta + sigma z)) - z^2 / 2.

        h is strictly concave (h'' <= -1) and its root lies between sigma (y - n) and
        sigma y, so Newton's method is kept inside a shrinking bracket (bisection when a
        step leaves it).
        """
        y, n, s = self.y, self.n, sigma[:, None]
        lo = np.minimum(s * (y - n), s * y)
        hi = np.maximum(s * (y - n), s * y)
        z = np.zeros_like(eta)
        for _ in range(200):
            p = expit(eta + s * z)
            slope = s * (y - n * p) - z
            curvature = s**2 * n * p * (1 - p) + 1
            up = slope > 0
            lo = np.where(up, z, lo)
            hi = np.where(up, hi, z)
            new = z + slope / curvature
            new = np.where((new < lo) | (new > hi), (lo + hi) / 2, new)
            done = np.abs(new - z) <= 1e-12 * (1 + np.abs(z))
            z = new
            if done.all():
                break
        p = expit(eta + s * z)
        return z, s**2 * n * p * (1 - p) + 1

    def evaluate(self, beta: np.ndarray, sigma: np.ndarray) -> _State:
        """Log-likelihood by AGHQ: sum_j log int Bin(y_j | n_j, expit(eta_j + sigma z)) phi dz."""
        eta = beta @ self.x.T
        mode, curvature = self.modes(eta, sigma)
        scale = np.sqrt(2 / curvature)
        z = mode[..., None] + scale[..., None] * _NODES
        # clipped where p < 1e-304 (beyond any fit), so that log(expit) stays finite
        linear = np.maximum(eta[..., None] + sigma[:, None, None] * z, -700.0)
        p = expit(linear)
        log_p = np.log(p)
        # y log p + (n - y) log(1 - p), with log(1 - p) = log p - linear
        terms = (
            _LOG_WEIGHTS
            + self.n[:, None] * log_p
            - (self.n - self.y)[..., None] * linear
            - z**2 / 2
        )
        top = terms.max(axis=2, keepdims=True)
        scaled = np.exp(terms - top)
        total = scaled.sum(axis=2)
        per_stratum = np.log(scale) - _HALF_LOG_2PI + top[..., 0] + np.log(total)
        return _State(
            self.log_choose + per_stratum.sum(axis=1),
            z,
            scaled / total[..., None],
            p,
        )

    def derivatives(self, state: _State, free_sigma: bool) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and Hessian in (beta, sigma) (or beta alone) as posterior moments.

        With r = y - n p and w = n p (1 - p), d log f / d eta = r and d log f / d sigma = z r,
        so (Louis' identity) the gradient is E[score | y] and the Hessian is
        E[second derivative | y] + Var[score | y], each expectation a sum over the nodes.
        """
        w_post, z, p, x = state.weight, state.z, state.p, self.x
        r = self.y[..., None] - self.n[:, None] * p
        w = self.n[:, None] * p * (1 - p)
        mean_r = (w_post * r).sum(axis=2)
        dev_r = r - mean_r[..., None]
        h_eta = -(w_post * w).sum(axis=2) + (w_post * dev_r**2).sum(axis=2)
        grad = mean_r @ x
        hess = np.einsum("bj,jk,jl->bkl", h_eta, x, x)
        if not free_sigma:
            return grad, hess
        zr = z * r
        mean_zr = (w_post * zr).sum(axis=2)
        dev_zr = zr - mean_zr[..., None]
        h_cross = -(w_post * z * w).sum(axis=2) + (w_post * dev_r * dev_zr).sum(axis=2)
        h_sigma = -(w_post * z**2 * w).sum(axis=2) + (w_post * dev_zr**2).sum(axis=2)
        batch, k = grad.shape
        full = np.empty((batch, k + 1, k + 1))
        full[:, :k, :k] = hess
        full[:, :k, k] = full[:, k, :k] = h_cross @ x
        full[:, k, k] = h_sigma.sum(axis=1)
        return np.column_stack([grad, mean_zr.sum(axis=1)]), full

    def maximise(
        self, beta: np.ndarray, sigma: np.ndarray, *, free_sigma: bool = True
    ) -> tuple[np.ndarray, np.ndarray, _State, np.ndarray]:
        """Newton-Raphson with backtracking (Hessian eigenvalues forced negative), batched.

        The likelihood is even in sigma, so sigma is searched over the whole line and
        |sigma| returned: the boundary sigma = 0 is then an interior point where the
        score is zero, reached whenever it is the maximum. Start from sigma > 0 (at
        sigma = 0 the sigma-score vanishes whatever the data). Returns beta, sigma, the
        state at the maximum and whether each fit met the tolerance.
        """
        beta = np.atleast_2d(np.asarray(beta, dtype=float))
        sigma = np.broadcast_to(np.asarray(sigma, dtype=float), len(self.y)).copy()
        beta = np.broadcast_to(beta, (len(self.y), beta.shape[1])).copy()

        def split(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return (theta[:, :-1], theta[:, -1]) if free_sigma else (theta, sigma)

        theta = np.column_stack([beta, sigma]) if free_sigma else beta
        state = self.evaluate(*split(theta))
        converged = np.zeros(len(theta), dtype=bool)
        stuck = np.zeros(len(theta), dtype=bool)
        for _ in range(200):
            grad, hess = self.derivatives(state, free_sigma)
            values, vectors = np.linalg.eigh(hess)
            big = np.maximum(1.0, np.abs(values).max(axis=1, keepdims=True))
            values = -np.maximum(np.abs(values), 1e-10 * big)
            rotated = np.einsum("bji,bj->bi", vectors, grad) / values
            step = -np.einsum("bij,bj->bi", vectors, rotated)
            decrement = (grad * step).sum(axis=1)
            converged = (decrement < 1e-14) | (stuck & (decrement < 1e-8))
            done = converged | stuck
            if done.all():
                break
            step[done] = 0.0
            step *= np.minimum(1.0, 5 / np.maximum(np.abs(step).max(axis=1), 1e-300))[:, None]
            t = np.ones(len(theta))
            accepted = done.copy()
            for _ in range(45):
                candidate = theta + t[:, None] * step
                trial = self.evaluate(*split(candidate))
                ok = ~accepted & (
                    (decrement < 1e-6) | (trial.loglik >= state.loglik + 1e-4 * t * decrement)
                )
                theta = np.where(ok[:, None], candidate, theta)
                state = state.where(ok, trial)
                accepted |= ok
                if accepted.all():
                    break
                t = np.where(accepted, t, t / 2)
            stuck |= ~accepted
        beta_hat, sigma_hat = split(theta)
        return beta_hat, np.abs(sigma_hat), state, converged


@dataclass(frozen=True)
class RandomInterceptFit:
    """A binomial random-intercept model fitted by :func:`random_intercept_logit`.

    Attributes
    ----------
    beta
        Fixed effects (log-odds), by maximum likelihood.
    cov
        Their covariance: the inverse observed information with sigma held at its
        estimate (Wald intervals).
    sigma2
        Random-intercept variance; 0 when the maximum is on the boundary.
    sigma2_ci
        Profile-likelihood interval of sigma2: the sigma^2 whose profile log-likelihood
        (beta re-maximised) lies within chi2_1(confidence) / 2 of the maximum, with 0 as
        the lower limit when sigma^2 = 0 is within that distance (as lme4's
        ``confint(method = "profile")``).
    loglik
        Maximised log-likelihood, binomial coefficients included.
    loglik_boundary
        Maximised log-likelihood at sigma = 0 (the logistic regression).
    converged
        Whether Newton-Raphson met its tolerance.
    u_mean, u_sd
        Empirical Bayes posterior mean and standard deviation of each stratum's
        random effect u_j given its counts, at the estimates.
    u_se
        Prediction standard error of u_j: u_sd with the fixed effects' uncertainty
        added, sqrt(u_sd^2 + g' cov g), g = d E[u_j | y_j] / d beta.
    p_stratum
        Posterior mean of each stratum's probability (fixed and random effects).
    """

    beta: np.ndarray
    cov: np.ndarray
    sigma2: float
    sigma2_ci: tuple[float, float]
    loglik: float
    loglik_boundary: float
    converged: bool
    u_mean: np.ndarray
    u_sd: np.ndarray
    u_se: np.ndarray
    p_stratum: np.ndarray


_TIE = 1e-9
"""Log-likelihood gain below which sigma > 0 is not preferred to the boundary sigma = 0."""


def _fit(
    lik: _Likelihood, start_beta: np.ndarray, start_sigma: float
) -> tuple[np.ndarray, np.ndarray, _State, np.ndarray, np.ndarray]:
    """Joint maxima, each compared with its boundary (sigma = 0) maximum: the larger wins.

    Returns beta, sigma, state, converged and the boundary log-likelihoods (batched).
    """
    beta, sigma, state, converged = lik.maximise(start_beta, max(start_sigma, 0.1))
    beta0, _, state0, converged0 = lik.maximise(beta, np.zeros(len(sigma)), free_sigma=False)
    boundary = state0.loglik >= state.loglik - _TIE
    return (
        np.where(boundary[:, None], beta0, beta),
        np.where(boundary, 0.0, sigma),
        state.where(boundary, state0),
        np.where(boundary, converged0, converged),
        state0.loglik,
    )


def _profile_interval(
    lik: _Likelihood, beta: np.ndarray, sigma: float, loglik: float, confidence: float
) -> tuple[float, float]:
    """Profile-likelihood limits for sigma (see :class:`RandomInterceptFit`)."""
    target = loglik - chi2.ppf(confidence, 1) / 2

    def excess(s: float) -> float:
        return float(lik.maximise(beta, np.array([s]), free_sigma=False)[2].loglik[0] - target)

    high = sigma + max(sigma, 0.25)
    for _ in range(60):
        if excess(high) < 0:
            break
        high *= 2
    else:
        return (np.nan, np.nan)
    upper = brentq(excess, sigma, high, xtol=1e-10, rtol=1e-10)
    if sigma == 0 or excess(0.0) >= 0:
        return 0.0, upper
    return brentq(excess, 0.0, sigma, xtol=1e-10, rtol=1e-10), upper


def random_intercept_logit(
    events: np.ndarray,
    trials: np.ndarray,
    design: np.ndarray,
    *,
    confidence: float = 0.95,
    start: tuple[np.ndarray, float] | None = None,
    profile: bool = True,
) -> RandomInterceptFit:
    """Fit logit p_j = x_j' beta + u_j, u_j ~ N(0, sigma^2), y_j ~ Binomial(n_j, p_j) by ML.

    One row per cluster (stratum); the marginal likelihood of each row is integrated
    over u_j by adaptive Gauss-Hermite quadrature with :data:`QUADRATURE_NODES` nodes
    and maximised by Newton-Raphson on (beta, sigma) with the exact score and Hessian
    (posterior moments at the nodes). The boundary sigma = 0 (logistic regression) is
    always fitted too and kept when its likelihood is as high.

    Parameters
    ----------
    events, trials
        Counts per stratum (0 <= events <= trials, trials > 0).
    design
        Fixed-effects design matrix (strata x terms) of full column rank.
    confidence
        Level of the profile-likelihood interval of sigma^2.
    start
        Starting (beta, sigma); by default the REML meta-regression of the empirical
        log-odds (:func:`meta_regression`).
    profile
        Compute ``sigma2_ci`` (NaN otherwise).

    Returns
    -------
    RandomInterceptFit
    """
    y, n, x = (np.asarray(a, dtype=float) for a in (events, trials, design))
    if x.ndim != 2 or y.shape != (len(x),) or n.shape != (len(x),):
        raise ParameterError("events, trials and design must have one row per stratum.")
    if np.any(n <= 0) or np.any(y < 0) or np.any(y > n):
        raise ParameterError("Counts must satisfy 0 <= events <= trials and trials > 0.")
    if len(y) <= x.shape[1]:
        raise ParameterError(f"{len(y)} strata cannot fit {x.shape[1]} fixed effects and sigma^2.")
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise ParameterError("The fixed-effects design is not of full column rank.")
    if start is None:
        rough = meta_regression(*_log_odds(y, n), x)
        start = (rough.beta, float(np.sqrt(rough.tau2)))
    lik = _Likelihood(y, n, x)
    betas, sigmas, state, converged, boundary = _fit(lik, np.asarray(start[0], float), start[1])
    beta, sigma = betas[0], float(sigmas[0])
    if not converged[0]:
        warnings.warn("Random-intercept logit: Newton-Raphson did not converge.", stacklevel=2)
    cov = np.linalg.inv(-lik.derivatives(state, free_sigma=False)[1][0])
    loglik = float(state.loglik[0])
    limits = (
        _profile_interval(lik, beta, sigma, loglik, confidence) if profile else (np.nan, np.nan)
    )
    w_post, z, p = state.weight[0], state.z[0], state.p[0]
    mean_z = (w_post * z).sum(axis=1)
    dev_z = z - mean_z[:, None]
    var_z = (w_post * dev_z**2).sum(axis=1)
    cov_zr = (w_post * dev_z * (y[:, None] - n[:, None] * p)).sum(axis=1)
    lever = np.einsum("ij,jk,ik->i", x, cov, x)
    u_sd = sigma * np.sqrt(var_z)
    return RandomInterceptFit(
        beta=beta,
        cov=cov,
        sigma2=sigma**2,
        sigma2_ci=(limits[0] ** 2, limits[1] ** 2),
        loglik=loglik,
        loglik_boundary=float(boundary[0]),
        converged=bool(converged[0]),
        u_mean=sigma * mean_z,
        u_sd=u_sd,
        u_se=np.sqrt(u_sd**2 + (sigma * cov_zr) ** 2 * lever),
        p_stratum=(w_post * p).sum(axis=1),
    )


def _vpc(sigma2: float) -> float:
    return sigma2 / (sigma2 + LATENT_VARIANCE)


@dataclass(frozen=True)
class Maihda:
    """Results of :func:`maihda`.

    Attributes
    ----------
    sigma2_null, sigma2_main
        Between-strata variance (log-odds scale) without and with the main effects.
    sigma2_null_ci, sigma2_main_ci
        Their profile-likelihood intervals (see :class:`RandomInterceptFit`).
    vpc_null, vpc_main
        Variance partition coefficients on the latent scale, sigma^2 / (sigma^2 + pi^2/3).
    vpc_null_ci, vpc_main_ci
        The same transform of the sigma^2 intervals (VPC is monotone in sigma^2).
    pcv
        Proportional change in variance: share of sigma2_null explained by the main
        effects (NaN when sigma2_null = 0). 1 when sigma2_main is on the boundary 0.
    pcv_ci
        Parametric-bootstrap percentile interval of the PCV: strata counts simulated
        from the fitted main-effects model (its beta and sigma2_main), both models
        refitted, replicates with sigma2_null = 0 left out. NaN without replicates.
        When sigma2_main is on the boundary 0 most replicates are too, and the interval
        collapses towards (1, 1): the percentile bootstrap is not valid at a boundary
        (Andrews 2000, Econometrica 68:399-405), so then read ``sigma2_main_ci`` (profile
        likelihood) and ``interaction_p_value`` for how much interaction the data allow.
    pcv_replicates
        The bootstrap PCVs.
    interaction_p_value
        Likelihood-ratio test of sigma2_main = 0 (no stratum variation beyond the main
        effects): half the chi2_1 tail, as the null value is on the boundary (Self &
        Liang 1987, JASA 82:605-610).
    loglik_null, loglik_main
        Maximised log-likelihoods.
    fixed
        Main-effects model terms: ``term``, ``estimate``, ``lower``, ``upper`` (log-odds,
        Wald) and ``odds_ratio`` = exp(estimate).
    strata
        One row per stratum: the dimensions, ``numerator``, ``denominator``,
        ``observed`` (proportion), ``predicted_main`` (expit of the fixed effects alone,
        u = 0), ``predicted_stratum`` (posterior mean of the stratum's proportion),
        ``residual`` (posterior mean of the stratum effect u_j, log-odds) with its
        prediction standard error ``residual_se`` and interval ``lower`` / ``upper``, and
        ``flag``: "higher than main effects predict", "lower than main effects predict"
        (interval excludes 0) or "as main effects predict". The counts are not suppressed:
        pass the table through :func:`helpers.report.disclosure.suppress` before
        publishing it.
    method
        One sentence naming the model, the estimator and the interval methods.
    """

    sigma2_null: float
    sigma2_main: float
    sigma2_null_ci: tuple[float, float]
    sigma2_main_ci: tuple[float, float]
    vpc_null: float
    vpc_main: float
    vpc_null_ci: tuple[float, float]
    vpc_main_ci: tuple[float, float]
    pcv: float
    pcv_ci: tuple[float, float]
    pcv_replicates: np.ndarray
    interaction_p_value: float
    loglik_null: float
    loglik_main: float
    fixed: pd.DataFrame
    strata: pd.DataFrame
    method: str


def _flag(lower: pd.Series, upper: pd.Series) -> np.ndarray:
    return np.select(
        [lower > 0, upper < 0],
        ["higher than main effects predict", "lower than main effects predict"],
        "as main effects predict",
    )


def _pcv(null: float, main: float) -> float:
    return (null - main) / null if null > 0 else np.nan


def _bootstrap_pcv(
    trials: np.ndarray,
    design: np.ndarray,
    null: RandomInterceptFit,
    main: RandomInterceptFit,
    replicates: int,
    seed: int,
) -> np.ndarray:
    """PCVs of data simulated from the main-effects fit (u ~ N(0, sigma2_main), binomial y).

    Draws, in this order: u (replicates x strata) from N(0, sigma2_main), then y from
    Binomial(n, expit(x beta + u)); both models are refitted to every replicate at once.
    """
    rng = np.random.default_rng(seed)
    shape = (replicates, len(trials))
    u = rng.normal(0.0, np.sqrt(main.sigma2), shape)
    y = rng.binomial(trials.astype(np.int64), expit(design @ main.beta + u)).astype(float)
    ones = np.ones((len(trials), 1))
    sigma_null = _fit(_Likelihood(y, trials, ones), null.beta, np.sqrt(null.sigma2))[1]
    sigma_main = _fit(_Likelihood(y, trials, design), main.beta, np.sqrt(main.sigma2))[1]
    null2, main2 = sigma_null**2, sigma_main**2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(null2 > 0, (null2 - main2) / null2, np.nan)


def maihda(
    strata: pd.DataFrame,
    dimensions: Sequence[str],
    *,
    numerator: str = "numerator",
    denominator: str = "denominator",
    confidence: float = 0.95,
    bootstrap: int = PCV_BOOTSTRAP,
    seed: int = PCV_BOOTSTRAP_SEED,
) -> Maihda:
    """Fit the MAIHDA null and main-effects binomial random-intercept models to stratum counts.

    Both models are fitted by maximum likelihood with adaptive Gauss-Hermite quadrature
    (:func:`random_intercept_logit`). Intervals: profile likelihood for sigma^2 and the
    VPC; parametric bootstrap (percentile, ``bootstrap`` replicates from the fitted
    main-effects model) for the PCV; Wald for the fixed effects; empirical Bayes
    posterior mean +/- z prediction standard error for each stratum's effect.

    Parameters
    ----------
    strata
        Event and population counts of a binary outcome, by the ``dimensions``; rows
        with the same combination are summed, strata with no denominator dropped.
    dimensions
        The columns whose combinations are the strata, e.g.
        ``["imd_quintile", "ethnicity"]``. Each dimension's first level (category order,
        else order of appearance) is the reference of its fixed effects.
    numerator, denominator
        Count columns.
    confidence
        Level of every interval.
    bootstrap
        Replicates of the PCV bootstrap (0 skips it: ``pcv_ci`` is NaN).
    seed
        Seed of that bootstrap.

    Returns
    -------
    Maihda
    """
    keys = list(dimensions)
    data = (
        strata.groupby(keys, observed=True, sort=False)[[numerator, denominator]]
        .sum()
        .reset_index()
    )
    data = data[data[denominator] > 0].reset_index(drop=True)
    events = data[numerator].to_numpy(dtype=float)
    trials = data[denominator].to_numpy(dtype=float)
    design = _design(data, keys)
    x = design.to_numpy()
    null = random_intercept_logit(events, trials, np.ones((len(data), 1)), confidence=confidence)
    main = random_intercept_logit(events, trials, x, confidence=confidence)
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
    table = data[[*keys, numerator, denominator]].assign(
        observed=events / trials,
        predicted_main=expit(x @ main.beta),
        predicted_stratum=main.p_stratum,
        residual=main.u_mean,
        residual_se=main.u_se,
        lower=main.u_mean - z * main.u_se,
        upper=main.u_mean + z * main.u_se,
    )
    table["flag"] = _flag(table["lower"], table["upper"])
    replicates = (
        _bootstrap_pcv(trials, x, null, main, bootstrap, seed) if bootstrap > 0 else np.array([])
    )
    kept = replicates[np.isfinite(replicates)]
    alpha = 1 - confidence
    pcv_ci = (
        tuple(float(q) for q in np.quantile(kept, [alpha / 2, 1 - alpha / 2]))
        if len(kept)
        else (np.nan, np.nan)
    )
    lr = 2 * (main.loglik - main.loglik_boundary) if main.sigma2 > 0 else 0.0
    method = (
        "Binomial (logit) random-intercept models of the strata fitted by maximum likelihood "
        f"(adaptive Gauss-Hermite quadrature, {QUADRATURE_NODES} nodes); variance and VPC "
        "intervals by profile likelihood; PCV interval by parametric bootstrap "
        f"({len(kept)} replicates, percentile)."
    )
    return Maihda(
        sigma2_null=null.sigma2,
        sigma2_main=main.sigma2,
        sigma2_null_ci=null.sigma2_ci,
        sigma2_main_ci=main.sigma2_ci,
        vpc_null=_vpc(null.sigma2),
        vpc_main=_vpc(main.sigma2),
        vpc_null_ci=(_vpc(null.sigma2_ci[0]), _vpc(null.sigma2_ci[1])),
        vpc_main_ci=(_vpc(main.sigma2_ci[0]), _vpc(main.sigma2_ci[1])),
        pcv=_pcv(null.sigma2, main.sigma2),
        pcv_ci=pcv_ci,
        pcv_replicates=replicates,
        interaction_p_value=float(0.5 * chi2.sf(lr, 1)) if lr > 0 else 1.0,
        loglik_null=null.loglik,
        loglik_main=main.loglik,
        fixed=fixed,
        strata=table,
        method=method,
    )


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
