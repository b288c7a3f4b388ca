"""Continual improvement as workflows (ISO/IEC 42001 9.2, 10.1, 10.2, A.8.4; EU AI Act Art. 73).

- Nonconformity to closure: :func:`raise_nc`, :func:`record_correction`,
  :func:`record_root_cause`, :func:`plan_action`, :func:`complete_action`,
  :func:`review_effectiveness`, :func:`close`, :func:`cancel` (by :func:`cancellers`); the
  register
  :func:`nonconformities_frame` (``overdue`` actions).
- Internal audits run from the audit programme: :func:`audit_checklist` (the scope pre-filled
  with today's readiness and its evidence) and :func:`complete_audit` (findings saved in the
  programme, a nonconformity for each NC finding).
- The AI incident register: :func:`open_incident`, :func:`report_incident`,
  :func:`link_incident`, :func:`close_incident`, :func:`incidents_frame` (``overdue`` reports).

Every step saves a new version through the store as the acting user; bad input raises a
one-line error and writes nothing. Importing this package does not import pandas.
"""

from __future__ import annotations

from workbench.improvement.audit import (
    audit_checklist,
    audit_report_html,
    complete_audit,
    find_audit,
    latest_completed_audit,
)
from workbench.improvement.incident import (
    close_incident,
    incidents_frame,
    link_incident,
    open_incident,
    report_incident,
)
from workbench.improvement.model import (
    DEADLINE_DAYS,
    Incident,
    IncidentSeverity,
    IncidentSource,
    IncidentStatus,
    deadline_text,
    report_deadline,
)
from workbench.improvement.nonconformity import (
    NEXT_STEP,
    cancel,
    cancellers,
    close,
    complete_action,
    effectiveness_reviewers,
    nonconformities_frame,
    plan_action,
    raise_nc,
    record_correction,
    record_root_cause,
    review_effectiveness,
    suggest_nc_id,
)
from workbench.readiness.model import AuditFinding, FindingOutcome, NCStage

__all__ = [
    "DEADLINE_DAYS",
    "NEXT_STEP",
    "AuditFinding",
    "FindingOutcome",
    "Incident",
    "IncidentSeverity",
    "IncidentSource",
    "IncidentStatus",
    "NCStage",
    "audit_checklist",
    "audit_report_html",
    "cancel",
    "cancellers",
    "close",
    "close_incident",
    "complete_action",
    "complete_audit",
    "effectiveness_reviewers",
    "find_audit",
    "incidents_frame",
    "latest_completed_audit",
    "link_incident",
    "nonconformities_frame",
    "open_incident",
    "plan_action",
    "raise_nc",
    "record_correction",
    "record_root_cause",
    "deadline_text",
    "report_deadline",
    "report_incident",
    "review_effectiveness",
    "suggest_nc_id",
]
