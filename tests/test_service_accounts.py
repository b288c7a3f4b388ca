"""Service accounts under JupyterHub: which logins ``WORKBENCH_USER`` may name there is a flag on
the person record, which only admins write, never the hub user's own environment."""

from __future__ import annotations

import pytest
from actors import acting

from workbench import identity
from workbench.cli import main
from workbench.errors import PermissionDeniedError
from workbench.interop._cells import columns_for
from workbench.model import Evidence, Person


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def people(store):
    """chloe (admin), two contributors (ravi, nina) and the scheduler, a service account."""
    store.save_many([(Person(id="chloe", name="Chloe", roles=["admin", "governance_lead"]), None),
                     (Person(id="ravi", name="Ravi", roles=["contributor"]), None),
                     (Person(id="nina", name="Nina", business_unit="Another team",
                             roles=["contributor"]), None),
                     (Person(id="scheduler", name="Report scheduler", roles=["contributor"],
                             service_account=True), None)])
    return store


def _report(eid: str, by: str) -> Evidence:
    return Evidence(id=eid, title="Monthly report", evidence_kind="report",
                    uri="https://example.org/report", collected_by=by,
                    collected_at="2026-01-05T10:00:00Z")


def _hub(monkeypatch, hub_user: str, workbench_user: str | None = None) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", hub_user)
    if workbench_user is None:
        monkeypatch.delenv("WORKBENCH_USER", raising=False)
    else:
        monkeypatch.setenv("WORKBENCH_USER", workbench_user)


def test_the_flag_defaults_to_false_for_people_saved_before_it_existed():
    old = Person.model_validate({"id": "ravi", "name": "Ravi", "roles": ["contributor"]})
    assert old.service_account is False
    assert "service_account" in [c.name for c in columns_for(Person)]  # an Excel column too


def test_a_hub_user_cannot_act_as_another_contributor_by_setting_both_variables(
        people, monkeypatch):
    _hub(monkeypatch, "ravi", "nina")
    monkeypatch.setenv("WORKBENCH_SERVICE_ACCOUNTS", "nina")  # the old list: no longer a key
    head = people.head()
    with pytest.raises(PermissionDeniedError) as caught:
        people.acting_user()
    assert str(caught.value) == (
        "WORKBENCH_USER=nina cannot be used under JupyterHub: it may name only a service "
        "account, and nina is not marked as one; unset WORKBENCH_USER to act as yourself, or "
        "ask an admin to mark nina as a service account: workbench admin set-service-account "
        "nina")
    with pytest.raises(PermissionDeniedError, match="nina is not marked as one"):
        people.save(_report("report-1", "nina"))
    assert people.head() == head
    assert people.verify().ok


def test_a_hub_user_can_run_as_a_service_account_an_admin_flagged(people, monkeypatch):
    _hub(monkeypatch, "ravi", "Scheduler")
    assert people.acting_user() == identity.current_user(people) == "scheduler"
    saved = people.save(_report("report-1", "scheduler"))
    assert saved.author == "scheduler"
    assert identity.environment_source() == "WORKBENCH_USER (a service account of this store)"
    _hub(monkeypatch, "ravi")  # without the override the hub user acts as themselves
    assert people.acting_user() == "ravi"
    assert identity.environment_source() == "JUPYTERHUB_USER"


def test_a_flagged_account_holding_a_privileged_role_is_still_refused(people, monkeypatch):
    for login, roles in (("robot", ["admin"]), ("signer-bot", ["contributor", "approver"])):
        people.save(Person(id=login, name=login, roles=roles, service_account=True))
    _hub(monkeypatch, "ravi", "robot")
    with pytest.raises(PermissionDeniedError) as caught:
        people.acting_user()
    assert str(caught.value) == (
        "WORKBENCH_USER=robot cannot be used under JupyterHub: a service account may hold none "
        "of the roles admin, governance_lead, approver, executive, and robot holds admin; unset "
        "WORKBENCH_USER to act as yourself, or ask an admin to remove those roles (workbench "
        "admin set-roles robot)")
    monkeypatch.setenv("WORKBENCH_USER", "signer-bot")
    with pytest.raises(PermissionDeniedError, match="signer-bot holds approver;"):
        people.acting_user()
    # and an unflagged admin is named as not a service account, without advice to flag it
    monkeypatch.setenv("WORKBENCH_USER", "chloe")
    with pytest.raises(PermissionDeniedError) as caught:
        people.acting_user()
    assert "not marked as one" in str(caught.value) and "ask an admin" not in str(caught.value)


def test_an_inactive_service_account_is_refused(people, monkeypatch):
    current = people.get("person", "scheduler")
    people.save(current.record.model_copy(update={"active": False}),
                base_version=current.version)
    _hub(monkeypatch, "ravi", "scheduler")
    with pytest.raises(PermissionDeniedError, match="scheduler is not an active person"):
        people.acting_user()


def test_a_non_admin_cannot_set_the_flag_on_any_person_record(people, monkeypatch):
    head = people.head()
    for login in ("ravi", "nina"):  # their own record, and another's
        current = people.get("person", login)
        flagged = current.record.model_copy(update={"service_account": True})
        with acting("ravi"), pytest.raises(PermissionDeniedError,
                                           match="^ravi \\(contributor\\) may not save person"):
            people.save(flagged, base_version=current.version)
    # nor by running as the hub user who is a contributor
    _hub(monkeypatch, "ravi")
    current = people.get("person", "ravi")
    with pytest.raises(PermissionDeniedError, match="may not save person 'ravi'"):
        people.save(current.record.model_copy(update={"service_account": True}),
                    base_version=current.version)
    assert people.head() == head
    assert not people.get("person", "ravi").record.service_account
    assert not people.get("person", "nina").record.service_account


def test_outside_a_hub_workbench_user_works_as_before(people, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("WORKBENCH_SERVICE_ACCOUNTS", raising=False)
    for login in ("nina", "chloe", "scheduler"):
        monkeypatch.setenv("WORKBENCH_USER", login)
        assert people.acting_user() == identity.current_user() == login
        assert identity.environment_source() == "WORKBENCH_USER"
    monkeypatch.setenv("JUPYTERHUB_USER", "  ")  # blank: no hub
    monkeypatch.setenv("WORKBENCH_USER", "nina")
    assert people.acting_user() == "nina"


# -- the admin commands ----------------------------------------------------------------------------
@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    """A personal (SQLite) store whose admin is ``tester``: on PostgreSQL add-user also creates
    database logins, which tests/test_team_store.py covers."""
    from actors import bootstrap_tester

    from workbench.store import open_store

    url = f"sqlite:///{tmp_path / 'people.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    with open_store(url) as store:
        bootstrap_tester(store)
        yield store


def test_admins_flag_service_accounts_from_the_command_line(cli_store, capsys, monkeypatch):
    code, out, err = _run(capsys, "admin", "add-user", "scheduler", "--name", "Scheduler",
                          "--role", "contributor", "--service-account")
    assert code == 0, err
    assert "added scheduler as a service account (contributor)" in out
    assert cli_store.get("person", "scheduler").record.service_account
    code, out, err = _run(capsys, "admin", "add-user", "nina", "--name", "Nina",
                          "--role", "contributor")
    assert code == 0 and not cli_store.get("person", "nina").record.service_account

    _hub(monkeypatch, "nina", "scheduler")
    code, out, err = _run(capsys, "admin", "whoami")
    assert code == 0, err
    assert "WORKBENCH_USER (a service account of this store)" in out
    assert [line.split()[-1] for line in out.splitlines()
            if line.startswith("service account")] == ["yes"]
    code, out, err = _run(capsys, "admin", "set-service-account", "nina")  # not an admin
    assert code == 1 and "scheduler (contributor) may not save person 'nina'" in err

    _hub(monkeypatch, "tester")
    code, out, err = _run(capsys, "admin", "set-service-account", "nina")
    assert code == 0 and "nina is marked as a service account" in out
    code, out, err = _run(capsys, "admin", "set-service-account", "nina")
    assert code == 0 and "nina is already a service account; nothing was saved" in out
    code, out, err = _run(capsys, "admin", "set-service-account", "scheduler", "--off",
                          "--reason", "runs outside the hub now")
    assert code == 0 and "scheduler is no longer a service account" in out
    _hub(monkeypatch, "nina", "scheduler")
    code, out, err = _run(capsys, "admin", "whoami")
    assert code == 1 and "scheduler is not marked as one" in err
    assert cli_store.verify().ok


def test_a_service_account_may_not_be_given_a_privileged_role(cli_store, capsys):
    head = cli_store.head()
    code, out, err = _run(capsys, "admin", "add-user", "robot", "--name", "Robot",
                          "--role", "contributor", "--role", "approver", "--service-account")
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        "error: robot cannot be a service account while holding approver: a service account "
        "may hold none of the roles admin, governance_lead, approver, executive; give it only "
        "the roles it needs (e.g. contributor). Nothing was saved"]
    assert cli_store.head() == head
    assert _run(capsys, "admin", "add-user", "robot", "--name", "Robot",
                "--role", "contributor", "--service-account")[0] == 0
    code, _, err = _run(capsys, "admin", "set-roles", "robot", "--role", "admin")
    assert code == 1 and "robot cannot be a service account while holding admin" in err
    assert _run(capsys, "admin", "add-user", "boss", "--name", "Boss",
                "--role", "executive")[0] == 0
    code, _, err = _run(capsys, "admin", "set-service-account", "boss")
    assert code == 1 and "boss cannot be a service account while holding executive" in err
    assert not cli_store.get("person", "boss").record.service_account
