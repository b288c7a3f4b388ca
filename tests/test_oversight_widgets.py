"""SignOffPanel and PendingQueue at the state level (no browser)."""

from __future__ import annotations

import pytest
from actors import acting, bootstrap_tester
from test_oversight_fixtures import edit, make_org

from workbench import oversight
from workbench.store import open_store
from workbench.widgets import PendingQueue, SignOffPanel

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def org(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'w.db'}") as store:
        bootstrap_tester(store)
        make_org(store)
        yield store


@pytest.fixture
def act(monkeypatch):
    """Who runs the kernel (the acting user), for the rest of the test."""
    return lambda login: monkeypatch.setenv("WORKBENCH_USER", login)


def _decide_buttons(panel):
    return [panel.approve_button, panel.conditions_button, panel.changes_button,
            panel.reject_button]


def test_nothing_requested_yet(org, act):
    act("ben")  # the widget acts as whoever runs the kernel
    panel = SignOffPanel(org, "ai_system", "card-fraud")
    assert all(b.disabled for b in _decide_buttons(panel))
    assert "no sign-off of AI system 'card-fraud' version 2 was requested" in \
        panel.reasons["approve"]
    assert panel.approve_button.tooltip == panel.reasons["approve"]
    assert not panel.request_button.disabled and panel.withdraw_button.disabled
    assert "Deciding: no sign-off" in panel.reason.value
    # no approved version: the full record is shown, with its hash and the signer
    assert "The full record (version 2)" in panel.signed.value
    assert "Release 5." in panel.signed.value
    assert org.get("ai_system", "card-fraud").content_hash in panel.header.value
    assert "Ben Okafor (ben)" in panel.identity.value


def test_request_from_the_panel_then_the_author_cannot_approve(org, act):
    act("ben")  # the widget acts as whoever runs the kernel
    panel = SignOffPanel(org, "ai_system", "card-fraud")
    panel.request_button.click()
    assert "requested from system owner sven, AI governance lead" in panel.status.value
    assert panel.request_button.disabled and not panel.withdraw_button.disabled
    assert all(b.disabled for b in _decide_buttons(panel))
    assert "ben authored version 2 and cannot approve it" in panel.reasons["approve"]
    assert "segregation of duties" in panel.reason.value
    # clicking anyway (e.g. a stale front end) is refused by the library, shown on the widget
    head = org.head()
    panel.decide("approve")
    assert "ben authored version 2" in panel.status.value and org.head() == head


def test_approver_buttons_follow_the_rules(org, act):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    act("chloe")  # the widget acts as whoever runs the kernel
    panel = SignOffPanel(org, "ai_system", "card-fraud")
    assert not panel.approve_button.disabled
    assert panel.reject_button.disabled and panel.reasons["reject"] == "write a comment saying why"
    assert panel.conditions_button.disabled and "list the conditions" in \
        panel.reasons["approve_with_conditions"]
    assert panel.role.options == (("AI governance lead", "governance_lead"),)
    assert "may sign as:</b> AI governance lead" in panel.identity.value
    panel.comment.value = "Not ready."
    assert not panel.reject_button.disabled and not panel.changes_button.disabled
    panel.conditions.value = "- Monthly monitoring\n\n* Quarterly report"
    assert not panel.conditions_button.disabled
    panel.conditions_button.click()
    signoff = org.get("signoff", "ai_system.card-fraud.v2.r1.chloe").record
    assert signoff.conditions == ["Monthly monitoring", "Quarterly report"]
    assert signoff.comment == "Not ready."
    assert "chloe approved with conditions version 2 as governance_lead" in panel.status.value
    assert panel.comment.value == "" and all(b.disabled for b in _decide_buttons(panel))
    assert "chloe already decided" in panel.reasons["approve"]
    assert "Monthly monitoring; Quarterly report" in panel.decisions.value


def test_auditor_sees_why_not(org, act):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    act("hiro")  # the widget acts as whoever runs the kernel
    panel = SignOffPanel(org, "ai_system", "card-fraud")
    assert all(b.disabled for b in _decide_buttons(panel))
    assert "hiro is none of them" in panel.reasons["approve"]
    assert panel.withdraw_button.disabled and "only the requester" in panel.reasons["withdraw"]
    assert panel.role.options == ()


def test_the_panel_shows_the_diff_against_the_approved_version(org, act):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    with acting("chloe"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    with acting("sven"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    edit(org, "ai_system", "card-fraud", "ravi", purpose=XSS)
    act("chloe")  # the widget acts as whoever runs the kernel
    panel = SignOffPanel(org, "ai_system", "card-fraud")
    assert "stale" in panel.header.value
    assert "What changed since approved version 2 (1 change)" in panel.signed.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in panel.signed.value
    assert XSS not in panel.signed.value and XSS not in panel.header.value
    assert "Detect fraudulent card transactions" in panel.signed.value  # the before value
    assert not panel.request_button.disabled  # ravi's version needs a new request


def test_a_decision_on_a_version_that_changed_meanwhile_is_refused(org, act):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    act("chloe")  # the widget acts as whoever runs the kernel
    panel = SignOffPanel(org, "ai_system", "card-fraud")
    edit(org, "ai_system", "card-fraud", "ravi", purpose="Changed after the panel opened.")
    head = org.head()
    panel.approve_button.click()
    assert "version 2 of AI system &#x27;card-fraud&#x27; is not its current version" in \
        panel.status.value
    assert org.head() == head


def test_user_text_is_escaped_everywhere(org, act):
    edit(org, "ai_system", "card-fraud", "ravi", name=XSS)
    with acting("ravi"):
        oversight.request(org, "ai_system", "card-fraud", note=XSS)
    act("chloe")  # the widget acts as whoever runs the kernel
    panel = SignOffPanel(org, "ai_system", "card-fraud")
    panel.comment.value = XSS
    panel.reject_button.click()
    for html in (panel.header.value, panel.signed.value, panel.decisions.value,
                 panel.status.value):
        assert XSS not in html
    assert "&lt;img" in panel.decisions.value
    queue = PendingQueue(org, user="sven")
    assert XSS not in queue.table.value


def test_pending_queue_opens_a_panel_and_refreshes(org, act):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud", note="go-live")
    act("sven")
    queue = PendingQueue(org)
    assert len(queue.frame) == 1 and "Awaiting sign-off by sven (1)" in queue.table.value
    assert "go-live" in queue.table.value and not queue.open_button.disabled
    queue.open_button.click()
    panel = queue.panel
    assert panel is not None and queue.panel_area.children == (panel,)
    assert panel.role.options == (("system owner", "system_owner"),)
    panel.approve_button.click()
    assert queue.frame.empty and queue.open_button.disabled
    assert "nothing awaits sven" in queue.status.value
    empty = PendingQueue(org, user="hiro")
    assert "Nothing awaits hiro" in empty.table.value
    empty.review()
    assert "nothing selected" in empty.status.value


def test_withdraw_from_the_panel(org, act):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    act("ben")  # the widget acts as whoever runs the kernel
    panel = SignOffPanel(org, "ai_system", "card-fraud")
    panel.comment.value = "not ready"
    panel.withdraw_button.click()
    assert "withdrawn" in panel.status.value
    assert org.get("signoff_request", "ai_system.card-fraud.v2.r1").record.withdraw_reason == \
        "not ready"
    assert not panel.request_button.disabled


def test_viewing_someone_elses_queue_decides_as_yourself(org, act):
    """The queue shown may be anyone's; a decision taken from it is the acting user's."""
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    act("hiro")  # an auditor looks at sven's queue
    queue = PendingQueue(org, user="sven")
    assert len(queue.frame) == 1
    panel = queue.review()
    head = org.head()
    panel.decide("approve")
    assert "hiro" in panel.status.value and org.head() == head  # refused: hiro is no signer
    assert oversight.status(org, "ai_system", "card-fraud").state == "pending"
