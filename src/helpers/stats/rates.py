"""Crude rates and Poisson count intervals, as PHEindicatormethods' ``phe_rate``.

A count's interval uses Byar's approximation, or the exact (chi-square based)
Poisson interval when the count is below 10 (the PHE Fingertips convention).
Byar's formula (Breslow & Day 1987, vol. II, eq. 2.13) is written out here; the
exact interval is statsmodels' ``confint_poisson(method="exact-c")`` (Garwood
1936). Rates divide both by the denominator and multiply by ``multiplier``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.rates import confint_poisson

from helpers.stats.proportions import z_value

EXACT_BELOW = 10
"""Counts below this use the exact Poisson interval instead of Byar's."""



def byars_interval(
    count: np.ndarray | pd.Series | float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Return Byar's approximate Poisson interval (lower, upper) for a count.

    lower = x (1 - 1/(9x) - z/(3 sqrt(x)))^3 and
    upper = (x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3. A zero count has lower 0.
    """
    x = np.asarray(count, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(x > 0, x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3, 0.0)
    x1 = x + 1
    upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    return np.where(np.isnan(x), np.nan, lower), upper


def exact_poisson_interval(
    count: np.ndarray | pd.Series | float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Return the exact (Garwood, chi-square based) Poisson interval for a count."""
    x = np.asarray(count, dtype=float)
    lower = np.full(x.shape, np.nan)
    upper = lower.copy()
    ok = np.isfinite(x)
    if np.any(ok):
        lo, hi = confint_poisson(
            x[ok], np.ones(int(ok.sum())), method="exact-c", alpha=1 - confidence
        )
        lower[ok], upper[ok] = lo, hi
    return lower, upper


def poisson_count_interval(
    count: np.ndarray | pd.Series | float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (lower, upper, method) for counts: exact below 10, Byar's otherwise.

    ``method`` holds "Exact" or "Byars" per count (empty for a missing count).
    """
    x = np.asarray(count, dtype=float)
    b_lo, b_hi = byars_interval(x, confidence)
    e_lo, e_hi = exact_poisson_interval(x, confidence)
    exact = x < EXACT_BELOW
    method = np.where(np.isnan(x), "", np.where(exact, "Exact", "Byars"))
    return np.where(exact, e_lo, b_lo), np.where(exact, e_hi, b_hi), method


def add_rate(
    df: pd.DataFrame, multiplier: float = 100_000, confidence: float = 0.95
) -> pd.DataFrame:
    """Add ``value``, ``lower``, ``upper`` and ``method`` (a crude rate) from numerator/denominator.

    As PHE's ``phe_rate``: value = numerator / denominator x multiplier with the
    count's Byar's (exact below 10) limits divided the same way. Rows with a
    missing numerator, or a missing or zero denominator, give NaN.
    """
    out = df.copy()
    num = out["numerator"].to_numpy(dtype=float)
    den = out["denominator"].to_numpy(dtype=float)
    lower, upper, method = poisson_count_interval(num, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(den > 0, multiplier / den, np.nan)
    out["value"] = num * per
    out["lower"] = lower * per
    out["upper"] = upper * per
    out["method"] = method
    return out
