"""helpers.ingest.sources.providers: attribution files and attribute_providers."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import real

from helpers.errors import InputDataError, ParameterError
from helpers.ingest.sources import AttributionLookups, Quarantine, cwt, providers

# --- real files -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lookups():
    q = Quarantine()
    return AttributionLookups.from_root(real(), quarantine=q), q


def test_lookup_files_read_and_resolve(lookups):
    lk, q = lookups
    assert len(q) == 0  # "... Cancer Alliance", "&", "South Yorkshire", CAL21 codes all resolve
    assert len(lk.subicb) == 106
    assert lk.subicb["alliance_code"].notna().all()
    assert lk.subicb["icb_code"].nunique() == 42
    # Bassetlaw (02Q) is East Midlands in the 2022 NHS England file (ONS CAL21 keeps it in SYB)
    assert lk.subicb.loc[lk.subicb["sicbl_ods_code"] == "02Q", "alliance"].item() == (
        "East Midlands")
    assert len(lk.trust_icb) == 206
    assert lk.catchment["provider_code"].nunique() == 138
    assert len(lk.hand) == 25 and int(lk.hand["multiple"].sum()) == 8
    assert len(lk.galleri) == 147 and lk.galleri["alliance_code"].notna().all()
    shares = lk.catchment.groupby("provider_code")["share"].sum()
    assert ((shares - 1).abs() < 1e-9).all()
    # every ICB of the 2022 file has a single alliance
    assert all(len(v) == 1 for v in lk.icb_alliances().values())


def test_icb_codes_are_normalised_to_icb23(lookups):
    from helpers.ingest.sources import ons

    icb23 = set(ons.read_icb23(real("ons/ICB23_names_codes.json"))["icb_code"])
    lk = lookups[0]
    assert set(lk.subicb["icb_code"]) == icb23
    assert set(lk.catchment["icb_code"]) <= icb23


def test_every_fds_provider_maps_to_an_alliance_or_is_listed_as_unmapped(lookups):
    lk = lookups[0]
    fds = cwt.read_fds_dir(real("nhse_cwt/fds_monthly"))
    codes = set(fds["provider_code"].dropna())
    attribution = providers.attribute_providers(sorted(codes), lk)
    assert set(attribution["provider_code"]) == codes
    mapped = set(attribution.loc[attribution["alliance_code"].notna(), "provider_code"])
    unmapped = providers.unmapped_providers(fds, lk)
    listed = set(unmapped["provider_code"])
    assert mapped | listed == codes
    assert not mapped & listed - set(  # only partly-placed catchments could be in both
        unmapped.loc[unmapped["method"] == "catchment", "provider_code"])
    assert len(codes) == 158
    # the 8 providers the hand mapping calls "multiple" (no shares anywhere) are listed
    assert listed == set(lk.hand.loc[lk.hand["multiple"], "provider_code"])
    assert unmapped[["source_file", "source_row"]].notna().all().all()
    first = unmapped.sort_values("source_file").drop_duplicates("provider_code")
    row = fds[(fds["source_file"] == first["source_file"].iloc[0])
              & (fds["source_row"] == first["source_row"].iloc[0])]
    assert row["provider_code"].item() == first["provider_code"].iloc[0]
    # shares of each mapped provider sum to 1; methods used
    sums = attribution.dropna(subset=["alliance_code"]).groupby("provider_code")["share"].sum()
    assert ((sums - 1).abs() < 1e-9).all()
    assert set(attribution["method"]) == {"catchment", "hand", "trust_icb", "multiple"}


def test_specialist_trust_is_reported_with_its_shares(lookups):
    lk = lookups[0]
    gosh = providers.attribute_providers(["RP4"], lk)
    assert len(gosh) > 10 and (gosh["method"] == "catchment").all()
    assert gosh["share"].sum() == pytest.approx(1)
    assert gosh["share"].max() < 0.5  # patients from all over England: no single alliance


def test_hand_mapping_and_catchment_disagreements_are_reported(lookups):
    conflicts = providers.attribution_conflicts(lookups[0])
    assert set(conflicts["provider_code"]) == {"RBZ", "RP4", "RRJ"}


# --- synthetic files ------------------------------------------------------------------------

SUBICB = (
    "\ufeffSub-ICB E Code,SICBL22CDH,SICBL22NM,ICB E code,ICB Code,ICB,Cancer Alliance Code,"
    "Cancer Alliance\n"
    "E38000001,01A,Sub A,E54000027,QRV,NHS North West London ICB,E56000021,"
    "RM Partners West London Cancer Alliance\n"
    "E38000002,02B,Sub B,E54000052,QXU,NHS Surrey Heartlands ICB,E56000012,"
    "Surrey & Sussex Cancer Alliance\n"
    "E38000003,03C,Sub C,E54000099,QZZ,NHS Nowhere ICB,E56000099,Atlantis Cancer Alliance\n"
)
TRUST_ICB = (
    ",,,,,\nTitle:,Attribution from A&E Providers to ICBs,,,,\n,,,,,\n"
    "Code,Name,ICB Code,ICB Name,Region Name,\n"
    "RAS,Hillingdon,QRV,NHS North West London ICB,London,\n"
    "RTK,Ashford,QXU,NHS Surrey Heartlands ICB,South,\n"
)
CATCHMENT = (
    "nhs_trust22_code,icb22_code,proportion_trust_came_from_icb\n"
    "RTK,E54000052,0.75\nRTK,E54000027,0.25\n"
    "RZZ,E54000052,0.5\nRZZ,E54000099,0.5\n"
)
HAND = (
    "Provider Code,Provider Name,Cancer.Alliance.Code,Cancer.Alliance,Independent provider\n"
    "NV1,INHEALTH,multiple,multiple,1\n"
    "GEC,RAPID,E56000016,Wessex Cancer Alliance,0\n"
    "RAS,HILLINGDON,E56000012,Surrey and Sussex Cancer Alliance,0\n"
)
GALLERI = (
    '"Provider Name","Code","Region","Participating in Trial"\n'
    '"KINGS","RJZ","South East London","Yes"\n"SHEFFIELD","RHQ","South Yorkshire","No"\n'
)


@pytest.fixture
def small(tmp_path):
    files = {"subicb.csv": SUBICB, "trust.csv": TRUST_ICB, "catch.csv": CATCHMENT,
             "hand.csv": HAND, "galleri.csv": GALLERI}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    q = Quarantine()
    lk = AttributionLookups(
        subicb=providers.read(tmp_path / "subicb.csv", quarantine=q),
        trust_icb=providers.read(tmp_path / "trust.csv"),
        catchment=providers.read(tmp_path / "catch.csv", quarantine=q),
        hand=providers.read(tmp_path / "hand.csv", quarantine=q),
        galleri=providers.read(tmp_path / "galleri.csv", quarantine=q),
        files={"catchment": "catch.csv", "hand": "hand.csv", "trust_icb": "trust.csv",
               "galleri": "galleri.csv"},
    )
    return lk, q


def test_synthetic_readers(small):
    lk, q = small
    assert lk.subicb["alliance"].tolist()[:2] == ["West London", "Surrey and Sussex"]
    assert lk.subicb["icb_code"].tolist()[1] == "E54000063"  # Surrey Heartlands re-coded
    assert q.frame()[["source_file", "source_row", "value"]].values.tolist() == [
        ["subicb.csv", 4, "E56000099"]]
    assert lk.trust_icb["provider_code"].tolist() == ["RAS", "RTK"]
    assert lk.hand["multiple"].tolist() == [True, False, False]
    assert lk.hand["independent"].tolist() == [True, False, False]
    assert lk.galleri["alliance"].tolist() == ["South East London", "South Yorkshire and Bassetlaw"]
    assert lk.galleri["in_trial"].tolist() == [True, False]


def test_attribute_providers_methods(small):
    lk = small[0]
    df = providers.attribute_providers(["rtk", "NV1", "GEC", "RAS", "RJZ", "ZZZ", "RZZ", None],
                                       lk)
    assert list(df.columns) == list(providers.ATTRIBUTION_COLUMNS)
    rows = {(r.provider_code, r.method): (r.alliance, r.share) for r in df.itertuples()}
    rtk = df[df["provider_code"] == "RTK"]
    assert rtk[["alliance", "share"]].values.tolist() == [["Surrey and Sussex", 0.75],
                                                          ["West London", 0.25]]
    assert (rtk["source_file"] == "catch.csv").all()
    assert pd.isna(rows[("NV1", "multiple")][0])
    assert rows[("GEC", "hand")] == ("Wessex", 1.0)
    assert rows[("RAS", "hand")] == ("Surrey and Sussex", 1.0)  # hand beats the trust's ICB
    assert rows[("RJZ", "galleri")] == ("South East London", 1.0)
    assert pd.isna(rows[("ZZZ", "unmapped")][0])
    # half of RZZ's patients come from an ICB with no alliance: kept as an unplaced share
    rzz = df[df["provider_code"] == "RZZ"]
    assert rzz["share"].tolist() == [0.5, 0.5] and rzz["alliance_code"].isna().tolist() == [
        False, True]
    by_icb = providers.attribute_providers(["RAS"], lk, order=("trust_icb",))
    assert by_icb[["alliance", "method"]].values.tolist() == [["West London", "trust_icb"]]
    with pytest.raises(ParameterError, match="unknown attribution method"):
        providers.attribute_providers(["RAS"], lk, order=("guess",))


def test_unmapped_providers_names_file_and_row(small):
    seen = pd.DataFrame({
        "provider_code": ["RTK", "NV1", "ZZZ", "ZZZ", "NV1"],
        "provider_name": ["ASHFORD", "INHEALTH", "MYSTERY", "MYSTERY", "INHEALTH"],
        "source_file": ["a.csv", "a.csv", "a.csv", "a.csv", "b.csv"],
        "source_row": [8, 9, 10, 11, 8],
    })
    out = providers.unmapped_providers(seen, small[0])
    assert out[["provider_code", "source_file", "source_row", "method"]].values.tolist() == [
        ["NV1", "a.csv", 9, "multiple"], ["ZZZ", "a.csv", 10, "unmapped"],
        ["NV1", "b.csv", 8, "multiple"]]
    assert out["reason"].notna().all()


def test_trust_attribution_without_header(tmp_path):
    path = tmp_path / "trust.csv"
    path.write_text(",,,,,\nTitle:,Attribution,,,,\nRAS,Hillingdon,QRV,NWL,London,\n")
    with pytest.raises(InputDataError, match="trust.csv.*header"):
        providers.read_trust_icb(path)


def test_catchment_with_a_bad_share(tmp_path):
    path = tmp_path / "catch.csv"
    path.write_text(CATCHMENT.replace("0.25", "1.25"))
    with pytest.raises(InputDataError, match="catch.csv") as err:
        providers.read_catchment(path)
    assert err.value.rows == [2]


def test_catchment_not_summing_to_one_is_quarantined(tmp_path):
    path = tmp_path / "catch.csv"
    path.write_text(CATCHMENT.replace("0.25", "0.2"))
    q = Quarantine()
    providers.read_catchment(path, quarantine=q)
    assert q.frame()[["source_row", "reason"]].values.tolist() == [
        [2, "the trust's shares do not sum to 1"]]


def test_hand_mapping_with_a_wrong_column(tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(HAND.replace("Cancer.Alliance.Code", "Alliance ID"))
    with pytest.raises(InputDataError, match="hand.csv"):
        providers.read_hand_mapping(path)
