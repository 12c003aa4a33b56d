"""helpers.ingest.sources.cwt: monthly 28-day FDS CSVs and CWT-CRS provider extract workbooks."""

from __future__ import annotations

import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import real

from helpers.errors import InputDataError
from helpers.ingest.sources import Quarantine, cwt

# --- real files -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fds():
    q = Quarantine()
    start = time.perf_counter()
    df = cwt.read_fds_dir(real("nhse_cwt/fds_monthly"), quarantine=q)
    return df, q, time.perf_counter() - start


def test_all_42_months_are_read(fds):
    df, q, seconds = fds
    assert len(q) == 0
    months = sorted(df["month"].unique())
    assert len(months) == 42
    assert months[0] == pd.Timestamp("2021-04-01") and months[-1] == pd.Timestamp("2024-09-01")
    assert df["source_file"].nunique() == 42
    # the header row moved from file row 7 to row 9 in Oct-2023: first data rows follow it
    first = df.groupby("source_file")["source_row"].min()
    assert first["data_2021_04.csv"] == 8 and first["data_2023_10.csv"] == 10
    # Jul-2024's title cell was re-typed by a spreadsheet as "24-Jul"
    assert (df.loc[df["source_file"] == "data_2024_07.csv", "month"] ==
            pd.Timestamp("2024-07-01")).all()
    assert df[["provider_code", "referral_route", "cancer_type"]].notna().sum().min() > 0
    assert seconds < 120  # typically ~1.5 s; a guard against a pathological slowdown


def test_national_rows_equal_the_sum_of_provider_rows_in_every_file(fds):
    df = fds[0]
    national = df[df["level"] == "england"]
    assert set(national["provider_name"]) == {"ALL ENGLISH PROVIDERS"}
    assert national["provider_code"].isna().all()
    assert national.groupby("source_file").size().between(20, 22).all()
    check = cwt.national_check(df)
    diffs = check.filter(like="diff_")
    assert (diffs == 0).all().all(), check[(diffs != 0).any(axis=1)]
    # every route x cancer type with providers has its national row
    assert (check["total_national"] > 0).all()


def test_fds_counts_are_consistent(fds):
    df = fds[0]
    assert (df["within_28"] + df["after_28"] == df["total"]).all()
    bands = df[["within_14", "days_15_28", "days_29_42", "days_43_62", "after_62"]].sum(axis=1)
    assert (bands == df["total"]).all()
    assert (df["within_14"] + df["days_15_28"] == df["within_28"]).all()


@pytest.fixture(scope="module")
def crs(fds):
    q = Quarantine()
    start = time.perf_counter()
    df = cwt.read_crs_dir(real("nhse_cwt/crs_extracts"),
                          provider_names=cwt.provider_names(fds[0]), quarantine=q)
    return df, q, time.perf_counter() - start


def test_crs_extracts(crs):
    df, q, seconds = crs
    assert len(q) == 0
    assert len(df) == 61_780 + 61_649 + 41_013
    months = sorted(df["month"].unique())
    assert len(months) == 16
    assert months[0] == pd.Timestamp("2024-04-01") and months[-1] == pd.Timestamp("2025-07-01")
    assert set(df["standard"]) == {"fds_28", "cwt_31", "cwt_62"}
    assert df.loc[df["standard"] == "fds_28", "modality"].isna().all()
    assert set(df.loc[df["standard"] == "cwt_31", "route"]) == {
        "First Treatment", "Subsequent Treatment"}
    assert ((df["within_standard"] + df["breaches"] - df["total"]).abs() < 1e-9).all()
    assert (df["total"] % 1 != 0).any()  # shared 62-day patients count 0.5
    named = df["provider_name"].notna().mean()
    assert named > 0.95
    assert seconds < 180  # typically ~4.5 s for the three workbooks


def test_crs_fds_rows_match_the_monthly_fds_files_where_both_exist(fds, crs):
    monthly, extract = fds[0], crs[0]
    shared = sorted(set(monthly["month"]) & set(extract["month"]))
    assert len(shared) == 6  # Apr-Sep 2024
    a = monthly[(monthly["level"] == "provider") & monthly["month"].isin(shared)]
    b = extract[(extract["standard"] == "fds_28") & extract["month"].isin(shared)]
    keys = ["month", "provider_code", "referral_route", "cancer_type"]
    totals_a = a.groupby(keys)[["total", "within_28"]].sum()
    totals_b = b.rename(columns={"route": "referral_route", "within_standard": "within_28"}
                        ).groupby(keys)[["total", "within_28"]].sum()
    # the same counts, provider by provider, route by route, cancer type by cancer type
    assert len(totals_a) == len(totals_b)
    assert (totals_a.astype(float) == totals_b.loc[totals_a.index].astype(float)).all().all()


# --- synthetic files ------------------------------------------------------------------------

FDS_TEXT = '''"28-DAY FASTER DIAGNOSIS: BY ROUTE & BY SUSPECTED CANCER",,,,,,,,,,,,,,
"Mar-24",,,,,,,,,,,,,,
"BASIS: PROVIDER BASED",,,,,,,,,,,,,,
,,,,,,,,,,,,,,
,,,,,"NUMBER OF PEOPLE TOLD CANCER DIAGNOSIS OUTCOME",,,"PERCENTAGE",,"NUMBER",,,,
,"ODS CODE (1)","ACCOUNTABLE PROVIDER","REFERRAL ROUTE","SUSPECTED CANCER OR BREAST SYMPTOMATIC (2)","TOTAL","WITHIN 28 DAYS","AFTER 28 DAYS","TOLD WITHIN 28 DAYS"," ","WITHIN 14 DAYS","IN 15 TO 28 DAYS","IN 29 TO 42 DAYS","IN 43 TO 62 DAYS","AFTER 62 DAYS"
,"RCF","AIREDALE","URGENT SUSPECTED CANCER","Suspected breast cancer","1,115","1,004","111","0.9",,"500","504","100","10","1"
,"RXX","OTHER TRUST","URGENT SUSPECTED CANCER","Suspected breast cancer","85","80","5","0.9",,"40","40","5","0","0"
,,,,,,,,,,,,,,
,,"ALL ENGLISH PROVIDERS","URGENT SUSPECTED CANCER","Suspected breast cancer","1,200","1,084","116","0.9","","540","544","105","10","1"
'''  # noqa: E501


def test_synthetic_fds_file(tmp_path):
    path = tmp_path / "data_2024_03.csv"
    path.write_text(FDS_TEXT)
    df = cwt.read(path)
    assert df["month"].unique().tolist() == [pd.Timestamp("2024-03-01")]
    assert df["level"].tolist() == ["provider", "provider", "england"]
    assert df["total"].tolist() == [1115, 85, 1200]  # thousands separators parsed
    assert df["source_row"].tolist() == [7, 8, 10]
    assert list(df.columns[:6]) == ["month", "level", "provider_code", "provider_name",
                                    "referral_route", "cancer_type"]
    assert (cwt.national_check(df).filter(like="diff_") == 0).all().all()


def test_fds_month_from_title_when_the_name_has_none(tmp_path):
    path = tmp_path / "march.csv"
    path.write_text(FDS_TEXT.replace('"Mar-24"', "24-Mar"))
    assert cwt.read_fds(path)["month"].iloc[0] == pd.Timestamp("2024-03-01")


def test_fds_month_disagreement_is_an_error(tmp_path):
    path = tmp_path / "data_2024_04.csv"
    path.write_text(FDS_TEXT)
    with pytest.raises(InputDataError, match="data_2024_04.csv.*Apr-2024.*Mar-2024"):
        cwt.read_fds(path)


def test_fds_without_header_row(tmp_path):
    path = tmp_path / "data_2024_03.csv"
    lines = [line for line in FDS_TEXT.splitlines() if "ODS CODE" not in line]
    path.write_text("\n".join(lines))
    with pytest.raises(InputDataError, match="data_2024_03.csv.*header"):
        cwt.read_fds(path)


def test_fds_with_a_wrong_column(tmp_path):
    path = tmp_path / "data_2024_03.csv"
    path.write_text(FDS_TEXT.replace('"WITHIN 28 DAYS"', '"INSIDE 4 WEEKS"'))
    with pytest.raises(InputDataError, match="data_2024_03.csv") as err:
        cwt.read_fds(path)
    assert err.value.column == "WITHIN 28 DAYS"


def test_fds_bad_numbers_and_orphan_rows(tmp_path):
    path = tmp_path / "data_2024_03.csv"
    path.write_text(FDS_TEXT.replace('"85","80"', '"eighty-five","80"'))
    with pytest.raises(InputDataError, match="data_2024_03.csv") as err:
        cwt.read_fds(path)
    assert err.value.column == "total" and err.value.rows == [2]
    path.write_text(FDS_TEXT.replace(',"RXX","OTHER TRUST"', ',"","OTHER TRUST"'))
    q = Quarantine()
    df = cwt.read_fds(path, quarantine=q)
    assert len(df) == 3
    assert q.frame()[["source_row", "column", "value"]].values.tolist() == [
        [8, "provider_code", "OTHER TRUST"]]


def write_crs(path: Path, rows: list[list[object]], header: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "CWT CRS Provider Extract"
    if header:
        ws.append(["PERIOD", "YEAR", "MONTH", "STANDARD", "ORG CODE", "STAGE/ROUTE",
                   "TREATMENT MODALITY", "CANCER TYPE", "TOTAL TREATED", "WITHIN STANDARD",
                   "BREACHES"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


CRS_ROWS = [
    [pd.Timestamp("2025-04-01").to_pydatetime(), "2025/26", "APR", "28-day FDS", "RCF",
     "URGENT SUSPECTED CANCER", None, "Suspected breast cancer", 100, 90, 10],
    [pd.Timestamp("2025-04-01").to_pydatetime(), "2025/26", "APR", "62-day Combined", "RCF",
     "Urgent Suspected Cancer", "Surgery", "ALL CANCERS", 3.5, 1.5, 2],
    [pd.Timestamp("2025-05-01").to_pydatetime(), "2025/26", "MAY", "104-day Backstop", "RCF",
     "Urgent Suspected Cancer", "ALL MODALITIES", "ALL CANCERS", 4, 4, 0],
]


def test_synthetic_crs_workbook(tmp_path):
    path = write_crs(tmp_path / "CWT-CRS-Apr-2025-Provider.xlsx", CRS_ROWS)
    q = Quarantine()
    df = cwt.read(path, quarantine=q, provider_names={"RCF": "AIREDALE"})
    assert df["month"].tolist() == [pd.Timestamp("2025-04-01")] * 2 + [pd.Timestamp("2025-05-01")]
    assert df["standard"].tolist()[:2] == ["fds_28", "cwt_62"]
    assert pd.isna(df["standard"][2])  # unknown standard: kept, quarantined
    assert df["total"].tolist() == [100, 3.5, 4]
    assert pd.isna(df["modality"][0])
    assert (df["provider_name"] == "AIREDALE").all()
    assert q.frame()[["source_row", "column", "value"]].values.tolist() == [
        [4, "STANDARD", "104-day Backstop"]]


def test_crs_without_header_or_with_a_missing_column(tmp_path):
    path = write_crs(tmp_path / "noheader.xlsx", CRS_ROWS, header=False)
    with pytest.raises(InputDataError, match="noheader.xlsx"):
        cwt.read_crs(path)
    wb = openpyxl.Workbook()
    wb.active.append(["PERIOD", "YEAR", "MONTH", "STANDARD", "ORG CODE", "STAGE/ROUTE",
                      "CANCER TYPE", "TOTAL TREATED", "WITHIN STANDARD"])
    wb.active.append(CRS_ROWS[0][:6] + CRS_ROWS[0][7:10])
    wb.save(tmp_path / "nobreaches.xlsx")
    with pytest.raises(InputDataError, match="nobreaches.xlsx") as err:
        cwt.read_crs(tmp_path / "nobreaches.xlsx")
    assert err.value.column == "BREACHES"


def test_crs_dir_keeps_overlapping_months_once(tmp_path):
    write_crs(tmp_path / "CWT-CRS-A-Provider.xlsx", CRS_ROWS[:2])
    later = [list(r) for r in CRS_ROWS]
    later[0][8:] = [101, 91, 10]  # revised in the later release
    later[2][3] = "31-day Combined"
    write_crs(tmp_path / "CWT-CRS-B-Provider.xlsx", later)
    df = cwt.read_crs_dir(tmp_path)
    assert len(df) == 3
    assert set(df["source_file"]) == {"CWT-CRS-B-Provider.xlsx"}
    assert df.loc[df["standard"] == "fds_28", "total"].item() == 101


def test_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputDataError, match="fake.xlsx"):
        cwt.read_crs(path)
