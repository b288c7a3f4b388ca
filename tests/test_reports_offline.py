"""HTML reports are whole files: nothing in them is fetched from outside the machine (no CDN
require.js, MathJax, mermaid or widget manager), checked in the markup and in Chromium with
every non-loopback request blocked."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from workbench.reports.export import to_html

LOCAL_SCHEMES = {"", "data", "blob", "about", "file"}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: Attributes that make a browser fetch something, or that a reader follows.
URL_ATTRIBUTES = {"src", "href", "srcset", "data", "poster", "action", "formaction",
                  "xlink:href", "background", "manifest", "ping"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def _non_local(url: str) -> bool:
    url = url.strip()
    if url.startswith("//"):
        return True  # protocol-relative: the network
    parts = urlsplit(url)
    return parts.scheme.lower() not in LOCAL_SCHEMES and parts.hostname not in LOOPBACK


class _Links(HTMLParser):
    """Every URL in tags, ``style`` attributes and ``<style>`` blocks (script bodies are code,
    not markup: the parser leaves them alone)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if not value:
                continue
            if name in URL_ATTRIBUTES:
                self.urls += [v.split()[0] for v in value.split(",") if v.strip()] \
                    if name == "srcset" else [value]
            elif name == "style":
                self.urls += [a or b for a, b in CSS_URL.findall(value)]

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += [a or b for a, b in CSS_URL.findall(data)]


def non_local_urls(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return sorted({u for u in parser.urls if _non_local(u)})


def test_the_checker_sees_what_nbconvert_loads_from_a_cdn():
    """The checker itself: nbconvert's own lab page fetches require.js, MathJax and mermaid."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nbformat.v4.new_notebook())
    hosts = {urlsplit(u).hostname for u in non_local_urls(body)}
    assert "cdnjs.cloudflare.com" in hosts, hosts
    assert non_local_urls('<div style="background:url(https://x.example/a.png)"></div>'
                          '<img srcset="a.png 1x, //cdn.example/b.png 2x">') == [
        "//cdn.example/b.png", "https://x.example/a.png"]


def test_an_exported_report_has_no_url_outside_the_machine():
    """A report with a figure, math in markdown and widget state: the page nbconvert would
    load MathJax, mermaid, require.js and the widget manager for."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title\n\nA ratio $p_a / p_b$ and a link to "
                                      "[the guidance](#section)."),
        nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("display_data", data={
            "application/vnd.plotly.v1+json": {"data": [{"type": "bar", "y": [1, 2]}],
                                               "layout": {"height": 300}}})])])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {}, "version_major": 2, "version_minor": 0}}
    html = to_html(nb, title="offline")
    assert "Plotly.newPlot(" in html
    assert non_local_urls(html) == []


@pytest.mark.notebook
@pytest.mark.browser
def test_chromium_opening_a_report_requests_nothing_outside_the_machine(
        demo_store, demo_url, monkeypatch, tmp_path):
    """Every request that is not a local file or loopback is blocked and counted."""
    from workbench.reports import run_reports
    from workbench.reports.export import CHROMIUM_FLAGS, chromium_path

    from wbtest import IN_CI

    if chromium_path() is None:
        if IN_CI:
            pytest.fail("Chromium is missing but CI=true: the offline check must run")
        pytest.skip("Chromium is not installed")
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    [result] = run_reports(demo_store, "system_report", system="credit-scoring",
                           out_dir=tmp_path / "out", record_evidence=False)
    assert result.ok, result.error
    assert non_local_urls(result.output.read_text(encoding="utf-8")) == []
    control = tmp_path / "control.html"  # proves the blocker sees a CDN request
    control.write_text('<html><head><script src="https://cdn.example.invalid/require.js">'
                       "</script></head><body>control</body></html>", encoding="utf-8")

    def visit() -> dict[str, list[str]]:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(chromium_path()),
                                         args=list(CHROMIUM_FLAGS), headless=True)
            try:
                return {path.name: _blocked_requests(browser, path)
                        for path in (control, result.output)}
            finally:
                browser.close()

    # Playwright's sync API refuses a thread whose asyncio loop runs (an earlier in-process
    # notebook run can leave one in this thread): the browser gets a thread of its own.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as worker:
        seen = worker.submit(visit).result()
    assert seen == {"control.html": ["https://cdn.example.invalid/require.js"],
                    result.output.name: []}, seen


def _blocked_requests(browser, path: Path) -> list[str]:
    blocked: list[str] = []

    def route(r) -> None:
        url = r.request.url
        if _non_local(url):
            blocked.append(url)
            r.abort()
        else:
            r.continue_()

    context = browser.new_context()
    try:
        context.route("**/*", route)
        page = context.new_page()
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=120_000)
        if page.locator(".wb-figure").count():
            page.wait_for_function(
                "Array.from(document.querySelectorAll('.wb-figure'))"
                ".every(d => d.querySelector('.main-svg'))", timeout=120_000)
        page.wait_for_load_state("networkidle", timeout=120_000)
    finally:
        context.close()
    return blocked
