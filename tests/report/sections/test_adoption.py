"""helpers.report.sections.adoption on a tiny activity table: scope of the adopter categories."""

from __future__ import annotations

import pandas as pd
import pytest
from adoption_fixtures import newcombe
from hand_intervals import newcombe as hand_newcombe

from helpers.config import paths
from helpers.registry import alliances
from helpers.registry.innovations import GALLERI_TRIAL_ALLIANCES
from helpers.report.sections import adoption as adoption_sections
from helpers.report.sections import overview as sections

STATUS = {"synthetic": True, "source": "synthetic"}


def activity_rows(innovation: str, starts: dict[str, str]) -> pd.DataFrame:
    """Six months of invitations from each alliance's start month."""
    rows = []
    for alliance, start in starts.items():
        for month in pd.period_range(start, periods=6, freq="M"):
            rows.append({"month": str(month), "alliance": alliance, "lad_code": "",
                         "innovation": innovation, "measure": "invited",
                         "dimension": "all", "group": "all", "count": 100})
    return pd.DataFrame(rows)


@pytest.fixture
def with_activity(project):
    trial = dict.fromkeys(GALLERI_TRIAL_ALLIANCES[:4], "2021-10") | dict.fromkeys(
        GALLERI_TRIAL_ALLIANCES[4:], "2022-04")
    activity_rows("mced_trial", trial).to_parquet(project.processed / "activity.parquet")
    return project


def context(alliance: str | None = None) -> sections.Context:
    """A context with the project's activity table and no cube."""
    path = paths().processed / "activity.parquet"
    return sections.Context(cube=pd.DataFrame(), status=STATUS,
                            alliance=alliances.resolve(alliance) if alliance else None,
                            activity=pd.read_parquet(path) if path.exists() else None)


def test_a_trial_ranks_only_its_own_alliances(with_activity):
    section = adoption_sections.innovation_timeline(context(), "mced_trial")
    assert "8 of the 8 alliances it is open to run the multi-cancer blood test trial" in \
        section.findings[0]
    html = section.table.data
    assert "Wessex" not in html and "laggards" not in html
    # N = 8: the 4 tied first share rank 1, midpoint 0.5/8 = 0.06, between Rogers' 2.5%
    # and 16% (early adopters); the 4 six months later have rank 5, midpoint 4.5/8 = 0.56,
    # between 50% and 84% (late majority)
    assert html.count("early adopters") == 4
    assert html.count("late majority") == 4


def test_an_alliance_outside_the_trial_is_told_so(with_activity):
    section = adoption_sections.innovation_timeline(context("Wessex"), "mced_trial")
    assert section.findings == ["Wessex is not one of the 8 alliances the multi-cancer blood "
                                "test trial runs in, so it has no adopter category."]


def test_equity_of_uptake_outside_the_trial_reads_plainly(with_activity):
    section = adoption_sections.uptake_equity(context("Wessex"), "mced_trial")
    assert section.findings == ["Wessex has no activity in the multi-cancer blood test trial."]


def write_uptake(project, groups) -> None:
    """Lung-check invitations and participants in Wessex by ethnic group, one month."""
    rows = [{"month": "2022-01", "alliance": "Wessex", "lad_code": "",
             "innovation": "lung_health_check", "measure": measure, "dimension": "ethnicity",
             "group": group, "count": count}
            for group, invited, took_part in groups
            for measure, count in (("invited", invited), ("participated", took_part))]
    pd.DataFrame(rows).to_parquet(project.processed / "activity.parquet")


def test_equity_of_uptake_shows_the_measures_by_hand(project):
    """Two ethnic groups: ratio and difference against the White group, checked by hand."""
    write_uptake(project, (("White", 1000, 500), ("Black", 1000, 300)))
    section = adoption_sections.uptake_equity(context("Wessex"), "lung_health_check")
    html = section.table
    # d = 50% - 30% = 20 points with Newcombe's interval, from the two Wilson intervals
    _, lower, upper = hand_newcombe(500, 1000, 300, 1000)
    assert f"20.0 ({lower:.1f} to {upper:.1f})" in html
    assert "1.67 (" in html  # r = 50 / 30
    assert "inequality in participation by ethnic group" in html


def test_small_uptake_counts_are_suppressed(project):
    write_uptake(project, (("White", 1000, 500), ("Mixed", 12, 5)))
    section = adoption_sections.uptake_equity(context("Wessex"), "lung_health_check")
    mixed = section.table.split("<td>Mixed group</td>")[1].split("</tr>")[0]
    # 5 took part (1-7) and 7 did not: the count, the rate and what is built on it are hidden
    assert "<td>12</td>" in mixed and "41.7" not in mixed and mixed.count("<td>*</td>") == 4
    assert "Mixed group" not in " ".join(section.findings)


def cube_rows(site: str, counts: dict[str, list[tuple[int, int]]], first: int = 2019):
    """Alliance-level early_stage rows by site: counts[alliance] = [(stage 1-2, staged), ...]."""
    return pd.DataFrame([
        {"period": str(first + i), "geography_type": "alliance",
         "geography_code": alliances.resolve(a).code, "geography_name": a,
         "parent_code": "E92000001", "indicator": "early_stage", "dimension": "site",
         "group": site, "numerator": num, "denominator": den}
        for a, years in counts.items() for i, (num, den) in enumerate(years)])


def activity(key: str, rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"month": m, "alliance": a, "lad_code": "", "innovation": key,
                          "measure": measure, "dimension": "all", "group": "all", "count": n}
                         for a, m, measure, n in rows])


def test_stage_shift_compares_like_with_like_and_claims_no_effect():
    """Wessex live from March 2020: 2021-2022 only. Found 50 (36 early) of 250 staged
    (130 early): others 94 of 200 = 47.0% against 72.0%, +25.0 points; Newcombe interval
    written out in tests/adoption_fixtures.py."""
    cube = cube_rows("Lung", {"Wessex": [(50, 100), (60, 120), (70, 130)]}, first=2020)
    act = activity("lung_health_check", [
        ("Wessex", "2020-03", "invited", 100), ("Wessex", "2020-06", "cancers_found", 10),
        ("Wessex", "2020-06", "cancers_found_early", 8),
        ("Wessex", "2021-05", "cancers_found", 20),
        ("Wessex", "2021-05", "cancers_found_early", 15),
        ("Wessex", "2022-02", "cancers_found", 30),
        ("Wessex", "2022-02", "cancers_found_early", 21)])
    ctx = sections.Context(cube=cube, status=STATUS, alliance=alliances.resolve("Wessex"),
                           activity=act)
    text = " ".join(adoption_sections.stage_shift(ctx, "lung_health_check").findings)
    lo, hi = newcombe(36, 50, 94, 200)
    assert ("72.0% of the 50 lung cancers found through lung health checks in 2021-2022 were "
            "at stage 1-2, against 47.0% of the other 200 staged lung cancers") in text
    assert f"+25.0 points (95% CI {lo:+.1f} to {hi:+.1f})" in text
    assert "not evidence that the programme found cancers earlier" in text
    assert "outside the eligible 55-74" in text
    assert "lead time" in text and "length bias" in text and "overdiagnosis" in text


def test_lung_check_impact_reads_the_staggered_estimates():
    """The hand panel of tests/analysis/adoption/test_impact.py as cube rows: post average
    ((4 x 1.45 + 3 x 2) / 7 + 2.5) / 2 = 2.09; pre-go-live ATT(2021, 2019) = -0.5."""
    names = ["Wessex", "Thames Valley", "Peninsula", "Northern", "West London"]
    y = [(10, 13, 15), (20, 22, 25), (12, 13, 17), (11, 12, 13), (15, 15, 18)]
    den = [100, 300, 300, 100, 100]
    cube = cube_rows("Lung", {a: [(v * d // 100, d) for v in ys]
                              for a, ys, d in zip(names, y, den, strict=True)})
    act = activity("lung_health_check", [(names[0], "2020-03", "invited", 100),
                                         (names[1], "2020-03", "invited", 100),
                                         (names[2], "2021-05", "invited", 100)])
    ctx = sections.Context(cube=cube, status=STATUS, activity=act)
    section = adoption_sections.lung_check_impact(ctx)
    text = " ".join(section.findings)
    assert "on average +2.1 points" in text and "from 3 alliances in 2 go-live years" in text
    assert "-2 years: -0.5" in text
    assert "55-74" in text and "larger" not in text
    assert "-2" in section.table.data and "reference (year before)" in section.table.data
