from __future__ import annotations

import getpass

import pytest

from workbench import identity
from workbench.errors import ConfigurationError, NotFoundError, PermissionDeniedError
from workbench.model import Person, Role


def test_workbench_user_wins(monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "Alice")
    monkeypatch.setenv("JUPYTERHUB_USER", "bob")
    assert identity.current_user() == "alice"


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
    store.save(Person(id="tester", name="T", roles=["assessor", "approver"]))
    store.save(Person(id="gone", name="G", roles=["admin"], active=False))
    assert identity.roles_of(store) == {Role.assessor, Role.approver}
    assert identity.roles_of(store, "gone") == set()
    assert identity.roles_of(store, "stranger") == set()
    assert identity.require_role(store, "approver") == "tester"
    with pytest.raises(PermissionDeniedError, match="tester does not hold the role admin"):
        identity.require_role(store, Role.admin)
    with pytest.raises(NotFoundError, match="'stranger' is not a known person"):
        identity.person(store, "stranger")
