"""What a notebook's page depends on, and the pages already built from those inputs.

A job's key is the SHA-256 of every input that can change its page: the
notebook file, its validated parameters, the data it reads, the ``helpers``
source code (every file under ``src/helpers``), the installed package
versions, the kernel and the ``CAI_*`` settings (suppression, disclosure
method). A page whose key is in the cache is reused instead of re-executed.

The data a job reads:

- ``01_clean`` (data quality): the raw input files of its source (by content);
- an alliance: the count cube without the other alliances' local-authority rows
  (every alliance section selects local authorities by ``parent_code``), the
  areas, activity and waiting-time tables, and the data status without its
  build time and raw-file list;
- England: the whole cube and the same tables.

So a change to one alliance's local-authority counts that leaves its own and
England's totals alone re-runs that alliance and England only; any change to
England's or an alliance's totals re-runs every page that quotes them.

A cache entry is two files in ``reports/_cache``: the page and, written last,
its result (JSON, with the page's SHA-256), so an entry is complete or absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import files
from helpers.config import SOURCE_ROOT, Paths

HASHED_TABLES = ("areas.parquet", "activity.parquet", "cwt_monthly.parquet")
"""Processed tables (besides the cube) that report notebooks read."""

VOLATILE_STATUS = ("built_at", "inputs")
"""Data-status fields that change when the data are rebuilt unchanged: not inputs of a page."""

HASH_MEMO = "file-hashes.json"
"""Raw-file digests memoised by path, size and modification time (raw data are immutable)."""


def digest(*parts: Any) -> str:
    """SHA-256 of the JSON form of ``parts`` (keys sorted)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def frame_digest(df: pd.DataFrame) -> str:
    """SHA-256 of a table's content (columns, types and values; not how it was stored)."""
    h = hashlib.sha256(json.dumps([list(map(str, df.columns)),
                                   [str(t) for t in df.dtypes]]).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def code_digest(root: Path = SOURCE_ROOT / "src" / "helpers") -> str:
    """SHA-256 over every source file of the ``helpers`` package (names and bytes)."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def environment_digest(kernel: str) -> str:
    """SHA-256 of the installed distributions, Python, the kernel and the ``CAI_*`` settings."""
    packages = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    settings = {k: v for k, v in os.environ.items() if k.startswith("CAI_") and k != "CAI_HOME"}
    return digest(packages, kernel, settings, sys.version)


def file_digests(paths: Iterable[Path], memo_file: Path) -> dict[str, str]:
    """SHA-256 of each file, reusing digests memoised for the same size and modification time."""
    from helpers.ingest.io import sha256

    try:
        memo = json.loads(memo_file.read_text())
    except (OSError, ValueError):
        memo = {}
    out = {}
    for path in sorted(paths):
        stat = path.stat()
        stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
        known = memo.get(str(path))
        if not known or known[0] != stamp:
            memo[str(path)] = known = [stamp, sha256(path)]
        out[path.name] = known[1]
    files.write_text(memo_file, json.dumps(memo, indent=0))
    return out


def raw_inputs(paths: Paths, source: str, memo_file: Path) -> dict[str, str]:
    """Digests of every raw file the cleaning step of ``source`` may read."""
    folder = {"synthetic": paths.raw_synthetic, "local": paths.raw_local,
              "public": paths.raw_public}[source]
    found = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    return file_digests(found, memo_file)


def report_inputs(paths: Paths, status: Mapping[str, Any],
                  alliance_codes: Iterable[str]) -> dict[str, str]:
    """The data digest of each report notebook: ``"england"`` and one per alliance code.

    See the module docstring for what each reads.
    """
    from helpers.cube import read_cube

    shared = [{k: v for k, v in status.items() if k not in VOLATILE_STATUS}]
    for name in HASHED_TABLES:
        path = paths.processed / name
        shared.append(frame_digest(pd.read_parquet(path)) if path.exists() else None)
    cube = read_cube(paths.processed / "cube.parquet")
    is_lad = (cube["geography_type"] == "lad").to_numpy()
    upper = frame_digest(cube[~is_lad])
    lads = cube[is_lad]
    out = {"england": digest(shared, frame_digest(cube))}
    parents = lads["parent_code"].astype(str)
    for code in alliance_codes:
        out[code] = digest(shared, upper, frame_digest(lads[(parents == code).to_numpy()]),
                           sorted(map(str, lads["indicator"].unique())))
    return out


class Cache:
    """Pages already built, by job slug and key, in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def page(self, slug: str, key: str) -> Path:
        return self.folder / f"{slug}.{key[:24]}.html"

    def downloads(self, slug: str, key: str) -> Path:
        """The folder of the CSVs built with the page at ``key``."""
        return self.downloads_of(self.page(slug, key))

    @staticmethod
    def downloads_of(page: Path) -> Path:
        return page.with_suffix(".downloads")

    def result(self, slug: str, key: str) -> Path:
        return self.folder / f"{slug}.{key[:24]}.json"

    def lookup(self, slug: str, key: str) -> dict[str, Any] | None:
        """The stored result for ``slug`` at ``key`` when its page is intact, else None."""
        from helpers.ingest.io import sha256

        meta, page = self.result(slug, key), self.page(slug, key)
        try:
            stored = json.loads(meta.read_text())
        except (OSError, ValueError):
            return None
        if not stored.get("ok") or not page.exists() or sha256(page) != stored.get("sha256"):
            return None
        if not self.downloads_of(page).is_dir():
            return None
        return stored

    def store(self, slug: str, key: str, result: Any) -> None:
        """Record ``result`` (a dataclass) for a page already written at :meth:`page`."""
        files.write_text(self.result(slug, key), json.dumps(asdict(result), indent=1))

    def prune(self, keep: Iterable[Path]) -> None:
        """Delete every entry except the pages in ``keep`` and their results."""
        pages = [Path(p) for p in keep]
        wanted = {p.name for p in pages} | {p.with_suffix(".json").name for p in pages}
        wanted |= {self.downloads_of(p).name for p in pages}
        for path in self.folder.glob("*.*.*"):
            if path.name not in wanted and path.suffix in (".html", ".json"):
                path.unlink(missing_ok=True)
            elif path.name not in wanted and path.suffix == ".downloads" and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
