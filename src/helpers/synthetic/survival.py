"""Follow-up to death or censoring for the synthetic tumours (vital status and its date).

:func:`build_follow_up` gives every synthetic tumour a vital status (``dead`` or
``alive``) and its date (the date of death, or :data:`FOLLOW_UP_END`, the date the
synthetic deaths were "linked" to), as a registry's linkage to ONS death
registrations would. Each person's hazard of death is the sum of

1. an excess (cancer) hazard: a Weibull curve per site and stage passing through the
   published 1- and 5-year **net** survival (:data:`NET_SURVIVAL_BY_STAGE`, source
   :data:`SURVIVAL_SOURCE`), multiplied by an age factor
   (:data:`EXCESS_AGE_SLOPE`) and, with ``deprivation_gap=True``, by a deprivation
   factor rising to :data:`DEPRIVATION_EXCESS_HR` in the most deprived fifth against
   the least (a planted effect, linear in the log hazard across the fifths);
2. a background (other-cause) hazard: a Gompertz curve by sex approximating the
   national life tables (:data:`BACKGROUND_Q70`, :data:`BACKGROUND_AGE_SLOPE`,
   source :data:`LIFE_TABLE_SOURCE`), the same in every deprivation fifth.

So the data carry **observed** (all-cause) survival, below the net figures they are
calibrated on, most at older ages. Tumours without a stage (unstageable or missing)
take the mean of the stage 3 and 4 survival of their site, as unstaged cancers
have poor survival in the published series, except where :data:`UNSTAGED_AS` says
otherwise. With ``deprivation_gap=False`` (the
placebo) the deprivation factor is 1 everywhere; as the placebo's stage and site mix
ignore deprivation too, survival then has no deprivation gap.

A death is never dated before the tumour's last pathway date (referral, outcome,
decision to treat, first treatment): such deaths are moved to that date, so the
synthetic records stay consistent (a few early deaths move by days or weeks).

The figures are rounded readings of the published series, for a synthetic data set;
they calibrate its shape, not any real service.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FOLLOW_UP_END = np.datetime64("2025-12-31")
"""Date to which the synthetic deaths are linked: everyone alive then is censored then."""

SURVIVAL_SOURCE = (
    "ONS and Public Health England (NCRAS), Cancer survival in England: national estimates for "
    "patients followed up to 2017 (adults diagnosed 2012 to 2016), 1- and 5-year net survival by "
    "stage at diagnosis, persons, rounded to whole percentages"
)
LIFE_TABLE_SOURCE = (
    "ONS, National life tables: England, 2017 to 2019 (probability of dying within a year at "
    "age 70, rounded), with a Gompertz rise in mortality with age"
)

NET_SURVIVAL_BY_STAGE: dict[str, dict[str, tuple[float, float]]] = {
    "Bladder": {"1": (91, 77), "2": (80, 46), "3": (72, 40), "4": (35, 10)},
    "Bowel": {"1": (98, 92), "2": (93, 85), "3": (90, 65), "4": (44, 10)},
    "Breast": {"1": (100, 99), "2": (99, 90), "3": (95, 72), "4": (66, 26)},
    "Cervix": {"1": (98, 92), "2": (90, 64), "3": (78, 41), "4": (42, 15)},
    "Kidney": {"1": (97, 87), "2": (93, 77), "3": (87, 65), "4": (37, 12)},
    "Lung": {"1": (88, 57), "2": (73, 35), "3": (49, 13), "4": (19, 3)},
    "Oesophagus": {"1": (80, 50), "2": (72, 30), "3": (55, 17), "4": (20, 3)},
    "Ovary": {"1": (98, 93), "2": (92, 73), "3": (81, 37), "4": (54, 13)},
    "Pancreas": {"1": (55, 25), "2": (48, 11), "3": (32, 5), "4": (15, 2)},
    "Prostate": {"1": (100, 100), "2": (100, 100), "3": (100, 96), "4": (88, 49)},
    "Skin cancer": {"1": (100, 100), "2": (99, 80), "3": (95, 69), "4": (55, 25)},
    "Testes": {"1": (100, 99), "2": (99, 97), "3": (98, 95), "4": (92, 80)},
    "Uterus": {"1": (98, 92), "2": (94, 77), "3": (86, 55), "4": (45, 15)},
    "Anus": {"1": (96, 85), "2": (93, 77), "3": (85, 60), "4": (52, 18)},
    "Head and neck": {"1": (94, 82), "2": (90, 73), "3": (83, 60), "4": (70, 40)},
    "Renal pelvis and ureter": {"1": (93, 80), "2": (88, 65), "3": (80, 40), "4": (35, 8)},
    "Other": {"1": (90, 70), "2": (85, 60), "3": (70, 40), "4": (35, 10)},
}
"""Site -> stage -> (1-year, 5-year) net survival in %. Skin cancer takes the melanoma
series. Anus, head and neck, renal pelvis and ureter and "Other" are not in the
published stage series: their figures are modelled assumptions (:data:`MODELLED_SITES`)."""

UNSTAGED_AS: dict[str, str] = {"Bladder": "1"}
"""Sites whose unstaged tumours take one stage's survival: most "unstageable" bladder
tumours in the NDRS series are non-invasive (Ta/Tis), with a good prognosis (modelled)."""

MODELLED_SITES: frozenset[str] = frozenset({"Anus", "Head and neck", "Renal pelvis and ureter",
                                            "Other"})

BACKGROUND_Q70: dict[str, float] = {"Female": 0.0113, "Male": 0.0175}
"""Probability of dying within a year at age 70, England 2017-2019 (see LIFE_TABLE_SOURCE)."""

BACKGROUND_AGE_SLOPE = 0.095
"""Gompertz slope: all-cause mortality rises about 10% per year of age (a modelled fit)."""

EXCESS_AGE_SLOPE = 0.02
"""Log excess hazard per year of age above 70 (modelled: net survival falls with age)."""

DEPRIVATION_EXCESS_HR = 1.3
"""Planted: excess hazard of the most deprived fifth against the least deprived (modelled)."""

MAX_SHARE = 0.999
"""Survival figures of 100% are read as 99.9% (a Weibull curve needs some deaths)."""


def weibull_curve(one_year: float, five_year: float) -> tuple[float, float]:
    """Scale and shape of the Weibull curve through two survival points (fractions).

    ``S(t) = exp(-(t / scale) ** shape)`` with ``S(1) = one_year`` and ``S(5) = five_year``.
    """
    s1 = min(one_year, MAX_SHARE)
    s5 = min(five_year, s1 - 0.002)
    shape = np.log(np.log(s5) / np.log(s1)) / np.log(5.0)
    scale = (-np.log(s1)) ** (-1.0 / shape)
    return float(scale), float(shape)


def curve_table(sites: tuple[str, ...], stages: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Weibull ``(scale, shape)`` arrays indexed ``[site, stage]``; unstaged: mean of 3 and 4."""
    scale = np.empty((len(sites), len(stages)))
    shape = np.empty_like(scale)
    for i, site in enumerate(sites):
        figures = NET_SURVIVAL_BY_STAGE[site]
        for j, stage in enumerate(stages):
            if stage in figures:
                s1, s5 = figures[stage]
            elif site in UNSTAGED_AS:
                s1, s5 = figures[UNSTAGED_AS[site]]
            else:
                s1, s5 = ((figures["3"][k] + figures["4"][k]) / 2 for k in range(2))
            scale[i, j], shape[i, j] = weibull_curve(s1 / 100, s5 / 100)
    return scale, shape


def deprivation_factor(quintile: np.ndarray, gap: bool) -> np.ndarray:
    """Excess-hazard multiplier by IMD quintile (1 most deprived); 1 everywhere without a gap."""
    if not gap:
        return np.ones(len(quintile))
    return DEPRIVATION_EXCESS_HR ** ((5 - np.asarray(quintile, dtype=float)) / 4)


def cumulative_hazard(t: np.ndarray, scale: np.ndarray, shape: np.ndarray, excess: np.ndarray,
                      background: np.ndarray) -> np.ndarray:
    """All-cause cumulative hazard at ``t`` years after diagnosis.

    ``excess``: multiplier of the Weibull excess hazard; ``background``: the Gompertz
    other-cause hazard at the age at diagnosis (per year).
    """
    gompertz = background * np.expm1(BACKGROUND_AGE_SLOPE * t) / BACKGROUND_AGE_SLOPE
    return excess * (t / scale) ** shape + gompertz


def hazard_inputs(tumours: pd.DataFrame, *, deprivation_gap: bool
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per tumour: Weibull scale and shape, excess multiplier and background hazard."""
    from helpers.registry.schema import SITES, STAGES

    table_scale, table_shape = curve_table(SITES, STAGES)
    site = pd.Index(SITES).get_indexer(tumours["site"].astype(str))
    stage = pd.Index(STAGES).get_indexer(tumours["stage"].astype(str))
    age = tumours["age"].to_numpy(dtype=float)
    quintile = (tumours["imd_decile"].to_numpy(dtype=int) + 1) // 2
    excess = np.exp(EXCESS_AGE_SLOPE * (age - 70)) * deprivation_factor(quintile, deprivation_gap)
    q70 = tumours["sex"].astype(str).map(BACKGROUND_Q70).to_numpy(dtype=float)
    background = -np.log1p(-q70) * np.exp(BACKGROUND_AGE_SLOPE * (age - 70))
    return table_scale[site, stage], table_shape[site, stage], excess, background


def expected_survival(tumours: pd.DataFrame, years: float, *, deprivation_gap: bool
                      ) -> np.ndarray:
    """Each tumour's modelled probability of being alive ``years`` after diagnosis."""
    scale, shape, excess, background = hazard_inputs(tumours, deprivation_gap=deprivation_gap)
    return np.exp(-cumulative_hazard(np.full(len(tumours), float(years)), scale, shape, excess,
                                     background))


def _solve(target: np.ndarray, upper: np.ndarray, args: tuple[np.ndarray, ...]) -> np.ndarray:
    """Times in ``[0, upper]`` where the cumulative hazard reaches ``target`` (bisection)."""
    low, high = np.zeros_like(upper), upper.copy()
    for _ in range(40):
        mid = (low + high) / 2
        below = cumulative_hazard(mid, *args) < target
        low, high = np.where(below, mid, low), np.where(below, high, mid)
    return (low + high) / 2


def build_follow_up(tumours: pd.DataFrame, rng: np.random.Generator, *,
                    deprivation_gap: bool = True) -> pd.DataFrame:
    """Return ``tumour_id``, ``vital_status`` (``dead``/``alive``) and ``vital_status_date``.

    ``tumours``: the generated raw tumours (with site, stage, age, sex, imd_decile and the
    pathway dates). Everyone alive at :data:`FOLLOW_UP_END` is censored there.
    """
    scale, shape, excess, background = hazard_inputs(tumours, deprivation_gap=deprivation_gap)
    diagnosis = tumours["diagnosis_date"].to_numpy().astype("datetime64[D]")
    available = (FOLLOW_UP_END - diagnosis).astype(float) / 365.25
    target = rng.exponential(1.0, len(tumours))
    args = (scale, shape, excess, background)
    dies = cumulative_hazard(available, *args) >= target
    years = _solve(target[dies], available[dies], tuple(a[dies] for a in args))
    death = diagnosis[dies] + np.round(years * 365.25).astype("timedelta64[D]")
    pathway = tumours[["diagnosis_date", "referral_date", "told_outcome_date",
                       "decision_to_treat_date", "first_treatment_date"]]
    last = pathway.max(axis=1).to_numpy().astype("datetime64[D]")[dies]
    date = np.full(len(tumours), FOLLOW_UP_END, dtype="datetime64[D]")
    date[dies] = np.minimum(np.maximum(death, last), FOLLOW_UP_END)
    return pd.DataFrame({
        "tumour_id": tumours["tumour_id"].to_numpy(),
        "vital_status": pd.Categorical(np.where(dies, "dead", "alive"),
                                       categories=["alive", "dead"]),
        "vital_status_date": date.astype("datetime64[us]"),
    })
