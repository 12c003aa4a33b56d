"""The house chart style: one colour-blind-safe palette, labelled, fixed layout, small files.

Charts are drawn with seaborn/matplotlib and shown as an ``<img>`` with alt text
(embedded as base64 PNG, so reports stay self-contained and offline).

Colours. One palette, Okabe and Ito's colour-blind-safe set ("Color Universal
Design", 2008), is defined here and nowhere else: the alliance is always
:data:`COLOURS` ``["place"]`` (blue, round markers, solid lines) and England
``["england"]`` (orange, square markers, dashed lines), in every chart; other
areas are grey, so that in a chart of every alliance the report's own stands
out. Markers, line styles and labels carry the same information as the
colours, so nothing is told by colour alone.

Layout. Every single chart has fixed margins worked out from its text (title
lines, tick-label lengths, the source line: :func:`fixed_margins`, applied by
:func:`finish`), so it is drawn once, when saved: no tight layout and no tight
bounding box, which each cost a draw. The PNG is saved at the figure's own size
and quantised to a 256-colour palette with Pillow (:func:`png_bytes`), which
keeps the text sharp and the file about a third of the size.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from PIL import Image  # noqa: E402

OKABE_ITO: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
                              "#D55E00", "#F0E442", "#000000")
"""Okabe and Ito's colour-blind-safe palette: blue, orange, bluish green, reddish purple,
sky blue, vermillion, yellow, black."""
PALETTE: tuple[str, ...] = OKABE_ITO
COLOURS: dict[str, str] = {
    "place": OKABE_ITO[0],    # the report's alliance (or England on England's own page)
    "england": OKABE_ITO[1],  # England as the comparator
    "other": "#A0A0A0",       # every other area, in charts of all areas
    "area": OKABE_ITO[0],     # the points of a funnel or ranking
    "limit": "#6E6E6E",       # funnel limits
    "reference": "#444444",   # standards, ambitions, "no gap" lines
}
"""What each colour means, in every chart."""
MARKERS: dict[str, str] = {"place": "o", "england": "s", "other": "o"}
LINES: dict[str, str] = {"place": "-", "england": "--", "other": ":"}
TARGET_COLOUR = COLOURS["reference"]
DPI = 100
"""Pixels per inch of the embedded PNG: an 8-inch chart is 800 px, the width of the page."""
SOURCE_BAND = 0.3
"""Height in inches kept free at the bottom of every figure for the source line (and note)."""
TITLE_CHARS_PER_INCH = 9
"""Wrap titles at about this many characters per inch of the axes' width (12 pt bold)."""

Figure = plt.Figure
"""The chart type every drawing function returns."""


def setup() -> None:
    """Apply the house style (call once per notebook)."""
    sns.set_theme(style="whitegrid", palette=list(OKABE_ITO), context="notebook")
    plt.rcParams.update(
        {
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "axes.titlelocation": "left",
            "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO)),
        }
    )


def figure(nrows: int = 1, ncols: int = 1, **kwargs) -> tuple[plt.Figure, object]:
    """A new figure and its axes in the house style (``plt.subplots`` arguments).

    Single charts get fixed margins from :func:`finish` (no layout engine, so the
    figure is drawn once); pass ``layout="constrained"`` for a grid of charts.
    """
    return plt.subplots(nrows, ncols, **kwargs)


CHAR_WIDTH = 0.085
"""Inches per character of a 10-11 pt label, to size margins without drawing the figure."""
LINE_HEIGHT = {"title": 0.24, "label": 0.28, "ticks": 0.25, "footer": 0.14}
"""Inches per line of the title, an axis label, tick labels and the source line."""
MIN_AXES_HEIGHT = 1.5
"""Inches the plotting area keeps however long the title and labels are."""


def _tick_texts(axis) -> list[str]:
    labels = [t.get_text() for t in axis.get_ticklabels()]
    if any(labels):
        return labels
    ticks = axis.get_ticklocs()
    return list(axis.get_major_formatter().format_ticks(ticks)) if len(ticks) else []


def fixed_margins(fig: plt.Figure, ax: plt.Axes, title: str, xlabel: str, ylabel: str,
                  footer_lines: int) -> None:
    """Label the axes and place them with margins worked out from the text, without a draw.

    The margins come from character counts (:data:`CHAR_WIDTH`) and line heights
    (:data:`LINE_HEIGHT`), so no tight bounding box is measured; the title and
    axis labels are wrapped to the width (or height) of the axes so that none is
    cut off. This is the house layout of every single chart.
    """
    width, height = fig.get_figwidth(), fig.get_figheight()
    ylabel = textwrap.fill(ylabel, int(max(height - 1.4, 1.5) / CHAR_WIDTH)) if ylabel else ""
    left = 0.3 + CHAR_WIDTH * max((len(t) for t in _tick_texts(ax.yaxis)), default=2)
    left = min(left + LINE_HEIGHT["label"] * (ylabel.count("\n") + 1 if ylabel else 0),
               0.6 * width)
    right = 0.25 + (0.65 if len(fig.axes) > 1 else 0.0)  # a colour bar's labels
    inside = width - left - right
    title = textwrap.fill(title, int(inside * TITLE_CHARS_PER_INCH))
    xlabel = textwrap.fill(xlabel, int(inside / CHAR_WIDTH)) if xlabel else ""
    ax.set_title(title, loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    rotated = any(t.get_rotation() for t in ax.get_xticklabels())
    ticks = (0.6 * CHAR_WIDTH * max((len(t) for t in _tick_texts(ax.xaxis)), default=2) + 0.1
             if rotated else LINE_HEIGHT["ticks"])
    bottom = (0.12 + footer_lines * LINE_HEIGHT["footer"] + ticks
              + (LINE_HEIGHT["label"] * (xlabel.count("\n") + 1) if xlabel else 0.0))
    top = 0.15 + (title.count("\n") + 1) * LINE_HEIGHT["title"]
    if height < top + bottom + MIN_AXES_HEIGHT:  # long titles grow the figure, not squash it
        height = top + bottom + MIN_AXES_HEIGHT
        fig.set_figheight(height)
    fig.subplots_adjust(left=left / width, right=1 - right / width,
                        bottom=bottom / height, top=1 - top / height)


def style(role: str) -> dict:
    """Colour, marker and line style of a role (``"place"``, ``"england"``, ``"other"``)."""
    return {"color": COLOURS[role], "marker": MARKERS[role], "linestyle": LINES[role]}


def role_of(name: str, place: str | None = None) -> str:
    """``"england"`` for England, ``"place"`` for the report's place (or any other series
    when no place is named), else ``"other"``."""
    if name == "England":
        return "england"
    return "place" if place is None or name == place else "other"


def palette(n: int) -> list:
    """The house colour-blind-safe palette, ``n`` colours (repeating after eight)."""
    return [OKABE_ITO[i % len(OKABE_ITO)] for i in range(n)]


def heatmap(data: pd.DataFrame, **kwargs):
    """A seaborn heat map in the house style (``sns.heatmap`` arguments)."""
    return sns.heatmap(data, **kwargs)


def discard(fig: plt.Figure) -> None:
    """Close a figure that will not be shown."""
    plt.close(fig)


def finish(
    fig: plt.Figure, ax: plt.Axes, title: str, xlabel: str, ylabel: str, source: str,
    note: str = "",
) -> plt.Figure:
    """Title, axis labels, the source line (and an optional note), in fixed margins.

    The margins are set from the text (:func:`fixed_margins`): no tight layout and
    no tight bounding box, so the figure is drawn once, when it is saved.
    """
    footer(fig, f"{source} {note}." if note else source)
    fixed_margins(fig, ax, title, xlabel, ylabel, fig.texts[-1].get_text().count("\n") + 1)
    return fig


def footer(fig: plt.Figure, text: str) -> plt.Figure:
    """The source line (and any note) at the bottom left of the figure."""
    text = textwrap.fill(text, width=int(fig.get_figwidth() * 18))
    fig.text(0.01, 0.01, text, fontsize=8, color="#555555", ha="left", va="bottom")
    return fig


MIN_PERCENT_SPAN = 20.0
"""Percentage axes span at least this many points, so small changes do not look steep."""


def at_least_span(ax, span: float, low: float = 0.0, high: float = 100.0) -> None:
    """Widen the y axis to at least ``span`` around its centre, inside ``low``-``high``."""
    bottom, top = ax.get_ylim()
    if top - bottom >= span:
        return
    centre = (bottom + top) / 2
    bottom, top = centre - span / 2, centre + span / 2
    if bottom < low:
        bottom, top = low, low + span
    if top > high:
        bottom, top = high - span, high
    ax.set_ylim(bottom, top)


def trend(
    rows: pd.DataFrame,
    *,
    series: str,
    title: str,
    ylabel: str,
    source: str,
    target: float | None = None,
    xlabel: str = "Year of diagnosis",
) -> plt.Figure:
    """Lines of ``value`` by ``period`` for each ``series``, with 95% interval bars."""
    fig, ax = figure(figsize=(8, 4.2))
    for name, part in rows.groupby(series, sort=False):
        part = part.sort_values("period")
        err = [part["value"] - part["lower"], part["upper"] - part["value"]]
        ax.errorbar(
            part["period"],
            part["value"],
            yerr=err,
            label=name,
            capsize=4,
            linewidth=2,
            **style(role_of(str(name))),
        )
    if target is not None:
        ax.axhline(target, color=TARGET_COLOUR, linestyle="--", linewidth=1)
        ax.annotate(
            f"standard {target:g}%",
            xy=(1, target),
            xycoords=("axes fraction", "data"),
            ha="right",
            va="bottom",
            fontsize=9,
            color=TARGET_COLOUR,
        )
    at_least_span(ax, MIN_PERCENT_SPAN)
    periods = sorted(rows["period"].unique())
    if len(periods) > 12:  # label every sixth month so the axis stays readable
        ax.set_xticks(periods[::6])
        ax.tick_params(axis="x", labelrotation=45)
    ax.legend(frameon=False)
    return finish(fig, ax, title, xlabel, ylabel, source)


def dots(
    rows: pd.DataFrame,
    *,
    category: str,
    title: str,
    xlabel: str,
    source: str,
    series: str | None = None,
    order: list[str] | None = None,
    reference: dict[str, float] | None = None,
    highlight: str | None = None,
) -> plt.Figure:
    """Horizontal dot-and-interval chart: one row per ``category``, optionally per ``series``.

    ``series`` named England are drawn in England's colour with square markers,
    the others in the place's; ``highlight`` names a category (the report's
    alliance among all alliances) drawn in the place's colour, bold, the rest grey.
    Rows whose value is suppressed (NaN) are not drawn; their label stays.
    """
    order = order or list(dict.fromkeys(rows[category]))
    groups = list(rows.groupby(series, sort=False)) if series else [(None, rows)]
    height = max(2.6, 0.38 * len(order) * (1 + 0.25 * (len(groups) - 1)) + 1.4)
    fig, ax = figure(figsize=(8, height))
    step = 0.6 / max(len(groups), 1)
    for i, (name, part) in enumerate(groups):
        part = part.set_index(category).reindex(order)
        pos = pd.Series([order.index(c) + (i - (len(groups) - 1) / 2) * step for c in order],
                        index=part.index)
        roles = ([role_of(str(name))] * len(order) if series else
                 [role_of(str(c), highlight) if highlight else "place" for c in order])
        for role in dict.fromkeys(roles):
            mine = [r == role for r in roles]
            sub, at = part[mine], pos[mine]
            err = [sub["value"] - sub["lower"], sub["upper"] - sub["value"]]
            ax.errorbar(sub["value"], at, xerr=err, fmt=MARKERS[role], color=COLOURS[role],
                        capsize=3, label=name if series else None,
                        markersize=8 if role == "place" and highlight else 6)
    for (label, value), line in zip((reference or {}).items(), ("--", ":", "-."), strict=False):
        colour = COLOURS["england"] if label.startswith("England") else TARGET_COLOUR
        ax.axvline(value, color=colour, linestyle=line, linewidth=1.2, label=label)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(order)
    if highlight in order:
        tick = ax.get_yticklabels()[order.index(highlight)]
        tick.set_fontweight("bold")
        tick.set_color(COLOURS["place"])
    ax.invert_yaxis()
    if series or reference:
        ax.legend(frameon=False, loc="best", fontsize=9)
    return finish(fig, ax, title, xlabel, "", source)


def bars(
    rows: pd.DataFrame, *, category: str, value: str, series: str, title: str, ylabel: str,
    source: str, order: list[str] | None = None,
) -> plt.Figure:
    """Grouped vertical bars: ``value`` per ``category`` for each ``series``.

    England's bars are orange and hatched, the place's blue, so the two differ in
    pattern as well as colour; each bar is labelled with its value.
    """
    fig, ax = figure(figsize=(8, 4.2))
    names = list(dict.fromkeys(rows[series]))
    colours = {n: COLOURS[role_of(str(n))] for n in names}
    sns.barplot(rows, x=category, y=value, hue=series, order=order, ax=ax, palette=colours,
                hue_order=names)
    for container, name in zip(ax.containers, names, strict=False):
        if role_of(str(name)) == "england":
            for patch in container:
                patch.set_hatch("//")
                patch.set_edgecolor("white")
        ax.bar_label(container, fmt="%.0f%%", fontsize=8, padding=2)
    ax.legend(frameon=False)
    return finish(fig, ax, title, "", ylabel, source)


def png_bytes(fig: plt.Figure) -> bytes:
    """The figure as a PNG quantised to 256 colours (Pillow), at the figure's own size."""
    raw = io.BytesIO()
    fig.savefig(raw, format="png", dpi=DPI)
    image = Image.open(raw).convert("RGB").quantize(colors=256,
                                                    method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def show(fig: plt.Figure, alt: str):
    """Return the figure as an HTML ``<img>`` with alt text, and close it."""
    from IPython.display import HTML

    data = base64.b64encode(png_bytes(fig)).decode()
    plt.close(fig)
    return HTML(
        f'<figure class="cai-figure"><img src="data:image/png;base64,{data}" '
        f'alt="{html.escape(alt)}" style="max-width:100%"></figure>'
    )
