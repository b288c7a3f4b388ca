"""The nonconformity tracker and the audit checklist, tested through their state."""

from __future__ import annotations

import datetime as dt

from actors import acting

from workbench.widgets import AuditChecklist, NonconformityTracker


def test_tracker_shows_the_register_and_takes_the_next_step(demo_store):
    tracker = NonconformityTracker(demo_store)
    assert "nc-1" in tracker.register.value and "1 overdue" in tracker.register.value
    tracker.selected = "nc-1"
    assert tracker.choose.value == "nc-1" and tracker.step == "done"
    assert "Repeat the red-team test" in tracker.detail.value
    with acting("ravi"):
        tracker.number.value = 2
        tracker.apply()
    assert tracker.status.level == "ok" and tracker.status.text == "saved: nc-1 is in progress"
    assert "1 overdue" not in tracker.register.value
    # ravi owns action 2: reviewing it is refused on the widget, nothing saved
    head = demo_store.head()
    tracker.step = "review"
    with acting("ravi"):
        tracker.text.value = "checked"
        tracker.apply()
    assert tracker.status.level == "error" and "segregation of duties" in tracker.status.text
    assert demo_store.head() == head
    with acting("hiro"):
        tracker.apply()
    assert tracker.step == "close"  # the next step follows the stage
    tracker.apply()
    assert demo_store.get("nonconformity", "nc-1").record.stage.value == "closed"


def test_tracker_refuses_out_of_order_and_escapes_text(demo_store):
    tracker = NonconformityTracker(demo_store, "nc-1")
    head = demo_store.head()
    tracker.step = "correction"
    tracker.text.value = "<img src=x onerror=alert(1)>"
    tracker.apply()
    assert tracker.status.level == "error"
    assert tracker.status.text.startswith("nonconformity nc-1 is in progress: cannot record")
    assert demo_store.head() == head
    tracker.step = "action"
    tracker.text.value = "<img src=x onerror=alert(1)>"
    tracker.owner.value = "ravi"
    tracker.due.value = dt.date.today()
    tracker.apply()
    assert "<img" not in tracker.detail.value and "&lt;img" in tracker.detail.value


def test_checklist_records_findings_and_completes_the_audit(demo_store):
    checklist = AuditChecklist(demo_store, "audit-programme", "life-cycle")
    assert list(checklist.rows) == ["A.6.2.4", "A.6.2.6", "A.7.4"]
    assert not checklist.completed
    rows = checklist.rows
    rows["A.6.2.4"]["outcome"].value = "minor_nc"
    rows["A.6.2.4"]["notes"].value = "No validation report for the last release."
    rows["A.6.2.4"]["records"].value = "ai_system/card-fraud"
    rows["A.6.2.6"]["outcome"].value = "conforming"
    checklist.results.value = "One minor nonconformity."
    head = demo_store.head()
    with acting("hiro"):
        checklist.complete()  # A.7.4 has no finding yet: refused, nothing written
    assert checklist.status.level == "error" and "no finding for: A.7.4" in \
        checklist.status.text
    assert demo_store.head() == head and not checklist.completed
    rows["A.7.4"]["outcome"].value = "observation"
    rows["A.7.4"]["notes"].value = "Thresholds undocumented."
    with acting("hiro"):
        checklist.complete()
    assert checklist.status.text == ("audit life-cycle completed; nonconformities raised: "
                                     "nc-3")
    assert checklist.completed and checklist.complete_button.disabled
    nc = demo_store.get("nonconformity", "nc-3").record
    assert nc.audit_id == "life-cycle" and nc.control_ids == ["A.6.2.4"]
    again = AuditChecklist(demo_store, "audit-programme", "life-cycle")
    assert again.completed and again.rows["A.7.4"]["outcome"].value == "observation"
