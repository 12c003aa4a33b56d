"""The house chart style: percentage axes never exaggerate a small change."""

from __future__ import annotations

import pandas as pd

from helpers.report import plots


def test_a_trend_axis_spans_at_least_twenty_points():
    rows = pd.DataFrame({"place": ["A"] * 3, "period": ["2021", "2022", "2023"],
                         "value": [70.0, 71.0, 72.0], "lower": [69.0, 70.0, 71.0],
                         "upper": [71.0, 72.0, 73.0]})
    fig = plots.trend(rows, series="place", title="t", ylabel="%", source="s")
    bottom, top = fig.axes[0].get_ylim()
    assert top - bottom >= plots.MIN_PERCENT_SPAN - 1e-9
    assert bottom <= 69.0 and top >= 73.0  # the data stay inside
    plots.discard(fig)


def test_the_span_stays_inside_zero_to_one_hundred():
    fig, ax = plots.figure()
    ax.set_ylim(95, 99)
    plots.at_least_span(ax, 20)
    assert ax.get_ylim() == (80, 100)
    ax.set_ylim(1, 3)
    plots.at_least_span(ax, 20)
    assert ax.get_ylim() == (0, 20)
    plots.discard(fig)
