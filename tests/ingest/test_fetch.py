"""The downloader against a loopback HTTP server serving ../shared/data/real.

Cases: a clean fetch of several files, a truncated file (fails verification and
leaves nothing), a 404, resuming a partial download with a Range request, the
offline case, and importing from a local folder (``--from``).
"""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import REAL

from helpers.ingest import fetch
from helpers.run.cli import main

pytestmark = pytest.mark.skipif(
    not REAL.exists(), reason="../shared/data/real is absent: the downloader is tested on it"
)
SMALL = [
    "ons/CAL24_names_codes.json",
    "lookups/provider_to_alliance.csv",
    "nhs_galleri/galleri_trial_alliances.csv",
    "ndrs/cancer_prevalence_2020_population_by_alliance.csv",
]


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with HTTP Range support; '/truncated/...' serves half of a file."""

    requests: list[dict] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server API
        path = Path(self.translate_path(self.path.replace("/truncated", "", 1)))
        self.requests.append({"path": self.path, "range": self.headers.get("Range")})
        if not path.is_file():
            self.send_error(404, "Not Found")
            return
        data = path.read_bytes()
        if self.path.startswith("/truncated"):
            data = data[: len(data) // 2]
        start = 0
        if rng := self.headers.get("Range"):
            start = int(rng.split("=")[1].split("-")[0])
            self.send_response(206)
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(RangeHandler, directory=str(REAL)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def entries(paths):
    catalogue = {e.path: e for e in fetch.load_catalogue()}
    return [catalogue[p] for p in paths]


def test_catalogue_matches_the_shared_copies():
    catalogue = fetch.load_catalogue()
    assert len(catalogue) == 63
    for entry in catalogue:
        assert fetch.verify(REAL / entry.path, entry) == "", entry.path
    assert all(e.url or e.landing for e in catalogue)


def test_fetch_verifies_and_records(server, tmp_path):
    outcomes = fetch.fetch(tmp_path, entries(SMALL), base_url=server, show_progress=False)
    assert [o.status for o in outcomes] == ["fetched"] * len(SMALL)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    for path in SMALL:
        assert (tmp_path / path).read_bytes() == (REAL / path).read_bytes()
        assert manifest["files"][path]["source"] == f"{server}/{path}"
    again = fetch.fetch(tmp_path, entries(SMALL), base_url=server, show_progress=False)
    assert {o.status for o in again} == {"present"}


def test_truncated_file_fails_and_leaves_nothing(server, tmp_path):
    (outcome,) = fetch.fetch(tmp_path, entries(SMALL[1:2]), base_url=f"{server}/truncated",
                             show_progress=False)
    assert outcome.status == "failed" and "did not verify" in outcome.detail
    assert not list(tmp_path.rglob("*.csv*"))
    assert json.loads((tmp_path / "manifest.json").read_text())["missing"] == [SMALL[1]]


def test_404_is_reported_and_the_rest_still_fetch(server, tmp_path):
    missing = fetch.Entry("ons/not_published.csv", "ONS", "https://example.invalid", "", 1, "0")
    outcomes = fetch.fetch(tmp_path, [*entries(SMALL[:1]), missing], base_url=server,
                           show_progress=False)
    assert outcomes[0].status == "fetched"
    assert outcomes[1].status == "failed" and "HTTP 404" in outcomes[1].detail


def test_partial_download_resumes_with_a_range_request(server, tmp_path):
    (entry,) = entries(["ons/CCG21_STP21_CAL21_EN_LU.csv"])
    part = tmp_path / (entry.path + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes((REAL / entry.path).read_bytes()[:5000])
    RangeHandler.requests.clear()
    (outcome,) = fetch.fetch(tmp_path, [entry], base_url=server, show_progress=False)
    assert outcome.status == "fetched"
    assert RangeHandler.requests[-1]["range"] == "bytes=5000-"
    assert fetch.verify(tmp_path / entry.path, entry) == ""


def test_offline_says_so_in_one_line_and_exits_non_zero(project, capsys):
    code = main(["fetch", "--mirror", "http://127.0.0.1:9", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 3 and err.startswith("offline:") and len(err.splitlines()) == 1


def test_import_from_local_folder(project, capsys):
    code = main(["fetch", "--from", str(REAL)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "63 imported" in out
    assert fetch.verify(project.raw_public / SMALL[0], entries(SMALL[:1])[0]) == ""


def test_manual_entries_point_to_the_landing_page(tmp_path):
    (entry,) = [e for e in fetch.load_catalogue() if not e.url][:1]
    outcome = fetch.fetch_one(entry, tmp_path)
    assert outcome.status == "manual" and entry.landing in outcome.detail
