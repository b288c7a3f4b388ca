"""A real Voila process on a seeded demo store, and Chromium driven by Playwright.

Chromium is the system browser (``/usr/bin/chromium`` or ``WORKBENCH_CHROMIUM``): Playwright
downloads nothing. Under ``CI=true`` a missing Chromium fails the run; locally the browser
tests are skipped. Every test saves a screenshot under ``test-output/screenshots/``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from wbbrowser import WIDTH, demo_copy, save_screenshot, start_voila, stop
from wbtest import IN_CI


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
    return demo_copy(_demo_template, tmp_path_factory, "browser-store")


@pytest.fixture(scope="session")
def voila_server(seeded_store: str, chromium_executable: str,
                 tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tuple[subprocess.Popen, str]]:
    """A Voila server (preheated kernels, as `workbench dashboard` runs it) on the demo:
    the process and its base URL."""
    process, base = start_voila(seeded_store, tmp_path_factory.mktemp("voila"))
    yield process, base
    stop(process)


@pytest.fixture(scope="session")
def voila_url(voila_server: tuple[subprocess.Popen, str]) -> str:
    return voila_server[1]


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh page; its screenshot is saved when the test ends, passed or failed. A script
    error in the page (an uncaught exception) fails the test."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 2000})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(f"{exc.name}: {exc.message}"))
    yield tab
    save_screenshot(tab, request.node.name)
    context.close()
    assert not errors, f"script errors in the page: {errors}"
