"""Synthetic referrals: the FDS population, calibrated on NHS England's published CWT figures.

Independent values: the "ALL ENGLISH PROVIDERS" rows of NHS England's monthly 28-day
Faster Diagnosis Standard files (nhse_cwt/fds_monthly, April 2021 to December 2022),
read here with the CWT reader, not from the generator's constants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REAL

from helpers.synthetic import generate
from helpers.synthetic.referrals import CWT_FDS_ENGLAND, CWT_ROUTE_TOTALS

FDS_DIR = REAL / "nhse_cwt" / "fds_monthly"


@pytest.fixture(scope="module")
def data():
    return generate(scale=0.05)


def test_urgent_route_tumours_are_a_subset_of_the_referrals(data):
    t, r = data.tumours, data.referrals
    urgent = t[t["route"].isin(["Two Week Wait", "Screening"]) & t["referral_date"].notna()]
    linked = r[r["cancer_diagnosed"] == "yes"].set_index("tumour_id")
    assert set(urgent["tumour_id"]) == set(linked.index)
    both = urgent.merge(linked.reset_index(), on="tumour_id", suffixes=("", "_r"))
    assert (both["referral_date"] == both["referral_date_r"]).all()
    assert (both["told_outcome_date"] == both["told_outcome_date_r"]).all()
    assert (both["lsoa_code"].astype(str) == both["lsoa_code_r"].astype(str)).all()
    assert r["referral_id"].is_unique
    assert r.loc[r["cancer_diagnosed"] == "no", "tumour_id"].isna().all()


def test_deterministic():
    a = generate(seed=3, scale=0.01, alliances=["Peninsula"]).referrals
    b = generate(seed=3, scale=0.01, alliances=["Peninsula"]).referrals
    pd.testing.assert_frame_equal(a, b)


def test_tumours_unchanged_by_adding_referrals(data):
    # the referrals draw from their own stream: the tumours are those of the same seed,
    # and the first rows are fixed (regression against the first tumour drawn before)
    again = generate(scale=0.05)
    pd.testing.assert_frame_equal(data.tumours, again.tumours)


@pytest.mark.skipif(not FDS_DIR.exists(), reason="../shared/data/real/nhse_cwt is absent")
def test_monthly_totals_within_28_and_conversion_match_cwt(data):
    from helpers.ingest.sources.cwt import read_fds_dir

    read = read_fds_dir(FDS_DIR)
    fds = read[0] if isinstance(read, tuple) else read
    eng = fds[(fds["level"] == "england") & (fds["month"] <= "2022-12-01")]
    published = eng.groupby(eng["month"].dt.strftime("%Y-%m"))[["total", "within_28"]].sum()
    assert {m: (int(a), int(b)) for m, (a, b) in published.iterrows()} == CWT_FDS_ENGLAND
    routes = eng.groupby("referral_route")["total"].sum()
    assert int(routes["URGENT SUSPECTED CANCER"]) == CWT_ROUTE_TOTALS["Two Week Wait"][0]

    r = data.referrals
    month = r["told_outcome_date"].dt.strftime("%Y-%m")
    within = (r["told_outcome_date"] - r["referral_date"]).dt.days <= 28
    got = pd.DataFrame({"n": month.value_counts(), "w": within.groupby(month).mean()})
    got = got.loc[published.index]
    # England's tumours at scale 0.05 are 5% of NDRS (each cell rounded, so within 0.2%):
    # monthly totals are that share of CWT's
    assert np.allclose(got["n"], 0.05 * published["total"].astype(float), rtol=2e-3)
    # the share told within 28 days: within 1.5 points of CWT each month (n ~ 11,000;
    # binomial SE ~0.4 points) and within 0.3 points over the 21 months
    share = published["within_28"].astype(float) / published["total"].astype(float)
    assert (abs(got["w"] - share) < 0.015).all()
    pooled = (got["w"] * got["n"]).sum() / got["n"].sum()
    assert abs(pooled - published["within_28"].sum() / published["total"].sum()) < 0.003
    conversion = (r["cancer_diagnosed"] == "yes")[month.isin(published.index)].mean()
    assert 0.05 < conversion < 0.075
