"""Indirect standardisation: observed / expected ratios and case-mix-adjusted shares.

Expected counts apply reference (e.g. England) stratum rates to a local
population's stratum denominators (strata such as age band x sex x site). The
indirectly standardised ratio is observed / expected with the observed count's
Byar's interval (exact Poisson below 10 events) divided by the expected count,
as PHEindicatormethods' ``calculate_ISRatio`` (Breslow & Day 1987, vol. II,
ch. 2). Multiplying the ratio and its limits by the reference crude share gives
a case-mix-adjusted share: the local share had the local case mix matched the
reference's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.errors import ParameterError
from helpers.stats.rates import poisson_count_interval


def expected_counts(
    local: pd.DataFrame,
    reference: pd.DataFrame,
    strata: Sequence[str],
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Return observed and expected counts per ``by`` group.

    Parameters
    ----------
    local
        One row per local stratum (and ``by`` group) with ``numerator`` (the
        observed events) and ``denominator`` (e.g. staged tumours).
    reference
        One row per stratum with the reference ``numerator`` and ``denominator``;
        its rate (numerator / denominator) is applied to the local denominators.
    strata
        The columns that define a stratum, e.g. ``["age_band", "sex", "site"]``.
    by
        Columns that identify a local area or group; empty for one total.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``observed`` and ``expected``.

    Raises
    ------
    ParameterError
        If a local stratum with a positive denominator has no usable reference rate.
    """
    strata, by = list(strata), list(by)
    ref = reference.groupby(strata, observed=True)[["numerator", "denominator"]].sum()
    rate = (ref["numerator"] / ref["denominator"]).where(ref["denominator"] > 0)
    merged = local.merge(rate.rename("ref_rate").reset_index(), on=strata, how="left")
    missing = merged["ref_rate"].isna() & (merged["denominator"] > 0)
    if missing.any():
        shown = merged.loc[missing, strata].drop_duplicates().head(5).to_dict("records")
        raise ParameterError(f"No reference rate for local strata {shown}.")
    merged["observed"] = merged["numerator"].fillna(0)
    merged["expected"] = merged["denominator"] * merged["ref_rate"].fillna(0)
    if not by:
        return merged[["observed", "expected"]].sum().to_frame().T
    return merged.groupby(by, observed=True)[["observed", "expected"]].sum().reset_index()


def indirect_standardise(
    observed: np.ndarray | pd.Series | float,
    expected: np.ndarray | pd.Series | float,
    *,
    refvalue: float = 1.0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Return the indirectly standardised ratio O/E x ``refvalue`` with its limits.

    Parameters
    ----------
    observed
        Observed event counts, one per area.
    expected
        Expected counts per area: the sum over strata of reference rate x local
        denominator (see :func:`expected_counts`).
    refvalue
        1 for a ratio, 100 for the "x 100" form PHE publishes.
    confidence
        Confidence level of the limits.

    Returns
    -------
    pandas.DataFrame
        ``observed``, ``expected``, ``value``, ``lower``, ``upper`` and ``method``
        ("Byars", or "Exact" when the observed count is below 10). A zero or
        missing expected count gives NaN.
    """
    obs = np.atleast_1d(np.asarray(observed, dtype=float))
    exp = np.atleast_1d(np.asarray(expected, dtype=float))
    lower, upper, method = poisson_count_interval(obs, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(exp > 0, refvalue / exp, np.nan)
    return pd.DataFrame(
        {
            "observed": obs,
            "expected": exp,
            "value": obs * per,
            "lower": lower * per,
            "upper": upper * per,
            "method": method,
        }
    )


def adjusted_share(
    ratios: pd.DataFrame, reference_share: float, scale: float = 100.0
) -> pd.DataFrame:
    """Return a case-mix-adjusted share from indirectly standardised ratios.

    The adjusted share is ratio x the reference's crude share (e.g. England's
    early-stage share), with the ratio's limits scaled the same way.

    Parameters
    ----------
    ratios
        Output of :func:`indirect_standardise` with ``refvalue=1``.
    reference_share
        The reference crude share as a proportion of 1 (reference numerator /
        reference denominator over all strata).
    scale
        100 to express the result in percent.
    """
    if not 0 <= reference_share <= 1:
        raise ParameterError(f"reference_share must be a proportion of 1, got {reference_share}.")
    out = ratios.copy()
    for col in ("value", "lower", "upper"):
        out[col] = ratios[col] * reference_share * scale
    return out
