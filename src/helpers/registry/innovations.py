"""Registry of the cancer early-diagnosis innovations the reports follow.

Each :class:`Innovation` says what a programme is, whom it is for, which cancer
sites it can find and which activity measures it records. Activity counts
(:mod:`helpers.ingest.activity`) use :data:`ACTIVITY_MEASURES` as a funnel, from the eligible
population to the cancers found at stage 1-2:

``eligible`` >= ``invited`` >= ``participated`` >= ``tested`` >= ``referred``
>= ``cancers_found`` >= ``cancers_found_early``

``eligible`` is a *stock* (the people eligible in that month; never sum it
over months), every other measure a *flow* (events in that month).

>>> from helpers import innovations
>>> innovations.get("Lung health check").key
'lung_health_check'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpers.errors import ParameterError

ACTIVITY_MEASURES: tuple[str, ...] = (
    "eligible",
    "invited",
    "participated",
    "tested",
    "referred",
    "cancers_found",
    "cancers_found_early",
)
"""Activity measures, in funnel order."""

MEASURE_DESCRIPTIONS: dict[str, str] = {
    "eligible": "people eligible for the programme in the month (a stock, not a flow)",
    "invited": "people sent a first invitation in the month",
    "participated": "people who took part (attended, consented, returned a kit) in the month",
    "tested": "people who had the programme's test in the month",
    "referred": "people referred on an urgent suspected-cancer pathway after the test",
    "cancers_found": "cancers diagnosed in the month that the programme found",
    "cancers_found_early": "cancers found by the programme diagnosed at stage 1 or 2",
}

STOCK_MEASURES: tuple[str, ...] = ("eligible",)
"""Measures counting people at a point in time: take the latest month, do not add months."""

FLOW_MEASURES: tuple[str, ...] = tuple(m for m in ACTIVITY_MEASURES if m not in STOCK_MEASURES)
"""Measures counting events: add them over months."""


@dataclass(frozen=True)
class Innovation:
    """One early-diagnosis innovation.

    Parameters
    ----------
    key
        Identifier used in the activity table, e.g. ``"lung_health_check"``.
    title
        Display name.
    description
        One or two sentences on what the programme does.
    measures
        The activity measures it records (a subset of :data:`ACTIVITY_MEASURES`, in order).
    eligible_population
        Who is eligible, in words.
    sites
        The NDRS sites (:data:`helpers.registry.schema.SITES`) whose cancers it can find.
    age_range
        Youngest and oldest eligible age, inclusive.
    test
        What ``tested`` counts for this programme.
    source
        Where the description comes from.
    alliances
        The alliances the programme is open to (CAL24 names), or None for all.
        Adopter categories rank only these: an alliance outside a trial is not
        a laggard.
    """

    key: str
    title: str
    description: str
    measures: tuple[str, ...]
    eligible_population: str
    sites: tuple[str, ...]
    age_range: tuple[int, int]
    test: str
    source: str
    alliances: tuple[str, ...] | None = None


GALLERI_TRIAL_ALLIANCES: tuple[str, ...] = (
    "Cheshire and Merseyside",
    "East Midlands",
    "East of England",
    "Greater Manchester",
    "Kent and Medway",
    "Northern",
    "South Yorkshire and Bassetlaw",
    "West Midlands",
)
"""The eight Cancer Alliances where the NHS-Galleri trial recruited (CAL24 names).

Source: NHS England's announcement of the NHS-Galleri trial (September 2021)
and the trial's published list of areas. "Northern" is North East and Cumbria;
"East of England" covers the former East of England - North and - South.
"""

MCED_DETECTABLE_SITES: tuple[str, ...] = (
    "Anus", "Bladder", "Bowel", "Head and neck", "Lung", "Oesophagus", "Ovary", "Pancreas",
)
"""NDRS sites among the twelve pre-specified cancers of the NHS-Galleri primary
analysis (the others, e.g. stomach, liver and blood cancers, fall under "Other")."""

INNOVATIONS: tuple[Innovation, ...] = (
    Innovation(
        key="mced_trial",
        title="Multi-cancer blood test trial (NHS-Galleri-like)",
        description=(
            "A randomised trial of a multi-cancer early detection blood test: people "
            "invited by letter give blood at mobile clinics; a cancer signal leads to an "
            "urgent referral."
        ),
        measures=ACTIVITY_MEASURES,
        eligible_population=(
            "People aged 50-77 registered with a GP in a trial Cancer Alliance, without "
            "a cancer diagnosis or treatment in the last three years."
        ),
        sites=MCED_DETECTABLE_SITES,
        age_range=(50, 77),
        test="blood draw (every participant)",
        source="NHS England and NHS-Galleri trial publications (2021-2022)",
        alliances=GALLERI_TRIAL_ALLIANCES,
    ),
    Innovation(
        key="lung_health_check",
        title="Lung health checks (Targeted Lung Health Check-like)",
        description=(
            "Ever-smokers are invited to a lung health check; those at high risk get a "
            "low-dose CT scan, and suspicious findings are referred."
        ),
        measures=ACTIVITY_MEASURES,
        eligible_population=(
            "People aged 55-74 registered with a GP who have ever smoked (current or "
            "former smokers)."
        ),
        sites=("Lung",),
        age_range=(55, 74),
        test="low-dose CT scan (participants at high risk)",
        source="NHS England Targeted Lung Health Check programme standard protocol",
    ),
    Innovation(
        key="capsule_sponge",
        title="Capsule sponge for oesophageal cancer (pilot)",
        description=(
            "A swallowed capsule sponge collects cells from the oesophagus to look for "
            "Barrett's oesophagus and early cancer; positives are referred for endoscopy."
        ),
        measures=ACTIVITY_MEASURES,
        eligible_population=(
            "People aged 50-79 with long-standing reflux or on long-term acid-suppressing "
            "medicines, registered with a pilot practice."
        ),
        sites=("Oesophagus",),
        age_range=(50, 79),
        test="capsule sponge (cell sample) taken",
        source="NHS England capsule sponge pilot and the BEST3 trial",
    ),
)
"""Every known innovation, in report order."""

_BY_KEY: dict[str, Innovation] = {i.key: i for i in INNOVATIONS}


def _normalise(text: object) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(text).strip().casefold()).strip("_")


_LOOKUP: dict[str, str] = {
    **{_normalise(i.title): i.key for i in INNOVATIONS},
    **{_normalise(i.key): i.key for i in INNOVATIONS},
}


def keys() -> list[str]:
    """Return the innovation keys, in report order."""
    return [i.key for i in INNOVATIONS]


def resolve_key(value: object) -> str | None:
    """Return the key named by ``value`` (key or title, any case or punctuation), else None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return _LOOKUP.get(_normalise(value))


def get(value: str) -> Innovation:
    """Return the innovation with key or title ``value``.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the valid keys.
    """
    key = resolve_key(value)
    if key is None:
        raise ParameterError(f"Unknown innovation {value!r}; choose one of {keys()}")
    return _BY_KEY[key]


def resolve_measure(value: object) -> str | None:
    """Return the measure named by ``value`` (any case, spaces or hyphens), else None."""
    name = _normalise(value) if value is not None else ""
    return name if name in ACTIVITY_MEASURES else None
