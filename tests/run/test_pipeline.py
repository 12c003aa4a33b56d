"""End to end: a small generated dataset (2 alliances, 1 year) through every notebook to HTML."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
from report.consistency import check_folder
from small_run import build

from helpers.ingest.io import sha256
from helpers.registry import alliances
from helpers.run import pipeline
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
    assert manifest["suppression_threshold"] == 7 and manifest["suppression"] == "on"
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


# --- interrupted runs -------------------------------------------------------------------------

ALLIANCES_CMD = str(Path(sys.executable).with_name("alliances"))
TOKEN_NAME = "FAULT_TEST_TOKEN"
"""Set in a test run's environment; every process of that run inherits it."""


def start_run(paths, token, *extra):
    env = {**os.environ, "CAI_HOME": str(paths.root), TOKEN_NAME: token}
    cmd = [ALLIANCES_CMD, "run", "--jobs", "2", "--quiet", *extra]
    for name in CHOSEN:
        cmd += ["--alliance", name]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def processes_of(token) -> list[int]:
    """Process ids whose environment holds this test's token (run, workers, kernels)."""
    found = []
    mark = f"{TOKEN_NAME}={token}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def kernels_of(token) -> list[int]:
    out = []
    for pid in processes_of(token):
        try:
            if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():
                out.append(pid)
        except OSError:
            pass
    return out


def wait_until(condition, seconds=400.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {condition.__name__}")


def published(reports: Path) -> dict[str, bytes]:
    """Every file a reader sees in ``reports/`` (not the hidden or underscore folders)."""
    return {p.name: p.read_bytes() for p in reports.iterdir()
            if p.is_file() and not p.name.startswith((".", "_"))}


def assert_consistent(reports: Path) -> dict:
    """The manifest lists exactly the pages there are, each the very page that run made."""
    manifest = json.loads((reports / "manifest.json").read_text())
    listed = {n["html"] for n in manifest["notebooks"] if n["ok"]}
    assert listed, "the manifest lists no page"
    for entry in manifest["notebooks"]:
        page = reports / entry["html"]
        assert page.exists(), f"{entry['html']} is listed but missing"
        assert sha256(page) == entry["sha256"], f"{entry['html']} is not the listed page"
    pages = {p.name for p in reports.glob("*.html")} - {"index.html", "methods.html"}
    assert pages == listed
    index = (reports / "index.html").read_text()
    assert all(f'href="{name}"' in index for name in listed)
    return manifest


def test_a_killed_run_leaves_the_last_good_reports_and_a_rerun_finishes_it(tiny):
    token = uuid.uuid4().hex
    first = start_run(tiny, token)
    assert first.wait(timeout=900) == 0, first.stderr.read()
    good = published(tiny.reports)
    assert_consistent(tiny.reports)
    store = tiny.reports / "_cache"

    def cleaning_kernel_started():
        return bool(kernels_of(token))

    for signum, point in ((signal.SIGTERM, "cleaning"), (signal.SIGKILL, "reports"),
                          (signal.SIGKILL, "cleaning"), (signal.SIGTERM, "reports")):
        begun = time.time()
        proc = start_run(tiny, token, "--force")

        def an_alliance_page_is_built(begun=begun):
            return any(p.stat().st_mtime > begun for p in store.glob("*.json")
                       if not p.name.startswith(("data-quality", "file-hashes")))

        wait_until(cleaning_kernel_started if point == "cleaning" else an_alliance_page_is_built)
        if point == "cleaning" and signum == signal.SIGTERM:  # meanwhile, a second run
            second = start_run(tiny, token)
            assert second.wait(timeout=120) == 2
            err = second.stderr.read().strip()
            assert len(err.splitlines()) == 1 and "another run is using" in err, err
        os.kill(proc.pid, signum)  # the run's own process only: its children must follow
        proc.wait(timeout=120)
        if signum == signal.SIGTERM:
            err = proc.stderr.read()
            assert "Traceback" not in err and "the run was stopped" in err, err
        wait_until(lambda: not processes_of(token), seconds=30)
        assert published(tiny.reports) == good, f"{signal.Signals(signum).name} at {point}"
        assert_consistent(tiny.reports)

    rerun = start_run(tiny, token)
    assert rerun.wait(timeout=900) == 0, rerun.stderr.read()
    assert "did not finish; finishing it now" in rerun.stdout.read()
    manifest = assert_consistent(tiny.reports)
    assert "data-quality.html" in manifest["reused"]
    assert not processes_of(token)


def test_a_run_killed_while_publishing_is_finished_by_the_next(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    store = tmp_path / "cache"
    store.mkdir()
    old = {"a.html": "old a", "b.html": "old b"}
    for name, text in old.items():
        (reports / name).parent.mkdir(exist_ok=True)
        (reports / name).write_text(text)
    entries = []
    for name in old:
        page = store / f"{name[0]}.key.html"
        page.write_text(f"new {name}")
        entries.append({"kind": "alliance", "title": name, "html": name, "ok": True,
                        "sha256": sha256(page), "key": "key"})
    plan_ = {"pages": {e["html"]: str(store / f"{e['html'][0]}.key.html") for e in entries},
             "status": {"source": "synthetic", "synthetic": True},
             "entries": entries, "manifest": {"generated_at": "now", "notebooks": entries},
             "remove": [], "cache": str(store), "keep": [str(p) for p in store.glob("*")]}
    real_copy = pipeline.files.copy
    calls = []

    def killed_after_one(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise KeyboardInterrupt  # stands for a kill between two pages
        return real_copy(source, target)

    monkeypatch.setattr(pipeline.files, "copy", killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        pipeline.publish(reports, plan_)
    assert not (reports / "manifest.json").exists()  # the manifest comes last
    monkeypatch.setattr(pipeline.files, "copy", real_copy)
    assert pipeline.finish_publishing(reports)
    assert_consistent(reports)
    assert not (reports / pipeline.PUBLISHING).exists()
    assert not pipeline.finish_publishing(reports)
