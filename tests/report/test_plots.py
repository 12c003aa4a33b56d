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


def _rows(places=("Peninsula", "England")) -> pd.DataFrame:
    return pd.DataFrame({"place": [p for p in places for _ in range(2)],
                         "period": ["2021", "2022"] * len(places),
                         "value": [50.0, 52.0, 55.0, 56.0][: 2 * len(places)],
                         "lower": [45.0, 47.0, 53.0, 54.0][: 2 * len(places)],
                         "upper": [55.0, 57.0, 57.0, 58.0][: 2 * len(places)]})


def test_the_alliance_and_england_keep_their_colours_and_markers_in_every_chart():
    from matplotlib.colors import to_hex

    for order in (("Peninsula", "England"), ("England", "Peninsula")):
        fig = plots.trend(_rows(order), series="place", title="t", ylabel="%", source="s")
        lines = {c.get_label(): c.lines[0] for c in fig.axes[0].containers}
        assert to_hex(lines["Peninsula"].get_color()) == plots.OKABE_ITO[0].lower()
        assert to_hex(lines["England"].get_color()) == plots.OKABE_ITO[1].lower()
        # not colour alone: England has square markers and dashes, the alliance round and solid
        assert lines["England"].get_marker() == "s" and lines["England"].get_linestyle() == "--"
        assert lines["Peninsula"].get_marker() == "o" and lines["Peninsula"].get_linestyle() == "-"
        plots.discard(fig)


def test_the_alliance_is_highlighted_among_all_alliances():
    from matplotlib.colors import to_hex

    rows = pd.DataFrame({"name": ["A", "B", "C"], "value": [1.0, 2.0, 3.0],
                         "lower": [0.5, 1.5, 2.5], "upper": [1.5, 2.5, 3.5]})
    fig = plots.dots(rows, category="name", title="t", xlabel="x", source="s", highlight="B")
    ax = fig.axes[0]
    bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert bold == ["B"]
    points = {to_hex(c.lines[0].get_color()): list(c.lines[0].get_ydata())
              for c in ax.containers}
    assert points[plots.COLOURS["place"].lower()] == [1.0]  # B, the second row
    assert sorted(points[plots.COLOURS["other"].lower()]) == [0.0, 2.0]
    plots.discard(fig)


def test_fixed_margins_keep_long_labels_inside_and_do_not_need_a_draw():
    names = ["Somerset, Wiltshire, Avon and Gloucestershire", "Peninsula"]
    rows = pd.DataFrame({"name": names, "value": [1.0, 2.0], "lower": [0.5, 1.5],
                         "upper": [1.5, 2.5]})
    fig = plots.dots(rows, category="name", title="A title " * 30, xlabel="an axis " * 20,
                     source="s")
    assert fig.get_layout_engine() is None  # no tight or constrained layout pass
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    ax = fig.axes[0]
    for text in [ax.title, ax.xaxis.label, *ax.get_yticklabels(), *fig.texts]:
        extent = text.get_window_extent(renderer)
        assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, text.get_text()[:40]
        assert extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1, text.get_text()[:40]
    plots.discard(fig)


def test_charts_are_saved_as_palette_pngs_at_the_house_resolution():
    import io

    from PIL import Image

    fig = plots.trend(_rows(), series="place", title="t", ylabel="%", source="s")
    width = fig.get_figwidth()
    image = Image.open(io.BytesIO(plots.png_bytes(fig)))
    assert image.mode == "P"  # 256-colour palette
    assert image.size[0] == round(width * plots.DPI)
    plots.discard(fig)


def test_a_ranking_of_all_alliances_keeps_its_longest_name_and_title_inside():
    """The England ranking's real case: 20 rows, the longest alliance name, a findings title."""
    names = ["Somerset, Wiltshire, Avon and Gloucestershire"] + [f"Alliance {i}" for i in range(19)]
    rows = pd.DataFrame({"name": names, "value": [56.0] * 20, "lower": [55.0] * 20,
                         "upper": [57.0] * 20})
    fig = plots.dots(rows, category="name", xlabel="% diagnosed at stage 1 or 2", source="s",
                     title="Early stage (1-2): 2 alliances above England's 56.0% beyond chance, "
                           "0 below (2022)")
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer, box = fig.canvas.get_renderer(), fig.bbox
    ax = fig.axes[0]
    x_ticks = {label for tick in ax.xaxis.get_major_ticks() + ax.xaxis.get_minor_ticks()
               for label in (tick.label1, tick.label2)}  # matplotlib keeps spares off the axis
    shown = [t for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t not in x_ticks]
    assert any("beyond chance" in " ".join(t.get_text().split()) for t in shown)  # the title
    for text in shown:
        extent = text.get_window_extent(renderer)
        assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, text.get_text()[:40]
    plots.discard(fig)
