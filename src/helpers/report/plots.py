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

Layout. Every figure uses matplotlib's constrained layout with a fixed bottom
band for the source line (:func:`figure`, :func:`finish`); the PNG is saved at
the figure's own size (no tight bounding box, which costs a second draw) and
quantised to a 256-colour palette with Pillow (:func:`png_bytes`), which keeps
the text sharp and the file about a third of the size.
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
TITLE_CHARS_PER_INCH = 11
"""Wrap titles at about this many characters per inch of figure width (12 pt bold)."""

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

    The layout is constrained (labels are kept inside the figure as it is drawn,
    once), with a band at the bottom for the source line.
    """
    fig, axes = plt.subplots(nrows, ncols, layout="constrained", **kwargs)
    _reserve_source_band(fig, 1)
    return fig, axes


def _reserve_source_band(fig: plt.Figure, lines: int) -> None:
    height = fig.get_figheight()
    fig.get_layout_engine().set(rect=(0, SOURCE_BAND * lines / height, 1,
                                      1 - SOURCE_BAND * lines / height))


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


def wrap_title(title: str, fig: plt.Figure) -> str:
    """``title`` broken into lines that fit the figure's width."""
    return textwrap.fill(title, width=int(fig.get_figwidth() * TITLE_CHARS_PER_INCH))


def finish(
    fig: plt.Figure, ax: plt.Axes, title: str, xlabel: str, ylabel: str, source: str,
    note: str = "",
) -> plt.Figure:
    """Title, axis labels, the source line and an optional note under it.

    The layout is constrained (:func:`figure`): no tight layout, no second draw.
    """
    ax.set_title(wrap_title(title, fig), loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return footer(fig, f"{source} {note}." if note else source)


def footer(fig: plt.Figure, text: str) -> plt.Figure:
    """The source line (and any note) in the band kept free at the bottom of the figure."""
    text = textwrap.fill(text, width=int(fig.get_figwidth() * 18))
    _reserve_source_band(fig, text.count("\n") + 1)
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
    image = Image.open(raw).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
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
