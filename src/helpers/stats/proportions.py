"""Proportions with Wilson score intervals, and differences between two proportions.

Intervals come from statsmodels: ``proportion_confint(method="wilson")`` for one
proportion and Newcombe's hybrid score interval
(``confint_proportions_2indep(method="newcomb")``) for a difference. They are
checked in the tests against PHE's published reference values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint


def z_value(confidence: float = 0.95) -> float:
    """The two-sided normal quantile for ``confidence`` (1.959964 for 95%)."""
    return float(norm.ppf(0.5 + confidence / 2))

def wilson_interval(
    numerator: np.ndarray | pd.Series | float,
    denominator: np.ndarray | pd.Series | float,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the Wilson score interval (lower, upper) as proportions of 1.

    Rows with a zero or missing denominator give NaN.
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    lower = np.full(np.broadcast(num, den).shape, np.nan)
    upper = lower.copy()
    if np.any(ok):
        n, d = np.broadcast_arrays(num, den)
        lo, hi = proportion_confint(n[ok], d[ok], alpha=1 - confidence, method="wilson")
        lower[ok], upper[ok] = lo, hi
    return lower, upper


def add_proportion(
    df: pd.DataFrame, confidence: float = 0.95, scale: float = 100.0
) -> pd.DataFrame:
    """Add ``value``, ``lower`` and ``upper`` (percent by default) from numerator/denominator."""
    out = df.copy()
    num = out["numerator"].to_numpy(dtype=float)
    den = out["denominator"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(den > 0, num / den, np.nan) * scale
    lower, upper = wilson_interval(num, den, confidence)
    out["lower"] = lower * scale
    out["upper"] = upper * scale
    return out


def compare_proportions(
    num1: float, den1: float, num2: float, den2: float, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Return the difference p1 - p2 and its Newcombe interval, in percentage points."""
    if min(den1, den2) <= 0:
        return (np.nan, np.nan, np.nan)
    low, upp = confint_proportions_2indep(
        num1, den1, num2, den2, method="newcomb", compare="diff", alpha=1 - confidence
    )
    diff = num1 / den1 - num2 / den2
    return (100 * diff, 100 * float(low), 100 * float(upp))
