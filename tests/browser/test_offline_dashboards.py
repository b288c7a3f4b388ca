"""The dashboards request nothing outside the machine: every request of the page is routed,
and any to a host other than the loopback fails the test (it is aborted, never sent)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

PORTFOLIO = "voila/render/portfolio.ipynb"
SYSTEM = "voila/render/system.ipynb"
TIMEOUT_MS = 90_000
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_DRAWN = ("n => Array.from(document.querySelectorAll('.js-plotly-plot'))"
          ".filter(gd => gd.querySelector('.main-svg')).length >= n")


@pytest.fixture
def outside(page) -> list[str]:
    """Every URL outside the machine that the page tried to reach (requests are aborted;
    WebSockets, which routes do not see, are recorded as they open)."""
    attempted: list[str] = []

    def route(route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.hostname in LOOPBACK:
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    page.context.route("**/*", route)
    page.on("websocket", lambda ws: None if urlsplit(ws.url).hostname in LOOPBACK
            else attempted.append(ws.url))
    return attempted


def _settle(page) -> None:
    """Wait until the page has loaded everything it asked for (fonts and styles included)."""
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)


def test_the_portfolio_requests_nothing_outside_the_machine(page, voila_url, outside):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(voila_url + PORTFOLIO, timeout=TIMEOUT_MS)
    page.wait_for_selector('[data-panel="operation"]', timeout=TIMEOUT_MS)
    page.wait_for_function(_DRAWN, arg=3, timeout=TIMEOUT_MS)
    _settle(page)
    assert outside == [], f"requested outside the machine: {outside}"
    assert len(requested) > 10  # the page, Voila's scripts and styles, the widget manager


def test_the_system_page_and_its_switch_request_nothing_outside(page, voila_url, outside):
    page.goto(voila_url + SYSTEM + "?system=credit-scoring", timeout=TIMEOUT_MS)
    page.wait_for_selector('[data-panel="system-evidence"]', timeout=TIMEOUT_MS)
    page.wait_for_function(_DRAWN, arg=2, timeout=TIMEOUT_MS)
    page.select_option(".wb-system-dashboard select", label="Clinic triage assistant")
    page.wait_for_function("document.querySelector('.wb-title').innerText"
                           ".startsWith('Clinic')", timeout=TIMEOUT_MS)
    page.wait_for_function(_DRAWN, arg=2, timeout=TIMEOUT_MS)
    _settle(page)
    assert outside == [], f"requested outside the machine: {outside}"


def test_the_start_and_error_pages_request_nothing_outside(page, voila_url, outside):
    page.goto(voila_url, timeout=TIMEOUT_MS)
    page.wait_for_selector("text=portfolio.ipynb", timeout=TIMEOUT_MS)
    _settle(page)
    assert "jupyter" not in page.inner_text("body")  # the template folder is not listed
    page.goto(voila_url + "voila/render/nope.ipynb", timeout=TIMEOUT_MS)
    _settle(page)
    assert "404" in page.inner_text("body")
    assert outside == [], f"requested outside the machine: {outside}"
