from __future__ import annotations

import getpass

import pytest

from workbench import identity
from workbench.errors import ConfigurationError, NotFoundError, PermissionDeniedError
from workbench.model import Person, Role


def test_workbench_user_outside_a_hub(monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "Alice")
    assert identity.current_user() == "alice"


def test_jupyterhub_user_wins_over_workbench_user(store, monkeypatch):
    """On a hub, %env WORKBENCH_USER=chloe does not make anyone chloe."""
    store.save(Person(id="chloe", name="Chloe", roles=["contributor"]))
    monkeypatch.setenv("WORKBENCH_USER", "chloe")
    monkeypatch.setenv("JUPYTERHUB_USER", "bob")
    with pytest.raises(PermissionDeniedError, match="chloe is not marked as one"):
        store.acting_user()
    monkeypatch.setenv("WORKBENCH_USER", "Bob")  # the hub user's own login
    assert identity.current_user() == store.acting_user() == "bob"


def test_a_service_account_is_named_by_the_store_not_the_environment(store, monkeypatch):
    store.save(Person(id="scheduler", name="Scheduler", roles=["contributor"],
                      service_account=True))
    monkeypatch.setenv("JUPYTERHUB_USER", "bob")
    monkeypatch.setenv("WORKBENCH_USER", "scheduler")
    assert identity.current_user(store) == identity.current_user() == "scheduler"


def test_jupyterhub_user_next(monkeypatch):
    monkeypatch.delenv("WORKBENCH_USER")
    monkeypatch.setenv("JUPYTERHUB_USER", "bob")
    assert identity.current_user() == "bob"


def test_os_login_last(monkeypatch):
    monkeypatch.delenv("WORKBENCH_USER")
    monkeypatch.setattr(getpass, "getuser", lambda: "carol")
    assert identity.current_user() == "carol"


def test_unusable_login_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "alice smith")
    with pytest.raises(ConfigurationError, match="WORKBENCH_USER='alice smith'"):
        identity.current_user()


def test_roles_come_from_person_records(store):
    tester = store.get("person", "tester")
    store.save(Person(id="tester", name="T", roles=["admin", "assessor", "approver"]),
               base_version=tester.version)
    store.save(Person(id="gone", name="G", roles=["admin"], active=False))
    assert identity.roles_of(store) == {Role.admin, Role.assessor, Role.approver}
    assert identity.roles_of(store, "gone") == set()
    assert identity.roles_of(store, "stranger") == set()
    assert identity.require_role(store, "approver") == "tester"
    with pytest.raises(PermissionDeniedError, match="tester does not hold the role executive"):
        identity.require_role(store, Role.executive)
    with pytest.raises(NotFoundError, match="'stranger' is not a known person"):
        identity.person(store, "stranger")
