"""The count cube: record-level tumours (and urgent referrals) reduced to counts.

Columns: ``period, geography_type, geography_code, geography_name, parent_code,
indicator, dimension, group, numerator, denominator``. ``parent_code`` ties a
local authority or ICB to its alliance (a local authority split between two
alliances appears once under each). Counts are additive, so pooled periods
are sums of rows (:func:`pool_periods`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.registry.indicators import INDICATORS, REFERRAL_INDICATORS

ENGLAND_CODE = "E92000001"

CUBE_COLUMNS: tuple[str, ...] = (
    "period", "geography_type", "geography_code", "geography_name", "parent_code",
    "indicator", "dimension", "group", "numerator", "denominator",
)

GEOGRAPHIES: dict[str, tuple[str, str, str]] = {
    "england": ("_england_code", "_england_name", "_no_parent"),
    "alliance": ("alliance_code", "alliance", "_england_code"),
    "icb": ("icb_code", "icb_name", "alliance_code"),
    "lad": ("lad_code", "lad_name", "alliance_code"),
}
"""Geography level -> (code column, name column, parent code column)."""

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "all": ("_all",),
    "imd_quintile": ("imd_quintile",),
    "ethnicity": ("ethnicity",),
    "sex": ("sex",),
    "age_band": ("age_band",),
    "site": ("site",),
    "route": ("route",),
    "imd_quintile x ethnicity": ("imd_quintile", "ethnicity"),
    "site x age_band x sex": ("site", "age_band", "sex"),
}
"""Dimension name -> the processed tumour columns that form its groups."""

RESTRICTED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "site x age_band x sex": (("england", "alliance"), ("early_stage",)),
}
"""Dimensions counted only at some levels and for some indicators: (levels, indicators).

The site x age band x sex strata serve the case-mix adjustment of early diagnosis
(:mod:`helpers.analysis.casemix`), which compares alliances with England.
"""

GROUP_SEPARATOR = " | "


def build_cube(tumours: pd.DataFrame, referrals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Count every indicator's numerator and denominator by period, place and group.

    Each indicator is counted on its own population and periods:

    * indicators with ``period_unit == "year"`` over the tumours, by year of
      diagnosis; a waiting-time standard (``window_column`` set) counts only the
      records whose clock stopped on a day one of its standards applied, so the
      62-day by-route standards stop at 30 September 2023 and the combined one
      starts on 1 October 2023;
    * the 28-day Faster Diagnosis Standard over every urgent, screening and
      breast-symptomatic referral in ``referrals`` (NHS England's FDS population),
      or, when ``referrals`` is ``None``, over the tumours that came by those
      routes (a narrower population the reports label), by the month the person
      was told (``"YYYY-MM"``), from October 2021 only. Months after the last
      month of referral (or diagnosis) dates are left out: their counts would be
      incomplete.

    Parameters
    ----------
    tumours
        Processed tumour records (see :mod:`helpers.ingest.clean`), with ``year``,
        ``imd_quintile`` and ``age_band`` derived.
    referrals
        Processed referrals (see :mod:`helpers.ingest.referrals`), or ``None``.

    Returns
    -------
    pandas.DataFrame
        The cube, one row per non-empty cell, columns :data:`CUBE_COLUMNS`.
    """
    yearly = [k for k, ind in INDICATORS.items() if ind.period_unit == "year"]
    monthly = [k for k, ind in INDICATORS.items() if ind.period_unit == "month"]
    frames = [_count(tumours, yearly, tumours["year"].astype(str))]
    for key in monthly:
        population = referrals if (referrals is not None and key in REFERRAL_INDICATORS) \
            else tumours
        ind = INDICATORS[key]
        told = population[ind.window_column]
        last = population["referral_date"].max() if referrals is not None \
            and population is referrals else population["diagnosis_date"].max()
        keep = ind.in_window(told)
        if pd.notna(last):
            keep &= told.dt.to_period("M") <= pd.Timestamp(last).to_period("M")
        part = population[keep.to_numpy()]
        frames.append(_count(part, [key], part[ind.window_column].dt.strftime("%Y-%m")))
    cube = pd.concat(frames, ignore_index=True)
    return cube.loc[:, list(CUBE_COLUMNS)]


def _count(records: pd.DataFrame, keys: list[str], period: pd.Series) -> pd.DataFrame:
    """Count ``keys`` over ``records`` by ``period``, every geography and dimension present."""
    if records.empty:
        return pd.DataFrame(columns=list(CUBE_COLUMNS))
    flags: dict[str, pd.Series] = {}
    for key in keys:
        indicator = INDICATORS[key]
        num, den = indicator.counts(records)
        if indicator.window_column is not None and indicator.period_unit == "year":
            inside = indicator.in_window(records[indicator.window_column]).astype("int32")
            num, den = num * inside, den * inside
        flags[f"{key}\tnumerator"] = num
        flags[f"{key}\tdenominator"] = den
    base = pd.DataFrame(flags, index=records.index)
    n = len(records)
    base["period"] = period.astype(str).astype("category")
    for col, value in (("_england_code", ENGLAND_CODE), ("_england_name", "England"),
                       ("_no_parent", ""), ("_all", "All")):
        base[col] = pd.Categorical.from_codes([0] * n, categories=[value])
    present = [c for c in ("alliance_code", "alliance", "icb_code", "icb_name", "lad_code",
                           "lad_name", "ethnicity", "sex", "age_band", "site", "route")
               if c in records.columns]
    for col in present:
        base[col] = records[col].astype(str).astype("category")
    base["imd_quintile"] = records["imd_quintile"].astype(str).astype("category")
    flag_cols = list(flags)

    frames = []
    for level, (code, name, parent) in GEOGRAPHIES.items():
        for dimension, group_cols in DIMENSIONS.items():
            if not set(group_cols) <= set(base.columns):
                continue
            levels, only = RESTRICTED.get(dimension, ((level,), tuple(keys)))
            chosen = [c for c in flag_cols if c.split("\t")[0] in only]
            if level not in levels or not chosen:
                continue
            keys_ = ["period", code, name, parent, *group_cols]
            counts = base.groupby(keys_, sort=False, observed=True)[chosen].sum()
            frames.append(_to_long(counts, level, dimension, len(group_cols)))
    cube = pd.concat(frames, ignore_index=True)
    cube = cube[cube["denominator"] > 0].reset_index(drop=True)
    for col in CUBE_COLUMNS[:-2]:
        cube[col] = cube[col].astype(str)
    return cube.loc[:, list(CUBE_COLUMNS)]


def _to_long(counts: pd.DataFrame, level: str, dimension: str, n_group_cols: int) -> pd.DataFrame:
    counts.columns = pd.MultiIndex.from_tuples(
        [tuple(c.split("\t")) for c in counts.columns], names=["indicator", "part"]
    )
    long = counts.stack("indicator", future_stack=True).reset_index()
    index_names = list(long.columns[: 4 + n_group_cols])
    group_cols = index_names[4:]
    group = long[group_cols[0]].astype(str)
    for col in group_cols[1:]:
        group = group + GROUP_SEPARATOR + long[col].astype(str)
    return pd.DataFrame(
        {
            "period": long["period"],
            "geography_type": level,
            "geography_code": long[index_names[1]],
            "geography_name": long[index_names[2]],
            "parent_code": long[index_names[3]],
            "indicator": long["indicator"],
            "dimension": dimension,
            "group": group,
            "numerator": long["numerator"].astype("int64"),
            "denominator": long["denominator"].astype("int64"),
        }
    )


def pool_periods(cube: pd.DataFrame, label: str | None = None) -> pd.DataFrame:
    """Sum counts over periods, labelling the result e.g. ``"2019-2022"``."""
    periods = sorted(cube["period"].unique())
    label = label or (periods[0] if len(periods) == 1 else f"{periods[0]}-{periods[-1]}")
    keys = [c for c in cube.columns if c not in ("period", "numerator", "denominator")]
    pooled = cube.groupby(keys, sort=False, dropna=False)[["numerator", "denominator"]].sum()
    return pooled.reset_index().assign(period=label).loc[:, list(cube.columns)]


Criterion = str | list[str] | tuple[str, ...] | set[str] | frozenset[str] | None
"""A :func:`select` criterion: one value, a collection of values (any of them), or None (any)."""


def select(
    cube: pd.DataFrame,
    *,
    indicator: Criterion,
    dimension: Criterion = "all",
    geography_type: Criterion = None,
    geography_code: Criterion = None,
    parent_code: Criterion = None,
    group: Criterion = None,
    period: Criterion = None,
) -> pd.DataFrame:
    """Return the cube rows matching every given criterion, in the cube's order.

    Each criterion is either a single value (rows equal to it), a list, tuple or
    set of values (rows equal to any of them, as :meth:`pandas.Series.isin`), or
    ``None`` (the column is not filtered).

    Parameters
    ----------
    cube
        The count cube (:data:`CUBE_COLUMNS`).
    indicator
        Indicator key(s). Required, so that reading every indicator at once is
        explicit: pass ``None`` for any indicator.
    dimension
        Dimension name(s); ``"all"`` (the default) keeps the undivided rows,
        ``None`` keeps every dimension.
    geography_type, geography_code, parent_code, group, period
        Further criteria on the columns of the same names; ``None`` (the default)
        leaves the column unfiltered.

    Returns
    -------
    pandas.DataFrame
        The matching rows, in the order they have in ``cube``, all columns kept,
        with a fresh index ``0..n-1``.
    """
    criteria = {"indicator": indicator, "dimension": dimension,
                "geography_type": geography_type, "geography_code": geography_code,
                "parent_code": parent_code, "group": group, "period": period}
    mask = pd.Series(True, index=cube.index)
    for col, value in criteria.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            mask &= cube[col].isin(list(value))
        else:
            mask &= cube[col] == value
    return cube[mask].reset_index(drop=True)


def read_cube(path: Path) -> pd.DataFrame:
    """Read a cube written by the cleaning step."""
    return pd.read_parquet(path)
