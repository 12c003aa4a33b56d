"""The run: clean once, then one notebook per alliance and the England overview, in parallel.

Steps, each named: ``resolve_source`` (synthetic, local or public) ->
``ensure_data`` (generate the SYNTHETIC default when there is none) -> ``prepare``
(:mod:`helpers.ingest.clean` for record-level sources, :mod:`helpers.ingest.public`
for the official files) inside ``01_clean`` -> alliance and England notebooks
(02, 03) -> ``publish`` (pages, methods, index, manifest last).

- Workers: ``jobs`` processes (default: the cores), each with a warm kernel
  that runs several notebooks, each in a fresh namespace
  (:mod:`helpers.run.kernels`); the cleaning step gets a kernel of its own.
  Workers and kernels die with the run, by SIGTERM or SIGKILL.
- Cache: a notebook is re-executed only when its inputs changed
  (:mod:`helpers.run.cache`); ``force`` re-executes all. The manifest lists
  what was reused.
- Safe to kill: pages are built in ``reports/_cache`` and published together at
  the end, each file replaced atomically (:mod:`helpers.files`), the manifest
  last. A run killed while publishing is finished by the next one; one killed
  earlier leaves ``reports/`` as it was. One run at a time per folder (a lock).

Notebooks run through papermill with an explicit kernel and execution timeout
and never with papermill's ``cwd`` (paths come from :mod:`helpers.config`). One
notebook failing does not stop the others; the result says which failed and why.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import threading
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

from helpers import files
from helpers.config import KERNEL_NAME, SUPPRESSION_THRESHOLD, Paths
from helpers.errors import InputDataError, InsightsError, RunInterrupted, public_message
from helpers.ingest.clean import clean, raw_tumour_files, read_status
from helpers.ingest.io import sha256
from helpers.registry import alliances
from helpers.report import export as report
from helpers.run import cache, kernels, params

DEFAULT_TIMEOUT = 900
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
    warm: bool = True
    """Run in the worker's warm kernel (False: a kernel of its own, stopped afterwards)."""

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
    key: str = ""
    """The cache key of the inputs the page was built from."""
    sha256: str = ""
    """SHA-256 of the page."""
    outputs: dict[str, str] = field(default_factory=dict)
    """The cleaning step only: the processed files it wrote (size:mtime)."""
    reused: bool = False
    """True when the page was built by an earlier run from the same inputs."""


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
        reused = sum(r.reused for r in self.results)
        note = f" ({reused} unchanged, reused)" if reused else ""
        lines = [f"{ok} of {len(self.results)} notebooks succeeded{note} in {self.seconds:.0f} s."]
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


def execute(job: Job, root: str, kernel: str, timeout: int, key: str = "") -> JobResult:
    """Execute one job's notebook in this worker's warm kernel and export its page.

    The page goes to the run's cache (``reports/_cache``), not to ``reports/``:
    the run publishes every page together at the end (:func:`publish`). A job
    that is not ``warm`` gets a new kernel, stopped afterwards, so no module
    state it leaves (e.g. the cleaning step) reaches the reports.
    """
    import papermill as pm

    os.environ["CAI_HOME"] = root
    paths = Paths(Path(root))
    store = cache.Cache(cache_folder(paths))
    start = time.perf_counter()
    source = paths.notebooks / job.notebook
    executed = paths.executed / f"{job.slug}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    page = store.page(job.slug, key)
    error = ""
    try:
        safe = params.validate(source, job.parameters)
        if not job.warm:
            kernels.stop_kernel()
        km = kernels.warm_kernel(kernel, paths.executed / f"kernel-{os.getpid()}.log")
        kernels.fresh_namespace(km)
        pm.execute_notebook(
            str(source),
            str(executed),
            parameters=safe,
            kernel_name=kernel,
            km=km,
            execution_timeout=timeout,
            start_timeout=kernels.KERNEL_START_TIMEOUT,
            progress_bar=False,
            log_output=False,
        )
    except Exception as exc:  # noqa: BLE001 - recorded and reported, the run goes on
        error = _describe(exc)
    finally:
        kernels.guard_worker()
        if not job.warm:
            kernels.stop_kernel()
    if executed.exists():
        try:
            report.export_html(executed, page, read_status(paths), job.title, slug=job.slug,
                               downloads=store.downloads(job.slug, key), project=paths,
                               kind=job.kind, alliance=job.parameters.get("alliance"))
        except Exception as exc:  # noqa: BLE001
            error = error or f"export failed: {_describe(exc)}"
    result = JobResult(
        job.kind,
        job.title,
        job.notebook,
        job.parameters,
        job.html,
        ok=not error and page.exists(),
        seconds=round(time.perf_counter() - start, 2),
        error=error or ("" if page.exists() else "no page was produced"),
        key=key,
        sha256=sha256(page) if page.exists() else "",
        outputs=processed_stamps(paths) if job.kind == "data" else {},
    )
    if result.ok and key:
        store.store(job.slug, key, result)
    return result


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


def _describe(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return public_message(ename, evalue)[:500]


def processed_stamps(paths: Paths) -> dict[str, str]:
    """Size and modification time of each processed file (a reused cleaning step checks them)."""
    folder = paths.processed
    found = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return {str(p.relative_to(folder)): f"{p.stat().st_size}:{p.stat().st_mtime_ns}"
            for p in found}


def cache_folder(paths: Paths) -> Path:
    """Where built pages wait to be published and are kept for reuse."""
    return paths.reports / "_cache"


RUNNING = ".running.json"
"""In ``reports/`` while a run is under way; left behind by a run that was killed."""
PUBLISHING = ".publishing.json"
"""In ``reports/`` while a run moves its pages in: what is left to do, to finish after a kill."""


def default_jobs() -> int:
    """Worker processes: the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


@contextmanager
def stopped_by_signal() -> Iterator[None]:
    """Turn SIGTERM and Ctrl-C into :class:`RunInterrupted` while the block runs (main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise RunInterrupted(
            f"the run was stopped (signal {signum}); the previous reports are unchanged; "
            "run again to finish")

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def workers(count: int) -> Iterator[ProcessPoolExecutor]:
    """Worker processes that die with this one and are killed (with their kernels) on exit."""
    pool = ProcessPoolExecutor(max_workers=count, mp_context=get_context("spawn"),
                               initializer=kernels.worker_start, initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        for child in multiprocessing.active_children():
            child.terminate()  # SIGTERM: the worker kills its kernel, then exits
        pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():
            child.join(timeout=10)
        raise
    pool.shutdown(wait=True)


def publish(reports: Path, plan_: dict[str, Any]) -> None:
    """Move a run's pages into ``reports/``, then methods, index and manifest (last).

    ``plan_`` (pages: html -> cached page, status, entries, manifest, remove) is first
    written to :data:`PUBLISHING`, so a run killed half-way is finished by the next
    (:func:`finish_publishing`). Each file is replaced atomically.
    """
    files.write_text(reports / PUBLISHING, json.dumps(plan_, default=str))
    _apply(reports, plan_)


def _apply(reports: Path, plan_: dict[str, Any]) -> None:
    for html_name, cached in plan_["pages"].items():
        if Path(cached).exists():
            files.copy(Path(cached), reports / html_name)
        built = cache.Cache.downloads_of(Path(cached))
        if built.is_dir():
            files.replace_folder(built, reports / report.DOWNLOADS / _slug(html_name))
    report.write_methods(reports, plan_["status"])
    project = Paths(Path(plan_["root"])) if plan_.get("root") else None
    report.write_index(reports, plan_["status"], plan_["entries"], project=project)
    report.write_manifest(reports, plan_["manifest"])
    for stale in plan_["remove"]:
        (reports / stale).unlink(missing_ok=True)
        shutil.rmtree(reports / report.DOWNLOADS / _slug(stale), ignore_errors=True)
    cache.Cache(Path(plan_["cache"])).prune(Path(p) for p in plan_["keep"])
    (reports / PUBLISHING).unlink(missing_ok=True)


def finish_publishing(reports: Path) -> bool:
    """Finish publishing a run that was killed while moving its pages in; True if there was one."""
    path = reports / PUBLISHING
    if not path.exists():
        return False
    try:
        plan_ = json.loads(path.read_text())
    except ValueError:  # cannot happen with atomic writes; be safe
        path.unlink()
        return False
    print(f"An earlier run ({plan_['manifest']['generated_at']}) was stopped while "
          "publishing its reports; finishing that first.", flush=True)
    _apply(reports, plan_)
    return True


def note_unfinished(reports: Path) -> None:
    """Say so in one line when an earlier run did not finish (its marker is still there)."""
    path = reports / RUNNING
    if not path.exists():
        return
    try:
        earlier = json.loads(path.read_text())
    except ValueError:
        earlier = {}
    print(f"An earlier run (started {earlier.get('started_at', 'at an unknown time')}) did "
          "not finish; finishing it now, reusing the reports it completed.", flush=True)


def job_keys(paths: Paths, todo: list[Job], status: dict[str, Any], base: str) -> dict[str, str]:
    """The cache key of each report job (see :mod:`helpers.run.cache`)."""
    codes = {a.name: a.code for a in alliances.ALLIANCES}
    data = cache.report_inputs(paths, status, codes.values())
    keys = {}
    for job in todo:
        which = codes[job.parameters["alliance"]] if job.kind == "alliance" else "england"
        keys[job.slug] = cache.digest(base, job.kind, job.parameters,
                                      _notebook_digest(paths, job), data[which])
    return keys


def _notebook_digest(paths: Paths, job: Job) -> str:
    return sha256(paths.notebooks / job.notebook)


def run(
    paths: Paths,
    *,
    source: str = "auto",
    selected: list[alliances.Alliance] | None = None,
    jobs: int | None = None,
    kernel: str = KERNEL_NAME,
    timeout: int = DEFAULT_TIMEOUT,
    progress: bool = True,
    force: bool = False,
) -> RunResult:
    """Run the whole pipeline and write ``reports/`` (HTML, index, manifest).

    Parameters
    ----------
    paths
        Where data and reports live.
    source
        "auto", "synthetic", "local" or "public".
    selected
        Alliances to report on; all when None (the England overview always runs).
    jobs
        Worker processes (each with a warm kernel); default: the number of cores.
    force
        Re-execute every notebook even where its inputs are unchanged.

    Raises
    ------
    RunLockedError
        Another run is writing the same reports folder.
    OutputError
        The reports folder is not a writable folder.
    RunInterrupted
        SIGTERM stopped the run; the previous reports are left whole.
    """
    check_kernel(kernel)
    reports = files.writable_folder(paths.reports)
    with files.run_lock(reports), stopped_by_signal():
        for folder in (reports, reports / report.DOWNLOADS, paths.processed, paths.quarantine):
            files.remove_temporary(folder)  # what a killed run was writing
        finish_publishing(reports)
        note_unfinished(reports)
        files.write_text(reports / RUNNING, json.dumps(
            {"pid": os.getpid(), "started_at": datetime.now(UTC).isoformat(timespec="seconds")}))
        result = _run(paths, source, selected, jobs or default_jobs(), kernel, timeout,
                      progress, force)
        (reports / RUNNING).unlink(missing_ok=True)
    return result


def _run(paths: Paths, source: str, selected: list[alliances.Alliance] | None, jobs: int,
         kernel: str, timeout: int, progress: bool, force: bool) -> RunResult:
    from tqdm.auto import tqdm

    started = time.perf_counter()
    source = resolve_source(paths, source)
    generated = ensure_data(paths, source)
    root = str(paths.root)
    store = cache.Cache(cache_folder(paths))
    base = cache.digest(cache.code_digest(), cache.environment_digest(kernel))
    clean_job = Job("data", "Data quality and cleaning", CLEAN_NOTEBOOK, {"source": source},
                    "data-quality", warm=False)
    clean_key = cache.digest(base, clean_job.parameters, _notebook_digest(paths, clean_job),
                             cache.raw_inputs(paths, source, store.folder / cache.HASH_MEMO))
    result = RunResult()
    with workers(jobs) as pool:
        cleaned = None if force else _reused(store, clean_job, clean_key, paths)
        if cleaned is None:
            if progress:
                print(f"Cleaning the {source} data (01_clean.ipynb)...", flush=True)
            cleaned = pool.submit(execute, clean_job, root, kernel, timeout, clean_key).result()
        result.results.append(cleaned)
        if cleaned.ok:
            todo = plan(selected)
            status = read_status(paths)
            keys = job_keys(paths, todo, status, base)
            waiting = []
            for job in todo:
                hit = None if force else _reused(store, job, keys[job.slug], paths)
                if hit is None:
                    waiting.append(pool.submit(execute, job, root, kernel, timeout,
                                               keys[job.slug]))
                else:
                    result.results.append(hit)
            bar = tqdm(as_completed(waiting), total=len(waiting), desc="reports",
                       unit="notebook", disable=not progress or not waiting)
            for future in bar:
                done = future.result()
                bar.set_postfix_str(done.title[:30])
                result.results.append(done)
    result.seconds = round(time.perf_counter() - started, 2)
    result.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    _publish_run(paths, result, source, selected, generated, kernel, jobs, timeout, store)
    return result


def _reused(store: cache.Cache, job: Job, key: str, paths: Paths) -> JobResult | None:
    stored = store.lookup(job.slug, key)
    if stored is None:
        return None
    if job.kind == "data" and stored.get("outputs") != processed_stamps(paths):
        return None  # the processed data were changed or removed since
    return JobResult(**{**stored, "reused": True, "seconds": 0.0})


def _publish_run(paths: Paths, result: RunResult, source: str,
                 selected: list[alliances.Alliance] | None, generated: list[Path],
                 kernel: str, jobs: int, timeout: int, store: cache.Cache) -> None:
    reports = paths.reports
    cleaned = result.results[0]
    status = read_status(paths) if cleaned.ok else {"source": source, "synthetic": False}
    entries = [{**asdict(r), "run_at": result.finished_at} for r in result.results]
    if selected is not None:
        entries = _keep_earlier_reports(reports, entries)
    # a failed notebook's page is published too: it shows the one-line reason, never a
    # traceback (report.export.one_line_errors), and the index marks it failed
    pages = {r.html: str(store.page(_slug(r.html), r.key)) for r in result.results
             if r.ok or store.page(_slug(r.html), r.key).exists()}
    listed = {e["html"] for e in entries if e["ok"]} | set(pages)
    keep = [store.page(_slug(e["html"]), e["key"]) for e in entries if e["ok"] and e.get("key")]
    remove = sorted(p.name for p in reports.glob("*.html")
                    if p.name not in listed | {"index.html", "methods.html"})
    manifest = {
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
        "suppression_threshold": SUPPRESSION_THRESHOLD,
        "suppression": "on" if SUPPRESSION_THRESHOLD else "OFF (--no-suppression)",
        "packages": report.package_versions(),
        "total_seconds": result.seconds,
        "this_run": [r.html for r in result.results],
        "reused": [r.html for r in result.results if r.reused],
        "executed": [r.html for r in result.results if not r.reused],
        "notebooks": entries,
        "errors": [f"{r.title}: {r.error}" for r in result.failed],
    }
    publish(reports, {"pages": pages, "status": status, "entries": entries,
                      "manifest": manifest, "remove": remove, "cache": str(store.folder),
                      "root": str(paths.root) if cleaned.ok else None,
                      "keep": [str(p) for p in keep]})


def _slug(html_name: str) -> str:
    return html_name.removesuffix(".html")

