"""Small-number suppression applied to everything published.

Rule (NHS England / NDRS convention): a count from 1 to the threshold
(:data:`helpers.config.SUPPRESSION_THRESHOLD`, 7 by default) is not shown.
When the numerator, or the complement (denominator - numerator), is small,
the numerator and every rate built on it are hidden; when the denominator is
small, the whole row is hidden. Zero is not disclosive and is shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.config import SUPPRESSION_THRESHOLD

SUPPRESSED = "*"
VALUE_COLUMNS: tuple[str, ...] = ("value", "lower", "upper")


def is_small(values: pd.Series, threshold: int | None = None) -> pd.Series:
    """Whether each count is disclosive: from 1 to the threshold (the project's by default)."""
    t = SUPPRESSION_THRESHOLD if threshold is None else threshold
    return pd.Series(values, dtype=float).between(1, t)


def suppress(df: pd.DataFrame, threshold: int | None = None) -> pd.DataFrame:
    """Return ``df`` with disclosive counts and rates set to NaN and a ``suppressed`` flag.

    Parameters
    ----------
    df
        Rows with ``numerator`` and ``denominator`` and optionally ``value``,
        ``lower`` and ``upper``.
    threshold
        Largest count that is suppressed; defaults to the project setting.
    """
    t = SUPPRESSION_THRESHOLD if threshold is None else threshold
    out = df.copy()
    num, den = out["numerator"].astype(float), out["denominator"].astype(float)
    den_small = is_small(den, t)
    num_small = is_small(num, t) | is_small(den - num, t) | den_small
    out["suppressed"] = num_small
    out["numerator"] = num.mask(num_small)
    out["denominator"] = den.mask(den_small)
    for col in VALUE_COLUMNS:
        if col in out:
            out[col] = out[col].astype(float).mask(num_small)
    return out


def format_count(value: float) -> str:
    """Format a count for a table: thousands separators, or the suppression mark."""
    return SUPPRESSED if pd.isna(value) else f"{int(value):,}"


def format_percent(value: float, lower: float = np.nan, upper: float = np.nan) -> str:
    """Format a percentage to 1 dp with its interval, or the suppression mark."""
    if pd.isna(value):
        return SUPPRESSED
    if pd.isna(lower) or pd.isna(upper):
        return f"{value:.1f}%"
    return f"{value:.1f}% ({lower:.1f}-{upper:.1f})"


def footnote(threshold: int | None = None) -> str:
    """The sentence explaining the suppression mark."""
    t = SUPPRESSION_THRESHOLD if threshold is None else threshold
    return (
        f"{SUPPRESSED} suppressed: a count from 1 to {t} (or a rate built on one) is not "
        "shown, to protect patient confidentiality."
    )
