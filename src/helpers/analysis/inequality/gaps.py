"""The deprivation gap per place: least against most deprived fifth, with its interval.

Takes rows already pooled and suppressed (one per place and deprivation fifth,
with ``numerator``, ``denominator``, ``value`` in percent and ``suppressed``, as
:func:`helpers.report.tables.pooled` gives them) and returns one row per place,
oriented so that a positive gap always means the most deprived fifth is worse off.
"""

from __future__ import annotations

import pandas as pd

from helpers.stats import compare_proportions

MOST_DEPRIVED = "1"
LEAST_DEPRIVED = "5"


def first_row(rows: pd.DataFrame, **where: object) -> pd.Series | None:
    """The first of ``rows`` whose columns equal every given value, or None if none does.

    Parameters
    ----------
    rows
        Any table.
    **where
        Column name -> the value it must equal.

    Returns
    -------
    pandas.Series or None
        The first matching row, or None when no row matches.
    """
    mask = pd.Series(True, index=rows.index)
    for col, value in where.items():
        mask &= rows[col] == value
    return rows[mask].iloc[0] if mask.any() else None


def fifth_gaps(rows: pd.DataFrame, higher_is_better: bool,
               by: tuple[str, ...] = ("geography_name", "geography_type")) -> pd.DataFrame:
    """The gap between the least and the most deprived fifth of each place.

    The gap is the least deprived fifth's proportion minus the most deprived
    fifth's (quintile 5 minus quintile 1), in percentage points, with its Newcombe
    95% interval (:func:`helpers.stats.compare_proportions`). Where lower is better
    (e.g. emergency presentation) the sign is flipped, interval ends swapped, so a
    positive gap always means the most deprived fifth is worse off. A place is
    skipped when either fifth is missing or suppressed.

    Parameters
    ----------
    rows
        Pooled, suppressed rows with ``group`` (``"1"`` to ``"5"``), ``numerator``,
        ``denominator``, ``value`` (percent), ``suppressed`` and the ``by`` columns.
    higher_is_better
        Whether a higher proportion is the favourable direction of the indicator.
    by
        The columns that identify a place; one gap is computed per combination.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, value, lower, upper, q1, q5``: the oriented gap and its
        interval (points), and the most (``q1``) and least (``q5``) deprived
        fifths' values (percent); largest gap first.
    """
    out = []
    for keys, part in rows.groupby(list(by)):
        q1 = first_row(part, group=MOST_DEPRIVED)
        q5 = first_row(part, group=LEAST_DEPRIVED)
        if q1 is None or q5 is None or q1["suppressed"] or q5["suppressed"]:
            continue
        d, lo, hi = compare_proportions(q5["numerator"], q5["denominator"], q1["numerator"],
                                        q1["denominator"])
        if not higher_is_better:
            d, lo, hi = -d, -hi, -lo
        out.append({**dict(zip(by, keys, strict=True)), "value": d, "lower": lo, "upper": hi,
                    "q1": q1["value"], "q5": q5["value"]})
    columns = [*by, "value", "lower", "upper", "q1", "q5"]
    return pd.DataFrame(out, columns=columns).sort_values("value", ascending=False)
