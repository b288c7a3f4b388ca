"""The nonconformity tracker and the audit checklist, tested through their state."""

from __future__ import annotations

import datetime as dt

from actors import acting

from workbench.widgets import AuditChecklist, IncidentRegister, NonconformityTracker


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


def test_incident_register_shows_deadlines_and_follows_an_incident(demo_store):
    day = dt.date(2026, 11, 2)
    register = IncidentRegister(demo_store)
    assert "inc-credit-stale-feed" in register.register.value
    assert "inc-monitoring-cv-screening" in register.register.value
    # the deadline an incident would get shows as what happened is ticked
    register.detected_on.value = day
    assert register.deadline.value.startswith("not a serious incident")
    register.serious.value = True
    assert register.deadline.value.startswith("report by 2026-11-17 (15 days")
    register.death.value = True
    assert register.deadline.value.startswith("report by 2026-11-12 (10 days")
    register.widespread.value = True
    assert register.deadline.value.startswith("report by 2026-11-04 (2 days")
    register.death.value = register.widespread.value = False
    # bad input: one line on the widget, nothing saved
    head = demo_store.head()
    register.system.value = "credit-scoring"
    register.open_new()
    assert register.status.level == "error" and "title" in register.status.text
    assert "\n" not in register.status.text and demo_store.head() == head
    register.title.value = "<img src=x onerror=alert(1)> declined in bulk"
    register.description.value = "A complaint: every application from one postcode declined"
    register.source.value = "complaint"
    register.complaint_ref.value = "CMP-2026-118"
    with acting("ravi"):
        register.open_new()
    assert register.status.level == "ok", register.status.text
    new_id = register.selected
    assert register.status.text == (f"saved: {new_id} opened: report by 2026-11-17 (15 days: "
                                    "a serious incident (Art. 73(2)))")
    # the form starts again whole: the serious tick does not carry over to the next incident
    assert (register.serious.value, register.death.value, register.widespread.value) == (
        False, False, False)
    assert (register.source.value, register.severity.value, register.title.value) == (
        "other", "medium", "")
    incident = demo_store.get("incident", new_id)
    assert (incident.author, incident.record.opened_by) == ("ravi", "ravi")
    assert incident.record.complaint_ref == "CMP-2026-118"
    assert "<img" not in register.register.value and "&lt;img" in register.register.value
    assert "<img" not in register.detail.value
    head = demo_store.head()
    register.report()  # to whom?
    assert register.status.level == "error" and "reported_to" in register.status.text
    register.nc_id.value = "nc-nope"
    register.link()
    assert register.status.level == "error" and "no nonconformity 'nc-nope'" in \
        register.status.text
    register.close_incident()
    assert register.status.level == "error" and "resolved" in register.status.text
    assert demo_store.head() == head
    register.reported_to.value = "the market surveillance authority"
    register.reported_on.value = dt.date(2026, 11, 10)
    with acting("ravi"):
        register.report()
        register.nc_id.value = "nc-2"
        register.link()
        register.closure.value = "postcode feature removed; decisions reviewed by a person"
        register.close_incident()
    assert register.status.text == f"saved: {new_id} closed"
    done = demo_store.get("incident", new_id).record
    assert (done.status.value, done.reported_to, done.nonconformity_id) == (
        "closed", "the market surveillance authority", "nc-2")
    assert "reported 2026-11-10" in register.register.value


def test_incident_register_refuses_future_dates_and_a_second_closure(demo_store):
    later = dt.date.today() + dt.timedelta(days=3)
    register = IncidentRegister(demo_store)
    register.system.value = "card-fraud"
    register.title.value = "Alert rate breach"
    register.description.value = "Recall fell below its threshold."
    register.detected_on.value = later
    head = demo_store.head()
    register.open_new()
    assert register.status.level == "error"
    assert register.status.text == (f"detected_on: {later} is in the future (today is "
                                    f"{dt.date.today()}); record it once it has happened")
    assert demo_store.head() == head
    register.detected_on.value = dt.date.today()
    register.open_new()
    assert register.status.level == "ok", register.status.text
    new_id = register.selected
    register.closure.value = "threshold retuned"
    register.close_incident()
    assert register.status.text == f"saved: {new_id} closed"
    head = demo_store.head()
    register.closure.value = "closed again"
    register.close_incident()
    assert register.status.level == "error" and register.status.text.startswith(
        f"AI incident {new_id} is closed and can no longer change: cannot close it again")
    assert demo_store.head() == head


def test_incident_register_counts_the_deadline_from_awareness(demo_store):
    """Art. 73's deadline runs from when the organization became aware, which the form takes
    apart from the day it was detected; an awareness before detection is refused."""
    register = IncidentRegister(demo_store)
    register.system.value = "credit-scoring"
    register.title.value = "Declines on a stale feed, found in an audit"
    register.description.value = "The audit found declines made on a stale bureau feed."
    register.detected_on.value = dt.date(2026, 11, 2)
    register.serious.value = True
    register.aware_on.value = dt.date(2026, 11, 5)
    assert register.deadline.value.startswith("report by 2026-11-20 (15 days")
    register.aware_on.value = dt.date(2026, 11, 1)
    head = demo_store.head()
    with acting("ravi"):
        register.open_new()
    assert register.status.level == "error" and "aware_on" in register.status.text
    assert "\n" not in register.status.text and demo_store.head() == head
    register.aware_on.value = dt.date(2026, 11, 5)
    with acting("ravi"):
        register.open_new()
    assert register.status.level == "ok", register.status.text
    assert register.status.text.endswith("report by 2026-11-20 (15 days: a serious incident "
                                         "(Art. 73(2)))")
    assert demo_store.get("incident", register.selected).record.aware_on == dt.date(2026, 11, 5)
    assert "<th>Aware</th><td>2026-11-05</td>" in register.detail.value
    assert register.aware_on.value is None  # the next incident starts from its detection
