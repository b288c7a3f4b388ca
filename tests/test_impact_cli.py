"""``workbench impact``: show, classify (tier, obligations, reasoning), questionnaire,
portfolio, submit and proposed risks, on the demo store."""

from __future__ import annotations

import json

import pytest

from workbench import impact as wb_impact
from workbench.cli import main


def run(url, *args):
    return main(["--database-url", url, "impact", *args])


def test_classify_prints_tier_obligations_and_reasoning(demo_url, capsys):
    assert run(demo_url, "classify", "credit-scoring") == 0
    out = capsys.readouterr().out
    assert "tier              high-risk" in out
    assert "art27    Fundamental rights impact assessment" in out
    assert "annex3.5.b  high_risk.fraud_detection_only  no" in out
    assert run(demo_url, "classify", "card-fraud", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tier"] == "minimal" and data["obligations"] == ["art4"]
    exception = next(s for s in data["reasoning"] if s["effect"] == "exception")
    assert exception["rule"] == "annex3.5.b" and "fraud" in exception["conclusion"]


def test_classify_undetermined_lists_the_questions(demo_url, capsys):
    assert run(demo_url, "classify", "clinical-triage") == 0
    out = capsys.readouterr().out
    assert "tier              undetermined" in out
    assert "to answer (the tier depends on them):" in out
    assert "high_risk.annex_i_product" in out


def test_show(demo_url, capsys):
    assert run(demo_url, "show", "cv-screening") == 0
    out = capsys.readouterr().out
    assert "ia-cv-screening (version 2 by alice" in out and "complete        100%" in out
    assert "h4  Job applicants" in out and "none" in out  # h4 has no measure
    assert run(demo_url, "show", "cv-screening", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["classification"]["tier"] == "high_risk" and data["_version"] == 2


def test_show_a_system_without_an_assessment(demo_url, capsys):
    assert run(demo_url, "show", "demand-forecast") == 1
    assert "demand-forecast has no impact assessment yet" in capsys.readouterr().err
    assert run(demo_url, "show", "nope") == 1
    assert "no AI system 'nope'" in capsys.readouterr().err


def test_portfolio(demo_url, capsys):
    assert run(demo_url, "portfolio", "--json") == 0
    rows = {r["system_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["credit-scoring"]["overdue_review"] is True
    assert rows["demand-forecast"]["assessment_status"] == "none"
    assert run(demo_url, "portfolio") == 0
    out = capsys.readouterr().out
    assert "credit-scoring   high-risk" in out and "overdue" in out


def test_portfolio_table_names_every_column(demo_url, capsys):
    """The column after "review due" holds "overdue": it has a header of its own."""
    assert run(demo_url, "portfolio", "--json") == 0
    overdue = [r["system_id"] for r in json.loads(capsys.readouterr().out)
               if r["overdue_review"]]
    assert run(demo_url, "portfolio") == 0
    lines = capsys.readouterr().out.splitlines()
    header, rule = lines[0], lines[1]
    starts = [i for i in range(len(rule)) if rule[i] == "-" and (i == 0 or rule[i - 1] == " ")]
    heads = [header[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
    assert all(heads), heads  # no column without a header
    column = starts[heads.index("review overdue")]
    assert heads[heads.index("review overdue") - 1] == "review due"
    rows = {line.split()[0]: line for line in lines[2:] if line.strip()}
    assert overdue and all(rows[s][column:].startswith("overdue") for s in overdue)


def test_questionnaire(demo_url, capsys, tmp_path):
    assert run(demo_url, "questionnaire", "--section", "gpai") == 0
    out = capsys.readouterr().out
    assert "gpai.training_compute_flop" in out and "gpai.provides_model = yes" in out
    extra = tmp_path / "extra.yaml"
    extra.write_text("sections:\n  - id: ours\n    title: Ours\n    questions:\n"
                     "      - {id: ours.owner, text: 'Data owner?', type: text, required: true}\n")
    assert run(demo_url, "questionnaire", "--extra", str(extra), "--json") == 0
    ids = [q["id"] for q in json.loads(capsys.readouterr().out)]
    assert ids[-1] == "ours.owner" and "context.public_service" in ids
    assert run(demo_url, "questionnaire", "--section", "nope") == 1
    assert "no section 'nope'" in capsys.readouterr().err


def test_submit(demo_url, capsys):
    assert run(demo_url, "submit", "ia-marketing-copy") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot submit impact assessment 'ia-marketing-copy'")
    # missing items are named by their question text, not by internal keys
    assert wb_impact.questionnaire().question("context.vulnerable_groups").text in err
    assert "What benefits does the system bring, and to whom?" in err
    assert "answers.context" not in err and "model_info" not in err


@pytest.mark.parametrize("save", [False, True])
def test_risks_proposed_for_unmitigated_harms(demo_url, demo_store, capsys, save):
    args = ["risks", "cv-screening"] + (["--save"] if save else ["--json"])
    assert run(demo_url, *args) == 0
    out = capsys.readouterr().out
    if save:
        assert "saved risk-cv-screening-h4" in out
        assert demo_store.get("risk", "risk-cv-screening-h4").record.objective == \
            "objective.security"
    else:
        (proposal,) = json.loads(out)
        assert proposal["id"] == "risk-cv-screening-h4" and proposal["owner"] == "farid"
