"""The sign-off policy as data, its rules on facts, and the sign-off record models (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from workbench.errors import ConfigurationError, ValidationError
from workbench.model import validate_record
from workbench.oversight import load_policy
from workbench.oversight.model import (
    SignOff,
    SignOffRequest,
    request_id_for,
    signoff_id_for,
)
from workbench.oversight.policy import assignable, barred_people, requirement

H = "a" * 64


def _needs(kind: str, **facts) -> list[tuple[str, str | None]]:
    req = requirement(kind, "x", facts)
    return [(r.signer, r.person) for r in req.required]


# -- the shipped policy ---------------------------------------------------------------------------
def test_shipped_policy_covers_the_required_rules():
    policy = load_policy()
    assert set(policy.kinds()) >= {"impact_assessment", "risk", "soa", "ai_policy", "ai_system"}
    assert _needs("impact_assessment", eu_tier="high_risk", system_owner="farid",
                  status="submitted", complete=True) == [("system_owner", "farid"),
                                                         ("governance_lead", None)]
    for tier in ("minimal", "transparency", "undetermined"):
        assert _needs("impact_assessment", eu_tier=tier, status="submitted",
                      complete=True) == [("governance_lead", None)]
    assert _needs("impact_assessment", status="submitted", complete=True) == [
        ("governance_lead", None)]
    # a submission without its ISO/IEC 42005 content cannot be signed off
    with pytest.raises(ValidationError, match="an impact assessment without its harms"):
        _needs("impact_assessment", status="submitted", complete=False)
    assert _needs("risk", above_appetite=True, owner="grace") == [("risk_owner", "grace")]
    assert _needs("soa", status="submitted") == [("governance_lead", None), ("executive", None)]
    assert _needs("ai_policy") == [("executive", None)]
    assert _needs("ai_system", system_owner="sven") == [("system_owner", "sven"),
                                                        ("governance_lead", None)]


def test_facts_that_do_not_call_for_sign_off():
    with pytest.raises(ValidationError, match="risk 'x' needs no sign-off under the policy: it "
                       "requires one only when above_appetite = True"):
        requirement("risk", "x", {"above_appetite": False, "owner": "grace"})
    with pytest.raises(ValidationError, match="needs no sign-off"):
        requirement("risk", "x", {"owner": "grace"})  # the fact is missing
    with pytest.raises(ValidationError, match="the sign-off policy has no rule for person"):
        requirement("person", "x", {})


def test_preconditions_and_designated_people():
    with pytest.raises(ValidationError, match="only a submitted impact assessment can be signed "
                       r"off; set its status to submitted first \(status is draft\)"):
        requirement("impact_assessment", "ia-1", {"status": "draft", "eu_tier": "minimal"})
    with pytest.raises(ValidationError, match=r"only a submitted Statement of Applicability .*"
                       r"\(status is draft\)"):
        requirement("soa", "soa", {"status": "draft"})
    with pytest.raises(ValidationError, match="needs its system owner, but the record names "
                       r"none \(system_owner is not set\)"):
        requirement("ai_system", "s", {"system_owner": None})


def test_invalid_policy_files_are_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("signers:\n  lead: {label: Lead, role: governance_lead}\nrules:\n"
                   "  - {id: r, kind: soa, requires: [lead, ghost]}\n")
    with pytest.raises(ConfigurationError, match="requires unknown signer.s. ghost"):
        load_policy(bad)
    bad.write_text("signers:\n  lead: {label: Lead, role: governance_lead, person_fact: x}\n")
    with pytest.raises(ConfigurationError, match="give either role or person_fact"):
        load_policy(bad)
    bad.write_text("signers: {}\nrules:\n  - id: r\n    kind: soa\n    requires: []\n")
    with pytest.raises(ConfigurationError, match="invalid"):
        load_policy(bad)
    bad.write_text("signers:\n  l: {label: L, role: executive}\nrules:\n  - id: r\n    kind: x\n"
                   "    when: [{fact: a, equals: 1, in: [1]}]\n    requires: [l]\n")
    with pytest.raises(ConfigurationError, match="exactly one of equals, in, not_in"):
        load_policy(bad)
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules: [\n")
    with pytest.raises(ConfigurationError) as caught:
        load_policy(broken)
    assert str(caught.value) == (f"the sign-off policy {broken} is not valid YAML: line 2, "
                                 "column 1: expected the node content, but found "
                                 "'<stream end>'")


def test_conditions():
    from workbench.oversight.policy import Condition

    assert Condition(fact="tier", **{"in": ["a", "b"]}).holds({"tier": "a"})
    assert Condition(fact="tier", not_in=["a"]).holds({"tier": "b"})
    assert not Condition(fact="tier", not_in=["a"]).holds({})  # missing never satisfies
    assert Condition(fact="above", equals=True).holds({"above": True})
    import numpy as np

    assert Condition(fact="above", equals=True).holds({"above": np.bool_(True)})


# -- segregation of duties ------------------------------------------------------------------------
class _Version:
    kind, record_id, version, author = "impact_assessment", "ia-1", 3, "alice"


def test_barred_people():
    assert barred_people(_Version(), {}) == {"alice": "authored version 3"}
    assert barred_people(_Version(), {"assessor": "ben", "authors": ["ravi", "alice"]}) == {
        "alice": "authored version 3", "ben": "is the assessor of this impact assessment",
        "ravi": "is an author of this impact assessment"}


def test_assignable_needs_distinct_people():
    assert assignable([{"a"}, {"b"}])
    assert assignable([{"a", "b"}, {"a"}])
    assert not assignable([{"a"}, {"a"}])
    assert not assignable([{"a"}, set()])
    assert assignable([])


# -- records ---------------------------------------------------------------------------------------
def _signoff(**changes):
    data = {"id": "s", "request_id": "r", "target_kind": "ai_system", "target_id": "x",
                "target_version": 1, "target_hash": H, "signer": "chloe", "role": "governance_lead",
                "decision": "approve", "decided_at": dt.datetime(2026, 1, 1, 12)}
    data.update(changes)
    return SignOff.parse(data)


def test_signoff_record_rules():
    assert _signoff().decided_at.tzinfo is not None
    with pytest.raises(ValidationError, match="lists the conditions"):
        _signoff(decision="approve_with_conditions")
    with pytest.raises(ValidationError, match="conditions belong to an approval with conditions"):
        _signoff(conditions=["x"])
    with pytest.raises(ValidationError, match="to reject needs a comment"):
        _signoff(decision="reject", comment="  ")
    with pytest.raises(ValidationError, match="target_hash"):
        _signoff(target_hash="abc")
    with pytest.raises(ValidationError, match="decision"):
        _signoff(decision="maybe")


def test_request_record_rules():
    base = {"id": "r", "target_kind": "ai_system", "target_id": "x", "target_version": 1,
                "target_hash": H, "rule": "go-live", "requested_by": "ben",
                "requested_at": "2026-01-01T00:00:00Z",
                "required": [{"signer": "governance_lead", "label": "AI governance lead",
                           "role": "governance_lead"}]}
    assert SignOffRequest.parse(base).status.value == "open"
    with pytest.raises(ValidationError, match="required"):
        SignOffRequest.parse({**base, "required": []})
    with pytest.raises(ValidationError, match="names who withdrew it"):
        SignOffRequest.parse({**base, "status": "withdrawn"})
    with pytest.raises(ValidationError, match="either a role or a designated person"):
        validate_record(SignOffRequest, {**base, "required": [
            {"signer": "x", "label": "X", "role": "a", "person": "b"}]})


def test_ids_are_deterministic_and_fit():
    assert request_id_for("risk", "r-1", 3) == "risk.r-1.v3.r1"
    assert signoff_id_for("risk.r-1.v3.r1", "grace") == "risk.r-1.v3.r1.grace"
    long_id = "x" * 100
    rid = request_id_for("impact_assessment", long_id, 12, 2)
    assert len(rid) <= 100 and rid == request_id_for("impact_assessment", long_id, 12, 2)
    assert rid != request_id_for("impact_assessment", long_id, 12, 3)
    assert len(signoff_id_for(rid, "someone")) <= 100
