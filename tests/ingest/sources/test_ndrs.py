"""helpers.ingest.sources.ndrs: NDRS stage at diagnosis, to_cube, prevalence by alliance."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import real

from helpers.cube import CUBE_COLUMNS, ENGLAND_CODE
from helpers.errors import InputDataError
from helpers.ingest.sources import Quarantine, ndrs, ons
from helpers.registry.alliances import ALLIANCES
from helpers.registry.schema import SITES

STAGE = "ndrs/NDRS_stage_at_diagnosis_by_site_2013-2022.csv"
COUNTS = [*ndrs.STAGE_COLUMNS, "tumours", "staged", "early"]


@pytest.fixture(scope="module")
def stage():
    q = Quarantine()
    icb = ons.read_icb23(real("ons/ICB23_names_codes.json"))
    return ndrs.read_stage(real(STAGE), icb_codes=icb, quarantine=q), q


def test_stage_table_shape_and_codes(stage):
    df, q = stage
    assert len(q) == 0
    assert len(df) == 10_710
    assert df["geography_type"].value_counts().to_dict() == {
        "icb": 7_140, "alliance": 3_400, "england": 170}
    assert sorted(df["site"].unique()) == sorted(SITES)
    assert sorted(df["year"].unique()) == list(range(2013, 2023))
    alliances = df[df["geography_type"] == "alliance"]
    assert dict(zip(alliances["geography_code"], alliances["geography_name"], strict=True)) == {
        a.code: a.name for a in ALLIANCES}
    assert df.loc[df["geography_type"] == "icb", "geography_code"].nunique() == 42
    assert (df.loc[df["geography_type"] == "england", "geography_code"] == ENGLAND_CODE).all()
    assert df["geography_code"].notna().all()


def test_england_equals_the_sum_of_the_alliances_for_every_year_and_site(stage):
    df = stage[0]
    keys = ["year", "site"]
    england = df[df["geography_type"] == "england"].set_index(keys)[COUNTS].sort_index()
    alliances = df[df["geography_type"] == "alliance"].groupby(keys)[COUNTS].sum().sort_index()
    assert len(england) == 170
    assert (england - alliances).abs().max().max() == 0


def test_england_2019_figures(stage):
    df = stage[0]
    england = df[(df["geography_type"] == "england") & (df["year"] == 2019)]
    assert england["tumours"].sum() == 351_160
    assert england["staged"].sum() == 234_893
    assert england["early"].sum() == 127_988


def test_completeness_is_staged_over_tumours(stage):
    df = stage[0]
    pct = 100 * df["staged"] / df["tumours"]
    assert (pct - df["pct_completeness"]).abs().max() <= 0.051


def test_to_cube(stage):
    df = stage[0]
    cube = ndrs.to_cube(df, icb_parents={"E54000027": "E56000021"})
    assert tuple(cube.columns) == CUBE_COLUMNS
    assert set(cube["indicator"]) == {"early_stage"}
    assert set(cube["dimension"]) == {"all", "site"}
    row = cube[(cube["geography_code"] == ENGLAND_CODE) & (cube["period"] == "2019")
               & (cube["dimension"] == "all")]
    assert row[["numerator", "denominator", "group", "parent_code"]].values.tolist() == [
        [127_988, 234_893, "All", ""]]
    alliance = cube[cube["geography_type"] == "alliance"]
    assert (alliance["parent_code"] == ENGLAND_CODE).all()
    nwl = cube[(cube["geography_code"] == "E54000027")]
    assert (nwl["parent_code"] == "E56000021").all()
    # all-sites rows are the sums of the site rows
    keys = ["period", "geography_code"]
    by_site = cube[cube["dimension"] == "site"].groupby(keys)[["numerator", "denominator"]].sum()
    total = cube[cube["dimension"] == "all"].set_index(keys)[["numerator", "denominator"]]
    assert (by_site.sort_index() == total.sort_index()).all().all()


def test_prevalence_by_alliance():
    q = Quarantine()
    df = ndrs.read(real("ndrs/cancer_prevalence_2020_population_by_alliance.csv"), quarantine=q)
    assert len(df) == 21 and len(q) == 0
    assert df["alliance_code"].notna().all()
    eoe = df[df["alliance_code"] == "E56000035"]
    assert sorted(eoe["source_name"]) == ["East of England - North Cancer Alliance",
                                          "East of England - South Cancer Alliance"]
    assert df.loc[df["source_name"].str.startswith("Lancashire &"), "alliance"].item() == (
        "Lancashire and South Cumbria")
    assert df["population"].sum() > 55_000_000


# --- synthetic files ------------------------------------------------------------------------

HEADER = ('"Geography Type","Geography Name","Year","Site","Stage 1","Stage 2","Stage 3",'
          '"Stage 4","Staged - other early","Staged - other advanced","Unstageable",'
          '"Missing stage","Percentage completeness"\n')


def test_synthetic_stage_file_with_an_unknown_alliance(tmp_path):
    path = tmp_path / "stage.csv"
    path.write_text(
        HEADER
        + '"Country","England",2019,"Lung",10,10,10,10,0,0,5,5,80\n'
        + '"Cancer Alliance","RM Partners",2019,"Lung",6,4,5,5,0,0,5,5,66.7\n'
        + '"Cancer Alliance","Atlantis Cancer Alliance",2019,"Lung",4,6,5,5,0,0,0,0,100\n'
        + '"Integrated Care Board","NHS North West London ICB",2019,"Lung",6,4,5,5,0,0,5,5,66.7\n'
    )
    q = Quarantine()
    df = ndrs.read(path, quarantine=q, icb_codes={
        "NHS North West London Integrated Care Board": "E54000027"})
    assert df["geography_code"].tolist()[:2] == [ENGLAND_CODE, "E56000021"]
    assert df["geography_name"][1] == "West London"
    assert pd.isna(df["geography_code"][2])  # kept with no code
    assert df["geography_code"][3] == "E54000027"
    assert q.frame()[["source_row", "value"]].values.tolist() == [
        [4, "Atlantis Cancer Alliance"]]
    assert df[["tumours", "staged", "early"]].iloc[0].tolist() == [50, 40, 20]
    cube = ndrs.to_cube(df)
    assert "Atlantis Cancer Alliance" not in set(cube["geography_name"])
    assert len(cube) == 6  # 3 resolved geographies x (all + site)


def test_stage_file_with_a_missing_column_names_it(tmp_path):
    path = tmp_path / "nostage4.csv"
    path.write_text(HEADER.replace('"Stage 4",', "") +
                    '"Country","England",2019,"Lung",10,10,10,0,0,5,5,80\n')
    with pytest.raises(InputDataError, match="nostage4.csv") as err:
        ndrs.read_stage(path)
    assert err.value.column == "Stage 4"


def test_stage_file_with_text_in_a_count(tmp_path):
    path = tmp_path / "text.csv"
    path.write_text(HEADER + '"Country","England",2019,"Lung",ten,10,10,10,0,0,5,5,80\n')
    with pytest.raises(InputDataError, match="text.csv") as err:
        ndrs.read_stage(path)
    assert err.value.column == "stage_1" and err.value.rows == [1]


def test_prevalence_title_lines(tmp_path):
    path = tmp_path / "prev.csv"
    path.write_text("From 'MaxCalc' sheet,,,,\n,,,,\nCancer Alliance,Sum of Rate,Sum of Count,"
                    "MCED,population\nNorthern Cancer Alliance,4199.2,\"125,995\",1,3000452\n")
    df = ndrs.read_prevalence(path)
    assert df[["alliance_code", "prevalence_count", "population"]].values.tolist() == [
        ["E56000029", 125_995, 3_000_452]]
