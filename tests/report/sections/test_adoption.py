"""helpers.report.sections.adoption on a tiny activity table: scope of the adopter categories."""

from __future__ import annotations

import pandas as pd
import pytest

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
    # d = 50% - 30% = 20 points, se = sqrt(.5 x .5 / 1000 + .3 x .7 / 1000) x 100
    se = 100 * (0.5 * 0.5 / 1000 + 0.3 * 0.7 / 1000) ** 0.5
    assert f"20.00 ({20 - 1.959964 * se:.2f} to {20 + 1.959964 * se:.2f})" in html
    assert "1.67 (" in html  # r = 50 / 30
    assert "inequality in participation by ethnic group" in html


def test_small_uptake_counts_are_suppressed(project):
    write_uptake(project, (("White", 1000, 500), ("Mixed", 12, 5)))
    section = adoption_sections.uptake_equity(context("Wessex"), "lung_health_check")
    mixed = section.table.split("<td>Mixed group</td>")[1].split("</tr>")[0]
    # 5 took part (1-7) and 7 did not: the count, the rate and what is built on it are hidden
    assert "<td>12</td>" in mixed and "41.7" not in mixed and mixed.count("<td>*</td>") == 4
    assert "Mixed group" not in " ".join(section.findings)
