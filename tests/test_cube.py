"""The count cube and indicator definitions on a tiny table counted by hand."""

from __future__ import annotations

import pandas as pd
from conftest import referral, tumour

from helpers.cube import build_cube, pool_periods, select
from helpers.ingest.clean import canonicalise, parse_types
from helpers.registry.indicators import INDICATORS
from helpers.registry.schema import RAW_TUMOUR_COLUMNS


def processed(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["source_row"] = range(1, len(df) + 1)
    df = parse_types(df, "fixture.csv", RAW_TUMOUR_COLUMNS)
    df["alliance_code"] = "E56000021"
    return canonicalise(df)


# Six tumours in West London, 2022; two in 2021. Hand counts are in the tests.
ROWS = [
    tumour(tumour_id="a", stage="1", imd_decile="1", ethnicity="White"),
    tumour(tumour_id="b", stage="2", imd_decile="2", ethnicity="Asian"),
    tumour(tumour_id="c", stage="3", imd_decile="2", ethnicity="White"),
    tumour(
        tumour_id="d",
        stage="4",
        imd_decile="10",
        ethnicity="Asian",
        route="Emergency Presentation",
        referral_date="",
        told_outcome_date="",
    ),
    tumour(tumour_id="e", stage="missing", imd_decile="9", ethnicity="White"),
    tumour(
        tumour_id="f",
        stage="unstageable",
        imd_decile="10",
        ethnicity="White",
        lad_code="E09000033",
        lad_name="Westminster",
    ),
    tumour(
        tumour_id="g",
        diagnosis_date="2021-11-01",
        stage="2",
        imd_decile="5",
        referral_date="2021-10-03",
        told_outcome_date="2021-10-31",
        decision_to_treat_date="2021-11-10",
        first_treatment_date="2021-11-20",
    ),
    tumour(
        tumour_id="h",
        diagnosis_date="2021-11-01",
        stage="4",
        imd_decile="6",
        referral_date="2021-10-02",
        told_outcome_date="2021-10-31",
        decision_to_treat_date="2021-11-10",
        first_treatment_date="2021-11-20",
    ),
]


def test_early_stage_counts_by_hand():
    cube = build_cube(processed(ROWS))
    alliance = select(cube, indicator="early_stage", geography_type="alliance")
    y2022 = alliance[alliance["period"] == "2022"].iloc[0]
    # staged (1-4) in 2022: a, b, c, d = 4; early (1-2): a, b = 2
    assert (y2022["numerator"], y2022["denominator"]) == (2, 4)
    q = select(cube, indicator="early_stage", dimension="imd_quintile", geography_type="alliance")
    q = q[q["period"] == "2022"].set_index("group")
    # quintile 1 (deciles 1-2): a, b, c -> 2 of 3; quintile 5 (9-10): d staged -> 0 of 1
    assert (q.loc["1", "numerator"], q.loc["1", "denominator"]) == (2, 3)
    assert (q.loc["5", "numerator"], q.loc["5", "denominator"]) == (0, 1)


def test_fds_boundary_28_days_met_29_not():
    cube = build_cube(processed(ROWS))
    fds = select(cube, indicator="fds_28", geography_type="england")
    oct21 = fds[fds["period"] == "2021-10"].iloc[0]
    # counted by the month told: g 28 days (met), h 29 days (not met)
    assert (oct21["numerator"], oct21["denominator"]) == (1, 2)
    # a, b, c, e, f: referred 2022-02-01, told 2022-02-20 (19 days); d has no referral
    feb22 = fds[fds["period"] == "2022-02"].iloc[0]
    assert (feb22["numerator"], feb22["denominator"]) == (5, 5)


def test_fds_is_not_counted_before_october_2021():
    early = [tumour(tumour_id="x", diagnosis_date="2021-09-20", referral_date="2021-09-01",
                    told_outcome_date="2021-09-30", decision_to_treat_date="2021-10-05",
                    first_treatment_date="2021-10-10")]
    cube = build_cube(processed(early))
    assert select(cube, indicator="fds_28", dimension=None).empty
    # the 62-day urgent-referral standard applied then: 2021-09-01 -> 2021-10-10 = 39 days
    urgent = select(cube, indicator="cwt_62_urgent", geography_type="england").iloc[0]
    assert (urgent["period"], urgent["numerator"], urgent["denominator"]) == ("2021", 1, 1)
    # the combined 62-day standard only from 1 October 2023: nothing here
    assert select(cube, indicator="cwt_62", dimension=None).empty


def test_62_day_by_route_and_combined_after_october_2023():
    rows = [
        tumour(tumour_id="s", route="Screening", diagnosis_date="2023-08-01",
               referral_date="2023-07-01", told_outcome_date="2023-08-05",
               decision_to_treat_date="2023-08-20", first_treatment_date="2023-09-30"),
        tumour(tumour_id="u", diagnosis_date="2023-09-01", referral_date="2023-08-01",
               told_outcome_date="2023-08-20", decision_to_treat_date="2023-09-20",
               first_treatment_date="2023-10-01"),
    ]
    cube = build_cube(processed(rows))
    screen = select(cube, indicator="cwt_62_screening", geography_type="england").iloc[0]
    # s: 2023-07-01 -> 2023-09-30 = 91 days > 62, treated before the change
    assert (screen["numerator"], screen["denominator"]) == (0, 1)
    # u: treated 2023-10-01, so it counts in the combined standard only (61 days, met)
    assert select(cube, indicator="cwt_62_urgent", dimension=None).empty
    combined = select(cube, indicator="cwt_62", geography_type="england").iloc[0]
    assert (combined["numerator"], combined["denominator"]) == (1, 1)


def test_fds_comes_from_referrals_when_present():
    from helpers.ingest.referrals import read_referrals

    refs = [referral(referral_id="R1"),  # 19 days: met
            referral(referral_id="R2", referral_date="2022-01-20"),  # 31 days: not met
            referral(referral_id="R3", route="Breast symptomatic",
                     suspected_cancer="Breast symptomatic", referral_date="2022-01-23"),  # 28
            referral(referral_id="R4", cancer_diagnosed="yes", tumour_id="a")]  # 19 days
    path = "referrals.csv"
    import pathlib
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        file = pathlib.Path(tmp) / path
        pd.DataFrame(refs).to_csv(file, index=False)
        kept, _, reasons = read_referrals([file], pd.Series(["a"]))
    assert (reasons == "").all()
    cube = build_cube(processed(ROWS), kept)
    fds = select(cube, indicator="fds_28", geography_type="england", period="2022-02").iloc[0]
    # R1, R3 (28 days), R4 met; R2 not: 3 of 4, whatever the tumours say (5 of 5)
    assert (fds["numerator"], fds["denominator"]) == (3, 4)
    by_route = select(cube, indicator="fds_28", dimension="route", geography_type="england")
    assert dict(zip(by_route["group"], by_route["denominator"], strict=True)) == {
        "Two Week Wait": 3, "Breast symptomatic": 1}
    # the tumour indicators are unchanged by the referrals
    assert build_cube(processed(ROWS)).query("indicator != 'fds_28'").reset_index(
        drop=True).equals(cube.query("indicator != 'fds_28'").reset_index(drop=True))


def test_emergency_and_cross_dimension():
    cube = build_cube(processed(ROWS))
    em = select(cube, indicator="emergency_presentation", geography_type="alliance")
    em = em[em["period"] == "2022"].iloc[0]
    assert (em["numerator"], em["denominator"]) == (1, 6)
    cross = select(
        cube,
        indicator="early_stage",
        dimension="imd_quintile x ethnicity",
        geography_type="alliance",
    )
    cross = cross[cross["period"] == "2022"].set_index("group")
    assert (cross.loc["1 | White", "numerator"], cross.loc["1 | White", "denominator"]) == (1, 2)


def test_local_authorities_keep_their_alliance_and_pool_adds_up():
    cube = build_cube(processed(ROWS))
    lads = select(cube, indicator="early_stage", geography_type="lad")
    assert set(lads["parent_code"]) == {"E56000021"}
    pooled = pool_periods(select(cube, indicator="early_stage", geography_type="alliance"))
    assert pooled.iloc[0]["period"] == "2021-2022"
    # 2022: 2 of 4; 2021: g (stage 2) and h (stage 4) -> 1 of 2; pooled 3 of 6
    assert (pooled.iloc[0]["numerator"], pooled.iloc[0]["denominator"]) == (3, 6)


def test_every_level_sums_to_england():
    cube = build_cube(processed(ROWS))
    for key in INDICATORS:
        england = select(cube, indicator=key, geography_type="england")["denominator"].sum()
        for level in ("alliance", "lad", "icb"):
            assert select(cube, indicator=key, geography_type=level)["denominator"].sum() == england


# A tiny cube written out by hand, in no particular order, with a non-default index,
# for select: (period, type, code, parent, indicator, dimension, group, num, den).
SMALL = pd.DataFrame(
    [
        ("2022", "alliance", "A1", "E92000001", "early_stage", "all", "All", 5, 10),
        ("2021", "england", "E92000001", "", "early_stage", "all", "All", 50, 100),
        ("2022", "lad", "L1", "A1", "early_stage", "all", "All", 2, 4),
        ("2022", "alliance", "A1", "E92000001", "early_stage", "imd_quintile", "1", 1, 3),
        ("2022", "alliance", "A1", "E92000001", "early_stage", "imd_quintile", "5", 4, 7),
        ("2021", "alliance", "A2", "E92000001", "fds_28", "all", "All", 7, 9),
        ("2022", "lad", "L2", "A2", "early_stage", "all", "All", 3, 5),
        ("2021", "alliance", "A1", "E92000001", "early_stage", "all", "All", 6, 11),
    ],
    columns=["period", "geography_type", "geography_code", "parent_code", "indicator",
             "dimension", "group", "numerator", "denominator"],
    index=range(100, 108),
).assign(geography_name=lambda d: d["geography_code"])


def cells(rows: pd.DataFrame) -> list[tuple[str, str, str]]:
    return list(zip(rows["geography_code"], rows["period"], rows["group"], strict=True))


def test_select_single_values_keep_the_cube_order_and_renumber():
    rows = select(SMALL, indicator="early_stage")  # dimension "all" by default
    assert cells(rows) == [("A1", "2022", "All"), ("E92000001", "2021", "All"),
                           ("L1", "2022", "All"), ("L2", "2022", "All"),
                           ("A1", "2021", "All")]
    assert list(rows.index) == [0, 1, 2, 3, 4]
    assert list(rows.columns) == list(SMALL.columns)
    lad = select(SMALL, indicator="early_stage", geography_type="lad", parent_code="A2")
    assert (lad["numerator"].tolist(), lad["denominator"].tolist()) == ([3], [5])


def test_select_a_list_matches_any_value_in_cube_order_not_list_order():
    rows = select(SMALL, indicator="early_stage", geography_type=["england", "alliance"])
    assert cells(rows) == [("A1", "2022", "All"), ("E92000001", "2021", "All"),
                           ("A1", "2021", "All")]
    both = select(SMALL, indicator=("fds_28", "early_stage"), geography_type="alliance",
                  period={"2021"})
    assert cells(both) == [("A2", "2021", "All"), ("A1", "2021", "All")]


def test_select_group_and_period():
    fifths = select(SMALL, indicator="early_stage", dimension="imd_quintile", group=("5", "1"))
    assert cells(fifths) == [("A1", "2022", "1"), ("A1", "2022", "5")]
    least = select(SMALL, indicator="early_stage", dimension="imd_quintile", group="5")
    assert (least["numerator"].tolist(), least["denominator"].tolist()) == ([4], [7])
    y2021 = select(SMALL, indicator="early_stage", period="2021")
    assert y2021["denominator"].tolist() == [100, 11]


def test_select_none_means_any_indicator_or_dimension():
    rows = select(SMALL, indicator=None, dimension=None, geography_type="alliance")
    assert rows["geography_code"].tolist() == ["A1", "A1", "A1", "A2", "A1"]
    assert rows["denominator"].sum() == 10 + 3 + 7 + 9 + 11
    any_dimension = select(SMALL, indicator="early_stage", dimension=None, geography_code="A1")
    assert any_dimension["dimension"].tolist() == ["all", "imd_quintile", "imd_quintile", "all"]


def test_select_nothing_matching_is_empty_with_every_column():
    rows = select(SMALL, indicator="early_stage", geography_type="icb")
    assert rows.empty and list(rows.columns) == list(SMALL.columns)
    assert select(SMALL, indicator="early_stage", period=[]).empty


# --------------------------------------------------------------------------- the SQL


def mixed_rows() -> pd.DataFrame:
    """Rows at every boundary the indicator definitions draw: waits of 28/29, 31/32 and
    62/63 days, missing dates, every route and stage, and the October 2023 change."""
    rows = [
        tumour(tumour_id="w28", referral_date="2022-01-01", told_outcome_date="2022-01-29"),
        tumour(tumour_id="w29", referral_date="2022-01-01", told_outcome_date="2022-01-30"),
        tumour(tumour_id="t31", decision_to_treat_date="2022-03-01",
               first_treatment_date="2022-04-01"),
        tumour(tumour_id="t32", decision_to_treat_date="2022-03-01",
               first_treatment_date="2022-04-02"),
        tumour(tumour_id="r62", route="Screening", referral_date="2022-01-01",
               told_outcome_date="2022-01-10", first_treatment_date="2022-03-04"),
        tumour(tumour_id="r63", route="Screening", referral_date="2022-01-01",
               told_outcome_date="2022-01-10", first_treatment_date="2022-03-05"),
        tumour(tumour_id="new", diagnosis_date="2023-09-20", referral_date="2023-08-20",
               told_outcome_date="2023-09-01", decision_to_treat_date="2023-09-25",
               first_treatment_date="2023-10-01"),
        tumour(tumour_id="emr", route="Emergency Presentation", referral_date="",
               told_outcome_date="", decision_to_treat_date="", first_treatment_date=""),
        tumour(tumour_id="unk", route="Unknown", stage="missing", ethnicity="Not known"),
        tumour(tumour_id="uns", route="GP Referral", stage="unstageable"),
        tumour(tumour_id="s3", stage="3", route="Inpatient Elective"),
    ]
    return processed(rows)


def test_indicator_sql_matches_the_registry_row_by_row():
    import duckdb

    from helpers.cube import INDICATOR_SQL

    assert set(INDICATOR_SQL) == set(INDICATORS)
    df = mixed_rows()
    con = duckdb.connect()
    con.register("t", df)
    for key, (num, den) in INDICATOR_SQL.items():
        got = con.sql(f"SELECT tumour_id, CASE WHEN ({num}) AND ({den}) THEN 1 ELSE 0 END, "
                      f"CASE WHEN {den} THEN 1 ELSE 0 END FROM t").df().set_index("tumour_id")
        want_num, want_den = INDICATORS[key].counts(df)
        got = got.loc[df["tumour_id"]]
        assert got.iloc[:, 0].tolist() == want_num.tolist(), key
        assert got.iloc[:, 1].tolist() == want_den.tolist(), key


def test_boundaries_counted_by_hand():
    cube = build_cube(mixed_rows())
    england = select(cube, indicator=None, geography_type="england", period="2022")
    got = {k: (n, d) for k, n, d in zip(england["indicator"], england["numerator"],
                                        england["denominator"], strict=True)}
    # 31-day: every 2022 row with both dates (all but emr): t32 alone waits 32 days;
    # t31 waits 31, r62 and r63 were treated before the decision date, the rest 15 days
    assert got["cwt_31"] == (8, 9)
    # 62-day screening: r62 (62 days) met, r63 not
    assert got["cwt_62_screening"] == (1, 2)
    # ten rows in 2022 ("new" is 2023). Emergency: emr, of the 9 with a known route
    assert got["emergency_presentation"] == (1, 9)
    # staged 1-4: all but unk (missing) and uns (unstageable) = 8, of which s3 is late
    assert got["early_stage"] == (7, 8)
    assert got["stage_unstageable"] == (1, 10) and got["stage_recorded"] == (9, 10)
    fds = select(cube, indicator="fds_28", geography_type="england").set_index("period")
    # told in January 2022: w28 (28 days, met), w29 (29, not), r62, r63 (9 days, met)
    assert tuple(fds.loc["2022-01", ["numerator", "denominator"]]) == (3, 4)
    # "new" was treated on 2023-10-01: the combined standard, not the by-route one
    y2023 = select(cube, indicator=["cwt_62", "cwt_62_urgent"], geography_type="england",
                   period="2023")
    assert y2023[["indicator", "numerator", "denominator"]].values.tolist() == [
        ["cwt_62", 1, 1]]


def test_parquet_files_give_the_same_cube_as_a_frame(tmp_path):
    df = mixed_rows()
    path = tmp_path / "tumours.parquet"
    df.to_parquet(path)
    pd.testing.assert_frame_equal(build_cube(path), build_cube(df))


def test_cube_sql_is_spark_sql_with_the_same_meaning():
    """Spark's parser reads every query; DuckDB gives the same cube from Spark's reading."""
    import duckdb
    import sqlglot
    from sqlglot.errors import ErrorLevel

    from helpers.cube import cube_sql

    df = mixed_rows()
    con = duckdb.connect()
    con.register("tumours", df)
    yearly = [k for k, ind in INDICATORS.items() if ind.period_unit == "year"]
    for sql in (cube_sql("tumours", yearly, df.columns),
                cube_sql("tumours", ["fds_28"], df.columns, monthly=True)):
        parsed = sqlglot.parse_one(sql, read="spark", error_level=ErrorLevel.RAISE)
        assert "GROUPING SETS" in parsed.sql(dialect="spark")
        via_spark = sqlglot.transpile(sql, read="spark", write="duckdb")[0]
        direct, again = (sorted(con.sql(q).fetchall()) for q in (sql, via_spark))
        assert direct == again and len(direct) > 50
