"""Tests of helpers.registry.alliances: hand-written spellings, then every real public file."""

from __future__ import annotations

import dataclasses
import functools
import json
import warnings
from collections.abc import Callable

import openpyxl
import pandas as pd
import pytest
from conftest import REAL

from helpers.errors import InsightsError, UnknownAllianceError
from helpers.registry import alliances
from helpers.registry.alliances import (
    ALLIANCES,
    ALLIANCES_2021,
    CAL21_TO_CAL24,
    Alliance,
    by_code,
    names,
    resolve,
    resolve_codes,
)

needs_shared = pytest.mark.skipif(
    not REAL.exists(),
    reason="../shared/data/real is absent: real-data tests need the shared public files",
)

# CAL24 code -> (canonical name, slug), written out by hand from the ONS April 2024 list.
CAL24 = {
    "E56000005": ("Cheshire and Merseyside", "cheshire-and-merseyside"),
    "E56000007": ("West Midlands", "west-midlands"),
    "E56000010": ("South East London", "south-east-london"),
    "E56000011": ("Kent and Medway", "kent-and-medway"),
    "E56000012": ("Surrey and Sussex", "surrey-and-sussex"),
    "E56000014": ("Peninsula", "peninsula"),
    "E56000016": ("Wessex", "wessex"),
    "E56000018": ("Lancashire and South Cumbria", "lancashire-and-south-cumbria"),
    "E56000021": ("West London", "west-london"),
    "E56000025": ("South Yorkshire and Bassetlaw", "south-yorkshire-and-bassetlaw"),
    "E56000026": ("Humber and North Yorkshire", "humber-and-north-yorkshire"),
    "E56000027": ("North Central London", "north-central-london"),
    "E56000028": ("North East London", "north-east-london"),
    "E56000029": ("Northern", "northern"),
    "E56000030": ("West Yorkshire and Harrogate", "west-yorkshire-and-harrogate"),
    "E56000031": ("East Midlands", "east-midlands"),
    "E56000032": ("Greater Manchester", "greater-manchester"),
    "E56000033": (
        "Somerset, Wiltshire, Avon and Gloucestershire",
        "somerset-wiltshire-avon-and-gloucestershire",
    ),
    "E56000034": ("Thames Valley", "thames-valley"),
    "E56000035": ("East of England", "east-of-england"),
}

# CAL21 code -> (2021 name, CAL24 code).
CAL21 = {
    "E56000005": ("Cheshire and Merseyside", "E56000005"),
    "E56000007": ("West Midlands", "E56000007"),
    "E56000010": ("South East London", "E56000010"),
    "E56000011": ("Kent and Medway", "E56000011"),
    "E56000012": ("Surrey and Sussex", "E56000012"),
    "E56000013": ("Thames Valley", "E56000034"),
    "E56000014": ("Peninsula", "E56000014"),
    "E56000015": ("Somerset, Wiltshire, Avon and Gloucestershire", "E56000033"),
    "E56000016": ("Wessex", "E56000016"),
    "E56000018": ("Lancashire and South Cumbria", "E56000018"),
    "E56000019": ("Greater Manchester", "E56000032"),
    "E56000021": ("North West and South West London", "E56000021"),
    "E56000022": ("East of England - North", "E56000035"),
    "E56000023": ("East of England - South", "E56000035"),
    "E56000024": ("East Midlands", "E56000031"),
    "E56000025": ("South Yorkshire and Bassetlaw", "E56000025"),
    "E56000026": ("Humber, Coast and Vale", "E56000026"),
    "E56000027": ("North Central London", "E56000027"),
    "E56000028": ("North East London", "E56000028"),
    "E56000029": ("Northern", "E56000029"),
    "E56000030": ("West Yorkshire and Harrogate", "E56000030"),
}

ALIASES = {
    "RM Partners": "E56000021",
    "RM Partners West London": "E56000021",
    "SWAG": "E56000033",
    "South Yorkshire": "E56000025",
}

# Spellings met in real files and by hand, with the CAL24 code each must reach.
VARIANTS = [
    ("East of England – North", "E56000035"),
    ("East of England — South", "E56000035"),
    ("East of England North", "E56000035"),
    ("East of England - North Cancer Alliance", "E56000035"),
    ("east-of-england-south", "E56000035"),
    ("Humber Coast and Vale", "E56000026"),
    ("Humber, Coast & Vale Cancer Alliance", "E56000026"),
    ("Somerset Wiltshire Avon & Gloucestershire Cancer Alliance", "E56000033"),
    ("SWAG Cancer Alliance", "E56000033"),
    ("Lancashire & South Cumbria Cancer Alliance", "E56000018"),
    ("South Yorkshire Cancer Alliance", "E56000025"),
    ("South Yorkshire & Bassetlaw", "E56000025"),
    ("RM Partners Cancer Alliance", "E56000021"),
    ("North West & South West London", "E56000021"),
    ("Peninsula Cancer Alliance (CA)", "E56000014"),
    ("NHS Northern Cancer Alliance", "E56000029"),
    ("  west   LONDON  ", "E56000021"),
    ("\ufeffWessex", "E56000016"),
    ("Thames\u00a0Valley\tcancer alliance", "E56000034"),
    ("Ｗｅｓｓｅｘ", "E56000016"),
    ("Kent and Medway.", "E56000011"),
    (" e56000022 ", "E56000035"),
    ("\ufeffE56000019", "E56000032"),
]

UNKNOWN = ["West Londn", "", "   ", "Cancer Alliance", "multiple", "E56000099", "London", "NHS"]


# --- registry -------------------------------------------------------------------------------


def test_registry_has_the_20_cal24_alliances_ordered_by_name() -> None:
    assert len(ALLIANCES) == 20
    assert {a.code: (a.name, a.slug) for a in ALLIANCES} == CAL24
    assert [a.name for a in ALLIANCES] == sorted(name for name, _ in CAL24.values())
    assert names() == [a.name for a in ALLIANCES]


def test_cal21_tables_have_21_entries() -> None:
    assert {code: name for code, (name, _) in CAL21.items()} == ALLIANCES_2021
    assert {code: cal24 for code, (_, cal24) in CAL21.items()} == CAL21_TO_CAL24
    assert set(CAL21_TO_CAL24.values()) == set(CAL24)


def test_alliance_fields() -> None:
    east = by_code("E56000035")
    assert east.codes_2021 == ("E56000022", "E56000023")
    assert east.names_2021 == ("East of England - North", "East of England - South")
    west = by_code("E56000021")
    assert west.names_2021 == ("North West and South West London",)
    assert "RM Partners" in west.aliases
    assert by_code("E56000033").aliases == ("SWAG",)
    assert by_code("E56000005").codes_2021 == ("E56000005",)
    for alliance in ALLIANCES:
        assert alliance.slug.isascii()
        assert len(alliance.codes_2021) == len(alliance.names_2021)


def test_alliance_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ALLIANCES[0].name = "Elsewhere"  # type: ignore[misc]
    assert isinstance(ALLIANCES[0], Alliance)


# --- resolve --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CAL24))
def test_resolve_canonical_name_code_and_slug(code: str) -> None:
    name, slug = CAL24[code]
    alliance = resolve(name)
    assert alliance.code == code
    assert alliance.name == name
    assert resolve(code) is alliance
    assert resolve(code.lower()) is alliance
    assert resolve(slug) is alliance
    assert resolve(f"{name} Cancer Alliance") is alliance
    assert resolve(name.upper().replace(" and ", " & ")) is alliance


@pytest.mark.parametrize("code", sorted(CAL21))
def test_resolve_2021_name_and_code(code: str) -> None:
    name, cal24 = CAL21[code]
    assert resolve(name).code == cal24
    assert resolve(code).code == cal24
    assert resolve(f"{name} Cancer Alliance").code == cal24


@pytest.mark.parametrize(("alias", "code"), ALIASES.items(), ids=list(ALIASES))
def test_resolve_alias(alias: str, code: str) -> None:
    assert resolve(alias).code == code
    assert resolve(alias.lower()).code == code


@pytest.mark.parametrize(("text", "code"), VARIANTS, ids=[repr(t) for t, _ in VARIANTS])
def test_resolve_variant(text: str, code: str) -> None:
    assert resolve(text).code == code


def test_unknown_name_suggests_closest_canonical_names() -> None:
    with pytest.raises(UnknownAllianceError) as caught:
        resolve("West Londn")
    err = caught.value
    assert err.value == "West Londn"
    assert err.suggestions[0] == "West London"
    assert len(err.suggestions) <= 3
    assert set(err.suggestions) <= set(names())
    assert "West Londn" in str(err) and "West London" in str(err)
    assert isinstance(err, KeyError) and isinstance(err, InsightsError)


def test_unknown_2021_spelling_suggests_its_cal24_name() -> None:
    with pytest.raises(UnknownAllianceError) as caught:
        resolve("Humber Coast Vale")
    assert caught.value.suggestions[0] == "Humber and North Yorkshire"


@pytest.mark.parametrize("text", UNKNOWN, ids=[repr(t) for t in UNKNOWN])
def test_unknown_raises(text: str) -> None:
    with pytest.raises(UnknownAllianceError):
        resolve(text)


def test_non_string_raises_unknown() -> None:
    with pytest.raises(UnknownAllianceError):
        resolve(None)  # type: ignore[arg-type]


# --- by_code and resolve_codes --------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(set(CAL24) | set(CAL21)))
def test_by_code(code: str) -> None:
    expected = CAL21[code][1] if code in CAL21 else code
    assert by_code(code).code == expected
    assert by_code(f" {code.lower()} ").code == expected


@pytest.mark.parametrize("text", ["West London", "E56000099", ""])
def test_by_code_rejects_non_codes(text: str) -> None:
    with pytest.raises(UnknownAllianceError):
        by_code(text)


def test_resolve_codes_mix_with_unresolved() -> None:
    values = pd.Series(
        [
            "West London",
            "E56000022",
            "nonsense",
            None,
            "SWAG",
            "West London",
            3,
            "Humber Coast Vale",
        ],
        index=list("abcdefgh"),
        name="alliance",
    )
    result = resolve_codes(values)
    expected = pd.Series(
        ["E56000021", "E56000035", pd.NA, pd.NA, "E56000033", "E56000021", pd.NA, pd.NA],
        index=list("abcdefgh"),
        name="alliance",
        dtype="string",
    )
    pd.testing.assert_series_equal(result, expected)


@pytest.mark.parametrize("dtype", [object, "string", "category"])
def test_resolve_codes_dtypes(dtype: object) -> None:
    values = pd.Series(["Wessex", None, "Galway", "E56000013"], dtype=dtype)
    assert resolve_codes(values).tolist() == ["E56000016", pd.NA, pd.NA, "E56000034"]


def test_resolve_codes_empty() -> None:
    result = resolve_codes(pd.Series([], dtype=object))
    assert result.empty and result.dtype == "string"


def test_resolve_codes_normalises_each_unique_value_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    normalise = alliances._normalise

    def counting(text: str) -> str:
        seen.append(text)
        return normalise(text)

    monkeypatch.setattr(alliances, "_normalise", counting)
    result = resolve_codes(pd.Series(["Wessex", "Northern", "nowhere"] * 1000))
    assert sorted(seen) == ["Northern", "Wessex", "nowhere"]
    assert result.isna().sum() == 1000


# --- real public files ----------------------------------------------------------------------

Pairs = set[tuple[str, str | None]]


def _pairs(frame: pd.DataFrame, name: str, code: str | None = None) -> Pairs:
    """Distinct (name, code) pairs of ``frame``; code is None when the file has none."""
    codes = frame[code].tolist() if code else [None] * len(frame)
    return set(zip(frame[name].tolist(), codes, strict=True))


def _csv(relative: str, **kwargs: object) -> pd.DataFrame:
    return pd.read_csv(REAL / relative, dtype=str, encoding="utf-8-sig", **kwargs)


def _cal24_json() -> Pairs:
    table = json.loads((REAL / "ons" / "CAL24_names_codes.json").read_text(encoding="utf-8"))
    return {(name, code) for code, name in table.items()}


def _ccg21() -> Pairs:
    return _pairs(_csv("ons/CCG21_STP21_CAL21_EN_LU.csv"), "CAL21NM", "CAL21CD")


@functools.cache
def _lsoa11_xlsx() -> Pairs:
    path = REAL / "ons" / "LSOA11_CCG21_STP21_CAL21_LAD21_EN_LU.xlsx"
    with warnings.catch_warnings():  # the ONS workbook has no default style
        warnings.simplefilter("ignore", UserWarning)
        book = openpyxl.load_workbook(path, read_only=True)
    try:
        sheet = book.worksheets[0]
        header = next(sheet.iter_rows(max_row=1, values_only=True))
        code_col, name_col = header.index("CAL21CD") + 1, header.index("CAL21NM") + 1
        assert name_col == code_col + 1
        rows = sheet.iter_rows(min_row=2, min_col=code_col, max_col=name_col, values_only=True)
        return {(name, code) for code, name in rows}
    finally:
        book.close()


def _sub_icb() -> Pairs:
    frame = _csv("lookups/Sub-ICB-to-Alliance-mapping-2022_v1.4.csv")
    return _pairs(frame, "Cancer Alliance", "Cancer Alliance Code")


def _provider_to_alliance() -> Pairs:
    frame = _csv("lookups/provider_to_alliance.csv")
    frame = frame[frame["Cancer.Alliance.Code"] != "multiple"]  # providers spanning alliances
    return _pairs(frame, "Cancer.Alliance", "Cancer.Alliance.Code")


def _galleri_trial() -> Pairs:
    return _pairs(_csv("nhs_galleri/galleri_trial_alliances.csv"), "Cancer.Alliance")


def _providers_trial_flag() -> Pairs:
    return _pairs(_csv("nhs_galleri/providers_alliance_trial_flag.csv"), "Region")


def _ndrs_stage() -> Pairs:
    frame = _csv("ndrs/NDRS_stage_at_diagnosis_by_site_2013-2022.csv")
    return _pairs(frame[frame["Geography Type"] == "Cancer Alliance"], "Geography Name")


def _prevalence() -> Pairs:
    frame = _csv("ndrs/cancer_prevalence_2020_population_by_alliance.csv", skiprows=1)
    return _pairs(frame, "Cancer Alliance")


# loader, distinct names in the file, distinct CAL24 alliances they resolve to
REAL_FILES: list[tuple[Callable[[], Pairs], int, int]] = [
    (_cal24_json, 20, 20),
    (_ccg21, 21, 20),
    (_lsoa11_xlsx, 21, 20),
    (_sub_icb, 21, 20),
    (_provider_to_alliance, 10, 10),
    (_galleri_trial, 21, 20),
    (_providers_trial_flag, 21, 20),
    (_ndrs_stage, 20, 20),
    (_prevalence, 21, 20),
]
REAL_IDS = [
    "CAL24_names_codes.json",
    "CCG21_STP21_CAL21_EN_LU.csv",
    "LSOA11_CCG21_STP21_CAL21_LAD21_EN_LU.xlsx",
    "Sub-ICB-to-Alliance-mapping-2022_v1.4.csv",
    "provider_to_alliance.csv",
    "galleri_trial_alliances.csv",
    "providers_alliance_trial_flag.csv",
    "NDRS_stage_at_diagnosis_by_site_2013-2022.csv",
    "cancer_prevalence_2020_population_by_alliance.csv",
]


@needs_shared
@pytest.mark.parametrize(("load", "n_names", "n_alliances"), REAL_FILES, ids=REAL_IDS)
def test_real_file_alliances_resolve(
    load: Callable[[], Pairs], n_names: int, n_alliances: int
) -> None:
    pairs = load()
    failures = []
    for name, code in sorted(pairs, key=str):
        try:
            alliance = resolve(name)
            if code is not None and not (alliance is resolve(code) is by_code(code)):
                failures.append(f"{name!r} -> {alliance.code} but its code is {code}")
        except UnknownAllianceError as err:
            failures.append(str(err))
    assert not failures, "\n".join(failures)
    assert len({name for name, _ in pairs}) == n_names
    assert len({resolve(name) for name, _ in pairs}) == n_alliances
    assert resolve_codes(pd.Series([name for name, _ in pairs])).notna().all()


@needs_shared
def test_real_cal24_json_matches_registry() -> None:
    assert {code: name for name, code in _cal24_json()} == {a.code: a.name for a in ALLIANCES}


@needs_shared
@pytest.mark.parametrize("load", [_ccg21, _lsoa11_xlsx], ids=REAL_IDS[1:3])
def test_real_cal21_lookup_matches_registry(load: Callable[[], Pairs]) -> None:
    pairs = load()
    assert len(pairs) == 21
    assert {code: name for name, code in pairs} == ALLIANCES_2021
