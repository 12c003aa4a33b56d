"""Innovation programmes in the synthetic data: invitations, uptake, and the cancers they find.

The three programmes of :mod:`helpers.registry.innovations` run in synthetic England from
2019-01 to 2022-12. Every number below is an assumption chosen to look like the
real programmes' published figures, not a measurement.

Population
    People aged 50-79 per local-authority row of the calibration, IMD quintile,
    ethnicity, age band and sex: the row's population by quintile (exact
    calibration shares), its 60+ population split with deprived quintiles a
    little younger (as :mod:`.areas`), five-year age groups in England's mid-2019
    proportions (:data:`SHARE_OF_UNDER_60`, :data:`SHARE_OF_60_PLUS`), the Census
    ethnicity mix of the local authority with 6% "Not known", and male shares by age.

Lung health checks (``lung_health_check``)
    Every alliance goes live once, in a distinct month between 2019-04 and
    2022-06 (:func:`lung_go_live`: seeded, three in the first six months,
    deprived alliances likelier to go first). Eligible: ever-smokers aged 55-74
    (:data:`LUNG_EVER_SMOKER_BY_QUINTILE`, 52% of the most to 37% of the least
    deprived, more men, fewer Asian and Black people). After go-live
    :data:`LUNG_MONTHLY_INVITE_RATE` (1.8%) of the eligible people are invited
    each month (each person once), ramping up over :data:`LUNG_RAMP_MONTHS`
    months and paused in the spring 2020 COVID-19 wave. About half take part
    (40% to 58% by quintile, lower in ethnic minority groups); 60% of them are
    scanned; about 3% of participants are referred and 1% have a lung cancer found.

Multi-cancer blood test trial (``mced_trial``)
    In the eight NHS-Galleri alliances
    (:data:`helpers.registry.innovations.GALLERI_TRIAL_ALLIANCES`)
    1.5 million people aged 50-77 are invited from 2021-10 to 2022-07, the most
    deprived areas over-invited (mobile clinics sited there). Participation is
    fitted so that invitations per participant are 22 in the most deprived and
    4 in the least deprived quintile, 33 for Black, 28 for Asian and 10 for White
    people (the trial's published figures), for about 140,000 participants in all.
    Every participant gives blood (``tested``); 1% are referred and 0.55% have a
    cancer of a detectable site (:data:`helpers.registry.innovations.MCED_DETECTABLE_SITES`) found.

Capsule sponge pilot (``capsule_sponge``)
    Four illustrative pilot alliances (:data:`CAPSULE_PILOTS`, not the real
    sites) from 2021; people 50-79 with long-standing reflux in pilot practices;
    about 30% take part, 93% have a sponge test, 8% are referred and 0.3% have
    an oesophageal cancer found.

Cancers found
    ``cancers_found`` are tumour records: each month the number found in an
    alliance is drawn from its tested people (the rates above) and that many of
    the programme's candidate tumours are picked: site and age eligible, staged,
    not an emergency presentation, diagnosed that month in that alliance, not
    already found by another programme, with probability proportional to the
    share of the tumour's group (local authority, quintile, ethnicity, age band,
    sex) tested that month. The activity counts are exactly these records (in
    the rare group-months with fewer people tested than cancers found, tested,
    participated and invited are topped up to the cancers found).

Planted effects (``plant_effects=True``)
    Late-stage (3-4) cancers found by a programme are moved to stage 1-2 until
    :data:`LUNG_EARLY_SHARE` (75%), :data:`MCED_EARLY_SHARE` (65%) or
    :data:`CAPSULE_EARLY_SHARE` (70%) of its found cancers are early. Nothing else
    about a tumour changes. With ``plant_effects=False`` (placebo) the same
    tumours are found and the activity is the same, except
    ``cancers_found_early``, which then counts the tumours' unchanged stages.

Activity rows (:data:`helpers.ingest.activity.ACTIVITY_COLUMNS`)
    For every alliance and month of the chosen years in which a programme runs,
    each measure once per local authority (dimension ``all``) and once per group
    of each breakdown (IMD quintile, ethnicity, age band, sex; alliance-wide,
    ``lad_code`` empty), zeros included. About 160,000 rows for all of England.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from helpers.registry.innovations import ACTIVITY_MEASURES, GALLERI_TRIAL_ALLIANCES
from helpers.registry.innovations import get as get_innovation
from helpers.registry.innovations import keys as innovation_keys
from helpers.registry.schema import (
    ACTIVITY_COLUMNS,
    ACTIVITY_DIMENSIONS,
    ACTIVITY_GROUPS,
    AGE_BAND_EDGES,
    AGE_BANDS,
    ETHNICITIES,
    ROUTES,
    SITES,
    empty_activity,
)
from helpers.synthetic.areas import OLDER_BY_DECILE_SLOPE
from helpers.synthetic.demographics import NOT_KNOWN_SHARE
from helpers.synthetic.profiles import (
    CALIBRATION_YEARS,
    ETHNICITY_SHARE_COLUMNS,
    QUINTILE_SHARE_COLUMNS,
)
from helpers.synthetic.sampling import largest_remainder_grouped, top_k_weighted

FIRST_MONTH = np.datetime64(f"{CALIBRATION_YEARS[0]}-01", "M")
N_MONTHS = 12 * len(CALIBRATION_YEARS)
MONTH_LABELS: tuple[str, ...] = tuple(str(FIRST_MONTH + i) for i in range(N_MONTHS))
"""The simulated months, ``"2019-01"`` .. ``"2022-12"``."""

# --------------------------------------------------------------------------- population

AGE_GROUPS: tuple[tuple[int, int], ...] = (
    (50, 54), (55, 59), (60, 64), (65, 69), (70, 74), (75, 79),
)
SHARE_OF_UNDER_60: tuple[float, float] = (0.092, 0.086)
"""People aged 50-54 and 55-59 as shares of everyone under 60 (ONS mid-2019 England, rounded)."""

SHARE_OF_60_PLUS: tuple[float, ...] = (0.231, 0.208, 0.208, 0.150)
"""People aged 60-64, 65-69, 70-74 and 75-79 as shares of everyone 60+ (same source)."""

MALE_SHARE_BY_AGE_GROUP: tuple[float, ...] = (0.495, 0.492, 0.488, 0.482, 0.474, 0.462)

_BAND_OF_GROUP = np.searchsorted(AGE_BAND_EDGES[1:-1], [lo for lo, _ in AGE_GROUPS], "right")

# --------------------------------------------------------------------------- lung checks

LUNG_GO_LIVE_WINDOW: tuple[str, str] = ("2019-04", "2022-06")
LUNG_FIRST_WAVE: tuple[int, int] = (3, 6)
"""Three alliances go live in the first six months of the window."""

LUNG_EVER_SMOKER_BY_QUINTILE: tuple[float, ...] = (0.52, 0.47, 0.43, 0.40, 0.37)
LUNG_EVER_SMOKER_SEX: tuple[float, float] = (0.88, 1.12)
LUNG_EVER_SMOKER_ETHNICITY: tuple[float, ...] = (0.55, 0.65, 1.0, 1.0, 0.75, 0.95)
"""Ever-smoker share of people 55-74 by quintile, times factors by sex (Female, Male) and
ethnicity (order of :data:`helpers.registry.schema.ETHNICITIES`)."""

LUNG_MONTHLY_INVITE_RATE = 0.018
LUNG_RAMP_MONTHS = 9
LUNG_PAUSE: dict[str, float] = {"2020-04": 0.1, "2020-05": 0.1, "2020-06": 0.3}
"""Invitation rate multipliers while checks were paused for COVID-19."""

LUNG_PARTICIPATION_BY_QUINTILE: tuple[float, ...] = (0.42, 0.47, 0.52, 0.56, 0.60)
LUNG_PARTICIPATION_ETHNICITY: tuple[float, ...] = (0.80, 0.75, 0.85, 1.0, 0.80, 0.85)
LUNG_PARTICIPATION_SEX: tuple[float, float] = (1.04, 0.96)
LUNG_PARTICIPATION_AGE_BAND: tuple[float, ...] = (1.0, 0.95, 1.03, 0.98, 1.0)
LUNG_SCANNED_SHARE = 0.60
LUNG_REFERRED_PER_PARTICIPANT = 0.03
LUNG_FOUND_PER_PARTICIPANT = 0.01
LUNG_EARLY_SHARE = 0.75
LUNG_STAGE_1_SHARE = 0.65
"""Of the found cancers moved to stage 1-2, the share put at stage 1."""

# --------------------------------------------------------------------------- MCED trial

MCED_INVITE_WINDOW: tuple[str, str] = ("2021-10", "2022-07")
MCED_MONTH_WEIGHTS: tuple[float, ...] = (0.6, 1.0, 0.8, 1.1, 1.2, 1.2, 1.2, 1.1, 1.0, 0.8)
MCED_INVITED = 1_500_000
MCED_PARTICIPANTS_TARGET = 140_000
"""England totals at scale 1 (the participants follow from the ratios below)."""

MCED_INVITES_PER_PARTICIPANT_QUINTILE: tuple[float, ...] = (22.0, 14.4, 9.4, 6.1, 4.0)
"""Quintiles 1 and 5 as published by the trial; 2-4 are assumptions (geometric steps)."""

MCED_INVITES_PER_PARTICIPANT_ETHNICITY: tuple[float, ...] = (28.0, 33.0, 14.0, 10.0, 16.0, 14.0)
"""Asian, Black and White as published by the trial. Mixed, Other and Not known are
assumptions, rescaled together so the participants add up (to about 10, 11 and 10)."""

MCED_PUBLISHED_QUINTILES: tuple[int, ...] = (1, 5)
MCED_PUBLISHED_ETHNICITIES: tuple[str, ...] = ("Asian", "Black", "White")

MCED_INVITE_WEIGHT_QUINTILE: tuple[float, ...] = (2.1, 1.45, 1.0, 0.73, 0.53)
MCED_INVITE_WEIGHT_ETHNICITY: tuple[float, ...] = (1.2, 1.2, 1.0, 1.0, 1.0, 1.0)
"""Relative invitation rate per eligible person: clinics sited in deprived, diverse areas."""

MCED_REFERRED_PER_TESTED = 0.010
MCED_FOUND_PER_TESTED = 0.0055
MCED_EARLY_SHARE = 0.65
MCED_STAGE_1_SHARE = 0.50

# --------------------------------------------------------------------------- capsule sponge

CAPSULE_PILOTS: dict[str, str] = {
    "East of England": "2021-01",
    "Wessex": "2021-05",
    "Northern": "2021-09",
    "West London": "2022-01",
}
"""Illustrative pilot alliances and start months (synthetic; not the real pilot sites)."""

CAPSULE_ELIGIBLE_SHARE = 0.08 * 0.30
"""8% of people 50-79 with long-standing reflux, times 30% of practices in the pilot."""

CAPSULE_MONTHLY_INVITE_RATE = 0.03
CAPSULE_RAMP_MONTHS = 6
CAPSULE_PARTICIPATION_BY_QUINTILE: tuple[float, ...] = (0.24, 0.27, 0.30, 0.33, 0.36)
CAPSULE_PARTICIPATION_ETHNICITY: tuple[float, ...] = (0.80, 0.75, 0.90, 1.0, 0.80, 0.90)
CAPSULE_TESTED_SHARE = 0.93
CAPSULE_REFERRED_PER_TESTED = 0.08
CAPSULE_FOUND_PER_TESTED = 0.003
CAPSULE_EARLY_SHARE = 0.70
CAPSULE_STAGE_1_SHARE = 0.70

_EMERGENCY = ROUTES.index("Emergency Presentation")


def month_index(label: str) -> int:
    """Return the position of ``"YYYY-MM"`` in :data:`MONTH_LABELS` (may be outside)."""
    return int((np.datetime64(label, "M") - FIRST_MONTH).astype(int))


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class TumourFacts:
    """What the programmes need to know of each tumour, in generation order."""

    alliance: np.ndarray  # index into the chosen alliances
    site: np.ndarray  # index into SITES
    age: np.ndarray
    male: np.ndarray  # bool
    ethnicity: np.ndarray  # index into ETHNICITIES
    quintile: np.ndarray  # 1..5
    lad_row: np.ndarray  # row of the lad profile
    stage: np.ndarray  # index into STAGES
    route: np.ndarray  # index into ROUTES
    diagnosis: np.ndarray  # datetime64


@dataclass(frozen=True)
class ProgrammeResult:
    """The tumours' stages after any planted effect, who found what, and the activity."""

    stage: np.ndarray
    found_by: np.ndarray
    """Per tumour: the key of the innovation that found it, ``""`` if none."""
    activity: pd.DataFrame


def population_grid(lad: pd.DataFrame) -> np.ndarray:
    """Return people per (lad row, IMD quintile, ethnicity, age group 50-54..75-79, sex)."""
    pop = lad["pop_total"].to_numpy(dtype=float)
    shares = lad[list(QUINTILE_SHARE_COLUMNS)].to_numpy(dtype=float)
    shares = shares / shares.sum(axis=1, keepdims=True)
    pop_q = pop[:, None] * shares
    older_factor = 1.0 + OLDER_BY_DECILE_SLOPE * (2 * np.arange(1, 6) - 1.5)
    weight = pop_q * older_factor
    total = np.where(weight.sum(axis=1) > 0, weight.sum(axis=1), 1.0)
    older = np.minimum(lad["pop_60_plus"].to_numpy(dtype=float)[:, None] * weight
                       / total[:, None], pop_q)
    younger = pop_q - older
    ages = np.stack([younger * s for s in SHARE_OF_UNDER_60]
                    + [older * s for s in SHARE_OF_60_PLUS], axis=-1)  # L x 5 x 6
    eth = lad[list(ETHNICITY_SHARE_COLUMNS)].to_numpy(dtype=float)
    eth = np.column_stack([eth / eth.sum(axis=1, keepdims=True) * (1 - NOT_KNOWN_SHARE),
                           np.full(len(lad), NOT_KNOWN_SHARE)])  # L x 6
    male = np.asarray(MALE_SHARE_BY_AGE_GROUP)
    sex = np.column_stack([1 - male, male])  # 6 x 2
    return ages[:, :, None, :, None] * eth[:, None, :, None, None] * sex[None, None, None]


def _in_bands(grid: np.ndarray, age_range: tuple[int, int]) -> np.ndarray:
    """People of ``age_range`` per (row, quintile, ethnicity, AGE_BANDS band, sex)."""
    lo, hi = age_range
    overlap = np.array([
        max(0, min(hi, g_hi) - max(lo, g_lo) + 1) / (g_hi - g_lo + 1) for g_lo, g_hi in AGE_GROUPS
    ])
    out = np.zeros((*grid.shape[:3], len(AGE_BANDS), grid.shape[4]))
    for g, band in enumerate(_BAND_OF_GROUP):
        out[:, :, :, band, :] += grid[:, :, :, g, :] * overlap[g]
    return out


# --------------------------------------------------------------------------- go-live


def lung_go_live(lad: pd.DataFrame, rng: np.random.Generator) -> dict[str, int]:
    """Return every alliance's lung-check go-live month (index into :data:`MONTH_LABELS`).

    Distinct months from 2019-04 to 2022-06, both ends used, three in the first
    six months; alliances with more people in the most deprived quintile tend
    to go first. Always drawn for all 20 alliances, so it does not depend on
    which alliances a run selects.
    """
    pop_q1 = lad["pop_total"] * lad["imd_q1_share"]
    by_alliance = (pop_q1.groupby(lad["cal24nm"]).sum()
                   / lad["pop_total"].groupby(lad["cal24nm"]).sum()).sort_index()
    n = len(by_alliance)
    start, end = (month_index(m) for m in LUNG_GO_LIVE_WINDOW)
    span = end - start
    n_first, first_months = LUNG_FIRST_WAVE
    first = rng.choice(np.arange(1, first_months), n_first - 1, replace=False)
    rest = rng.choice(np.arange(first_months, span), n - n_first - 1, replace=False)
    offsets = np.sort(np.r_[0, first, rest, span])
    keys = np.log(1.0 - rng.random(n)) / (by_alliance.to_numpy() + 0.05)
    order = np.argsort(-keys, kind="stable")
    months = np.empty(n, dtype=np.int64)
    months[order] = start + offsets
    return dict(zip(by_alliance.index, months.tolist(), strict=True))


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class _Cells:
    """The (lad row, quintile, ethnicity, band, sex) groups a programme serves."""

    lad_row: np.ndarray
    quintile: np.ndarray  # 1..5
    ethnicity: np.ndarray
    band: np.ndarray
    male: np.ndarray
    alliance: np.ndarray  # index into chosen alliances
    eligible: np.ndarray  # whole people, at scale
    lookup: np.ndarray  # (rows, 5, 6, bands, 2) -> cell or -1


@dataclass(frozen=True)
class _Plan:
    key: str
    cells: _Cells
    live: np.ndarray  # (alliances, months) bool
    hazard: np.ndarray  # (cells, months): P(invited this month | not yet invited)
    participation: np.ndarray  # (cells,)
    tested_share: float
    found_per_tested: float
    referred_per_tested: float
    early_share: float
    stage_1_share: float


def _cells(people: np.ndarray, lad_alliance: np.ndarray, scale: float) -> _Cells:
    """Whole eligible people per group (each lad row's total rounded, split by largest
    remainder, so small scales do not lose the small groups), for the chosen alliances."""
    scaled = (people * scale).reshape(len(people), -1)
    totals = np.floor(scaled.sum(axis=1) + 0.5).astype(np.int64)
    rows = np.repeat(np.arange(len(people)), scaled.shape[1])
    whole = largest_remainder_grouped(scaled.ravel(), rows, totals).reshape(people.shape)
    whole[lad_alliance < 0] = 0
    row, q, e, b, s = np.nonzero(whole)
    lookup = np.full(whole.shape, -1, dtype=np.int64)
    lookup[row, q, e, b, s] = np.arange(len(row))
    return _Cells(
        lad_row=row, quintile=q + 1, ethnicity=e, band=b, male=s,
        alliance=lad_alliance[row], eligible=whole[row, q, e, b, s], lookup=lookup,
    )


def _hazard(fraction: np.ndarray) -> np.ndarray:
    """Monthly invitation hazards (of those not yet invited) giving the invitation fractions.

    ``fraction[..., m]`` is the expected share of the eligible people first
    invited in month m (their sum along months must stay below 1).
    """
    before = np.cumsum(fraction, axis=-1) - fraction
    return np.minimum(1.0, fraction / np.maximum(1e-12, 1.0 - before))


def _ramp(live: np.ndarray, start: np.ndarray, months: int) -> np.ndarray:
    """(alliances, months) ramp 1/months .. 1 from each alliance's start month."""
    since = np.arange(N_MONTHS)[None, :] - start[:, None]
    return np.where(live, np.minimum(1.0, (since + 1) / months), 0.0)


def _lung_plan(grid, lad_alliance, go_live: np.ndarray, scale: float) -> _Plan:
    people = _in_bands(grid, get_innovation("lung_health_check").age_range)
    share = (np.asarray(LUNG_EVER_SMOKER_BY_QUINTILE)[:, None, None]
             * np.asarray(LUNG_EVER_SMOKER_ETHNICITY)[None, :, None]
             * np.asarray(LUNG_EVER_SMOKER_SEX)[None, None, :])
    cells = _cells(people * share[None, :, :, None, :], lad_alliance, scale)
    live = np.arange(N_MONTHS)[None, :] >= go_live[:, None]
    pause = np.array([LUNG_PAUSE.get(m, 1.0) for m in MONTH_LABELS])
    rate = _hazard(LUNG_MONTHLY_INVITE_RATE * _ramp(live, go_live, LUNG_RAMP_MONTHS) * pause)
    participation = (
        np.asarray(LUNG_PARTICIPATION_BY_QUINTILE)[cells.quintile - 1]
        * np.asarray(LUNG_PARTICIPATION_ETHNICITY)[cells.ethnicity]
        * np.asarray(LUNG_PARTICIPATION_SEX)[cells.male]
        * np.asarray(LUNG_PARTICIPATION_AGE_BAND)[cells.band]
    )
    return _Plan(
        key="lung_health_check", cells=cells, live=live, hazard=rate[cells.alliance],
        participation=participation, tested_share=LUNG_SCANNED_SHARE,
        found_per_tested=LUNG_FOUND_PER_PARTICIPANT / LUNG_SCANNED_SHARE,
        referred_per_tested=LUNG_REFERRED_PER_PARTICIPANT / LUNG_SCANNED_SHARE,
        early_share=LUNG_EARLY_SHARE, stage_1_share=LUNG_STAGE_1_SHARE,
    )


def _rake(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, n_iter: int = 200) -> np.ndarray:
    out = seed.copy()
    for _ in range(n_iter):
        out *= (rows / out.sum(axis=1))[:, None]
        out *= (cols / out.sum(axis=0))[None, :]
    return out


def mced_calibration(grid: np.ndarray, lad: pd.DataFrame) -> dict[str, np.ndarray]:
    """Invitation fraction and participation per (quintile, ethnicity) for the MCED trial.

    Fitted on the expected population of all eight trial alliances at scale 1:
    ``invite_fraction[q, e]`` of eligible people are invited over the window;
    ``participation[q, e]`` of the invited take part, raked so that invitations
    per participant by quintile and by ethnicity equal
    :data:`MCED_INVITES_PER_PARTICIPANT_QUINTILE` and
    :data:`MCED_INVITES_PER_PARTICIPANT_ETHNICITY`, the unpublished groups
    scaled together so that both margins add up to the same participants.
    Returns those two arrays and ``invited``, ``participants`` (5 x 6 expected counts).
    """
    people = _in_bands(grid, get_innovation("mced_trial").age_range)
    trial = lad["cal24nm"].isin(GALLERI_TRIAL_ALLIANCES).to_numpy()
    n_qe = people[trial].sum(axis=(0, 3, 4))  # 5 x 6
    weight = (np.asarray(MCED_INVITE_WEIGHT_QUINTILE)[:, None]
              * np.asarray(MCED_INVITE_WEIGHT_ETHNICITY)[None, :])
    fraction = MCED_INVITED * weight / (n_qe * weight).sum()
    invited = fraction * n_qe
    by_q = invited.sum(axis=1) / np.asarray(MCED_INVITES_PER_PARTICIPANT_QUINTILE)
    by_e = invited.sum(axis=0) / np.asarray(MCED_INVITES_PER_PARTICIPANT_ETHNICITY)
    fixed = np.isin(ETHNICITIES, MCED_PUBLISHED_ETHNICITIES)
    # quintile margins fix the total; the unpublished ethnic groups take up the rest
    by_e[~fixed] *= (by_q.sum() - by_e[fixed].sum()) / by_e[~fixed].sum()
    participants = _rake(invited / 10.0, by_q, by_e)
    return {
        "invite_fraction": fraction,
        "participation": participants / invited,
        "invited": invited,
        "participants": participants,
    }


def _mced_plan(grid, lad, lad_alliance, trial_alliances: np.ndarray, scale: float) -> _Plan:
    calibration = mced_calibration(grid, lad)
    people = _in_bands(grid, get_innovation("mced_trial").age_range)
    in_trial = np.where(lad_alliance >= 0, trial_alliances[np.maximum(lad_alliance, 0)], False)
    cells = _cells(people, np.where(in_trial, lad_alliance, -1), scale)
    start, end = (month_index(m) for m in MCED_INVITE_WINDOW)
    months = np.zeros(N_MONTHS)
    months[start:end + 1] = np.asarray(MCED_MONTH_WEIGHTS) / sum(MCED_MONTH_WEIGHTS)
    live = trial_alliances[:, None] & (months > 0)[None, :]
    f = calibration["invite_fraction"][cells.quintile - 1, cells.ethnicity][:, None]
    hazard = _hazard(f * months[None, :])
    return _Plan(
        key="mced_trial", cells=cells, live=live, hazard=hazard,
        participation=calibration["participation"][cells.quintile - 1, cells.ethnicity],
        tested_share=1.0, found_per_tested=MCED_FOUND_PER_TESTED,
        referred_per_tested=MCED_REFERRED_PER_TESTED,
        early_share=MCED_EARLY_SHARE, stage_1_share=MCED_STAGE_1_SHARE,
    )


def _capsule_plan(grid, lad_alliance, pilot_start: np.ndarray, scale: float) -> _Plan:
    people = _in_bands(grid, get_innovation("capsule_sponge").age_range)
    pilot = pilot_start >= 0
    in_pilot = np.where(lad_alliance >= 0, pilot[np.maximum(lad_alliance, 0)], False)
    cells = _cells(people * CAPSULE_ELIGIBLE_SHARE, np.where(in_pilot, lad_alliance, -1), scale)
    start = np.where(pilot, pilot_start, N_MONTHS)
    live = np.arange(N_MONTHS)[None, :] >= start[:, None]
    rate = _hazard(CAPSULE_MONTHLY_INVITE_RATE * _ramp(live, start, CAPSULE_RAMP_MONTHS))
    participation = (np.asarray(CAPSULE_PARTICIPATION_BY_QUINTILE)[cells.quintile - 1]
                     * np.asarray(CAPSULE_PARTICIPATION_ETHNICITY)[cells.ethnicity])
    return _Plan(
        key="capsule_sponge", cells=cells, live=live, hazard=rate[cells.alliance],
        participation=participation, tested_share=CAPSULE_TESTED_SHARE,
        found_per_tested=CAPSULE_FOUND_PER_TESTED,
        referred_per_tested=CAPSULE_REFERRED_PER_TESTED,
        early_share=CAPSULE_EARLY_SHARE, stage_1_share=CAPSULE_STAGE_1_SHARE,
    )


# --------------------------------------------------------------------------- simulation


def _simulate_uptake(plan: _Plan, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Eligible, invited, participated and tested per (cell, month)."""
    cells = plan.cells
    remaining = cells.eligible.copy()
    invited = np.zeros((len(remaining), N_MONTHS), dtype=np.int64)
    for m in np.flatnonzero(plan.hazard.any(axis=0)):
        invited[:, m] = rng.binomial(remaining, plan.hazard[:, m])
        remaining -= invited[:, m]
    participated = rng.binomial(invited, plan.participation[:, None])
    tested = rng.binomial(participated, plan.tested_share)
    eligible = cells.eligible[:, None] * plan.live[cells.alliance]
    return {"eligible": eligible, "invited": invited, "participated": participated,
            "tested": tested}


def _expected_tested_rate(plan: _Plan) -> np.ndarray:
    """(cells, months): expected share of a cell's eligible people tested in each month."""
    survive = np.cumprod(1.0 - plan.hazard, axis=1)
    before = np.hstack([np.ones((len(survive), 1)), survive[:, :-1]])
    return plan.hazard * before * (plan.participation * plan.tested_share)[:, None]


def _find(
    plan: _Plan,
    tested: np.ndarray,
    t: TumourFacts,
    month: np.ndarray,
    band: np.ndarray,
    taken: np.ndarray,
    n_alliances: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return the indices of the tumours the programme finds (sorted).

    Each alliance-month finds Binomial(tested, found_per_tested) cancers (at most
    its candidates), picked with probability proportional to the expected
    share of the tumour's group tested that month.
    """
    inn = get_innovation(plan.key)
    lo, hi = inn.age_range
    in_window = (month >= 0) & (month < N_MONTHS)
    live = np.zeros(len(month), dtype=bool)
    live[in_window] = plan.live[t.alliance[in_window], month[in_window]]
    candidate = (
        np.isin(t.site, [SITES.index(s) for s in inn.sites])
        & (t.age >= lo) & (t.age <= hi) & (t.stage <= 3) & (t.route != _EMERGENCY)
        & ~taken & live
    )
    idx = np.flatnonzero(candidate)
    cell = plan.cells.lookup[t.lad_row[idx], t.quintile[idx] - 1, t.ethnicity[idx], band[idx],
                             t.male[idx].astype(np.int64)]
    idx, cell = idx[cell >= 0], cell[cell >= 0]
    m = month[idx]
    weight = _expected_tested_rate(plan)[cell, m]
    keep = weight > 0
    idx, m, weight = idx[keep], m[keep], weight[keep]

    per_am = sparse.csr_matrix(
        (np.ones(len(plan.cells.alliance), dtype=np.int64),
         (plan.cells.alliance, np.arange(len(plan.cells.alliance)))),
        shape=(n_alliances, len(plan.cells.alliance)),
    ) @ tested
    target = rng.binomial(np.asarray(per_am).ravel(), plan.found_per_tested)
    group = t.alliance[idx] * N_MONTHS + m
    k = np.minimum(target, np.bincount(group, minlength=n_alliances * N_MONTHS))
    picked = top_k_weighted(group, weight, k[group], rng)
    return np.sort(idx[picked])


def _per_cell(plan: _Plan, found: np.ndarray, t: TumourFacts, month: np.ndarray,
              band: np.ndarray) -> np.ndarray:
    cell = plan.cells.lookup[t.lad_row[found], t.quintile[found] - 1, t.ethnicity[found],
                             band[found], t.male[found].astype(np.int64)]
    out = np.zeros((len(plan.cells.eligible), N_MONTHS), dtype=np.int64)
    np.add.at(out, (cell, month[found]), 1)
    return out


def _plant(stage: np.ndarray, found: np.ndarray, plan: _Plan, rng: np.random.Generator) -> None:
    """Move found late-stage cancers to stage 1-2 until ``plan.early_share`` are early."""
    if not len(found):
        return
    early = stage[found] <= 1
    n_move = max(0, int(np.floor(plan.early_share * len(found) + 0.5)) - int(early.sum()))
    late = found[~early]
    move = np.sort(rng.choice(late, size=min(n_move, len(late)), replace=False))
    stage[move] = np.where(rng.random(len(move)) < plan.stage_1_share, 0, 1)


# --------------------------------------------------------------------------- activity rows


@dataclass(frozen=True)
class _Geography:
    alliance_names: np.ndarray  # chosen alliances
    alliance_codes: np.ndarray
    lad_key: np.ndarray  # per lad row -> local authority key
    lad_codes: np.ndarray  # per key
    lad_names: np.ndarray
    lad_alliance: np.ndarray  # per key -> chosen alliance index or -1


_GROUP_OF = {"imd_quintile": "quintile", "ethnicity": "ethnicity", "age_band": "band",
             "sex": "male"}


def _rows(plan: _Plan, measures: dict[str, np.ndarray], out_months: np.ndarray,
          geo: _Geography) -> dict[str, np.ndarray]:
    """Integer-coded activity rows of one programme."""
    cells = plan.cells
    n_a = len(geo.alliance_names)
    live = plan.live & out_months[None, :]
    a_live, m_live = np.nonzero(live)
    parts: list[dict[str, np.ndarray]] = []
    lad_key = geo.lad_key[cells.lad_row]
    keys = np.unique(lad_key)
    k_live, m_k = np.nonzero(live[geo.lad_alliance[keys]])
    to_lad = sparse.csr_matrix(
        (np.ones(len(lad_key), dtype=np.int64), (lad_key, np.arange(len(lad_key)))),
        shape=(len(geo.lad_codes), len(lad_key)),
    )
    for measure_code, measure in enumerate(ACTIVITY_MEASURES):
        values = measures[measure]
        by_lad = to_lad @ values
        parts.append({
            "alliance": geo.lad_alliance[keys[k_live]], "month": m_k, "lad": keys[k_live],
            "measure": np.full(len(k_live), measure_code), "dimension": np.zeros(len(k_live),
                                                                                 dtype=np.int64),
            "group": np.zeros(len(k_live), dtype=np.int64), "count": by_lad[keys[k_live], m_k],
        })
        for d, dim in enumerate(ACTIVITY_DIMENSIONS[1:], start=1):
            group = getattr(cells, _GROUP_OF[dim]) - (1 if dim == "imd_quintile" else 0)
            n_g = len(ACTIVITY_GROUPS[dim])
            used = np.unique(group) if dim == "age_band" else np.arange(n_g)
            agg = sparse.csr_matrix(
                (np.ones(len(group), dtype=np.int64),
                 (cells.alliance * n_g + group, np.arange(len(group)))),
                shape=(n_a * n_g, len(group)),
            ) @ values
            agg = agg.reshape(n_a, n_g, N_MONTHS)
            counts = agg[a_live[:, None], used[None, :], m_live[:, None]]
            n = counts.size
            parts.append({
                "alliance": np.repeat(a_live, len(used)), "month": np.repeat(m_live, len(used)),
                "lad": np.full(n, -1), "measure": np.full(n, measure_code),
                "dimension": np.full(n, d), "group": np.tile(used, len(a_live)),
                "count": counts.ravel(),
            })
    return {col: np.concatenate([p[col] for p in parts]) for col in parts[0]}


def _activity_frame(coded: list[tuple[int, dict[str, np.ndarray]]],
                    geo: _Geography) -> pd.DataFrame:
    if not coded:
        return empty_activity()
    cols = {c: np.concatenate([rows[c] for _, rows in coded]) for c in coded[0][1]}
    innovation = np.concatenate([np.full(len(rows["count"]), i) for i, rows in coded])
    name_rank = np.argsort(np.argsort(geo.alliance_names, kind="stable"), kind="stable")
    lad_codes = np.r_[geo.lad_codes, [""]]
    lad_names = np.r_[geo.lad_names, [""]]
    lad_rank = np.argsort(np.argsort(lad_codes, kind="stable"), kind="stable")
    lad = np.where(cols["lad"] < 0, len(geo.lad_codes), cols["lad"])
    order = np.lexsort((cols["group"], lad_rank[lad], cols["dimension"], cols["measure"],
                        cols["month"], name_rank[cols["alliance"]], innovation))
    group_labels = {d: np.asarray(ACTIVITY_GROUPS[dim], dtype=object)
                    for d, dim in enumerate(ACTIVITY_DIMENSIONS)}
    dim = cols["dimension"][order]
    grp = cols["group"][order]
    labels = np.empty(len(order), dtype=object)
    for d, names in group_labels.items():
        mine = dim == d
        labels[mine] = names[grp[mine]]
    out = pd.DataFrame({
        "month": np.asarray(MONTH_LABELS, dtype=object)[cols["month"][order]],
        "alliance_code": geo.alliance_codes[cols["alliance"][order]],
        "alliance": geo.alliance_names[cols["alliance"][order]],
        "lad_code": lad_codes[lad[order]],
        "lad_name": lad_names[lad[order]],
        "innovation": np.asarray(innovation_keys(), dtype=object)[innovation[order]],
        "measure": np.asarray(ACTIVITY_MEASURES, dtype=object)[cols["measure"][order]],
        "dimension": np.asarray(ACTIVITY_DIMENSIONS, dtype=object)[dim],
        "group": labels,
        "count": cols["count"][order].astype(np.int64),
    })
    for col in ACTIVITY_COLUMNS:
        if col != "count":
            out[col] = out[col].astype(str)
    return out[list(ACTIVITY_COLUMNS)]


def _geography(lad: pd.DataFrame, alliances: list[str]) -> _Geography:
    codes = lad.drop_duplicates("cal24nm").set_index("cal24nm")["cal24cd"]
    chosen = {name: i for i, name in enumerate(alliances)}
    pairs = lad["cal24nm"] + "|" + lad["lad21cd"]
    key, uniques = pd.factorize(pairs, sort=True)
    first = pd.Series(np.arange(len(lad))).groupby(key).first().to_numpy()
    return _Geography(
        alliance_names=np.asarray(alliances, dtype=object),
        alliance_codes=codes.reindex(alliances).to_numpy(dtype=object),
        lad_key=key,
        lad_codes=lad["lad21cd"].to_numpy(dtype=object)[first],
        lad_names=lad["lad21nm"].to_numpy(dtype=object)[first],
        lad_alliance=lad["cal24nm"].map(chosen).fillna(-1).astype(np.int64).to_numpy()[first],
    )


# --------------------------------------------------------------------------- entry point


def run_programmes(
    tumours: TumourFacts,
    lad: pd.DataFrame,
    alliances: list[str],
    years: list[int],
    scale: float,
    rngs: dict[str, np.random.Generator],
    plant_effects: bool = True,
) -> ProgrammeResult:
    """Run the three programmes over the chosen alliances; return stages, finds and activity.

    ``lad`` is the full local-authority profile (all 20 alliances: the go-live
    months and the MCED calibration never depend on the selection);
    ``rngs`` holds the ``golive``, ``programmes`` and ``effects`` streams.
    Activity rows cover the months of ``years`` in which a programme runs in an
    alliance; counts are at ``scale``.
    """
    lad = lad.reset_index(drop=True)
    chosen = {name: i for i, name in enumerate(alliances)}
    lad_alliance = lad["cal24nm"].map(chosen).fillna(-1).astype(np.int64).to_numpy()
    grid = population_grid(lad)
    geo = _geography(lad, alliances)
    n_a = len(alliances)

    go_live_all = lung_go_live(lad, rngs["golive"])
    go_live = np.array([go_live_all[a] for a in alliances], dtype=np.int64)
    trial = np.isin(alliances, GALLERI_TRIAL_ALLIANCES)
    pilot = np.array([month_index(CAPSULE_PILOTS[a]) if a in CAPSULE_PILOTS else -1
                      for a in alliances], dtype=np.int64)
    plans = [
        _lung_plan(grid, lad_alliance, go_live, scale),
        _mced_plan(grid, lad, lad_alliance, trial, scale),
        _capsule_plan(grid, lad_alliance, pilot, scale),
    ]

    month = (tumours.diagnosis.astype("datetime64[M]") - FIRST_MONTH).astype(np.int64)
    band = np.searchsorted(AGE_BAND_EDGES[1:-1], tumours.age, side="right")
    out_months = np.isin([int(m[:4]) for m in MONTH_LABELS], years)

    rng = rngs["programmes"]
    stage = tumours.stage.copy()
    taken = np.zeros(len(stage), dtype=bool)
    found_by = np.full(len(stage), "", dtype=object)
    runs = []
    for plan in plans:
        if not len(plan.cells.eligible):
            continue
        measures = _simulate_uptake(plan, rng)
        found = _find(plan, measures["tested"], tumours, month, band, taken, n_a, rng)
        taken[found] = True
        found_by[found] = plan.key
        cancers = _per_cell(plan, found, tumours, month, band)
        measures["cancers_found"] = cancers
        # a person whose cancer is found was tested, took part and was invited (this
        # tops up the rare groups and months with fewer tested than cancers found)
        measures["tested"] = np.maximum(measures["tested"], cancers)
        measures["participated"] = np.maximum(measures["participated"], measures["tested"])
        measures["invited"] = np.maximum(measures["invited"], measures["participated"])
        false_rate = ((plan.referred_per_tested - plan.found_per_tested)
                      / (1 - plan.found_per_tested))
        measures["referred"] = cancers + rng.binomial(measures["tested"] - cancers, false_rate)
        runs.append((plan, measures, found))

    if plant_effects:
        for plan, _, found in runs:
            _plant(stage, found, plan, rngs["effects"])

    coded = []
    order = {k: i for i, k in enumerate(innovation_keys())}
    for plan, measures, found in runs:
        early = found[stage[found] <= 1]
        measures["cancers_found_early"] = _per_cell(plan, early, tumours, month, band)
        coded.append((order[plan.key], _rows(plan, measures, out_months, geo)))
    return ProgrammeResult(stage=stage, found_by=found_by, activity=_activity_frame(coded, geo))
