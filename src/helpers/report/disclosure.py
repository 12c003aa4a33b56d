"""Disclosure control applied to everything published.

Primary rule (NHS England / NDRS and NHS Digital HES convention): a count from
1 to the threshold (:data:`helpers.config.SUPPRESSION_THRESHOLD`, 7 by default)
is not shown. When the numerator, or the complement (denominator - numerator),
is small, the numerator and every rate built on it are hidden; when the
denominator is small, the whole row is hidden. Zero is not disclosive and is
shown.

Primary suppression alone is not enough: a reader who sees a total (a year's
count, England's count, the sum of the years) and every other cell of a margin
can subtract. Two published methods close that door; :data:`DISCLOSURE_METHOD`
chooses between them:

``"complementary"`` (the default)
    Secondary (complementary) cell suppression, as in the ONS / GSS
    disclosure-control guidance for tables and NHS Digital's "Disclosure control"
    guidance for published statistics: every margin group (the cells that add up to
    a total published elsewhere) holding a suppressed cell holds at least two,
    and the result is audited by linear programming (:func:`feasible_ranges`,
    the "audit" step of tau-Argus): no suppressed count may be pinned by the
    published totals to a range narrower than the threshold. Shown figures
    stay exact, so every percentage and interval is the true one.
``"hes_rounding"``
    NHS Digital's Hospital Episode Statistics rule (HES Analysis Guide,
    "Disclosure control"): 1-7 suppressed, every other count rounded to the
    nearest 5, and percentages and intervals computed from the rounded counts
    so that they cannot be inverted to exact counts.
``"primary"``
    Small counts only; no protection against subtraction (for comparison).

The method is :data:`helpers.config.DISCLOSURE_METHOD` (environment variable
``CAI_DISCLOSURE_METHOD``, ``"complementary"`` by default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from helpers.config import DISCLOSURE_METHOD, SUPPRESSION_THRESHOLD
from helpers.stats import add_proportion

SUPPRESSED = "*"
VALUE_COLUMNS: tuple[str, ...] = ("value", "lower", "upper")
METHODS: tuple[str, ...] = ("complementary", "hes_rounding", "primary")

ROUNDING_BASE = 5
"""HES rounding: counts above the threshold are rounded to the nearest 5."""

MAX_ROUNDS = 50
"""Guard on the complementary-suppression loop (each round hides at least one cell)."""


def is_small(values: pd.Series, threshold: int | None = None) -> pd.Series:
    """Whether each count is disclosive: from 1 to the threshold (the project's by default)."""
    t = SUPPRESSION_THRESHOLD if threshold is None else threshold
    return pd.Series(values, dtype=float).between(1, t)


def check_method(method: str | None = None) -> str:
    """Return ``method`` (the project's when None), or raise ``ValueError`` if unknown."""
    chosen = DISCLOSURE_METHOD if method is None else method
    if chosen not in METHODS:
        raise ValueError(f"unknown disclosure method {chosen!r}; choose one of {METHODS}")
    return chosen


def margin_groups(
    df: pd.DataFrame, keys: Sequence[Sequence[str]] | None = None
) -> list[np.ndarray]:
    """Positions of the rows that add up to a total published elsewhere, one array per group.

    Parameters
    ----------
    df
        Rows to publish.
    keys
        Each entry lists columns; rows sharing their values form one margin group.
        When None the groups are inferred from the cube's columns:

        - across groups: one place, period, indicator and breakdown (the groups
          add up to the place's total for that period, shown in the by-year table);
        - across periods: one place, indicator, breakdown and group (the years add
          up to the pooled figure);
        - across areas: the local authorities, ICBs or alliances of one parent for
          one period, indicator and group (they add up to the parent).

    Returns
    -------
    list of numpy.ndarray
        Integer positions into ``df``; groups of one row are left out.
    """
    pos = pd.Series(np.arange(len(df)), index=df.index)
    found: list[np.ndarray] = []

    def add(frame: pd.DataFrame, cols: list[str]) -> None:
        if frame.empty or any(c not in frame for c in cols):
            return
        for _, part in frame.groupby(cols, sort=False, dropna=False, observed=True):
            if len(part) > 1:
                found.append(pos.loc[part.index].to_numpy())

    if keys is not None:
        for cols in keys:
            add(df, list(cols))
        return found
    if "dimension" in df:
        add(df[df["dimension"] != "all"],
            ["geography_code", "period", "indicator", "dimension"])
    if "period" in df:
        add(df, ["geography_code", "indicator", "dimension", "group"])
    if "geography_type" in df:
        add(df[df["geography_type"].isin(["lad", "icb", "alliance"])],
            ["geography_type", "parent_code", "period", "indicator", "dimension", "group"])
    return found


def feasible_ranges(
    known: Mapping[str, float],
    unknown: Sequence[str],
    equations: Sequence[tuple[Mapping[str, float], float]],
    inequalities: Sequence[tuple[Mapping[str, float], float]] = (),
    bounds: Mapping[str, tuple[float, float]] | None = None,
    threshold: int | None = None,
    audit: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The smallest and largest value each hidden count can take given what is published.

    This is the attacker's (and the auditor's) linear programme: every hidden
    count is a non-negative variable, every published relationship an equation.

    Parameters
    ----------
    known
        Published counts by name.
    unknown
        Names of the hidden counts.
    equations
        ``(coefficients by name, right-hand side)``: sum of coefficient x count equals it.
    inequalities
        ``(coefficients by name, right-hand side)``: sum of coefficient x count at most it.
    bounds
        A priori ``(low, high)`` for some hidden counts (default ``(0, inf)``).
    threshold
        Largest suppressed count; defaults to the project setting.
    audit
        The hidden counts whose range is wanted (default: all of ``unknown``).

    Returns
    -------
    pandas.DataFrame
        Indexed by hidden count: ``low``, ``high`` (feasible range, rounded inwards
        to whole counts), ``width`` and ``disclosed`` (the range starts within 1 to
        the threshold's reach and is narrower than the threshold, so a small count
        is recovered or nearly; an infeasible system is reported as disclosed).
    """
    t = SUPPRESSION_THRESHOLD if threshold is None else threshold
    names = list(unknown)
    col = {n: i for i, n in enumerate(names)}
    bounds = bounds or {}

    def system(rows):
        a = np.zeros((len(rows), len(names)))
        b = np.zeros(len(rows))
        for r, (coef, rhs) in enumerate(rows):
            b[r] = rhs
            for name, c in coef.items():
                if name in col:
                    a[r, col[name]] += c
                else:
                    b[r] -= c * known[name]
        return a, b

    a_eq, b_eq = system(equations)
    a_ub, b_ub = system(inequalities)
    box = [bounds.get(n, (0.0, None)) for n in names]
    wanted = names if audit is None else list(audit)
    out = pd.DataFrame(index=pd.Index(wanted, name="cell"),
                       columns=["low", "high"], dtype=float)
    for n in wanted:
        c = np.zeros(len(names))
        c[col[n]] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            res = linprog(sign * c, A_ub=a_ub if len(a_ub) else None,
                          b_ub=b_ub if len(b_ub) else None,
                          A_eq=a_eq if len(a_eq) else None,
                          b_eq=b_eq if len(b_eq) else None, bounds=box, method="highs")
            if res.status == 3:  # unbounded
                ends.append(np.inf if sign < 0 else 0.0)
            elif res.status != 0:
                ends.append(np.nan)
            else:
                ends.append(sign * res.fun)
        out.loc[n] = [np.ceil(ends[0] - 1e-6) + 0.0, np.floor(ends[1] + 1e-6) + 0.0]
    out["width"] = out["high"] - out["low"]
    out["disclosed"] = ((out["width"] < t) & (out["low"] <= t)) | out["width"].isna()
    return out


def attack(
    published: pd.DataFrame,
    margins: Sequence[np.ndarray],
    totals: Sequence[tuple[float, float]],
    threshold: int | None = None,
    tolerance: float = 0.0,
) -> pd.DataFrame:
    """Feasible range of every hidden numerator, denominator and complement of a table.

    Parameters
    ----------
    published
        Rows as published: ``numerator`` and ``denominator``, NaN where hidden.
    margins
        Positions of the rows of each margin group (see :func:`margin_groups`).
    totals
        The published ``(numerator, denominator)`` total of each margin group.
    threshold
        Largest suppressed count; defaults to the project setting.
    tolerance
        How far a published count (or total) may be from the true one: 0 for exact
        counts, 2 for counts rounded to the nearest 5.

    Returns
    -------
    pandas.DataFrame
        As :func:`feasible_ranges`, indexed ``"<kind>:<position>"`` where kind is
        ``numerator``, ``denominator`` or ``complement`` (denominator - numerator),
        plus ``row`` (the position) and ``kind``.
    """
    num = published["numerator"].to_numpy(dtype=float)
    den = published["denominator"].to_numpy(dtype=float)
    known: dict[str, float] = {}
    unknown: list[str] = []
    hidden: list[str] = []
    bounds: dict[str, tuple[float, float]] = {}
    equations: list[tuple[dict[str, float], float]] = []

    def publish(name: str, value: float) -> None:
        if np.isnan(value):
            unknown.append(name)
            hidden.append(name)
        elif tolerance:
            unknown.append(name)
            bounds[name] = (max(0.0, value - tolerance), value + tolerance)
        else:
            known[name] = value

    for i in range(len(published)):
        publish(f"numerator:{i}", num[i])
        publish(f"denominator:{i}", den[i])
        unknown.append(f"complement:{i}")
        if np.isnan(num[i]) or np.isnan(den[i]):
            hidden.append(f"complement:{i}")
        equations.append(({f"numerator:{i}": 1.0, f"complement:{i}": 1.0,
                           f"denominator:{i}": -1.0}, 0.0))
    for k, (rows, (t_num, t_den)) in enumerate(zip(margins, totals, strict=True)):
        for kind, total in (("numerator", t_num), ("denominator", t_den)):
            publish(f"total_{kind}:{k}", float(total))
            coef = {f"{kind}:{i}": 1.0 for i in rows}
            coef[f"total_{kind}:{k}"] = -1.0
            equations.append((coef, 0.0))
    if not hidden:
        return pd.DataFrame(columns=["low", "high", "width", "disclosed", "row", "kind"])
    out = feasible_ranges(known, unknown, equations, bounds=bounds, threshold=threshold,
                          audit=hidden)
    out["row"] = [int(n.split(":")[1]) for n in out.index]
    out["kind"] = [n.split(":")[0] for n in out.index]
    return out


def _primary(df: pd.DataFrame, t: int) -> tuple[pd.Series, pd.Series]:
    num, den = df["numerator"].astype(float), df["denominator"].astype(float)
    den_small = is_small(den, t)
    num_small = is_small(num, t) | is_small(den - num, t) | den_small
    return num_small, den_small


def _complementary(df: pd.DataFrame, t: int, groups: list[np.ndarray]) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """Hide more cells until no margin group has one hidden cell and the audit finds nothing."""
    num_small, den_small = _primary(df, t)
    hide_num, hide_den = num_small.to_numpy().copy(), den_small.to_numpy().copy()
    if not groups or not (hide_num.any() or hide_den.any()):
        return hide_num, hide_den
    num = df["numerator"].to_numpy(dtype=float)
    den = df["denominator"].to_numpy(dtype=float)
    totals = [(num[g].sum(), den[g].sum()) for g in groups]

    def hide_next(rows: np.ndarray, kind: str) -> bool:
        hidden = hide_den if kind == "denominator" else hide_num
        values = den if kind == "denominator" else num
        candidates = [i for i in rows if not hidden[i]]
        if not candidates:
            return False
        pick = min(candidates, key=lambda i: (values[i], den[i], i))
        hide_num[pick] = True
        if kind == "denominator":
            hide_den[pick] = True
        return True

    for _ in range(MAX_ROUNDS):
        changed = False
        for rows in groups:
            for kind, hidden in (("numerator", hide_num), ("denominator", hide_den)):
                if hidden[rows].sum() == 1:
                    changed |= hide_next(rows, kind)
        if changed:
            continue
        shown = pd.DataFrame({"numerator": np.where(hide_num, np.nan, num),
                              "denominator": np.where(hide_den, np.nan, den)})
        found = attack(shown, groups, totals, threshold=t)
        risky = found[found["disclosed"]]
        if risky.empty:
            break
        row, kind = int(risky["row"].iloc[0]), risky["kind"].iloc[0]
        kind = "denominator" if kind == "denominator" else "numerator"
        for rows in groups:
            if row in rows and hide_next(rows, kind):
                changed = True
                break
        if not changed:  # nothing left to hide: the published total itself is small
            break
    return hide_num, hide_den


def round_to_base(values: pd.Series, base: int = ROUNDING_BASE) -> pd.Series:
    """Round counts to the nearest ``base``, halves up (HES: 12 -> 10, 13 -> 15)."""
    v = pd.Series(values, dtype=float)
    return np.floor(v / base + 0.5) * base


def suppress(
    df: pd.DataFrame,
    threshold: int | None = None,
    method: str | None = None,
    margins: Sequence[Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Return ``df`` with disclosive counts and rates set to NaN and a ``suppressed`` flag.

    Parameters
    ----------
    df
        Rows with ``numerator`` and ``denominator`` and optionally ``value``,
        ``lower`` and ``upper``.
    threshold
        Largest count that is suppressed; defaults to the project setting.
    method
        One of :data:`METHODS`; defaults to :data:`DISCLOSURE_METHOD`.
    margins
        Column lists naming the margin groups (see :func:`margin_groups`); by
        default inferred from the cube's columns.

    Returns
    -------
    pandas.DataFrame
        A copy; ``suppressed`` is True where the numerator (and so the rate) is
        hidden, and ``secondary`` where that was done only to stop subtraction.
    """
    t = SUPPRESSION_THRESHOLD if threshold is None else threshold
    chosen = check_method(method)
    out = df.copy()
    num, den = out["numerator"].astype(float), out["denominator"].astype(float)
    primary_num, primary_den = _primary(out, t)
    if chosen == "complementary":
        hide_num, hide_den = _complementary(out.reset_index(drop=True), t,
                                            margin_groups(out, margins))
        num_small = pd.Series(hide_num, index=out.index)
        den_small = pd.Series(hide_den, index=out.index)
    else:
        num_small, den_small = primary_num, primary_den
    if chosen == "hes_rounding":
        num, den = round_to_base(num), round_to_base(den)
        if any(c in out for c in VALUE_COLUMNS):
            redone = add_proportion(pd.DataFrame({"numerator": num, "denominator": den}))
            for col in VALUE_COLUMNS:
                if col in out:
                    out[col] = redone[col]
    out["suppressed"] = num_small
    out["secondary"] = num_small & ~primary_num
    out["numerator"] = num.mask(num_small)
    out["denominator"] = den.mask(den_small)
    for col in VALUE_COLUMNS:
        if col in out:
            out[col] = out[col].astype(float).mask(num_small)
    return out


def format_count(value: float) -> str:
    """Format a count for a table: thousands separators, or the suppression mark."""
    return SUPPRESSED if pd.isna(value) else f"{int(value):,}"


def format_percent(value: float, lower: float = np.nan, upper: float = np.nan) -> str:
    """Format a percentage to 1 dp with its interval, or the suppression mark."""
    if pd.isna(value):
        return SUPPRESSED
    if pd.isna(lower) or pd.isna(upper):
        return f"{value:.1f}%"
    return f"{value:.1f}% ({lower:.1f}-{upper:.1f})"


def footnote(threshold: int | None = None, method: str | None = None) -> str:
    """The sentence explaining the suppression mark under the chosen method."""
    t = SUPPRESSION_THRESHOLD if threshold is None else threshold
    chosen = check_method(method)
    text = (f"{SUPPRESSED} suppressed: a count from 1 to {t} (or a rate built on one) is not "
            "shown, to protect patient confidentiality.")
    if chosen == "complementary":
        text += (" Where one figure in a group is hidden, at least one more is hidden too, "
                 "so that it cannot be worked out from the totals.")
    elif chosen == "hes_rounding":
        text += (f" Other counts are rounded to the nearest {ROUNDING_BASE}, and percentages "
                 "are calculated from the rounded counts.")
    return text


def suppress_derived(
    df: pd.DataFrame,
    columns: Sequence[str],
    numerator: str = "numerator",
    denominator: str = "denominator",
    threshold: int | None = None,
    method: str | None = None,
) -> pd.DataFrame:
    """Hide figures derived from counts (ratios, adjusted shares) where the counts are hidden.

    The counts are judged exactly as :func:`suppress` judges a table's (the same
    threshold, method and margin groups), so a figure built on a count hidden in
    one table is hidden everywhere it appears.

    Parameters
    ----------
    df
        One row per area with the counts and the derived columns.
    columns
        The derived columns to hide (set to NaN), e.g. ``["ratio", "value"]``.
    numerator, denominator
        The columns holding the counts the figures are built on.
    threshold, method
        As :func:`suppress`.

    Returns
    -------
    pandas.DataFrame
        A copy with the columns hidden where the counts are, the counts
        themselves hidden too, and the ``suppressed`` flag.
    """
    counts = pd.DataFrame({"numerator": df[numerator].astype(float).to_numpy(),
                           "denominator": df[denominator].astype(float).to_numpy(),
                           "margin": "all"})
    judged = suppress(counts, threshold=threshold, method=method, margins=[["margin"]])
    hidden = judged["suppressed"].to_numpy()
    out = df.copy()
    for col in [*columns, numerator]:
        out[col] = out[col].astype(float).mask(hidden)
    out[denominator] = out[denominator].astype(float).mask(judged["denominator"].isna()
                                                           .to_numpy())
    out["suppressed"] = hidden
    return out
