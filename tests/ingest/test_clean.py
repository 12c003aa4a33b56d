"""Cleaning: every bad-input case is an error naming file/column/rows, or a quarantined row."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import tumour, write_local

from helpers.errors import InputDataError
from helpers.ingest.clean import clean
from helpers.registry.schema import IDENTIFIER_COLUMNS


def good_rows(n: int = 10) -> list[dict]:
    return [tumour(tumour_id=f"T{i}", imd_decile=str(i % 10 + 1)) for i in range(n)]


def test_clean_rows_pass_and_identifiers_never_reach_processed(project):
    write_local(project, good_rows())
    result = clean(project, "local")
    assert (result.rows_in, result.kept, result.quarantined) == (10, 10, 0)
    for name in ("tumours.parquet", "areas.parquet", "cube.parquet"):
        columns = set(pq.read_schema(project.processed / name).names)
        assert not columns & set(IDENTIFIER_COLUMNS), name
    text = (project.quarantine / "tumours_quarantine.csv").read_text()
    assert "9990000001" not in text and "ZZ99" not in text


def test_missing_column_names_file_and_column(project):
    rows = [{k: v for k, v in r.items() if k != "stage"} for r in good_rows(3)]
    path = write_local(project, rows)
    with pytest.raises(InputDataError) as err:
        clean(project, "local")
    assert err.value.column == "stage"
    assert str(path) in str(err.value) and "'stage'" in str(err.value)


def test_wrong_type_names_column_and_rows(project):
    rows = good_rows(5)
    rows[1]["age"] = "seventy"
    rows[3]["age"] = "61.5"
    write_local(project, rows)
    with pytest.raises(InputDataError) as err:
        clean(project, "local")
    assert err.value.column == "age"
    assert err.value.rows == [2, 4]
    assert "data rows 2, 4" in str(err.value) and "tumours.csv" in str(err.value)


def test_bad_date_names_column_and_rows(project):
    rows = good_rows(3)
    rows[2]["referral_date"] = "31/02/2022"
    write_local(project, rows)
    with pytest.raises(InputDataError) as err:
        clean(project, "local")
    assert (err.value.column, err.value.rows) == ("referral_date", [3])


@pytest.mark.parametrize(
    "override,reason",
    [
        ({"alliance": "Atlantis Cancer Alliance"}, "unknown alliance"),
        ({"first_treatment_date": "2022-01-15"}, "treatment before referral"),
        ({"told_outcome_date": "2022-01-20"}, "referral after told-outcome date"),
        ({"first_treatment_date": "2022-03-01"}, "treatment before decision to treat"),
        ({"stage": "5"}, "stage not 1-4, unstageable or missing"),
        ({"site": "Spleen"}, "site not one of the 17 NDRS sites"),
        ({"imd_decile": "11"}, "imd_decile missing or outside 1-10"),
    ],
)
def test_row_faults_are_quarantined_with_reason(project, override, reason):
    rows = good_rows(6)
    rows[4].update(override)
    write_local(project, rows)
    result = clean(project, "local")
    assert (result.rows_in, result.kept, result.quarantined) == (6, 5, 1)
    quarantine = pd.read_csv(project.quarantine / "tumours_quarantine.csv")
    assert quarantine["source_row"].tolist() == [5]
    assert reason in quarantine["reason"].iloc[0]
    assert result.reasons[reason] == 1


def test_duplicate_ids_are_all_quarantined_and_counts_reconcile(project):
    rows = good_rows(6)
    rows[5]["tumour_id"] = rows[2]["tumour_id"]
    rows[0]["alliance"] = "Nowhere"
    write_local(project, rows)
    result = clean(project, "local")
    assert result.rows_in == result.kept + result.quarantined == 6
    assert result.quarantined == 3
    quarantine = pd.read_csv(project.quarantine / "tumours_quarantine.csv")
    assert sorted(quarantine["source_row"]) == [1, 3, 6]
    assert result.summary() == "rows in 6 = kept 3 + quarantined 3"


def test_alliance_spellings_resolve_to_one_canonical_alliance(project):
    rows = good_rows(3)
    rows[0]["alliance"] = "North West and South West London Cancer Alliance"
    rows[1]["alliance"] = "E56000021"
    write_local(project, rows)
    clean(project, "local")
    tumours = pd.read_parquet(project.processed / "tumours.parquet")
    assert set(tumours["alliance"].astype(str)) == {"West London"}


def test_local_data_is_not_labelled_synthetic(project):
    write_local(project, good_rows(2))
    clean(project, "local")
    meta = pq.read_schema(project.processed / "cube.parquet").metadata
    assert meta[b"data_status"] == b"RECORD-LEVEL"


def test_no_input_files_is_a_clear_error(project):
    with pytest.raises(InputDataError, match="no tumour files"):
        clean(project, "local")


def test_quarantine_keeps_only_the_allow_listed_fields(project):
    """An identifier under any column name, or shifted into another column, never reaches it."""
    rows = good_rows(4)
    for r in rows:
        r["patient_full_name"] = "Zebedee Quartermaine"  # an identifier the code does not know
    rows[2].update(alliance="Nowhere", lsoa_code="SYN999999", age="9990000001")
    write_local(project, rows)
    clean(project, "local")
    text = (project.quarantine / "tumours_quarantine.csv").read_text()
    quarantine = pd.read_csv(project.quarantine / "tumours_quarantine.csv")
    assert "Zebedee" not in text and "9990000001" not in text and "SYN999999" not in text
    assert "1952-01-01" not in text and "ZZ99" not in text
    assert {"data_status", "reason", "source_file", "source_row", "tumour_id"} <= set(quarantine)
    assert quarantine["tumour_id"].tolist() == ["T2"]


def test_error_messages_never_echo_an_identifier_like_value(project):
    rows = good_rows(3)
    rows[1]["age"] = "999 000 0001"  # an NHS number shifted into age: not a whole number
    write_local(project, rows)
    with pytest.raises(InputDataError) as err:
        clean(project, "local")
    message = str(err.value)
    assert err.value.column == "age" and "999" not in message and "withheld" in message
