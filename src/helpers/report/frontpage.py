"""The front page: every alliance's headline figures against England, in one table.

The numbers come from the count cube at index time, through the same table
functions the England page's rankings use (:func:`helpers.report.tables.alliances_side_by_side`
for each indicator's latest period, :func:`helpers.analysis.inequality.gaps.fifth_gaps`
for the deprivation gap), so the front page's verdicts are England page's:
better or worse than England only when the alliance lies outside the funnel's
95% limits (:mod:`helpers.analysis.inequality.unusual`, the project's one rule).
Every published count and rate has passed :func:`helpers.report.disclosure.suppress`
on the way (inside those table functions) and is formatted by the disclosure module.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.analysis.inequality.gaps import fifth_gaps
from helpers.cube import ENGLAND_CODE, select
from helpers.registry import alliances, indicators
from helpers.report import tables
from helpers.report.context import Context
from helpers.report.disclosure import format_percent

HEADLINE_INDICATORS: tuple[str, ...] = (
    "early_stage", *indicators.WAITING_TIME_INDICATORS, "emergency_presentation",
)
"""The indicators compared with England, in the front page's column order (the gap and
Core20 share follow early diagnosis)."""

GAP_INDICATOR = "early_stage"

MARKS: dict[str, tuple[str, str]] = {
    "better": ("\u2713", "better"),
    "worse": ("\u2717", "worse"),
    "similar": ("=", "similar"),
    "too few to say": ("\u2013", "too few to say"),
    "no data": ("\u2013", "no data"),
    "gap": ("\u2717", "gap beyond chance"),
    "reversed": ("\u2713", "reversed beyond chance"),
    "no clear gap": ("=", "within chance"),
}
"""Each verdict's symbol and words (in a cell): nothing is said by colour alone."""


@dataclass
class Column:
    """One headline column: what it shows, for which period, and a cell per area code."""

    key: str
    heading: str
    period: str
    note: str
    cells: dict[str, dict]


def verdict_words(versus_england: str, higher_is_better: bool) -> str:
    """Turn the ranking's "higher" / "lower" into "better" / "worse" for the indicator."""
    if versus_england in ("higher", "lower"):
        good = "higher" if higher_is_better else "lower"
        return "better" if versus_england == good else "worse"
    return versus_england or ""


def indicator_column(ctx: Context, key: str) -> Column:
    """One indicator in its latest period: each area's value and its England-page verdict."""
    ind = indicators.get(key)
    period = ctx.latest(key)
    rows = tables.alliances_side_by_side(ctx.cube, key, period)
    cells = {}
    for r in rows.itertuples():
        verdict = "" if r.geography_type == "england" else verdict_words(
            r.versus_england, ind.higher_is_better)
        cells[r.geography_code] = {"value": r.value, "lower": r.lower, "upper": r.upper,
                                   "text": format_percent(r.value, r.lower, r.upper),
                                   "verdict": verdict}
    direction = "higher is better" if ind.higher_is_better else "lower is better"
    return Column(key, ind.short, period, f"{ind.title}, {period}; {direction}.", cells)


def gap_column(ctx: Context, key: str = GAP_INDICATOR) -> Column:
    """The deprivation gap, pooled over every year, as the England page's gap table gives it."""
    ind = indicators.get(key)
    rows = select(ctx.cube, indicator=key, dimension="imd_quintile",
                  geography_type=("alliance", "england"), group=("1", "5"))
    gaps = fifth_gaps(tables.pooled(rows), ind.higher_is_better,
                      by=("geography_code", "geography_type"))
    cells = {}
    for r in gaps.itertuples():
        verdict = ("gap" if r.lower > 0 else "reversed" if r.upper < 0 else "no clear gap")
        cells[r.geography_code] = {
            "value": r.value, "lower": r.lower, "upper": r.upper,
            "text": tables.no_negative_zero(f"{r.value:.1f} ({r.lower:.1f} to {r.upper:.1f})"),
            "verdict": verdict}
    period = ctx.pooled_label(key)
    return Column("deprivation_gap", "Deprivation gap, points", period,
                  f"{ind.short}: least minus most deprived fifth (national IMD quintiles), "
                  f"percentage points with Newcombe's 95% interval, {period}; positive means "
                  "the most deprived fifth is worse off. Marked when the interval excludes no "
                  "gap (the England page's 'Beyond chance?').", cells)


def core20_column(ctx: Context) -> Column | None:
    """Share of residents in England's most deprived 20% of areas (context, no verdict)."""
    areas = ctx.areas
    if areas is None or areas.empty:
        return None
    known = areas["population"].notna().all()
    weight = areas["population"].astype(float) if known else pd.Series(1.0, areas.index)
    core = np.where(areas["imd_quintile"] == 1, weight, 0.0)
    frame = pd.DataFrame({"code": areas["alliance_code"], "weight": weight, "core": core})
    shares = frame.groupby("code")[["weight", "core"]].sum()
    shares.loc[ENGLAND_CODE] = shares.sum()
    cells = {code: {"value": 100 * r.core / r.weight, "lower": np.nan, "upper": np.nan,
                    "text": format_percent(100 * r.core / r.weight), "verdict": ""}
             for code, r in shares.iterrows()}
    basis = "residents (IMD 2019, mid-2015 populations)" if known else "small areas"
    return Column("core20", "Core20 share", "IMD 2019",
                  f"Share of {basis} in England's most deprived 20% of areas: context for the "
                  "other columns, not a measure of performance, so not marked.", cells)


def headline_columns(ctx: Context) -> list[Column]:
    """Every headline column the data hold, in the front page's order."""
    columns = []
    for key in HEADLINE_INDICATORS:
        if ctx.has(key):
            columns.append(indicator_column(ctx, key))
        if key == GAP_INDICATOR and ctx.has(key, "imd_quintile"):
            columns.append(gap_column(ctx, key))
            if (core := core20_column(ctx)) is not None:
                columns.append(core)
    return columns


def _cell(column: Column, code: str) -> str:
    cell = column.cells.get(code)
    if cell is None:
        return '<td data-sort="">not available</td>'
    sort = "" if pd.isna(cell["value"]) else f"{cell['value']:.3f}"
    value, _, interval = html.escape(cell["text"]).partition(" ")
    shown = f'{value}<span class="cai-ci"> {interval}</span>' if interval else value
    verdict = cell["verdict"]
    if not verdict:
        return f'<td data-sort="{sort}">{shown}</td>'
    mark, words = MARKS.get(verdict, ("", verdict))
    kind = verdict if verdict in ("better", "similar", "worse") else "none"
    return (f'<td data-sort="{sort}" class="cai-v cai-v-{kind}">{shown}'
            f'<span class="cai-mark"><span aria-hidden="true">{mark}</span> '
            f"{html.escape(words)}</span></td>")


def _area_link(code: str, name: str, pages: dict[str, str]) -> str:
    page = pages.get(code)
    label = html.escape(name)
    return f'<a href="{html.escape(page)}">{label}</a>' if page else f"{label} (no report)"


def headline_table(ctx: Context, pages: dict[str, str]) -> str:
    """The front page's table: England first, then every alliance, sortable by any column.

    Parameters
    ----------
    ctx
        The England context (:func:`helpers.report.context.load` without an alliance).
    pages
        Area code -> the report page it links to (alliances with a report, and
        England's overview).
    """
    columns = headline_columns(ctx)
    codes = sorted(select(ctx.cube, indicator=None, dimension=None, geography_type="alliance")[
        "geography_code"].unique(),
                   key=lambda c: alliances.by_code(c).name)
    head = "".join(
        f'<th scope="col" aria-sort="none"><button type="button" class="cai-sort">'
        f"{html.escape(c.heading)}<br><span class='cai-period'>{html.escape(c.period)}</span>"
        "</button></th>" for c in columns)
    rows = [f'<tr class="cai-england"><th scope="row">'
            f"{_area_link(ENGLAND_CODE, 'England', pages)}</th>"
            + "".join(_cell(c, ENGLAND_CODE) for c in columns) + "</tr>"]
    rows += [f'<tr><th scope="row" data-sort="{html.escape(alliances.by_code(code).name)}">'
             f"{_area_link(code, alliances.by_code(code).name, pages)}</th>"
             + "".join(_cell(c, code) for c in columns) + "</tr>"
             for code in codes]
    notes = "".join(f"<li><strong>{html.escape(c.heading)}</strong>: {html.escape(c.note)}</li>"
                    for c in columns)
    return (
        '<p class="cai-caption" id="headline-caption"><strong>Headline indicators: every '
        "Cancer Alliance against England (latest period of each; select a heading to sort)"
        "</strong></p>"
        '<div class="cai-scroll" role="region" aria-labelledby="headline-caption" tabindex="0">'
        '<table class="cai-table cai-headline" id="headline" '
        'aria-labelledby="headline-caption">'
        f'<thead><tr><th scope="col" aria-sort="ascending"><button type="button" '
        f'class="cai-sort">Cancer Alliance</button></th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        f'<ul class="cai-note cai-columns">{notes}</ul>'
    )


SORT_SCRIPT = """
(function () {
  var table = document.getElementById('headline');
  if (!table) { return; }
  var heads = table.querySelectorAll('thead th');
  heads.forEach(function (th, col) {
    th.querySelector('button').addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      heads.forEach(function (h) { h.setAttribute('aria-sort', 'none'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows, 1);
      function key(row) {
        var cell = row.cells[col];
        var raw = cell.getAttribute('data-sort');
        if (raw === null || raw === '') { return null; }
        var num = parseFloat(raw);
        return col === 0 || isNaN(num) ? raw.toLowerCase() : num;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null) { return y === null ? 0 : 1; }
        if (y === null) { return -1; }
        var order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
"""
"""Sorts the headline table by a heading's column (England stays first; blanks last)."""


def legend_html() -> str:
    """The key to the marks: symbol, words and the cell shading that repeats them."""
    spans = " ".join(
        f'<span class="cai-v-{v}"><span aria-hidden="true">{MARKS[v][0]}</span> '
        f"{v} than England</span>".replace("similar than", "similar to")
        for v in ("better", "similar", "worse"))
    return (f'<span class="cai-legend">Key: {spans}; \u2013 too few to say (figures '
            "suppressed) or no data. Deprivation gap: \u2717 the most deprived fifth worse off "
            "beyond chance, = within chance, \u2713 better off beyond chance.</span>")
