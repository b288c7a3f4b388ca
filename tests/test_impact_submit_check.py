"""The impact assessment submit check (ISO/IEC 42005 content) and what readiness counts.

Two of the cases an auditor held against the demo store: an empty draft moved A.5.2 to met;
an assessment submitted with no harms, benefits, data, model, misuse or measures was approved
and counted for 6.1.4.
"""

from __future__ import annotations

import datetime as dt

import pytest
from actors import acting

import workbench as wb
from workbench import impact
from workbench.errors import ValidationError
from workbench.impact import ImpactAssessment
from workbench.impact.model import SUBMIT_QUESTIONS, submission_gaps
from workbench.oversight.workflow import request

EMPTY_CONTENT = ("unintended_uses", "data", "model_info", "benefits", "harms", "measures")


def _answers() -> dict[str, object]:
    """Every required screening question of a minimal-tier system answered."""
    no = ("prohibited.manipulation", "prohibited.exploits_vulnerabilities",
          "prohibited.social_scoring", "prohibited.crime_prediction",
          "prohibited.facial_scraping", "prohibited.emotion_work_education",
          "prohibited.biometric_sensitive_categorisation",
          "prohibited.realtime_biometric_identification", "transparency.interacts_with_people",
          "transparency.synthetic_content", "transparency.emotion_or_biometric_categorisation",
          "transparency.deepfake_or_public_text", "high_risk.annex_i_product",
          "gpai.provides_model", "context.affects_individuals", "context.vulnerable_groups",
          "context.public_service")
    return {**{q: "no" for q in no}, "high_risk.annex_iii_use_cases": ["none"]}


def _hollow(store) -> dict[str, object]:
    """A demand-forecast assessment with the old submit fields only: no harms, benefits,
    data, model, misuse or measures."""
    draft = impact.new_assessment(store, "demand-forecast", assessor="chloe",
                                  assessed_on=dt.date(2026, 11, 20))
    data = draft.model_dump(warnings=False)
    data.update(scope="Store demand forecasting", conclusion="Minimal tier.",
                intended_uses=["Replenishment orders"], answers=_answers(),
                review_due=dt.date(2027, 11, 20), model_info={}, status="submitted")
    return data


def test_an_empty_draft_does_not_run_the_impact_assessment_process(demo_store):
    """Auditor case: an empty draft impact assessment with no answers moved A.5.2 to met."""
    before = wb.readiness.assess(demo_store, only=["A.5.2"], verify=False).requirement("A.5.2")
    assert before["status"] == "partial"
    assert "Store demand forecasting (demand-forecast): start its impact assessment" in \
        before["missing"]
    with acting("chloe"):
        draft = impact.new_assessment(demo_store, "demand-forecast")
        impact.save_assessment(demo_store, draft)
    assert demo_store.get("impact_assessment", "ia-demand-forecast").content["answers"] == {}
    after = wb.readiness.assess(demo_store, only=["A.5.2"], verify=False).requirement("A.5.2")
    assert after["status"] == "partial"
    assert ("Store demand forecasting (demand-forecast): submit impact assessment "
            "ia-demand-forecast (a draft does not count)") in after["missing"]
    assert "impact_assessment ia-demand-forecast" not in after["evidence"]
    # the demo's own drafts do not count either; the documented process does
    assert any(m.startswith("Clinic triage assistant (clinical-triage): submit impact "
                            "assessment ia-clinical-triage") for m in after["missing"])
    assert "evidence ev-impact-assessment-procedure" in after["evidence"]


def test_a_hollow_submission_is_refused_naming_the_questions(demo_store):
    """Auditor case: an impact assessment submitted with no harms, benefits, data, model,
    misuse or measures was approved and counted for 6.1.4."""
    head = demo_store.head()
    data = _hollow(demo_store)
    with acting("chloe"), pytest.raises(ValidationError) as info:
        impact.save_assessment(demo_store, data)
    assert demo_store.head() == head
    fields = [f for f, _ in info.value.errors]
    assert fields == ["unintended_uses", "data", "model_info", "benefits", "harms", "measures"]
    message = str(info.value)
    assert message.startswith("cannot submit impact assessment 'ia-demand-forecast': 6 "
                              "required item(s) missing: What unintended uses")
    for name in EMPTY_CONTENT:
        assert SUBMIT_QUESTIONS[name] in message
    assert "model_info" not in message and "unintended_uses" not in message


def test_a_hollow_submission_saved_past_the_check_is_neither_signed_nor_counted(demo_store):
    before = wb.readiness.assess(demo_store, only=["6.1.4", "A.5"], verify=False)
    # written without save_assessment (the record model alone still reads old versions)
    with acting("chloe"):
        demo_store.save(ImpactAssessment.model_validate(_hollow(demo_store)),
                        reason="submitted")
        with pytest.raises(ValidationError, match="cannot request sign-off of impact "
                           "assessment 'ia-demand-forecast': an impact assessment without its "
                           "harms"):
            request(demo_store, "impact_assessment", "ia-demand-forecast")
    after = wb.readiness.assess(demo_store, only=["6.1.4", "A.5"], verify=False)
    for rid in ("6.1.4", "A.5.2", "A.5.3", "A.5.4", "A.5.5"):
        was, now = before.requirement(rid), after.requirement(rid)
        assert now["status"] == was["status"], (rid, now["reason"])
        assert not any("ia-demand-forecast" in e for e in now["evidence"]), rid
    todo = after.requirement("6.1.4")["missing"]
    assert any(m.startswith("Store demand forecasting (demand-forecast): impact assessment "
                            "ia-demand-forecast was submitted without answering: What "
                            "unintended uses") for m in todo), todo


def test_demo_submitted_assessments_pass_the_check(demo_store):
    submitted = [v for v in demo_store.latest("impact_assessment")
                 if v.content["status"] == "submitted"]
    assert len(submitted) == 4
    for version in submitted:
        assert submission_gaps(version.record) == [], version.record_id


# -- ISO/IEC 42005 completeness: rated benefits, capabilities, structured thresholds ---------
def test_a_version_saved_before_the_42005_fields_is_still_read(demo_store):
    """Stored content with free-text thresholds and unrated benefits (the old shape) reads:
    the text becomes one threshold, ratings are empty; it no longer passes the submit
    check, which names the benefit to rate."""
    from wbtest import append_unchecked

    old = demo_store.get("impact_assessment", "ia-card-fraud").content
    content = {k: v for k, v in old.items() if k != "capabilities"}
    content["sensitive_use_thresholds"] = "Holds above 5,000 EUR go to a senior analyst."
    content["benefits"] = [{"party": "Cardholders", "description": "Fraud stopped."}]
    append_unchecked(demo_store, "impact_assessment", content)
    record = demo_store.get("impact_assessment", "ia-card-fraud").record
    (threshold,) = record.sensitive_use_thresholds
    assert threshold.condition == "Holds above 5,000 EUR go to a senior analyst."
    assert threshold.response is None and record.capabilities == []
    assert record.benefits[0].unrated() == ["severity", "likelihood", "scale"]
    assert submission_gaps(record) == [(
        "benefits.0", "How large, how likely and at what scale is this benefit? (Fraud "
        "stopped.: severity, likelihood, scale)")]
    html = impact.assessment_html(record)
    assert "Holds above 5,000 EUR" in html and "not rated" in html
    result = wb.readiness.assess(demo_store, only=["A.5.2"], verify=False)
    assert not result.problems
    assert any("ia-card-fraud was submitted without answering: How large" in m
               for m in result.requirement("A.5.2")["missing"])


def test_benefits_thresholds_and_capabilities_are_checked(demo_store):
    data = demo_store.get("impact_assessment", "ia-cv-screening").content
    record = ImpactAssessment.model_validate(data)
    assert record.benefits[0].severity.value == "moderate" and record.capabilities
    assert [t.response.value for t in record.sensitive_use_thresholds] == [
        "human_review", "not_permitted"]
    with pytest.raises(ValidationError):
        ImpactAssessment.parse({**data, "sensitive_use_thresholds": [{"use": "x"}]})
    with pytest.raises(ValidationError):
        ImpactAssessment.parse({**data, "benefits": [{**data["benefits"][0],
                                                      "scale": "galaxy"}]})
