"""Report sections on the indicators themselves: the place against England, its groups and areas.

Each function takes a :class:`helpers.report.context.Context` and returns a
:class:`helpers.report.context.Section` (sentences, a chart and a table), so a
notebook cell is one call. Sections read the count cube (and, for the population
profile and Core20 shares, the areas table); chart titles state the finding, in
the same words the intervals allow the sentences.
"""

from __future__ import annotations

import html

import pandas as pd

from helpers.analysis.inequality import where_to_act as priorities
from helpers.analysis.inequality.gaps import fifth_gaps, first_row
from helpers.cube import select
from helpers.registry import indicators
from helpers.registry.schema import AGE_BANDS
from helpers.report import narrative, plots, tables
from helpers.report.context import Context, Section, unavailable

ETHNIC_ORDER = ("White", "Asian", "Black", "Mixed", "Other", "Not known")


def _alt(title: str, rows: pd.DataFrame, label_col: str) -> str:
    points = "; ".join(
        f"{label}: {'suppressed' if pd.isna(v) else f'{v:.1f}%'}"
        for label, v in zip(rows[label_col], rows["value"], strict=True)
    )
    return f"Chart: {title}. {points}"


def header(ctx: Context) -> Section:
    """The report's opening: title, what the data are, what the report covers."""
    if ctx.status.get("synthetic"):
        data = ("SYNTHETIC demonstration data: generated records that look like a cancer "
                "registry extract but describe no real person.")
    else:
        data = (f"Data: {ctx.status.get('description', ctx.status.get('source'))} "
                f"(built {ctx.status.get('built_at', '')[:10]}).")
    spans = []
    for key, words in (("early_stage", "stage at diagnosis"), ("fds_28", "waiting times")):
        if ctx.has(key):
            p = ctx.periods(key)
            spans.append(f"{words} {p[0]} to {p[-1]}")
    title = f"{ctx.place}: inequalities in cancer diagnosis and waiting times"
    intro = (
        f"<h1>{html.escape(title)}</h1><p>{html.escape(data)}</p><p>Periods: "
        f"{html.escape('; '.join(spans))}. Every percentage comes with its 95% confidence "
        "interval; differences are described only where the intervals support them.</p>"
    )
    return Section(intro=intro)


def key_findings(ctx: Context) -> Section:
    """The few sentences a reader needs first: stage, the deprivation gap, the standards."""
    findings = []
    if ctx.has("early_stage"):
        early = indicators.get("early_stage")
        rows = tables.place_vs_england(ctx.cube, ctx.code, "early_stage")
        latest = ctx.latest("early_stage")
        place, eng = (first_row(rows, place=ctx.place, period=latest),
                      first_row(rows, place="England", period=latest))
        if place is not None and eng is not None and ctx.alliance is not None:
            findings.append(narrative.versus_england(ctx.place, early, place, eng))
    if ctx.has("early_stage", "imd_quintile"):
        findings += _deprivation_findings(
            ctx, indicators.get("early_stage"),
            ctx.pooled_groups("early_stage", "imd_quintile"))
    for key in indicators.WAITING_TIME_INDICATORS:
        if not ctx.has(key):
            continue
        part = tables.place_vs_england(ctx.cube, ctx.code, key)
        latest = first_row(part, place=ctx.place, period=ctx.latest(key))
        if latest is not None:
            findings.append(narrative.against_target(ctx.place, indicators.get(key), latest))
    return Section(intro="<h2>Key findings</h2>", findings=findings)


def over_time(ctx: Context, key: str) -> Section:
    """The indicator by year for the place and England, against the target."""
    if (missing := unavailable(ctx, key, "all")) is not None:
        return missing
    ind = indicators.get(key)
    rows = tables.place_vs_england(ctx.cube, ctx.code, key)
    latest = first_row(rows, place=ctx.place, period=ctx.latest(key))
    latest_eng = first_row(rows, place="England", period=ctx.latest(key))
    first = first_row(rows, place=ctx.place, period=ctx.periods(key)[0])
    findings = []
    title = f"{ind.title}, {ctx.place}"
    if ctx.alliance is not None and latest is not None and latest_eng is not None:
        findings.append(narrative.versus_england(ctx.place, ind, latest, latest_eng))
        title = narrative.headline_versus_england(ctx.place, ind, latest, latest_eng)
    if latest is not None:
        findings.append(narrative.against_target(ctx.place, ind, latest))
        if first is not None and len(ctx.periods(key)) > 1:
            findings.append(narrative.trend(ctx.place, ind, first, latest))
    monthly = len(ctx.latest(key)) == 7  # "YYYY-MM"
    chart = plots.trend(rows, series="place", title=title, ylabel=ind.axis_label,
                        source=ctx.source_line, target=ind.target,
                        xlabel="Month" if monthly else "Year of diagnosis")
    table = tables.display_table(rows, {"place": "Area", "period": "Year"})
    labelled = rows.assign(label=rows["place"] + " " + rows["period"])
    return Section(
        findings=findings,
        chart=plots.show(chart, _alt(title, labelled, "label")),
        table=tables.show(table, caption=f"{ind.title}, by year"),
    )


def by_group(ctx: Context, key: str, dimension: str) -> Section:
    """The indicator across deprivation fifths, ethnic groups or sites, pooled over all years."""
    if (missing := unavailable(ctx, key, dimension)) is not None:
        return missing
    ind = indicators.get(key)
    rows = ctx.pooled_groups(key, dimension)
    if dimension == "imd_quintile":
        rows["label"] = rows["group"].map(tables.IMD_LABELS)
        order = [tables.IMD_LABELS[g] for g in sorted(tables.IMD_LABELS)]
        heading = "Deprivation quintile"
        findings = _deprivation_findings(ctx, ind, rows)
        title = narrative.headline_gap(ind, findings[0] if findings else "", ctx.place,
                                       "deprivation")
    elif dimension == "site":
        rows["label"] = rows["group"]
        mine = rows[rows["place"] == ctx.place].sort_values("value", ascending=False)
        order = list(mine["label"])
        heading = "Cancer site"
        findings = _site_findings(ctx, ind, rows)
        title = f"{ctx.place}: {ind.short.lower()} by cancer site"
    else:
        rows["label"] = rows["group"]
        order = [g for g in ETHNIC_ORDER if g in set(rows["group"])]
        heading = "Ethnic group"
        findings = _ethnicity_findings(ctx, ind, rows)
        title = narrative.headline_gap(ind, " ".join(findings), ctx.place, "ethnicity")
    title = f"{title} ({ctx.pooled_label(key)})"
    place_rows = rows[rows["place"] == ctx.place].set_index("label").reindex(order).reset_index()
    chart = plots.dots(rows, category="label", series="place", order=order, title=title,
                       xlabel=ind.axis_label, source=ctx.source_line)
    table = tables.display_table(place_rows.dropna(subset=["place"]), {"label": heading})
    return Section(
        findings=findings,
        chart=plots.show(chart, _alt(title, place_rows.dropna(subset=["place"]), "label")),
        table=tables.show(table, caption=f"{ind.title}: {ctx.place} by "
                                         f"{heading.lower()}, {ctx.pooled_label(key)}"),
    )


def _site_findings(ctx: Context, ind: indicators.Indicator, rows: pd.DataFrame) -> list[str]:
    """Sites where the place is above or below England beyond chance (England outside its CI)."""
    if ctx.alliance is None:
        return []
    place = rows[rows["place"] == ctx.place].set_index("group")
    england = rows[rows["place"] == "England"].set_index("group")["value"]
    eng = england.reindex(place.index)
    below = list(place.index[(place["upper"] < eng)])
    above = list(place.index[(place["lower"] > eng)])
    worse, better = (below, above) if ind.higher_is_better else (above, below)
    text = (f"Compared with England site by site, {ctx.place} is worse beyond chance for "
            f"{len(worse)} of {len(place)} sites" + (f" ({', '.join(worse)})" if worse else "")
            + f" and better for {len(better)}" + (f" ({', '.join(better)})" if better else "")
            + ". The site mix matters: stage at diagnosis differs far more between sites than "
              "between areas.")
    return [text]


def _deprivation_findings(ctx: Context, ind: indicators.Indicator,
                          rows: pd.DataFrame) -> list[str]:
    place = rows[rows["place"] == ctx.place]
    low, high = first_row(place, group="1"), first_row(place, group="5")
    if low is None or high is None:
        return [f"{ctx.place} has no {ind.subject} in the most or the least deprived fifth."]
    return [narrative.group_gap(ctx.place, ind, low, high, "most deprived fifth",
                                "least deprived")]


def _ethnicity_findings(ctx: Context, ind: indicators.Indicator,
                        rows: pd.DataFrame) -> list[str]:
    place = rows[rows["place"] == ctx.place]
    reference = first_row(place, group="White")
    findings = []
    for group in ETHNIC_ORDER[1:5]:
        other = first_row(place, group=group)
        if other is not None and reference is not None:
            findings.append(narrative.group_gap(ctx.place, ind, other, reference,
                                                f"{group} group", "White group"))
    unknown = first_row(place, group="Not known")
    total = place["denominator"].sum()
    if unknown is not None and not unknown["suppressed"] and total:
        findings.append(
            f"Ethnicity was not recorded for {int(unknown['denominator']):,} of {int(total):,} "
            f"{ind.denominator_label} ({100 * unknown['denominator'] / total:.1f}%)."
        )
    return findings


def local_authorities(ctx: Context, key: str) -> Section:
    """The alliance's local authorities ranked, pooled over all years."""
    if (missing := unavailable(ctx, key, "lad")) is not None:
        return missing
    ind = indicators.get(key)
    rows = tables.local_authorities(ctx.cube, ctx.code, key)
    reference = rows.attrs["alliance_value"]
    shown = rows.dropna(subset=["value"])
    findings = []
    title = f"{ind.title}: local authorities in {ctx.place}"
    if len(shown):
        top, bottom = shown.iloc[0], shown.iloc[-1]
        worse = int((rows["versus_alliance"] == ("lower" if ind.higher_is_better
                                                 else "higher")).sum())
        findings.append(narrative.spread(ctx.place, ind, top, bottom, len(rows), worse,
                                         "local authorities"))
        title = (f"{ind.short} ranges from {bottom['value']:.1f}% to {top['value']:.1f}% "
                 f"across {ctx.place}'s local authorities")
    title = f"{title} ({ctx.pooled_label(key)})"
    chart = plots.dots(rows, category="geography_name", title=title, xlabel=ind.axis_label,
                       source=ctx.source_line,
                       reference={f"{ctx.place} {reference:.1f}%": reference})
    table = tables.display_table(rows, {"rank": "Rank", "geography_name": "Local authority"})
    table["Compared with the alliance"] = rows["versus_alliance"].to_numpy()
    return Section(
        findings=findings,
        chart=plots.show(chart, _alt(title, rows, "geography_name")),
        table=tables.show(table, caption=f"Local authorities ranked, {ctx.pooled_label(key)}"),
    )


def standards_table(ctx: Context) -> Section:
    """The waiting-time standards by year against their targets."""
    records = []
    for key in indicators.WAITING_TIME_INDICATORS:
        if not ctx.has(key):
            continue
        ind = indicators.get(key)
        part = tables.place_vs_england(ctx.cube, ctx.code, key)
        for _, r in part[part["place"] == ctx.place].iterrows():
            records.append({
                "Standard": ind.short,
                "Year": r["period"],
                "Target": f"{ind.target:g}%",
                "Performance (95% CI)": tables.format_percent(r["value"], r["lower"], r["upper"]),
                "Target met?": narrative.target_status(ind, r),
            })
    return Section(table=tables.show(pd.DataFrame(records),
                                     caption=f"{ctx.place}: waiting-time standards by year"))


def alliances_ranked(ctx: Context, key: str) -> Section:
    """England overview: every alliance with England, latest year, best first."""
    if (missing := unavailable(ctx, key, "all")) is not None:
        return missing
    ind = indicators.get(key)
    rows = tables.alliances_side_by_side(ctx.cube, key, ctx.latest(key))
    eng = first_row(rows, geography_type="england")
    alli = rows[rows["geography_type"] == "alliance"]
    findings, title = [], f"{ind.title}: Cancer Alliances"
    reference = {}
    if eng is not None and len(alli):
        findings.append(narrative.alliances_against_england(ind, alli, eng, ctx.latest(key)))
        title = narrative.headline_alliances(ind, alli, eng)
        reference[f"England {eng['value']:.1f}%"] = eng["value"]
    if ind.target is not None:
        meeting = int((alli["lower"] >= ind.target).sum())
        findings.append(f"{meeting} of {len(alli)} alliances met the {ind.target:g}% target "
                        f"in {ctx.latest(key)} with their whole interval above it.")
        reference[f"Target {ind.target:g}%"] = ind.target
    title = f"{title} ({ctx.latest(key)})"
    chart = plots.dots(alli, category="geography_name", title=title, xlabel=ind.axis_label,
                       source=ctx.source_line, reference=reference)
    table = tables.display_table(rows, {"geography_name": "Area"})
    return Section(findings=findings,
                   chart=plots.show(chart, _alt(title, alli, "geography_name")),
                   table=tables.show(table, caption=f"{ind.title}, {ctx.latest(key)}"))


def deprivation_gaps(ctx: Context, key: str) -> Section:
    """England overview: each alliance's least vs most deprived fifth, pooled over all years.

    The gap is oriented so that a positive value means the most deprived fifth is
    worse off, whichever direction of the indicator is favourable.
    """
    if (missing := unavailable(ctx, key, "imd_quintile")) is not None:
        return missing
    ind = indicators.get(key)
    rows = select(ctx.cube, indicator=key, dimension="imd_quintile",
                  geography_type=("alliance", "england"), group=("1", "5"))
    gaps = fifth_gaps(tables.pooled(rows), ind.higher_is_better)
    alli = gaps[gaps["geography_type"] == "alliance"]
    eng = first_row(gaps, geography_type="england")
    supported = int((alli["lower"] > 0).sum())
    findings = [narrative.gaps_summary(ind, supported, len(alli), eng, ctx.pooled_label(key))]
    title = (f"{ind.short}: the most deprived fifth is worse off beyond chance in "
             f"{supported} of {len(alli)} alliances ({ctx.pooled_label(key)})")
    reference = {"No gap": 0.0}
    if eng is not None:
        reference[f"England {eng['value']:.1f}"] = eng["value"]
    chart = plots.dots(alli, category="geography_name", title=title,
                       xlabel="Gap in percentage points (positive = most deprived worse off)",
                       source=ctx.source_line, reference=reference)
    table = _gap_table(gaps, {"geography_name": "Area"})
    return Section(findings=findings,
                   chart=plots.show(chart, _alt(title, alli, "geography_name")),
                   table=tables.show(table, caption=title))


def _gap_table(gaps: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Display table of gaps: the chosen label columns, both fifths, the gap and its verdict."""
    table = gaps[list(columns)].rename(columns=columns).reset_index(drop=True)
    table["Most deprived fifth"] = [f"{v:.1f}%" for v in gaps["q1"]]
    table["Least deprived fifth"] = [f"{v:.1f}%" for v in gaps["q5"]]
    table["Gap, points (95% CI)"] = [
        f"{v:.1f} ({lo:.1f} to {hi:.1f})"
        for v, lo, hi in zip(gaps["value"], gaps["lower"], gaps["upper"], strict=True)
    ]
    table["Beyond chance?"] = [
        "yes" if lo > 0 or hi < 0 else "no"
        for lo, hi in zip(gaps["lower"], gaps["upper"], strict=True)
    ]
    return table


def where_to_act(ctx: Context, key: str = "early_stage",
                 benchmark: str = "least_deprived") -> Section:
    """Local authorities ranked by the early diagnoses their deprivation gap costs.

    Names the priority authority; shows each one's Core20 share.
    """
    if (missing := unavailable(ctx, key, "lad")) is not None:
        return missing
    ind = indicators.get(key)
    ranked = priorities.extra_early_diagnoses(ctx.cube, ctx.code, indicator=key,
                                              benchmark=benchmark)
    rate, lower, upper = ranked.attrs["benchmark"]
    label = ranked.attrs["benchmark_label"]
    if ctx.areas is not None:
        ranked = ranked.merge(priorities.core20_share(ctx.areas, ctx.code),
                              on="geography_code", how="left")
    total = ranked["extra"].sum()
    period = ctx.pooled_label(key)
    findings = [
        f"If every deprivation fifth in each local authority of {ctx.place} had matched "
        f"{label} ({100 * rate:.1f}%, 95% CI {100 * lower:.1f}-{100 * upper:.1f}%), about "
        f"{total:,.0f} more cancers would have been found at stage 1-2 over {period} "
        f"(range {ranked['extra_lower'].sum():,.0f} to {ranked['extra_upper'].sum():,.0f} "
        "across the benchmark's interval)."
    ]
    if len(ranked) and ranked["extra"].iloc[0] > 0:
        top = ranked.iloc[0]
        core = (f", where {100 * top['core20_share']:.0f}% of residents live in England's most "
                "deprived 20% of areas" if pd.notna(top.get("core20_share")) else "")
        findings.append(
            f"The priority is {top['geography_name']}: about {top['extra']:,.0f} more early "
            f"diagnoses ({100 * top['extra'] / total:.0f}% of the alliance's shortfall){core}."
        )
    title = f"{ind.short}: extra early diagnoses if every fifth matched {label} ({period})"
    bars = ranked.assign(value=ranked["extra"], lower=ranked["extra_lower"],
                         upper=ranked["extra_upper"])
    chart = plots.dots(bars, category="geography_name", title=title,
                       xlabel="Extra cancers diagnosed at stage 1-2", source=ctx.source_line)
    table = pd.DataFrame({
        "Rank": range(1, len(ranked) + 1),
        "Local authority": ranked["geography_name"],
        "Early / staged": [f"{o:,.0f} / {d:,.0f}"
                           for o, d in zip(ranked["observed"], ranked["denominator"], strict=True)],
        "Extra early diagnoses (range)": [
            f"{e:,.0f} ({lo:,.0f}-{hi:,.0f})" for e, lo, hi in
            zip(ranked["extra"], ranked["extra_lower"], ranked["extra_upper"], strict=True)],
    })
    if "core20_share" in ranked:
        table["Core20 share"] = [f"{100 * v:.0f}%" if pd.notna(v) else "" for v in
                                 ranked["core20_share"]]
    return Section(findings=findings,
                   chart=plots.show(chart, f"Chart: {title}. " + "; ".join(
                       f"{n}: {e:,.0f}" for n, e in zip(ranked["geography_name"],
                                                        ranked["extra"], strict=True))),
                   table=tables.show(table, caption=title, note=(
                       "Core20: share of residents (or of small areas when populations are "
                       "not known) in England's most deprived 20% of areas (IMD 2019).")))


def missing_statistics(ctx: Context) -> Section:
    """Who is missing from the statistics: stage and ethnicity not recorded, by group."""
    findings, frames = [], []
    for key in indicators.DATA_QUALITY_INDICATORS:
        ind = indicators.get(key)
        for dimension, (low, high, low_label, high_label) in {
            "imd_quintile": ("1", "5", "most deprived fifth", "least deprived"),
            "age_band": ("80+", "<50", "80+ age group", "under-50 age group"),
        }.items():
            if not ctx.has(key, dimension):
                continue
            rows = ctx.pooled_groups(key, dimension)
            place = rows[rows["place"] == ctx.place]
            a, b = first_row(place, group=low), first_row(place, group=high)
            if a is not None and b is not None:
                findings.append(narrative.group_gap(ctx.place, ind, a, b, low_label, high_label))
            frames.append(place.assign(measure=ind.short, dimension=dimension))
    if not frames:
        return unavailable(ctx, "stage_recorded", "imd_quintile")
    rows = pd.concat(frames)
    order = {g: i for i, g in enumerate([*tables.IMD_LABELS, *AGE_BANDS])}
    rows = rows.assign(missing=100 - rows["value"], _order=rows["group"].map(order))
    rows = rows.sort_values(["dimension", "_order"], ascending=[False, True])
    rows["label"] = [tables.IMD_LABELS.get(g, g) if d == "imd_quintile" else g
                     for g, d in zip(rows["group"], rows["dimension"], strict=True)]
    table = rows.pivot_table(index=["dimension", "label"], columns="measure",
                             values="missing", sort=False).reset_index()
    table = table.rename(columns={"label": "Group", "dimension": "By"})
    table["By"] = table["By"].map({"imd_quintile": "Deprivation", "age_band": "Age"})
    for col in table.columns[2:]:
        table[col] = [f"{v:.1f}%" if pd.notna(v) else "*" for v in table[col]]
    table.columns = ["By", "Group", *[f"{c}: % not recorded" for c in table.columns[2:]]]
    return Section(findings=findings, table=tables.show(
        table, caption=f"{ctx.place}: share of tumours with stage or ethnicity not recorded, "
                       f"{ctx.pooled_label('stage_recorded')}"))


def _weighted_share(areas: pd.DataFrame, column: str) -> float:
    """Population-weighted mean of an area share (areas without the share left out)."""
    known = areas[areas[column].notna()]
    return float((known[column] * known["population"]).sum() / known["population"].sum())


def population_profile(ctx: Context) -> Section:
    """Who lives in the place: residents by national deprivation fifth and ethnic group."""
    areas = ctx.areas
    if areas is None or areas["population"].isna().all():
        return Section(findings=["Area populations are not in these data, so the population "
                                 "profile is not shown."])
    areas = areas.assign(population=areas["population"].astype(float))
    mine = areas if ctx.alliance is None else areas[areas["alliance_code"] == ctx.code]
    places = {ctx.place: mine} if ctx.alliance is None else {ctx.place: mine, "England": areas}
    deprivation = pd.concat([
        (part.groupby("imd_quintile")["population"].sum() / part["population"].sum())
        .rename("share").reset_index().assign(place=name)
        for name, part in places.items()
    ])
    deprivation["label"] = deprivation["imd_quintile"].astype(int).astype(str).map(
        tables.IMD_LABELS)
    core20 = 100 * deprivation[(deprivation["place"] == ctx.place)
                               & (deprivation["imd_quintile"] == 1)]["share"].sum()
    findings = [f"{core20:.1f}% of {ctx.place}'s residents live in England's most deprived "
                "20% of areas (Core20), against 20% of England's areas."]
    title = f"{ctx.place}: residents by national deprivation fifth"
    chart = plots.bars(deprivation.assign(percent=100 * deprivation["share"]),
                       category="label", value="percent", series="place", title=title,
                       ylabel="% of residents (mid-2015)", source=ctx.source_line,
                       order=[tables.IMD_LABELS[g] for g in sorted(tables.IMD_LABELS)])
    rows = [{"Group": f"Deprivation fifth {label}",
             **{name: f"{100 * part.loc[part['label'] == label, 'share'].sum():.1f}%"
                for name, part in deprivation.groupby("place", sort=False)}}
            for label in [tables.IMD_LABELS[g] for g in sorted(tables.IMD_LABELS)]]
    eth_cols = [c for c in areas.columns if c.startswith("eth_")]
    if eth_cols:
        for col in eth_cols:
            rows.append({"Group": f"Ethnic group: {col[4:].capitalize()}",
                         **{name: f"{100 * _weighted_share(part, col):.1f}%"
                            for name, part in places.items()}})
        white = _weighted_share(mine, "eth_white")
        findings.append(f"{100 * (1 - white):.1f}% of {ctx.place}'s residents are from ethnic "
                        "groups other than White (Census 2021).")
    return Section(findings=findings,
                   chart=plots.show(chart, f"Chart: {title}. " + "; ".join(
                       f"{r.place}, {r.label}: {100 * r.share:.1f}%"
                       for r in deprivation.itertuples())),
                   table=tables.show(pd.DataFrame(rows), caption=f"{ctx.place}: residents",
                                     note="Deprivation: IMD 2019, mid-2015 populations. "
                                          "Ethnic group: Census 2021, moved onto 2011 areas."))
