"""The sign-off notebook in a real Chromium: the approver finds the request in their queue,
reviews exactly what they sign (content hash, identity, role) and approves it; the record
shows approved.

Voila renders the notebook with the same widget front-ends as JupyterLab.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.store import open_store

from wbbrowser import SCREENSHOTS, demo_copy, serve_notebooks

pytestmark = pytest.mark.browser

NOTEBOOK = "voila/render/oversight_signoff.ipynb"
TIMEOUT_MS = 90_000
#: The AI governance lead of the demo organization.
APPROVER = "chloe"
#: A limited-risk system's impact assessment: the governance lead's approval is the only one
#: it needs, so hers completes it.
KIND, RECORD = "impact_assessment", "ia-support-chatbot"


@pytest.fixture(scope="module")
def signoff_store(_demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_copy(_demo_template, tmp_path_factory, "signoff-browser")


@pytest.fixture(scope="module")
def approver_url(signoff_store: str, chromium_executable: str,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_notebooks(signoff_store, APPROVER,
                         tmp_path_factory.mktemp("voila-signoff")) as url:
        yield url


def test_the_approver_finds_reviews_and_approves_a_request(page, approver_url, signoff_store):
    from workbench import oversight

    with open_store(signoff_store, create=False) as store:
        queue = oversight.pending(store, APPROVER)
        before = oversight.status(store, KIND, RECORD)
    mine = queue[(queue["kind"] == KIND) & (queue["record_id"] == RECORD)]
    assert len(mine) == 1 and before.state == "pending"
    row = mine.iloc[0]
    n = len(queue)

    page.goto(approver_url + NOTEBOOK, timeout=TIMEOUT_MS)
    widget = page.locator(".wb-pending-queue")
    widget.wait_for(timeout=TIMEOUT_MS)
    widget.get_by_text(f"Awaiting sign-off by {APPROVER} ({n})").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("Error displaying widget").count() == 0

    # choose the request and review it: what is signed, its hash, who signs and as what
    widget.locator("select").select_option(
        label=f"{KIND} {RECORD} v{row['version']} — {row['title']}")
    widget.locator('button[title="Review"]').click()
    panel = widget.locator(".wb-signoff-panel")
    panel.wait_for(timeout=TIMEOUT_MS)
    text = panel.inner_text()
    assert f"content hash {before.current_hash}" in text
    assert "Signer: Chloe Lindqvist (chloe)" in text and "may sign as: AI governance lead" in text
    assert f"The full record (version {before.current_version})" in text

    panel.locator("button.mod-success").click()  # Approve
    widget.get_by_text(f"Awaiting sign-off by {APPROVER} ({n - 1})").wait_for(
        timeout=TIMEOUT_MS)
    panel.get_by_text("approved").first.wait_for(timeout=TIMEOUT_MS)

    with open_store(signoff_store, create=False) as store:
        after = oversight.status(store, KIND, RECORD)
        assert after.state == "approved" and after.approved_by == [APPROVER]
        assert after.approved_version == before.current_version
        signoffs = store.frame("signoff")
        mine = signoffs[(signoffs["target_id"] == RECORD) & (signoffs["signer"] == APPROVER)]
        assert mine["target_hash"].tolist() == [before.current_hash]  # bound to what she saw
        assert mine["_saved_by"].tolist() == [APPROVER]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    widget.screenshot(path=str(SCREENSHOTS / "pending_queue_after_approving.png"))
