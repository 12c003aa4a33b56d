"""Panels shared by the event-study and wild-bootstrap tests (tests/stats/did), and the
Newcombe interval written out for the stage-comparison tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hand_intervals import newcombe as hand_newcombe


def small_panel(seed: int = 3) -> pd.DataFrame:
    """6 units x 5 periods with weights; units 0-2 treated; clusters pair units."""
    rng = np.random.default_rng(seed)
    rows = [
        {
            "unit": f"u{u}",
            "period": 2020 + t,
            "treated": int(u < 3),
            "y": rng.normal(),
            "w": rng.uniform(0.5, 2.0),
            "region": f"r{u % 3}",
        }
        for u in range(6)
        for t in range(5)
    ]
    return pd.DataFrame(rows)


def dummy_matrix(panel: pd.DataFrame, reference: int) -> pd.DataFrame:
    """Every unit dummy, period dummies but the first, treated x period but the reference."""
    units = pd.get_dummies(panel["unit"], dtype=float)
    periods = pd.get_dummies(panel["period"], dtype=float)
    inter = periods.mul(panel["treated"], axis=0).drop(columns=reference).add_prefix("x")
    return pd.concat([units, periods.iloc[:, 1:].add_prefix("p"), inter], axis=1)


def simulated_panel(effect: float, seed: int, n_units: int = 20, n_periods: int = 12):
    """Units 0..n/2-1 treated from period 6 on; unit effects, common trend, noise sd 1."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(n_periods), n_units)
    treated = (unit < n_units // 2).astype(int)
    y = (
        rng.normal(0, 3, n_units)[unit]
        + 0.2 * period
        + rng.normal(0, 1, unit.size)
        + effect * treated * (period >= 6)
    )
    weight = rng.uniform(50, 500, n_units)[unit]
    return pd.DataFrame({"unit": unit, "period": period, "treated": treated, "y": y, "w": weight})


ARGS = {
    "outcome": "y",
    "unit": "unit",
    "period": "period",
    "treated": "treated",
    "reference_period": 5,
}


def newcombe(x1, n1, x2, n2) -> tuple[float, float]:
    """Newcombe's interval of p1 - p2 in points (the hand formula of ``hand_intervals``)."""
    _, lower, upper = hand_newcombe(x1, n1, x2, n2)
    return lower, upper
