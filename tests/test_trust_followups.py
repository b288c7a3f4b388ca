"""Follow-ups of a trust review: a sign-off request is made only under the policy in force,
a stored request that is not sound is named the same way by every command, environment
configuration cannot widen who acts under a hub, whoami names the right source, and a wrong
anchor key is named as such."""

from __future__ import annotations

import pytest
from actors import acting
from test_oversight_fixtures import make_org

from workbench import identity, oversight
from workbench.cli import main
from workbench.errors import ConfigurationError, PermissionDeniedError, ValidationError
from workbench.model import Evidence, Person
from workbench.oversight.policy import POLICY_FILE, Policy, load_policy, save_policy

#: The default policy with the AI system go-live rule relaxed to a contributor alone.
WEAK = POLICY_FILE.read_text(encoding="utf-8").replace(
    "requires: [system_owner, governance_lead]", "requires: [weak]").replace(
    "signers:\n", "signers:\n  weak:\n    label: contributor\n    role: contributor\n", 1)


@pytest.fixture
def org(store):
    make_org(store)
    return store


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- 1. a sign-off request follows the policy in force ---------------------------------------------
def test_a_request_under_a_weaker_policy_passed_in_is_refused_and_writes_nothing(org):
    import yaml

    weak = Policy.model_validate(yaml.safe_load(WEAK))
    assert weak.rules_for("ai_system")[0].requires == ["weak"]
    head = org.head()
    with acting("ben"), pytest.raises(ValidationError) as caught:
        oversight.request(org, "ai_system", "card-fraud", policy=weak)
    assert str(caught.value) == (
        "sign-off of AI system 'card-fraud' cannot be requested with those signers: rule "
        "ai-system-go-live does not ask for a weak sign-off, under the policy in force (the "
        "workbench's default policy); leave the policy to the store. Nothing was saved")
    assert org.head() == head
    assert org.verify().ok
    with acting("ben"):  # the record is not stuck: the policy in force applies
        req = oversight.request(org, "ai_system", "card-fraud")
    assert [s.signer for s in req.required] == ["system_owner", "governance_lead"]
    assert org.verify().ok


def test_a_policy_other_than_the_one_in_force_is_refused_even_with_the_same_signers(org):
    other = load_policy().model_copy(deep=True)
    other.rules[0].because = "a policy of one's own"
    head = org.head()
    with acting("ben"), pytest.raises(ValidationError) as caught:
        oversight.request(org, "ai_system", "card-fraud", policy=other)
    assert str(caught.value) == (
        "sign-off of AI system 'card-fraud' cannot be requested under the policy given: it is "
        "not the policy in force (the workbench's default policy); leave the policy to the "
        "store. Nothing was saved")
    assert org.head() == head
    with acting("ben"):  # the policy in force, passed explicitly, is accepted
        req = oversight.request(org, "ai_system", "card-fraud", policy=load_policy(store=org))
    assert req.round == 1


def test_the_request_check_is_the_one_verify_applies(org, monkeypatch):
    """Whatever builds the signers, a request verify would call unsound is never written."""
    from workbench.oversight import policy as P
    from workbench.oversight.model import RequiredSigner

    def weak(kind, record_id, facts, policy=None, *, barred=None):
        return P.Requirement(rule="ai-system-go-live", because="", required=[
            RequiredSigner(signer="governance_lead", label="AI governance lead",
                           role="governance_lead")])

    monkeypatch.setattr(P, "requirement", weak)
    head = org.head()
    with acting("ben"), pytest.raises(ValidationError) as caught:
        oversight.request(org, "ai_system", "card-fraud")
    assert str(caught.value) == (
        "sign-off of AI system 'card-fraud' cannot be requested with those signers: rule "
        "ai-system-go-live asks for a system_owner sign-off, which the request leaves out, "
        "under the policy in force (the workbench's default policy); leave the policy to the "
        "store. Nothing was saved")
    assert org.head() == head


def _stored_unsound_request(org) -> str:
    """A request naming only the governance lead, written around the workflow (as the
    workflow used to allow with a policy passed in)."""
    from workbench.oversight.model import RequiredSigner, SignOffRequest, request_id_for
    from workbench.store import workflow

    current = org.get("ai_system", "card-fraud")
    rid = request_id_for("ai_system", "card-fraud", current.version, 1)
    req = SignOffRequest(
        id=rid, target_kind="ai_system", target_id="card-fraud",
        target_version=current.version, target_hash=current.content_hash,
        rule="ai-system-go-live", required=[RequiredSigner(
            signer="governance_lead", label="AI governance lead", role="governance_lead")],
        requested_by="ben", requested_at=org.now())
    with acting("ben"), workflow("oversight"):
        org.save(req)
    assert not org.verify().ok
    return rid


def test_an_unsound_stored_request_is_named_alike_by_approve_withdraw_and_request(org):
    rid = _stored_unsound_request(org)
    assert rid == "ai_system.card-fraud.v2.r1"
    tail = ("request sign-off again (workbench signoff request ai_system card-fraud) to "
            "replace it under the policy in force")
    head = org.head()
    with acting("gina"), pytest.raises(ValidationError) as caught:
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    assert str(caught.value) == (
        "the open sign-off request ai_system.card-fraud.v2.r1 of AI system 'card-fraud' "
        "version 2 is not valid (rule ai-system-go-live asks for a system_owner sign-off, "
        "which the request leaves out) and does not count: there is nothing to decide; " + tail)
    with acting("ben"), pytest.raises(ValidationError) as caught:
        oversight.withdraw(org, "ai_system", "card-fraud")
    assert str(caught.value) == (
        "the open sign-off request ai_system.card-fraud.v2.r1 of AI system 'card-fraud' "
        "version 2 is not valid (rule ai-system-go-live asks for a system_owner sign-off, "
        "which the request leaves out) and does not count: there is nothing to withdraw; "
        + tail)
    assert org.head() == head
    seen = oversight.eligibility(org, "ai_system", "card-fraud", user="gina")
    assert seen.decide_reason.startswith("the open sign-off request ai_system.card-fraud.v2.r1")
    with acting("ben"):  # requesting again makes a sound request, the next round
        req = oversight.request(org, "ai_system", "card-fraud")
    assert (req.id, req.round) == ("ai_system.card-fraud.v2.r2", 2)
    assert [s.signer for s in req.required] == ["system_owner", "governance_lead"]
    with acting("sven"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    with acting("gina"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    assert oversight.status(org, "ai_system", "card-fraud").state == "approved"


def test_cli_request_of_a_record_with_an_unsound_request_says_requested(org, capsys,
                                                                        monkeypatch):
    _stored_unsound_request(org)
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", org.url)
    monkeypatch.setenv("WORKBENCH_USER", "gina")
    code, _, err = _run(capsys, "signoff", "approve", "ai_system", "card-fraud")
    assert code == 1 and "is not valid (rule ai-system-go-live" in err
    assert "no sign-off" not in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("WORKBENCH_USER", "ben")
    code, out, _ = _run(capsys, "signoff", "request", "ai_system", "card-fraud")
    assert code == 0 and " requested by ben [ai_system.card-fraud.v2.r2]" in out


def test_the_stored_policy_is_the_one_in_force_for_the_check(org, tmp_path):
    lax = tmp_path / "lax.yaml"
    lax.write_text(POLICY_FILE.read_text(encoding="utf-8").replace(
        "requires: [system_owner, governance_lead]", "requires: [governance_lead]"),
        encoding="utf-8")
    with acting("chloe"):
        save_policy(org, lax, note="one signer")
    with acting("ben"):  # the default file's policy is not the one in force any more
        with pytest.raises(ValidationError, match="does not ask for a system_owner sign-off, "
                           "under the policy in force \\(the store's sign-off policy, "
                           "version 1\\)"):
            oversight.request(org, "ai_system", "card-fraud", policy=load_policy(POLICY_FILE))
        req = oversight.request(org, "ai_system", "card-fraud")
    assert [s.signer for s in req.required] == ["governance_lead"]


# -- 2, 5, 6. who acts under a hub -----------------------------------------------------------------
@pytest.fixture
def people(store):
    store.save_many([(Person(id="chloe", name="Chloe", roles=["admin", "governance_lead"]), None),
                     (Person(id="ravi", name="Ravi", roles=["contributor"]), None),
                     (Person(id="scheduler", name="Scheduler", roles=["contributor"],
                             service_account=True), None),
                     (Person(id="elena", name="Elena", roles=["executive"]), None),
                     (Person(id="old-bot", name="Old bot", roles=["contributor"],
                             service_account=True, active=False), None)])
    return store


def _evidence(eid: str) -> Evidence:
    return Evidence(id=eid, title="A note", evidence_kind="document",
                    uri="https://example.org/note", collected_by="ravi",
                    collected_at="2026-01-05T10:00:00Z")


def test_a_hub_user_cannot_become_an_admin_through_workbench_user(people, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "ravi")
    monkeypatch.setenv("WORKBENCH_SERVICE_ACCOUNTS", "chloe")  # no longer consulted
    monkeypatch.setenv("WORKBENCH_USER", "chloe")
    head = people.head()
    with pytest.raises(PermissionDeniedError) as caught:
        people.acting_user()
    assert str(caught.value) == (
        "WORKBENCH_USER=chloe cannot be used under JupyterHub: it may name only a service "
        "account, and chloe is not marked as one; unset WORKBENCH_USER to act as yourself")
    with pytest.raises(PermissionDeniedError, match="cannot be used under JupyterHub"):
        people.save(_evidence("note-1"))
    assert people.head() == head
    monkeypatch.setenv("WORKBENCH_USER", "elena")
    with pytest.raises(PermissionDeniedError, match="elena is not marked as one;"):
        people.acting_user()


def test_a_service_account_must_be_an_active_person_of_the_store(people, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "ravi")
    for login in ("ghost", "old-bot"):
        monkeypatch.setenv("WORKBENCH_USER", login)
        with pytest.raises(PermissionDeniedError) as caught:
            people.acting_user()
        assert str(caught.value) == (
            f"WORKBENCH_USER={login} cannot be used under JupyterHub: it may name only a "
            f"service account, and {login} is not an active person in this store; unset "
            "WORKBENCH_USER to act as yourself")


def test_an_unprivileged_service_account_is_still_honoured_under_a_hub(people, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "ravi")
    monkeypatch.setenv("WORKBENCH_USER", "Scheduler")
    assert people.acting_user() == identity.current_user(people) == "scheduler"
    with pytest.raises(PermissionDeniedError, match="^scheduler \\(contributor\\) may not "
                       "save evidence 'note-2'"):  # saves as the scheduler, under its roles
        people.save(_evidence("note-2"))


def test_an_invalid_workbench_user_is_refused_under_a_hub(people, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "ravi")
    monkeypatch.setenv("WORKBENCH_USER", "ravi")  # the hub user's own login: no override
    assert people.acting_user() == identity.current_user() == "ravi"
    monkeypatch.setenv("WORKBENCH_USER", "Chloe Admin")  # asks for someone else: checked
    for who in (identity.current_user, people.acting_user):
        with pytest.raises(ConfigurationError) as caught:
            who()
        assert str(caught.value) == (
            "WORKBENCH_USER='Chloe Admin' is not a usable login: use letters, digits, '.', '_' "
            "or '-' (it becomes the author of every record you save); under JupyterHub unset "
            "WORKBENCH_USER to act as yourself")


def test_a_blank_jupyterhub_user_is_no_hub(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "  ")
    monkeypatch.setenv("WORKBENCH_USER", "chloe")
    assert identity.current_user() == "chloe"
    assert identity.environment_source() == "WORKBENCH_USER"


def _whoami_from(capsys) -> str:
    code, out, err = _run(capsys, "admin", "whoami")
    assert code == 0, err
    return next(line.split(None, 1)[1].strip() for line in out.splitlines()
                if line.startswith("from"))


def test_whoami_names_where_the_login_came_from(people, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", people.url)
    monkeypatch.setenv("JUPYTERHUB_USER", "")
    monkeypatch.setenv("WORKBENCH_USER", "ravi")
    assert _whoami_from(capsys) == "WORKBENCH_USER"
    monkeypatch.setenv("JUPYTERHUB_USER", "ravi")
    monkeypatch.delenv("WORKBENCH_USER")
    assert _whoami_from(capsys) == "JUPYTERHUB_USER"
    monkeypatch.setenv("WORKBENCH_USER", "scheduler")
    assert _whoami_from(capsys) == "WORKBENCH_USER (a service account of this store)"
    monkeypatch.setenv("WORKBENCH_USER", "chloe")
    code, out, err = _run(capsys, "admin", "whoami")
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        "error: WORKBENCH_USER=chloe cannot be used under JupyterHub: it may name only a "
        "service account, and chloe is not marked as one; unset WORKBENCH_USER to act as "
        "yourself"]


# -- 8. an anchor signed with another key ----------------------------------------------------------
def test_an_anchor_checked_with_another_key_says_so(store, tmp_path):
    from workbench import anchors

    key, _ = anchors.generate_key(tmp_path / "key")
    other, other_pub = anchors.generate_key(tmp_path / "other")
    path = tmp_path / "anchors.jsonl"
    anchor = anchors.record_anchor(store, path, key=key)
    given = anchors._key_id(anchors._raw_public(anchors._load_public(other_pub)))
    check = anchors.verify_anchors(store, path, public_key=other_pub)
    assert check.problems == [
        f"anchor #{anchor.seq} of {anchor.at} was signed with another key (key {anchor.key}, "
        f"given {given}): give the public key that signed the anchors"]
    assert "altered" not in check.problems[0]
