"""The default data: synthetic, seeded, record-level tumours for England's Cancer Alliances.

:func:`generate` builds one row per tumour (the columns of
:data:`helpers.registry.schema.RAW_TUMOUR_COLUMNS` plus fake identifiers) and a small-area
table. It is calibrated on public aggregates only (see :mod:`.profiles`) and
draws in these steps, each from its own random stream:

1. synthetic areas for every local authority (:mod:`.areas`);
2. the exact NDRS tumour and stage counts per alliance, site and year (:mod:`.cells`);
3. each tumour's area, with site incidence by deprivation (:mod:`.placement`);
4. age, sex and ethnicity (:mod:`.demographics`);
5. stage, with the early-stage gradient by deprivation (:mod:`.staging`);
6. route to diagnosis (:mod:`.routes`) and pathway dates (:mod:`.dates`);
7. innovation programmes (:mod:`.innovation`): lung health checks, the
   multi-cancer blood test trial and the capsule sponge pilot invite people,
   test them and find some of the tumours; with ``plant_effects=True`` (the
   default) late-stage cancers they find are moved to stage 1-2 (see below);
8. fake identifiers (:mod:`.identifiers`);
9. urgent referrals (:mod:`.referrals`): every urgent-route tumour is one
   referral, and referrals where no cancer was found are added so that monthly
   totals and the share told within 28 days match NHS England's published
   Faster Diagnosis Standard figures (the FDS population).

The same arguments always give identical frames.

Planted effects. With ``plant_effects=True`` the cancers found by a programme
are moved from stage 3-4 to stage 1-2 until 75% (lung checks), 65% (blood
test trial) or 70% (capsule sponge) of them are early, after the calibrated
staging. Tumour counts, staged, unstageable and missing counts per alliance,
site and year, and every other column, stay as calibrated; but in the cells
(alliance, site, year) where a programme found cancers the early (stage 1-2)
counts exceed the NDRS figures. With ``plant_effects=False`` (placebo) the
programmes run and record the same activity but stages are untouched, so every
cell matches the NDRS counts exactly; the tumours are then identical to a run
without programmes.

Alliances are those of ``lad_profile`` (CAL21 footprints under CAL24 names):
Swindon's areas sit in Somerset, Wiltshire, Avon and Gloucestershire and
Bassetlaw's in South Yorkshire and Bassetlaw, while the tumour counts are the
NDRS alliance figures, which count Swindon under Thames Valley.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.errors import ParameterError
from helpers.registry.schema import (
    ETHNICITIES,
    RAW_AREA_COLUMNS,
    RAW_TUMOUR_COLUMNS,
    ROUTES,
    SEXES,
    SITES,
    STAGES,
    empty_activity,
)
from helpers.synthetic import profiles
from helpers.synthetic.areas import build_areas
from helpers.synthetic.cells import cell_counts
from helpers.synthetic.dates import assign_dates
from helpers.synthetic.demographics import draw_age, draw_ethnicity, draw_male
from helpers.synthetic.identifiers import dates_of_birth, nhs_numbers, postcodes, tumour_ids
from helpers.synthetic.innovation import TumourFacts, run_programmes
from helpers.synthetic.placement import place_tumours
from helpers.synthetic.referrals import build_referrals
from helpers.synthetic.routes import assign_route
from helpers.synthetic.staging import assign_stage
from helpers.synthetic.survival import build_follow_up

DEFAULT_SEED = 20240401
DEFAULT_YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022)

SYNTHETIC_IDENTIFIER_COLUMNS: tuple[str, ...] = ("nhs_number", "postcode", "date_of_birth")
"""Fake identifiers appended after the schema columns (cleaning must drop them)."""

AREA_EXTRA_COLUMNS: tuple[str, ...] = ("alliance_code", "pop_60_plus")

DATE_DTYPE = "datetime64[us]"

_STREAMS = (
    "areas", "placement", "demographics", "stage", "route", "dates", "identifiers",
    "golive", "programmes", "effects", "referrals", "survival",
)


@dataclass(frozen=True)
class SyntheticData:
    """A generated dataset: record-level tumours, synthetic small areas, innovation activity.

    ``seed``, ``scale``, ``years``, ``alliances``, ``plant_effects`` and
    ``deprivation_gap`` record
    the arguments that made it. ``activity`` is the monthly innovation activity
    table (columns :data:`helpers.ingest.activity.ACTIVITY_COLUMNS`). ``_found_by`` is
    internal (for consistency checks only; never written): per tumour row, the
    key of the innovation that found it, ``""`` if none.
    """

    tumours: pd.DataFrame
    areas: pd.DataFrame
    seed: int = DEFAULT_SEED
    scale: float = 1.0
    years: tuple[int, ...] = DEFAULT_YEARS
    alliances: tuple[str, ...] = ()
    activity: pd.DataFrame = field(default_factory=empty_activity)
    plant_effects: bool = True
    deprivation_gap: bool = True
    referrals: pd.DataFrame | None = None
    follow_up: pd.DataFrame | None = None
    _found_by: np.ndarray | None = field(default=None, repr=False, compare=False)


def _streams(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(_STREAMS, children,
                                                                      strict=True)}


def _categorical(values: np.ndarray) -> pd.Categorical:
    return pd.Categorical(values, categories=sorted(pd.unique(values)))


def generate(
    *,
    seed: int = DEFAULT_SEED,
    years: Sequence[int] = DEFAULT_YEARS,
    alliances: Sequence[str] | None = None,
    scale: float = 1.0,
    plant_effects: bool = True,
    deprivation_gap: bool = True,
    referrals: bool = True,
) -> SyntheticData:
    """Generate synthetic record-level tumours for England's Cancer Alliances.

    Parameters
    ----------
    seed
        Seed of every random draw: the same arguments give identical frames.
    years
        Diagnosis years, within 2019-2022.
    alliances
        CAL24 alliance names or codes (any case); ``None`` for all 20.
    scale
        Multiplies every calibrated tumour count (rounded), e.g. 0.05 for a
        small test dataset; 1.0 reproduces the NDRS counts exactly (with
        ``plant_effects=False``; see the module docstring). Activity counts scale too.
    plant_effects
        ``True``: cancers found by the innovation programmes are moved to an
        earlier stage. ``False`` (placebo): the programmes run and record
        activity, but tumour stages are exactly the calibrated ones.
    deprivation_gap
        ``True``: deprived areas get more of the late-stage sites and, within a
        site, later stages (:mod:`.placement`, :mod:`.staging`). ``False``: a
        dataset with no planted inequality in stage at diagnosis: sites are placed
        in proportion to population (ignoring deprivation and age structure) and
        the stage draw ignores deprivation and ethnicity (routes and waits keep
        theirs), so within an alliance early diagnosis has no deprivation gap.
    referrals
        ``True``: also build the urgent referrals (:mod:`.referrals`, about 2.9
        million a year at scale 1: the 28-day FDS population). ``False``: leave
        them out (``referrals`` is ``None``), for uses that need only tumours.

    Returns
    -------
    SyntheticData
        ``tumours``: one row per tumour, the columns of
        :data:`helpers.registry.schema.RAW_TUMOUR_COLUMNS` in order, then ``nhs_number``,
        ``postcode`` and ``date_of_birth``. ``areas``: one row per synthetic small
        area of the chosen alliances, the columns of
        :data:`helpers.registry.schema.RAW_AREA_COLUMNS` plus ``alliance_code`` and ``pop_60_plus``.
        ``activity``: monthly innovation activity of the chosen alliances and
        years (:data:`helpers.ingest.activity.ACTIVITY_COLUMNS`).

    Raises
    ------
    helpers.errors.ParameterError
        (a ``ValueError``) for an unknown alliance, a year outside 2019-2022 or a
        scale that is not positive.
    """
    chosen = profiles.resolve_alliances(alliances)
    chosen_years = profiles.resolve_years(years)
    if not np.isfinite(scale) or scale <= 0:
        raise ParameterError(f"scale must be a positive number, got {scale!r}")
    rng = _streams(int(seed))

    lad = profiles.lad_profile()
    all_areas = build_areas(lad, rng["areas"])
    areas = all_areas[all_areas["alliance"].isin(chosen)].reset_index(drop=True)

    cells = cell_counts(profiles.stage_profile(), chosen, chosen_years, scale)
    cell = np.repeat(np.arange(len(cells)), cells["n"].to_numpy())
    site = pd.Index(SITES).get_indexer(cells["site"])[cell]
    year = cells["year"].to_numpy()[cell]

    area = place_tumours(areas, cells["alliance"].to_numpy()[cell], site, SITES,
                         rng["placement"], by_profile=deprivation_gap)
    quintile = areas["imd_quintile"].to_numpy()[area]
    lad_row = areas["lad_row"].to_numpy()[area]

    age = draw_age(site, SITES, rng["demographics"])
    male = draw_male(site, SITES, rng["demographics"])
    shares = lad[list(profiles.ETHNICITY_SHARE_COLUMNS)].to_numpy(dtype=float)
    ethnicity = draw_ethnicity(shares[lad_row], rng["demographics"])

    stage = assign_stage(cell, cells, quintile, age, ethnicity, rng["stage"],
                         inequality=deprivation_gap)
    route = assign_route(site, SITES, stage, age, quintile, rng["route"])
    dates = assign_dates(year, route, stage, age, quintile, rng["dates"])

    alliance_index = pd.Index(chosen).get_indexer(cells["alliance"])[cell]
    programmes = run_programmes(
        TumourFacts(
            alliance=alliance_index, site=site, age=age, male=male, ethnicity=ethnicity,
            quintile=quintile, lad_row=lad_row, stage=stage, route=route,
            diagnosis=dates["diagnosis_date"],
        ),
        lad, chosen, chosen_years, scale, rng, plant_effects=plant_effects,
    )
    stage = programmes.stage

    # rows in diagnosis-date order (random within a day), numbered from SYN00000001
    ident = rng["identifiers"]
    n = len(cell)
    row = np.lexsort((ident.random(n), dates["diagnosis_date"]))
    sex = np.where(male[row], SEXES.index("Male"), SEXES.index("Female"))

    def coded(codes: np.ndarray, categories: Sequence[str]) -> pd.Categorical:
        return pd.Categorical.from_codes(codes, categories=list(categories))

    columns: dict[str, object] = {
        "tumour_id": tumour_ids(n),
        "site": coded(site[row], SITES),
        "stage": coded(stage[row], STAGES),
        "age": age[row],
        "sex": coded(sex, SEXES),
        "ethnicity": coded(ethnicity[row], ETHNICITIES),
        "imd_decile": areas["imd_decile"].to_numpy()[area[row]],
        "route": coded(route[row], ROUTES),
    }
    for col in ("lsoa_code", "lad_code", "lad_name", "icb_code", "icb_name", "alliance"):
        codes, uniques = pd.factorize(areas[col], sort=True)
        columns[col] = coded(codes[area[row]], uniques)
    for col, values in dates.items():
        columns[col] = values[row].astype(DATE_DTYPE)
    columns["nhs_number"] = nhs_numbers(n, ident)
    columns["postcode"] = postcodes(n, ident)
    columns["date_of_birth"] = dates_of_birth(
        dates["diagnosis_date"][row], age[row], ident
    ).astype(DATE_DTYPE)
    tumours = pd.DataFrame(columns)
    tumours = tumours[[*RAW_TUMOUR_COLUMNS, *SYNTHETIC_IDENTIFIER_COLUMNS]]

    national = cell_counts(profiles.stage_profile(), profiles.resolve_alliances(None),
                           chosen_years, 1.0)["n"].sum()
    built = build_referrals(tumours, areas, lad, profiles.ETHNICITY_SHARE_COLUMNS,
                            n / float(national), rng["referrals"]) if referrals else None

    areas_out = areas[[*RAW_AREA_COLUMNS, *AREA_EXTRA_COLUMNS]].copy()
    for col in ("lsoa_code", "lad_code", "lad_name", "icb_code", "icb_name", "alliance",
                "alliance_code"):
        areas_out[col] = _categorical(areas_out[col].to_numpy())

    return SyntheticData(
        tumours=tumours,
        areas=areas_out,
        seed=int(seed),
        scale=float(scale),
        years=tuple(chosen_years),
        alliances=tuple(chosen),
        activity=programmes.activity,
        referrals=built,
        follow_up=build_follow_up(tumours, rng["survival"], deprivation_gap=deprivation_gap),
        plant_effects=bool(plant_effects),
        deprivation_gap=bool(deprivation_gap),
        _found_by=programmes.found_by[row],
    )
