"""helpers.ingest.sources.ons: ONS lookups, crosswalk and apportioning.

Real-file tests read ../shared/data/real (never copied into the project) and skip
when it is absent; the synthetic tests write small files into tmp_path.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import real

from helpers.errors import InputDataError
from helpers.ingest.sources import Quarantine, SourceWarning, ons
from helpers.registry.alliances import ALLIANCES

# --- real files -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lsoa11_lookup():
    q = Quarantine()
    df = ons.read_lsoa11_lookup(real("ons/LSOA11_CCG21_STP21_CAL21_LAD21_EN_LU.xlsx"),
                                quarantine=q)
    return df, q


@pytest.fixture(scope="module")
def crosswalk():
    return ons.read_crosswalk(real("ons/LSOA11_LSOA21_LAD22_EW_LU.csv"))


def test_lsoa11_lookup_has_32844_lsoas_and_21_alliances(lsoa11_lookup):
    df, q = lsoa11_lookup
    assert len(df) == 32_844
    assert df["lsoa11_code"].is_unique
    cal21 = sorted(df["cal21_code"].unique())
    assert len(cal21) == 21
    assert cal21[0] == "E56000005" and cal21[-1] == "E56000030"
    assert df["lad_code"].nunique() == 309
    # every CAL21 alliance resolves to its April 2024 successor: 20 CAL24 alliances
    assert df["alliance_code"].notna().all()
    assert set(df["alliance_code"]) == {a.code for a in ALLIANCES}
    assert len(q) == 0
    assert list(df.columns[:2]) == ["lsoa11_code", "lsoa11_name"]
    merged = df[df["cal21_code"].isin(["E56000022", "E56000023"])]
    assert set(merged["alliance"]) == {"East of England"}


def test_ccg_lookup(tmp_path):
    df = ons.read(real("ons/CCG21_STP21_CAL21_EN_LU.csv"))
    assert len(df) == 106
    assert df["cal21_code"].nunique() == 21
    assert df["alliance_code"].nunique() == 20


def test_cal24_names_are_the_registry():
    q = Quarantine()
    df = ons.read_cal24(real("ons/CAL24_names_codes.json"), quarantine=q)
    assert len(df) == 20
    assert len(q) == 0
    assert dict(zip(df["alliance_code"], df["alliance"], strict=True)) == {
        a.code: a.name for a in ALLIANCES
    }


def test_icb23_has_42_icbs_with_stripped_names():
    df = ons.read(real("ons/ICB23_names_codes.json"))
    assert len(df) == 42
    assert df["icb_code"].str.startswith("E54").all()
    assert not df["icb_name"].str.endswith(" ").any()
    assert "NHS Norfolk and Waveney Integrated Care Board" in set(df["icb_name"])


def test_lsoa21_lookup_has_33755_lsoas_in_the_42_icbs():
    df = ons.read_lsoa21_lookup(real("ons/LSOA21_SICBL24_ICB24_EN_LU.csv"))
    icb = ons.read_icb23(real("ons/ICB23_names_codes.json"))
    assert len(df) == 33_755
    assert df["lsoa21_code"].is_unique
    assert set(df["icb_code"]) == set(icb["icb_code"])


def test_crosswalk_england_links_and_change_codes(crosswalk, lsoa11_lookup):
    assert len(crosswalk) == 33_855
    assert crosswalk["change_code"].value_counts().to_dict() == {
        "U": 31_810, "S": 1_842, "M": 194, "X": 9,
    }
    assert set(crosswalk["lsoa11_code"]) == set(lsoa11_lookup[0]["lsoa11_code"])
    assert crosswalk["lsoa21_code"].nunique() == 33_755
    full = ons.read_crosswalk(real("ons/LSOA11_LSOA21_LAD22_EW_LU.csv"), england_only=False)
    assert len(full) == 35_795


def test_census_counts_carried_onto_lsoa11_and_back_as_the_calibration_readme_says(crosswalk):
    from helpers.ingest.sources import census, imd

    pop = imd.read_population(
        real("imd2019/File_6_-_IoD2019_Population_Denominators.csv.gz")
    ).set_index("lsoa11_code")["population"]
    long = census.read(real("census2021/census2021-ts021-lsoa.csv"))
    wide = long[long["group_level"].isin(["total", "broad"])].pivot(
        index="lsoa21_code", columns="group", values="count").astype(float)
    on11 = ons.lsoa21_to_lsoa11(wide, crosswalk, pop)
    assert len(on11) == 32_844
    assert on11["Total"].sum() == pytest.approx(56_490_108)
    assert (on11.sum() - wide.sum()).abs().max() < 1e-6
    merged = crosswalk.loc[crosswalk["change_code"].isin(["M", "X"]), "lsoa21_code"].unique()
    assert wide.loc[merged, "Total"].sum() == 265_755  # residents apportioned (0.47%)
    back = ons.lsoa11_to_lsoa21(on11, crosswalk, wide["Total"])
    assert back["Total"].sum() == pytest.approx(56_490_108)
    kinds = crosswalk.groupby("lsoa21_code")["change_code"].agg(lambda s: "".join(sorted(set(s))))
    split = kinds[kinds.isin(["U", "S"])].index  # split pieces get their totals back exactly,
    assert (back.loc[split, "Total"] - wide.loc[split, "Total"]).abs().max() < 1e-6
    same = kinds[kinds == "U"].index  # and unchanged LSOAs every group
    assert (back.loc[same] - wide.loc[same]).abs().max().max() < 1e-6


# --- synthetic files ------------------------------------------------------------------------


def small_crosswalk() -> pd.DataFrame:
    """A unchanged; B split into B1/B2; C and D merged into CD; X-shaped E/F <-> E1/F1."""
    return pd.DataFrame({
        "lsoa11_code": ["A", "B", "B", "C", "D", "E", "E", "F"],
        "change_code": ["U", "S", "S", "M", "M", "X", "X", "X"],
        "lsoa21_code": ["A", "B1", "B2", "CD", "CD", "E1", "F1", "F1"],
    })


def test_lsoa21_to_lsoa11_apportions_merges_by_population():
    counts21 = pd.Series({"A": 10.0, "B1": 4.0, "B2": 6.0, "CD": 30.0, "E1": 8.0, "F1": 12.0},
                         name="people")
    pop11 = pd.Series({"A": 1, "B": 1, "C": 100, "D": 200, "E": 50, "F": 50})
    out = ons.lsoa21_to_lsoa11(counts21, small_crosswalk(), pop11)["people"]
    assert out["A"] == 10 and out["B"] == 10          # split pieces summed back
    assert out["C"] == pytest.approx(10) and out["D"] == pytest.approx(20)  # 100:200
    # F1 links to E and F; E links to 2 LSOA21s, so w(E) = 50/2, w(F) = 50/1
    assert out["E"] == pytest.approx(8 + 12 * 25 / 75)
    assert out["F"] == pytest.approx(12 * 50 / 75)
    assert out.sum() == pytest.approx(counts21.sum())


def test_lsoa11_to_lsoa21_splits_by_target_population_and_equal_without():
    counts11 = pd.DataFrame({"lsoa11_code": ["A", "B", "C", "D", "E", "F"],
                             "n": [10, 10, 10, 20, 8, 12]})
    pop21 = pd.Series({"A": 1, "B1": 100, "B2": 300, "CD": 5, "E1": 1, "F1": 1})
    out = ons.lsoa11_to_lsoa21(counts11, small_crosswalk(), pop21)["n"]
    assert out["B1"] == pytest.approx(2.5) and out["B2"] == pytest.approx(7.5)
    assert out["CD"] == pytest.approx(30)
    assert out.sum() == pytest.approx(70)
    equal = ons.lsoa11_to_lsoa21(counts11, small_crosswalk())["n"]
    assert equal["B1"] == pytest.approx(5) and equal["B2"] == pytest.approx(5)


def test_apportioning_rejects_codes_missing_from_the_crosswalk():
    from helpers.errors import ParameterError

    with pytest.raises(ParameterError, match="not in the crosswalk"):
        ons.lsoa21_to_lsoa11(pd.Series({"ZZZ": 1.0}), small_crosswalk())


def write_lookup_xlsx(path: Path, rows: list[list[object]], title: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "LSOA11_CCG21_STP21_CAL21_LA"
    if title:
        ws.append(["Lookup of LSOA (2011) to Cancer Alliance"])
        ws.append([])
    ws.append(["LSOA11CD", "LSOA11NM", "CCG21CD", "CCG21CDH", "CCG21NM", "STP21CD", "STP21NM",
               "CAL21CD", "CAL21NM", "LAD21CD", "LAD21NM", "FID"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


LOOKUP_ROWS = [
    ["E01000001", "City 001A", "E38000255", "93C", "NHS NCL CCG", "E54000028", "NCL",
     "E56000027", "North Central London", "E09000001", "City of London", 1],
    ["E01000002", "Leeds 001A", "E38000225", "15F", "NHS Leeds CCG", "E54000054", "WY",
     "E56000099", "Atlantis", "E08000035", "Leeds", 2],
    ["E01000003", "Hull 001A", "E38000052", "03F", "NHS Hull CCG", "E54000051", "HNY",
     "E56000026", "Humber, Coast and Vale", "E06000010", "Kingston upon Hull", 3],
]


def test_lsoa11_lookup_title_rows_and_unknown_alliance_quarantined(tmp_path):
    path = write_lookup_xlsx(tmp_path / "lookup.xlsx", LOOKUP_ROWS, title=True)
    q = Quarantine()
    df = ons.read(path, quarantine=q)
    assert df["alliance_code"].tolist()[0] == "E56000027"
    assert pd.isna(df["alliance_code"][1])  # kept, not dropped
    assert df["alliance"][2] == "Humber and North Yorkshire"
    bad = q.frame()
    assert bad[["source_file", "source_row", "column", "value"]].values.tolist() == [
        ["lookup.xlsx", 5, "cal21_code", "E56000099"]
    ]
    assert list(bad.columns) == ["source_file", "source_row", "column", "value", "reason"]
    with pytest.warns(SourceWarning, match="lookup.xlsx"):
        ons.read_lsoa11_lookup(path)


def test_lsoa11_lookup_without_header_names_the_file(tmp_path):
    wb = openpyxl.Workbook()
    for row in LOOKUP_ROWS:
        wb.active.append(row)
    wb.save(tmp_path / "broken.xlsx")
    with pytest.raises(InputDataError, match="broken.xlsx") as err:
        ons.read_lsoa11_lookup(tmp_path / "broken.xlsx")
    assert "header row" in str(err.value)


def test_lsoa11_lookup_with_a_wrong_column_names_it(tmp_path):
    path = tmp_path / "renamed.csv"
    pd.DataFrame(LOOKUP_ROWS, columns=["LSOA11CD", "LSOA11NM", "CCG21CD", "CCG21CDH", "CCG21NM",
                                       "STP21CD", "STP21NM", "ALLIANCE", "CAL21NM", "LAD21CD",
                                       "LAD21NM", "FID"]).to_csv(path, index=False)
    with pytest.raises(InputDataError, match="renamed.csv") as err:
        ons.read_lsoa11_lookup(path)
    assert err.value.column == "CAL21CD"


def test_crosswalk_rejects_unknown_change_codes(tmp_path):
    path = tmp_path / "cw.csv"
    path.write_text(
        "lsoa11_name,lsoa11_code,change_code,lsoa21_name,lsoa21_code,ltla22_name,ltla22_code\n"
        "A,E01000001,U,A,E01000001,L,E06000001\n"
        "B,E01000002,Q,B,E01000002,L,E06000001\n"
    )
    with pytest.raises(InputDataError, match="cw.csv") as err:
        ons.read_crosswalk(path)
    assert err.value.rows == [2] and err.value.column == "change_code"


def test_json_code_lists(tmp_path):
    path = tmp_path / "cal24.json"
    path.write_text(json.dumps({"E56000021": "RM Partners", "E56000013": "Thames Valley"}))
    q = Quarantine()
    df = ons.read(path, quarantine=q)
    assert df["alliance_code"].tolist() == ["E56000021", "E56000034"]
    assert df["alliance"].tolist() == ["West London", "Thames Valley"]
    assert sorted(q.frame()["column"]) == ["code", "name"]
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    with pytest.raises(InputDataError, match="bad.json"):
        ons.read_icb23(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"X1": "y"}))
    with pytest.raises(InputDataError, match="E54"):
        ons.read_icb23(wrong)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        ons.read(tmp_path / "nope.csv")


def test_no_warning_when_everything_resolves(tmp_path):
    path = write_lookup_xlsx(tmp_path / "ok.xlsx", [LOOKUP_ROWS[0], LOOKUP_ROWS[2]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SourceWarning)
        df = ons.read_lsoa11_lookup(path)
    assert len(df) == 2
