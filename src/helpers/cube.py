"""The count cube: record-level tumours (and urgent referrals) reduced to counts.

Columns: ``period, geography_type, geography_code, geography_name, parent_code,
indicator, dimension, group, numerator, denominator``. ``parent_code`` ties a
local authority or ICB to its alliance (a local authority split between two
alliances appears once under each). Counts are additive, so pooled periods
are sums of rows (:func:`pool_periods`).

The counting is one SQL query per population (:func:`cube_sql`): plain
``GROUP BY GROUPING SETS``, ``GROUPING()``, ``CASE``, ``CONCAT`` and ``UNION ALL``,
which DuckDB runs here, streaming over the processed parquet files, and which
Spark SQL accepts unchanged over tables named ``tumours`` and ``referrals``
(ARCHITECTURE.md, "The cube at scale").
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from helpers.registry.indicators import INDICATORS, REFERRAL_INDICATORS, Indicator
from helpers.registry.schema import EARLY_STAGES, FDS_ROUTES, STAGED, URGENT_ROUTES

ENGLAND_CODE = "E92000001"

CUBE_COLUMNS: tuple[str, ...] = (
    "period", "geography_type", "geography_code", "geography_name", "parent_code",
    "indicator", "dimension", "group", "numerator", "denominator",
)

GEOGRAPHIES: dict[str, tuple[str, str, str] | None] = {
    "england": None,
    "alliance": ("alliance_code", "alliance", "alliance_code"),
    "icb": ("icb_code", "icb_name", "alliance_code"),
    "lad": ("lad_code", "lad_name", "alliance_code"),
}
"""Geography level -> (code column, name column, column whose code is the parent), most
general first; England has no columns: its code is :data:`ENGLAND_CODE` and it has no parent.
An alliance's parent is England."""

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "all": (),
    "imd_quintile": ("imd_quintile",),
    "ethnicity": ("ethnicity",),
    "sex": ("sex",),
    "age_band": ("age_band",),
    "site": ("site",),
    "route": ("route",),
    "imd_quintile x ethnicity": ("imd_quintile", "ethnicity"),
    "site x age_band x sex": ("site", "age_band", "sex"),
}
"""Dimension name -> the processed columns that form its groups ("all": one group, "All")."""

RESTRICTED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "site x age_band x sex": (("england", "alliance"), ("early_stage",)),
}
"""Dimensions counted only at some levels and for some indicators: (levels, indicators).

The site x age band x sex strata serve the case-mix adjustment of early diagnosis
(:mod:`helpers.analysis.casemix`), which compares alliances with England.
"""

GROUP_SEPARATOR = " | "


def _days_within(start: str, end: str, days: int) -> str:
    """SQL: ``end`` is at most ``days`` days after ``start`` (false when either is missing)."""
    return f"CAST({end} AS DATE) <= CAST({start} AS DATE) + INTERVAL '{days}' DAY"


def _in(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(_literal(v) for v in values)})"


def _literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


INDICATOR_SQL: dict[str, tuple[str, str]] = {
    "early_stage": (_in("stage", EARLY_STAGES), _in("stage", STAGED)),
    "fds_28": (_days_within("referral_date", "told_outcome_date", 28),
               f"{_in('route', FDS_ROUTES)} AND referral_date IS NOT NULL "
               "AND told_outcome_date IS NOT NULL"),
    "cwt_31": (_days_within("decision_to_treat_date", "first_treatment_date", 31),
               "decision_to_treat_date IS NOT NULL AND first_treatment_date IS NOT NULL"),
    "cwt_62_urgent": (_days_within("referral_date", "first_treatment_date", 62),
                      "route = 'Two Week Wait' AND referral_date IS NOT NULL "
                      "AND first_treatment_date IS NOT NULL"),
    "cwt_62_screening": (_days_within("referral_date", "first_treatment_date", 62),
                         "route = 'Screening' AND referral_date IS NOT NULL "
                         "AND first_treatment_date IS NOT NULL"),
    "cwt_62": (_days_within("referral_date", "first_treatment_date", 62),
               f"{_in('route', URGENT_ROUTES)} AND referral_date IS NOT NULL "
               "AND first_treatment_date IS NOT NULL"),
    "emergency_presentation": ("route = 'Emergency Presentation'", "route <> 'Unknown'"),
    "stage_recorded": ("stage IS NOT NULL AND stage <> 'missing'", "stage IS NOT NULL"),
    "stage_unstageable": ("stage = 'unstageable'", "stage IS NOT NULL"),
    "ethnicity_recorded": ("ethnicity <> 'Not known'", "ethnicity IS NOT NULL"),
}
"""Indicator key -> (numerator, denominator) as SQL conditions on a processed row: the
registry's definitions (:data:`helpers.registry.indicators.INDICATORS`, whose masks
``tests/test_cube.py`` checks row by row against these)."""


def _window_sql(indicator: Indicator) -> str:
    """SQL: the clock-stop date falls on a day one of the indicator's standards applied."""
    column = indicator.window_column
    parts = [f"{column} IS NOT NULL"]
    if indicator.applies_from is not None:
        parts.append(f"CAST({column} AS DATE) >= DATE '{indicator.applies_from.isoformat()}'")
    if indicator.applies_to is not None:
        parts.append(f"CAST({column} AS DATE) <= DATE '{indicator.applies_to.isoformat()}'")
    return " AND ".join(parts)


def _month_sql(column: str) -> str:
    """SQL: ``"YYYY-MM"`` of a date column."""
    return (f"CONCAT(CAST(YEAR({column}) AS STRING), '-', "
            f"LPAD(CAST(MONTH({column}) AS STRING), 2, '0'))")


def cube_sql(source: str, keys: Sequence[str], columns: Iterable[str], *,
             monthly: bool = False, before: date | None = None) -> str:
    """The SQL that counts ``keys`` over the table ``source``: one part of the cube.

    Parameters
    ----------
    source
        Table (or view) name: processed tumours or referrals.
    keys
        Indicator keys to count, all yearly or (``monthly=True``) all monthly.
    columns
        The columns ``source`` has: a dimension is counted only when its columns exist.
    monthly
        Count by the month of each indicator's clock stop (the FDS: month told),
        only on days its standard applied; otherwise by ``year`` (of diagnosis).
    before
        Monthly only: leave out clock stops on or after this day (incomplete months).

    Returns
    -------
    str
        A query giving the rows of :data:`CUBE_COLUMNS` with a positive denominator.
        It uses only ``GROUPING SETS``, ``GROUPING()``, ``CASE``, ``CAST``, ``CONCAT``,
        ``LPAD``, ``YEAR``/``MONTH``, date ``INTERVAL`` arithmetic and ``UNION ALL``,
        so DuckDB and Spark SQL run it unchanged.
    """
    present = set(columns)
    dims = {d: cols for d, cols in DIMENSIONS.items() if set(cols) <= present}
    dim_cols = list(dict.fromkeys(c for cols in dims.values() for c in cols))
    geo_cols = ["alliance_code", "alliance", "icb_code", "icb_name", "lad_code", "lad_name"]
    window = INDICATORS[keys[0]].window_column if monthly else None
    period = _month_sql(window) if monthly else "CAST(year AS STRING)"
    where = _window_sql(INDICATORS[keys[0]]) if monthly else "1 = 1"
    if monthly and before is not None:
        where += f" AND CAST({window} AS DATE) < DATE '{before.isoformat()}'"

    flags = []
    for key in keys:
        num, den = INDICATOR_SQL[key]
        ind = INDICATORS[key]
        if ind.window_column is not None and not monthly:
            den = f"({den}) AND {_window_sql(ind)}"
        flags += [f"CASE WHEN ({num}) AND ({den}) THEN 1 ELSE 0 END AS {key}__num",
                  f"CASE WHEN {den} THEN 1 ELSE 0 END AS {key}__den"]
    typed = {"imd_quintile": "CAST(imd_quintile AS STRING) AS imd_quintile"}
    records = ", ".join([f"{period} AS period",
                         *(typed.get(c, c) for c in [*geo_cols, *dim_cols]), *flags])

    sets = []
    for level, geo in GEOGRAPHIES.items():
        geo_keys = [] if geo is None else list(dict.fromkeys(geo))
        for dimension, cols in dims.items():
            levels, only = RESTRICTED.get(dimension, ((level,), tuple(keys)))
            if level in levels and set(only) & set(keys):
                sets.append("(" + ", ".join(["period", *geo_keys, *cols]) + ")")
    grouped = [*geo_cols, *dim_cols]
    sums = [f"CAST(SUM({k}__{part}) AS BIGINT) AS {k}__{part}" for k in keys
            for part in ("num", "den")]
    counts = ", ".join(["period", *grouped, *(f"GROUPING({c}) AS g_{c}" for c in
                                              ["alliance_code", "icb_code", "lad_code",
                                               *dim_cols]), *sums])

    def level_case(pick: dict[str, str]) -> str:
        return ("CASE WHEN g_lad_code = 0 THEN {lad} WHEN g_icb_code = 0 THEN {icb} "
                "WHEN g_alliance_code = 0 THEN {alliance} ELSE {england} END").format(**pick)

    def is_dimension(cols: tuple[str, ...]) -> str:
        return " AND ".join(f"g_{c} = {0 if c in cols else 1}" for c in dim_cols) or "1 = 1"

    def group_of(cols: tuple[str, ...]) -> str:
        if not cols:
            return "'All'"
        sep = f", {_literal(GROUP_SEPARATOR)}, "
        return cols[0] if len(cols) == 1 else "CONCAT(" + sep.join(cols) + ")"

    labelled = ", ".join([
        "period",
        level_case({"lad": "'lad'", "icb": "'icb'", "alliance": "'alliance'",
                    "england": "'england'"}) + " AS geography_type",
        level_case({"lad": "lad_code", "icb": "icb_code", "alliance": "alliance_code",
                    "england": _literal(ENGLAND_CODE)}) + " AS geography_code",
        level_case({"lad": "lad_name", "icb": "icb_name", "alliance": "alliance",
                    "england": "'England'"}) + " AS geography_name",
        level_case({"lad": "alliance_code", "icb": "alliance_code",
                    "alliance": _literal(ENGLAND_CODE), "england": "''"}) + " AS parent_code",
        "CASE " + " ".join(f"WHEN {is_dimension(cols)} THEN {_literal(d)}"
                           for d, cols in dims.items()) + " END AS dimension",
        "CASE " + " ".join(f"WHEN {is_dimension(cols)} THEN {group_of(cols)}"
                           for d, cols in dims.items()) + " END AS group_",
        *(f"{k}__{part}" for k in keys for part in ("num", "den")),
    ])
    parts = []
    for key in keys:
        excluded = [d for d, (_, only) in RESTRICTED.items() if key not in only and d in dims]
        keep = f"{key}__den > 0" + "".join(f" AND dimension <> {_literal(d)}" for d in excluded)
        parts.append(
            "SELECT period, geography_type, geography_code, geography_name, parent_code, "
            f"{_literal(key)} AS indicator, dimension, group_ AS `group`, "
            f"{key}__num AS numerator, {key}__den AS denominator FROM labelled WHERE {keep}")
    return (f"WITH records AS (SELECT {records} FROM {source} WHERE {where}), "
            f"counts AS (SELECT {counts} FROM records GROUP BY GROUPING SETS "
            f"({', '.join(sets)})), "
            f"labelled AS (SELECT {labelled} FROM counts) "
            + " UNION ALL ".join(parts))


Table = pd.DataFrame | Path | Sequence[Path]
"""A processed table: in memory, or one or more parquet files (read by streaming)."""

MEMORY_LIMIT = "1500MB"
"""DuckDB's memory limit while counting; it spills to a temporary folder beyond it."""


def build_cube(tumours: Table, referrals: Table | None = None) -> pd.DataFrame:
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

    The counting is :func:`cube_sql`, run by DuckDB; parquet inputs are streamed,
    never loaded whole, within :data:`MEMORY_LIMIT`.

    Parameters
    ----------
    tumours
        Processed tumour records (see :mod:`helpers.ingest.clean`), with ``year``,
        ``imd_quintile`` and ``age_band`` derived: a DataFrame or parquet file(s).
    referrals
        Processed referrals (see :mod:`helpers.ingest.referrals`), or ``None``.

    Returns
    -------
    pandas.DataFrame
        The cube, one row per non-empty cell, columns :data:`CUBE_COLUMNS`, ordered
        by indicator, level (England first), dimension, period, place and group.
    """
    import duckdb

    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT,
                                 "preserve_insertion_order": False})
    try:
        # in a notebook kernel DuckDB refuses to change it (and shows none there)
        with contextlib.suppress(duckdb.InvalidInputException):
            con.sql("SET enable_progress_bar = false")
        _attach(con, "tumours", tumours)
        if referrals is not None:
            _attach(con, "referrals", referrals)
        frames = [con.sql(q).to_arrow_table() for q in _queries(con, referrals is not None)]
    finally:
        con.close()
    return _ordered(frames)


def _attach(con, name: str, table: Table) -> None:
    if isinstance(table, pd.DataFrame):
        con.register(name, table)
        return
    files = [str(p) for p in ([table] if isinstance(table, Path) else table)]
    con.sql(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({files!r})").fetchall()


def _columns(con, name: str) -> list[str]:
    return [row[0] for row in con.sql(f"DESCRIBE {name}").fetchall()]


def _queries(con, with_referrals: bool) -> list[str]:
    """The cube's queries: yearly indicators over tumours, each monthly one over its population."""
    tumour_columns = _columns(con, "tumours")
    yearly = [k for k, ind in INDICATORS.items() if ind.period_unit == "year"]
    queries = [cube_sql("tumours", yearly, tumour_columns)]
    for key in (k for k, ind in INDICATORS.items() if ind.period_unit == "month"):
        source = "referrals" if with_referrals and key in REFERRAL_INDICATORS else "tumours"
        last_column = "referral_date" if source == "referrals" else "diagnosis_date"
        last = con.sql(f"SELECT MAX(CAST({last_column} AS DATE)) FROM {source}").fetchall()[0][0]
        before = None if last is None else (pd.Timestamp(last) + pd.offsets.MonthBegin(1)).date()
        columns = tumour_columns if source == "tumours" else _columns(con, source)
        queries.append(cube_sql(source, [key], columns, monthly=True, before=before))
    return queries


def _ordered(frames: list) -> pd.DataFrame:
    """One DataFrame of :data:`CUBE_COLUMNS` in a fixed order, text as ``str``, counts int64."""
    import pyarrow as pa

    cube = pa.concat_tables(frames).to_pandas()
    for col in CUBE_COLUMNS[:-2]:
        cube[col] = cube[col].astype(str)
    for col in CUBE_COLUMNS[-2:]:
        cube[col] = cube[col].astype("int64")
    rank = {
        "indicator": list(INDICATORS),
        "geography_type": list(GEOGRAPHIES),
        "dimension": list(DIMENSIONS),
    }
    keys = [pd.Categorical(cube[c], categories=rank[c]).codes if c in rank else cube[c]
            for c in ("indicator", "geography_type", "dimension", "period", "geography_code",
                      "parent_code", "group")]
    order = pd.DataFrame(dict(enumerate(keys))).sort_values(list(range(len(keys)))).index
    return cube.loc[order, list(CUBE_COLUMNS)].reset_index(drop=True)


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
