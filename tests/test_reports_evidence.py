"""A report is evidence of reporting: its record says what it is, and it is never counted as a
monitoring or measurement result; ``verify_report`` finds a report file's record again."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

import workbench as wb
from workbench.errors import NotFoundError
from workbench.reports import find_template, records

STARTED = dt.datetime(2026, 11, 30, 6, 0, 5, tzinfo=dt.timezone.utc)


def _record_system_report(store, system_id: str, tmp_path, n: int = 0) -> str:
    """Save the evidence `workbench report system_report` saves, without running a kernel."""
    template = find_template("system_report")
    out = tmp_path / f"system_report-{system_id}-{n}.html"
    out.write_text(f"<html>report on {system_id} {n}</html>", encoding="utf-8")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    report = records.ReportIdentity(
        report_id=records.report_id("system_report", system_id, STARTED, f"{n:x}" * 64),
        template="system_report", title="AI system report", system_id=system_id,
        system_name=system_id, period="2026-Q4", started=STARTED,
        store_head=store.head_entry(), notebook_hash=f"{n:x}" * 64)
    return records.record_report(
        store, report, template=template, system_ids=[system_id], final=out, fmt="html",
        output_hash=digest, html_hash=digest, template_hash="0" * 64,
        parameters={"system_id": system_id}, store_url=store.url, duration=1.0)


def test_reports_do_not_count_as_monitoring_results(demo_store, tmp_path):
    """`workbench report system_report --all` used to turn 9.1 from partial to met."""
    before = wb.readiness.assess(demo_store, verify=False)
    assert before.requirement("9.1")["status"] == "partial"
    assert before.requirement("A.6.2.6")["status"] == "partial"
    template = find_template("system_report")
    assert template.clause_ids == ("9.1",) and template.control_ids == ("A.6.2.6",)
    systems = sorted(v.record_id for v in demo_store.latest("ai_system"))
    saved = [_record_system_report(demo_store, s, tmp_path) for s in systems]
    after = wb.readiness.assess(demo_store, verify=False)
    for requirement in ("9.1", "A.6.2.6"):
        was, now = before.requirement(requirement), after.requirement(requirement)
        seen = f"{requirement}: {now['status']} ({now['reason']}); evidence {now['evidence']}"
        assert (now["status"], now["reason"]) == (was["status"], was["reason"]), seen
        assert not set(now["evidence"]) & {f"evidence {e}" for e in saved}, seen


def test_a_report_record_says_what_it_is(demo_store, tmp_path):
    head = demo_store.head_entry()
    evidence_id = _record_system_report(demo_store, "credit-scoring", tmp_path)
    assert evidence_id == "report-system_report-credit-scoring-20261130t060005-00000000"
    rec = demo_store.get("evidence", evidence_id).record
    assert rec.evidence_kind.value == "report"
    assert rec.title == "AI system report: credit-scoring (2026-Q4)"
    assert rec.description.startswith("A report (a record of reporting, not a monitoring "
                                      "result): `workbench report system_report` as html")
    details = rec.details
    assert details["template"] == "system_report"
    assert details["parameters"] == {"system_id": "credit-scoring"}
    assert details["output_hash"] == rec.content_hash
    assert details["store_head"] == {"seq": head[0], "hash": head[1]}
    assert details["period"] == "2026-Q4" and details["report_id"] == evidence_id


def test_verify_report_finds_the_record_of_an_unchanged_file(demo_store, tmp_path):
    evidence_id = _record_system_report(demo_store, "cv-screening", tmp_path)
    path = tmp_path / "system_report-cv-screening-0.html"
    assert wb.reports.verify_report(demo_store, path).record_id == evidence_id
    path.write_text(path.read_text() + " ", encoding="utf-8")  # one byte more
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(NotFoundError) as err:
        wb.reports.verify_report(demo_store, path)
    assert str(err.value) == (
        f"system_report-cv-screening-0.html: no report recorded in this store has SHA-256 "
        f"{digest}; the file was changed after it was written, or it was recorded in another "
        "store")
