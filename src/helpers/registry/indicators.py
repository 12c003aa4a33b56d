"""The indicator registry: each indicator declared once.

An entry says how its numerator and denominator are counted from the
record-level tumour table, which direction is favourable and the national
target. Cleaning (the count cube), measures, charts and narrative all read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from helpers.errors import ParameterError
from helpers.registry.schema import EARLY_STAGES, STAGED, URGENT_ROUTES

Mask = Callable[[pd.DataFrame], pd.Series]


def _days(df: pd.DataFrame, start: str, end: str) -> pd.Series:
    return (df[end] - df[start]).dt.days


@dataclass(frozen=True)
class Indicator:
    """One indicator: a proportion of a denominator population, in percent."""

    key: str
    title: str
    short: str
    numerator_label: str
    denominator_label: str
    higher_is_better: bool
    subject: str
    predicate: str
    numerator: Mask
    denominator: Mask
    target: float | None = None
    target_note: str = ""

    @property
    def axis_label(self) -> str:
        """A short axis label: the share that meets the indicator."""
        return f"% {self.numerator_label}"

    def counts(self, tumours: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """Return 0/1 numerator and denominator flags for each tumour."""
        den = self.denominator(tumours).fillna(False).astype(bool)
        num = self.numerator(tumours).fillna(False).astype(bool) & den
        return num.astype("int32"), den.astype("int32")


def _urgent(df: pd.DataFrame) -> pd.Series:
    return df["route"].isin(URGENT_ROUTES)


INDICATORS: dict[str, Indicator] = {
    ind.key: ind
    for ind in (
        Indicator(
            key="early_stage",
            title="Cancers diagnosed at stage 1 or 2",
            short="Early stage (1-2)",
            numerator_label="diagnosed at stage 1 or 2",
            denominator_label="tumours with a known stage (1-4)",
            higher_is_better=True,
            subject="cancers",
            predicate="were found at stage 1-2",
            numerator=lambda df: df["stage"].isin(EARLY_STAGES),
            denominator=lambda df: df["stage"].isin(STAGED),
            target=75.0,
            target_note="NHS Long Term Plan ambition: 75% diagnosed at stage 1-2 by 2028",
        ),
        Indicator(
            key="fds_28",
            title="Told the diagnosis outcome within 28 days of urgent referral",
            short="28-day Faster Diagnosis Standard",
            numerator_label="told within 28 days",
            denominator_label="urgent suspected-cancer or screening referrals with an outcome date",
            higher_is_better=True,
            subject="people referred urgently",
            predicate="were told their diagnosis outcome within 28 days",
            numerator=lambda df: _days(df, "referral_date", "told_outcome_date") <= 28,
            denominator=lambda df: _urgent(df)
            & df["referral_date"].notna()
            & df["told_outcome_date"].notna(),
            target=75.0,
            target_note="Operational standard 75% (80% from March 2026)",
        ),
        Indicator(
            key="cwt_31",
            title="First treatment within 31 days of the decision to treat",
            short="31-day standard",
            numerator_label="treated within 31 days of the decision",
            denominator_label="tumours with a decision to treat and a first treatment",
            higher_is_better=True,
            subject="people treated",
            predicate="started treatment within 31 days of the decision to treat",
            numerator=lambda df: _days(df, "decision_to_treat_date", "first_treatment_date") <= 31,
            denominator=lambda df: df["decision_to_treat_date"].notna()
            & df["first_treatment_date"].notna(),
            target=96.0,
            target_note="Operational standard 96%",
        ),
        Indicator(
            key="cwt_62",
            title="First treatment within 62 days of urgent referral",
            short="62-day standard",
            numerator_label="treated within 62 days of referral",
            denominator_label="urgent or screening referrals that led to a first treatment",
            higher_is_better=True,
            subject="people referred urgently and treated",
            predicate="started treatment within 62 days of referral",
            numerator=lambda df: _days(df, "referral_date", "first_treatment_date") <= 62,
            denominator=lambda df: _urgent(df)
            & df["referral_date"].notna()
            & df["first_treatment_date"].notna(),
            target=85.0,
            target_note="Operational standard 85%",
        ),
        Indicator(
            key="emergency_presentation",
            title="Cancers diagnosed after an emergency presentation",
            short="Emergency presentation",
            numerator_label="diagnosed after an emergency presentation",
            denominator_label="tumours with a known route to diagnosis",
            higher_is_better=False,
            subject="cancers",
            predicate="were diagnosed after an emergency presentation",
            numerator=lambda df: df["route"] == "Emergency Presentation",
            denominator=lambda df: df["route"] != "Unknown",
        ),
        Indicator(
            key="stage_recorded",
            title="Tumours with a recorded stage (1-4)",
            short="Stage recorded",
            numerator_label="with a stage of 1 to 4 recorded",
            denominator_label="tumours",
            higher_is_better=True,
            subject="tumours",
            predicate="had a stage recorded",
            numerator=lambda df: df["stage"].isin(STAGED),
            denominator=lambda df: df["stage"].notna(),
        ),
        Indicator(
            key="ethnicity_recorded",
            title="Tumours with the patient's ethnicity recorded",
            short="Ethnicity recorded",
            numerator_label="with ethnicity recorded",
            denominator_label="tumours",
            higher_is_better=True,
            subject="tumours",
            predicate="had the patient's ethnicity recorded",
            numerator=lambda df: df["ethnicity"] != "Not known",
            denominator=lambda df: df["ethnicity"].notna(),
        ),
    )
}

DATA_QUALITY_INDICATORS: tuple[str, ...] = ("stage_recorded", "ethnicity_recorded")

WAITING_TIME_INDICATORS: tuple[str, ...] = ("fds_28", "cwt_31", "cwt_62")


def get(key: str) -> Indicator:
    """Return the indicator registered under ``key``."""
    try:
        return INDICATORS[key]
    except KeyError:
        raise ParameterError(
            f"Unknown indicator {key!r}; known: {', '.join(INDICATORS)}"
        ) from None
