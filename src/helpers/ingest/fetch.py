"""Fetch the official public files into ``data/raw/public/``, verified, resumable, recorded.

The files, their publishers' addresses and expected sizes and SHA-256 sums live
in one place, ``catalogue.toml`` beside this module. :func:`fetch` downloads
each file (resuming a partial ``.part`` download with an HTTP Range request),
checks size and checksum, and records what it got in
``data/raw/public/manifest.json``. :func:`import_from` does the same from a
local folder laid out like the catalogue (for machines without internet).
Offline, :func:`fetch` raises :class:`OfflineError` after the first failed
connection, so the command can say so in one line.
"""

from __future__ import annotations

import json
import shutil
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from helpers.errors import InsightsError
from helpers.ingest.io import sha256

CATALOGUE = Path(__file__).parent / "sources" / "catalogue.toml"
CHUNK = 1 << 16


class FetchError(InsightsError):
    """A file could not be fetched or did not verify."""


class OfflineError(FetchError):
    """No connection to the publisher could be made."""


@dataclass(frozen=True)
class Entry:
    """One official file: where it lands, where it comes from, what it must be."""

    path: str
    publisher: str
    landing: str
    url: str
    size: int
    sha256: str
    member: str = ""


@dataclass
class Outcome:
    """What happened to one file."""

    path: str
    status: str  # "fetched", "imported", "present", "manual", "failed"
    detail: str = ""
    source: str = ""


def load_catalogue(path: Path = CATALOGUE) -> list[Entry]:
    """Read the catalogue of official files."""
    with path.open("rb") as fh:
        return [Entry(**item) for item in tomllib.load(fh)["file"]]


def verify(path: Path, entry: Entry) -> str:
    """Return "" when the file has the catalogue's size and checksum, else what differs."""
    size = path.stat().st_size
    if size != entry.size:
        return f"size {size:,} bytes, expected {entry.size:,}"
    digest = sha256(path)
    if digest != entry.sha256:
        return f"sha256 {digest[:12]}..., expected {entry.sha256[:12]}..."
    return ""


def _download(url: str, part: Path, progress: Callable[[int], None], timeout: float) -> None:
    """Download ``url`` into ``part``, resuming from its current length when it exists."""
    start = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "cancer-alliance-insights"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - catalogue URLs
    except urllib.error.HTTPError as err:
        if err.code == 416:  # already complete
            return
        raise FetchError(f"HTTP {err.code} {err.reason} for {url}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        raise OfflineError(f"cannot reach {url}: {getattr(err, 'reason', err)}") from None
    with response:
        mode = "ab" if start and response.status == 206 else "wb"
        if mode == "wb":
            start = 0
        progress(start)
        with part.open(mode) as out:
            while block := response.read(CHUNK):
                out.write(block)
                progress(len(block))


def _extract_member(archive: Path, member: str, target: Path) -> None:
    with zipfile.ZipFile(archive) as zf, zf.open(member) as src, target.open("wb") as out:
        shutil.copyfileobj(src, out)


def _install(candidate: Path, entry: Entry, target: Path) -> str:
    """Verify ``candidate`` and move it to ``target``; return "" or the reason it failed."""
    problem = verify(candidate, entry)
    if problem:
        candidate.unlink()
        return problem
    target.parent.mkdir(parents=True, exist_ok=True)
    candidate.replace(target)
    return ""


def fetch_one(entry: Entry, root: Path, *, base_url: str | None = None,
              progress: Callable[[int], None] = lambda n: None,
              timeout: float = 30.0) -> Outcome:
    """Fetch one catalogue entry into ``root``; resume, verify, never leave a bad file."""
    target = root / entry.path
    if target.exists() and not verify(target, entry):
        return Outcome(entry.path, "present")
    url = f"{base_url.rstrip('/')}/{entry.path}" if base_url else entry.url
    if not url:
        return Outcome(entry.path, "manual",
                       f"no stable download address: get it from {entry.landing}")
    member = "" if base_url else entry.member
    part = target.parent / (target.name + (".zip" if member else "") + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    _download(url, part, progress, timeout)
    if member:
        extracted = target.with_name(target.name + ".extracted")
        _extract_member(part, member, extracted)
        part.unlink()
        part = extracted
    problem = _install(part, entry, target)
    if problem:
        return Outcome(entry.path, "failed", f"did not verify ({problem}); removed", url)
    return Outcome(entry.path, "fetched", source=url)


def fetch(root: Path, entries: Iterable[Entry] | None = None, *, base_url: str | None = None,
          timeout: float = 30.0, show_progress: bool = True) -> list[Outcome]:
    """Fetch every catalogue file into ``root`` (``data/raw/public``) and write the manifest.

    Raises
    ------
    OfflineError
        When the first publisher cannot be reached at all.
    """
    from tqdm.auto import tqdm

    entries = list(entries if entries is not None else load_catalogue())
    total = sum(e.size for e in entries)
    outcomes: list[Outcome] = []
    with tqdm(total=total, unit="B", unit_scale=True, desc="fetch",
              disable=not show_progress) as bar:
        for entry in entries:
            try:
                outcome = fetch_one(entry, root, base_url=base_url, progress=bar.update,
                                    timeout=timeout)
            except OfflineError:
                if not any(o.status == "fetched" for o in outcomes):
                    raise
                outcome = Outcome(entry.path, "failed", "connection lost")
            except FetchError as err:
                outcome = Outcome(entry.path, "failed", str(err))
            outcomes.append(outcome)
    write_manifest(root, outcomes)
    return outcomes


def import_from(folder: Path, root: Path, entries: Iterable[Entry] | None = None) -> list[Outcome]:
    """Copy the catalogue's files from a local folder laid out like it, verifying each."""
    outcomes = []
    for entry in entries if entries is not None else load_catalogue():
        source = folder / entry.path
        target = root / entry.path
        if not source.exists():
            outcomes.append(Outcome(entry.path, "failed", f"not in {folder}"))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        candidate = target.with_name(target.name + ".part")
        shutil.copyfile(source, candidate)
        problem = _install(candidate, entry, target)
        status = ("failed", f"did not verify ({problem})") if problem else ("imported", "")
        outcomes.append(Outcome(entry.path, *status, source=str(source)))
    write_manifest(root, outcomes)
    return outcomes


def write_manifest(root: Path, outcomes: list[Outcome]) -> Path:
    """Record what each fetch or import got, merged with what earlier runs recorded."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "manifest.json"
    recorded = json.loads(path.read_text()).get("files", {}) if path.exists() else {}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for o in outcomes:
        if o.status in ("fetched", "imported"):
            recorded[o.path] = {"source": o.source, "sha256": sha256(root / o.path),
                                "size": (root / o.path).stat().st_size, "retrieved_at": now}
    missing = [o.path for o in outcomes if o.status in ("failed", "manual")]
    path.write_text(json.dumps({"updated_at": now, "files": recorded, "missing": missing},
                               indent=2))
    return path


def summary(outcomes: list[Outcome]) -> str:
    """Lines a person reads: counts by status, then each file that needs attention."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    lines = [", ".join(f"{n} {status}" for status, n in sorted(counts.items()))]
    lines += [f"  {o.status}: {o.path}: {o.detail}" for o in outcomes
              if o.status in ("failed", "manual")]
    return "\n".join(lines)


__all__ = ["Entry", "FetchError", "OfflineError", "Outcome", "fetch", "import_from",
           "load_catalogue", "summary", "verify"]
