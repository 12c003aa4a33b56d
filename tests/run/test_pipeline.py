"""End to end: a small generated dataset (2 alliances, 1 year) through every notebook to HTML."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from report.consistency import check_folder
from small_run import build

from helpers.registry import alliances
from helpers.run.pipeline import Job, execute

pytestmark = pytest.mark.e2e
CHOSEN = ("West London", "Peninsula")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    paths, data, result = build(tmp_path_factory.mktemp("e2e"), CHOSEN)
    return paths, data.tumours, result, data.referrals


def early_stage_percent(raw: pd.DataFrame) -> str:
    """Stage 1-2 of stage 1-4, computed here straight from the raw records."""
    staged = raw["stage"].isin(["1", "2", "3", "4"])
    early = raw["stage"].isin(["1", "2"])
    return f"{100 * early.sum() / staged.sum():.1f}%"


def fds_percent(referrals: pd.DataFrame, month: str = "2022-12") -> str:
    """FDS over every urgent referral told in ``month`` (NHS England's population), by hand."""
    told = referrals[referrals["told_outcome_date"].dt.strftime("%Y-%m") == month]
    days = (told["told_outcome_date"] - told["referral_date"]).dt.days
    return f"{100 * (days <= 28).sum() / len(told):.1f}%"


def test_every_notebook_succeeds(run):
    _, _, result, _ = run
    assert result.failed == [], result.summary()
    assert len(result.results) == 4  # clean, two alliances, England


@pytest.mark.parametrize("name", CHOSEN)
def test_report_holds_the_alliance_figures_computed_independently(run, name):
    paths, raw, _, referrals = run
    alliance = alliances.resolve(name)
    page = (paths.reports / f"{alliance.slug}.html").read_text()
    mine = raw[raw["alliance"] == alliance.name]
    assert f"{early_stage_percent(mine)} (95% CI" in page
    assert f"In 2022, {early_stage_percent(mine)}" in page
    fds = fds_percent(referrals[referrals["alliance"] == alliance.name])
    assert f"2022-12: 28-day Faster Diagnosis Standard {fds}" in page
    assert (
        f"England&#x27;s {early_stage_percent(raw)}" in page
        or f"England's {early_stage_percent(raw)}" in page
    )


@pytest.mark.parametrize(
    "page",
    ["west-london.html", "peninsula.html", "england.html", "data-quality.html", "index.html"],
)
def test_reports_are_offline_code_free_and_bannered(run, page):
    paths, _, _, _ = run
    text = (paths.reports / page).read_text()
    assert "SYNTHETIC DATA" in text
    assert not re.search(r"""(src|href)=["']https?://""", text), "external resource"
    assert "<script src=" not in text
    body = re.sub(r"<style.*?</style>", "", text, flags=re.S)
    assert 'class="jp-CodeMirrorEditor' not in body and "highlight hl-" not in body
    assert "context.load" not in body
    assert "import " not in body and "alliance: str" not in body


def test_index_and_manifest(run):
    paths, _, result, _ = run
    index = (paths.reports / "index.html").read_text()
    for href in ("west-london.html", "peninsula.html", "england.html", "data-quality.html"):
        assert f'href="{href}"' in index
    manifest = json.loads((paths.reports / "manifest.json").read_text())
    assert manifest["data_status"] == "SYNTHETIC"
    assert manifest["inputs"] and all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert {n["parameters"].get("alliance") for n in manifest["notebooks"]} >= set(CHOSEN)
    assert all(n["seconds"] > 0 and n["ok"] for n in manifest["notebooks"])
    assert manifest["packages"]["papermill"]


def test_no_report_states_two_verdicts_on_one_question(run):
    paths, _, _, _ = run
    assert check_folder(paths.reports) == {}


def test_the_methods_page_is_published_and_linked(run):
    paths, _, _, _ = run
    methods = (paths.reports / "methods.html").read_text()
    assert "How each figure is computed" in methods and "Newcombe" in methods
    for page in ("west-london.html", "england.html", "index.html"):
        assert 'href="methods.html"' in (paths.reports / page).read_text()


def test_processed_data_hold_no_identifiers(run):
    paths, _, _, _ = run
    for name in ("tumours.parquet", "areas.parquet", "cube.parquet"):
        cols = set(pd.read_parquet(paths.processed / name).columns)
        assert not cols & {"nhs_number", "postcode", "date_of_birth"}


def test_a_failing_notebook_is_reported_not_fatal(run):
    paths, _, _, _ = run
    bad = Job("alliance", "Broken", "02_alliance.ipynb", {"region": "x"}, "broken")
    result = execute(bad, str(paths.root), "cancer-alliance-insights", 60)
    assert not result.ok and "unknown parameter" in result.error
