"""When would each place reach an ambition on its current trend?

The NHS Long Term Plan (2019, para 3.51) set the ambition that 75% of cancers be
diagnosed at stage 1 or 2 by 2028. It is an ambition for 2028, not a target for
earlier years, so the reports never say a year "missed" it; they say when a place
would reach it if its share kept changing as it has.

Method (:func:`year_reached`), per place:

1. the yearly share p_t = numerator / denominator (in percent) is fitted on the
   year t by weighted least squares, weights w_t = n_t / (p_t (100 - p_t)) (the
   inverse binomial variance of a percentage), centred on the weighted mean year
   t_bar so that level and slope are uncorrelated: p(t) = a + b (t - t_bar);
2. the slope's standard error is sqrt(phi / sum w_t (t - t_bar)^2) with phi the
   Pearson dispersion sum w_t (p_t - fit_t)^2 / (k - 2), floored at 1 (so
   year-to-year variation beyond binomial noise widens the interval;
   quasi-binomial practice);
3. the 95% interval of the slope is b +- 1.96 SE; the year the fitted line
   reaches the ambition is t* = t_bar + (A - a) / b, and its interval is the
   years the line through (t_bar, a) reaches A with the slope's lower and
   upper limits (the level a taken as known: the interval reflects the trend's
   uncertainty, which dominates an extrapolation years ahead);
4. status: "reached" when the latest year's share is already >= A; "on trend"
   when the slope's interval is entirely above zero; otherwise "not on current
   trend" (no year is given).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.errors import ParameterError
from helpers.stats.proportions import z_value

OUTPUT_COLUMNS: tuple[str, ...] = (
    "geography_code", "geography_name", "years", "latest", "slope", "slope_lower",
    "slope_upper", "year", "year_lower", "year_upper", "status",
)


def trend_line(years: np.ndarray, numerator: np.ndarray, denominator: np.ndarray
               ) -> tuple[float, float, float, float]:
    """Weighted least-squares line of the yearly percentage; returns (t_bar, a, b, se_b).

    Raises
    ------
    ParameterError
        Fewer than three years, or a year whose share is 0% or 100% (no binomial weight).
    """
    t = np.asarray(years, dtype=float)
    n = np.asarray(denominator, dtype=float)
    p = 100 * np.asarray(numerator, dtype=float) / n
    if len(t) < 3:
        raise ParameterError(f"A trend needs at least three years, got {len(t)}")
    if np.any((p <= 0) | (p >= 100)):
        raise ParameterError("A yearly share of 0% or 100% has no binomial weight")
    w = n / (p * (100 - p))
    t_bar = float(np.sum(w * t) / np.sum(w))
    a = float(np.sum(w * p) / np.sum(w))
    sxx = float(np.sum(w * (t - t_bar) ** 2))
    b = float(np.sum(w * (t - t_bar) * (p - a)) / sxx)
    fit = a + b * (t - t_bar)
    phi = max(1.0, float(np.sum(w * (p - fit) ** 2)) / (len(t) - 2))
    return t_bar, a, b, float(np.sqrt(phi / sxx))


def year_reached(rows: pd.DataFrame, ambition: float) -> pd.DataFrame:
    """The year each place would reach ``ambition`` (percent) on its current trend.

    Parameters
    ----------
    rows
        Yearly counts: ``geography_code``, ``geography_name``, ``period`` (a year),
        ``numerator``, ``denominator``; one row per place and year.
    ambition
        The ambition in percent (e.g. 75).

    Returns
    -------
    pandas.DataFrame
        One row per place, columns :data:`OUTPUT_COLUMNS`: ``slope`` and its 95%
        interval in percentage points a year; ``year`` and ``year_lower``/``year_upper``
        (``NaN`` upper when the slope's lower limit is not above zero, NaN all when
        not on trend); ``status`` as in the module docstring.
    """
    out = []
    for (code, name), part in rows.groupby(["geography_code", "geography_name"], sort=False):
        part = part.assign(year=part["period"].astype(int)).sort_values("year")
        t_bar, a, b, se = trend_line(part["year"].to_numpy(), part["numerator"].to_numpy(),
                                     part["denominator"].to_numpy())
        lo, hi = b - z_value() * se, b + z_value() * se
        last = part.iloc[-1]
        latest = 100 * last["numerator"] / last["denominator"]
        year = year_lo = year_hi = np.nan
        if latest >= ambition:
            status = "reached"
        elif lo > 0:
            status = "on trend"
            year = t_bar + (ambition - a) / b
            year_lo = t_bar + (ambition - a) / hi
            year_hi = t_bar + (ambition - a) / lo
        else:
            status = "not on current trend"
        out.append({"geography_code": code, "geography_name": name,
                    "years": f"{part['year'].min()}-{part['year'].max()}", "latest": latest,
                    "slope": b, "slope_lower": lo, "slope_upper": hi, "year": year,
                    "year_lower": year_lo, "year_upper": year_hi, "status": status})
    return pd.DataFrame(out, columns=list(OUTPUT_COLUMNS))
