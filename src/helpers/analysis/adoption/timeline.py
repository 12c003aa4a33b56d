"""When each alliance went live with an innovation, and its Rogers adopter category.

Rogers' categories split adopters by their share of the population, in order of
adoption: innovators 2.5%, early adopters 13.5%, early majority 34%, late
majority 34% and laggards 16%. With a finite number of alliances each alliance
is one slice of width 1/N of that distribution; the slice's midpoint
``(rank - 0.5) / N`` decides the category, a midpoint exactly on a boundary
falling in the earlier category. This is the same as rounding the cumulative
counts half up: with N = 20 the boundaries 0.5, 3.2, 10, 16.8 and 20 give 1
innovator, 2 early adopters, 7 early majority, 7 late majority and 3 laggards.

Ties (alliances going live in the same month) share the smallest rank of the
tie, so they all take the category of the earliest of them. Alliances that
never reach the threshold are laggards and count in N.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from helpers.errors import ParameterError, require_columns
from helpers.registry import innovations
from helpers.registry.innovations import ACTIVITY_MEASURES

ROGERS_SHARES: dict[str, float] = {
    "innovators": 0.025,
    "early adopters": 0.135,
    "early majority": 0.34,
    "late majority": 0.34,
    "laggards": 0.16,
}
"""Rogers' adopter categories and their shares of the population, in adoption order."""

_CUMULATIVE_PER_MILLE = np.cumsum([round(s * 1000) for s in ROGERS_SHARES.values()])


def to_month(values: pd.Series) -> pd.Series:
    """Return ``values`` as monthly periods.

    Accepts monthly periods, or timestamps (or date strings) on the first of a
    month at midnight; anything else raises :class:`ParameterError`.
    """
    if isinstance(values.dtype, pd.PeriodDtype):
        if values.dtype != pd.PeriodDtype("M"):
            raise ParameterError(
                f"Column {values.name!r} holds {values.dtype}, not monthly periods."
            )
        return values
    try:
        stamps = pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"Column {values.name!r} is not a month: {exc}") from exc
    off = stamps.notna() & (stamps != stamps.dt.to_period("M").dt.to_timestamp())
    if off.any():
        raise ParameterError(
            f"Column {values.name!r} must hold first-of-month dates; "
            f"e.g. {stamps[off].iloc[0]:%Y-%m-%d} is not."
        )
    return stamps.dt.to_period("M")


def monthly_activity(activity: pd.DataFrame) -> pd.DataFrame:
    """Validate a monthly activity table; return it summed by alliance and month."""
    require_columns(activity, ("month", "alliance", "count"), "The activity table")
    out = activity[["alliance", "month", "count"]].copy()
    out["month"] = to_month(out["month"])
    if out["month"].isna().any() or out["alliance"].isna().any():
        raise ParameterError("The activity table has rows with no month or no alliance.")
    out["count"] = pd.to_numeric(out["count"], errors="raise").astype(float)
    if (out["count"] < 0).any() or out["count"].isna().any():
        raise ParameterError("Column 'count' must hold non-negative numbers.")
    return (
        out.groupby(["alliance", "month"], as_index=False, observed=True)["count"]
        .sum()
        .sort_values(["alliance", "month"], ignore_index=True)
    )


def rogers_category(rank: int, n: int) -> str:
    """Return the Rogers category of the adopter ranked ``rank`` (1 = first) of ``n``.

    The category is the one whose band of the cumulative distribution contains
    the midpoint ``(rank - 0.5) / n`` (boundaries included in the earlier band),
    computed in integers so the boundaries are exact.
    """
    if not 1 <= rank <= n:
        raise ParameterError(f"Rank {rank} is outside 1..{n}.")
    position = (2 * rank - 1) * 1000  # midpoint x 2n x 1000
    band = int(np.searchsorted(_CUMULATIVE_PER_MILLE * 2 * n, position, side="left"))
    return list(ROGERS_SHARES)[band]


def adoption_timeline(
    activity: pd.DataFrame,
    *,
    threshold: float = 1.0,
    alliances: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Go-live month, months behind the first adopter and Rogers category per alliance.

    Parameters
    ----------
    activity
        Monthly activity: columns ``month`` (monthly period or first-of-month
        date), ``alliance`` and ``count`` (e.g. people invited). Repeated
        alliance-months are summed.
    threshold
        An alliance goes live in the first month whose count is at least this.
    alliances
        Every alliance to classify, including any with no rows (never-adopters).
        Defaults to the alliances in ``activity``.

    Returns
    -------
    pandas.DataFrame
        One row per alliance, earliest adopters first: ``alliance``, ``go_live``
        (monthly period; NaT if never), ``months_behind`` (months after the first
        go-live), ``adoption_rank`` (ties share the smallest rank) and
        ``category`` (ordered categorical; never-adopters are laggards).
    """
    if threshold <= 0:
        raise ParameterError(f"threshold must be positive, not {threshold}.")
    monthly = monthly_activity(activity)
    names = pd.Index(monthly["alliance"].unique() if alliances is None else list(alliances))
    unknown = sorted(set(monthly["alliance"]) - set(names))
    if unknown:
        raise ParameterError(f"Alliances {unknown} have activity but are not in `alliances`.")
    live = monthly[monthly["count"] >= threshold].groupby("alliance")["month"].min()
    out = pd.DataFrame({"alliance": names})
    out["go_live"] = out["alliance"].map(live).astype("period[M]")
    first = live.min() if len(live) else None
    adopted = out["go_live"].notna()
    behind = out.loc[adopted, "go_live"].map(lambda m: (m - first).n)
    out["months_behind"] = pd.array(behind.reindex(out.index), dtype="Int64")
    ordinal = out.loc[adopted, "go_live"].map(lambda m: m.ordinal)
    ranks = ordinal.rank(method="min").astype(int)
    out["adoption_rank"] = pd.array(ranks.reindex(out.index), dtype="Int64")
    n = len(out)
    labels = [
        "laggards" if pd.isna(r) else rogers_category(int(r), n) for r in out["adoption_rank"]
    ]
    out["category"] = pd.Categorical(labels, categories=list(ROGERS_SHARES), ordered=True)
    return out.sort_values(["adoption_rank", "alliance"], na_position="last", ignore_index=True)


def monthly_totals(
    activity: pd.DataFrame, innovation: str, measure: str = "invited"
) -> pd.DataFrame:
    """Return ``month`` (first-of-month timestamp), ``alliance``, ``count`` for one measure.

    Dimension ``all`` summed over local authorities: the input
    :func:`helpers.analysis.adoption.adoption_timeline` and ``cumulative_uptake`` expect.
    """
    key = innovations.get(innovation).key
    if measure not in ACTIVITY_MEASURES:
        raise ParameterError(f"measure must be one of {ACTIVITY_MEASURES}, not {measure!r}")
    df = activity[(activity["innovation"] == key) & (activity["measure"] == measure)
                  & (activity["dimension"] == "all")]
    out = df.groupby(["alliance", "month"], as_index=False, observed=True)["count"].sum()
    out["month"] = pd.to_datetime(out["month"], format="%Y-%m")
    return out[["month", "alliance", "count"]]
