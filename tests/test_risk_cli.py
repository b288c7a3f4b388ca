"""`workbench risk ...` on the demo store, and the demo risk register itself."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import pytest

from workbench import risk as wr
from workbench.cli import main


@pytest.fixture
def cli(demo_url, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["risk", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_demo_register_tells_a_story(demo_store):
    reg = wr.register(demo_store)
    systems = {s.id for s in demo_store.records("ai_system")}
    assert set(reg["system_id"]) == systems and len(reg) >= 36
    assert reg.groupby("system_id").size().min() >= 4
    live = wr.open_risks(reg)
    residual = wr.heatmap_matrix(live)
    assert (residual.to_numpy() > 0).sum() >= 10  # spread over the matrix
    assert set(live["residual_level"]) == {"low", "medium", "high", "critical"}
    above = reg[reg["above_appetite"]]
    assert above["accepted"].sum() >= 3 and above["awaiting_acceptance"].sum() >= 3
    accepted = above[above["accepted"]]
    assert all(a["rationale"] for a in accepted["acceptance"])
    assert (reg["overdue_actions"] > 0).sum() >= 5 and reg["review_due"].sum() >= 3
    assert (reg["status"] == "closed").sum() >= 1
    assert wr.criteria_version(demo_store).author == "chloe"
    # acceptances are second versions by the person entitled to accept
    history = demo_store.history("risk", accepted["id"].iloc[0])
    assert [v.version for v in history] == [1, 2] and "accepted" in history[1].reason
    assert demo_store.verify().ok


def test_list_filters_and_json(cli, demo_store):
    code, out, _ = cli("list")
    assert code == 0 and "cv-screening-r01" in out and "'!' = above the appetite" in out
    code, out, _ = cli("list", "--system", "credit-scoring", "--json")
    rows = json.loads(out)
    assert code == 0 and {r["system_id"] for r in rows} == {"credit-scoring"}
    assert {"residual_level", "above_appetite", "overdue_actions", "review_due"} <= set(rows[0])
    code, out, _ = cli("list", "--above-appetite", "--json")
    ids = {r["id"] for r in json.loads(out)}
    assert ids == set(wr.register(demo_store, above_appetite=True)["id"])
    code, out, _ = cli("list", "--awaiting-acceptance", "--json")
    assert {r["id"] for r in json.loads(out)} == set(
        wr.awaiting_acceptance(wr.register(demo_store))["id"])
    code, out, _ = cli("list", "--business-unit", "larkspur money", "--level", "high",
                       "--json")
    assert json.loads(out) and all(r["business_unit"] == "Larkspur Money" and
                                   r["residual_level"] == "high" for r in json.loads(out))
    code, out, _ = cli("list", "--owner", "amira", "--status", "identified", "--json")
    assert {r["owner"] for r in json.loads(out)} == {"amira"}
    code, out, _ = cli("list", "--review-due", "--json")
    assert json.loads(out) and all(r["review_due"] for r in json.loads(out))


def test_show_and_history(cli):
    code, out, _ = cli("show", "credit-scoring-r03", "--history")
    assert code == 0 and "Proxy discrimination" in out
    assert "likelihood 2 Unlikely x consequence 5 Severe = high (above the appetite" in out
    assert "accepted       by grace on" in out and "residual risk accepted by grace" in out
    code, out, _ = cli("show", "credit-scoring-r03", "--json")
    assert json.loads(out)["residual_level"] == "high"
    code, _, err = cli("show", "nope")
    assert code == 1 and err.startswith("error: no risk 'nope' in the store")


def test_heatmap_text_matches_the_matrix(cli, demo_store):
    code, out, _ = cli("heatmap", "--json")
    data = json.loads(out)
    matrix = wr.heatmap_matrix(wr.open_risks(wr.register(demo_store)))
    assert code == 0 and data["counts"] == matrix.to_numpy().tolist()
    assert data["likelihood"][0] == "Rare"
    code, out, _ = cli("heatmap", "--inherent", "--system", "card-fraud")
    assert code == 0 and out.startswith("inherent risk of card-fraud: 5 open risks")
    assert "4 Likely" in out and "H high 10-16" in out


def test_criteria_show_and_replace(cli, tmp_path, demo_store):
    code, out, _ = cli("criteria")
    assert code == 0 and "appetite: up to medium" in out and "Almost certain" in out
    bad = tmp_path / "bad.yaml"
    data = wr.default_criteria().content()
    data["bands"][2]["min_score"] = 12
    bad.write_text(json.dumps(data))
    head = demo_store.head()
    code, _, err = cli("criteria", "--set", str(bad))
    assert code == 1 and "bands.2.min_score: gap: scores 10 to 11 are in no band" in err
    assert demo_store.head() == head
    good = tmp_path / "good.json"
    data["bands"][2]["min_score"] = 10
    data["appetite"] = "low"
    good.write_text(json.dumps(data))
    code, out, _ = cli("criteria", "--set", str(good), "--reason", "board lowered appetite")
    assert code == 0 and "version 2" in out
    assert wr.criteria_in_force(demo_store).appetite == "low"
    code, out, _ = cli("criteria", "--json")
    assert json.loads(out)["_version"] == 2


def test_actions_and_accept(cli, demo_store, monkeypatch):
    code, out, _ = cli("actions", "--overdue", "--json")
    rows = json.loads(out)
    assert code == 0 and rows and all(r["overdue"] and r["days_overdue"] > 0 for r in rows)
    code, out, _ = cli("actions", "--owner", "ravi")
    assert code == 0 and "open actions" in out
    waiting = wr.awaiting_acceptance(wr.register(demo_store))
    rid, owner = waiting["id"].iloc[0], waiting["owner"].iloc[0]
    monkeypatch.setenv("WORKBENCH_USER", "ravi")  # the acceptance is the acting person's
    code, _, err = cli("accept", rid, "--rationale", "fine")
    assert code == 1 and "'ravi' may not accept this risk" in err
    monkeypatch.setenv("WORKBENCH_USER", owner)
    code, out, _ = cli("accept", rid, "--rationale", "Treatment on track; reviewed by the "
                       "steering group")
    assert code == 0 and "residual risk accepted" in out
    assert demo_store.get("risk", rid).record.acceptance.accepted_by == owner


CSV_OK = textwrap.dedent("""\
    id,system_id,title,risk_source,objective,inherent_likelihood,inherent_consequence,treatment,controls,residual_likelihood,residual_consequence,owner,status,identified_on,actions
    imp-1,cv-screening,Imported risk,level_of_automation,fairness,3,4,modify,A.9.2;A.6.2.4,2,3,farid,assessed,{day},"Train recruiters | farid | {due}"
    """)  # noqa: E501


def test_import_csv_and_yaml(cli, tmp_path, demo_store):
    day = (dt.date.today() - dt.timedelta(days=10)).isoformat()
    due = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    good = tmp_path / "risks.csv"
    good.write_text(CSV_OK.format(day=day, due=due))
    code, out, _ = cli("import", str(good), "--dry-run")
    assert code == 0 and out.startswith("would import 1 risk: 1 new") and \
        not demo_store.exists("risk", "imp-1")
    code, out, _ = cli("import", str(good))
    assert code == 0 and "1 new" in out
    risk = demo_store.get("risk", "imp-1")
    assert risk.record.controls == ["A.9.2", "A.6.2.4"] and risk.reason == \
        "imported from risks.csv"
    assert risk.record.risk_source == "source.level_of_automation"
    code, out, _ = cli("import", str(good))
    assert "1 unchanged" in out and demo_store.get("risk", "imp-1").version == 1
    yml = tmp_path / "risks.yaml"
    yml.write_text(textwrap.dedent(f"""\
        - id: imp-1
          system_id: cv-screening
          title: Imported risk, reworded
          risk_source: source.level_of_automation
          objective: objective.fairness
          inherent_likelihood: 3
          inherent_consequence: 4
          treatment: modify
          residual_likelihood: 2
          residual_consequence: 3
          owner: farid
          identified_on: {day}
          _version: 1
        """))
    code, out, _ = cli("import", str(yml))
    assert code == 0 and "1 changed" in out and demo_store.get("risk", "imp-1").version == 2


def test_import_reports_every_bad_row_and_saves_nothing(cli, tmp_path, demo_store):
    day = (dt.date.today() - dt.timedelta(days=10)).isoformat()
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_OK.format(day=day, due=day) + textwrap.dedent(f"""\
        imp-2,nope,Bad system,machine_learning,fairness,6,4,modify,A.99,2,3,farid,assessed,{day},
        imp-3,cv-screening,"Two-line
        title",machine_learning,fairness,3,4,modify,,2,3,farid,assessed,{day},"Retrain | ravi | 2001-01-01"
        imp-1,cv-screening,Again,machine_learning,fairness,3,4,modify,,4,4,farid,accepted,{day},
        """))  # noqa: E501
    head = demo_store.head()
    code, _, err = cli("import", str(bad))
    lines = err.strip().splitlines()
    assert code == 1 and demo_store.head() == head
    assert "line 3, system_id: no AI system 'nope' in the store" in err
    assert "line 3, inherent_likelihood: 6 is outside the likelihood scale" in err
    assert "line 3, controls.0: unknown Annex A control 'A.99'" in err
    assert "line 4, actions.0.due: action 1 is due 2001-01-01" in err
    assert "line 6, acceptance: the residual risk is high" in err
    assert "line 6, id: 'imp-1' already appears on line 2" in err
    assert lines[-1].startswith("error: bad.csv: 6 problems in 3 rows; nothing was imported")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("risks:\n  - id: y-1\n    system_id: card-fraud\n    title: T\n"
                        "    inherent_likelihood: 9\n")
    code, _, err = cli("import", str(bad_yaml))
    assert code == 1 and "line 5, inherent_likelihood: 9 is outside" in err
    assert "line 2, risk_source: required" in err
    unknown = tmp_path / "cols.csv"
    unknown.write_text("id,colour\nx,red\n")
    code, _, err = cli("import", str(unknown))
    assert code == 1 and "line 1, colour: unknown column" in err
    code, _, err = cli("import", str(tmp_path / "missing.csv"))
    assert code == 1 and "no file" in err


def test_accept_refuses_bad_input_with_one_line_naming_the_risk(cli, demo_store, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "grace")
    head = demo_store.head()
    for argv, message in [
        (["--rationale", "a\x07b"], "error: risk credit-scoring-r04: acceptance rationale: "
                                    "contains a control character (\\x07), which cannot be "
                                    "shown or exported; remove it\n"),
        (["--rationale", "fine", "--on", "1900-01-01"],
         "error: invalid risk 'credit-scoring-r04': acceptance.accepted_on: 1900-01-01 is "
         "before the risk was identified ("),
    ]:
        code, out, err = cli("accept", "credit-scoring-r04", *argv)
        assert (code, out) == (1, "") and err.startswith(message), err
        assert err.count("\n") == 1
    assert demo_store.head() == head


def test_criteria_json_is_fed_back_to_set_with_its_version(cli, demo_store, monkeypatch,
                                                          tmp_path):
    """`risk criteria --json` is a file `--set` takes: unchanged it saves nothing, edited it
    saves a version based on the one shown, and a stale copy is a conflict."""
    monkeypatch.setenv("WORKBENCH_USER", "chloe")
    code, out, _ = cli("criteria", "--json")
    shown = json.loads(out)
    file = tmp_path / "criteria.json"
    file.write_text(json.dumps(shown))
    head = demo_store.head()
    code, out, err = cli("criteria", "--set", str(file))
    assert (code, err) == (0, "") and out.startswith(
        "the risk criteria in force are already these (version 1 by chloe")
    assert demo_store.head() == head
    file.write_text(json.dumps({**shown, "appetite": "high"}))
    code, out, err = cli("criteria", "--set", str(file))
    assert code == 0 and out.startswith("saved risk criteria, version 2 by chloe"), err
    code, out, err = cli("criteria", "--set", str(file))  # still based on version 1
    assert (code, out) == (1, "") and "after your version 1. Nothing was saved" in err
