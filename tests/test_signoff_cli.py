"""``workbench signoff ...``: the same rules as the library, one-line refusals, exit 1."""

from __future__ import annotations

import json

import pytest
from test_oversight_fixtures import edit, make_org

from workbench.cli import main
from workbench.store import open_store


@pytest.fixture
def url(store):
    make_org(store)
    return store.url


def run(capsys, monkeypatch, url, user, *argv):
    monkeypatch.setenv("WORKBENCH_USER", user)
    code = main(["--database-url", url, "signoff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, monkeypatch, url, user, *argv) -> str:
    with open_store(url) as s:
        head = s.head()
    code, out, err = run(capsys, monkeypatch, url, user, *argv)
    assert code == 1, out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    with open_store(url) as s:
        assert s.head() == head  # nothing written
    return lines[0]


def test_request_approve_status_pending(url, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, url, "ben", "request", "ai_system", "card-fraud",
                       "--note", "go-live")
    assert code == 0 and "version 2" in out and "requested by ben" in out
    assert "awaiting system owner sven, AI governance lead" in out
    code, out, _ = run(capsys, monkeypatch, url, "alice", "request", "ai_system", "card-fraud")
    assert code == 0 and "was already requested by ben" in out
    code, out, _ = run(capsys, monkeypatch, url, "sven", "pending")
    assert code == 0 and "card-fraud" in out and "system owner" in out
    code, out, _ = run(capsys, monkeypatch, url, "hiro", "pending")
    assert "nothing awaits hiro's sign-off" in out
    code, out, _ = run(capsys, monkeypatch, url, "hiro", "pending", "--user", "chloe", "--json")
    assert [r["record_id"] for r in json.loads(out)] == ["card-fraud"]
    code, out, _ = run(capsys, monkeypatch, url, "chloe", "approve", "ai_system", "card-fraud",
                       "--condition", "Monthly monitoring", "--version", "2")
    assert code == 0 and "chloe recorded 'approve with conditions'" in out
    assert "status: pending: version 2 awaits system owner sven" in out
    code, out, _ = run(capsys, monkeypatch, url, "sven", "approve", "ai_system", "card-fraud")
    assert code == 0 and "status: approved: version 2 by sven, chloe" in out
    # the same decision again records nothing, and says so
    code, out, _ = run(capsys, monkeypatch, url, "sven", "approve", "ai_system", "card-fraud")
    assert code == 0 and out.startswith("sven already recorded 'approve' on ai_system "
                                        "'card-fraud' version 2 as system_owner on "), out
    assert "nothing new was recorded" in out
    # an unknown login or kind is an error, not an empty answer
    code, out, err = run(capsys, monkeypatch, url, "hiro", "pending", "--user", "nosuch")
    assert (code, out) == (1, "") and err.startswith("error: no person 'nosuch'"), err
    code, out, err = run(capsys, monkeypatch, url, "hiro", "status", "risks")
    assert (code, out) == (1, "") and err.startswith("error: unknown record kind 'risks'"), err
    code, out, _ = run(capsys, monkeypatch, url, "hiro", "status", "ai_system", "card-fraud")
    assert code == 0 and "approved" in out and "Monthly monitoring" in out
    code, out, _ = run(capsys, monkeypatch, url, "hiro", "status", "--json")
    assert code == 0 and json.loads(out)[0]["state"] == "approved"


def test_refusals_are_one_line_and_write_nothing(url, capsys, monkeypatch):
    assert "no AI system 'nope'" in refused(capsys, monkeypatch, url, "ben", "request",
                                            "ai_system", "nope")
    assert "has no version 9" in refused(capsys, monkeypatch, url, "ben", "request",
                                         "ai_system", "card-fraud", "--version", "9")
    assert "elena does not hold a role that may request sign-off" in refused(
        capsys, monkeypatch, url, "elena", "request", "ai_system", "card-fraud")
    assert "no sign-off of AI system 'card-fraud' version 2 was requested" in refused(
        capsys, monkeypatch, url, "chloe", "approve", "ai_system", "card-fraud")
    run(capsys, monkeypatch, url, "ben", "request", "ai_system", "card-fraud")
    assert refused(capsys, monkeypatch, url, "ben", "approve", "ai_system", "card-fraud") == (
        "error: ben authored version 2 and cannot approve it; system owner sven, AI governance "
        "lead must decide (segregation of duties)")
    assert "alice does not hold the role governance_lead" in refused(
        capsys, monkeypatch, url, "alice", "approve", "ai_system", "card-fraud", "--role",
        "governance_lead")
    assert "needs a comment" in refused(capsys, monkeypatch, url, "chloe", "reject",
                                        "ai_system", "card-fraud", "--comment", " ")
    assert "needs a comment" in refused(capsys, monkeypatch, url, "chloe", "request-changes",
                                        "ai_system", "card-fraud", "--comment", "")
    assert "not its current version" in refused(capsys, monkeypatch, url, "chloe", "approve",
                                                "ai_system", "card-fraud", "--version", "1")
    assert "cannot withdraw the request of ben" in refused(
        capsys, monkeypatch, url, "alice", "withdraw", "ai_system", "card-fraud")
    code, out, _ = run(capsys, monkeypatch, url, "ben", "withdraw", "ai_system", "card-fraud",
                       "--reason", "not ready")
    assert code == 0 and "withdrew" in out
    assert "was withdrawn by ben" in refused(capsys, monkeypatch, url, "chloe", "approve",
                                             "ai_system", "card-fraud")


def test_reject_then_stale_listing(url, capsys, monkeypatch):
    run(capsys, monkeypatch, url, "ben", "request", "ai_system", "card-fraud")
    code, out, _ = run(capsys, monkeypatch, url, "chloe", "reject", "ai_system", "card-fraud",
                       "--comment", "Attach the red-team report.")
    assert code == 0 and "rejected: version 2 by chloe: Attach the red-team report." in out
    assert "was rejected by chloe" in refused(capsys, monkeypatch, url, "sven", "approve",
                                              "ai_system", "card-fraud")
    with open_store(url) as s:
        edit(s, "ai_system", "card-fraud", "alice", description="Report attached.")
    run(capsys, monkeypatch, url, "alice", "request", "ai_system", "card-fraud")
    run(capsys, monkeypatch, url, "chloe", "approve", "ai_system", "card-fraud")
    run(capsys, monkeypatch, url, "sven", "approve", "ai_system", "card-fraud")
    with open_store(url) as s:
        edit(s, "ai_system", "card-fraud", "ravi", purpose="Changed after approval.")
    code, out, _ = run(capsys, monkeypatch, url, "hiro", "status", "--stale")
    assert code == 0 and "card-fraud" in out and "purpose" in out
    code, out, _ = run(capsys, monkeypatch, url, "hiro", "status", "ai_system", "card-fraud")
    flat = " ".join(out.split())
    assert "stale" in out and ("purpose: Detect fraudulent card transactions in real time. -> "
                               "Changed after approval.") in flat


def test_policy_listing(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert main(["signoff", "policy"]) == 0
    out = capsys.readouterr().out
    assert "impact-assessment-high-risk" in out and "system owner + AI governance lead" in out
    assert main(["signoff", "policy", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rules"][0]["kind"] == "impact_assessment"


def test_the_cli_module_stays_light():
    import subprocess
    import sys

    code = ("import sys, workbench.cli._signoff; "
            "print([m for m in ('pandas', 'sqlalchemy', 'papermill') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
