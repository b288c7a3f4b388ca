"""Readiness rules of continual improvement read the workflows' records: 10.2 reads audit
results and findings against the nonconformities recorded, 9.2 the audits' coverage and
findings, A.8.4 incident reports against their deadlines."""

from __future__ import annotations

import datetime as dt

from actors import acting

import workbench as wb
from workbench import improvement as imp
from workbench.model import Evidence

from wbtest import append_unchecked

TODAY = dt.date.today()


def _row(store, rid):
    return wb.readiness.assess(store, only=[rid], verify=False).requirement(rid)


def _complete_by_hand(store, audit_id, **fields):
    """Record an audit's completion by editing the programme, as before the workflow."""
    current = store.get("audit_programme", "audit-programme")
    data = current.record.model_dump()
    for audit in data["audits"]:
        if audit["id"] == audit_id:
            audit.update({"completed_on": TODAY - dt.timedelta(days=2),
                          "reported_to": ["chloe"], **fields})
    with acting("hiro"):
        store.save(wb.readiness.AuditProgramme(**data), base_version=current.version)


def test_10_2_audit_results_with_nonconformities_but_no_records_are_not_met(demo_store):
    _complete_by_hand(demo_store, "life-cycle", results="Two MAJOR nonconformities found")
    row = _row(demo_store, "10.2")
    assert row["status"] != "met"
    assert ("audit audit-programme/life-cycle found nonconformities (results: 'Two MAJOR "
            "nonconformities found') but no nonconformity records link to it; raise them"
            ) in row["missing"]


def test_10_2_the_only_audit_found_nonconformities_none_recorded(store):
    with acting("tester"):
        store.save(wb.readiness.AuditProgramme(
            id="audit-programme", title="Programme", owner="tester",
            period_start=TODAY - dt.timedelta(days=100), period_end=TODAY + dt.timedelta(
                days=100), frequency="yearly",
            audits=[{"id": "a1", "title": "AIMS", "planned_on": TODAY - dt.timedelta(days=20),
                     "auditor": "tester", "completed_on": TODAY - dt.timedelta(days=10),
                     "results": "Two MAJOR nonconformities found"}]))
    row = _row(store, "10.2")
    assert row["status"] == "missing"
    assert row["reason"] == "internal audits found nonconformities that are not recorded"
    assert row["missing"] == [
        "audit audit-programme/a1 found nonconformities (results: 'Two MAJOR nonconformities "
        "found') but no nonconformity records link to it; raise them"]
    # an audit whose results say it found none is still met
    current = store.get("audit_programme", "audit-programme")
    audits = [{**current.record.audits[0].model_dump(), "results": "No nonconformities."}]
    store.save(current.record.model_copy(update={"audits": [
        wb.readiness.Audit(**a) for a in audits]}), base_version=current.version)
    row = _row(store, "10.2")
    assert row["status"] == "met" and "raised none" in row["reason"]


def test_10_2_counts_nonconformity_findings_against_linked_records(demo_store):
    findings = [
        {"requirement_id": "A.6.2.4", "outcome": "major_nc", "notes": "no validation"},
        {"requirement_id": "A.6.2.6", "outcome": "major_nc", "notes": "no monitoring"},
        {"requirement_id": "A.7.4", "outcome": "conforming"}]
    _complete_by_hand(demo_store, "life-cycle", results="See findings.", findings=findings)
    assert ("audit audit-programme/life-cycle found nonconformities (2 nonconformity "
            "findings) but no nonconformity records link to it; raise them") in _row(
        demo_store, "10.2")["missing"]
    imp.raise_nc(demo_store, title="No validation", description="x", source="internal_audit",
                 audit_programme_id="audit-programme", audit_id="life-cycle")
    assert ("audit audit-programme/life-cycle found nonconformities (2 nonconformity "
            "findings) but 1 nonconformity record links to it; raise them") in _row(
        demo_store, "10.2")["missing"]


def test_10_2_reads_stages_and_who_reviewed_effectiveness(demo_store):
    # the demo: one action overdue on nc-1, and the nonconformity monitoring raised not worked
    monitoring_nc = ["nonconformity nc-monitoring-cv-screening: record the correction "
                     "(containment)",
                     "nonconformity nc-monitoring-cv-screening: determine its root cause",
                     "nonconformity nc-monitoring-cv-screening: plan corrective actions"]
    row = _row(demo_store, "10.2")
    assert row["status"] == "partial" and row["missing"] == [
        f"nonconformity nc-1: corrective action 'Repeat the red-team test on the upgraded "
        f"model' was due on {TODAY - dt.timedelta(days=5)}", *monitoring_nc]
    with acting("ravi"):
        imp.complete_action(demo_store, "nc-1", 2)
    assert _row(demo_store, "10.2")["missing"] == monitoring_nc
    imp.cancel(demo_store, "nc-monitoring-cv-screening", reason="tracked in nc-1")
    assert _row(demo_store, "10.2")["status"] == "met"
    # a closed record whose review was made by an action owner (written around the library,
    # which refuses it: test_improvement_nc)
    nc = demo_store.get("nonconformity", "nc-2")
    append_unchecked(demo_store, "nonconformity", nc.record.model_copy(
        update={"effectiveness_reviewed_by": "ravi"}).model_dump(mode="json"))
    assert _row(demo_store, "10.2")["missing"] == [
        "nonconformity nc-2: its effectiveness was reviewed by ravi, an action owner; have "
        "someone else review it"]
    # a cancelled nonconformity is neither handled nor a gap
    imp.raise_nc(demo_store, id="nc-9", title="Duplicate", description="x")
    assert "nonconformity nc-9: record the correction (containment)" in _row(
        demo_store, "10.2")["missing"]
    imp.cancel(demo_store, "nc-9", reason="duplicate of nc-1")
    assert "nonconformity nc-9" not in _row(demo_store, "10.2")["evidence"]


def test_10_2_an_audit_finding_dismissed_by_its_audited_team_is_not_handled(demo_store):
    """The library refuses it (test_improvement_nc); written around it, readiness flags it."""
    current = demo_store.get("nonconformity", "nc-1")
    assert current.record.audit_id  # raised by the internal audit; ravi owns action 2
    with acting("ravi"):
        append_unchecked(demo_store, "nonconformity", {
            **current.record.model_dump(mode="json"), "stage": "cancelled",
            "cancel_reason": "we disagree with the auditor"})
    row = _row(demo_store, "10.2")
    assert row["status"] != "met"
    assert ("nonconformity nc-1, raised by an audit, was cancelled by ravi, an owner of its "
            "corrective actions; only its auditor or the governance lead dismisses an audit's "
            "finding: reopen it (save its previous version again) or have them cancel it"
            ) in row["missing"], row["missing"]


def test_9_2_reads_the_demo_audit_and_its_findings(demo_store):
    row = _row(demo_store, "9.2.1")
    assert row["status"] == "partial" and row["evidence"] == [
        f"audit audit-programme/aims-core ({TODAY - dt.timedelta(days=100)})"]
    assert row["reason"] == ("1 internal audit completed in the last 12 months cover 4 of 16 "
                             "clauses and Annex A objectives")
    assert _row(demo_store, "9.2.2")["status"] == "met"
    _complete_by_hand(demo_store, "life-cycle", results="Done.", findings=[
        {"requirement_id": "A.7.4", "outcome": "conforming"}])
    assert _row(demo_store, "9.2.2")["missing"] == [
        "audit audit-programme/life-cycle: record a finding on each requirement in its scope "
        "(1 of 3 recorded)"]


def test_a_8_4_incident_reports_against_their_deadline(demo_store):
    row = _row(demo_store, "A.8.4")
    assert row["status"] == "partial"
    assert row["reason"] == "1 serious incident in 12 months; no communication plan"
    assert row["missing"] == ["add evidence for A.8.4: the incident communication plan"]
    assert row["evidence"] == [
        f"incident inc-credit-stale-feed reported on {TODAY - dt.timedelta(days=152)}"]
    demo_store.save(Evidence(id="ev-incident-plan", title="Incident communication plan",
                             evidence_kind="document", collected_by="chloe",
                             collected_at=dt.datetime.now(dt.timezone.utc),
                             control_ids=["A.8.4"], uri="https://example.org/plan"))
    assert _row(demo_store, "A.8.4")["status"] == "met"
    imp.open_incident(demo_store, id="inc-1", system_id="clinical-triage", title="Too low",
                      description="x", detected_on=TODAY - dt.timedelta(days=20),
                      serious=True)
    row = _row(demo_store, "A.8.4")
    assert row["status"] == "partial" and row["missing"] == [
        f"incident inc-1: report it (the deadline was {TODAY - dt.timedelta(days=5)})"]
    imp.report_incident(demo_store, "inc-1", reported_to="authority")
    assert _row(demo_store, "A.8.4")["missing"] == [
        f"incident inc-1: reported on {TODAY}, after its deadline "
        f"({TODAY - dt.timedelta(days=5)}); review why"]
