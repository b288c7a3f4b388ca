"""Readiness rules 9.3.1, 9.3.2 and 9.3.3 on the demo store: a management review counts only
when top management (a chair holding the executive role) held it, and overdue decisions make
9.3.3 partial."""

from __future__ import annotations

import datetime as dt

import workbench as wb


def _status(store, requirement: str) -> dict:
    return wb.readiness.assess(store, only=[requirement], verify=False).requirement(requirement)


def _rechair(store, review_id: str, chair: str) -> None:
    current = store.get("management_review", review_id)
    store.save(current.record.model_copy(update={"chair": chair}),
               base_version=current.version, reason="chair corrected")


def test_9_3_1_a_review_chaired_by_an_auditor_does_not_count(demo_store):
    assert _status(demo_store, "9.3.1")["status"] == "met"
    _rechair(demo_store, "mr-1", "hiro")  # Hiro Sato holds only the auditor role
    row = _status(demo_store, "9.3.1")
    assert row["status"] == "missing", row
    assert row["reason"] == ("no management review chaired by top management (review mr-1 was "
                             "chaired by hiro, who does not hold the executive role)")
    assert row["missing"] == ["hold a management review chaired by a member of top management "
                              "(the executive role) and record it"]


def test_9_3_2_and_9_3_3_ignore_a_review_not_chaired_by_top_management(demo_store):
    before = _status(demo_store, "9.3.2")
    review = demo_store.get("management_review", "mr-1").record
    newer = review.model_copy(update={
        "id": "mr-auditor", "chair": "hiro", "held_on": dt.date.today(),
        "inputs": [{"topic": t.value, "summary": "covered"} for t in wb.readiness.ReviewTopic],
        "decisions": [], "next_review_due": None})
    demo_store.save(newer)
    after = _status(demo_store, "9.3.2")
    assert after["status"] == before["status"] and after["reason"] == before["reason"]
    assert "mr-1" in after["reason"]
    assert _status(demo_store, "9.3.3")["evidence"] == ["management_review mr-1"]


def test_9_3_3_overdue_decisions_make_it_partial(demo_store):
    assert _status(demo_store, "9.3.3")["status"] == "met"
    current = demo_store.get("management_review", "mr-1")
    review = current.record
    late = dt.date.today() - dt.timedelta(days=3)
    decisions = [d.model_copy(update={"due": late}) if d.id == "analyst" else d
                 for d in review.decisions]
    demo_store.save(review.model_copy(update={"decisions": decisions}),
                    base_version=current.version)
    row = _status(demo_store, "9.3.3")
    assert row["status"] == "partial"
    assert row["missing"] == [f"decision mr-1/analyst (dev) was due on {late}"]
    assert row["reason"].endswith("1 decision overdue")
    wb.review.complete_decision(demo_store, "mr-1", "analyst")
    assert _status(demo_store, "9.3.3")["status"] == "met"
