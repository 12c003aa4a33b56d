"""Vectorised random sampling and integer allocation shared by the generator's steps.

Everything here works on whole arrays at once (no per-row Python loops), so a
national dataset of ~1.4 million tumours is drawn in seconds.
"""

from __future__ import annotations

import numpy as np


def rank_within(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Return each element's 0-based rank inside its group, largest key first.

    A sort-based groupby rank: ties keep input order, so the result is deterministic.
    """
    n = len(groups)
    order = np.lexsort((-keys, groups))
    g = groups[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(n) - run_start
    return ranks


def top_k_weighted(
    groups: np.ndarray,
    weights: np.ndarray,
    k: np.ndarray,
    rng: np.random.Generator,
    eligible: np.ndarray | None = None,
) -> np.ndarray:
    """Pick exactly ``k`` elements per group, without replacement, with probability ~ weight.

    Efraimidis-Spirakis: each element gets the key ``log(u) / w`` and the ``k``
    largest keys of its group are taken. ``k`` is given per element (the value of
    its group). Ineligible elements are never picked, so ``k`` must not exceed
    the number of eligible elements of the group.

    Returns
    -------
    numpy.ndarray
        Boolean mask of the picked elements.
    """
    u = 1.0 - rng.random(len(groups))  # in (0, 1], so log(u) is finite
    keys = np.log(u) / weights
    if eligible is not None:
        keys = np.where(eligible, keys, -np.inf)
    picked = rank_within(groups, keys) < k
    if eligible is not None:
        picked &= eligible
    return picked


def choose_rows(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one category index per row of a (rows x categories) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    idx = (u[:, None] >= cum).sum(axis=1)
    return np.minimum(idx, probs.shape[1] - 1)


def largest_remainder(values: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Round each row of ``values`` to integers that sum to the row's ``totals``.

    Hamilton's method: floor everything, then give the missing units to the
    largest fractional parts (first column first on ties). Each result is within
    1 of its value when the total is the rounded row sum.
    """
    values = np.asarray(values, dtype=float)
    floors = np.floor(values)
    deficit = np.asarray(totals, dtype=np.int64) - floors.sum(axis=1).astype(np.int64)
    frac = values - floors
    order = np.argsort(-frac, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(values.shape[1])[None, :], axis=1)
    return (floors + (ranks < deficit[:, None])).astype(np.int64)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return the logistic function of ``x``."""
    return 1.0 / (1.0 + np.exp(-x))


def largest_remainder_grouped(
    values: np.ndarray, groups: np.ndarray, group_totals: np.ndarray
) -> np.ndarray:
    """Round ``values`` to integers so that each group sums to its total (Hamilton's method).

    ``groups`` holds 0-based group numbers; ``group_totals[g]`` is group g's integer total.
    """
    values = np.asarray(values, dtype=float)
    floors = np.floor(values)
    deficit = np.asarray(group_totals, dtype=np.int64) - np.bincount(
        groups, weights=floors, minlength=len(group_totals)
    ).round().astype(np.int64)
    ranks = rank_within(groups, values - floors)
    return (floors + (ranks < deficit[groups])).astype(np.int64)
