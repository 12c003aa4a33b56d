"""Report sections on innovation adoption: timelines, uptake, equity, stage shift, impact.

Each function takes a :class:`helpers.report.context.Context` and returns a
:class:`helpers.report.context.Section`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis import adoption
from helpers.analysis.adoption import galleri
from helpers.analysis.adoption.timeline import monthly_totals
from helpers.config import SUPPRESSION_THRESHOLD, paths
from helpers.cube import select
from helpers.errors import ParameterError
from helpers.registry import alliances, innovations
from helpers.report import disclosure, plots, tables
from helpers.report.context import Context, Section
from helpers.report.sections.inequality import measures_table

SEED = 20240401


def galleri_example(ctx: Context) -> Section:
    """Event study: NHS-Galleri trial alliances against the others, on NHS England FDS data."""
    project = paths()
    inputs = galleri.load_inputs(project)
    if inputs is None:
        return Section(findings=[
            "This worked example needs the official NHS England waiting-time files: run "
            "`alliances fetch` (or `alliances fetch --from DIR`) and then `alliances run "
            "--source public`."])
    cwt, areas = inputs
    results = galleri.event_studies(cwt, areas, project.raw_public)
    combined = "head & neck, lung and upper GI"
    findings = [galleri.reading(results, outcome, combined) for outcome in galleri.OUTCOMES]
    excluded = ", ".join(alliances.by_code(c).name for c in results.attrs["excluded"])
    findings.append(
        f"{len(results.attrs['treated'])} trial alliances against the rest; left out: "
        f"{excluded or 'none'}, because only part of it was in the trial. With one "
        "six-month period before the trial, a pre-trend test is not possible: read the "
        "differences as associations, not proof of an effect."
    )
    fig = _galleri_chart(results, combined)
    title = "NHS-Galleri trial alliances against the others, by suspected cancer"
    averages = results[results["period"] == "post average"]
    table = pd.DataFrame({
        "Suspected cancer": averages["cancer_types"].replace(combined, "all three together"),
        "Outcome": averages["outcome"].map(galleri.OUTCOMES),
        "Average difference after the trial began (95% CI)": [
            f"{e:+.2f} ({lo:+.2f} to {hi:+.2f})" for e, lo, hi in
            zip(averages["estimate"], averages["lower"], averages["upper"], strict=True)],
        "p-value": averages["p_value"].map(lambda v: f"{v:.3f}"),
        "p-value (wild cluster bootstrap)": averages["p_boot"].map(lambda v: f"{v:.3f}"),
    })
    alt = f"Event-study chart: {title}. " + " ".join(findings[:2])
    return Section(findings=findings, chart=plots.show(fig, alt), table=tables.show(
        table, caption="Difference-in-differences event study, average of the six post-trial "
                       "periods (alliance fixed effects, period fixed effects, errors clustered "
                       "by alliance)",
        note="% told after 28 days is weighted by referrals, referrals per 100,000 by "
             "population (IMD 2019 mid-2015). p-values: t with (alliances - 1) degrees of "
             "freedom, and a wild cluster bootstrap (Webb weights), which suits few clusters."))


def _galleri_chart(results: pd.DataFrame, combined: str) -> plots.Figure:
    """Event-study estimates by six-month period: one row per outcome, one column per cancer."""
    labels = [combined, *galleri.CANCER_TYPES.values()]
    fig, axes = plots.figure(len(galleri.OUTCOMES), len(labels), figsize=(12, 6.6),
                             sharey="row", sharex=True, layout="constrained")
    fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))  # the source line below
    for row, (outcome, words) in zip(axes, galleri.OUTCOMES.items(), strict=True):
        for ax, label in zip(row, labels, strict=True):
            part = results[(results["outcome"] == outcome) & (results["cancer_types"] == label)
                           & (results["period"] != "post average")]
            xs = [int(p) for p in part["period"]]
            ax.errorbar(xs, part["estimate"], yerr=[part["estimate"] - part["lower"],
                                                    part["upper"] - part["estimate"]],
                        fmt="o", capsize=3, markersize=4, color=plots.COLOURS["area"])
            ax.plot([galleri.REFERENCE_PERIOD], [0], "s", color=plots.COLOURS["reference"],
                    markersize=4)
            ax.axhline(0, color=plots.COLOURS["reference"], linewidth=1)
            ax.axvline(-0.5, color="#999999", linestyle=":", linewidth=1)
            name = "All three together" if label == combined else label[0].upper() + label[1:]
            ax.set_title(name, fontsize=10, loc="left")
            ax.tick_params(labelsize=9)
        row[0].set_ylabel(f"Difference in\n{words}", fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("Six-month period", fontsize=9)
    fig.suptitle("NHS-Galleri trial alliances against the others: difference by six-month "
                 "period (0 = Oct 2021-Mar 2022; -1 = the reference, before the trial)",
                 x=0.01, ha="left", fontweight="bold", fontsize=11)
    return plots.footer(fig, "Source: NHS England Cancer Waiting Times, 28-day FDS provider "
                        "files; providers attributed to alliances by their patients' ICBs. "
                        "Bars: 95% intervals, errors clustered by alliance.")


# --------------------------------------------------------------------------- innovation


def _no_activity(ctx: Context) -> Section:
    if ("activity", "") in ctx.notices:
        return Section()
    ctx.notices.add(("activity", ""))
    return Section(findings=[
        "No innovation activity is in these data. An alliance can bring its programme data "
        "as data/raw/local/*activity*.csv (columns: month, alliance, innovation, measure, "
        "dimension, group, count; see README.md)."])


def _name(inn: innovations.Innovation) -> str:
    """The innovation's title without its qualifier, for use mid-sentence."""
    name = inn.title.split(" (")[0].lower()
    return f"the {name}" if name.endswith(("trial", "pilot")) else name


def _fifth(group: str) -> str:
    return {"1": "most deprived fifth", "5": "least deprived fifth"}.get(group, f"fifth {group}")


def _p(value: float) -> str:
    return "p < 0.01" if value < 0.01 else f"p = {value:.2f}"


def _span(years: list[str]) -> str:
    return years[0] if years[0] == years[-1] else f"{years[0]}-{years[-1]}"


def _timeline(activity: pd.DataFrame, key: str) -> pd.DataFrame:
    """Adoption timeline over the alliances the programme is open to (all, for most)."""
    monthly = monthly_totals(activity, key, "invited")
    names = innovations.get(key).alliances or [a.name for a in alliances.ALLIANCES]
    names = [*names, *sorted(set(monthly["alliance"]) - set(names))]  # data outside the scope
    return adoption.adoption_timeline(monthly, alliances=names)


def innovation_timeline(ctx: Context, key: str) -> Section:
    """When each alliance went live, months behind the first, and its adopter category."""
    activity = ctx.activity
    if activity is None:
        return _no_activity(ctx)
    inn = innovations.get(key)
    if monthly_totals(activity, key, "invited")["count"].sum() == 0:
        return Section(findings=[f"No alliance in these data runs {_name(inn)}."])
    timeline = _timeline(activity, key)
    live = timeline.dropna(subset=["go_live"]).sort_values("go_live")
    findings = []
    if ctx.alliance is not None and ctx.place not in set(timeline["alliance"]):
        findings.append(f"{ctx.place} is not one of the {len(timeline)} alliances "
                        f"{_name(inn)} runs in, so it has no adopter category.")
    elif ctx.alliance is not None:
        mine = timeline[timeline["alliance"] == ctx.place].iloc[0]
        if pd.isna(mine["go_live"]):
            findings.append(f"{ctx.place} has not started {_name(inn)}; "
                            f"{len(live)} of {len(timeline)} alliances have.")
        else:
            behind = int(mine["months_behind"])
            when = (f"{behind} months after the first alliance" if behind
                    else "with the first alliances")
            findings.append(
                f"{ctx.place} started {_name(inn)} in {mine['go_live'].strftime('%B %Y')}, "
                f"{when}: "
                f"in the '{str(mine['category']).lower()}' group of Rogers' adopter categories.")
    else:
        first = live.iloc[0]
        scope = f"the {len(timeline)} alliances it is open to" if inn.alliances else \
            f"{len(timeline)} alliances"
        findings.append(f"{len(live)} of {scope} run {_name(inn)}; "
                        f"{first['alliance']} started first, in "
                        f"{first['go_live'].strftime('%B %Y')}.")
    bars = live.assign(value=live["months_behind"].astype(float), lower=np.nan, upper=np.nan)
    title = f"{inn.title}: months after the first alliance went live"
    chart = plots.dots(bars, category="alliance", title=title,
                       xlabel="Months behind the first alliance", source=ctx.source_line,
                       highlight=ctx.place if ctx.alliance is not None else None)
    table = pd.DataFrame({
        "Alliance": timeline["alliance"],
        "Went live": [g.strftime("%b %Y") if pd.notna(g) else "not yet"
                      for g in timeline["go_live"]],
        "Months behind the first": [f"{m:.0f}" if pd.notna(m) else "" for m in
                                    timeline["months_behind"]],
        "Adopter category": timeline["category"].astype(str),
    }).sort_values("Months behind the first", key=lambda c: pd.to_numeric(c, errors="coerce"))
    shown = None
    if bars["value"].nunique() > 1:  # a chart of identical start months says nothing
        mark = f" {ctx.place} is highlighted." if ctx.place in set(live["alliance"]) else ""
        shown = plots.show(chart, f"Chart: {title}.{mark} " + "; ".join(
            f"{a}: {v:.0f}" for a, v in zip(live["alliance"], bars["value"], strict=True)))
    else:
        plots.discard(chart)
    return Section(findings=findings, chart=shown,
                   table=tables.show(table, caption=title, note=""))


def uptake_curve(ctx: Context, key: str, coverage: float = 0.5) -> Section:
    """Cumulative participants with logistic and Bass fits, and when coverage is reached."""
    activity = ctx.activity
    if activity is None:
        return _no_activity(ctx)
    inn = innovations.get(key)
    monthly = monthly_totals(activity, key, "participated")
    monthly = monthly[monthly["alliance"] == ctx.place] if ctx.alliance else \
        monthly.assign(alliance="England").groupby(["month", "alliance"], as_index=False)[
            "count"].sum()
    cumulative = adoption.cumulative_uptake(monthly)
    if len(cumulative) < 6:
        return Section(findings=[f"{ctx.place} has too few months of {_name(inn)} to "
                                 "fit an uptake curve."])
    eligible_rows = activity[(activity["innovation"] == key) & (activity["measure"] == "eligible")
                             & (activity["dimension"] == "all")]
    if ctx.alliance:
        eligible_rows = eligible_rows[eligible_rows["alliance"] == ctx.place]
    eligible = float(eligible_rows.groupby("month")["count"].sum().max())
    origin = pd.Period(cumulative["month"].min(), "M")
    fits = {}
    for model in ("logistic", "bass"):
        try:
            fits[model] = adoption.fit_curve(cumulative["t"].to_numpy(),
                                             cumulative["cumulative"].to_numpy(), model=model,
                                             max_ceiling=eligible, origin=origin, label=ctx.place)
        except Exception as err:  # noqa: BLE001 - a curve that will not fit is reported
            fits[model] = err
    good = {m: f for m, f in fits.items() if not isinstance(f, Exception)}
    fig, ax = plots.figure(figsize=(8, 4.2))
    ax.plot(cumulative["t"], cumulative["cumulative"] / 1000, "o", markersize=3,
            color=plots.COLOURS[plots.role_of(ctx.place)], label="participants so far")
    grid = np.linspace(0, cumulative["t"].max() * 1.5, 200)
    for colour, line, (model, fit) in zip(plots.OKABE_ITO[2:], ("-", "--"), good.items(),
                                          strict=False):
        ax.plot(grid, fit.predict(grid) / 1000, color=colour, linestyle=line,
                label=f"{model.capitalize()} fit (R² {fit.r2:.3f})")
    ax.legend(frameon=False)
    title = f"{ctx.place}: {_name(inn)}, cumulative participants"
    fig = plots.finish(fig, ax, title, f"Months since launch ({origin.strftime('%b %Y')})",
                        "Participants (thousands)", ctx.source_line)
    findings, rows = [], []
    for model, fit in good.items():
        params = fit.parameter_table(0.95)
        for r in params.itertuples():
            rows.append({"Model": model.capitalize(), "Parameter": r.parameter,
                         "Estimate (95% CI)": f"{_num(r.estimate)} ({_num(r.lower)} to "
                                              f"{_num(r.upper)})"})
        rows.append({"Model": model.capitalize(), "Parameter": "months to 50% of ceiling",
                     "Estimate (95% CI)": f"{fit.t50:.1f}"})
    best = min(good.values(), key=lambda f: f.aic) if good else None
    if best is not None:
        forecast = adoption.forecast_coverage(best, coverage, eligible=eligible, seed=SEED)
        share = cumulative["cumulative"].iloc[-1] / eligible
        if np.isfinite(forecast["t"]):
            when = (f"reach {100 * coverage:.0f}% of the {eligible:,.0f} eligible people around "
                    f"{forecast['month'].strftime('%b %Y')} (95% interval "
                    f"{_month(forecast['month_lower'])} to {_month(forecast['month_upper'])})")
        else:
            when = (f"not reach {100 * coverage:.0f}% of the {eligible:,.0f} eligible people at "
                    "its current pace: the fitted ceiling is below it")
        findings.append(
            f"{ctx.place} has reached {100 * share:.1f}% of eligible people so far; the "
            f"{best.model.capitalize()} curve (better by AIC) says it would {when}.")
    so_far = (f" {cumulative['cumulative'].iloc[-1]:,.0f} people had taken part by month "
              f"{cumulative['t'].iloc[-1]:.0f}, with the fitted logistic and Bass curves "
              "extended half as far again.")
    return Section(findings=findings, chart=plots.show(fig, f"Chart: {title}.{so_far} "
                                                            + " ".join(findings)),
                   table=tables.show(pd.DataFrame(rows), caption="Fitted diffusion curves",
                                     note="Logistic: ceiling K, growth r, midpoint t0. Bass: "
                                          "potential m, innovation p, imitation q (per month)."))


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _month(value) -> str:
    return value.strftime("%b %Y") if pd.notna(value) else "beyond the forecast"


def uptake_equity(ctx: Context, key: str) -> Section:
    """Who takes part: participation and invitations per participant by group; who is missed."""
    activity = ctx.activity
    if activity is None:
        return _no_activity(ctx)
    inn = innovations.get(key)
    base = activity[activity["innovation"] == key]
    if ctx.alliance:
        base = base[base["alliance"] == ctx.place]
    if not len(base):
        return Section(findings=[f"{ctx.place} has no activity in {_name(inn)}."])
    findings, tables_html = [], []
    for dimension, words in (("imd_quintile", "deprivation fifth"), ("ethnicity", "ethnic group")):
        counts = (base[base["dimension"] == dimension]
                  .pivot_table(index="group", columns="measure", values="count", aggfunc="sum")
                  .reset_index())
        counts = counts[(counts.get("invited", 0) > 0) & (counts["group"] != "Not known")]
        if counts.empty:
            continue
        reference = "5" if dimension == "imd_quintile" else "White"
        groups = adoption.participation_by_group(counts, reference=reference)
        label = _fifth if dimension == "imd_quintile" else (lambda g: f"{g} group")
        small = _suppressed(groups)["suppressed"]
        worst = groups[~small].sort_values("rate").iloc[0] if (~small).any() else None
        ref = groups[groups["group"] == reference].iloc[0]
        if worst is not None and worst["group"] != reference and not small[ref.name]:
            findings.append(
                f"By {words}: {worst['invitations_per_participant']:.1f} invitations per "
                f"participant in the {label(worst['group'])} against "
                f"{ref['invitations_per_participant']:.1f} in the {label(reference)}; if every "
                f"group took part as the {label(reference)} does, about "
                f"{groups['missed'].clip(lower=0).sum():,.0f} more people would have taken part.")
        if dimension == "imd_quintile":
            measures = adoption.uptake_inequality(
                counts.assign(order=counts["group"].astype(int)), order="order", seed=SEED)
            sii = measures[measures["measure"] == "sii"]
            if len(sii):
                r = sii.iloc[0]
                findings.append(
                    f"Slope index of inequality in participation: {r['estimate']:.1f} points "
                    f"(95% CI {r['lower']:.1f} to {r['upper']:.1f})"
                    + (", the most deprived taking part less beyond chance."
                       if r["lower"] > 0 else "; no gradient beyond chance."))
        else:
            measures = adoption.uptake_inequality(counts, reference=reference, seed=SEED)
        tables_html.append(tables.show(_uptake_table(groups, words.capitalize(), label),
                                       caption=f"{inn.title}: uptake by {words}, "
                                               f"{ctx.place}").data)
        tables_html.append(_equity_measures(measures, f"{inn.title}: inequality in "
                                                      f"participation by {words}, {ctx.place}"))
    return Section(findings=findings, table="\n".join(tables_html))


def _suppressed(groups: pd.DataFrame) -> pd.DataFrame:
    """Participation by group with disclosive counts and rates hidden (flag ``suppressed``)."""
    renamed = groups.rename(columns={
        "participated": "numerator", "invited": "denominator", "rate": "value"})
    # the groups add up to the invited total: hide a second group when one is hidden
    return disclosure.suppress(renamed.assign(margin="all"), margins=[["margin"]])


def _uptake_table(groups: pd.DataFrame, heading: str, label) -> pd.DataFrame:
    """Participation by group for display, small counts and the rates built on them suppressed."""
    shown = _suppressed(groups)
    hidden = shown["suppressed"].to_numpy()
    return pd.DataFrame({
        heading: groups["group"].map(label),
        "Invited": shown["denominator"].map(disclosure.format_count),
        "Took part": shown["numerator"].map(disclosure.format_count),
        "% (95% CI)": [disclosure.format_percent(v, lo, hi) for v, lo, hi in
                       zip(shown["value"], shown["lower"], shown["upper"], strict=True)],
        "Invitations per participant": [
            disclosure.SUPPRESSED if h else f"{v:.1f}"
            for h, v in zip(hidden, groups["invitations_per_participant"], strict=True)],
        "Missed (vs reference)": [
            disclosure.SUPPRESSED if h else f"{max(v, 0):,.0f}"
            for h, v in zip(hidden, groups["missed"], strict=True)],
    })


EQUITY_MEASURES = ("d", "r", "sii", "rii", "aci", "rci")
"""The summary measures shown for uptake: gap, ratio, slope and concentration indices."""


def _equity_measures(measures: pd.DataFrame, caption: str) -> str:
    """A small table of the uptake inequality measures, with intervals and a reading."""
    table = measures_table(measures[measures["measure"].isin(EQUITY_MEASURES)])
    return tables.show(table, caption=caption,
                       note="Participation is the indicator (higher is better): positive gaps "
                            "and ratios above 1 mean the disadvantaged group takes part "
                            "less.").data


def stage_shift(ctx: Context, key: str) -> Section:
    """Stage of the cancers the programme found against the others of its sites, like with like.

    Same sites, alliance(s) and whole calendar years after go-live
    (:func:`helpers.analysis.adoption.stage.found_against_others`); descriptive only.
    """
    from helpers.analysis.adoption.stage import ALL_ALLIANCES, found_against_others

    activity = ctx.activity
    if activity is None:
        return _no_activity(ctx)
    inn = innovations.get(key)
    base = activity[(activity["innovation"] == key) & (activity["dimension"] == "all")
                    & activity["measure"].isin(["cancers_found", "cancers_found_early"])]
    if ctx.alliance:
        base = base[base["alliance"] == ctx.place]
    if base["count"].sum() == 0:
        return Section(findings=[f"No cancers found through {_name(inn)} in "
                                 f"{ctx.place} yet."])
    found = base.pivot_table(index=["alliance", "month"], columns="measure", values="count",
                             aggfunc="sum", fill_value=0).reset_index()
    staged = select(ctx.cube, indicator="early_stage", dimension="site",
                    geography_type="alliance", group=list(inn.sites)).rename(
        columns={"geography_name": "alliance"})
    compared = found_against_others(found, staged, _timeline(activity, key))
    label = ctx.place if ctx.alliance else ALL_ALLIANCES
    if ctx.alliance is None and len(compared) == 1:
        label = compared["alliance"].iloc[0]
    row = compared[compared["alliance"] == label]
    sites = ", ".join(inn.sites).lower()
    if row.empty:
        return Section(findings=[f"{ctx.place} has no whole calendar year after going live "
                                 f"with {_name(inn)} in these data, so its cancers cannot be "
                                 "compared like with like yet."])
    r = row.iloc[0]
    counts = pd.Series([r["found_early"], r["found"] - r["found_early"]])
    if disclosure.is_small(counts).any():
        return Section(findings=[f"Too few cancers found through {_name(inn)} in {ctx.place} "
                                 f"to report (counts of 1 to {SUPPRESSION_THRESHOLD} are "
                                 "suppressed)."])
    years = _span([str(r["first_year"]), str(r["last_year"])])
    where = ctx.place if ctx.alliance else "the same alliances"
    lo_age, hi_age = inn.age_range
    findings = [
        f"In {ctx.place}, {r['found_pct']:.1f}% of the {r['found']:,.0f} {sites} cancers found "
        f"through {_name(inn)} in {years} were at stage 1-2, against {r['others_pct']:.1f}% of "
        f"the other {r['others']:,.0f} staged {sites} cancers diagnosed in {where} in the same "
        f"years: {r['difference']:+.1f} points (95% CI {r['lower']:+.1f} to "
        f"{r['upper']:+.1f}). This describes the cancers the programme found; it is not "
        "evidence that the programme found cancers earlier than they would otherwise have "
        "been found.",
        f"Held equal: the site ({sites}), the alliance and the calendar years (whole years "
        "after going live only, each alliance against its own other cancers; the cancers the "
        "programme found are taken out of the comparison group). Not held equal: age (the "
        f"stage counts by site cover all ages, so the comparison group includes people "
        f"outside the eligible {lo_age}-{hi_age}), route to diagnosis, and who chose to take "
        "part.",
        "Cancers found by screening-like programmes look earlier for reasons other than "
        "benefit: lead time (they are found before symptoms, so earlier in their course by "
        "design), length bias (slow-growing cancers stay longer in the detectable phase and "
        "are likelier to be picked up) and overdiagnosis (some would never have caused harm). "
        + ("Whether the checks raised the early-stage share of all lung cancers is estimated "
           "by the staggered comparison of alliances in the England report."
           if key == "lung_health_check" else
           "These data hold no comparative design for this programme, so no claim is made "
           "that it shifted stage."),
    ]
    table = None
    if ctx.alliance is None and len(compared) > 1:
        table = _stage_table(compared, inn)
    return Section(findings=findings, table=table)


def _stage_table(compared: pd.DataFrame, inn: innovations.Innovation):
    """One row per alliance (and the total), small counts and what is built on them hidden."""
    hidden = (disclosure.is_small(compared["found_early"])
              | disclosure.is_small(compared["found"] - compared["found_early"])).to_numpy()

    def show(text: str, hide: bool) -> str:
        return disclosure.SUPPRESSED if hide else text

    table = pd.DataFrame({
        "Alliance": compared["alliance"],
        "Years": [_span([str(a), str(b)]) for a, b in
                  zip(compared["first_year"], compared["last_year"], strict=True)],
        "Found by the programme": [show(f"{n:,.0f}", h) for n, h in
                                   zip(compared["found"], hidden, strict=True)],
        "% stage 1-2, found": [show(f"{v:.1f}", h) for v, h in
                               zip(compared["found_pct"], hidden, strict=True)],
        "Other staged cancers": compared["others"].map(lambda n: f"{n:,.0f}"),
        "% stage 1-2, others": compared["others_pct"].map(lambda v: f"{v:.1f}"),
        "Difference, points (95% CI)": [
            show(f"{d:+.1f} ({lo:+.1f} to {hi:+.1f})", h) for d, lo, hi, h in
            zip(compared["difference"], compared["lower"], compared["upper"], hidden,
                strict=True)],
    })
    return tables.show(table, caption=f"{inn.title}: stage of the cancers it found against "
                                      "the other cancers of its sites, same alliance and years",
                       note="Whole calendar years after each alliance went live. Descriptive: "
                            "lead time, length bias and overdiagnosis make found cancers look "
                            "earlier; the comparison group includes all ages. Intervals: "
                            "Newcombe's hybrid score interval for a difference of proportions.")


def diffusion_curves(ctx: Context, key: str) -> Section:
    """England view: every alliance's cumulative participants as a share of its eligible people."""
    activity = ctx.activity
    if activity is None:
        return _no_activity(ctx)
    inn = innovations.get(key)
    cumulative = adoption.cumulative_uptake(monthly_totals(activity, key, "participated"))
    if cumulative.empty:
        return Section(findings=[f"No alliance in these data runs {_name(inn)}."])
    eligible = (activity[(activity["innovation"] == key) & (activity["measure"] == "eligible")
                         & (activity["dimension"] == "all")]
                .groupby(["alliance", "month"])["count"].sum().groupby("alliance").max())
    cumulative["share"] = 100 * cumulative["cumulative"] / cumulative["alliance"].map(eligible)
    fig, ax = plots.figure(figsize=(8, 4.8))
    colours = plots.palette(8)
    for i, (alliance, part) in enumerate(cumulative.groupby("alliance")):
        ax.plot(part["month"].dt.to_timestamp(), part["share"], color=colours[i % 8],
                linestyle=("-", "--", ":")[(i // 8) % 3], linewidth=1.4, label=alliance)
        last = part.iloc[-1]
        ax.annotate(str(alliance), (last["month"].to_timestamp(), last["share"]), fontsize=6,
                    xytext=(2, 0), textcoords="offset points", va="center",
                    color=colours[i % 8])
    latest = cumulative.sort_values("month").groupby("alliance").tail(1)
    top, bottom = latest.nlargest(1, "share").iloc[0], latest.nsmallest(1, "share").iloc[0]
    title = f"{inn.title}: share of eligible people who have taken part, by alliance"
    ax.legend(fontsize=6, ncol=2, frameon=False, loc="upper left")
    fig = plots.finish(fig, ax, title, "Month", "% of eligible people (cumulative)",
                        ctx.source_line)
    findings = [f"By the latest month, coverage ranged from {bottom['share']:.1f}% of eligible "
                f"people in {bottom['alliance']} to {top['share']:.1f}% in {top['alliance']}."]
    return Section(findings=findings, chart=plots.show(fig, f"Chart: {title}. " + "; ".join(
        f"{r.alliance}: {r.share:.1f}%" for r in latest.itertuples())))


def lung_check_impact(ctx: Context) -> Section:
    """Did lung early-stage diagnosis rise after lung health checks started? Staggered DiD.

    Callaway and Sant'Anna group-time effects with not-yet-treated alliances as
    controls (:func:`helpers.analysis.adoption.impact.staggered_impact`), shown as
    an event study with its pre-go-live terms.
    """
    from helpers.analysis.adoption.impact import cohort_panel, staggered_impact

    activity = ctx.activity
    if activity is None or not ctx.has("early_stage", "site"):
        return _no_activity(ctx)
    timeline = _timeline(activity, "lung_health_check")
    rows = select(ctx.cube, indicator="early_stage", dimension="site", group="Lung",
                  geography_type="alliance")
    counts = rows.rename(columns={"geography_name": "alliance"})[
        ["alliance", "period", "numerator", "denominator"]]
    panel = cohort_panel(counts, timeline)
    try:
        result = staggered_impact(panel)
    except ParameterError:
        return Section(findings=["This comparison needs alliances going live in different "
                                 "years after the first year of the data, with others not "
                                 "yet live to compare with; these data do not have them."])
    avg = result[result["event"] == "post average"].iloc[0]
    events = result[result["event"] != "post average"]
    pre = events[events["event"].astype(int) < -1]
    clear = avg["lower"] > 0 or avg["upper"] < 0
    verdict = (f"{'rose' if avg['estimate'] > 0 else 'fell'} after the checks started, "
               "compared with alliances not yet running them, beyond chance" if clear else
               "did not change after the checks started, compared with alliances not yet "
               "running them, beyond chance")
    left_out = result.attrs["left_out"]
    findings = [
        f"The share of lung cancers found at stage 1-2 {verdict}: on average "
        f"{avg['estimate']:+.1f} points (95% CI {avg['lower']:+.1f} to {avg['upper']:+.1f}) "
        f"over the years from go-live, from {int(avg['n_treated'])} alliances in "
        f"{int(avg['n_cohorts'])} go-live years compared with alliances that had not yet "
        "started (Callaway and Sant'Anna's staggered difference-in-differences).",
        _pretrend_sentence(pre),
        "The counts cover lung cancers at all ages; the checks invite 55-74 year olds, and "
        "these data have no lung stage counts by age, so the effect among the eligible ages "
        "is not estimated here."
        + (f" Left out: {', '.join(left_out)}, live in the first year of the data, with no "
           "year before to compare with." if left_out else ""),
    ]
    fig = _event_chart(result, ctx.source_line)
    title = "Lung health checks: difference in lung early-stage share by year since go-live"
    table = pd.DataFrame({
        "Years since go-live": [("reference (year before)" if str(e) == "-1" else str(e))
                                for e in result["event"]],
        "Difference, points (95% CI)": [
            "0 (by construction)" if str(e) == "-1" else f"{v:+.1f} ({lo:+.1f} to {hi:+.1f})"
            for e, v, lo, hi in zip(result["event"], result["estimate"], result["lower"],
                                    result["upper"], strict=True)],
        "p": [("" if np.isnan(v) else f"{v:.3f}") for v in result["p_value"]],
        "Alliances (go-live years)": [
            "" if np.isnan(n) else f"{int(n)} ({int(c)})"
            for n, c in zip(result["n_treated"], result["n_cohorts"], strict=True)],
    })
    alt = f"Event-study chart: {title}. " + " ".join(findings[:2])
    return Section(findings=findings, chart=plots.show(fig, alt), table=tables.show(
        table, caption="Staggered difference-in-differences (Callaway and Sant'Anna 2021): "
                       "alliances grouped by go-live year, each compared with alliances not "
                       "yet live, from the year before its go-live",
        note="Negative years are pre-go-live checks (zero if trends were parallel). Each "
             "alliance weighted by its staged lung cancers per year; normal 95% intervals "
             "from influence functions (each alliance its own cluster), which can be too "
             "narrow with few alliances. Estimated with the differences package (ATTgt)."))


def _pretrend_sentence(pre: pd.DataFrame) -> str:
    if pre.empty:
        return ("No year before go-live can be checked for parallel trends with these data, "
                "so the comparison rests on that assumption untested.")
    off = pre[(pre["lower"] > 0) | (pre["upper"] < 0)]
    terms = "; ".join(f"{int(r.event)} years: {r.estimate:+.1f} ({r.lower:+.1f} to "
                      f"{r.upper:+.1f})" for r in pre.itertuples())
    if off.empty:
        return (f"Before go-live the alliances moved alike, within chance ({terms}), which "
                "supports, but cannot prove, the comparison.")
    return (f"Before go-live the alliances already differed beyond chance ({terms}): read "
            "the estimate with caution.")


def _event_chart(result: pd.DataFrame, source: str) -> plots.Figure:
    """Event-study estimates with 95% intervals, the reference year marked."""
    events = result[result["event"] != "post average"]
    xs = events["event"].astype(int).to_numpy()
    fig, ax = plots.figure(figsize=(7, 4))
    shown = events["event"].astype(int) != -1
    ax.errorbar(xs[shown], events["estimate"][shown],
                yerr=[(events["estimate"] - events["lower"])[shown],
                      (events["upper"] - events["estimate"])[shown]],
                fmt="o", capsize=3, color=plots.COLOURS["area"])
    ax.plot([-1], [0], "s", color=plots.COLOURS["reference"])
    ax.axhline(0, color=plots.COLOURS["reference"], linewidth=1)
    ax.axvline(-0.5, color="#999999", linestyle=":", linewidth=1)
    ax.set_xticks(xs)
    return plots.finish(fig, ax, "Lung health checks: staggered event study",
                        "Years since go-live (-1 = reference)",
                        "Difference in % at stage 1-2 (points)", source)
