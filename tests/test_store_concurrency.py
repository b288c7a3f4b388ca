"""Two processes saving at the same moment: exactly one wins, nothing is lost, the chain holds."""

from __future__ import annotations

from actors import bootstrap_tester

from workbench.model import Person

from wbtest import run_at_once


def _save_from_base(url: str, name: str, barrier, results) -> None:
    import os

    from workbench.errors import ConflictError
    from workbench.store import open_store

    os.environ["WORKBENCH_USER"] = name.lower()  # ben and dana are admins (people's editors)
    store = open_store(url, create=False)
    record = Person(id="alice", name=f"Alice ({name})")
    barrier.wait()
    try:
        store.save(record, base_version=1, reason=f"edit by {name}")
        results.put((name, "saved", ""))
    except ConflictError as exc:
        results.put((name, "conflict", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        results.put((name, "error", repr(exc)))


def _append_many(url: str, prefix: str, count: int, barrier, results) -> None:
    import os

    from workbench.store import open_store

    os.environ["WORKBENCH_USER"] = prefix  # an admin adding people
    store = open_store(url, create=False)
    barrier.wait()
    for i in range(count):
        store.save(Person(id=f"{prefix}-{i}", name=f"{prefix} {i}"))
    results.put(prefix)


def test_two_processes_saving_the_same_base_version(store_url):
    from workbench.store import open_store

    with open_store(store_url) as store:
        bootstrap_tester(store)
        store.save_many([(Person(id="alice", name="Alice"), None),
                         (Person(id="ben", name="Ben", roles=["admin"]), None),
                         (Person(id="dana", name="Dana", roles=["admin"]), None)])
    outcomes = run_at_once(_save_from_base, [(store_url, "Ben"), (store_url, "Dana")])
    kinds = sorted(o[1] for o in outcomes)
    assert kinds == ["conflict", "saved"], outcomes
    winner = next(o[0] for o in outcomes if o[1] == "saved")
    loser_message = next(o[2] for o in outcomes if o[1] == "conflict")
    assert f"changed by {winner.lower()}" in loser_message
    with open_store(store_url) as store:
        history = store.history("person", "alice")
        assert [v.version for v in history] == [1, 2]
        assert history[-1].record.name == f"Alice ({winner})"
        assert store.verify().ok


def test_concurrent_appends_keep_one_unbroken_chain(store_url):
    from workbench.store import open_store

    with open_store(store_url) as store:
        bootstrap_tester(store)
        store.save_many([(Person(id=p, name=p, roles=["admin"]), None) for p in ("p", "q")])
        before = store.head()
    run_at_once(_append_many, [(store_url, "p", 25), (store_url, "q", 25)])
    with open_store(store_url) as store:
        assert store.count("person") == 53
        report = store.verify()
        assert report.ok, report.summary()
        assert report.entries == before + 50
