"""The waiting-time standards' dates and targets, as NHS England set them.

Sources: NHS England Cancer Waiting Times guidance v11 (standards to 30 September
2023) and v12 (from 1 October 2023); the 28-day Faster Diagnosis Standard in force
from 1 October 2021 at 75%; 2024/25 and 2025/26 operational planning guidance
(FDS 77% by March 2025, 80% by March 2026; 62-day 70% and 75%); NHS Long Term Plan
(2019) para 3.51 (75% at stage 1-2 by 2028).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from helpers.errors import ParameterError
from helpers.registry import indicators
from helpers.registry.indicators import period_bounds


def value(key: str, period: str) -> float | None:
    standard = indicators.get(key).standard_for(period)
    return None if standard is None else standard.value


@pytest.mark.parametrize(("key", "period", "expected"), [
    ("fds_28", "2021-09", None), ("fds_28", "2021-10", 75.0), ("fds_28", "2021", None),
    ("fds_28", "2022", 75.0), ("fds_28", "2025-03", 75.0),
    ("cwt_62_urgent", "2022", 85.0), ("cwt_62_urgent", "2023-09", 85.0),
    ("cwt_62_urgent", "2023-10", None), ("cwt_62_urgent", "2023", None),
    ("cwt_62_screening", "2019", 90.0), ("cwt_62_screening", "2024-01", None),
    ("cwt_62", "2023-09", None), ("cwt_62", "2023-10", 85.0), ("cwt_62", "2024", 85.0),
    ("cwt_31", "2019", 96.0), ("cwt_31", "2024-06", 96.0),
    ("early_stage", "2022", None),
])
def test_standard_in_force(key, period, expected):
    assert value(key, period) == expected


def test_operational_targets_and_ambition():
    fds = indicators.get("fds_28")
    assert fds.operational_for("2025-03").value == 77.0
    assert fds.operational_for("2026-03").value == 80.0
    assert fds.operational_for("2024-03") is None
    assert indicators.get("cwt_62").operational_for("2025-01").value == 70.0
    early = indicators.get("early_stage")
    assert early.ambition.value == 75.0 and early.ambition.start.year == 2028
    assert early.targets_for("2022") == ()


def test_window_keeps_only_days_a_standard_applied():
    told = pd.Series(pd.to_datetime(["2021-09-30", "2021-10-01", None]))
    assert indicators.get("fds_28").in_window(told).tolist() == [False, True, False]
    treated = pd.Series(pd.to_datetime(["2023-09-30", "2023-10-01"]))
    assert indicators.get("cwt_62_urgent").in_window(treated).tolist() == [True, False]
    assert indicators.get("cwt_62").in_window(treated).tolist() == [False, True]
    assert indicators.get("fds_28").applies_from == date(2021, 10, 1)


def test_period_bounds():
    assert period_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))  # leap year
    assert period_bounds("2019-2022") == (date(2019, 1, 1), date(2022, 12, 31))
    assert period_bounds("2021-10 to 2021-12") == (date(2021, 10, 1), date(2021, 12, 31))
    with pytest.raises(ParameterError):
        period_bounds("FY22")


def test_missing_and_unstageable_stage_are_counted_apart():
    """'Stage not recorded' used to mix a missing stage with a recorded 'unstageable'."""
    tumours = pd.DataFrame({"stage": ["1", "3", "unstageable", "missing", "missing"]})
    recorded, total = indicators.get("stage_recorded").counts(tumours)
    unstageable, _ = indicators.get("stage_unstageable").counts(tumours)
    assert recorded.tolist() == [1, 1, 1, 0, 0] and total.tolist() == [1, 1, 1, 1, 1]
    assert unstageable.tolist() == [0, 0, 1, 0, 0]
    assert {"stage_recorded", "stage_unstageable"} <= set(indicators.DATA_QUALITY_INDICATORS)
