"""Where to act: extra early diagnoses and Core20 shares on a hand-made cube."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.analysis.inequality.where_to_act import core20_share, extra_early_diagnoses

A = "E56000021"


def row(gtype, code, name, group, num, den, parent=A):
    return {"period": "2022", "geography_type": gtype, "geography_code": code,
            "geography_name": name, "parent_code": parent, "indicator": "early_stage",
            "dimension": "imd_quintile", "group": group, "numerator": num, "denominator": den}


CUBE = pd.DataFrame([
    row("alliance", A, "West London", "5", 60, 100, "E92000001"),   # benchmark 60%
    row("alliance", A, "West London", "1", 90, 200, "E92000001"),
    row("lad", "L1", "Brent", "1", 40, 100),    # 60 expected -> 20 extra
    row("lad", "L1", "Brent", "5", 35, 50),     # 30 expected, above -> 0 extra
    row("lad", "L2", "Ealing", "1", 50, 100),   # 60 expected -> 10 extra
    row("lad", "L2", "Ealing", "5", 25, 50),    # 30 expected -> 5 extra
])


def test_extra_early_diagnoses_by_hand():
    out = extra_early_diagnoses(CUBE, A).set_index("geography_name")
    assert out.loc["Brent", "extra"] == pytest.approx(20.0)
    assert out.loc["Ealing", "extra"] == pytest.approx(15.0)
    assert list(out.index) == ["Brent", "Ealing"]
    assert (out["extra_lower"] <= out["extra"]).all() and (out["extra"] <= out["extra_upper"]).all()
    assert out.attrs["benchmark"][0] == pytest.approx(0.6)


def test_core20_share_uses_populations():
    areas = pd.DataFrame({"alliance_code": [A, A, A], "lad_code": ["L1", "L1", "L2"],
                          "imd_quintile": [1, 3, 1], "population": [300, 700, 50]})
    out = core20_share(areas, A).set_index("geography_code")
    assert out.loc["L1", "core20_share"] == pytest.approx(0.3)
    assert out.loc["L2", "core20_share"] == pytest.approx(1.0)
    assert set(out["basis"]) == {"residents"}
