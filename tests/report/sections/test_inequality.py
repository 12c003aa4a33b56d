"""Inequality sections on a hand-made cube: one interval per gap, ranks named, no impossible RII.

Independent values are written out here: Wilson limits and Newcombe's (1998, Stat Med
17:873-890) method 10 for the difference, and the closed-form population-weighted least
squares line for the SII. PHE's SII ranks the area's own population (OHID Fingertips
Technical Guide, "Slope index of inequality (SII)"; PHEindicatormethods ``phe_sii``), as
do WHO HEAT's concentration indices (HEAT technical notes); the "SII on England's
deprivation scale" ranks England's population instead.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest
from hand_intervals import newcombe

from helpers.registry import alliances
from helpers.report.context import Context
from helpers.report.sections import inequality, overview
from helpers.stats import summary_measures

Z = 1.959963984540054
WEST = "E56000021"
ENGLAND = "E92000001"
# (numerator, denominator) by deprivation fifth, two years; West London leans to the
# most deprived fifths, England's five fifths are the same size.
WEST_COUNTS = {
    "2021": [(312, 1100), (300, 800), (260, 600), (230, 500), (215, 400)],
    "2022": [(340, 1150), (310, 820), (270, 610), (236, 480), (222, 410)],
}
ENGLAND_COUNTS = [(9000, 20000), (9600, 20000), (10000, 20000), (10400, 20000), (11000, 20000)]


def cube() -> pd.DataFrame:
    names = {a.code: a.name for a in alliances.ALLIANCES} | {ENGLAND: "England"}
    rows = []
    for period, counts in WEST_COUNTS.items():
        for gtype, code, table in (("alliance", WEST, counts), ("england", ENGLAND,
                                                                 ENGLAND_COUNTS)):
            for q, (n, d) in enumerate(table, start=1):
                rows.append({"period": period, "geography_type": gtype, "geography_code": code,
                             "geography_name": names[code], "parent_code": "",
                             "indicator": "early_stage", "dimension": "imd_quintile",
                             "group": str(q), "numerator": n, "denominator": d})
            total = np.sum(table, axis=0)
            rows.append(rows[-1] | {"dimension": "all", "group": "all",
                                    "numerator": int(total[0]), "denominator": int(total[1])})
    return pd.DataFrame(rows)


@pytest.fixture
def west() -> Context:
    return Context(cube=cube(), status={"synthetic": True, "source": "synthetic"},
                   alliance=alliances.resolve("West London"))






def wls_slope(rank: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    xbar, ybar = w @ rank / w.sum(), w @ y / w.sum()
    return float((w * (rank - xbar)) @ (y - ybar) / ((w * (rank - xbar)) @ (rank - xbar)))


def mid_ranks(pop: np.ndarray) -> np.ndarray:
    return (np.cumsum(pop) - pop / 2) / pop.sum()


POOLED = np.array(WEST_COUNTS["2021"], dtype=float) + np.array(WEST_COUNTS["2022"], dtype=float)
VALUES = 100 * POOLED[:, 0] / POOLED[:, 1]
OWN_RANK = mid_ranks(POOLED[:, 1])
ENGLAND_RANK = mid_ranks(2 * np.array(ENGLAND_COUNTS, dtype=float)[:, 1])  # 0.1, 0.3, ... 0.9


def test_the_difference_has_one_interval_in_sentence_table_and_narrative(west):
    """The gap, least minus most deprived: the summary sentence, the measures table and the
    narrative's sentence (overview.by_group) print the same Newcombe interval, same rounding."""
    d, lo, hi = newcombe(*POOLED[4], *POOLED[0])
    expected = (f"{d:.1f}", f"{lo:.1f}", f"{hi:.1f}")  # 25.0 (21.0 to 28.8)
    section = inequality.summary_table(west, "early_stage", "imd_quintile")
    sentence = re.search(r"difference (-?[\d.]+) \(95% CI (-?[\d.]+) to (-?[\d.]+)\)",
                         section.findings[0])
    assert sentence.groups() == expected
    table = html.unescape(section.table.data)
    row = table.split("<td>Difference</td>")[1].split("</tr>")[0]
    cell = re.search(r"<td>(-?[\d.]+) \((-?[\d.]+) to (-?[\d.]+)\)</td>", row)
    assert cell.groups() == expected
    words = " ".join(overview.by_group(west, "early_stage", "imd_quintile").findings)
    told = re.search(r"([\d.]+) percentage points lower \(95% CI ([\d.]+) to ([\d.]+)\)", words)
    assert told.groups() == expected


def test_measures_are_named_with_their_ranking(west):
    """SII, ACI on the alliance's own ranks; the England-scale SII separately named."""
    sm = inequality.place_measures(west, "early_stage", "imd_quintile").set_index("measure")
    w = POOLED[:, 1]
    assert sm.loc["sii", "estimate"] == pytest.approx(wls_slope(OWN_RANK, VALUES, w))
    assert sm.loc["sii_national", "estimate"] == pytest.approx(
        wls_slope(ENGLAND_RANK, VALUES, w))
    share = w / w.sum()
    assert sm.loc["aci", "estimate"] == pytest.approx(np.sum(share * (2 * OWN_RANK - 1) * VALUES))
    table = inequality.measures_table(sm.reset_index()).set_index("Measure")
    assert table.loc["Slope index of inequality", "Ranks"] == "own population"
    assert table.loc["Absolute concentration index", "Ranks"] == "own population"
    assert table.loc["Slope index of inequality on England's deprivation scale",
                     "Ranks"] == "England's population"
    assert table.loc["Difference", "Ranks"] == "n/a"
    assert re.fullmatch(r"\d+\.\d \(\d+\.\d to \d+\.\d\)",
                        table.loc["Population attributable fraction (%)", "Estimate (95% CI)"])
    assert table.loc["Ratio", "Estimate (95% CI)"] == "{:.2f} ({:.2f} to {:.2f})".format(
        *sm.loc["r", ["estimate", "lower", "upper"]])
    note = html.unescape(inequality.summary_table(west, "early_stage", "imd_quintile")
                         .table.data)
    assert "rank West London's own population" in note
    assert "ranks England's population" in note


def test_gradient_and_slope_indices_use_englands_scale_by_name(west):
    slope = wls_slope(ENGLAND_RANK, VALUES, POOLED[:, 1])
    text = inequality.gradient(west, "early_stage").findings[0]
    assert f"slope index of inequality on England's deprivation scale {slope:.1f} " in text
    england = Context(cube=west.cube, status=west.status)
    words = inequality.slope_indices(england, "early_stage").findings[0]
    assert f"ranges from {slope:.1f} to {slope:.1f} percentage points" in words
    assert "on England's deprivation scale" in words and "not PHE's SII" in words


def test_gap_over_time_prints_each_years_newcombe_interval(west):
    section = inequality.gap_over_time(west, "early_stage")
    table = html.unescape(section.table.data)
    for year, counts in WEST_COUNTS.items():
        d, lo, hi = newcombe(*counts[4], *counts[0])
        assert f"<td>{year}</td>\n      <td>{d:.1f} ({lo:.1f} to {hi:.1f})</td>" in table
    assert "Slope index of inequality (own-population ranks) (95% CI)" in table


def test_a_linear_rii_below_zero_is_not_shown_and_the_table_says_why():
    """Uptake 2-40% in five equal groups: the linear fit is 20.4 + 48 (rank - 0.5), -3.6 at
    the most deprived end, so the 'RII' would be 44.4 / -3.6 = -12.33."""
    groups = pd.DataFrame({"group": list("12345"), "order": [1, 2, 3, 4, 5],
                           "numerator": [20, 100, 200, 300, 400], "denominator": [1000] * 5})
    groups = groups.assign(population=1000.0, estimate=groups["numerator"] / 10,
                           se=lambda f: np.sqrt(f["estimate"] * (100 - f["estimate"]) / 1000),
                           scale=100.0)
    sm = summary_measures(groups, ordered=True, higher_is_better=True, seed=1)
    table = inequality.measures_table(sm).set_index("Measure")
    rii = table.loc["Relative index of inequality"]
    assert rii["Estimate (95% CI)"] == "not reported"
    assert rii["Beyond chance?"] == "n/a"
    assert rii["Reading"].startswith("Not reported: the fitted line is -3.6 at the most "
                                     "disadvantaged end")
    assert "-12.3" not in table.to_string()
    logistic = table.loc["Relative index of inequality (logistic)", "Estimate (95% CI)"]
    assert float(logistic.split()[0]) > 1


def test_the_funnel_leaves_out_and_does_not_describe_an_authority_whose_counts_are_hidden():
    """Four authorities of West London; one has 4 of 6 early, suppressed in the table."""
    la = {"E09000001": ("Tiny", 4, 6), "E09000002": ("Ealing", 400, 700),
          "E09000003": ("Brent", 380, 690), "E09000004": ("Harrow", 410, 705)}
    rows = [{"period": "2022", "geography_type": "lad", "geography_code": code,
             "geography_name": name, "parent_code": WEST, "indicator": "early_stage",
             "dimension": "all", "group": "all", "numerator": n, "denominator": d}
            for code, (name, n, d) in la.items()]
    total = [sum(v[1] for v in la.values()), sum(v[2] for v in la.values())]
    rows.append(rows[0] | {"geography_type": "alliance", "geography_code": WEST,
                           "geography_name": "West London", "parent_code": "",
                           "numerator": total[0], "denominator": total[1]})
    ctx = Context(cube=pd.DataFrame(rows), status={"synthetic": True, "source": "synthetic"},
                  alliance=alliances.resolve("West London"))
    page = overview.local_authorities(ctx, "early_stage")._repr_html_()
    page += inequality.funnel(ctx, "early_stage")._repr_html_()
    alt = html.unescape(re.search(r'alt="Funnel plot: (.*?)"', page).group(1))
    assert "Tiny" not in alt and "of 6" not in alt and "66.7%" not in alt
    # complementary suppression hides a second authority in the table; the funnel follows it
    table_hidden = re.findall(r"<td>\d+</td>\s*<td>(\w+)</td>\s*<td>\*</td>", page)
    assert "Tiny" in table_hidden and len(table_hidden) >= 2
    assert f"{len(table_hidden)} local authorities with counts too small to publish" in alt
    assert all(f"{name}:" not in alt for name in table_hidden)
    assert "are not plotted: their counts are suppressed in the table" in page
