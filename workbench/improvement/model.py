"""The AI incident record (ISO/IEC 42001 A.8.4; EU AI Act Art. 73) and its reporting deadline.

A *serious* incident is reported to the market surveillance authority no later than 15 days
after the organization became aware of it; 10 days where a person died; 2 days for a
widespread infringement or a serious disruption of critical infrastructure. The deadline is
computed from the record, never typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core import ValidationError as CoreValidationError

from workbench.model._base import NonEmptyStr, Record, Reference, Slug
from workbench.model.core import StrEnum

__all__ = [
    "DEADLINE_DAYS",
    "Incident",
    "IncidentSeverity",
    "IncidentSource",
    "IncidentStatus",
    "deadline_text",
    "report_deadline",
]

#: Days from awareness to the report, per rule (EU AI Act Art. 73(2) to (4)).
DEADLINE_DAYS: dict[str, int] = {"serious": 15, "death": 10, "widespread_or_critical_infra": 2}
#: Each rule in words, with the paragraph of Art. 73 that sets it.
DEADLINE_RULES: dict[str, str] = {
    "serious": "a serious incident (Art. 73(2))",
    "death": "a death (Art. 73(4))",
    "widespread_or_critical_infra": "a widespread infringement or a serious disruption of "
    "critical infrastructure (Art. 73(3))",
}


def _located(title: str, problems: list[tuple[tuple[str | int, ...], str, Any]]) -> None:
    """Raise the problems as pydantic errors at their fields (a form shows each beside it)."""
    details = [
        InitErrorDetails(type=PydanticCustomError("workbench_rule", "{rule}", {"rule": msg}),
                         loc=loc, input="(empty)" if value in (None, "", [], ()) else value)
        for loc, msg, value in problems
    ]
    if details:
        raise CoreValidationError.from_exception_data(title, details)


class IncidentSeverity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class IncidentSource(StrEnum):
    monitoring = "monitoring"
    complaint = "complaint"
    user_report = "user_report"
    other = "other"


class IncidentStatus(StrEnum):
    open = "open"
    reported = "reported"
    closed = "closed"


def report_deadline(aware_on: dt.date, *, serious: bool, death: bool = False,
                    widespread_or_critical_infra: bool = False) -> tuple[dt.date | None, str]:
    """The last day to report an incident and the rule that sets it.

    ``(None, "not serious")`` for an incident that is not serious (no report is due); else the
    shortest period among the rules that apply.
    """
    if not (serious or death or widespread_or_critical_infra):
        return None, "not serious"
    rules = ["serious"]
    if death:
        rules.append("death")
    if widespread_or_critical_infra:
        rules.append("widespread_or_critical_infra")
    rule = min(rules, key=DEADLINE_DAYS.__getitem__)
    return aware_on + dt.timedelta(days=DEADLINE_DAYS[rule]), rule


def deadline_text(aware_on: dt.date, *, serious: bool, death: bool = False,
                  widespread_or_critical_infra: bool = False) -> str:
    """The reporting deadline of :func:`report_deadline` in words: its day and the rule.

    >>> deadline_text(dt.date(2026, 11, 2), serious=True)
    'report by 2026-11-17 (15 days: a serious incident (Art. 73(2)))'
    """
    due, rule = report_deadline(aware_on, serious=serious, death=death,
                                widespread_or_critical_infra=widespread_or_critical_infra)
    if due is None:
        return "not a serious incident: no report to the authority is due"
    return f"report by {due.isoformat()} ({DEADLINE_DAYS[rule]} days: {DEADLINE_RULES[rule]})"


class Incident(Record, kind="incident", label="AI incident"):
    """An AI incident, its reporting deadline, when and to whom it was reported."""

    system_id: Slug
    title: NonEmptyStr
    detected_on: dt.date
    aware_on: dt.date | None = Field(None, description="when the organization became aware "
                                     "(default: detected_on); the deadline runs from it")
    description: NonEmptyStr
    harm: str = Field("", description="the harm caused or risked")
    affected_persons: str = Field("", description="who was affected, how many")
    severity: IncidentSeverity = IncidentSeverity.medium
    serious: bool = Field(False, description="a serious incident in the sense of the EU AI "
                          "Act Art. 3(49): reportable under Art. 73")
    death: bool = Field(False, description="the incident caused (or may have caused) a death")
    widespread_or_critical_infra: bool = Field(
        False, description="a widespread infringement or a serious disruption of critical "
        "infrastructure")
    report_deadline: dt.date | None = Field(None, description="computed from the rules")
    deadline_rule: str = Field("", description="the rule that sets the deadline (computed)")
    reported_on: dt.date | None = None
    reported_to: str = Field("", description="the authority (or people) it was reported to")
    nonconformity_id: Slug | None = None
    risk_ids: list[Slug] = Field(default_factory=list)
    source: IncidentSource = IncidentSource.other
    monitoring_run_id: str = Field("", description="the monitoring run that detected it")
    complaint_ref: str = Field("", description="the complaint that opened it")
    opened_by: Slug
    status: IncidentStatus = IncidentStatus.open
    closure_note: str = ""

    @field_validator("risk_ids")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each risk id may appear only once")
        return value

    @model_validator(mode="after")
    def _check(self) -> Incident:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        aware = self.aware_on or self.detected_on
        if aware < self.detected_on:
            problems.append((("aware_on",), (f"aware ({aware}) before it was detected "
                             f"({self.detected_on})"), aware))
        if (self.death or self.widespread_or_critical_infra) and not self.serious:
            problems.append((("serious",), ("a death or a widespread or critical-infrastructure "
                             "incident is serious: set serious"), self.serious))
        deadline, rule = report_deadline(aware, serious=self.serious, death=self.death,
                                         widespread_or_critical_infra=(
                                             self.widespread_or_critical_infra))
        self.report_deadline, self.deadline_rule = deadline, rule
        if self.reported_on is not None:
            if not self.reported_to:
                problems.append((("reported_to",), "say to whom it was reported", ""))
            if self.reported_on < self.detected_on:
                problems.append((("reported_on",), (f"reported ({self.reported_on}) before it "
                                 f"was detected ({self.detected_on})"), self.reported_on))
        if self.status is IncidentStatus.reported and self.reported_on is None:
            problems.append((("reported_on",), "a reported incident has its report date",
                             None))
        if (self.status is IncidentStatus.closed and self.serious
                and self.reported_on is None):
            problems.append((("status",), ("report a serious incident before closing it"),
                             self.status.value))
        if self.source is IncidentSource.monitoring and not self.monitoring_run_id:
            problems.append((("monitoring_run_id",), ("name the monitoring run that detected "
                             "it"), ""))
        _located("AI incident", problems)
        return self

    def references(self) -> list[Reference]:
        refs = [Reference("system_id", "ai_system", self.system_id),
                Reference("opened_by", "person", self.opened_by)]
        if self.nonconformity_id:
            refs.append(Reference("nonconformity_id", "nonconformity", self.nonconformity_id))
        refs += [Reference("risk_ids", "risk", r) for r in self.risk_ids]
        return refs
