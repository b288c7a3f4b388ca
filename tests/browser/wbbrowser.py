"""Helpers of the browser tests: servers, the heatmap's cells, screenshots (fixtures live in
``tests/browser/conftest.py``; ``tests/browser`` is on the import path, see pyproject.toml)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wbtest import REPO

SCREENSHOTS = REPO / "test-output" / "screenshots"
#: The viewer of the dashboards in the browser tests: an executive, who may only read.
VIEWER = "elena"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(command: list[str], env: dict[str, str], log_path: Path, ready_url: str,
                 what: str) -> subprocess.Popen:
    """Start a server process logging to ``log_path``; fail the test if it does not answer
    ``ready_url`` within 90 s. Stop it with :func:`stop`."""
    from workbench.cli._dashboard import wait_until_serving

    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log = log  # type: ignore[attr-defined]
    if not wait_until_serving(ready_url, process, timeout_s=90):
        stop(process)
        pytest.fail(f"{what} did not start:\n{log_path.read_text()[-3000:]}")
    return process


def start_voila(store_url: str, tmp: Path, *, preheat: bool = True, user: str = VIEWER,
                root: Path | None = None, kernels=None) -> tuple[subprocess.Popen, str]:
    """Serve the shipped dashboards (or the notebooks of ``root``) exactly as ``workbench
    dashboard`` does (``kernels``: a ``KernelLife``, default the command's)."""
    from workbench.cli._dashboard import dashboards_dir, voila_command

    port = free_port()
    env = {**os.environ, "WORKBENCH_DATABASE_URL": store_url, "WORKBENCH_USER": user,
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime")}
    base = f"http://127.0.0.1:{port}/"
    process = start_server(voila_command(root or dashboards_dir(), port, preheat=preheat,
                                         kernels=kernels), env,
                           tmp / f"voila-{port}.log", base, "voila")
    return process, base


_KERNEL_FILE = re.compile(r"kernel-([0-9a-f-]{36})\.json")


def kernel_ids(process: subprocess.Popen) -> set[str]:
    """The ids of the kernels running under a Voila process (from their connection files)."""
    import psutil

    ids = set()
    for child in psutil.Process(process.pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            found = _KERNEL_FILE.search(" ".join(child.cmdline()))
            if found:
                ids.add(found.group(1))
    return ids


def page_kernel_id(tab) -> str:
    """The id of the kernel a Voila page is connected to (from its page config)."""
    return tab.evaluate("JSON.parse(document.getElementById('jupyter-config-data')"
                        ".textContent).kernelId")


def wait_until(condition: Callable[[], object], timeout_s: float, what: str) -> object:
    """Poll ``condition`` until it returns something true; fail naming ``what`` (and the
    last value seen) if ``timeout_s`` passes first."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not so after {timeout_s:.0f} s (last seen: {value!r})")
        time.sleep(0.25)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.log.close()  # type: ignore[attr-defined]


def notebooks_dir() -> Path:
    """The shipped notebooks (package data ``workbench.notebooks``)."""
    from importlib import resources

    return Path(str(resources.files("workbench.notebooks")))


def demo_copy(template: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> str:
    """The URL of a private copy of the seeded demo store (for tests that write to it)."""
    target = tmp_path_factory.mktemp(name) / "demo.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@contextlib.contextmanager
def serve_notebooks(store_url: str, user: str, tmp: Path) -> Iterator[str]:
    """Voila serving the shipped notebooks as ``user``; yields the base URL."""
    process, base = start_voila(store_url, tmp, preheat=False, user=user, root=notebooks_dir())
    try:
        yield base
    finally:
        stop(process)


#: The risk heatmap widget's figure, and where one of its cells' centre is on the page.
HEATMAP = ".wb-risk-heatmap .js-plotly-plot"
_CELL_CENTRE = f"""([likelihood, consequence]) => {{
  const gd = document.querySelector('{HEATMAP}');
  const box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  return [box.left + xa._offset + xa.l2p(consequence), box.top + ya._offset + ya.l2p(likelihood)];
}}"""


def busiest_residual_cell(store_url: str) -> tuple[int, int, set[str]]:
    """The residual heatmap cell holding the most open risks: likelihood, consequence, ids."""
    from workbench import risk
    from workbench.store import open_store

    with open_store(store_url, create=False) as store:
        live = risk.open_risks(risk.register(store))
    likelihood, consequence = (int(v) for v in risk.heatmap_matrix(live).stack().idxmax())
    ids = set(risk.cell_risks(live, likelihood, consequence, which="residual")["id"])
    return likelihood, consequence, ids


def click_heatmap_cell(page, likelihood: int, consequence: int, timeout_ms: int) -> None:
    """Click one cell of the risk heatmap widget with the mouse, as a person does."""
    page.locator(HEATMAP).scroll_into_view_if_needed()  # a mouse click needs it on screen
    x, y = page.evaluate(_CELL_CENTRE, [likelihood, consequence])
    # plotly's click reports the point it last hovered: move in over the plot, wait for the
    # hover label, then click
    page.mouse.move(x - 30, y - 30)
    page.mouse.move(x, y, steps=8)
    page.wait_for_selector(f"{HEATMAP} .hoverlayer .hovertext", timeout=timeout_ms)
    page.mouse.click(x, y)


#: Voila's page scrolls inside this element, not the document: a full-page screenshot of the
#: document would stop at the window's height.
_CONTENT_HEIGHT = """() => {
  const cells = document.querySelector('#rendered_cells');
  return Math.max(cells ? cells.scrollHeight : 0, document.documentElement.scrollHeight);
}"""
_TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
WIDTH = 1280


def save_screenshot(tab, name: str) -> Path:
    """The whole page as a PNG under ``test-output/screenshots/`` (the window grown to the
    content's height first, so nothing below the fold is cut off)."""
    from playwright.sync_api import Error as PlaywrightError

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    with contextlib.suppress(PlaywrightError):  # a page that failed is photographed as it is
        tab.set_viewport_size({"width": WIDTH, "height": 800})  # measure the content, not
        tab.evaluate(_TWO_FRAMES)                                # the window
        height = int(tab.evaluate(_CONTENT_HEIGHT))
        tab.set_viewport_size({"width": WIDTH, "height": min(max(height + 40, 800), 15000)})
        tab.evaluate(_TWO_FRAMES)  # let the page lay out at the new size
    tab.screenshot(path=str(path), full_page=True)
    return path
