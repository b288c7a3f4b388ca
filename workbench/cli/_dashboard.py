"""``workbench dashboard``: serve the executive dashboards with Voila on 127.0.0.1.

Voila runs as a child process (``workbench.cli._voila``) on the folder of shipped dashboards.
Kernels are preheated by default: each dashboard keeps a pool of kernels (``--pool-size``,
default 1) that have already started and imported the library, paused in
``portfolio.wait_for_viewer()`` until a viewer arrives, so the first render costs only the
store queries and the page (``benchmarks/bench_dashboard.py`` measures both ways). The
dashboards read the store at request time, so what a viewer sees is never stale.

Every page view takes a kernel; it is released when the viewer closes the tab, and a kernel
whose viewer vanished without closing it (a crashed browser, a lost network) is culled once
idle for ``--cull-idle-timeout`` seconds, checked every ``--cull-interval`` seconds (Jupyter
Server's ``MappingKernelManager`` culling; Voila never culls its pool). So the server holds
the pools plus one kernel per open tab, not one per page view
(``benchmarks/bench_dashboard_kernels.py``). Identity: the server's (``JUPYTERHUB_USER`` under
a hub, else ``WORKBENCH_USER``, else the OS login) decides whose name and roles the pages show.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from workbench.cli._common import open_cli_store

DEFAULT_PORT = 8866
PAGES = {"portfolio": "voila/render/portfolio.ipynb", "system": "voila/render/system.ipynb"}
#: The workbench's Voila template (``dashboards/jupyter/voila/templates/workbench``): Voila's
#: lab template with nothing fetched from outside the machine.
VOILA_TEMPLATE = "workbench"
#: Not listed on Voila's start page: Jupyter Server's defaults, the template folder and the
#: package's ``__init__.py``.
_HIDDEN = ("__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "jupyter", "__init__.py")


@dataclass(frozen=True)
class KernelLife:
    """How many kernels the dashboard server keeps ready, and when it ends idle ones.

    Parameters
    ----------
    pool_size
        Preheated kernels kept ready per dashboard (0: a kernel starts per page view).
    cull_idle_timeout
        Seconds without any message after which a viewer's kernel is shut down (0: never).
        Keep it well above the time a page takes to load: until the page connects to its
        kernel, the kernel counts as idle.
    cull_interval
        Seconds between two checks for idle kernels.
    cull_connected
        Also cull a kernel whose tab is still open: the page stays readable, but choosing
        another system then needs a reload.
    """

    pool_size: int = 1
    cull_idle_timeout: int = 600
    cull_interval: int = 60
    cull_connected: bool = False

    def __post_init__(self) -> None:
        from workbench.errors import ConfigurationError

        for name, low in (("pool_size", 0), ("cull_idle_timeout", 0), ("cull_interval", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigurationError(f"{name} {value!r}: must be a whole number >= {low}")
        if self.pool_size > 16:
            raise ConfigurationError(f"pool_size {self.pool_size}: at most 16 preheated "
                                     "kernels per dashboard (each holds the library in memory)")

    def voila_args(self) -> list[str]:
        """Voila's command-line options for this policy."""
        kernels = "--MappingKernelManager."
        args = [f"{kernels}cull_idle_timeout={self.cull_idle_timeout}",
                f"{kernels}cull_interval={self.cull_interval}",
                f"{kernels}cull_connected={self.cull_connected}"]
        if self.pool_size:
            args += ["--preheat_kernel=True", f"--pool_size={self.pool_size}"]
        return args


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "dashboard", help="serve the executive dashboards (Voila) on 127.0.0.1",
        description="Serve dashboards/portfolio.ipynb and dashboards/system.ipynb with Voila "
        "on 127.0.0.1 and print their URLs. Stop with Ctrl-C.")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to listen on (default {DEFAULT_PORT})")
    p.add_argument("--no-browser", action="store_true",
                   help="do not open a browser (none is opened on a machine without a display)")
    life = KernelLife()
    p.add_argument("--no-preheat", action="store_true",
                   help="start a kernel per page view instead of keeping some ready "
                   "(the same as --pool-size 0)")
    p.add_argument("--pool-size", type=int, default=life.pool_size, metavar="N",
                   help=f"preheated kernels kept ready per dashboard (default "
                   f"{life.pool_size})")
    p.add_argument("--cull-idle-timeout", type=int, default=life.cull_idle_timeout,
                   metavar="SECONDS", help="shut down a viewer's kernel idle this long "
                   f"(default {life.cull_idle_timeout}; 0 never)")
    p.add_argument("--cull-interval", type=int, default=life.cull_interval,
                   metavar="SECONDS", help="how often to look for idle kernels (default "
                   f"{life.cull_interval})")
    p.add_argument("--cull-connected", action="store_true",
                   help="also shut down idle kernels whose tab is still open")
    p.set_defaults(handler=_dashboard)


def dashboards_dir() -> Path:
    """The folder of shipped dashboards (package data ``workbench.dashboards``)."""
    return Path(str(resources.files("workbench.dashboards")))


def voila_command(root: Path, port: int, *, preheat: bool = True,
                  kernels: KernelLife | None = None, python: str | None = None) -> list[str]:
    """The command line serving ``root`` with Voila on 127.0.0.1:``port``: no code shown,
    nothing fetched from outside the machine, kernels kept and culled as ``kernels`` says
    (``preheat=False`` is a pool of 0)."""
    kernels = kernels or KernelLife()
    if not preheat:
        kernels = replace(kernels, pool_size=0)
    return [python or sys.executable, "-m", "workbench.cli._voila", str(root),
            f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1",
            "--show_tracebacks=False", "--strip_sources=True", "--theme=light",
            f"--template={VOILA_TEMPLATE}",
            "--Voila.identity_provider_class=workbench.cli._voila.PageIdentityProvider",
            *[f"--ContentsManager.hide_globs={g}" for g in _HIDDEN], *kernels.voila_args()]


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until_serving(url: str, process: subprocess.Popen, timeout_s: float = 60) -> bool:
    """Poll ``url`` until the server answers (False if the process ends or time runs out)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    return False


def _has_desktop() -> bool:
    """Whether a graphical browser can open (a headless server has no display)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _dashboard(args: argparse.Namespace) -> int:
    from workbench.errors import ConfigurationError, WorkbenchError
    from workbench.reports.runner import absolute_store_url
    from workbench.store import safe_url

    store = open_cli_store(args)  # refuses a missing store with a one-line error
    url = absolute_store_url(store.url)
    store.close()
    if not 0 < args.port < 65536:
        raise ConfigurationError(f"--port {args.port}: choose a port between 1 and 65535")
    if not port_free(args.port):
        raise ConfigurationError(f"port {args.port} on 127.0.0.1 is in use; choose another "
                                 "with --port")
    try:
        kernels = KernelLife(pool_size=0 if args.no_preheat else args.pool_size,
                             cull_idle_timeout=args.cull_idle_timeout,
                             cull_interval=args.cull_interval,
                             cull_connected=args.cull_connected)
    except ConfigurationError as exc:  # name the flag, not the field
        field, _, rest = str(exc).partition(" ")
        raise ConfigurationError(f"--{field.replace('_', '-')} {rest}") from None
    env = {**os.environ, "WORKBENCH_DATABASE_URL": url}
    base = f"http://127.0.0.1:{args.port}/"
    # A service manager stops us with SIGTERM: stop Voila (and its kernels) too.
    signal.signal(signal.SIGTERM, _interrupt)
    process = subprocess.Popen(voila_command(dashboards_dir(), args.port, kernels=kernels),
                               env=env)
    try:
        if not wait_until_serving(base, process):
            raise WorkbenchError("Voila did not start (see the messages above); nothing is "
                                 "being served")
        print(f"dashboards of {safe_url(url)} served at {base}")
        print(f"  portfolio:  {base}{PAGES['portfolio']}")
        print(f"  one system: {base}{PAGES['system']}?system=ID")
        ended = (f"after {kernels.cull_idle_timeout} s idle" if kernels.cull_idle_timeout
                 else "never when idle")
        print(f"  kernels: {kernels.pool_size} kept ready per dashboard; a viewer's kernel "
              f"ends when the tab closes, or {ended}"
              f"{'' if kernels.cull_connected else ' once the tab is gone'}")
        print("press Ctrl-C to stop", flush=True)
        if not args.no_browser and _has_desktop():
            import webbrowser

            webbrowser.open(base + PAGES["portfolio"])
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
