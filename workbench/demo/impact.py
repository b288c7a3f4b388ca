"""Demo impact assessments and fairness evidence for the Larkspur Group.

Six systems are assessed: four submitted (one of them, credit scoring, a year old with its
review overdue, ready for the sign-off demo to approve), two drafts (one still undetermined
under the EU AI Act); demand forecasting has none. CV screening and credit scoring carry
fairness evidence computed from deterministic synthetic predictions
(:func:`synthetic_predictions`): exactly one value is outside the default thresholds (the
demographic parity ratio of CV screening by age band).
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import TYPE_CHECKING, Any

from workbench.demo.clock import at

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store

__all__ = ["ASSESSMENTS", "PREDICTION_SPECS", "seed", "synthetic_predictions"]

# Synthetic predictions: per system, a seed and cells of (gender, age band) ->
# (rows, share of positive labels, true positive rate, false positive rate). Counts are
# exact; the seed only shuffles rows and draws scores, so the figures never drift.
PREDICTION_SPECS: dict[str, dict[str, Any]] = {
    "cv-screening": {
        "seed": 4201,
        "cells": {
            ("female", "under 30"): (100, 0.30, 0.80, 0.10),
            ("female", "30-49"): (120, 0.32, 0.82, 0.10),
            ("female", "50 and over"): (80, 0.24, 0.80, 0.09),
            ("male", "under 30"): (100, 0.30, 0.80, 0.10),
            ("male", "30-49"): (120, 0.32, 0.82, 0.10),
            ("male", "50 and over"): (80, 0.24, 0.80, 0.09),
            ("undisclosed", "under 30"): (8, 0.25, 1.00, 0.00),
            ("undisclosed", "30-49"): (9, 0.33, 0.67, 0.17),
            ("undisclosed", "50 and over"): (7, 0.29, 1.00, 0.20),
        },
    },
    "credit-scoring": {
        "seed": 4202,
        "cells": {
            ("female", "under 30"): (110, 0.70, 0.85, 0.30),
            ("female", "30-49"): (150, 0.75, 0.86, 0.30),
            ("female", "50 and over"): (120, 0.78, 0.86, 0.28),
            ("male", "under 30"): (120, 0.70, 0.86, 0.31),
            ("male", "30-49"): (160, 0.75, 0.86, 0.30),
            ("male", "50 and over"): (140, 0.77, 0.85, 0.29),
        },
    },
}
#: Column names of the synthetic predictions (the fairness notebook's defaults).
COLUMNS = {"label": "label", "prediction": "prediction", "score": "score",
           "sensitive": ["gender", "age_band"]}


def synthetic_predictions(system_id: str = "cv-screening", *, rows: int | None = None
                          ) -> pd.DataFrame:
    """Deterministic synthetic predictions for a demo system.

    Columns ``applicant_id``, ``gender``, ``age_band``, ``label`` (0/1), ``prediction``
    (0/1) and ``score``. Every call returns the same rows; ``rows`` keeps only the first
    ``rows`` of them (a smaller, still deterministic sample).

    Raises
    ------
    NotFoundError
        No synthetic data for this system (there is for cv-screening and credit-scoring).
    """
    import numpy as np
    import pandas as pd

    from workbench.errors import NotFoundError

    spec = PREDICTION_SPECS.get(system_id)
    if spec is None:
        raise NotFoundError(f"no synthetic predictions for {system_id!r}; use one of "
                            f"{', '.join(PREDICTION_SPECS)}")
    rng = np.random.default_rng(spec["seed"])
    parts = []
    for (gender, age), (size, pos_share, tpr, fpr) in spec["cells"].items():
        pos = round(size * pos_share)
        neg = size - pos
        tp, fp = round(pos * tpr), round(neg * fpr)
        label = [1] * pos + [0] * neg
        pred = [1] * tp + [0] * (pos - tp) + [1] * fp + [0] * (neg - fp)
        parts.append(pd.DataFrame({"gender": gender, "age_band": age, "label": label,
                                   "prediction": pred}))
    df = pd.concat(parts, ignore_index=True)
    df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
    high = rng.uniform(0.5, 1.0, len(df))
    low = rng.uniform(0.0, 0.5, len(df))
    df["score"] = np.where(df["prediction"] == 1, high, low).round(4)
    df.insert(0, "applicant_id", [f"A{n:05d}" for n in range(1, len(df) + 1)])
    return df if rows is None else df.head(rows).copy()


# --------------------------------------------------------------------------- assessments

_NO_PROHIBITED = {q: "no" for q in (
    "prohibited.manipulation", "prohibited.exploits_vulnerabilities",
    "prohibited.social_scoring", "prohibited.crime_prediction", "prohibited.facial_scraping",
    "prohibited.emotion_work_education", "prohibited.biometric_sensitive_categorisation",
    "prohibited.realtime_biometric_identification")}
_NO_TRANSPARENCY = {q: "no" for q in (
    "transparency.interacts_with_people", "transparency.synthetic_content",
    "transparency.emotion_or_biometric_categorisation", "transparency.deepfake_or_public_text")}


def _harm(hid: str, party: str, objective: str, text: str, severity: str, likelihood: str,
          reversibility: str, scale: str, source: str | None = None) -> dict[str, Any]:
    return {"id": hid, "party": party, "objective": f"objective.{objective}", "description": text,
            "severity": severity, "likelihood": likelihood, "reversibility": reversibility,
            "scale": scale, "risk_source": f"source.{source}" if source else None}


def _rated(severity: str, likelihood: str, scale: str) -> dict[str, str]:
    """A benefit's ratings (as a harm's: how large, how likely, at what scale)."""
    return {"severity": severity, "likelihood": likelihood, "scale": scale}


# system -> (assessor, days before as_of, status, review due (days after as_of), content)
ASSESSMENTS: dict[str, tuple[str, int, str, int | None, dict[str, Any]]] = {
    "cv-screening": ("alice", 40, "submitted", 325, {
        "system_version": "3.2", "trigger": "significant_change",
        "trigger_detail": "Ranking model retrained on 2019-2025 applications with a new parser.",
        "scope": "TalentMatch ranking of applications for store and head-office vacancies in DE, "
        "FR, NL and PL, from parsing to the ranked list recruiters see.",
        "system_description": "Parses CVs into skills and experience features and ranks "
        "applicants against the vacancy profile, with a short explanation per applicant.",
        "purpose": "Help recruiters review the strongest matches first; recruiters decide.",
        "intended_uses": ["Ordering applications for recruiter review",
                       "Explaining which skills matched the vacancy"],
        "unintended_uses": ["Rejecting applicants automatically without recruiter review",
                         "Ranking internal staff for promotion or redundancy"],
        "failure_modes": ["Parser misreads CVs with career breaks or foreign qualifications",
                       "Ranking drifts when the vacancy mix changes"],
        "data": {"sources": ["Applicant tracking system 2019-2025", "Vacancy profiles"],
              "provenance": "Internal applications with recruiter outcomes.",
              "quality": "Outcome labels audited on a 2% sample each quarter.",
              "representativeness": "Fewer applicants aged 50 and over than in the workforce.",
              "gaps": "Gender is self-declared and missing for 4% of applicants."},
        "model_info": {"model_type": "Gradient-boosted ranking model", "versions": "3.2",
                    "performance": "NDCG@20 0.71 on the 2025 hold-out set",
                    "limitations": "Not validated for roles with fewer than 30 past hires."},
        "deployment": {"geography": ["DE", "FR", "NL", "PL"],
                    "languages": ["de", "fr", "nl", "pl", "en"],
                    "constraints": "Recruiters review every application shown."},
        "interested_parties": [
            {"name": "Job applicants", "category": "affected_individual"},
            {"name": "Applicants aged 50 and over", "category": "vulnerable_group",
             "description": "Under-represented in the training data."},
            {"name": "Recruiters", "category": "user"},
        ],
        "capabilities": ["Parses CVs in five languages into skills and experience",
                         "Ranks applicants against a vacancy profile",
                         "Explains which skills matched"],
        "sensitive_use_thresholds": [
            {"use": "Rejecting an applicant", "condition": "Any applicant ranked outside the "
             "top 20 for a vacancy", "response": "human_review",
             "notes": "A recruiter reads the application before any rejection."},
            {"use": "Roles with few past hires", "condition": "Fewer than 30 past hires for "
             "the job family", "response": "not_permitted"}],
        "benefits": [{"party": "Recruiters",
                      "description": "Time to first review down by a third.",
                      **_rated("moderate", "almost_certain", "group")},
                  {"party": "Job applicants", "description": "Faster answers.",
                   **_rated("minor", "likely", "group")}],
        "harms": [
            _harm("h1", "Applicants aged 50 and over", "fairness", "Qualified older applicants "
                  "ranked below comparable younger applicants", "major", "possible",
                  "hard_to_reverse", "group", "machine_learning"),
            _harm("h2", "Job applicants", "robustness", "Experience missed on CVs with career "
                  "breaks or foreign qualifications", "moderate", "likely", "reversible",
                  "group", "machine_learning"),
            _harm("h3", "Recruiters", "accountability", "Recruiters follow the "
                  "ranking without reading lower-ranked applications", "moderate", "possible",
                  "reversible", "individual", "level_of_automation"),
            _harm("h4", "Job applicants", "security", "Applicant CVs exposed through the "
                  "vendor integration of the applicant tracking system", "major", "rare",
                  "irreversible", "group", "system_life_cycle_issues"),
        ],
        "measures": [
            {"id": "m1", "description": "Quarterly fairness check by gender and age band; "
             "breaches go to the risk register", "harm_ids": ["h1"], "owner": "alice",
             "status": "in_place"},
            {"id": "m2", "description": "Parser test set of unusual CV formats run on every "
             "release", "harm_ids": ["h2"], "owner": "ravi", "status": "planned"},
            {"id": "m3", "description": "Recruiter training; every shortlist includes five "
             "applicants outside the top 20", "harm_ids": ["h3"], "owner": "farid",
             "status": "in_place"},
        ],
        "answers": {"context.affects_individuals": "yes", "context.vulnerable_groups": "yes",
                 "context.public_service": "no",
                 "context.contestability": "Applicants can ask recruiting for a human review "
                 "through the careers site.",
                 **_NO_PROHIBITED, "high_risk.annex_i_product": "no",
                 "high_risk.annex_iii_use_cases": ["annex3.4.a"], "high_risk.profiling": "yes",
                 "high_risk.derogation": "no", **_NO_TRANSPARENCY, "gpai.provides_model": "no"},
        "conclusion": "High-risk under Annex III point 4(a). Acceptable for continued use with "
        "the measures in place; the age-band parity gap needs treatment before the next "
        "release.",
        "reporting": "Results go to the AI steering group and the works council.",
        "monitoring": "Quarterly fairness check; monthly ranking-quality report.",
        "reassessment_triggers": ["Retraining on new data", "New country or job family",
                               "A fairness value outside its threshold"]}),
    "credit-scoring": ("ben", 400, "submitted", -35, {
        "system_version": "2025.1", "trigger": "periodic", "trigger_detail": "Annual review.",
        "scope": "ClearCredit scoring of store-card and personal-loan applications.",
        "system_description": "Logistic scorecard with a gradient-boosted challenger on bureau "
        "and application data; low-risk applications are approved automatically.",
        "purpose": "Score applications and set credit limits.",
        "intended_uses": ["Credit decisions on store cards and personal loans"],
        "unintended_uses": ["Marketing offers based on the score"],
        "failure_modes": ["Thin-file applicants scored as high risk"],
        "data": {"sources": ["Credit bureau", "Application form", "Repayment history"],
              "gaps": "Young applicants often have thin credit files."},
        "model_info": {"model_type": "Logistic scorecard", "versions": "2025.1",
                    "performance": "Gini 0.58 on the 2025 out-of-time sample",
                    "limitations": "Not calibrated for applicants under 21 with no bureau "
                    "history."},
        "deployment": {"geography": ["DE", "FR", "NL"], "constraints": "Declines go to an "
                    "underwriter."},
        "interested_parties": [{"name": "Credit applicants", "category": "affected_individual"},
                            {"name": "Underwriters", "category": "user"}],
        "capabilities": ["Scores applications", "Approves low-risk applications "
                         "automatically", "Proposes a credit limit"],
        "sensitive_use_thresholds": [
            {"use": "Declining credit", "condition": "Any decline", "response": "human_review",
             "notes": "Declines go to an underwriter."},
            {"use": "Large limits", "condition": "A limit above 10,000 EUR",
             "response": "approval_required"}],
        "benefits": [{"party": "Credit applicants", "description": "Decisions in minutes.",
                      **_rated("moderate", "almost_certain", "population")}],
        "harms": [_harm("h1", "Credit applicants", "fairness", "Thin-file applicants refused "
                     "credit they could repay", "major", "possible", "hard_to_reverse", "group",
                     "machine_learning")],
        "measures": [{"id": "m1", "description": "Underwriter review of every decline; yearly "
                   "fairness check", "harm_ids": ["h1"], "owner": "grace",
                   "status": "in_place"}],
        "answers": {"context.affects_individuals": "yes", "context.vulnerable_groups": "yes",
                 "context.public_service": "no", **_NO_PROHIBITED,
                 "high_risk.annex_i_product": "no",
                 "high_risk.annex_iii_use_cases": ["annex3.5.b"],
                 "high_risk.fraud_detection_only": "no", "high_risk.profiling": "yes",
                 "high_risk.derogation": "no", **_NO_TRANSPARENCY, "gpai.provides_model": "no"},
        "conclusion": "High-risk under Annex III point 5(b); deployer's fundamental rights "
        "impact assessment (Art. 27) applies.",
        "reassessment_triggers": ["New product line", "Scorecard redevelopment"]}),
    "support-chatbot": ("alice", 90, "submitted", 275, {
        "trigger": "new_system",
        "scope": "Ava assistant in web and app chat.",
        "system_description": "Retrieval-augmented assistant on a third-party language model.",
        "purpose": "Answer customer questions and hand over to an agent.",
        "intended_uses": ["Order, returns and card questions"],
        "unintended_uses": ["Financial or medical advice",
                         "Prompts that try to make the assistant promise refunds"],
        "data": {"sources": ["Help-centre articles", "Order and returns status API"],
              "provenance": "Articles written and approved by customer care.",
              "gaps": "No articles yet for the Polish card product."},
        "model_info": {"model_type": "Hosted language model with retrieval",
                    "versions": "Vendor model of 2026-09; retrieval index weekly",
                    "limitations": "Answers only as well as the retrieved articles; may "
                    "state outdated policies between index refreshes."},
        "interested_parties": [{"name": "Customers", "category": "user"},
                            {"name": "Customer-care agents", "category": "user"}],
        "capabilities": ["Answers questions from help-centre articles",
                         "Looks up order and returns status", "Hands over to an agent"],
        "benefits": [{"party": "Customers", "description": "Answers at any hour without "
                      "waiting for an agent.", **_rated("minor", "likely", "population")}],
        "harms": [_harm("h1", "Customers", "robustness", "Wrong answer about refund rights",
                     "moderate", "possible", "reversible", "individual", "machine_learning")],
        "measures": [{"id": "m1", "description": "Answers grounded in help-centre articles; "
                   "hand-over on low confidence", "harm_ids": ["h1"], "status": "in_place"}],
        "answers": {"context.affects_individuals": "no", "context.vulnerable_groups": "yes",
                 "context.public_service": "no", **_NO_PROHIBITED,
                 "high_risk.annex_i_product": "no", "high_risk.annex_iii_use_cases": ["none"],
                 **_NO_TRANSPARENCY, "transparency.interacts_with_people": "yes",
                 "transparency.synthetic_content": "yes", "gpai.provides_model": "no"},
        "conclusion": "Transparency obligations (Art. 50) sit with the model and system provider; "
        "Larkspur shows an AI notice anyway."}),
    "card-fraud": ("ben", 60, "submitted", 305, {
        "trigger": "periodic",
        "scope": "Sentinel card-fraud detection in the authorisation path.",
        "system_description": "Streaming gradient-boosted model that holds suspicious "
        "transactions for review.",
        "purpose": "Detect fraudulent card transactions.",
        "intended_uses": ["Holding suspicious transactions for analyst review"],
        "unintended_uses": ["Scoring cardholders' creditworthiness from their fraud scores"],
        "failure_modes": ["New fraud patterns missed until the next retraining"],
        "data": {"sources": ["Card authorisations", "Confirmed fraud cases"],
              "quality": "Fraud labels confirmed by analysts within 30 days."},
        "model_info": {"model_type": "Streaming gradient-boosted classifier",
                    "performance": "Precision 0.41 at 0.2% hold rate (2026 Q3)"},
        "interested_parties": [{"name": "Cardholders", "category": "affected_individual"},
                            {"name": "Fraud analysts", "category": "user"}],
        "capabilities": ["Scores each card authorisation in real time",
                         "Holds suspicious transactions for review"],
        "benefits": [{"party": "Cardholders", "description": "Fraudulent payments stopped "
                      "before money leaves the account.",
                      **_rated("major", "likely", "population")}],
        "harms": [_harm("h1", "Cardholders", "fairness", "Legitimate payments of travelling "
                     "customers held", "minor", "likely", "reversible", "group")],
        "measures": [{"id": "m1", "description": "Travel notices lower the hold rate",
                   "harm_ids": ["h1"], "status": "in_place"}],
        "answers": {"context.affects_individuals": "yes", "context.vulnerable_groups": "no",
                 "context.public_service": "no", **_NO_PROHIBITED,
                 "high_risk.annex_i_product": "no",
                 "high_risk.annex_iii_use_cases": ["annex3.5.b"],
                 "high_risk.fraud_detection_only": "yes", "high_risk.profiling": "yes",
                 "high_risk.derogation": "no", **_NO_TRANSPARENCY, "gpai.provides_model": "no"},
        "conclusion": "Fraud detection is excluded from Annex III point 5(b): minimal tier."}),
    "clinical-triage": ("alice", 10, "draft", 355, {
        "trigger": "new_system",
        "scope": "Triage suggestions in the clinic booking app (pilot in 12 clinics).",
        "purpose": "Suggest an urgency level for a nurse to confirm.",
        "interested_parties": [{"name": "Patients", "category": "vulnerable_group"},
                            {"name": "Nurses", "category": "user"}],
        "harms": [_harm("h1", "Patients", "safety", "Urgent case suggested as routine",
                     "severe", "unlikely", "irreversible", "individual", "machine_learning")],
        "answers": {"context.affects_individuals": "yes", "context.vulnerable_groups": "yes",
                 **_NO_PROHIBITED, "high_risk.annex_i_product": "unknown"}}),
    "marketing-copy": ("alice", 5, "draft", 360, {
        "trigger": "new_system",
        "scope": "Drafting product descriptions, e-mails and social posts.",
        "purpose": "Draft marketing copy for marketers to edit.",
        "interested_parties": [{"name": "Customers reading the content", "category": "non_user"},
                            {"name": "Marketers", "category": "user"}],
        "harms": [_harm("h1", "Customers reading the content", "transparency_and_explainability",
                     "Unverified product claims published", "moderate", "possible",
                     "reversible", "group")],
        "answers": {"context.affects_individuals": "no", **_NO_PROHIBITED,
                 "high_risk.annex_i_product": "no", "high_risk.annex_iii_use_cases": ["none"],
                 **_NO_TRANSPARENCY, "transparency.synthetic_content": "yes",
                 "gpai.provides_model": "no"}}),
}

# Fairness evidence: (system, collected days before as_of, by).
#: Days between starting an assessment (the draft) and submitting it.
STARTED_BEFORE = 7
FAIRNESS_EVIDENCE = (("cv-screening", 12, "alice"), ("credit-scoring", 20, "ravi"))


def _risks_by_system(store: Store, by: dt.date
                     ) -> dict[tuple[str, str], list[str]]:
    """(system, objective) -> ids of the risks in the register identified by ``by`` (empty
    without a register): an assessment links only risks known when it was started."""
    from workbench.errors import NotFoundError

    try:
        df = store.frame("risk", meta=False)
    except (NotFoundError, ImportError):
        return {}
    out: dict[tuple[str, str], list[str]] = {}
    for sid, obj, rid, found in zip(df.get("system_id", []), df.get("objective", []),
                                    df.get("id", []), df.get("identified_on", [])):
        if found is None or dt.date.fromisoformat(str(found)[:10]) <= by:
            out.setdefault((str(sid), str(obj)), []).append(str(rid))
    return out


def seed(store: Store, as_of: dt.date) -> dict[str, int]:
    """Seed the demo impact assessments and fairness evidence (deterministic for ``as_of``)."""
    from workbench import fairness
    from workbench.impact import ImpactAssessment, save_assessment

    count = 0
    for system_id, (assessor, ago, status, due, content) in ASSESSMENTS.items():
        risks = _risks_by_system(store, as_of - dt.timedelta(days=ago + STARTED_BEFORE))
        data = {**content, "id": f"ia-{system_id}", "system_id": system_id,
                "assessor": assessor, "assessed_on": as_of - dt.timedelta(days=ago),
                "review_due": as_of + dt.timedelta(days=due) if due is not None else None}
        objectives = {h["id"]: h["objective"] for h in data.get("harms", [])}
        data["measures"] = [
            {**m, "risk_ids": sorted({r for h in m["harm_ids"]
                                      for r in risks.get((system_id, objectives[h]), [])})}
            for m in data.get("measures", [])]
        draft = ImpactAssessment.model_validate({**data, "status": "draft"})
        with store.acting_as(assessor, at=at(as_of, ago + STARTED_BEFORE)):
            first = save_assessment(store, draft, reason="assessment started")
        if status == "submitted":
            with store.acting_as(assessor, at=at(as_of, ago)):
                save_assessment(store, {**data, "status": "submitted"},
                                base_version=first.version, reason="submitted for approval")
        count += 1
    for system_id, ago, by in FAIRNESS_EVIDENCE:
        df = synthetic_predictions(system_id)
        with warnings.catch_warnings():  # the warnings are kept in the evidence's details
            warnings.simplefilter("ignore", fairness.FairnessWarning)
            result = fairness.assess(df["label"], df["prediction"], df[COLUMNS["sensitive"]],
                                     scores=df["score"], columns=COLUMNS,
                                     source=f"{system_id}-holdout-predictions.csv")
        with store.acting_as(by, at=at(as_of, ago, 60)):
            fairness.record_evidence(store, result, system_id=system_id,
                                     uri=f"https://docs.larkspur.example/ai/{system_id}/fairness")
    return {"impact assessments": count, "fairness evidence items": len(FAIRNESS_EVIDENCE)}
