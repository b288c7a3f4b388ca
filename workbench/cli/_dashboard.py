"""``workbench dashboard``: serve the executive dashboards with Voila on 127.0.0.1.

Voila runs as a child process on the folder of shipped dashboards. Kernels are preheated by
default: each dashboard keeps a kernel that has already started and imported the library,
paused in ``portfolio.wait_for_viewer()`` until a viewer arrives, so the first render costs
only the store queries and the page (``benchmarks/bench_dashboard.py`` measures both ways).
The dashboards read the store at request time, so what a viewer sees is never stale.
Identity: the server's ``WORKBENCH_USER`` (else ``JUPYTERHUB_USER``, else the OS login)
decides whose name and roles the pages show.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

from workbench.cli._common import open_cli_store

DEFAULT_PORT = 8866
PAGES = {"portfolio": "voila/render/portfolio.ipynb", "system": "voila/render/system.ipynb"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "dashboard", help="serve the executive dashboards (Voila) on 127.0.0.1",
        description="Serve dashboards/portfolio.ipynb and dashboards/system.ipynb with Voila "
        "on 127.0.0.1 and print their URLs. Stop with Ctrl-C.")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to listen on (default {DEFAULT_PORT})")
    p.add_argument("--no-browser", action="store_true",
                   help="do not open a browser (none is opened on a machine without a display)")
    p.add_argument("--no-preheat", action="store_true",
                   help="start a kernel per page view instead of keeping one ready")
    p.set_defaults(handler=_dashboard)


def dashboards_dir() -> Path:
    """The folder of shipped dashboards (package data ``workbench.dashboards``)."""
    return Path(str(resources.files("workbench.dashboards")))


def voila_command(root: Path, port: int, *, preheat: bool = True,
                  python: str | None = None) -> list[str]:
    """The command line serving ``root`` with Voila on 127.0.0.1:``port``, no code shown."""
    cmd = [python or sys.executable, "-m", "voila", str(root), f"--port={port}",
           "--no-browser", "--Voila.ip=127.0.0.1", "--show_tracebacks=False",
           "--strip_sources=True", "--theme=light"]
    if preheat:
        cmd += ["--preheat_kernel=True", "--pool_size=1"]
    return cmd


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
    env = {**os.environ, "WORKBENCH_DATABASE_URL": url}
    base = f"http://127.0.0.1:{args.port}/"
    # A service manager stops us with SIGTERM: stop Voila (and its kernels) too.
    signal.signal(signal.SIGTERM, _interrupt)
    process = subprocess.Popen(voila_command(dashboards_dir(), args.port,
                                             preheat=not args.no_preheat), env=env)
    try:
        if not wait_until_serving(base, process):
            raise WorkbenchError("Voila did not start (see the messages above); nothing is "
                                 "being served")
        print(f"dashboards of {safe_url(url)} served at {base}")
        print(f"  portfolio:  {base}{PAGES['portfolio']}")
        print(f"  one system: {base}{PAGES['system']}?system=ID")
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
