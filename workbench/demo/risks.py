"""Demo risk criteria and the risk register of Larkspur Group's AI systems.

Dates are relative to ``as_of``: some actions are overdue, some reviews due, some residual
risks above the appetite were accepted (as a second version, by the person entitled to), and
some still wait for an acceptance, so the heatmap and the register tell a story.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from workbench.demo.clock import at, founded
from workbench.risk.model import Risk, default_criteria
from workbench.risk.register import Lookup, prepare_risk

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

ASSESSOR = "alice"

# Each risk: system, title, description, Annex C source and objective, inherent (L, C),
# treatment, Annex A controls, residual (L, C), owner, status, identified (days before as_of),
# next review (days after as_of; negative = due), actions (description, owner, due in days,
# done days ago or None), acceptance (by, days ago, rationale) recorded as a second version.
RISKS: list[dict[str, Any]] = [
    # -- TalentMatch CV screening ------------------------------------------------------------
    dict(system="cv-screening", title="Ranking model under-scores applicants with career gaps",
         description="Tenure and continuity features push applicants with gaps for caring, "
         "illness or study down the ranking, which falls harder on women and carers.",
         source="machine_learning", objective="fairness", inherent=(4, 4), treatment="modify",
         controls=["A.5.4", "A.7.4", "A.6.2.4"], residual=(3, 4), owner="farid",
         status="treated", identified=140, review=40,
         actions=[("Remove employment-gap features and retrain; compare selection rates by "
                   "gap length", "ravi", -20, None),
                  ("Add a career-gap cohort to the quarterly fairness test", "alice", 30, None)]),
    dict(system="cv-screening", title="Recruiters rubber-stamp the top of the ranking",
         description="Under volume pressure recruiters shortlist the top ten without reading "
         "further, so the model effectively decides.", source="level_of_automation",
         objective="accountability", inherent=(4, 3), treatment="modify",
         controls=["A.9.2", "A.4.6", "A.6.2.6"], residual=(3, 3), owner="farid",
         status="treated", identified=200, review=60,
         actions=[("Blind review of a 5% sample of rejected applicants every month", "farid",
                   -150, 140)]),
    dict(system="cv-screening", title="CV parser fails on non-standard layouts and scripts",
         description="Two-column templates and Cyrillic or Greek CVs lose most of their "
         "experience section, so those applicants rank low for the wrong reason.",
         source="technology_readiness", objective="robustness", inherent=(3, 3),
         treatment="modify", controls=["A.6.2.4", "A.7.4"], residual=(2, 3), owner="ben",
         status="assessed", identified=90, review=90,
         actions=[("Add Polish and Cyrillic CV samples to the parser test set", "ravi", -5,
                   None)]),
    dict(system="cv-screening", title="Applicants are not told that a model ranks them",
         description="The careers site privacy notice does not mention automated ranking.",
         source="lack_of_transparency_and_explainability",
         objective="transparency_and_explainability", inherent=(3, 4), treatment="modify",
         controls=["A.8.2", "A.8.5"], residual=(1, 4), owner="farid", status="treated",
         identified=260, review=-10,
         actions=[("Publish an applicant notice on automated ranking", "ines", -200, 210)]),
    dict(system="cv-screening",
         title="Training data reflects past hiring of a less diverse workforce",
         description="Labels are past hiring decisions from 2019-2024, when store management "
         "hires were 78% men.", source="machine_learning",
         objective="availability_and_quality_of_training_and_test_data", inherent=(4, 4),
         treatment="modify", controls=["A.7.2", "A.7.5", "A.5.4"], residual=(3, 4),
         owner="farid", status="treated", identified=300, review=65,
         actions=[("Reweight training data by outcome and sex", "alice", -240, 250)],
         acceptance=("farid", 30, "Recruiters read every shortlist in full and the ranking is "
                     "one input of several; reweighting brought the selection-rate ratio "
                     "within 0.8. Going further needs new labelled data, planned for 2027.")),
    dict(system="cv-screening", title="CV data kept longer than the applicant notice allows",
         description="Rejected applicants' CVs stay in the feature store after the 6-month "
         "retention period.", source="system_life_cycle_issues", objective="privacy",
         inherent=(3, 3), treatment="modify", controls=["A.7.2", "A.6.2.8"], residual=(1, 3),
         owner="ines", status="treated", identified=75, review=105,
         actions=[("Automate deletion of applicant data after 6 months", "ravi", 45, None)]),
    # -- ClearCredit consumer credit scoring -------------------------------------------------
    dict(system="credit-scoring",
         title="Declines cannot be explained in terms applicants can act on",
         description="Adverse-action reasons come from the scorecard while the challenger "
         "model drives some declines.", source="lack_of_transparency_and_explainability",
         objective="transparency_and_explainability", inherent=(4, 4), treatment="modify",
         controls=["A.8.2", "A.6.2.7"], residual=(2, 4), owner="grace", status="treated",
         identified=220, review=30,
         actions=[("Derive reason codes from the deciding model", "alice", -100, 110)]),
    dict(system="credit-scoring",
         title="Challenger model drifts as interest rates change borrower behaviour",
         description="Rate rises change repayment behaviour faster than the annual rebuild.",
         source="complexity_of_environment", objective="robustness", inherent=(4, 3),
         treatment="modify", controls=["A.6.2.6", "A.6.2.4"], residual=(3, 3), owner="grace",
         status="treated", identified=120, review=60,
         actions=[("Add population stability alerts to the monthly monitoring pack", "ravi",
                   -12, None)]),
    dict(system="credit-scoring",
         title="Proxy discrimination through postcode and basket features",
         description="Postcode and shopping-basket features correlate with ethnicity and age.",
         source="machine_learning", objective="fairness", inherent=(3, 5), treatment="modify",
         controls=["A.5.4", "A.7.4", "A.6.2.4"], residual=(2, 5), owner="grace",
         status="treated", identified=330, review=20,
         actions=[("Remove postcode; test basket features for disparate impact", "alice",
                   -280, 290)],
         acceptance=("grace", 45, "Postcode is gone; basket features stay because they cut "
                     "defaults by 8%. Quarterly disparate-impact tests by age and sex show no "
                     "breach. To be revisited at the 2027 model rebuild.")),
    dict(system="credit-scoring",
         title="Automatic approvals exceed affordability for thin-file applicants",
         description="Applicants with under a year of bureau history get limits set from "
         "sparse data and no underwriter sees them.", source="level_of_automation",
         objective="robustness", inherent=(3, 4), treatment="modify",
         controls=["A.9.2", "A.6.2.5"], residual=(3, 4), owner="grace", status="assessed",
         identified=50, review=-2,
         actions=[("Route thin-file applications to an underwriter", "grace", 20, None),
                  ("Cap automatic limits for files under 12 months of history", "ben", -3,
                   None)]),
    dict(system="credit-scoring", title="Bureau data outage stops online credit decisions",
         description="A credit bureau outage leaves online applications pending for hours.",
         source="complexity_of_environment", objective="robustness", inherent=(2, 3),
         treatment="share", controls=["A.10.3"], residual=(2, 2), owner="grace",
         status="accepted", identified=180, review=100, actions=[]),
    dict(system="credit-scoring",
         title="Decision logs too short-lived to answer complaints",
         description="Decision logs were kept 90 days; complaints arrive up to 6 years later.",
         source="system_life_cycle_issues", objective="accountability", inherent=(3, 3),
         treatment="modify", controls=["A.6.2.8"], residual=(1, 3), owner="grace",
         status="closed", identified=400, review=200,
         actions=[("Keep decision logs 7 years in the archive", "ravi", -330, 340)]),
    # -- Ava customer-service assistant ------------------------------------------------------
    dict(system="support-chatbot",
         title="Assistant invents refund and warranty terms that do not exist",
         description="Answers drift from the help-centre text when customers push back.",
         source="machine_learning", objective="robustness", inherent=(5, 3),
         treatment="modify", controls=["A.6.2.4", "A.6.2.6", "A.9.4"], residual=(3, 3),
         owner="marta", status="treated", identified=240, review=25,
         actions=[("Answer refund questions only from retrieved policy text", "ravi", -180,
                   185),
                  ("Review 200 sampled conversations every week", "marta", 7, None)]),
    dict(system="support-chatbot",
         title="Prompt injection via order notes exposes other customers' data",
         description="Free-text order notes reach the prompt and can steer retrieval.",
         source="technology_readiness", objective="security", inherent=(3, 5),
         treatment="modify", controls=["A.6.2.4", "A.10.3", "A.6.2.8"], residual=(2, 5),
         owner="marta", status="treated", identified=100, review=50,
         actions=[("Isolate retrieval per session and strip instructions from order notes",
                   "ravi", -30, None),
                  ("External penetration test of the chat channel", "chloe", 25, None)]),
    dict(system="support-chatbot", title="Customers cannot reach a human when the assistant "
         "loops", description="The hand-over intent is missed in long conversations.",
         source="level_of_automation", objective="accountability", inherent=(4, 3),
         treatment="modify", controls=["A.9.2", "A.8.2"], residual=(2, 3), owner="marta",
         status="treated", identified=210, review=80,
         actions=[("Offer an agent after two failed answers", "ravi", -150, 160)]),
    dict(system="support-chatbot",
         title="Model provider changes the model without notice",
         description="The hosted model was upgraded twice last year with no warning; answer "
         "style and refusals changed overnight.", source="system_life_cycle_issues",
         objective="maintainability", inherent=(4, 3), treatment="share",
         controls=["A.10.3", "A.10.2"], residual=(3, 3), owner="chloe", status="assessed",
         identified=110, review=-15,
         actions=[("Negotiate a 30-day change notice in the provider contract", "chloe", -45,
                   None)]),
    dict(system="support-chatbot", title="Card numbers in chats reach the model provider",
         description="Customers paste card numbers; transcripts go unmasked to the API.",
         source="complexity_of_environment", objective="privacy", inherent=(3, 4),
         treatment="modify", controls=["A.7.6", "A.10.3"], residual=(2, 4), owner="ines",
         status="treated", identified=160, review=20,
         actions=[("Mask card numbers before prompts leave our network", "ravi", -120, 125)]),
    dict(system="support-chatbot",
         title="Unsafe answers about product recalls and allergens",
         description="Safety questions get a generated answer instead of the recall notice.",
         source="level_of_automation", objective="safety", inherent=(2, 5),
         treatment="modify", controls=["A.9.4", "A.6.2.4"], residual=(1, 5), owner="marta",
         status="treated", identified=190, review=70,
         actions=[("Route recall and allergen questions to fixed answers", "ravi", -160,
                   170)]),
    dict(system="support-chatbot",
         title="Customers in financial difficulty are not recognised or escalated",
         description="Mentions of arrears or hardship get the standard card FAQ.",
         source="level_of_automation", objective="fairness", inherent=(4, 4),
         treatment="modify", controls=["A.9.2", "A.5.4"], residual=(3, 4), owner="marta",
         status="assessed", identified=35, review=55,
         actions=[("Detect hardship phrases and hand over to the specialist team", "ravi",
                   10, None)]),
    # -- Sentinel card-fraud detection -------------------------------------------------------
    dict(system="card-fraud", title="Legitimate cardholders abroad blocked at the till",
         description="Holiday spending triggers holds that customers cannot clear in time.",
         source="complexity_of_environment", objective="robustness", inherent=(4, 3),
         treatment="modify", controls=["A.6.2.6"], residual=(3, 3), owner="sven",
         status="treated", identified=150, review=45,
         actions=[("Use travel notices from the app as a feature", "ravi", -90, 95)]),
    dict(system="card-fraud", title="Fraudsters adapt faster than the monthly retraining",
         description="New attack patterns run for weeks before the model learns them.",
         source="complexity_of_environment", objective="security", inherent=(4, 4),
         treatment="modify", controls=["A.6.2.6", "A.6.2.4"], residual=(3, 4), owner="sven",
         status="treated", identified=280, review=35,
         actions=[("Rules backstop for new patterns within 24 hours", "sven", -200, 205)],
         acceptance=("sven", 60, "The rules engine covers a new pattern within 24 hours; "
                     "weekly retraining would cost more than the residual losses, which stay "
                     "within the fraud-loss budget approved by the CRO.")),
    dict(system="card-fraud",
         title="Feature store outage forces fail-open authorisation",
         description="If streaming features are unavailable, transactions pass unscored.",
         source="system_hardware_issues", objective="robustness", inherent=(2, 5),
         treatment="modify", controls=["A.4.5", "A.6.2.5"], residual=(2, 4), owner="sven",
         status="treated", identified=130, review=50,
         actions=[("Failover drill for the feature store", "ravi", -8, None)]),
    dict(system="card-fraud",
         title="More false positives for cards issued outside the EU",
         description="Customers with non-EU cards are held twice as often at equal risk.",
         source="machine_learning", objective="fairness", inherent=(3, 3),
         treatment="modify", controls=["A.5.4", "A.6.2.4"], residual=(2, 3), owner="sven",
         status="assessed", identified=170, review=-30,
         actions=[("Compare hold rates by issuing country each quarter", "alice", 15, None)]),
    dict(system="card-fraud", title="Fraud analysts cannot see why a transaction was held",
         description="Analysts see a score without the features that drove it.",
         source="lack_of_transparency_and_explainability",
         objective="transparency_and_explainability", inherent=(3, 2), treatment="modify",
         controls=["A.6.2.7", "A.8.2"], residual=(2, 2), owner="sven", status="treated",
         identified=230, review=95,
         actions=[("Show the top five feature contributions in the case tool", "ravi", -170,
                   175)]),
    dict(system="card-fraud", title="Location data kept beyond the investigation window",
         description="Device location was kept for 3 years; 13 months is enough.",
         source="system_life_cycle_issues", objective="privacy", inherent=(2, 3),
         treatment="modify", controls=["A.7.2"], residual=(1, 3), owner="ines",
         status="closed", identified=380, review=180,
         actions=[("Delete location data older than 13 months", "ravi", -300, 310)]),
    # -- Store demand forecasting ------------------------------------------------------------
    dict(system="demand-forecast",
         title="Forecasts miss demand shifts after promotions and heatwaves",
         description="Stock-outs follow promotions the model has not seen before.",
         source="complexity_of_environment", objective="robustness", inherent=(4, 2),
         treatment="modify", controls=["A.6.2.6", "A.6.2.4"], residual=(3, 2), owner="yuki",
         status="treated", identified=200, review=15,
         actions=[("Feed the promotions calendar and weather forecasts as features", "ravi",
                   -60, 70)]),
    dict(system="demand-forecast", title="Over-ordering of perishables adds food waste",
         description="Forecast bias on fresh produce wastes about 2% of deliveries.",
         source="machine_learning", objective="environmental_impact", inherent=(3, 3),
         treatment="modify", controls=["A.9.3", "A.6.2.6"], residual=(2, 3), owner="yuki",
         status="treated", identified=160, review=25,
         actions=[("Asymmetric loss for perishable categories", "ravi", -40, 50)]),
    dict(system="demand-forecast",
         title="Only one engineer understands the reconciliation code",
         description="Hierarchical reconciliation is undocumented and maintained by one person.",
         source="system_life_cycle_issues", objective="ai_expertise", inherent=(3, 3),
         treatment="modify", controls=["A.4.6", "A.6.2.3"], residual=(3, 2), owner="ben",
         status="assessed", identified=120, review=40,
         actions=[("Pair a second engineer on reconciliation and document it", "ben", -60,
                   None)]),
    dict(system="demand-forecast",
         title="Sales feed gaps from the new till rollout corrupt training data",
         description="Stores on the new point-of-sale system report partial days.",
         source="system_life_cycle_issues",
         objective="availability_and_quality_of_training_and_test_data", inherent=(3, 3),
         treatment="modify", controls=["A.7.4", "A.7.5"], residual=(2, 2), owner="yuki",
         status="treated", identified=80, review=100,
         actions=[("Flag and impute partial trading days before training", "ravi", -20, 25)]),
    dict(system="demand-forecast", title="Nightly training runs on oversized GPU instances",
         description="The full retrain uses GPUs the gradient-boosted models barely need.",
         source="system_hardware_issues", objective="environmental_impact", inherent=(5, 1),
         treatment="retain", controls=["A.4.5"], residual=(5, 1), owner="yuki",
         status="accepted", identified=60, review=120, actions=[]),
    # -- Clinic triage assistant -------------------------------------------------------------
    dict(system="clinical-triage", title="Under-triage of chest pain in women and older "
         "patients", description="Validation shows lower sensitivity for atypical "
         "presentations, which are more common in women and older patients.",
         source="machine_learning", objective="safety", inherent=(3, 5), treatment="modify",
         controls=["A.5.4", "A.6.2.4", "A.9.2"], residual=(2, 5), owner="amira",
         status="treated", identified=70, review=20,
         actions=[("Nurse audit of every low-urgency chest-pain suggestion in the pilot",
                   "amira", -40, 45),
                  ("Subgroup sensitivity study by sex and age band", "alice", -14, None)]),
    dict(system="clinical-triage",
         title="Nurses defer to the suggested urgency under time pressure",
         description="Override rates fall on busy days, a sign of automation bias.",
         source="level_of_automation", objective="safety", inherent=(4, 5), treatment="modify",
         controls=["A.9.2", "A.4.6"], residual=(2, 4), owner="amira", status="treated",
         identified=65, review=25,
         actions=[("Hide the suggestion until the nurse records an initial view", "ravi",
                   -30, 32)]),
    dict(system="clinical-triage",
         title="Too few symptom descriptions from non-native speakers in training data",
         description="Answers in simple or mixed language are rare in the training records.",
         source="machine_learning",
         objective="availability_and_quality_of_training_and_test_data", inherent=(4, 4),
         treatment="modify", controls=["A.7.2", "A.7.4"], residual=(3, 4), owner="amira",
         status="treated", identified=68, review=30,
         actions=[("Collect pilot answers in four languages with consent", "alice", 90,
                   None)],
         acceptance=("dev", 20, "Pilot limited to 12 clinics with interpreter access; the "
                     "nurse confirms or overrides every suggestion; data collection runs "
                     "until the end of the pilot.")),
    dict(system="clinical-triage", title="Health data processed outside the DPIA's scope",
         description="Free-text notes were added to the features after the DPIA.",
         source="complexity_of_environment", objective="privacy", inherent=(2, 4),
         treatment="modify", controls=["A.7.2", "A.5.4"], residual=(1, 4), owner="ines",
         status="treated", identified=55, review=60,
         actions=[("Update the DPIA for free-text notes", "ines", -10, 12)]),
    dict(system="clinical-triage",
         title="Nurses cannot see which answers drove the urgency level",
         description="The network gives a level with no reason a nurse can check.",
         source="lack_of_transparency_and_explainability",
         objective="transparency_and_explainability", inherent=(4, 3), treatment="modify",
         controls=["A.6.2.7", "A.8.2"], residual=(3, 3), owner="amira", status="identified",
         identified=12, review=80,
         actions=[("Show the three answers that weighed most", "ravi", 20, None)]),
    dict(system="clinical-triage",
         title="Triage model not mature enough for clinics beyond the pilot",
         description="Clinics want the assistant before clinical validation has finished.",
         source="technology_readiness", objective="safety", inherent=(4, 5),
         treatment="modify", controls=["A.6.2.5", "A.6.2.4"], residual=(4, 5), owner="amira",
         status="identified", identified=5, review=25,
         actions=[("Gate roll-out on the clinical validation report", "amira", 30, None)]),
    # -- Marketing copy generator ------------------------------------------------------------
    dict(system="marketing-copy",
         title="Generated copy makes product claims we cannot substantiate",
         description="Drafts add health and sustainability claims not in the brief.",
         source="machine_learning", objective="accountability", inherent=(4, 3),
         treatment="modify", controls=["A.9.2", "A.9.4"], residual=(2, 3), owner="leo",
         status="treated", identified=50, review=130,
         actions=[("Claims checklist in the approval step", "leo", -30, 35)]),
    dict(system="marketing-copy", title="Images generated in the style of living artists",
         description="Prompts that name artists produce look-alike imagery.",
         source="complexity_of_environment", objective="accountability", inherent=(3, 3),
         treatment="modify", controls=["A.10.3", "A.9.4"], residual=(2, 3), owner="leo",
         status="treated", identified=45, review=135,
         actions=[("Block artist names in prompts", "ravi", -20, 22)]),
    dict(system="marketing-copy",
         title="Synthetic images published without an AI-generated label",
         description="Exported images carry no machine-readable marking.",
         source="lack_of_transparency_and_explainability",
         objective="transparency_and_explainability", inherent=(3, 3), treatment="modify",
         controls=["A.8.2", "A.8.5"], residual=(1, 3), owner="leo", status="treated",
         identified=40, review=140,
         actions=[("Add machine-readable content credentials to every export", "ravi", 60,
                   None)]),
    dict(system="marketing-copy",
         title="Unreleased product plans sent to the model provider in prompts",
         description="Marketers paste launch plans to brief the model.",
         source="complexity_of_environment", objective="security", inherent=(3, 3),
         treatment="share", controls=["A.10.3"], residual=(2, 3), owner="chloe",
         status="accepted", identified=55, review=125, actions=[]),
    dict(system="marketing-copy", title="Copy stereotypes customers by age or gender",
         description="Drafts for 'older customers' lean on stereotypes.",
         source="machine_learning", objective="fairness", inherent=(3, 3),
         treatment="modify", controls=["A.5.5", "A.9.2"], residual=(2, 2), owner="leo",
         status="treated", identified=40, review=-5,
         actions=[("Add inclusive-language review to the approval step", "leo", -25, 28)]),
]


def _day(as_of: dt.date, offset: int) -> dt.date:
    return as_of + dt.timedelta(days=offset)


def risk_records(as_of: dt.date) -> list[tuple[Risk, Risk | None, str | None]]:
    """(first version, accepted second version or None, acceptor) for every demo risk."""
    out = []
    counters: dict[str, int] = {}
    for spec in RISKS:
        system = spec["system"]
        counters[system] = counters.get(system, 0) + 1
        base = dict(
            id=f"{system}-r{counters[system]:02d}", system_id=system, title=spec["title"],
            description=spec["description"], risk_source=f"source.{spec['source']}",
            objective=f"objective.{spec['objective']}",
            inherent_likelihood=spec["inherent"][0], inherent_consequence=spec["inherent"][1],
            treatment=spec["treatment"], controls=spec["controls"],
            actions=[dict(description=d, owner=o, due=_day(as_of, due),
                          done_on=None if done is None else _day(as_of, -done))
                     for d, o, due, done in spec["actions"]],
            residual_likelihood=spec["residual"][0], residual_consequence=spec["residual"][1],
            owner=spec["owner"], status=spec["status"],
            identified_on=_day(as_of, -spec["identified"]),
            next_review=_day(as_of, spec["review"]))
        accepted = None
        acceptor = None
        if "acceptance" in spec:
            acceptor, days, why = spec["acceptance"]
            accepted = Risk(**{**base, "status": "accepted", "acceptance": dict(
                accepted_by=acceptor, accepted_on=_day(as_of, -days), rationale=why)})
        out.append((Risk(**base), accepted, acceptor))
    return out


def seed(store: Store, as_of: dt.date) -> dict[str, int]:
    """Save the default risk criteria and the demo risks (validated like any other save).

    Each risk is saved by the assessor on the day it was identified; an acceptance is recorded
    by the risk's owner on the day it was accepted (naming who accepted it).
    """
    criteria = default_criteria()
    with store.acting_as("chloe", at=founded(as_of, 90)):
        store.save(criteria, reason="risk criteria approved by the AI steering group")
    lookup = Lookup.whole_store(store, criteria)
    records = risk_records(as_of)
    first = [prepare_risk(r, lookup) for r, _, _ in records]
    by_day: dict[dt.date, list[Risk]] = {}
    for risk in first:
        by_day.setdefault(risk.identified_on, []).append(risk)
    for day in sorted(by_day):
        with store.acting_as(ASSESSOR, at=at(as_of, (as_of - day).days)):
            store.save_many([(r, None) for r in by_day[day]], reason="risk assessment workshop")
    accepted = [(prepare_risk(a, lookup), who) for _, a, who in records if a is not None]
    for risk, who in accepted:
        days = (as_of - risk.acceptance.accepted_on).days  # type: ignore[union-attr]
        with store.acting_as(risk.owner, at=at(as_of, days, 30)):
            store.save(risk, base_version=1, reason=f"residual risk accepted by {who}")
    return {"risk criteria": 1, "risks": len(first), "risk acceptances": len(accepted)}
