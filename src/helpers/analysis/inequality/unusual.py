"""One rule for "unusual": is an area higher or lower than its comparator, beyond chance?

Every table, sentence and chart that calls an area higher or lower than its
comparator (a local authority against its alliance, an alliance against
England) uses :func:`compare_with_target`: the funnel-plot test of PHE's
``PHEindicatormethods`` funnel functions on the arcsine-square-root scale, at
the 95% limits. The limits are widened for overdispersion (Spiegelhalter 2005,
*Qual Saf Health Care* 14:347-351; additive random effects, tau^2 from
Winsorised z-scores) only when overdispersion is detected: the chi-squared test
of the Winsorised z-scores gives p < 0.05. Otherwise the limits are the plain
ones, so an area is unusual exactly when chance alone would rarely put it there.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from helpers.stats.funnel import Overdispersion, assign_significance, overdispersion

DETECTION_P = 0.05
"""Overdispersion is allowed for only when its chi-squared test gives p below this."""

VERDICTS = {"High": "higher", "Low": "lower"}


def funnel_model(numerator: pd.Series, denominator: pd.Series, target: float,
                 statistic: str = "proportion") -> Overdispersion:
    """The funnel the verdicts and the chart share: centred on ``target``, widened only if needed.

    Parameters
    ----------
    numerator, denominator
        The areas' counts (proportions).
    target
        The comparator's proportion (0-1), e.g. the alliance's or England's;
        1 for ratios (observed / expected).
    statistic
        "proportion", or "ratio" for indirectly standardised ratios (numerator
        = observed, denominator = expected).

    Returns
    -------
    Overdispersion
        With ``target`` set, and ``tau2`` = 0 and ``phi`` = 1 unless
        overdispersion was detected (``p_value`` < :data:`DETECTION_P`).
    """
    od = overdispersion(numerator, denominator, statistic=statistic)
    if od.p_value < DETECTION_P:
        return replace(od, target=float(target))
    return replace(od, target=float(target), tau2=0.0, phi=1.0)


def is_widened(model: Overdispersion) -> bool:
    """Whether the model's limits are widened for detected overdispersion."""
    return model.p_value < DETECTION_P


def compare_with_target(units: pd.DataFrame, target: float,
                        statistic: str = "proportion") -> pd.DataFrame:
    """Label each area "higher", "lower" or "similar" against ``target`` by the funnel rule.

    Parameters
    ----------
    units
        One row per area with ``numerator`` and ``denominator`` (and any
        identifying columns). Rows whose denominator is 0 or missing get
        "no data".
    target
        The comparator's proportion (0-1); 1 for ratios.
    statistic
        "proportion" or "ratio" (numerator = observed, denominator = expected).

    Returns
    -------
    pandas.DataFrame
        ``units`` with ``verdict`` and ``significance`` (PHE's labels: "High
        (0.001)", "High (0.025)", "Low (0.025)", "Low (0.001)", "Not
        significant"); ``attrs["model"]`` holds the funnel model.
    """
    out = units.copy()
    usable = out["denominator"].astype(float).fillna(0) > 0
    out["significance"] = "no data"
    out["verdict"] = "no data"
    model = None
    if usable.any():
        part = out[usable]
        model = funnel_model(part["numerator"], part["denominator"], target, statistic)
        labels = assign_significance(part["numerator"], part["denominator"],
                                     statistic=statistic, od=model, method="additive")
        labels = np.asarray(labels.astype(str))
        out.loc[usable, "significance"] = labels
        out.loc[usable, "verdict"] = [VERDICTS.get(s.split(" ")[0], "similar") for s in labels]
    out.attrs["model"] = model
    return out
