"""ISO/IEC 42001 readiness computed from the records, and the Statement of Applicability.

- :mod:`~workbench.readiness.model` - the records the rules check: ``soa``, ``ai_policy``,
  ``ai_objective``, ``audit_programme``, ``management_review``, ``nonconformity``.
- :mod:`~workbench.readiness.soa` - draft the SoA from the risk register, edit, submit, and
  the SoA table as reports show it (the approved version).
- :mod:`~workbench.readiness.rules` - one rule per clause 4-10 sub-clause and per Annex A
  control (in ``clause_rules``, ``operation_rules``, ``impact_rules``, ``control_rules``).
- :mod:`~workbench.readiness.engine` - :func:`assess` and :func:`readiness_figure`.
- :mod:`~workbench.readiness.history` - :func:`as_of` (readiness as the records stood at a
  past moment) and :func:`trend`.
- :mod:`~workbench.readiness.frameworks` - NIST AI RMF coverage and EU AI Act obligations.
- :mod:`~workbench.readiness.views` - escaped HTML and panel-ready tables.

Importing this package loads the pydantic models only; pandas and plotly load when a function
that returns a table or a figure is called.

Examples
--------
>>> import workbench as wb
>>> store = wb.open_store()                                   # doctest: +SKIP
>>> result = wb.readiness.assess(store)                       # doctest: +SKIP
>>> result.overall, result.by_clause, result.gaps             # doctest: +SKIP
>>> wb.readiness.readiness_figure(result)                     # doctest: +SKIP
>>> wb.readiness.soa_table(store)                             # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

from workbench.readiness.model import (
    SOA_ID,
    AIObjective,
    AIPolicy,
    Audit,
    AuditProgramme,
    CorrectiveAction,
    DecisionKind,
    Implementation,
    ManagementReview,
    Measurement,
    NCSource,
    Nonconformity,
    ObjectiveArea,
    ObjectiveStatus,
    RelatedPolicy,
    ReviewDecision,
    ReviewInput,
    ReviewTopic,
    SoAEntry,
    SoAStatus,
    StatementOfApplicability,
)

# Functions re-exported lazily (their modules import pandas or the other features).
_LAZY = {
    "Readiness": "workbench.readiness.engine",
    "assess": "workbench.readiness.engine",
    "as_of": "workbench.readiness.history",
    "trend": "workbench.readiness.history",
    "trend_figure": "workbench.readiness.history",
    "readiness_figure": "workbench.readiness.engine",
    "Facts": "workbench.readiness.facts",
    "Outcome": "workbench.readiness.rules",
    "Rule": "workbench.readiness.rules",
    "check_rules": "workbench.readiness.rules",
    "evidence_rule": "workbench.readiness.rules",
    "get_rule": "workbench.readiness.rules",
    "register_rule": "workbench.readiness.rules",
    "requirement_ids": "workbench.readiness.rules",
    "rule": "workbench.readiness.rules",
    "all_rules": "workbench.readiness.rules",
    "draft_soa": "workbench.readiness.soa",
    "risks_by_control": "workbench.readiness.soa",
    "save_soa": "workbench.readiness.soa",
    "soa_issues": "workbench.readiness.soa",
    "soa_table": "workbench.readiness.soa",
    "soa_version": "workbench.readiness.soa",
    "submit_soa": "workbench.readiness.soa",
    "update_entry": "workbench.readiness.soa",
    "eu_obligations": "workbench.readiness.frameworks",
    "eu_summary": "workbench.readiness.frameworks",
    "nist_by_function": "workbench.readiness.frameworks",
    "nist_coverage": "workbench.readiness.frameworks",
    "clause_table": "workbench.readiness.views",
    "gap_table": "workbench.readiness.views",
    "kpis": "workbench.readiness.views",
    "readiness_html": "workbench.readiness.views",
    "requirement_html": "workbench.readiness.views",
    "soa_document": "workbench.readiness.views",
    "soa_html": "workbench.readiness.views",
    "soa_summary": "workbench.readiness.views",
}

__all__ = [
    "SOA_ID",
    "AIObjective",
    "AIPolicy",
    "Audit",
    "AuditProgramme",
    "CorrectiveAction",
    "DecisionKind",
    "Facts",
    "Implementation",
    "ManagementReview",
    "Measurement",
    "NCSource",
    "Nonconformity",
    "ObjectiveArea",
    "ObjectiveStatus",
    "Outcome",
    "Readiness",
    "RelatedPolicy",
    "ReviewDecision",
    "ReviewInput",
    "ReviewTopic",
    "Rule",
    "SoAEntry",
    "SoAStatus",
    "StatementOfApplicability",
    "as_of",
    "assess",
    "check_rules",
    "clause_table",
    "draft_soa",
    "eu_obligations",
    "eu_summary",
    "evidence_rule",
    "gap_table",
    "get_rule",
    "kpis",
    "nist_by_function",
    "nist_coverage",
    "readiness_figure",
    "readiness_html",
    "register_rule",
    "requirement_html",
    "requirement_ids",
    "risks_by_control",
    "rule",
    "save_soa",
    "soa_document",
    "soa_html",
    "soa_issues",
    "soa_summary",
    "soa_table",
    "soa_version",
    "submit_soa",
    "trend",
    "trend_figure",
    "update_entry",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench.readiness' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
