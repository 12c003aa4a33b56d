"""Reach and equity of uptake: participation by group, who is missed, inequality measures.

Participation rates carry Wilson score intervals and differences Newcombe's
hybrid score interval (:mod:`helpers.stats.proportions`). Inequality summary
measures come from :func:`helpers.stats.inequality.summary_measures`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.errors import ParameterError, require_columns
from helpers.stats.inequality import summary_measures
from helpers.stats.proportions import add_proportion, compare_proportions


def _wilson_percent(
    numerator: pd.Series, denominator: pd.Series, confidence: float
) -> pd.DataFrame:
    """Columns ``value, lower, upper`` in percent, aligned with the inputs."""
    table = pd.DataFrame({"numerator": numerator, "denominator": denominator})
    return add_proportion(table, confidence)[["value", "lower", "upper"]]


def _group_counts(df: pd.DataFrame, group: str, invited: str, participated: str) -> pd.DataFrame:
    require_columns(df, (group, invited, participated), "The participation table")
    counts = df.groupby(group, sort=False, observed=True)[[invited, participated]].sum()
    counts = counts.reset_index().rename(
        columns={group: "group", invited: "invited", participated: "participated"}
    )
    if (counts["participated"] > counts["invited"]).any() or (counts["invited"] <= 0).any():
        raise ParameterError("Each group needs 0 <= participated <= invited and invited > 0.")
    return counts


def _missed(
    counts: pd.DataFrame, reference: object | None, reference_rate: float | None, conf: float
) -> pd.DataFrame:
    """Extra participants per group at the reference rate, with an interval."""
    invited = counts["invited"].to_numpy(dtype=float)
    if reference_rate is not None:
        rate = float(reference_rate)
        return pd.DataFrame(
            {
                "reference_rate": rate,
                "missed": invited * (rate - counts["rate"]) / 100,
                "missed_lower": invited * (rate - counts["upper"]) / 100,
                "missed_upper": invited * (rate - counts["lower"]) / 100,
            }
        )
    if reference is None:
        ref = counts.loc[counts["rate"].idxmax()]
    elif (counts["group"] == reference).any():
        ref = counts.loc[(counts["group"] == reference).idxmax()]
    else:
        raise ParameterError(f"Reference group {reference!r} is not among {list(counts['group'])}.")
    diffs = [
        (0.0, 0.0, 0.0)
        if row.group == ref["group"]
        else compare_proportions(
            ref["participated"], ref["invited"], row.participated, row.invited, conf
        )
        for row in counts.itertuples()
    ]
    pp = np.array(diffs)
    return pd.DataFrame(
        {
            "reference_rate": ref["rate"],
            "missed": invited * pp[:, 0] / 100,
            "missed_lower": invited * pp[:, 1] / 100,
            "missed_upper": invited * pp[:, 2] / 100,
        }
    )


def participation_by_group(
    df: pd.DataFrame,
    *,
    group: str = "group",
    invited: str = "invited",
    participated: str = "participated",
    reference: object | None = None,
    reference_rate: float | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Participation, invitations needed per participant and who is missed, by group.

    Parameters
    ----------
    df
        Rows with a group label and counts invited and participated (summed by group).
    group, invited, participated
        Column names.
    reference
        The group whose rate the others are compared with; default the group with
        the highest participation. Choosing the best group after seeing the data
        flatters it, so ``missed`` is then an upper-end figure.
    reference_rate
        A fixed rate (percent) to compare with instead of a group.
    confidence
        Interval level.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group, invited, participated``; ``rate, lower, upper``
        (percent, Wilson); ``invitations_per_participant, ipp_lower, ipp_upper``
        (invited / participated, its interval the inverted Wilson limits; inf when
        nobody participated); ``reference_rate``; ``missed, missed_lower,
        missed_upper``: extra participants if the group participated at the
        reference rate (negative when it already does better), the interval from
        the Newcombe interval of the rate difference (against a group) or the
        group's Wilson interval (against a fixed rate). The reference group's
        own row is 0.
    """
    if reference is not None and reference_rate is not None:
        raise ParameterError("Give a reference group or a reference_rate, not both.")
    counts = _group_counts(df, group, invited, participated)
    pct = _wilson_percent(counts["participated"], counts["invited"], confidence)
    counts["rate"], counts["lower"], counts["upper"] = pct["value"], pct["lower"], pct["upper"]
    with np.errstate(divide="ignore"):
        counts["invitations_per_participant"] = 100 / counts["rate"]
        counts["ipp_lower"] = 100 / counts["upper"]
        counts["ipp_upper"] = 100 / counts["lower"]
    missed = _missed(counts, reference, reference_rate, confidence)
    out = pd.concat([counts, missed], axis=1)
    out.attrs["total_missed"] = float(out["missed"].clip(lower=0).sum())
    return out


def uptake_inequality(
    df: pd.DataFrame,
    *,
    group: str = "group",
    invited: str = "invited",
    participated: str = "participated",
    order: str | None = None,
    higher_is_better: bool = True,
    reference: object | None = None,
    confidence: float = 0.95,
    seed: int | None = None,
) -> pd.DataFrame:
    """Inequality summary measures of participation across groups.

    Builds the groups table of :func:`helpers.stats.inequality.summary_measures`:
    ``population`` = invited, ``estimate`` = participation percent, ``se`` = its
    binomial standard error in percent, ``scale`` = 100, and ``order`` from the
    ``order`` column (e.g. deprivation quintile, 1 = most disadvantaged) for an
    ordered dimension; with no ``order`` the dimension is unordered (e.g.
    ethnicity) and ``reference`` may name the comparison group.

    Returns
    -------
    pandas.DataFrame
        The measures as :func:`summary_measures` returns them: ``measure,
        estimate, lower, upper`` and its descriptive columns.
    """
    columns = [group, invited, participated] + ([order] if order else [])
    require_columns(df, columns, "The participation table")
    counts = _group_counts(df, group, invited, participated)
    p = counts["participated"] / counts["invited"]
    groups = pd.DataFrame(
        {
            "group": counts["group"],
            "population": counts["invited"],
            "estimate": 100 * p,
            "se": 100 * np.sqrt(p * (1 - p) / counts["invited"]),
            "scale": 100.0,
            "numerator": counts["participated"],
            "denominator": counts["invited"],
        }
    )
    if order:
        groups["order"] = counts["group"].map(df.groupby(group, observed=True)[order].first())
    return summary_measures(
        groups,
        ordered=order is not None,
        higher_is_better=higher_is_better,
        reference=reference,
        confidence=confidence,
        seed=seed,
    )
