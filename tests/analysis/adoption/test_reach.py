"""Reach and equity of uptake: participation by group, who is missed, inequality measures.

Wilson and Newcombe intervals are checked against statsmodels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from helpers.analysis.adoption import participation_by_group, uptake_inequality
from helpers.errors import ParameterError
from helpers.stats.inequality import summary_measures


@pytest.fixture
def by_quintile():
    return pd.DataFrame(
        {
            "quintile": [1, 2, 3, 4, 5, 5],
            "invited": [1000, 900, 800, 700, 300, 300],
            "participated": [300, 315, 320, 315, 150, 150],
        }
    )


def test_participation_invitations_per_participant_and_missed(by_quintile):
    out = participation_by_group(by_quintile, group="quintile").set_index("group")
    # rates: 30, 35, 40, 45, 50 -> best is quintile 5 (300 + 300 invited, 300 took part)
    np.testing.assert_allclose(out["rate"], [30, 35, 40, 45, 50])
    np.testing.assert_allclose(
        out["invitations_per_participant"], [1000 / 300, 900 / 315, 2.5, 700 / 315, 2]
    )
    lo, hi = proportion_confint(300, 1000, method="wilson")
    assert (out.loc[1, "ipp_lower"], out.loc[1, "ipp_upper"]) == pytest.approx((1 / hi, 1 / lo))
    np.testing.assert_allclose(out["missed"], [200, 135, 80, 35, 0])
    d_lo, d_hi = confint_proportions_2indep(300, 600, 300, 1000, method="newcomb")
    assert (out.loc[1, "missed_lower"], out.loc[1, "missed_upper"]) == pytest.approx(
        (1000 * d_lo, 1000 * d_hi)
    )
    assert out.attrs["total_missed"] == pytest.approx(450)


def test_participation_against_a_fixed_rate(by_quintile):
    out = participation_by_group(by_quintile, group="quintile", reference_rate=40)
    np.testing.assert_allclose(out["missed"], [100, 45, 0, -35, -60])
    lo, hi = proportion_confint(300, 1000, method="wilson")
    assert out.loc[0, "missed_lower"] == pytest.approx(1000 * (0.4 - hi))
    with pytest.raises(ParameterError):
        participation_by_group(by_quintile, group="quintile", reference=1, reference_rate=40)


def test_uptake_inequality_passes_the_groups_table(by_quintile):
    out = uptake_inequality(by_quintile, group="quintile", order="quintile", seed=4)
    n = np.array([1000, 900, 800, 700, 600])
    p = np.array([0.30, 0.35, 0.40, 0.45, 0.50])
    groups = pd.DataFrame(
        {
            "group": [1, 2, 3, 4, 5],
            "population": n,
            "estimate": 100 * p,
            "se": 100 * np.sqrt(p * (1 - p) / n),
            "scale": 100.0,
            "numerator": p * n,  # participants: the difference gets Newcombe's interval
            "denominator": n,
            "order": [1, 2, 3, 4, 5],
        }
    )
    expected = summary_measures(groups, ordered=True, higher_is_better=True, seed=4)
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    assert {"measure", "estimate", "lower", "upper"} <= set(out.columns)
