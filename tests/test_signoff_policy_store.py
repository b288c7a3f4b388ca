"""The sign-off policy kept in the store: only admins change it, once stored it is the policy
in force whatever file a user names, and each sign-off is judged by the version in force when
its request was made."""

from __future__ import annotations

import pytest
from actors import acting
from test_oversight_fixtures import make_org

from workbench import oversight
from workbench.cli import main
from workbench.errors import ConfigurationError, PermissionDeniedError
from workbench.oversight.policy import POLICY_FILE, load_policy, policy_source, save_policy

#: The default policy with the AI system rule relaxed to the governance lead alone.
LAX = POLICY_FILE.read_text(encoding="utf-8").replace(
    "requires: [system_owner, governance_lead]", "requires: [governance_lead]")


@pytest.fixture
def org(store):
    make_org(store)
    return store


@pytest.fixture
def lax_file(tmp_path):
    assert LAX != POLICY_FILE.read_text(encoding="utf-8"), "the default policy changed"
    path = tmp_path / "lax.yaml"
    path.write_text(LAX, encoding="utf-8")
    return path


def _signers(req) -> list[str]:
    return [slot.signer for slot in req.required]


def test_only_an_admin_keeps_a_policy_in_the_store(org, lax_file):
    head = org.head()
    with acting("ravi"), pytest.raises(PermissionDeniedError, match="admin") as caught:
        save_policy(org, lax_file)
    assert "\n" not in str(caught.value)
    assert org.head() == head
    with acting("chloe"):
        saved = save_policy(org, lax_file, note="one signer for AI systems")
    assert (saved.version, saved.author) == (1, "chloe")
    assert policy_source(org) == "the store's sign-off policy, version 1"
    assert [r.requires for r in load_policy(store=org).rules_for("ai_system")][0] == [
        "governance_lead"]


def test_an_invalid_policy_file_writes_nothing(org, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(LAX.replace("requires: [governance_lead]", "requires: [nobody]"),
                   encoding="utf-8")
    head = org.head()
    with acting("chloe"), pytest.raises(ConfigurationError, match="unknown signer") as caught:
        save_policy(org, bad)
    assert "\n" not in str(caught.value)
    assert org.head() == head


def test_the_stored_policy_wins_over_a_file_a_user_names(org, lax_file, monkeypatch):
    with acting("chloe"):
        save_policy(org, POLICY_FILE, note="the default, kept in the store")
    monkeypatch.setenv("WORKBENCH_SIGNOFF_POLICY", str(lax_file))  # a laxer policy of one's own
    with acting("ben"):
        req = oversight.request(org, "ai_system", "card-fraud")
    assert _signers(req) == ["system_owner", "governance_lead"]


def test_each_signoff_is_judged_by_the_policy_in_force_when_requested(org, lax_file):
    with acting("chloe"):
        save_policy(org, lax_file, note="one signer for AI systems")
    with acting("ben"):
        req = oversight.request(org, "ai_system", "card-fraud")
    assert _signers(req) == ["governance_lead"]
    with acting("gina"):
        oversight.decide(org, "ai_system", "card-fraud", "approve")
    with acting("chloe"):  # tightened later: the earlier approval stands as it was given
        save_policy(org, POLICY_FILE, note="back to two signers")
    state = oversight.status(org, "ai_system", "card-fraud")
    assert state.state == "approved", state.note
    assert oversight.invalid_signoffs(org).empty
    assert org.verify().ok


def test_a_request_leaving_out_a_signer_the_stored_policy_asks_for_is_refused(
        org, lax_file):
    from workbench.errors import ValidationError

    with acting("chloe"):
        save_policy(org, POLICY_FILE)
    head = org.head()
    with acting("ben"), pytest.raises(ValidationError) as caught:  # a laxer policy by hand
        oversight.request(org, "ai_system", "card-fraud", policy=load_policy(lax_file))
    assert str(caught.value) == (
        "sign-off of AI system 'card-fraud' cannot be requested with those signers: rule "
        "ai-system-go-live asks for a system_owner sign-off, which the request leaves out, "
        "under the policy in force (the store's sign-off policy, version 1); leave the policy "
        "to the store. Nothing was saved")
    assert org.head() == head and org.verify().ok
    assert oversight.status(org, "ai_system", "card-fraud").state != "approved"


def test_cli_shows_and_sets_the_policy(org, lax_file, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", org.url)
    monkeypatch.setenv("WORKBENCH_USER", "ravi")
    head = org.head()
    assert main(["signoff", "policy", "--set", str(lax_file)]) == 1
    assert "admin" in capsys.readouterr().err and org.head() == head
    monkeypatch.setenv("WORKBENCH_USER", "chloe")
    assert main(["signoff", "policy", "--set", str(lax_file), "--note", "one signer"]) == 0
    assert "version 1" in capsys.readouterr().out
    assert main(["signoff", "policy"]) == 0
    assert "in force: the store's sign-off policy, version 1" in capsys.readouterr().out


def test_without_a_stored_policy_the_file_applies(org, lax_file, monkeypatch):
    assert policy_source(org) == "the workbench's default policy"
    monkeypatch.setenv("WORKBENCH_SIGNOFF_POLICY", str(lax_file))
    assert policy_source(org).startswith("the file ")
