"""Observed survival: Kaplan-Meier (lifelines) with Greenwood intervals, ICSS age-standardised.

:func:`kaplan_meier` fits the Kaplan-Meier estimator with ``lifelines`` and reads the
survival at chosen times with Greenwood's variance,
``Var S(t) = S(t)^2 sum_{t_i <= t} d_i / (n_i (n_i - d_i))``, and the interval on
the log(-log) scale (lifelines' own "exponential Greenwood" interval, which stays
inside 0-1). :func:`age_standardised` weights the survival of five age groups by the
International Cancer Survival Standard (ICSS; :data:`ICSS_SOURCE`), as ONS and NDRS
standardise cancer survival; its variance is ``sum w_a^2 Var S_a(t)`` and its interval
uses the same log(-log) transform.

This is observed (all-cause) survival: deaths from every cause count. Net survival
(deaths from the cancer alone, the figure ONS and NDRS publish) needs life tables of
the population's background mortality by age, sex, year and deprivation, which these
functions do not take.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.errors import ParameterError
from helpers.stats.proportions import z_value

ICSS_SOURCE = ("Corazziari I, Quinn M, Capocaccia R. Standard cancer patient population for age "
               "standardising survival ratios. Eur J Cancer 2004;40:2307-16")
ICSS_EDGES: tuple[int, ...] = (15, 45, 55, 65, 75, 100)
ICSS_GROUPS: tuple[str, ...] = ("15-44", "45-54", "55-64", "65-74", "75-99")
ICSS_WEIGHTS: dict[int, tuple[float, ...]] = {
    1: (0.07, 0.12, 0.23, 0.29, 0.29),
    2: (0.28, 0.17, 0.21, 0.20, 0.14),
    3: (0.60, 0.10, 0.10, 0.10, 0.10),
}
"""ICSS weights by age group: 1 for cancers whose incidence rises with age (most, and all
cancers together), 2 for those broadly constant with age, 3 for those of young adults."""

MIN_GROUP_PATIENTS = 10
"""An age-standardised figure needs at least this many patients in every ICSS age group."""

RESULT_COLUMNS = ("time", "survival", "variance", "lower", "upper", "patients", "deaths",
                  "at_risk")


def _log_log_interval(s: np.ndarray, var: np.ndarray, confidence: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a survival proportion from its variance, on the log(-log) scale."""
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(var) / np.abs(s * np.log(s))
        lower = s ** np.exp(z * se)
        upper = s ** np.exp(-z * se)
    degenerate = (s <= 0) | (s >= 1)
    return np.where(degenerate, s, lower), np.where(degenerate, s, upper)


def kaplan_meier(years: np.ndarray, died: np.ndarray, at: tuple[float, ...],
                 confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier survival at times ``at`` (same unit as ``years``), with Greenwood intervals.

    Returns
    -------
    pandas.DataFrame
        One row per time: ``survival`` (a fraction), its Greenwood ``variance``, ``lower``
        and ``upper`` (log(-log) interval), ``patients``, ``deaths`` by that time and
        ``at_risk`` (still followed at it). Survival is NaN at a time nobody was followed
        to (unless everyone had died before it): it is not extrapolated.
    """
    from lifelines import KaplanMeierFitter

    years = np.asarray(years, dtype=float)
    died = np.asarray(died, dtype=bool)
    if len(years) == 0:
        rows = {c: np.full(len(at), np.nan) for c in RESULT_COLUMNS}
        rows.update(time=np.asarray(at, dtype=float), patients=0, deaths=0, at_risk=0)
        return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    if (years < 0).any():
        raise ParameterError("survival times must not be negative")
    # identical (time, death) pairs enter once with their count as weight: the same estimate
    unique, where = np.unique(years, return_inverse=True)
    deaths = np.bincount(where, weights=died, minlength=len(unique))
    censored = np.bincount(where, minlength=len(unique)) - deaths
    times, event, weight = (np.concatenate(pair) for pair in (
        (unique, unique), (np.ones(len(unique), bool), np.zeros(len(unique), bool)),
        (deaths, censored)))
    keep = weight > 0
    fit = KaplanMeierFitter().fit(times[keep], event_observed=event[keep], weights=weight[keep])
    table = fit.event_table
    d = table["observed"].to_numpy(dtype=float)
    n = table["at_risk"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n > d, d / (n * (n - d)), np.inf)
    cumulative = np.cumsum(terms)
    times = table.index.to_numpy(dtype=float)
    rows = []
    for t in at:
        s = float(fit.survival_function_at_times(t).iloc[0])
        k = np.searchsorted(times, t, side="right") - 1
        var = 0.0 if k < 0 else float(s**2 * cumulative[k]) if s > 0 else 0.0
        followed = bool((years >= t).any()) or s == 0
        rows.append({
            "time": float(t), "survival": s if followed else np.nan,
            "variance": var if followed else np.nan,
            "patients": len(years), "deaths": int((died & (years <= t)).sum()),
            "at_risk": int((years >= t).sum()),
        })
    out = pd.DataFrame(rows)
    out["lower"], out["upper"] = _log_log_interval(out["survival"].to_numpy(),
                                                   out["variance"].to_numpy(), confidence)
    return out[list(RESULT_COLUMNS)]


def icss_group(age: np.ndarray) -> np.ndarray:
    """ICSS age group index (0-4) of each age; -1 outside 15-99 (left out)."""
    age = np.asarray(age, dtype=float)
    idx = np.searchsorted(np.asarray(ICSS_EDGES), age, side="right") - 1
    return np.where((age >= ICSS_EDGES[0]) & (age < ICSS_EDGES[-1]), idx, -1)


def age_standardised(years: np.ndarray, died: np.ndarray, age: np.ndarray,
                     at: tuple[float, ...], *, standard: int = 1,
                     confidence: float = 0.95) -> pd.DataFrame:
    """ICSS age-standardised Kaplan-Meier survival at times ``at``.

    Parameters
    ----------
    years, died, age
        Time to death or censoring, whether it ended in death, and age at diagnosis, per
        patient. Ages outside 15-99 are left out (ICSS covers adults 15-99).
    at
        Times at which to read the survival.
    standard
        ICSS standard 1, 2 or 3 (:data:`ICSS_WEIGHTS`).
    confidence
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`kaplan_meier` for the standardised survival (``patients``,
        ``deaths`` and ``at_risk`` summed over the age groups). Survival is NaN at a time
        where an age group has fewer than :data:`MIN_GROUP_PATIENTS` patients or no
        estimate (nobody followed to that time).
    """
    if standard not in ICSS_WEIGHTS:
        raise ParameterError(f"ICSS standard must be 1, 2 or 3, got {standard!r}")
    weights = np.asarray(ICSS_WEIGHTS[standard])
    years, died = np.asarray(years, dtype=float), np.asarray(died, dtype=bool)
    group = icss_group(age)
    parts = [kaplan_meier(years[group == g], died[group == g], at, confidence)
             for g in range(len(ICSS_GROUPS))]
    s = np.column_stack([p["survival"].to_numpy() for p in parts])
    var = np.column_stack([p["variance"].to_numpy() for p in parts])
    small = np.array([(group == g).sum() < MIN_GROUP_PATIENTS for g in range(len(weights))])
    usable = np.isfinite(s).all(axis=1) & ~small.any()
    survival = np.where(usable, s @ weights, np.nan)
    variance = np.where(usable, var @ weights**2, np.nan)
    lower, upper = _log_log_interval(survival, variance, confidence)

    def total(col: str) -> np.ndarray:
        return np.sum([p[col].to_numpy() for p in parts], axis=0)

    return pd.DataFrame({
        "time": np.asarray(at, dtype=float), "survival": survival, "variance": variance,
        "lower": lower, "upper": upper, "patients": total("patients"),
        "deaths": total("deaths"), "at_risk": total("at_risk"),
    })


def survival_difference(first: pd.Series, second: pd.Series, confidence: float = 0.95
                        ) -> tuple[float, float, float]:
    """``first - second`` of two independent survival estimates, with a normal interval.

    Each argument holds ``survival`` and ``variance`` (as from :func:`age_standardised`).
    """
    diff = float(first["survival"] - second["survival"])
    se = float(np.sqrt(first["variance"] + second["variance"]))
    z = z_value(confidence)
    return diff, diff - z * se, diff + z * se
