"""Where to act: local authorities ranked by the early diagnoses a gap costs them.

For each local authority of an alliance, the extra cancers that would have been
diagnosed at stage 1-2 if every deprivation fifth there were diagnosed early as
often as a benchmark (the alliance's least deprived fifth, or England), with the
share of residents living in England's most deprived 20% of areas (Core20).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.cube import ENGLAND_CODE, pool_periods, select
from helpers.stats import wilson_interval

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
    """Local authorities ranked by extra diagnoses if each fifth matched the benchmark.

    Returns one row per local authority: ``geography_code``, ``geography_name``,
    ``observed``, ``denominator``, ``extra`` (sum over fifths of
    max(0, benchmark x denominator - observed)), ``extra_lower``/``extra_upper``
    (the same at the ends of the benchmark's 95% interval) and the benchmark.
    """
    rate, lower, upper, label = benchmark_rate(cube, alliance_code, indicator, benchmark)
    rows = select(cube, indicator=indicator, dimension="imd_quintile", geography_type="lad",
                  parent_code=alliance_code)
    pooled = pool_periods(rows)

    def shortfall(p: float) -> np.ndarray:
        return np.clip(p * pooled["denominator"] - pooled["numerator"], 0, None)

    pooled = pooled.assign(extra=shortfall(rate), extra_lower=shortfall(lower),
                           extra_upper=shortfall(upper))
    out = (pooled.groupby(["geography_code", "geography_name"], as_index=False)
           [["numerator", "denominator", "extra", "extra_lower", "extra_upper"]].sum()
           .rename(columns={"numerator": "observed"}))
    out["benchmark"] = rate
    out.attrs["benchmark_label"] = label
    out.attrs["benchmark"] = (rate, lower, upper)
    return out.sort_values("extra", ascending=False).reset_index(drop=True)


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
