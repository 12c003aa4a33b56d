"""Report sections on inequality: summary measures, gradient, intersections, funnels, trends.

Each function takes a :class:`helpers.report.context.Context` and returns a
:class:`helpers.report.context.Section`; notebooks call one per cell. Measures come
from :mod:`helpers.stats`; sentences state a gap only where its interval
excludes "no difference".
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from helpers.cube import ENGLAND_CODE, GROUP_SEPARATOR, pool_periods, select
from helpers.registry import alliances, indicators
from helpers.registry.schema import ETHNICITIES
from helpers.report import plots, tables
from helpers.report.context import Context, Section, unavailable
from helpers.report.disclosure import suppress
from helpers.stats import (
    cross_table,
    funnel_outliers,
    gap_trend,
    maihda,
    measures_by_period,
    national_scale_ranks,
    overdispersed_limits,
    overdispersion,
    summary_measures,
)
from helpers.stats.inequality import SUMMARY_MEASURES, midpoint_ranks

SEED = 20240401
HEADLINE_MEASURES = ("d", "r", "sii", "rii", "rci", "paf")
ETHNIC_REFERENCE = "White"
SIGNIFICANCE_WORDS = {
    "High (0.001)": "above the 99.8% limit",
    "High (0.025)": "above the 95% limit",
    "Low (0.025)": "below the 95% limit",
    "Low (0.001)": "below the 99.8% limit",
}


def measure_inputs(place_rows: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Rows of one place (with numerator, denominator, value) -> summary_measures input.

    ``population`` is the indicator's denominator (e.g. staged tumours), ``se``
    the binomial standard error in percentage points, ``order`` 1 = most deprived.
    """
    rows = place_rows[place_rows["group"] != "Not known"]
    p = rows["value"] / 100
    out = pd.DataFrame({
        "group": rows["group"].to_numpy(),
        "population": rows["denominator"].astype(float).to_numpy(),
        "estimate": rows["value"].to_numpy(),
        "se": (100 * np.sqrt(p * (1 - p) / rows["denominator"].astype(float))).to_numpy(),
    })
    if dimension == "imd_quintile":
        out["order"] = out["group"].astype(int)
    return out.dropna(subset=["estimate"]).reset_index(drop=True)


def _england_rank_population(ctx: Context, key: str) -> pd.Series:
    rows = ctx.pooled_groups(key, "imd_quintile")
    eng = rows[rows["place"] == "England"]
    return pd.Series(eng["denominator"].astype(float).to_numpy(),
                     index=eng["group"].astype(int).to_numpy())


def place_measures(ctx: Context, key: str, dimension: str,
                   rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Summary measures for the context's place, on the national deprivation scale."""
    ind = indicators.get(key)
    rows = ctx.pooled_groups(key, dimension) if rows is None else rows
    groups = measure_inputs(rows[rows["place"] == ctx.place], dimension)
    ordered = dimension == "imd_quintile"
    if ordered:
        groups = national_scale_ranks(groups, _england_rank_population(ctx, key))
    reference = None if ordered else ETHNIC_REFERENCE
    return summary_measures(groups, ordered=ordered, higher_is_better=ind.higher_is_better,
                            reference=reference, seed=SEED)


def _clear(row: pd.Series) -> bool:
    return not (row["lower"] <= row["null"] <= row["upper"])


def _worst_group(ctx: Context, key: str, dimension: str) -> str | None:
    """The group furthest on the unfavourable side, as the difference ``d`` compares it."""
    rows = ctx.pooled_groups(key, dimension)
    groups = measure_inputs(rows[rows["place"] == ctx.place], dimension)
    groups = groups[groups["group"] != ETHNIC_REFERENCE]
    if groups.empty:
        return None
    worst = (groups["estimate"].idxmin() if indicators.get(key).higher_is_better
             else groups["estimate"].idxmax())
    return str(groups.loc[worst, "group"])


def _measure_sentence(ctx: Context, ind: indicators.Indicator, row: pd.Series,
                      dimension: str = "imd_quintile", worst: str | None = None) -> str:
    name = SUMMARY_MEASURES[row["measure"]].name
    numbers = f"{row['estimate']:.2f} (95% CI {row['lower']:.2f} to {row['upper']:.2f})"
    head = f"{ctx.place}, {ind.short.lower()}: {name.lower()} {numbers}"
    if not _clear(row):
        return f"{head}; the interval includes no difference, so no gap is claimed."
    if dimension != "imd_quintile":
        who = f"the {worst} group" if worst else "the worst-off ethnic group"
        return f"{head}: {who} is behind the {ETHNIC_REFERENCE} group beyond chance."
    if row["estimate"] > row["null"]:
        return f"{head}: the most deprived are worse off beyond chance."
    return f"{head}: the most deprived fare better, beyond chance."


def measures_table(sm: pd.DataFrame) -> pd.DataFrame:
    """Summary measures for display: name, estimate with interval, beyond chance, reading."""
    return pd.DataFrame({
        "Measure": [SUMMARY_MEASURES[m].name for m in sm["measure"]],
        "Estimate (95% CI)": [f"{e:.2f} ({lo:.2f} to {hi:.2f})"
                              for e, lo, hi in zip(sm["estimate"], sm["lower"], sm["upper"],
                                                   strict=True)],
        "Beyond chance?": ["n/a" if SUMMARY_MEASURES[m].kind == "spread" else
                           ("yes" if _clear(r) else "no") for m, (_, r) in
                           zip(sm["measure"], sm.iterrows(), strict=True)],
        "Reading": sm["description"].to_numpy(),
    })


def summary_table(ctx: Context, key: str, dimension: str) -> Section:
    """The summary measures of inequality with intervals, in words, for one dimension."""
    if (missing := unavailable(ctx, key, dimension)) is not None:
        return missing
    ind = indicators.get(key)
    sm = place_measures(ctx, key, dimension)
    worst = None if dimension == "imd_quintile" else _worst_group(ctx, key, dimension)
    findings = [_measure_sentence(ctx, ind, r, dimension, worst) for _, r in sm.iterrows()
                if r["measure"] == "d"]
    table = measures_table(sm)
    words = "deprivation (national quintiles)" if dimension == "imd_quintile" else \
        f"ethnic group (against the {ETHNIC_REFERENCE} group)"
    return Section(findings=findings, table=tables.show(
        table, caption=f"{ind.short}: summary measures of inequality by {words}, "
                       f"{ctx.place}, {ctx.pooled_label(key)}",
        note="Positive gaps (ratios above 1) mean the disadvantaged group is worse off. Slope "
             "and concentration indices use England's deprivation ranks, so alliances compare."))


def gradient(ctx: Context, key: str) -> Section:
    """The gradient across national deprivation quintiles with the fitted slope (SII)."""
    if (missing := unavailable(ctx, key, "imd_quintile")) is not None:
        return missing
    ind = indicators.get(key)
    rows = ctx.pooled_groups(key, "imd_quintile")
    ranks = pd.Series(midpoint_ranks(_england_rank_population(ctx, key).sort_index()
                                     .to_numpy()), index=["1", "2", "3", "4", "5"])
    place = rows[rows["place"] == ctx.place].dropna(subset=["value"]).copy()
    place["rank"] = place["group"].map(ranks)
    sm = place_measures(ctx, key, "imd_quintile", rows)
    slope, intercept = np.polyfit(place["rank"], place["value"], 1,
                                  w=np.sqrt(place["denominator"].astype(float)))
    sii = sm[sm["measure"] == "sii"].iloc[0] if (sm["measure"] == "sii").any() else None
    verdict = ("a gradient beyond chance" if sii is not None and _clear(sii)
               else "no gradient beyond chance")
    title = (f"{ctx.place}: {ind.short.lower()} across deprivation, {verdict} "
             f"({ctx.pooled_label(key)})")
    fig, ax = plots.figure(figsize=(8, 4.2))
    err = [place["value"] - place["lower"], place["upper"] - place["value"]]
    ax.errorbar(place["rank"], place["value"], yerr=err, fmt="o", capsize=4,
                color=plots.PALETTE[1], label=f"{ctx.place}, by quintile")
    xs = np.array([0.0, 1.0])
    ax.plot(xs, intercept + slope * xs, color=plots.PALETTE[0], linestyle="--",
            label="fitted slope (SII)")
    ax.set_xlim(-0.02, 1.02)
    for g, r in zip(place["group"], place["rank"], strict=True):
        ax.annotate(tables.IMD_LABELS[g], (r, ax.get_ylim()[0]), fontsize=8, ha="center",
                    va="bottom", color="#555555")
    ax.legend(frameon=False, loc="lower right")
    fig = plots.finish(fig, ax, title, "Position on England's deprivation ranking "
                        "(0 = most deprived, 1 = least deprived)", ind.axis_label, ctx.source_line)
    findings = [_measure_sentence(ctx, ind, sii)] if sii is not None else []
    alt = f"Chart: {title}. " + "; ".join(
        f"quintile {g}: {v:.1f}%" for g, v in zip(place["group"], place["value"], strict=True))
    return Section(findings=findings, chart=plots.show(fig, alt))


def intersection(ctx: Context, key: str) -> Section:
    """Deprivation x ethnicity: the heat map, and whether intersections fare worse (MAIHDA)."""
    dimension = "imd_quintile x ethnicity"
    if (missing := unavailable(ctx, key, dimension)) is not None:
        return missing
    ind = indicators.get(key)
    rows = pool_periods(select(ctx.cube, indicator=key, dimension=dimension,
                               geography_code=ctx.code))
    parts = rows["group"].str.split(GROUP_SEPARATOR, expand=True, regex=False)
    rows = rows.assign(imd_quintile=parts[0], ethnicity=parts[1])
    rows = rows[rows["ethnicity"] != "Not known"]
    cells = suppress(cross_table(rows, "imd_quintile", "ethnicity"))
    ethnic = [e for e in ETHNICITIES if e in set(cells["ethnicity"])]
    grid = cells.pivot(index="imd_quintile", columns="ethnicity", values="value")
    grid = grid.reindex(columns=ethnic).rename(index=tables.IMD_LABELS)
    title = f"{ind.short} by deprivation and ethnic group, {ctx.place} ({ctx.pooled_label(key)})"
    fig, ax = plots.figure(figsize=(8, 4.2))
    cmap = "viridis" if ind.higher_is_better else "viridis_r"
    plots.heatmap(grid, annot=grid.map(lambda v: "*" if pd.isna(v) else f"{v:.0f}%"),
                      fmt="", cmap=cmap, cbar_kws={"label": "%"}, ax=ax, linewidths=0.5)
    fig = plots.finish(fig, ax, title, "Ethnic group", "Deprivation quintile", ctx.source_line)
    result = maihda(rows, ["imd_quintile", "ethnicity"])
    flagged = result.strata[result.strata["flag"] != "as main effects predict"]
    flagged = flagged[flagged["denominator"] >= 30]
    findings = [
        f"Differences between the {len(result.strata)} deprivation-by-ethnicity groups: "
        f"{100 * result.vpc_null:.1f}% of the variation in {ind.short.lower()} lies between "
        f"groups (variance partition coefficient), and deprivation and ethnicity on their own "
        f"explain {100 * result.pcv:.0f}% of it (proportional change in variance)."
        if np.isfinite(result.pcv) else
        "The groups hardly differ, so there is nothing for an intersection to add."
    ]
    worse_flag = ("lower than main effects predict" if ind.higher_is_better
                  else "higher than main effects predict")
    worse = flagged[flagged["flag"] == worse_flag]
    if len(worse):
        names = ", ".join(f"{r.ethnicity} people in quintile {r.imd_quintile} "
                          f"({100 * r.observed:.1f}% vs {100 * r.predicted_main:.1f}% predicted)"
                          for r in worse.itertuples())
        findings.append(f"Faring worse than deprivation and ethnicity alone predict: {names}.")
    else:
        findings.append("No group at an intersection fares worse than deprivation and ethnicity "
                        "alone would predict, beyond chance.")
    alt = f"Heat map: {title}. " + "; ".join(
        f"{q}, {e}: {'suppressed' if pd.isna(v) else f'{v:.0f}%'}"
        for q, row in grid.iterrows() for e, v in row.items())
    return Section(findings=findings, chart=plots.show(fig, alt))


def gap_over_time(ctx: Context, key: str) -> Section:
    """The gap (difference and SII) by year, and whether it is widening or narrowing."""
    if (missing := unavailable(ctx, key, "imd_quintile")) is not None:
        return missing
    ind = indicators.get(key)
    yearly = tables.with_intervals(
        tables.place_and_england(ctx.cube, ctx.code, key, "imd_quintile"))
    place = yearly[yearly["place"] == ctx.place]
    frames = []
    for period, part in place.groupby("period"):
        frames.append(measure_inputs(part, "imd_quintile").assign(period=int(period[:4])))
    groups = pd.concat(frames, ignore_index=True)
    rank_pop = _england_rank_population(ctx, key)
    groups = national_scale_ranks(groups, rank_pop)
    by_year = measures_by_period(groups, ordered=True, higher_is_better=ind.higher_is_better,
                                 seed=SEED)
    by_year = by_year[by_year["measure"].isin(["d", "sii"])]
    if by_year["period"].nunique() < 2:
        return Section(findings=["Only one period: no trend can be assessed."])
    trend = gap_trend(by_year).set_index("measure")
    findings = []
    for m in ("d", "sii"):
        if m in trend.index:
            t = trend.loc[m]
            findings.append(
                f"{SUMMARY_MEASURES[m].name}: {t['trend']} ({t['slope']:+.2f} points a year, "
                f"95% CI {t['lower']:+.2f} to {t['upper']:+.2f})."
            )
    table = by_year.pivot(index="period", columns="measure", values="estimate")
    shown = pd.DataFrame({"Year": table.index})
    for m in ("d", "sii"):
        part = by_year[by_year["measure"] == m].set_index("period")
        shown[SUMMARY_MEASURES[m].name + " (95% CI)"] = [
            f"{part.loc[y, 'estimate']:.1f} ({part.loc[y, 'lower']:.1f} to "
            f"{part.loc[y, 'upper']:.1f})" for y in table.index]
    return Section(findings=findings, table=tables.show(
        shown, caption=f"{ind.short}: the deprivation gap by year, {ctx.place}",
        note="Positive = the most deprived are worse off. 'Widening' or 'narrowing' is said only "
             "when the interval of the yearly change excludes zero."))


def funnel(ctx: Context, key: str) -> Section:
    """Funnel plot: alliances against England, or an alliance's local authorities against it.

    Limits at 95% and 99.8%, widened for overdispersion (additive random effects,
    Spiegelhalter 2005) when the units vary more than chance allows.
    """
    level = "alliance" if ctx.alliance is None else "lad"
    if (missing := unavailable(ctx, key, "lad" if level == "lad" else "all")) is not None:
        return missing
    ind = indicators.get(key)
    units = pool_periods(select(ctx.cube, indicator=key, geography_type=level,
                                parent_code=ctx.code if level == "lad" else None))
    target_rows = pool_periods(select(ctx.cube, indicator=key, geography_code=ctx.code))
    target = float(target_rows["numerator"].sum() / target_rows["denominator"].sum())
    od = overdispersion(units["numerator"], units["denominator"], statistic="proportion")
    od_target = replace(od, target=target)
    method = "additive" if od.tau2 > 0 else "multiplicative"
    limits = overdispersed_limits(np.linspace(units["denominator"].min() * 0.8,
                                              units["denominator"].max() * 1.1, 200),
                                  od_target, method=method)
    outliers = funnel_outliers(units[["geography_name", "numerator", "denominator"]],
                               statistic="proportion", od=od_target, method=method)
    where = "alliances" if level == "alliance" else f"local authorities of {ctx.place}"
    title = (f"{ind.short}: {len(outliers)} of {len(units)} {where} outside the 95% limits "
             f"({ctx.pooled_label(key)})")
    fig, ax = plots.figure(figsize=(8, 4.6))
    ax.scatter(units["denominator"], 100 * units["numerator"] / units["denominator"],
               color=plots.PALETTE[0], zorder=3)
    labels = ["95% limits", None, "99.8% limits", None]
    for col, style, label in zip([c for c in limits.columns if c.endswith("_limit")],
                                 ["--", "--", ":", ":"], labels, strict=False):
        ax.plot(limits["denominator"], limits[col], color="#777777", linestyle=style,
                linewidth=1, label=label)
    ax.axhline(100 * target, color="#333333", linewidth=1,
               label=f"{ctx.place} {100 * target:.1f}%")
    ax.legend(fontsize=8, loc="upper right", frameon=True)
    for r in outliers.itertuples():
        ax.annotate(r.geography_name, (r.denominator, 100 * r.value), fontsize=8,
                    xytext=(4, 2), textcoords="offset points")
    fig = plots.finish(fig, ax, title, f"Number of {ind.denominator_label}"[:70],
                        f"% {ind.numerator_label}", ctx.source_line)
    findings = [
        f"Against {ctx.place} ({100 * target:.1f}%), the {where} vary "
        + ("more than chance allows (overdispersion), so the limits are widened."
           if od.p_value < 0.05 else "about as much as chance allows.")
    ]
    if len(outliers):
        findings.append("Outside the limits: " + "; ".join(
            f"{r.geography_name} {100 * r.value:.1f}% "
            f"({SIGNIFICANCE_WORDS.get(r.significance, r.significance)})"
            for r in outliers.itertuples()) + ".")
    alt = f"Funnel plot: {title}. " + "; ".join(
        f"{n}: {100 * a / b:.1f}% of {b:,.0f}" for n, a, b in
        zip(units["geography_name"], units["numerator"], units["denominator"], strict=True))
    return Section(findings=findings, chart=plots.show(fig, alt))


def slope_indices(ctx: Context, key: str) -> Section:
    """England overview: each alliance's slope index on the national scale, and a quadrant chart."""
    if (missing := unavailable(ctx, key, "imd_quintile")) is not None:
        return missing
    ind = indicators.get(key)
    records = []
    alliance_rows = select(ctx.cube, indicator=None, dimension=None, geography_type="alliance")
    for code in sorted(alliance_rows["geography_code"].unique()):
        sub = Context(cube=ctx.cube, status=ctx.status, alliance=alliances.by_code(code))
        sm = place_measures(sub, key, "imd_quintile").set_index("measure")
        overall = pool_periods(select(ctx.cube, indicator=key, geography_code=code))
        if "sii" not in sm.index:
            continue
        records.append({"geography_name": sub.place, "value": sm.loc["sii", "estimate"],
                        "lower": sm.loc["sii", "lower"], "upper": sm.loc["sii", "upper"],
                        "level": 100 * overall["numerator"].sum() / overall["denominator"].sum()})
    sii = pd.DataFrame(records).sort_values("value", ascending=False)
    eng = pool_periods(select(ctx.cube, indicator=key, geography_code=ENGLAND_CODE))
    eng_level = 100 * eng["numerator"].sum() / eng["denominator"].sum()
    clear = int((sii["lower"] > 0).sum())
    title = (f"{ind.short}: slope index of inequality, national scale - the most deprived are "
             f"worse off beyond chance in {clear} of {len(sii)} alliances")
    chart = plots.dots(sii, category="geography_name", title=title, source=ctx.source_line,
                       xlabel="Slope index of inequality, percentage points (positive = most "
                              "deprived worse off)", reference={"No gap": 0.0})
    fig, ax = plots.figure(figsize=(8, 5.5))
    ax.scatter(sii["level"], sii["value"], color=plots.PALETTE[0])
    for r in sii.itertuples():
        ax.annotate(r.geography_name, (r.level, r.value), fontsize=7, xytext=(3, 2),
                    textcoords="offset points")
    ax.axvline(eng_level, color="#777777", linestyle="--", linewidth=1)
    ax.axhline(sii["value"].median(), color="#777777", linestyle=":", linewidth=1)
    better = "right" if ind.higher_is_better else "left"
    quad_title = (f"{ind.short}: overall level against the deprivation gap ({better} = better "
                  "overall, lower = smaller gap)")
    fig = plots.finish(fig, ax, quad_title, f"Overall % ({ctx.pooled_label(key)}); dashed: "
                        f"England {eng_level:.1f}%", "SII, points (dotted: median alliance)",
                        ctx.source_line)
    findings = [f"The most deprived are worse off beyond chance in {clear} of {len(sii)} "
                f"alliances; the slope index ranges from {sii['value'].min():.1f} to "
                f"{sii['value'].max():.1f} percentage points."]
    alt = f"Chart: {title}. " + "; ".join(
        f"{n}: {v:.1f}" for n, v in zip(sii["geography_name"], sii["value"], strict=True))
    return Section(findings=findings, chart=plots.show(chart, alt),
                   table=plots.show(fig, f"Quadrant chart: {quad_title}. " + "; ".join(
                       f"{r.geography_name}: level {r.level:.1f}%, SII {r.value:.1f}"
                       for r in sii.itertuples())))
