"""Follow-up to death or censoring: raw vital-status files -> ``data/processed/survival.parquet``.

A registry links its tumours to death registrations and reports, per tumour, a vital
status (``dead`` or ``alive``) and its date (the date of death, or the date the person
was last known alive). Columns are :data:`helpers.registry.schema.RAW_FOLLOW_UP_COLUMNS`
(documented in README.md); the file is optional (``*follow_up*.csv|parquet``). The same
steps as the tumours (read -> check columns -> parse types -> quarantine rows -> write)
through :mod:`helpers.ingest.io`; rows in = kept + quarantined.

The output has one row per kept tumour that has a kept follow-up row, with the
tumour's coded fields and the survival time (:data:`helpers.registry.schema.SURVIVAL_COLUMNS`):
``days`` from diagnosis to death or censoring, ``died`` true when it ended in death. It
holds no identifier and no date. A tumour without a follow-up row is not in it (the
data-status file counts them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.config import Paths
from helpers.ingest.io import (
    count_reasons,
    join_reasons,
    quarantine_view,
    sha256,
    source_files,
    write_parquet,
    write_quarantine_csv,
)
from helpers.registry.schema import RAW_FOLLOW_UP_COLUMNS, SURVIVAL_COLUMNS, VITAL_STATUSES

QUARANTINE_FILE = "follow_up_quarantine.csv"
OUTPUT_FILE = "survival.parquet"


@dataclass
class FollowUpResult:
    """What reading the follow-up did (rows in = kept + set aside) and tumours not followed."""

    inputs: list[Path]
    rows_in: int
    kept: int
    quarantined: int
    tumours_without_follow_up: int
    reasons: dict[str, int] = field(default_factory=dict)

    def status(self) -> dict:
        """The ``data_status.json`` entry."""
        return {
            "files": [{"file": p.name, "sha256": sha256(p)} for p in self.inputs],
            "rows_in": self.rows_in, "kept": self.kept, "quarantined": self.quarantined,
            "quarantine_reasons": self.reasons,
            "tumours_without_follow_up": self.tumours_without_follow_up,
        }


def follow_up_files(paths: Paths, source: str) -> list[Path]:
    """Return the follow-up files of ``source`` (``*follow_up*``); may be empty.

    See :func:`helpers.ingest.io.source_files`.
    """
    return source_files(paths, source, "follow_up")


def read_follow_up(files: list[Path]) -> pd.DataFrame:
    """Read, check and type every follow-up file (``vital_status`` lower-cased)."""
    from helpers.ingest.clean import read_typed  # clean imports this module

    raw = read_typed(files, RAW_FOLLOW_UP_COLUMNS)
    raw["vital_status"] = raw["vital_status"].str.lower()
    return raw


def quarantine_reasons(raw: pd.DataFrame, tumours: pd.DataFrame) -> pd.Series:
    """Return, per follow-up row, every reason to set it aside (``""`` when none).

    ``tumours``: the kept tumours (``tumour_id``, ``diagnosis_date``).
    """
    diagnosis = raw["tumour_id"].map(tumours.set_index("tumour_id")["diagnosis_date"])
    rules: dict[str, pd.Series] = {
        "missing tumour_id": raw["tumour_id"].isna() | (raw["tumour_id"] == ""),
        "duplicate tumour_id": raw["tumour_id"].notna() & raw["tumour_id"].duplicated(keep=False),
        "tumour_id not among the kept tumours": raw["tumour_id"].notna() & diagnosis.isna(),
        "vital_status not dead or alive": ~raw["vital_status"].isin(VITAL_STATUSES),
        "missing vital_status_date": raw["vital_status_date"].isna(),
        "vital status date before diagnosis": raw["vital_status_date"] < diagnosis,
        "vital status date in the future": raw["vital_status_date"] > pd.Timestamp.now(),
    }
    return join_reasons(rules, raw.index)


def survival_cohort(kept: pd.DataFrame, tumours: pd.DataFrame) -> pd.DataFrame:
    """Join kept follow-up rows to their tumours: the columns of SURVIVAL_COLUMNS."""
    joined = tumours.merge(kept[["tumour_id", "vital_status", "vital_status_date"]],
                           on="tumour_id", how="inner", validate="one_to_one")
    joined["days"] = (joined["vital_status_date"] - joined["diagnosis_date"]).dt.days.astype(
        "int64")
    joined["died"] = (joined["vital_status"] == "dead").to_numpy()
    return joined.loc[:, list(SURVIVAL_COLUMNS)].reset_index(drop=True)


def clean_follow_up(paths: Paths, source: str, tumours: pd.DataFrame,
                    metadata: dict[str, str]) -> tuple[FollowUpResult | None, list[Path]]:
    """Clean the follow-up of ``source`` into ``data/processed/survival.parquet``.

    Returns ``(None, [])`` (and removes a stale survival.parquet) when the source has
    no follow-up file.
    """
    out_path = paths.processed / OUTPUT_FILE
    files = follow_up_files(paths, source)
    if not files:
        out_path.unlink(missing_ok=True)
        return None, []
    raw = read_follow_up(files)
    reasons = quarantine_reasons(raw, tumours)
    kept = raw[reasons == ""]
    cohort = survival_cohort(kept, tumours)
    result = FollowUpResult(inputs=files, rows_in=len(raw), kept=len(kept),
                            quarantined=int((reasons != "").sum()),
                            tumours_without_follow_up=len(tumours) - len(cohort),
                            reasons=count_reasons(reasons))
    held = quarantine_view(raw.loc[reasons != ""]).assign(reason=reasons[reasons != ""])
    held = held[["reason", *held.columns.drop("reason")]]
    return result, [write_parquet(cohort, out_path, metadata),
                    write_quarantine_csv(held, paths.quarantine / QUARANTINE_FILE,
                                         data_status=metadata["data_status"])]
