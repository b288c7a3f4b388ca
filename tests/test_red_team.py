"""Segregation of duties, tried as an insider would on a copy of the demo store: every attempt
fails with a one-line message and writes nothing, or (when written around the library, into the
database) never counts and is named by ``workbench verify``.

The demo's people: chloe (admin, AI governance lead), elena and dev (executives), grace (owner of
credit-scoring), ben (owner, assessor), alice (assessor), ravi (contributor on the data team),
hiro (auditor). Database-level enforcement on the team store is in ``test_team_store.py``.
"""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from actors import acting
from tamper import forge_append

from workbench import oversight, readiness
from workbench import risk as wr
from workbench.cli import main
from workbench.errors import (
    ConflictError,
    PermissionDeniedError,
    StoreError,
    ValidationError,
    WorkbenchError,
)
from workbench.model import Person
from workbench.oversight.model import SignOff, SignOffRequest


@pytest.fixture
def demo(demo_store):
    return demo_store


def _refused(store, exc, match, fn, *args, **kwargs):
    """The attempt raises ``exc`` with a one-line message matching ``match``; nothing written."""
    head = store.head()
    with pytest.raises(exc, match=match) as info:
        fn(*args, **kwargs)
    assert "\n" not in str(info.value), str(info.value)
    assert store.head() == head
    return info.value


def _edit(store, kind, record_id, **changes):
    current = store.get(kind, record_id)
    return store.save(current.record.model_copy(update=changes), base_version=current.version)


# -- who writes what -------------------------------------------------------------------------------
def test_01_a_contributor_cannot_give_himself_roles(demo):
    with acting("ravi"):
        _refused(demo, PermissionDeniedError, r"ravi \(contributor\) may not save person 'ravi'"
                 r".*needs the role admin \(held by chloe\)", _edit, demo, "person", "ravi",
                 roles=["executive", "governance_lead", "admin"])


def test_02_then_he_cannot_approve_the_aims_scope_either(demo):
    with acting("ravi"):
        _refused(demo, PermissionDeniedError, "ravi cannot approve AIMS scope", oversight.decide,
                 demo, "aims_scope", "aims-scope", "approve")


def test_03_an_auditor_cannot_import_risks(demo, demo_url, tmp_path, capsys, monkeypatch):
    day = dt.date.today().isoformat()
    path = tmp_path / "risks.csv"
    path.write_text(textwrap.dedent(f"""\
        id,system_id,title,risk_source,objective,inherent_likelihood,inherent_consequence,treatment,controls,residual_likelihood,residual_consequence,owner,status,identified_on
        x-1,cv-screening,Imported,level_of_automation,fairness,3,4,modify,A.9.2,2,3,farid,assessed,{day}
        """))  # noqa: E501
    monkeypatch.setenv("WORKBENCH_USER", "hiro")
    head = demo.head()
    assert main(["--database-url", demo_url, "risk", "import", str(path)]) == 1
    lines = capsys.readouterr().err.splitlines()  # the row's problem, then the summary
    assert lines[0].startswith("line 2, permission: hiro (auditor) may not save risk 'x-1'")
    assert len(lines) == 2 and lines[1].startswith("error: "), lines
    assert demo.head() == head


def test_04_an_auditor_cannot_edit_the_soa(demo):
    with acting("hiro"):
        _refused(demo, PermissionDeniedError, r"hiro \(auditor\) may not save Statement of "
                 "Applicability", readiness.update_entry, demo, "A.2.2", notes="mine now")


def test_05_a_login_that_is_not_a_person_cannot_edit_the_soa(demo):
    with acting("stranger"):
        _refused(demo, PermissionDeniedError, "stranger is not an active person in this store",
                 readiness.update_entry, demo, "A.2.2", notes="who am I")


def _scope_approval_by_ravi(demo) -> SignOff:
    req = demo.get("signoff_request", "aims_scope.aims-scope.v1.r1").record
    return SignOff(id=f"{req.id}.ravi", request_id=req.id, target_kind="aims_scope",
                   target_id="aims-scope", target_version=1, target_hash=req.target_hash,
                   signer="ravi", role="executive", decision="approve",
                   decided_at=dt.datetime.now(dt.timezone.utc))


def test_06_a_sign_off_cannot_be_saved_directly(demo):
    with acting("ravi"):
        _refused(demo, PermissionDeniedError, "written only through wb.oversight", demo.save,
                 _scope_approval_by_ravi(demo))


def test_07_a_sign_off_written_into_the_database_never_counts(demo):
    forge_append(demo, _scope_approval_by_ravi(demo), author="ravi")
    st = oversight.status(demo, "aims_scope", "aims-scope")
    assert st.state == "pending" and [d.who for d in st.invalid] == ["ravi"]
    assert "1 invalid sign-off ignored: ravi as executive: ravi could not sign" in st.summary()
    frame = oversight.status_frame(demo).set_index("record_id")
    assert frame.at["aims-scope", "state"] == "pending"
    gaps = readiness.assess(demo, verify=False).requirement("4.3")
    assert "ravi" not in str(gaps)
    problems = " | ".join(map(str, demo.verify().problems))
    assert "by ravi does not count: ravi could not sign as executive" in problems
    invalid = oversight.invalid_signoffs(demo)
    assert invalid["who"].tolist() == ["ravi"]


def test_08_the_assessor_cannot_sign_in_the_governance_leads_slot(demo):
    """ia-card-fraud's assessor writes an approval as governance lead into the database."""
    stored = demo.get("impact_assessment", "ia-card-fraud")
    assessor = stored.record.assessor
    req = oversight.status(demo, "impact_assessment", "ia-card-fraud")
    assert req.state == "pending"
    request = demo.get("signoff_request", req.request_id).record
    forge_append(demo, SignOff(
        id=f"{request.id}.{assessor}", request_id=request.id, target_kind="impact_assessment",
        target_id="ia-card-fraud", target_version=stored.version, target_hash=stored.content_hash,
        signer=assessor, role="governance_lead", decision="approve",
        decided_at=dt.datetime.now(dt.timezone.utc)), author=assessor)
    assert oversight.status(demo, "impact_assessment", "ia-card-fraud").state == "pending"
    problems = " | ".join(map(str, demo.verify().problems))
    assert f"sign-off '{request.id}.{assessor}'" in problems, problems


def test_09_no_author_parameter_on_saving(demo):
    with pytest.raises(TypeError, match="author"):
        demo.save(Person(id="x", name="X"), author="chloe")


def test_10_no_user_parameter_on_deciding(demo):
    with pytest.raises(TypeError, match="user"):
        oversight.decide(demo, "aims_scope", "aims-scope", "approve", user="elena")


def test_11_the_notebooks_user_parameter_only_chooses_whose_queue_is_shown(demo, monkeypatch):
    from workbench.widgets import PendingQueue

    monkeypatch.setenv("WORKBENCH_USER", "ravi")
    queue = PendingQueue(demo, user="grace")  # the notebook's `user = "grace"`
    assert len(queue.frame) >= 1
    panel = queue.review()
    head = demo.head()
    panel.decide("approve")
    assert "ravi" in panel.status.value and demo.head() == head


def test_12_workbench_user_does_not_override_the_hub(demo, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "ravi")
    monkeypatch.setenv("WORKBENCH_USER", "chloe")  # not a service account: refused
    _refused(demo, PermissionDeniedError, "chloe is not marked as one", demo.acting_user)
    monkeypatch.delenv("WORKBENCH_USER")
    assert demo.acting_user() == "ravi"
    _refused(demo, PermissionDeniedError, r"ravi \(contributor\) may not save person", _edit,
             demo, "person", "ravi", roles=["admin"])


def test_13_a_risk_owner_cannot_approve_her_own_rewrite(demo):
    rid = "credit-scoring-r03"
    owner = demo.get("risk", rid).record.owner
    with acting(owner):
        _edit(demo, "risk", rid, description="rewritten by its owner")
        oversight.request(demo, "risk", rid)
        _refused(demo, PermissionDeniedError, "cannot approve", oversight.decide, demo, "risk",
                 rid, "approve")
    st = oversight.status(demo, "risk", rid)
    assert st.state == "pending" and any("executive" in p for p in st.pending_with)


def test_14_the_author_cannot_approve_from_the_command_line(demo, demo_url, capsys,
                                                           monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "ben")  # ben saved the marketing-copy version
    head = demo.head()
    code = main(["--database-url", demo_url, "signoff", "approve", "ai_system",
                 "marketing-copy"])
    err = capsys.readouterr().err
    assert code == 1 and "ben" in err and err.count("\n") == 1 and demo.head() == head


def test_15_one_person_decides_once_per_request(demo):
    with acting("chloe"):  # an admin gives elena the governance lead role too
        _edit(demo, "person", "elena", roles=["executive", "governance_lead"])
    with acting("elena"):
        oversight.decide(demo, "soa", "soa", "approve", role="executive")
        _refused(demo, ConflictError, "elena already decided", oversight.decide, demo, "soa",
                 "soa", "approve", role="governance_lead")


def test_16_a_contributor_cannot_sign_as_governance_lead(demo):
    with acting("ravi"):
        _refused(demo, PermissionDeniedError, "ravi does not hold the role governance_lead",
                 oversight.decide, demo, "ai_system", "marketing-copy", "approve",
                 role="governance_lead")


def test_17_a_decision_on_an_outdated_version_is_refused(demo):
    current = demo.get("ai_system", "marketing-copy")
    with acting("chloe"):
        _refused(demo, ConflictError, "is not its current version", oversight.decide, demo,
                 "ai_system", "marketing-copy", "approve", version=current.version - 1)


def test_18_a_contributor_cannot_withdraw_someone_elses_request(demo):
    with acting("ravi"):
        _refused(demo, PermissionDeniedError, "only the requester", oversight.withdraw, demo,
                 "aims_scope", "aims-scope")


def test_19_acting_as_someone_else_is_refused_outside_seeding(demo):
    with pytest.raises(PermissionDeniedError, match="only while seeding"):
        with demo.acting_as("chloe"):
            pass


def test_20_seeding_and_bootstrapping_work_only_on_an_empty_store(demo):
    with pytest.raises(PermissionDeniedError, match="only on an empty store"):
        with demo.seeding():
            pass
    _refused(demo, PermissionDeniedError, "already holds records", demo.bootstrap, "mallory")


def test_21_a_reason_cannot_pretend_the_version_was_seeded(demo):
    current = demo.get("ai_system", "credit-scoring")
    _refused(demo, ValidationError, "marks versions saved while seeding", demo.save,
             current.record.model_copy(update={"description": "x"}),
             base_version=current.version, reason="seed: backdated by the demo")


def test_22_a_deactivated_person_can_neither_save_nor_sign(demo):
    with acting("chloe"):
        _edit(demo, "person", "grace", active=False)
    with acting("grace"):
        _refused(demo, PermissionDeniedError, "grace is not an active person", _edit, demo,
                 "ai_system", "credit-scoring", description="after I left")
        with pytest.raises(WorkbenchError):
            oversight.decide(demo, "risk", "credit-scoring-r03", "approve")


def test_23_a_contributor_cannot_edit_the_risks_of_a_system_he_is_not_on(demo):
    with acting("chloe"):  # ines joins the team of clinical-triage only
        assert "ines" in demo.get("ai_system", "clinical-triage").record.team
    with acting("ines"):
        _refused(demo, PermissionDeniedError, r"ines .* may not save risk 'credit-scoring-r03': "
                 r"it needs .* on the team of its AI system \(held by alice, ben, grace, "
                 r"ravi\); ines is not on the team of credit-scoring", _edit, demo, "risk",
                 "credit-scoring-r03", title="changed by ines")


def test_24_a_contributor_cannot_add_himself_to_a_team(demo):
    team = demo.get("ai_system", "clinical-triage").record.team
    with acting("ines"):
        _refused(demo, PermissionDeniedError, "ines .* may not save AI system 'credit-scoring'",
                 _edit, demo, "ai_system", "credit-scoring",
                 team=[*demo.get("ai_system", "credit-scoring").record.team, "ines"])
    assert demo.get("ai_system", "clinical-triage").record.team == team


def test_25_an_executive_cannot_sign_in_a_designated_owners_place(demo):
    with acting("elena"):
        _refused(demo, PermissionDeniedError, "elena is not the system owner named",
                 oversight.decide, demo, "ai_system", "marketing-copy", "approve",
                 role="system_owner")


def test_26_a_viewer_cannot_request_sign_off(demo):
    with acting("chloe"):
        demo.save(Person(id="vera", name="Vera", roles=["viewer"]))
    with acting("vera"):
        _refused(demo, PermissionDeniedError, "vera does not hold a role that may request",
                 oversight.request, demo, "ai_system", "card-fraud")


def test_27_a_request_naming_an_easier_signer_is_no_request(demo):
    """A request written into the database asking a contributor to sign as governance lead:
    it does not show, and a decision on it does not count."""
    current = demo.get("ai_system", "card-fraud")
    request = SignOffRequest(
        id=f"ai_system.card-fraud.v{current.version}.r9", target_kind="ai_system",
        target_id="card-fraud", target_version=current.version,
        target_hash=current.content_hash, round=9, rule="ai-system-go-live",
        required=[{"signer": "governance_lead", "label": "AI governance lead",
                   "role": "contributor"}], requested_by="ravi",
        requested_at=dt.datetime.now(dt.timezone.utc))
    forge_append(demo, request, author="ravi")
    forge_append(demo, SignOff(
        id=f"{request.id}.ravi", request_id=request.id, target_kind="ai_system",
        target_id="card-fraud", target_version=current.version,
        target_hash=current.content_hash, signer="ravi", role="governance_lead",
        decision="approve", decided_at=dt.datetime.now(dt.timezone.utc)), author="ravi")
    assert oversight.status(demo, "ai_system", "card-fraud").state == "stale"
    problems = " | ".join(map(str, demo.verify().problems))
    assert "is not sound: the governance_lead sign-off names the role contributor" in problems


def test_28_an_edited_person_record_in_the_database_is_caught(demo):
    """ravi appends his own person record with the admin role around the library."""
    forge_append(demo, Person(id="ravi", name="Ravi", roles=["admin"]), author="ravi",
                 version=2)
    problems = " | ".join(map(str, demo.verify().problems))
    assert "saved by ravi, who was not an admin: only admins write person records" in problems


def test_29_anyone_may_raise_a_nonconformity_but_not_rewrite_anothers(demo):
    """The grant that lets anyone raise one (stage: raised) creates; it never edits."""
    from workbench.readiness.model import Nonconformity

    with acting("elena"):  # an executive on no system's team
        _refused(demo, PermissionDeniedError, r"elena \(executive\) may not save nonconformity "
                 r"'nc-monitoring-cv-screening': it needs the role auditor or governance_lead",
                 _edit, demo, "nonconformity", "nc-monitoring-cv-screening",
                 title="rewritten by an executive")
        raised = demo.get("nonconformity", "nc-monitoring-cv-screening").record
        mine = Nonconformity.model_validate({**raised.content(), "id": "nc-elena",
                                             "title": "raised by an executive"})
        assert demo.save(mine).version == 1


def test_the_demo_itself_verifies_and_every_decision_counts(demo):
    report = demo.verify()
    assert report.ok, report.summary()
    assert oversight.invalid_signoffs(demo).empty


def test_a_store_error_is_not_a_refusal(tmp_path):
    from workbench.store import open_store

    with pytest.raises(StoreError):
        open_store(f"sqlite:///{tmp_path / 'missing.db'}", create=False)


def test_acceptance_is_the_acting_persons(demo):
    rid = "credit-scoring-r03"
    owner = demo.get("risk", rid).record.owner
    with acting(owner):
        saved = wr.accept_risk(demo, rid, rationale="Within the pilot's limits")
    assert saved.record.acceptance.accepted_by == owner == saved.author


def test_an_executive_accepts_a_risk_but_edits_nothing_else_of_it(demo):
    """The refusal of `risk accept` names executives among those who may accept; their grant
    lets them change a risk's acceptance and status, and no other field."""
    rid = "credit-scoring-r04"
    with acting("dev"):  # an executive, on no system's team
        saved = wr.accept_risk(demo, rid, rationale="Within this year's budget for losses")
        assert (saved.author, saved.record.status.value) == ("dev", "accepted")
        head = demo.head()
        with pytest.raises(PermissionDeniedError, match=r"^dev \(approver, executive\) may not "
                           r"save risk 'credit-scoring-r04': it needs the role governance_lead"):
            demo.save(saved.record.model_copy(update={"title": "renamed by an executive"}),
                      base_version=saved.version)
        with pytest.raises(PermissionDeniedError, match="may not save risk"):  # not a new one
            demo.save(saved.record.model_copy(update={"id": "credit-scoring-r99"}))
    assert demo.head() == head


def test_a_decision_written_in_after_the_record_changed_does_not_count(demo):
    """The library refuses to decide on an outdated version; a decision inserted around it,
    naming the old version and its hash, is invalid too (it came after the next version)."""
    old = demo.get("impact_assessment", "ia-card-fraud")
    request = demo.get("signoff_request",
                       oversight.status(demo, "impact_assessment", "ia-card-fraud").request_id)
    assert request.record.target_version == old.version
    with acting("chloe"):
        newer = demo.save(old.record.model_copy(update={"conclusion": "edited after request"}),
                          base_version=old.version)
        _refused(demo, ConflictError, "is not its current version", oversight.decide, demo,
                 "impact_assessment", "ia-card-fraud", "approve", version=old.version)
    forge_append(demo, SignOff(
        id=f"{request.record.id}.chloe", request_id=request.record.id,
        target_kind="impact_assessment", target_id="ia-card-fraud",
        target_version=old.version, target_hash=old.content_hash, signer="chloe",
        role="governance_lead", decision="approve",
        decided_at=dt.datetime.now(dt.timezone.utc)), author="chloe")
    st = oversight.status(demo, "impact_assessment", "ia-card-fraud")
    assert st.approved_by == [] and st.current_version == newer.version
    assert [d.reason for d in st.invalid] == [
        f"it was recorded after a later version of the record was saved (version "
        f"{old.version + 1}), so the version it signs was already outdated"]


def test_moving_a_risk_to_your_own_system_names_the_team_it_leaves(demo):
    """farid owns cv-screening; the refusal used to name cv-screening, whose team he is on."""
    current = demo.get("risk", "credit-scoring-r04")
    with acting("farid"):
        message = str(_refused(demo, PermissionDeniedError, "may not save risk",
                               wr.save_risk, demo, {**current.record.model_dump(),
                                                    "system_id": "cv-screening"},
                               base_version=current.version))
    assert message.endswith("(held by alice, ben, ravi); farid is not on the team of "
                            "credit-scoring (team: alice, ben, grace, ravi), which the risk "
                            "belongs to now"), message
