"""The dashboards in a real Chromium, served by a real Voila process on the demo store."""

from __future__ import annotations

import datetime as dt

import pytest

from workbench.store import open_store

pytestmark = pytest.mark.browser

PORTFOLIO = "voila/render/portfolio.ipynb"
SYSTEM = "voila/render/system.ipynb"
TIMEOUT_MS = 90_000


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
    cards = page.locator(".wb-kpi")
    return {cards.nth(i).locator("div").first.inner_text().strip():
            cards.nth(i).locator(".wb-kpi-value").inner_text().strip()
            for i in range(cards.count())}


def test_portfolio_shows_the_store_kpis_and_figure(page, voila_url, seeded_store):
    text = _open(page, voila_url + PORTFOLIO, ".wb-kpi")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT_MS)
    with open_store(seeded_store, create=False) as store:
        systems = store.records("ai_system")
        evidence = [e for e in store.records("evidence") if e.evidence_kind.value != "report"]
    today = dt.date.today()
    soon = today + dt.timedelta(days=30)
    assert _kpis(page) == {
        "AI systems": f"{len(systems):,}",
        "Using personal data": str(sum(s.processes_personal_data for s in systems)),
        "Fully automated": str(sum(s.automation_level.value == "full" for s in systems)),
        "Evidence items": f"{len(evidence):,}",
        "Evidence expired": str(sum(e.is_expired(today) for e in evidence)),
        "Expiring in 30 days": str(sum(e.expires_at is not None and today <= e.expires_at
                                       <= soon for e in evidence)),
    }
    assert "Larkspur Group" in text and "Viewing as Elena Rossi" in text
    assert "read-only" in text
    assert "AI systems by lifecycle stage" in text and "Evidence to renew" in text
    assert "cv-screening" not in text  # names, not ids
    # the stacked bars hold every system: one bar segment per (stage, unit) with systems
    bars = page.locator(".js-plotly-plot .barlayer .point")
    assert bars.count() >= 3
    _assert_no_error(page, text)


def test_system_page_from_the_url(page, voila_url):
    text = _open(page, voila_url + SYSTEM + "?system=credit-scoring", ".wb-title")
    assert page.inner_text(".wb-title") == "ClearCredit consumer credit scoring"
    assert page.locator("select#wb-system").input_value() == "credit-scoring"
    assert "Grace Kim, Head of Credit Risk" in text
    assert "Scorecard validation and back-testing 2026 Q2" in text
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT_MS)
    _assert_no_error(page, text)


def test_choosing_a_system_in_the_list_opens_it(page, voila_url):
    _open(page, voila_url + SYSTEM, "select#wb-system")
    assert "Choose an AI system to see it in depth." in page.inner_text("body")
    with page.expect_navigation(timeout=TIMEOUT_MS):
        page.select_option("select#wb-system", "card-fraud")
    page.wait_for_selector(".wb-title", timeout=TIMEOUT_MS)
    assert page.url.endswith("?system=card-fraud")
    assert page.inner_text(".wb-title") == "Sentinel card-fraud detection"
    _assert_no_error(page, page.inner_text("body"))


def test_unknown_system_is_a_message(page, voila_url):
    text = _open(page, voila_url + SYSTEM + "?system=nope", ".wb-message")
    assert "There is no AI system 'nope' in the inventory." in text
    _assert_no_error(page, text)


def test_missing_database_is_a_clear_message(page, tmp_path):
    from tests.browser.conftest import start_voila, stop

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

    from tests.browser.conftest import free_port
    from workbench.cli._dashboard import port_free

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
