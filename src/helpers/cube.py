"""The count cube: record-level tumours reduced to counts.

Columns: ``period, geography_type, geography_code, geography_name, parent_code,
indicator, dimension, group, numerator, denominator``. ``parent_code`` ties a
local authority or ICB to its alliance (a local authority split between two
alliances appears once under each). Counts are additive, so pooled periods
are sums of rows (:func:`pool_periods`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.registry.indicators import INDICATORS

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
}
"""Dimension name -> the processed tumour columns that form its groups."""

GROUP_SEPARATOR = " | "


def build_cube(tumours: pd.DataFrame) -> pd.DataFrame:
    """Count every indicator's numerator and denominator by period, place and group.

    Parameters
    ----------
    tumours
        Processed tumour records (see :mod:`helpers.ingest.clean`), with ``year``,
        ``imd_quintile`` and ``age_band`` derived.

    Returns
    -------
    pandas.DataFrame
        The cube, one row per non-empty cell, columns :data:`CUBE_COLUMNS`.
    """
    flags: dict[str, pd.Series] = {}
    for key, indicator in INDICATORS.items():
        num, den = indicator.counts(tumours)
        flags[f"{key}\tnumerator"] = num
        flags[f"{key}\tdenominator"] = den
    base = pd.DataFrame(flags, index=tumours.index)
    n = len(tumours)
    base["period"] = tumours["year"].astype(str).astype("category")
    for col, value in (("_england_code", ENGLAND_CODE), ("_england_name", "England"),
                       ("_no_parent", ""), ("_all", "All")):
        base[col] = pd.Categorical.from_codes([0] * n, categories=[value])
    for col in ("alliance_code", "alliance", "icb_code", "icb_name", "lad_code", "lad_name",
                "ethnicity", "sex", "age_band", "site", "route"):
        base[col] = tumours[col].astype("category")
    base["imd_quintile"] = tumours["imd_quintile"].astype(str).astype("category")
    flag_cols = list(flags)

    frames = []
    for level, (code, name, parent) in GEOGRAPHIES.items():
        for dimension, group_cols in DIMENSIONS.items():
            keys = ["period", code, name, parent, *group_cols]
            counts = base.groupby(keys, sort=False, observed=True)[flag_cols].sum()
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
