"""Programme-found cancers against the others of the same sites, alliances and years.

Counts are added up by hand below; the interval is Newcombe's hybrid score interval
(Newcombe 1998, Stat Med 17:873, method 10) written out from Wilson intervals.
"""

from __future__ import annotations

import pandas as pd
import pytest
from adoption_fixtures import newcombe

from helpers.analysis.adoption.stage import (
    ALL_ALLIANCES,
    comparable_years,
    found_against_others,
)
from helpers.errors import ParameterError

TIMELINE = pd.DataFrame({"alliance": ["A", "B", "C"],
                         "go_live": [pd.Period("2020-03", "M"), pd.Period("2021-01", "M"),
                                     pd.NaT]})
STAGED = pd.DataFrame({
    "alliance": ["A", "A", "A", "B", "B", "B", "C"],
    "period": ["2020", "2021", "2022", "2020", "2021", "2022", "2022"],
    "numerator": [50, 60, 70, 30, 40, 45, 80],
    "denominator": [100, 120, 130, 70, 90, 110, 150],
})
FOUND = pd.DataFrame({
    "alliance": ["A", "A", "A", "B", "B"],
    "month": ["2020-06", "2021-05", "2022-02", "2021-03", "2022-07"],
    "cancers_found": [10, 20, 30, 10, 15],
    "cancers_found_early": [8, 15, 21, 7, 11],
})


def test_only_whole_years_after_go_live_count():
    years = comparable_years(TIMELINE, [2020, 2021, 2022])
    # A live from March 2020: 2021 and 2022; B from January 2021: 2021 too; C never
    assert years.values.tolist() == [["A", 2021], ["A", 2022], ["B", 2021], ["B", 2022]]


def test_found_against_others_by_hand():
    out = found_against_others(FOUND, STAGED, TIMELINE).set_index("alliance")
    a = out.loc["A"]
    # A, 2021-2022: staged 120 + 130 = 250, early 60 + 70 = 130; found 20 + 30 = 50,
    # early 15 + 21 = 36 (the 2020 cancers are left out); others 200, early 94
    assert (a["first_year"], a["last_year"]) == (2021, 2022)
    assert (a["found"], a["found_early"], a["others"], a["others_early"]) == (50, 36, 200, 94)
    assert a["found_pct"] == pytest.approx(72.0) and a["others_pct"] == pytest.approx(47.0)
    assert a["difference"] == pytest.approx(25.0)
    assert (a["lower"], a["upper"]) == pytest.approx(newcombe(36, 50, 94, 200), rel=1e-6)
    total = out.loc[ALL_ALLIANCES]
    # + B: staged 200, early 85, found 25, early 18: others 375 - ... = 375, early 161
    assert (total["found"], total["found_early"]) == (75, 54)
    assert (total["others"], total["others_early"]) == (375, 161)
    assert total["difference"] == pytest.approx(100 * (54 / 75 - 161 / 375))
    assert (total["lower"], total["upper"]) == pytest.approx(newcombe(54, 75, 161, 375),
                                                             rel=1e-6)
    assert "C" not in out.index  # never live: nothing comparable


def test_more_found_than_staged_is_an_error():
    too_many = FOUND.assign(cancers_found=FOUND["cancers_found"] * 10)
    with pytest.raises(ParameterError, match="do not match"):
        found_against_others(too_many, STAGED, TIMELINE)
