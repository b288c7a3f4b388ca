"""``--shard K/N``: N scheduled workers each run part K of an ``--all`` batch; together they run
every system exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import main
from workbench.errors import ValidationError
from workbench.reports import parse_shard, plan_reports, shard_of

TEST_NOTEBOOKS = Path(__file__).parent / "notebooks"
DEMO_SYSTEMS = ["card-fraud", "clinical-triage", "credit-scoring", "cv-screening",
                "demand-forecast", "marketing-copy", "support-chatbot"]


def test_demo_systems_are_the_batch(demo_store):
    assert sorted(v.record_id for v in demo_store.latest("ai_system")) == DEMO_SYSTEMS


@pytest.mark.parametrize(("n", "parts"), [
    (1, [DEMO_SYSTEMS]),
    (3, [["card-fraud", "cv-screening", "support-chatbot"],
         ["clinical-triage", "demand-forecast"],
         ["credit-scoring", "marketing-copy"]]),
    (7, [[s] for s in DEMO_SYSTEMS]),
    (9, [[s] for s in DEMO_SYSTEMS] + [[], []]),
])
def test_n_shards_together_are_exactly_the_batch(n, parts):
    shuffled = list(reversed(DEMO_SYSTEMS))  # the order given does not matter
    got = [shard_of(shuffled, (k, n)) for k in range(1, n + 1)]
    assert got == parts
    flat = [s for part in got for s in part]
    assert sorted(flat) == DEMO_SYSTEMS and len(flat) == len(set(flat))  # all, no overlap


def test_plans_of_every_shard_cover_the_store_once(demo_store, tmp_path):
    plans = [plan_reports(demo_store, str(TEST_NOTEBOOKS / "system_summary.ipynb"),
                          all_systems=True, shard=f"{k}/3", out_dir=tmp_path, to="ipynb")
             for k in (1, 2, 3)]
    assert [p.systems for p in plans] == [
        ["card-fraud", "cv-screening", "support-chatbot"],
        ["clinical-triage", "demand-forecast"], ["credit-scoring", "marketing-copy"]]
    assert [(p.shard, p.batch_size) for p in plans] == [((1, 3), 7), ((2, 3), 7), ((3, 3), 7)]


@pytest.mark.parametrize(("text", "message"), [
    ("0/3", "--shard 0/3: K counts the parts from 1 to 3; give K/N with 1 <= K <= N (e.g. 1/3)"),
    ("4/3", "--shard 4/3: K counts the parts from 1 to 3; give K/N with 1 <= K <= N (e.g. 1/3)"),
    ("1/0", "--shard 1/0: N is the number of parts; give 1 or more"),
    ("x", "--shard x: write K/N, this run's part K of N (e.g. 2/4)"),
    ("1/3/2", "--shard 1/3/2: write K/N, this run's part K of N (e.g. 2/4)"),
    ("-1/3", "--shard -1/3: write K/N, this run's part K of N (e.g. 2/4)"),
])
def test_bad_shards_are_refused(text, message):
    with pytest.raises(ValidationError) as err:
        parse_shard(text)
    assert str(err.value) == message


@pytest.fixture
def cli_env(demo_url, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.setenv("WORKBENCH_TEMPLATE_PATH", str(TEST_NOTEBOOKS))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("argv", "message"), [
    (["--shard", "0/3"], ("error: --shard 0/3: K counts the parts from 1 to 3; give K/N with "
                         "1 <= K <= N (e.g. 1/3)\n")),
    (["--shard", "4/3"], ("error: --shard 4/3: K counts the parts from 1 to 3; give K/N with "
                         "1 <= K <= N (e.g. 1/3)\n")),
    (["--shard", "x"], "error: --shard x: write K/N, this run's part K of N (e.g. 2/4)\n"),
])
def test_cli_refuses_bad_shards_in_one_line(cli_env, capsys, argv, message):
    assert main(["report", "system_summary", "--all", "--out", "out", *argv]) == 1
    assert capsys.readouterr().err == message
    assert not (cli_env / "out").exists()


def test_cli_shard_needs_all(cli_env, capsys):
    assert main(["report", "system_summary", "--system", "credit-scoring", "--shard", "1/2",
                 "--out", "out"]) == 1
    assert capsys.readouterr().err == "error: --shard splits an --all batch; give --all too\n"


@pytest.mark.notebook
def test_cli_runs_only_its_shard(cli_env, capsys):
    assert main(["report", "system_summary", "--all", "--shard", "2/3", "--to", "ipynb",
                 "--out", "out", "--no-evidence"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"system_summary: 2 reports (shard 2/3 of 7) to {cli_env / 'out'} as "
                      "ipynb, 2 at a time")
    assert sorted(p.name for p in (cli_env / "out").iterdir()) == [
        "system_summary-clinical-triage.ipynb", "system_summary-demand-forecast.ipynb"]


def test_cli_empty_shard_writes_nothing_and_succeeds(cli_env, capsys):
    assert main(["report", "system_summary", "--all", "--shard", "9/9", "--out", "out"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"system_summary: 0 reports (shard 9/9 of 7) to {cli_env / 'out'} as html, " \
                     "2 at a time"
    assert err[1].startswith("0 reports written in ")
    assert list((cli_env / "out").iterdir()) == []
