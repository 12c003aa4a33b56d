"""One rule for "unusual": funnel verdicts against a target, widened only when overdispersed.

Expected values are computed here by hand on the arcsine-square-root scale
(PHEindicatormethods' funnel method; Spiegelhalter 2005, Qual Saf Health Care
14:347-351): z = (asin(sqrt(p)) - asin(sqrt(target))) * 2 sqrt(n), compared
with 1.96 (95%).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from helpers.analysis.inequality.unusual import compare_with_target, is_widened


def z_score(x, n, target):
    return (math.asin(math.sqrt(x / n)) - math.asin(math.sqrt(target))) * 2 * math.sqrt(n)


def test_plain_limits_when_areas_vary_as_chance_allows():
    counts = [(495, 1000), (505, 1000), (500, 1000), (490, 1000), (510, 1000), (498, 1000),
              (560, 1000), (450, 1000), (502, 1000), (500, 1000)]
    units = pd.DataFrame(counts, columns=["numerator", "denominator"])
    out = compare_with_target(units, 0.5)
    assert not is_widened(out.attrs["model"])
    expected = ["higher" if z_score(x, n, 0.5) > 1.959964 else
                "lower" if z_score(x, n, 0.5) < -1.959964 else "similar" for x, n in counts]
    assert out["verdict"].tolist() == expected
    # 560/1000: z = 3.80 -> higher; 450/1000: z = -3.16 -> lower; 510: z = 0.63 -> similar
    assert expected[6] == "higher" and expected[7] == "lower" and expected[4] == "similar"


def test_widened_only_when_overdispersion_is_detected():
    rng = np.random.default_rng(1)
    p = np.clip(rng.normal(0.5, 0.08, 30), 0.05, 0.95)
    counts = [(int(round(q * 2000)), 2000) for q in p]
    units = pd.DataFrame(counts, columns=["numerator", "denominator"])
    # hand Spiegelhalter: Winsorised z-scores around the pooled proportion, phi = mean z^2
    num = np.array([c[0] for c in counts], float)
    den = np.array([c[1] for c in counts], float)
    pooled = num.sum() / den.sum()
    z = (np.arcsin(np.sqrt(num / den)) - np.arcsin(np.sqrt(pooled))) * 2 * np.sqrt(den)
    low, high = np.quantile(z, [0.1, 0.9])
    phi = np.mean(np.clip(z, low, high) ** 2)
    assert chi2.sf(30 * phi, 29) < 0.05  # overdispersed by construction
    out = compare_with_target(units, 0.5)
    model = out.attrs["model"]
    assert is_widened(model) and model.tau2 > 0
    # tau^2 by hand: (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 4 n
    w = 4 * den
    tau2 = (30 * phi - 29) / (w.sum() - (w ** 2).sum() / w.sum())
    assert model.tau2 == pytest.approx(tau2)
    gap = np.arcsin(np.sqrt(num / den)) - np.arcsin(np.sqrt(0.5))
    widened_z = gap / np.sqrt(1 / w + tau2)
    expected = np.where(widened_z > 1.959964, "higher",
                        np.where(widened_z < -1.959964, "lower", "similar"))
    assert out["verdict"].tolist() == expected.tolist()
    # fewer areas are unusual than the plain limits would say
    plain = np.abs(gap * 2 * np.sqrt(den)) > 1.959964
    assert (expected != "similar").sum() < plain.sum()


def test_areas_without_data_are_said_so():
    units = pd.DataFrame({"numerator": [50, 0], "denominator": [100, 0]})
    out = compare_with_target(units, 0.5)
    assert out["verdict"].tolist() == ["similar", "no data"]
