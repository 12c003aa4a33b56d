"""The public-data run: fetch --from ../shared/data/real, build, and report on it.

Checks figures the files themselves state, and that the reports built from them say
which data they come from and what the public data cannot show.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REAL

from helpers.config import Paths
from helpers.ingest import fetch, public
from helpers.registry import alliances
from helpers.report.sections import data_quality
from helpers.run import pipeline

pytestmark = pytest.mark.skipif(
    not REAL.exists(), reason="../shared/data/real is absent: the public-data run needs it"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("public")
    paths = Paths(root)
    fetch.import_from(REAL, paths.raw_public)
    paths.processed.mkdir(parents=True, exist_ok=True)
    (paths.processed / "survival.parquet").write_text("stale: from an earlier record-level run")
    result = public.build(paths)
    cube = pd.read_parquet(paths.processed / "cube.parquet")
    return paths, result, cube


def value(cube, **where):
    rows = cube
    for col, v in where.items():
        rows = rows[rows[col] == v]
    assert len(rows) == 1, where
    return int(rows["numerator"].iloc[0]), int(rows["denominator"].iloc[0])


def test_ndrs_figures_as_published(built):
    _, _, cube = built
    # NDRS 2019, England, all 17 sites: 127,988 early of 234,893 staged; 351,160 tumours
    assert value(cube, indicator="early_stage", geography_type="england", period="2019",
                 dimension="all") == (127_988, 234_893)
    # the same file's "Missing stage" (73,196) and "Unstageable" (43,071) columns, summed by
    # hand over the 17 Country rows of 2019: a stage is recorded unless it is missing, and
    # unstageable is counted apart
    assert value(cube, indicator="stage_recorded", geography_type="england", period="2019",
                 dimension="all") == (351_160 - 73_196, 351_160)
    assert value(cube, indicator="stage_unstageable", geography_type="england", period="2019",
                 dimension="all") == (43_071, 351_160)
    alliances_2019 = cube[(cube["indicator"] == "early_stage") & (cube["period"] == "2019")
                          & (cube["geography_type"] == "alliance") & (cube["dimension"] == "all")]
    assert len(alliances_2019) == 20
    assert alliances_2019["denominator"].sum() == 234_893


def test_fds_england_is_the_national_rows_and_alliances_add_up(built):
    _, _, cube = built
    # read the file's own national rows with plain pandas (header on file row 9)
    raw = pd.read_csv(REAL / "nhse_cwt/fds_monthly/data_2024_03.csv", skiprows=8, dtype=str)
    national = raw[raw["ACCOUNTABLE PROVIDER"] == "ALL ENGLISH PROVIDERS"]
    total = int(pd.to_numeric(national["TOTAL"]).sum())
    within = int(pd.to_numeric(national["WITHIN 28 DAYS"]).sum())
    assert value(cube, indicator="fds_28", geography_type="england", period="2024-03",
                 dimension="all") == (within, total)
    part = cube[(cube["indicator"] == "fds_28") & (cube["period"] == "2024-03")
                & (cube["geography_type"] == "alliance") & (cube["dimension"] == "all")]
    assert part["geography_code"].nunique() == 20
    # providers are attributed by their patients' ICBs; a few serve several alliances
    assert 0.95 * total <= part["denominator"].sum() <= total


def test_areas_hold_every_small_area_with_population_and_ethnicity(built):
    paths, result, _ = built
    areas = pd.read_parquet(paths.processed / "areas.parquet")
    assert len(areas) == 32_844
    assert areas["population"].sum() == 54_728_204
    assert areas["alliance_code"].nunique() == 20
    shares = areas[[c for c in areas.columns if c.startswith("eth_")]].sum(axis=1)
    assert shares.between(0.999, 1.001).all()
    assert result.unmapped_providers  # listed, never guessed


@pytest.mark.e2e
def test_reports_run_on_public_data(built, monkeypatch):
    paths, _, _ = built
    monkeypatch.setenv("CAI_HOME", str(paths.root))
    chosen = [alliances.resolve("Northern"), alliances.resolve("RM Partners")]
    result = pipeline.run(paths, source="public", selected=chosen, jobs=2, progress=False)
    assert result.failed == [], result.summary()
    page = (paths.reports / "northern.html").read_text()
    assert "SYNTHETIC" not in page
    assert "NHS England Cancer Waiting Times" in page
    assert "Not shown: the public data do not include" in page
    assert "Not shown: the public data hold no follow-up of patients to death" in page
    assert not (paths.processed / "survival.parquet").exists()
    early, staged = 7_630, 14_673  # NDRS 2022, Northern, all sites
    assert f"{100 * early / staged:.1f}% (95% CI" in page
    assert (paths.reports / "england.html").exists()


def test_unattributed_providers_and_what_they_carry(built):
    import csv

    from helpers.ingest import sources

    paths, result, _ = built
    table = public.unattributed(paths)
    assert sorted(table["provider_code"]) == result.unmapped_providers
    # InHealth's 28-day FDS referrals, summed straight from the monthly CSVs (ODS code in
    # column 2, TOTAL in column 6), then the CWT-CRS months after the last monthly file
    by_hand = 0
    for path in sorted((REAL / "nhse_cwt" / "fds_monthly").glob("data_*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            by_hand += sum(int(row[5].replace(",", "")) for row in csv.reader(handle)
                           if len(row) > 5 and row[1] == "NV1")
    crs = sources.read_crs_dir(REAL / "nhse_cwt" / "crs_extracts")
    later = crs[(crs["standard"] == "fds_28") & (crs["provider_code"] == "NV1")
                & (crs["month"].dt.strftime("%Y-%m") > public.FDS_FILES_END)]
    by_hand += int(later["total"].sum())
    nv1 = table.set_index("provider_code").loc["NV1"]
    assert nv1["fds_28"] == by_hand
    assert 0 < table.attrs["share_pct"]["fds_28"] < 1  # a small part of England's referrals
    section = data_quality.unattributed_providers(paths)
    assert f"{len(table)} providers in the waiting-time files are in no alliance" in \
        section.findings[0]
