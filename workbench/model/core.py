"""Core records: organization, AIMS scope, people and roles, AI systems, evidence."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator, model_validator

from workbench.model._base import NonEmptyStr, Part, Record, Reference, Slug

__all__ = [
    "WRITING_ROLES",
    "AIMSScope",
    "AISystem",
    "AutomationLevel",
    "ClauseId",
    "ControlId",
    "DataCategory",
    "Evidence",
    "EvidenceKind",
    "InterestedParty",
    "LifecycleStage",
    "ObjectiveId",
    "OrgRole",
    "Organization",
    "OversightMode",
    "Person",
    "RecordLink",
    "RiskSourceId",
    "Role",
    "ScopeExclusion",
    "SystemStatus",
    "TechniqueFamily",
]


class StrEnum(str, Enum):
    """A string enum whose str() is its value (Python 3.10 has no enum.StrEnum)."""

    def __str__(self) -> str:
        return self.value


def _check_control(value: str) -> str:
    from workbench import catalog

    return catalog.check_control_id(value)


def _check_clause(value: str) -> str:
    from workbench import catalog

    if not catalog.is_clause(value):
        raise ValueError(f"{value!r} is not an ISO/IEC 42001 clause (e.g. 6.1.2, 9.2.1)")
    return value


def _check_objective(value: str) -> str:
    from workbench import catalog

    return catalog.check_annex_c_objective(value)


def _check_source(value: str) -> str:
    from workbench import catalog

    return catalog.check_risk_source(value)


#: An Annex A control id, checked against the catalog ("A.6.2.4").
ControlId = Annotated[str, AfterValidator(_check_control)]
#: An ISO/IEC 42001 clause id, checked against the catalog ("6.1.4").
ClauseId = Annotated[str, AfterValidator(_check_clause)]
#: An Annex C objective id, checked against the catalog ("objective.fairness").
ObjectiveId = Annotated[str, AfterValidator(_check_objective)]
#: An Annex C risk source id, checked against the catalog ("source.level_of_automation").
RiskSourceId = Annotated[str, AfterValidator(_check_source)]


class Role(StrEnum):
    """Roles a person holds in the AI management system."""

    admin = "admin"  # manages the workbench, people and roles
    governance_lead = "governance_lead"  # AI governance lead: runs the AIMS
    executive = "executive"  # top management (ISO 42001 clause 5)
    owner = "owner"  # accountable for AI systems and risks
    assessor = "assessor"  # performs risk and impact assessments
    approver = "approver"  # signs off records
    auditor = "auditor"  # internal audit: reads everything, writes findings
    contributor = "contributor"  # adds evidence (e.g. a data scientist)
    viewer = "viewer"  # read-only


#: Roles that may create or edit governance records.
WRITING_ROLES = frozenset(
    {Role.admin, Role.governance_lead, Role.owner, Role.assessor, Role.contributor}
)


class Organization(Record, kind="organization", label="organization"):
    name: NonEmptyStr
    legal_name: str = ""
    sector: str = ""
    headquarters: str = Field("", description="country or city of the head office")
    business_units: list[NonEmptyStr] = Field(default_factory=list)
    description: str = ""

    @field_validator("business_units")
    @classmethod
    def _unique_units(cls, value: list[str]) -> list[str]:
        seen = {v.casefold() for v in value}
        if len(seen) != len(value):
            raise ValueError("business units must be unique")
        return value


class InterestedParty(Part):
    """An interested party and what it needs from the AIMS (clause 4.2)."""

    name: NonEmptyStr
    needs: str = ""
    addressed_by: str = Field("", description="how the AIMS addresses the need")


class ScopeExclusion(Part):
    item: NonEmptyStr
    justification: NonEmptyStr


class AIMSScope(Record, kind="aims_scope", label="AIMS scope"):
    """The boundaries of the AI management system (clause 4.3) and its context (4.1, 4.2)."""

    organization: Slug
    statement: NonEmptyStr
    business_units: list[NonEmptyStr] = Field(default_factory=list)
    all_systems_in_scope: bool = True
    exclusions: list[ScopeExclusion] = Field(default_factory=list)
    external_issues: list[NonEmptyStr] = Field(default_factory=list)
    internal_issues: list[NonEmptyStr] = Field(default_factory=list)
    interested_parties: list[InterestedParty] = Field(default_factory=list)

    def references(self) -> list[Reference]:
        return [Reference("organization", "organization", self.organization)]


class Person(Record, kind="person", label="person"):
    """A person; ``id`` is their login (the value of WORKBENCH_USER or JUPYTERHUB_USER)."""

    name: NonEmptyStr
    email: str = ""
    job_title: str = ""
    business_unit: str = ""
    roles: list[Role] = Field(default_factory=list)
    active: bool = True
    service_account: bool = Field(
        False, description="a non-human account such as the report scheduler; under "
        "JupyterHub WORKBENCH_USER may name it (set by admins: workbench admin "
        "set-service-account)")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, value: list[Role]) -> list[Role]:
        return sorted(set(value), key=list(Role).index)

    def has_role(self, role: Role | str) -> bool:
        return self.active and Role(role) in self.roles


class LifecycleStage(StrEnum):
    design = "design"
    develop = "develop"
    validate = "validate"
    deploy = "deploy"
    operate = "operate"
    retire = "retire"


class OrgRole(StrEnum):
    """The organization's role for the system (ISO/IEC 22989 / EU AI Act vocabulary)."""

    provider = "provider"
    developer = "developer"
    deployer = "deployer"
    user = "user"


class TechniqueFamily(StrEnum):
    rules = "rules"
    classical_ml = "classical_ml"
    deep_learning = "deep_learning"
    generative = "generative"
    hybrid = "hybrid"


class DataCategory(StrEnum):
    personal = "personal"
    sensitive = "sensitive"  # special categories (GDPR Art. 9): health, ethnicity, beliefs, ...
    biometric = "biometric"
    children = "children"
    financial = "financial"
    health = "health"
    employment = "employment"
    location = "location"
    behavioural = "behavioural"
    public = "public"
    proprietary = "proprietary"
    synthetic = "synthetic"
    non_personal = "non_personal"


class AutomationLevel(StrEnum):
    decision_support = "decision_support"  # a person decides, the system informs
    partial = "partial"  # the system decides some cases, people the rest
    full = "full"  # the system decides and acts


class OversightMode(StrEnum):
    in_the_loop = "in_the_loop"  # a person approves each decision
    on_the_loop = "on_the_loop"  # a person monitors and can intervene
    out_of_the_loop = "out_of_the_loop"  # no person in the decision path


class SystemStatus(StrEnum):
    proposed = "proposed"
    active = "active"
    suspended = "suspended"
    retired = "retired"


class AISystem(Record, kind="ai_system", label="AI system"):
    """An AI system in the inventory."""

    name: NonEmptyStr
    purpose: NonEmptyStr
    description: str = ""
    owner: Slug = Field(description="login of the accountable person")
    team: list[Slug] = Field(default_factory=list, description="logins of the people assigned "
                             "to the system; with its owner they edit its records")
    business_unit: NonEmptyStr
    lifecycle_stage: LifecycleStage
    org_roles: list[OrgRole] = Field(min_length=1, description="the organization's role(s)")
    technique: NonEmptyStr = Field(description="e.g. gradient-boosted trees, fine-tuned LLM")
    technique_family: TechniqueFamily
    third_party_components: list[NonEmptyStr] = Field(default_factory=list)
    data_categories: list[DataCategory] = Field(default_factory=list)
    deployment_context: str = ""
    geography: list[NonEmptyStr] = Field(default_factory=list)
    affected_parties: list[NonEmptyStr] = Field(default_factory=list)
    automation_level: AutomationLevel
    oversight_mode: OversightMode
    status: SystemStatus = SystemStatus.active
    in_scope: bool = Field(True, description="inside the AIMS scope")

    @field_validator("org_roles", "data_categories", "team")
    @classmethod
    def _unique(cls, value: list[Any]) -> list[Any]:
        if len(set(value)) != len(value):
            raise ValueError("each value may appear only once")
        return value

    @property
    def processes_personal_data(self) -> bool:
        personal = {
            DataCategory.personal,
            DataCategory.sensitive,
            DataCategory.biometric,
            DataCategory.children,
            DataCategory.health,
            DataCategory.employment,
        }
        return bool(personal.intersection(self.data_categories))

    def references(self) -> list[Reference]:
        return [Reference("owner", "person", self.owner),
                *(Reference("team", "person", login) for login in self.team)]


class EvidenceKind(StrEnum):
    document = "document"
    test_result = "test_result"
    metric = "metric"
    fairness_metrics = "fairness_metrics"
    explanation = "explanation"  # computed from the model: importance, calibration, by group
    model_card = "model_card"
    data_sheet = "data_sheet"
    log = "log"
    report = "report"
    review_record = "review_record"
    training_record = "training_record"
    audit_result = "audit_result"
    other = "other"


class RecordLink(Part):
    """A link to another record by kind and id."""

    kind: NonEmptyStr
    id: Slug


class Evidence(Record, kind="evidence", label="evidence"):
    """A piece of evidence: a document, a test result, a metric computed from the model."""

    title: NonEmptyStr
    evidence_kind: EvidenceKind
    description: str = ""
    uri: str = ""
    content_hash: str = Field("", pattern=r"^$|^[0-9a-f]{64}$", description="SHA-256, hex")
    collected_by: NonEmptyStr
    collected_at: dt.datetime
    expires_at: dt.date | None = None
    control_ids: list[ControlId] = Field(default_factory=list)
    clause_ids: list[ClauseId] = Field(default_factory=list)
    system_ids: list[Slug] = Field(default_factory=list)
    links: list[RecordLink] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)

    @field_validator("collected_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)

    @model_validator(mode="after")
    def _check(self) -> Evidence:
        if not self.uri and not self.content_hash:
            raise ValueError("give a uri or a content_hash so the evidence can be found")
        if self.expires_at is not None and self.expires_at < self.collected_at.date():
            raise ValueError(
                f"expires_at {self.expires_at} is before collected_at "
                f"{self.collected_at.date()}"
            )
        return self

    def is_expired(self, today: dt.date | None = None) -> bool:
        today = today or dt.date.today()
        return self.expires_at is not None and self.expires_at < today

    def references(self) -> list[Reference]:
        refs = [Reference("system_ids", "ai_system", s) for s in self.system_ids]
        refs += [Reference("links", link.kind, link.id) for link in self.links]
        return refs
