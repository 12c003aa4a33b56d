"""Synthetic urgent referrals: every referral on the FDS pathway, cancer found or not.

NHS England's 28-day Faster Diagnosis Standard (FDS) counts every urgent
suspected-cancer, screening and breast-symptomatic referral told its outcome in a
month, whether or not cancer was found. :func:`build_referrals` makes that table:

1. every synthetic tumour that came by an urgent route (Two Week Wait or
   Screening, with a referral date) is one referral, ``cancer_diagnosed`` true and
   linked by ``tumour_id``, with the tumour's own referral and told-outcome dates,
   person and area: the urgent-route tumours are a subset of the referrals;
2. referrals where no cancer was found are added, month by month (the month the
   person was told, as CWT counts), so that England's monthly total equals the
   published CWT FDS total for that month (times the scale and the chosen
   alliances' share of tumours), split between referral routes in the published
   proportions, and the share told within 28 days equals the published one;
3. each alliance gets the non-cancer referrals in proportion to its linked
   tumours in the month, so conversion (cancers per referral) is about the
   national one everywhere; they live in its small areas in proportion to
   population, with modelled age and sex (:data:`AGE_MEAN`, :data:`MALE_SHARE`)
   and the local authority's ethnic mix.

Calibration figures (NHS England, Cancer Waiting Times, 28-day Faster Diagnosis
Standard monthly provider data, "ALL ENGLISH PROVIDERS" rows, files
``data_2021_04.csv`` to ``data_2022_12.csv`` in ``nhse_cwt/fds_monthly``; Open
Government Licence v3.0) are in :data:`CWT_FDS_ENGLAND`. Months before April 2021
(no published FDS data) get the conversion and within-28-day share of the published
months (:data:`FY2122_WITHIN_28_SHARE`), a modelled assumption.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from helpers.registry.schema import ETHNICITIES, SITE_TO_SUSPECTED
from helpers.synthetic.sampling import choose_rows, largest_remainder

CWT_SOURCE = ("NHS England, Cancer Waiting Times, 28-day Faster Diagnosis Standard monthly "
              "provider data (ALL ENGLISH PROVIDERS), April 2021 to December 2022")

CWT_FDS_ENGLAND: dict[str, tuple[int, int]] = {
    "2021-04": (211835, 154535), "2021-05": (210267, 156199), "2021-06": (233181, 170194),
    "2021-07": (222389, 164461), "2021-08": (208788, 151470), "2021-09": (228550, 164025),
    "2021-10": (229000, 168361), "2021-11": (248834, 177262), "2021-12": (222197, 156203),
    "2022-01": (215018, 136805), "2022-02": (220502, 163305), "2022-03": (250821, 183163),
    "2022-04": (215677, 151707), "2022-05": (244402, 172843), "2022-06": (229494, 161348),
    "2022-07": (233522, 165819), "2022-08": (250561, 174093), "2022-09": (245351, 164482),
    "2022-10": (247248, 168216), "2022-11": (269256, 187449), "2022-12": (219492, 154611),
}
"""England, month told -> (total told, told within 28 days), all three referral routes."""

CWT_ROUTE_TOTALS: dict[str, tuple[int, int]] = {
    "Two Week Wait": (4410989, 3108260),
    "Screening": (202982, 133068),
    "Breast symptomatic": (242414, 205223),
}
"""England, April 2021 to December 2022, by referral route -> (total, within 28 days):
urgent suspected cancer (NDRS "Two Week Wait"), national screening programme, breast
symptomatic (cancer not suspected)."""

FY2122_WITHIN_28_SHARE = sum(CWT_FDS_ENGLAND[f"{y}-{m:02d}"][1] for y, m in
                             [(2021, m) for m in range(4, 13)] + [(2022, m) for m in
                                                                   range(1, 4)]) / sum(
    CWT_FDS_ENGLAND[f"{y}-{m:02d}"][0] for y, m in
    [(2021, m) for m in range(4, 13)] + [(2022, m) for m in range(1, 4)])
"""Share told within 28 days in 2021/22 (April 2021 to March 2022), used for earlier months."""

DEFAULT_CONVERSION = 0.059
"""Cancers per FDS referral used when no published month is generated (e.g. years=[2019]):
what the default data give over April 2021 to December 2022 (286,789 linked cancers of
4,856,385 referrals = 5.9%)."""

USC_SUSPECTED_MIX: dict[str, float] = {
    "Skin": 0.2158, "Breast": 0.1915, "Lower gastrointestinal": 0.1878,
    "Head and neck": 0.0964, "Gynaecological": 0.0951, "Urological": 0.0838,
    "Upper gastrointestinal": 0.0791, "Lung": 0.0228, "Haematological": 0.0082,
    "Sarcoma": 0.0054, "Children's": 0.0042, "Brain and central nervous system": 0.0042,
    "Testicular": 0.0041, "Other": 0.0016,
}
"""Share of urgent suspected-cancer referrals by suspected cancer (same CWT files)."""

SCREENING_SUSPECTED_MIX: dict[str, float] = {
    "Breast": 44444 / 101564, "Lower gastrointestinal": 40758 / 101564,
    "Gynaecological": 16362 / 101564,
}
"""Screening referrals with a recorded cancer type (the rest are "Missing or Invalid")."""

SCREENING_AGES: dict[str, tuple[int, int]] = {
    "Breast": (50, 71), "Lower gastrointestinal": (56, 74), "Gynaecological": (25, 64),
}
AGE_MEAN, AGE_SD = {"Two Week Wait": 60.0, "Breast symptomatic": 45.0}, 17.0
"""Modelled ages (normal, clipped to 16-99) of referrals where no cancer was found."""

MALE_SHARE: dict[str, float] = {"Urological": 0.75, "Testicular": 1.0, "Breast": 0.0,
                                "Gynaecological": 0.0, "Breast symptomatic": 0.0}
"""Modelled share of men by suspected cancer (0.45 otherwise)."""

NON_CANCER_WAIT_SHAPE = 1.6
"""Gamma shape of non-cancer referral -> told waits; the scale is set per month and route."""


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _route_odds() -> dict[str, float]:
    total = sum(t for t, _ in CWT_ROUTE_TOTALS.values())
    overall = sum(w for _, w in CWT_ROUTE_TOTALS.values()) / total
    return {r: _logit(w / t) - _logit(overall) for r, (t, w) in CWT_ROUTE_TOTALS.items()}


def month_targets(months: list[str], linked_per_month: np.ndarray, fraction: float
                  ) -> tuple[np.ndarray, np.ndarray, float]:
    """Referral totals and within-28 shares per month for the generated share of England.

    ``fraction``: generated tumours / England's tumours at scale 1 in the chosen years.
    Published months get the CWT totals times ``fraction``; other months the linked
    tumours divided by the conversion of the published months (or :data:`DEFAULT_CONVERSION`).
    """
    published = np.array([m in CWT_FDS_ENGLAND for m in months])
    cwt_total = np.array([CWT_FDS_ENGLAND.get(m, (0, 0))[0] for m in months], dtype=float)
    cwt_within = np.array([CWT_FDS_ENGLAND.get(m, (0, 1))[1] for m in months], dtype=float)
    if published.any() and linked_per_month[published].sum() > 0:
        conversion = linked_per_month[published].sum() / (fraction * cwt_total[published].sum())
    else:
        conversion = DEFAULT_CONVERSION
    totals = np.where(published, fraction * cwt_total, linked_per_month / conversion)
    share = np.where(published, cwt_within / np.maximum(cwt_total, 1), FY2122_WITHIN_28_SHARE)
    return np.round(totals).astype(np.int64), share, float(conversion)


def build_referrals(tumours: pd.DataFrame, areas: pd.DataFrame, lad: pd.DataFrame,
                    ethnicity_columns: tuple[str, ...], fraction: float,
                    rng: np.random.Generator) -> pd.DataFrame:
    """Return the referrals table (columns of :data:`helpers.registry.schema.RAW_REFERRAL_COLUMNS`).

    ``tumours`` are the generated raw tumours (final row order); ``areas`` the chosen
    alliances' synthetic areas (with ``lad_row`` and ``population``); ``lad`` the local
    authority profile (ethnic shares); ``fraction`` as in :func:`month_targets`.
    """
    from helpers.synthetic.demographics import draw_ethnicity

    urgent = tumours["route"].isin(["Two Week Wait", "Screening"]).to_numpy() & tumours[
        "referral_date"].notna().to_numpy()
    linked = tumours[urgent]
    told_linked = linked["told_outcome_date"].to_numpy().astype("datetime64[D]")
    linked_month = told_linked.astype("datetime64[M]")
    wait_linked = (told_linked - linked["referral_date"].to_numpy().astype("datetime64[D]")
                   ).astype(int)
    years = sorted({int(y) for y in tumours["diagnosis_date"].dt.year.unique()})
    month_index = np.arange(np.datetime64(f"{years[0]}-01"), np.datetime64(f"{years[-1] + 1}-01"))
    months = [str(m) for m in month_index]
    m_of_linked = np.searchsorted(month_index, linked_month)
    inside = (linked_month >= month_index[0]) & (linked_month <= month_index[-1])
    n_linked = np.bincount(m_of_linked[inside], minlength=len(months)).astype(float)
    w_linked = np.bincount(m_of_linked[inside], weights=(wait_linked[inside] <= 28),
                           minlength=len(months))
    totals, share, _ = month_targets(months, n_linked, fraction)
    extra = np.maximum(totals - n_linked.astype(np.int64), 0)

    # routes of the non-cancer referrals: published route totals minus linked tumours
    route_names = list(CWT_ROUTE_TOTALS)
    route_share = np.array([t for t, _ in CWT_ROUTE_TOTALS.values()], dtype=float)
    route_share /= route_share.sum()
    linked_routes = np.array([(linked["route"] == r).sum() for r in route_names], dtype=float)
    want = np.maximum(route_share * extra.sum() + route_share * n_linked.sum() - linked_routes,
                      0)
    route_p = want / want.sum()
    n = int(extra.sum())
    route = rng.choice(len(route_names), size=n, p=route_p)
    month = np.repeat(np.arange(len(months)), extra)

    # alliance: in proportion to its linked tumours that month (else its tumours overall)
    alliance_names = sorted(areas["alliance"].astype(str).unique())
    a_linked = pd.Index(alliance_names).get_indexer(linked["alliance"].astype(str))
    weight = np.ones((len(months), len(alliance_names)))
    np.add.at(weight, (m_of_linked[inside], a_linked[inside]), 1.0)
    alliance = np.empty(n, dtype=np.int64)
    for m in range(len(months)):
        mine = month == m
        if mine.any():
            counts = largest_remainder((weight[m] / weight[m].sum() * mine.sum())[None, :],
                                       np.array([mine.sum()]))[0]
            alliance[mine] = rng.permutation(np.repeat(np.arange(len(alliance_names)), counts))
    # small area: by population within the alliance
    area_alliance = pd.Index(alliance_names).get_indexer(areas["alliance"].astype(str))
    pop = areas["population"].to_numpy(dtype=float)
    area = np.empty(n, dtype=np.int64)
    for a in range(len(alliance_names)):
        mine = np.flatnonzero(alliance == a)
        rows = np.flatnonzero(area_alliance == a)
        area[mine] = rows[rng.choice(len(rows), size=len(mine), p=pop[rows] / pop[rows].sum())]

    # suspected cancer, age, sex, ethnicity
    suspected = np.empty(n, dtype=object)
    age = np.clip(np.round(rng.normal(AGE_MEAN["Two Week Wait"], AGE_SD, n)), 16, 99)
    for r, name in enumerate(route_names):
        mine = np.flatnonzero(route == r)
        if name == "Breast symptomatic":
            suspected[mine] = "Breast symptomatic"
            age[mine] = np.clip(np.round(rng.normal(AGE_MEAN[name], AGE_SD, len(mine))), 16, 99)
            continue
        mix = USC_SUSPECTED_MIX if name == "Two Week Wait" else SCREENING_SUSPECTED_MIX
        labels = list(mix)
        p = np.array(list(mix.values()))
        suspected[mine] = np.array(labels, dtype=object)[
            choose_rows(np.tile(p / p.sum(), (len(mine), 1)), rng)]
        if name == "Screening":
            for group, (lo, hi) in SCREENING_AGES.items():
                these = mine[suspected[mine] == group]
                age[these] = rng.integers(lo, hi + 1, len(these))
    male = rng.random(n) < np.array([MALE_SHARE.get(s, 0.45) for s in suspected])
    lad_row = areas["lad_row"].to_numpy()[area]
    shares = lad[list(ethnicity_columns)].to_numpy(dtype=float)
    ethnicity = draw_ethnicity(shares[lad_row], rng)

    # dates: told uniformly in the month; waits set so that each month's share within 28
    # days (all referrals, cancer or not) matches the published one, routes as published
    start = month_index[month].astype("datetime64[D]")
    length = ((month_index[month] + 1).astype("datetime64[D]") - start).astype(int)
    told = start + np.floor(rng.random(n) * length).astype(int).astype("timedelta64[D]")
    need = (share * totals - w_linked) / np.maximum(extra, 1)
    need = np.clip(need, 0.05, 0.98)
    odds = _route_odds()
    offset = np.array([odds[r] for r in route_names])
    centre = (offset * route_p).sum()
    q = 1 / (1 + np.exp(-(np.log(need[month] / (1 - need[month])) + offset[route] - centre)))
    scale = 28.5 / stats.gamma.ppf(q, NON_CANCER_WAIT_SHAPE)
    wait = np.round(rng.gamma(NON_CANCER_WAIT_SHAPE, 1.0, n) * scale).astype(int)
    referral = told - wait.astype("timedelta64[D]")

    person = {
        "lsoa_code": areas["lsoa_code"].astype(str).to_numpy()[area],
        "alliance": areas["alliance"].astype(str).to_numpy()[area],
        "lad_code": areas["lad_code"].astype(str).to_numpy()[area],
        "lad_name": areas["lad_name"].astype(str).to_numpy()[area],
        "icb_code": areas["icb_code"].astype(str).to_numpy()[area],
        "icb_name": areas["icb_name"].astype(str).to_numpy()[area],
        "imd_decile": areas["imd_decile"].to_numpy()[area],
        "age": age.astype(np.int64),
        "sex": np.where(male, "Male", "Female"),
        "ethnicity": np.array(ETHNICITIES, dtype=object)[ethnicity],
    }
    extra_rows = pd.DataFrame({
        "referral_date": referral, "route": np.array(route_names, dtype=object)[route],
        "suspected_cancer": suspected, "told_outcome_date": told,
        "cancer_diagnosed": "no", "tumour_id": None, **person,
    })
    linked_rows = pd.DataFrame({
        "referral_date": linked["referral_date"].to_numpy().astype("datetime64[D]"),
        "route": linked["route"].astype(str).to_numpy(),
        "suspected_cancer": linked["site"].astype(str).map(SITE_TO_SUSPECTED).to_numpy(),
        "told_outcome_date": told_linked,
        "cancer_diagnosed": "yes",
        "tumour_id": linked["tumour_id"].astype(str).to_numpy(),
        **{c: linked[c].astype(str).to_numpy() if c not in ("imd_decile", "age")
           else linked[c].to_numpy() for c in person if c != "sex"},
        "sex": linked["sex"].astype(str).to_numpy(),
    })
    out = pd.concat([linked_rows, extra_rows], ignore_index=True)
    order = np.lexsort((rng.random(len(out)), out["referral_date"].to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    from helpers.synthetic.identifiers import referral_ids

    out.insert(0, "referral_id", referral_ids(len(out)))
    for col in ("referral_date", "told_outcome_date"):
        out[col] = out[col].astype("datetime64[us]")
    for col in ("route", "suspected_cancer", "cancer_diagnosed", "tumour_id", "lsoa_code",
                "alliance", "lad_code", "lad_name", "icb_code", "icb_name", "sex", "ethnicity"):
        out[col] = out[col].astype("category")
    return out
