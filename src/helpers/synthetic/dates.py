"""Pathway dates: diagnosis, referral, told outcome, decision to treat, first treatment.

* ``diagnosis_date`` is spread over the diagnosis year (2020 with the spring
  COVID-19 dip).
* Urgent routes (Two Week Wait, Screening) get a ``referral_date`` and a
  ``told_outcome_date``: referral -> told is a gamma wait with about 76% within
  28 days (Faster Diagnosis Standard); diagnosis falls between the two, a few
  days before the patient is told.
* GP referral, other outpatient and inpatient elective routes usually have a
  (routine) ``referral_date`` before diagnosis and no told-outcome date;
  emergency presentations and unknown routes have neither.
* About 87% of tumours are treated (fewer at stage 4, unstaged, after an
  emergency or over 85): ``decision_to_treat_date`` follows the told-outcome
  (or diagnosis) date and ``first_treatment_date`` follows the decision,
  with about 91% within 31 days; 62 days from urgent referral to treatment
  is met for about two thirds.
* Waits are a little longer in deprived areas (:data:`WAIT_DEPRIVATION`).

Dates never run backwards: referral <= diagnosis <= told <= decision <= treatment.
"""

from __future__ import annotations

import numpy as np

from helpers.registry.schema import ROUTES, URGENT_ROUTES

MONTH_WEIGHT: dict[int, tuple[float, ...]] = {
    2020: (1.05, 1.0, 0.9, 0.6, 0.7, 0.85, 0.95, 0.95, 1.0, 1.0, 0.95, 0.9),
}
"""Relative diagnoses per day by month; 1 for every month of years not listed."""

TOLD_SHAPE, TOLD_SCALE = 2.2, 9.5
"""Gamma wait (days) from urgent referral to being told the outcome."""

TOLD_AFTER_DIAGNOSIS_MEAN = 3.0
"""Mean days from diagnosis to being told (Poisson, capped by the referral wait)."""

ROUTINE_REFERRAL_SHARE = 0.85
ROUTINE_SHAPE, ROUTINE_SCALE = 1.6, 30.0
"""Share of non-urgent, non-emergency referrals with a referral date, and their wait."""

TREATED_BY_STAGE: np.ndarray = np.array([0.98, 0.97, 0.95, 0.83, 0.80, 0.83])
"""Probability of a first treatment by stage index (1, 2, 3, 4, unstageable, missing)."""

TREATED_EMERGENCY_FACTOR = 0.92
TREATED_OLD_FACTOR = 0.85
OLD_AGE = 85

DECISION_SHAPE, DECISION_SCALE = 1.8, 11.5
"""Gamma wait from being told (or diagnosis) to the decision to treat."""

TREAT_FAST_SHAPE, TREAT_FAST_SCALE = 2.0, 5.5
TREAT_SLOW_SHARE, TREAT_SLOW_MIN, TREAT_SLOW_SCALE = 0.065, 32, 14.0
"""Decision -> first treatment: a fast gamma, or a slow tail starting after 31 days."""

WAIT_DEPRIVATION = 0.05
"""Waits are scaled by 1 + this x (3 - q) / 2: +5% in quintile 1, -5% in quintile 5."""


def _diagnosis_dates(year: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.empty(len(year), dtype="datetime64[D]")
    u = rng.random(len(year))
    for y in np.unique(year):
        days = np.arange(np.datetime64(f"{y}-01-01"), np.datetime64(f"{y + 1}-01-01"))
        month = days.astype("datetime64[M]").astype(int) % 12
        weight = np.asarray(MONTH_WEIGHT.get(int(y), (1.0,) * 12))[month]
        cum = np.cumsum(weight)
        mine = year == y
        pos = np.searchsorted(cum, u[mine] * cum[-1], side="right")
        out[mine] = days[np.minimum(pos, len(days) - 1)]
    return out


def _days(x: np.ndarray) -> np.ndarray:
    return np.round(x).astype(np.int64).astype("timedelta64[D]")


def assign_dates(
    year: np.ndarray,
    route: np.ndarray,
    stage: np.ndarray,
    age: np.ndarray,
    quintile: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Return the five date columns as ``datetime64[ns]`` arrays (NaT where not applicable)."""
    n = len(year)
    nat = np.datetime64("NaT", "D")
    slow = 1.0 + WAIT_DEPRIVATION * (3 - quintile) / 2

    diagnosis = _diagnosis_dates(year, rng)
    urgent = np.isin(route, [ROUTES.index(r) for r in URGENT_ROUTES])
    emergency = route == ROUTES.index("Emergency Presentation")
    routine = ~urgent & ~emergency & (route != ROUTES.index("Unknown"))

    told_wait = np.round(rng.gamma(TOLD_SHAPE, TOLD_SCALE, n) * slow)
    after = np.minimum(rng.poisson(TOLD_AFTER_DIAGNOSIS_MEAN, n), told_wait)
    told = np.where(urgent, diagnosis + _days(after), nat)
    referral = np.where(urgent, told - _days(told_wait), nat)

    routine_ref = routine & (rng.random(n) < ROUTINE_REFERRAL_SHARE)
    routine_wait = rng.gamma(ROUTINE_SHAPE, ROUTINE_SCALE, n) * slow
    referral = np.where(routine_ref, diagnosis - _days(routine_wait), referral)

    p_treat = (
        TREATED_BY_STAGE[stage]
        * np.where(emergency, TREATED_EMERGENCY_FACTOR, 1.0)
        * np.where(age >= OLD_AGE, TREATED_OLD_FACTOR, 1.0)
    )
    treated = rng.random(n) < p_treat
    start = np.where(urgent, told, diagnosis)
    decision = start + _days(rng.gamma(DECISION_SHAPE, DECISION_SCALE, n) * slow)
    fast = rng.gamma(TREAT_FAST_SHAPE, TREAT_FAST_SCALE, n)
    slow_tail = TREAT_SLOW_MIN + rng.exponential(TREAT_SLOW_SCALE, n)
    treat_wait = np.where(rng.random(n) < TREAT_SLOW_SHARE, slow_tail, fast * slow)
    treatment = decision + _days(treat_wait)

    decision = np.where(treated, decision, nat)
    treatment = np.where(treated, treatment, nat)
    return {
        "diagnosis_date": diagnosis,
        "referral_date": referral,
        "told_outcome_date": told,
        "decision_to_treat_date": decision,
        "first_treatment_date": treatment,
    }
