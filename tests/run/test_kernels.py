"""Warm kernels: a page built in a kernel that ran other notebooks equals one built cold."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from helpers.registry import alliances
from helpers.run import kernels, pipeline
from helpers.run.pipeline import Job

WRITTEN_TIME = re.compile(r"\d{1,2} [A-Z][a-z]+ \d{4} \d{2}:\d{2} UTC")


def page_text(path) -> str:
    """A page without the time it was written (the footer's)."""
    return WRITTEN_TIME.sub("<time>", path.read_text(encoding="utf-8"))


@pytest.mark.e2e
def test_a_report_built_warm_equals_one_built_cold(tiny):
    result = pipeline.run(tiny, selected=[alliances.resolve(a) for a in ("West London",
                                                                          "Peninsula")],
                          jobs=1, progress=False)  # one worker: Peninsula and England run warm
    assert result.failed == [], result.summary()
    root = str(tiny.root)
    for name, job in (("peninsula.html", pipeline.plan([alliances.resolve("Peninsula")])[0]),
                      ("england.html", pipeline.plan([])[-1])):
        kernels.stop_kernel()  # a new kernel for this page alone
        try:
            cold = pipeline.execute(Job(job.kind, job.title, job.notebook, job.parameters,
                                        job.slug, warm=False), root, "cancer-alliance-insights",
                                    600, key="cold")
        finally:
            kernels.stop_kernel()
        assert cold.ok, cold.error
        built_cold = pipeline.cache.Cache(pipeline.cache_folder(tiny)).page(job.slug, "cold")
        assert page_text(tiny.reports / name) == page_text(built_cold), name


@pytest.mark.e2e
def test_stopping_a_worker_kills_its_kernel(tiny, tmp_path):
    kernels.warm_kernel("cancer-alliance-insights", tmp_path / "kernel.log")
    pid = kernels.kernel_pid()
    assert pid is not None and os.kill(pid, 0) is None
    kernels.stop_kernel()
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert kernels.kernel_pid() is None


def test_a_worker_whose_run_is_gone_exits_at_once():
    code = ("import os; from helpers.run import kernels; "
            "kernels.worker_start(parent=os.getppid() + 1); print('still here')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "still here" not in done.stdout


def test_a_worker_ignores_ctrl_c_and_stops_its_kernel_on_sigterm():
    code = ("import os, signal; from helpers.run import kernels; "
            "kernels.worker_start(parent=os.getppid()); "
            "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN, flush=True); "
            "os.kill(os.getpid(), signal.SIGTERM); print('still here')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 128 + signal.SIGTERM
    assert done.stdout.split() == ["True"]
