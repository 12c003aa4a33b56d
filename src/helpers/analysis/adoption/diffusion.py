"""Diffusion curves: cumulative uptake per alliance, logistic and Bass fits, coverage forecasts.

Time ``t`` counts months from the start of an alliance's launch month (its first
month with any activity): the cumulative total at the end of the j-th month
(j = 0 for the launch month) is observed at ``t = j + 1``.

* Logistic: ``N(t) = K / (1 + exp(-r (t - t0)))`` with ceiling ``K``, growth rate
  ``r`` per month and midpoint ``t0`` (the time of 50% of ``K``).
* Bass (1969), cumulative form with ``N(0) = 0`` at the start of the launch month:
  ``N(t) = m (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t))`` with market
  potential ``m``, innovation coefficient ``p`` and imitation coefficient ``q``
  (both per month).

Fits are nonlinear least squares on the cumulative series
(:func:`scipy.optimize.curve_fit`, trust-region reflective with bounds, best of
a few starting values). Standard errors come from the scaled Jacobian
covariance and intervals from the t distribution with n - k degrees of freedom;
they assume independent errors around the curve, so they are too narrow when
errors accumulate month on month, as cumulative counts' errors often do.
AIC follows R's ``AIC()`` for ``nls``: ``n (log(2 pi RSS / n) + 1) + 2 (k + 1)``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import curve_fit
from scipy.special import expit, logit

from helpers.analysis.adoption.timeline import monthly_activity
from helpers.errors import InsightsError, ParameterError

MIN_POINTS = 5
"""The fewest months a curve is fitted to (three parameters plus two)."""


def logistic_curve(t: np.ndarray, K: float, r: float, t0: float) -> np.ndarray:
    """Cumulative uptake of the logistic model."""
    return K * expit(r * (np.asarray(t, dtype=float) - t0))


def bass_curve(t: np.ndarray, m: float, p: float, q: float) -> np.ndarray:
    """Cumulative adopters of the Bass model, zero at ``t = 0``."""
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return m * (1 - decay) / (1 + (q / p) * decay)


def _logistic_time(share: np.ndarray, K: float, r: float, t0: float) -> np.ndarray:
    return t0 + logit(share) / r


def _bass_time(share: np.ndarray, m: float, p: float, q: float) -> np.ndarray:
    return np.log((1 + share * q / p) / (1 - share)) / (p + q)


def _logistic_starts(t: np.ndarray, y: np.ndarray) -> list[tuple[float, ...]]:
    """Linearise ``logit(y / K) = r (t - t0)`` for a few trial ceilings."""
    starts = []
    for factor in (1.05, 1.5, 3.0):
        K = factor * y.max()
        inside = (y > 0) & (y < K)
        if inside.sum() < 2:
            continue
        slope, intercept = np.polyfit(t[inside], logit(y[inside] / K), 1)
        r = float(np.clip(slope, 0.01, 5.0))
        starts.append((K, r, -intercept / slope if slope > 0 else float(np.median(t))))
    return starts or [(2 * y.max(), 0.2, float(np.median(t)))]


def _bass_starts(t: np.ndarray, y: np.ndarray) -> list[tuple[float, ...]]:
    return [
        (factor * y.max(), p, q)
        for factor in (1.1, 2.0, 4.0)
        for p in (0.003, 0.03)
        for q in (0.1, 0.5)
    ]


@dataclass(frozen=True)
class _Model:
    curve: Callable[..., np.ndarray]
    names: tuple[str, str, str]
    time_to_share: Callable[..., np.ndarray]
    starts: Callable[[np.ndarray, np.ndarray], list[tuple[float, ...]]]
    lower: Callable[[np.ndarray], tuple[float, float, float]]
    upper: Callable[[np.ndarray, float], tuple[float, float, float]]


MODELS: dict[str, _Model] = {
    "logistic": _Model(
        curve=logistic_curve,
        names=("K", "r", "t0"),
        time_to_share=_logistic_time,
        starts=_logistic_starts,
        lower=lambda t: (1e-9, 1e-6, t.min() - 10 * np.ptp(t)),
        upper=lambda t, cap: (cap, 10.0, t.max() + 10 * np.ptp(t)),
    ),
    "bass": _Model(
        curve=bass_curve,
        names=("m", "p", "q"),
        time_to_share=_bass_time,
        starts=_bass_starts,
        lower=lambda t: (1e-9, 1e-8, 0.0),
        upper=lambda t, cap: (cap, 1.0, 5.0),
    ),
}
"""The curve models, by name: formula, parameter names, bounds and starting values."""


@dataclass(frozen=True)
class DiffusionFit:
    """A fitted diffusion curve.

    Attributes
    ----------
    model
        ``"logistic"`` or ``"bass"``.
    params
        Estimates, indexed by parameter name (ceiling first).
    cov
        Their estimated covariance.
    t, y
        The months since launch and cumulative uptake that were fitted.
    origin
        The launch month (``t`` in (0, 1] is that month), if known.
    label
        A name for the fit, e.g. the alliance.
    """

    model: str
    params: pd.Series
    cov: pd.DataFrame
    t: np.ndarray
    y: np.ndarray
    origin: pd.Period | None = None
    label: str | None = None

    def predict(self, t: np.ndarray | float) -> np.ndarray:
        """Cumulative uptake at months ``t`` since launch."""
        return MODELS[self.model].curve(t, *self.params.to_numpy())

    @property
    def ceiling(self) -> float:
        """The fitted ceiling (``K`` or ``m``)."""
        return float(self.params.iloc[0])

    @property
    def se(self) -> pd.Series:
        """Standard errors of the parameters."""
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index)

    @cached_property
    def rss(self) -> float:
        """Residual sum of squares."""
        return float(np.sum((self.y - self.predict(self.t)) ** 2))

    @property
    def df_resid(self) -> int:
        """Residual degrees of freedom, n - 3."""
        return len(self.y) - len(self.params)

    @property
    def r2(self) -> float:
        """Share of the variance of cumulative uptake explained (always high for curves)."""
        return 1 - self.rss / float(np.sum((self.y - self.y.mean()) ** 2))

    @property
    def rmse(self) -> float:
        """Root mean squared residual, ``sqrt(RSS / n)``."""
        return math.sqrt(self.rss / len(self.y))

    @property
    def aic(self) -> float:
        """Gaussian AIC counting the error variance as a parameter (as R's ``AIC(nls)``)."""
        n, k = len(self.y), len(self.params) + 1
        return n * (math.log(2 * math.pi * self.rss / n) + 1) + 2 * k

    @property
    def t50(self) -> float:
        """Months since launch to reach 50% of the ceiling."""
        return float(self.time_to_level(0.5 * self.ceiling))

    def time_to_level(self, level: float, params: np.ndarray | None = None) -> np.ndarray:
        """Months since launch until uptake reaches ``level``; inf if it never does.

        ``params`` may hold rows of alternative parameter values (simulations).
        """
        theta = np.atleast_2d(self.params.to_numpy() if params is None else params)
        share = level / theta[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            times = MODELS[self.model].time_to_share(np.clip(share, 0, 1), *theta.T)
        times = np.where(share >= 1, np.inf, times)
        return times if params is not None else times[0]

    def month_at(self, t: float) -> pd.Period:
        """The calendar month during which time ``t`` falls (NaT if unknown or never)."""
        if self.origin is None or not np.isfinite(t):
            return pd.NaT
        return self.origin + (math.ceil(t) - 1)

    def parameter_table(self, confidence: float = 0.95) -> pd.DataFrame:
        """Columns ``parameter, estimate, se, lower, upper`` (t interval, n - k df)."""
        half = stats.t.ppf(0.5 + confidence / 2, self.df_resid) * self.se
        return pd.DataFrame(
            {
                "parameter": self.params.index,
                "estimate": self.params.to_numpy(),
                "se": self.se.to_numpy(),
                "lower": (self.params - half).to_numpy(),
                "upper": (self.params + half).to_numpy(),
            }
        )


def fit_curve(
    t: np.ndarray,
    y: np.ndarray,
    *,
    model: str = "logistic",
    max_ceiling: float | None = None,
    origin: pd.Period | None = None,
    label: str | None = None,
) -> DiffusionFit:
    """Fit a logistic or Bass curve to cumulative uptake ``y`` at months ``t`` since launch.

    Parameters
    ----------
    t, y
        Months since the start of the launch month, and cumulative uptake.
    model
        ``"logistic"`` or ``"bass"``.
    max_ceiling
        Upper bound on the ceiling (e.g. the eligible population); none if None.
    origin, label
        The launch month and a name, kept on the result.

    Returns
    -------
    DiffusionFit
        The best of several starts (least residual sum of squares).
    """
    if model not in MODELS:
        raise ParameterError(f"model must be one of {sorted(MODELS)}, not {model!r}.")
    spec = MODELS[model]
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    if t.shape != y.shape or len(t) < MIN_POINTS or not np.all(np.isfinite(t + y)):
        raise ParameterError(f"A curve needs at least {MIN_POINTS} finite (t, y) pairs.")
    cap = np.inf if max_ceiling is None else float(max_ceiling)
    if y.max() <= 0 or y.max() > cap:
        raise ParameterError(f"Uptake must be positive and at most max_ceiling ({cap}).")
    lower, upper = spec.lower(t), spec.upper(t, cap)
    best = None
    for start in spec.starts(t, y):
        p0 = np.clip(start, lower, np.minimum(upper, 1e300))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                est, cov = curve_fit(spec.curve, t, y, p0=p0, bounds=(lower, upper), maxfev=5000)
        except RuntimeError:
            continue
        rss = float(np.sum((y - spec.curve(t, *est)) ** 2))
        if best is None or rss < best[0]:
            best = (rss, est, cov)
    if best is None:
        raise InsightsError(f"The {model} curve did not converge from any start ({label}).")
    names = list(spec.names)
    return DiffusionFit(
        model=model,
        params=pd.Series(best[1], index=names),
        cov=pd.DataFrame(best[2], index=names, columns=names),
        t=t,
        y=y,
        origin=origin,
        label=label,
    )


def cumulative_uptake(activity: pd.DataFrame) -> pd.DataFrame:
    """Cumulative uptake per alliance from its launch month to the table's last month.

    Months without a row count as no activity. Returns columns ``alliance, month,
    count, cumulative, t`` (``t`` = months since the start of the launch month,
    at the end of each month); alliances with no activity are left out.
    """
    monthly = monthly_activity(activity)
    last = monthly["month"].max()
    pieces = []
    for alliance, rows in monthly[monthly["count"] > 0].groupby("alliance", sort=True):
        months = pd.period_range(rows["month"].min(), last, freq="M")
        counts = rows.set_index("month")["count"].reindex(months, fill_value=0.0)
        piece = pd.DataFrame({"alliance": alliance, "month": months, "count": counts.to_numpy()})
        piece["cumulative"] = piece["count"].cumsum()
        piece["t"] = np.arange(1, len(piece) + 1, dtype=float)
        pieces.append(piece)
    columns = ["alliance", "month", "count", "cumulative", "t"]
    return pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=columns)


def _valid_draws(fit: DiffusionFit, draws: np.ndarray) -> np.ndarray:
    """Keep simulated parameter rows inside the model's bounds (no ceiling cap)."""
    spec = MODELS[fit.model]
    lower = np.array(spec.lower(fit.t))
    upper = np.array(spec.upper(fit.t, np.inf))
    return draws[np.all((draws >= lower) & (draws <= upper), axis=1)]


def forecast_coverage(
    fit: DiffusionFit,
    coverage: float,
    *,
    eligible: float | None = None,
    confidence: float = 0.95,
    n_sim: int = 2000,
    seed: int | None = None,
) -> pd.Series:
    """When uptake reaches ``coverage`` of the ceiling, or of the eligible population.

    The interval comes from ``n_sim`` parameter draws from a normal distribution
    with the fit's estimates and covariance (seeded), keeping draws inside the
    model's bounds; its limits are quantiles of the simulated times, infinite
    (month NaT) where too many draws never reach the target.

    Parameters
    ----------
    fit
        A fitted curve.
    coverage
        The share to reach, in (0, 1).
    eligible
        If given, the target is ``coverage x eligible`` people rather than
        ``coverage x ceiling``; it is never reached when above the ceiling.
    confidence, n_sim, seed
        Interval level, number of simulations and random seed.

    Returns
    -------
    pandas.Series
        Named by ``fit.label``: ``coverage, target, t, lower, upper`` (months since
        launch), ``month, month_lower, month_upper`` and ``p_reached`` (share of
        draws that ever reach the target).
    """
    if not 0 < coverage < 1:
        raise ParameterError(f"coverage must be in (0, 1), not {coverage}.")
    if eligible is not None and eligible <= 0:
        raise ParameterError(f"eligible must be positive, not {eligible}.")
    base = fit.ceiling if eligible is None else float(eligible)
    cov = fit.cov.to_numpy()
    if not np.all(np.isfinite(cov)):
        raise InsightsError(f"The {fit.model} fit ({fit.label}) has no usable covariance.")
    rng = np.random.default_rng(seed)
    draws = _valid_draws(fit, rng.multivariate_normal(fit.params.to_numpy(), cov, size=n_sim))
    if eligible is None:  # the target moves with each draw's ceiling
        times = fit.time_to_level(coverage * draws[:, 0], draws)
    else:
        times = fit.time_to_level(coverage * base, draws)
    alpha = 1 - confidence
    lower, upper = np.quantile(times, [alpha / 2, 1 - alpha / 2], method="inverted_cdf")
    t = float(fit.time_to_level(coverage * base))
    return pd.Series(
        {
            "coverage": coverage,
            "target": coverage * base,
            "t": t,
            "lower": float(lower),
            "upper": float(upper),
            "month": fit.month_at(t),
            "month_lower": fit.month_at(lower),
            "month_upper": fit.month_at(upper),
            "p_reached": float(np.mean(np.isfinite(times))),
        },
        name=fit.label,
    )
