"""Warm Jupyter kernels in worker processes that die with the run.

Each worker process of a run keeps one kernel and runs several notebooks in it,
each in a fresh namespace (:func:`fresh_namespace`), so the imports and the
kernel start are paid once per worker instead of once per notebook. Nothing
outlives the run:

- a worker asks Linux to send it SIGTERM when the run's process dies, even by
  SIGKILL (``prctl(PR_SET_PDEATHSIG)``, :func:`die_with_parent`);
- a worker that gets SIGTERM kills its kernel's process group, then exits
  (:func:`worker_start` installs the handler);
- a kernel exits by itself within a second when its worker is gone
  (ipykernel's parent poller, which ``JPY_PARENT_PID`` turns on).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing.util
import os
import signal
import sys
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal this process gets when its parent dies (linux/prctl.h)."""

KERNEL_START_TIMEOUT = 300
"""Seconds a kernel may take to start (a loaded machine can need more than papermill's 60)."""

FRESH_NAMESPACE = """\
import matplotlib.pyplot as _cai_plt, sys as _cai_sys
_cai_plt.close("all")
for _cai_module in list(_cai_sys.modules.values()):
    getattr(_cai_module, "__warningregistry__", {}).clear()
get_ipython().reset(new_session=True)
"""
"""Run (silently) before each notebook in a warm kernel: no figure, variable, output
history or once-shown warning of the previous notebook survives, and a new history
session starts cell numbers at 1 as in a new kernel. Imported modules stay loaded:
that is the saving."""

_STATE: dict[str, Any] = {}
"""This worker's kernel: ``km`` (its manager), ``name`` and ``pid``."""
_WORKER: list[int] = []
"""The process id of this process when :func:`worker_start` made it a worker."""


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """Ask Linux to send ``signum`` to this process when its parent dies (elsewhere: no-op)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0)


def worker_start(parent: int) -> None:
    """Initialise a worker process: die with the run and take the kernel along.

    Parameters
    ----------
    parent
        Process id of the run; when it is already gone the worker exits at once.
    """
    _WORKER.append(os.getpid())
    guard_worker()
    multiprocessing.util.Finalize(None, stop_kernel, exitpriority=100)  # on a normal exit
    die_with_parent(signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(1)


def guard_worker() -> None:
    """In a worker: SIGTERM kills the kernel, then the worker; Ctrl-C is left to the run.

    Called again after each notebook: nbclient replaces the SIGTERM handler while
    it executes one and leaves the default behind.
    """
    if os.getpid() in _WORKER:
        signal.signal(signal.SIGTERM, _stop_worker)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_worker(signum: int, frame: object) -> None:
    stop_kernel()
    os._exit(128 + signum)


def kernel_pid() -> int | None:
    """Process id of this worker's kernel, or None when it has none."""
    return _STATE.get("pid")


def warm_kernel(name: str, log: Path):
    """This worker's running kernel named ``name``; started (stderr to ``log``) when needed."""
    from jupyter_client.manager import KernelManager

    km = _STATE.get("km")
    if km is not None and _STATE.get("name") == name and km.is_alive():
        return km
    stop_kernel()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as err:
        km = KernelManager(kernel_name=name)
        km.start_kernel(stderr=err)
    _STATE.update(km=km, name=name, pid=km.provisioner.pid)
    return km


def fresh_namespace(km) -> None:
    """Empty the kernel's namespace and history (see :data:`FRESH_NAMESPACE`)."""
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=KERNEL_START_TIMEOUT)
        reply = client.execute_interactive(FRESH_NAMESPACE, silent=True, store_history=False,
                                           timeout=120, output_hook=lambda msg: None)
    finally:
        client.stop_channels()
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"could not reset the kernel: {reply['content'].get('evalue', '')}")


def stop_kernel() -> None:
    """Kill this worker's kernel and its process group (safe in a signal handler)."""
    km, pid = _STATE.pop("km", None), _STATE.pop("pid", None)
    _STATE.pop("name", None)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)  # jupyter_client starts kernels in a new session
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    if km is not None:
        with contextlib.suppress(Exception):  # best effort: the process is gone already
            km.cleanup_resources()
