"""The indicator registry: each indicator declared once.

An entry says how its numerator and denominator are counted from the
record-level tumour (or, for the Faster Diagnosis Standard, referral) table,
which direction is favourable, and, for a waiting-time standard, the dates it
applied and the target in force in each period (:class:`Target`). Cleaning
(the count cube), measures, charts and narrative all read it.

Waiting-time standards follow NHS England's Cancer Waiting Times (CWT)
definitions, with the dates they applied:

* 28-day Faster Diagnosis Standard (FDS): from 1 October 2021, 75% of people
  referred urgently with suspected cancer, from screening or with breast
  symptoms told the outcome within 28 days, over every such referral whether
  or not cancer was found (NHS England, "Cancer Waiting Times: changes to
  standards", 2023; CWT Guidance v11 and v12). Operational planning targets
  raised it to 77% by March 2025 (2024/25 priorities and operational planning
  guidance) and 80% by March 2026 (2025/26 guidance).
* 62-day standards by route, until 30 September 2023: 85% of urgent
  suspected-cancer (two-week-wait) referrals and 90% of screening referrals
  treated within 62 days; consultant upgrades had no national standard
  (CWT Guidance v11).
* From 1 October 2023 the combined 62-day standard (85%, every route) and the
  combined 31-day standard (96%, decision to treat to first or subsequent
  treatment) replaced them (CWT Guidance v12). Before then the 31-day first
  treatment standard was also 96%.

"Met" is judged as NHS England publishes it, on the point estimate
(performance >= target); whether a shortfall is beyond chance is a separate
statement (:mod:`helpers.report.narrative`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from helpers.errors import ParameterError
from helpers.registry.schema import EARLY_STAGES, FDS_ROUTES, STAGED, URGENT_ROUTES

Mask = Callable[[pd.DataFrame], pd.Series]


def _days(df: pd.DataFrame, start: str, end: str) -> pd.Series:
    return (df[end] - df[start]).dt.days


CWT_V11 = ("NHS England, National Cancer Waiting Times Monitoring Dataset Guidance v11.0 "
           "(2020), standards to 30 September 2023")
CWT_V12 = ("NHS England, National Cancer Waiting Times Monitoring Dataset Guidance v12.0 "
           "(2023), standards from 1 October 2023")
FDS_START = ("NHS England, Cancer Waiting Times: 28-day Faster Diagnosis Standard "
             "in force from 1 October 2021 (75%)")
PLANNING_2425 = "NHS England, 2024/25 priorities and operational planning guidance"
PLANNING_2526 = "NHS England, 2025/26 priorities and operational planning guidance"
LTP_2019 = "NHS Long Term Plan (2019), paragraph 3.51"


@dataclass(frozen=True)
class Target:
    """A target in force from ``start`` to ``end`` (inclusive; ``None``: still in force).

    ``kind`` is ``"standard"`` (the national standard performance is judged
    against), ``"operational"`` (an interim planning target) or ``"ambition"``
    (a goal for a future date, e.g. the Long Term Plan's 75% early diagnosis by
    2028, never a target for the years before it).
    """

    start: date
    end: date | None
    value: float
    source: str
    kind: str = "standard"

    def covers(self, first: date, last: date) -> bool:
        """Whether this target was in force on every day from ``first`` to ``last``."""
        return self.start <= first and (self.end is None or last <= self.end)

    def overlaps(self, first: date, last: date) -> bool:
        """Whether this target was in force on any day from ``first`` to ``last``."""
        return self.start <= last and (self.end is None or first <= self.end)


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period label: ``"2022"``, ``"2022-03"`` or ``"2019-2022"``.

    Raises
    ------
    ParameterError
        The label is none of these forms.
    """
    text = str(period).strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        y, mo = int(m.group(1)), int(m.group(2))
        nxt = date(y + mo // 12, mo % 12 + 1, 1)
        return date(y, mo, 1), date.fromordinal(nxt.toordinal() - 1)
    if m := re.fullmatch(r"(\d{4})(?:\s*(?:-|to)\s*(\d{4}))?", text):
        last = int(m.group(2) or m.group(1))
        return date(int(m.group(1)), 1, 1), date(last, 12, 31)
    if m := re.fullmatch(r"(\d{4})-(\d{2})\s*to\s*(\d{4})-(\d{2})", text):
        return period_bounds(f"{m.group(1)}-{m.group(2)}")[0], period_bounds(
            f"{m.group(3)}-{m.group(4)}")[1]
    raise ParameterError(f"Period {period!r} is not a year, YYYY-MM or a range of them")


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
    targets: tuple[Target, ...] = ()
    target_note: str = ""
    window_column: str | None = None
    period_unit: str = "year"

    @property
    def applies_from(self) -> date | None:
        """First day any of the indicator's standards applied (``None``: no standard)."""
        standards = [t for t in self.targets if t.kind != "ambition"]
        return min(t.start for t in standards) if standards else None

    @property
    def applies_to(self) -> date | None:
        """Last day any of its standards applied (``None``: still in force or no standard)."""
        standards = [t for t in self.targets if t.kind != "ambition"]
        if not standards or any(t.end is None for t in standards):
            return None
        return max(t.end for t in standards)

    @property
    def ambition(self) -> Target | None:
        """The indicator's long-term ambition (kind ``"ambition"``), if any."""
        return next((t for t in self.targets if t.kind == "ambition"), None)

    def targets_for(self, period: str) -> tuple[Target, ...]:
        """The standard and operational targets in force throughout ``period``.

        A period only partly covered by a target (e.g. the year 2021 for the
        FDS, which began on 1 October 2021) gets none: the caller then shows
        no judgement rather than one the period's dates do not support.
        """
        first, last = period_bounds(period)
        return tuple(t for t in self.targets if t.kind != "ambition" and t.covers(first, last))

    def standard_for(self, period: str) -> Target | None:
        """The national standard in force throughout ``period`` (``None`` if none)."""
        return next((t for t in self.targets_for(period) if t.kind == "standard"), None)

    def operational_for(self, period: str) -> Target | None:
        """An operational (interim planning) target in force throughout ``period``, if any."""
        return next((t for t in self.targets_for(period) if t.kind == "operational"), None)

    def in_window(self, dates: pd.Series) -> pd.Series:
        """True where a clock-stop date falls on a day one of the standards applied."""
        start, end = self.applies_from, self.applies_to
        mask = dates.notna()
        if start is not None:
            mask &= dates >= pd.Timestamp(start)
        if end is not None:
            mask &= dates <= pd.Timestamp(end)
        return mask

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
            targets=(Target(date(2028, 1, 1), date(2028, 12, 31), 75.0, LTP_2019, "ambition"),),
            target_note=("NHS Long Term Plan ambition: 75% of cancers diagnosed at stage 1-2 by "
                         "2028 (an ambition for 2028, not a target for earlier years)"),
        ),
        Indicator(
            key="fds_28",
            title="Told the diagnosis outcome within 28 days of urgent referral",
            short="28-day Faster Diagnosis Standard",
            numerator_label="told within 28 days",
            denominator_label=("urgent suspected-cancer, screening and breast-symptomatic "
                               "referrals told their outcome"),
            higher_is_better=True,
            subject="people referred urgently",
            predicate="were told their diagnosis outcome within 28 days",
            numerator=lambda df: _days(df, "referral_date", "told_outcome_date") <= 28,
            denominator=lambda df: df["route"].isin(FDS_ROUTES)
            & df["referral_date"].notna()
            & df["told_outcome_date"].notna(),
            targets=(
                Target(date(2021, 10, 1), None, 75.0, FDS_START),
                Target(date(2024, 4, 1), date(2025, 3, 31), 77.0, PLANNING_2425, "operational"),
                Target(date(2025, 4, 1), date(2026, 3, 31), 80.0, PLANNING_2526, "operational"),
            ),
            target_note=("Standard 75% from 1 October 2021; operational targets 77% by March "
                         "2025 and 80% by March 2026. Counted by the month the person was "
                         "told (the clock stop), as NHS England does."),
            window_column="told_outcome_date",
            period_unit="month",
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
            targets=(
                Target(date(2009, 12, 1), date(2023, 9, 30), 96.0, CWT_V11),
                Target(date(2023, 10, 1), None, 96.0, CWT_V12),
            ),
            target_note=("Standard 96% (31-day first treatment to September 2023, 31-day "
                         "combined from October 2023); here first treatments only, by year of "
                         "diagnosis (NHS England counts by month of treatment)."),
            window_column="first_treatment_date",
        ),
        Indicator(
            key="cwt_62_urgent",
            title="First treatment within 62 days of an urgent suspected-cancer referral",
            short="62-day standard (urgent referral)",
            numerator_label="treated within 62 days of referral",
            denominator_label="urgent suspected-cancer referrals that led to a first treatment",
            higher_is_better=True,
            subject="people referred urgently with suspected cancer and treated",
            predicate="started treatment within 62 days of referral",
            numerator=lambda df: _days(df, "referral_date", "first_treatment_date") <= 62,
            denominator=lambda df: (df["route"] == "Two Week Wait")
            & df["referral_date"].notna()
            & df["first_treatment_date"].notna(),
            targets=(Target(date(2009, 12, 1), date(2023, 9, 30), 85.0, CWT_V11),),
            target_note=("Standard 85% for urgent suspected-cancer referrals, to 30 September "
                         "2023; by year of diagnosis (NHS England counts by month of treatment)."),
            window_column="first_treatment_date",
        ),
        Indicator(
            key="cwt_62_screening",
            title="First treatment within 62 days of a screening referral",
            short="62-day standard (screening)",
            numerator_label="treated within 62 days of referral",
            denominator_label="screening referrals that led to a first treatment",
            higher_is_better=True,
            subject="people referred from screening and treated",
            predicate="started treatment within 62 days of referral",
            numerator=lambda df: _days(df, "referral_date", "first_treatment_date") <= 62,
            denominator=lambda df: (df["route"] == "Screening")
            & df["referral_date"].notna()
            & df["first_treatment_date"].notna(),
            targets=(Target(date(2009, 12, 1), date(2023, 9, 30), 90.0, CWT_V11),),
            target_note=("Standard 90% for screening referrals, to 30 September 2023; by year "
                         "of diagnosis (NHS England counts by month of treatment)."),
            window_column="first_treatment_date",
        ),
        Indicator(
            key="cwt_62",
            title="First treatment within 62 days of urgent referral (combined standard)",
            short="62-day combined standard",
            numerator_label="treated within 62 days of referral",
            denominator_label="urgent or screening referrals that led to a first treatment",
            higher_is_better=True,
            subject="people referred urgently and treated",
            predicate="started treatment within 62 days of referral",
            numerator=lambda df: _days(df, "referral_date", "first_treatment_date") <= 62,
            denominator=lambda df: _urgent(df)
            & df["referral_date"].notna()
            & df["first_treatment_date"].notna(),
            targets=(
                Target(date(2023, 10, 1), None, 85.0, CWT_V12),
                Target(date(2024, 4, 1), date(2025, 3, 31), 70.0, PLANNING_2425, "operational"),
                Target(date(2025, 4, 1), date(2026, 3, 31), 75.0, PLANNING_2526, "operational"),
            ),
            target_note=("Combined standard 85% (every route) from 1 October 2023; operational "
                         "targets 70% by March 2025 and 75% by March 2026. Consultant "
                         "upgrades are not in these data."),
            window_column="first_treatment_date",
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
            title="Tumours with a stage recorded (1-4, or recorded as unstageable)",
            short="Stage recorded",
            numerator_label="with a stage recorded",
            denominator_label="tumours",
            higher_is_better=True,
            subject="tumours",
            predicate="had a stage recorded",
            numerator=lambda df: df["stage"].notna() & (df["stage"] != "missing"),
            denominator=lambda df: df["stage"].notna(),
        ),
        Indicator(
            key="stage_unstageable",
            title="Tumours recorded as unstageable",
            short="Unstageable",
            numerator_label="recorded as unstageable",
            denominator_label="tumours",
            higher_is_better=False,
            subject="tumours",
            predicate="were recorded as unstageable",
            numerator=lambda df: df["stage"] == "unstageable",
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

DATA_QUALITY_INDICATORS: tuple[str, ...] = (
    "stage_recorded", "stage_unstageable", "ethnicity_recorded",
)
"""Who drops out of the figures: stage missing, stage unstageable (a recorded stage that is
not 1-4; e.g. some blood cancers), ethnicity not recorded. Kept apart: they mean different
things."""

WAITING_TIME_INDICATORS: tuple[str, ...] = (
    "fds_28", "cwt_31", "cwt_62_urgent", "cwt_62_screening", "cwt_62",
)
"""The waiting-time standards, each with its dates and targets (see the module docstring)."""

REFERRAL_INDICATORS: tuple[str, ...] = ("fds_28",)
"""Indicators counted over every urgent referral when a referrals table exists."""


def get(key: str) -> Indicator:
    """Return the indicator registered under ``key``."""
    try:
        return INDICATORS[key]
    except KeyError:
        raise ParameterError(
            f"Unknown indicator {key!r}; known: {', '.join(INDICATORS)}"
        ) from None
