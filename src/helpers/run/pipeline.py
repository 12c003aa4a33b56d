"""The run: clean once, then one notebook per alliance and the England overview, in parallel.

Steps, each named: ``resolve_source`` (synthetic, local or public) ->
``ensure_data`` (generate the SYNTHETIC default when there is none) -> ``prepare``
(:mod:`helpers.ingest.clean` for record-level sources, :mod:`helpers.ingest.public`
for the official files) inside ``01_clean`` -> alliance and England notebooks
(02, 03; parallel processes) -> index -> manifest. Notebooks run
through papermill with an explicit kernel and execution timeout and never
with papermill's ``cwd`` (paths come from :mod:`helpers.config`). One notebook
failing does not stop the others; the result says which failed and why.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.config import KERNEL_NAME, Paths
from helpers.errors import InputDataError, InsightsError
from helpers.ingest.clean import clean, raw_tumour_files, read_status
from helpers.registry import alliances
from helpers.report import export as report
from helpers.run import params

DEFAULT_TIMEOUT = 900
KERNEL_START_TIMEOUT = 300
"""Seconds a kernel may take to start (a loaded machine can need more than papermill's 60)."""
CLEAN_NOTEBOOK = "01_clean.ipynb"
ALLIANCE_NOTEBOOK = "02_alliance.ipynb"
ENGLAND_NOTEBOOK = "03_england.ipynb"


@dataclass
class Job:
    """One notebook to execute and export."""

    kind: str
    title: str
    notebook: str
    parameters: dict[str, Any]
    slug: str

    @property
    def html(self) -> str:
        return f"{self.slug}.html"


@dataclass
class JobResult:
    """What happened to one job."""

    kind: str
    title: str
    notebook: str
    parameters: dict[str, Any]
    html: str
    ok: bool
    seconds: float
    error: str = ""


@dataclass
class RunResult:
    """Every job's result, with the run's timings."""

    results: list[JobResult] = field(default_factory=list)
    seconds: float = 0.0
    finished_at: str = ""

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if not r.ok]

    def summary(self) -> str:
        """Lines a person reads at the end of a run."""
        ok = len(self.results) - len(self.failed)
        lines = [f"{ok} of {len(self.results)} notebooks succeeded in {self.seconds:.0f} s."]
        lines += [f"FAILED {r.title} ({r.notebook}): {r.error}" for r in self.failed]
        return "\n".join(lines)


def resolve_source(paths: Paths, source: str) -> str:
    """Turn ``auto`` into ``local`` when an analyst's extract is present, else ``synthetic``."""
    params.source(source)
    if source != "auto":
        return source
    try:
        raw_tumour_files(paths, "local")
        return "local"
    except InputDataError:
        return "synthetic"


def ensure_data(paths: Paths, source: str) -> list[Path]:
    """Generate the embedded default data when the synthetic source lacks any of its files."""
    folder = paths.raw_synthetic
    if source != "synthetic" or all(list(folder.glob(f"*{kind}*.parquet"))
                                    for kind in ("tumours", "areas", "activity", "referrals")):
        return []
    from helpers import synthetic

    return synthetic.write(synthetic.generate(), folder)


def prepare(paths: Paths, source: str) -> tuple[str, pd.DataFrame]:
    """Clean ``source`` into ``data/processed``; return a summary line and what was set aside.

    Record-level sources (synthetic, local) go through :func:`helpers.ingest.clean.clean`;
    the public files through :func:`helpers.ingest.public.build`.
    """
    if source == "public":
        from helpers.ingest import public

        result = public.build(paths)
        held = pd.DataFrame({
            "Reason": ["values that did not resolve (see public_quarantine.csv)",
                       "providers not attributed to one alliance (unmapped_providers.csv)"],
            "Rows": [f"{result.quarantined:,}", f"{len(result.unmapped_providers):,}"],
        })
        return result.summary(), held
    ensure_data(paths, source)
    done = clean(paths, source)
    held = pd.DataFrame({"Reason": list(done.reasons),
                         "Rows": [f"{n:,}" for n in done.reasons.values()]})
    return done.summary(), held


def check_kernel(kernel: str) -> None:
    """Fail early, with the fix, when the named Jupyter kernel is not registered."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        raise InsightsError(
            f"Jupyter kernel {kernel!r} is not registered; run `make kernel` (or "
            f"`python -m ipykernel install --sys-prefix --name {kernel}`)"
        ) from None


def plan(selected: list[alliances.Alliance] | None, england: bool = True) -> list[Job]:
    """The report jobs: one per selected alliance (all when None) and the England overview."""
    chosen = selected if selected is not None else list(alliances.ALLIANCES)
    jobs = [
        Job("alliance", a.name, ALLIANCE_NOTEBOOK, {"alliance": a.name}, a.slug) for a in chosen
    ]
    if england:
        jobs.append(Job("england", "England overview", ENGLAND_NOTEBOOK, {}, "england"))
    return jobs


def execute(job: Job, root: str, kernel: str, timeout: int) -> JobResult:
    """Execute one job's notebook with papermill and export its HTML (runs in a worker)."""
    import papermill as pm

    os.environ["CAI_HOME"] = root
    paths = Paths(Path(root))
    start = time.perf_counter()
    source = paths.notebooks / job.notebook
    executed = paths.executed / f"{job.slug}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    error = ""
    try:
        safe = params.validate(source, job.parameters)
        with _stderr_to(executed.with_suffix(".log")):  # kernel log lines: to file
            pm.execute_notebook(
                str(source),
                str(executed),
                parameters=safe,
                kernel_name=kernel,
                execution_timeout=timeout,
                start_timeout=KERNEL_START_TIMEOUT,
                progress_bar=False,
                log_output=False,
            )
    except Exception as exc:  # noqa: BLE001 - recorded and reported, the run goes on
        error = _describe(exc)
    if executed.exists():
        try:
            report.export_html(executed, paths.reports / job.html, read_status(paths), job.title,
                               project=paths, kind=job.kind,
                               alliance=job.parameters.get("alliance"))
        except Exception as exc:  # noqa: BLE001
            error = error or f"export failed: {_describe(exc)}"
    return JobResult(
        job.kind,
        job.title,
        job.notebook,
        job.parameters,
        job.html,
        ok=not error,
        seconds=round(time.perf_counter() - start, 2),
        error=error,
    )


def _keep_earlier_reports(reports: Path, entries: list[dict]) -> list[dict]:
    """Add the earlier run's reports that this (partial) run did not redo and that still exist."""
    try:
        earlier = report.read_manifest(reports)["notebooks"]
    except (InsightsError, KeyError, ValueError):
        return entries
    done = {e["html"] for e in entries}
    kept = [e for e in earlier
            if e["html"] not in done and e.get("ok") and (reports / e["html"]).exists()]
    return entries + kept


@contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Point file descriptor 2 (inherited by the kernel process) at ``path`` for a while."""
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("w") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _describe(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"{ename}: {evalue}".strip()[:500]


def run(
    paths: Paths,
    *,
    source: str = "auto",
    selected: list[alliances.Alliance] | None = None,
    jobs: int = 2,
    kernel: str = KERNEL_NAME,
    timeout: int = DEFAULT_TIMEOUT,
    progress: bool = True,
) -> RunResult:
    """Run the whole pipeline and write ``reports/`` (HTML, index, manifest).

    Parameters
    ----------
    paths
        Where data and reports live.
    source
        "auto", "synthetic" or "local".
    selected
        Alliances to report on; all when None (the England overview always runs).
    jobs
        Parallel worker processes for the per-alliance notebooks.
    """
    from tqdm.auto import tqdm

    check_kernel(kernel)
    started = time.perf_counter()
    source = resolve_source(paths, source)
    generated = ensure_data(paths, source)
    root = str(paths.root)
    paths.reports.mkdir(parents=True, exist_ok=True)
    if selected is None:  # a full run replaces every report
        for stale in paths.reports.glob("*.html"):
            stale.unlink()

    clean_job = Job(
        "data", "Data quality and cleaning", CLEAN_NOTEBOOK, {"source": source}, "data-quality"
    )
    result = RunResult()
    if progress:
        print(f"Cleaning the {source} data (01_clean.ipynb)...", flush=True)
    cleaned = execute(clean_job, root, kernel, timeout)
    result.results.append(cleaned)
    if cleaned.ok:
        todo = plan(selected)
        with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(execute, job, root, kernel, timeout) for job in todo]
            bar = tqdm(
                as_completed(futures),
                total=len(futures),
                desc="reports",
                unit="notebook",
                disable=not progress,
            )
            for future in bar:
                done = future.result()
                bar.set_postfix_str(done.title[:30])
                result.results.append(done)
    result.seconds = round(time.perf_counter() - started, 2)
    result.finished_at = datetime.now(UTC).isoformat(timespec="seconds")

    status = read_status(paths) if cleaned.ok else {"source": source, "synthetic": False}
    entries = [{**asdict(r), "run_at": result.finished_at} for r in result.results]
    if selected is not None:
        entries = _keep_earlier_reports(paths.reports, entries)
    report.write_methods(paths.reports, status)
    report.write_index(paths.reports, status, entries, project=paths if cleaned.ok else None)
    report.write_manifest(
        paths.reports,
        {
            "generated_at": result.finished_at,
            "commit": report.git_commit(Path(__file__).resolve().parents[2]),
            "source": source,
            "data_status": status.get("data_status", "unknown"),
            "generated_demo_data": [p.name for p in generated],
            "inputs": status.get("inputs", []),
            "rows": {k: status.get(k) for k in ("rows_in", "kept", "quarantined")},
            "kernel": kernel,
            "jobs": jobs,
            "timeout_seconds": timeout,
            "packages": report.package_versions(),
            "total_seconds": result.seconds,
            "this_run": [r.html for r in result.results],
            "notebooks": entries,
            "errors": [f"{r.title}: {r.error}" for r in result.failed],
        },
    )
    return result
