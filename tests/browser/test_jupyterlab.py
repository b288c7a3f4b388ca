"""The risk notebook in JupyterLab itself, in a real Chromium: run all cells, click a heatmap
cell, see that cell's risks listed under the heatmap."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from wbbrowser import (
    HEATMAP,
    SCREENSHOTS,
    busiest_residual_cell,
    click_heatmap_cell,
    free_port,
    notebooks_dir,
    start_server,
    stop,
)

pytestmark = pytest.mark.browser

TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def lab(_demo_template: Path, chromium_executable: str,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """JupyterLab on a folder holding the shipped risk notebook and a copy of the demo store."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copyfile(_demo_template, root / "demo.db")
    shutil.copyfile(notebooks_dir() / "risk_assessment.ipynb", root / "risk_assessment.ipynb")
    store_url = f"sqlite:///{root / 'demo.db'}"
    port = free_port()
    home = tmp_path_factory.mktemp("lab-home")
    _settings(home / "settings")
    env = {**os.environ, "WORKBENCH_DATABASE_URL": store_url, "WORKBENCH_USER": "alice",
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    base = f"http://127.0.0.1:{port}/"
    process = start_server(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
         f"--ServerApp.root_dir={root}"], env, home / "lab.log", base + "lab", "JupyterLab")
    yield base, store_url
    stop(process)


def _settings(folder: Path) -> None:
    """JupyterLab's user settings for the test: start the notebook's kernel without asking
    (on a busy machine the kernel list can arrive after the notebook opens, and JupyterLab
    then asks which kernel to start), attach every cell (JupyterLab's default skips drawing
    cells out of view, and a plotly figure widget drawn while skipped on a busy machine stayed
    empty), and never fetch news or look for updates online."""
    import json

    for plugin, values in {
            "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True,
                                                       "windowingMode": "none"},
            "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                            "checkForUpdates": False}}.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def _run_all_cells(page, attempts: int = 4) -> None:
    """Run > Run All Cells, again if the kernel was not ready to take it (no cell started)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    started = "() => Array.from(document.querySelectorAll('.jp-InputPrompt'))" \
              ".some(p => /\\[(\\d+|\\*)\\]/.test(p.textContent))"
    for _ in range(attempts):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(started, timeout=20_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    pytest.fail("JupyterLab did not run the notebook's cells")


def test_in_jupyterlab_a_click_on_a_cell_lists_its_risks(page, lab):
    from playwright.sync_api import expect

    base, store_url = lab
    likelihood, consequence, expected = busiest_residual_cell(store_url)

    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(base + "lab/tree/risk_assessment.ipynb", timeout=TIMEOUT_MS)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=TIMEOUT_MS)
    _run_all_cells(page)
    # Running every cell scrolls the notebook to its end, and JupyterLab skips drawing cells
    # out of view: wait for the heatmap to exist, then scroll to it as a person would.
    page.wait_for_selector(f"{HEATMAP} .main-svg", state="attached", timeout=TIMEOUT_MS)
    page.locator(HEATMAP).first.scroll_into_view_if_needed(timeout=TIMEOUT_MS)
    page.wait_for_selector(f"{HEATMAP} .main-svg", timeout=TIMEOUT_MS)
    heatmap = page.locator(".wb-risk-heatmap")
    heatmap.get_by_text("Click a cell to list its risks").wait_for(timeout=TIMEOUT_MS)

    click_heatmap_cell(page, likelihood, consequence, TIMEOUT_MS)
    heatmap.get_by_text(f"· {len(expected)} risks").wait_for(timeout=TIMEOUT_MS)
    # the title and the table are two widgets: wait for the table to be updated too
    expect(heatmap.locator("table tbody tr")).to_have_count(len(expected), timeout=TIMEOUT_MS)
    listed = heatmap.locator("table tbody tr td:first-child").all_inner_texts()
    assert set(listed) == expected
    assert page.get_by_text("Error displaying widget").count() == 0
    assert page.get_by_text("Traceback").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    heatmap.screenshot(path=str(SCREENSHOTS / "jupyterlab_risk_heatmap_cell_clicked.png"))
