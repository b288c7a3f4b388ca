"""The demo organization: realistic, spanning the EU AI Act tiers, deterministic."""

from __future__ import annotations

import datetime as dt

import pytest

from workbench import demo
from workbench.errors import StoreError
from workbench.model import Person
from workbench.store import open_store

AS_OF = dt.date(2026, 11, 26)


def _contents(url: str) -> dict:
    with open_store(url) as s:
        return {(v.kind, v.record_id): v.content_hash
                for kind in s.kinds() for v in s.latest(kind)}


def test_demo_is_deterministic(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'{n}.db'}" for n in ("a", "b")]
    for url in urls:
        with open_store(url) as s:
            demo.seed(s, as_of=AS_OF)
    first, second = (_contents(u) for u in urls)
    assert first == second and len(first) > 30


def test_demo_content(demo_store):
    systems = demo_store.records("ai_system")
    assert len(systems) >= 6
    ids = {s.id for s in systems}
    assert {"cv-screening", "credit-scoring", "support-chatbot", "card-fraud",
            "demand-forecast", "clinical-triage", "marketing-copy"} <= ids
    people = {p.id: p for p in demo_store.records("person")}
    for s in systems:
        assert s.owner in people and s.affected_parties and s.data_categories
    evidence = demo_store.records("evidence")
    assert {sid for e in evidence for sid in e.system_ids} == ids
    roles = {r.value for p in people.values() for r in p.roles}
    assert {"executive", "approver", "governance_lead", "assessor", "auditor"} <= roles
    assert any(e.is_expired(dt.date.today()) for e in evidence)
    assert demo_store.verify().ok


def test_demo_twice_writes_nothing(demo_store):
    head = demo_store.head()
    summary = demo.seed(demo_store)
    assert summary.already_present and demo_store.head() == head


def test_demo_refuses_a_store_with_other_data(store):
    store.save(Person(id="someone", name="Someone"))
    with pytest.raises(StoreError, match="another organization"):
        demo.seed(store)
    assert store.count() == 2  # tester and someone
