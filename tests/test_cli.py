"""The `workbench` command: store commands, inventory, and one-line errors for bad input."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from workbench.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    return url


def test_init_demo_verify_list(capsys, url, tmp_path):
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "demo", "--as-of", "2026-11-26")
    assert code == 0 and "AI systems" in out and "Larkspur" in out
    code, out, _ = run(capsys, "demo")
    assert code == 0 and "already in this store" in out
    code, out, _ = run(capsys, "verify")
    assert code == 0 and out.startswith("ok: ")
    code, out, _ = run(capsys, "systems", "list")
    assert code == 0 and "TalentMatch CV screening" in out and "Farid Haddad" in out
    assert "go-live" in out.splitlines()[0]  # the go-live sign-off column
    code, out, _ = run(capsys, "systems", "show", "credit-scoring")
    assert code == 0 and "ClearCredit" in out and "A.6.2.4" in out
    code, out, _ = run(capsys, "systems", "list", "--json")
    assert len(json.loads(out)) == 7
    code, out, _ = run(capsys, "list", "person")
    assert code == 0 and "Chloe Lindqvist" in out
    code, out, _ = run(capsys, "show", "person", "alice", "--history")
    assert code == 0 and "demo organization and people" in out
    code, out, _ = run(capsys, "log", "-n", "5")
    assert code == 0 and len(out.strip().splitlines()) == 7


def test_verify_fails_after_tamper_naming_the_entry(capsys, url, tmp_path):
    run(capsys, "demo")
    with sqlite3.connect(tmp_path / "cli.db") as db:
        seq = db.execute("SELECT seq FROM record_versions WHERE record_id = 'cv-screening'"
                         ).fetchone()[0]
        db.execute("UPDATE record_versions SET content = replace(content, 'partial', 'full') "
                   "WHERE seq = ?", (seq,))
    code, out, _ = run(capsys, "verify")
    assert code == 1
    assert out.startswith(f"FAILED at entry #{seq} (ai_system 'cv-screening' version 1)")


def test_verify_expect_head(capsys, url):
    run(capsys, "demo")
    code, out, _ = run(capsys, "verify")
    head = out.split()[-1]
    assert run(capsys, "verify", "--expect-head", head)[0] == 0
    code, out, _ = run(capsys, "verify", "--expect-head", "0" * 64)
    assert code == 1 and "is not in the chain" in out
    # a short or empty value is a usage mistake, never a tamper verdict nor a skipped check
    code, out, err = run(capsys, "verify", "--expect-head", head[:12])
    assert (code, out) == (1, "") and err == (
        f"error: --expect-head '{head[:12]}' is not an entry hash: give all 64 hex digits (as "
        "`workbench anchor` or `workbench verify` print them)\n")
    for flag in ("--expect-head", "--anchors"):
        code, out, err = run(capsys, "verify", flag, "")
        assert (code, out) == (1, "") and err == (
            f"error: {flag} was given an empty value; name what to check (is the variable "
            "holding it set?)\n")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("--database-url", "sqlite:////no/such/folder/x.db", "init"), "does not exist"),
        (("--database-url", "not a url", "init"), "is malformed"),
        (("--database-url", "mysql://u@h/db", "init"), "supports SQLite and PostgreSQL"),
        (("systems", "show", "no-such-system"), "no store at"),
        (("catalog", "show", "A.6.2.9"), "A.6.2.9"),
        (("list", "gizmo"), "unknown record kind 'gizmo'"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(capsys, url, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert err.startswith("error: ") and fragment in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_system_in_a_seeded_store(capsys, url):
    run(capsys, "demo")
    code, _, err = run(capsys, "systems", "show", "no-such-system")
    assert code == 1 and "no AI system 'no-such-system'" in err


def test_corrupt_and_foreign_sqlite_files_are_refused_untouched(capsys, tmp_path):
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database at all" * 10)
    before = corrupt.read_bytes()
    code, _, err = run(capsys, "--database-url", f"sqlite:///{corrupt}", "init")
    assert code == 1 and "is not a SQLite database" in err
    assert corrupt.read_bytes() == before

    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    code, _, err = run(capsys, "--database-url", f"sqlite:///{foreign}", "demo")
    assert code == 1 and "database of something else" in err
    with sqlite3.connect(foreign) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["invoices"]


def test_demo_reset_keeps_the_old_store(capsys, url, tmp_path):
    run(capsys, "demo")
    code, out, _ = run(capsys, "demo", "--reset")
    assert code == 0 and "moved the previous store to" in out
    backups = list(tmp_path.glob("cli.db.bak-*"))
    assert len([b for b in backups if not b.name.endswith(("-wal", "-shm"))]) == 1


def test_console_script_runs(url):
    out = subprocess.run([sys.executable, "-m", "workbench", "--help"], capture_output=True,
                         text=True, check=True)
    assert "catalog" in out.stdout and "verify" in out.stdout


@pytest.mark.parametrize("argv, message", [
    (["risk", "list", "--as-of", "notadate"],
     "workbench risk list: error: argument --as-of: 'notadate' is not a date; use YYYY-MM-DD "
     "(see `workbench risk list --help`)"),
    (["risk", "accept"], "workbench risk accept: error: the following arguments are required: "
                         "id, --rationale (see `workbench risk accept --help`)"),
])
def test_usage_errors_are_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as usage:
        main(argv)
    assert usage.value.code == 2
    assert capsys.readouterr().err == message + "\n"
