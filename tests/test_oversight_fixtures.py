"""Shared set-up for the oversight tests: a small organization and a test record kind.

Imported by the other ``test_oversight_*`` modules; it holds no tests itself.
"""

from __future__ import annotations

from typing import Any

from actors import acting

from workbench.model import AISystem, Person, Record, Reference, Slug

PEOPLE = [
    {"id": "chloe", "name": "Chloe Lindqvist", "roles": ["admin", "governance_lead", "approver"]},
    {"id": "gina", "name": "Gina Berg", "roles": ["governance_lead"]},
    {"id": "dev", "name": "Dev Raman", "roles": ["executive", "approver"]},
    {"id": "elena", "name": "Elena Rossi", "roles": ["executive"]},
    {"id": "sven", "name": "Sven Eriksen", "roles": ["owner"]},
    {"id": "ben", "name": "Ben Okafor", "roles": ["owner", "assessor"]},
    {"id": "alice", "name": "Alice Moreau", "roles": ["assessor", "contributor"]},
    {"id": "ravi", "name": "Ravi Patel", "roles": ["contributor"]},
    {"id": "hiro", "name": "Hiro Sato", "roles": ["auditor"]},
]


def system(system_id: str = "card-fraud", owner: str = "sven", **changes: Any) -> AISystem:
    data = {
        "id": system_id, "name": "Sentinel card-fraud detection",
        "purpose": "Detect fraudulent card transactions in real time.", "owner": owner,
        "business_unit": "Larkspur Money", "lifecycle_stage": "operate",
        "org_roles": ["provider", "deployer"], "technique": "Gradient-boosted trees",
        "technique_family": "classical_ml", "automation_level": "full",
        "oversight_mode": "on_the_loop", "team": ["ben", "alice", "ravi"]}
    data.update(changes)
    return AISystem(**data)


def make_org(store, *, owner: str = "sven", editor: str = "ben") -> None:
    """People, and the AI system card-fraud (its team: ben, alice and ravi): version 1 by its
    owner, version 2 by ``editor``."""
    store.save_many([(Person(**p), None) for p in PEOPLE])  # by the tests' admin
    only_admin(store)
    with acting(owner):
        store.save(system(owner=owner))
    with acting(editor):
        store.save(system(owner=owner, description="Release 5."), base_version=1)


def only_admin(store) -> None:
    """Leave the tests' own person (``tester``) with the admin role only, so that it is nobody's
    signer and the sign-off rules see only the people of the test."""
    current = store.get("person", "tester")
    store.save(current.record.model_copy(update={"roles": ["admin"]}),
               base_version=current.version, reason="admin only")


def edit(store, kind: str, record_id: str, author: str, **changes: Any):
    current = store.get(kind, record_id)
    with acting(author):
        return store.save(current.record.model_copy(update=changes), base_version=current.version)


class OversightTestRisk(Record, kind="oversight_test_risk", label="test risk"):
    """A record kind for tests: a risk with an owner, an optional assessor and a score."""

    title: str
    system_id: Slug
    owner: Slug
    assessor: Slug | None = None
    score: int = 1

    def references(self) -> list[Reference]:
        return [Reference("owner", "person", self.owner),
                Reference("system_id", "ai_system", self.system_id)]


TEST_POLICY = """
version: 1
signers:
  governance_lead: {label: AI governance lead, role: governance_lead}
  risk_owner: {label: risk owner, person_fact: owner}
  system_owner: {label: system owner, person_fact: system_owner}
rules:
  - id: high-score
    kind: oversight_test_risk
    when:
      - {fact: above_appetite, equals: true}
    requires: [risk_owner, system_owner]
  - id: go-live
    kind: ai_system
    requires: [system_owner, governance_lead]
"""


def stub_facts(store, stored) -> dict[str, Any]:
    """A stand-in for a feature's fact provider: above appetite when the score exceeds 9."""
    return {"above_appetite": stored.content["score"] > 9}
