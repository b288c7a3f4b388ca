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
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from typing_extensions import Self

__all__ = ["START_ATTEMPTS", "KernelPool", "KernelStartError", "warm_code"]

#: Starts tried per report before it fails (a start can fail under a load spike).
START_ATTEMPTS = 3

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


class KernelStartError(RuntimeError):
    """A report's kernel did not start, after every attempt; says why in one line."""

    def __init__(self, cause: BaseException, *, attempts: int, stderr: str = "") -> None:
        self.cause = cause
        self.attempts = attempts
        self.stderr = stderr
        what = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        said = f"; its stderr ends: {stderr}" if stderr else ""
        super().__init__(f"the kernel did not start ({tries}): {what}{said}")


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
    A start that fails (the process exits, or no kernel_info reply within
    ``startup_timeout``) is retried up to ``attempts`` times in all; then ``take()`` raises
    :class:`KernelStartError` with the kernel's last stderr line.
    """

    def __init__(self, *, count: int, ahead: int, kernel_name: str, env: Mapping[str, str],
                 warm: Iterable[str] = (), startup_timeout: float = 60,
                 attempts: int = START_ATTEMPTS, retry_delay: float = 1.0) -> None:
        self.kernel_name = kernel_name
        self.env = dict(env)
        self.code = warm_code(warm)
        self.startup_timeout = startup_timeout
        self.attempts = max(attempts, 1)
        self.retry_delay = retry_delay
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
        """Start, check and warm one kernel, retrying a failed start (worker thread)."""
        error: KernelStartError | None = None
        for attempt in range(1, self.attempts + 1):
            stderr = Path(self.runtime_dir) / f"kernel-{uuid.uuid4().hex}.stderr"
            try:
                km = self._boot(stderr)  # shuts its kernel down when it fails
            except BaseException as exc:  # noqa: BLE001 - retried, then handed to the report
                error = KernelStartError(exc, attempts=attempt, stderr=_tail(stderr))
                if self._closed:
                    break
                if attempt < self.attempts:
                    time.sleep(self.retry_delay * attempt)  # let a load spike pass
                continue
            self._ready.put(_Started(km=km))
            return
        self._ready.put(_Started(error=error))

    def _boot(self, stderr: Path) -> Any:
        """One start: the process, its kernel_info reply, then the warm-up, in order.

        Liveness comes from the kernel manager (is the process running?), not from the
        heartbeat: a standalone client's heartbeat misses a reply within one second while a
        slow kernel is still importing, and wait_for_ready then reports a live kernel as
        dead ("Kernel died before replying to kernel_info"). A client created by the manager
        asks the manager instead.
        """
        from jupyter_core.utils import run_sync

        km = _manager_class()(kernel_name=self.kernel_name)
        if os.name == "posix":
            # Unix sockets: no TCP ports to race for with kernels started elsewhere.
            km.transport = "ipc"
            km.ip = str(Path(self.runtime_dir) / f"kernel-{uuid.uuid4().hex}")
        km.__dict__["_wb_stderr"] = stderr
        try:
            with open(stderr, "wb") as err:  # the kernel keeps its own copy of the descriptor
                run_sync(self._start_and_warm)(km, err)
        except BaseException:
            _shutdown(km)
            raise
        return km

    async def _start_and_warm(self, km: Any, stderr: Any) -> None:
        await km.start_kernel(env=self.env, stdout=subprocess.DEVNULL, stderr=stderr)
        kc = km.client()
        kc.start_channels(hb=False)  # liveness is the manager's (see _boot)
        try:
            await kc.wait_for_ready(timeout=self.startup_timeout)
            msg_id = kc.execute(self.code, silent=True, store_history=False)
            while True:  # the warm-up's reply; nothing else arrives on this client's shell
                reply = await kc.get_shell_msg(timeout=self.startup_timeout)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            if not await km.is_alive():
                raise RuntimeError("the kernel exited during its warm-up")
        finally:
            kc.stop_channels()
            clients = km.__dict__.get("_wb_clients", [])
            if kc in clients:
                clients.remove(kc)

    def take(self) -> Any:
        """Block until a warmed kernel is ready; start the next one ahead."""
        started = self._ready.get()
        self._spawn()
        if started.error is not None:
            raise started.error
        return started.km

    def stderr_tail(self, km: Any) -> str:
        """The last line a kernel wrote to its stderr (why it died, often)."""
        path = km.__dict__.get("_wb_stderr")
        return _tail(path) if path is not None else ""

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


def _tail(path: Path, limit: int = 200) -> str:
    """The last non-empty line of a file, shortened to ``limit`` characters ('' if none)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(handle.tell() - 8192, 0))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return ""
    last = lines[-1]
    return last if len(last) <= limit else last[:limit - 1] + "…"


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
