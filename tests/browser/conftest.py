"""A real Voila process on a seeded demo store, and Chromium driven by Playwright.

Chromium is the system browser (``/usr/bin/chromium`` or ``WORKBENCH_CHROMIUM``): Playwright
downloads nothing. Under ``CI=true`` a missing Chromium fails the run; locally the browser
tests are skipped. Every test saves a screenshot under ``test-output/screenshots/``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI, REPO

SCREENSHOTS = REPO / "test-output" / "screenshots"
#: The viewer of the dashboards in the browser tests: an executive, who may only read.
VIEWER = "elena"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_voila(store_url: str, tmp: Path, *, preheat: bool = True, user: str = VIEWER,
                root: Path | None = None) -> tuple[subprocess.Popen, str]:
    """Serve the shipped dashboards (or the notebooks of ``root``) exactly as ``workbench
    dashboard`` does."""
    from workbench.cli._dashboard import dashboards_dir, voila_command, wait_until_serving

    port = free_port()
    env = {**os.environ, "WORKBENCH_DATABASE_URL": store_url, "WORKBENCH_USER": user,
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime")}
    log = open(tmp / f"voila-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(voila_command(root or dashboards_dir(), port,
                                             preheat=preheat),
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    if not wait_until_serving(base, process, timeout_s=90):
        process.kill()
        log.close()
        pytest.fail(f"voila did not start:\n{(tmp / f'voila-{port}.log').read_text()[-3000:]}")
    process.log = log  # type: ignore[attr-defined]
    return process, base


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.log.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    from workbench.reports.export import chromium_path

    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium, or set WORKBENCH_CHROMIUM)"
        if IN_CI:
            pytest.fail(f"{message} but CI=true: the browser tests must run")
        pytest.skip(message)
    return str(path)


@pytest.fixture(scope="session")
def browser(chromium_executable: str):
    from playwright.sync_api import sync_playwright

    from workbench.reports.export import CHROMIUM_FLAGS

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_executable,
                                      args=list(CHROMIUM_FLAGS), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def seeded_store(_demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    target = tmp_path_factory.mktemp("browser-store") / "demo.db"
    shutil.copyfile(_demo_template, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def voila_url(seeded_store: str, chromium_executable: str,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Voila server (preheated kernels, as `workbench dashboard` runs it) on the demo."""
    process, base = start_voila(seeded_store, tmp_path_factory.mktemp("voila"))
    yield base
    stop(process)


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


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh page; its screenshot is saved when the test ends, passed or failed."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 2000})
    tab = context.new_page()
    yield tab
    save_screenshot(tab, request.node.name)
    context.close()
