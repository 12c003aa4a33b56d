"""Reading, checking and writing innovation activity tables (helpers.ingest.activity)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers.analysis.adoption import adoption_timeline
from helpers.analysis.adoption.timeline import monthly_totals
from helpers.errors import InputDataError, ParameterError
from helpers.ingest.activity import read_activity, write_activity
from helpers.ingest.io import NOT_A_CODE
from helpers.registry import innovations
from helpers.registry.schema import ACTIVITY_COLUMNS, ACTIVITY_GROUPS

HEADER = "month,alliance,innovation,measure,dimension,group,count"


def _csv(tmp_path: Path, rows: list[str], name: str = "gm_activity.csv",
         header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _reasons(quarantined: pd.DataFrame) -> dict[int, str]:
    return dict(zip(quarantined["source_row"], quarantined["reason"], strict=True))


# --------------------------------------------------------------------------- registry


def test_registry():
    assert innovations.ACTIVITY_MEASURES == (
        "eligible", "invited", "participated", "tested", "referred", "cancers_found",
        "cancers_found_early",
    )
    assert innovations.keys()[:3] == ["mced_trial", "lung_health_check", "capsule_sponge"]
    assert innovations.get("Lung health checks (Targeted Lung Health Check-like)").key == (
        "lung_health_check"
    )
    assert innovations.get("MCED-trial").sites == innovations.MCED_DETECTABLE_SITES
    assert innovations.get("capsule_sponge").sites == ("Oesophagus",)
    for inn in innovations.INNOVATIONS:
        assert set(inn.measures) <= set(innovations.ACTIVITY_MEASURES)
        assert inn.title and inn.description and inn.eligible_population
    with pytest.raises(ParameterError, match="lung_health_check"):
        innovations.get("bowel scope")
    assert len(innovations.GALLERI_TRIAL_ALLIANCES) == 8


# --------------------------------------------------------------------------- reading


def test_reads_and_canonicalises_spellings(tmp_path):
    path = _csv(tmp_path, [
        "2022-03,greater manchester cancer alliance,Lung health checks (Targeted Lung Health "
        "Check-like),INVITED,all,all,120",
        "2022-03,E56000032,lung_health_check,participated,IMD quintile,Q1,40",
        "2022-03-01,Greater Manchester,lung_health_check,participated,ethnicity,not known,3",
        "2022-03,Greater Manchester,lung_health_check,participated,age_band,70 - 79,5",
        "2022-03,Greater Manchester,lung_health_check,participated,sex,F,21",
    ])
    kept, quarantined = read_activity([path])
    assert quarantined.empty
    assert list(kept.columns) == list(ACTIVITY_COLUMNS)
    assert kept["alliance"].unique().tolist() == ["Greater Manchester"]
    assert kept["alliance_code"].unique().tolist() == ["E56000032"]
    assert kept["month"].unique().tolist() == ["2022-03"]
    assert kept["innovation"].unique().tolist() == ["lung_health_check"]
    assert kept["measure"].tolist() == ["invited", *["participated"] * 4]
    assert kept["dimension"].tolist() == ["all", "imd_quintile", "ethnicity", "age_band", "sex"]
    assert kept["group"].tolist() == ["All", "1", "Not known", "70-79", "Female"]
    assert (kept["lad_code"] == "").all() and (kept["lad_name"] == "").all()
    assert kept["count"].dtype == "int64" and kept["count"].tolist() == [120, 40, 3, 5, 21]


def test_missing_column_raises_naming_file_and_column(tmp_path):
    path = _csv(tmp_path, ["2022-03,Northern,mced_trial,invited,all,All"],
                header="month,alliance,innovation,measure,dimension,group")
    with pytest.raises(InputDataError) as err:
        read_activity([path])
    assert err.value.column == "count"
    assert "gm_activity.csv" in str(err.value) and "'count'" in str(err.value)


def test_missing_alliance_columns_raises(tmp_path):
    path = _csv(tmp_path, ["2022-03,mced_trial,invited,all,All,1"],
                header="month,innovation,measure,dimension,group,count")
    with pytest.raises(InputDataError) as err:
        read_activity([path])
    assert err.value.column == "alliance"


def test_alliance_code_column_alone_is_enough(tmp_path):
    path = _csv(tmp_path, ["2022-03,E56000029,mced_trial,invited,all,All,7"],
                header="month,alliance_code,innovation,measure,dimension,group,count")
    kept, quarantined = read_activity([path])
    assert quarantined.empty and kept.loc[0, "alliance"] == "Northern"


@pytest.mark.parametrize("bad", ["ten", "1.5", "1e400"])
def test_count_not_a_whole_number_raises_with_rows(tmp_path, bad):
    path = _csv(tmp_path, [
        "2022-03,Northern,mced_trial,invited,all,All,10",
        f"2022-04,Northern,mced_trial,invited,all,All,{bad}",
    ])
    with pytest.raises(InputDataError) as err:
        read_activity([path])
    assert err.value.column == "count" and err.value.rows == [2]
    assert "gm_activity.csv" in str(err.value)


def test_not_csv_or_parquet_raises(tmp_path):
    path = tmp_path / "activity.xlsx"
    path.write_text("x")
    with pytest.raises(InputDataError, match="neither"):
        read_activity([path])


ROW_FAULTS = {
    "unknown alliance": "2022-03,Atlantis,mced_trial,invited,all,All,5",
    "month not YYYY-MM": "2022-13,Northern,mced_trial,invited,all,All,5",
    "month in the future": "2099-01,Northern,mced_trial,invited,all,All,5",
    "unknown innovation": "2022-03,Northern,bowel_scope,invited,all,All,5",
    "unknown measure": "2022-03,Northern,mced_trial,smiled,all,All,5",
    "unknown dimension": "2022-03,Northern,mced_trial,invited,postcode,All,5",
    "group not valid for the dimension": "2022-03,Northern,mced_trial,invited,imd_quintile,6,5",
    "negative count": "2022-03,Northern,mced_trial,invited,all,All,-3",
    "missing count": "2022-03,Northern,mced_trial,invited,all,All,",
}


@pytest.mark.parametrize("reason", list(ROW_FAULTS))
def test_row_fault_is_quarantined_with_reason(tmp_path, reason):
    good = "2022-05,Northern,mced_trial,invited,all,All,5"
    path = _csv(tmp_path, [good, ROW_FAULTS[reason]])
    kept, quarantined = read_activity([path])
    assert len(kept) == 1 and len(quarantined) == 1
    assert _reasons(quarantined) == {2: reason}
    row = quarantined.iloc[0]
    assert row["source_file"] == "gm_activity.csv"
    as_read = ROW_FAULTS[reason].split(",")[1]
    # the row as read, except a value that is not an alliance (it could identify someone)
    assert row["alliance"] == (NOT_A_CODE if reason == "unknown alliance" else as_read)


def test_bad_month_spellings(tmp_path):
    path = _csv(tmp_path, [
        "March 2022,Northern,mced_trial,invited,all,All,5",
        "2022-03-15,Northern,mced_trial,invited,all,All,5",
        "03/2022,Northern,mced_trial,invited,all,All,5",
        ",Northern,mced_trial,invited,all,All,5",
    ])
    kept, quarantined = read_activity([path])
    assert kept.empty
    assert set(quarantined["reason"]) == {"month not YYYY-MM"}


def test_group_must_fit_its_dimension(tmp_path):
    path = _csv(tmp_path, [
        "2022-03,Northern,mced_trial,invited,sex,All,5",
        "2022-03,Northern,mced_trial,invited,all,Female,5",
        "2022-03,Northern,mced_trial,invited,age_band,45-49,5",
        "2022-03,Northern,mced_trial,invited,ethnicity,Martian,5",
        "2022-03,Northern,mced_trial,invited,ethnicity,White,5",
    ])
    kept, quarantined = read_activity([path])
    assert kept["group"].tolist() == ["White"]
    assert set(quarantined["reason"]) == {"group not valid for the dimension"}


def test_duplicate_rows_are_all_quarantined(tmp_path):
    path = _csv(tmp_path, [
        "2022-03,Northern,mced_trial,invited,all,All,5",
        "2022-03,E56000029,mced_trial,invited,all,all,6",  # same key, other spelling
        "2022-04,Northern,mced_trial,invited,all,All,5",
    ])
    kept, quarantined = read_activity([path])
    assert kept["month"].tolist() == ["2022-04"]
    assert sorted(quarantined["source_row"]) == [1, 2]
    assert all(r.startswith("duplicate row") for r in quarantined["reason"])


def test_duplicates_across_files(tmp_path):
    a = _csv(tmp_path, ["2022-03,Northern,mced_trial,invited,all,All,5"], name="a_activity.csv")
    b = _csv(tmp_path, ["2022-03,Northern,mced_trial,invited,all,All,5",
                        "2022-04,Northern,mced_trial,invited,all,All,5"], name="b_activity.csv")
    kept, quarantined = read_activity([a, b])
    assert len(kept) == 1 and len(quarantined) == 2
    assert set(zip(quarantined["source_file"], quarantined["source_row"], strict=True)) == {
        ("a_activity.csv", 1), ("b_activity.csv", 1),
    }


def test_alliance_and_code_must_agree(tmp_path):
    path = _csv(tmp_path, [
        "2022-03,Northern,E56000029,mced_trial,invited,all,All,5",
        "2022-04,Northern,E56000005,mced_trial,invited,all,All,5",
    ], header="month,alliance,alliance_code,innovation,measure,dimension,group,count")
    kept, quarantined = read_activity([path])
    assert len(kept) == 1
    assert _reasons(quarantined) == {2: "alliance and alliance_code name different alliances"}


def test_local_authority_rows(tmp_path):
    header = "month,alliance,lad_code,lad_name,innovation,measure,dimension,group,count"
    path = _csv(tmp_path, [
        "2022-03,Northern,E06000001,Hartlepool,mced_trial,invited,all,All,5",
        "2022-03,Northern,E06000002,Middlesbrough,mced_trial,invited,all,All,7",
        "2022-03,Northern,,,mced_trial,invited,all,All,12",  # total beside its LAD rows
        "2022-04,Northern,,Hartlepool,mced_trial,tested,all,All,5",  # name without code
        "2022-04,Northern,,,mced_trial,invited,all,All,9",
    ], header=header)
    kept, quarantined = read_activity([path])
    assert kept["lad_code"].tolist() == ["E06000001", "E06000002", ""]
    assert kept["lad_name"].tolist() == ["Hartlepool", "Middlesbrough", ""]
    assert _reasons(quarantined) == {
        3: "alliance total given alongside local-authority rows",
        4: "lad_name without lad_code",
    }


def test_several_faults_listed_and_counts_reconcile(tmp_path):
    rows = [
        "2022-03,Atlantis,bowel_scope,invited,all,All,-1",
        *[f"2022-{m:02d},Northern,mced_trial,invited,all,All,5" for m in range(1, 8)],
        *ROW_FAULTS.values(),
    ]
    path = _csv(tmp_path, rows)
    kept, quarantined = read_activity([path])
    assert len(kept) + len(quarantined) == len(rows)
    assert _reasons(quarantined)[1] == "unknown alliance; unknown innovation; negative count"


def test_measure_must_be_recorded_by_the_innovation(tmp_path, monkeypatch):
    inn = innovations.get("capsule_sponge")
    narrow = type(inn)(**{**inn.__dict__, "measures": ("invited", "tested")})
    monkeypatch.setitem(innovations._BY_KEY, "capsule_sponge", narrow)
    path = _csv(tmp_path, [
        "2022-03,Wessex,capsule_sponge,tested,all,All,5",
        "2022-03,Wessex,capsule_sponge,eligible,all,All,50",
    ])
    kept, quarantined = read_activity([path])
    assert kept["measure"].tolist() == ["tested"]
    assert _reasons(quarantined) == {2: "measure not recorded by this innovation"}


def test_parquet_input_with_native_types(tmp_path):
    df = pd.DataFrame({
        "month": pd.to_datetime(["2022-03-01", "2022-04-01", "2022-05-17"]),
        "alliance": ["Wessex", "Wessex", "Wessex"],
        "innovation": ["capsule_sponge"] * 3,
        "measure": ["tested"] * 3,
        "dimension": ["imd_quintile"] * 3,
        "group": [1, 5, 3],
        "count": [4, 0, 2],
    })
    path = tmp_path / "pilot_activity.parquet"
    df.to_parquet(path)
    kept, quarantined = read_activity([path])
    assert kept["month"].tolist() == ["2022-03", "2022-04"]
    assert kept["group"].tolist() == ["1", "5"]
    assert _reasons(quarantined) == {3: "month not YYYY-MM"}


def test_no_files_gives_empty_tables():
    kept, quarantined = read_activity([])
    assert kept.empty and list(kept.columns) == list(ACTIVITY_COLUMNS)
    assert quarantined.empty


# --------------------------------------------------------------------------- writing


def test_write_activity(tmp_path):
    path = _csv(tmp_path, [
        "2022-03,Northern,mced_trial,invited,all,All,5",
        "2022-03,Atlantis,mced_trial,invited,all,All,5",
    ])
    kept, quarantined = read_activity([path])
    written = write_activity(kept, tmp_path / "processed", data_status="SYNTHETIC",
                             source="synthetic", quarantine=quarantined)
    assert [p.name for p in written] == ["activity.parquet", "activity_quarantine.csv"]
    meta = pq.read_schema(written[0]).metadata
    assert meta[b"data_status"] == b"SYNTHETIC" and meta[b"source"] == b"synthetic"
    pd.testing.assert_frame_equal(pd.read_parquet(written[0]), kept)
    q = pd.read_csv(written[1])
    assert q["data_status"].tolist() == ["SYNTHETIC"] and q["reason"].tolist() == [
        "unknown alliance"]
    with pytest.raises(ParameterError):
        write_activity(kept.drop(columns="count"), tmp_path)


# --------------------------------------------------------------------------- summaries


def _table() -> pd.DataFrame:
    rows = []

    def add(month, lad, measure, count, dimension="all", group="All", alliance="Northern"):
        code = {"Northern": "E56000029", "Wessex": "E56000016"}[alliance]
        rows.append((month, code, alliance, lad, lad and f"LA {lad}", "lung_health_check",
                     measure, dimension, group, count))

    for month in ("2022-01", "2022-02"):
        add(month, "E1", "eligible", 1000)
        add(month, "E2", "eligible", 500)
    add("2022-01", "E1", "invited", 100)
    add("2022-02", "E1", "invited", 60)
    add("2022-02", "E2", "invited", 40)
    add("2022-01", "E1", "participated", 50)
    add("2022-02", "E2", "participated", 30)
    add("2022-02", "E2", "tested", 40)
    add("2022-02", "E2", "referred", 4)
    add("2022-02", "E2", "cancers_found", 2)
    add("2022-02", "E2", "cancers_found_early", 1)
    add("2022-04", "E1", "eligible", 1200)
    add("2022-01", "", "invited", 70, "imd_quintile", "1")
    add("2022-01", "", "invited", 30, "imd_quintile", "5")
    add("2022-01", "", "participated", 20, "imd_quintile", "1")
    add("2022-01", "", "participated", 30, "imd_quintile", "5")
    add("2022-01", "W1", "invited", 10, alliance="Wessex")
    return pd.DataFrame(rows, columns=list(ACTIVITY_COLUMNS))


def test_monthly_totals_feed_the_adoption_timeline():
    totals = monthly_totals(_table(), "lung_health_check", "invited")
    assert totals["count"].tolist() == [100, 100, 10]
    timeline = adoption_timeline(totals).set_index("alliance")
    assert str(timeline.loc["Northern", "go_live"]) == "2022-01"


def test_groups_follow_the_schema():
    assert ACTIVITY_GROUPS["imd_quintile"] == ("1", "2", "3", "4", "5")
    assert ACTIVITY_GROUPS["all"] == ("All",)
