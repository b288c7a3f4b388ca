"""Kernels started ahead for a batch of reports: one fresh kernel per report, never reused.

Why fresh: a kernel reused across reports would carry the previous report's namespace,
module-level caches, random state, working directory changes and environment edits, and no
test could prove all of that away. A fresh kernel per report cannot leak state, and starting
it *ahead* (while the previous report still runs) removes its start-up time from the critical
path, which is where papermill's one-process-per-report approach loses its seconds.

Warming: before a kernel is handed out, it imports the modules the template imports (and the
heavy libraries the workbench loads lazily), silently: ``silent=True`` executes do not count
towards execution numbers, store no history and bind no names, so the report's outputs are
identical to a cold run (``tests/test_reports_runner.py`` checks this against plain papermill).
"""

from __future__ import annotations

import functools
import os
import queue
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from typing_extensions import Self

__all__ = ["KernelPool", "warm_code"]

#: Libraries the workbench imports lazily inside functions; warmed when a template uses it.
WORKBENCH_LAZY_IMPORTS = ("pandas", "plotly.graph_objs._figure", "plotly.io._json",
                          "sqlalchemy", "workbench.store", "workbench.render",
                          "workbench.catalog")
PLOTLY_RENDERERS = "plotly.io._renderers"


def warm_code(modules: Iterable[str]) -> str:
    """Code importing ``modules`` without binding any name in the user namespace."""
    given = list(dict.fromkeys(m for m in modules if m and not m.startswith(".")))
    names = list(given)
    if any(m == "workbench" or m.startswith("workbench.") for m in given):
        names += [m for m in WORKBENCH_LAZY_IMPORTS if m not in names]
    if any(m == "plotly" or m.startswith("plotly.") for m in given):
        names.append(PLOTLY_RENDERERS)  # what fig.show() loads on first use
    return (
        "def _wb_warm(names):\n"
        "    import importlib\n"
        "    for name in names:\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "        except Exception:\n"
        "            pass\n"
        f"_wb_warm({names!r})\n"
        "del _wb_warm\n"
    )


class _Started:
    """A started (or failed) kernel waiting in the pool."""

    __slots__ = ("error", "km")

    def __init__(self, km: Any = None, error: BaseException | None = None) -> None:
        self.km = km
        self.error = error


class KernelPool:
    """Starts ``count`` kernels, at most ``ahead`` at a time beyond those in use.

    ``take()`` returns a ready, warmed ``AsyncKernelManager`` (its process running, not
    owned by the caller's notebook client); the caller shuts it down with :meth:`release`.
    """

    def __init__(self, *, count: int, ahead: int, kernel_name: str, env: Mapping[str, str],
                 warm: Iterable[str] = (), startup_timeout: float = 60) -> None:
        self.kernel_name = kernel_name
        self.env = dict(env)
        self.code = warm_code(warm)
        self.startup_timeout = startup_timeout
        self._remaining = count
        self._lock = threading.Lock()
        self._ready: queue.Queue[_Started] = queue.Queue()
        self._closed = False
        self._threads: list[threading.Thread] = []
        self.runtime_dir = tempfile.mkdtemp(prefix="wb-kernels-")
        for _ in range(min(max(ahead, 1), count)):
            self._spawn()

    def _spawn(self) -> None:
        with self._lock:
            if self._closed or self._remaining <= 0:
                return
            self._remaining -= 1
        thread = threading.Thread(target=self._start_one, name="wb-kernel-start", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _start_one(self) -> None:
        from jupyter_client import BlockingKernelClient
        from jupyter_core.utils import run_sync

        km = None
        try:
            km = _manager_class()(kernel_name=self.kernel_name)
            if os.name == "posix":
                # Unix sockets: no TCP ports to race for with kernels started elsewhere.
                km.transport = "ipc"
                km.ip = str(Path(self.runtime_dir) / f"kernel-{uuid.uuid4().hex}")
            run_sync(km.start_kernel)(env=self.env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            kc = BlockingKernelClient()
            kc.load_connection_info(km.get_connection_info())
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=self.startup_timeout)
                msg_id = kc.execute(self.code, silent=True, store_history=False)
                while True:  # the warm-up's reply; nothing else arrives on this client's shell
                    reply = kc.get_shell_msg(timeout=self.startup_timeout)
                    if reply["parent_header"].get("msg_id") == msg_id:
                        break
            finally:
                kc.stop_channels()
            self._ready.put(_Started(km=km))
        except BaseException as exc:  # noqa: BLE001 - handed to the report that takes it
            if km is not None:
                _shutdown(km)
            self._ready.put(_Started(error=exc))

    def take(self) -> Any:
        """Block until a warmed kernel is ready; start the next one ahead."""
        started = self._ready.get()
        self._spawn()
        if started.error is not None:
            raise RuntimeError(f"the kernel did not start: {started.error}") from started.error
        return started.km

    def release(self, km: Any) -> None:
        """Shut a kernel down (every report gets a fresh one)."""
        _shutdown(km)

    def close(self) -> None:
        """Stop starting kernels and shut down any not taken."""
        with self._lock:
            self._closed = True
        for thread in self._threads:
            thread.join(timeout=self.startup_timeout)
        while True:
            try:
                started = self._ready.get_nowait()
            except queue.Empty:
                break
            if started.km is not None:
                _shutdown(started.km)
        import shutil

        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@functools.cache
def _manager_class() -> type:
    """An AsyncKernelManager that remembers its clients, so shutting down also closes them.

    papermill's notebook client does not close its channels when it does not own the kernel
    manager; the pool closes them when it shuts the kernel down.
    """
    from jupyter_client import AsyncKernelManager

    class PoolKernelManager(AsyncKernelManager):
        def client(self, **kwargs: Any) -> Any:
            kc = super().client(**kwargs)
            self.__dict__.setdefault("_wb_clients", []).append(kc)
            return kc

    return PoolKernelManager


def _shutdown(km: Any) -> None:
    from jupyter_core.utils import run_sync

    for kc in km.__dict__.pop("_wb_clients", []):
        try:
            kc.stop_channels()
        except Exception:  # noqa: BLE001, S110 - closing what is already closed
            pass
    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
        else:
            run_sync(km.cleanup_resources)()
    except Exception:  # noqa: BLE001, S110 - a kernel already gone is what we wanted
        pass
