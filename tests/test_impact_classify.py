"""EU AI Act classification: every prohibited practice, every Annex III use case, the
exclusions (fraud detection), profiling and the Art. 6(3) derogation, the Annex I route,
each Art. 50 trigger, the GPAI track, roles, and "undetermined" instead of a guess."""

from __future__ import annotations

import pytest

from workbench import catalog
from workbench.errors import ValidationError
from workbench.impact import classify
from workbench.impact.classify import QUESTIONS
from workbench.impact.questionnaire import load_questionnaire

# The cases below are written out from the Act, independently of classify.py's own tables, so
# a wrong entry there fails here instead of generating a matching test.
# Art. 5(1) practices: (catalog id, question, exception question or None).
ART5 = (
    ("art5.a", "prohibited.manipulation", None),
    ("art5.b", "prohibited.exploits_vulnerabilities", None),
    ("art5.c", "prohibited.social_scoring", None),
    ("art5.d", "prohibited.crime_prediction", "prohibited.crime_prediction_objective_facts"),
    ("art5.e", "prohibited.facial_scraping", None),
    ("art5.f", "prohibited.emotion_work_education", "prohibited.emotion_medical_safety"),
    ("art5.g", "prohibited.biometric_sensitive_categorisation",
     "prohibited.biometric_categorisation_exempt"),
    ("art5.h", "prohibited.realtime_biometric_identification",
     "prohibited.realtime_biometric_authorised"),
)
# Art. 50 paragraphs: (catalog id, question, whom it binds).
ART50 = (
    ("art50.1", "transparency.interacts_with_people", "provider"),
    ("art50.2", "transparency.synthetic_content", "provider"),
    ("art50.3", "transparency.emotion_or_biometric_categorisation", "deployer"),
    ("art50.4", "transparency.deepfake_or_public_text", "deployer"),
)
# Annex III exclusions: use case -> (question, what the reasoning says of a yes).
EXCLUSIONS = {
    "annex3.1.a": ("high_risk.biometric_verification_only",
                   "biometric verification of a claimed identity is excluded"),
    "annex3.5.b": ("high_risk.fraud_detection_only",
                   "detecting financial fraud is excluded from credit scoring"),
    "annex3.7.d": ("high_risk.travel_document_verification_only",
                   "verifying travel documents is excluded"),
    "annex3.8.b": ("high_risk.campaign_logistics_only",
                   "administrative and logistical campaign tools are excluded"),
}
# Arts. 9-15, 17, 72 and 73: what a provider of a high-risk system must do.
HIGH_RISK_PROVIDER = ("art9", "art10", "art11", "art12", "art13", "art14", "art15", "art17",
                      "art72", "art73")
# Annex III: every lettered point, and point 2 (critical infrastructure), which has none.
ANNEX_III = [
    "annex3.1.a", "annex3.1.b", "annex3.1.c", "annex3.2", "annex3.3.a", "annex3.3.b",
    "annex3.3.c", "annex3.3.d", "annex3.4.a", "annex3.4.b", "annex3.5.a", "annex3.5.b",
    "annex3.5.c", "annex3.5.d", "annex3.6.a", "annex3.6.b", "annex3.6.c", "annex3.6.d",
    "annex3.6.e", "annex3.7.a", "annex3.7.b", "annex3.7.c", "annex3.7.d", "annex3.8.a",
    "annex3.8.b",
]

BOTH = ["provider", "deployer"]
# Answers that follow from others (inferring traits or emotions from biometric data is
# biometric categorisation or emotion recognition, Art. 50(3); a deepfake is synthetic content,
# Art. 50(2)): the cases below answer them consistently, since contradicting answers are left
# open (see test_impact_contradictions.py).
CONSISTENT = {
    "prohibited.emotion_work_education": {
        "transparency.emotion_or_biometric_categorisation": "yes"},
    "prohibited.biometric_sensitive_categorisation": {
        "transparency.emotion_or_biometric_categorisation": "yes"},
    "annex3.1.b": {"transparency.emotion_or_biometric_categorisation": "yes"},
    "annex3.1.c": {"transparency.emotion_or_biometric_categorisation": "yes"},
    "transparency.deepfake_or_public_text": {"transparency.synthetic_content": "yes"},
}


def minimal_answers(**changes: object) -> dict[str, object]:
    """Answers that rule everything out (a minimal-risk system), with some changed."""
    answers: dict[str, object] = {q: "no" for _, q, _ in ART5}
    answers |= {q: "no" for _, q, _ in ART50}
    answers |= {"high_risk.annex_i_product": "no", "high_risk.annex_iii_use_cases": ["none"],
                "gpai.provides_model": "no", "context.public_service": "no"}
    answers.update({k.replace("__", "."): v for k, v in changes.items()})
    return answers


def check_ids(result) -> None:
    """Every rule and obligation is a catalog id; nothing is invented."""
    articles = set(catalog.eu_article_ids())
    assert set(result.obligations) <= articles, result.obligations
    for step in result.reasoning:
        catalog.get(step.rule)  # raises NotFoundError for an invented id
    for rule in result.triggered:
        catalog.get(rule)


def steps_for(result, rule: str) -> list:
    return [s for s in result.reasoning if s.rule == rule]


# -- basics -----------------------------------------------------------------------------------


def test_minimal_system():
    result = classify(minimal_answers(), org_roles=BOTH)
    assert result.tier == "minimal" and result.gpai == "none"
    assert result.obligations == ["art4"] and result.missing == [] and result.complete
    assert all(s.effect == "rules_out" for s in result.reasoning)
    check_ids(result)


def test_every_rule_question_is_in_the_shipped_questionnaire():
    q = load_questionnaire(include_configured=False)
    assert set(QUESTIONS) <= {x.id for x in q.questions}
    for question in q.questions:
        for ref in question.refs:
            catalog.get(ref)  # refs point at catalog items


def test_nothing_answered_is_undetermined_and_lists_the_questions():
    result = classify({}, org_roles=["provider"])
    assert result.tier == "undetermined" and result.gpai == "undetermined"
    assert result.undetermined and not result.complete
    for _, question, _ in ART5:
        assert question in result.missing
    assert "high_risk.annex_iii_use_cases" in result.missing
    assert "gpai.provides_model" in result.missing
    # follow-up questions are not asked before their parent is answered
    assert "high_risk.fraud_detection_only" not in result.missing
    assert "answer" in result.summary()
    check_ids(result)


def test_unknown_counts_as_unanswered():
    answers = minimal_answers(prohibited__social_scoring="unknown")
    result = classify(answers, org_roles=BOTH)
    assert result.tier == "undetermined"
    assert result.missing[0] == "prohibited.social_scoring"
    step = steps_for(result, "art5.c")[0]
    assert step.effect == "open" and step.answer == "unknown"


def test_booleans_are_read_as_yes_and_no():
    answers = {k: (v == "yes") if v in ("yes", "no") else v for k, v in
               minimal_answers(transparency__interacts_with_people="yes").items()}
    assert classify(answers, org_roles=["provider"]).tier == "transparency"


def test_unreadable_answers_are_refused():
    with pytest.raises(ValidationError, match="prohibited.manipulation: answer yes, no or "
                       "unknown"):
        classify(minimal_answers(prohibited__manipulation="maybe"), org_roles=BOTH)
    with pytest.raises(ValidationError, match="annex3.9.z is not an Annex III use case"):
        classify(minimal_answers(high_risk__annex_iii_use_cases=["annex3.9.z"]), org_roles=BOTH)


# -- prohibited practices (Art. 5) ------------------------------------------------------------


@pytest.mark.parametrize(("rule", "question", "exception"), ART5, ids=[r for r, _, _ in ART5])
def test_every_prohibited_practice(rule, question, exception):
    answers = minimal_answers(**{question.replace(".", "__"): "yes"}) | CONSISTENT.get(question, {})
    if exception:
        answers[exception] = "no"
    result = classify(answers, org_roles=BOTH)
    assert result.tier == "prohibited"
    assert result.triggered == [rule]
    assert result.obligations == ["art4", "art5"]
    trigger = [s for s in result.reasoning if s.effect == "triggers"]
    assert [s.rule for s in trigger] == [rule]
    assert trigger[0].question == (exception or question)
    assert "prohibited" in trigger[0].conclusion
    check_ids(result)


def test_a_prohibited_practice_is_decided_even_with_other_answers_open():
    result = classify({"prohibited.social_scoring": "yes"}, org_roles=["deployer"])
    assert result.tier == "prohibited" and result.triggered == ["art5.c"]
    assert "prohibited.manipulation" in result.missing  # listed, but not needed for the tier


@pytest.mark.parametrize(("rule", "question", "exception"),
                         [a for a in ART5 if a[2]], ids=[a[0] for a in ART5 if a[2]])
def test_art5_exceptions(rule, question, exception):
    answers = minimal_answers(**{question.replace(".", "__"): "yes"}) | CONSISTENT.get(question, {})
    open_result = classify(answers, org_roles=BOTH)
    assert open_result.tier == "undetermined" and open_result.missing[0] == exception
    answers[exception] = "yes"
    answers["high_risk.profiling"] = "yes"
    result = classify(answers, org_roles=BOTH)
    assert result.tier != "prohibited"
    step = next(s for s in steps_for(result, rule) if s.question == exception)
    assert step.effect == "exception" and "does not" in step.conclusion
    check_ids(result)


def test_emotion_recognition_for_safety_stays_high_risk():
    answers = minimal_answers(prohibited__emotion_work_education="yes",
                              prohibited__emotion_medical_safety="yes",
                              transparency__emotion_or_biometric_categorisation="yes",
                              high_risk__profiling="no", high_risk__derogation="no")
    result = classify(answers, org_roles=["provider"])
    assert result.tier == "high_risk" and "annex3.1.c" in result.triggered


def test_realtime_identification_under_the_exceptions_stays_high_risk():
    answers = minimal_answers(prohibited__realtime_biometric_identification="yes",
                              prohibited__realtime_biometric_authorised="yes",
                              high_risk__profiling="yes")
    result = classify(answers, org_roles=["deployer"])
    assert result.tier == "high_risk" and "annex3.1.a" in result.triggered
    assert "art26" in result.obligations and "art9" not in result.obligations


# -- high-risk: Annex III ---------------------------------------------------------------------


def test_annex_iii_options_cover_every_area():
    options = [o.value for o in load_questionnaire(include_configured=False)
               .question("high_risk.annex_iii_use_cases").choices() if o.value != "none"]
    assert options == ANNEX_III
    assert {c.split(".")[1] for c in options} == {str(n) for n in range(1, 9)}


@pytest.mark.parametrize("use_case", ANNEX_III)
def test_every_annex_iii_use_case_is_high_risk(use_case):
    answers = minimal_answers(high_risk__annex_iii_use_cases=[use_case],
                              high_risk__profiling="no", high_risk__derogation="no")
    answers |= CONSISTENT.get(use_case, {})
    if use_case in EXCLUSIONS:
        answers[EXCLUSIONS[use_case][0]] = "no"
    result = classify(answers, org_roles=BOTH)
    assert result.tier == "high_risk"
    assert use_case in result.triggered
    assert set(HIGH_RISK_PROVIDER) <= set(result.obligations)
    assert {"art4", "art6", "art26"} <= set(result.obligations)
    assert next(s.rule for s in result.reasoning if s.effect == "triggers") == use_case
    check_ids(result)


@pytest.mark.parametrize("use_case", sorted(EXCLUSIONS))
def test_annex_iii_exclusions(use_case):
    question, meaning = EXCLUSIONS[use_case]
    answers = minimal_answers(high_risk__annex_iii_use_cases=[use_case],
                              high_risk__profiling="yes", high_risk__derogation="no")
    assert classify(answers, org_roles=BOTH).missing == [question]
    answers[question] = "yes"
    result = classify(answers, org_roles=BOTH)
    assert result.tier == "minimal" and result.obligations == ["art4"]
    step = next(s for s in result.reasoning if s.question == question)
    assert step.rule == use_case and step.effect == "exception" and meaning in step.conclusion


def test_fraud_detection_is_not_credit_scoring():
    answers = minimal_answers(high_risk__annex_iii_use_cases=["annex3.5.b"],
                              high_risk__fraud_detection_only="yes", high_risk__profiling="yes",
                              high_risk__derogation="no")
    fraud = classify(answers, org_roles=BOTH)
    assert fraud.tier == "minimal" and "annex3.5.b" not in fraud.triggered
    assert "fraud" in steps_for(fraud, "annex3.5.b")[0].conclusion
    answers["high_risk.fraud_detection_only"] = "no"
    credit = classify(answers, org_roles=BOTH)
    assert credit.tier == "high_risk" and credit.triggered == ["annex3.5.b"]
    assert "art27" in credit.obligations  # deployers of credit scoring always do a FRIA


def test_fraud_detection_next_to_another_use_case_is_still_high_risk():
    answers = minimal_answers(high_risk__annex_iii_use_cases=["annex3.4.a", "annex3.5.b"],
                              high_risk__fraud_detection_only="yes", high_risk__profiling="yes")
    result = classify(answers, org_roles=["provider"])
    assert result.tier == "high_risk" and result.triggered == ["annex3.4.a"]


def test_derogation_never_applies_to_profiling():
    answers = minimal_answers(high_risk__annex_iii_use_cases=["annex3.4.a"],
                              high_risk__profiling="yes", high_risk__derogation="yes")
    result = classify(answers, org_roles=BOTH)
    assert result.tier == "high_risk"
    step = steps_for(result, "art6.3")[0]
    assert step.question == "high_risk.profiling" and step.answer == "yes"
    assert "never applies" in step.conclusion and step.effect == "triggers"


def test_derogation_without_profiling_lifts_high_risk():
    answers = minimal_answers(high_risk__annex_iii_use_cases=["annex3.3.b"],
                              high_risk__profiling="no", high_risk__derogation="yes")
    provider = classify(answers, org_roles=["provider"])
    assert provider.tier == "minimal" and provider.obligations == ["art4", "art6.3", "art6.4",
                                                                   "art49.2"]
    assert "document the assessment" in steps_for(provider, "art6.4")[-1].conclusion
    assert "register the system" in steps_for(provider, "art49.2")[-1].conclusion
    deployer = classify(answers, org_roles=["deployer"])
    assert deployer.tier == "minimal" and deployer.obligations == ["art4"]
    assert steps_for(deployer, "art6.3")[-1].effect == "role"


@pytest.mark.parametrize("open_question", ["high_risk.profiling", "high_risk.derogation"])
def test_open_derogation_leaves_the_tier_undetermined(open_question):
    answers = minimal_answers(high_risk__annex_iii_use_cases=["annex3.4.b"],
                              high_risk__profiling="no", high_risk__derogation="yes")
    answers[open_question] = "unknown"
    result = classify(answers, org_roles=BOTH)
    assert result.tier == "undetermined" and open_question in result.missing


def test_fundamental_rights_impact_assessment():
    base = {"high_risk__annex_iii_use_cases": ["annex3.3.a"], "high_risk__profiling": "yes"}
    public = classify(minimal_answers(**base, context__public_service="yes"),
                      org_roles=["deployer"])
    assert "art27" in public.obligations
    private = classify(minimal_answers(**base), org_roles=["deployer"])
    assert "art27" not in private.obligations and private.complete
    unknown = classify(minimal_answers(**base, context__public_service="unknown"),
                       org_roles=["deployer"])
    assert unknown.tier == "high_risk" and not unknown.complete
    assert unknown.missing == ["context.public_service"]
    insurance = classify(minimal_answers(high_risk__annex_iii_use_cases=["annex3.5.c"],
                                         high_risk__profiling="yes"), org_roles=["deployer"])
    assert "art27" in insurance.obligations
    infra = classify(minimal_answers(high_risk__annex_iii_use_cases=["annex3.2"],
                                     high_risk__profiling="no", high_risk__derogation="no",
                                     context__public_service="yes"), org_roles=["deployer"])
    assert "art27" not in infra.obligations  # critical infrastructure is outside Art. 27
    assert "art27" not in classify(minimal_answers(**base, context__public_service="yes"),
                                   org_roles=["provider"]).obligations


# -- high-risk: Annex I -----------------------------------------------------------------------


def test_annex_i_product_route():
    answers = minimal_answers(high_risk__annex_i_product="yes",
                              high_risk__annex_i_third_party_assessment="yes")
    result = classify(answers, org_roles=["provider"])
    assert result.tier == "high_risk" and result.triggered == ["art6"]
    step = next(s for s in steps_for(result, "art6") if s.effect == "triggers")
    assert step.question == "high_risk.annex_i_third_party_assessment"
    assert "third-party conformity assessment" in step.conclusion
    answers["high_risk.annex_i_third_party_assessment"] = "no"
    assert classify(answers, org_roles=["provider"]).tier == "minimal"
    answers["high_risk.annex_i_third_party_assessment"] = "unknown"
    open_result = classify(answers, org_roles=["provider"])
    assert open_result.tier == "undetermined"
    assert open_result.missing == ["high_risk.annex_i_third_party_assessment"]


def test_high_risk_is_decided_while_another_route_is_open():
    answers = minimal_answers(high_risk__annex_i_product="unknown",
                              high_risk__annex_iii_use_cases=["annex3.5.d"],
                              high_risk__profiling="yes")
    result = classify(answers, org_roles=["provider"])
    assert result.tier == "high_risk" and not result.complete
    assert result.missing == ["high_risk.annex_i_product"]


# -- transparency (Art. 50) -------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "question", "binds"), ART50, ids=[r for r, _, _ in ART50])
def test_each_transparency_trigger(rule, question, binds):
    implied = CONSISTENT.get(question, {})  # a deepfake is synthetic content too (art50.2)
    answers = minimal_answers(**{question.replace(".", "__"): "yes"}) | implied
    also = [r for r, q, _ in ART50 if q in implied]
    bound = classify(answers, org_roles=[binds])
    assert bound.tier == "transparency" and bound.triggered == sorted([rule, *also])
    assert rule in bound.obligations and "art50" in bound.obligations
    assert bound.obligations == ["art4", "art50", *sorted(
        r for r, _, b in ART50 if r in (rule, *also) and b == binds)]
    trigger = steps_for(bound, rule)[0]
    assert trigger.question == question and trigger.answer == "yes"
    other = "deployer" if binds == "provider" else "provider"
    unbound = classify(answers, org_roles=[other])
    assert unbound.tier == "transparency" and rule not in unbound.obligations
    assert steps_for(unbound, rule)[-1].effect == "role"
    check_ids(bound)


def test_transparency_on_top_of_high_risk():
    answers = minimal_answers(high_risk__annex_iii_use_cases=["annex3.4.a"],
                              high_risk__profiling="yes",
                              transparency__interacts_with_people="yes")
    result = classify(answers, org_roles=["provider"])
    assert result.tier == "high_risk" and {"art50", "art50.1", "art9"} <= set(result.obligations)


def test_open_transparency_question():
    answers = minimal_answers(transparency__synthetic_content="unknown")
    result = classify(answers, org_roles=["provider"])
    assert result.tier == "undetermined" and result.missing == ["transparency.synthetic_content"]


# -- general-purpose AI models ----------------------------------------------------------------


def gpai(**changes: object) -> dict[str, object]:
    defaults = {"gpai__provides_model": "yes", "gpai__training_compute_flop": 1e24,
                    "gpai__commission_designated": "no", "gpai__established_outside_eu": "no"}
    return minimal_answers(**(defaults | changes))


def test_gpai_provider():
    result = classify(gpai(), org_roles=["provider"])
    assert result.tier == "minimal" and result.gpai == "gpai"
    assert result.obligations == ["art4", "art53"]


def test_gpai_with_systemic_risk_above_the_compute_threshold():
    result = classify(gpai(gpai__training_compute_flop=3e25), org_roles=["deployer"])
    assert result.gpai == "systemic"
    assert {"art51", "art52", "art53", "art55"} <= set(result.obligations)
    assert steps_for(result, "art51.2")[0].effect == "triggers"


def test_gpai_threshold_is_strictly_above():
    result = classify(gpai(gpai__training_compute_flop=1e25), org_roles=["provider"])
    assert result.gpai == "gpai" and "art55" not in result.obligations


def test_gpai_designated_by_the_commission():
    result = classify(gpai(gpai__commission_designated="yes"), org_roles=["provider"])
    assert result.gpai == "systemic" and "art55" in result.obligations


def test_gpai_provider_outside_the_eu_needs_a_representative():
    assert "art54" in classify(gpai(gpai__established_outside_eu="yes"),
                               org_roles=["provider"]).obligations


def test_gpai_open_compute_is_undetermined_but_not_the_tier():
    answers = gpai()
    del answers["gpai.training_compute_flop"]
    result = classify(answers, org_roles=["provider"])
    assert result.tier == "minimal" and result.gpai == "undetermined"
    assert result.missing == ["gpai.training_compute_flop"]


# -- roles ------------------------------------------------------------------------------------


def test_roles_map_to_provider_and_deployer():
    answers = minimal_answers(high_risk__annex_iii_use_cases=["annex3.4.a"],
                              high_risk__profiling="yes")
    developer = classify(answers, org_roles=["developer"])
    assert developer.roles == ["provider"] and "art9" in developer.obligations
    user = classify(answers, org_roles=["user"])
    assert user.roles == ["deployer"] and user.obligations == ["art4", "art26"]
    with pytest.raises(ValidationError, match="org_roles: give the organization's role"):
        classify(answers, org_roles=[])
    with pytest.raises(ValidationError, match="unknown role"):
        classify(answers, org_roles=["importer"])


def test_reasoning_frame_and_summary():
    result = classify(minimal_answers(high_risk__annex_iii_use_cases=["annex3.4.a"],
                                      high_risk__profiling="yes"), org_roles=BOTH)
    frame = result.reasoning_frame()
    assert list(frame.columns) == ["rule", "title", "question", "answer", "effect", "conclusion"]
    assert frame.loc[frame["rule"] == "annex3.4.a", "title"].iloc[0] == "Recruitment and selection"
    assert result.summary().startswith("EU AI Act: high-risk - obligations: art4, art6, art9")
    assert [s.rule for s in result.triggers()][:1] == ["annex3.4.a"]
