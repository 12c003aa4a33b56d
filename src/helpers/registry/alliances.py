"""Registry of England's Cancer Alliances: every spelling resolves to one alliance.

The canonical set is the April 2024 one (ONS CAL24, 20 alliances). The 2021
set (CAL21, 21 alliances) differs in codes and names: "North West and South
West London" became "West London", "Humber, Coast and Vale" became "Humber and
North Yorkshire", East of England - North and - South merged, and four
alliances got new codes. Every CAL21 code and name resolves to its CAL24
alliance, as do the short forms found in NHS England, NDRS and NHS-Galleri
files ("South Yorkshire Cancer Alliance", "Lancashire & South Cumbria Cancer
Alliance", "RM Partners", "SWAG").
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from helpers.errors import UnknownAllianceError


@dataclass(frozen=True)
class Alliance:
    """One Cancer Alliance as at April 2024 (CAL24).

    Parameters
    ----------
    code
        CAL24 code, e.g. ``"E56000021"``.
    name
        Canonical CAL24 name, e.g. ``"West London"``.
    slug
        Lower-case, hyphenated ascii form of the name, e.g. ``"west-london"``.
    codes_2021
        CAL21 codes of the alliance(s) it continues.
    names_2021
        CAL21 names, in the order of ``codes_2021``.
    aliases
        Other names in common use.
    """

    code: str
    name: str
    slug: str
    codes_2021: tuple[str, ...]
    names_2021: tuple[str, ...]
    aliases: tuple[str, ...]


def _normalise(text: str) -> str:
    """Return the lookup key of ``text``.

    Case, accents, BOMs, punctuation and runs of whitespace are ignored, "&"
    reads as "and", and a leading "NHS" and a trailing "Cancer Alliance" or
    "Cancer Alliance (CA)" are dropped.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    words = re.sub(r"[^0-9a-z]+", " ", folded.replace("&", " and ")).strip()
    words = re.sub(r"^nhs ", "", words)
    return re.sub(r" cancer alliance(?: ca)?$", "", words)


def _slug(name: str) -> str:
    """Return the slug of a canonical name."""
    return _normalise(name).replace(" ", "-")


def _alliance(
    code: str, name: str, cal21: tuple[tuple[str, str], ...] = (), aliases: tuple[str, ...] = ()
) -> Alliance:
    """Build an :class:`Alliance`; ``cal21`` defaults to the same code and name."""
    pairs = cal21 or ((code, name),)
    return Alliance(
        code=code,
        name=name,
        slug=_slug(name),
        codes_2021=tuple(c for c, _ in pairs),
        names_2021=tuple(n for _, n in pairs),
        aliases=aliases,
    )


ALLIANCES: tuple[Alliance, ...] = tuple(
    sorted(
        (
            _alliance("E56000005", "Cheshire and Merseyside"),
            _alliance("E56000007", "West Midlands"),
            _alliance("E56000010", "South East London"),
            _alliance("E56000011", "Kent and Medway"),
            _alliance("E56000012", "Surrey and Sussex"),
            _alliance("E56000014", "Peninsula"),
            _alliance("E56000016", "Wessex"),
            _alliance("E56000018", "Lancashire and South Cumbria"),
            _alliance(
                "E56000021",
                "West London",
                (("E56000021", "North West and South West London"),),
                ("RM Partners", "RM Partners West London"),
            ),
            _alliance("E56000025", "South Yorkshire and Bassetlaw", aliases=("South Yorkshire",)),
            _alliance(
                "E56000026",
                "Humber and North Yorkshire",
                (("E56000026", "Humber, Coast and Vale"),),
            ),
            _alliance("E56000027", "North Central London"),
            _alliance("E56000028", "North East London"),
            _alliance("E56000029", "Northern"),
            _alliance("E56000030", "West Yorkshire and Harrogate"),
            _alliance("E56000031", "East Midlands", (("E56000024", "East Midlands"),)),
            _alliance("E56000032", "Greater Manchester", (("E56000019", "Greater Manchester"),)),
            _alliance(
                "E56000033",
                "Somerset, Wiltshire, Avon and Gloucestershire",
                (("E56000015", "Somerset, Wiltshire, Avon and Gloucestershire"),),
                ("SWAG",),
            ),
            _alliance("E56000034", "Thames Valley", (("E56000013", "Thames Valley"),)),
            _alliance(
                "E56000035",
                "East of England",
                (
                    ("E56000022", "East of England - North"),
                    ("E56000023", "East of England - South"),
                ),
            ),
        ),
        key=lambda a: a.name,
    )
)
"""The 20 CAL24 alliances, ordered by name."""

ALLIANCES_2021: dict[str, str] = dict(
    sorted((c, n) for a in ALLIANCES for c, n in zip(a.codes_2021, a.names_2021, strict=True))
)
"""CAL21 code -> CAL21 name (21 alliances), ordered by code."""

CAL21_TO_CAL24: dict[str, str] = dict(sorted((c, a.code) for a in ALLIANCES for c in a.codes_2021))
"""CAL21 code -> CAL24 code (21 entries), ordered by CAL21 code."""


def _build_lookup() -> dict[str, Alliance]:
    """Map the normalised form of every code, name, alias and slug to its alliance."""
    lookup: dict[str, Alliance] = {}
    for alliance in ALLIANCES:
        spellings = (
            alliance.code,
            alliance.name,
            alliance.slug,
            *alliance.codes_2021,
            *alliance.names_2021,
            *alliance.aliases,
        )
        for spelling in spellings:
            key = _normalise(spelling)
            clash = lookup.setdefault(key, alliance)
            if clash is not alliance:
                raise ValueError(f"{spelling!r} names both {clash.name!r} and {alliance.name!r}")
    return lookup


_LOOKUP = _build_lookup()
_BY_CODE = {code: a for a in ALLIANCES for code in (a.code, *a.codes_2021)}
_NAME_KEYS = [key for key in _LOOKUP if not re.fullmatch(r"e\d{8}", key)]


def _suggest(key: str) -> list[str]:
    """Return up to 3 canonical names whose spellings are closest to ``key``."""
    close = difflib.get_close_matches(key, _NAME_KEYS, n=len(_NAME_KEYS), cutoff=0.5)
    return list(dict.fromkeys(_LOOKUP[k].name for k in close))[:3]


def resolve(value: str) -> Alliance:
    """Return the alliance named or coded by ``value``.

    Parameters
    ----------
    value
        A CAL24 or CAL21 code, canonical or 2021 name, alias or slug, in any
        case, spacing or punctuation.

    Raises
    ------
    UnknownAllianceError
        ``value`` names no alliance; carries the closest canonical names.
    """
    key = _normalise(value) if isinstance(value, str) else ""
    try:
        return _LOOKUP[key]
    except KeyError:
        raise UnknownAllianceError(value, _suggest(key)) from None


def resolve_codes(values: pd.Series) -> pd.Series:
    """Return the CAL24 code of each value, ``<NA>`` where it does not resolve.

    Parameters
    ----------
    values
        Codes or names in any spelling :func:`resolve` accepts.

    Returns
    -------
    pandas.Series
        ``string`` dtype, same index and name as ``values``.
    """
    codes = {
        value: alliance.code
        for value in values.dropna().unique()
        if isinstance(value, str) and (alliance := _LOOKUP.get(_normalise(value)))
    }
    return values.astype(object).map(codes).astype("string")


def by_code(code: str) -> Alliance:
    """Return the alliance with CAL24 or CAL21 code ``code``.

    Raises
    ------
    UnknownAllianceError
        ``code`` is neither a CAL24 nor a CAL21 alliance code.
    """
    try:
        return _BY_CODE[code.strip().upper()]
    except KeyError:
        raise UnknownAllianceError(code) from None


def names() -> list[str]:
    """Return the 20 canonical CAL24 names, ordered by name."""
    return [a.name for a in ALLIANCES]
