"""helpers.report.frontpage: the headline table against England, on a hand-made cube."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from hand_intervals import newcombe, wilson

from helpers.registry import alliances, indicators
from helpers.report import frontpage
from helpers.report.context import Context
from helpers.report.sections import overview

ENGLAND = "E92000001"
CODES = [a.code for a in alliances.ALLIANCES]
HIGH, LOW = CODES[0], CODES[1]
SPREAD = (-20, 15, -10, 5, 0, 12, -8, 18, -15, 3, -5, 9, -12, 7, -3, 10, -18, 1)
EARLY = dict(zip(CODES, [650, 450, *(550 + d for d in SPREAD)], strict=True))
"""Stage 1-2 of 1,000 staged tumours: one alliance well above the rest, one well below."""
FIFTHS = {HIGH: ((40, 100), (80, 100)), LOW: ((48, 100), (52, 100))}
"""(most deprived, least deprived) fifth counts: a clear gap, and none."""


def row(indicator, gtype, code, n, d, dimension="all", group="all"):
    name = "England" if code == ENGLAND else alliances.by_code(code).name
    return {"period": "2022", "geography_type": gtype, "geography_code": code,
            "geography_name": name, "parent_code": "" if code == ENGLAND else ENGLAND,
            "indicator": indicator, "dimension": dimension, "group": group,
            "numerator": n, "denominator": d}


@pytest.fixture
def ctx() -> Context:
    rows = []
    for key in ("early_stage", "emergency_presentation"):
        rows += [row(key, "alliance", c, n, 1000) for c, n in EARLY.items()]
        rows.append(row(key, "england", ENGLAND, sum(EARLY.values()), 1000 * len(EARLY)))
    for code, fifths in FIFTHS.items():
        for group, (n, d) in zip(("1", "5"), fifths, strict=True):
            rows.append(row("early_stage", "alliance", code, n, d, "imd_quintile", group))
    for group in ("1", "5"):
        rows.append(row("early_stage", "england", ENGLAND, 1000, 2000, "imd_quintile", group))
    areas = pd.DataFrame({"alliance_code": [HIGH, HIGH, LOW, LOW],
                          "imd_quintile": [1, 3, 1, 5], "population": [300, 700, 100, 900]})
    return Context(cube=pd.DataFrame(rows), status={"synthetic": True, "source": "synthetic"},
                   areas=areas)


def test_outliers_by_hand_are_marked_and_the_rest_similar(ctx):
    column = frontpage.indicator_column(ctx, "early_stage")
    england = sum(EARLY.values()) / (1000 * len(EARLY))
    half = 1.96 * math.sqrt(england * (1 - england) / 1000)  # the plain 95% funnel, by hand
    for code, n in EARLY.items():
        outside = abs(n / 1000 - england) > half
        expected = ("better" if n / 1000 > england else "worse") if outside else "similar"
        assert column.cells[code]["verdict"] == expected, alliances.by_code(code).name
    assert column.cells[ENGLAND]["verdict"] == ""
    lower, upper = wilson(650, 1000)
    assert column.cells[HIGH]["text"] == f"65.0% ({100 * lower:.1f}-{100 * upper:.1f})"


def test_lower_is_better_turns_the_marks_round(ctx):
    column = frontpage.indicator_column(ctx, "emergency_presentation")
    assert column.cells[HIGH]["verdict"] == "worse" and column.cells[LOW]["verdict"] == "better"


def ranking_verdicts(ctx: Context, key: str) -> dict[str, str]:
    """The England page's ranking table, read back from its HTML: area -> verdict."""
    table = overview.alliances_ranked(ctx, key).table.data
    body = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)  # the header row has a style
    cells = [re.findall(r"<td>(.*?)</td>", r, flags=re.S) for r in body]
    header = re.findall(r"<th>(.*?)</th>", table)
    area, verdict = header.index("Area"), header.index("Compared with England")
    return {c[area]: c[verdict] for c in cells}


@pytest.mark.parametrize("key", ["early_stage", "emergency_presentation"])
def test_front_page_verdicts_are_the_england_rankings(ctx, key):
    ind = indicators.get(key)
    column = frontpage.indicator_column(ctx, key)
    ranked = ranking_verdicts(ctx, key)
    for code in CODES:
        word = ranked[alliances.by_code(code).name]
        if word in ("higher", "lower"):
            word = "better" if (word == "higher") == ind.higher_is_better else "worse"
        assert column.cells[code]["verdict"] == word
    assert {c["verdict"] for c in column.cells.values()} >= {"better", "worse", "similar"}


def test_deprivation_gap_by_hand(ctx):
    column = frontpage.gap_column(ctx)
    d, lo, hi = newcombe(80, 100, 40, 100)  # least minus most deprived
    assert column.cells[HIGH]["text"] == f"{d:.1f} ({lo:.1f} to {hi:.1f})"
    assert column.cells[HIGH]["verdict"] == "gap"
    assert column.cells[LOW]["verdict"] == "no clear gap"
    assert column.cells[ENGLAND]["verdict"] == "no clear gap"  # 50% in both fifths


def test_core20_share_is_population_weighted_and_unmarked(ctx):
    column = frontpage.core20_column(ctx)
    assert column.cells[HIGH]["text"] == "30.0%" and column.cells[LOW]["text"] == "10.0%"
    assert column.cells[ENGLAND]["text"] == "20.0%"  # 400 of 2,000 residents
    assert all(c["verdict"] == "" for c in column.cells.values())


def test_table_links_reports_says_it_in_words_and_symbols(ctx):
    pages = {HIGH: f"{alliances.by_code(HIGH).slug}.html", ENGLAND: "england.html"}
    text = frontpage.headline_table(ctx, pages)
    assert f'<a href="{pages[HIGH]}">{alliances.by_code(HIGH).name}</a>' in text
    assert f"{alliances.by_code(LOW).name} (no report)" in text
    assert '<a href="england.html">England</a>' in text
    assert text.index("England</a>") < text.index(alliances.by_code(CODES[5]).name)
    assert 'aria-hidden="true">\u2713</span> better' in text
    assert 'aria-hidden="true">\u2717</span> worse' in text
    assert text.count('scope="col"') == 1 + len(frontpage.headline_columns(ctx))
    assert text.count('scope="row"') == 1 + len(CODES)
    headings = re.findall(r'class="cai-sort">([^<]*)<br>', text)
    assert headings == ["Early stage (1-2)", "Deprivation gap, points", "Core20 share",
                        "Emergency presentation"]


def test_a_suppressed_alliance_is_too_few_to_say():
    rows = [row("early_stage", "alliance", c, 500, 1000) for c in CODES[:19]]
    rows.append(row("early_stage", "alliance", CODES[19], 3, 6))
    rows.append(row("early_stage", "england", ENGLAND, 500 * 19 + 3, 19000 + 6))
    ctx = Context(cube=pd.DataFrame(rows), status={"synthetic": True})
    column = frontpage.indicator_column(ctx, "early_stage")
    assert column.cells[CODES[19]]["text"] == "*"
    assert column.cells[CODES[19]]["verdict"] == "too few to say"
    text = frontpage.headline_table(ctx, {})
    assert "\u2013</span> too few to say" in text
