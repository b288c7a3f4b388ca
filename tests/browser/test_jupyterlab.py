"""The risk notebook in JupyterLab itself, in a real Chromium: run all cells, click a heatmap
cell, see that cell's risks listed under the heatmap."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import SCREENSHOTS, free_port
from workbench.store import open_store

pytestmark = pytest.mark.browser

TIMEOUT_MS = 120_000
_HEATMAP = ".wb-risk-heatmap .js-plotly-plot"
_CELL_CENTRE = f"""([likelihood, consequence]) => {{
  const gd = document.querySelector('{_HEATMAP}');
  const box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  return [box.left + xa._offset + xa.l2p(consequence), box.top + ya._offset + ya.l2p(likelihood)];
}}"""


@pytest.fixture(scope="module")
def lab(_demo_template: Path, chromium_executable: str,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """JupyterLab on a folder holding the shipped risk notebook and a copy of the demo store."""
    from importlib import resources

    from workbench.cli._dashboard import wait_until_serving

    root = tmp_path_factory.mktemp("lab")
    shutil.copyfile(_demo_template, root / "demo.db")
    shutil.copyfile(Path(str(resources.files("workbench.notebooks"))) / "risk_assessment.ipynb",
                    root / "risk_assessment.ipynb")
    store_url = f"sqlite:///{root / 'demo.db'}"
    port = free_port()
    home = tmp_path_factory.mktemp("lab-home")
    env = {**os.environ, "WORKBENCH_DATABASE_URL": store_url, "WORKBENCH_USER": "alice",
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    log_path = home / "lab.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
         f"--ServerApp.root_dir={root}"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        if not wait_until_serving(base + "lab", process, timeout_s=90):
            pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()[-3000:]}")
        yield base, store_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


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

    from workbench import risk

    base, store_url = lab
    with open_store(store_url, create=False) as store:
        live = risk.open_risks(risk.register(store))
    matrix = risk.heatmap_matrix(live)
    likelihood, consequence = (int(v) for v in matrix.stack().idxmax())
    expected = set(risk.cell_risks(live, likelihood, consequence, which="residual")["id"])

    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(base + "lab/tree/risk_assessment.ipynb", timeout=TIMEOUT_MS)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=TIMEOUT_MS)
    _run_all_cells(page)
    page.wait_for_selector(f"{_HEATMAP} .main-svg", timeout=TIMEOUT_MS)
    heatmap = page.locator(".wb-risk-heatmap")
    heatmap.get_by_text("Click a cell to list its risks").wait_for(timeout=TIMEOUT_MS)

    heatmap.scroll_into_view_if_needed()
    x, y = page.evaluate(_CELL_CENTRE, [likelihood, consequence])
    # plotly's click reports the point it last hovered: move in over the plot, wait for the
    # hover label, then click
    page.mouse.move(x - 30, y - 30)
    page.mouse.move(x, y, steps=8)
    page.wait_for_selector(f"{_HEATMAP} .hoverlayer .hovertext", timeout=TIMEOUT_MS)
    page.mouse.click(x, y)
    heatmap.get_by_text(f"· {len(expected)} risks").wait_for(timeout=TIMEOUT_MS)
    # the title and the table are two widgets: wait for the table to be updated too
    expect(heatmap.locator("table tbody tr")).to_have_count(len(expected), timeout=TIMEOUT_MS)
    listed = heatmap.locator("table tbody tr td:first-child").all_inner_texts()
    assert set(listed) == expected
    assert page.get_by_text("Error displaying widget").count() == 0
    assert page.get_by_text("Traceback").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    heatmap.screenshot(path=str(SCREENSHOTS / "jupyterlab_risk_heatmap_cell_clicked.png"))
