"""Recording a management review: chaired by top management, decisions with owners and due
dates, inputs from the pack, the chair's sign-off, and the decisions followed until done."""

from __future__ import annotations

import datetime as dt

import pytest
from actors import acting

import workbench as wb
from workbench.errors import NotFoundError, PermissionDeniedError, ValidationError

TODAY = dt.date.today()


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


DECISIONS = [
    {"id": "fairness-audit", "description": "External fairness audit of credit scoring",
     "kind": "improvement", "owner": "grace", "due": day(45)},
    {"id": "incident-process", "description": "Adopt the AI incident process",
     "kind": "change", "owner": "chloe", "due": day(20)},
]


@pytest.fixture
def pack(demo_store):
    return wb.review.pack(demo_store, trend_points=1, verify=False)


def test_a_chair_without_the_executive_role_is_refused(demo_store, pack):
    head = demo_store.head()
    with pytest.raises(ValidationError) as caught:
        wb.review.record(demo_store, TODAY, "hiro", ["chloe"], decisions=DECISIONS,
                         inputs_from_pack=pack)
    assert str(caught.value) == (
        "chair: Hiro Sato (hiro) does not hold the executive role (holds auditor); a "
        "management review is chaired by top management (9.3.1). Nothing was saved.")
    with pytest.raises(ValidationError, match="chair: no person 'nobody'"):
        wb.review.record(demo_store, TODAY, "nobody", [], inputs_from_pack=pack)
    assert demo_store.head() == head


@pytest.mark.parametrize("drop", ["owner", "due"])
def test_a_decision_without_owner_or_due_date_is_refused(demo_store, pack, drop):
    head = demo_store.head()
    bad = [DECISIONS[0], {k: v for k, v in DECISIONS[1].items() if k != drop}]
    with pytest.raises(ValidationError) as caught:
        wb.review.record(demo_store, TODAY, "elena", ["chloe"], decisions=bad,
                         inputs_from_pack=pack)
    assert str(caught.value) == (
        f"decisions[1] (incident-process): name its {drop}; every decision of a management "
        "review has an owner and a due date (9.3.3). Nothing was saved.")
    assert demo_store.head() == head


def test_a_review_in_the_future_is_refused(demo_store, pack):
    with pytest.raises(ValidationError, match="held_on: .* is in the future"):
        wb.review.record(demo_store, day(2), "elena", [], inputs_from_pack=pack)


def test_a_decision_due_before_the_review_is_refused(demo_store, pack):
    head = demo_store.head()
    early = [DECISIONS[0], {**DECISIONS[1], "due": dt.date(2020, 1, 1)}]
    with pytest.raises(ValidationError) as caught:
        wb.review.record(demo_store, TODAY, "elena", ["chloe"], decisions=early,
                         inputs_from_pack=pack)
    assert str(caught.value) == (
        f"decisions[1] (incident-process): due 2020-01-01, before the review was held "
        f"({TODAY}); a decision is due on or after the review that takes it. Nothing was "
        "saved.")
    assert demo_store.head() == head
    # due the day the review is held is fine
    same_day = [{**DECISIONS[1], "due": day(-5)}]
    saved = wb.review.record(demo_store, day(-5), "elena", ["chloe"], decisions=same_day,
                             review_id="mr-2", request_signoff=False)
    assert saved.record.decisions[0].due == day(-5)


def test_a_pack_dated_after_the_review_is_refused(demo_store, pack):
    head = demo_store.head()
    with pytest.raises(ValidationError) as caught:
        wb.review.record(demo_store, day(-5), "elena", ["chloe"], decisions=DECISIONS,
                         inputs_from_pack=pack)
    assert str(caught.value) == (
        f"inputs_from_pack: the pack is as of {TODAY}, after the review was held "
        f"({day(-5)}); the review considered the records as they stood on or before that day "
        f'(wb.review.pack(store, as_of="{day(-5)}")). Nothing was saved.')
    assert demo_store.head() == head
    # a pack of the day before the review is fine: the inputs predate the meeting
    earlier = wb.review.pack(demo_store, as_of=day(-6), trend_points=1, verify=False)
    saved = wb.review.record(demo_store, day(-5), "elena", ["chloe"], decisions=DECISIONS,
                             inputs_from_pack=earlier, review_id="mr-2",
                             request_signoff=False)
    assert saved.reason == (f"management review held on {day(-5)}, inputs from the pack as "
                            f"of {day(-6)}")


def test_only_the_governance_lead_or_top_management_records_it(demo_store, pack):
    with acting("ravi"), pytest.raises(PermissionDeniedError):
        wb.review.record(demo_store, TODAY, "elena", ["ravi"], decisions=DECISIONS,
                         inputs_from_pack=pack)
    assert demo_store.find("management_review", f"mr-{TODAY}") is None


def test_record_saves_the_inputs_from_the_pack_and_requests_the_chairs_sign_off(demo_store,
                                                                                pack):
    saved = wb.review.record(demo_store, TODAY, "elena", ["dev", "chloe", "dev"],
                             decisions=DECISIONS, inputs_from_pack=pack)
    review = saved.record
    assert review.id == f"mr-{TODAY}" and review.chair == "elena"
    assert review.attendees == ["dev", "chloe"]
    assert review.next_review_due == day(365)
    by_topic = {i.topic.value: i.summary for i in review.inputs}
    assert len(by_topic) == 7
    assert by_topic["previous_actions"] == pack.section("previous_actions").summary
    assert by_topic["audit_results"] == pack.section("audits").summary
    assert [d.owner for d in review.decisions] == ["grace", "chloe"]
    status = wb.oversight.status(demo_store, "management_review", review.id)
    assert status.state == "pending"
    assert status.pending_with == ["chair of the management review elena"]
    with acting("elena"):
        wb.oversight.decide(demo_store, "management_review", review.id, "approve")
    assert wb.oversight.status(demo_store, "management_review", review.id).state == "approved"
    result = wb.readiness.assess(demo_store, only=["9.3"], verify=False)
    assert result.requirement("9.3.1")["reason"] == f"management review held on {TODAY}"
    assert result.requirement("9.3.2")["status"] == "met"


@pytest.fixture
def pack_5_days_ago(demo_store):
    return wb.review.pack(demo_store, as_of=day(-5), trend_points=1, verify=False)


def test_decisions_are_followed_until_done(demo_store, pack_5_days_ago):
    late = [{**DECISIONS[0], "due": day(-1)}, DECISIONS[1]]
    saved = wb.review.record(demo_store, day(-5), "dev", ["elena"], decisions=late,
                             inputs_from_pack=pack_5_days_ago, review_id="mr-2")
    overdue = wb.review.decisions(demo_store, overdue=True)
    assert overdue[["review_id", "decision_id", "owner", "days_overdue"]].values.tolist() == [
        ["mr-2", "fairness-audit", "grace", 1]]
    assert wb.readiness.assess(demo_store, only=["9.3.3"], verify=False).requirement(
        "9.3.3")["status"] == "partial"
    with acting("dev"):  # the chair approves the minutes
        wb.oversight.decide(demo_store, "management_review", "mr-2", "approve")
    with acting("ravi"), pytest.raises(PermissionDeniedError):
        wb.review.complete_decision(demo_store, "mr-2", "fairness-audit")
    with acting("grace"):  # the decision's owner records it, whatever her role
        done = wb.review.complete_decision(demo_store, "mr-2", "fairness-audit",
                                           note="audit report filed")
    assert (done.kind, done.record_id, done.author) == ("review_followup",
                                                        "mr-2.fairness-audit", "grace")
    assert done.record.owner == "grace" and done.record.note == "audit report filed"
    # the minutes are unchanged, so the chair's approval of them stays current
    assert demo_store.get("management_review", "mr-2").version == saved.version
    assert wb.oversight.status(demo_store, "management_review", "mr-2").state == "approved"
    assert wb.review.decisions(demo_store, overdue=True).empty
    every = wb.review.decisions(demo_store).set_index(["review_id", "decision_id"])
    assert every.loc[("mr-2", "fairness-audit"), "status"] == "done"
    assert every.loc[("mr-2", "fairness-audit"), "note"] == "audit report filed"
    previous = wb.review.pack(demo_store).section("previous_actions").table
    assert "audit report filed" in previous["note"].tolist()
    assert every.loc[("mr-2", "fairness-audit"), "done_on"] == TODAY
    assert wb.readiness.assess(demo_store, only=["9.3.3"], verify=False).requirement(
        "9.3.3")["status"] == "met"
    with pytest.raises(ValidationError, match="already done on"):
        wb.review.complete_decision(demo_store, "mr-2", "fairness-audit")
    with pytest.raises(NotFoundError, match="has no decision 'nope'; its decisions: "
                       "fairness-audit, incident-process"):
        wb.review.complete_decision(demo_store, "mr-2", "nope")
    with pytest.raises(ValidationError, match="before the review was held"):
        wb.review.complete_decision(demo_store, "mr-2", "incident-process", done_on=day(-9))


def test_a_followup_counts_only_for_the_decisions_owner(demo_store, pack_5_days_ago):
    from workbench.readiness.model import DecisionFollowUp

    wb.review.record(demo_store, day(-5), "dev", ["elena"], decisions=DECISIONS,
                     inputs_from_pack=pack_5_days_ago, review_id="mr-2")
    forged = dict(id="mr-2.fairness-audit", review_id="mr-2", decision_id="fairness-audit",
                  done_on=TODAY)
    with acting("ravi"), pytest.raises(PermissionDeniedError, match="names them as its owner"):
        demo_store.save(DecisionFollowUp(**forged, owner="grace"))  # not ravi's to record
    with acting("ravi"):  # saved naming himself: it does not count, and verify names it
        demo_store.save(DecisionFollowUp(**forged, owner="ravi"))
    every = wb.review.decisions(demo_store).set_index(["review_id", "decision_id"])
    assert every.loc[("mr-2", "fairness-audit"), "status"] == "open"
    report = demo_store.verify()
    assert not report.ok
    assert any("names 'ravi' as the owner of decision 'fairness-audit', but the minutes name "
               "'grace'" in str(p) for p in report.problems)
