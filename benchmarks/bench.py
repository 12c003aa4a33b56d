"""Benchmark of the run, from one invocation: full, naive, unchanged and one-alliance-changed.

Prints, each measured here, in temporary project roots (``CAI_HOME``) so the
project's own data and reports are untouched:

1. the full default run (``alliances run``: clean, 20 alliances, England, export);
2. the naive loop over the same notebooks, one after another: ``papermill`` then
   ``jupyter nbconvert --no-input`` for each, and the ratio of the two;
3. an unchanged re-run and its share of the full run;
4. a re-run after one alliance's records changed (some tumours moved between two
   of its local authorities with the same ICB and deprivation decile, so its own
   and England's totals stay), and what it re-executed;
5. the report sizes;
6. cleaning and cube time and peak memory at the default and ``--scale 8``, from
   ``benchmarks/scale.py`` when that file exists.

Usage: ``make bench`` or ``python benchmarks/bench.py [--scale 1.0] [--skip-naive]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
KERNEL = "cancer-alliance-insights"
CHANGED_ALLIANCE = "Peninsula"
MOVED_TUMOURS = 200


def line(label: str, value: str) -> None:
    print(f"{label:<52} {value}", flush=True)


def new_home(raw: Path, label: str) -> Path:
    """A project root holding a copy of the raw SYNTHETIC data."""
    home = Path(tempfile.mkdtemp(prefix=f"cai-bench-{label}-"))
    shutil.copytree(raw, home / "data" / "raw" / "synthetic")
    return home


def timed_run(home: Path, *args: str) -> tuple[float, dict]:
    """Wall time of ``alliances run`` in ``home`` and the manifest it wrote."""
    env = {**os.environ, "CAI_HOME": str(home)}
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "alliances"), "run", "--quiet", *args], env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"alliances run {' '.join(args)} failed ({done.returncode})")
    return seconds, json.loads((home / "reports" / "manifest.json").read_text())


def naive_loop(home: Path) -> float:
    """Each notebook with papermill then ``jupyter nbconvert --no-input``, one after another."""
    from helpers.registry import alliances

    env = {**os.environ, "CAI_HOME": str(home)}
    out = home / "naive"
    out.mkdir()
    notebooks = ROOT / "notebooks"
    runs = [("01_clean.ipynb", "data-quality", ["-p", "source", "synthetic"])]
    runs += [("02_alliance.ipynb", a.slug, ["-p", "alliance", a.name])
             for a in alliances.ALLIANCES]
    runs.append(("03_england.ipynb", "england", []))
    start = time.perf_counter()
    for notebook, slug, parameters in runs:
        executed = out / f"{slug}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(notebooks / notebook), str(executed),
                        "-k", KERNEL, "--no-progress-bar", *parameters],
                       env=env, capture_output=True, check=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                        str(executed)], env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def change_one_alliance(home: Path, name: str = CHANGED_ALLIANCE) -> str:
    """Move some of one alliance's tumours to a small area of another of its local authorities.

    The target area has the same ICB and deprivation decile, so the alliance's
    totals and England's stay the same while its local-authority counts change.
    """
    import pandas as pd

    path = home / "data" / "raw" / "synthetic" / "SYNTHETIC_tumours.parquet"
    tumours = pd.read_parquet(path)
    mine = tumours[tumours["alliance"] == name]
    areas = mine.drop_duplicates("lsoa_code")[["lsoa_code", "lad_code", "lad_name", "icb_code",
                                                "imd_decile"]]
    for _, source in areas.iterrows():
        targets = areas[(areas["icb_code"] == source["icb_code"])
                        & (areas["imd_decile"] == source["imd_decile"])
                        & (areas["lad_code"] != source["lad_code"])]
        rows = mine.index[mine["lsoa_code"] == source["lsoa_code"]]
        if len(targets) and len(rows) >= 10:
            target = targets.iloc[0]
            moved = rows[:MOVED_TUMOURS]
            for col in ("lsoa_code", "lad_code", "lad_name"):
                tumours.loc[moved, col] = target[col]
            tumours.to_parquet(path, index=False)
            return (f"{len(moved)} tumours from {source['lad_name']} to {target['lad_name']} "
                    f"({name})")
    raise SystemExit(f"no pair of local authorities to move tumours between in {name}")


def sizes(reports: Path) -> None:
    pages = {p.name: p.stat().st_size for p in reports.glob("*.html")}
    alliance = [v for k, v in pages.items()
                if k not in ("index.html", "methods.html", "england.html", "data-quality.html")]
    mb = 1024 * 1024
    line("report size per alliance (MB)",
         f"mean {sum(alliance) / len(alliance) / mb:.2f}, max {max(alliance) / mb:.2f} "
         f"(n={len(alliance)})")
    line("  england.html, data-quality.html (MB)",
         f"{pages['england.html'] / mb:.2f}, {pages['data-quality.html'] / mb:.2f}")
    line("  all pages (MB)", f"{sum(pages.values()) / mb:.1f}")


def scale_benchmark() -> None:
    """Run ``benchmarks/scale.py``'s ``main()`` when the file exists (imported by its path)."""
    path = ROOT / "benchmarks" / "scale.py"
    if not path.exists():
        print("clean + cube at scale: benchmarks/scale.py is absent, skipped")
        return
    spec = importlib.util.spec_from_file_location("scale_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv, sys.argv = sys.argv, [str(path)]  # its own defaults, not this script's arguments
    try:
        module.main()
    finally:
        sys.argv = argv


def default_raw(scale: float) -> Path:
    """The default SYNTHETIC data: the project's copy when it has one, else generated."""
    raw = ROOT / "data" / "raw" / "synthetic"
    if scale == 1.0 and (raw / "SYNTHETIC_tumours.parquet").exists():
        return raw
    from helpers import synthetic

    folder = Path(tempfile.mkdtemp(prefix="cai-bench-raw-"))
    synthetic.write(synthetic.generate(scale=scale), folder)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive loop")
    parser.add_argument("--skip-scale", action="store_true", help="skip benchmarks/scale.py")
    args = parser.parse_args()

    raw = default_raw(args.scale)
    home = new_home(raw, "run")
    print(f"Benchmark in {home} (scale {args.scale}, {os.cpu_count()} CPUs)", flush=True)
    full, manifest = timed_run(home)
    line("full run (clean, 20 alliances, England, export)",
         f"{full:8.1f} s  ({manifest['jobs']} workers)")
    alliance = [n["seconds"] for n in manifest["notebooks"] if n["kind"] == "alliance"]
    line("  02_alliance per notebook (warm kernel)",
         f"mean {sum(alliance) / len(alliance):.1f} s, max {max(alliance):.1f} s")
    again, manifest = timed_run(home)
    line("unchanged re-run", f"{again:8.1f} s  ({100 * again / full:.1f}% of the full run; "
                             f"{len(manifest['reused'])} pages reused, "
                             f"{len(manifest['executed'])} executed)")
    what = change_one_alliance(home)
    changed, manifest = timed_run(home)
    line("one alliance changed: re-run", f"{changed:8.1f} s  ({100 * changed / full:.1f}%)")
    line("  changed", what)
    line("  executed", ", ".join(manifest["executed"]))
    sizes(home / "reports")
    if not args.skip_naive:  # last: the longest
        naive = naive_loop(new_home(raw, "naive"))
        line("naive loop (papermill + nbconvert, one by one)", f"{naive:8.1f} s")
        line("  ratio naive / full run", f"{naive / full:8.2f}x")
    if not args.skip_scale:
        scale_benchmark()
    return 0


if __name__ == "__main__":
    sys.exit(main())
