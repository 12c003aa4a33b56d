"""Survival sections: sentences within the intervals, disclosure, the plain notice without data."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers import synthetic
from helpers.ingest.follow_up import survival_cohort
from helpers.registry import alliances
from helpers.report.context import Context
from helpers.report.sections import pathway

CODES = {"Peninsula": "E56000014", "Greater Manchester": "E56000032"}


def cohort_of(data: synthetic.SyntheticData) -> pd.DataFrame:
    t = data.tumours.copy()
    t["year"] = t["diagnosis_date"].dt.year
    t["imd_quintile"] = (t["imd_decile"] + 1) // 2
    t["alliance_code"] = t["alliance"].astype(str).map(CODES)
    follow = data.follow_up.assign(vital_status=data.follow_up["vital_status"].astype(str))
    return survival_cohort(follow, t)


def generated(planted: bool) -> pd.DataFrame:
    data = synthetic.generate(alliances=list(CODES), scale=0.2, referrals=False,
                              deprivation_gap=planted, plant_effects=planted)
    return cohort_of(data)


@pytest.fixture(scope="module", params=[True, False], ids=["planted", "placebo"])
def cohort(request):
    return request.param, generated(request.param)


@pytest.fixture(scope="module")
def planted():
    return generated(True)


def context_for(cohort: pd.DataFrame, alliance: str | None) -> Context:
    return Context(cube=pd.DataFrame(), status={"synthetic": True, "source": "synthetic"},
                   alliance=alliances.resolve(alliance) if alliance else None, survival=cohort)


def test_alliance_section_states_the_gap_only_when_planted(cohort):
    planted, data = cohort
    section = pathway.survival(context_for(data, "Greater Manchester"))
    overall, gap, ethnic, note = section.findings
    assert "alive one year after diagnosis" in overall and "England's" in overall
    assert "not net survival" in note and "ICSS" in note
    assert ethnic.startswith("Against White patients in Greater Manchester")
    if planted:
        assert gap.count("the most deprived fare worse") == 2, gap
    else:
        assert gap.count("no gap distinguishable from chance") == 2, gap
    html = section.table.data
    assert "Greater Manchester" in html and "England" in html


def test_every_interval_quoted_supports_the_words(cohort):
    _, data = cohort
    findings = pathway.survival(context_for(data, "Greater Manchester")).findings
    for part in findings[1].split("; "):
        found = re.search(r"95% CI (-?[\d.]+) to (-?[\d.]+)", part)
        lo, hi = map(float, found.groups())
        if "fare worse" in part:
            assert lo > 0
        elif "no gap" in part:
            assert lo <= 0 <= hi
    for part in findings[2].rstrip(".").split("; "):
        for lo, hi in re.findall(r"95% CI (-?[\d.]+) to (-?[\d.]+)", part):
            lo, hi = float(lo), float(hi)
            if part.startswith("lower") or "survival is lower" in part:
                assert hi < 0
            elif "not distinguishable" in part:
                assert lo <= 0 <= hi


def test_small_groups_are_suppressed_and_never_quoted(planted):
    small = planted.copy()
    mine = small["alliance_code"] == CODES["Peninsula"]
    black = small.index[mine & (small["ethnicity"] == "Black")]
    small = small.drop(black[5:])  # five Black patients left in Peninsula
    ctx = context_for(small, "Peninsula")
    rows = pathway.place_rows(ctx)
    hidden = rows[(rows["place"] == "Peninsula") & (rows["group"] == "Black")]
    assert hidden["suppressed"].all() and hidden["value"].isna().all()
    table = pathway.survival(ctx).table.data
    line = re.search(r"<td>Black</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>",
                     table)
    assert line and line.group(2) == "*" and line.group(3) == "*", line


def test_england_overview_sets_the_alliances_side_by_side(planted):
    ctx = context_for(planted, None)
    section = pathway.survival_alliances(ctx)
    html = section.table.data
    for name in (*CODES, "England"):
        assert name in html
    assert re.search(r"In (\d) of 2 alliances", section.findings[0])
    over_time = pathway.survival_gap_over_time(ctx)
    assert "2019:" in over_time.findings[0] and "2022:" in over_time.findings[0]
    assert any(w in over_time.findings[1] for w in ("closing", "widening", "no clear change"))


def test_timings_name_each_section(planted):
    one = planted[planted["alliance_code"] == CODES["Peninsula"]]
    times = pathway.timings(context_for(one, "Peninsula"))
    assert set(times) == {"survival", "survival_gap_over_time"}
    assert all(t > 0 for t in times.values())


@pytest.mark.parametrize("section", [pathway.survival, pathway.survival_gap_over_time,
                                     pathway.survival_alliances])
def test_without_follow_up_the_report_says_what_is_missing_once(section):
    ctx = Context(cube=pd.DataFrame(), status={"source": "public"}, survival=None)
    text = section(ctx).findings[0]
    assert text.startswith("Not shown: the public data hold no follow-up")
    assert "data/raw/local/" in text
    assert pathway.survival(ctx).findings == []  # said once per report
