"""Who chairs a management review: checked on every save (not only by ``wb.review.record``)
and judged by readiness as of the day the review was held (9.3, 5.1, 10.1); and whether the
figures a review's inputs recorded agree with the records as they stood (9.3.2)."""

from __future__ import annotations

import datetime as dt

import pytest

import workbench as wb
from workbench.errors import PermissionDeniedError, ValidationError
from workbench.readiness.model import ReviewDecision

ATTENDS = "an executive chairs or attends a management review (none in 12 months)"


def _status(store, requirement: str) -> dict:
    return wb.readiness.assess(store, only=[requirement], verify=False).requirement(requirement)


def _roles(store, login: str, roles: list[str], *, active: bool = True) -> None:
    """The admin (the demo's acting user, chloe) changes someone's roles today."""
    current = store.get("person", login)
    store.save(current.record.model_copy(update={"roles": roles, "active": active}),
               base_version=current.version, reason="roles changed")


def _edit_review(store, **update):
    current = store.get("management_review", "mr-1")
    return store.save(current.record.model_copy(update=update),
                      base_version=current.version, reason="minutes corrected")


def _held(store) -> dt.date:
    return store.get("management_review", "mr-1").record.held_on


# -- the save guard -------------------------------------------------------------------------------
def test_a_plain_save_may_not_make_someone_without_the_executive_role_chair(demo_store):
    head = demo_store.head()
    with pytest.raises(PermissionDeniedError) as caught:
        _edit_review(demo_store, chair="hiro")  # Hiro Sato holds only the auditor role
    assert str(caught.value) == ("management review 'mr-1': its chair hiro holds auditor; the "
                                 "chair must hold the executive role (top management, 9.3.1)")
    assert demo_store.head() == head
    assert demo_store.get("management_review", "mr-1").content["chair"] == "elena"


def test_a_review_saved_directly_needs_an_active_executive_chair(demo_store):
    review = demo_store.get("management_review", "mr-1").record.model_copy(update={
        "id": "mr-direct", "chair": "ravi", "held_on": dt.date.today(), "decisions": [],
        "next_review_due": None})
    head = demo_store.head()
    with pytest.raises(PermissionDeniedError) as caught:
        demo_store.save(review)
    assert str(caught.value) == ("management review 'mr-direct': its chair ravi holds "
                                 "contributor; the chair must hold the executive role (top "
                                 "management, 9.3.1)")
    _roles(demo_store, "dev", ["executive", "approver"], active=False)
    head = demo_store.head()
    with pytest.raises(PermissionDeniedError) as caught:
        demo_store.save(review.model_copy(update={"chair": "dev"}))
    assert str(caught.value) == ("management review 'mr-direct': its chair dev is not active; "
                                 "the chair must hold the executive role (top management, "
                                 "9.3.1)")
    assert demo_store.head() == head
    assert demo_store.find("management_review", "mr-direct") is None
    saved = demo_store.save(review.model_copy(update={"chair": "elena"}))
    assert (saved.record_id, saved.version) == ("mr-direct", 1)


def test_a_plain_save_may_not_add_a_decision_due_before_the_review(demo_store):
    review = demo_store.get("management_review", "mr-1").record
    early = review.held_on - dt.timedelta(days=1)
    late = ReviewDecision(id="late-idea", description="Publish the AI policy internally",
                          kind="improvement", owner="ravi", due=early)
    head = demo_store.head()
    with pytest.raises(PermissionDeniedError) as caught:
        _edit_review(demo_store, decisions=[*review.decisions, late])
    assert str(caught.value) == (
        f"management review 'mr-1': decision late-idea is due on {early}, before the review "
        f"was held ({review.held_on}); a decision is due on or after the review that takes it "
        "(9.3.3)")
    # a decision without an owner never passes the record's own validation
    ownerless = {"id": "no-owner", "description": "Publish the AI policy internally",
                 "kind": "improvement", "due": review.held_on}
    with pytest.raises(ValidationError, match="owner"):
        _edit_review(demo_store, decisions=[*[d.model_dump() for d in review.decisions],
                                            ownerless])
    assert demo_store.head() == head


def test_minutes_chaired_by_a_former_executive_can_still_be_corrected(demo_store):
    _roles(demo_store, "elena", ["approver"])  # Elena leaves top management today
    saved = _edit_review(demo_store, minutes_uri="https://docs.example/minutes-1")
    assert saved.version == 2 and saved.content["chair"] == "elena"


# -- readiness judges the chair as of the day the review was held --------------------------------
def test_a_chair_who_was_an_executive_then_but_not_now_still_counts(demo_store):
    held = _held(demo_store)
    _roles(demo_store, "elena", ["approver"])  # after the review: Elena leaves top management
    _edit_review(demo_store, attendees=["chloe", "ben"])  # Dev (an executive) did not attend
    row = _status(demo_store, "9.3.1")
    assert row["status"] == "met", row
    assert row["evidence"] == [f"management_review mr-1 ({held}, chaired by elena)"]
    assert _status(demo_store, "9.3.2")["evidence"] == ["management_review mr-1"]
    assert ATTENDS not in _status(demo_store, "5.1")["missing"]


def test_a_chair_who_became_an_executive_later_does_not_count(demo_store):
    held = _held(demo_store)
    _roles(demo_store, "hiro", ["auditor", "executive"])  # promoted today, after the review
    _edit_review(demo_store, chair="hiro", attendees=["chloe", "ben"])  # allowed: now executive
    row = _status(demo_store, "9.3.1")
    assert row["status"] == "missing", row
    assert row["reason"] == ("no management review chaired by top management (review mr-1 was "
                             f"chaired by hiro, who did not hold the executive role on {held})")
    assert _status(demo_store, "9.3.3")["reason"] == "no management review chaired by top " \
        "management"
    assert ATTENDS in _status(demo_store, "5.1")["missing"]


def test_10_1_credits_only_decisions_of_a_review_chaired_by_top_management(demo_store):
    row = _status(demo_store, "10.1")
    assert row["status"] == "met"
    assert row["evidence"] == ["improvement mr-1/expiry-reminders", "nonconformity nc-2 closed"]
    _roles(demo_store, "hiro", ["auditor", "executive"])
    _edit_review(demo_store, chair="hiro")  # hiro was not top management when it was held
    row = _status(demo_store, "10.1")
    assert row["status"] == "met"
    assert row["reason"] == "1 improvement completed in 12 months"
    assert row["evidence"] == ["nonconformity nc-2 closed"]


# -- 9.3.2: the recorded figures agree with the records --------------------------------------------
def test_9_3_2_names_recorded_figures_the_records_contradict(demo_store):
    assert _status(demo_store, "9.3.2")["status"] == "met"  # the demo's inputs agree
    held = _held(demo_store)
    review = demo_store.get("management_review", "mr-1").record
    inputs = [i.model_copy(update={"summary": "No nonconformity is recorded. No AI incident is "
                                   "recorded."}) if i.topic.value == "nonconformities" else i
              for i in review.inputs]
    _edit_review(demo_store, inputs=inputs)
    row = _status(demo_store, "9.3.2")
    assert row["status"] == "partial", row
    fix = ("whoever records the review corrects the input from the pack (wb.review.pack(store, "
           f"as_of=\"{held}\"))")
    # as the demo stood on the day: nc-monitoring-cv-screening, nc-1 (the internal audit) and
    # nc-2 (the stale-feed incident) raised and open; that incident (serious) and the
    # monitoring one detected and not closed
    assert row["missing"] == [
        f"review mr-1: its inputs record nonconformities raised as 0, but the records as of "
        f"{held} show 3; {fix}",
        f"review mr-1: its inputs record open nonconformities as 0, but the records as of "
        f"{held} show 3; {fix}",
        f"review mr-1: its inputs record AI incidents detected as 0, but the records as of "
        f"{held} show 2; {fix}",
        f"review mr-1: its inputs record serious AI incidents as 0, but the records as of "
        f"{held} show 1; {fix}",
        f"review mr-1: its inputs record AI incidents not closed as 0, but the records as of "
        f"{held} show 2; {fix}",
    ]
    assert row["reason"] == ("review mr-1 considered 7 of 7 required inputs; 5 recorded figures "
                             "contradicted by the records")


def test_9_3_2_does_not_judge_a_summary_in_other_words(demo_store):
    review = demo_store.get("management_review", "mr-1").record
    inputs = [i.model_copy(update={"summary": "We discussed the open findings."})
              if i.topic.value in ("nonconformities", "audit_results") else i
              for i in review.inputs]
    _edit_review(demo_store, inputs=inputs)
    row = _status(demo_store, "9.3.2")
    assert (row["status"], row["missing"]) == ("met", [])


# -- 5.2: each gap names the record, what it lacks and who fixes it -------------------------------
def test_5_2_gaps_name_the_record_what_is_missing_and_who_fixes_it(demo_store):
    current = demo_store.get("ai_policy", "ai-policy")
    demo_store.save(current.record.model_copy(update={
        "commits_to_requirements": False, "commits_to_improvement": False,
        "communicated_on": None, "communicated_to": []}), base_version=current.version,
        reason="draft of the next policy")
    row = _status(demo_store, "5.2")
    assert row["status"] == "partial", row
    assert row["missing"] == [
        "the AI policy ai-policy changed after version 1 was approved: request sign-off of "
        "version 2 (a stale approval does not count)",
        "the AI policy ai-policy: it lacks the commitment to meet applicable requirements "
        "(commits_to_requirements) and the commitment to continual improvement "
        "(commits_to_improvement); the AI governance lead adds them and an executive approves "
        "the new version",
        "the AI policy ai-policy: it does not record when and to whom it was communicated "
        "(communicated_on, communicated_to); the AI governance lead records it once the policy "
        "is communicated",
    ]
