"""Auditor cases on the EU AI Act screening: biometric categorisation outside the Art. 5 ban
left the high-risk tier, and contradictory Art. 50 answers were accepted and one of them
silently used.

The expected tiers are written by hand from the Act, not from classify.py's tables:
- Art. 5(1)(g) bans biometric categorisation that infers race, political opinions, trade
  union membership, religious or philosophical beliefs, sex life or sexual orientation, except
  labelling or filtering of lawfully acquired biometric data sets and categorisation in the
  area of law enforcement. Biometric categorisation by sensitive or protected attributes is
  high-risk under Annex III point 1(b), and the Art. 6(3) derogation never covers a system
  that profiles people.
- Art. 50(3) concerns systems that recognise emotions or categorise people from biometric
  data; Art. 50(2) systems that generate synthetic content, which includes deepfakes (50(4)).
"""

from __future__ import annotations

import pytest
from actors import acting

from workbench import impact
from workbench.cli import main
from workbench.errors import ValidationError
from workbench.impact import classify

SENSITIVE = "prohibited.biometric_sensitive_categorisation"
EXEMPT = "prohibited.biometric_categorisation_exempt"
USE_CASES = "high_risk.annex_iii_use_cases"
PROFILING = "high_risk.profiling"
DEROGATION = "high_risk.derogation"
CATEGORISES = "transparency.emotion_or_biometric_categorisation"
SYNTHETIC = "transparency.synthetic_content"
DEEPFAKE = "transparency.deepfake_or_public_text"

QUESTION_TEXT = {  # the questionnaire's wording, as a person reads it
    SYNTHETIC: "Does the system generate synthetic audio, images, video or text?",
    DEEPFAKE: "Is the system used to create deepfakes, or to publish AI-generated text",
    CATEGORISES: "Does the system recognise emotions or categorise people from biometric data?",
    SENSITIVE: "Does the system categorise people from biometric data to infer their race",
    EXEMPT: "Is this only labelling or filtering of lawfully acquired biometric data sets",
    USE_CASES: "Which Annex III use cases is the system intended for?",
}


def nothing(**changes: object) -> dict[str, object]:
    """Every screening answer "no" (a minimal-risk system), with some changed."""
    answers: dict[str, object] = {q: "no" for q in (
        "prohibited.manipulation", "prohibited.exploits_vulnerabilities",
        "prohibited.social_scoring", "prohibited.crime_prediction",
        "prohibited.facial_scraping", "prohibited.emotion_work_education", SENSITIVE,
        "prohibited.realtime_biometric_identification", "high_risk.annex_i_product",
        "transparency.interacts_with_people", SYNTHETIC, CATEGORISES, DEEPFAKE,
        "gpai.provides_model", "context.public_service")}
    answers[USE_CASES] = ["none"]
    answers.update(changes)
    return answers


# -- 1. biometric categorisation outside the ban -----------------------------------------------


def test_sensitive_biometric_categorisation_without_an_exception_is_prohibited():
    result = classify(nothing(**{SENSITIVE: "yes", EXEMPT: "no", CATEGORISES: "yes"}),
                      org_roles=["provider"])
    assert result.tier == "prohibited" and result.triggered[0] == "art5.g"


def test_categorisation_outside_the_ban_stays_high_risk_under_annex_iii_1b():
    """Auditor case: the exemption answer routed the system out of high-risk (minimal)."""
    answers = nothing(**{SENSITIVE: "yes", EXEMPT: "yes", CATEGORISES: "yes", PROFILING: "yes"})
    result = classify(answers, org_roles=["provider", "deployer"])
    assert result.tier == "high_risk", result.reasoning
    assert "annex3.1.b" in result.triggered and "art5.g" not in result.triggered
    assert {"art6", "art9", "art26"} <= set(result.obligations)
    # the reasoning cites Annex III point 1(b), from the exception onwards
    exception = next(s for s in result.reasoning if s.question == EXEMPT)
    assert exception.rule == "art5.g" and exception.effect == "exception"
    assert "annex3.1.b" in exception.conclusion
    lead = next(s for s in result.reasoning if s.rule == "annex3.1.b")
    assert lead.effect == "triggers"
    # profiling: the Art. 6(3) derogation cannot take it out
    assert any(s.rule == "art6.3" and s.question == PROFILING and s.effect == "triggers"
               for s in result.reasoning)


def test_the_derogation_never_covers_profiling_biometric_categorisation():
    answers = nothing(**{SENSITIVE: "yes", EXEMPT: "yes", CATEGORISES: "yes",
                         USE_CASES: ["annex3.1.b"], PROFILING: "yes", DEROGATION: "yes"})
    result = classify(answers, org_roles=["provider"])
    assert result.tier == "high_risk" and "annex3.1.b" in result.triggered
    assert "art6.3" not in result.triggered


def test_categorisation_outside_the_ban_is_open_until_profiling_is_answered():
    answers = nothing(**{SENSITIVE: "yes", EXEMPT: "yes", CATEGORISES: "yes",
                         USE_CASES: ["annex3.1.b"]})
    result = classify(answers, org_roles=["provider"])
    assert result.tier == "undetermined" and PROFILING in result.missing
    assert impact.questionnaire().applies(PROFILING, answers) is True  # and it is asked


# -- 2. contradictory answers ------------------------------------------------------------------


def test_a_deepfake_without_synthetic_content_is_not_silently_classified():
    """Auditor case: "no synthetic content" with "creates deepfakes" gave the transparency
    tier from one answer and ignored the other."""
    answers = nothing(**{SYNTHETIC: "no", DEEPFAKE: "yes"})
    result = classify(answers, org_roles=["provider", "deployer"])
    assert result.tier == "undetermined" and not result.complete
    assert set(result.missing[:2]) == {SYNTHETIC, DEEPFAKE}
    assert "art50.4" not in result.triggered and "art50.4" not in result.obligations
    said = [s for s in result.reasoning if "contradict" in s.conclusion]
    assert said and all(s.effect == "open" for s in said)
    assert {s.question for s in said} >= {SYNTHETIC, DEEPFAKE}
    # answered consistently, both apply
    fixed = classify({**answers, SYNTHETIC: "yes"}, org_roles=["provider", "deployer"])
    assert fixed.tier == "transparency"
    assert {"art50.2", "art50.4"} <= set(fixed.obligations)


def test_a_contradiction_does_not_hide_a_high_risk_tier():
    answers = nothing(**{USE_CASES: ["annex3.4.a"], PROFILING: "yes", SYNTHETIC: "no",
                         DEEPFAKE: "yes"})
    result = classify(answers, org_roles=["deployer"])
    assert result.tier == "high_risk" and not result.complete
    assert {SYNTHETIC, DEEPFAKE} <= set(result.missing)


@pytest.mark.parametrize(("other", "answer"), [
    (SENSITIVE, "yes"),
    ("prohibited.emotion_work_education", "yes"),
    (USE_CASES, ["annex3.1.b"]),
    (USE_CASES, ["annex3.4.a", "annex3.1.c"]),
])
def test_no_biometric_categorisation_or_emotion_recognition_contradicts(other, answer):
    answers = nothing(**{other: answer, CATEGORISES: "no", PROFILING: "yes"})
    result = classify(answers, org_roles=["provider"])
    assert result.tier == "undetermined", result.tier
    assert {CATEGORISES, other} <= set(result.missing)
    assert "art50.3" not in result.triggered


def test_a_ban_is_not_decided_from_a_contradicted_answer():
    result = classify(nothing(**{SENSITIVE: "yes", EXEMPT: "no", CATEGORISES: "no"}),
                      org_roles=["provider"])
    assert result.tier == "undetermined" and "art5.g" not in result.triggered
    assert set(result.missing[:2]) == {SENSITIVE, CATEGORISES}


def test_consistent_answers_contradict_nothing():
    for answers in (nothing(), nothing(**{SYNTHETIC: "yes"}),
                    nothing(**{SYNTHETIC: "yes", DEEPFAKE: "yes"}),
                    nothing(**{CATEGORISES: "yes"}),
                    nothing(**{SENSITIVE: "yes", EXEMPT: "yes", CATEGORISES: "yes",
                               USE_CASES: ["annex3.1.b"]}),
                    nothing(**{SYNTHETIC: "unknown", DEEPFAKE: "yes"})):
        assert impact.answer_contradictions(answers) == [], answers


# -- refused on submit -------------------------------------------------------------------------


def _submitted(store, **answers: object) -> dict[str, object]:
    """The demo's submitted card-fraud assessment, re-submitted with changed answers."""
    data = dict(store.get("impact_assessment", "ia-card-fraud").content)
    data["answers"] = {**data["answers"], **answers}
    data["status"] = "submitted"
    return data


def test_a_contradictory_submission_is_refused_naming_both_questions(demo_store):
    head = demo_store.head()
    base = demo_store.get("impact_assessment", "ia-card-fraud").version
    with acting("chloe"), pytest.raises(ValidationError) as info:
        impact.save_assessment(demo_store, _submitted(demo_store, **{DEEPFAKE: "yes"}),
                               base_version=base)
    assert demo_store.head() == head  # nothing written
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("cannot submit impact assessment 'ia-card-fraud': "
                              "contradictory answers: ")
    assert QUESTION_TEXT[SYNTHETIC] in message and QUESTION_TEXT[DEEPFAKE] in message
    assert "answers." not in message  # named by their text, not by internal keys
    fields = {f for f, _ in info.value.errors}
    assert fields == {f"answers.{SYNTHETIC}", f"answers.{DEEPFAKE}"}
    # the same answers answered consistently are accepted
    with acting("chloe"):
        impact.save_assessment(demo_store, _submitted(
            demo_store, **{DEEPFAKE: "yes", SYNTHETIC: "yes"}), base_version=base)


def test_categorisation_outside_the_ban_without_annex_iii_1b_is_refused(demo_store):
    """Saying the system falls outside the Art. 5(1)(g) ban while listing no Annex III
    point 1(b) would skip the profiling and derogation questions and leave the tier open."""
    base = demo_store.get("impact_assessment", "ia-card-fraud").version
    changes = {SENSITIVE: "yes", EXEMPT: "yes", CATEGORISES: "yes",
               USE_CASES: ["annex3.5.b"]}
    head = demo_store.head()
    with acting("chloe"), pytest.raises(ValidationError) as info:
        impact.save_assessment(demo_store, _submitted(demo_store, **changes),
                               base_version=base)
    assert demo_store.head() == head
    message = str(info.value)
    assert QUESTION_TEXT[EXEMPT] in message and QUESTION_TEXT[USE_CASES] in message
    assert "1.b" in message and "\n" not in message
    with acting("chloe"):
        saved = impact.save_assessment(demo_store, _submitted(
            demo_store, **{**changes, USE_CASES: ["annex3.5.b", "annex3.1.b"]}),
            base_version=base)
    system = demo_store.get("ai_system", "card-fraud").record
    result = impact.classify_assessment(saved.record, system)
    assert result.tier == "high_risk" and "annex3.1.b" in result.triggered


def test_a_draft_may_hold_contradictory_answers(demo_store):
    data = _submitted(demo_store, **{DEEPFAKE: "yes"})
    data["status"] = "draft"
    base = demo_store.get("impact_assessment", "ia-card-fraud").version
    with acting("chloe"):
        saved = impact.save_assessment(demo_store, data, base_version=base)
    assert saved.record.answers[DEEPFAKE] == "yes"


def test_the_cli_refuses_a_contradictory_submission_in_one_line(demo_url, demo_store, capsys):
    data = _submitted(demo_store, **{DEEPFAKE: "yes"})
    data["status"] = "draft"
    base = demo_store.get("impact_assessment", "ia-card-fraud").version
    with acting("chloe"):
        impact.save_assessment(demo_store, data, base_version=base)
    head = demo_store.head()
    assert main(["--database-url", demo_url, "impact", "submit", "ia-card-fraud"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot submit impact assessment 'ia-card-fraud': "
                          "contradictory answers: ")
    assert err.count("\n") == 1, err
    assert QUESTION_TEXT[SYNTHETIC] in err and QUESTION_TEXT[DEEPFAKE] in err
    assert demo_store.head() == head



def test_readiness_does_not_count_a_submitted_assessment_with_contradictory_answers(
        demo_store):
    """A plain save (or a store from before the check) can hold a submitted assessment with
    contradictory answers: readiness lists them as a gap and does not count it."""
    from workbench.impact.model import ImpactAssessment
    from workbench.readiness.facts import Facts

    def card_fraud():
        return Facts(demo_store, verify=False).assessments().set_index("id").loc[
            "ia-card-fraud"]

    assert card_fraud()["counts"]
    base = demo_store.get("impact_assessment", "ia-card-fraud").version
    with acting("chloe"):
        demo_store.save(ImpactAssessment(**_submitted(demo_store, **{DEEPFAKE: "yes"})),
                        base_version=base)
    row = card_fraud()
    assert not row["counts"]
    assert row["gaps"] == [f'answer "{QUESTION_TEXT[SYNTHETIC]}" and "{QUESTION_TEXT[DEEPFAKE]} '
                           'that informs the public on matters of public interest without '
                           'human editorial review?" consistently']
