"""The questionnaire is data: its schema, answers checked against it, an organization's own
questions added from a YAML file without code."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from workbench.errors import NotFoundError, ValidationError
from workbench.impact import questionnaire as current_questionnaire
from workbench.impact.questionnaire import ENV_VAR, load_questionnaire, normalize_answer

EXTRA = textwrap.dedent("""\
    sections:
      - id: context
        title: Context of use
        questions:
          - id: context.works_council_informed
            text: Has the works council been informed?
            type: yes_no
            required: true
      - id: larkspur
        title: Larkspur extras
        description: Our own questions.
        questions:
          - id: larkspur.data_owner
            text: Who owns the training data?
            help: Name the accountable data owner.
            type: text
            required: true
          - id: larkspur.markets
            text: Markets
            type: multi_choice
            options: [DE, FR, {value: NL, label: Netherlands}]
          - id: larkspur.budget
            text: Yearly run cost (EUR)
            type: number
            min: 0
            max: 1000000
          - id: larkspur.budget_owner
            text: Who approves the budget?
            type: choice
            options: [finance, it]
            required: true
            ask_if: {question: larkspur.budget, in: ["0"]}
          - id: larkspur.next_audit
            text: Next external audit
            type: date
          - id: larkspur.controls
            text: Compensating controls
            type: list
          - id: larkspur.dpia
            text: DPIA done?
            type: yes_no
            required: true
            ask_if: {question: context.affects_individuals, equals: yes}
""")


@pytest.fixture
def extra_file(tmp_path):
    path = tmp_path / "larkspur-questions.yaml"
    path.write_text(EXTRA)
    return path


def test_shipped_questionnaire():
    q = load_questionnaire(include_configured=False)
    assert [s.id for s in q.sections] == ["context", "prohibited", "high_risk", "transparency",
                                          "gpai"]
    assert all(x.text and x.help for x in q.questions if x.required)
    assert q.question("high_risk.fraud_detection_only").ask_if.describe() == \
        "high_risk.annex_iii_use_cases includes annex3.5.b"
    frame = q.frame()
    assert len(frame) == len(q.questions) and frame["required"].any()
    with pytest.raises(NotFoundError, match="did you mean prohibited.social_scoring"):
        q.question("prohibited.social_scorin")


def test_conditional_questions_apply_only_when_triggered():
    q = load_questionnaire(include_configured=False)
    follow_up = "prohibited.emotion_medical_safety"
    assert q.applies(follow_up, {}) is None  # depends on an unanswered question
    assert q.applies(follow_up, {"prohibited.emotion_work_education": "no"}) is False
    assert q.applies(follow_up, {"prohibited.emotion_work_education": "yes"}) is True
    cases = "high_risk.annex_iii_use_cases"
    assert q.applies("high_risk.profiling", {cases: ["none"]}) is False
    assert q.applies("high_risk.profiling", {cases: ["annex3.2"]}) is True
    assert q.applies("high_risk.fraud_detection_only", {cases: ["annex3.4.a"]}) is False


def test_normalize_answers():
    q = load_questionnaire(include_configured=False)
    yes_no = q.question("prohibited.manipulation")
    assert normalize_answer(yes_no, True) == ("yes", None)
    assert normalize_answer(yes_no, " No ") == ("no", None)
    assert normalize_answer(yes_no, "") == (None, None)
    assert normalize_answer(yes_no, 3)[1] == "answer yes, no or unknown (got 3)"
    cases = q.question("high_risk.annex_iii_use_cases")
    assert normalize_answer(cases, "annex3.5.b, annex3.4.a") == (["annex3.4.a", "annex3.5.b"],
                                                                 None)
    assert "'annex3.9' is not an option" in normalize_answer(cases, ["annex3.9"])[1]
    assert "cannot be combined" in normalize_answer(cases, ["none", "annex3.2"])[1]
    flop = q.question("gpai.training_compute_flop")
    assert normalize_answer(flop, "2e25") == (2e25, None)
    assert normalize_answer(flop, 12.0) == (12, None)
    assert normalize_answer(flop, "lots")[1] == "answer with a number (got 'lots')"
    assert normalize_answer(flop, -1)[1] == "must be at least 0 (got -1)"
    assert "finite" in normalize_answer(flop, float("nan"))[1]
    assert "number" in normalize_answer(flop, True)[1]


def test_validate_reports_every_problem():
    q = load_questionnaire(include_configured=False)
    with pytest.raises(ValidationError) as info:
        q.validate({"prohibited.manipulation": "perhaps", "gpai.training_compute_flop": "x",
                    "context.afects_individuals": "yes"})
    fields = dict(info.value.errors)
    assert set(fields) == {"answers.prohibited.manipulation", "answers.gpai.training_compute_flop",
                           "answers.context.afects_individuals"}
    assert "did you mean context.affects_individuals" in \
        fields["answers.context.afects_individuals"]
    assert str(info.value).startswith("invalid answers: answers.prohibited.manipulation")


def test_submit_needs_every_applicable_required_answer():
    q = load_questionnaire(include_configured=False)
    answers = {x.id: "no" for x in q.questions if x.type == "yes_no" and x.ask_if is None}
    answers["high_risk.annex_iii_use_cases"] = ["annex3.5.b"]
    answers["prohibited.social_scoring"] = "unknown"
    assert q.validate(answers)  # a draft may be partial and say unknown
    with pytest.raises(ValidationError) as info:
        q.validate(answers, submit=True)
    missing = [f for f, _ in info.value.errors]
    assert missing == ["answers.prohibited.social_scoring",
                       "answers.high_risk.fraud_detection_only", "answers.high_risk.profiling"]
    assert "draft only" in dict(info.value.errors)["answers.prohibited.social_scoring"]
    assert str(info.value).startswith("cannot submit: 3 required question(s) unanswered: "
                                      "prohibited.social_scoring, high_risk.fraud_detection_only")
    answered, required = q.completeness(answers)
    assert required - answered == 3
    # the derogation is asked only of systems that do not profile people
    assert q.applies("high_risk.derogation", answers) is None
    assert q.applies("high_risk.derogation", {**answers, "high_risk.profiling": "yes"}) is False
    assert q.applies("high_risk.derogation", {**answers, "high_risk.profiling": "no"}) is True


def test_an_organization_adds_questions_from_a_file(extra_file):
    q = load_questionnaire(extra_file, include_configured=False)
    assert [s.id for s in q.sections][-1] == "larkspur"
    context = q.section("context")
    assert context.questions[-1].id == "context.works_council_informed"
    assert q.question("larkspur.markets").option_labels()[-1] == ("Netherlands", "NL")
    normalized = q.validate({"larkspur.data_owner": " Ravi ", "larkspur.markets": ["NL", "DE"],
                             "larkspur.budget": "1200", "larkspur.next_audit": dt.date(2027, 3, 1),
                             "larkspur.controls": "four eyes\n\nlogging\n"})
    assert normalized == {"larkspur.data_owner": "Ravi", "larkspur.markets": ["DE", "NL"],
                          "larkspur.budget": 1200, "larkspur.next_audit": "2027-03-01",
                          "larkspur.controls": ["four eyes", "logging"]}
    with pytest.raises(ValidationError) as info:
        q.validate({"larkspur.budget": 2_000_000, "larkspur.next_audit": "next spring",
                    "larkspur.markets": ["UK"], "larkspur.data_owner": 7})
    errors = dict(info.value.errors)
    assert errors["answers.larkspur.budget"] == "must be at most 1e+06 (got 2e+06)"
    assert "YYYY-MM-DD" in errors["answers.larkspur.next_audit"]
    assert "'UK' is not an option" in errors["answers.larkspur.markets"]
    assert "answer with text" in errors["answers.larkspur.data_owner"]
    # a YAML "yes" (a boolean to YAML) in a condition means the word
    assert q.applies("larkspur.dpia", {"context.affects_individuals": "yes"}) is True
    required = {x.id for x in q.missing_required({"context.affects_individuals": "yes"})}
    assert {"larkspur.data_owner", "larkspur.dpia", "context.works_council_informed"} <= required
    assert "larkspur.budget_owner" not in required  # asked only when the budget is 0
    assert q.applies("larkspur.budget_owner", {"larkspur.budget": 0}) is True


def test_configured_questions_come_from_the_environment(extra_file, monkeypatch):
    assert "larkspur.data_owner" not in current_questionnaire()
    monkeypatch.setenv(ENV_VAR, str(extra_file))
    assert "larkspur.data_owner" in current_questionnaire()


@pytest.mark.parametrize(("text", "message"), [
    (("sections:\n  - id: context\n    title: C\n    questions:\n"
     "      - {id: context.public_service, text: again, type: yes_no}\n"),
     "question 'context.public_service' is already defined in questionnaire.yaml"),
    (("sections:\n  - id: x\n    title: X\n    questions:\n"
     "      - {id: x.a, text: A, type: choice}\n"), "a choice question needs options"),
    (("sections:\n  - id: x\n    title: X\n    questions:\n"
     "      - {id: x.a, text: A, type: essay}\n"), "sections.0.questions.0.type"),
    (("sections:\n  - id: x\n    title: X\n    questions:\n"
     "      - {id: x.a, text: A, type: text, ask_if: {question: x.nothing, equals: a}}\n"),
     "x.a is asked if 'x.nothing', which is not a question"),
    (("sections:\n  - id: x\n    title: X\n    questions:\n"
     "      - {id: x.a, text: A, type: text, ask_if: {question: x.b}}\n"),
     "give exactly one of equals, in, includes or has_other_than"),
    ("sections: [", "not valid YAML (line 1, column 12: expected the node content"),
])
def test_broken_question_files_are_refused(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_questionnaire(path, include_configured=False)


def test_missing_question_file(tmp_path):
    with pytest.raises(NotFoundError, match="does not exist"):
        load_questionnaire(tmp_path / "nope.yaml", include_configured=False)


def test_answers_to_questions_that_no_longer_apply_are_pruned_everywhere(demo_store):
    from workbench import impact

    q = impact.questionnaire()
    follow_ups = [x for x in q._by_id.values() if x.ask_if is not None]
    assert follow_ups
    child = follow_ups[0]
    parent = q.question(child.ask_if.question)
    # An answer to the follow-up while the triggering answer says it does not apply.
    other = next(o for o in parent.option_values() if not child.ask_if.holds(o)) \
        if parent.type != "yes_no" else ("no" if child.ask_if.holds("yes") else "yes")
    assert q.prune({parent.id: other, child.id: "x"}) == {parent.id: other}
    # The demo's stored assessments hold no such answers, so re-saving them changes nothing.
    for version in demo_store.latest("impact_assessment"):
        answers = version.content["answers"]
        assert q.prune(answers) == answers, version.record_id
