"""Referrals are read, checked and set aside with reasons; counts reconcile."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.errors import InputDataError
from helpers.ingest.referrals import read_referrals

BASE = {"referral_id": "R1", "referral_date": "2022-02-01", "route": "Two Week Wait",
        "suspected_cancer": "Lung", "told_outcome_date": "2022-02-20",
        "cancer_diagnosed": "no", "tumour_id": "", "lsoa_code": "SYN000001",
        "alliance": "RM Partners", "lad_code": "E09000013", "lad_name": "Hammersmith and Fulham",
        "icb_code": "E54000027", "icb_name": "NHS North West London Integrated Care Board",
        "imd_decile": "3", "age": "55", "sex": "Female", "ethnicity": "Black"}


def write(tmp_path, rows):
    path = tmp_path / "extract_referrals.csv"
    pd.DataFrame([{**BASE, **r} for r in rows]).to_csv(path, index=False)
    return path


def test_impossible_rows_are_set_aside_with_their_reasons(tmp_path):
    path = write(tmp_path, [
        {"referral_id": "ok1"},
        {"referral_id": "ok2", "cancer_diagnosed": "Yes", "tumour_id": "T1"},
        {"referral_id": "ok3", "told_outcome_date": ""},  # still waiting: kept
        {"referral_id": "back", "told_outcome_date": "2022-01-01"},
        {"referral_id": "dup"}, {"referral_id": "dup"},
        {"referral_id": "link", "cancer_diagnosed": "yes"},
        {"referral_id": "stray", "tumour_id": "T1"},
        {"referral_id": "gone", "cancer_diagnosed": "yes", "tumour_id": "T9"},
        {"referral_id": "route", "route": "Emergency Presentation"},
        {"referral_id": "where", "alliance": "Atlantis"},
        {"referral_id": "flag", "cancer_diagnosed": "maybe"},
    ])
    kept, raw, reasons = read_referrals([path], pd.Series(["T1"]))
    assert len(raw) == 12 and len(kept) == 3 and (reasons != "").sum() == 9
    assert sorted(kept["referral_id"]) == ["ok1", "ok2", "ok3"]
    why = dict(zip(raw["referral_id"], reasons, strict=True))
    assert why["back"] == "told-outcome date before referral"
    assert why["dup"] == "duplicate referral_id"
    assert why["link"] == "cancer diagnosed without a tumour_id"
    assert why["stray"] == "tumour_id given but no cancer diagnosed"
    assert why["gone"] == "tumour_id not among the kept tumours"
    assert why["route"] == "route not urgent suspected cancer, screening or breast symptomatic"
    assert why["where"] == "unknown alliance"
    assert why["flag"] == "cancer_diagnosed not yes or no"
    row = kept.set_index("referral_id").loc["ok2"]
    assert bool(row["cancer_diagnosed"]) and row["tumour_id"] == "T1"
    assert row["alliance"] == "West London" and row["imd_quintile"] == 2
    assert row["age_band"] == "50-59"


def test_missing_column_is_a_structural_error(tmp_path):
    path = tmp_path / "referrals.csv"
    pd.DataFrame([BASE]).drop(columns=["route"]).to_csv(path, index=False)
    with pytest.raises(InputDataError, match="route"):
        read_referrals([path])


def test_yes_no_any_case_else_missing():
    from helpers.ingest.referrals import yes_no

    values = pd.Series(pd.Categorical(["Yes", "n", "TRUE", "0", "maybe", None]))
    got = yes_no(values)
    assert str(got.dtype) == "boolean"
    assert got.tolist()[:4] == [True, False, True, False]
    assert got.isna().tolist() == [False] * 4 + [True, True]
    assert yes_no(pd.Series(["y", "No"])).tolist() == [True, False]
