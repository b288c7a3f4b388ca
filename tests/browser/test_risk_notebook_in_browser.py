"""The risk assessment notebook's widgets in a real Chromium: click a heatmap cell and see its
risks, add a risk in the editor and see the heatmap change.

Voila renders the notebook with the same widget front-ends as JupyterLab, so this is what a data
scientist does in the notebook, driven through the page with real clicks and keystrokes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.store import open_store

from wbbrowser import (
    HEATMAP,
    SCREENSHOTS,
    busiest_residual_cell,
    click_heatmap_cell,
    demo_copy,
    serve_notebooks,
)

pytestmark = pytest.mark.browser

NOTEBOOK = "voila/render/risk_assessment.ipynb"
TIMEOUT_MS = 90_000
#: A senior data scientist of the demo organization (assessor, contributor).
AUTHOR = "alice"
SYSTEM = "cv-screening"
#: A title a person might paste: it must show as text, never run.
TITLE = 'Shortlist skew <img src=x onerror="window.__xss = 1"> for career breaks'

#: The heatmap widget's cell texts.
_CELL_TEXT = f"""() => document.querySelector('{HEATMAP}').data[0].text"""


@pytest.fixture(scope="module")
def risk_store(_demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A private demo store: the test adds a risk to it."""
    return demo_copy(_demo_template, tmp_path_factory, "risk-browser")


@pytest.fixture(scope="module")
def notebooks_url(risk_store: str, chromium_executable: str,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Voila serving the shipped notebooks, with the data scientist as the user."""
    with serve_notebooks(risk_store, AUTHOR, tmp_path_factory.mktemp("voila-notebooks")) as url:
        yield url


def _counts(page) -> list[list[int]]:
    return [[int(v.replace(",", "")) if v else 0 for v in row]
            for row in page.evaluate(_CELL_TEXT)]


def _select(page, field: str, label: str) -> None:
    page.locator(f".wb-form-risk .wb-field-{field} select").select_option(label=label)


def test_click_a_cell_then_add_a_risk_and_the_heatmap_changes(page, notebooks_url, risk_store):
    from playwright.sync_api import expect

    from workbench import catalog, risk

    with open_store(risk_store, create=False) as store:
        before = set(store.frame("risk", meta=False)["id"])
        live = risk.open_risks(risk.register(store))
        criteria = risk.criteria_in_force(store)
        system_name = store.frame("ai_system", meta=False).set_index("id").loc[SYSTEM, "name"]
    expected = risk.heatmap_matrix(live)  # residual, likelihood rows x consequence columns
    likelihood, consequence, in_cell = busiest_residual_cell(risk_store)
    n = int(expected.loc[likelihood, consequence])
    assert n == len(in_cell) > 1

    page.goto(notebooks_url + NOTEBOOK, timeout=TIMEOUT_MS)
    page.wait_for_selector("text=Click a cell to list its risks", timeout=TIMEOUT_MS)
    page.wait_for_function(f"!!document.querySelector('{HEATMAP} .main-svg')",
                           timeout=TIMEOUT_MS)
    counts = _counts(page)
    assert counts == expected.to_numpy().tolist()

    # 1. a click on the cell lists exactly that cell's risks
    heatmap = page.locator(".wb-risk-heatmap")
    click_heatmap_cell(page, likelihood, consequence, TIMEOUT_MS)
    heatmap.get_by_text(f"· {n} risks").wait_for(timeout=TIMEOUT_MS)
    # the title and the table are two widgets: wait for the table to be updated too
    expect(heatmap.locator("table tbody tr")).to_have_count(n, timeout=TIMEOUT_MS)
    listed = heatmap.locator("table tbody tr td:first-child").all_inner_texts()
    assert set(listed) == in_cell
    assert criteria.label_of("likelihood", likelihood) in heatmap.locator("h4").inner_text()

    # 2. a new risk landing in that cell, typed into the editor and saved
    editor = page.locator(".wb-risk-editor")
    _select(page, "system-id", f"{system_name} ({SYSTEM})")
    page.locator(".wb-form-risk .wb-field-title input").fill(TITLE)
    page.locator(".wb-form-risk .wb-field-description textarea").fill(
        "Candidates with career breaks rank lower than peers with the same skills.")
    _select(page, "risk-source", catalog.annex_c_risk_sources()["name"].iloc[0])
    _select(page, "objective", catalog.annex_c_objectives()["name"].iloc[0])
    for which in ("inherent", "residual"):
        _select(page, f"{which}-likelihood",
                f"{likelihood} {criteria.label_of('likelihood', likelihood)}")
        _select(page, f"{which}-consequence",
                f"{consequence} {criteria.label_of('consequence', consequence)}")
    controls = catalog.controls().set_index("id")
    page.locator(".wb-form-risk .wb-field-controls select").select_option(
        label=f"A.5.4 {controls.loc['A.5.4', 'title']}")
    _select(page, "status", "assessed")
    # (a button's accessible name includes its icon glyph: find it by its title)
    editor.locator('button[title="Save"]').click()
    editor.get_by_text("Saved risk").wait_for(timeout=TIMEOUT_MS)

    # 3. the heatmap refreshed: that cell counts one more, the others are unchanged
    page.wait_for_function(
        f"([l, c, n]) => ({_CELL_TEXT})()[l - 1][c - 1] === String(n + 1)",
        arg=[likelihood, consequence, n], timeout=TIMEOUT_MS)
    counts[likelihood - 1][consequence - 1] += 1
    assert _counts(page) == counts
    heatmap.get_by_text(f"· {n + 1} risks").wait_for(timeout=TIMEOUT_MS)

    # the store holds it, written by the person in the browser, and the cell lists it as text
    with open_store(risk_store, create=False) as store:
        saved = store.frame("risk").set_index("id")
    [new_id] = set(saved.index) - before
    assert saved.loc[new_id, "title"] == TITLE
    assert saved.loc[new_id, "system_id"] == SYSTEM
    assert saved.loc[new_id, "_saved_by"] == AUTHOR
    expect(heatmap.locator("table tbody tr")).to_have_count(n + 1, timeout=TIMEOUT_MS)
    listed = heatmap.locator("table tbody tr td:first-child").all_inner_texts()
    assert set(listed) == in_cell | {new_id}
    assert TITLE in heatmap.locator("table").inner_text()
    assert page.evaluate("window.__xss") is None  # the title was never run as HTML
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # the widget close up, beside the page
    heatmap.screenshot(path=str(SCREENSHOTS / "risk_heatmap_widget_after_adding_a_risk.png"))
    assert page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
