"""Report sections on inequality: summary measures, gradient, intersections, funnels, trends.

Each function takes a :class:`helpers.report.context.Context` and returns a
:class:`helpers.report.context.Section`; notebooks call one per cell. Measures come
from :mod:`helpers.stats`; sentences state a gap only where its interval
excludes "no difference".

Ranks. The SII, RII and concentration indices (ACI, RCI) rank the place's own
population by deprivation fifth, as PHE's SII (OHID Fingertips Technical Guide,
"Slope index of inequality (SII)"; PHEindicatormethods ``phe_sii``) and WHO HEAT's
technical notes define them. To compare alliances, the separately named "SII on
England's deprivation scale" ranks England's population instead (the England
overview's :func:`slope_indices` and the x axis of :func:`gradient`). Every table,
sentence, axis and note says which ranking a figure uses.

One interval per quantity: the difference between the most and least deprived
fifths (d) carries Newcombe's interval wherever it is shown (the sentences of
:mod:`helpers.report.narrative` use the same), and is printed to the same number of
decimals (:data:`DECIMALS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis import casemix
from helpers.analysis.inequality.unusual import is_widened
from helpers.cube import ENGLAND_CODE, GROUP_SEPARATOR, pool_periods, select
from helpers.registry import alliances, indicators
from helpers.registry.schema import ETHNICITIES
from helpers.report import narrative, plots, tables
from helpers.report.context import Context, Section, unavailable
from helpers.report.disclosure import suppress
from helpers.stats import (
    cross_table,
    gap_trend,
    maihda,
    measures_by_period,
    national_scale_ranks,
    overdispersed_limits,
    summary_measures,
)
from helpers.stats.inequality import SUMMARY_MEASURES, midpoint_ranks

SEED = 20240401
HEADLINE_MEASURES = ("d", "r", "sii", "rii", "rci", "paf")
ETHNIC_REFERENCE = "White"
DECIMALS = {"d": 1, "sii": 1, "sii_logistic": 1, "sii_national": 1, "par": 1, "paf": 1}
"""Decimal places: percentages and gaps in percentage points to 1, as the percentages and the
narrative's sentences; every other measure (ratios, indices) to 2."""
RANK_LABELS = {"own": "own population", "national": "England's population"}
"""The table's "Ranks" column: whose population a rank-based measure ranks."""
RANKS_NOTE = ("The SII, RII and concentration indices rank {place}'s own population by "
              "deprivation fifth (PHE's SII, OHID Fingertips Technical Guide; WHO HEAT); the SII "
              "on England's deprivation scale ranks England's population instead, so alliances "
              "can be compared (population: the indicator's denominator, e.g. staged cancers).")
SIGNIFICANCE_WORDS = {
    "High (0.001)": "above the 99.8% limit",
    "High (0.025)": "above the 95% limit",
    "Low (0.025)": "below the 95% limit",
    "Low (0.001)": "below the 99.8% limit",
}


def measure_inputs(place_rows: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Rows of one place (with numerator, denominator, value) -> summary_measures input.

    ``population`` is the indicator's denominator (e.g. staged tumours), ``se``
    the binomial standard error in percentage points, ``order`` 1 = most deprived;
    ``numerator`` and ``denominator`` are kept so the difference gets Newcombe's
    interval.
    """
    rows = place_rows[place_rows["group"] != "Not known"]
    p = rows["value"] / 100
    out = pd.DataFrame({
        "group": rows["group"].to_numpy(),
        "numerator": rows["numerator"].astype(float).to_numpy(),
        "denominator": rows["denominator"].astype(float).to_numpy(),
        "population": rows["denominator"].astype(float).to_numpy(),
        "estimate": rows["value"].to_numpy(),
        "se": (100 * np.sqrt(p * (1 - p) / rows["denominator"].astype(float))).to_numpy(),
        "scale": 100.0,
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
    """Summary measures for the context's place.

    The SII, RII, ACI and RCI rank the place's own population (PHE, HEAT); for
    deprivation the result also holds ``sii_national``, the SII on England's
    deprivation scale (England's population ranks, the place's weights).
    """
    ind = indicators.get(key)
    rows = ctx.pooled_groups(key, dimension) if rows is None else rows
    groups = measure_inputs(rows[rows["place"] == ctx.place], dimension)
    ordered = dimension == "imd_quintile"
    if ordered:
        groups = national_scale_ranks(groups, _england_rank_population(ctx, key))
    reference = None if ordered else ETHNIC_REFERENCE
    return summary_measures(groups, ordered=ordered, higher_is_better=ind.higher_is_better,
                            reference=reference, seed=SEED)


def _reported(row: pd.Series) -> bool:
    return bool(np.isfinite(row["estimate"]))


def _clear(row: pd.Series) -> bool:
    return _reported(row) and not (row["lower"] <= row["null"] <= row["upper"])


def measure_numbers(measure: str, estimate: float, lower: float,
                    upper: float) -> tuple[str, str, str]:
    """A measure's estimate and limits as printed everywhere (:data:`DECIMALS` places)."""
    k = DECIMALS.get(measure, 2)
    return f"{estimate:.{k}f}", f"{lower:.{k}f}", f"{upper:.{k}f}"


def _measure_label(measure: str) -> str:
    """The measure's name for a sentence, with its ranking when it has one."""
    info = SUMMARY_MEASURES[measure]
    name = info.name.lower().replace("england's", "England's")
    return f"{name} (own-population ranks)" if info.ranking == "own" else name


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
    label = _measure_label(row["measure"])
    if not _reported(row):
        return f"{ctx.place}, {ind.short.lower()}: {label} {row['note']}."
    est, lo, hi = measure_numbers(row["measure"], row["estimate"], row["lower"], row["upper"])
    head = f"{ctx.place}, {ind.short.lower()}: {label} {est} (95% CI {lo} to {hi})"
    if not _clear(row):
        return f"{head}; the interval includes no difference, so no gap is claimed."
    if dimension != "imd_quintile":
        who = f"the {worst} group" if worst else "the worst-off ethnic group"
        return f"{head}: {who} is behind the {ETHNIC_REFERENCE} group beyond chance."
    if row["estimate"] > row["null"]:
        return f"{head}: the most deprived are worse off beyond chance."
    return f"{head}: the most deprived fare better, beyond chance."


def measures_table(sm: pd.DataFrame) -> pd.DataFrame:
    """Summary measures for display: name, ranks, estimate with interval, beyond chance, reading.

    The "Ranks" column (whose population a rank-based measure ranks) is left out
    when no measure has ranks (e.g. ethnic groups).

    Numbers are printed as in the sentences (:func:`measure_numbers`). A measure
    that is not reported (e.g. a linear RII whose fitted line is at or below zero
    at one end) says so, and why, instead of showing a number.
    """
    notes = sm["note"] if "note" in sm else pd.Series("", index=sm.index)
    estimates, chance, readings = [], [], []
    for (_, r), note in zip(sm.iterrows(), notes, strict=True):
        info = SUMMARY_MEASURES[r["measure"]]
        if not _reported(r):
            estimates.append("not reported")
            chance.append("n/a")
            readings.append(f"{str(note)[:1].upper()}{str(note)[1:]}. {r['description']}")
            continue
        est, lo, hi = measure_numbers(r["measure"], r["estimate"], r["lower"], r["upper"])
        estimates.append(f"{est} ({lo} to {hi})")
        chance.append("n/a" if info.kind == "spread" else ("yes" if _clear(r) else "no"))
        readings.append(r["description"])
    table = pd.DataFrame({
        "Measure": [SUMMARY_MEASURES[m].name for m in sm["measure"]],
        "Ranks": [RANK_LABELS.get(SUMMARY_MEASURES[m].ranking, "n/a") for m in sm["measure"]],
        "Estimate (95% CI)": estimates,
        "Beyond chance?": chance,
        "Reading": readings,
    })
    return table if (table["Ranks"] != "n/a").any() else table.drop(columns="Ranks")


def summary_table(ctx: Context, key: str, dimension: str) -> Section:
    """The summary measures of inequality with intervals, in words, for one dimension."""
    if (missing := unavailable(ctx, key, dimension)) is not None:
        return missing
    ind = indicators.get(key)
    sm = place_measures(ctx, key, dimension)
    worst = None if dimension == "imd_quintile" else _worst_group(ctx, key, dimension)
    findings = [_measure_sentence(ctx, ind, r, dimension, worst) for _, r in sm.iterrows()
                if r["measure"] == "d"]
    if label := narrative.population_label(key, ctx.status):
        findings.append(f"Counted {label}.")
    table = measures_table(sm)
    words = "deprivation (national quintiles)" if dimension == "imd_quintile" else \
        f"ethnic group (against the {ETHNIC_REFERENCE} group)"
    note = ("Positive gaps (ratios above 1) mean the disadvantaged group is worse off. The "
            "difference has Newcombe's 95% interval, as in the sentences; percentages and gaps "
            "in percentage points are given to 1 decimal place, ratios and indices to 2.")
    if dimension == "imd_quintile":
        note += " " + RANKS_NOTE.format(place=ctx.place)
    return Section(findings=findings, table=tables.show(
        table, caption=f"{ind.short}: summary measures of inequality by {words}, "
                       f"{ctx.place}, {ctx.pooled_label(key)}",
        note=note))


def gradient(ctx: Context, key: str) -> Section:
    """The gradient on England's deprivation scale, with its fitted line.

    The x axis places each fifth at its rank in England's population, so the
    fitted line is the "SII on England's deprivation scale" (``sii_national``),
    the figure that compares alliances; the standard SII, ranking the alliance's
    own population, is in :func:`summary_table`.
    """
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
    shown = sm[sm["measure"] == "sii_national"]
    sii = shown.iloc[0] if len(shown) else None
    verdict = ("a gradient beyond chance" if sii is not None and _clear(sii)
               else "no gradient beyond chance")
    title = (f"{ctx.place}: {ind.short.lower()} across England's deprivation scale, {verdict} "
             f"({ctx.pooled_label(key)})")
    fig, ax = plots.figure(figsize=(8, 4.2))
    err = [place["value"] - place["lower"], place["upper"] - place["value"]]
    role = plots.role_of(ctx.place)
    ax.errorbar(place["rank"], place["value"], yerr=err, fmt=plots.MARKERS[role], capsize=4,
                color=plots.COLOURS[role], label=f"{ctx.place}, by quintile")
    xs = np.array([0.0, 1.0])
    ax.plot(xs, intercept + slope * xs, color=plots.COLOURS["reference"], linestyle="--",
            label="fitted line: SII on England's deprivation scale")
    ax.set_xlim(-0.02, 1.02)
    for g, r in zip(place["group"], place["rank"], strict=True):
        ax.annotate(tables.IMD_LABELS[g], (r, ax.get_ylim()[0]), fontsize=8, ha="center",
                    va="bottom", color="#555555")
    ax.legend(frameon=False, loc="lower right")
    fig = plots.finish(fig, ax, title, "England's deprivation scale: cumulative share of "
                       "England's population (0 = most deprived, 1 = least)",
                       ind.axis_label, ctx.source_line)
    findings = [_measure_sentence(ctx, ind, sii)] if sii is not None else []
    alt = (f"Chart: {title}. Each deprivation quintile of {ctx.place} is placed at its share "
           "of England's population (most deprived on the left), with the fitted line. " +
           "; ".join(f"quintile {g}: {v:.1f}%" for g, v in
                     sorted(zip(place["group"], place["value"], strict=True))))
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
    # each fifth's row and each ethnic group's column add up to a total shown elsewhere
    cells = suppress(cross_table(rows, "imd_quintile", "ethnicity"),
                     margins=[["imd_quintile"], ["ethnicity"]])
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
    # a group is named with its share only where the heat map shows that share
    shown = cells.dropna(subset=["value"])[["imd_quintile", "ethnicity"]].astype(str)
    flagged = flagged.assign(imd_quintile=flagged["imd_quintile"].astype(str),
                             ethnicity=flagged["ethnicity"].astype(str)).merge(
        shown, on=["imd_quintile", "ethnicity"])
    findings = [_maihda_sentence(result, ind) if np.isfinite(result.pcv) else
                "The groups hardly differ, so there is nothing for an intersection to add."]
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


def _maihda_sentence(result, ind: indicators.Indicator) -> str:
    """Between-group variation (VPC) and how much deprivation and ethnicity explain (PCV)."""
    lo, hi = result.vpc_null_ci
    head = (f"{100 * result.vpc_null:.1f}% (95% interval {100 * lo:.1f}% to {100 * hi:.1f}%) "
            f"of the variation in {ind.short.lower()} lies between the {len(result.strata)} "
            "deprivation-by-ethnicity groups (variance partition coefficient of a binomial "
            "multilevel model). ")
    if result.sigma2_main == 0:
        return head + ("Deprivation and ethnicity on their own explain all of it: once both are "
                       "allowed for, the groups vary no more than chance allows.")
    low, high = result.pcv_ci
    rest = (f"; the rest is more than chance (p = {result.interaction_p_value:.3f})"
            if result.interaction_p_value < 0.05 else ", and the rest is within chance")
    return head + (f"Deprivation and ethnicity on their own explain {100 * result.pcv:.0f}% of "
                   f"it (95% interval {100 * low:.0f}% to {100 * high:.0f}%){rest}.")


def gap_over_time(ctx: Context, key: str) -> Section:
    """The gap (difference and SII) by year, and whether it is widening or narrowing.

    Each year's SII ranks that year's own population of the place (PHE's SII);
    the difference has Newcombe's interval, as everywhere else.
    """
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
                f"{_measure_label(m).capitalize()}: {t['trend']} ({t['slope']:+.2f} points a "
                f"year, 95% CI {t['lower']:+.2f} to {t['upper']:+.2f})."
            )
    table = by_year.pivot(index="period", columns="measure", values="estimate")
    shown = pd.DataFrame({"Year": table.index})
    for m in ("d", "sii"):
        part = by_year[by_year["measure"] == m].set_index("period")
        heading = SUMMARY_MEASURES[m].name + (" (own-population ranks)"
                                              if SUMMARY_MEASURES[m].ranking == "own" else "")
        shown[heading + " (95% CI)"] = [
            "{} ({} to {})".format(*measure_numbers(m, *part.loc[y, ["estimate", "lower",
                                                                     "upper"]]))
            if y in part.index and np.isfinite(part.loc[y, "estimate"]) else
            "not reported (too few in a fifth)" for y in table.index]
    return Section(findings=findings, table=tables.show(
        shown, caption=f"{ind.short}: the deprivation gap by year, {ctx.place}",
        note="Positive = the most deprived are worse off. The difference has Newcombe's 95% "
             "interval; each year's SII ranks that year's population of "
             f"{ctx.place} by deprivation fifth (PHE). 'Widening' or 'narrowing' is said only "
             "when the interval of the yearly change excludes zero."))


def funnel(ctx: Context, key: str) -> Section:
    """Funnel plot: alliances against England, or an alliance's local authorities against it.

    The chart, its sentences and the tables use one rule
    (:func:`helpers.analysis.inequality.unusual.compare_with_target`): 95% and
    99.8% limits around the comparator, widened for overdispersion (additive
    random effects, Spiegelhalter 2005) only when overdispersion is detected.
    Local authorities are pooled over all years, as in their table; alliances
    are shown for the latest year, as in the ranking of alliances.

    The points are the table's rows after disclosure control
    (:func:`helpers.report.tables.local_authorities`,
    :func:`helpers.report.tables.alliances_side_by_side`): an area whose counts
    are suppressed there is neither plotted nor named, and the chart says how
    many are left off.
    """
    level = "alliance" if ctx.alliance is None else "lad"
    if (missing := unavailable(ctx, key, "lad" if level == "lad" else "all")) is not None:
        return missing
    ind = indicators.get(key)
    if level == "lad":
        published = tables.local_authorities(ctx.cube, ctx.code, key)
        target = published.attrs["alliance_value"] / 100
        verdict = "versus_alliance"
        period = ctx.pooled_label(key)
    else:
        period = ctx.latest(key)
        published = tables.alliances_side_by_side(ctx.cube, key, period)
        england = published[published["geography_type"] == "england"]
        target = float(england["value"].iloc[0]) / 100 if len(england) else float("nan")
        published = published[published["geography_type"] == "alliance"]
        verdict = "versus_england"
    model = published.attrs.get("model")
    units = published[~published["suppressed"]]
    hidden = len(published) - len(units)
    if model is None or units.empty or not np.isfinite(target):
        return Section(findings=[f"Too few {ind.subject} to draw a funnel plot for "
                                 f"{ctx.place} ({period})."])
    outliers = units[units[verdict].isin(["higher", "lower"])]
    where = "alliances" if level == "alliance" else f"local authorities of {ctx.place}"
    title = (f"{ind.short}: {len(outliers)} of {len(published)} {where} outside the 95% limits "
             f"({period})")
    denominators = units["denominator"].astype(float)
    limits = overdispersed_limits(np.linspace(denominators.min() * 0.8,
                                              denominators.max() * 1.1, 200),
                                  model, method="additive")
    fig, ax = plots.figure(figsize=(8, 4.6))
    ax.scatter(denominators, units["value"], color=plots.COLOURS["area"], zorder=3,
               label=where.split(" of ")[0].capitalize())
    _funnel_limits(ax, limits)
    ax.axhline(100 * target, color=plots.COLOURS[
        "place" if level == "lad" else "england"], linewidth=1.5,
        label=f"{ctx.place} {100 * target:.1f}%")
    ax.legend(fontsize=8, loc="upper right", frameon=True)
    for r in outliers.itertuples():
        ax.annotate(r.geography_name, (r.denominator, r.value), fontsize=8,
                    xytext=(4, 2), textcoords="offset points")
    left_off = (f"{hidden} {where.split(' of ')[0]} with counts too small to publish "
                "not plotted" if hidden else "")
    fig = plots.finish(fig, ax, title, f"Number of {ind.denominator_label}"[:70],
                       f"% {ind.numerator_label}", ctx.source_line, note=left_off)
    findings = [
        f"Against {ctx.place} ({100 * target:.1f}%, {period}), the {where} vary "
        + ("more than chance allows (overdispersion detected), so the limits are widened."
           if is_widened(model) else
           "about as much as chance allows, so the limits are not widened.")
    ]
    if len(outliers):
        findings.append("Outside the 95% limits: " + "; ".join(
            f"{r.geography_name} {r.value:.1f}% "
            f"({SIGNIFICANCE_WORDS.get(r.significance, r.significance)})"
            for r in outliers.itertuples()) + ". The tables use the same limits.")
    if hidden:
        findings.append(f"{hidden} of the {len(published)} {where} are not plotted: their "
                        "counts are suppressed in the table, so they are not judged here.")
    alt = (f"Funnel plot: {title}. Each point is one of the {where}: its percentage against "
           f"its number of {ind.denominator_label}, with 95% and 99.8% limits around "
           f"{ctx.place}'s {100 * target:.1f}%. " + "; ".join(
               f"{r.geography_name}: {r.value:.1f}% of {r.denominator:,.0f}"
               for r in units.itertuples()) + (f". {left_off}." if hidden else "."))
    return Section(findings=findings, chart=plots.show(fig, alt))


def _funnel_limits(ax, limits: pd.DataFrame) -> None:
    """The 95% (dashed) and 99.8% (dotted) funnel limits, grey, labelled once each."""
    for col, style, label in zip([c for c in limits.columns if c.endswith("_limit")],
                                 ["--", "--", ":", ":"],
                                 ["95% limits", None, "99.8% limits", None], strict=False):
        ax.plot(limits["denominator"], limits[col], color=plots.COLOURS["limit"],
                linestyle=style, linewidth=1, label=label)


def casemix_funnel(ctx: Context, key: str = "early_stage") -> Section:
    """England overview: alliances' early diagnosis adjusted for case mix, on a ratio funnel.

    Observed / expected stage 1-2 diagnoses (expected from England's shares by
    site, age band and sex) against the expected count, with 95% and 99.8%
    limits around 1 from the same rule as every other verdict
    (:mod:`helpers.analysis.inequality.unusual`), for the latest year.
    """
    if ctx.alliance is not None or not casemix.available(ctx.cube, key):
        return Section()
    ind = indicators.get(key)
    period = ctx.latest(key)
    published = tables.case_mix(ctx.cube, period, key)
    model = published.attrs["model"]
    adjusted = published[~published["suppressed"]]
    hidden = len(published) - len(adjusted)
    limits = overdispersed_limits(np.linspace(adjusted["expected"].min() * 0.8,
                                              adjusted["expected"].max() * 1.1, 200),
                                  model, method="additive", multiplier=1)
    unusual = adjusted[adjusted["versus_england"].isin(["higher", "lower"])]
    title = (f"{ind.short}, adjusted for case mix: {len(unusual)} of {len(published)} alliances "
             f"outside the 95% limits ({period})")
    fig, ax = plots.figure(figsize=(8, 4.6))
    ax.scatter(adjusted["expected"], adjusted["ratio"], color=plots.COLOURS["area"], zorder=3,
               label="Alliances")
    _funnel_limits(ax, limits)
    ax.axhline(1.0, color=plots.COLOURS["england"], linewidth=1.5, label="England (ratio 1)")
    ax.legend(fontsize=8, loc="upper right", frameon=True)
    for r in unusual.itertuples():
        ax.annotate(r.geography_name, (r.expected, r.ratio), fontsize=8, xytext=(4, 2),
                    textcoords="offset points")
    left_off = f"{hidden} alliances with counts too small to publish not plotted" if hidden \
        else ""
    fig = plots.finish(fig, ax, title, "Expected stage 1-2 diagnoses (England's shares by site, "
                       "age band and sex)", "Observed / expected", ctx.source_line,
                       note=left_off)
    findings = [narrative.case_mix_summary(published, period)]
    if len(unusual):
        findings.append("Outside the 95% limits once case mix is allowed for: " + "; ".join(
            f"{r.geography_name} (ratio {r.ratio:.2f}, adjusted {r.value:.1f}%)"
            for r in unusual.itertuples()) + ".")
    alt = (f"Funnel plot: {title}. Each point is an alliance: its observed over expected early "
           "diagnoses against the number expected, with 95% and 99.8% limits around England's "
           "ratio of 1. " + "; ".join(
               f"{r.geography_name}: ratio {r.ratio:.2f} with {r.expected:,.0f} expected"
               for r in adjusted.itertuples()) + (f". {left_off}." if hidden else "."))
    return Section(findings=findings, chart=plots.show(fig, alt))


def slope_indices(ctx: Context, key: str) -> Section:
    """England overview: each alliance's SII on England's deprivation scale, and a quadrant chart.

    The measure is ``sii_national``: ranks from England's population by
    deprivation fifth, so every alliance sits on the same scale. It is not PHE's
    SII, which ranks an area's own population (OHID Fingertips Technical Guide).
    """
    if (missing := unavailable(ctx, key, "imd_quintile")) is not None:
        return missing
    ind = indicators.get(key)
    records = []
    alliance_rows = select(ctx.cube, indicator=None, dimension=None, geography_type="alliance")
    for code in sorted(alliance_rows["geography_code"].unique()):
        sub = Context(cube=ctx.cube, status=ctx.status, alliance=alliances.by_code(code))
        sm = place_measures(sub, key, "imd_quintile").set_index("measure")
        overall = pool_periods(select(ctx.cube, indicator=key, geography_code=code))
        if "sii_national" not in sm.index:
            continue
        row = sm.loc["sii_national"]
        records.append({"geography_name": sub.place, "value": row["estimate"],
                        "lower": row["lower"], "upper": row["upper"],
                        "level": 100 * overall["numerator"].sum() / overall["denominator"].sum()})
    sii = pd.DataFrame(records).sort_values("value", ascending=False)
    eng = pool_periods(select(ctx.cube, indicator=key, geography_code=ENGLAND_CODE))
    eng_level = 100 * eng["numerator"].sum() / eng["denominator"].sum()
    clear = int((sii["lower"] > 0).sum())
    name = SUMMARY_MEASURES["sii_national"].name
    title = (f"{ind.short}: {name.lower().replace('england', 'England')} - the most deprived "
             f"are worse off beyond chance in {clear} of {len(sii)} alliances")
    chart = plots.dots(sii, category="geography_name", title=title, source=ctx.source_line,
                       xlabel="SII on England's deprivation scale (England's population ranks), "
                              "percentage points (positive = most deprived worse off)",
                       reference={"No gap": 0.0})
    fig, ax = plots.figure(figsize=(8, 5.5))
    ax.scatter(sii["level"], sii["value"], color=plots.COLOURS["area"], label="Alliances")
    for r in sii.itertuples():
        ax.annotate(r.geography_name, (r.level, r.value), fontsize=7, xytext=(3, 2),
                    textcoords="offset points")
    ax.axvline(eng_level, color=plots.COLOURS["england"], linestyle="--", linewidth=1.2,
               label=f"England {eng_level:.1f}%")
    ax.axhline(sii["value"].median(), color=plots.COLOURS["reference"], linestyle=":",
               linewidth=1, label="median alliance")
    ax.legend(fontsize=8, frameon=False)
    better = "right" if ind.higher_is_better else "left"
    quad_title = (f"{ind.short}: overall level against the deprivation gap ({better} = better "
                  "overall, lower = smaller gap)")
    fig = plots.finish(fig, ax, quad_title, f"Overall % ({ctx.pooled_label(key)}); dashed: "
                        f"England {eng_level:.1f}%", "SII on England's deprivation scale, "
                        "points (dotted: median alliance)", ctx.source_line)
    low, high = (measure_numbers("sii_national", v, v, v)[0]
                 for v in (sii["value"].min(), sii["value"].max()))
    findings = [f"The most deprived are worse off beyond chance in {clear} of {len(sii)} "
                f"alliances on England's deprivation scale; this SII, which ranks England's "
                f"population so that alliances compare, ranges from {low} to {high} percentage "
                "points. It is not PHE's SII, which ranks each alliance's own population (shown "
                "in each alliance's report)."]
    alt = f"Chart: {title}. " + "; ".join(
        f"{n}: {v:.1f}" for n, v in zip(sii["geography_name"], sii["value"], strict=True))
    return Section(findings=findings, chart=plots.show(chart, alt),
                   table=plots.show(fig, f"Quadrant chart: {quad_title}. " + "; ".join(
                       f"{r.geography_name}: level {r.level:.1f}%, SII on England's scale "
                       f"{r.value:.1f}" for r in sii.itertuples())))
