"""Benchmark: clean + cube time and peak memory at the default scale and at ``--scale 8``.

Each measured step runs in its own subprocess, so the peak resident memory printed
is that step's alone (``getrusage`` of the child). The default data are the
project's ``data/raw/synthetic`` when present (linked into a temporary project
root, never regenerated); every other scale is generated into a temporary
``CAI_HOME`` with ``alliances demo-data --scale S``, deleted afterwards. The
per-row cost is CPU seconds per record read (tumours + referrals); the ratio compares
each scale with the first.

Usage: ``python benchmarks/scale.py [--scales 1 8] [--keep]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "data" / "raw" / "synthetic"


def _usage() -> dict[str, float]:
    """This process's peak resident memory (MB; Linux reports kilobytes) and CPU seconds.

    CPU time (user + system, every thread) is printed beside wall time because on a
    shared machine wall time also counts waiting for a core.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_mb": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime}


def worker(step: str) -> int:
    """Run one step in this process (its own CAI_HOME) and print its figures as JSON."""
    from helpers.config import paths

    start = time.perf_counter()
    if step == "clean":
        from helpers.ingest.clean import clean, read_status

        result = clean(paths(), "synthetic")
        referred = read_status(paths()).get("referrals") or {}
        rows = {"tumours": result.rows_in, "referrals": int(referred.get("rows_in", 0))}
    else:
        from helpers import synthetic

        data = synthetic.generate(scale=float(step))
        synthetic.write(data, paths().raw_synthetic)
        rows = {"tumours": len(data.tumours),
                "referrals": 0 if data.referrals is None else len(data.referrals)}
    print(json.dumps({"seconds": time.perf_counter() - start, **_usage(), **rows}))
    return 0


def run_step(step: str, home: Path) -> dict:
    """Run ``step`` in a subprocess with ``CAI_HOME=home``; its JSON figures, or its error."""
    env = {**os.environ, "CAI_HOME": str(home)}
    done = subprocess.run([sys.executable, __file__, "--worker", step], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return {"error": lines[-1] if lines else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def prepare(scale: float, home: Path) -> dict | None:
    """Put the data of ``scale`` under ``home``: link the default, or generate (timed)."""
    raw = home / "data" / "raw"
    raw.mkdir(parents=True)
    if scale == 1.0 and DEFAULT_DATA.is_dir() and any(DEFAULT_DATA.glob("*tumours*")):
        (raw / "synthetic").symlink_to(DEFAULT_DATA)
        return None
    return run_step(repr(scale), home)


def _line(label: str, figures: dict) -> str:
    if "error" in figures:
        return f"{label:<34} failed: {figures['error']}"
    rows = figures["tumours"] + figures["referrals"]
    return (f"{label:<34} {figures['seconds']:7.1f} s (cpu {figures['cpu']:6.1f} s)"
            f"  peak {figures['peak_mb'] / 1024:5.2f} GB"
            f"  {figures['tumours']:>11,} tumours + {figures['referrals']:>11,} referrals"
            f"  {1e6 * figures['cpu'] / max(rows, 1):6.2f} cpu s per million rows")


def main(argv: list[str] | None = None) -> int:
    """Print generation, clean + cube time, peak memory and per-row cost for each scale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 8.0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary project roots")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker)

    per_row: dict[float, float] = {}
    for scale in args.scales:
        home = Path(tempfile.mkdtemp(prefix=f"cai-scale-{scale:g}-"))
        try:
            generated = prepare(scale, home)
            if generated is not None:
                print(_line(f"scale {scale:g}: generate + write", generated), flush=True)
                if "error" in generated:
                    continue
            cleaned = run_step("clean", home)
            print(_line(f"scale {scale:g}: clean + cube", cleaned), flush=True)
            if "error" not in cleaned:
                per_row[scale] = cleaned["cpu"] / (cleaned["tumours"] + cleaned["referrals"])
        finally:
            if args.keep:
                print(f"  kept {home}")
            else:
                shutil.rmtree(home, ignore_errors=True)
    if len(per_row) > 1:
        first = next(iter(per_row))
        for scale, cost in per_row.items():
            if scale != first:
                ratio = cost / per_row[first]
                print(f"per-row cpu cost, scale {scale:g} / scale {first:g}: {ratio:.2f}"
                      " (goal: at most 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
