"""Compare two runs' outputs: report folders and processed-data folders.

Used to show a refactor changes nothing a reader sees. Timestamps, the commit
and timings are normalised away; everything else must be equal: every HTML
page byte for byte (after normalising), every JSON file, every CSV, and every
parquet table cell for cell.

Usage::

    python benchmarks/compare_outputs.py BEFORE_DIR AFTER_DIR [BEFORE_DIR2 AFTER_DIR2 ...]

Exits 0 when every pair matches, 1 otherwise, printing the first differences.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?")
DATE_BUILT = re.compile(r"(built |generated |Built |Generated )\d{4}-\d{2}-\d{2}")
WRITTEN_TIME = re.compile(r"\d{1,2} [A-Z][a-z]+ \d{4} \d{2}:\d{2} UTC")
VOLATILE_KEYS = {"seconds", "total_seconds", "duration", "elapsed", "started", "finished",
                 "built_at", "commit", "generated_at", "timings", "time", "versions", "packages",
                 "fetched_at", "generated_demo_data"}
"""Manifest keys that record when, how long, on which commit, or what this run had to make."""
SKIP_PARTS = {"_executed"}  # executed notebooks carry kernel timings and paths


def normalise_text(text: str) -> str:
    """Blank timestamps, dates of building and commits."""
    text = TIMESTAMP.sub("<time>", text)
    text = DATE_BUILT.sub(r"\1<date>", text)
    text = WRITTEN_TIME.sub("<time>", text)
    return re.sub(r"\b[0-9a-f]{40}\b", "<commit>", text)


def normalise_json(value):
    """Drop volatile keys (timings, commit, versions) anywhere in a JSON document.

    Lists are compared as sets (sorted): the manifest lists notebooks in the order
    they finished, which depends on timing, not on what they hold.
    """
    if isinstance(value, dict):
        return {k: normalise_json(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        items = (normalise_json(v) for v in value)
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, str):
        return normalise_text(value)
    return value


def files(folder: Path) -> dict[str, Path]:
    """Every file below ``folder`` by relative path, leaving out executed notebooks."""
    return {
        str(p.relative_to(folder)): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not SKIP_PARTS & set(p.relative_to(folder).parts)
    }


def differ(a: Path, b: Path) -> str | None:
    """A one-line reason why two files differ, or None when they match."""
    suffix = a.suffix.lower()
    if suffix == ".parquet":
        left, right = pd.read_parquet(a), pd.read_parquet(b)
        for frame in (left, right):
            frame.attrs = {}
        try:
            pd.testing.assert_frame_equal(left, right, check_exact=True)
        except AssertionError as err:
            return str(err).splitlines()[0][:200]
        return None
    if suffix == ".json":
        left = normalise_json(json.loads(a.read_text()))
        right = normalise_json(json.loads(b.read_text()))
        return None if left == right else "JSON content differs"
    if suffix in (".html", ".csv", ".txt", ".md"):
        left, right = normalise_text(a.read_text()), normalise_text(b.read_text())
        if left == right:
            return None
        at = next((i for i, (x, y) in enumerate(zip(left, right, strict=False)) if x != y),
                  min(len(left), len(right)))
        return (f"text differs at character {at}: {left[max(at - 60, 0):at + 60]!r} vs "
                f"{right[max(at - 60, 0):at + 60]!r}")
    return None if a.read_bytes() == b.read_bytes() else "bytes differ"


def compare(before: Path, after: Path) -> list[str]:
    """Every difference between two folders, one line each."""
    left, right = files(before), files(after)
    problems = [f"only in {before}: {name}" for name in sorted(set(left) - set(right))]
    problems += [f"only in {after}: {name}" for name in sorted(set(right) - set(left))]
    for name in sorted(set(left) & set(right)):
        reason = differ(left[name], right[name])
        if reason:
            problems.append(f"{name}: {reason}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) < 2 or len(argv) % 2:
        print("usage: compare_outputs.py BEFORE AFTER [BEFORE2 AFTER2 ...]", file=sys.stderr)
        return 2
    problems: list[str] = []
    pairs = list(zip(argv[::2], argv[1::2], strict=True))
    for before, after in pairs:
        found = compare(Path(before), Path(after))
        n = len(files(Path(before)))
        print(f"{before} vs {after}: {n} files, {len(found)} differences")
        problems += found
    for line in problems[:40]:
        print("  " + line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
