"""Two processes acting at the same moment: both approvers count, a repeat counts once, a
withdrawal never discards the last approval."""

from __future__ import annotations

from actors import acting, bootstrap_tester
from test_oversight_fixtures import make_org

from wbtest import run_at_once


def _act(url: str, user: str, action: str, barrier, results) -> None:
    """As ``user``, at the barrier's release: ``withdraw`` the request, or decide ``action``."""
    import os

    os.environ["WORKBENCH_USER"] = user
    from workbench import oversight
    from workbench.errors import WorkbenchError
    from workbench.store import open_store

    store = open_store(url, create=False)
    oversight.status(store, "ai_system", "card-fraud")  # warm up imports before the barrier
    barrier.wait()
    try:
        if action == "withdraw":
            done = oversight.withdraw(store, "ai_system", "card-fraud", reason="not ready")
        else:
            done = oversight.decide(store, "ai_system", "card-fraud", action)
        results.put((user, "ok", done.id))
    except WorkbenchError as exc:
        results.put((user, type(exc).__name__, str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        results.put((user, "error", repr(exc)))
    finally:
        store.close()


def _requested(url: str) -> None:
    from workbench import oversight
    from workbench.store import open_store

    with open_store(url) as store:
        bootstrap_tester(store)
        make_org(store)
        with acting("ben"):
            oversight.request(store, "ai_system", "card-fraud")


def test_two_approvers_at_the_same_moment_both_count(store_url):
    from workbench import oversight
    from workbench.store import open_store

    _requested(store_url)
    outcomes = run_at_once(_act, [(store_url, "sven", "approve"), (store_url, "chloe", "approve")])
    assert sorted(o[:2] for o in outcomes) == [("chloe", "ok"), ("sven", "ok")], outcomes
    with open_store(store_url) as store:
        st = oversight.status(store, "ai_system", "card-fraud")
        assert st.state == "approved" and sorted(st.approved_by) == ["chloe", "sven"]
        assert store.count("signoff") == 2
        assert store.get("signoff_request", "ai_system.card-fraud.v2.r1").version == 1
        assert store.verify().ok


def test_the_same_approver_twice_at_the_same_moment_counts_once(store_url):
    from workbench.store import open_store

    _requested(store_url)
    outcomes = run_at_once(_act, [(store_url, "chloe", "approve"), (store_url, "chloe", "approve")])
    assert [o[1] for o in outcomes] == ["ok", "ok"], outcomes
    assert outcomes[0][2] == outcomes[1][2]
    with open_store(store_url) as store:
        assert store.count("signoff") == 1
        assert [v.version for v in store.history("signoff", outcomes[0][2])] == [1]
        assert store.verify().ok


def test_a_withdrawal_and_the_last_approval_at_the_same_moment_never_both_count(store_url):
    """Whichever lands first wins; the other is refused; an approval is never discarded."""
    from workbench import oversight
    from workbench.store import open_store

    _requested(store_url)
    with open_store(store_url) as store, acting("sven"):
        oversight.decide(store, "ai_system", "card-fraud", "approve")
    outcomes = {o[0]: o[1:] for o in run_at_once(
        _act, [(store_url, "ben", "withdraw"), (store_url, "chloe", "approve")])}
    assert {outcomes["ben"][0], outcomes["chloe"][0]} in ({"ok", "ValidationError"},
                                                         {"ok", "ConflictError"}), outcomes
    with open_store(store_url) as store:
        st = oversight.status(store, "ai_system", "card-fraud")
        request = store.get("signoff_request", "ai_system.card-fraud.v2.r1").record
        if outcomes["chloe"][0] == "ok":  # the approval landed first: it stands
            assert "approved and closed" in outcomes["ben"][1]
            assert st.state == "approved" and sorted(st.approved_by) == ["chloe", "sven"]
            assert request.status.value == "open"
        else:  # the withdrawal landed first: chloe was told, and wrote nothing
            assert "withdrawn" in outcomes["chloe"][1]
            assert st.state == "none" and request.status.value == "withdrawn"
            assert store.count("signoff") == 1
        assert store.verify().ok
