"""Dashboard kernels have a bounded life: a closed tab releases its kernel at once, a vanished
viewer's kernel is culled once idle, open tabs and the preheated pools are kept.

Kernels are counted in the Voila process's tree (each kernel process names its connection
file ``kernel-<id>.json``); their idle time is the ``last_activity`` Voila reports at
``/api/kernels/<id>``.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import pytest

from wbbrowser import (
    WIDTH,
    kernel_ids,
    page_kernel_id,
    save_screenshot,
    start_voila,
    stop,
    wait_until,
)

pytestmark = pytest.mark.browser

PORTFOLIO = "voila/render/portfolio.ipynb"
SYSTEM = "voila/render/system.ipynb"
TIMEOUT_MS = 90_000
#: Short figures for the test (`workbench dashboard` defaults to 600 s and 60 s), yet longer
#: than a page takes to connect to its kernel on a busy machine: until it connects, a viewer's
#: kernel counts as idle.
IDLE_S, INTERVAL_S = 30, 2


def _idle_seconds(base: str, kernel_id: str) -> float:
    with urllib.request.urlopen(f"{base}api/kernels/{kernel_id}", timeout=10) as reply:
        model = json.load(reply)
    last = dt.datetime.fromisoformat(model["last_activity"].replace("Z", "+00:00"))
    return (dt.datetime.now(dt.timezone.utc) - last).total_seconds()


def _view(browser, url: str, ready: str):
    context = browser.new_context(viewport={"width": WIDTH, "height": 1600})
    tab = context.new_page()
    tab.goto(url, timeout=TIMEOUT_MS)
    tab.wait_for_selector(ready, timeout=TIMEOUT_MS)
    return context, tab


@pytest.fixture(scope="module")
def culling_server(seeded_store, chromium_executable, tmp_path_factory):
    """Voila as `workbench dashboard --cull-idle-timeout 30 --cull-interval 2` runs it."""
    from workbench.cli._dashboard import KernelLife

    life = KernelLife(pool_size=1, cull_idle_timeout=IDLE_S, cull_interval=INTERVAL_S)
    process, base = start_voila(seeded_store, tmp_path_factory.mktemp("culling"),
                                kernels=life)
    yield process, base
    stop(process)


def test_a_lost_viewers_kernel_is_culled_an_open_tabs_and_the_pools_are_kept(
        browser, culling_server):
    process, base = culling_server
    wait_until(lambda: len(kernel_ids(process)) == 2, 120, "one preheated kernel per dashboard")
    kept_context, kept_tab = _view(browser, base + SYSTEM + "?system=credit-scoring",
                                   '[data-panel="system-evidence"]')
    kept = page_kernel_id(kept_tab)
    lost_context, lost_tab = _view(browser, base + PORTFOLIO, '[data-panel="operation"]')
    lost = page_kernel_id(lost_tab)
    assert {kept, lost} <= kernel_ids(process)
    # The viewer vanishes without the unload request (a crashed browser, a lost network).
    lost_context.close()
    wait_until(lambda: lost not in kernel_ids(process), IDLE_S + 60,
               "the lost viewer's kernel culled")
    # The open tab has been idle longer than the timeout too, but it is connected: kept.
    wait_until(lambda: _idle_seconds(base, kept) > IDLE_S + 3 * INTERVAL_S, IDLE_S + 60,
               "the open tab's kernel idle past the timeout")
    assert kept in kernel_ids(process)
    # Each pool was refilled after its kernel was taken; pooled kernels are never culled,
    # however long they wait for a viewer.
    pool = wait_until(lambda: (kernel_ids(process) - {kept}
                               if len(kernel_ids(process) - {kept}) == 2 else None), 120,
                      "the pools refilled")
    wait_until(lambda: min(_idle_seconds(base, k) for k in pool) > IDLE_S + 3 * INTERVAL_S,
               IDLE_S + 120, "the pooled kernels idle past the timeout")
    assert kernel_ids(process) == pool | {kept}
    save_screenshot(kept_tab, "kernels_open_tab_kept")
    kept_context.close()
    wait_until(lambda: kernel_ids(process) == pool, 60, "back to the pools alone")


def test_closing_the_tab_releases_its_kernel_at_once(browser, voila_server):
    """On the session's server, which culls only after 600 s: the kernel goes because the
    page's unload request (with the _xsrf cookie Voila needs) shut it down."""
    process, base = voila_server
    context, tab = _view(browser, base + PORTFOLIO, '[data-panel="operation"]')
    mine = page_kernel_id(tab)
    assert mine in kernel_ids(process)
    assert any(c["name"] == "_xsrf" for c in context.cookies())
    save_screenshot(tab, "kernels_before_closing_the_tab")
    tab.close(run_before_unload=True)
    wait_until(lambda: mine not in kernel_ids(process), 30, "the closed tab's kernel ended")
    context.close()
