"""helpers.ingest.sources.census: Census 2021 TS021 ethnic group by LSOA21."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import real

from helpers.errors import InputDataError
from helpers.ingest.sources import Quarantine, census
from helpers.registry.schema import ETHNICITIES


@pytest.fixture(scope="module")
def ts021():
    q = Quarantine()
    return census.read(real("census2021/census2021-ts021-lsoa.csv"), quarantine=q), q


def test_england_has_33755_lsoas_and_56490108_residents(ts021):
    long, q = ts021
    assert len(q) == 0
    assert long["lsoa21_code"].nunique() == 33_755
    assert long["lsoa21_code"].str.startswith("E01").all()
    total = long[long["group_level"] == "total"]
    assert len(total) == 33_755
    assert total["count"].sum() == 56_490_108


def test_groups_add_up(ts021):
    long, _ = ts021
    assert sorted(long.loc[long["group_level"] == "broad", "group"].unique()) == sorted(
        ETHNICITIES[:5])
    assert long.loc[long["group_level"] == "detailed", "group"].nunique() == 19
    sums = long.groupby(["lsoa21_code", "group_level"])["count"].sum().unstack()
    assert (sums["broad"] == sums["total"]).all()
    assert (sums["detailed"] == sums["total"]).all()
    detail = long[long["group_level"] == "detailed"].groupby(["lsoa21_code", "broad_group"])[
        "count"].sum()
    broad = long[long["group_level"] == "broad"].set_index(["lsoa21_code", "broad_group"])[
        "count"]
    assert (detail.sort_index() == broad.sort_index()).all()


def test_broad_shares(ts021):
    wide = census.broad_shares(ts021[0])
    assert len(wide) == 33_755
    assert list(wide.columns) == ["lsoa21_code", "total", "asian", "black", "mixed", "white",
                                  "other"]
    assert (wide[["asian", "black", "mixed", "white", "other"]].sum(axis=1) - 1).abs().max() < 1e-9
    assert wide["total"].sum() == 56_490_108


def test_wales_on_request():
    long = census.read(real("census2021/census2021-ts021-lsoa.csv"), england_only=False)
    assert long["lsoa21_code"].nunique() == 35_672


# --- synthetic files ------------------------------------------------------------------------

HEADER = [
    "date", "geography", "geography code", "Ethnic group: Total: All usual residents",
    "Ethnic group: Asian, Asian British or Asian Welsh",
    "Ethnic group: Asian, Asian British or Asian Welsh: Indian",
    "Ethnic group: Asian, Asian British or Asian Welsh: Other Asian",
    "Ethnic group: Black, Black British, Black Welsh, Caribbean or African",
    "Ethnic group: Mixed or Multiple ethnic groups", "Ethnic group: White",
    "Ethnic group: White: Irish", "Ethnic group: White: Other White",
    "Ethnic group: Other ethnic group",
]


def write(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    return path


def test_synthetic_ts021(tmp_path):
    path = write(tmp_path / "ts021.csv", [
        [2021, "A 001A", "E01000001", 100, 10, 6, 4, 5, 5, 70, 20, 50, 10],
        [2021, "W 001A", "W01000001", 50, 0, 0, 0, 0, 0, 50, 0, 50, 0],
        [2021, "B 001A", "E01000002", 90, 10, 6, 4, 5, 5, 70, 20, 50, 10],  # total off by 10
    ])
    q = Quarantine()
    long = census.read(path, quarantine=q)
    assert long["lsoa21_code"].unique().tolist() == ["E01000001", "E01000002"]
    first = long[long["lsoa21_code"] == "E01000001"]
    assert first["group"].tolist() == ["Total", "Asian", "Black", "Mixed", "White", "Other",
                                       "Indian", "Other Asian", "Irish", "Other White"]
    assert first["broad_group"].tolist()[6:] == ["Asian", "Asian", "White", "White"]
    assert q.frame()[["source_row", "reason"]].values.tolist() == [
        [4, "broad groups do not add up to the total"]]
    wide = census.broad_shares(long)
    assert wide.loc[0, "white"] == pytest.approx(0.7)


def test_missing_broad_group_names_the_file_and_column(tmp_path):
    header = [h for h in HEADER if not h.startswith("Ethnic group: White")]
    path = write(tmp_path / "nowhite.csv", [[2021, "A", "E01000001", 30, 10, 6, 4, 5, 5, 10]],
                 header=header)
    with pytest.raises(InputDataError, match="nowhite.csv") as err:
        census.read(path)
    assert "White" in err.value.column


def test_no_header_row(tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text("2021,A,E01000001,100\n")
    with pytest.raises(InputDataError, match="noheader.csv.*header"):
        census.read(path)
