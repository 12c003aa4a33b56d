"""Stage of the cancers a programme found against comparable cancers it did not find.

A descriptive comparison, made as like-for-like as the counts allow:

* the same **sites** (the programme's, :attr:`helpers.registry.innovations.Innovation.sites`);
* the same **alliances** (each alliance against its own other cancers; several
  alliances are added up alliance-year by alliance-year);
* the same **calendar years**, after go-live only: the full calendar years from
  the first January on or after the alliance's go-live month (the cube counts
  cancers by diagnosis year, so the go-live year itself, part before and part
  after, is left out on both sides);
* the comparison group is the staged cancers of those sites, alliances and years
  **not** found by the programme (staged minus found).

What it cannot hold equal: the cube's stage counts by site are for all ages, so
the comparison group includes people outside the programme's eligible ages.
Screen-found cancers are earlier partly because of lead time, length bias and
overdiagnosis, so this is a description of what the programme found, not an
estimate of its effect on stage (that needs a comparative design:
:mod:`helpers.analysis.adoption.impact`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.errors import ParameterError, require_columns
from helpers.stats import compare_proportions

ALL_ALLIANCES = "All alliances"
"""The ``alliance`` label of the total row of :func:`found_against_others`."""


def comparable_years(timeline: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Alliance-years wholly after go-live: ``alliance, period`` (int).

    A year counts when its January is on or after the go-live month (a January
    go-live keeps its year). Alliances not live (NaT) have none.
    """
    rows = [(alliance, year) for alliance, go in zip(timeline["alliance"], timeline["go_live"],
                                                     strict=True)
            if pd.notna(go) for year in years if pd.Period(f"{year}-01", "M") >= go]
    return pd.DataFrame(rows, columns=["alliance", "period"]).astype({"period": int})


def found_against_others(found: pd.DataFrame, staged: pd.DataFrame,
                         timeline: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Early-stage share of programme-found cancers against the others, same alliance-years.

    Parameters
    ----------
    found
        ``alliance, month`` ("YYYY-MM"), ``cancers_found``, ``cancers_found_early``:
        the programme's activity counts (dimension ``all``), any number of rows
        per alliance-month (they are added).
    staged
        ``alliance, period`` (year), ``numerator`` (stage 1-2), ``denominator``
        (staged) of the programme's sites, all routes (the cube's ``early_stage``
        by site, any number of rows per alliance-year: they are added).
    timeline
        ``alliance, go_live`` (:func:`helpers.analysis.adoption.adoption_timeline`).
    confidence
        Level of the Newcombe interval of the difference
        (:func:`helpers.stats.compare_proportions`).

    Returns
    -------
    pandas.DataFrame
        One row per alliance with at least one comparable year, plus a total
        row (``alliance == ALL_ALLIANCES``) when there are several: ``alliance,
        first_year, last_year, found, found_early, others, others_early,
        found_pct, others_pct, difference, lower, upper`` (percentages and
        points). Empty when no alliance has a full year after go-live.
    """
    require_columns(found, ["alliance", "month", "cancers_found", "cancers_found_early"],
                    "The found counts")
    require_columns(staged, ["alliance", "period", "numerator", "denominator"], "The staged")
    stg = staged.assign(period=staged["period"].astype(int)).groupby(
        ["alliance", "period"], as_index=False)[["numerator", "denominator"]].sum()
    keep = comparable_years(timeline, sorted(stg["period"].unique()))
    fnd = found.assign(period=found["month"].astype(str).str[:4].astype(int)).groupby(
        ["alliance", "period"], as_index=False)[["cancers_found", "cancers_found_early"]].sum()
    cells = keep.merge(stg, on=["alliance", "period"]).merge(
        fnd, on=["alliance", "period"], how="left").fillna(
        {"cancers_found": 0, "cancers_found_early": 0})
    if ((cells["cancers_found"] > cells["denominator"])
            | (cells["cancers_found_early"] > cells["numerator"])).any():
        raise ParameterError("More cancers found by the programme than staged in an "
                             "alliance-year: the activity and the cube do not match.")
    by = cells.groupby("alliance").agg(
        first_year=("period", "min"), last_year=("period", "max"),
        found=("cancers_found", "sum"), found_early=("cancers_found_early", "sum"),
        staged=("denominator", "sum"), early=("numerator", "sum")).reset_index()
    if len(by) > 1:
        total = by.drop(columns="alliance").agg(
            {"first_year": "min", "last_year": "max", "found": "sum", "found_early": "sum",
             "staged": "sum", "early": "sum"})
        by = pd.concat([by, pd.DataFrame([{"alliance": ALL_ALLIANCES, **total}])],
                       ignore_index=True)
    by["others"] = by["staged"] - by["found"]
    by["others_early"] = by["early"] - by["found_early"]
    with np.errstate(divide="ignore", invalid="ignore"):
        by["found_pct"] = 100 * by["found_early"] / by["found"]
        by["others_pct"] = 100 * by["others_early"] / by["others"]
    diffs = [compare_proportions(a, n, b, m, confidence) for a, n, b, m in
             zip(by["found_early"], by["found"], by["others_early"], by["others"], strict=True)]
    by[["difference", "lower", "upper"]] = pd.DataFrame(diffs, index=by.index,
                                                        columns=["d", "lo", "hi"])
    columns = ["alliance", "first_year", "last_year", "found", "found_early", "others",
               "others_early", "found_pct", "others_pct", "difference", "lower", "upper"]
    return by[columns].astype({"first_year": int, "last_year": int})
