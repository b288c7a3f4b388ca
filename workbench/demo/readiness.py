"""Demo records of the AI management system for the Larkspur Group: the AI policy (approved by
the CEO through sign-off), AI objectives, the internal audit programme (its audits are run by
the improvement seeder), a management review, awareness evidence, and the
Statement of Applicability drafted from the risk register, completed and submitted for
sign-off (the AI governance lead approved it; top management has not yet).

Dates are relative to ``as_of``. Runs after the oversight seeder (see the feature manifest) and
makes its approvals through the sign-off workflow, so segregation of duties holds: whoever
saved a version does not approve it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from workbench.demo.clock import at
from workbench.model import Evidence
from workbench.oversight.workflow import decide, request
from workbench.readiness.model import (
    AIObjective,
    AIPolicy,
    AuditProgramme,
    SoAStatus,
)
from workbench.readiness.soa import draft_soa

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["BASELINE", "EXCLUDED", "seed"]

#: Why a control is included when no risk treatment chose it (the SoA's person-written part).
BASELINE: dict[str, str] = {
    "A.2.2": "The AI policy is required by clause 5.2 and frames every AI objective.",
    "A.2.3": "AI use touches data protection, information security and conduct policies.",
    "A.2.4": "The policy must keep pace with the EU AI Act phasing in until 2027.",
    "A.3.2": "Seven business units own AI systems; accountability must be explicit.",
    "A.3.3": "Staff and customers need a channel to raise concerns about AI outputs.",
    "A.4.2": "The inventory must document the resources of each of the seven systems.",
    "A.4.3": "Systems are trained on customer, applicant and patient data.",
    "A.4.4": "Models and tools from several vendors are in use.",
    "A.4.5": "Training and inference run on shared cloud capacity.",
    "A.4.6": "Data scientists and users of high-risk systems need defined competence.",
    "A.5.2": "Two systems are high-risk under the EU AI Act; impact assessment is required.",
    "A.5.3": "Impact assessments must be kept and approved as documented information.",
    "A.5.4": "Applicants, borrowers and patients are affected individually.",
    "A.5.5": "Credit and health systems can affect access to essential services.",
    "A.6.1.2": "Five systems are developed in-house by the Data & AI team.",
    "A.6.1.3": "In-house development needs a defined life-cycle process with stage gates.",
    "A.6.2.2": "Requirements must state intended purpose and acceptance criteria.",
    "A.6.2.3": "Design decisions must be traceable for model risk reviews.",
    "A.6.2.4": "Every release is verified and validated before deployment.",
    "A.6.2.5": "Go-live is approved by the system owner and the AI governance lead.",
    "A.6.2.6": "Models in operation drift and must be monitored.",
    "A.6.2.7": "Technical documentation is required for high-risk systems (Art. 11).",
    "A.6.2.8": "Event logs are required for high-risk systems (Art. 12).",
    "A.7.2": "In-house models are trained on the organization's own data.",
    "A.7.3": "Some training data is acquired from external providers.",
    "A.7.4": "Data quality drives fairness and accuracy of decisions on people.",
    "A.7.5": "Provenance must be shown for regulated credit and health data.",
    "A.7.6": "Data preparation choices affect fairness and must be documented.",
    "A.8.2": "Users and deployers need instructions and limitations.",
    "A.8.3": "Regulators and the public may report issues with AI outputs.",
    "A.8.4": "Incidents involving AI must be communicated to those affected.",
    "A.8.5": "Customers are told when they interact with AI (Art. 50).",
    "A.9.2": "Staff use AI outputs in decisions about customers and applicants.",
    "A.9.3": "Responsible-use objectives steer how business units use AI.",
    "A.9.4": "Each system has a defined intended use that must not drift.",
    "A.10.2": "Third-party models are used; responsibilities must be allocated.",
    "A.10.3": "Foundation-model and data suppliers must be assessed.",
}
#: Controls the demo excludes, with the justification.
EXCLUDED: dict[str, str] = {
    "A.10.4": "Larkspur does not provide AI systems to other organizations; its customers use "
              "its services, whose AI information duties are covered by A.8.2 and A.8.5.",
}
#: Who owns the controls of each Annex A objective.
OWNERS = {"A.2": "chloe", "A.3": "chloe", "A.4": "ben", "A.5": "chloe", "A.6": "ben",
          "A.7": "ben", "A.8": "chloe", "A.9": "chloe", "A.10": "ines"}


def _day(as_of: dt.date, offset: int) -> dt.date:
    """``as_of`` plus ``offset`` days (negative: in the past)."""
    return as_of + dt.timedelta(days=offset)


def _policy(store: Store, as_of: dt.date) -> None:
    policy = AIPolicy(
        id="ai-policy", title="Larkspur Group AI policy", version_label="1.0", owner="chloe",
        authors=["chloe"], purpose="Use AI to serve customers, patients and colleagues fairly "
        "and safely, within the law and Larkspur's values, in every business unit.",
        principles=["People stay accountable for decisions about people",
                    "Fair treatment of customers, applicants and patients",
                    "Transparency about when and how AI is used",
                    "Privacy and security by design"],
        objectives_framework="AI objectives are set yearly by the AI steering group, each "
        "with a measure, target, owner and due date.", commits_to_requirements=True,
        commits_to_improvement=True,
        related_policies=[{"name": "Data protection policy", "decision": "amended to cover "
                           "training data and automated decisions"},
                          {"name": "Information security policy", "decision": "references "
                           "the AI policy for model and prompt security"},
                          {"name": "Code of conduct", "decision": "references acceptable AI "
                           "use"}],
        effective_from=_day(as_of, -200), review_due=_day(as_of, 165),
        communicated_on=_day(as_of, -190), communicated_to=["all staff (intranet)",
                                                            "AI system owners (briefing)"],
        uri="https://docs.larkspur.example/ai/policy")
    with store.acting_as("chloe", at=at(as_of, 205)):
        store.save(policy, reason="AI policy 1.0 drafted by the AI steering group")
    with store.acting_as("chloe", at=at(as_of, 198)):
        request(store, "ai_policy", "ai-policy",
                note="approval of the AI policy by top management")
    with store.acting_as("elena", at=at(as_of, 196)):
        decide(store, "ai_policy", "ai-policy", "approve", role="executive",
               comment="Approved by the executive committee.")


def _objectives(store: Store, as_of: dt.date) -> int:
    objectives = [
        AIObjective(id="obj-approved-assessments", title="Every high-risk AI system has an "
                    "approved, current impact assessment", area="aims", policy_id="ai-policy",
                    measure="share of high-risk systems with an approved assessment inside "
                    "its review interval", target="100% by the end of the year", owner="chloe",
                    due=_day(as_of, 35), resources="AI governance lead and one assessor per "
                    "business unit", evaluation="reported monthly to the AI steering group",
                    status="at_risk", measurements=[{"measured_on": _day(as_of, -30),
                                                     "value": "50%"}]),
        AIObjective(id="obj-fairness-before-release", title="Fairness tested before every "
                    "release of a system that decides about people",
                    area="responsible_development", policy_id="ai-policy",
                    annex_c_objectives=["objective.fairness"],
                    system_ids=["cv-screening", "credit-scoring"],
                    measure="releases with a fairness evidence record", target="all releases",
                    owner="ben", due=_day(as_of, 120), resources="fairness checks in the "
                    "release pipeline", evaluation="checked at each go-live review",
                    status="on_track"),
        AIObjective(id="obj-trained-users", title="Every user of a high-risk system is trained "
                    "on its limitations", area="responsible_use", policy_id="ai-policy",
                    measure="share of recruiters and credit officers trained", target="95%",
                    owner="farid", due=_day(as_of, 90), resources="e-learning module and "
                    "team briefings", status="on_track"),
    ]
    with store.acting_as("chloe", at=at(as_of, 190)):
        store.save_many([(o, None) for o in objectives],
                        reason="AI objectives set by the AI steering group")
    return len(objectives)


def _audit(store: Store, as_of: dt.date) -> None:
    """The audit programme as approved: its audits are run (and completed) through
    workbench.improvement by the improvement seeder."""
    programme = AuditProgramme(
        id="audit-programme", title="Internal audit programme of the AI management system",
        owner="hiro", period_start=_day(as_of, -240), period_end=_day(as_of, 125),
        frequency="every clause and Annex A objective at least once in each cycle; high-risk "
        "systems every year", methods="document review, interviews, sampling of records",
        criteria="ISO/IEC 42001:2023 and the AI policy",
        audits=[
            {"id": "aims-core", "title": "Context, leadership and planning (clauses 4 to 6) "
             "and go-live approval", "clause_ids": ["4.3", "5.2", "6.1.2", "6.1.3", "6.1.4"],
             "control_ids": ["A.6.2.5"], "system_ids": ["support-chatbot"],
             "planned_on": _day(as_of, -105), "auditor": "hiro"},
            {"id": "life-cycle", "title": "AI system life cycle and data (A.6, A.7)",
             "control_ids": ["A.6.2.4", "A.6.2.6", "A.7.4"],
             "planned_on": _day(as_of, 40), "auditor": "hiro"},
        ])
    with store.acting_as("hiro", at=at(as_of, 200)):
        store.save(programme, reason="audit programme approved by the audit committee")


def _review(store: Store, as_of: dt.date) -> None:
    """The CEO chairs the management review; the AI governance lead records it through
    ``wb.review.record`` with its inputs from the pack as the records stood that day, the
    CEO approves the minutes, and two decisions are followed up until done."""
    from workbench.review import complete_decision, pack, record

    held = _day(as_of, -80)
    decisions = [
        {"id": "monitoring-packs", "description": "Monthly monitoring packs for every "
         "system in operation", "kind": "improvement", "owner": "ravi", "due": _day(as_of, 60)},
        {"id": "expiry-reminders", "description": "Reminders before evidence expires",
         "kind": "improvement", "owner": "chloe", "due": _day(as_of, -30)},
        {"id": "go-live-gate", "description": "Add the go-live sign-off as a gate in the "
         "deployment pipeline", "kind": "change", "owner": "ben", "due": _day(as_of, -10)},
        {"id": "analyst", "description": "Fund a second AI governance analyst",
         "kind": "resources", "owner": "dev", "due": _day(as_of, 90)},
    ]
    with store.acting_as("chloe", at=at(as_of, 79)):
        inputs = pack(store, as_of=held, trend_points=1)
        record(store, held, "elena", ["dev", "chloe", "ben"], decisions=decisions,
               inputs_from_pack=inputs, review_id="mr-1", title="AI management review",
               minutes_uri="https://docs.larkspur.example/ai/management-review-1",
               next_review_due=_day(as_of, 285), reason="minutes of the management review")
    with store.acting_as("elena", at=at(as_of, 77)):
        decide(store, "management_review", "mr-1", "approve", comment="Minutes approved.")
    # Each owner records their decision done; the approved minutes stay as approved.
    for decision, owner, days, note in (
            ("expiry-reminders", "chloe", 35, "Evidence owners are reminded 30 days before "
             "an item expires"),
            ("go-live-gate", "ben", 20, "The deployment pipeline refuses a release without "
             "an approved go-live sign-off")):
        with store.acting_as(owner, at=at(as_of, days)):
            complete_decision(store, "mr-1", decision, done_on=_day(as_of, -days), note=note)


def _evidence(store: Store, as_of: dt.date) -> int:
    items = [
        Evidence(id="ev-ai-literacy-2026", title="AI literacy and AI policy briefing: "
                 "completion records", evidence_kind="training_record", collected_by="chloe",
                 collected_at=at(as_of, 60), expires_at=_day(as_of, 305),
                 control_ids=["A.4.6"], clause_ids=["7.2", "7.3"],
                 uri="https://docs.larkspur.example/ai/training/ai-literacy-2026"),
        Evidence(id="ev-speak-up-procedure", title="Speak-up procedure for AI concerns",
                 evidence_kind="document", collected_by="ines", collected_at=at(as_of, 400),
                 expires_at=_day(as_of, -35), control_ids=["A.3.3", "A.8.3"],
                 uri="https://docs.larkspur.example/ai/speak-up"),
        Evidence(id="ev-impact-assessment-procedure", title="AI system impact assessment "
                 "procedure: triggers, questionnaire, roles and approval",
                 evidence_kind="document", collected_by="chloe", collected_at=at(as_of, 200),
                 control_ids=["A.5.2"], clause_ids=["6.1.4"],
                 uri="https://docs.larkspur.example/ai/impact-assessment-procedure"),
    ]
    for item in items:
        digest = hashlib.sha256(f"{item.id}:{item.title}".encode()).hexdigest()
        # organization-wide evidence is registered by the AI governance lead
        with store.acting_as("chloe", at=item.collected_at):
            store.save(item.model_copy(update={"content_hash": digest}),
                       reason=f"evidence collected by {item.collected_by}")
    return len(items)


def _soa(store: Store, as_of: dt.date) -> None:
    """Alice drafts the SoA from the register and completes it; Chloe (the AI governance
    lead) approves; top management has not decided yet."""
    from workbench.readiness.engine import assess

    draft = draft_soa(store, owner="chloe", today=as_of)
    # The person completing it reads the readiness of each control off the records.
    found = assess(store, today=as_of, only=["A"], verify=False).requirements
    readiness = dict(zip(found["id"], found["status"], strict=True))
    entries = []
    for entry in draft.entries:
        cid = entry.control_id
        objective = ".".join(cid.split(".")[:2])
        if cid in EXCLUDED:
            entries.append(entry.model_copy(update={"applicable": False,
                                                    "justification": EXCLUDED[cid]}))
            continue
        justification = entry.justification or BASELINE[cid]
        status = {"met": "implemented", "partial": "partial"}.get(readiness[cid], "planned")
        entries.append(entry.model_copy(update={
            "applicable": True, "justification": justification, "implementation": status,
            "owner": OWNERS[objective]}))
    soa = draft.model_copy(update={"entries": entries, "status": SoAStatus.submitted})
    with store.acting_as("alice", at=at(as_of, 6)):
        store.save(soa, reason="Statement of Applicability drafted from the risk register "
                   "and completed")
    with store.acting_as("alice", at=at(as_of, 5)):
        request(store, "soa", soa.id, note="approval of the Statement of Applicability")
    with store.acting_as("chloe", at=at(as_of, 3)):
        decide(store, "soa", soa.id, "approve", role="governance_lead",
               comment="Reviewed against the risk register.")


def seed(store: Store, as_of: dt.date) -> dict[str, int]:
    """Seed the demo AIMS records (deterministic for ``as_of``)."""
    _policy(store, as_of)
    objectives = _objectives(store, as_of)
    _audit(store, as_of)
    evidence = _evidence(store, as_of)
    _soa(store, as_of)
    return {"AI policy": 1, "AI objectives": objectives, "audit programmes": 1,
            "AIMS evidence items": evidence, "Statement of Applicability": 1}


def seed_review(store: Store, as_of: dt.date) -> dict[str, int]:
    """Seed the management review, after the incidents, audits and nonconformities it looks
    back on (the improvement seeder), so its inputs from the pack count them."""
    _review(store, as_of)
    return {"management reviews": 1}
