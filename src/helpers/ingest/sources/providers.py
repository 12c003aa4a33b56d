"""Provider -> ICB -> Cancer Alliance attribution files, and :func:`attribute_providers`.

Readers:

- :func:`read_subicb_alliance`: NHS England ``Sub-ICB-to-Alliance-mapping-2022_v1.4.csv`` ->
  ``sicbl_code, sicbl_ods_code, sicbl_name, icb22_code, icb_code, icb_ods_code, icb_name,
  alliance_code, alliance, source_alliance_code, source_alliance`` (``icb_code`` is the ONS
  ICB23 code: Surrey Heartlands and Sussex were re-coded, see
  :data:`helpers.ingest.sources.ons.ICB22_TO_ICB23`; ``alliance_*`` are CAL24, the file's own
  2022 codes and names are kept in ``source_*``).
- :func:`read_trust_icb`: ``Trust-ICB-Attribution-File.csv`` (title rows first) ->
  ``provider_code, provider_name, icb_ods_code, icb_name, region_name``.
- :func:`read_catchment`: ``trust_catchment_to_ICB22.csv`` -> ``provider_code, icb22_code,
  icb_code, share``.
- :func:`read_hand_mapping`: ``provider_to_alliance.csv`` -> ``provider_code, provider_name,
  alliance_code, alliance, multiple, independent, source_alliance_code, source_alliance``
  (``multiple`` is True where the file says the provider serves several alliances).
- :func:`read_galleri_providers`: ``providers_alliance_trial_flag.csv`` -> ``provider_code,
  provider_name, region, alliance_code, alliance, in_trial``.
- :func:`read_galleri_alliances`: ``galleri_trial_alliances.csv`` -> ``source_name,
  alliance_code, alliance, mced_treated``.

:func:`attribute_providers` gives each provider its alliance(s) with shares and the method
used; :func:`unmapped_providers` lists those it cannot place, with the file and row where
they were seen. Nothing is guessed: a provider whose patients come from several alliances
gets one row per alliance with its share (catchment) or a single ``"multiple"`` row with no
alliance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.errors import InputDataError, ParameterError
from helpers.ingest.io import clean_text
from helpers.ingest.sources._common import (
    Quarantine,
    add_alliance,
    check_file,
    header_key,
    load_table,
    report,
    to_number,
)
from helpers.ingest.sources.ons import ICB22_TO_ICB23
from helpers.registry.alliances import by_code

ATTRIBUTION_COLUMNS: tuple[str, ...] = (
    "provider_code", "alliance_code", "alliance", "share", "method", "source_file",
)
METHODS: tuple[str, ...] = ("catchment", "hand", "trust_icb", "galleri")
"""Attribution methods, in the default order of preference:

- ``catchment``: the trust's 2022 catchment shares by ICB, each ICB placed in its
  alliance by the 2022 Sub-ICB mapping, shares summed per alliance;
- ``hand``: the hand mapping of (mostly independent) providers, whose alliance is not
  given by their ICB; ``"multiple"`` there stops the search (no alliance, no guess);
- ``trust_icb``: the trust's single ICB in the NHS England attribution file;
- ``galleri``: the alliance ("Region") the NHS-Galleri providers file gives the trust.
"""


def _icb23(codes: pd.Series) -> pd.Series:
    return codes.map(lambda c: ICB22_TO_ICB23.get(c, c) if pd.notna(c) else c).astype("string")


def _strings(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    for column in columns:
        if column in df.columns:
            df[column] = clean_text(df[column])
    return df


def _no_empty(df: pd.DataFrame, column: str, path: Path, label: str) -> None:
    missing = df[column].isna()
    if missing.any():
        rows = [i + 1 for i, m in enumerate(missing.tolist()) if m]
        raise InputDataError(path, "empty value(s)", column=label, rows=rows)


_SUBICB_NAMES = {
    "Sub-ICB E Code": "sicbl_code", "SICBL22CD": "sicbl_code", "SICBL22CDH": "sicbl_ods_code",
    "SICBL22NM": "sicbl_name", "ICB E code": "icb22_code", "ICB22CD": "icb22_code",
    "ICB Code": "icb_ods_code", "ICB22CDH": "icb_ods_code", "ICB": "icb_name",
    "ICB22NM": "icb_name", "Cancer Alliance Code": "source_alliance_code",
    "Cancer Alliance": "source_alliance",
}


def read_subicb_alliance(path: Path | str, *, quarantine: Quarantine | None = None
                         ) -> pd.DataFrame:
    """Read the NHS England Sub-ICB location -> ICB -> Cancer Alliance mapping (2022)."""
    path = check_file(path)
    table = load_table(path, _SUBICB_NAMES,
                       ["sicbl_code", "icb22_code", "source_alliance_code"],
                       what="Sub-ICB mapping header row")
    rows = table.index.to_series().reset_index(drop=True)
    df = _strings(table.reset_index(drop=True), _SUBICB_NAMES.values())
    _no_empty(df, "sicbl_code", path, "Sub-ICB E Code")
    _no_empty(df, "icb22_code", path, "ICB E code")
    local = Quarantine()
    df = add_alliance(df, "source_alliance_code", path, local, rows=rows,
                      fallback="source_alliance" if "source_alliance" in df.columns else None)
    report(quarantine, local, path)
    df["icb_code"] = _icb23(df["icb22_code"])
    columns = ["sicbl_code", "sicbl_ods_code", "sicbl_name", "icb22_code", "icb_code",
               "icb_ods_code", "icb_name", "alliance_code", "alliance", "source_alliance_code",
               "source_alliance"]
    return df.loc[:, [c for c in columns if c in df.columns]]


_TRUST_ICB_NAMES = {
    "Code": "provider_code", "Name": "provider_name", "ICB Code": "icb_ods_code",
    "ICB Name": "icb_name", "Region Name": "region_name",
}


def read_trust_icb(path: Path | str) -> pd.DataFrame:
    """Read the NHS England provider -> ICB attribution file (title rows before the header)."""
    path = check_file(path)
    table = load_table(path, _TRUST_ICB_NAMES, ["provider_code", "icb_ods_code"],
                       what="attribution header row")
    df = _strings(table.reset_index(drop=True), _TRUST_ICB_NAMES.values())
    _no_empty(df, "provider_code", path, "Code")
    _no_empty(df, "icb_ods_code", path, "ICB Code")
    columns = list(_TRUST_ICB_NAMES.values())
    return df.loc[:, [c for c in columns if c in df.columns]]


_CATCHMENT_NAMES = {
    "nhs_trust22_code": "provider_code", "icb22_code": "icb22_code",
    "proportion_trust_came_from_icb": "share",
}


def read_catchment(path: Path | str, *, quarantine: Quarantine | None = None) -> pd.DataFrame:
    """Read trust catchment shares by ICB (2022); trusts whose shares do not sum to 1 are
    recorded in the quarantine (kept as they are)."""
    path = check_file(path)
    table = load_table(path, _CATCHMENT_NAMES, list(_CATCHMENT_NAMES.values()),
                       what="catchment header row")
    rows = table.index.to_series().reset_index(drop=True)
    df = _strings(table.reset_index(drop=True), ["provider_code", "icb22_code"])
    _no_empty(df, "provider_code", path, "nhs_trust22_code")
    _no_empty(df, "icb22_code", path, "icb22_code")
    df["share"] = to_number(df["share"], path, "proportion_trust_came_from_icb",
                            source_rows=rows, integer=False).astype("Float64")
    bad = df["share"].isna() | (df["share"] < 0) | (df["share"] > 1)
    if bad.any():
        flagged = [i + 1 for i, m in enumerate(bad.tolist()) if m]
        raise InputDataError(path, "shares must be numbers between 0 and 1",
                             column="proportion_trust_came_from_icb", rows=flagged)
    local = Quarantine()
    sums = df.groupby("provider_code")["share"].transform("sum")
    off = (sums - 1).abs() > 1e-6
    first = off & ~df["provider_code"].duplicated()
    local.extend(path, rows[first], "proportion_trust_came_from_icb", sums[first],
                 "the trust's shares do not sum to 1")
    report(quarantine, local, path)
    df["icb_code"] = _icb23(df["icb22_code"])
    return df[["provider_code", "icb22_code", "icb_code", "share"]]


_HAND_NAMES = {
    "Provider Code": "provider_code", "Provider Name": "provider_name",
    "Cancer.Alliance.Code": "source_alliance_code", "Cancer Alliance Code": "source_alliance_code",
    "Cancer.Alliance": "source_alliance", "Cancer Alliance": "source_alliance",
    "Independent provider": "independent",
}


def read_hand_mapping(path: Path | str, *, quarantine: Quarantine | None = None
                      ) -> pd.DataFrame:
    """Read the hand mapping of providers to alliances ("multiple" = several alliances)."""
    path = check_file(path)
    table = load_table(path, _HAND_NAMES, ["provider_code", "source_alliance_code"],
                       what="provider mapping header row")
    rows = table.index.to_series().reset_index(drop=True)
    df = _strings(table.reset_index(drop=True), _HAND_NAMES.values())
    _no_empty(df, "provider_code", path, "Provider Code")
    code = df["source_alliance_code"].fillna("").str.lower()
    name = (df["source_alliance"].fillna("").str.lower() if "source_alliance" in df.columns
            else code)
    df["multiple"] = (code == "multiple") | (name == "multiple")
    single = ~df["multiple"]
    local = Quarantine()
    resolved = add_alliance(df[single], "source_alliance_code", path, local, rows=rows[single],
                            fallback="source_alliance" if "source_alliance" in df else None)
    df["alliance_code"] = pd.Series(pd.NA, index=df.index, dtype="string")
    df["alliance"] = pd.Series(pd.NA, index=df.index, dtype="string")
    df.loc[single, "alliance_code"] = resolved["alliance_code"]
    df.loc[single, "alliance"] = resolved["alliance"]
    report(quarantine, local, path)
    if "independent" in df.columns:
        df["independent"] = to_number(df["independent"], path, "Independent provider",
                                      source_rows=rows).map(
            lambda v: pd.NA if pd.isna(v) else bool(v)).astype("boolean")
    dup = df["provider_code"].duplicated(keep=False)
    if dup.any():
        flagged = [i + 1 for i, m in enumerate(dup.tolist()) if m]
        raise InputDataError(path, "provider code(s) repeat", column="Provider Code",
                             rows=flagged)
    columns = ["provider_code", "provider_name", "alliance_code", "alliance", "multiple",
               "independent", "source_alliance_code", "source_alliance"]
    return df.loc[:, [c for c in columns if c in df.columns]]


_GALLERI_PROVIDER_NAMES = {
    "Provider Name": "provider_name", "Code": "provider_code", "Region": "region",
    "Participating in Trial": "in_trial",
}


def _yes_no(values: pd.Series, path: Path, column: str, rows: pd.Series) -> pd.Series:
    key = values.astype("string").str.strip().str.lower()
    mapping = {"yes": True, "y": True, "1": True, "true": True,
               "no": False, "n": False, "0": False, "false": False}
    out = key.map(mapping)
    bad = out.isna() & key.notna()
    if bad.any():
        flagged = [i + 1 for i, m in enumerate(bad.tolist()) if m]
        raise InputDataError(path, "expected Yes/No or 1/0", column=column, rows=flagged)
    return out.astype("boolean")


def read_galleri_providers(path: Path | str, *, quarantine: Quarantine | None = None
                           ) -> pd.DataFrame:
    """Read the NHS-Galleri trusts file: each trust's alliance (``Region``) and trial flag."""
    path = check_file(path)
    table = load_table(path, _GALLERI_PROVIDER_NAMES, ["provider_code", "region"],
                       what="Galleri providers header row")
    rows = table.index.to_series().reset_index(drop=True)
    df = _strings(table.reset_index(drop=True), _GALLERI_PROVIDER_NAMES.values())
    _no_empty(df, "provider_code", path, "Code")
    local = Quarantine()
    df = add_alliance(df, "region", path, local, rows=rows)
    report(quarantine, local, path)
    if "in_trial" in df.columns:
        df["in_trial"] = _yes_no(df["in_trial"], path, "Participating in Trial", rows)
    columns = ["provider_code", "provider_name", "region", "alliance_code", "alliance",
               "in_trial"]
    return df.loc[:, [c for c in columns if c in df.columns]]


def read_galleri_alliances(path: Path | str, *, quarantine: Quarantine | None = None
                           ) -> pd.DataFrame:
    """Read which alliances hosted NHS-Galleri (``mced_treated`` 1) or not (0)."""
    path = check_file(path)
    names = {"Cancer.Alliance": "source_name", "Cancer Alliance": "source_name",
             "mced_treated": "mced_treated"}
    table = load_table(path, names, ["source_name", "mced_treated"],
                       what="Galleri alliances header row")
    rows = table.index.to_series().reset_index(drop=True)
    df = table.reset_index(drop=True)
    df["source_name"] = clean_text(df["source_name"])
    df["mced_treated"] = to_number(df["mced_treated"], path, "mced_treated", source_rows=rows)
    local = Quarantine()
    df = add_alliance(df, "source_name", path, local, rows=rows)
    report(quarantine, local, path)
    return df[["source_name", "alliance_code", "alliance", "mced_treated"]]


@dataclass
class AttributionLookups:
    """The tables :func:`attribute_providers` uses (any may be None), and their files."""

    subicb: pd.DataFrame
    catchment: pd.DataFrame | None = None
    hand: pd.DataFrame | None = None
    trust_icb: pd.DataFrame | None = None
    galleri: pd.DataFrame | None = None
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_root(cls, root: Path | str, *, quarantine: Quarantine | None = None
                  ) -> AttributionLookups:
        """Read the files from a data root laid out like ``../shared/data/real``.

        The Sub-ICB mapping is required; the other files are used when present.
        """
        from helpers.ingest.sources import LAYOUT

        root = Path(root)
        path = {k: root / LAYOUT[k] for k in ("subicb_alliance", "catchment", "hand_mapping",
                                              "trust_icb", "galleri_providers")}
        have = {k: p for k, p in path.items() if p.is_file()}
        files = {"catchment": "catchment", "hand": "hand_mapping", "trust_icb": "trust_icb",
                 "galleri": "galleri_providers"}
        return cls(
            subicb=read_subicb_alliance(path["subicb_alliance"], quarantine=quarantine),
            catchment=(read_catchment(have["catchment"], quarantine=quarantine)
                       if "catchment" in have else None),
            hand=(read_hand_mapping(have["hand_mapping"], quarantine=quarantine)
                  if "hand_mapping" in have else None),
            trust_icb=read_trust_icb(have["trust_icb"]) if "trust_icb" in have else None,
            galleri=(read_galleri_providers(have["galleri_providers"], quarantine=quarantine)
                     if "galleri_providers" in have else None),
            files={m: path[k].name for m, k in files.items() if k in have},
        )

    def icb_alliances(self) -> dict[str, list[str]]:
        """ICB code (2022 and 2023 codes both) -> the CAL24 alliance code(s) of its Sub-ICBs."""
        out: dict[str, list[str]] = {}
        sub = self.subicb.dropna(subset=["alliance_code"])
        for column in ("icb22_code", "icb_code"):
            for icb, group in sub.groupby(column):
                out[str(icb)] = sorted(set(group["alliance_code"]))
        return out

    def icb_by_ods(self) -> dict[str, str]:
        """ICB ODS code (e.g. QHG) -> ICB23 code."""
        sub = self.subicb.dropna(subset=["icb_ods_code"])
        return dict(zip(sub["icb_ods_code"].str.upper(), sub["icb_code"], strict=True))


def _rows(code: str, alliances: Sequence[tuple[str | None, float | None]], method: str,
          source: str) -> list[dict[str, object]]:
    return [
        {"provider_code": code, "alliance_code": a,
         "alliance": by_code(a).name if a else None, "share": s, "method": method,
         "source_file": source}
        for a, s in alliances
    ]


def attribute_providers(
    provider_codes: Iterable[str], lookups: AttributionLookups, *,
    order: Sequence[str] = METHODS,
) -> pd.DataFrame:
    """Attribute providers to Cancer Alliances, never guessing.

    Parameters
    ----------
    provider_codes
        ODS codes (duplicates and blanks ignored; case-insensitive).
    lookups
        :class:`AttributionLookups` (e.g. ``AttributionLookups.from_root(root)``).
    order
        Methods to try, first match wins (see :data:`METHODS`).

    Returns
    -------
    pandas.DataFrame
        ``provider_code, alliance_code, alliance, share, method, source_file``;
        one row per provider and alliance (shares of one provider sum to 1), or
        one row with ``<NA>`` alliance and share and method ``"multiple"``
        (serves several alliances, shares unknown) or ``"unmapped"``.
    """
    unknown = [m for m in order if m not in METHODS]
    if unknown:
        raise ParameterError(f"unknown attribution method(s) {unknown}; choose from {METHODS}")
    icb_alliances = lookups.icb_alliances()
    icb_by_ods = lookups.icb_by_ods()
    files = lookups.files
    catchment = ({k: g for k, g in lookups.catchment.groupby("provider_code")}
                 if lookups.catchment is not None else {})
    hand = (lookups.hand.set_index("provider_code") if lookups.hand is not None
            else pd.DataFrame())
    trust = (lookups.trust_icb.drop_duplicates("provider_code").set_index("provider_code")
             if lookups.trust_icb is not None else pd.DataFrame())
    galleri = (lookups.galleri.drop_duplicates("provider_code").set_index("provider_code")
               if lookups.galleri is not None else pd.DataFrame())

    out: list[dict[str, object]] = []
    codes = dict.fromkeys(str(c).strip().upper() for c in provider_codes
                          if pd.notna(c) and str(c).strip())
    for code in codes:
        found: list[dict[str, object]] = []
        for method in order:
            if method == "catchment" and code in catchment:
                shares: dict[str | None, float] = {}
                for icb, share in zip(catchment[code]["icb22_code"], catchment[code]["share"],
                                      strict=True):
                    alliances = icb_alliances.get(icb, [])
                    key = alliances[0] if len(alliances) == 1 else None
                    shares[key] = shares.get(key, 0.0) + float(share)
                pairs = sorted(((a, s) for a, s in shares.items() if a is not None),
                               key=lambda p: -p[1])
                if None in shares:  # an ICB spanning alliances, or not in the mapping
                    pairs.append((None, shares[None]))
                found = _rows(code, pairs, "catchment", files.get("catchment", ""))
            elif method == "hand" and code in hand.index:
                row = hand.loc[code]
                if bool(row["multiple"]):
                    found = _rows(code, [(None, None)], "multiple", files.get("hand", ""))
                elif pd.notna(row["alliance_code"]):
                    found = _rows(code, [(row["alliance_code"], 1.0)], "hand",
                                  files.get("hand", ""))
            elif method == "trust_icb" and code in trust.index:
                icb = icb_by_ods.get(str(trust.loc[code, "icb_ods_code"]).upper())
                alliances = icb_alliances.get(icb, []) if icb else []
                if len(alliances) == 1:
                    found = _rows(code, [(alliances[0], 1.0)], "trust_icb",
                                  files.get("trust_icb", ""))
            elif method == "galleri" and code in galleri.index:
                alliance = galleri.loc[code, "alliance_code"]
                if pd.notna(alliance):
                    found = _rows(code, [(alliance, 1.0)], "galleri", files.get("galleri", ""))
            if found:
                break
        out.extend(found or _rows(code, [(None, None)], "unmapped", ""))
    df = pd.DataFrame(out, columns=list(ATTRIBUTION_COLUMNS))
    for column in ("provider_code", "alliance_code", "alliance", "method", "source_file"):
        df[column] = df[column].astype("string")
    df["share"] = df["share"].astype("Float64")
    return df


def unmapped_providers(
    seen: pd.DataFrame, lookups: AttributionLookups, *, order: Sequence[str] = METHODS,
) -> pd.DataFrame:
    """List the providers in ``seen`` that :func:`attribute_providers` cannot place.

    Parameters
    ----------
    seen
        Rows naming providers, with ``provider_code`` and ideally ``provider_name``,
        ``source_file`` and ``source_row`` (as :func:`helpers.ingest.sources.cwt.read_fds`
        gives them).

    Returns
    -------
    pandas.DataFrame
        ``provider_code, provider_name, source_file, source_row, method, reason``:
        the first row where each such provider appears in each file. ``method`` is
        ``"unmapped"`` (in no lookup) or ``"multiple"`` (serves several
        alliances, shares unknown), or ``"catchment"`` where part of its catchment
        lies in an ICB the Sub-ICB mapping cannot place.
    """
    rows = seen[seen["provider_code"].notna()].copy()
    rows["provider_code"] = rows["provider_code"].astype(str).str.strip().str.upper()
    attribution = attribute_providers(rows["provider_code"].unique(), lookups, order=order)
    open_ = attribution[attribution["alliance_code"].isna()]
    reasons = {
        "unmapped": "in none of the attribution files",
        "multiple": "serves several alliances; the hand mapping gives no shares",
        "catchment": "part of the catchment is in an ICB with no single alliance",
    }
    info = open_.drop_duplicates("provider_code").set_index("provider_code")["method"]
    hits = rows[rows["provider_code"].isin(info.index)]
    keys = ["provider_code"] + (["source_file"] if "source_file" in hits.columns else [])
    hits = hits.drop_duplicates(keys)
    out = pd.DataFrame({
        "provider_code": hits["provider_code"],
        "provider_name": hits.get("provider_name", pd.NA),
        "source_file": hits.get("source_file", pd.NA),
        "source_row": hits.get("source_row", pd.NA),
    })
    out["method"] = out["provider_code"].map(info)
    out["reason"] = out["method"].map(reasons)
    for column in ("provider_code", "provider_name", "source_file", "method", "reason"):
        out[column] = out[column].astype("string")
    return out.reset_index(drop=True)


def attribution_conflicts(lookups: AttributionLookups) -> pd.DataFrame:
    """Providers where the hand mapping and the catchment's largest alliance disagree.

    Returns ``provider_code, provider_name, hand_alliance, catchment_alliance,
    catchment_share`` (the share of the catchment's largest alliance).
    """
    if lookups.hand is None or lookups.catchment is None:
        return pd.DataFrame(columns=["provider_code", "provider_name", "hand_alliance",
                                     "catchment_alliance", "catchment_share"])
    hand = lookups.hand[lookups.hand["alliance_code"].notna()]
    shares = attribute_providers(hand["provider_code"], lookups, order=("catchment",))
    shares = shares[shares["method"] == "catchment"].dropna(subset=["alliance_code"])
    top = shares.sort_values("share", ascending=False).drop_duplicates("provider_code")
    both = hand.merge(top, on="provider_code", suffixes=("_hand", "_catchment"))
    differ = both[both["alliance_code_hand"] != both["alliance_code_catchment"]]
    return pd.DataFrame({
        "provider_code": differ["provider_code"],
        "provider_name": differ["provider_name"],
        "hand_alliance": differ["alliance_hand"],
        "catchment_alliance": differ["alliance_catchment"],
        "catchment_share": differ["share"],
    }).reset_index(drop=True)


def read(path: Path | str, **kwargs: object) -> pd.DataFrame:
    """Read any file of this module, chosen from its header."""
    from helpers.ingest.sources._common import sniff_rows

    path = check_file(path)
    keys = {header_key(c) for rows in sniff_rows(path, limit=15).values() for r in rows
            for c in r}
    if "SUB-ICB E CODE" in keys or "SICBL22CD" in keys:
        return read_subicb_alliance(path, **kwargs)  # type: ignore[arg-type]
    if "NHS_TRUST22_CODE" in keys:
        return read_catchment(path, **kwargs)  # type: ignore[arg-type]
    if "PARTICIPATING IN TRIAL" in keys:
        return read_galleri_providers(path, **kwargs)  # type: ignore[arg-type]
    if "MCED_TREATED" in keys:
        return read_galleri_alliances(path, **kwargs)  # type: ignore[arg-type]
    if "PROVIDER CODE" in keys:
        return read_hand_mapping(path, **kwargs)  # type: ignore[arg-type]
    if "ICB CODE" in keys and "CODE" in keys:
        return read_trust_icb(path)
    raise InputDataError(path, "is not a known provider attribution file")
