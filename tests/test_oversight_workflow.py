"""The sign-off workflow on SQLite and PostgreSQL: every rule, refusals write nothing."""

from __future__ import annotations

import pytest
from actors import acting
from test_oversight_fixtures import edit, make_org, only_admin, system

from workbench import oversight
from workbench.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from workbench.model import Person


@pytest.fixture
def org(store):
    make_org(store)
    return store


def _refused(store, exc, match, fn, *args, **kwargs):
    """Assert a refusal with a message, and that nothing was written."""
    head = store.head()
    with pytest.raises(exc, match=match):
        fn(store, *args, **kwargs)
    assert store.head() == head


# -- the happy path -------------------------------------------------------------------------------
def test_request_then_both_signers_approve(org):
    with acting("ben"):
        req = oversight.request(org, "ai_system", "card-fraud", note="go-live")
    assert req.id == "ai_system.card-fraud.v2.r1"
    assert [(r.signer, r.person, r.role) for r in req.required] == [
        ("system_owner", "sven", None), ("governance_lead", None, "governance_lead")]
    assert req.target_hash == org.get("ai_system", "card-fraud").content_hash
    assert req.barred == {"ben": "authored version 2"}
    assert oversight.status(org, "ai_system", "card-fraud").state == "pending"
    for user in ("sven", "chloe", "gina"):
        assert oversight.pending(org, user)["record_id"].tolist() == ["card-fraud"]
    assert oversight.pending(org, "ben").empty and oversight.pending(org, "dev").empty

    with acting("chloe"):
        first = oversight.decide(org, "ai_system", "card-fraud", "approve",
                                 comment="Looks right.")
    assert (first.signer, first.role, first.target_version) == ("chloe", "governance_lead", 2)
    st = oversight.status(org, "ai_system", "card-fraud")
    assert st.state == "pending" and st.pending_roles == ["system_owner"]
    assert st.pending_with == ["system owner sven"]
    assert oversight.pending(org, "gina").empty  # the governance lead sign-off is given

    with acting("sven"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    st = oversight.status(org, "ai_system", "card-fraud")
    assert st.state == "approved" and st.approved_version == 2 and not st.stale
    assert sorted(st.approved_by) == ["chloe", "sven"]
    assert [(d.who, d.decision.value) for d in st.decisions] == [("chloe", "approve"),
                                                                ("sven", "approve")]
    assert "approved: version 2" in st.summary()
    # sign-offs are store records, in the chain, saved by their signer
    log = org.log(kind="signoff")
    assert sorted(log["author"]) == ["chloe", "sven"]
    assert org.verify().ok


def test_request_is_idempotent_and_writes_once(org):
    with acting("ben"):
        first = oversight.request(org, "ai_system", "card-fraud")
    head = org.head()
    with acting("alice"):
        again = oversight.request(org, "ai_system", "card-fraud")
    assert again.id == first.id and again.requested_by == "ben" and org.head() == head


def test_same_approver_twice_records_one_decision(org):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    with acting("chloe"):
        first = oversight.decide(org, "ai_system", "card-fraud", "approve")
    head = org.head()
    with acting("chloe"):
        again = oversight.decide(org, "ai_system", "card-fraud", "approve")
    assert again == first and org.head() == head
    with acting("chloe"):
        _refused(org, ConflictError, "chloe already decided on this sign-off .*approve as "
                 "governance_lead.*a decision is final", oversight.decide, "ai_system",
                 "card-fraud", "reject", comment="changed my mind")


# -- segregation of duties -------------------------------------------------------------------------
def test_author_of_the_version_cannot_approve_it(org):
    with acting("alice"):
        oversight.request(org, "ai_system", "card-fraud")
    with acting("ben"):
        _refused(org, PermissionDeniedError,
                 r"ben authored version 2 and cannot approve it; .*segregation of duties",
                 oversight.decide, "ai_system", "card-fraud", "approve")
    edit(org, "ai_system", "card-fraud", "chloe", purpose="Changed by the governance lead.")
    with acting("alice"):
        oversight.request(org, "ai_system", "card-fraud")
    with acting("chloe"):
        _refused(org, PermissionDeniedError, "chloe authored version 3 and cannot reject it",
                 oversight.decide, "ai_system", "card-fraud", "reject", comment="no")
    # another governance lead can
    with acting("gina"):
        assert oversight.decide(org, "ai_system", "card-fraud", "approve").signer \
            == "gina"


def test_an_owner_who_wrote_the_version_is_replaced_by_the_stand_in(store):
    make_org(store, editor="sven")  # the owner saved both versions
    with acting("ben"):
        req = oversight.request(store, "ai_system", "card-fraud")
    slots = {s.signer: s for s in req.required}
    assert "system_owner" not in slots and slots["executive"].role == "executive"
    assert slots["executive"].label == ("executive, for the system owner sven who authored "
                                        "version 2")
    with acting("sven"):
        _refused(store, PermissionDeniedError, "sven authored version 2 and cannot approve it",
                 oversight.decide, "ai_system", "card-fraud", "approve")


def test_request_refused_when_nobody_can_stand_in(store):
    make_org(store, editor="sven")
    for login in ("elena", "dev"):  # nobody holds the executive role any more
        person = store.get("person", login)
        with acting("chloe"):
            store.save(person.record.model_copy(update={"active": False}),
                       base_version=person.version)
    with acting("ben"):
        _refused(store, ValidationError, r"nobody can sign AI system 'card-fraud' version 2 as "
                 r"executive, for the system owner sven",
                 oversight.request, "ai_system", "card-fraud")


def test_two_signers_must_be_two_people(store):
    store.save_many([(Person(id="chloe", name="C", roles=["governance_lead"]), None),
                     (Person(id="ben", name="B", roles=["owner", "assessor"]), None)])
    only_admin(store)
    with acting("ben"):
        store.save(system(owner="chloe", team=["ben"]))
    with acting("ben"):
        _refused(store, ValidationError, "need 2 different people", oversight.request,
                 "ai_system", "card-fraud")
    store.save(Person(id="gina", name="G", roles=["governance_lead"]))
    with acting("ben"):
        oversight.request(store, "ai_system", "card-fraud")
    with acting("chloe"):
        _refused(store, ValidationError, "chloe may sign as system_owner or governance_lead; "
                 "choose one role", oversight.decide, "ai_system", "card-fraud", "approve")
    with acting("chloe"):
        oversight.decide(store, "ai_system", "card-fraud", "approve", role="system_owner")
    with acting("chloe"):
        _refused(store, ConflictError, "chloe already decided", oversight.decide, "ai_system",
                 "card-fraud", "approve", role="governance_lead")
    with acting("gina"):
        oversight.decide(store, "ai_system", "card-fraud", "approve")
    assert oversight.status(store, "ai_system", "card-fraud").state == "approved"


# -- roles ----------------------------------------------------------------------------------------
def test_roles_the_user_does_not_hold_are_refused(org):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    with acting("alice"):
        _refused(org, PermissionDeniedError, "alice does not hold the role governance_lead and "
                 "cannot sign as AI governance lead", oversight.decide, "ai_system", "card-fraud",
                 "approve", role="governance_lead")
    with acting("dev"):
        _refused(org, PermissionDeniedError, r"dev is not the system owner named for this "
                 r"sign-off \(sven is\)", oversight.decide, "ai_system", "card-fraud", "approve",
                 role="system_owner")
    with acting("hiro"):
        _refused(org, PermissionDeniedError, "hiro cannot approve AI system 'card-fraud': it "
                 "awaits system owner sven, AI governance lead, and hiro is none of them",
                 oversight.decide, "ai_system", "card-fraud", "approve")
    with acting("dev"):
        _refused(org, ValidationError, "executive is not a sign-off this request needs",
                 oversight.decide, "ai_system", "card-fraud", "approve", role="executive")
    with acting("nobody"):
        _refused(org, PermissionDeniedError, "nobody is not an active person",
                 oversight.decide, "ai_system", "card-fraud", "approve")


def test_a_role_already_given_is_refused(org):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    with acting("chloe"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    with acting("gina"):
        _refused(org, ConflictError, "AI governance lead sign-off .* was already given by chloe",
                 oversight.decide, "ai_system", "card-fraud", "approve", role="governance_lead")


def test_who_may_request(org):
    with acting("elena"):
        _refused(org, PermissionDeniedError, "elena does not hold a role that may request "
                 "sign-off", oversight.request, "ai_system", "card-fraud")
    with acting("stranger"):
        _refused(org, PermissionDeniedError, "stranger is not an active person",
                 oversight.request, "ai_system", "card-fraud")
    inactive = org.get("person", "alice")
    with acting("chloe"):
        org.save(inactive.record.model_copy(update={"active": False}), base_version=1)
    with acting("alice"):
        _refused(org, PermissionDeniedError, "alice is not an active person", oversight.request,
                 "ai_system", "card-fraud")


# -- bad input -------------------------------------------------------------------------------------
def test_unknown_record_or_version(org):
    with acting("ben"):
        _refused(org, NotFoundError, "no AI system 'nope' in the store", oversight.request,
                 "ai_system", "nope")
    with acting("ben"):
        _refused(org, NotFoundError, "AI system 'card-fraud' has no version 9", oversight.request,
                 "ai_system", "card-fraud", version=9)
    with acting("ben"):
        _refused(org, ConflictError, "version 1 of AI system 'card-fraud' is not its current "
                 "version", oversight.request, "ai_system", "card-fraud", version=1)
    with acting("ben"):
        _refused(org, NotFoundError, "unknown record kind 'nonsense'", oversight.request,
                 "nonsense", "x")
    with acting("chloe"):
        _refused(org, NotFoundError, "no sign-off of AI system 'card-fraud' version 2 was "
                 "requested", oversight.decide, "ai_system", "card-fraud", "approve")
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    with acting("chloe"):
        _refused(org, NotFoundError, "no AI system 'nope'", oversight.decide, "ai_system", "nope",
                 "approve")
    with acting("chloe"):
        _refused(org, ValidationError, "'maybe' is not a decision", oversight.decide, "ai_system",
                 "card-fraud", "maybe")


def test_rejection_and_request_for_changes_need_a_comment(org):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    for decision in ("reject", "request_changes"):
        for comment in ("", "   "):
            with acting("chloe"):
                _refused(org, ValidationError, "needs a comment saying what is wrong",
                         oversight.decide, "ai_system", "card-fraud", decision, comment=comment)
    with acting("chloe"):
        _refused(org, ValidationError, "an approval with conditions lists the conditions",
                 oversight.decide, "ai_system", "card-fraud", "approve_with_conditions",
                 conditions=["  "])
    with acting("chloe"):
        _refused(org, ValidationError, "conditions belong to an approval with conditions",
                 oversight.decide, "ai_system", "card-fraud", "approve", conditions=["x"])
    with acting("chloe"):
        ok = oversight.decide(org, "ai_system", "card-fraud", "approve_with_conditions",
                              conditions=["Monthly monitoring", ""])
    assert ok.conditions == ["Monthly monitoring"]


def test_policy_decides_what_needs_sign_off(org):
    from workbench.model import Evidence

    with acting("ben"):
        org.save(Evidence(id="ev-1", title="Report", evidence_kind="report", uri="https://x.example",
                          collected_by="ben", collected_at="2026-01-01T00:00:00Z"))
    with acting("ben"):
        _refused(org, ValidationError, "evidence 'ev-1' needs no sign-off: the sign-off policy has "
                 "no rule for evidence records", oversight.request, "evidence", "ev-1")
    with acting("ben"):
        _refused(org, ValidationError, "sign-off records are not signed off", oversight.request,
                 "signoff", "x")


# -- withdrawal ------------------------------------------------------------------------------------
def test_withdrawn_request_cannot_be_decided(org):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    with acting("chloe"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    with acting("alice"):
        _refused(org, PermissionDeniedError, "alice cannot withdraw the request of ben",
                 oversight.withdraw, "ai_system", "card-fraud")
    with acting("ben"):
        withdrawn = oversight.withdraw(org, "ai_system", "card-fraud", reason="not ready")
    assert withdrawn.status.value == "withdrawn" and withdrawn.withdrawn_by == "ben"
    with acting("sven"):
        _refused(org, ValidationError, r"the request for sign-off of AI system 'card-fraud' "
                 r"version 2 was withdrawn by ben on \d{4}-\d\d-\d\d: there is nothing to decide",
                 oversight.decide, "ai_system", "card-fraud", "approve")
    with acting("ben"):
        _refused(org, NotFoundError, "no open sign-off request to withdraw", oversight.withdraw,
                 "ai_system", "card-fraud")
    st = oversight.status(org, "ai_system", "card-fraud")
    assert st.state == "none" and oversight.pending(org, "sven").empty
    assert st.summary() == (f"no sign-off; the request for version 2 was withdrawn by ben on "
                            f"{withdrawn.withdrawn_at:%Y-%m-%d}: not ready")
    with acting("ben"):
        again = oversight.request(org, "ai_system", "card-fraud")
    assert again.id.endswith(".r2")
    assert oversight.status(org, "ai_system", "card-fraud").note == ""
    # chloe's approval belonged to the withdrawn round: she decides again
    assert oversight.status(org, "ai_system", "card-fraud").pending_roles == [
        "system_owner", "governance_lead"]
    with acting("chloe"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    with acting("sven"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    assert oversight.status(org, "ai_system", "card-fraud").state == "approved"
    with acting("chloe"):
        _refused(org, ValidationError, "is approved and closed: there is nothing to withdraw",
                 oversight.withdraw, "ai_system", "card-fraud")


def test_a_withdrawal_never_discards_an_approval_that_landed_during_its_checks(org,
                                                                             monkeypatch):
    """The last approval lands after the withdrawal checked the request was pending and
    before it saved: the withdrawal looks again and refuses; the approval stands."""
    from workbench.oversight import workflow

    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    with acting("sven"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    checked = workflow._withdraw_refusal
    landed = []

    def approval_lands_meanwhile(ctx, row):
        refusal = checked(ctx, row)
        if not landed:
            with acting("chloe"):
                landed.append(oversight.decide(org, "ai_system", "card-fraud", "approve"))
        return refusal

    monkeypatch.setattr(workflow, "_withdraw_refusal", approval_lands_meanwhile)
    head = org.head()
    with pytest.raises(ValidationError, match="is approved and closed: there is nothing to "
                                              "withdraw"), acting("ben"):
        oversight.withdraw(org, "ai_system", "card-fraud")
    assert org.head() == head + 1  # chloe's decision, and nothing else
    st = oversight.status(org, "ai_system", "card-fraud")
    assert st.state == "approved" and sorted(st.approved_by) == ["chloe", "sven"]
    assert org.get("signoff_request", "ai_system.card-fraud.v2.r1").version == 1


def test_a_withdrawal_in_a_store_that_keeps_changing_gives_up_loudly(org, monkeypatch):
    from workbench.oversight import workflow

    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    real_head = org.head
    monkeypatch.setattr(org, "head", lambda: real_head() - 1)  # always one save behind
    with pytest.raises(ConflictError, match=f"kept changing .* \\({workflow.WITHDRAW_ATTEMPTS} "
                                            "attempts\\); nothing was saved: try again"):
        with acting("ben"):
            oversight.withdraw(org, "ai_system", "card-fraud")
    monkeypatch.undo()
    assert oversight.status(org, "ai_system", "card-fraud").state == "pending"


# -- closing states --------------------------------------------------------------------------------
@pytest.mark.parametrize("decision,state,verb", [("reject", "rejected", "rejected"),
                                                 ("request_changes", "changes_requested",
                                                  "sent back for changes")])
def test_rejection_closes_the_request(org, decision, state, verb):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    with acting("chloe"):
        oversight.decide(org, "ai_system", "card-fraud", decision, comment="Attach the red-team "
                         "report.")
    st = oversight.status(org, "ai_system", "card-fraud")
    assert st.state == state and "Attach the red-team report." in st.summary()
    with acting("sven"):
        _refused(org, ValidationError, f"version 2 was {verb} by chloe .Attach the red-team "
                 "report..: edit the record", oversight.decide, "ai_system", "card-fraud",
                 "approve")
    with acting("ben"):
        _refused(org, ValidationError, f"was {verb} by chloe", oversight.request, "ai_system",
                 "card-fraud")
    edit(org, "ai_system", "card-fraud", "alice", description="Red-team report attached.")
    assert oversight.status(org, "ai_system", "card-fraud").state == "none"
    with acting("alice"):
        assert oversight.request(org, "ai_system", "card-fraud").target_version == 3


# -- binding and staleness -------------------------------------------------------------------------
def _approve_v2(store):
    with acting("ben"):
        oversight.request(store, "ai_system", "card-fraud")
    with acting("chloe"):
        oversight.decide(store, "ai_system", "card-fraud", "approve")
    with acting("sven"):
        oversight.decide(store, "ai_system", "card-fraud", "approve")


def test_values_read_as_people_read_them():
    from workbench.oversight.status import readable

    assert readable(None) == readable("") == readable([]) == readable({}) == "—"
    assert readable(True) == "yes" and readable(["DE", "FR"]) == "DE, FR"
    assert readable({"gaps": "", "sources": []}) == "—"  # a part with nothing filled in
    assert readable({"name": "Customers", "category": "user", "notes": ""}) == (
        "name: Customers; category: user")
    assert readable([{"id": "m1", "status": "planned"}, {"id": "m2"}]) == (
        "(1) id: m1; status: planned (2) id: m2")
    assert readable({"data": {"sources": ["ATS"], "gaps": "none"}}) == (
        "data: (sources: ATS; gaps: none)")


def test_an_edit_makes_the_approval_stale_with_what_changed(org):
    _approve_v2(org)
    edit(org, "ai_system", "card-fraud", "ravi", purpose="Score every transaction.",
         geography=["DE", "FR"])
    st = oversight.status(org, "ai_system", "card-fraud")
    assert st.state == "stale" and st.stale
    assert (st.approved_version, st.current_version) == (2, 3)
    assert st.changed_fields == ["purpose", "geography"]
    change = {c.field: c for c in st.changes}
    assert change["purpose"].before == "Detect fraudulent card transactions in real time."
    assert change["purpose"].after == "Score every transaction."
    assert (change["geography"].before, change["geography"].after) == ("—", "DE, FR")
    assert "stale: version 2 was approved, version 3 changed purpose, geography" in st.summary()
    frame = oversight.status_frame(org)
    row = frame.set_index("record_id").loc["card-fraud"]
    assert row["state"] == "stale" and bool(row["stale"])
    stale = oversight.stale_approvals(org)
    assert stale["changed_fields"].tolist() == ["purpose, geography"]
    # a new request for version 3: pending, the old approval still shown stale
    with acting("ravi"):
        oversight.request(org, "ai_system", "card-fraud")
    st = oversight.status(org, "ai_system", "card-fraud")
    assert st.state == "pending" and st.stale and st.approved_version == 2
    assert "the approval of version 2 is stale" in st.summary()


def test_approval_binds_to_content_not_version_number(org):
    _approve_v2(org)
    edit(org, "ai_system", "card-fraud", "ravi", purpose="Something else.")
    assert oversight.status(org, "ai_system", "card-fraud").state == "stale"
    edit(org, "ai_system", "card-fraud", "ravi",
         purpose="Detect fraudulent card transactions in real time.")  # back as approved
    st = oversight.status(org, "ai_system", "card-fraud")
    assert st.state == "approved" and not st.stale and st.current_version == 4
    with acting("ravi"):
        _refused(org, ValidationError, "is identical to version 2, which is approved",
                 oversight.request, "ai_system", "card-fraud")


def test_a_request_is_outdated_once_the_record_changes(org):
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    with acting("chloe"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    edit(org, "ai_system", "card-fraud", "alice", purpose="Changed while waiting.")
    with acting("sven"):
        _refused(org, ConflictError, "sign-off was requested for version 2 of AI system "
                 "'card-fraud', which has changed since .*request sign-off of version 3",
                 oversight.decide, "ai_system", "card-fraud", "approve")
    with acting("sven"):
        _refused(org, ConflictError, "not its current version", oversight.decide, "ai_system",
                 "card-fraud", "approve", version=2)
    st = oversight.status(org, "ai_system", "card-fraud")
    assert st.state == "outdated" and "needs a new request" in st.note
    assert st.summary().startswith("request outdated; a sign-off request names an earlier "
                                   "version; version 3 needs a new request")
    assert oversight.pending(org, "sven").empty
    frame = oversight.status_frame(org)
    assert bool(frame["request_outdated"].iloc[0]) and frame["state"].iloc[0] == "outdated"
    with acting("ben"):  # asked again, it is pending once more
        oversight.request(org, "ai_system", "card-fraud")
    assert oversight.status(org, "ai_system", "card-fraud").state == "pending"


# -- designated people and facts from providers ----------------------------------------------------
def _test_feature(provider) -> None:
    """Register the test kind's feature: its fact provider, and who may save it."""
    from workbench import features

    features.unregister("oversight-test")
    features.register(features.Feature(
        name="oversight-test", fact_providers={"oversight_test_risk": provider},
        permissions={"oversight_test_risk": {"grants": [
            {"roles": ["governance_lead"]},
            {"roles": ["owner", "assessor", "contributor"], "scope": "own"}]}}))


@pytest.fixture
def risky(org, tmp_path, monkeypatch):
    from test_oversight_fixtures import TEST_POLICY, OversightTestRisk, stub_facts

    from workbench import features

    _test_feature(stub_facts)
    path = tmp_path / "policy.yaml"
    path.write_text(TEST_POLICY)
    monkeypatch.setenv("WORKBENCH_SIGNOFF_POLICY", str(path))  # the organization's policy
    with acting("ravi"):
        org.save_many([(OversightTestRisk(id="r-high", title="High", system_id="card-fraud",
                                          owner="ben", assessor="alice", score=12), None),
                       (OversightTestRisk(id="r-low", title="Low", system_id="card-fraud",
                                          owner="ben", score=4), None)])
    yield org, oversight.load_policy(path)
    features.unregister("oversight-test")


def test_designated_risk_owner_from_a_fact_provider(risky):
    store, policy = risky
    with acting("ravi"):
        req = oversight.request(store, "oversight_test_risk", "r-high", policy=policy)
    assert [(r.signer, r.person) for r in req.required] == [("risk_owner", "ben"),
                                                           ("system_owner", "sven")]
    assert req.barred == {"ravi": "authored version 1", "alice": "is the assessor of this "
                          "test risk"}
    assert oversight.pending(store, "ben")["record_id"].tolist() == ["r-high"]
    with acting("ravi"):
        _refused(store, ValidationError, r"test risk 'r-low' needs no sign-off under the policy: "
                 r"it requires one only when above_appetite = True", oversight.request,
                 "oversight_test_risk", "r-low", policy=policy)
    with acting("chloe"):
        _refused(store, PermissionDeniedError, "chloe is not the risk owner named",
                 oversight.decide, "oversight_test_risk", "r-high", "approve", role="risk_owner")
    with acting("ben"):
        oversight.decide(store, "oversight_test_risk", "r-high", "approve")
    with acting("sven"):
        oversight.decide(store, "oversight_test_risk", "r-high", "approve")
    assert oversight.status(store, "oversight_test_risk", "r-high").state == "approved"


def test_the_assessor_named_by_the_facts_cannot_approve(risky):
    store, policy = risky
    edit(store, "oversight_test_risk", "r-high", "ravi", owner="alice")
    with acting("ravi"):
        _refused(store, ValidationError, "nobody can sign test risk 'r-high' version 2 as risk "
                 "owner: alice is the assessor of this test risk", oversight.request,
                 "oversight_test_risk", "r-high", policy=policy)


def test_a_missing_provider_falls_back_to_the_record_fields(risky):
    from workbench.oversight.policy import facts_for

    store, policy = risky
    _test_feature("no_such_module:facts")
    facts = facts_for(store, store.get("oversight_test_risk", "r-high"))
    assert facts["score"] == 12 and "above_appetite" not in facts
    assert facts["system_owner"] == "sven"  # from the system the record points to
    with acting("ravi"):
        _refused(store, ValidationError, "needs no sign-off", oversight.request,
                 "oversight_test_risk", "r-high", policy=policy)


# -- views -----------------------------------------------------------------------------------------
def test_status_frame_columns_and_kind_filter(org):
    from workbench.oversight.status import STATUS_FRAME_COLUMNS

    assert oversight.status_frame(org).empty
    assert list(oversight.status_frame(org).columns) == STATUS_FRAME_COLUMNS
    _approve_v2(org)
    with acting("ben"):
        org.save(system("second", owner="sven"))
    with acting("ben"):
        oversight.request(org, "ai_system", "second")
    frame = oversight.status_frame(org)
    contract = ["kind", "record_id", "state", "approved_version", "current_version",
                "approved_by", "approved_at", "pending_with", "stale"]
    assert set(contract) <= set(frame.columns)
    assert frame[["record_id", "state", "pending_with"]].values.tolist() == [
        ["card-fraud", "approved", ""],
        ["second", "pending", "system owner sven, AI governance lead"]]
    assert frame["approved_version"].tolist()[0] == 2
    assert oversight.status_frame(org, "person").empty
    recent = oversight.recent_decisions(org)
    assert recent["who"].tolist() == ["sven", "chloe"]


def test_eligibility_explains_what_each_user_may_do(org):
    e = oversight.eligibility(org, "ai_system", "card-fraud", user="ben")
    assert e.can_request and not e.can_decide and not e.can_withdraw
    assert "no sign-off of AI system 'card-fraud' version 2 was requested" in e.decide_reason
    with acting("ben"):
        oversight.request(org, "ai_system", "card-fraud")
    e = oversight.eligibility(org, "ai_system", "card-fraud", user="ben")
    assert not e.can_request and e.can_withdraw and not e.can_decide
    assert "ben authored version 2 and cannot approve it" in e.decide_reason
    e = oversight.eligibility(org, "ai_system", "card-fraud", user="chloe")
    assert e.can_decide and e.sign_as == ["governance_lead"] and e.can_withdraw
    assert e.sign_as_labels == {"governance_lead": "AI governance lead"}
    e = oversight.eligibility(org, "ai_system", "card-fraud", user="hiro")
    assert not e.can_decide and "hiro is none of them" in e.decide_reason
    assert not e.can_withdraw
    with acting("chloe"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    e = oversight.eligibility(org, "ai_system", "card-fraud", user="chloe")
    assert not e.can_decide and e.own_decision == "approve"
