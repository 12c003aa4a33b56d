"""The house chart style: colour-blind safe, labelled, with a source line and alt text.

Charts are drawn with seaborn/matplotlib and shown as an ``<img>`` with alt text
(embedded as base64 PNG, so reports stay self-contained and offline).
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

PALETTE = sns.color_palette("colorblind")
TARGET_COLOUR = "#555555"

Figure = plt.Figure
"""The chart type every drawing function returns."""


def setup() -> None:
    """Apply the house style (call once per notebook)."""
    sns.set_theme(style="whitegrid", palette="colorblind", context="notebook")
    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "axes.titlelocation": "left",
        }
    )


def figure(nrows: int = 1, ncols: int = 1, **kwargs) -> tuple[plt.Figure, object]:
    """A new figure and its axes in the house style (``plt.subplots`` arguments)."""
    return plt.subplots(nrows, ncols, **kwargs)


def palette(n: int) -> list:
    """The house colour-blind-safe palette, ``n`` colours."""
    return sns.color_palette("colorblind", n)


def heatmap(data: pd.DataFrame, **kwargs):
    """A seaborn heat map in the house style (``sns.heatmap`` arguments)."""
    return sns.heatmap(data, **kwargs)


def discard(fig: plt.Figure) -> None:
    """Close a figure that will not be shown."""
    plt.close(fig)


def finish(
    fig: plt.Figure, ax: plt.Axes, title: str, xlabel: str, ylabel: str, source: str
) -> plt.Figure:
    """Title, axis labels and the source line; lay the figure out."""
    ax.set_title(title, loc="left", wrap=True)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.text(0.01, 0.005, source, fontsize=8, color="#555555", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
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
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for colour, (name, part) in zip(PALETTE, rows.groupby(series, sort=False), strict=False):
        part = part.sort_values("period")
        err = [part["value"] - part["lower"], part["upper"] - part["value"]]
        ax.errorbar(
            part["period"],
            part["value"],
            yerr=err,
            label=name,
            color=colour,
            marker="o",
            capsize=4,
            linewidth=2,
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
) -> plt.Figure:
    """Horizontal dot-and-interval chart: one row per ``category``, optionally per ``series``."""
    order = order or list(dict.fromkeys(rows[category]))
    groups = list(rows.groupby(series, sort=False)) if series else [(None, rows)]
    height = max(2.6, 0.38 * len(order) * (1 + 0.25 * (len(groups) - 1)) + 1.4)
    fig, ax = plt.subplots(figsize=(8, height))
    step = 0.6 / max(len(groups), 1)
    for i, (colour, (name, part)) in enumerate(zip(PALETTE, groups, strict=False)):
        part = part.set_index(category).reindex(order)
        pos = [order.index(c) + (i - (len(groups) - 1) / 2) * step for c in order]
        err = [part["value"] - part["lower"], part["upper"] - part["value"]]
        ax.errorbar(part["value"], pos, xerr=err, fmt="o", color=colour, capsize=3, label=name)
    for (label, value), style in zip((reference or {}).items(), ("--", ":", "-."), strict=False):
        ax.axvline(value, color=TARGET_COLOUR, linestyle=style, linewidth=1, label=label)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(order)
    ax.invert_yaxis()
    if series or reference:
        ax.legend(frameon=False, loc="best", fontsize=9)
    return finish(fig, ax, title, xlabel, "", source)


def bars(
    rows: pd.DataFrame, *, category: str, value: str, series: str, title: str, ylabel: str,
    source: str, order: list[str] | None = None,
) -> plt.Figure:
    """Grouped vertical bars: ``value`` per ``category`` for each ``series``."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    sns.barplot(rows, x=category, y=value, hue=series, order=order, ax=ax,
                palette=PALETTE[: rows[series].nunique()])
    ax.legend(frameon=False)
    return finish(fig, ax, title, "", ylabel, source)


def show(fig: plt.Figure, alt: str):
    """Return the figure as an HTML ``<img>`` with alt text, and close it."""
    from IPython.display import HTML

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    return HTML(
        f'<figure class="cai-figure"><img src="data:image/png;base64,{data}" '
        f'alt="{html.escape(alt)}" style="max-width:100%"></figure>'
    )
