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


def timed(label: str, func):
    start = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - start
    print(f"{label:<44} {seconds:8.2f} s", flush=True)
    return value, seconds


def section_times(paths) -> None:
    """Time the report sections per alliance, in process (no kernel start-up)."""
    from helpers import alliances, plots, sections
    from helpers import inequality_sections as inequality

    plots.setup()
    groups = {
        "inequality section": lambda ctx: [
            inequality.gradient(ctx, "early_stage"),
            inequality.summary_table(ctx, "early_stage", "imd_quintile"),
            inequality.over_time(ctx, "early_stage"),
            inequality.summary_table(ctx, "early_stage", "ethnicity"),
            inequality.intersection(ctx, "early_stage"),
            inequality.funnel(ctx, "early_stage"),
            sections.where_to_act(ctx),
            sections.missing_statistics(ctx),
        ],
    }
    for label, run in groups.items():
        seconds = []
        for alliance in alliances.ALLIANCES:
            ctx = sections.load(alliance.name, paths)
            start = time.perf_counter()
            run(ctx)
            seconds.append(time.perf_counter() - start)
        print(f"{label + ' per alliance':<44} mean {sum(seconds) / len(seconds):.2f} s, "
              f"max {max(seconds):.2f} s (n={len(seconds)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="cai-bench-"))
    os.environ["CAI_HOME"] = str(root)
    from helpers import synthetic
    from helpers.clean import clean
    from helpers.config import Paths

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
