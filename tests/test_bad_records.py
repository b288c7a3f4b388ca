"""One bad record never breaks a page or a command.

A record that fails today's checks is written straight into the versions table (as an older
release, or a tool working around the library, could have left it); every register reader
then leaves it out, names it in one line (record, version, field) and carries on.
"""

from __future__ import annotations

import json

import pytest

from workbench.cli import main

from wbtest import append_unchecked

BAD_ANSWER = ("impact assessment 'ia-cv-screening' version 3 is left out: "
              "answers.prohibited.social_scoring: answer yes, no or unknown (got 'maybe'); "
              "save a corrected version")


@pytest.fixture
def bad_store(demo_store):
    """The demo with one impact answer no question accepts ('maybe' to a yes/no question)."""
    current = demo_store.get("impact_assessment", "ia-cv-screening")
    content = dict(current.content)
    content["answers"] = {**content["answers"], "prohibited.social_scoring": "maybe"}
    assert append_unchecked(demo_store, "impact_assessment", content) == 3
    return demo_store


@pytest.fixture
def cli(demo_url, bad_store, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.setenv("WORKBENCH_USER", "chloe")

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


# -- validated when saved -------------------------------------------------------------------
def test_an_invalid_answer_is_refused_by_every_save(demo_store):
    from workbench.errors import ValidationError

    current = demo_store.get("impact_assessment", "ia-cv-screening")
    edited = current.record.model_copy(update={"answers": {
        **current.record.answers, "prohibited.social_scoring": "maybe"}})
    with pytest.raises(ValidationError) as caught:
        demo_store.save(edited, base_version=current.version, reason="typo")
    assert str(caught.value) == ("invalid impact assessment: "
                                 "answers.prohibited.social_scoring: answer yes, no or "
                                 "unknown (got 'maybe')")
    assert caught.value.errors == [("answers.prohibited.social_scoring",
                                    "answer yes, no or unknown (got 'maybe')")]
    assert demo_store.get("impact_assessment", "ia-cv-screening").version == current.version


def test_answers_are_stored_normalized_and_unknown_questions_kept(demo_store):
    from workbench.impact import ImpactAssessment

    current = demo_store.get("impact_assessment", "ia-cv-screening")
    record = ImpactAssessment.model_validate({**current.content, "answers": {
        "prohibited.social_scoring": " No ", "context.affects_individuals": True,
        "acme.own_question": "kept as is"}})
    assert record.answers == {"prohibited.social_scoring": "no",
                              "context.affects_individuals": "yes",
                              "acme.own_question": "kept as is"}


# -- the helper -----------------------------------------------------------------------------
def test_read_register_splits_valid_rows_from_problems(bad_store):
    from workbench.registers import problems_of, read_register

    checked = read_register(bad_store, "impact_assessment")
    assert sorted(checked.frame["id"]) == ["ia-card-fraud", "ia-clinical-triage",
                                           "ia-credit-scoring", "ia-marketing-copy",
                                           "ia-support-chatbot"]
    assert [str(p) for p in checked.problems] == [BAD_ANSWER]
    problem = checked.problems[0]
    assert (problem.kind, problem.record_id, problem.version, problem.field,
            problem.system_id) == ("impact_assessment", "ia-cv-screening", 3,
                                   "answers.prohibited.social_scoring", "cv-screening")
    assert problems_of(checked.frame) == checked.problems
    assert problems_of(checked.frame.sort_values("id")) == checked.problems


def test_reading_the_bad_version_names_it_and_older_ones_still_read(bad_store):
    from workbench.registers import InvalidRecordError

    with pytest.raises(InvalidRecordError) as caught:
        bad_store.get("impact_assessment", "ia-cv-screening").record
    assert str(caught.value) == (
        "impact assessment 'ia-cv-screening' version 3 fails its checks: "
        "answers.prohibited.social_scoring: answer yes, no or unknown (got 'maybe'); save a "
        "corrected version")
    older = bad_store.get("impact_assessment", "ia-cv-screening", 2).record
    assert older.answers["prohibited.social_scoring"] == "no"
    assert bad_store.verify().ok


def test_a_risk_off_every_scale_is_left_out_of_the_register(demo_store):
    from workbench import risk
    from workbench.registers import problems_of

    before = risk.register(demo_store)
    victim = str(before["id"].iloc[0])
    content = dict(demo_store.get("risk", victim).content)
    content["inherent_likelihood"] = "high"
    append_unchecked(demo_store, "risk", content)
    after = risk.register(demo_store)
    assert len(after) == len(before) - 1 and victim not in set(after["id"])
    version = demo_store.get("risk", victim).version
    assert [str(p) for p in problems_of(after)] == [
        f"risk {victim!r} version {version} is left out: inherent_likelihood: Input should be "
        "a valid integer, unable to parse string as an integer; save a corrected version"]


def test_the_risk_screen_flags_every_field_the_register_computes_from():
    import pandas as pd

    from workbench.risk import Risk

    good = {"id": "r-1", "system_id": "s", "title": "t", "owner": "o", "status": "assessed",
            "treatment": "modify", "identified_on": "2026-01-01", "next_review": None,
            "inherent_likelihood": 2, "inherent_consequence": 3, "residual_likelihood": 1,
            "residual_consequence": 1, "actions": [{"due": "2026-02-01", "done_on": None}],
            "acceptance": None}
    bad = [("inherent_likelihood", 11), ("residual_consequence", 2.5),
           ("inherent_consequence", "high"), ("status", "maybe"), ("treatment", None),
           ("identified_on", "2026-13-01"), ("next_review", 20260101), ("title", ""),
           ("owner", None), ("actions", {"due": "2026-01-01"}),
           ("actions", [{"due": None}]), ("acceptance", {"accepted_by": "x"})]
    frame = pd.DataFrame([good] + [{**good, "id": f"r-{i + 2}", field: value}
                                   for i, (field, value) in enumerate(bad)])
    flagged = Risk.register_screen(frame)
    assert flagged.tolist() == [False] + [True] * len(bad), list(zip(frame["id"], flagged))


# -- readiness, the EU AI Act portfolio, the obligations -------------------------------------
def test_readiness_names_the_record_in_every_rule_that_reads_it(bad_store):
    from workbench import readiness

    result = readiness.assess(bad_store, verify=False)
    assert [str(p) for p in result.problems] == [BAD_ANSWER]
    row = result.requirement("A.5.2")
    assert row["status"] == "partial"
    assert row["reason"].endswith("(1 record left out because it fails its checks)")
    assert ("fix impact assessment 'ia-cv-screening' version 3: "
            "answers.prohibited.social_scoring: answer yes, no or unknown (got 'maybe')"
            ) in row["missing"]
    # The same outcome when the rule runs alone (problems do not depend on rule order).
    alone = readiness.assess(bad_store, verify=False, only=["A.5.2"]).requirement("A.5.2")
    assert alone["missing"] == row["missing"]
    # A rule that does not read impact assessments is untouched.
    assert not any("ia-cv-screening" in m for m in result.requirement("7.5.3")["missing"])


def test_portfolio_and_obligations_carry_on_without_the_record(bad_store):
    from workbench import impact, readiness
    from workbench.registers import problems_of

    port = impact.portfolio(bad_store).set_index("system_id")
    assert port.loc["credit-scoring", "tier"] == "high_risk"
    assert port.loc["cv-screening", "assessment_status"] == "none"
    assert [str(p) for p in problems_of(port)] == [BAD_ANSWER]
    eu = readiness.eu_obligations(bad_store)
    assert set(eu["system_id"]) == {"credit-scoring"}
    assert [str(p) for p in problems_of(eu)] == [BAD_ANSWER]


# -- the commands ---------------------------------------------------------------------------
@pytest.mark.parametrize("argv, shows", [
    (("readiness", "--no-verify"), "A.5     Assessing impacts of AI systems"),
    (("impact", "portfolio"), "credit-scoring   high-risk"),
    (("frameworks", "eu"), "(credit-scoring): high-risk"),
    (("readiness", "show", "A.5.2"), "fix impact assessment 'ia-cv-screening' version 3"),
    (("list", "impact_assessment"), "ia-credit-scoring"),
])
def test_commands_warn_in_one_line_and_carry_on(cli, argv, shows):
    code, out, err = cli(*argv)
    assert code == 0, err
    assert err == f"warning: {BAD_ANSWER}\n", err
    assert shows in out, out


def test_json_output_stays_json_and_lists_the_problem(cli):
    code, out, err = cli("readiness", "--json", "--no-verify")
    assert code == 0 and err == f"warning: {BAD_ANSWER}\n"
    assert json.loads(out)["problems"] == [BAD_ANSWER]


def test_show_of_the_bad_record_is_one_line(cli):
    code, out, err = cli("impact", "show", "cv-screening")
    assert code == 1 and out == ""
    assert err == ("error: impact assessment 'ia-cv-screening' version 3 fails its checks: "
                   "answers.prohibited.social_scoring: answer yes, no or unknown (got "
                   "'maybe'); save a corrected version\n")


# -- the dashboards -------------------------------------------------------------------------
def test_portfolio_dashboard_keeps_its_tier_and_readiness_panels(demo_url, bad_store):
    from workbench import portfolio
    from workbench.render import esc

    page = portfolio.portfolio_page(demo_url)
    panels = {p.key: p for p in page.panels}
    assert not [p.error for p in page.panels if p.error]
    inventory, ready = panels["inventory"], panels["readiness"]
    # cv-screening (high-risk by its last valid answers) is not yet classified without them.
    assert int(inventory.table.loc["High-risk"].sum()) == 1, inventory.table
    assert int(inventory.table.to_numpy().sum()) == 7, inventory.table
    assert not ready.table.empty and len(ready.figure.data[0].x) == len(ready.table)
    for panel in (inventory, ready):
        assert [str(p) for p in panel.problems] == [BAD_ANSWER]
        assert esc(BAD_ANSWER) in panel.to_html()
    assert esc(BAD_ANSWER) in page.to_html()


def test_system_page_names_the_record_where_it_belongs(demo_url, bad_store):
    from workbench import portfolio

    page = portfolio.system_page(demo_url, "cv-screening")
    panels = {p.key: p for p in page.panels}
    failed = panels["eu_ai_act_panel"].error
    assert "fails its checks: answers.prohibited.social_scoring" in failed
    assert [str(p) for p in panels["impact"].problems] == [BAD_ANSWER]
    assert not panels["system-risk"].error and not panels["facts"].error
    other = {p.key: p for p in portfolio.system_page(demo_url, "credit-scoring").panels}
    assert other["impact"].problems == () and not other["eu-ai-act"].error
