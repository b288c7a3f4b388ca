"""Demo organization, people, AIMS scope, AI systems and their evidence."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from workbench.demo.clock import at, founded
from workbench.model import AIMSScope, AISystem, Evidence, Organization, Person

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

ADMIN = "chloe"

UNITS = [
    "Executive Office", "Risk", "Data & AI", "People & Culture", "Larkspur Money",
    "Customer Care", "Supply Chain", "Larkspur Health", "Marketing", "Legal & Compliance",
    "Internal Audit",
]

PEOPLE: list[dict[str, Any]] = [
    dict(id="elena", name="Elena Rossi", job_title="Chief Executive Officer",
         business_unit="Executive Office", roles=["executive"]),
    dict(id="dev", name="Dev Raman", job_title="Chief Risk Officer", business_unit="Risk",
         roles=["executive", "approver"]),
    dict(id="chloe", name="Chloe Lindqvist", job_title="Head of AI Governance",
         business_unit="Data & AI", roles=["admin", "governance_lead", "approver"]),
    dict(id="ben", name="Ben Okafor", job_title="Head of Data Science", business_unit="Data & AI",
         roles=["owner", "assessor"]),
    dict(id="alice", name="Alice Moreau", job_title="Senior Data Scientist",
         business_unit="Data & AI", roles=["assessor", "contributor"]),
    dict(id="ravi", name="Ravi Patel", job_title="Machine Learning Engineer",
         business_unit="Data & AI", roles=["contributor"]),
    dict(id="farid", name="Farid Haddad", job_title="HR Director",
         business_unit="People & Culture", roles=["owner", "approver"]),
    dict(id="grace", name="Grace Kim", job_title="Head of Credit Risk",
         business_unit="Larkspur Money", roles=["owner", "approver"]),
    dict(id="sven", name="Sven Eriksen", job_title="Head of Fraud Prevention",
         business_unit="Larkspur Money", roles=["owner"]),
    dict(id="marta", name="Marta Nowak", job_title="Head of Customer Care",
         business_unit="Customer Care", roles=["owner"]),
    dict(id="yuki", name="Yuki Tanaka", job_title="Supply Chain Analytics Lead",
         business_unit="Supply Chain", roles=["owner"]),
    dict(id="amira", name="Dr Amira Haddou", job_title="Clinical Safety Officer",
         business_unit="Larkspur Health", roles=["owner", "approver"]),
    dict(id="leo", name="Leo Martin", job_title="Marketing Director", business_unit="Marketing",
         roles=["owner"]),
    dict(id="ines", name="Ines Duarte", job_title="Data Protection Officer",
         business_unit="Legal & Compliance", roles=["approver", "contributor"]),
    dict(id="hiro", name="Hiro Sato", job_title="Internal Auditor", business_unit="Internal Audit",
         roles=["auditor"]),
]

#: The people assigned to each system besides its owner: with the owner they edit its records.
_DATA_TEAM = ["ben", "alice", "ravi"]
TEAMS: dict[str, list[str]] = {
    "cv-screening": _DATA_TEAM, "credit-scoring": _DATA_TEAM, "support-chatbot": _DATA_TEAM,
    "card-fraud": _DATA_TEAM, "demand-forecast": _DATA_TEAM,
    "clinical-triage": [*_DATA_TEAM, "ines"], "marketing-copy": _DATA_TEAM,
}

SYSTEMS: list[dict[str, Any]] = [
    dict(
        id="cv-screening", name="TalentMatch CV screening",
        purpose="Rank applications for store and head-office vacancies so recruiters review "
        "the strongest matches first.",
        description="Parses CVs into skills and experience features and ranks applicants "
        "against the vacancy profile; recruiters see the ranking and a short explanation.",
        owner="farid", business_unit="People & Culture", lifecycle_stage="operate",
        org_roles=["provider", "deployer"], technique="Gradient-boosted ranking model on parsed "
        "CV features", technique_family="classical_ml",
        data_categories=["personal", "employment"],
        deployment_context="Applicant tracking system used by 40 recruiters",
        geography=["DE", "FR", "NL", "PL"],
        affected_parties=["job applicants", "recruiters", "hiring managers"],
        automation_level="partial", oversight_mode="in_the_loop"),
    dict(
        id="credit-scoring", name="ClearCredit consumer credit scoring",
        purpose="Score applications for store cards and personal loans and set credit limits.",
        description="Scorecard plus gradient-boosted model on bureau and application data; "
        "low-risk applications are approved automatically, declines go to an underwriter.",
        owner="grace", business_unit="Larkspur Money", lifecycle_stage="operate",
        org_roles=["provider", "deployer"], technique="Logistic scorecard with a gradient-"
        "boosted challenger", technique_family="classical_ml",
        data_categories=["personal", "financial", "behavioural"],
        deployment_context="Online and in-store credit applications",
        geography=["DE", "FR", "NL"],
        affected_parties=["credit applicants", "existing cardholders", "underwriters"],
        automation_level="partial", oversight_mode="on_the_loop"),
    dict(
        id="support-chatbot", name="Ava customer-service assistant",
        purpose="Answer customer questions about orders, returns and cards in chat, and hand "
        "over to an agent when needed.",
        description="Retrieval-augmented assistant on a third-party large language model, "
        "grounded in the help centre and the customer's orders.",
        owner="marta", business_unit="Customer Care", lifecycle_stage="operate",
        org_roles=["deployer"], technique="Third-party LLM with retrieval over help-centre "
        "articles", technique_family="generative",
        third_party_components=["Hosted foundation model (API)", "Vector search service"],
        data_categories=["personal", "behavioural"],
        deployment_context="Web and app chat, 24/7",
        geography=["DE", "FR", "NL", "PL", "GB"],
        affected_parties=["customers", "customer-care agents"],
        automation_level="full", oversight_mode="on_the_loop"),
    dict(
        id="card-fraud", name="Sentinel card-fraud detection",
        purpose="Detect fraudulent card transactions in real time and hold them for review.",
        description="Streaming gradient-boosted model with device and merchant features; "
        "holds suspicious transactions and alerts the fraud team.",
        owner="sven", business_unit="Larkspur Money", lifecycle_stage="operate",
        org_roles=["provider", "deployer"], technique="Gradient-boosted trees on streaming "
        "transaction features", technique_family="classical_ml",
        data_categories=["personal", "financial", "behavioural", "location"],
        deployment_context="Card authorisation path, 2,000 transactions per second at peak",
        geography=["DE", "FR", "NL", "PL"],
        affected_parties=["cardholders", "merchants", "fraud analysts"],
        automation_level="full", oversight_mode="on_the_loop"),
    dict(
        id="demand-forecast", name="Store demand forecasting",
        purpose="Forecast daily demand per product and store to drive replenishment orders.",
        description="Hierarchical time-series models; planners review and adjust orders.",
        owner="yuki", business_unit="Supply Chain", lifecycle_stage="operate",
        org_roles=["provider", "deployer"], technique="Hierarchical gradient-boosted time-"
        "series models", technique_family="classical_ml",
        data_categories=["non_personal", "proprietary"],
        deployment_context="Nightly batch feeding the replenishment system",
        geography=["DE", "FR", "NL", "PL"],
        affected_parties=["store managers", "suppliers", "planners"],
        automation_level="decision_support", oversight_mode="in_the_loop"),
    dict(
        id="clinical-triage", name="Clinic triage assistant",
        purpose="Suggest an urgency level and care pathway for patients booking at in-store "
        "clinics, for a nurse to confirm.",
        description="Symptom-checker model trained on anonymised clinic records; a nurse "
        "confirms or overrides every suggestion.",
        owner="amira", business_unit="Larkspur Health", lifecycle_stage="validate",
        org_roles=["provider"], technique="Neural network over structured symptom answers",
        technique_family="deep_learning",
        data_categories=["personal", "health", "sensitive"],
        deployment_context="Clinic booking app and nurse workstation (pilot in 12 clinics)",
        geography=["NL"],
        affected_parties=["patients", "nurses", "carers of patients"],
        automation_level="decision_support", oversight_mode="in_the_loop"),
    dict(
        id="marketing-copy", name="Marketing copy assistant",
        purpose="Draft product descriptions, e-mails and social posts for marketers to edit.",
        description="Prompts a third-party foundation model with brand guidelines; every "
        "draft is edited and approved by a marketer before publication.",
        owner="leo", business_unit="Marketing", lifecycle_stage="deploy",
        org_roles=["deployer"], technique="Third-party generative language and image model",
        technique_family="generative",
        third_party_components=["Hosted foundation model (API)"],
        data_categories=["proprietary", "public"],
        deployment_context="Marketing content studio",
        geography=["DE", "FR", "NL", "PL", "GB"],
        affected_parties=["customers reading the content", "marketers"],
        automation_level="decision_support", oversight_mode="in_the_loop"),
]

# (system, title, kind, controls, clauses, collected days before as_of, valid days, by)
EVIDENCE: list[tuple[str, str, str, list[str], list[str], int, int | None, str]] = [
    ("cv-screening", "Model card v3", "model_card", ["A.6.2.7", "A.8.2"], [], 120, 365, "alice"),
    ("cv-screening", "Validation report: ranking quality by vacancy family", "test_result",
     ["A.6.2.4"], [], 200, 180, "alice"),
    ("cv-screening", "Training data sheet: 2019-2024 applications", "data_sheet",
     ["A.7.2", "A.7.4", "A.7.5"], [], 210, None, "ravi"),
    ("cv-screening", "Recruiter training on using rankings", "training_record",
     ["A.4.6", "A.9.2"], ["7.2"], 90, 365, "farid"),
    ("credit-scoring", "Scorecard validation and back-testing 2026 Q2", "test_result",
     ["A.6.2.4"], [], 60, 365, "alice"),
    ("credit-scoring", "Model risk technical documentation", "document",
     ["A.6.2.3", "A.6.2.7"], [], 150, None, "ben"),
    ("credit-scoring", "Decision log retention configuration", "log", ["A.6.2.8"], [], 30,
     None, "ravi"),
    ("support-chatbot", "Vendor due-diligence and contract review", "review_record",
     ["A.10.2", "A.10.3"], [], 300, 365, "chloe"),
    ("support-chatbot", "Red-team test of harmful and off-policy answers", "test_result",
     ["A.6.2.4"], [], 400, 365, "ravi"),
    ("support-chatbot", "Customer notice: you are chatting with an AI assistant", "document",
     ["A.8.2", "A.8.5"], [], 250, None, "marta"),
    ("card-fraud", "Monthly monitoring pack: precision, recall, alert volumes", "metric",
     ["A.6.2.6"], ["9.1"], 20, 45, "ravi"),
    ("card-fraud", "Challenger model validation", "test_result", ["A.6.2.4"], [], 95, 365,
     "alice"),
    ("demand-forecast", "Forecast accuracy back-test (MAPE by category)", "test_result",
     ["A.6.2.4"], [], 45, 180, "ravi"),
    ("demand-forecast", "Data lineage of sales and stock feeds", "data_sheet",
     ["A.7.3", "A.7.5", "A.7.6"], [], 160, None, "yuki"),
    ("clinical-triage", "Clinical validation protocol (pilot)", "document",
     ["A.6.2.2", "A.6.2.4"], [], 35, None, "amira"),
    ("clinical-triage", "Data protection impact assessment", "review_record",
     ["A.5.4", "A.7.2"], [], 70, 365, "ines"),
    ("marketing-copy", "Brand and claims guidelines for generated content", "document",
     ["A.9.2", "A.9.4"], [], 40, None, "leo"),
    ("marketing-copy", "Foundation model provider terms review", "review_record",
     ["A.10.3"], [], 55, 365, "chloe"),
]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def evidence_records(as_of: dt.date) -> list[Evidence]:
    out = []
    for n, (system, title, kind, controls, clauses, ago, valid, by) in enumerate(EVIDENCE, 1):
        collected = at(as_of, ago)
        expires = collected.date() + dt.timedelta(days=valid) if valid else None
        slug = f"ev-{system}-{n:02d}"
        out.append(Evidence(
            id=slug, title=title, evidence_kind=kind, collected_by=by, collected_at=collected,
            expires_at=expires, control_ids=controls, clause_ids=clauses, system_ids=[system],
            uri=f"https://docs.larkspur.example/ai/{system}/{slug}",
            content_hash=_digest(f"{slug}:{title}")))
    return out


def seed(store: Store, as_of: dt.date) -> dict[str, int]:
    org = Organization(
        id="larkspur", name="Larkspur Group", legal_name="Larkspur Group N.V.",
        sector="Retail, consumer finance and community health clinics",
        headquarters="Rotterdam, Netherlands", business_units=UNITS,
        description="A European retailer with 600 stores, a consumer-finance arm "
        "(Larkspur Money) and in-store health clinics (Larkspur Health).")
    scope = AIMSScope(
        id="aims-scope", organization="larkspur",
        statement="The AI management system covers every AI system that Larkspur Group "
        "develops, provides or deploys in its EU and UK operations, across all business units.",
        business_units=UNITS,
        exclusions=[{"item": "Experimental notebooks with no production data",
                     "justification": "No decisions or outputs reach customers, staff or "
                     "partners; they enter scope when a project moves to design."}],
        external_issues=["EU AI Act obligations phasing in from 2025 to 2027",
                         "Consumer-credit and anti-discrimination law in each market",
                         "Customer expectations of transparency about automated decisions"],
        internal_issues=["Central data & AI team serving seven business units",
                         "Reliance on third-party foundation models"],
        interested_parties=[
            {"name": "Customers", "needs": "fair decisions, clear information, a human to "
             "contact", "addressed_by": "impact assessments, Art. 50 notices, escalation paths"},
            {"name": "Job applicants", "needs": "non-discriminatory screening",
             "addressed_by": "fairness evidence and recruiter oversight"},
            {"name": "Regulators", "needs": "evidence of compliance",
             "addressed_by": "technical documentation and the evidence register"},
            {"name": "Employees", "needs": "training and clear responsibilities",
             "addressed_by": "role records and training evidence"},
        ])
    people = [Person(email=f"{p['id']}@larkspur.example", **p) for p in PEOPLE]
    with store.acting_as(ADMIN, at=founded(as_of)):
        store.save_many([(org, None), *((p, None) for p in people)],
                        reason="demo organization and people")
    with store.acting_as(ADMIN, at=founded(as_of, 30)):
        store.save(scope, reason="AIMS scope approved by the AI steering group")
    for n, data in enumerate(SYSTEMS):
        with store.acting_as(data["owner"], at=founded(as_of, 60 + n)):
            store.save(AISystem(team=TEAMS[data["id"]], **data),
                       reason="registered in the inventory")
    evidence = evidence_records(as_of)
    for ev in evidence:
        with store.acting_as(ev.collected_by, at=ev.collected_at):
            store.save(ev, reason="evidence collected")
    return {"organization": 1, "people": len(people), "AIMS scope": 1,
            "AI systems": len(SYSTEMS), "evidence items": len(evidence)}
