"""Demo continual improvement for the Larkspur Group, made through workbench.improvement at
the story's times: an AI incident on the credit scorecard, reported within its deadline, whose
nonconformity was corrected, its action reviewed effective by the system owner (not the
action's owner) and closed; the internal audit of clauses 4 to 6 run from the programme, whose
nonconforming finding on go-live approval is being worked (one action done, one open).

Runs after the readiness seeder (the audit programme) in the feature manifest's order.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from workbench.demo.clock import at
from workbench.improvement import (
    audit_checklist,
    close,
    complete_action,
    complete_audit,
    link_incident,
    open_incident,
    plan_action,
    raise_nc,
    record_correction,
    record_root_cause,
    report_incident,
    review_effectiveness,
)

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["seed"]


def _day(as_of: dt.date, offset: int) -> dt.date:
    return as_of + dt.timedelta(days=offset)


def _incident(store: Store, as_of: dt.date) -> None:
    risks = [r.id for r in store.records("risk") if r.system_id == "credit-scoring"
             and r.title.startswith("Bureau data outage")]
    with store.acting_as("grace", at=at(as_of, 160)):
        open_incident(
            store, id="inc-credit-stale-feed", system_id="credit-scoring",
            title="Applications declined on a stale credit-bureau feed",
            description="For two days the scorecard read a bureau file that had stopped "
            "updating; applicants who had repaid debts were declined.",
            detected_on=_day(as_of, -160), severity="high", serious=True,
            harm="credit refused on wrong data (access to an essential service)",
            affected_persons="312 applicants", source="complaint",
            complaint_ref="complaint CC-2291 from an applicant", risk_ids=risks)
    with store.acting_as("grace", at=at(as_of, 158)):
        raise_nc(store, id="nc-2", title="Scorecard ran on a stale bureau feed unnoticed",
                 description="No check stopped scoring when the bureau file stopped updating.",
                 source="incident", severity="major", system_ids=["credit-scoring"],
                 control_ids=["A.6.2.6"], raised_on=_day(as_of, -158))
    with store.acting_as("grace", at=at(as_of, 158, 30)):
        link_incident(store, "inc-credit-stale-feed", nonconformity_id="nc-2")
        record_correction(store, "nc-2", "Declined applications re-scored on the current "
                          "feed; 41 decisions reversed and applicants told.")
    with store.acting_as("grace", at=at(as_of, 152)):
        report_incident(store, "inc-credit-stale-feed", reported_on=_day(as_of, -152),
                        reported_to="the national market surveillance authority")
    with store.acting_as("ben", at=at(as_of, 150)):
        record_root_cause(store, "nc-2", "Feed freshness was monitored by the bureau only; "
                          "the pipeline trusted the file's arrival, not its date.")
        plan_action(store, "nc-2", "Stop scoring and alert when the bureau feed is older "
                    "than 24 hours", owner="ravi", due=_day(as_of, -120))
    with store.acting_as("ravi", at=at(as_of, 125)):
        complete_action(store, "nc-2", 1, done_on=_day(as_of, -125))
    with store.acting_as("grace", at=at(as_of, 45)):
        review_effectiveness(store, "nc-2", effective=True, review="Two later feed delays "
                             "stopped scoring within the hour; no decision on stale data in "
                             "the quarter.", on=_day(as_of, -45))
    with store.acting_as("chloe", at=at(as_of, 40)):
        close(store, "nc-2", on=_day(as_of, -40))


_NOTES = {
    "4.3": ("conforming", "Scope names the seven AI systems and the business units."),
    "5.2": ("conforming", "Policy approved by the CEO and communicated."),
    "6.1.2": ("observation", "Risk assessments complete, but two systems reuse last year's "
                             "likelihood scores without comment."),
    "6.1.3": ("conforming", "Treatments chosen against the Statement of Applicability."),
    "6.1.4": ("improvement", "Impact assessments could reuse the risk register's affected "
                             "groups."),
    "A.6.2.5": ("minor_nc", "Go-live of the support chatbot approved on a red-team test "
                            "that had expired before the model upgrade."),
}


def _internal_audit(store: Store, as_of: dt.date) -> None:
    checklist = audit_checklist(store, "audit-programme", "aims-core",
                                today=_day(as_of, -100))
    findings = []
    for row in checklist.itertuples():
        outcome, notes = _NOTES[row.requirement_id]
        # the auditor samples records behind the readiness result, none of them their own
        sampled = [ref for ref in row.records if "hiro" not in {
            v.author for v in store.history(*ref.split("/", 1))}]
        findings.append({"requirement_id": row.requirement_id, "outcome": outcome,
                         "notes": notes, "records_sampled": sampled[:3],
                         "system_ids": ["support-chatbot"] if outcome == "minor_nc" else []})
    with store.acting_as("hiro", at=at(as_of, 100)):
        complete_audit(store, "audit-programme", "aims-core", findings,
                       results="Policy and risk process in place; one minor nonconformity "
                       "(expired validation evidence used for a go-live decision).",
                       reported_to=["chloe", "dev"], completed_on=_day(as_of, -100))
    with store.acting_as("marta", at=at(as_of, 99)):
        record_correction(store, "nc-1", "Go-live rejected until a new red-team test is "
                          "attached.")
    with store.acting_as("ben", at=at(as_of, 95)):
        record_root_cause(store, "nc-1", "The go-live checklist did not check evidence "
                          "expiry dates.")
    with store.acting_as("chloe", at=at(as_of, 95, 30)):
        plan_action(store, "nc-1", "Go-live checklist checks evidence expiry", owner="chloe",
                    due=_day(as_of, -60))
        plan_action(store, "nc-1", "Repeat the red-team test on the upgraded model",
                    owner="ravi", due=_day(as_of, -5))
    with store.acting_as("chloe", at=at(as_of, 62)):
        complete_action(store, "nc-1", 1, done_on=_day(as_of, -62))


def seed(store: Store, as_of: dt.date) -> dict[str, int]:
    """Seed the demo's incident, internal audit and nonconformities (deterministic)."""
    _incident(store, as_of)
    _internal_audit(store, as_of)
    return {"internal audits completed": 1, "nonconformities": 2, "AI incidents": 1}
