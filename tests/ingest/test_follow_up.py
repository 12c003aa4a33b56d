"""Follow-up files: typed, checked, set aside with reasons, joined to the kept tumours."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import tumour, write_local

from helpers.errors import InputDataError
from helpers.ingest import clean
from helpers.ingest.follow_up import OUTPUT_FILE, QUARANTINE_FILE


def follow(tumour_id: str, status: str, date: str) -> dict:
    return {"tumour_id": tumour_id, "vital_status": status, "vital_status_date": date}


def test_follow_up_is_cleaned_into_survival_times(project):
    write_local(project, [tumour(tumour_id=f"T{i}") for i in range(1, 5)])
    write_local(project, [
        follow("T1", "dead", "2022-09-10"),     # 184 days after diagnosis on 2022-03-10
        follow("T2", "Alive", "2025-12-31"),
        follow("T3", "dead", "2021-01-01"),     # before diagnosis
        follow("T3", "alive", "2025-12-31"),    # duplicate id
        follow("T9", "alive", "2025-12-31"),    # no such tumour
        follow("T4", "moved", "2025-12-31"),    # not a vital status
    ], name="follow_up.csv")
    clean.clean(project, "local")
    status = clean.read_status(project)["follow_up"]
    assert status["rows_in"] == 6 == status["kept"] + status["quarantined"]
    assert status["kept"] == 2 and status["tumours_without_follow_up"] == 2
    cohort = pd.read_parquet(project.processed / OUTPUT_FILE)
    assert "tumour_id" not in cohort and "diagnosis_date" not in cohort
    by_days = cohort.sort_values("days")
    assert by_days["days"].tolist() == [184, (pd.Timestamp("2025-12-31")
                                              - pd.Timestamp("2022-03-10")).days]
    assert by_days["died"].tolist() == [True, False]
    held = pd.read_csv(project.quarantine / QUARANTINE_FILE, comment="#")
    reasons = " | ".join(held["reason"])
    for reason in ("duplicate tumour_id", "vital status date before diagnosis",
                   "tumour_id not among the kept tumours", "vital_status not dead or alive"):
        assert reason in reasons


def test_without_a_follow_up_file_there_is_no_survival(project):
    write_local(project, [tumour()])
    (project.processed / OUTPUT_FILE).write_text("stale")
    clean.clean(project, "local")
    assert not (project.processed / OUTPUT_FILE).exists()
    assert clean.read_status(project)["follow_up"] is None


def test_a_date_that_is_not_a_date_stops_with_one_line(project):
    write_local(project, [tumour()])
    write_local(project, [follow("T1", "dead", "soon")], name="follow_up.csv")
    with pytest.raises(InputDataError, match="vital_status_date"):
        clean.clean(project, "local")
