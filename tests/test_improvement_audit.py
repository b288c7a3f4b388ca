"""Internal audits run from the programme (9.2): the checklist pre-filled with readiness and
its records, completion saving findings and raising a nonconformity per NC finding, and the
refusals (not the assigned auditor, own work, findings off the scope), writing nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from actors import acting

import workbench as wb
from workbench import improvement as imp
from workbench.errors import NotFoundError, PermissionDeniedError, ValidationError

FINDINGS = [
    {"requirement_id": "A.6.2.4", "outcome": "major_nc", "notes": "Card fraud model released "
     "without a validation report.\nSecond line.", "system_ids": ["card-fraud"],
     "records_sampled": ["ai_system/card-fraud"]},
    {"requirement_id": "A.6.2.6", "outcome": "conforming"},
    {"requirement_id": "A.7.4", "outcome": "improvement", "notes": "Quality reports could "
     "name thresholds."},
]


def _add_audit(store, **audit):
    current = store.get("audit_programme", "audit-programme")
    data = current.record.model_dump()
    data["audits"].append({"title": "Extra audit", "planned_on": dt.date.today(), **audit})
    with acting("chloe"):
        store.save(wb.readiness.AuditProgramme(**data), base_version=current.version)


def test_checklist_prefills_readiness_and_the_records_to_sample(demo_store):
    checklist = imp.audit_checklist(demo_store, "audit-programme", "life-cycle")
    assert list(checklist["requirement_id"]) == ["A.6.2.4", "A.6.2.6", "A.7.4"]
    result = wb.readiness.assess(demo_store, only=["A.6.2.4", "A.6.2.6", "A.7.4"],
                                 verify=False).requirements.set_index("id")
    for row in checklist.itertuples():
        assert row.readiness == result.at[row.requirement_id, "status"]
        assert row.reason == result.at[row.requirement_id, "reason"]
        assert row.outcome == "" and row.records_sampled == []
        for ref in row.records:  # every record to sample exists
            kind, _, rid = ref.partition("/")
            assert demo_store.exists(kind, rid)
    evidence = [r for r in checklist.at[0, "records"] if r.startswith("evidence/")]
    assert evidence, checklist.at[0, "evidence"]
    done = imp.audit_checklist(demo_store, "audit-programme", "aims-core").set_index(
        "requirement_id")
    assert done.at["A.6.2.5", "outcome"] == "minor_nc"
    assert done.at["A.6.2.5", "nonconformity_id"] == "nc-1"


def test_complete_audit_saves_findings_and_raises_a_nonconformity_per_nc(demo_store):
    with acting("hiro"):
        saved = imp.complete_audit(demo_store, "audit-programme", "life-cycle", FINDINGS,
                                   results="One major nonconformity.", reported_to=["chloe"])
    assert [v.record_id for v in saved["nonconformities"]] == ["nc-3"]
    nc = demo_store.get("nonconformity", "nc-3").record
    assert (nc.title, nc.severity.value, nc.source.value, nc.audit_programme_id, nc.audit_id,
            nc.control_ids, nc.system_ids, nc.raised_by, nc.stage.value) == (
        "A.6.2.4: Card fraud model released without a validation report.", "major",
        "internal_audit", "audit-programme", "life-cycle", ["A.6.2.4"], ["card-fraud"],
        "hiro", "raised")
    _, _, audit = imp.find_audit(demo_store, "audit-programme", "life-cycle")
    assert audit.completed_on == dt.date.today() and audit.reported_to == ["chloe"]
    assert [(f.requirement_id, f.outcome.value, f.nonconformity_id) for f in
            audit.findings] == [("A.6.2.4", "major_nc", "nc-3"),
                                ("A.6.2.6", "conforming", None),
                                ("A.7.4", "improvement", None)]
    # the programme and the nonconformity were saved together
    assert saved["programme"].seq + 1 == saved["nonconformities"][0].seq
    with acting("hiro"), pytest.raises(ValidationError, match="already completed on"):
        imp.complete_audit(demo_store, "audit-programme", "life-cycle", FINDINGS,
                           results="again")


def _refused(store, exc, match, *, who="hiro", audit="life-cycle", findings=FINDINGS,
             results="done"):
    head = store.head()
    with acting(who), pytest.raises(exc, match=match) as info:
        imp.complete_audit(store, "audit-programme", audit, findings, results=results)
    assert "\n" not in str(info.value) and store.head() == head
    return str(info.value)


def test_bad_findings_are_refused_and_nothing_is_written(demo_store):
    _refused(demo_store, ValidationError, "no finding for: A.7.4", findings=FINDINGS[:2])
    _refused(demo_store, ValidationError, "outside its scope: 5.2; given twice: A.7.4",
             findings=[*FINDINGS, FINDINGS[2], {"requirement_id": "5.2",
                                                "outcome": "conforming"}])
    _refused(demo_store, ValidationError, "'9.9.9' is not an ISO/IEC 42001 clause",
             findings=[{"requirement_id": "9.9.9", "outcome": "conforming"}])
    _refused(demo_store, ValidationError, "A.7.4: say what was found",
             findings=[*FINDINGS[:2], {"requirement_id": "A.7.4", "outcome": "observation"}])
    _refused(demo_store, ValidationError, "outcome", findings=[
        *FINDINGS[:2], {"requirement_id": "A.7.4", "outcome": "so-so", "notes": "x"}])
    _refused(demo_store, ValidationError, "'evidence/nope' is not a record in the store",
             findings=[*FINDINGS[:2], {**FINDINGS[2], "records_sampled": ["evidence/nope"]}])
    _refused(demo_store, ValidationError, "results: summarize", results=" ")
    _refused(demo_store, NotFoundError, "has no audit 'nope' \\(its audits: aims-core, "
             "life-cycle\\)", audit="nope")


def test_only_the_assigned_auditor_completes_it(demo_store):
    message = _refused(demo_store, PermissionDeniedError, "assigned to hiro", who="chloe")
    assert message == "audit life-cycle is assigned to hiro; only hiro completes it (chloe " \
                      "may not)"


def test_an_auditor_cannot_audit_their_own_work(demo_store):
    # records they saved
    message = _refused(demo_store, PermissionDeniedError, "may not audit their own work",
                       findings=[*FINDINGS[:2], {**FINDINGS[2], "records_sampled": [
                           "audit_programme/audit-programme"]}])
    assert message == ("hiro may not audit their own work: audit_programme audit-programme "
                       "(saved by hiro); assign another auditor")
    # areas they own (the Statement of Applicability names chloe for A.8) and systems they are
    # on the team of
    _add_audit(demo_store, id="info", control_ids=["A.8.4"], system_ids=["card-fraud"],
               auditor="chloe")
    message = _refused(demo_store, PermissionDeniedError, "own work", who="chloe",
                       audit="info", findings=[{"requirement_id": "A.8.4",
                                                "outcome": "conforming"}])
    assert message == ("chloe may not audit their own work: control A.8.4 (owner in the "
                       "Statement of Applicability); assign another auditor")
    _add_audit(demo_store, id="fraud", control_ids=["A.6.2.6"], system_ids=["card-fraud"],
               auditor="ravi")
    message = _refused(demo_store, PermissionDeniedError, "own work", who="ravi",
                       audit="fraud", findings=[{"requirement_id": "A.6.2.6",
                                                 "outcome": "conforming"}])
    assert "AI system card-fraud (owner or team)" in message


def test_an_audit_without_scope_has_no_checklist(demo_store):
    _add_audit(demo_store, id="empty", auditor="hiro")
    with pytest.raises(ValidationError, match="audit empty has no clause or control"):
        imp.audit_checklist(demo_store, "audit-programme", "empty")


@pytest.mark.parametrize(("findings", "message"), [
    ("abc", "findings: give a list of findings, one per requirement in the scope (got 'abc')"),
    (None, "findings: give a list of findings, one per requirement in the scope (got None)"),
    ({"requirement_id": "A.7.4", "outcome": "conforming"},
     "findings: give a list of findings, one per requirement in the scope (got "
     "{'outcome': 'conforming', 'requirement_id': 'A.7.4'})"),
    ([None], "findings[0]: None is not a finding; give a mapping with requirement_id, outcome "
             "and notes"),
    ([FINDINGS[0], "A.6.2.6"], "findings[1]: 'A.6.2.6' is not a finding; give a mapping with "
                               "requirement_id, outcome and notes"),
])
def test_malformed_findings_are_one_line_validation_errors(demo_store, findings, message):
    assert _refused(demo_store, ValidationError, "findings", findings=findings) == message


def test_a_finding_naming_an_unknown_ai_system_is_refused(demo_store):
    message = _refused(demo_store, ValidationError, "system_ids", findings=[
        FINDINGS[0], {**FINDINGS[1], "system_ids": ["nope"]}, FINDINGS[2]])
    assert message == ("system_ids: A.6.2.6: no AI system 'nope' in the store; check the id "
                       "(`workbench list ai_system` shows them)")


def test_an_audit_is_not_completed_in_the_future(demo_store):
    head = demo_store.head()
    later = dt.date.today() + dt.timedelta(days=1)
    with acting("hiro"), pytest.raises(ValidationError) as info:
        imp.complete_audit(demo_store, "audit-programme", "life-cycle", FINDINGS,
                           results="done", completed_on=later)
    assert str(info.value) == (f"completed_on: {later} is in the future (today is "
                               f"{dt.date.today()}); record it once it has happened")
    assert demo_store.head() == head
