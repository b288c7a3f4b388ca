"""The dashboards in a real Chromium, served by a real Voila process on the demo store."""

from __future__ import annotations

import datetime as dt

import pytest

from workbench.store import open_store

pytestmark = pytest.mark.browser

PORTFOLIO = "voila/render/portfolio.ipynb"
SYSTEM = "voila/render/system.ipynb"
TIMEOUT_MS = 90_000
#: The system page's dropdown (an ipywidgets Dropdown: its options' values are the names).
PICKER = ".wb-system-dashboard select"


def _open(page, url: str, ready: str) -> str:
    page.goto(url, timeout=TIMEOUT_MS)
    page.wait_for_selector(ready, timeout=TIMEOUT_MS)
    return page.inner_text("body")


def _assert_no_error(page, text: str) -> None:
    for marker in ("Traceback", "There was an error", "Error:", "Exception"):
        assert marker not in text, f"{marker!r} shown on the page"
    assert page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
    # no code shown: no code cell inputs, no editors, no source text
    assert page.locator(".jp-CodeCell .jp-InputArea:visible, .cm-editor:visible").count() == 0
    assert "from workbench import portfolio" not in text


def _kpis(page) -> dict[str, str]:
    cards = page.locator(".wb-kpis .wb-kpi")
    return {cards.nth(i).locator("div").first.inner_text().strip():
            cards.nth(i).locator(".wb-kpi-value").inner_text().strip()
            for i in range(cards.count())}


#: The plotly figures drawn in the page: their traces' type, name, text and the layout's meta.
_FIGURES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
  drawn: !!gd.querySelector('.main-svg'),
  meta: (gd.layout || {}).meta || null,
  traces: (gd.data || []).map(t => ({type: t.type, name: t.name || '', text: t.text || null}))
}))"""


_MARK_OLD = ("document.querySelectorAll('.js-plotly-plot')"
             ".forEach(gd => gd.dataset.old = '1')")
_ONLY_NEW_DRAWN = """n => {
  const gds = Array.from(document.querySelectorAll('.js-plotly-plot'));
  return gds.length === n && gds.every(gd => !gd.dataset.old && gd.querySelector('.main-svg'));
}"""


def _figures(page) -> list[dict]:
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".every(gd => gd.querySelector('.main-svg'))", timeout=TIMEOUT_MS)
    return page.evaluate(_FIGURES)


def _heatmap_counts(figures: list[dict]) -> list[list[int]]:
    """The cell counts of the one residual-risk heatmap drawn in the page (likelihood rows)."""
    [heatmap] = [f for f in figures if (f["meta"] or {}).get("which") == "residual"]
    [trace] = [t for t in heatmap["traces"] if t["type"] == "heatmap"]
    return [[int(v.replace(",", "")) if v else 0 for v in row] for row in trace["text"]]


def _no_panel_failed(page) -> None:
    assert page.locator(".wb-panel .wb-message").count() == 0, "a panel shows an error"


def test_portfolio_shows_the_store_kpis(page, voila_url, seeded_store):
    from wbtest import expected_kpis

    _open(page, voila_url + PORTFOLIO, ".wb-kpi")
    page.wait_for_selector('[data-panel="operation"]', timeout=TIMEOUT_MS)
    text = page.inner_text("body")
    with open_store(seeded_store, create=False) as store:
        systems = store.records("ai_system")
        expected = expected_kpis(store, dt.date.today())
    assert _kpis(page) == {
        "AI systems": f"{len(systems):,}",
        "High-risk systems": f"{expected['high_risk']:,}",
        "Risks above appetite": f"{expected['awaiting_acceptance']:,}",
        "Overdue actions": f"{expected['overdue_actions']:,}",
        "ISO 42001 readiness": f"{expected['readiness']}%",
        "Approvals pending": f"{expected['approvals_pending']:,}",
        "Stale approvals": f"{expected['stale_approvals']:,}",
        "Fairness breaches": f"{expected['fairness_breaches']:,}",
    }
    assert f"of {expected['above_appetite']} above appetite" in text
    assert "Larkspur Group" in text and "Viewing as Elena Rossi" in text
    assert "read-only" in text
    for title in ("AI systems by EU AI Act tier and lifecycle stage",
                  "Residual risk across the portfolio", "Overdue actions",
                  "Approvals pending and stale", "Readiness against ISO/IEC 42001",
                  "Fairness flags", "Evidence to renew"):
        assert title in text
    assert "cv-screening" not in text and "ia-cv-screening" not in text  # names, not ids
    _no_panel_failed(page)
    _assert_no_error(page, text)


def test_portfolio_heatmap_shows_the_counts_the_store_holds(page, voila_url, seeded_store):
    from workbench import risk

    _open(page, voila_url + PORTFOLIO, '[data-panel="risk"]')
    figures = _figures(page)
    text = page.inner_text("body")
    with open_store(seeded_store, create=False) as store:
        live = risk.open_risks(risk.register(store))
    expected = risk.heatmap_matrix(live).to_numpy().tolist()
    assert _heatmap_counts(figures) == expected
    assert sum(map(sum, expected)) == len(live) > 0
    assert f"Residual risk: {len(live):,} open risks" in text
    # the other figures are drawn too: tiers by lifecycle stage, readiness by clause, and
    # readiness over time
    assert len(figures) == 4 and all(f["drawn"] for f in figures)
    tiers = next(f for f in figures if any(t["name"] == "High-risk" for t in f["traces"]))
    assert {t["type"] for t in tiers["traces"]} == {"bar"}
    _no_panel_failed(page)
    _assert_no_error(page, text)


def test_figures_are_drawn_once_and_still_download_as_png(page, voila_url):
    """plotly's renderer would draw each figure a second time off-screen for a PNG to save
    into the notebook (failing in Voila with "setData is not a function", which the page
    fixture reports): the template answers that request with nothing, so after the figures
    are drawn no snapshot plot appears. The mode bar's download still makes a PNG."""
    _open(page, voila_url + PORTFOLIO, '[data-panel="monitoring"]')
    figures = _figures(page)
    assert len(figures) == 4
    page.wait_for_timeout(1500)  # when a snapshot would have been drawn and failed
    assert page.evaluate("document.querySelectorAll('.js-plotly-plot').length") == 4
    assert page.evaluate("window.Plotly.toImage.workbench") is True
    heatmap = page.locator('.js-plotly-plot').nth(1)  # the residual-risk heatmap
    heatmap.hover()
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        heatmap.locator('.modebar-btn[data-title="Download plot as a PNG"]').click()
    path = download.value.path()
    with open(path, "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"


def test_system_page_from_the_url(page, voila_url, seeded_store):
    from workbench import risk

    _open(page, voila_url + SYSTEM + "?system=credit-scoring", ".wb-title")
    assert page.inner_text(".wb-title") == "ClearCredit consumer credit scoring"
    assert page.locator(PICKER).input_value() == "ClearCredit consumer credit scoring"
    page.wait_for_selector('[data-panel="system-evidence"]', timeout=TIMEOUT_MS)
    figures = _figures(page)
    text = page.inner_text("body")
    assert "Grace Kim, Head of Credit Risk" in text
    tier = page.inner_text('[data-panel="eu-ai-act"]')
    assert "High-risk" in tier and "Art. 9 Risk management system" in tier
    assert "Creditworthiness and credit scoring (annex3.5.b)" in tier
    with open_store(seeded_store, create=False) as store:
        live = risk.open_risks(risk.register(store, system_id="credit-scoring"))
    assert len(live) > 0
    for title in live["title"]:
        assert title in text
    assert _heatmap_counts(figures) == risk.heatmap_matrix(live).to_numpy().tolist()
    assert "approved" in page.inner_text('[data-panel="golive"]')
    assert "Scorecard validation and back-testing 2026 Q2" in text
    _no_panel_failed(page)
    _assert_no_error(page, text)


def test_choosing_a_system_switches_in_place_in_the_same_kernel(page, voila_server):
    """The dropdown rebuilds the panels in the page's own kernel: no navigation, no kernel
    started for the switch (kernels counted in the server's process tree)."""
    from wbbrowser import kernel_ids, page_kernel_id, wait_until

    process, base = voila_server
    before = kernel_ids(process)
    _open(page, base + SYSTEM + "?system=credit-scoring", '[data-panel="system-evidence"]')
    mine = page_kernel_id(page)
    assert mine in kernel_ids(process)
    # Voila refills its pool of preheated kernels a second after this view took one: wait
    # for that kernel, so that any kernel appearing later is one the switch started.
    wait_until(lambda: kernel_ids(process) - before - {mine}, 60, "the pool refilled")
    running = kernel_ids(process)
    page.evaluate("window.sameDocument = true")
    page.evaluate(_MARK_OLD)
    page.select_option(PICKER, label="Sentinel card-fraud detection")
    page.wait_for_function("document.querySelector('.wb-title').innerText"
                           ".startsWith('Sentinel')", timeout=TIMEOUT_MS)
    # wait for the new figures alone: while drawing, plotly's renderer briefly holds
    # twice as many plot elements
    page.wait_for_function(_ONLY_NEW_DRAWN, arg=3, timeout=TIMEOUT_MS)
    figures = _figures(page)
    text = page.inner_text("body")
    assert page.evaluate("window.sameDocument") is True  # the page was not reloaded
    assert page.url == base + SYSTEM + "?system=credit-scoring"
    assert page_kernel_id(page) == mine and kernel_ids(process) == running
    assert "Sven Eriksen, Head of Fraud Prevention" in text
    assert "Grace Kim, Head of Credit Risk" not in text  # ClearCredit's panels are gone
    assert "Minimal risk" in page.inner_text('[data-panel="eu-ai-act"]')
    # risks, evidence, and the monitoring timeline of its most-breached metric
    assert len(figures) == 3 and all(f["drawn"] for f in figures)
    assert page.locator('[data-panel="facts"]').count() == 1  # replaced, not appended
    _no_panel_failed(page)
    _assert_no_error(page, text)


def test_choosing_a_system_without_one_in_the_url(page, voila_url):
    _open(page, voila_url + SYSTEM, PICKER)
    assert "Choose an AI system to see it in depth." in page.inner_text("body")
    page.select_option(PICKER, label="TalentMatch CV screening")
    page.wait_for_selector('[data-panel="system-evidence"]', timeout=TIMEOUT_MS)
    assert page.inner_text(".wb-title") == "TalentMatch CV screening"
    assert "Choose an AI system to see it in depth." not in page.inner_text("body")
    _assert_no_error(page, page.inner_text("body"))


def test_unknown_system_is_a_message(page, voila_url):
    text = _open(page, voila_url + SYSTEM + "?system=nope", ".wb-message")
    assert "There is no AI system 'nope' in the inventory." in text
    _assert_no_error(page, text)


def test_missing_database_is_a_clear_message(page, tmp_path):
    from wbbrowser import start_voila, stop

    missing = tmp_path / "missing.db"
    process, base = start_voila(f"sqlite:///{missing}", tmp_path, preheat=False)
    try:
        text = _open(page, base + PORTFOLIO, ".wb-message")
    finally:
        stop(process)
    assert f"This dashboard cannot be shown: no store at '{missing}'" in text
    _assert_no_error(page, text)
    assert not missing.exists()


def test_workbench_dashboard_serves_prints_urls_and_stops(page, seeded_store, tmp_path):
    """The command end to end: URLs printed, the page rendered, Voila gone after SIGTERM."""
    import os
    import signal
    import subprocess
    import sys

    from workbench.cli._dashboard import port_free

    from wbbrowser import free_port

    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "WORKBENCH_USER": "chloe"}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "--database-url", seeded_store, "dashboard",
         "--port", str(port), "--no-preheat"], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        portfolio_url = f"http://127.0.0.1:{port}/{PORTFOLIO}"
        assert lines[0].startswith("dashboards of sqlite:///") and lines[0].endswith(
            f"served at http://127.0.0.1:{port}/\n")
        assert lines[1].split() == ["portfolio:", portfolio_url]
        text = _open(page, portfolio_url, ".wb-kpi")
        assert "Viewing as Chloe Lindqvist" in text and "can edit" in text
        _assert_no_error(page, text)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert port_free(port)  # Voila stopped with the command
