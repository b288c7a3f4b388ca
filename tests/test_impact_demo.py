"""The demo's impact assessments and fairness evidence: one draft or more, submitted ones,
one submitted a year ago with its review overdue (for sign-off to approve), and fairness
evidence for CV screening and credit scoring with exactly one value outside a threshold."""

from __future__ import annotations

import datetime as dt

from workbench import fairness, impact
from workbench.demo.impact import ASSESSMENTS, synthetic_predictions

from wbtest import DEMO_AS_OF


def test_assessments_and_their_states(demo_store):
    latest = {v.record_id: v for v in demo_store.latest("impact_assessment")}
    assert set(latest) == {f"ia-{s}" for s in ASSESSMENTS}
    status = {v.record.system_id: v.record.status.value for v in latest.values()}
    assert status == {"cv-screening": "submitted", "credit-scoring": "submitted",
                      "support-chatbot": "submitted", "card-fraud": "submitted",
                      "clinical-triage": "draft", "marketing-copy": "draft"}
    credit = latest["ia-credit-scoring"].record
    assert credit.assessed_on <= DEMO_AS_OF - dt.timedelta(days=365)
    assert credit.review_due < DEMO_AS_OF  # approved by the sign-off demo, now due for review
    for version in latest.values():
        if version.record.status.value == "submitted":
            impact.validate_assessment(version.record)  # passes the submit checks
            assert version.version == 2  # a draft first, then the submission


def test_portfolio_spans_the_tiers(demo_store):
    df = impact.portfolio(demo_store).set_index("system_id")
    assert df["tier"].to_dict() == {
        "card-fraud": "minimal", "clinical-triage": "undetermined",
        "credit-scoring": "high_risk", "cv-screening": "high_risk",
        "demand-forecast": "undetermined", "marketing-copy": "transparency",
        "support-chatbot": "transparency"}
    assert df.loc["demand-forecast", "assessment_status"] == "none"
    assert df["overdue_review"].to_dict()["credit-scoring"]
    assert df["overdue_review"].sum() == 1
    card = impact.classify_system(demo_store, "card-fraud")
    assert [s.rule for s in card.reasoning if s.effect == "exception"] == ["annex3.5.b"]
    view = impact.system_view(demo_store, "demand-forecast")
    assert view.assessment is None and "No impact assessment yet" in view.header_html()


def test_measures_link_the_risk_register(demo_store):
    cv = demo_store.get("impact_assessment", "ia-cv-screening").record
    linked = [r for m in cv.measures for r in m.risk_ids]
    assert linked and all(demo_store.exists("risk", r) for r in linked)
    assert [h.id for h in cv.unmitigated_harms()] == ["h4"]


def test_fairness_evidence_shows_exactly_one_breach(demo_store):
    flags = fairness.flags(demo_store)
    assert set(flags["system_id"]) == {"cv-screening", "credit-scoring"}
    breach = flags[flags["breach"]]
    assert list(zip(breach["system_id"], breach["feature"], breach["metric"])) == [
        ("cv-screening", "age_band", "demographic_parity_ratio")]
    assert 0.7 < breach["value"].iloc[0] < 0.8
    for ev in demo_store.records("evidence"):
        if ev.evidence_kind.value == "fairness_metrics":
            system = ev.system_ids[0]
            assert [(link.kind, link.id) for link in ev.links] == [
                ("impact_assessment", f"ia-{system}")]
            assert ev.content_hash == ev.details["fingerprint"]
            assert not ev.is_expired(DEMO_AS_OF)
    cv = next(e for e in demo_store.records("evidence") if e.id.startswith("fairness-cv-"))
    assert cv.details["group_sizes"]["gender"]["undisclosed"] == 24
    assert any("'undisclosed'" in w and "unreliable" in w for w in cv.details["warnings"])


def test_synthetic_predictions_are_deterministic():
    first = synthetic_predictions("cv-screening")
    assert first.equals(synthetic_predictions("cv-screening")) and len(first) == 624
    assert list(first.columns) == ["applicant_id", "gender", "age_band", "label", "prediction",
                                   "score"]
    assert synthetic_predictions("credit-scoring", rows=10).equals(
        synthetic_predictions("credit-scoring").head(10))
