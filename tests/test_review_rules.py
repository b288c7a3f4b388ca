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


def _promote(store, login: str) -> None:
    """The admin (chloe) gives ``login`` the executive role today."""
    current = store.get("person", login)
    roles = [*current.content["roles"], "executive"]
    store.save(current.record.model_copy(update={"roles": roles}),
               base_version=current.version, reason="joins top management")


def test_9_3_1_a_review_chaired_by_an_auditor_does_not_count(demo_store):
    assert _status(demo_store, "9.3.1")["status"] == "met"
    held = demo_store.get("management_review", "mr-1").record.held_on
    # A plain save may no longer name a chair without the executive role; Hiro Sato, who held
    # only the auditor role when the review was held, joins top management today.
    _promote(demo_store, "hiro")
    _rechair(demo_store, "mr-1", "hiro")
    row = _status(demo_store, "9.3.1")
    assert row["status"] == "missing", row
    assert row["reason"] == ("no management review chaired by top management (review mr-1 was "
                             f"chaired by hiro, who did not hold the executive role on {held})")
    assert row["missing"] == ["hold a management review chaired by a member of top management "
                              "(the executive role) and record it"]


def test_9_3_2_and_9_3_3_ignore_a_review_not_chaired_by_top_management(demo_store):
    before = _status(demo_store, "9.3.2")
    review = demo_store.get("management_review", "mr-1").record
    _promote(demo_store, "hiro")  # today: Hiro was an auditor only when the review was held
    newer = review.model_copy(update={
        "id": "mr-auditor", "chair": "hiro", "held_on": dt.date.today() - dt.timedelta(days=1),
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
