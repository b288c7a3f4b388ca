"""The impact assessment record (ISO/IEC 42005) and its parts.

What an assessment records follows ISO/IEC 42005: identification and trigger, scope, the
system's description and purpose, intended uses, unintended uses and reasonably foreseeable
misuse, failure modes, data, model, deployment environment, interested parties, benefits and
harms for each party (with the Annex C objective at stake, severity, likelihood,
reversibility and scale), thresholds for sensitive uses, measures (linked to risk records),
conclusion, reporting, monitoring, review date and re-assessment triggers. The screening
answers (``answers``) follow the questionnaire (:mod:`workbench.impact.questionnaire`).

``status`` is ``draft`` or ``submitted`` only. Approval comes from sign-off and is derived,
never written here: writing it would change the content hash the approval is bound to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core import ValidationError as CoreValidationError

from workbench.model._base import NonEmptyStr, Part, Record, Reference, Slug
from workbench.model.core import ObjectiveId, RiskSourceId, StrEnum

__all__ = [
    "SUBMIT_FIELDS",
    "AffectedParty",
    "AssessmentStatus",
    "Benefit",
    "DataInfo",
    "DeploymentInfo",
    "Harm",
    "ImpactAssessment",
    "Likelihood",
    "Measure",
    "MeasureStatus",
    "ModelInfo",
    "ObjectiveId",
    "PartyCategory",
    "Reversibility",
    "RiskSourceId",
    "Scale",
    "Severity",
    "Trigger",
]


def _field_errors(title: str, problems: list[tuple[tuple[str | int, ...], str, Any]]) -> None:
    """Raise pydantic errors located at fields (``("harms", 0, "party")``), so a form can show
    each message beside the field it is about."""
    if problems:
        raise CoreValidationError.from_exception_data(title, [
            InitErrorDetails(type=PydanticCustomError("workbench_rule", "{rule}", {"rule": msg}),
                             loc=loc, input=value) for loc, msg, value in problems])




def _checked_answers(answers: dict[str, Any]
                     ) -> tuple[dict[str, Any], list[tuple[tuple[str | int, ...], str, Any]]]:
    """Answers to the questionnaire's questions, normalized, and a problem per invalid one.

    Every save passes here, so an answer a question does not accept (``'maybe'`` to a yes/no
    question) never reaches the store, whichever path saved it. Answers to questions the
    questionnaire in force does not define are kept as they are: an organization's own
    questions (``WORKBENCH_IMPACT_QUESTIONS``) may not be configured where a record is read.
    """
    from workbench.impact.questionnaire import normalize_answer, questionnaire

    q = questionnaire()
    out: dict[str, Any] = {}
    problems: list[tuple[tuple[str | int, ...], str, Any]] = []
    for key, value in answers.items():
        if key not in q:
            out[key] = value
            continue
        norm, error = normalize_answer(q.question(key), value)
        if error:
            problems.append((("answers", key), error, value))
        elif norm is not None:
            out[key] = norm
    return out, problems


class Trigger(StrEnum):
    """Why the assessment was done (ISO/IEC 42005 identification)."""

    new_system = "new_system"
    significant_change = "significant_change"
    periodic = "periodic"


class AssessmentStatus(StrEnum):
    """Only what the assessor controls; approval is derived from sign-off."""

    draft = "draft"
    submitted = "submitted"


class PartyCategory(StrEnum):
    user = "user"  # operates or uses the system (staff, customers using it)
    affected_individual = "affected_individual"  # the person an output is about
    group = "group"  # a group of people affected together
    society = "society"  # the public, the environment, democratic processes
    non_user = "non_user"  # people affected without using it (bystanders, carers)
    vulnerable_group = "vulnerable_group"  # children, elderly, disabled, in hardship
    organization = "organization"  # the organization itself, partners, suppliers


class _Ordered(StrEnum):
    """An ordinal scale; ``level`` is 1 for the lowest value."""

    @property
    def level(self) -> int:
        return list(type(self)).index(self) + 1


class Severity(_Ordered):
    negligible = "negligible"
    minor = "minor"
    moderate = "moderate"
    major = "major"
    severe = "severe"


class Likelihood(_Ordered):
    rare = "rare"
    unlikely = "unlikely"
    possible = "possible"
    likely = "likely"
    almost_certain = "almost_certain"


class Reversibility(_Ordered):
    reversible = "reversible"
    hard_to_reverse = "hard_to_reverse"
    irreversible = "irreversible"


class Scale(_Ordered):
    individual = "individual"  # one person at a time
    group = "group"  # a group or community
    population = "population"  # large parts of society


class MeasureStatus(StrEnum):
    planned = "planned"
    in_place = "in_place"


class DataInfo(Part):
    """Data the system is built and run on: sources, provenance, quality, gaps."""

    sources: list[NonEmptyStr] = Field(default_factory=list)
    provenance: str = ""
    quality: str = ""
    representativeness: str = ""
    gaps: str = Field("", description="known gaps and under-represented groups")


class ModelInfo(Part):
    """The model: type, versions, performance and limitations."""

    model_type: str = ""
    versions: str = ""
    performance: str = ""
    limitations: str = ""


class DeploymentInfo(Part):
    """Where and how the system runs."""

    geography: list[NonEmptyStr] = Field(default_factory=list)
    languages: list[NonEmptyStr] = Field(default_factory=list)
    constraints: str = ""


class AffectedParty(Part):
    """An interested party: users, affected individuals, groups, society, non-users."""

    name: NonEmptyStr
    category: PartyCategory
    description: str = ""


class Benefit(Part):
    party: NonEmptyStr
    description: NonEmptyStr


class Harm(Part):
    """A potential harm to a party, on an Annex C objective, rated four ways."""

    id: Slug
    party: NonEmptyStr
    objective: ObjectiveId
    description: NonEmptyStr
    severity: Severity
    likelihood: Likelihood
    reversibility: Reversibility
    scale: Scale
    risk_source: RiskSourceId | None = Field(
        None, description="Annex C risk source, used when the harm is proposed as a risk")


class Measure(Part):
    """A mitigation of one or more harms, linked to the risk records that treat them."""

    id: Slug
    description: NonEmptyStr
    harm_ids: list[Slug] = Field(default_factory=list)
    risk_ids: list[Slug] = Field(default_factory=list)
    owner: Slug | None = None
    status: MeasureStatus = MeasureStatus.planned


#: Record fields a submitted assessment must fill, with the message shown when empty.
SUBMIT_FIELDS: dict[str, str] = {
    "scope": "describe what the assessment covers",
    "system_description": "describe the system and its capabilities",
    "purpose": "state the system's purpose",
    "intended_uses": "list at least one intended use",
    "interested_parties": "list at least one interested party",
    "conclusion": "write the conclusion",
    "review_due": "set the next review date",
}


class ImpactAssessment(Record, kind="impact_assessment", label="impact assessment"):
    """An AI system impact assessment (ISO/IEC 42001 6.1.4, 8.4; controls A.5.2 to A.5.5)."""

    # identification
    system_id: Slug
    system_version: str = Field("", description="version of the system assessed")
    assessor: Slug = Field(description="login of the person doing the assessment")
    assessed_on: dt.date
    trigger: Trigger
    trigger_detail: str = Field("", description="what changed, or which periodic review")
    status: AssessmentStatus = AssessmentStatus.draft
    # the system and its uses
    scope: str = ""
    system_description: str = ""
    purpose: str = ""
    intended_uses: list[NonEmptyStr] = Field(default_factory=list)
    unintended_uses: list[NonEmptyStr] = Field(
        default_factory=list, description="unintended uses and reasonably foreseeable misuse")
    failure_modes: list[NonEmptyStr] = Field(default_factory=list)
    data: DataInfo = Field(default_factory=DataInfo)
    model_info: ModelInfo = Field(default_factory=ModelInfo)
    deployment: DeploymentInfo = Field(default_factory=DeploymentInfo)
    # parties, benefits, harms, measures
    interested_parties: list[AffectedParty] = Field(default_factory=list)
    benefits: list[Benefit] = Field(default_factory=list)
    harms: list[Harm] = Field(default_factory=list)
    sensitive_use_thresholds: str = Field(
        "", description="thresholds for sensitive or restricted uses")
    measures: list[Measure] = Field(default_factory=list)
    # screening answers (see the questionnaire)
    answers: dict[str, Any] = Field(default_factory=dict)
    # analysis, reporting, monitoring
    conclusion: str = ""
    reporting: str = Field("", description="to whom and how the results are reported")
    monitoring: str = Field("", description="what is monitored between reviews")
    review_due: dt.date | None = None
    reassessment_triggers: list[NonEmptyStr] = Field(default_factory=list)

    @field_validator("answers")
    @classmethod
    def _answer_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad = [k for k in value if not isinstance(k, str) or not k.strip()]
        if bad:
            raise ValueError("answers are keyed by question id")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ImpactAssessment:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        self.answers, answer_problems = _checked_answers(self.answers)
        problems += answer_problems
        for name, items in (("harms", self.harms), ("measures", self.measures),
                            ("interested_parties", self.interested_parties)):
            keys = [getattr(i, "id", None) or getattr(i, "name", "").casefold() for i in items]
            for n, key in enumerate(keys):
                if key in keys[:n]:
                    field = "id" if name != "interested_parties" else "name"
                    problems.append(((name, n, field), f"{key} appears more than once", key))
        harm_ids = {h.id for h in self.harms}
        for n, m in enumerate(self.measures):
            unknown = [h for h in m.harm_ids if h not in harm_ids]
            if unknown:
                problems.append((("measures", n, "harm_ids"), (f"no harm {', '.join(unknown)} in "
                                 "this assessment"), unknown))
        if self.interested_parties:
            names = {p.name.casefold() for p in self.interested_parties}
            listed = ", ".join(p.name for p in self.interested_parties)
            for name, items in (("harms", self.harms), ("benefits", self.benefits)):
                for n, item in enumerate(items):
                    if item.party.casefold() not in names:
                        problems.append(((name, n, "party"), (f"{item.party!r} is not one of the "
                                         f"interested parties ({listed})"), item.party))
        if self.review_due is not None and self.review_due <= self.assessed_on:
            problems.append((("review_due",), (f"{self.review_due} must be after assessed_on "
                             f"{self.assessed_on}"), self.review_due))
        if self.status == AssessmentStatus.submitted:
            for f, what in SUBMIT_FIELDS.items():
                if getattr(self, f) in ("", [], None):
                    problems.append(((f,), f"a submitted assessment needs it: {what}",
                                     self.status.value))
        _field_errors("impact assessment", problems)
        return self

    # -- helpers ---------------------------------------------------------------------------
    def display_name(self) -> str:
        return f"Impact assessment of {self.system_id} ({self.assessed_on})"

    def references(self) -> list[Reference]:
        refs = [Reference("system_id", "ai_system", self.system_id),
                Reference("assessor", "person", self.assessor)]
        for m in self.measures:
            refs += [Reference("measures.risk_ids", "risk", r) for r in m.risk_ids]
            if m.owner:
                refs.append(Reference("measures.owner", "person", m.owner))
        return refs

    def harm(self, harm_id: str) -> Harm:
        for h in self.harms:
            if h.id == harm_id:
                return h
        from workbench.errors import NotFoundError

        raise NotFoundError(f"impact assessment {self.id!r} has no harm {harm_id!r}; its harms: "
                            f"{', '.join(h.id for h in self.harms) or 'none'}")

    def unmitigated_harms(self) -> list[Harm]:
        """Harms no measure addresses (candidates for the risk register)."""
        covered = {h for m in self.measures for h in m.harm_ids}
        return [h for h in self.harms if h.id not in covered]

    def submit_problems(self) -> list[tuple[str, str]]:
        """``(field, message)`` for each record field a submission still needs."""
        return [(f, SUBMIT_FIELDS[f]) for f in SUBMIT_FIELDS
                if getattr(self, f) in ("", [], None)]
