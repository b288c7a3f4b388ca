"""The demo sign-offs: what the issue asks the demo to show, made under the rules."""

from __future__ import annotations

import datetime as dt

from actors import acting

from workbench import oversight


def test_pending_requests_for_the_executives_and_the_governance_lead(demo_store):
    for user in ("elena", "dev"):
        queue = oversight.pending(demo_store, user)
        assert "aims-scope" in queue["record_id"].tolist()
        assert {s.split(",")[0] for s in queue["sign_as"]} == {"executive"}
    chloe = oversight.pending(demo_store, "chloe")
    assert "marketing-copy" in chloe["record_id"].tolist()
    assert set(chloe["sign_as"]) == {"AI governance lead"}


def test_a_stale_approval_a_rejection_and_an_approval(demo_store):
    frame = oversight.status_frame(demo_store, "ai_system").set_index("record_id")
    assert frame.loc["card-fraud", "state"] == "stale"
    assert frame.loc["credit-scoring", "state"] == "approved"
    assert frame.loc["support-chatbot", "state"] == "rejected"
    assert frame.loc["marketing-copy", "state"] == "pending"
    st = oversight.status(demo_store, "ai_system", "card-fraud")
    assert st.changed_fields == ["third_party_components", "deployment_context"]
    rejected = oversight.status(demo_store, "ai_system", "support-chatbot")
    reject = next(d for d in rejected.decisions if d.decision.value == "reject")
    assert reject.who == "chloe" and "red-team test" in reject.comment
    stale = oversight.stale_approvals(demo_store)
    assert "card-fraud" in stale["record_id"].tolist()


def test_impact_assessment_approved_long_ago_and_risks_awaiting_owners(demo_store):
    kinds = demo_store.kinds()
    frame = oversight.status_frame(demo_store)
    if "impact_assessment" in kinds:
        ia = frame[frame["kind"] == "impact_assessment"]
        approved = ia[ia["state"] == "approved"]
        assert len(approved) == 1 and (ia["state"] == "pending").sum() >= 1
        assert approved["approved_at"].iloc[0] < dt.datetime.now(dt.timezone.utc) - \
            dt.timedelta(days=180)
    if "risk" in kinds:
        risks = frame[frame["kind"] == "risk"]
        assert (risks["state"] == "pending").sum() >= 1
        assert risks["pending_with"].str.startswith("risk owner").any()


def test_demo_sign_offs_respect_segregation_of_duties(demo_store):
    from workbench.oversight.verify import check_signoffs

    assert check_signoffs(demo_store) == []
    decisions = demo_store.frame("signoff")
    for row in decisions.itertuples():
        author = demo_store.get(row.target_kind, row.target_id, row.target_version).author
        assert row.signer != author
    assert demo_store.verify().ok


def test_facts_from_the_impact_and_risk_features_drive_the_policy(demo_store):
    """With the real fact providers: a high-risk assessment needs its system owner too; a
    draft assessment cannot be requested; a risk within appetite needs no sign-off."""
    import pytest

    from workbench.errors import ValidationError

    kinds = demo_store.kinds()
    # The demo seeds both features; a demo without them is a failure, not a reason to skip.
    assert kinds.get("impact_assessment", 0) > 0 and kinds.get("risk", 0) > 0, kinds
    st = oversight.status(demo_store, "impact_assessment", "ia-cv-screening")
    assert st.pending_with == ["system owner farid", "AI governance lead"]
    ia = demo_store.frame("impact_assessment")
    draft = ia[ia["status"] == "draft"]["id"].iloc[0]
    with pytest.raises(ValidationError, match="only a submitted impact assessment can be "
                       "signed off"), acting("alice"):
        oversight.request(demo_store, "impact_assessment", draft)
    from workbench.oversight.policy import facts_for

    within = next(v for v in demo_store.latest("risk")
                  if facts_for(demo_store, v).get("above_appetite") is False)
    with pytest.raises(ValidationError, match="needs no sign-off under the policy"):
        with acting("alice"):
            oversight.request(demo_store, "risk", within.record_id)
