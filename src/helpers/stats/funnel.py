"""Funnel plot control limits, significance against the funnel, and over-dispersion.

Control limits follow PHEindicatormethods' ``calculate_funnel_limits`` and
``assign_funnel_significance`` (PHE Fingertips technical guidance): the
"2s" limits are the 0.025 / 0.975 points (95%) and the "3s" limits the 0.001 /
0.999 points (99.8%).

- Proportions: target a (sum of numerators / sum of denominators) plus or minus
  z sqrt(a (1 - a) / n). This is PHE's closed form simplified: an observed
  proportion lies outside the limit exactly when the target lies outside its
  Wilson score interval.
- Indirectly standardised ratios: for each observed count O, the expected counts
  at which O sits on a limit are O's exact Poisson limits, so the limit is O
  divided by them (PHE solves the same by bisection). Significance of one area's
  ratio uses its Byar's (exact below 10) interval compared with 1.

Over-dispersion follows Spiegelhalter (2005), "Handling over-dispersion of
performance indicators", Qual Saf Health Care 14:347-351, as implemented for
NHS use in NHS-R's FunnelPlotR: z-scores on a variance-stabilising scale
(arcsine square root for proportions, square root for ratios, as the CQC
method), Winsorised at 10% in each tail; phi = mean of squared Winsorised z;
multiplicative limits widen the standard error by sqrt(phi); additive
(random-effects) limits add tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w),
w = 1 / s^2, to each unit's variance (a DerSimonian-Laird moment estimator on the
z-scores), or 0 when I phi <= I - 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from helpers.errors import ParameterError
from helpers.stats.rates import exact_poisson_interval, poisson_count_interval

LEVELS = {"2s": 0.95, "3s": 0.998}
"""Funnel limits: two-sided coverage of the 2-sigma and 3-sigma lines."""

SIGNIFICANCE = ("High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)", "Not significant")
STATISTICS = ("proportion", "ratio")
OD_METHODS = ("additive", "multiplicative")


def _check_statistic(statistic: str) -> None:
    if statistic not in STATISTICS:
        raise ParameterError(f"statistic must be one of {STATISTICS}, got {statistic!r}.")


def _signif_floor(x: float) -> float:
    """Round 95% of ``x`` down to its leading digit (PHE's axis minimum)."""
    x95 = x * 0.95
    n = len(str(int(np.floor(x95)))) - 1
    return float(np.floor(x95 / 10**n) * 10**n)


def _signif_ceiling(x: float) -> float:
    """Round 105% of ``x`` up to its two leading digits (PHE's axis maximum)."""
    x105 = x * 1.05
    n = len(str(int(np.ceil(x105)))) - 2
    return float(np.ceil(x105 / 10**n) * 10**n)


def _axis_points(denominators: np.ndarray, statistic: str) -> np.ndarray:
    """Return PHE's 100 x-axis points, spaced geometrically up to the axis maximum."""
    low, high = np.nanmin(denominators), np.nanmax(denominators)
    axis_min = 0.0 if high > 2 * low else _signif_floor(low)
    axis_max = _signif_ceiling(high)
    shift = 0 if statistic == "proportion" else 1
    points = [max(1.0, axis_min)]
    for j in range(2, 101):
        prev = points[-1]
        step = round((axis_max / prev) ** (1 / (101 - (j - shift))) * prev)
        points.append(max(step, prev + 1))
    return np.array(points)


def proportion_limits(
    target: float, denominator: np.ndarray | float, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return the funnel (lower, upper) for proportions of 1 at the given denominators."""
    n = np.asarray(denominator, dtype=float)
    half = norm.ppf(0.5 + confidence / 2) * np.sqrt(target * (1 - target) / n)
    return np.clip(target - half, 0, 1), np.clip(target + half, 0, 1)


def funnel_limits(
    numerator: np.ndarray | pd.Series,
    denominator: np.ndarray | pd.Series,
    *,
    statistic: str = "proportion",
    ratio_type: str = "isr",
    multiplier: float = 100,
) -> pd.DataFrame:
    """Return 100 rows of funnel control limits for plotting, as PHE's ``calculate_funnel_limits``.

    Parameters
    ----------
    numerator, denominator
        Per area: events and denominators (proportions), or observed and
        expected counts (ratios).
    statistic
        "proportion" or "ratio".
    ratio_type
        For ratios: "isr" gives O/E x ``multiplier``; "count" gives O/E - 1.
    multiplier
        100 for percentages (proportions) or the "x 100" ratio.

    Returns
    -------
    pandas.DataFrame
        Proportions: ``population``, ``lower_2s_limit``, ``upper_2s_limit``,
        ``lower_3s_limit``, ``upper_3s_limit`` and ``baseline``. Ratios:
        ``observed`` and, per limit, the expected count at which it is reached
        (``lower_2s_expected`` ...) and the limit itself.
    """
    _check_statistic(statistic)
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    points = _axis_points(den, statistic)
    if statistic == "proportion":
        target = num.sum() / den.sum()
        out = pd.DataFrame({"population": points})
        for name, conf in LEVELS.items():
            lower, upper = proportion_limits(target, points, conf)
            out[f"lower_{name}_limit"] = lower * multiplier
            out[f"upper_{name}_limit"] = upper * multiplier
        out["baseline"] = target * multiplier
        return out
    if ratio_type not in ("isr", "count"):
        raise ParameterError(f"ratio_type must be 'isr' or 'count', got {ratio_type!r}.")
    out = pd.DataFrame({"observed": points})
    for name, conf in LEVELS.items():
        low_exp, high_exp = exact_poisson_interval(points, conf)
        for side, exp in (("lower", high_exp), ("upper", low_exp)):
            ratio = points / exp
            out[f"{side}_{name}_expected"] = exp
            out[f"{side}_{name}_limit"] = ratio * multiplier if ratio_type == "isr" else ratio - 1
    return out


def _label(high: dict[str, np.ndarray], low: dict[str, np.ndarray]) -> pd.Series:
    """Turn outside-limit flags per level into PHE's significance labels."""
    label = np.full(len(high["2s"]), SIGNIFICANCE[-1], dtype=object)
    label[low["2s"]] = "Low (0.025)"
    label[high["2s"]] = "High (0.025)"
    label[low["3s"]] = "Low (0.001)"
    label[high["3s"]] = "High (0.001)"
    return pd.Series(pd.Categorical(label, categories=SIGNIFICANCE))


@dataclass(frozen=True)
class Overdispersion:
    """Spiegelhalter's over-dispersion estimates for a set of units.

    Attributes
    ----------
    statistic
        "proportion" or "ratio".
    target
        The funnel's centre on the natural scale (overall proportion, or 1).
    phi
        Multiplicative over-dispersion factor: mean squared Winsorised z-score.
    tau2
        Additive between-unit variance on the transformed scale (0 if none).
    units
        Number of units I.
    p_value
        Chi-square test of no over-dispersion: P(chi2 on I - 1 df >= I phi).
    """

    statistic: str
    target: float
    phi: float
    tau2: float
    units: int
    p_value: float


def _stabilise(value: np.ndarray | float, statistic: str) -> np.ndarray:
    """Variance-stabilising transform: arcsine square root (proportions), square root (ratios).

    Either way the standard error on the new scale is 1 / (2 sqrt(denominator)),
    the denominator being the number of people (proportions) or the expected
    count (ratios).
    """
    value = np.asarray(value, dtype=float)
    return np.arcsin(np.sqrt(value)) if statistic == "proportion" else np.sqrt(value)


def _stabilised_se(denominator: np.ndarray) -> np.ndarray:
    return 1 / (2 * np.sqrt(denominator))


def _back(y: np.ndarray, statistic: str) -> np.ndarray:
    """Map limits on the transformed scale back to the natural scale."""
    if statistic == "proportion":
        return np.sin(np.clip(y, 0, np.pi / 2)) ** 2
    return np.clip(y, 0, None) ** 2


def _inputs(numerator, denominator, statistic: str) -> tuple[np.ndarray, np.ndarray, float]:
    _check_statistic(statistic)
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    if np.any(den <= 0) or np.any(num < 0):
        raise ParameterError("Funnel inputs need numerators >= 0 and denominators > 0.")
    target = num.sum() / den.sum() if statistic == "proportion" else 1.0
    return num, den, target


def winsorise(z: np.ndarray, trim: float = 0.1) -> np.ndarray:
    """Pull values below the ``trim`` quantile (above 1 - ``trim``) in to those quantiles."""
    low, high = np.quantile(z, [trim, 1 - trim])
    return np.clip(z, low, high)


def overdispersion(
    numerator: np.ndarray | pd.Series,
    denominator: np.ndarray | pd.Series,
    *,
    statistic: str = "proportion",
    trim: float = 0.1,
) -> Overdispersion:
    """Estimate phi and tau^2 from Winsorised z-scores (Spiegelhalter 2005).

    Parameters
    ----------
    numerator, denominator
        Per unit: events and denominators (proportions), or observed and
        expected counts (ratios).
    statistic
        "proportion" or "ratio".
    trim
        Fraction Winsorised in each tail (0.1 = 10%).
    """
    num, den, target = _inputs(numerator, denominator, statistic)
    s = _stabilised_se(den)
    z = winsorise((_stabilise(num / den, statistic) - _stabilise(target, statistic)) / s, trim)
    units = len(z)
    phi = float(np.mean(z**2))
    w = 1 / s**2
    excess = units * phi - (units - 1)
    tau2 = max(0.0, excess / (w.sum() - (w**2).sum() / w.sum()))
    p_value = float(chi2.sf(units * phi, units - 1))
    return Overdispersion(statistic, float(target), phi, tau2, units, p_value)


def _sd(s: np.ndarray, od: Overdispersion, method: str) -> np.ndarray:
    """Standard error on the transformed scale after the over-dispersion adjustment."""
    if method not in OD_METHODS:
        raise ParameterError(f"method must be one of {OD_METHODS}, got {method!r}.")
    if method == "multiplicative":
        return s * np.sqrt(max(od.phi, 1.0))
    return np.sqrt(s**2 + od.tau2)


def overdispersed_limits(
    denominator: np.ndarray | pd.Series,
    od: Overdispersion,
    *,
    method: str = "additive",
    multiplier: float = 100,
) -> pd.DataFrame:
    """Return over-dispersion-adjusted funnel limits at the given denominators.

    Parameters
    ----------
    denominator
        Denominators (proportions) or expected counts (ratios) to draw limits at.
    od
        The estimates from :func:`overdispersion`.
    method
        "additive" (random effects, tau^2) or "multiplicative" (phi, used only
        when phi > 1).
    multiplier
        Scale of the output (100 = percent or the "x 100" ratio).
    """
    den = np.asarray(denominator, dtype=float)
    centre = _stabilise(od.target, od.statistic)
    sd = _sd(_stabilised_se(den), od, method)
    out = pd.DataFrame({"denominator": den})
    for name, conf in LEVELS.items():
        half = norm.ppf(0.5 + conf / 2) * sd
        out[f"lower_{name}_limit"] = _back(centre - half, od.statistic) * multiplier
        out[f"upper_{name}_limit"] = _back(centre + half, od.statistic) * multiplier
    out["baseline"] = od.target * multiplier
    return out


def assign_significance(
    numerator: np.ndarray | pd.Series,
    denominator: np.ndarray | pd.Series,
    *,
    statistic: str = "proportion",
    od: Overdispersion | None = None,
    method: str = "additive",
) -> pd.Series:
    """Label each unit against the funnel, as PHE's ``assign_funnel_significance``.

    Labels: "High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)" or
    "Not significant". Without ``od`` the limits are PHE's (proportions: the
    score-test limits around the overall proportion; ratios: the ratio's Byar's
    or exact interval against 1). With ``od`` the unit's z-score on the
    transformed scale is divided by the adjusted standard error (see
    :func:`overdispersed_limits`).
    """
    num, den, target = _inputs(numerator, denominator, statistic)
    high, low = {}, {}
    for name, conf in LEVELS.items():
        if od is not None:
            gap = _stabilise(num / den, statistic) - _stabilise(od.target, statistic)
            z = gap / _sd(_stabilised_se(den), od, method)
            crit = norm.ppf(0.5 + conf / 2)
            high[name], low[name] = z > crit, z < -crit
        elif statistic == "proportion":
            lower, upper = proportion_limits(target, den, conf)
            high[name], low[name] = num / den > upper, num / den < lower
        else:
            lower, upper, _ = poisson_count_interval(num, conf)
            high[name], low[name] = lower / den > 1, upper / den < 1
    return _label(high, low)


def funnel_outliers(
    units: pd.DataFrame,
    *,
    statistic: str = "proportion",
    od: Overdispersion | None = None,
    method: str = "additive",
) -> pd.DataFrame:
    """Return the units outside the 95% funnel, 99.8% outliers first.

    ``units`` has ``numerator`` and ``denominator`` (observed and expected for
    ratios) plus any identifying columns; the result adds ``value`` (proportion
    or O/E) and ``significance``.
    """
    out = units.copy()
    out["value"] = out["numerator"] / out["denominator"]
    out["significance"] = assign_significance(
        out["numerator"], out["denominator"], statistic=statistic, od=od, method=method
    ).to_numpy()
    outside = out["significance"] != SIGNIFICANCE[-1]
    return out[outside].sort_values("significance", kind="stable")
