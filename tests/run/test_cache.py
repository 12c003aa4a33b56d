"""Cache keys: each kind of input changes exactly the keys it should."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from helpers.config import Paths
from helpers.run import cache


def cube_row(geography_type, code, parent, numerator, indicator="early_stage"):
    return {"period": "2022", "geography_type": geography_type, "geography_code": code,
            "geography_name": code, "parent_code": parent, "indicator": indicator,
            "dimension": "all", "group": "all", "numerator": numerator, "denominator": 100}


@pytest.fixture
def processed(tmp_path):
    paths = Paths(tmp_path)
    paths.processed.mkdir(parents=True)
    rows = [cube_row("england", "E92000001", "", 90),
            cube_row("alliance", "A1", "E92000001", 50),
            cube_row("alliance", "A2", "E92000001", 40),
            cube_row("lad", "L1", "A1", 20), cube_row("lad", "L2", "A1", 30),
            cube_row("lad", "L3", "A2", 40)]
    pd.DataFrame(rows).to_parquet(paths.processed / "cube.parquet")
    pd.DataFrame({"lsoa_code": ["x", "y"], "population": [1, 2]}).to_parquet(
        paths.processed / "areas.parquet")
    return paths


STATUS = {"source": "synthetic", "synthetic": True, "built_at": "2026-01-01T00:00:00",
          "inputs": [{"file": "a", "sha256": "1"}], "rows_in": 10}


def keys(paths, status=STATUS):
    return cache.report_inputs(paths, status, ["A1", "A2"])


def rewrite_cube(paths, numerators):
    """Set the numerator of the cube rows at these positions."""
    cube = pd.read_parquet(paths.processed / "cube.parquet")
    for row, value in numerators.items():
        cube.loc[row, "numerator"] = value
    cube.to_parquet(paths.processed / "cube.parquet")


def changed(before, after):
    return sorted(k for k in before if before[k] != after[k])


def test_moving_counts_between_one_alliances_authorities_changes_it_and_england(processed):
    before = keys(processed)
    rewrite_cube(processed, {3: 25, 4: 25})  # L1 and L2 of A1: A1's total stays 50
    assert changed(before, keys(processed)) == ["A1", "england"]


def test_a_change_to_an_alliance_total_changes_every_report(processed):
    before = keys(processed)
    rewrite_cube(processed, {1: 51})  # A1's total
    assert changed(before, keys(processed)) == ["A1", "A2", "england"]


def test_a_change_to_the_areas_changes_every_report(processed):
    before = keys(processed)
    pd.DataFrame({"lsoa_code": ["x", "y"], "population": [1, 3]}).to_parquet(
        processed.processed / "areas.parquet")
    assert changed(before, keys(processed)) == ["A1", "A2", "england"]


def test_rebuilding_the_same_data_changes_no_report(processed):
    before = keys(processed)
    rebuilt = {**STATUS, "built_at": "2026-02-02T00:00:00",
               "inputs": [{"file": "a", "sha256": "2"}]}
    cube = pd.read_parquet(processed.processed / "cube.parquet")
    cube.to_parquet(processed.processed / "cube.parquet", compression="gzip")
    assert changed(before, keys(processed, rebuilt)) == []
    assert changed(before, keys(processed, {**STATUS, "rows_in": 11})) == ["A1", "A2", "england"]


def test_raw_files_are_hashed_by_content_and_memoised(tmp_path):
    paths = Paths(tmp_path)
    paths.raw_synthetic.mkdir(parents=True)
    raw = paths.raw_synthetic / "SYNTHETIC_tumours.parquet"
    raw.write_bytes(b"one")
    memo = tmp_path / "memo.json"
    first = cache.raw_inputs(paths, "synthetic", memo)
    assert first == {raw.name: cache.hashlib.sha256(b"one").hexdigest()}
    assert json.loads(memo.read_text())[str(raw)][1] == first[raw.name]
    raw.write_bytes(b"two")
    assert cache.raw_inputs(paths, "synthetic", memo) != first


def test_the_code_digest_changes_with_any_source_file(tmp_path):
    tree = tmp_path / "helpers"
    shutil.copytree(cache.SOURCE_ROOT / "src" / "helpers", tree,
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = cache.code_digest(tree)
    assert cache.code_digest(tree) == before
    (tree / "report" / "templates").mkdir(exist_ok=True)
    target = next((tree / "report").glob("*.py"))
    target.write_text(target.read_text() + "\n# changed\n")
    assert cache.code_digest(tree) != before


@pytest.mark.parametrize("name", ["CAI_SUPPRESSION_THRESHOLD", "CAI_DISCLOSURE_METHOD",
                                  "CAI_NO_SUPPRESSION"])
def test_settings_and_the_kernel_change_the_environment_digest(monkeypatch, name):
    before = cache.environment_digest("cancer-alliance-insights")
    assert cache.environment_digest("another-kernel") != before
    monkeypatch.setenv(name, "10")
    assert cache.environment_digest("cancer-alliance-insights") != before
    monkeypatch.setenv("CAI_HOME", "/elsewhere")  # where the data live is not an input
    assert cache.environment_digest("cancer-alliance-insights") == cache.environment_digest(
        "cancer-alliance-insights")


def test_the_package_versions_are_in_the_environment_digest(monkeypatch):
    before = cache.environment_digest("k")
    real = cache.metadata.distributions

    def one_upgraded():
        for dist in real():
            if dist.metadata["Name"] == "pandas":
                yield type("Upgraded", (), {"metadata": {"Name": "pandas"}, "version": "99"})()
            else:
                yield dist

    monkeypatch.setattr(cache.metadata, "distributions", one_upgraded)
    assert cache.environment_digest("k") != before


def test_a_cached_page_that_was_altered_is_not_reused(tmp_path):
    from dataclasses import dataclass

    @dataclass
    class Result:
        ok: bool
        sha256: str

    store = cache.Cache(tmp_path)
    store.page("x", "k" * 64).write_text("page")
    store.store("x", "k" * 64, Result(True, cache.hashlib.sha256(b"page").hexdigest()))
    assert store.lookup("x", "k" * 64) is None  # its downloads folder is missing
    (store.downloads("x", "k" * 64) / "table-01.csv").parent.mkdir()
    (store.downloads("x", "k" * 64) / "table-01.csv").write_text("a\n1\n")
    assert store.lookup("x", "k" * 64)["ok"]
    assert store.lookup("x", "j" * 64) is None
    store.page("x", "k" * 64).write_text("tampered")
    assert store.lookup("x", "k" * 64) is None
    store.prune([])
    assert list(tmp_path.iterdir()) == []
