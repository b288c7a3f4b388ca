"""The store's guarantees, on SQLite and PostgreSQL: append-only versions, optimistic
concurrency, referential checks, registers as DataFrames, and the hash chain."""

from __future__ import annotations

import pytest
from actors import acting
from tamper import tamper as _tamper

from workbench.errors import ConflictError, NotFoundError, ValidationError
from workbench.model import AISystem, Person
from workbench.store import META_COLUMNS, content_hash


@pytest.fixture
def store(store):
    """The tests' store with three more admins who save below (chloe, ben and dana); ``base``
    is the head before each test saves anything."""
    store.save_many([(Person(id=p, name=p.title(), roles=["admin"]), None)
                     for p in ("chloe", "ben", "dana")])
    store.base = store.head()
    return store


def _person(pid: str = "alice", **kw) -> Person:
    return Person(id=pid, name=kw.pop("name", pid.title()), roles=kw.pop("roles", ["assessor"]),
                  **kw)


def _system(sid: str = "cv-screening", owner: str = "alice", **kw) -> AISystem:
    data = dict(id=sid, name="CV screening", purpose="Rank applicants", owner=owner,
                business_unit="People", lifecycle_stage="operate", org_roles=["deployer"],
                technique="GBM", technique_family="classical_ml", automation_level="partial",
                oversight_mode="in_the_loop")
    data.update(kw)
    return AISystem(**data)


def test_save_appends_versions_with_metadata(store):
    with acting("chloe"):
        v1 = store.save(_person(), reason="hired")
    assert (v1.version, v1.author, v1.reason) == (1, "chloe", "hired")
    assert v1.content_hash == content_hash(_person().content())
    v2 = store.save(_person(name="Alice Moreau"), base_version=1, reason="full name")
    assert v2.version == 2 and v2.author == "tester"
    history = store.history("person", "alice")
    assert [h.version for h in history] == [1, 2]
    assert [h.record.name for h in history] == ["Alice", "Alice Moreau"]
    assert store.get(Person, "alice").record.name == "Alice Moreau"
    assert store.get("person", "alice", version=1).record.name == "Alice"
    assert store.head() == store.base + 2


def test_identical_save_writes_nothing(store):
    store.save(_person())
    again = store.save(_person(), base_version=1)
    assert again.version == 1
    assert store.head() == store.base + 1


def test_stale_save_conflicts_naming_who_and_keeps_history(store):
    with acting("chloe"):
        store.save(_person())
    with acting("ben"):
        store.save(_person(name="Alice M."), base_version=1, reason="typo")
    with pytest.raises(ConflictError) as err, acting("dana"):
        store.save(_person(name="Alice X"), base_version=1)
    message = str(err.value)
    assert "changed by ben" in message and "version 2" in message and "typo" in message
    assert "Nothing was saved" in message
    assert err.value.changed_by == "ben" and err.value.latest_version == 2
    assert [v.record.name for v in store.history("person", "alice")] == ["Alice", "Alice M."]


def test_a_save_decided_on_an_older_head_conflicts_naming_what_changed(store):
    seen = store.head()
    with acting("chloe"):
        store.save(_person())
    with pytest.raises(ConflictError) as err, acting("dana"):
        store.save(_person("bob"), unchanged_since=seen)
    assert "person alice version 1 by chloe" in str(err.value)
    assert "nothing was saved" in str(err.value)
    assert err.value.changed_by == "chloe" and store.head() == store.base + 1
    assert store.save(_person("bob"), unchanged_since=store.head()).version == 1
    for bad in (-1, "3", True, 1.0):
        with pytest.raises(ValidationError, match="unchanged_since must be"):
            store.save(_person("carl"), unchanged_since=bad)
    assert store.head() == store.base + 2


def test_create_over_existing_conflicts(store):
    store.save(_person())
    with pytest.raises(ConflictError, match="already exists .*base_version=1"):
        store.save(_person(name="Other"))


def test_edit_of_missing_record_is_refused(store):
    with pytest.raises(NotFoundError, match="does not exist"):
        store.save(_person(), base_version=1)
    with pytest.raises(ValidationError, match="positive integer"):
        store.save(_person(), base_version=0)
    assert store.head() == store.base


def test_future_base_version_conflicts(store):
    store.save(_person())
    with pytest.raises(ConflictError, match="no version 5"):
        store.save(_person(name="B"), base_version=5)


def test_reference_to_unknown_record_is_refused_and_nothing_saved(store):
    with pytest.raises(ValidationError) as err:
        store.save(_system(owner="nobody"))
    assert "owner refers to person 'nobody'" in str(err.value)
    assert err.value.errors == [("owner", "unknown person 'nobody'")]
    assert store.head() == store.base


def test_batch_is_atomic(store):
    store.save(_person("alice"))
    with pytest.raises(ValidationError):
        store.save_many([(_person("bob"), None), (_system(owner="ghost"), None)])
    assert not store.exists("person", "bob")
    saved = store.save_many([(_person("bob"), None), (_system(owner="bob"), None)])
    assert [s.version for s in saved] == [1, 1]
    with pytest.raises(ValidationError, match="appears twice"):
        store.save_many([(_person("carl"), None), (_person("carl"), None)])


def test_references_may_point_into_the_same_batch(store):
    store.save_many([(_system(owner="zoe"), None), (_person("zoe"), None)])
    assert store.get("ai_system", "cv-screening").record.owner == "zoe"


def test_invalid_record_mutated_after_build_is_refused(store):
    person = _person()
    person.roles = ["wizard"]  # bypasses validation on assignment
    with pytest.raises(ValidationError, match="roles"):
        store.save(person)
    assert store.head() == store.base


def test_get_unknown_names_it(store):
    with pytest.raises(NotFoundError, match="no AI system 'nope'"):
        store.get("ai_system", "nope")
    store.save(_person())
    with pytest.raises(NotFoundError, match="has no version 3"):
        store.get("person", "alice", version=3)
    with pytest.raises(NotFoundError, match="unknown record kind 'widget'"):
        store.get("widget", "x")


def test_frame_is_the_latest_version_of_each_record(store):
    store.save_many([(_person("alice", roles=["owner"]), None), (_person("bob"), None)])
    with acting("alice"):
        store.save(_system())
    store.save(_system(lifecycle_stage="retire"), base_version=1, reason="switched off")
    df = store.frame("ai_system")
    assert list(df["id"]) == ["cv-screening"]
    row = df.iloc[0]
    assert row["lifecycle_stage"] == "retire" and row["_version"] == 2
    assert row["_reason"] == "switched off" and row["_saved_by"] == "tester"
    assert list(df.columns[: len(AISystem.model_fields)]) == list(AISystem.model_fields)
    assert set(META_COLUMNS) <= set(df.columns)
    assert str(row["_saved_at"].tz) == "UTC"
    people = store.frame("person", meta=False)
    assert sorted(people["id"]) == ["alice", "ben", "bob", "chloe", "dana", "tester"]
    assert "_version" not in people.columns


def test_frame_of_empty_kind_has_columns(store):
    df = store.frame("evidence")
    assert len(df) == 0 and "title" in df.columns and "_version" in df.columns


def test_counts_and_log(store):
    store.save_many([(_person("alice"), None), (_person("bob"), None)])
    store.save(_person("bob", name="Bobby"), base_version=1)
    assert store.count() == 6 and store.count("person") == 6
    assert store.kinds() == {"person": 6}
    log = store.log(limit=3)
    assert list(log["seq"] - store.base) == [3, 2, 1]
    assert log.iloc[0]["record_id"] == "bob" and log.iloc[0]["version"] == 2


def test_verify_passes_on_an_untouched_store(store):
    store.save_many([(_person("alice"), None), (_person("bob"), None)])
    store.save(_person("bob", name="Bob B"), base_version=1)
    report = store.verify()
    assert report.ok, report.summary()
    assert (report.entries - store.base, report.records, report.head_seq - store.base) == (
        3, 6, 3)


def test_verify_names_an_altered_record(store):
    store.save_many([(_person("alice"), None), (_person("bob"), None), (_person("carl"), None)])
    _tamper(store, "UPDATE record_versions SET content = :c WHERE record_id = 'bob'",
            c=_person("bob", roles=["admin"]).model_dump_json())
    report = store.verify()
    assert not report.ok
    first = report.first_problem
    seq = store.base + 2
    assert (first.seq, first.kind, first.record_id, first.version) == (seq, "person", "bob", 1)
    assert "content does not match its hash" in str(first)
    assert report.summary().startswith(f"FAILED at entry #{seq} (person 'bob' version 1)")


def test_verify_names_an_altered_author(store):
    store.save_many([(_person("alice"), None), (_person("bob"), None)])
    seq = store.base + 1
    _tamper(store, "UPDATE record_versions SET author = 'mallory' WHERE seq = :s", s=seq)
    first = store.verify().first_problem
    assert first.seq == seq and "author, time, reason or version was altered" in first.message


def test_verify_detects_a_rehashed_forgery(store):
    """Recomputing the content hash after an edit still breaks the entry hash."""
    store.save_many([(_person("alice"), None), (_person("bob"), None)])
    forged = _person("alice", roles=["admin"]).model_dump(mode="json")
    from workbench.store import canonical_json

    text = canonical_json(forged)
    seq = store.base + 1
    _tamper(store, "UPDATE record_versions SET content = :c, content_hash = :h WHERE seq = :s",
            c=text, h=content_hash(forged), s=seq)
    first = store.verify().first_problem
    assert first.seq == seq and "altered" in first.message


def test_verify_detects_a_deleted_version(store):
    store.save_many([(_person(p), None) for p in ("alice", "bob", "carl")])
    _tamper(store, "DELETE FROM record_versions WHERE seq = :s", s=store.base + 2)
    first = store.verify().first_problem
    assert "missing" in first.message and first.seq == store.base + 3
