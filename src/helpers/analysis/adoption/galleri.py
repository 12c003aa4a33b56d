"""Worked example on real public data: did waits or referrals change where NHS-Galleri ran?

NHS-Galleri (a multi-cancer blood test trial) began inviting people in October
2021 in 8 Cancer Alliances. Using NHS England's monthly 28-day Faster
Diagnosis Standard files (April 2021 to September 2024), attributed provider ->
ICB -> alliance, this compares trial alliances with the others by six-month
period from the trial start (period 0 = October 2021 to March 2022; period -1,
April to September 2021, is the reference) in a two-way fixed-effects event
study with alliance-clustered errors (:func:`helpers.stats.did.did_event_study`)
and a wild cluster bootstrap for the average post-trial effect.

Outcomes, for suspected head & neck, lung and upper GI cancers together and for
each: the share of people told their diagnosis outcome after 28 days (%,
weighted by referrals) and urgent referrals per 100,000 population per six
months. East of England is left out: its 2021 halves differed (North in the
trial, South not) and public data cannot separate them after the 2024 merger.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.analysis.adoption.impact import event_study_with_average
from helpers.ingest.sources import LAYOUT, read_galleri_alliances
from helpers.registry import alliances

TRIAL_START = pd.Period("2021-10", "M")
CANCER_TYPES = {
    "Suspected head & neck cancer": "head & neck",
    "Suspected lung cancer": "lung",
    "Suspected upper gastrointestinal cancer": "upper GI",
}
OUTCOMES = {
    "after_28_pct": "% told after 28 days",
    "referrals_per_100k": "referrals per 100,000 people",
}
REFERENCE_PERIOD = -1
SEED = 20211001


def trial_alliances(raw_public: Path) -> tuple[set[str], set[str]]:
    """CAL24 codes of trial alliances and of alliances whose status is mixed after merging."""
    table = read_galleri_alliances(raw_public / LAYOUT["galleri_alliances"])
    flags = table.groupby("alliance_code")["mced_treated"].agg(["min", "max"])
    mixed = set(flags.index[flags["min"] != flags["max"]])
    treated = set(flags.index[(flags["min"] == 1) & (flags["max"] == 1)])
    return treated, mixed


def six_month_period(month: pd.Series) -> pd.Series:
    """Six-month periods counted from the trial start (October 2021 = period 0)."""
    months = pd.PeriodIndex(month, freq="M")
    offset = (months.year - TRIAL_START.year) * 12 + (months.month - TRIAL_START.month)
    return pd.Series(np.floor_divide(offset, 6), index=month.index)


def panel(cwt: pd.DataFrame, areas: pd.DataFrame, treated: set[str], excluded: set[str],
          cancer_types: list[str]) -> pd.DataFrame:
    """Alliance x six-month panel of both outcomes for the chosen suspected cancer types."""
    fds = cwt[(cwt["standard"] == "fds_28") & (cwt["level"] == "provider")
              & (cwt["route"] == "URGENT SUSPECTED CANCER")
              & cwt["cancer_type"].isin(cancer_types) & cwt["alliance_code"].notna()
              & (cwt["month"] <= "2024-09")].copy()
    fds["total"] = fds["total"] * fds["share"]
    fds["after"] = (fds["total"] - fds["within"] * fds["share"]).clip(lower=0)
    fds["period"] = six_month_period(fds["month"])
    grouped = fds.groupby(["alliance_code", "period"], as_index=False)[["total", "after"]].sum()
    population = areas.groupby("alliance_code")["population"].sum()
    grouped = grouped[~grouped["alliance_code"].isin(excluded)]
    grouped["population"] = grouped["alliance_code"].map(population)
    grouped["after_28_pct"] = 100 * grouped["after"] / grouped["total"]
    grouped["referrals_per_100k"] = 1e5 * grouped["total"] / grouped["population"]
    grouped["treated"] = grouped["alliance_code"].isin(treated).astype(int)
    grouped["alliance"] = grouped["alliance_code"].map(
        {a.code: a.name for a in alliances.ALLIANCES})
    return grouped


def load_inputs(paths) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Waiting-time counts and areas for the example, or None without the public files.

    Read from ``data/processed`` after a public run, else built from
    ``data/raw/public`` when ``alliances fetch`` has filled it.
    """
    from helpers.ingest import public, sources

    processed = paths.processed / "cwt_monthly.parquet"
    if processed.exists():
        return pd.read_parquet(processed), pd.read_parquet(paths.processed / "areas.parquet")
    root = paths.raw_public
    needed = ("fds_monthly", "crs_extracts", "galleri_alliances", "lsoa11_lookup", "catchment")
    if not all((root / LAYOUT[k]).exists() for k in needed):
        return None
    quarantine = sources.Quarantine()
    counts = public.waiting_times(root, quarantine)
    lookups = sources.AttributionLookups.from_root(root, quarantine=quarantine)
    attribution = sources.attribute_providers(counts["provider_code"].dropna().unique(), lookups)
    return (counts.merge(attribution, on="provider_code", how="left"),
            public.build_areas(root, quarantine))


def event_studies(cwt: pd.DataFrame, areas: pd.DataFrame, raw_public: Path,
                  n_boot: int = 999) -> pd.DataFrame:
    """Event-study coefficients for both outcomes, for the three types together and each.

    Returns one row per outcome, cancer-type group and period (``period``,
    ``estimate``, ``se``, ``lower``, ``upper``, ``p_value``), plus rows with
    ``period == "post average"`` carrying the average post-trial effect and its
    wild cluster bootstrap p-value (``p_boot``).
    """
    treated, mixed = trial_alliances(raw_public)
    groups = {"head & neck, lung and upper GI": list(CANCER_TYPES)}
    groups |= {short: [long] for long, short in CANCER_TYPES.items()}
    frames = []
    for label, types in groups.items():
        data = panel(cwt, areas, treated, mixed, types)
        for outcome in OUTCOMES:
            weight = "total" if outcome == "after_28_pct" else "population"
            result = event_study_with_average(
                data, n_boot=n_boot, seed=SEED, outcome=outcome, unit="alliance_code",
                period="period", treated="treated", reference_period=REFERENCE_PERIOD,
                weight=weight, cluster="alliance_code")
            frames.append(result.assign(outcome=outcome, cancer_types=label,
                                        n_treated=result.attrs["n_treated"],
                                        n_control=result.attrs["n_control"]))
    out = pd.concat(frames, ignore_index=True)
    out.attrs["treated"] = sorted(treated)
    out.attrs["excluded"] = sorted(mixed)
    return out


def period_label(period: int) -> str:
    """"Oct 2021-Mar 2022" for period 0."""
    start = TRIAL_START + 6 * int(period)
    return f"{start.strftime('%b %Y')}-{(start + 5).strftime('%b %Y')}"


def reading(results: pd.DataFrame, outcome: str, cancer_types: str) -> str:
    """A plain-words reading of the post-trial effects, respecting their intervals."""
    part = results[(results["outcome"] == outcome) & (results["cancer_types"] == cancer_types)]
    row = part[part["period"] == "post average"].iloc[0]
    words = OUTCOMES[outcome]
    unit = "percentage points" if outcome == "after_28_pct" else "per 100,000"
    numbers = (f"{row['estimate']:+.1f} {unit} (95% CI {row['lower']:+.1f} to "
               f"{row['upper']:+.1f}; wild cluster bootstrap p = {row['p_boot']:.3f})")
    ci_clear = row["lower"] > 0 or row["upper"] < 0
    boot_clear = row["p_boot"] < 0.05
    if ci_clear and boot_clear:
        direction = "rose" if row["estimate"] > 0 else "fell"
        verdict = f"{direction} more in the trial alliances than in the others"
    elif ci_clear or boot_clear:
        verdict = ("may have changed differently in the trial alliances, but the evidence is "
                   "borderline (the interval and the bootstrap test disagree)")
    else:
        verdict = "did not change differently in the trial alliances, beyond chance"
    text = (f"Suspected {cancer_types} cancer: after the trial began, {words} {verdict}; "
            f"average difference {numbers}.")
    periods = part[part["period"] != "post average"]
    clear = periods[(periods["lower"] > 0) | (periods["upper"] < 0)]
    if len(clear):
        text += " Periods differing beyond chance: " + "; ".join(
            f"{period_label(r.period)} ({r.estimate:+.1f})" for r in clear.itertuples()) + "."
    return text
