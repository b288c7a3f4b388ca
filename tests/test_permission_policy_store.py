"""The permission policy kept in the store: no environment variable chooses it, only admins
change it, once stored every save is checked against it, and it can never open people or the
policy itself to anyone but admins."""

from __future__ import annotations

import pytest
import yaml
from actors import acting
from test_oversight_fixtures import make_org

from workbench.cli import main
from workbench.errors import ConfigurationError, PermissionDeniedError, ValidationError
from workbench.permissions import (
    PERMISSIONS_FILE,
    load_permissions,
    permissions_source,
    save_permissions,
)

DEFAULT = yaml.safe_load(PERMISSIONS_FILE.read_text(encoding="utf-8"))


def _policy_file(tmp_path, name: str, change) -> str:
    data = yaml.safe_load(PERMISSIONS_FILE.read_text(encoding="utf-8"))
    change(data["kinds"])
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def _open_ai_systems(kinds) -> None:
    """A lax policy: an auditor edits any AI system."""
    kinds["ai_system"]["grants"].append({"roles": ["auditor"]})


def _close_ai_systems(kinds) -> None:
    """A strict policy: only the governance lead edits AI systems."""
    kinds["ai_system"]["grants"] = [{"roles": ["governance_lead"]}]


@pytest.fixture
def org(store):
    make_org(store)
    return store


def _rename(store, system_id: str, name: str):
    current = store.find("ai_system", system_id)
    return store.save(current.record.model_copy(update={"name": name}),
                      base_version=current.version)


def test_an_environment_variable_no_longer_chooses_the_policy(org, tmp_path, monkeypatch):
    # hiro is an auditor: the default policy lets him edit no AI system
    lax = _policy_file(tmp_path, "lax.yaml", _open_ai_systems)
    monkeypatch.setenv("WORKBENCH_PERMISSIONS", lax)  # his own laxer policy
    head = org.head()
    with acting("hiro"), pytest.raises(PermissionDeniedError, match="card-fraud") as caught:
        _rename(org, "card-fraud", "Card fraud (renamed by hiro)")
    assert "\n" not in str(caught.value)
    assert org.head() == head
    assert load_permissions().kinds["ai_system"].grants[-1].scope == "own"


def test_only_an_admin_keeps_a_policy_in_the_store(org, tmp_path):
    lax = _policy_file(tmp_path, "lax.yaml", _open_ai_systems)
    head = org.head()
    with acting("ravi"), pytest.raises(PermissionDeniedError, match="admin") as caught:
        save_permissions(org, lax)
    assert "\n" not in str(caught.value)
    with acting("gina"), pytest.raises(PermissionDeniedError, match="admin"):
        save_permissions(org, lax)  # the governance lead is not an admin
    assert org.head() == head
    assert permissions_source(org).startswith("the workbench's default policy")
    with acting("chloe"):
        saved = save_permissions(org, lax, note="auditors keep every system")
    assert (saved.kind, saved.version, saved.author) == ("permission_policy", 1, "chloe")
    assert permissions_source(org).startswith("the store's permission policy, version 1")
    with acting("chloe"):  # the same policy again writes nothing
        assert save_permissions(org, lax).version == 1
    assert org.head() == head + 1


def test_every_save_is_checked_against_the_stored_policy(org, tmp_path):
    with acting("sven"):  # the owner of card-fraud may edit it under the default policy
        _rename(org, "card-fraud", "Card fraud detection")
    strict = _policy_file(tmp_path, "strict.yaml", _close_ai_systems)
    with acting("chloe"):
        save_permissions(org, strict, note="only the governance lead edits the inventory")
    head = org.head()
    with acting("sven"), pytest.raises(PermissionDeniedError, match="governance_lead"):
        _rename(org, "card-fraud", "Card fraud detection v2")
    assert org.head() == head
    current = org.get("ai_system", "card-fraud")
    with acting("sven"):  # the dry run (an import's) agrees
        assert org.refusals([(current.record.model_copy(update={"name": "x"}), current.version)])
    with acting("gina"):
        assert _rename(org, "card-fraud", "Card fraud detection v2").version == 4


def test_a_policy_opening_people_or_itself_is_refused_and_writes_nothing(org, tmp_path):
    head = org.head()
    for kind in ("person", "permission_policy"):
        def opened(kinds, kind=kind):
            kinds[kind]["grants"].append({"roles": ["governance_lead"]})

        path = _policy_file(tmp_path, f"open-{kind}.yaml", opened)
        with acting("chloe"), pytest.raises(ValidationError, match=kind) as caught:
            save_permissions(org, path)
        assert "\n" not in str(caught.value)

    def no_workflow(kinds):
        kinds["signoff"] = {"grants": [{"roles": ["approver"]}]}

    path = _policy_file(tmp_path, "direct-signoffs.yaml", no_workflow)
    with acting("chloe"), pytest.raises(ValidationError, match="signoff: it stays"):
        save_permissions(org, path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nkinds:\n  risk:\n    grants: []\n", encoding="utf-8")
    with acting("chloe"), pytest.raises(ConfigurationError, match="invalid"):
        save_permissions(org, bad)
    assert org.head() == head


def test_the_cli_shows_and_sets_the_policy(org, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", org.url)
    assert main(["admin", "permissions"]) == 0
    out = capsys.readouterr().out
    assert "in force: the workbench's default policy" in out
    assert "permission_policy" in out and "signoff" in out
    strict = _policy_file(tmp_path, "strict.yaml", _close_ai_systems)
    with acting("ravi"):
        assert main(["admin", "permissions", "--set", strict]) != 0
    err = capsys.readouterr().err
    assert "admin" in err and "Traceback" not in err
    with acting("chloe"):
        assert main(["admin", "permissions", "--set", strict, "--note", "stricter"]) == 0
    assert "is now the store's policy (version 1, saved by chloe)" in capsys.readouterr().out
    assert main(["admin", "permissions", "--json"]) == 0
    import json

    shown = json.loads(capsys.readouterr().out)
    assert shown["kinds"]["ai_system"]["grants"] == [{"roles": ["governance_lead"]}]

