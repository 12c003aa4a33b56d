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

from helpers.analysis import casemix
from helpers.analysis.ambition import year_reached
from helpers.analysis.inequality import where_to_act as priorities
from helpers.analysis.inequality.gaps import fifth_gaps, first_row
from helpers.cube import ENGLAND_CODE, pool_periods, select
from helpers.registry import indicators
from helpers.registry.schema import AGE_BANDS
from helpers.report import narrative, plots, tables
from helpers.report.context import Context, Section, unavailable
from helpers.report.disclosure import SUPPRESSED, footnote, format_count

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
    if ctx.alliance is not None and ctx.has("early_stage"):
        adjusted = adjusted_for_case_mix(ctx, "early_stage", ctx.latest("early_stage"))
        mine = None if adjusted is None else first_row(adjusted, geography_code=ctx.code)
        if mine is not None and not mine["suppressed"]:
            findings.append(narrative.case_mix_place(ctx.place, mine, adjusted.attrs["england"],
                                                     ctx.latest("early_stage")))
    if ctx.has("early_stage"):
        trend_rows = _ambition_rows(ctx, [ctx.code])
        if len(trend_rows):
            findings.append(narrative.ambition_year(ctx.place, indicators.get("early_stage"),
                                                    trend_rows.iloc[0]))
    if ctx.has("early_stage", "imd_quintile"):
        pooled = _deprivation_findings(ctx, indicators.get("early_stage"),
                                       ctx.pooled_groups("early_stage", "imd_quintile"))
        # the other key findings are for the latest year: say that this one is pooled
        findings += [f"Pooled over {ctx.pooled_label('early_stage')}: {s}" for s in pooled]
    for key in indicators.WAITING_TIME_INDICATORS:
        if not ctx.has(key):
            continue
        part = tables.place_vs_england(ctx.cube, ctx.code, key)
        latest = first_row(part, place=ctx.place, period=ctx.latest(key))
        if latest is not None:
            sentence = narrative.against_target(ctx.place, indicators.get(key), latest)
            if sentence and (label := narrative.population_label(key, ctx.status)):
                sentence = f"{sentence[:-1]} ({label})."
            findings.append(sentence)
    return Section(intro="<h2>Key findings</h2>", findings=findings)


def _ambition_rows(ctx: Context, codes: list[str]) -> pd.DataFrame:
    """Yearly early-stage counts of the given places -> :func:`year_reached` (3+ years)."""
    rows = select(ctx.cube, indicator="early_stage", geography_code=codes)
    if rows["period"].nunique() < 3:
        return pd.DataFrame()
    ambition = indicators.get("early_stage").ambition
    return year_reached(rows, ambition.value)


def ambition_trend(ctx: Context) -> Section:
    """Early diagnosis against the 2028 ambition: when each place would reach 75% on trend."""
    if (missing := unavailable(ctx, "early_stage", "all")) is not None:
        return missing
    ind = indicators.get("early_stage")
    ambition = ind.ambition
    alliances_ = sorted(select(ctx.cube, indicator="early_stage",
                               geography_type="alliance")["geography_code"].unique())
    codes = [ctx.code] if ctx.alliance is not None else alliances_
    rows = _ambition_rows(ctx, [*codes, ENGLAND_CODE])
    if rows.empty:
        return Section(findings=["At least three years are needed to estimate a trend "
                                 "towards the 2028 ambition; these data have fewer."])
    findings = [
        f"The NHS Long Term Plan's ambition is that {ambition.value:g}% of cancers be "
        f"diagnosed at stage 1 or 2 by {ambition.start.year}. It is an ambition for "
        f"{ambition.start.year}, not a target for the years shown, so no year is said to "
        "have missed it."
    ]
    for _, r in rows.iterrows():
        if r["geography_code"] == ctx.code or ctx.alliance is None and r[
                "geography_code"] == ENGLAND_CODE:
            findings.append(narrative.ambition_year(r["geography_name"], ind, r))
    if ctx.alliance is None:
        on = int((rows["status"] == "on trend").sum() - (
            rows.loc[rows["geography_code"] == ENGLAND_CODE, "status"] == "on trend").sum())
        findings.append(f"{on} of {len(alliances_)} alliances are rising beyond chance "
                        f"towards {ambition.value:g}%; the others are not on current trend.")

    def fmt_year(r: pd.Series) -> str:
        if r["status"] != "on trend":
            return "already reached" if r["status"] == "reached" else "not on current trend"
        return f"{r['year']:.0f} ({r['year_lower']:.0f} to {r['year_upper']:.0f})"

    table = pd.DataFrame({
        "Area": rows["geography_name"],
        f"Latest year ({rows['years'].iloc[0][-4:]})": [f"{v:.1f}%" for v in rows["latest"]],
        "Change a year, points (95% CI)": [
            f"{b:+.1f} ({lo:+.1f} to {hi:+.1f})" for b, lo, hi in
            zip(rows["slope"], rows["slope_lower"], rows["slope_upper"], strict=True)],
        f"Year {ambition.value:g}% reached on trend (95% interval)": [
            fmt_year(r) for _, r in rows.iterrows()],
    })
    return Section(findings=findings, table=tables.show(
        table, caption=f"Early diagnosis: the {ambition.value:g}% ambition for "
                       f"{ambition.start.year} on current trends ({rows['years'].iloc[0]})",
        note=("Weighted least-squares line through the yearly shares (binomial weights, "
              "dispersion-scaled); the interval comes from the slope's 95% interval. A "
              "straight-line extrapolation: the 2020 pandemic year and any change in "
              "services make it a rough guide, not a forecast.")))


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
    if label := narrative.population_label(key, ctx.status):
        findings.append(f"The 28-day Faster Diagnosis Standard here is counted {label}: "
                        "these data have no referrals table, so people referred urgently "
                        "and found not to have cancer are missing from it.")
        title = f"{title} ({label.split(' (')[0]})"
    if ind.standard_for(ctx.periods(key)[0]) is None and ind.targets and not ind.ambition:
        findings.append(f"{ind.short}: {ind.target_note}")
    monthly = len(ctx.latest(key)) == 7  # "YYYY-MM"
    standard = ind.standard_for(ctx.latest(key))
    chart = plots.trend(rows, series="place", title=title, ylabel=ind.axis_label,
                        source=ctx.source_line,
                        target=None if standard is None else standard.value,
                        xlabel=("Month told the outcome" if key == "fds_28" else "Month")
                        if monthly else "Year of diagnosis")
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
    # a hidden denominator would make the total wrong (and could be worked out from it)
    complete = not place["denominator"].isna().any()
    if unknown is not None and not unknown["suppressed"] and total and complete:
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


def _standard_periods(ind: indicators.Indicator, periods: list[str]) -> list[list[str]]:
    """Group monthly periods into calendar years, split where the target in force changes."""
    if not periods or len(periods[0]) != 7:
        return [[p] for p in periods]
    groups: list[list[str]] = []
    for p in periods:
        key = (p[:4], ind.targets_for(p))
        if groups and (groups[-1][0][:4], ind.targets_for(groups[-1][0])) == key:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def standards_table(ctx: Context) -> Section:
    """The waiting-time standards by year against the standard in force then.

    Monthly standards (the FDS) are pooled into calendar years, split where the
    standard or operational target changed. "Met" is NHS England's verdict on the
    published value (point estimate >= standard); "Shortfall beyond chance" says
    whether the whole 95% interval lies below the standard.
    """
    records, notes = [], []
    for key in indicators.WAITING_TIME_INDICATORS:
        if not ctx.has(key):
            continue
        ind = indicators.get(key)
        raw = select(ctx.cube, indicator=key, geography_code=ctx.code,
                     geography_type=("alliance", "england"))
        for months in _standard_periods(ind, sorted(raw["period"].unique())):
            label = months[0] if len(months) == 1 else (
                months[0][:4] if len(months) == 12 else f"{months[0]} to {months[-1]}")
            part = raw[raw["period"].isin(months)]
            r = tables.with_intervals(pool_periods(part, label)).iloc[0]
            standard = ind.standard_for(months[0])
            operational = ind.operational_for(months[0])
            records.append({
                "Standard": ind.short,
                "Period": label,
                "Standard in force": "none" if standard is None else f"{standard.value:g}%",
                "Operational target": "" if operational is None else f"{operational.value:g}%",
                "Performance (95% CI)": tables.format_percent(r["value"], r["lower"], r["upper"]),
                "Met? (value >= standard)": narrative.target_status(ind, r),
                "Shortfall beyond chance?": narrative.shortfall_beyond_chance(ind, r),
            })
        if label := narrative.population_label(key, ctx.status):
            notes.append(f"{ind.short}: counted {label}.")
    notes.append("Met: NHS England's verdict, the published value at or above the standard in "
                 "force in that period. Shortfall beyond chance: the whole 95% interval below "
                 "it. The FDS applies from October 2021; the 62-day standards by route "
                 "(urgent referral 85%, screening 90%; consultant upgrades none) to September "
                 "2023, the combined 62-day (85%) and 31-day (96%) standards from October 2023.")
    return Section(table=tables.show(pd.DataFrame(records),
                                     caption=f"{ctx.place}: waiting-time standards",
                                     note=" ".join(notes)))


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
    standard = ind.standard_for(ctx.latest(key))
    if standard is not None:
        t = standard.value
        met = int((alli["value"] >= t).sum())
        beyond = int((alli["upper"] < t).sum())
        findings.append(f"{met} of {len(alli)} alliances met the {t:g}% standard in "
                        f"{ctx.latest(key)} (published value at or above it); {beyond} were "
                        "below it beyond chance (whole 95% interval below).")
        reference[f"Standard {t:g}%"] = t
    elif (ambition := ind.ambition) is not None:
        at = int((alli["value"] >= ambition.value).sum())
        findings.append(f"{at} of {len(alli)} alliances were at or above the {ambition.value:g}% "
                        f"NHS Long Term Plan ambition for {ambition.start.year} in "
                        f"{ctx.latest(key)} (an ambition for {ambition.start.year}, not a "
                        "target for this year).")
        reference[f"Ambition for {ambition.start.year}: {ambition.value:g}%"] = ambition.value
    if label := narrative.population_label(key, ctx.status):
        findings.append(f"Counted {label}.")
    title = f"{title} ({ctx.latest(key)})"
    chart = plots.dots(alli, category="geography_name", title=title, xlabel=ind.axis_label,
                       source=ctx.source_line, reference=reference)
    table = tables.display_table(rows, {"geography_name": "Area"})
    table["Compared with England"] = rows["versus_england"].to_numpy()
    adjusted = adjusted_for_case_mix(ctx, key, ctx.latest(key))
    if adjusted is not None:
        by_code = adjusted.set_index("geography_code")
        table["Adjusted for case mix, % (95% CI)"] = [
            tables.format_percent(*by_code.loc[c, ["value", "lower", "upper"]])
            if c in by_code.index else "" for c in rows["geography_code"]]
        table["Adjusted, compared with England"] = [
            by_code.loc[c, "versus_england"] if c in by_code.index else ""
            for c in rows["geography_code"]]
        findings.append(narrative.case_mix_summary(adjusted, ctx.latest(key)))
    return Section(findings=findings,
                   chart=plots.show(chart, _alt(title, alli, "geography_name")),
                   table=tables.show(table, caption=f"{ind.title}, {ctx.latest(key)}"))


def adjusted_for_case_mix(ctx: Context, key: str, period: str) -> pd.DataFrame | None:
    """Every alliance's share adjusted for site, age and sex, judged against England by one rule.

    ``None`` when the data hold no case-mix strata (e.g. public data) or the
    indicator is not early diagnosis. The verdict is the funnel test of the
    indirectly standardised ratio against 1 (:mod:`helpers.analysis.inequality.unusual`);
    figures built on a suppressed count are hidden (:func:`helpers.report.tables.case_mix`).
    """
    if key != "early_stage" or not casemix.available(ctx.cube, key):
        return None
    return tables.case_mix(ctx.cube, period, key)


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
    """Local authorities ranked by the net early diagnoses their deprivation gap costs.

    The shortfall is net (fifths above the benchmark count against those below
    it), its 95% interval carries the benchmark's and the authority's own
    uncertainty, and a single priority is named only when it is distinguishable
    from the next (:mod:`helpers.analysis.inequality.where_to_act`). Counts pass
    the same disclosure step as the local-authority table.
    """
    if (missing := unavailable(ctx, key, "lad")) is not None:
        return missing
    ind = indicators.get(key)
    ranked = priorities.extra_early_diagnoses(ctx.cube, ctx.code, indicator=key,
                                              benchmark=benchmark)
    rate, lower, upper = ranked.attrs["benchmark"]
    label = ranked.attrs["benchmark_label"]
    total, total_lower, total_upper = ranked.attrs["total"]
    lead = priorities.priority(ranked)
    shown = tables.local_authorities(ctx.cube, ctx.code, key).set_index("geography_code")
    hidden = ranked["geography_code"].map(shown["suppressed"]).fillna(True).astype(bool)
    if ctx.areas is not None:
        ranked = ranked.merge(priorities.core20_share(ctx.areas, ctx.code),
                              on="geography_code", how="left")
    period = ctx.pooled_label(key)
    findings = [
        f"If every deprivation fifth in each local authority of {ctx.place} had been diagnosed "
        f"early as often as {label} ({100 * rate:.1f}%, 95% CI {100 * lower:.1f}-"
        f"{100 * upper:.1f}%), about {total:,.0f} more cancers (95% CI {total_lower:,.0f} to "
        f"{total_upper:,.0f}) would have been found at stage 1-2 over {period}, net of the "
        "fifths doing better than it."
    ]
    if lead is not None and not hidden.iloc[0]:
        top = ranked.iloc[0]
        core = (f"; {100 * top['core20_share']:.0f}% of its residents live in England's most "
                "deprived 20% of areas" if pd.notna(top.get("core20_share")) else "")
        if lead["distinct"]:
            findings.append(
                f"The priority is {top['geography_name']}: about {top['extra']:,.0f} more early "
                f"diagnoses (95% CI {top['extra_lower']:,.0f} to {top['extra_upper']:,.0f}), "
                f"more than {lead['second'] or 'any other'} beyond chance{core}.")
        elif hidden.iloc[1]:  # the runner-up's figures are suppressed: name none of them
            findings.append(
                f"{lead['first']} has the largest shortfall (about {top['extra']:,.0f}), but it "
                "is not distinguishable beyond chance from the next authority, whose figures are "
                "too small to publish, so no single priority is named.")
        else:
            findings.append(
                f"{lead['first']} and {lead['second']} have the largest shortfalls (about "
                f"{top['extra']:,.0f} and {ranked.iloc[1]['extra']:,.0f}), but the difference "
                f"between them ({lead['difference']:,.0f}, 95% CI {lead['lower']:,.0f} to "
                f"{lead['upper']:,.0f}) is within chance, so no single priority is named.")
    title = f"{ind.short}: net extra early diagnoses if every fifth matched {label} ({period})"
    visible = ranked[~hidden.to_numpy()]
    bars = visible.assign(value=visible["extra"], lower=visible["extra_lower"],
                          upper=visible["extra_upper"])
    chart = plots.dots(bars, category="geography_name", title=title,
                       xlabel="Extra cancers diagnosed at stage 1-2 (negative: above the "
                              "benchmark)", source=ctx.source_line, reference={"None": 0.0})

    def counts(code: str) -> str:
        row = shown.loc[code] if code in shown.index else None
        if row is None:
            return SUPPRESSED
        return f"{format_count(row['numerator'])} / {format_count(row['denominator'])}"

    table = pd.DataFrame({
        "Rank": range(1, len(ranked) + 1),
        "Local authority": ranked["geography_name"],
        "Early / staged": [counts(c) for c in ranked["geography_code"]],
        "Net extra early diagnoses (95% CI)": [
            SUPPRESSED if h else f"{e:,.0f} ({lo:,.0f} to {hi:,.0f})" for e, lo, hi, h in
            zip(ranked["extra"], ranked["extra_lower"], ranked["extra_upper"], hidden,
                strict=True)],
    })
    if "core20_share" in ranked:
        table["Core20 share"] = [f"{100 * v:.0f}%" if pd.notna(v) else "" for v in
                                 ranked["core20_share"]]
    return Section(findings=findings,
                   chart=plots.show(chart, f"Chart: {title}. " + "; ".join(
                       f"{n}: {e:,.0f}" for n, e in zip(visible["geography_name"],
                                                        visible["extra"], strict=True))),
                   table=tables.show(table, caption=title, note=(
                       "Net: fifths above the benchmark count against fifths below it, so an "
                       "authority above the benchmark has a negative figure. The interval carries "
                       "the benchmark's and the authority's own uncertainty. Core20: share of "
                       "residents (or of small areas when populations are not known) in "
                       f"England's most deprived 20% of areas (IMD 2019). {footnote()}")))


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
    # "recorded" indicators show the share NOT recorded; unstageable shows its own share
    shown = rows["value"].where(rows["measure"] == indicators.get("stage_unstageable").short,
                                100 - rows["value"])
    rows = rows.assign(missing=shown, _order=rows["group"].map(order))
    rows = rows.sort_values(["dimension", "_order"], ascending=[False, True])
    rows["label"] = [tables.IMD_LABELS.get(g, g) if d == "imd_quintile" else g
                     for g, d in zip(rows["group"], rows["dimension"], strict=True)]
    table = rows.pivot_table(index=["dimension", "label"], columns="measure",
                             values="missing", sort=False).reset_index()
    table = table.rename(columns={"label": "Group", "dimension": "By"})
    table["By"] = table["By"].map({"imd_quintile": "Deprivation", "age_band": "Age"})
    for col in table.columns[2:]:
        table[col] = [f"{v:.1f}%" if pd.notna(v) else "*" for v in table[col]]
    headings = {indicators.get("stage_recorded").short: "Stage missing: %",
                indicators.get("stage_unstageable").short: "Recorded as unstageable: %",
                indicators.get("ethnicity_recorded").short: "Ethnicity not recorded: %"}
    table.columns = ["By", "Group", *[headings.get(c, c) for c in table.columns[2:]]]
    return Section(findings=findings, table=tables.show(
        table, caption=f"{ctx.place}: share of tumours with no stage recorded, recorded as "
                       f"unstageable, or with no ethnicity recorded, "
                       f"{ctx.pooled_label('stage_recorded')}",
        note="Missing and unstageable are kept apart: a missing stage is a recording gap; "
             "'unstageable' is a recorded stage that is not 1-4. Both leave the tumour out of "
             "the early-diagnosis figures."))


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
