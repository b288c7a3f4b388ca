"""``workbench report`` and ``workbench dashboard`` on the command line: output and exit codes."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main

TEST_NOTEBOOKS = Path(__file__).parent / "notebooks"


@pytest.fixture
def cli_env(demo_url, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.setenv("WORKBENCH_TEMPLATE_PATH", str(TEST_NOTEBOOKS))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_stays_light():
    code = ("import sys; from workbench.cli import build_parser; build_parser(); "
            "heavy = {'pandas', 'papermill', 'sqlalchemy', 'nbconvert', 'plotly'} & "
            "set(m.split('.')[0] for m in sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_list_shows_templates_and_parameters(cli_env, capsys):
    assert main(["report", "--list"]) == 0
    out = capsys.readouterr().out
    assert "system_report  AI system report" in out
    assert "system_id     str   'credit-scoring'  the AI system to report on (its id)" in out
    assert "broken  Broken for one system" in out


def test_a_report_run_logs_one_line_per_report(cli_env, capsys):
    assert main(["report", "broken", "--system", "credit-scoring", "--out", "out"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"broken: 1 report to {cli_env / 'out'} as html, 2 at a time"
    assert err[1].startswith("[1/1] credit-scoring ok ")
    assert err[1].endswith(f"-> {cli_env / 'out' / 'broken-credit-scoring.html'}")
    assert err[2].startswith("1 report written in ")
    assert (cli_env / "out" / "broken-credit-scoring.html").is_file()


def test_a_failing_report_exits_3_naming_system_and_cell(cli_env, capsys):
    assert main(["report", "broken", "--system", "card-fraud", "--out", "out",
                 "--no-evidence"]) == 3
    err = capsys.readouterr().err
    kept = cli_env / "out" / "broken-card-fraud.failed.ipynb"
    assert (f"error: card-fraud: cell In [4] (if system_id == fail_for:) raised ValueError: no "
            f"data for card-fraud; its notebook is kept at {kept}") in err
    assert "1 of 1 reports failed (card-fraud)" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["report", "quarterly", "--all"], "error: no report template 'quarterly'; templates: "),
    (["report", "system_report", "--system", "nope"], "error: no AI system 'nope' in the store"),
    (["report", "system_report", "--all", "-p", "colour=red"],
     "error: -p colour: template 'system_report' declares no parameter 'colour'"),
    (["report", "system_report", "--all", "-p", "colour"],
     "error: -p colour: write parameters as KEY=VALUE"),
    (["report"], "error: name a template (`workbench report --list` shows them)"),
    (["--database-url", "sqlite:///missing.db", "report", "system_report", "--all"],
     "error: no store at 'missing.db': run `workbench init`"),
])
def test_refusals_are_one_line_and_exit_1(cli_env, capsys, argv, message):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not (cli_env / "reports").exists()
    assert not (cli_env / "missing.db").exists()


def test_dashboard_refuses_a_missing_store(tmp_path, capsys):
    missing = tmp_path / "nowhere.db"
    assert main(["--database-url", f"sqlite:///{missing}", "dashboard", "--no-browser"]) == 1
    assert capsys.readouterr().err.startswith(f"error: no store at '{missing}'")
    assert not missing.exists()


def test_dashboard_refuses_a_busy_port(demo_url, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--database-url", demo_url, "dashboard", "--port", str(port),
                     "--no-browser"]) == 1
    assert capsys.readouterr().err == (f"error: port {port} on 127.0.0.1 is in use; choose "
                                       "another with --port\n")


def test_voila_command_serves_locally_without_code_or_tracebacks():
    from workbench.cli._dashboard import dashboards_dir, voila_command

    cmd = voila_command(dashboards_dir(), 9999)
    assert cmd[1:4] == ["-m", "workbench.cli._voila", str(dashboards_dir())]  # Voila, set up
    assert {"--port=9999", "--Voila.ip=127.0.0.1", "--show_tracebacks=False",
            "--strip_sources=True", "--preheat_kernel=True", "--no-browser",
            "--template=workbench"} <= set(cmd)
    assert "--preheat_kernel=True" not in voila_command(dashboards_dir(), 1, preheat=False)
    assert sorted(p.name for p in dashboards_dir().glob("*.ipynb")) == ["portfolio.ipynb",
                                                                        "system.ipynb"]


def test_verify_names_the_report_of_an_unchanged_file_only(cli_env, capsys):
    assert main(["report", "broken", "--system", "credit-scoring", "--out", "out",
                 "--period", "2026-Q3"]) == 0
    capsys.readouterr()
    path = cli_env / "out" / "broken-credit-scoring.html"
    assert main(["report", "--verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(
        rf"{re.escape(str(path))}: report report-broken-credit-scoring-\d{{8}}t\d{{6}}-"
        r"[0-9a-f]{8} \(broken, credit-scoring, period 2026-Q3\), recorded by chloe at "
        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC; SHA-256 [0-9a-f]{64}; it saw the store at entry "
        r"#\d+ \([0-9a-f]{64}\)\n", out), out
    path.write_bytes(path.read_bytes().replace(b"report for credit-scoring",
                                               b"report for credit-scorinG"))
    assert main(["report", "--verify", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: broken-credit-scoring.html: no report recorded in this store "
                          "has SHA-256 ") and err.count("\n") == 1, err
