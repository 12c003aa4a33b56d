"""Small-number suppression on hand-made rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.report.disclosure import (
    SUPPRESSED,
    attack,
    feasible_ranges,
    footnote,
    format_count,
    format_percent,
    margin_groups,
    suppress,
)


def test_suppression_rules():
    rows = pd.DataFrame(
        {
            "numerator": [0, 3, 50, 95, 5, 8],
            "denominator": [100, 100, 100, 100, 5, 100],
            "value": [0.0, 3.0, 50.0, 95.0, 100.0, 8.0],
        }
    )
    out = suppress(rows, threshold=7)
    # 0 is not disclosive; 3 is; 95 of 100 leaves 5 (complement); 5 of 5 hides the row; 8 shown
    assert out["suppressed"].tolist() == [False, True, False, True, True, False]
    assert out["value"].isna().tolist() == [False, True, False, True, True, False]
    assert out["denominator"].isna().tolist() == [False, False, False, False, True, False]


def test_threshold_is_configurable():
    rows = pd.DataFrame({"numerator": [8], "denominator": [100], "value": [8.0]})
    assert bool(suppress(rows, threshold=10)["suppressed"].iloc[0])
    assert not bool(suppress(rows, threshold=7)["suppressed"].iloc[0])


def test_formatting():
    assert format_count(float("nan")) == SUPPRESSED
    assert format_count(12345) == "12,345"
    assert format_percent(float("nan")) == SUPPRESSED
    assert format_percent(54.321, 50.04, 58.66) == "54.3% (50.0-58.7)"


# --- disclosure by subtraction -------------------------------------------------------------

def _sites(**extra) -> pd.DataFrame:
    """One place's sites for one period: 40 + 30 + 22 + 7 = 99 early of 60 + 50 + 56 + 13."""
    return pd.DataFrame({
        "group": ["Breast", "Lung", "Anus", "Renal"],
        "numerator": [40, 30, 22, 7],
        "denominator": [60, 50, 56, 13],
        "geography_code": "X", "period": "2019-2022", "indicator": "early_stage",
        "dimension": "site", **extra,
    })


SITE_TOTALS = [(99, 179)]  # written by hand: the place's total, shown in its by-year table


def test_attacker_recovers_a_cell_hidden_by_primary_suppression_alone():
    shown = suppress(_sites(), threshold=7, method="primary")
    found = attack(shown, [np.arange(4)], SITE_TOTALS, threshold=7).set_index("kind")
    # 99 - 40 - 30 - 22 = 7, and 13 - 7 = 6
    assert found.loc["numerator", ["low", "high"]].tolist() == [7, 7]
    assert found.loc["complement", ["low", "high"]].tolist() == [6, 6]
    assert found["disclosed"].all()


def test_complementary_suppression_hides_the_next_smallest_cell_and_defeats_the_attacker():
    shown = suppress(_sites(), threshold=7, method="complementary")
    assert shown["suppressed"].tolist() == [False, False, True, True]
    assert shown["secondary"].tolist() == [False, False, True, False]
    found = attack(shown, [np.arange(4)], SITE_TOTALS, threshold=7).set_index(["row", "kind"])
    assert not found["disclosed"].any()
    # Renal + Anus = 29 with Renal <= 13 and Anus <= 56: Renal in 0..13, Anus in 16..29
    assert found.loc[(3, "numerator"), ["low", "high"]].tolist() == [0, 13]
    assert found.loc[(2, "numerator"), ["low", "high"]].tolist() == [16, 29]


def test_rates_of_secondary_cells_are_hidden_too():
    rows = _sites(value=[40 / 60 * 100, 60.0, 22 / 56 * 100, 7 / 13 * 100],
                  lower=[1.0] * 4, upper=[2.0] * 4)
    out = suppress(rows, threshold=7, method="complementary")
    for col in ("numerator", "value", "lower", "upper"):
        assert out[col].isna().tolist() == [False, False, True, True]
    assert out["denominator"].notna().all()


def test_a_small_denominator_gets_a_partner_whose_whole_row_is_hidden():
    rows = _sites()
    rows.loc[3, ["numerator", "denominator"]] = [2, 5]
    out = suppress(rows, threshold=7, method="complementary")
    assert out["denominator"].isna().sum() == 2
    assert out["numerator"].isna().sum() >= 2
    found = attack(out, [np.arange(4)], [(94, 171)], threshold=7)
    assert not found["disclosed"].any()


def test_two_way_table_years_by_sites_is_protected_in_both_directions():
    # 2 years x 3 sites; one 3 in 2020 Renal; the years add up to the pooled table,
    # the sites add up to each year's total
    rows = pd.DataFrame({
        "period": ["2019"] * 3 + ["2020"] * 3,
        "group": ["Breast", "Lung", "Renal"] * 2,
        "numerator": [50, 20, 9, 45, 25, 3],
        "denominator": [70, 60, 15, 65, 55, 12],
        "geography_code": "X", "indicator": "early_stage", "dimension": "site",
    })
    out = suppress(rows, threshold=7, method="complementary")
    hidden = out["numerator"].isna()
    assert hidden.groupby(rows["period"]).sum().isin([0, 2, 3]).all()
    assert hidden.groupby(rows["group"]).sum().isin([0, 2]).all()
    margins = margin_groups(rows)
    totals = [(rows["numerator"].iloc[g].sum(), rows["denominator"].iloc[g].sum())
              for g in margins]
    assert not attack(out, margins, totals, threshold=7)["disclosed"].any()
    assert attack(suppress(rows, threshold=7, method="primary"), margins, totals,
                  threshold=7)["disclosed"].any()


def test_margin_groups_read_from_cube_columns():
    rows = pd.DataFrame({
        "geography_type": ["lad", "lad", "lad", "alliance"],
        "geography_code": ["L1", "L2", "L3", "A"],
        "parent_code": ["A", "A", "B", "E"],
        "period": "2019", "indicator": "i", "dimension": "all", "group": "All",
        "numerator": 1, "denominator": 2,
    })
    # only L1 and L2 share a parent; the single-row groups are left out
    assert [g.tolist() for g in margin_groups(rows)] == [[0, 1]]
    assert [g.tolist() for g in margin_groups(rows, keys=[["parent_code"]])] == [[0, 1]]


def test_feasible_ranges_match_a_brute_force_enumeration():
    # a + b = 10, b + c = 9, a + c = 7 gives a = 4, b = 6, c = 3 exactly; without the last
    # equation, and with c at most 8, the integer solutions are enumerated by hand
    eqs = [({"a": 1, "b": 1}, 10), ({"b": 1, "c": 1}, 9)]
    bounds = {"c": (0, 8)}
    lp = feasible_ranges({}, ["a", "b", "c"], eqs, bounds=bounds, threshold=7)
    sols = [(a, 10 - a, 9 - (10 - a)) for a in range(0, 11)
            if 10 - a >= 0 and 0 <= 9 - (10 - a) <= 8]
    for k, name in enumerate("abc"):
        values = [s[k] for s in sols]
        assert lp.loc[name, ["low", "high"]].tolist() == [min(values), max(values)]
    exact = feasible_ranges({}, ["a", "b", "c"], [*eqs, ({"a": 1, "c": 1}, 7)], threshold=7)
    assert exact["low"].tolist() == [4, 6, 3] and exact["high"].tolist() == [4, 6, 3]
    assert exact["disclosed"].all()


def test_hes_rounding_rounds_to_fives_and_computes_rates_from_rounded_counts():
    rows = _sites(value=0.0, lower=0.0, upper=0.0)
    out = suppress(rows, threshold=7, method="hes_rounding")
    assert out["numerator"].tolist()[:3] == [40, 30, 20]
    assert out["denominator"].tolist() == [60, 50, 55, 15]
    assert np.isnan(out["numerator"].iloc[3])
    assert out["value"].iloc[2] == pytest.approx(100 * 20 / 55)
    # rounded shown counts are known only to within 2 either side, the total too (99 -> 100)
    found = attack(out, [np.arange(4)], [(100, 180)], threshold=7, tolerance=2)
    assert not found["disclosed"].any()


def test_unknown_method_is_an_error():
    with pytest.raises(ValueError, match="unknown disclosure method"):
        suppress(_sites(), method="swap")


def test_footnote_names_the_method():
    assert "at least one more is hidden" in footnote(7, "complementary")
    assert "nearest 5" in footnote(7, "hes_rounding")


# --- every published number of real pages -------------------------------------------------

SMALL_EXTRACT = ("Lancashire and South Cumbria", "North East London")
"""Two alliances with some of England's smallest local authorities (Craven, Copeland, the City
of London), so that a small extract has counts of 1 to 7 to hide."""


@pytest.fixture(scope="module")
def small_reports(tmp_path_factory):
    """Reports built end to end from about 2,300 generated record-level tumours."""
    from helpers import synthetic
    from helpers.config import Paths
    from helpers.registry import alliances
    from helpers.run import pipeline

    root = tmp_path_factory.mktemp("disclosure")
    paths = Paths(root)
    data = synthetic.generate(alliances=list(SMALL_EXTRACT), scale=0.03)
    synthetic.write(data, paths.raw_synthetic)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAI_HOME", str(root))
        result = pipeline.run(paths, source="auto", jobs=2, progress=False,
                              selected=[alliances.resolve(a) for a in SMALL_EXTRACT])
    assert result.failed == [], result.summary()
    return paths.reports, len(data.tumours)


@pytest.mark.e2e
def test_no_page_of_a_small_extract_shows_a_count_from_1_to_7(small_reports):
    from report.disclosure_scan import scan_reports

    folder, rows = small_reports
    assert 1_500 <= rows <= 4_000
    pages = sorted(p.stem for p in folder.glob("*.html"))
    assert {"england", "lancashire-and-south-cumbria", "north-east-london"} <= set(pages)
    leaks = scan_reports(folder)
    assert not leaks, "\n".join(map(str, leaks))


@pytest.mark.e2e
def test_no_suppressed_cell_of_a_small_extract_can_be_recovered(small_reports):
    from report.disclosure_attack import audit_reports

    folder, _ = small_reports
    found = audit_reports(folder)
    assert len(found), "the extract should have suppressed cells for the attacker to try"
    disclosed = found[found["disclosed"].astype(bool)]
    assert disclosed.empty, disclosed.to_string()


@pytest.mark.e2e
def test_charts_of_a_small_extract_leave_out_suppressed_areas_and_say_so(small_reports):
    from report.disclosure_attack import page_texts, parse_tables

    folder, _ = small_reports
    page = (folder / "lancashire-and-south-cumbria.html").read_text(encoding="utf-8")
    table = next(t for t in parse_tables(page) if t.caption.startswith("Local authorities"))
    name, number = table.header.index("Local authority"), table.header.index("Number")
    hidden = [r[name] for r in table.rows if r[number] == SUPPRESSED]
    assert hidden, "the smallest authorities should be suppressed in this extract"
    funnel = next(t for k, t in page_texts(page) if k == "alt text"
                  and t.startswith("Funnel plot"))
    assert f"{len(hidden)} local authorities with counts too small to publish" in funnel
    assert not [n for n in hidden if f"{n}:" in funnel]


def test_the_scan_finds_small_counts_in_every_form():
    from report.disclosure_scan import scan_page, text_counts

    assert text_counts("Craven: 66.7% of 6; Copeland 4/6; 5 tumours") == [4, 6, 2, 6, 4, 2, 5]
    assert text_counts("1 of 2 alliances outside the limits, about 3 more diagnoses") == []
    assert set(text_counts("9 of 12 staged cancers")) == {9, 12, 3}
    page = ("<p class='cai-caption'><strong>T</strong></p><table><tr><th>Area</th>"
            "<th>Number</th><th>Of</th></tr><tr><td>A</td><td>5</td><td>120</td></tr></table>"
            "<img alt='Funnel plot: A: 50.0% of 12'>")
    found = scan_page(page, "p")
    assert sorted(leak.value for leak in found) == [5, 6, 6]
    assert {leak.kind for leak in found} == {"table 'T'", "alt text"}


@pytest.mark.e2e
def test_every_chart_of_a_small_extract_says_in_words_what_it_shows(small_reports):
    from report.disclosure_attack import page_texts

    folder, _ = small_reports
    for page in ("lancashire-and-south-cumbria", "england"):
        alts = [t for k, t in page_texts((folder / f"{page}.html").read_text(encoding="utf-8"))
                if k == "alt text"]
        assert len(alts) >= 5, page
        for alt in alts:
            # the title (the finding), then what is plotted or the values themselves
            assert alt.count(". ") >= 1 and len(alt) > 80, alt[:120]
