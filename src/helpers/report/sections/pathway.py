"""Report sections on the pathway beyond stage: survival after diagnosis.

:func:`survival` (alliance report and England overview) shows 1- and 5-year survival by
stage, deprivation fifth and ethnic group against England, with the deprivation gap;
:func:`survival_gap_over_time` whether that gap is closing; :func:`survival_alliances`
(England overview) the alliances side by side. Figures come from
:mod:`helpers.analysis.pathway.survival` (observed survival, ICSS age-standardised,
Kaplan-Meier with Greenwood intervals). Every published figure passes
:func:`helpers.report.disclosure.suppress` first (numerator: deaths by the horizon,
denominator: patients), and sentences quote only rows it left visible. A place
differs from England only when England's value lies outside the place's 95% interval;
a gap is stated only when its interval excludes zero.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from helpers.analysis.pathway import survival as surv
from helpers.registry import alliances
from helpers.report import plots, tables
from helpers.report.context import Context, Section
from helpers.report.disclosure import footnote, format_count, format_percent, suppress
from helpers.stats.survival import ICSS_SOURCE, MIN_GROUP_PATIENTS, survival_difference

HORIZON_WORDS = {1: "one year", 5: "five years"}
HORIZON_LABELS = {1: "1-year", 5: "5-year"}
REFERENCE_GROUP = "White"
"""Ethnic groups are compared with the largest group, as in the inequality section."""
NOT_ESTIMATED = "not estimated"
"""Shown where a figure is not suppressed but cannot be age-standardised (an age group has
fewer than 10 patients or nobody followed that long)."""
DIMENSION_LABELS = {"all": "All patients", "stage": "Stage", "imd_quintile": "Deprivation fifth",
                    "ethnicity": "Ethnic group"}
OBSERVED_NOTE = (
    "Observed survival: deaths from any cause count, so older groups look worse partly "
    "because of other causes. ONS and NDRS publish net survival (the cancer's own effect), "
    "which needs life tables of background mortality; none are supplied here, so these "
    "figures are not net survival and are not comparable with the national statistics. "
    "Age-standardised with the International Cancer Survival Standard weights (ICSS 1: "
    f"{ICSS_SOURCE}), all sites together; Kaplan-Meier estimates (lifelines) with Greenwood "
    "95% intervals on the log(-log) scale, every patient counted until death or the end of "
    "follow-up."
)
NOTICE_KEY = ("survival", "all")
MISSING_NOTE = (
    "Not shown: the {source} data hold no follow-up of patients to death, so survival cannot "
    "be estimated; nothing is estimated in its place. The official public files used here "
    "carry no survival by alliance, deprivation or ethnic group (NDRS publishes survival by "
    "ICB and site in its own releases). An analyst with record-level access can add it: put "
    "a follow-up file (tumour_id, vital_status, vital_status_date; see README.md) beside the "
    "tumours in data/raw/local/ and run `alliances run --source local`."
)


def _missing(ctx: Context) -> Section | None:
    """The plain notice when there is no follow-up (said once per report), else None."""
    if ctx.survival is not None and not ctx.survival.empty:
        return None
    if NOTICE_KEY in ctx.notices:
        return Section()
    ctx.notices.add(NOTICE_KEY)
    return Section(findings=[MISSING_NOTE.format(source=ctx.status.get("source", "these"))])


def _cohort(ctx: Context, code: str | None) -> pd.DataFrame:
    """The place's follow-up cohort (``None``: England, everyone)."""
    data = ctx.survival
    return data if code is None else data[(data["alliance_code"] == code).to_numpy(bool)]


def _published(rows: pd.DataFrame, margins: list[list[str]]) -> pd.DataFrame:
    """Rows after disclosure control (deaths by the horizon over patients)."""
    return suppress(rows.reset_index(drop=True), margins=margins)


def _pct_ci(row: pd.Series) -> str:
    return f"{row['value']:.1f}% (95% CI {row['lower']:.1f}-{row['upper']:.1f}%)"


def _quotable(row: pd.Series | None) -> bool:
    return row is not None and not bool(row.get("suppressed", False)) and pd.notna(row["value"])


def _row(rows: pd.DataFrame, **where) -> pd.Series | None:
    mask = np.ones(len(rows), dtype=bool)
    for col, value in where.items():
        mask &= (rows[col] == value).to_numpy()
    return rows[mask].iloc[0] if mask.any() else None


def place_rows(ctx: Context) -> pd.DataFrame:
    """Survival of the place (every breakdown) and England (all patients), after disclosure."""
    mine = surv.survival_table(_cohort(ctx, None if ctx.alliance is None else ctx.code))
    mine.insert(0, "place", ctx.place)
    rows = [mine]
    if ctx.alliance is not None:
        england = surv.survival_rows(ctx.survival, "all").assign(place="England")
        rows.append(england[mine.columns])
    return _published(pd.concat(rows, ignore_index=True), [["place", "dimension", "horizon"]])


def _versus_england(place: str, rows: pd.DataFrame, years: str) -> str:
    parts = []
    for h in surv.HORIZONS:
        row, eng = _row(rows, place=place, dimension="all", horizon=h), _row(
            rows, place="England", dimension="all", horizon=h)
        if not _quotable(row):
            parts.append(f"survival at {HORIZON_WORDS[h]} cannot be reported (too few patients "
                         "followed that long)")
            continue
        text = f"{_pct_ci(row)} were alive {HORIZON_WORDS[h]} after diagnosis"
        if place != "England" and _quotable(eng):
            e = eng["value"]
            relation = ("higher than" if e < row["lower"] else "lower than" if e > row["upper"]
                        else "similar to")
            text += f", {relation} England's {e:.1f}%"
        parts.append(text)
    return (f"Of adults diagnosed in {place} in {years}, age-standardised: "
            + "; ".join(parts) + ".")


def _gap_sentence(place: str, gap: pd.DataFrame, rows: pd.DataFrame) -> str:
    """The deprivation gap at each horizon, stated only where its interval excludes zero."""
    parts = []
    for h in surv.HORIZONS:
        g = _row(gap, horizon=h)
        most = _row(rows, place=place, dimension="imd_quintile", group=surv.MOST_DEPRIVED,
                    horizon=h)
        least = _row(rows, place=place, dimension="imd_quintile", group=surv.LEAST_DEPRIVED,
                     horizon=h)
        if g is None or not (_quotable(most) and _quotable(least)) or pd.isna(g["estimate"]):
            parts.append(f"at {HORIZON_WORDS[h]} the gap cannot be reported")
            continue
        interval = f"95% CI {g['lower']:.1f} to {g['upper']:.1f}"
        if g["lower"] > 0:
            verdict = (f"{g['estimate']:.1f} percentage points lower in the most deprived fifth "
                       f"({interval}): the most deprived fare worse")
        elif g["upper"] < 0:
            verdict = (f"{-g['estimate']:.1f} percentage points higher in the most deprived "
                       f"fifth ({interval}): the most deprived fare better")
        else:
            verdict = f"no gap distinguishable from chance ({interval})"
        parts.append(f"at {HORIZON_WORDS[h]}, {most['value']:.1f}% in the most deprived fifth "
                     f"against {least['value']:.1f}% in the least, {verdict}")
    return f"Deprivation gap in {place}: " + "; ".join(parts) + "."


def _ethnicity_sentence(place: str, rows: pd.DataFrame, horizon: int = 1) -> str:
    """Each ethnic group's survival against White's, named only where the interval excludes 0."""
    mine = rows[(rows["place"] == place) & (rows["dimension"] == "ethnicity")
                & (rows["horizon"] == horizon)].set_index("group")
    if REFERENCE_GROUP not in mine.index or not _quotable(mine.loc[REFERENCE_GROUP]):
        return ""
    ref = mine.loc[REFERENCE_GROUP]
    lower, higher, unclear = [], [], []
    for group, row in mine.drop(index=[REFERENCE_GROUP, "Not known"], errors="ignore").iterrows():
        if not _quotable(row):
            continue
        d, lo, hi = survival_difference(
            pd.Series({"survival": row["value"] / 100, "variance": row["variance"]}),
            pd.Series({"survival": ref["value"] / 100, "variance": ref["variance"]}))
        text = f"{group} {100 * d:+.1f} points (95% CI {100 * lo:.1f} to {100 * hi:.1f})"
        (lower if hi < 0 else higher if lo > 0 else unclear).append(text)
    if not (lower or higher or unclear):
        return ""
    parts = [f"lower for {', '.join(lower)}" if lower else "",
             f"higher for {', '.join(higher)}" if higher else "",
             f"not distinguishable from chance for {', '.join(unclear)}" if unclear else ""]
    adjective = HORIZON_WORDS[horizon].replace(" years", "-year").replace(" year", "-year")
    return (f"Against White patients in {place}, {adjective} survival is "
            + "; ".join(p for p in parts if p) + ". Groups with too few patients are not "
            "compared.")


def _years(cohort: pd.DataFrame) -> str:
    first, last = int(cohort["year"].min()), int(cohort["year"].max())
    return str(first) if first == last else f"{first} to {last}"


def _cell(row: pd.Series) -> str:
    """A survival figure with its interval, the suppression mark, or 'not estimated'."""
    if pd.isna(row["value"]) and not bool(row["suppressed"]):
        return NOT_ESTIMATED
    return format_percent(row["value"], row["lower"], row["upper"])


def _display(rows: pd.DataFrame) -> pd.DataFrame:
    """One line per group: patients and the two horizons' survival."""
    out = []
    for (place, dim, group), block in rows.groupby(["place", "dimension", "group"], sort=False):
        by = block.set_index("horizon")
        line = {"Place": place, "Breakdown": DIMENSION_LABELS[dim],
                "Group": tables.IMD_LABELS.get(group, group) if dim == "imd_quintile" else group,
                "Patients": format_count(np.nan if by["denominator"].isna().any()
                                         else by["denominator"].iloc[0])}
        for h in surv.HORIZONS:
            line[f"{HORIZON_LABELS[h]} survival % (95% CI)"] = _cell(by.loc[h])
        out.append(line)
    return pd.DataFrame(out)


def _chart(ctx: Context, rows: pd.DataFrame, title: str):
    mine = rows[(rows["place"] == ctx.place) & (rows["dimension"] == "imd_quintile")].copy()
    mine["label"] = mine["group"].map(tables.IMD_LABELS)
    mine["series"] = mine["horizon"].map(lambda h: f"{HORIZON_WORDS[h]} after diagnosis")
    order = [tables.IMD_LABELS[g] for g in surv.BREAKDOWNS["imd_quintile"]]
    fig = plots.dots(mine, category="label", series="series", order=order, title=title,
                     xlabel="Age-standardised observed survival (%)", source=ctx.source_line)
    points = "; ".join(
        f"{r.label}, {r.series}: {'suppressed' if pd.isna(r.value) else f'{r.value:.1f}%'}"
        for r in mine.itertuples())
    return plots.show(fig, f"Chart: {title}. {points}")


def survival(ctx: Context) -> Section:
    """1- and 5-year survival by stage, deprivation and ethnic group, and the deprivation gap."""
    if (missing := _missing(ctx)) is not None:
        return missing
    rows = place_rows(ctx)
    cohort = _cohort(ctx, None if ctx.alliance is None else ctx.code)
    gap = surv.deprivation_gap(rows[(rows["place"] == ctx.place) & ~rows["suppressed"]])
    years = _years(cohort)
    title = f"{ctx.place}: survival by deprivation fifth, diagnosed {years}"
    findings = [_versus_england(ctx.place, rows, years), _gap_sentence(ctx.place, gap, rows),
                _ethnicity_sentence(ctx.place, rows), OBSERVED_NOTE]
    table = _display(rows)
    note = (footnote() + f" '{NOT_ESTIMATED}': an age group has fewer than "
            f"{MIN_GROUP_PATIENTS} patients, or nobody was followed that long.")
    return Section(
        findings=findings,
        chart=_chart(ctx, rows, title),
        table=tables.show(table, caption=f"Age-standardised observed survival, {ctx.place}, "
                                         f"diagnosed {years}", note=note),
    )


def survival_gap_over_time(ctx: Context) -> Section:
    """The 1-year deprivation gap in survival by year of diagnosis, and whether it is closing."""
    if (missing := _missing(ctx)) is not None:
        return missing
    cohort = _cohort(ctx, None if ctx.alliance is None else ctx.code)
    by_year, trend, inputs = surv.gap_by_year(cohort, horizon=1)
    visible = _visible_years(by_year, inputs)
    if visible.empty:
        return Section(findings=[f"The deprivation gap in survival in {ctx.place} cannot be "
                                 "reported by year: too few patients in a year."])
    sentence = (f"In {ctx.place}, the gap in one-year survival between the least and the most "
                "deprived fifth (positive: the most deprived fare worse) was "
                + "; ".join(f"{int(r.period)}: {r.estimate:.1f} points (95% CI {r.lower:.1f} to "
                            f"{r.upper:.1f})" for r in visible.itertuples()) + ".")
    if trend.empty or len(visible) < len(by_year):
        verdict = "Too few years can be shown to say whether the gap is changing."
    else:
        t = trend.iloc[0]
        word = {"narrowing": "closing", "widening": "widening"}.get(t["trend"])
        verdict = (f"The gap is {word}: {t['slope']:+.1f} points a year (95% CI "
                   f"{t['lower']:.1f} to {t['upper']:.1f})." if word else
                   f"There is no clear change: {t['slope']:+.1f} points a year (95% CI "
                   f"{t['lower']:.1f} to {t['upper']:.1f}), an interval that includes no change.")
    fig, ax = plots.figure(figsize=(7, 3.6))
    ax.errorbar(visible["period"], visible["estimate"],
                yerr=[visible["estimate"] - visible["lower"],
                      visible["upper"] - visible["estimate"]], fmt="o-", capsize=3)
    ax.axhline(0, color="#555555", linewidth=1)
    ax.set_xticks(visible["period"].astype(int).tolist())
    title = f"{ctx.place}: deprivation gap in one-year survival by year of diagnosis"
    plots.finish(fig, ax, title, "Year of diagnosis", "Gap (percentage points)", ctx.source_line)
    alt = f"Chart: {title}. " + "; ".join(f"{int(r.period)}: {r.estimate:.1f} points"
                                          for r in visible.itertuples())
    return Section(findings=[sentence, verdict], chart=plots.show(fig, alt))


def _visible_years(by_year: pd.DataFrame, inputs: pd.DataFrame) -> pd.DataFrame:
    """Years whose two fifths both pass disclosure (a gap is never built on hidden figures)."""
    if by_year.empty:
        return by_year
    shown = _published(inputs, [["period", "dimension", "horizon"]])
    hidden = set(shown.loc[shown["suppressed"], "period"])
    counted = shown.groupby("period").size()
    ok = [year not in hidden and counted.get(year, 0) == 2 for year in by_year["period"]]
    return by_year[np.array(ok, dtype=bool)].reset_index(drop=True)


def alliance_rows(ctx: Context) -> pd.DataFrame:
    """Each alliance's and England's survival (all patients) and fifths 1 and 5, disclosed."""
    blocks = []
    for code, cohort in ctx.survival.groupby("alliance_code", observed=True):
        name = alliances.by_code(code).name
        rows = pd.concat([surv.survival_rows(cohort, "all"),
                          surv.survival_rows(cohort, "imd_quintile",
                                             groups=(surv.MOST_DEPRIVED, surv.LEAST_DEPRIVED))])
        blocks.append(rows.assign(place=name))
    england = pd.concat([surv.survival_rows(ctx.survival, "all"),
                         surv.survival_rows(ctx.survival, "imd_quintile",
                                            groups=(surv.MOST_DEPRIVED, surv.LEAST_DEPRIVED))])
    blocks.append(england.assign(place="England"))
    return _published(pd.concat(blocks, ignore_index=True), [["place", "dimension", "horizon"]])


def survival_alliances(ctx: Context) -> Section:
    """England overview: each alliance's 1- and 5-year survival and deprivation gap."""
    if (missing := _missing(ctx)) is not None:
        return missing
    rows = alliance_rows(ctx)
    lines, gaps = [], []
    eng = {h: _row(rows, place="England", dimension="all", horizon=h) for h in surv.HORIZONS}
    for place, block in rows.groupby("place", sort=True):
        line = {"Alliance": place}
        for h in surv.HORIZONS:
            r = _row(block, dimension="all", horizon=h)
            line[f"{HORIZON_LABELS[h]} survival % (95% CI)"] = _cell(r)
            if place != "England" and _quotable(r) and _quotable(eng[h]):
                e = eng[h]["value"]
                line[f"{HORIZON_LABELS[h]} against England"] = (
                    "higher" if e < r["lower"] else "lower" if e > r["upper"] else "similar")
            else:
                line[f"{HORIZON_LABELS[h]} against England"] = "" if place == "England" else (
                    "too few to say")
        visible = block[~block["suppressed"]]
        gap = surv.deprivation_gap(visible)
        g = _row(gap, horizon=1)
        line["1-year deprivation gap, points (95% CI)"] = (
            "*" if g is None or pd.isna(g["estimate"]) else
            f"{g['estimate']:.1f} ({g['lower']:.1f} to {g['upper']:.1f})")
        if g is not None and pd.notna(g["estimate"]) and place != "England":
            gaps.append({"label": place, "value": g["estimate"], "lower": g["lower"],
                         "upper": g["upper"]})
        lines.append(line)
    table = pd.DataFrame(lines)
    gaps = pd.DataFrame(gaps, columns=["label", "value", "lower", "upper"])
    worse = int((gaps["lower"] > 0).sum())
    findings = [
        f"In {worse} of {len(gaps)} alliances shown, one-year survival is lower in the most "
        "deprived fifth than in the least beyond chance (the gap's 95% interval excludes "
        "zero); in the others the interval includes no gap."
    ]
    title = "Deprivation gap in one-year survival by alliance (least minus most deprived fifth)"
    fig = plots.dots(gaps.sort_values("value"), category="label", title=title,
                     xlabel="Gap (percentage points; positive: the most deprived fare worse)",
                     source=ctx.source_line, reference={"No gap": 0.0})
    alt = f"Chart: {title}. " + "; ".join(f"{r.label}: {r.value:.1f} points"
                                          for r in gaps.itertuples())
    return Section(findings=[*findings, OBSERVED_NOTE], chart=plots.show(fig, alt),
                   table=tables.show(table, caption="Age-standardised observed survival by "
                                                    "alliance"))


def timings(ctx: Context) -> dict[str, float]:
    """Seconds each survival section takes for ``ctx`` (for the benchmark)."""
    out = {}
    sections = [survival, survival_gap_over_time]
    if ctx.alliance is None:
        sections.append(survival_alliances)
    for section in sections:
        start = time.perf_counter()
        section(ctx)
        out[section.__name__] = time.perf_counter() - start
    return out
