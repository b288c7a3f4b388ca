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


def test_demo_history_is_saved_in_the_order_it_happened(demo_store):
    """Along the chain, no version is dated before the one saved ahead of it: the log reads
    as the story happened, not one feature's records after another's."""
    log = demo_store.log().sort_values("seq")
    times = list(log["saved_at"])
    backwards = [(int(seq), kind, rid, str(t), str(before))
                 for seq, kind, rid, t, before in zip(log["seq"][1:], log["kind"][1:],
                                                      log["record_id"][1:], times[1:], times)
                 if t < before]
    assert backwards == [], backwards[:5]
    assert all(str(r).startswith("seed: ") for r in log["reason"])
    assert demo_store.verify().ok


def test_replay_refuses_a_story_whose_dates_contradict_it(tmp_path):
    """Evidence dated before the AI system it is about cannot be put in the order it
    happened: the replay names it."""
    from test_oversight_fixtures import system

    from workbench.errors import ValidationError
    from workbench.model import Evidence

    def month(n: int) -> dt.datetime:
        return dt.datetime(2026, n, 1, 9, tzinfo=dt.timezone.utc)

    source = open_store(f"sqlite:///{tmp_path / 'story.db'}", create=True)
    target = open_store(f"sqlite:///{tmp_path / 'target.db'}", create=True)
    with source.seeding():
        with source.acting_as("tester", at=month(1)):
            source.save(Person(id="tester", name="Tester", roles=["admin", "governance_lead"]))
        with source.acting_as("tester", at=month(3)):
            source.save(system(owner="tester", team=[]))
        with source.acting_as("tester", at=month(2)):  # about a system registered later
            source.save(Evidence(id="ev-1", title="Load test", evidence_kind="test_result",
                                 uri="https://docs.example/load", collected_by="tester",
                                 collected_at=month(2), system_ids=["card-fraud"]))
    with target.seeding(), pytest.raises(ValidationError, match="'ev-1'.*card-fraud"):
        demo.replay(source, target)
