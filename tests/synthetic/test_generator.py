"""Tests of the embedded synthetic data generator, ``helpers.synthetic``.

Expectations are computed here from the packaged calibration CSVs with plain
pandas, not from the generator's internals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import helpers.synthetic as synthetic
from helpers.registry.innovations import INNOVATIONS
from helpers.registry.schema import (
    ETHNICITIES,
    RAW_AREA_COLUMNS,
    RAW_TUMOUR_COLUMNS,
    ROUTES,
    SEXES,
    SITES,
    STAGES,
    URGENT_ROUTES,
)
from helpers.synthetic import SyntheticData, generate, write

CALIBRATION = Path(synthetic.__file__).parent / "calibration"
IDENTIFIERS = ["nhs_number", "postcode", "date_of_birth"]
DATE_COLUMNS = [c for c, t in RAW_TUMOUR_COLUMNS.items() if t == "date"]
STAGED = ["1", "2", "3", "4"]
EARLY = ["1", "2"]
TWO_ALLIANCES = ["Peninsula", "E56000029"]  # a name and a code (Northern)
SCREENED_SITES = sorted({s for i in INNOVATIONS for s in i.sites})  # planted effects touch these


def _stage_profile() -> pd.DataFrame:
    df = pd.read_csv(CALIBRATION / "alliance_stage_profile.csv", comment="#")
    return df[df["cal24nm"] != "England"]


def _lad_profile() -> pd.DataFrame:
    return pd.read_csv(CALIBRATION / "lad_profile.csv", comment="#")


def _quintile(df: pd.DataFrame) -> pd.Series:
    return (df["imd_decile"] + 1) // 2


def _days(df: pd.DataFrame, start: str, end: str) -> pd.Series:
    return (df[end] - df[start]).dt.days


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def small() -> SyntheticData:
    return generate(scale=0.05)


@pytest.fixture(scope="module")
def two_full() -> SyntheticData:
    """Two alliances at full scale, two years, no planted effects: exact calibrated counts."""
    return generate(alliances=TWO_ALLIANCES, years=(2019, 2022), plant_effects=False,
                    referrals=False)


@pytest.fixture(scope="module")
def large() -> SyntheticData:
    """A quarter of England: big enough for the national gradients."""
    return generate(scale=0.25, referrals=False)


# --------------------------------------------------------------------------- API


def test_public_api():
    assert set(synthetic.__all__) == {"generate", "write", "SyntheticData"}
    assert callable(generate) and callable(write)


def test_calibration_files_have_source_comment():
    for name in ("lad_profile.csv", "alliance_stage_profile.csv"):
        first = (CALIBRATION / name).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Calibration constants for SYNTHETIC data. Source: ")
        assert "Open Government Licence v3.0" in first


def test_deterministic_for_a_seed():
    a = generate(seed=7, scale=0.02, alliances=TWO_ALLIANCES)
    b = generate(seed=7, scale=0.02, alliances=TWO_ALLIANCES)
    pd.testing.assert_frame_equal(a.tumours, b.tumours)
    pd.testing.assert_frame_equal(a.areas, b.areas)


def test_different_seeds_differ():
    a = generate(seed=7, scale=0.02, alliances=TWO_ALLIANCES)
    b = generate(seed=8, scale=0.02, alliances=TWO_ALLIANCES)
    assert len(a.tumours) == len(b.tumours)  # counts are calibrated, not random
    assert not a.tumours.equals(b.tumours)
    assert not a.areas.equals(b.areas)


def test_alliances_by_name_or_code_any_case():
    a = generate(alliances=["peninsula", " northern "], scale=0.02)
    b = generate(alliances=TWO_ALLIANCES, scale=0.02)
    assert set(a.tumours["alliance"].unique()) == {"Peninsula", "Northern"}
    pd.testing.assert_frame_equal(a.tumours, b.tumours)


def test_unknown_alliance_lists_valid_names():
    with pytest.raises(ValueError) as err:
        generate(alliances=["Peninsula", "Atlantis"], scale=0.01)
    message = str(err.value)
    assert "Atlantis" in message
    assert "Thames Valley" in message and "Greater Manchester" in message


@pytest.mark.parametrize(
    "kwargs", [{"years": (2018,)}, {"years": ()}, {"scale": 0}, {"scale": -1.0}]
)
def test_bad_parameters_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        generate(alliances=["Peninsula"], **kwargs)


# --------------------------------------------------------------------------- schema


def test_tumour_columns_and_types(small):
    df = small.tumours
    assert list(df.columns) == [*RAW_TUMOUR_COLUMNS, *IDENTIFIERS]
    for col in [*DATE_COLUMNS, "date_of_birth"]:
        assert pd.api.types.is_datetime64_dtype(df[col]), col
    for col in ("age", "imd_decile"):
        assert pd.api.types.is_integer_dtype(df[col]), col
    assert set(df["site"].unique()) == set(SITES)
    assert set(df["stage"].unique()) == set(STAGES)
    assert set(df["sex"].unique()) == set(SEXES)
    assert set(df["ethnicity"].unique()) == set(ETHNICITIES)
    assert set(df["route"].unique()) == set(ROUTES)
    assert df["age"].between(18, 99).all()
    assert df["imd_decile"].between(1, 10).all()
    assert df["tumour_id"].is_unique
    assert df["tumour_id"].str.fullmatch(r"SYN\d{8}").all()
    required = [c for c in RAW_TUMOUR_COLUMNS if RAW_TUMOUR_COLUMNS[c] != "date"]
    assert df[[*required, "diagnosis_date"]].notna().all().all()


def test_area_columns(small):
    areas = small.areas
    assert list(areas.columns) == [*RAW_AREA_COLUMNS, "alliance_code", "pop_60_plus"]
    assert areas["lsoa_code"].is_unique
    assert (areas["pop_60_plus"] <= areas["population"]).all()
    assert (areas["population"] >= 0).all()


def test_geography_is_real_lads_and_alliances(small):
    lad = _lad_profile()
    df = small.tumours
    pairs = set(zip(lad["lad21cd"], lad["lad21nm"], lad["cal24nm"], strict=True))
    used = df[["lad_code", "lad_name", "alliance"]].drop_duplicates().astype(str)
    assert set(map(tuple, used.to_numpy())) <= pairs
    icbs = set(zip(lad["icb_cd"], lad["icb"], strict=True))
    used_icb = df[["icb_code", "icb_name"]].drop_duplicates().astype(str)
    assert set(map(tuple, used_icb.to_numpy())) <= icbs
    assert set(df["alliance"].unique()) == set(lad["cal24nm"])


def test_small_areas_are_synthetic(small):
    for codes in (small.tumours["lsoa_code"], small.areas["lsoa_code"]):
        codes = codes.astype(str)
        assert codes.str.startswith("SYN").all()
        assert not codes.str.match(r"^[EW]01").any()
    merged = small.tumours.merge(
        small.areas, on="lsoa_code", suffixes=("", "_area"), validate="many_to_one"
    )
    assert len(merged) == len(small.tumours)
    for col in ("lad_code", "icb_code", "alliance", "imd_decile"):
        assert (merged[col].astype(str) == merged[f"{col}_area"].astype(str)).all(), col


# --------------------------------------------------------------------------- counts


def test_counts_match_calibration_times_scale(small):
    cal = _stage_profile().set_index(["cal24nm", "site", "year"])["tumours"]
    got = (
        small.tumours.assign(year=small.tumours["diagnosis_date"].dt.year)
        .groupby(["alliance", "site", "year"], observed=True)
        .size()
    )
    got = got.reindex(cal.index, fill_value=0)
    assert (np.abs(got.to_numpy() - cal.to_numpy() * 0.05) <= 0.5 + 1e-9).all()


def test_stage_counts_exact_per_cell_at_full_scale(two_full):
    cal = _stage_profile()
    cal = cal[cal["cal24nm"].isin(["Peninsula", "Northern"]) & cal["year"].isin([2019, 2022])]
    cal = cal.set_index(["cal24nm", "site", "year"]).sort_index()
    df = two_full.tumours.assign(year=two_full.tumours["diagnosis_date"].dt.year)
    stage = df["stage"].astype(str)
    got = (
        df.assign(
            tumours=1,
            staged=stage.isin(STAGED),
            early=stage.isin(EARLY),
            unstageable=stage.eq("unstageable"),
            missing=stage.eq("missing"),
        )
        .groupby(["alliance", "site", "year"], observed=True)[
            ["tumours", "staged", "early", "unstageable", "missing"]
        ]
        .sum()
        .sort_index()
    )
    assert got.index.equals(cal.index)
    for col in ("tumours", "staged", "early", "unstageable", "missing"):
        assert (got[col].to_numpy() == cal[col].to_numpy()).all(), col
    # stage 1 : 2 follows the cell's split (other early folded in), within rounding
    n1 = (
        (df["stage"] == "1")
        .groupby([df["alliance"], df["site"], df["year"]], observed=True)
        .sum()
        .sort_index()
    )
    share = cal["stage_1"] / (cal["stage_1"] + cal["stage_2"])
    assert (np.abs(n1.to_numpy() - cal["early"].to_numpy() * share.to_numpy()) <= 0.5 + 1e-9).all()


def test_stage_counts_per_cell_at_small_scale(small):
    """Planted effects only move stage 3-4 to 1-2 in the sites the innovations screen."""
    cal = _stage_profile().set_index(["cal24nm", "site", "year"]).sort_index()
    df = small.tumours.assign(year=small.tumours["diagnosis_date"].dt.year)
    stage = df["stage"].astype(str)
    got = (
        df.assign(
            staged=stage.isin(STAGED),
            early=stage.isin(EARLY),
            unstageable=stage.eq("unstageable"),
            missing=stage.eq("missing"),
        )
        .groupby(["alliance", "site", "year"], observed=True)[
            ["staged", "early", "unstageable", "missing"]
        ]
        .sum()
    )
    got = got.reindex(cal.index, fill_value=0)
    late = got["staged"] - got["early"]
    cal_late = cal["staged"] - cal["early"]
    screened = got.index.get_level_values("site").isin(SCREENED_SITES)
    for col in ("unstageable", "missing"):
        assert (np.abs(got[col] - cal[col] * 0.05) < 1).all(), col
    assert (np.abs(got["staged"] - cal["staged"] * 0.05) < 2).all()  # early + late, each < 1
    for col, expected in (("early", cal["early"]), ("late", cal_late)):
        value = got["early"] if col == "early" else late
        assert (np.abs(value - expected * 0.05)[~screened] < 1).all(), col
    assert (got["early"][screened] > cal["early"][screened] * 0.05 - 1).all()
    assert (late[screened] < cal_late[screened] * 0.05 + 1).all()


def test_selected_years_and_alliances_only(two_full):
    df = two_full.tumours
    assert set(df["diagnosis_date"].dt.year.unique()) == {2019, 2022}
    assert set(df["alliance"].unique()) == {"Peninsula", "Northern"}
    assert set(two_full.areas["alliance"].unique()) == {"Peninsula", "Northern"}


# --------------------------------------------------------------------------- areas


def test_area_quintile_shares_match_lad_profile(small):
    lad = _lad_profile()
    q_cols = [f"imd_q{q}_share" for q in range(1, 6)]
    lad_pop = lad[q_cols].mul(lad["pop_total"], axis=0)
    lad_pop[["lad_code", "alliance"]] = lad[["lad21cd", "cal24nm"]]
    expected = lad_pop.groupby(["lad_code", "alliance"]).sum()
    expected = expected.div(expected.sum(axis=1), axis=0)
    expected.columns = range(1, 6)

    areas = small.areas.assign(
        q=_quintile(small.areas),
        lad_code=small.areas["lad_code"].astype(str),
        alliance=small.areas["alliance"].astype(str),
    )
    got = areas.pivot_table(
        index=["lad_code", "alliance"],
        columns="q",
        values="population",
        aggfunc="sum",
        fill_value=0,
    )
    got = got.div(got.sum(axis=1), axis=0).reindex(
        index=expected.index, columns=range(1, 6), fill_value=0
    )
    assert np.abs(got - expected).to_numpy().max() < 0.002

    pop = areas.groupby(["lad_code", "alliance"])["population"].sum()
    lad_total = lad.groupby(["lad21cd", "cal24nm"])["pop_total"].sum()
    assert (pop.sort_index().to_numpy() == lad_total.sort_index().to_numpy()).all()
    assert len(small.areas) == lad["n_lsoa11"].sum()


# --------------------------------------------------------------------------- people


def test_identifiers_are_present_and_fake(small):
    df = small.tumours
    assert df[IDENTIFIERS].notna().all().all()
    nhs = df["nhs_number"].astype(str)
    assert nhs.str.fullmatch(r"999\d{7}").all()
    assert nhs.is_unique
    assert df["postcode"].astype(str).str.fullmatch(r"ZZ99 \d[A-Z]{2}").all()
    dob, dx = df["date_of_birth"], df["diagnosis_date"]
    before = (dx.dt.month * 100 + dx.dt.day) < (dob.dt.month * 100 + dob.dt.day)
    assert ((dx.dt.year - dob.dt.year - before) == df["age"]).all()


def test_demographics_by_site(small):
    df = small.tumours
    sex = df.groupby("site", observed=True)["sex"].apply(lambda s: (s == "Male").mean())
    assert sex["Prostate"] == 1 and sex["Testes"] == 1
    assert sex[["Cervix", "Ovary", "Uterus"]].eq(0).all()
    assert sex["Breast"] < 0.03
    assert 0.45 < sex["Lung"] < 0.65 and sex["Bladder"] > 0.6
    age = df.groupby("site", observed=True)["age"].median()
    assert age["Testes"] < 45 and age["Cervix"] < 55
    assert age.drop(["Testes", "Cervix"]).between(58, 80).all()
    not_known = (df["ethnicity"] == "Not known").mean()
    assert 0.05 < not_known < 0.07


# --------------------------------------------------------------------------- dates


def test_no_impossible_dates(small):
    df = small.tumours
    order = [
        "referral_date",
        "diagnosis_date",
        "told_outcome_date",
        "decision_to_treat_date",
        "first_treatment_date",
    ]
    for i, early in enumerate(order):
        for late in order[i + 1 :]:
            both = df[early].notna() & df[late].notna()
            assert (df.loc[both, late] >= df.loc[both, early]).all(), (early, late)
    urgent = df["route"].isin(URGENT_ROUTES)
    assert df.loc[urgent, ["referral_date", "told_outcome_date"]].notna().all().all()
    assert df.loc[~urgent, "told_outcome_date"].isna().all()
    emergency = df["route"] == "Emergency Presentation"
    assert df.loc[emergency, "referral_date"].isna().all()
    assert (df["decision_to_treat_date"].notna() == df["first_treatment_date"].notna()).all()
    assert df["diagnosis_date"].dt.year.between(2019, 2022).all()
    assert (df["date_of_birth"] < df["diagnosis_date"]).all()
    treated = df["first_treatment_date"].notna().mean()
    assert 0.85 <= treated <= 0.90


# --------------------------------------------------------------------------- gradients


def test_early_stage_gap_least_minus_most_deprived(large):
    df = large.tumours
    staged = df[df["stage"].isin(STAGED)]
    early = staged["stage"].isin(EARLY).groupby(_quintile(staged)).mean() * 100
    gap = early[5] - early[1]
    assert 7 <= gap <= 9, early.round(2).to_dict()
    assert early.is_monotonic_increasing


def test_emergency_presentation_by_deprivation(large):
    df = large.tumours
    known = df[df["route"] != "Unknown"]
    emergency = (known["route"] == "Emergency Presentation").groupby(_quintile(known)).mean()
    assert emergency[1] > emergency[5] + 0.05, emergency.round(3).to_dict()
    national = (known["route"] == "Emergency Presentation").mean()
    assert 0.18 <= national <= 0.20
    by_site = (
        (known["route"] == "Emergency Presentation").groupby(known["site"], observed=True).mean()
    )
    assert by_site["Pancreas"] > by_site["Lung"] > national > by_site["Breast"]


def test_routes(large):
    df = large.tumours
    shares = df["route"].value_counts(normalize=True)
    assert shares.idxmax() == "Two Week Wait"
    screened = set(df.loc[df["route"] == "Screening", "site"].unique())
    assert screened == {"Breast", "Bowel", "Cervix"}


def test_waiting_time_standards(large):
    df = large.tumours
    urgent = df["route"].isin(URGENT_ROUTES)
    fds = (_days(df[urgent], "referral_date", "told_outcome_date") <= 28).mean() * 100
    treated = df["decision_to_treat_date"].notna() & df["first_treatment_date"].notna()
    d31 = (_days(df[treated], "decision_to_treat_date", "first_treatment_date") <= 31).mean()
    d62 = (_days(df[urgent & treated], "referral_date", "first_treatment_date") <= 62).mean()
    assert 75 <= fds <= 78
    assert 89 <= d31 * 100 <= 93
    assert 65 <= d62 * 100 <= 70


# --------------------------------------------------------------------------- output


def test_write(tmp_path):
    data = generate(seed=11, scale=0.02, alliances=TWO_ALLIANCES)
    paths = write(data, tmp_path / "out")
    names = sorted(p.name for p in paths)
    assert names == [
        "README_SYNTHETIC.txt",
        "SYNTHETIC_activity.parquet",
        "SYNTHETIC_areas.parquet",
        "SYNTHETIC_follow_up.parquet",
        "SYNTHETIC_referrals.parquet",
        "SYNTHETIC_tumours.parquet",
    ]
    assert all(p.exists() for p in paths)
    for name, frame in (
        ("SYNTHETIC_tumours.parquet", data.tumours),
        ("SYNTHETIC_areas.parquet", data.areas),
        ("SYNTHETIC_activity.parquet", data.activity),
        ("SYNTHETIC_referrals.parquet", data.referrals),
        ("SYNTHETIC_follow_up.parquet", data.follow_up),
    ):
        meta = pq.read_schema(tmp_path / "out" / name).metadata
        assert meta[b"data_status"] == b"SYNTHETIC"
        assert meta[b"generator"] == b"helpers.synthetic"
        assert meta[b"seed"] == b"11"
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / name), frame)
    readme = (tmp_path / "out" / "README_SYNTHETIC.txt").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "NOT REAL PATIENTS" in readme
    assert "seed 11" in readme and "NDRS" in readme


# --------------------------------------------------------------------------- full scale


@pytest.mark.slow
def test_full_default_dataset(tmp_path):
    # about 10.5 million urgent referrals (the FDS population) are generated and written too;
    # how long that takes is measured by `make bench`, not asserted here
    data = generate()
    written = write(data, tmp_path)
    assert all(p.stat().st_size > 0 for p in written)

    df = data.tumours
    per_year = df["diagnosis_date"].dt.year.value_counts().sort_index()
    cal = _stage_profile().groupby("year")["tumours"].sum()
    assert per_year.to_dict() == cal.to_dict()
    assert per_year.to_dict() == {2019: 351_160, 2020: 309_063, 2021: 352_019, 2022: 364_703}

    staged = df[df["stage"].isin(STAGED)]
    early = staged["stage"].isin(EARLY).groupby(_quintile(staged)).mean() * 100
    assert 7 <= early[5] - early[1] <= 9
    assert data.tumours["lsoa_code"].astype(str).str.startswith("SYN").all()


def test_without_a_deprivation_gap_the_calibrated_counts_still_hold(two_full):
    """deprivation_gap=False changes who gets which stage, never how many per cell."""
    flat = generate(alliances=TWO_ALLIANCES, years=(2019, 2022), plant_effects=False,
                    deprivation_gap=False)

    def per_cell(data: SyntheticData) -> pd.Series:
        df = data.tumours.assign(year=data.tumours["diagnosis_date"].dt.year)
        return df.groupby(["alliance", "site", "year", "stage"], observed=True).size()

    pd.testing.assert_series_equal(per_cell(flat), per_cell(two_full))
    quintile = (flat.tumours["imd_decile"] + 1) // 2
    site_mix = pd.crosstab(quintile, flat.tumours["site"] == "Lung", normalize="index")[True]
    assert site_mix.max() - site_mix.min() < 0.01  # lung no commoner in deprived areas
