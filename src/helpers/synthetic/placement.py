"""Which small area each tumour lives in: site incidence by deprivation.

A tumour of site s in alliance a is placed in one of a's areas with
probability proportional to

    (pop_60_plus + YOUNG_WEIGHT[s] x people under 60) x RR[s] ** ((5 - q) / 4)

where q is the area's IMD quintile (1 = most deprived). ``RR[s]`` is the
incidence ratio of the most to the least deprived quintile: smoking- and
HPV-related sites are commoner in deprived areas, breast, prostate and skin a
little commoner in affluent ones. Since those sites differ in stage, the site
mix alone makes the deprived quintiles' stage later ("site mix driving stage").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEPRIVATION_RR: dict[str, float] = {
    "Anus": 1.4, "Bladder": 1.25, "Bowel": 1.1, "Breast": 0.88, "Cervix": 1.7,
    "Head and neck": 1.9, "Kidney": 1.2, "Lung": 2.4, "Oesophagus": 1.5, "Other": 1.2,
    "Ovary": 1.0, "Pancreas": 1.15, "Prostate": 0.85, "Renal pelvis and ureter": 1.2,
    "Skin cancer": 0.65, "Testes": 1.0, "Uterus": 1.1,
}
"""Incidence rate ratio, most (Q1) vs least (Q5) deprived quintile, by site."""

YOUNG_WEIGHT: dict[str, float] = {
    "Breast": 0.35, "Cervix": 0.9, "Skin cancer": 0.3, "Testes": 3.0,
}
"""Weight of a person under 60 relative to one aged 60+; :data:`DEFAULT_YOUNG_WEIGHT` else."""

DEFAULT_YOUNG_WEIGHT = 0.12


def place_tumours(
    areas: pd.DataFrame,
    alliance: np.ndarray,
    site: np.ndarray,
    sites: tuple[str, ...],
    rng: np.random.Generator,
    *,
    by_profile: bool = True,
) -> np.ndarray:
    """Return each tumour's row position in ``areas``.

    Parameters
    ----------
    areas
        The candidate areas, with ``alliance``, ``imd_quintile``, ``population`` and
        ``pop_60_plus``; every alliance in ``alliance`` must have areas.
    alliance, site
        Per tumour: the alliance name and the site's index in ``sites``.
    by_profile
        False: every site is placed in proportion to the areas' populations, so
        the site mix depends neither on deprivation nor on age structure.
    """
    order = np.argsort(areas["alliance"].to_numpy(), kind="stable")
    area_alliance = areas["alliance"].to_numpy()[order]
    names, starts = np.unique(area_alliance, return_index=True)
    ends = np.r_[starts[1:], len(order)]
    a_idx = np.searchsorted(names, alliance)
    lo, hi = starts[a_idx], ends[a_idx]

    q = areas["imd_quintile"].to_numpy()[order]
    older = areas["pop_60_plus"].to_numpy(dtype=float)[order]
    young = areas["population"].to_numpy(dtype=float)[order] - older
    u = rng.random(len(alliance))
    placed = np.empty(len(alliance), dtype=np.int64)
    for s_idx, name in enumerate(sites):
        mine = site == s_idx
        if not mine.any():
            continue
        if by_profile:
            weight = (older + YOUNG_WEIGHT.get(name, DEFAULT_YOUNG_WEIGHT) * young) * (
                DEPRIVATION_RR[name] ** ((5 - q) / 4)
            )
        else:
            weight = older + young
        cum = np.r_[0.0, np.cumsum(weight)]
        base, top = cum[lo[mine]], cum[hi[mine]]
        target = base + u[mine] * (top - base)
        pos = np.searchsorted(cum, target, side="right") - 1
        placed[mine] = np.clip(pos, lo[mine], hi[mine] - 1)
    return order[placed]
