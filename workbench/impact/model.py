"""The impact assessment record (ISO/IEC 42005) and its parts.

What an assessment records follows ISO/IEC 42005: identification and trigger, scope, the
system's description and purpose, intended uses, unintended uses and reasonably foreseeable
misuse, failure modes, data, model, deployment environment, interested parties, benefits and
harms for each party (with the Annex C objective at stake, severity, likelihood,
reversibility and scale; benefits rated by severity, likelihood and scale too), the system's
capabilities, structured thresholds for sensitive or restricted uses, measures (linked to
risk records), conclusion, reporting, monitoring, review date and re-assessment triggers.
The screening answers (``answers``) follow the questionnaire
(:mod:`workbench.impact.questionnaire`).

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
    "SUBMIT_CONTENT",
    "SUBMIT_FIELDS",
    "SUBMIT_QUESTIONS",
    "submission_gaps",
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
    "SensitiveUseThreshold",
    "Severity",
    "ThresholdResponse",
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
    """A benefit to a party, rated as harms are: how large (``severity``, the benefit's
    magnitude), how likely and at what scale. Ratings are optional in a stored version (older
    versions have none) and required at submit."""

    party: NonEmptyStr
    description: NonEmptyStr
    severity: Severity | None = Field(None, description="magnitude of the benefit")
    likelihood: Likelihood | None = None
    scale: Scale | None = None

    def unrated(self) -> list[str]:
        """The ratings still missing (``severity``, ``likelihood``, ``scale``)."""
        return [f for f in ("severity", "likelihood", "scale") if getattr(self, f) is None]


class ThresholdResponse(StrEnum):
    """What happens when a sensitive-use threshold is crossed."""

    not_permitted = "not_permitted"  # the use is refused
    human_review = "human_review"  # a person decides
    approval_required = "approval_required"  # a named role approves before use
    monitor = "monitor"  # allowed, watched and reported


class SensitiveUseThreshold(Part):
    """A threshold for a sensitive or restricted use (ISO/IEC 42005): which use, the
    condition that marks it, and the response."""

    use: NonEmptyStr = Field(description="the sensitive or restricted use")
    condition: NonEmptyStr = Field(description="when the threshold is crossed, e.g. a "
                                   "confidence below 0.6, a minor, a decision over 10,000 EUR")
    response: ThresholdResponse | None = None
    notes: str = ""


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


#: The questions every submitted assessment answers (ISO/IEC 42005): record field -> the
#: question as the assessor reads it. A submit names missing items by these texts.
SUBMIT_QUESTIONS: dict[str, str] = {
    "scope": "What does the assessment cover?",
    "system_description": "What is the system?",
    "purpose": "What is the system's purpose?",
    "intended_uses": "What are the intended uses?",
    "unintended_uses": "What unintended uses and reasonably foreseeable misuse are there?",
    "data": "What data is the system built and run on (its sources)?",
    "model_info": "What model does it use (its type, and its performance or limitations)?",
    "interested_parties": "Who are the interested parties?",
    "benefits": "What benefits does the system bring, and to whom?",
    "harms": "What harms could the system cause, and to whom?",
    "measures": "What measures address the harms?",
    "conclusion": "What is the conclusion?",
    "review_due": "When is the next review?",
}
#: The ISO/IEC 42005 content checked at submit on top of :data:`SUBMIT_FIELDS` (checked on
#: submit and when readiness counts an assessment, not when a stored version is read, so
#: versions submitted before the check stay readable).
SUBMIT_CONTENT: tuple[str, ...] = ("unintended_uses", "data", "model_info", "benefits",
                                   "harms", "measures")


def _filled(name: str, value: Any) -> bool:
    """Whether a submitted assessment's field answers its question."""
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if value is None or (not isinstance(value, (str, list, dict)) and value != value):
        return False  # None, NaN or NaT (a register row's empty cell)
    if name == "data":
        return bool((value or {}).get("sources"))
    if name == "model_info":
        value = value or {}
        return bool(str(value.get("model_type") or "").strip()) and bool(
            str(value.get("performance") or "").strip()
            or str(value.get("limitations") or "").strip())
    if isinstance(value, str):
        return bool(value.strip())
    return value not in (None, [], {})


BENEFIT_RATING = "How large, how likely and at what scale is this benefit?"


def _unrated_benefits(benefits: Any) -> list[tuple[str, str]]:
    """``(benefits.N, question)`` for each benefit without its severity, likelihood or scale."""
    out = []
    if not isinstance(benefits, list):
        return out
    for n, b in enumerate(benefits):
        b = b.model_dump() if hasattr(b, "model_dump") else (b or {})
        missing = [f for f in ("severity", "likelihood", "scale") if not b.get(f)]
        if missing:
            out.append((f"benefits.{n}", f"{BENEFIT_RATING} ({b.get('description', '')!s}: "
                        f"{', '.join(missing)})"))
    return out


def submission_gaps(assessment: ImpactAssessment | dict[str, Any], *,
                    questionnaire: Any = None) -> list[tuple[str, str]]:
    """What a submission still lacks: ``(field, question text)`` per missing item.

    Record fields (:data:`SUBMIT_FIELDS` and :data:`SUBMIT_CONTENT`) come first, then the
    required screening questions of the questionnaire in force (``answers.<id>``; an
    ``unknown`` answer does not count). Empty when the assessment can be submitted and
    counted. Works on a record or on its stored content (a register row).
    """
    if isinstance(assessment, ImpactAssessment):
        data: dict[str, Any] = assessment.model_dump(warnings=False)
    else:
        data = dict(assessment)
    gaps = [(f, SUBMIT_QUESTIONS[f]) for f in SUBMIT_QUESTIONS
            if (f in SUBMIT_FIELDS or f in SUBMIT_CONTENT) and not _filled(f, data.get(f))]
    gaps += _unrated_benefits(data.get("benefits"))
    if questionnaire is None:
        from workbench.impact.questionnaire import questionnaire as current

        questionnaire = current()
    answers, _ = questionnaire.normalize(data.get("answers") or {}, allow_unknown_ids=True)
    gaps += [(f"answers.{q.id}", q.text) for q in questionnaire.missing_required(answers)]
    return gaps


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
    capabilities: list[NonEmptyStr] = Field(
        default_factory=list, description="what the system can do (ISO/IEC 42005)")
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
    sensitive_use_thresholds: list[SensitiveUseThreshold] = Field(
        default_factory=list, description="thresholds for sensitive or restricted uses")
    measures: list[Measure] = Field(default_factory=list)
    # screening answers (see the questionnaire)
    answers: dict[str, Any] = Field(default_factory=dict)
    # analysis, reporting, monitoring
    conclusion: str = ""
    reporting: str = Field("", description="to whom and how the results are reported")
    monitoring: str = Field("", description="what is monitored between reviews")
    review_due: dt.date | None = None
    reassessment_triggers: list[NonEmptyStr] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        """Read versions saved before thresholds were structured: free text becomes one
        threshold whose condition is that text (empty text, none)."""
        if isinstance(data, dict) and isinstance(data.get("sensitive_use_thresholds"), str):
            text = data["sensitive_use_thresholds"].strip()
            data = {**data, "sensitive_use_thresholds": [
                {"use": "sensitive or restricted uses", "condition": text}] if text else []}
        return data

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
        """``(field, question text)`` for each record field a submission still needs
        (:data:`SUBMIT_FIELDS` and :data:`SUBMIT_CONTENT`; the screening questions are
        checked by :func:`submission_gaps`)."""
        return [(f, t) for f, t in SUBMIT_QUESTIONS.items()
                if (f in SUBMIT_FIELDS or f in SUBMIT_CONTENT)
                and not _filled(f, getattr(self, f))] + _unrated_benefits(self.benefits)
