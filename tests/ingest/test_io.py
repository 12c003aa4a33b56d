"""helpers.ingest.io: the read, check, quarantine and write steps every input shares."""

from __future__ import annotations

import hashlib

import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers.errors import InputDataError
from helpers.ingest import io


def test_read_table_reads_csv_as_text_and_numbers_rows(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("\ufeff a ,b\n007,\n2,x\n", encoding="utf-8")
    df = io.read_table(path)
    assert list(df.columns) == ["a", "b", io.SOURCE_ROW, io.SOURCE_FILE]
    assert df["a"].tolist() == ["007", "2"]  # text kept, leading zero too
    assert pd.isna(df.loc[0, "b"]) and df.loc[1, "b"] == "x"
    assert df[io.SOURCE_ROW].tolist() == [1, 2] and set(df[io.SOURCE_FILE]) == {"x.csv"}


def test_read_table_refuses_other_formats(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(InputDataError, match="neither .csv nor .parquet"):
        io.read_table(path)


def test_check_columns_names_every_missing_one(tmp_path):
    df = pd.DataFrame({"a": [1], io.SOURCE_ROW: [1], io.SOURCE_FILE: ["f"]})
    io.check_columns(df, tmp_path / "f.csv", ["a"])
    with pytest.raises(InputDataError) as err:
        io.check_columns(df, tmp_path / "f.csv", ["a", "b", "c"], one_of=("x", "y"))
    text = str(err.value)
    assert "'x', 'b', 'c'" in text and "found 'a'" in text and "source_row" not in text
    assert err.value.column == "x"


def test_clean_text_strips_and_blanks():
    out = io.clean_text(pd.Series([" a ", "", "  ", None]))
    assert out.iloc[0] == "a" and out.iloc[1:].isna().all()


def test_join_and_count_reasons():
    index = pd.RangeIndex(3)
    rules = {"too old": pd.Series([True, False, True]), "no id": pd.Series([True, None, False])}
    reasons = io.join_reasons(rules, index)
    assert reasons.tolist() == ["too old; no id", "", "too old"]
    assert io.count_reasons(reasons) == {"too old": 2, "no id": 1}


def test_sha256_matches_hashlib(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"cancer alliance" * 100_000)
    assert io.sha256(path) == hashlib.sha256(b"cancer alliance" * 100_000).hexdigest()


def test_write_parquet_carries_the_data_status(tmp_path):
    path = io.write_parquet(pd.DataFrame({"n": [1, 2]}), tmp_path / "sub" / "t.parquet",
                            {"data_status": "SYNTHETIC", "source": "synthetic"})
    meta = pq.read_schema(path).metadata
    assert meta[b"data_status"] == b"SYNTHETIC" and meta[b"source"] == b"synthetic"
    assert pd.read_parquet(path)["n"].tolist() == [1, 2]


def test_write_quarantine_csv_puts_the_status_first(tmp_path):
    path = io.write_quarantine_csv(pd.DataFrame({"reason": ["no id"]}), tmp_path / "q" / "q.csv",
                                   data_status="RECORD-LEVEL")
    assert path.read_text().splitlines() == ["data_status,reason", "RECORD-LEVEL,no id"]


def test_formulas_in_csvs_for_people_are_neutralised(tmp_path):
    """OWASP CSV injection: cells starting =, +, -, @, tab or CR get a leading quote."""
    rows = pd.DataFrame({"reason": ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "ok"],
                         "count": [1, -3, 2, 4, 5]})
    path = io.write_quarantine_csv(rows, tmp_path / "q.csv", data_status="RECORD-LEVEL")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back["reason"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2+3",
                                       "'@SUM(A1)", "ok"]
    assert back["count"].tolist() == ["1", "-3", "2", "4", "5"]  # numbers stay numbers



def test_per_value_converts_categories_once_and_keeps_missing():
    values = pd.Series(pd.Categorical([" a", "b ", None, "a", " a"]), index=[5, 6, 7, 8, 9])
    seen = []

    def strip(v):
        seen.append(len(v))
        return v.astype("string").str.strip()

    out = io.per_value(values, strip)
    assert seen == [3]  # the three categories " a", "a", "b ", not the five rows
    assert isinstance(out.dtype, pd.CategoricalDtype)
    assert out.astype(object).tolist()[:2] == ["a", "b"] and pd.isna(out.iloc[2])
    assert out.tolist()[3:] == ["a", "a"] and list(out.index) == [5, 6, 7, 8, 9]
    # a value that converts to missing becomes missing; plain text is converted as it is
    codes = io.per_value(pd.Series(pd.Categorical(["x", "y"])), lambda v: v.map({"x": "1"}))
    assert codes.iloc[0] == "1" and pd.isna(codes.iloc[1])
    assert io.per_value(pd.Series([" z"]), strip).tolist() == ["z"]


def test_as_category_sorts_and_drops_unused_like_text():
    values = pd.Series(pd.Categorical(["b", "a", "b"], categories=["c", "b", "a"]))
    out = io.as_category(values)
    assert list(out.cat.categories) == ["a", "b"] and out.tolist() == ["b", "a", "b"]
    text = io.as_category(pd.Series(["b", "a", "b"]))
    assert list(text.cat.categories) == ["a", "b"] and text.tolist() == ["b", "a", "b"]


def test_source_files_finds_each_kind_by_source(tmp_path):
    """Synthetic: parquet only; local: csv and parquet, any case; an unknown source is refused."""
    from helpers.config import Paths
    from helpers.errors import InputDataError
    from helpers.ingest.io import source_files

    paths = Paths(tmp_path)
    paths.raw_synthetic.mkdir(parents=True)
    paths.raw_local.mkdir(parents=True)
    for name in ("SYNTHETIC_referrals.parquet", "SYNTHETIC_referrals.csv", "x_tumours.parquet"):
        (paths.raw_synthetic / name).write_text("")
    for name in ("b_referrals.CSV", "a_referrals.parquet", "referrals.txt", "c_follow_up.csv"):
        (paths.raw_local / name).write_text("")
    assert [p.name for p in source_files(paths, "synthetic", "referrals")] == [
        "SYNTHETIC_referrals.parquet"]
    assert [p.name for p in source_files(paths, "local", "referrals")] == [
        "a_referrals.parquet", "b_referrals.CSV"]
    assert [p.name for p in source_files(paths, "local", "follow_up")] == ["c_follow_up.csv"]
    assert source_files(paths, "local", "activity") == []
    with pytest.raises(InputDataError, match="unknown source 'public'"):
        source_files(paths, "public", "referrals")
