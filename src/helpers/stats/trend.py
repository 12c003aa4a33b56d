"""Inequality over time: each summary measure by period, and whether the gap is changing.

A gap is called widening or narrowing only when chance is an unlikely
explanation: the measure's yearly values are regressed on the period by
weighted least squares with weights 1 / se^2 (se from each year's interval),
and the slope's interval must exclude 0. The slope's standard error treats the
yearly standard errors as known and is inflated by sqrt(chi^2 / (n - 2)) when
the years scatter around the line more than their standard errors allow (a
multiplicative over-dispersion correction; Thompson & Sharp 1999, Stat Med
18:2693-2708). Ratio measures (r, rii) are modelled on the log scale. The
standard error of a year is its interval's width / (2 z); for d from counts the
interval is Newcombe's, which is not symmetric, so this is an approximation.
Years where a measure is not reported (e.g. a linear RII whose fitted line
crosses zero, :func:`~helpers.stats.inequality.summary_measures`) are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm

from helpers.errors import ParameterError
from helpers.stats.inequality import SUMMARY_MEASURES, summary_measures

TRENDS = ("widening", "narrowing", "no clear change")


def measures_by_period(
    groups: pd.DataFrame,
    *,
    period: str = "period",
    ordered: bool,
    higher_is_better: bool,
    reference: str | None = None,
    confidence: float = 0.95,
    seed: int | None = None,
) -> pd.DataFrame:
    """Return :func:`~helpers.stats.inequality.summary_measures` for each period.

    Parameters
    ----------
    groups
        The input of ``summary_measures`` with one more column, ``period``.
    period
        Name of the period column.
    ordered, higher_is_better, reference, confidence, seed
        As for ``summary_measures`` (the same seed is used for every period).

    Returns
    -------
    pandas.DataFrame
        ``period`` followed by the columns of ``summary_measures``, one block per period.
    """
    blocks = [
        summary_measures(
            rows,
            ordered=ordered,
            higher_is_better=higher_is_better,
            reference=reference,
            confidence=confidence,
            seed=seed,
        ).assign(**{period: value})
        for value, rows in groups.groupby(period, sort=True)
    ]
    out = pd.concat(blocks, ignore_index=True)
    return out[[period, *out.columns.drop(period)]]


def _on_model_scale(rows: pd.DataFrame, ratio: bool, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Yearly values and standard errors (from the interval), log scale for ratios."""
    values, lower, upper = (rows[c].to_numpy(dtype=float) for c in ("estimate", "lower", "upper"))
    if ratio:
        with np.errstate(invalid="ignore", divide="ignore"):
            values, lower, upper = np.log(values), np.log(lower), np.log(upper)
    return values, (upper - lower) / (2 * z)


def _slope(t: np.ndarray, y: np.ndarray, se: np.ndarray) -> tuple[float, float, float]:
    """Weighted least squares slope, its standard error and the latest fitted value."""
    x = sm.add_constant(t)
    weights = 1 / se**2
    scale = 1.0
    if len(t) > 2:
        scale = max(1.0, sm.WLS(y, x, weights=weights).fit().scale)
    fit = sm.WLS(y, x, weights=weights).fit(cov_type="fixed scale", cov_kwds={"scale": scale})
    latest = fit.params[0] + fit.params[1] * t.max()
    return float(fit.params[1]), float(fit.bse[1]), float(latest)


def _verdict(kind: str, lower: float, upper: float, slope: float, latest: float) -> str:
    """Widening = the gap moves away from no inequality beyond chance."""
    if lower <= 0 <= upper:
        return TRENDS[2]
    away = slope * latest > 0 if kind in ("gap", "ratio") else slope > 0
    return TRENDS[0] if away else TRENDS[1]


def gap_trend(
    measures: pd.DataFrame, *, period: str = "period", confidence: float = 0.95
) -> pd.DataFrame:
    """Return, per measure, the change per period unit and whether the gap is changing.

    Parameters
    ----------
    measures
        Output of :func:`measures_by_period` (numeric periods, e.g. years).
    period
        Name of the period column.
    confidence
        Level of the slope's interval (and of the yearly intervals it reads).

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``periods`` (number used), ``slope`` with ``lower`` and
        ``upper`` (per period unit; on the log scale for r, rii and rii_logistic)
        and ``trend``: "widening" when the slope's interval excludes 0 and the gap
        moves away from no inequality (signed measures: the slope has the sign of
        the latest fitted gap; spread and attributable measures: it increases),
        "narrowing" when it excludes 0 the other way, else "no clear change".
        Measures with fewer than 2 usable periods (finite, non-degenerate
        intervals; a year where the measure was not reported is not usable) are
        left out.
    """
    t_all = pd.to_numeric(measures[period], errors="coerce")
    if t_all.isna().any():
        raise ParameterError(f"Column {period!r} must be numeric (e.g. the starting year).")
    z = float(norm.ppf(0.5 + confidence / 2))
    rows = []
    for measure, block in measures.assign(_t=t_all).groupby("measure", sort=False):
        kind = SUMMARY_MEASURES[measure].kind
        y, se = _on_model_scale(block, kind == "ratio", z)
        ok = np.isfinite(y) & np.isfinite(se) & (se > 0)
        if ok.sum() < 2:
            continue
        slope, slope_se, latest = _slope(block["_t"].to_numpy(dtype=float)[ok], y[ok], se[ok])
        lower, upper = slope - z * slope_se, slope + z * slope_se
        rows.append(
            {
                "measure": measure,
                "periods": int(ok.sum()),
                "slope": slope,
                "lower": lower,
                "upper": upper,
                "trend": _verdict(kind, lower, upper, slope, latest),
            }
        )
    return pd.DataFrame(rows, columns=["measure", "periods", "slope", "lower", "upper", "trend"])
