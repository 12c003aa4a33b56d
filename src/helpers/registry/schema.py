"""Canonical table schemas: column names, categories and pandera checks.

The record-level tumour table is what ``data/raw/synthetic`` holds and what an
analyst brings in ``data/raw/local`` (documented in README.md). Cleaning turns
it into ``data/processed/tumours.parquet``, which keeps only the columns in
:data:`PROCESSED_TUMOUR_COLUMNS`: no identifiers ever pass.
"""

from __future__ import annotations

import pandas as pd

SITES: tuple[str, ...] = (
    "Anus", "Bladder", "Bowel", "Breast", "Cervix", "Head and neck", "Kidney", "Lung",
    "Oesophagus", "Other", "Ovary", "Pancreas", "Prostate", "Renal pelvis and ureter",
    "Skin cancer", "Testes", "Uterus",
)
"""The 17 NDRS sites of the stage-at-diagnosis publication."""

STAGES: tuple[str, ...] = ("1", "2", "3", "4", "unstageable", "missing")
EARLY_STAGES: tuple[str, ...] = ("1", "2")
STAGED: tuple[str, ...] = ("1", "2", "3", "4")

SEXES: tuple[str, ...] = ("Female", "Male")

ETHNICITIES: tuple[str, ...] = ("Asian", "Black", "Mixed", "White", "Other", "Not known")
"""ONS 2021 broad ethnic groups plus "Not known"."""

ROUTES: tuple[str, ...] = (
    "Screening", "Two Week Wait", "GP Referral", "Other Outpatient",
    "Inpatient Elective", "Emergency Presentation", "Unknown",
)
"""NDRS Routes to Diagnosis categories."""

URGENT_ROUTES: tuple[str, ...] = ("Two Week Wait", "Screening")
"""Routes on the urgent suspected-cancer pathway (28-day and 62-day standards)."""

REFERRAL_ROUTES: tuple[str, ...] = ("Two Week Wait", "Screening", "Breast symptomatic")
"""Referral routes of the referrals table, as in NHS England's FDS publication: urgent
suspected cancer (recorded as "Two Week Wait", the NDRS name of the same route), national
screening programme, and breast symptomatic with cancer not initially suspected."""

FDS_ROUTES: tuple[str, ...] = REFERRAL_ROUTES
"""Routes whose referrals form the 28-day Faster Diagnosis Standard population."""

SUSPECTED_CANCERS: tuple[str, ...] = (
    "Breast", "Breast symptomatic", "Gynaecological", "Haematological", "Head and neck",
    "Lower gastrointestinal", "Lung", "Skin", "Testicular", "Upper gastrointestinal",
    "Urological", "Brain and central nervous system", "Children's", "Sarcoma",
    "Non-specific symptoms", "Other",
)
"""Suspected-cancer groups of a referral (the CWT "suspected cancer" types, shortened;
acute leukaemia is merged into haematological)."""

SITE_TO_SUSPECTED: dict[str, str] = {
    "Anus": "Lower gastrointestinal", "Bladder": "Urological", "Bowel": "Lower gastrointestinal",
    "Breast": "Breast", "Cervix": "Gynaecological", "Head and neck": "Head and neck",
    "Kidney": "Urological", "Lung": "Lung", "Oesophagus": "Upper gastrointestinal",
    "Other": "Other", "Ovary": "Gynaecological", "Pancreas": "Upper gastrointestinal",
    "Prostate": "Urological", "Renal pelvis and ureter": "Urological", "Skin cancer": "Skin",
    "Testes": "Testicular", "Uterus": "Gynaecological",
}
"""The suspected-cancer group a tumour of each NDRS site is most often referred under."""

IDENTIFIER_COLUMNS: tuple[str, ...] = (
    "nhs_number", "postcode", "date_of_birth", "name", "forename", "surname", "address",
)
"""Columns that identify a person; they never pass into data/processed."""

RAW_TUMOUR_COLUMNS: dict[str, str] = {
    "tumour_id": "string",
    "diagnosis_date": "date",
    "site": "string",
    "stage": "string",
    "age": "int",
    "sex": "string",
    "ethnicity": "string",
    "lsoa_code": "string",
    "imd_decile": "int",
    "lad_code": "string",
    "lad_name": "string",
    "icb_code": "string",
    "icb_name": "string",
    "alliance": "string",
    "route": "string",
    "referral_date": "date",
    "told_outcome_date": "date",
    "decision_to_treat_date": "date",
    "first_treatment_date": "date",
}
"""Required columns of a record-level tumour file and their logical types.

``alliance`` may hold any spelling, code or alias the registry resolves;
dates may be empty where the event did not happen (e.g. no referral for an
emergency presentation).
"""

RAW_AREA_COLUMNS: dict[str, str] = {
    "lsoa_code": "string",
    "lad_code": "string",
    "lad_name": "string",
    "icb_code": "string",
    "icb_name": "string",
    "alliance": "string",
    "imd_decile": "int",
    "population": "int",
}
"""Optional small-area table (one row per area) giving populations."""

PROCESSED_TUMOUR_COLUMNS: tuple[str, ...] = (
    "tumour_id", "year", "diagnosis_date", "site", "stage", "age", "age_band", "sex",
    "ethnicity", "lsoa_code", "imd_decile", "imd_quintile", "lad_code", "lad_name",
    "icb_code", "icb_name", "alliance_code", "alliance", "route", "referral_date",
    "told_outcome_date", "decision_to_treat_date", "first_treatment_date",
)
"""Columns of ``data/processed/tumours.parquet`` (an allow-list: nothing else passes)."""

RAW_REFERRAL_COLUMNS: dict[str, str] = {
    "referral_id": "string",
    "referral_date": "date",
    "route": "string",
    "suspected_cancer": "string",
    "told_outcome_date": "date",
    "cancer_diagnosed": "string",
    "tumour_id": "string",
    "lsoa_code": "string",
    "alliance": "string",
    "lad_code": "string",
    "lad_name": "string",
    "icb_code": "string",
    "icb_name": "string",
    "imd_decile": "int",
    "age": "int",
    "sex": "string",
    "ethnicity": "string",
}
"""Required columns of a record-level referrals file (one row per urgent referral).

``cancer_diagnosed`` is ``yes``/``no`` (also ``true``/``false``, ``1``/``0``);
``tumour_id`` links to the tumours table when cancer was diagnosed and is empty
otherwise; ``told_outcome_date`` is empty while the person is still waiting.
"""

PROCESSED_REFERRAL_COLUMNS: tuple[str, ...] = (
    "referral_id", "referral_date", "route", "suspected_cancer", "told_outcome_date",
    "cancer_diagnosed", "tumour_id", "lsoa_code", "alliance_code", "alliance", "lad_code",
    "lad_name", "icb_code", "icb_name", "imd_decile", "imd_quintile", "age", "age_band", "sex",
    "ethnicity",
)
"""Columns of ``data/processed/referrals.parquet`` (an allow-list: no identifiers pass)."""

RAW_FOLLOW_UP_COLUMNS: dict[str, str] = {
    "tumour_id": "string",
    "vital_status": "string",
    "vital_status_date": "date",
}
"""Required columns of a follow-up file (one row per tumour; optional as a whole).

``vital_status`` is ``dead`` or ``alive``; ``vital_status_date`` the date of death, or the
date the person was last known to be alive (the end of their follow-up)."""

VITAL_STATUSES: tuple[str, ...] = ("alive", "dead")

SURVIVAL_COLUMNS: tuple[str, ...] = (
    "alliance_code", "alliance", "year", "site", "stage", "age", "sex", "ethnicity",
    "imd_quintile", "days", "died",
)
"""Columns of ``data/processed/survival.parquet``: one row per followed-up tumour, with
the days from diagnosis to death or censoring and whether it ended in death (no
identifier, no dates)."""

AGE_BANDS: tuple[str, ...] = ("<50", "50-59", "60-69", "70-79", "80+")
AGE_BAND_EDGES: tuple[int, ...] = (0, 50, 60, 70, 80, 200)


def processed_tumour_schema():
    """Return the pandera schema every processed tumour table must pass."""
    import pandera.pandas as pa

    def cat(values):
        return pa.Column(None, pa.Check.isin(list(values)), nullable=False)

    date = pa.Column("datetime64[ns]", nullable=True, coerce=True)
    return pa.DataFrameSchema(
        {
            "tumour_id": pa.Column(None, nullable=False, unique=True),
            "year": pa.Column(int, pa.Check.in_range(1990, 2100)),
            "diagnosis_date": pa.Column("datetime64[ns]", nullable=False, coerce=True),
            "site": cat(SITES),
            "stage": cat(STAGES),
            "age": pa.Column(int, pa.Check.in_range(0, 120)),
            "age_band": cat(AGE_BANDS),
            "sex": cat(SEXES),
            "ethnicity": cat(ETHNICITIES),
            "lsoa_code": pa.Column(None, nullable=False),
            "imd_decile": pa.Column(int, pa.Check.in_range(1, 10)),
            "imd_quintile": pa.Column(int, pa.Check.in_range(1, 5)),
            "lad_code": pa.Column(None, nullable=False),
            "lad_name": pa.Column(None, nullable=False),
            "icb_code": pa.Column(None, nullable=False),
            "icb_name": pa.Column(None, nullable=False),
            "alliance_code": pa.Column(None, pa.Check.str_startswith("E56")),
            "alliance": pa.Column(None, nullable=False),
            "route": cat(ROUTES),
            "referral_date": date,
            "told_outcome_date": date,
            "decision_to_treat_date": date,
            "first_treatment_date": date,
        },
        strict=True,
        ordered=True,
    )


# --------------------------------------------------------------------------- activity

ACTIVITY_COLUMNS: dict[str, str] = {
    "month": "month",
    "alliance_code": "string",
    "alliance": "string",
    "lad_code": "string",
    "lad_name": "string",
    "innovation": "string",
    "measure": "string",
    "dimension": "string",
    "group": "string",
    "count": "int",
}
"""Columns of the canonical activity table, in order, with their logical types."""

ACTIVITY_DIMENSIONS: tuple[str, ...] = ("all", "imd_quintile", "ethnicity", "age_band", "sex")

ACTIVITY_GROUPS: dict[str, tuple[str, ...]] = {
    "all": ("All",),
    "imd_quintile": ("1", "2", "3", "4", "5"),
    "ethnicity": ETHNICITIES,
    "age_band": AGE_BANDS,
    "sex": SEXES,
}
"""Valid groups of each dimension, in display order (quintile 1 = most deprived)."""

ACTIVITY_KEY_COLUMNS: tuple[str, ...] = (
    "month", "alliance_code", "lad_code", "innovation", "measure", "dimension", "group",
)
"""Columns that identify a row; no two rows may share them."""

def empty_activity() -> pd.DataFrame:
    """Return an activity table with no rows and the canonical columns and types."""
    df = pd.DataFrame({c: pd.Series([], dtype=str) for c in ACTIVITY_COLUMNS})
    df["count"] = df["count"].astype("int64")
    return df
