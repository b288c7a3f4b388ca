"""Records the readiness rules check: the Statement of Applicability, the AI policy and
objectives, the internal audit programme, management reviews and nonconformities.

Every record is an ordinary versioned store record. Whether one is *approved* is derived
from the sign-off records (never written here: that would change the content hash the
approval bound to); whether evidence or a review is *overdue* is computed against a date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core import ValidationError as CoreValidationError

from workbench.model._base import NonEmptyStr, Part, Record, Reference, Slug
from workbench.model.core import ClauseId, ControlId, ObjectiveId, StrEnum

__all__ = [
    "SOA_ID",
    "AIObjective",
    "AIPolicy",
    "Audit",
    "AuditFinding",
    "AuditProgramme",
    "CorrectiveAction",
    "DecisionFollowUp",
    "DecisionKind",
    "FindingOutcome",
    "Implementation",
    "ManagementReview",
    "Measurement",
    "NCSource",
    "NCStage",
    "Nonconformity",
    "ObjectiveArea",
    "ObjectiveStatus",
    "RelatedPolicy",
    "ReviewDecision",
    "ReviewInput",
    "ReviewTopic",
    "Severity",
    "SoAEntry",
    "SoAStatus",
    "StatementOfApplicability",
    "followup_id",
]

#: The id of the organization's Statement of Applicability (its latest version is current).
SOA_ID = "soa"


def _located(title: str, problems: Iterable[tuple[tuple[str | int, ...], str, Any]]) -> None:
    """Raise pydantic errors at the given field paths, so a form shows each beside its field.

    An empty input is reported as ``"(empty)"``: the workbench's error formatting turns errors
    on empty inputs into a bare "required", and these messages say more than that.
    """
    details = [
        InitErrorDetails(type=PydanticCustomError("workbench_rule", "{rule}", {"rule": msg}),
                         loc=loc, input="(empty)" if value in (None, "", [], ()) else value)
        for loc, msg, value in problems
    ]
    if details:
        raise CoreValidationError.from_exception_data(title, details)




def _unique(values: list[Any], what: str) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError(f"each {what} may appear only once")
    return values


# -- Statement of Applicability (6.1.3) ------------------------------------------------------------
class Implementation(StrEnum):
    """How far an included control is implemented."""

    planned = "planned"
    partial = "partial"
    implemented = "implemented"


class SoAStatus(StrEnum):
    """A draft may leave controls undecided; a submitted SoA decides and justifies all 38."""

    draft = "draft"
    submitted = "submitted"


class SoAEntry(Part):
    """One Annex A control in the Statement of Applicability."""

    control_id: ControlId
    applicable: bool | None = Field(
        None, description="included (True), excluded (False) or still to decide (draft only)")
    justification: str = Field("", description="why the control is included or excluded")
    implementation: Implementation | None = Field(
        None, description="planned, partial or implemented (included controls)")
    owner: Slug | None = Field(None, description="login of the person responsible")
    evidence_ids: list[Slug] = Field(default_factory=list,
                                     description="evidence records linked by hand")
    notes: str = ""

    @field_validator("evidence_ids")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        return _unique(value, "evidence id")

    @model_validator(mode="after")
    def _justified(self) -> SoAEntry:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if self.applicable is False and not self.justification:
            problems.append((("justification",), (f"{self.control_id} is excluded: give the "
                             "justification for excluding it (required either way)"), ""))
        elif self.applicable is True and not self.justification:
            problems.append((("justification",), (f"{self.control_id} is included: give the "
                             "justification for including it (the risks or requirements it "
                             "addresses)"), ""))
        if self.applicable is False and self.implementation is not None:
            problems.append((("implementation",), (f"{self.control_id} is excluded, so it has "
                             "no implementation status; clear it"), self.implementation.value))
        _located("Statement of Applicability entry", problems)
        return self

    @property
    def decided(self) -> bool:
        return self.applicable is not None


class StatementOfApplicability(Record, kind="soa", label="Statement of Applicability"):
    """Which Annex A controls apply and why (ISO/IEC 42001 6.1.3 d): all 38, each justified.

    Entries are kept in the catalog's control order whatever order they were given in, so
    the content (and the hash a sign-off binds to) does not depend on it.
    """

    id: Slug = SOA_ID
    title: NonEmptyStr = "Statement of Applicability"
    owner: Slug = Field(description="login of the person who maintains it")
    scope_id: Slug | None = Field(None, description="the AIMS scope record it applies to")
    status: SoAStatus = SoAStatus.draft
    entries: list[SoAEntry]
    notes: str = ""

    @field_validator("entries")
    @classmethod
    def _catalog_order(cls, value: list[SoAEntry]) -> list[SoAEntry]:
        from workbench import catalog

        order = {cid: i for i, cid in enumerate(catalog.control_ids())}
        return sorted(value, key=lambda e: order.get(e.control_id, len(order)))

    @model_validator(mode="after")
    def _every_control_once(self) -> StatementOfApplicability:
        from workbench import catalog

        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        seen: dict[str, int] = {}
        for i, entry in enumerate(self.entries):
            if entry.control_id in seen:
                problems.append((("entries", i, "control_id"), (f"{entry.control_id} is listed "
                                 f"twice (entries {seen[entry.control_id] + 1} and {i + 1}); "
                                 "list each control once"), entry.control_id))
            seen.setdefault(entry.control_id, i)
        absent = [c for c in catalog.control_ids() if c not in seen]
        if absent:
            problems.append((("entries",), (f"the SoA lists every Annex A control; missing "
                             f"{len(absent)}: {', '.join(absent)}"), len(self.entries)))
        if self.status == SoAStatus.submitted:
            for i, entry in enumerate(self.entries):
                if entry.applicable is None:
                    problems.append((("entries", i, "applicable"), (f"decide whether "
                                     f"{entry.control_id} applies before submitting"), None))
                elif entry.applicable and entry.implementation is None:
                    problems.append((("entries", i, "implementation"), (f"{entry.control_id} is "
                                     "included: give its implementation status (planned, "
                                     "partial or implemented) before submitting"), None))
        _located("Statement of Applicability", problems)
        return self

    def entry(self, control_id: str) -> SoAEntry:
        """The entry of one control (KeyError when it is not listed)."""
        for entry in self.entries:
            if entry.control_id == control_id:
                return entry
        raise KeyError(control_id)

    def references(self) -> list[Reference]:
        refs = [Reference("owner", "person", self.owner)]
        if self.scope_id:
            refs.append(Reference("scope_id", "aims_scope", self.scope_id))
        for i, entry in enumerate(self.entries):
            if entry.owner:
                refs.append(Reference(f"entries.{i}.owner", "person", entry.owner))
            refs += [Reference(f"entries.{i}.evidence_ids", "evidence", e)
                     for e in entry.evidence_ids]
        return refs


# -- AI policy (5.2, A.2) --------------------------------------------------------------------------
class RelatedPolicy(Part):
    """Another organizational policy and how the AI policy aligns with it (A.2.3)."""

    name: NonEmptyStr
    decision: NonEmptyStr = Field(description="how they were aligned (amended, referenced...)")


class AIPolicy(Record, kind="ai_policy", label="AI policy"):
    """The AI policy set by top management (ISO/IEC 42001 5.2; controls A.2.2 to A.2.4).

    It is approved through sign-off (an executive, per the sign-off policy); ``authors`` may
    not approve it (segregation of duties).
    """

    title: NonEmptyStr
    version_label: str = Field("", description="the policy's own version, e.g. 2.0")
    owner: Slug = Field(description="login of the accountable person")
    authors: list[Slug] = Field(default_factory=list, description="who wrote it")
    purpose: NonEmptyStr = Field(description="how the policy fits the organization's purpose")
    principles: list[NonEmptyStr] = Field(default_factory=list)
    objectives_framework: str = Field("", description="how AI objectives are set (5.2 b)")
    commits_to_requirements: bool = Field(False, description="commitment to meet applicable "
                                          "requirements (5.2 c)")
    commits_to_improvement: bool = Field(False, description="commitment to continual "
                                         "improvement (5.2 d)")
    related_policies: list[RelatedPolicy] = Field(default_factory=list)
    effective_from: dt.date
    review_due: dt.date = Field(description="next planned review (A.2.4)")
    communicated_on: dt.date | None = Field(None, description="when it was communicated")
    communicated_to: list[NonEmptyStr] = Field(default_factory=list)
    uri: str = ""

    @model_validator(mode="after")
    def _dates(self) -> AIPolicy:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if self.review_due <= self.effective_from:
            problems.append((("review_due",), (f"the review ({self.review_due}) must come after "
                             f"the policy takes effect ({self.effective_from})"), self.review_due))
        if self.communicated_on is not None and not self.communicated_to:
            problems.append((("communicated_to",), "say to whom it was communicated", []))
        _located("AI policy", problems)
        return self

    def references(self) -> list[Reference]:
        return [Reference("owner", "person", self.owner),
                *(Reference("authors", "person", a) for a in self.authors)]


# -- AI objectives (6.2, A.6.1.2, A.9.3) -----------------------------------------------------------
class ObjectiveArea(StrEnum):
    aims = "aims"  # objectives of the management system (6.2)
    responsible_development = "responsible_development"  # A.6.1.2
    responsible_use = "responsible_use"  # A.9.3


class ObjectiveStatus(StrEnum):
    planned = "planned"
    on_track = "on_track"
    at_risk = "at_risk"
    achieved = "achieved"
    discontinued = "discontinued"


class Measurement(Part):
    """One measured value of an objective."""

    measured_on: dt.date
    value: NonEmptyStr
    note: str = ""


class AIObjective(Record, kind="ai_objective", label="AI objective"):
    """A measurable AI objective and the plan to achieve it (ISO/IEC 42001 6.2)."""

    title: NonEmptyStr
    area: ObjectiveArea = ObjectiveArea.aims
    policy_id: Slug | None = Field(None, description="the AI policy it follows from")
    annex_c_objectives: list[ObjectiveId] = Field(default_factory=list)
    system_ids: list[Slug] = Field(default_factory=list)
    measure: str = Field("", description="how achievement is measured")
    target: str = Field("", description="the value to reach")
    owner: Slug = Field(description="login of the person responsible")
    due: dt.date
    resources: str = Field("", description="what will be done and with which resources")
    evaluation: str = Field("", description="how results are evaluated")
    status: ObjectiveStatus = ObjectiveStatus.planned
    measurements: list[Measurement] = Field(default_factory=list)

    @field_validator("annex_c_objectives", "system_ids")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        return _unique(value, "value")

    def missing_parts(self) -> list[str]:
        """The parts of the plan 6.2 asks for that are still empty."""
        return [name for name in ("measure", "target", "resources", "evaluation")
                if not getattr(self, name)]

    def references(self) -> list[Reference]:
        refs = [Reference("owner", "person", self.owner)]
        if self.policy_id:
            refs.append(Reference("policy_id", "ai_policy", self.policy_id))
        refs += [Reference("system_ids", "ai_system", s) for s in self.system_ids]
        return refs


# -- internal audit (9.2) --------------------------------------------------------------------------
class FindingOutcome(StrEnum):
    """What the auditor concluded about one requirement (ISO/IEC 42001 9.2)."""

    conforming = "conforming"
    minor_nc = "minor_nc"
    major_nc = "major_nc"
    observation = "observation"
    improvement = "improvement"  # an opportunity for improvement (10.1)

    @property
    def is_nonconformity(self) -> bool:
        return self in (FindingOutcome.minor_nc, FindingOutcome.major_nc)


class AuditFinding(Part):
    """The auditor's conclusion on one clause or control in the audit's scope."""

    requirement_id: NonEmptyStr = Field(description="the clause or Annex A control audited")
    outcome: FindingOutcome
    notes: str = ""
    records_sampled: list[NonEmptyStr] = Field(
        default_factory=list, description="records looked at, as kind/id (evidence/ev-1)")
    system_ids: list[Slug] = Field(default_factory=list, description="AI systems concerned")
    nonconformity_id: Slug | None = Field(None, description="the nonconformity it raised")

    @field_validator("requirement_id")
    @classmethod
    def _known(cls, value: str) -> str:
        from workbench import catalog

        if value not in set(catalog.clause_ids()) | set(catalog.control_ids()):
            raise ValueError(f"{value!r} is not an ISO/IEC 42001 clause or Annex A control id")
        return value

    @model_validator(mode="after")
    def _explained(self) -> AuditFinding:
        if self.outcome is not FindingOutcome.conforming and not self.notes:
            _located("audit finding", [(("notes",), (f"{self.requirement_id}: say what was "
                                        f"found ({self.outcome.value} needs notes)"), "")])
        return self


class Audit(Part):
    """One internal audit of the programme: planned, then done with its results."""

    id: Slug
    title: NonEmptyStr
    clause_ids: list[ClauseId] = Field(default_factory=list)
    control_ids: list[ControlId] = Field(default_factory=list)
    system_ids: list[Slug] = Field(default_factory=list, description="AI systems in its scope")
    planned_on: dt.date
    auditor: Slug = Field(description="login of the auditor")
    completed_on: dt.date | None = None
    results: str = Field("", description="conclusions and findings")
    findings: list[AuditFinding] = Field(default_factory=list,
                                         description="the conclusion on each requirement")
    reported_to: list[Slug] = Field(default_factory=list, description="who received the report")


class AuditProgramme(Record, kind="audit_programme", label="audit programme"):
    """The internal audit programme and its audits (ISO/IEC 42001 9.2)."""

    title: NonEmptyStr
    owner: Slug
    period_start: dt.date
    period_end: dt.date
    frequency: NonEmptyStr = Field(description="how often each area is audited")
    methods: str = ""
    criteria: str = Field("", description="audit criteria and scope")
    audits: list[Audit] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> AuditProgramme:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if self.period_end <= self.period_start:
            problems.append((("period_end",), (f"the programme ends ({self.period_end}) before "
                             f"it starts ({self.period_start})"), self.period_end))
        seen: set[str] = set()
        for i, audit in enumerate(self.audits):
            if audit.id in seen:
                problems.append((("audits", i, "id"), f"audit id {audit.id!r} is used twice",
                                 audit.id))
            seen.add(audit.id)
            if audit.completed_on is not None:
                if not audit.results:
                    problems.append((("audits", i, "results"), (f"audit {audit.id!r} is "
                                     "completed: record its results"), ""))
                if audit.completed_on < audit.planned_on - dt.timedelta(days=366):
                    problems.append((("audits", i, "completed_on"), ("completed more than a "
                                     "year before it was planned; check the dates"),
                                     audit.completed_on))
        _located("audit programme", problems)
        return self

    def references(self) -> list[Reference]:
        refs = [Reference("owner", "person", self.owner)]
        for i, audit in enumerate(self.audits):
            refs.append(Reference(f"audits.{i}.auditor", "person", audit.auditor))
            refs += [Reference(f"audits.{i}.reported_to", "person", p)
                     for p in audit.reported_to]
            refs += [Reference(f"audits.{i}.system_ids", "ai_system", s)
                     for s in audit.system_ids]
        return refs


# -- management review (9.3) -----------------------------------------------------------------------
class ReviewTopic(StrEnum):
    """The inputs a management review considers (ISO/IEC 42001 9.3.2)."""

    previous_actions = "previous_actions"
    context_changes = "context_changes"
    interested_parties = "interested_parties"
    nonconformities = "nonconformities"
    monitoring_results = "monitoring_results"
    audit_results = "audit_results"
    improvement_opportunities = "improvement_opportunities"


class ReviewInput(Part):
    topic: ReviewTopic
    summary: NonEmptyStr


class DecisionKind(StrEnum):
    improvement = "improvement"  # an opportunity for continual improvement (10.1)
    change = "change"  # a change to the management system (6.3)
    resources = "resources"  # resources needed (7.1)


class ReviewDecision(Part):
    """A decision of the review with who carries it out and by when (9.3.3)."""

    id: Slug
    description: NonEmptyStr
    kind: DecisionKind
    owner: Slug
    due: dt.date
    done_on: dt.date | None = None


class ManagementReview(Record, kind="management_review", label="management review"):
    """A management review by top management (ISO/IEC 42001 9.3)."""

    title: NonEmptyStr
    held_on: dt.date
    chair: Slug = Field(description="login of the member of top management chairing it")
    attendees: list[Slug] = Field(default_factory=list)
    inputs: list[ReviewInput] = Field(default_factory=list)
    decisions: list[ReviewDecision] = Field(default_factory=list)
    minutes_uri: str = ""
    next_review_due: dt.date | None = None

    @model_validator(mode="after")
    def _check(self) -> ManagementReview:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        topics: set[str] = set()
        for i, item in enumerate(self.inputs):
            if item.topic.value in topics:
                problems.append((("inputs", i, "topic"), (f"topic {item.topic.value} is listed "
                                 "twice; merge the summaries"), item.topic.value))
            topics.add(item.topic.value)
        ids: set[str] = set()
        for i, decision in enumerate(self.decisions):
            if decision.id in ids:
                problems.append((("decisions", i, "id"), (f"decision id {decision.id!r} is "
                                 "used twice"), decision.id))
            ids.add(decision.id)
        if self.next_review_due is not None and self.next_review_due <= self.held_on:
            problems.append((("next_review_due",), (f"the next review ({self.next_review_due}) "
                             f"must come after this one ({self.held_on})"), self.next_review_due))
        _located("management review", problems)
        return self

    def references(self) -> list[Reference]:
        refs = [Reference("chair", "person", self.chair)]
        refs += [Reference("attendees", "person", a) for a in self.attendees]
        refs += [Reference(f"decisions.{i}.owner", "person", d.owner)
                 for i, d in enumerate(self.decisions)]
        return refs


class DecisionFollowUp(Record, kind="review_followup", label="review decision follow-up"):
    """One decision of a management review carried out (ISO/IEC 42001 9.3.3).

    Kept apart from the review, whose minutes the chair approved: following a decision up
    does not change the minutes, so their approval stays current. Its id is
    :func:`followup_id` of the review and decision; it counts only when ``owner`` is the
    owner the minutes name for that decision.
    """

    review_id: Slug
    decision_id: Slug
    owner: Slug = Field(description="the decision's owner, as the minutes name them")
    done_on: dt.date
    note: str = Field("", description="what was done, or where it is recorded")

    def references(self) -> list[Reference]:
        return [Reference("review_id", "management_review", self.review_id),
                Reference("owner", "person", self.owner)]


def followup_id(review_id: str, decision_id: str) -> str:
    """The id of the follow-up of ``decision_id`` of ``review_id`` (at most 100 characters)."""
    joined = f"{review_id}.{decision_id}"
    if len(joined) <= 100:
        return joined
    import hashlib

    digest = hashlib.sha256(joined.encode()).hexdigest()[:16]
    return f"{review_id[:60]}.{decision_id[:22]}.{digest}"


# -- nonconformity and corrective action (10.2) ----------------------------------------------------
class NCSource(StrEnum):
    internal_audit = "internal_audit"
    external_audit = "external_audit"
    management_review = "management_review"
    monitoring = "monitoring"
    incident = "incident"
    complaint = "complaint"
    other = "other"


class Severity(StrEnum):
    minor = "minor"
    major = "major"


class NCStage(StrEnum):
    """Where a nonconformity is in its handling (ISO/IEC 42001 10.2), in order."""

    raised = "raised"
    corrected = "corrected"  # the immediate correction (containment) is recorded
    root_cause = "root_cause"  # its cause is determined
    actions_planned = "actions_planned"
    in_progress = "in_progress"  # at least one corrective action is done
    effectiveness_reviewed = "effectiveness_reviewed"
    closed = "closed"
    cancelled = "cancelled"

    @property
    def is_open(self) -> bool:
        return self not in (NCStage.closed, NCStage.cancelled)


class CorrectiveAction(Part):
    description: NonEmptyStr
    owner: Slug
    due: dt.date
    done_on: dt.date | None = None


class Nonconformity(Record, kind="nonconformity", label="nonconformity"):
    """A nonconformity, its correction, cause and corrective actions (ISO/IEC 42001 10.2)."""

    title: NonEmptyStr
    description: NonEmptyStr
    raised_on: dt.date
    raised_by: Slug
    source: NCSource
    audit_programme_id: Slug | None = Field(None, description="the programme of the audit "
                                            "that found it")
    audit_id: str = Field("", description="the audit within that programme")
    severity: Severity = Severity.minor
    clause_ids: list[ClauseId] = Field(default_factory=list)
    control_ids: list[ControlId] = Field(default_factory=list)
    system_ids: list[Slug] = Field(default_factory=list)
    correction: str = Field("", description="immediate action to contain and correct it")
    root_cause: str = ""
    corrective_actions: list[CorrectiveAction] = Field(default_factory=list)
    effectiveness_review: str = Field("", description="how the actions were checked to work")
    effective: bool | None = None
    effectiveness_reviewed_by: Slug | None = Field(None, description="who reviewed it (not an "
                                                   "action owner)")
    effectiveness_reviewed_on: dt.date | None = None
    closed_on: dt.date | None = None
    stage: NCStage | None = Field(None, description="where it is in its handling (derived from "
                                  "the content when not given)")
    cancel_reason: str = Field("", description="why it was cancelled (stage cancelled)")

    def derived_stage(self) -> NCStage:
        """The stage the content shows (for records saved before stages were kept)."""
        if self.closed_on is not None:
            return NCStage.closed
        if self.effectiveness_review and self.effective is True:
            return NCStage.effectiveness_reviewed
        if any(a.done_on for a in self.corrective_actions):
            return NCStage.in_progress
        if self.corrective_actions:
            return NCStage.actions_planned
        if self.root_cause:
            return NCStage.root_cause
        if self.correction:
            return NCStage.corrected
        return NCStage.raised

    @model_validator(mode="after")
    def _check(self) -> Nonconformity:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if self.stage is None:
            self.stage = self.derived_stage()
        if self.stage is NCStage.cancelled and not self.cancel_reason:
            problems.append((("cancel_reason",), "say why the nonconformity is cancelled", ""))
        if (self.closed_on is not None) != (self.stage is NCStage.closed):
            problems.append((("stage",), ("a closed nonconformity has stage closed and a "
                             "closed_on date (both or neither)"), self.stage.value))
        if self.audit_id and not self.audit_programme_id:
            problems.append((("audit_programme_id",), "name the audit programme of the audit",
                             None))
        if self.closed_on is not None:
            if self.closed_on < self.raised_on:
                problems.append((("closed_on",), (f"closed ({self.closed_on}) before it was "
                                 f"raised ({self.raised_on})"), self.closed_on))
            if not self.root_cause:
                problems.append((("root_cause",), ("a closed nonconformity records its root "
                                 "cause"), ""))
            if not self.corrective_actions:
                problems.append((("corrective_actions",), ("a closed nonconformity records the "
                                 "corrective actions taken"), []))
            for i, action in enumerate(self.corrective_actions):
                if action.done_on is None:
                    problems.append((("corrective_actions", i, "done_on"), ("close the "
                                     "nonconformity only when every action is done"), None))
            if not self.effectiveness_review or self.effective is not True:
                problems.append((("effective",), ("close it only after reviewing that the "
                                 "actions were effective (effectiveness_review, effective: "
                                 "true)"), self.effective))
        _located("nonconformity", problems)
        return self

    def references(self) -> list[Reference]:
        refs = [Reference("raised_by", "person", self.raised_by)]
        if self.audit_programme_id:
            refs.append(Reference("audit_programme_id", "audit_programme",
                                  self.audit_programme_id))
        refs += [Reference("system_ids", "ai_system", s) for s in self.system_ids]
        refs += [Reference(f"corrective_actions.{i}.owner", "person", a.owner)
                 for i, a in enumerate(self.corrective_actions)]
        if self.effectiveness_reviewed_by:
            refs.append(Reference("effectiveness_reviewed_by", "person",
                                  self.effectiveness_reviewed_by))
        return refs
