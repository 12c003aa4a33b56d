"""Where to act: local authorities ranked by the early diagnoses a gap costs them.

For each local authority of an alliance, the net extra cancers that would have
been diagnosed at stage 1-2 if every deprivation fifth there were diagnosed early
as often as a benchmark (the alliance's least deprived fifth, or England), with a
95% interval carrying the benchmark's and the authority's own uncertainty, and
the share of residents living in England's most deprived 20% of areas (Core20).
A single priority is named only when it is distinguishable from the next.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.cube import ENGLAND_CODE, pool_periods, select
from helpers.stats import wilson_interval, z_value

BENCHMARKS = ("least_deprived", "england")



def benchmark_rate(cube: pd.DataFrame, alliance_code: str, indicator: str,
                   benchmark: str = "least_deprived") -> tuple[float, float, float, str]:
    """The benchmark proportion, its Wilson 95% interval and a label.

    ``least_deprived``: the alliance's own least deprived fifth (quintile 5),
    pooled over all periods; ``england``: England's overall proportion.
    """
    if benchmark == "least_deprived":
        rows = select(cube, indicator=indicator, dimension="imd_quintile",
                      geography_type="alliance", geography_code=alliance_code, group="5")
        label = "the alliance's least deprived fifth"
    elif benchmark == "england":
        rows = select(cube, indicator=indicator, geography_code=ENGLAND_CODE)
        label = "England as a whole"
    else:
        raise ValueError(f"benchmark must be one of {BENCHMARKS}, got {benchmark!r}")
    num, den = float(rows["numerator"].sum()), float(rows["denominator"].sum())
    lower, upper = wilson_interval(num, den)
    return num / den, float(lower), float(upper), label


def extra_early_diagnoses(cube: pd.DataFrame, alliance_code: str, *,
                          indicator: str = "early_stage",
                          benchmark: str = "least_deprived") -> pd.DataFrame:
    """Local authorities ranked by the net extra diagnoses if each fifth matched the benchmark.

    For each local authority, ``extra`` = sum over its deprivation fifths q of
    ``p_b * n_q - O_q``: the NET shortfall (fifths above the benchmark count
    against fifths below it, and an authority above the benchmark overall has a
    negative shortfall), so the authorities' figures add up to the alliance's.

    The 95% interval carries both uncertainties, by the delta method: the
    benchmark's binomial variance ``N^2 p_b (1 - p_b) / n_b`` (N = the
    authority's denominator, n_b the benchmark's) and the authority's own
    binomial variance ``sum_q O_q (n_q - O_q) / n_q``, treated as independent
    (the benchmark is the alliance's least deprived fifth, of which an authority
    holds only a part).

    Returns one row per local authority, largest shortfall first:
    ``geography_code``, ``geography_name``, ``observed``, ``denominator``,
    ``extra``, ``extra_se``, ``extra_lower``, ``extra_upper``, ``benchmark``.
    ``attrs``: ``benchmark`` (rate, lower, upper), ``benchmark_label``,
    ``benchmark_variance`` (variance of the benchmark proportion) and ``total``
    (the alliance's net shortfall with its interval, see :func:`total_shortfall`).
    """
    rate, lower, upper, label = benchmark_rate(cube, alliance_code, indicator, benchmark)
    variance = _benchmark_variance(cube, alliance_code, indicator, benchmark, rate)
    rows = select(cube, indicator=indicator, dimension="imd_quintile", geography_type="lad",
                  parent_code=alliance_code)
    pooled = pool_periods(rows)
    num = pooled["numerator"].astype(float)
    den = pooled["denominator"].astype(float)
    pooled = pooled.assign(
        extra=rate * den - num,
        own_var=np.where(den > 0, num * (den - num) / den.where(den > 0, 1.0), 0.0),
    )
    out = (pooled.groupby(["geography_code", "geography_name"], as_index=False)
           [["numerator", "denominator", "extra", "own_var"]].sum()
           .rename(columns={"numerator": "observed"}))
    out["extra_se"] = np.sqrt(out["denominator"] ** 2 * variance + out["own_var"])
    out["extra_lower"] = out["extra"] - z_value() * out["extra_se"]
    out["extra_upper"] = out["extra"] + z_value() * out["extra_se"]
    out["benchmark"] = rate
    out = (out.drop(columns="own_var").sort_values("extra", ascending=False, kind="stable")
           .reset_index(drop=True))
    out.attrs["benchmark_label"] = label
    out.attrs["benchmark"] = (rate, lower, upper)
    out.attrs["benchmark_variance"] = variance
    out.attrs["total"] = total_shortfall(out)
    return out


def _benchmark_variance(cube: pd.DataFrame, alliance_code: str, indicator: str,
                        benchmark: str, rate: float) -> float:
    """Binomial variance of the benchmark proportion, p (1 - p) / n."""
    if benchmark == "least_deprived":
        rows = select(cube, indicator=indicator, dimension="imd_quintile",
                      geography_type="alliance", geography_code=alliance_code, group="5")
    else:
        rows = select(cube, indicator=indicator, geography_code=ENGLAND_CODE)
    n = float(rows["denominator"].sum())
    return rate * (1 - rate) / n if n > 0 else float("nan")


def total_shortfall(ranked: pd.DataFrame) -> tuple[float, float, float]:
    """The alliance's net shortfall and its 95% interval.

    The benchmark term is shared by every authority, so it is added once for
    the whole denominator (``(sum N)^2 var(p_b)``), not once per authority.
    """
    total = float(ranked["extra"].sum())
    own = float((ranked["extra_se"] ** 2 - ranked["denominator"] ** 2
                 * ranked.attrs["benchmark_variance"]).clip(lower=0).sum())
    se = float(np.sqrt(ranked["denominator"].sum() ** 2 * ranked.attrs["benchmark_variance"]
                       + own))
    return total, total - z_value() * se, total + z_value() * se


def priority(ranked: pd.DataFrame) -> dict | None:
    """The first authority, named as the priority only when it is distinguishable from the next.

    The difference between the first two shortfalls shares the benchmark, so
    its variance is ``(N1 - N2)^2 var(p_b)`` plus both authorities' own binomial
    variances. Returns ``None`` when no authority has a positive shortfall;
    otherwise a dict with ``first``, ``second`` (names, ``second`` None when
    there is one authority), ``difference``, ``lower``, ``upper`` and
    ``distinct`` (True when the interval of the difference excludes zero, or
    when there is no second authority).
    """
    if not len(ranked) or ranked["extra"].iloc[0] <= 0:
        return None
    first = ranked.iloc[0]
    if len(ranked) == 1:
        return {"first": first["geography_name"], "second": None, "difference": float("nan"),
                "lower": float("nan"), "upper": float("nan"), "distinct": True}
    second = ranked.iloc[1]
    variance = ranked.attrs["benchmark_variance"]

    def own(row: pd.Series) -> float:
        return max(row["extra_se"] ** 2 - row["denominator"] ** 2 * variance, 0.0)

    diff = float(first["extra"] - second["extra"])
    se = float(np.sqrt((first["denominator"] - second["denominator"]) ** 2 * variance
                       + own(first) + own(second)))
    lower, upper = diff - z_value() * se, diff + z_value() * se
    return {"first": first["geography_name"], "second": second["geography_name"],
            "difference": diff, "lower": lower, "upper": upper, "distinct": lower > 0}


def core20_share(areas: pd.DataFrame, alliance_code: str) -> pd.DataFrame:
    """Share of each local authority's residents in England's most deprived 20% of areas.

    Uses area populations when the areas table has them, else the number of
    areas (``basis`` says which).
    """
    mine = areas[areas["alliance_code"] == alliance_code].copy()
    has_population = mine["population"].notna().all() and len(mine)
    weight = mine["population"].astype(float) if has_population else pd.Series(1.0, mine.index)
    mine["weight"] = weight
    mine["core20"] = np.where(mine["imd_quintile"] == 1, weight, 0.0)
    out = mine.groupby("lad_code", as_index=False)[["weight", "core20"]].sum()
    out["core20_share"] = out["core20"] / out["weight"]
    out["basis"] = "residents" if has_population else "small areas"
    return out.rename(columns={"lad_code": "geography_code"})[
        ["geography_code", "core20_share", "basis"]]
