"""Benchmark: prints demo-data generation, cleaning, per-notebook and whole-run times.

Runs in a temporary project root (CAI_HOME), so the project's own data and
reports are untouched. Usage: ``make bench`` or ``python benchmarks/bench.py
[--jobs 1 2] [--scale 1.0]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(label: str, func):
    start = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - start
    print(f"{label:<44} {seconds:8.2f} s", flush=True)
    return value, seconds


def public_times(folder: Path) -> None:
    """Time reading the waiting-time files, the public build and a full public run."""
    from helpers.config import Paths
    from helpers.ingest import fetch, public, sources

    root = Path(tempfile.mkdtemp(prefix="cai-bench-public-"))
    os.environ["CAI_HOME"] = str(root)
    paths = Paths(root)
    print(f"Public data from {folder} in {root}")
    timed("fetch --from (import and verify 63 files)",
          lambda: fetch.import_from(folder, paths.raw_public))
    fds, _ = timed("read 42 monthly FDS CSVs", lambda: sources.read_fds_dir(
        paths.raw_public / sources.LAYOUT["fds_monthly"]))
    crs, _ = timed("read 3 CWT-CRS workbooks", lambda: sources.read_crs_dir(
        paths.raw_public / sources.LAYOUT["crs_extracts"]))
    print(f"{'  rows read':<44} {len(fds):>10,} FDS, {len(crs):,} CRS")
    timed("public build (areas, cube, attribution)", lambda: public.build(paths))
    cmd = [str(Path(sys.executable).with_name("alliances")), "run", "--source", "public",
           "--jobs", "2", "--quiet"]
    timed("alliances run --source public --jobs 2",
          lambda: subprocess.run(cmd, capture_output=True, check=False))


def section_times(paths) -> None:
    """Time the report sections per alliance, in process (no kernel start-up)."""
    from helpers.registry import alliances
    from helpers.report import context, plots
    from helpers.report.sections import adoption, inequality, overview

    plots.setup()
    groups = {
        "inequality section": lambda ctx: [
            inequality.gradient(ctx, "early_stage"),
            inequality.summary_table(ctx, "early_stage", "imd_quintile"),
            inequality.gap_over_time(ctx, "early_stage"),
            inequality.summary_table(ctx, "early_stage", "ethnicity"),
            inequality.intersection(ctx, "early_stage"),
            inequality.funnel(ctx, "early_stage"),
            overview.where_to_act(ctx),
            overview.missing_statistics(ctx),
        ],
        "innovation section": lambda ctx: [
            f(ctx, key) for key in ("lung_health_check", "mced_trial", "capsule_sponge")
            for f in (adoption.innovation_timeline, adoption.uptake_curve,
                      adoption.uptake_equity, adoption.stage_shift)
        ],
    }
    for label, run in groups.items():
        seconds = []
        for alliance in alliances.ALLIANCES:
            ctx = context.load(alliance, paths)
            start = time.perf_counter()
            run(ctx)
            seconds.append(time.perf_counter() - start)
        print(f"{label + ' per alliance':<44} mean {sum(seconds) / len(seconds):.2f} s, "
              f"max {max(seconds):.2f} s (n={len(seconds)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--public", type=Path, default=ROOT.parent / "shared" / "data" / "real",
                        help="folder laid out like ../shared/data/real (skipped if absent)")
    parser.add_argument("--skip-synthetic", action="store_true")
    args = parser.parse_args()

    if args.public.exists():
        public_times(args.public)
    else:
        print(f"public-data timings skipped: {args.public} is absent")
    if args.skip_synthetic:
        return 0
    root = Path(tempfile.mkdtemp(prefix="cai-bench-"))
    os.environ["CAI_HOME"] = str(root)
    from helpers import synthetic
    from helpers.config import Paths
    from helpers.ingest.clean import clean

    paths = Paths(root)
    print(f"Benchmark in {root} (scale {args.scale}, {os.cpu_count()} CPUs)")
    data, _ = timed("demo-data: generate", lambda: synthetic.generate(scale=args.scale))
    timed("demo-data: write parquet", lambda: synthetic.write(data, paths.raw_synthetic))
    print(f"{'  tumours generated':<44} {len(data.tumours):>10,}")
    result, _ = timed("clean: raw -> processed + cube", lambda: clean(paths, "synthetic"))
    print(f"{'  ' + result.summary():<44}")

    section_times(paths)

    alliances_cmd = Path(sys.executable).with_name("alliances")
    for jobs in args.jobs:
        cmd = [str(alliances_cmd), "run", "--jobs", str(jobs), "--quiet"]
        _, total = timed(f"alliances run --jobs {jobs} (clean + 21 reports)",
                         lambda cmd=cmd: subprocess.run(cmd, capture_output=True, check=False))
        manifest = json.loads((paths.reports / "manifest.json").read_text())
        seconds = [n["seconds"] for n in manifest["notebooks"]]
        alliance = [n["seconds"] for n in manifest["notebooks"] if n["kind"] == "alliance"]
        failed = [n["title"] for n in manifest["notebooks"] if not n["ok"]]
        for n in manifest["notebooks"]:
            if n["kind"] != "alliance":
                print(f"  {n['notebook'] + ' (' + n['title'] + ')':<42} {n['seconds']:8.2f} s")
        print(f"  02_alliance.ipynb per alliance: mean {sum(alliance) / len(alliance):.2f} s, "
              f"min {min(alliance):.2f} s, max {max(alliance):.2f} s (n={len(alliance)})")
        print(f"  sum of notebook times {sum(seconds):.1f} s; wall {total:.1f} s; "
              f"failed: {', '.join(failed) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
