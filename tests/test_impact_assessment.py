"""Impact assessment records in the store (SQLite and PostgreSQL): drafts, submission checks,
conflicts, harms and measures, risks proposed from harms, the portfolio and sign-off facts."""

from __future__ import annotations

import datetime as dt

import pytest
from actors import acting

from workbench import impact
from workbench.errors import ConflictError, NotFoundError, ValidationError
from workbench.impact import ImpactAssessment
from workbench.model import AISystem, Person

TODAY = dt.date(2026, 11, 26)


def answers(**changes: object) -> dict[str, object]:
    """Every applicable required question answered: a high-risk recruitment system."""
    base: dict[str, object] = {
        "context.affects_individuals": "yes", "context.vulnerable_groups": "no",
        "context.public_service": "no",
        **{q: "no" for q in ("prohibited.manipulation", "prohibited.exploits_vulnerabilities",
                             "prohibited.social_scoring", "prohibited.crime_prediction",
                             "prohibited.facial_scraping", "prohibited.emotion_work_education",
                             "prohibited.biometric_sensitive_categorisation",
                             "prohibited.realtime_biometric_identification",
                             "transparency.interacts_with_people",
                             "transparency.synthetic_content",
                             "transparency.emotion_or_biometric_categorisation",
                             "transparency.deepfake_or_public_text",
                             "high_risk.annex_i_product", "gpai.provides_model")},
        "high_risk.annex_iii_use_cases": ["annex3.4.a"], "high_risk.profiling": "yes",
        "high_risk.derogation": "no"}
    return base | {k.replace("__", "."): v for k, v in changes.items()}


def complete(**changes: object) -> dict[str, object]:
    data = {
        "id": "ia-cv", "system_id": "cv", "assessor": "alice", "assessed_on": TODAY,
        "trigger": "new_system",
        "scope": "Ranking of applications", "system_description": "Ranks CVs",
        "purpose": "Help recruiters", "intended_uses": ["Ordering applications"],
        "unintended_uses": ["Rejecting applicants without review"],
        "data": {"sources": ["Applicant tracking system"]},
        "model_info": {"model_type": "GBM ranking", "performance": "NDCG@20 0.7"},
        "interested_parties": [{"name": "Applicants", "category": "affected_individual"},
                            {"name": "Recruiters", "category": "user"}],
        "benefits": [{"party": "Recruiters", "description": "Faster first review",
                      "severity": "moderate", "likelihood": "likely", "scale": "group"}],
        "harms": [{"id": "h1", "party": "Applicants", "objective": "objective.fairness",
                "description": "Older applicants ranked lower", "severity": "major",
                "likelihood": "possible", "reversibility": "hard_to_reverse", "scale": "group"},
               {"id": "h2", "party": "Recruiters", "objective": "objective.accountability",
                "description": "Over-reliance on the ranking", "severity": "moderate",
                "likelihood": "likely", "reversibility": "reversible", "scale": "individual",
                "risk_source": "source.level_of_automation"}],
        "measures": [{"id": "m1", "description": "Quarterly fairness check", "harm_ids": ["h1"]}],
        "answers": answers(), "conclusion": "High-risk; acceptable with measures",
        "review_due": TODAY + dt.timedelta(days=365), "status": "submitted"}
    data.update(changes)
    return data


@pytest.fixture
def seeded(store):
    store.save_many([(Person(id="alice", name="Alice", roles=["assessor"]), None),
                     (Person(id="farid", name="Farid", roles=["owner"]), None)])
    for sid, roles in (("cv", ["provider", "deployer"]), ("bot", ["deployer"])):
        store.save(AISystem(
            id=sid, name=f"System {sid}", purpose="Rank applications", owner="farid",
            business_unit="HR", lifecycle_stage="operate", org_roles=roles, technique="GBM",
            technique_family="classical_ml", automation_level="partial",
            oversight_mode="in_the_loop", affected_parties=["job applicants"],
            geography=["DE"], description="Ranks CVs", deployment_context="ATS",
            team=["alice"]))
    return store


def test_new_draft_from_the_inventory_and_saved(seeded, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "alice")
    draft = impact.new_assessment(seeded, "cv", assessed_on=TODAY)
    assert draft.id == "ia-cv" and draft.status.value == "draft" and draft.assessor == "alice"
    assert draft.purpose == "Rank applications" and draft.deployment.geography == ["DE"]
    assert draft.interested_parties[0].name == "Job applicants"
    saved = impact.save_assessment(seeded, draft)
    assert saved.version == 1 and saved.reason == "draft saved" and saved.author == "alice"
    with pytest.raises(ConflictError, match="already exists"):
        impact.new_assessment(seeded, "cv")
    with pytest.raises(NotFoundError, match="no AI system 'nope'"):
        impact.new_assessment(seeded, "nope")


def test_a_complete_assessment_is_submitted_and_classified(seeded):
    saved = impact.save_assessment(seeded, complete())
    assert saved.record.status.value == "submitted" and saved.reason == "submitted for approval"
    result = impact.classify_system(seeded, "cv")
    assert result.tier == "high_risk" and result.triggered == ["annex3.4.a"]
    assert impact.completeness(saved.record) == 1.0
    assert seeded.verify().ok


def test_wrong_answer_types_are_refused_and_nothing_is_saved(seeded):
    head = seeded.head()
    data = complete(status="draft", answers={"gpai.provides_model": "yes",
                                              "gpai.training_compute_flop": "a lot",
                                              "high_risk.annex_iii_use_cases": "annex3.99",
                                              "context.made_up": "yes"})
    with pytest.raises(ValidationError) as info:
        impact.save_assessment(seeded, data)
    errors = dict(info.value.errors)
    assert errors["answers.gpai.training_compute_flop"] == "answer with a number (got 'a lot')"
    assert "is not an option" in errors["answers.high_risk.annex_iii_use_cases"]
    assert errors["answers.context.made_up"].startswith("not a question of the questionnaire")
    assert seeded.head() == head


def test_submit_with_gaps_lists_them_and_saves_nothing(seeded):
    head = seeded.head()
    gaps = complete(scope="", conclusion="", review_due=None,
                    answers=answers(high_risk__profiling="unknown",
                                    context__public_service=None))
    with pytest.raises(ValidationError) as info:
        impact.save_assessment(seeded, gaps)
    fields = [f for f, _ in info.value.errors]
    assert fields == ["scope", "conclusion", "review_due", "answers.context.public_service",
                      "answers.high_risk.profiling"]
    q = impact.questionnaire()
    # named by their questions, not by internal keys
    assert str(info.value) == (
        "cannot submit impact assessment 'ia-cv': 5 required item(s) missing: What does the "
        "assessment cover? What is the conclusion? When is the next review? "
        f"{q.question('context.public_service').text} "
        f"{q.question('high_risk.profiling').text} Fill them in or keep it as a draft.")
    assert dict(info.value.errors)["answers.high_risk.profiling"].endswith(
        "('unknown' is accepted in a draft only)")
    assert seeded.head() == head
    # the same content is a valid draft
    assert impact.save_assessment(seeded, {**gaps, "status": "draft"}).version == 1


def test_approved_is_never_written_into_the_record(seeded):
    with pytest.raises(ValidationError, match="approval comes from sign-off"):
        impact.save_assessment(seeded, complete(status="approved"))
    with pytest.raises(ValidationError, match="status"):
        ImpactAssessment.parse(complete(status="approved"))


def test_the_record_model_checks_itself(seeded):
    with pytest.raises(ValidationError) as info:
        ImpactAssessment.parse(complete(
            measures=[{"id": "m1", "description": "x", "harm_ids": ["h9"]}],
            harms=[{**complete()["harms"][0], "party": "Shareholders",
                    "objective": "objective.fun"}],
            review_due=TODAY - dt.timedelta(days=1)))
    text = str(info.value)
    assert "unknown Annex C objective 'objective.fun'" in text
    info2 = pytest.raises(ValidationError, ImpactAssessment.parse, complete(
        measures=[{"id": "m1", "description": "x", "harm_ids": ["h9"]}],
        benefits=[{"party": "Shareholders", "description": "profit"}],
        review_due=TODAY - dt.timedelta(days=1)))
    text = str(info2.value)
    assert ("benefits.0.party", ("'Shareholders' is not one of the interested parties "
            "(Applicants, Recruiters)")) in info2.value.errors  # located, for a form
    assert "measures.0.harm_ids: no harm h9 in this assessment" in text
    assert "benefits.0.party: 'Shareholders' is not one of the interested parties" in text
    assert "review_due: 2026-11-25 must be after assessed_on 2026-11-26" in text
    # a submitted record without its narrative is refused even through store.save
    with pytest.raises(ValidationError, match="scope: a submitted assessment needs it"):
        seeded.save(ImpactAssessment.model_construct(**{**ImpactAssessment.parse(
            complete()).__dict__, "scope": ""}))


def test_a_stale_save_is_a_conflict_that_keeps_the_store_as_it_was(seeded):
    with acting("alice"):
        first = impact.save_assessment(seeded, complete(status="draft"))
    with acting("alice"):
        impact.save_assessment(seeded, complete(status="draft", scope="Alice's edit"),
                               base_version=first.version)
    head = seeded.head()
    with pytest.raises(ConflictError, match="was changed by alice"), acting("farid"):
        impact.save_assessment(seeded, complete(status="draft", scope="Farid's edit"),
                               base_version=first.version)
    assert seeded.head() == head
    assert seeded.get("impact_assessment", "ia-cv").record.scope == "Alice's edit"


def test_submit_a_saved_draft(seeded):
    impact.save_assessment(seeded, complete(status="draft"))
    submitted = impact.submit_assessment(seeded, "ia-cv")
    assert submitted.version == 2 and submitted.record.status.value == "submitted"
    head = seeded.head()  # a second submit is not a silent "submitted"
    with pytest.raises(ValidationError, match=r"^ia-cv is already submitted \(version 2 by "):
        impact.submit_assessment(seeded, "ia-cv")
    assert seeded.head() == head
    impact.save_assessment(seeded, complete(id="ia-bot", system_id="bot", status="draft",
                                            conclusion=""))
    with pytest.raises(ValidationError, match=r"missing: What is the conclusion\?"):
        impact.submit_assessment(seeded, "ia-bot")


def test_latest_assessment_is_the_most_recent(seeded):
    assert impact.latest_assessment(seeded, "cv") is None
    impact.save_assessment(seeded, complete(id="ia-cv-2025", assessed_on=TODAY.replace(
        year=2025), review_due=TODAY))
    impact.save_assessment(seeded, complete(trigger="periodic"))
    assert impact.latest_assessment(seeded, "cv").record_id == "ia-cv"


def test_classify_system_without_an_assessment(seeded):
    result = impact.classify_system(seeded, "bot")
    assert result.tier == "undetermined" and result.roles == ["deployer"]
    assert "no impact assessment of bot yet" in result.reasoning[0].conclusion


def test_completeness_grows_with_the_answers(seeded):
    empty = impact.new_assessment(seeded, "cv", assessor="alice")
    low = impact.completeness(empty)
    assert 0 < low < 0.3
    assert impact.completeness(complete(status="draft", conclusion="")) < 1.0
    assert impact.completeness(complete()) == 1.0


def test_risk_proposed_from_an_unmitigated_harm(seeded):
    assessment = ImpactAssessment.parse(complete())
    assert [h.id for h in assessment.unmitigated_harms()] == ["h2"]
    proposal = impact.propose_risk_from_harm(assessment, "h2", owner="farid",
                                             identified_on=TODAY)
    assert proposal == {
        "id": "risk-cv-h2", "system_id": "cv", "title": "Over-reliance on the ranking",
        "description": proposal["description"], "risk_source": "source.level_of_automation",
        "objective": "objective.accountability", "inherent_likelihood": 4,
        "inherent_consequence": 3, "treatment": "modify", "controls": ["A.5.4", "A.5.2"],
        "actions": [], "residual_likelihood": 4, "residual_consequence": 3, "owner": "farid",
        "status": "identified", "identified_on": "2026-11-26", "next_review": "2027-02-24"}
    assert "(harm h2) with no mitigating measure" in proposal["description"]
    three = impact.propose_risk_from_harm(assessment, "h1", owner="farid", levels=3)
    assert (three["inherent_likelihood"], three["inherent_consequence"]) == (2, 3)
    with pytest.raises(NotFoundError, match="has no harm 'h7'"):
        impact.propose_risk_from_harm(assessment, "h7", owner="farid")
    proposals = impact.proposed_risks(seeded, assessment, identified_on=TODAY)
    assert [p["id"] for p in proposals] == ["risk-cv-h2"] and proposals[0]["owner"] == "farid"
    saved = impact.save_proposed_risk(seeded, proposals[0])
    assert saved.kind == "risk" and saved.record.objective == "objective.accountability"
    # the measure can now link the risk record
    linked = complete(measures=[{"id": "m1", "description": "x", "harm_ids": ["h1", "h2"],
                                 "risk_ids": ["risk-cv-h2"]}])
    assert impact.save_assessment(seeded, linked).record.measures[0].risk_ids == ["risk-cv-h2"]
    with pytest.raises(ValidationError, match="refers to risk 'risk-nope'"):
        impact.save_assessment(seeded, complete(id="ia-x", measures=[
            {"id": "m1", "description": "x", "harm_ids": ["h1"], "risk_ids": ["risk-nope"]}]))


def test_portfolio_and_signoff_facts(seeded):
    impact.save_assessment(seeded, complete(review_due=TODAY + dt.timedelta(days=10)))
    df = impact.portfolio(seeded, as_of=TODAY + dt.timedelta(days=30))
    assert list(df["system_id"]) == ["bot", "cv"]
    bot, cv = df.iloc[0], df.iloc[1]
    assert (bot["tier"], bot["assessment_status"], bot["assessment_id"]) == \
        ("undetermined", "none", None)
    assert not bot["overdue_review"]
    assert (cv["tier"], cv["assessment_status"], cv["gpai"]) == ("high_risk", "submitted", "none")
    assert cv["overdue_review"] and cv["review_due"] == TODAY + dt.timedelta(days=10)
    assert "art9" in cv["obligations"] and cv["approval"] in ("none", "pending")
    facts = impact.signoff_facts(seeded, seeded.get("impact_assessment", "ia-cv"))
    assert facts == {"system_id": "cv", "system_name": "System cv", "system_owner": "farid",
                     "eu_tier": "high_risk", "high_risk": True, "gpai": "none",
                     "assessor": "alice", "status": "submitted",
                     "review_due": "2026-12-06", "complete": True}


def test_views(seeded):
    saved = impact.save_assessment(seeded, complete(scope="<img src=x onerror=alert(1)>"))
    html = impact.assessment_html(saved.record)
    assert "<img" not in html and "&lt;img src=x" in html
    matrix = impact.harms_matrix(saved.record)
    assert matrix.loc["major", "possible"] == 1 and int(matrix.to_numpy().sum()) == 2
    assert next(iter(matrix.index)) == "severe"
    fig = impact.harms_figure(saved.record).to_plotly_json()
    assert fig["data"][0]["type"] == "heatmap"
    frame = impact.harms_frame(saved.record)
    assert list(frame["mitigated"]) == [True, False] and frame["measures"][0] == ["m1"]
    view = impact.system_view(seeded, "cv")
    assert "high-risk" in view.classification_html() and "annex3.4.a" in \
        view.classification_html()
    assert view.evidence.empty and "No evidence" in view.evidence_html()


@pytest.mark.parametrize(("status", "approval", "shown", "hidden"), [
    ("submitted", "approved", [">approved<"], [">submitted<"]),
    ("submitted", "pending", [">submitted<", ">sign-off pending<"], [">approved<"]),
    ("submitted", "stale", [">submitted<", ">approval stale<"], [">approved<"]),
    ("draft", "stale", [">draft<", ">approval stale<"], []),
    ("draft", "none", [">draft<"], ["sign-off"]),
])
def test_status_badges_show_approval_as_the_step_after_submission(status, approval, shown,
                                                                   hidden):
    from workbench.impact.views import state_badges

    html = state_badges(status, approval)
    assert all(s in html for s in shown) and not any(h in html for h in hidden), html
