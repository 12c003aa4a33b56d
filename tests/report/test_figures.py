"""helpers.report.figures: the tidy CSV of every figure, on a hand-made cube."""

from __future__ import annotations

import pandas as pd
from hand_intervals import wilson

from helpers.registry import alliances
from helpers.report import tables
from helpers.report.context import Context
from helpers.report.figures import COLUMNS, tidy_figures

ENGLAND = "E92000001"
WESSEX = alliances.resolve("Wessex")


def row(gtype, code, name, parent, n, d, dimension="all", group="all", period="2022"):
    return {"period": period, "geography_type": gtype, "geography_code": code,
            "geography_name": name, "parent_code": parent, "indicator": "early_stage",
            "dimension": dimension, "group": group, "numerator": n, "denominator": d}


def cube() -> pd.DataFrame:
    rows = []
    for period, (n, d) in {"2021": (500, 1000), "2022": (560, 1000)}.items():
        rows.append(row("alliance", WESSEX.code, WESSEX.name, ENGLAND, n, d, period=period))
        rows.append(row("england", ENGLAND, "England", "", 10 * n, 10 * d, period=period))
        for group, share in (("1", 0.4), ("5", 0.6)):
            rows.append(row("alliance", WESSEX.code, WESSEX.name, ENGLAND, share * n,
                            share * d, "imd_quintile", group, period))
            rows.append(row("england", ENGLAND, "England", "", 10 * share * n,
                            10 * share * d, "imd_quintile", group, period))
        rows.append(row("lad", "E06000045", "Southampton", WESSEX.code, n - 3, d - 6,
                        period=period))
        rows.append(row("lad", "E06000046", "Isle of Wight", WESSEX.code, 3, 6, period=period))
        rows.append(row("alliance", "E56000021", "West London", ENGLAND, 9 * n, 9 * d,
                        period=period))
    return pd.DataFrame(rows)


def test_alliance_figures_by_year_group_and_local_authority():
    figures = tidy_figures(Context(cube=cube(), status={"synthetic": True}, alliance=WESSEX))
    assert tuple(figures.columns) == COLUMNS
    mine = figures.set_index(["area_name", "breakdown", "group", "period"])
    lower, upper = wilson(560, 1000)
    assert mine.loc[("Wessex", "all", "all", "2022"), ["value_percent", "lower_95", "upper_95",
                                                      "numerator", "denominator"]].tolist() == [
        "56.0", f"{100 * lower:.1f}", f"{100 * upper:.1f}", "560", "1000"]
    assert mine.loc[("England", "all", "all", "2021"), "numerator"] == "5000"
    pooled = mine.loc[("Wessex", "imd_quintile", "1", "2021-2022")]
    assert (pooled["numerator"], pooled["denominator"]) == ("424", "800")  # 200 + 224
    lads = figures[figures["area_type"] == "lad"].set_index("area_name")
    assert set(lads.index) == {"Southampton", "Isle of Wight"}
    assert lads.loc["Isle of Wight", "numerator"] == "*"  # 6 of 12, pooled: still small
    assert set(lads["compared_with"]) == {"Wessex"}
    assert "West London" not in set(figures["area_name"])  # another alliance's report


def test_figures_carry_the_tables_suppression():
    ctx = Context(cube=cube(), status={"synthetic": True}, alliance=WESSEX)
    shown = tables.local_authorities(ctx.cube, WESSEX.code, "early_stage")
    figures = tidy_figures(ctx)
    lads = figures[figures["area_type"] == "lad"].set_index("area_code")
    for r in shown.itertuples():
        hidden = pd.isna(r.numerator)
        assert (lads.loc[r.geography_code, "numerator"] == "*") == hidden


def test_england_figures_hold_the_alliances_with_their_verdicts():
    figures = tidy_figures(Context(cube=cube(), status={"synthetic": True}))
    ranked = figures[figures["compared_with"] == "England"]
    assert set(ranked["area_name"]) == {"Wessex", "West London"}
    assert set(ranked["period"]) == {"2022"}  # the latest, as the ranking tables
    assert set(ranked["verdict"]) <= {"higher", "lower", "similar", "too few to say"}
    assert (figures["area_type"] != "lad").all()
