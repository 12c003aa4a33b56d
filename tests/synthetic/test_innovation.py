"""Innovation programmes in the synthetic data: activity, cancers found, planted effects.

Runs at a quarter of England (scale 0.25); expected totals are the brief's
England figures times the scale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.ingest.activity import read_activity
from helpers.registry import alliances as alliance_registry
from helpers.registry.innovations import ACTIVITY_MEASURES, GALLERI_TRIAL_ALLIANCES, INNOVATIONS
from helpers.registry.innovations import get as get_innovation
from helpers.registry.schema import (
    ACTIVITY_COLUMNS,
    ACTIVITY_DIMENSIONS,
    ACTIVITY_GROUPS,
    ACTIVITY_KEY_COLUMNS,
    AGE_BAND_EDGES,
    AGE_BANDS,
    STAGED,
)
from helpers.synthetic import SyntheticData, generate, write
from helpers.synthetic import innovation as programmes

SCALE = 0.25
EARLY = ["1", "2"]


@pytest.fixture(scope="module")
def planted() -> SyntheticData:
    return generate(scale=SCALE, referrals=False)


@pytest.fixture(scope="module")
def placebo() -> SyntheticData:
    return generate(scale=SCALE, plant_effects=False, referrals=False)


def _all(activity: pd.DataFrame, innovation: str, measure: str) -> pd.DataFrame:
    return activity[(activity["innovation"] == innovation) & (activity["measure"] == measure)
                    & (activity["dimension"] == "all")]


def _by_group(activity: pd.DataFrame, innovation: str, dimension: str) -> pd.DataFrame:
    rows = activity[(activity["innovation"] == innovation)
                    & (activity["dimension"] == dimension)]
    return rows.pivot_table(index="group", columns="measure", values="count", aggfunc="sum")


def _go_live(activity: pd.DataFrame) -> pd.Series:
    rows = _all(activity, "lung_health_check", "eligible")
    return rows.groupby("alliance")["month"].min().sort_values()


def _found_tumours(data: SyntheticData) -> pd.DataFrame:
    found = data._found_by != ""
    df = data.tumours[found].copy()
    df["innovation"] = data._found_by[found]
    df["month"] = df["diagnosis_date"].dt.strftime("%Y-%m")
    df["imd_quintile"] = ((df["imd_decile"] + 1) // 2).astype(str)
    df["age_band"] = pd.cut(df["age"], list(AGE_BAND_EDGES), labels=list(AGE_BANDS),
                            right=False).astype(str)
    df["early"] = df["stage"].isin(EARLY)
    for col in ("alliance", "lad_code", "ethnicity", "sex"):
        df[col] = df[col].astype(str)
    return df


# --------------------------------------------------------------------------- the table


def test_activity_schema(planted):
    act = planted.activity
    assert list(act.columns) == list(ACTIVITY_COLUMNS)
    assert act["count"].dtype == "int64" and (act["count"] >= 0).all()
    assert act["month"].str.fullmatch(r"20(19|20|21|22)-(0[1-9]|1[0-2])").all()
    assert set(act["innovation"]) == {i.key for i in INNOVATIONS}
    assert set(act["measure"]) == set(ACTIVITY_MEASURES)
    assert set(act["dimension"]) == set(ACTIVITY_DIMENSIONS)
    for dim, groups in ACTIVITY_GROUPS.items():
        assert set(act.loc[act["dimension"] == dim, "group"]) <= set(groups), dim
    names = {a.code: a.name for a in alliance_registry.ALLIANCES}
    assert (act["alliance_code"].map(names) == act["alliance"]).all()
    # dimension "all" is split by local authority; the breakdowns are alliance-wide
    assert (act.loc[act["dimension"] == "all", "lad_code"] != "").all()
    assert (act.loc[act["dimension"] != "all", "lad_code"] == "").all()
    assert not act.duplicated(list(ACTIVITY_KEY_COLUMNS)).any()
    assert len(act) < 250_000  # small enough to ship


def test_reads_back_through_the_activity_reader(tmp_path):
    data = generate(scale=0.02, alliances=["Northern", "Wessex"])
    write(data, tmp_path)
    kept, quarantined = read_activity([tmp_path / "SYNTHETIC_activity.parquet"])
    assert quarantined.empty
    pd.testing.assert_frame_equal(kept, data.activity)


def test_each_dimension_is_a_full_breakdown(planted):
    act = planted.activity
    totals = act.groupby(["innovation", "alliance", "month", "measure", "dimension"])[
        "count"].sum().unstack("dimension")
    for dim in ACTIVITY_DIMENSIONS[1:]:
        assert (totals[dim] == totals["all"]).all(), dim


def test_funnel_never_widens(planted):
    act = planted.activity
    keys = ["innovation", "alliance", "month", "dimension", "group"]
    wide = act.groupby([*keys, "measure"])["count"].sum().unstack("measure")
    for wider, narrower in zip(ACTIVITY_MEASURES[1:-1], ACTIVITY_MEASURES[2:], strict=True):
        assert (wide[wider] >= wide[narrower]).all(), (wider, narrower)
    cumulative = wide["invited"].groupby(level=["innovation", "alliance", "dimension",
                                                "group"]).cumsum()
    assert (cumulative <= wide["eligible"]).all()


# --------------------------------------------------------------------------- MCED trial


def test_mced_runs_in_the_trial_alliances_only(planted):
    assert len(GALLERI_TRIAL_ALLIANCES) == 8
    assert {alliance_registry.resolve(a).name for a in GALLERI_TRIAL_ALLIANCES} == set(
        GALLERI_TRIAL_ALLIANCES)
    rows = planted.activity[planted.activity["innovation"] == "mced_trial"]
    assert set(rows["alliance"]) == set(GALLERI_TRIAL_ALLIANCES)
    assert rows["month"].min() == "2021-10" and rows["month"].max() == "2022-07"


def test_mced_england_totals(planted):
    invited = _all(planted.activity, "mced_trial", "invited")["count"].sum()
    participated = _all(planted.activity, "mced_trial", "participated")["count"].sum()
    tested = _all(planted.activity, "mced_trial", "tested")["count"].sum()
    referred = _all(planted.activity, "mced_trial", "referred")["count"].sum()
    assert invited == pytest.approx(1_500_000 * SCALE, rel=0.02)
    assert participated == pytest.approx(140_000 * SCALE, rel=0.05)
    assert tested == participated  # every participant gives blood
    assert referred == pytest.approx(0.01 * tested, rel=0.15)


def test_mced_invitations_per_participant_by_group(planted):
    ratio = {}
    for dim in ("imd_quintile", "ethnicity"):
        table = _by_group(planted.activity, "mced_trial", dim)
        ratio.update((table["invited"] / table["participated"]).to_dict())
    assert ratio["1"] == pytest.approx(22, rel=0.08)
    assert ratio["5"] == pytest.approx(4, rel=0.08)
    assert [ratio[q] for q in "12345"] == sorted([ratio[q] for q in "12345"], reverse=True)
    assert ratio["Black"] == pytest.approx(33, rel=0.15)
    assert ratio["Asian"] == pytest.approx(28, rel=0.12)
    assert ratio["White"] == pytest.approx(10, rel=0.05)


def test_mced_calibration_hits_the_published_ratios_exactly():
    from helpers.synthetic import profiles

    lad = profiles.lad_profile()
    cal = programmes.mced_calibration(programmes.population_grid(lad), lad)
    invited, participants = cal["invited"], cal["participants"]
    by_q = invited.sum(axis=1) / participants.sum(axis=1)
    by_e = invited.sum(axis=0) / participants.sum(axis=0)
    assert by_q[[0, 4]] == pytest.approx([22, 4])
    assert by_e[[0, 1, 3]] == pytest.approx([28, 33, 10])
    assert invited.sum() == pytest.approx(1_500_000)
    assert participants.sum() == pytest.approx(140_000, rel=0.01)
    assert (cal["participation"] < 1).all() and (cal["invite_fraction"] < 1).all()


# --------------------------------------------------------------------------- lung checks


def test_lung_checks_go_live_staggered(planted):
    go_live = _go_live(planted.activity)
    assert len(go_live) == 20 and go_live.is_unique
    assert go_live.iloc[0] == "2019-04" and go_live.iloc[-1] == "2022-06"
    assert (go_live < "2019-10").sum() == 3
    first_invites = _all(planted.activity, "lung_health_check", "invited").query(
        "count > 0").groupby("alliance")["month"].min()
    assert (first_invites.sort_index() == go_live.sort_index()).all()
    live_at_end = _all(planted.activity, "lung_health_check", "eligible").query(
        "month == '2022-12'")["alliance"]
    assert set(live_at_end) == set(alliance_registry.names())


def test_go_live_does_not_depend_on_the_selection(planted):
    two = generate(scale=0.02, alliances=["Thames Valley", "Peninsula"])
    assert _go_live(two.activity).to_dict() == _go_live(planted.activity)[
        ["Peninsula", "Thames Valley"]].to_dict()


def test_lung_check_funnel(planted):
    table = _by_group(planted.activity, "lung_health_check", "all")
    total = table.loc["All"]
    participation = total["participated"] / total["invited"]
    assert 0.45 <= participation <= 0.55
    assert total["cancers_found"] / total["participated"] == pytest.approx(0.01, rel=0.1)
    assert 0.02 <= total["referred"] / total["participated"] <= 0.04
    by_q = _by_group(planted.activity, "lung_health_check", "imd_quintile")
    rate = by_q["participated"] / by_q["invited"]
    assert rate["1"] < rate["3"] < rate["5"]
    eligible = by_q["eligible"]
    by_e = _by_group(planted.activity, "lung_health_check", "ethnicity")
    rate_e = by_e["participated"] / by_e["invited"]
    assert rate_e["Black"] < rate_e["White"] and rate_e["Asian"] < rate_e["White"]
    assert eligible["1"] > eligible["5"]  # more ever-smokers in deprived areas
    ages = _by_group(planted.activity, "lung_health_check", "age_band")
    assert set(ages.index) == {"50-59", "60-69", "70-79"}


def test_lung_found_cancers_mostly_early_only_when_planted(planted, placebo):
    def early_share(data):
        table = _by_group(data.activity, "lung_health_check", "all").loc["All"]
        return table["cancers_found_early"] / table["cancers_found"]

    assert early_share(planted) == pytest.approx(0.75, abs=0.005)
    assert early_share(placebo) < 0.5
    staged = placebo.tumours[placebo.tumours["site"].eq("Lung")
                             & placebo.tumours["stage"].isin(STAGED)]
    assert staged["stage"].isin(EARLY).mean() < 0.33  # without screening


# --------------------------------------------------------------------------- capsule sponge


def test_capsule_sponge_pilot(planted):
    rows = planted.activity[planted.activity["innovation"] == "capsule_sponge"]
    starts = rows.groupby("alliance")["month"].min()
    assert 3 <= len(starts) <= 4 and (starts >= "2021-01").all()
    found = _found_tumours(planted)
    assert set(found.loc[found["innovation"] == "capsule_sponge", "site"]) == {"Oesophagus"}


# --------------------------------------------------------------------------- consistency


@pytest.mark.parametrize("which", ["planted", "placebo"])
def test_cancers_found_are_the_flagged_tumours(which, request):
    data = request.getfixturevalue(which)
    found = _found_tumours(data)
    act = data.activity
    for dim in ACTIVITY_DIMENSIONS:
        group = {"all": "lad_code"}.get(dim, dim)
        for measure, rows in (("cancers_found", found),
                              ("cancers_found_early", found[found["early"]])):
            expected = rows.groupby(["innovation", "alliance", "month", group]).size()
            got = act[(act["measure"] == measure) & (act["dimension"] == dim)]
            got = got.set_index(["innovation", "alliance", "month",
                                 "lad_code" if dim == "all" else "group"])["count"]
            got = got[got > 0]
            expected.index.names = got.index.names
            pd.testing.assert_series_equal(expected.sort_index(), got.sort_index(),
                                           check_names=False, check_dtype=False)


def test_found_tumours_are_eligible(planted):
    found = _found_tumours(planted)
    go_live = _go_live(planted.activity)
    for key, rows in found.groupby("innovation"):
        inn = get_innovation(key)
        lo, hi = inn.age_range
        assert rows["site"].isin(inn.sites).all()
        assert rows["age"].between(lo, hi).all()
        assert rows["stage"].isin(STAGED).all()
        assert (rows["route"] != "Emergency Presentation").all()
        live = planted.activity[planted.activity["innovation"] == key][
            ["alliance", "month"]].drop_duplicates()
        assert len(rows.merge(live, on=["alliance", "month"])) == len(rows)
    lung = found[found["innovation"] == "lung_health_check"]
    assert (lung["month"].to_numpy() >= lung["alliance"].map(go_live).to_numpy()).all()


# --------------------------------------------------------------------------- effects


def test_placebo_and_planted_differ_only_in_moved_stages(planted, placebo):
    a, b = planted.tumours, placebo.tumours
    other = [c for c in a.columns if c != "stage"]
    assert a[other].equals(b[other])  # (assert_frame_equal is slow on categoricals)
    changed = (a["stage"].astype(str) != b["stage"].astype(str)).to_numpy()
    assert changed.any()
    assert (planted._found_by[changed] != "").all()
    assert b.loc[changed, "stage"].isin(["3", "4"]).all()
    assert a.loc[changed, "stage"].isin(EARLY).all()
    early_gain = (_all(planted.activity, "lung_health_check", "cancers_found_early")["count"]
                  .sum() - _all(placebo.activity, "lung_health_check", "cancers_found_early")[
                      "count"].sum())
    assert early_gain == (changed & (planted._found_by == "lung_health_check")).sum()
    keep = planted.activity["measure"] != "cancers_found_early"
    pd.testing.assert_frame_equal(planted.activity[keep].reset_index(drop=True),
                                  placebo.activity[keep].reset_index(drop=True))


def test_placebo_stage_counts_match_the_calibration(placebo):
    cal = pd.read_csv(Path(programmes.__file__).parent / "calibration"
                      / "alliance_stage_profile.csv", comment="#")
    cal = cal[cal["cal24nm"] != "England"].set_index(["cal24nm", "site", "year"]).sort_index()
    df = placebo.tumours.assign(year=placebo.tumours["diagnosis_date"].dt.year,
                                early=placebo.tumours["stage"].isin(EARLY))
    early = df.groupby(["alliance", "site", "year"], observed=True)["early"].sum()
    early = early.reindex(cal.index, fill_value=0)
    assert (np.abs(early - cal["early"] * SCALE) < 1).all()


def test_planted_effect_visible_in_lung_early_stage(planted, placebo):
    go_live = _go_live(planted.activity)

    def after_minus_before(data):
        df = data.tumours[data.tumours["site"].eq("Lung") & data.tumours["stage"].isin(STAGED)]
        month = df["diagnosis_date"].dt.strftime("%Y-%m")
        after = month.to_numpy() >= df["alliance"].astype(str).map(go_live).to_numpy()
        early = df["stage"].isin(EARLY).to_numpy()
        return 100 * (early[after].mean() - early[~after].mean())

    effect = after_minus_before(planted) - after_minus_before(placebo)
    assert effect > 3.0, effect


def test_mced_found_cancers_shift_to_early(planted, placebo):
    def share(data):
        table = _by_group(data.activity, "mced_trial", "all").loc["All"]
        return table["cancers_found_early"] / table["cancers_found"]

    assert share(planted) == pytest.approx(0.65, abs=0.01)
    assert share(planted) - share(placebo) > 0.1


# --------------------------------------------------------------------------- determinism


def test_deterministic_and_seeded():
    kwargs = {"scale": 0.03, "alliances": ["Northern", "Greater Manchester", "Wessex"]}
    a, b, c = generate(seed=5, **kwargs), generate(seed=5, **kwargs), generate(seed=6, **kwargs)
    pd.testing.assert_frame_equal(a.activity, b.activity)
    pd.testing.assert_frame_equal(a.tumours, b.tumours)
    assert (a._found_by == b._found_by).all()
    assert not a.activity.equals(c.activity)


def test_selected_years_only(planted):
    data = generate(scale=0.02, years=(2022,), alliances=["Northern"])
    assert data.activity["month"].str.startswith("2022-").all()
    assert set(data.activity["innovation"]) == {"lung_health_check", "mced_trial",
                                                "capsule_sponge"}
