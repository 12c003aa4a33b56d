"""Age, sex and ethnicity of each synthetic tumour's patient.

* Age: a scaled beta distribution on 18-99 with a site-specific mean and
  spread (testes young, cervix younger, most sites 60-85, left-skewed).
* Sex: a site-specific probability of male (prostate and testes male; cervix,
  ovary and uterus female; breast ~1% male).
* Ethnicity: drawn from the Census 2021 shares of the area's local authority,
  with :data:`NOT_KNOWN_SHARE` recorded as "Not known".
"""

from __future__ import annotations

import numpy as np

from helpers.synthetic.sampling import choose_rows

AGE_MIN, AGE_MAX = 18, 99

AGE_MEAN_SD: dict[str, tuple[float, float]] = {
    "Anus": (65, 13), "Bladder": (74, 11), "Bowel": (70, 12.5), "Breast": (62, 14),
    "Cervix": (47, 15), "Head and neck": (63, 12), "Kidney": (66, 13), "Lung": (73, 10),
    "Oesophagus": (72, 11), "Other": (69, 15), "Ovary": (64, 14), "Pancreas": (72, 11),
    "Prostate": (71, 8.5), "Renal pelvis and ureter": (74, 10), "Skin cancer": (64, 17),
    "Testes": (36, 11), "Uterus": (65, 11),
}
"""Mean and standard deviation of age at diagnosis by site (years)."""

MALE_SHARE: dict[str, float] = {
    "Anus": 0.35, "Bladder": 0.73, "Bowel": 0.56, "Breast": 0.01, "Cervix": 0.0,
    "Head and neck": 0.70, "Kidney": 0.63, "Lung": 0.53, "Oesophagus": 0.69, "Other": 0.54,
    "Ovary": 0.0, "Pancreas": 0.51, "Prostate": 1.0, "Renal pelvis and ureter": 0.62,
    "Skin cancer": 0.53, "Testes": 1.0, "Uterus": 0.0,
}

NOT_KNOWN_SHARE = 0.06
"""Share of tumours whose ethnicity is recorded as "Not known"."""


def draw_age(site: np.ndarray, sites: tuple[str, ...], rng: np.random.Generator) -> np.ndarray:
    """Return integer ages (18-99) for site indices ``site``."""
    span = AGE_MAX + 1 - AGE_MIN
    mean = np.array([(AGE_MEAN_SD[s][0] - AGE_MIN) / span for s in sites])[site]
    var = np.array([(AGE_MEAN_SD[s][1] / span) ** 2 for s in sites])[site]
    common = mean * (1 - mean) / var - 1
    x = rng.beta(mean * common, (1 - mean) * common)
    return np.minimum(AGE_MIN + np.floor(x * span), AGE_MAX).astype(np.int64)


def draw_male(site: np.ndarray, sites: tuple[str, ...], rng: np.random.Generator) -> np.ndarray:
    """Return True for male, per site index in ``site``."""
    p = np.array([MALE_SHARE[s] for s in sites])[site]
    return rng.random(len(site)) < p


def draw_ethnicity(shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return ethnicity codes: 0..4 = the columns of ``shares``, 5 = "Not known".

    ``shares`` holds, per tumour, the Census shares of its local authority in
    the order of :data:`helpers.registry.schema.ETHNICITIES` without "Not known".
    """
    code = choose_rows(shares, rng)
    return np.where(rng.random(len(code)) < NOT_KNOWN_SHARE, shares.shape[1], code)
