"""The ``alliances`` command: list, demo-data, fetch, clean, run.

Examples
--------
``alliances list``
``alliances demo-data`` (``--placebo`` plants no gap and no effect)
``alliances fetch`` (``--from DIR`` to import the official files from a folder)
``alliances clean --source local``
``alliances run --alliance "RM Partners"``
``alliances run --jobs 2 --source public``
``alliances run --force`` (re-run every notebook, even those whose inputs are unchanged)

Sources: ``synthetic`` (the embedded default), ``local`` (an analyst's extract in
``data/raw/local``), ``public`` (the official files ``fetch`` got); ``auto`` picks
local when it has files, else synthetic.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import helpers
from helpers.config import KERNEL_NAME, SUPPRESSION_THRESHOLD, check_settings, paths
from helpers.errors import InsightsError, describe_os_error, one_line
from helpers.registry import alliances
from helpers.run import params


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number above 0."""
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {value}")
    return value


def cmd_list(args: argparse.Namespace) -> int:
    """Print the registry: code, name, slug and the other names each alliance goes by."""
    print(f"{'code':<10}  {'name':<46}  {'slug':<46}  also known as")
    for a in alliances.ALLIANCES:
        other = sorted({*a.names_2021, *a.aliases, *a.codes_2021} - {a.name, a.code})
        print(f"{a.code:<10}  {a.name:<46}  {a.slug:<46}  {'; '.join(other)}")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    """Generate the SYNTHETIC default data into data/raw/synthetic."""
    from helpers import synthetic

    start = time.perf_counter()
    data = synthetic.generate(
        seed=args.seed, scale=args.scale, years=args.years, alliances=args.alliance or None,
        plant_effects=not args.placebo, deprivation_gap=not args.placebo,
    )
    written = synthetic.write(data, paths().raw_synthetic)
    print(
        f"SYNTHETIC data: {len(data.tumours):,} tumours, {len(data.areas):,} small areas "
        f"in {time.perf_counter() - start:.1f} s" + (" (placebo: nothing planted)"
                                                    if args.placebo else "")
    )
    for path in written:
        print(f"  wrote {path}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    """Download (or import with --from) the official public files into data/raw/public."""
    from helpers.ingest import fetch

    root = paths().raw_public
    try:
        if args.from_dir:
            outcomes = fetch.import_from(args.from_dir, root)
        else:
            outcomes = fetch.fetch(root, base_url=args.mirror, show_progress=not args.quiet)
    except fetch.OfflineError as err:
        print(f"offline: {err}; the default data still work (alliances run)", file=sys.stderr)
        return 3
    print(fetch.summary(outcomes))
    print(f"Recorded in {root / 'manifest.json'}")
    return 0 if all(o.status in ("fetched", "imported", "present") for o in outcomes) else 1


def cmd_clean(args: argparse.Namespace) -> int:
    """Run the cleaning step alone (what notebooks/01_clean.ipynb does)."""
    from helpers.ingest.clean import read_status
    from helpers.run.pipeline import prepare, resolve_source

    p = paths()
    summary, held = prepare(p, resolve_source(p, args.source))
    print(summary)
    for reason, rows in zip(held["Reason"], held["Rows"], strict=True):
        print(f"  set aside {rows}: {reason}")
    for skipped in read_status(p).get("skipped", []):
        print(f"  skipped {skipped}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run the pipeline: clean, the per-alliance notebooks and the England overview.

    Input that cannot be cleaned ends the run with its one-line reason and exit code 2.
    """
    from helpers.run.pipeline import run

    selected = [params.alliance(a) for a in args.alliance] if args.alliance else None
    result = run(
        paths(),
        source=args.source,
        selected=selected,
        jobs=args.jobs,
        kernel=args.kernel,
        timeout=args.timeout,
        progress=not args.quiet,
        force=args.force,
    )
    cleaned = result.results[0] if result.results else None
    if cleaned is not None and cleaned.kind == "data" and not cleaned.ok:
        # the input could not be cleaned, so nothing was reported: the reason, in one line
        print(f"error: {one_line(cleaned.error)}", file=sys.stderr)
        return 2
    print(result.summary())
    print(f"Reports: {paths().reports / 'index.html'}")
    return 1 if result.failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``alliances`` command."""
    parser = argparse.ArgumentParser(
        prog="alliances",
        description="Cancer Alliance Insights: inequality and innovation reports per alliance.",
    )
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {helpers.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p_list = sub.add_parser("list", help="list the 20 Cancer Alliances and their other names")
    p_list.set_defaults(func=cmd_list)

    p_demo = sub.add_parser("demo-data", help="generate the SYNTHETIC default data")
    p_demo.add_argument("--seed", type=int, default=20240401)
    p_demo.add_argument(
        "--scale",
        type=positive_float,
        default=1.0,
        help="multiply tumour counts (e.g. 0.05 for a small test set)",
    )
    p_demo.add_argument("--years", type=int, nargs="+", default=[2019, 2020, 2021, 2022])
    p_demo.add_argument(
        "--alliance", action="append", help="limit to this alliance (repeatable); default all"
    )
    p_demo.add_argument(
        "--placebo", action="store_true",
        help="plant nothing: no deprivation gap in stage, no innovation effect "
             "(the reports should then claim neither)",
    )
    p_demo.set_defaults(func=cmd_demo_data)

    p_fetch = sub.add_parser("fetch", help="download the official public files")
    p_fetch.add_argument("--from", dest="from_dir", type=Path, default=None,
                         help="import from a local folder laid out like ../shared/data/real")
    p_fetch.add_argument("--mirror", default=None,
                         help="base URL of a mirror laid out like the catalogue paths")
    p_fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    p_fetch.set_defaults(func=cmd_fetch)

    for name, func, text in (
        ("clean", cmd_clean, "clean raw data into data/processed"),
        ("run", cmd_run, "run the notebooks and write reports/"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument(
            "--source",
            choices=params.SOURCES,
            default="auto",
            help="auto: data/raw/local if it has tumour files, else synthetic; public: "
                       "the official files from `alliances fetch`",
        )
        p.set_defaults(func=func)
        if name == "run":
            p.add_argument(
                "--alliance",
                action="append",
                help="report on this alliance only (name, code or alias; repeatable)",
            )
            p.add_argument(
                "--jobs", type=positive_int, default=None,
                help="notebooks run in parallel (default: the number of cores)",
            )
            p.add_argument(
                "--force", action="store_true",
                help="re-run every notebook, even those whose inputs are unchanged",
            )
            p.add_argument("--kernel", default=KERNEL_NAME, help="Jupyter kernel name")
            p.add_argument(
                "--timeout",
                type=positive_int,
                default=900,
                help="per-cell execution timeout in seconds",
            )
            p.add_argument("--quiet", action="store_true", help="no progress bar")
            p.add_argument(
                "--no-suppression", action="store_true",
                help="publish small counts unsuppressed: for secure environments only "
                     "(logged in the manifest and warned on every run)",
            )
    return parser


def without_suppression(argv: Sequence[str]) -> bool:
    """Restart this command with suppression off when ``--no-suppression`` asks for it.

    The threshold is read once, when :mod:`helpers.config` is imported, by every
    process of the run (this one, the workers, the kernels): setting
    ``CAI_NO_SUPPRESSION=1`` and starting afresh keeps them all agreeing.
    Returns False when nothing needs doing (the flag absent, or already applied).
    """
    if "--no-suppression" not in argv or os.environ.get("CAI_NO_SUPPRESSION") == "1":
        return False
    os.environ["CAI_NO_SUPPRESSION"] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "helpers.run.cli", *argv])
    return True  # pragma: no cover - execv does not return


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``alliances`` command."""
    args = build_parser().parse_args(argv)
    without_suppression(sys.argv[1:] if argv is None else list(argv))
    try:
        check_settings()
        if SUPPRESSION_THRESHOLD == 0:
            print("warning: suppression is off (--no-suppression or CAI_NO_SUPPRESSION=1): small "
                  "counts are NOT suppressed; for secure environments only", file=sys.stderr)
        return args.func(args)
    except InsightsError as err:
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (e.g. `alliances list | head`): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as err:  # a read-only or missing folder, a full disk: one line, not a traceback
        print(f"error: {describe_os_error(err)}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
