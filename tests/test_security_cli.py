"""The commands of the trust boundary on the personal store: init --admin, admin add-user,
set-roles, deactivate, whoami, anchor; and one vocabulary of sign-off states everywhere."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'team.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    monkeypatch.setenv("WORKBENCH_USER", "chloe")
    return url


def test_init_names_the_first_admin_who_adds_the_others(capsys, url, monkeypatch):
    code, out, _ = run(capsys, "init")
    assert code == 0 and "run `workbench init --admin LOGIN`" in out
    code, _, err = run(capsys, "admin", "add-user", "ravi", "--name", "Ravi",
                       "--role", "contributor")
    assert code == 1 and "chloe is not an active person in this store" in err
    code, out, _ = run(capsys, "init", "--admin", "chloe", "--name", "Chloe Lindqvist")
    assert code == 0 and "chloe is the first admin of this store" in out
    code, _, err = run(capsys, "init", "--admin", "mallory")
    assert code == 1 and "already holds records" in err
    code, out, _ = run(capsys, "admin", "add-user", "ravi", "--name", "Ravi",
                       "--role", "contributor")
    assert code == 0 and "added ravi (contributor)" in out
    code, _, err = run(capsys, "admin", "add-user", "x", "--name", "X", "--role", "wizard")
    assert code == 1 and "unknown role 'wizard'" in err
    monkeypatch.setenv("WORKBENCH_USER", "ravi")
    code, out, _ = run(capsys, "admin", "whoami")
    assert code == 0 and "ravi" in out and "WORKBENCH_USER" in out and "contributor" in out
    code, _, err = run(capsys, "admin", "set-roles", "ravi", "--role", "admin")
    assert code == 1 and "ravi (contributor) may not save person 'ravi'" in err
    monkeypatch.setenv("WORKBENCH_USER", "chloe")
    assert run(capsys, "admin", "set-roles", "ravi", "--role", "assessor")[0] == 0
    assert run(capsys, "admin", "deactivate", "ravi", "--reason", "left")[0] == 0
    monkeypatch.setenv("WORKBENCH_USER", "ravi")
    code, out, _ = run(capsys, "admin", "whoami")
    assert code == 0 and [line.split()[-1] for line in out.splitlines()
                          if line.startswith("active")] == ["no"]
    code, out, _ = run(capsys, "verify")
    assert code == 0 and out.startswith("ok: 4 versions of 2 records")
    code, out, _ = run(capsys, "log", "--json")
    reasons = [row["reason"] for row in json.loads(out)]
    assert reasons[-1].startswith("store initialised with chloe as its first admin")


def test_anchor_commands(capsys, url, tmp_path):
    run(capsys, "init", "--admin", "chloe")
    key = tmp_path / "anchor-key"
    code, out, _ = run(capsys, "anchor", "--new-key", str(key))
    assert code == 0 and key.exists() and (tmp_path / "anchor-key.pub").exists()
    anchors = tmp_path / "anchors.jsonl"
    code, out, _ = run(capsys, "anchor", "--file", str(anchors), "--key", str(key))
    assert code == 0 and "anchored #1" in out and "signed with key" in out
    code, out, _ = run(capsys, "verify", "--anchors", str(anchors), "--public-key",
                       str(key) + ".pub")
    assert code == 0 and "anchors ok: 1 anchor, 1 signed" in out
    code, _, err = run(capsys, "verify", "--public-key", str(key) + ".pub")
    assert code == 1 and "give the anchor file too" in err
    code, _, err = run(capsys, "anchor", "--new-key", str(key))
    assert code == 1 and "exists already" in err


def test_one_vocabulary_of_sign_off_states():
    from workbench.oversight import STATES
    from workbench.oversight.model import SignOffState
    from workbench.portfolio.governance import SIGNOFF_LABELS, signoff_label
    from workbench.risk.signoff import SIGNOFF_STATES
    from workbench.risk.signoff import signoff_label as risk_label

    assert set(SIGNOFF_STATES) == {s.value for s in SignOffState}
    assert set(STATES) == {s.value for s in SignOffState} - {"not_required"}
    for state in SignOffState:
        assert signoff_label(state.value) == risk_label(state.value) == state.label
    assert SIGNOFF_LABELS["none"] == "not requested"
