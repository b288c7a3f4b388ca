"""ImpactAssessmentForm at the state level: sections, required markers, inline validation,
the live EU AI Act tier, completeness, save draft / submit, conflicts keep the input."""

from __future__ import annotations

import pytest
from actors import acting

from workbench import impact
from workbench.impact.questionnaire import load_questionnaire
from workbench.widgets import ImpactAssessmentForm


@pytest.fixture
def alice(monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "alice")


def test_opens_the_latest_assessment(demo_store, alice):
    form = ImpactAssessmentForm(demo_store, "cv-screening")
    assert form.base_version == 2 and form.assessment_id == "ia-cv-screening"
    assert form.progress.value == 100 and "100%" in form.completeness.value
    assert form.result.tier == "high_risk"
    assert "high-risk" in form.tier.value and "annex3.4.a" in form.tier.value
    assert "high-risk" in form.tier_line.value and "13 obligation(s)" in form.tier_line.value
    assert "TalentMatch CV screening" in form.header.value and "submitted" in form.header.value
    assert form.questions["high_risk.annex_iii_use_cases"].input.value == ("annex3.4.a",)
    assert [r.values()["id"] for r in form.harms.rows] == ["h1", "h2", "h3", "h4"]
    assert form.status.text == "loaded version 2"


def test_sections_and_required_markers(demo_store, alice):
    form = ImpactAssessmentForm(demo_store, "cv-screening")
    keys = list(form.sections)
    assert keys[:3] == ["identification", "system", "parties"]
    assert keys[-2:] == ["harms", "conclusion"]
    assert "q:prohibited" in keys and "q:gpai" in keys
    form.show_section("q:prohibited")
    assert form.nav.value == "q:prohibited"
    assert form.body.children[0] is form.sections["q:prohibited"][1]
    form.nav.value = "conclusion"  # a click on the navigation
    assert form.body.children[0] is form.closing
    assert 'title="required"' in form.questions["prohibited.social_scoring"].label.value
    assert 'title="required"' not in form.questions["context.contestability"].label.value
    assert "required" in form.ident.fields["assessor"].label.value
    with pytest.raises(KeyError, match="no section 'nope'"):
        form.show_section("nope")


def test_tier_follows_the_answers_live(demo_store, alice):
    form = ImpactAssessmentForm(demo_store, "cv-screening")
    form.questions["prohibited.social_scoring"].input.value = "yes"
    assert form.result.tier == "prohibited" and "art5.c" in form.tier.value
    assert "prohibited practice: art5.c" in form.tier_line.value
    form.questions["prohibited.social_scoring"].input.value = "unknown"
    assert form.result.tier == "undetermined"
    assert "prohibited.social_scoring" in form.tier.value
    form.questions["prohibited.social_scoring"].input.value = "no"
    form.questions["high_risk.annex_iii_use_cases"].input.value = ("none",)
    assert form.result.tier == "minimal"
    # the follow-up questions on profiling and the derogation are hidden again
    assert form.questions["high_risk.profiling"].layout.display == "none"


def test_conditional_questions_appear_when_they_apply(demo_store, alice):
    form = ImpactAssessmentForm(demo_store, "cv-screening")
    flop = form.questions["gpai.training_compute_flop"]
    assert flop.layout.display == "none"
    form.questions["gpai.provides_model"].input.value = "yes"
    assert flop.layout.display is None
    assert form.result.gpai == "undetermined"
    assert form.progress.value < 100  # three new required questions


def test_inline_validation_and_nothing_saved(demo_store, alice):
    form = ImpactAssessmentForm(demo_store, "cv-screening")
    form.questions["gpai.provides_model"].input.value = "yes"
    flop = form.questions["gpai.training_compute_flop"]
    flop.input.value = "a lot"
    assert "answer with a number (got &#x27;a lot&#x27;)" in flop.error.value
    head = demo_store.head()
    form.save_draft()
    assert form.status.level == "error" and "training_compute_flop" in form.status.text
    assert "answer with a number" in flop.error.value
    assert demo_store.head() == head
    flop.input.value = "3e25"
    assert flop.error.value == ""
    assert form.result.gpai == "systemic"  # above 10^25 FLOP, whatever the designation


def test_submit_with_gaps_lists_them_next_to_the_questions(demo_store, alice):
    form = ImpactAssessmentForm(demo_store, "demand-forecast")
    assert form.base_version is None and "new draft" in form.status.text
    assert form.result.tier == "undetermined"
    head = demo_store.head()
    form.submit()
    assert form.status.text.startswith("cannot submit impact assessment 'ia-demand-forecast'")
    assert "required before submitting" in form.questions["prohibited.manipulation"].error.value
    assert "What does the assessment cover?" in form.ident.fields["scope"].error.value
    assert "What is the conclusion?" in form.closing.fields["conclusion"].error.value
    assert "What harms could the system cause" in form.harms.error.value
    assert "What benefits does the system bring" in form.benefits.error.value
    assert demo_store.head() == head
    form.save_draft()
    assert form.status.level == "ok" and form.base_version == 1
    saved = demo_store.get("impact_assessment", "ia-demand-forecast")
    assert saved.record.status.value == "draft" and saved.author == "alice"


def test_fill_in_and_submit(demo_store, alice):
    form = ImpactAssessmentForm(demo_store, "clinical-triage")
    assert form.result.tier == "undetermined"
    answers = {"context.public_service": "no", "high_risk.annex_i_product": "yes",
               "high_risk.annex_i_third_party_assessment": "yes",
               "high_risk.annex_iii_use_cases": ("annex3.5.d",), "high_risk.profiling": "yes",
               "transparency.interacts_with_people": "no", "transparency.synthetic_content": "no",
               "transparency.emotion_or_biometric_categorisation": "no",
               "transparency.deepfake_or_public_text": "no", "gpai.provides_model": "no"}
    for qid, value in answers.items():
        form.questions[qid].input.value = value
    assert form.result.tier == "high_risk" and {"art6", "annex3.5.d"} <= set(
        form.result.triggered)
    form.uses.fields["system_description"].set("Symptom checker; a nurse confirms")
    form.uses.fields["intended_uses"].set(["Suggest an urgency level"])
    # ISO/IEC 42005 content the submit check asks for
    form.uses.fields["capabilities"].set(["Suggests an urgency level from symptoms"])
    form.uses.fields["unintended_uses"].set(["Diagnosing a condition"])
    form.data_form.fields["sources"].set(["Pilot booking records"])
    form.model_form.fields["model_type"].set("Gradient-boosted classifier")
    form.model_form.fields["limitations"].set("Pilot data from 12 clinics only")
    form.benefits.add({"party": "Patients", "description": "Urgent cases seen sooner",
                       "severity": "major", "likelihood": "likely", "scale": "group"})
    form.thresholds.add({"use": "Children", "condition": "Patient under 16",
                         "response": "human_review"})
    form.closing.fields["conclusion"].set("High-risk: medical device and triage")
    form.ident.fields["review_due"].set("2030-01-01")
    form.measures.add({"id": "m1", "description": "Nurse confirms every suggestion",
                       "harm_ids": []})
    form._refresh_harm_choices()
    form.measures.rows[0].fields["harm_ids"].widget.value = ("h1",)
    assert form.progress.value == 100
    form.submit()
    assert form.status.level == "ok", form.status.text
    saved = demo_store.get("impact_assessment", "ia-clinical-triage")
    assert saved.record.status.value == "submitted" and saved.version == form.base_version
    assert saved.record.measures[0].harm_ids == ["h1"]
    assert saved.record.benefits[0].scale.value == "group"
    assert saved.record.capabilities == ["Suggests an urgency level from symptoms"]
    (threshold,) = saved.record.sensitive_use_thresholds
    assert (threshold.use, threshold.response.value) == ("Children", "human_review")
    assert impact.classify_system(demo_store, "clinical-triage").tier == "high_risk"


def test_a_conflicting_save_keeps_the_input(demo_store, alice):
    form = ImpactAssessmentForm(demo_store, "marketing-copy")
    other = demo_store.get("impact_assessment", "ia-marketing-copy")
    with acting("leo"):
        impact.save_assessment(demo_store, {**other.content, "scope": "Changed elsewhere"},
                               base_version=other.version)
    form.ident.fields["scope"].set("My scope")
    form.questions["context.vulnerable_groups"].input.value = "no"
    head = demo_store.head()
    form.save_draft()
    assert form.status.level == "error" and "was changed by leo" in form.status.text
    assert demo_store.head() == head
    assert form.ident.fields["scope"].widget.value == "My scope"
    assert form.questions["context.vulnerable_groups"].input.value == "no"
    form.reload()
    assert form.ident.fields["scope"].widget.value == "Changed elsewhere"
    assert form.base_version == other.version + 1


def test_user_text_is_escaped(demo_store, alice, tmp_path):
    extra = tmp_path / "q.yaml"
    extra.write_text("sections:\n  - id: x\n    title: '<b>X</b>'\n    description: "
                     "'<script>alert(1)</script>'\n    questions:\n"
                     "      - {id: x.q, text: '<img src=x onerror=alert(1)>', type: text,"
                     " help: '<i>h</i>'}\n")
    form = ImpactAssessmentForm(demo_store, "cv-screening",
                                questionnaire=load_questionnaire(extra))
    field = form.questions["x.q"]
    assert "<img" not in field.label.value and "&lt;img src=x" in field.label.value
    assert "<i>h</i>" not in field.help.value
    assert "<script>" not in form.sections["q:x"][1].children[0].value
    form.ident.fields["scope"].set("<img src=x onerror=alert(1)>")
    form.save_draft()
    assert form.status.level == "ok"
    assert "<img src=x" not in impact.assessment_html(
        demo_store.get("impact_assessment", "ia-cv-screening").record)


def test_part_errors_show_beside_the_part(demo_store, alice):
    form = ImpactAssessmentForm(demo_store, "cv-screening")
    form.show_section("harms")
    form.harms.rows[1].fields["party"].set("Shareholders")
    form.measures.rows[0].fields["id"].set("m2")  # now two measures are called m2
    head = demo_store.head()
    form.save_draft()
    assert demo_store.head() == head and form.status.level == "error"
    assert "not one of the interested parties" in form.harms.rows[1].fields["party"].error.value
    assert form.harms.rows[0].fields["party"].error.value == ""
    assert "m2 appears more than once" in form.measures.rows[1].fields["id"].error.value


def test_resubmitting_unchanged_keeps_the_approval(demo_store, monkeypatch):
    """Opening an approved assessment and submitting it untouched writes nothing."""
    from workbench import oversight
    from workbench.widgets import ImpactAssessmentForm

    monkeypatch.setenv("WORKBENCH_USER", "alice")
    head = demo_store.head()
    assert oversight.status(demo_store, "impact_assessment", "ia-credit-scoring").state == \
        "approved"
    form = ImpactAssessmentForm(demo_store, "credit-scoring")
    form.submit()
    assert demo_store.head() == head
    assert oversight.status(demo_store, "impact_assessment", "ia-credit-scoring").state == \
        "approved"
