"""Shared fixtures: the reference values, paths to ../shared and tiny hand-made tumour tables."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CAI_TEST_SHARED", ROOT.parent / "shared"))
"""The large public files live beside the checkout (``CAI_TEST_SHARED`` points elsewhere)."""
REFCASES = ROOT / "tests" / "reference" / "PHEindicatormethods"
"""PHEindicatormethods' published test values, kept in the repository (see its README)."""
REAL = SHARED / "data" / "real"


def real(relative: str = "") -> Path:
    """Path of a real public file or folder, or skip the test when it is not there."""
    path = REAL / relative
    if not path.exists():
        pytest.skip(f"{path} is absent: tests against the real public files need ../shared")
    return path


def tumour(**overrides) -> dict:
    """One valid raw tumour record; override any field."""
    row = {
        "tumour_id": "T1",
        "diagnosis_date": "2022-03-10",
        "site": "Lung",
        "stage": "1",
        "age": "70",
        "sex": "Male",
        "ethnicity": "White",
        "lsoa_code": "SYN000001",
        "imd_decile": "1",
        "lad_code": "E09000013",
        "lad_name": "Hammersmith and Fulham",
        "icb_code": "E54000027",
        "icb_name": "NHS North West London Integrated Care Board",
        "alliance": "RM Partners",
        "route": "Two Week Wait",
        "referral_date": "2022-02-01",
        "told_outcome_date": "2022-02-20",
        "decision_to_treat_date": "2022-03-15",
        "first_treatment_date": "2022-03-30",
        "nhs_number": "9990000001",
        "postcode": "ZZ99 1AA",
        "date_of_birth": "1952-01-01",
    }
    row.update(overrides)
    return row


def referral(**overrides) -> dict:
    """One valid raw referral record (not diagnosed); override any field."""
    row = {"referral_id": "R1", "referral_date": "2022-02-01", "route": "Two Week Wait",
           "suspected_cancer": "Lung", "told_outcome_date": "2022-02-20",
           "cancer_diagnosed": "no", "tumour_id": "", "lsoa_code": "SYN000001",
           "alliance": "RM Partners", "lad_code": "E09000013",
           "lad_name": "Hammersmith and Fulham", "icb_code": "E54000027",
           "icb_name": "NHS North West London Integrated Care Board", "imd_decile": "3",
           "age": "55", "sex": "Female", "ethnicity": "Black"}
    row.update(overrides)
    return row


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project root (CAI_HOME) with its data folders."""
    from helpers.config import Paths

    monkeypatch.setenv("CAI_HOME", str(tmp_path))
    paths = Paths(tmp_path)
    for folder in (paths.raw_synthetic, paths.raw_local, paths.processed, paths.reports):
        folder.mkdir(parents=True, exist_ok=True)
    return paths


def write_local(paths, rows: list[dict], name: str = "tumours.csv") -> Path:
    """Write rows as an analyst's CSV extract in data/raw/local."""
    path = paths.raw_local / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path
