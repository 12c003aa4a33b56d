"""helpers.ingest.sources.imd: IoD File 1, File 6 populations, the score/decile CSV."""

from __future__ import annotations

import gzip
from pathlib import Path

import openpyxl
import pytest
from conftest import real

from helpers.errors import InputDataError
from helpers.ingest.sources import Quarantine, imd

FILE1 = "imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
FILE6 = "imd2019/File_6_-_IoD2019_Population_Denominators.csv.gz"
SCORES = "imd2019/IMD2019_score_decile_LSOA11.csv"


# --- real files -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def file1():
    return imd.read_file1(real(FILE1))


def test_file1_has_32844_lsoas_in_ten_equal_deciles(file1):
    assert len(file1) == 32_844
    assert file1["lsoa11_code"].is_unique
    # ranks run 1..32,844 with ties sharing the lower rank (26 tied pairs in the file)
    ranks = file1["imd_rank"].astype(int)
    assert ranks.min() == 1 and ranks.max() == 32_844
    assert (ranks == ranks.rank(method="min").astype(int)).all()
    assert int(ranks.duplicated().sum()) == 26
    shares = file1["imd_decile"].value_counts(normalize=True).sort_index()
    assert list(shares.index) == list(range(1, 11))
    assert ((shares - 0.1).abs() < 0.001).all()
    # decile 1 holds the most deprived ranks
    assert file1.loc[file1["imd_rank"] == 1, "imd_decile"].item() == 1
    assert (file1["imd_quintile"] == (file1["imd_decile"] + 1) // 2).all()
    assert file1["imd_quintile"].value_counts().sort_index().index.tolist() == [1, 2, 3, 4, 5]


def test_file1_deciles_equal_the_csv_deciles(file1):
    scores = imd.read(real(SCORES))
    assert len(scores) == 32_844
    both = file1.merge(scores, on="lsoa11_code", suffixes=("", "_csv"), validate="1:1")
    assert len(both) == 32_844
    assert (both["imd_decile"] == both["imd_decile_csv"]).all()
    assert scores["imd_score"].between(0, 100).all()


def test_population_denominators():
    q = Quarantine()
    pop = imd.read(real(FILE6), quarantine=q)
    assert len(pop) == 32_844
    assert len(q) == 0  # the three bands add up to the total on every row
    assert pop["population"].sum() == 54_728_204
    bands = pop[["population_0_15", "population_16_59", "population_60_plus"]].sum(axis=1)
    assert (bands == pop["population"]).all()
    assert pop.loc[pop["lsoa11_code"] == "E01000001", "population"].item() == 1_296  # "1,296"


def test_combine_gives_one_row_per_lsoa():
    df = imd.combine(real(FILE1), real(FILE6), real(SCORES))
    assert len(df) == 32_844
    assert {"imd_score", "imd_rank", "imd_decile", "imd_quintile", "population",
            "population_0_15", "population_16_59", "population_60_plus"} <= set(df.columns)
    assert df[["imd_score", "imd_rank", "imd_decile", "population"]].notna().all().all()


# --- synthetic files ------------------------------------------------------------------------


def write_file1(path: Path, vintage: str = "2011", lad: str = "2019",
                rows: list[list[object]] | None = None, header: bool = True) -> Path:
    """An IoD File 1 look-alike: a Notes sheet, then the data sheet."""
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["English Indices of Deprivation"])
    wb.active.append(["File 1: index of multiple deprivation"])
    ws = wb.create_sheet("IMD")
    if header:
        ws.append([f"LSOA code ({vintage})", f"LSOA name ({vintage})",
                   f"Local Authority District code ({lad})",
                   f"Local Authority District name ({lad})",
                   "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
                   "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% "
                   "of LSOAs)"])
    for row in rows or [["E01000001", "A 001A", "E09000001", "A", 3, 10],
                        ["E01000002", "A 001B", "E09000001", "A", 1, 1],
                        ["E01000003", "A 001C", "E09000001", "A", 2, 6]]:
        ws.append(row)
    wb.save(path)
    return path


def test_file1_layout_with_2021_lsoa_codes(tmp_path):
    df = imd.read(write_file1(tmp_path / "File_1_IoD2025.xlsx", vintage="2021", lad="2024"))
    assert list(df.columns) == ["lsoa21_code", "lsoa21_name", "lad24_code", "lad24_name",
                                "imd_rank", "imd_decile", "imd_quintile"]
    assert df["imd_quintile"].tolist() == [5, 1, 3]


def test_file1_without_header_or_with_bad_decile_names_the_file(tmp_path):
    path = write_file1(tmp_path / "noheader.xlsx", header=False)
    with pytest.raises(InputDataError, match="noheader.xlsx"):
        imd.read_file1(path)
    path = write_file1(tmp_path / "decile11.xlsx",
                       rows=[["E01000001", "A", "E09000001", "A", 1, 11]])
    with pytest.raises(InputDataError, match="decile11.xlsx") as err:
        imd.read_file1(path)
    assert err.value.column == "imd_decile" and err.value.rows == [1]


def test_population_csv_gz_with_thousands_separators(tmp_path):
    text = (
        "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
        "Local Authority District name (2019),Total population: mid 2015 (excluding prisoners),"
        "Dependent Children aged 0-15: mid 2015 (excluding prisoners),"
        "Population aged 16-59: mid 2015 (excluding prisoners),"
        "Older population aged 60 and over: mid 2015 (excluding prisoners),"
        "Working age population 18-59/64: for use with Employment Deprivation Domain "
        "(excluding prisoners)\n"
        'E01000001,A 001A,E09000001,A,"1,296",175,656,465,715\n'
        'E01000002,A 001B,E09000001,A,"2,000",100,900,900,800\n'
    )
    path = tmp_path / "File_6.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    q = Quarantine()
    df = imd.read_population(path, quarantine=q)
    assert df["population"].tolist() == [1296, 2000]
    # the second row's bands add up to 1,900, not 2,000: kept and recorded (file row 3)
    assert q.frame()[["source_row", "reason"]].values.tolist() == [
        [3, "age bands 0-15, 16-59 and 60+ do not add up to the total"]
    ]
    broken = tmp_path / "broken.csv"
    broken.write_text(text.replace('"1,296"', "lots"))
    with pytest.raises(InputDataError, match="broken.csv") as err:
        imd.read_population(broken)
    assert err.value.column == "population" and err.value.rows == [1]


def test_combine_checks_that_deciles_agree(tmp_path):
    file1 = write_file1(tmp_path / "f1.xlsx")
    good = tmp_path / "scores.csv"
    good.write_text('"LSOA11CD","IMD_2019_decile","IMD_2019_score"\n'
                    '"E01000001",10,5.1\n"E01000002",1,60.2\n"E01000003",6,20\n')
    df = imd.combine(file1, scores=good)
    assert df["imd_score"].tolist() == [5.1, 60.2, 20.0]
    bad = tmp_path / "other.csv"
    bad.write_text('"LSOA11CD","IMD_2019_decile","IMD_2019_score"\n'
                   '"E01000001",9,5.1\n"E01000002",1,60.2\n"E01000003",6,20\n')
    with pytest.raises(InputDataError, match="other.csv.*deciles differ"):
        imd.combine(file1, scores=bad)


def test_scores_csv_missing_decile_column(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text('"LSOA11CD","IMD_2019_score"\n"E01000001",5.1\n')
    with pytest.raises(InputDataError, match="wrong.csv"):
        imd.read_scores(path)
