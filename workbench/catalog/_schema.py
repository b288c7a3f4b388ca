"""Pydantic models of the catalog's data files.

Every file has a ``header`` whose ``kind`` selects the model that validates the
rest of the file. Models forbid unknown fields and are frozen: catalog items
are shared, cached facts, never edited in memory. Cross-file rules (parents,
mapping ends, counts) live in ``_load.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    computed_field,
    field_validator,
    model_validator,
)

__all__ = [
    "FILE_MODELS",
    "PRINCIPLES",
    "AMENDMENT_STATUSES",
    "AmendmentChange",
    "AmendmentEvent",
    "AnnexCFile",
    "AnnexCObjective",
    "AnnexIIIItem",
    "ApplicationDate",
    "Article",
    "Clause",
    "Control",
    "CrosswalkFile",
    "EVIDENCE_KINDS",
    "EVIDENCE_KIND_LABELS",
    "CrosswalkLink",
    "EuAiActFile",
    "EuAmendment",
    "Header",
    "Iso42001File",
    "MappingFile",
    "MappingLink",
    "NistFile",
    "NistFunction",
    "NistSubcategory",
    "Objective",
    "Practice",
    "Relationship",
    "RiskSource",
    "Source",
]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# Identifier patterns, one per kind of item.
CLAUSE_ID = r"^(?:[4-9]|10)(?:\.[1-9]){0,2}$"
OBJECTIVE_ID = r"^A\.(?:[2-9]|10)$"
CONTROL_ID = r"^A\.(?:[2-9]|10)(?:\.[1-9]){1,2}$"
ANNEX_C_OBJECTIVE_ID = r"^objective\.[a-z][a-z0-9_]*$"
RISK_SOURCE_ID = r"^source\.[a-z][a-z0-9_]*$"
NIST_FUNCTION_ID = r"^(?:GOVERN|MAP|MEASURE|MANAGE)$"
NIST_SUBCATEGORY_ID = r"^(?:GOVERN|MAP|MEASURE|MANAGE) [1-9]\.[1-9][0-9]?$"
NIST_CATEGORY_ID = r"^(?:GOVERN|MAP|MEASURE|MANAGE) [1-9]$"
ISO_REF = r"^(?:(?:[4-9]|10)(?:\.[1-9]){0,2}|B\.(?:[2-9]|10)(?:\.[1-9]){1,2})$"
EU_ARTICLE_ID = r"^art[1-9][0-9]{0,2}(?:\.[1-9][0-9]?)?$"
EU_PRACTICE_ID = r"^art5\.[a-h]$"
EU_ANNEX_III_ID = r"^annex3\.[1-8](?:\.[a-e])?$"
EU_DATE_ID = r"^date\.[a-z][a-z0-9_]*$"
EU_AMENDMENT_ID = r"^amendment\.[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?$"
SNAKE_ID = r"^[a-z][a-z0-9_]*$"

PRINCIPLES: tuple[str, ...] = (
    "accountability",
    "transparency",
    "explainability",
    "fairness",
    "human_oversight",
    "privacy",
    "safety",
    "security",
    "robustness",
)
Principle = Literal[
    "accountability",
    "transparency",
    "explainability",
    "fairness",
    "human_oversight",
    "privacy",
    "safety",
    "security",
    "robustness",
]
#: Evidence kinds (the ``evidence_kind`` of an evidence record), each with the words a
#: readiness explanation uses for it. A requirement's ``accepts`` names the kinds that can
#: prove it; ``other`` is never accepted (it says nothing about what the item proves).
EVIDENCE_KIND_LABELS: dict[str, str] = {
    "document": "documents (procedures, plans, specifications)",
    "test_result": "test results",
    "metric": "performance metrics",
    "fairness_metrics": "fairness results",
    "explanation": "model explanations",
    "model_card": "model cards",
    "data_sheet": "data sheets",
    "log": "event logs",
    "report": "reports",
    "review_record": "review records",
    "training_record": "training records",
    "audit_result": "audit results",
    "other": "other items",
}
EVIDENCE_KINDS: tuple[str, ...] = tuple(EVIDENCE_KIND_LABELS)
EvidenceKindName = Literal[
    "document", "test_result", "metric", "fairness_metrics", "explanation", "model_card",
    "data_sheet", "log", "report", "review_record", "training_record", "audit_result", "other",
]


def _accepted(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("an evidence kind is listed more than once")
    if "other" in value:
        raise ValueError("evidence of kind 'other' proves nothing in particular; name the kinds "
                         "that prove the requirement")
    return value


FileKind = Literal[
    "iso42001", "annex_c", "nist_ai_rmf", "nist_iso42001_crosswalk", "eu_ai_act", "mapping"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- header


class Source(_Model):
    """Where a file's content comes from."""

    publication: Text
    publisher: Text
    date: Text
    url: Text | None = None


class Header(_Model):
    """Every file's header: what it is, which version, where from, under which terms."""

    kind: FileKind
    id: Annotated[str, Field(pattern=SNAKE_ID)]
    name: Text
    version: Text
    source: Source
    licence: Text
    notes: list[Text] = []
    source_framework: Annotated[str, Field(pattern=SNAKE_ID)] | None = None
    target_framework: Annotated[str, Field(pattern=SNAKE_ID)] | None = None

    @model_validator(mode="after")
    def _mapping_ends(self) -> Header:
        is_mapping = self.kind in ("mapping", "nist_iso42001_crosswalk")
        has_ends = self.source_framework is not None and self.target_framework is not None
        if is_mapping and not has_ends:
            raise ValueError("a mapping header names source_framework and target_framework")
        if not is_mapping and (self.source_framework or self.target_framework):
            raise ValueError("only a mapping header names source_framework/target_framework")
        return self


# --------------------------------------------------------------------------- ISO/IEC 42001


class Clause(_Model):
    """A clause or sub-clause of ISO/IEC 42001 (4 to 10)."""

    id: Annotated[str, Field(pattern=CLAUSE_ID)]
    parent: Annotated[str | None, Field(pattern=CLAUSE_ID, validate_default=True)] = None
    title: Text
    summary: Text
    documented_information: list[Text] = []
    #: Evidence kinds that can prove the clause (empty: no evidence is judged for it).
    accepts: list[EvidenceKindName] = []

    @field_validator("accepts")
    @classmethod
    def _accepts(cls, value: list[str]) -> list[str]:
        return _accepted(value)

    @field_validator("parent")
    @classmethod
    def _parent_is_prefix(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "id" in info.data:
            expected = info.data["id"].rpartition(".")[0] or None
            if value != expected:
                raise ValueError(f"must be {expected!r} for clause {info.data['id']!r}")
        return value

    @computed_field  # type: ignore[prop-decorator]
    @property
    def depth(self) -> int:
        """1 for a clause (``6``), 2 for ``6.1``, 3 for ``6.1.2``."""
        return self.id.count(".") + 1


class Objective(_Model):
    """An Annex A control objective (A.2 to A.10)."""

    id: Annotated[str, Field(pattern=OBJECTIVE_ID)]
    title: Text
    summary: Text


class Control(_Model):
    """An Annex A control, with guidance and evidence written for this catalog."""

    id: Annotated[str, Field(pattern=CONTROL_ID)]
    objective: Annotated[str, Field(pattern=OBJECTIVE_ID)]
    title: Text
    guidance: Text
    evidence: Annotated[list[Text], Field(min_length=3, max_length=6)]
    principles: Annotated[list[Principle], Field(min_length=1)]
    #: Evidence kinds that can prove the control (empty: no evidence is judged for it).
    accepts: list[EvidenceKindName] = []

    @field_validator("accepts")
    @classmethod
    def _accepts(cls, value: list[str]) -> list[str]:
        return _accepted(value)

    @field_validator("objective")
    @classmethod
    def _objective_is_prefix(cls, value: str, info: ValidationInfo) -> str:
        if "id" in info.data and not info.data["id"].startswith(value + "."):
            raise ValueError(f"control {info.data['id']!r} does not belong to objective {value!r}")
        return value

    @field_validator("principles")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a principle is listed more than once")
        return value


class Iso42001File(_Model):
    header: Header
    clauses: list[Clause]
    objectives: list[Objective]
    controls: list[Control]


# --------------------------------------------------------------------------- Annex C


class AnnexCObjective(_Model):
    """An Annex C organizational objective for responsible AI."""

    id: Annotated[str, Field(pattern=ANNEX_C_OBJECTIVE_ID)]
    name: Text
    description: Text


class RiskSource(_Model):
    """An Annex C source of AI risk."""

    id: Annotated[str, Field(pattern=RISK_SOURCE_ID)]
    name: Text
    description: Text


class AnnexCFile(_Model):
    header: Header
    objectives: list[AnnexCObjective]
    risk_sources: list[RiskSource]


# --------------------------------------------------------------------------- NIST AI RMF


class NistFunction(_Model):
    """One of the four AI RMF functions."""

    id: Annotated[str, Field(pattern=NIST_FUNCTION_ID)]
    description: Text


class NistSubcategory(_Model):
    """An AI RMF 1.0 subcategory (statement as published by NIST)."""

    id: Annotated[str, Field(pattern=NIST_SUBCATEGORY_ID)]
    function: Annotated[str, Field(pattern=NIST_FUNCTION_ID)]
    category: Annotated[str, Field(pattern=NIST_CATEGORY_ID)]
    statement: Text

    @field_validator("function")
    @classmethod
    def _function_matches_id(cls, value: str, info: ValidationInfo) -> str:
        if "id" in info.data and value != info.data["id"].partition(" ")[0]:
            raise ValueError(f"must be {info.data['id'].partition(' ')[0]!r}")
        return value

    @field_validator("category")
    @classmethod
    def _category_matches_id(cls, value: str, info: ValidationInfo) -> str:
        if "id" in info.data and value != info.data["id"].partition(".")[0]:
            raise ValueError(f"must be {info.data['id'].partition('.')[0]!r}")
        return value


class NistFile(_Model):
    header: Header
    functions: list[NistFunction]
    subcategories: list[NistSubcategory]


class CrosswalkLink(_Model):
    """One row of the published AI RMF to ISO/IEC 42001 crosswalk."""

    subcategory: Annotated[str, Field(pattern=NIST_SUBCATEGORY_ID)]
    iso42001_ref: Annotated[str, Field(pattern=ISO_REF)]
    annex_a_control: Annotated[
        str | None, Field(pattern=CONTROL_ID, validate_default=True)
    ] = None
    title: Text
    note: Text | None = None

    @field_validator("annex_a_control")
    @classmethod
    def _control_matches_ref(cls, value: str | None, info: ValidationInfo) -> str | None:
        ref = info.data.get("iso42001_ref")
        if ref is None:
            return value
        expected = "A." + ref[2:] if ref.startswith("B.") else None
        if value != expected:
            raise ValueError(f"must be {expected!r} for iso42001_ref {ref!r}")
        return value


class CrosswalkFile(_Model):
    header: Header
    links: list[CrosswalkLink]


# --------------------------------------------------------------------------- EU AI Act

Role = Literal["provider", "deployer", "both", "gpai_provider"]
Tier = Literal["prohibited", "high_risk", "transparency", "gpai", "all"]


class Practice(_Model):
    """A prohibited AI practice under Art. 5(1)."""

    id: Annotated[str, Field(pattern=EU_PRACTICE_ID)]
    point: Text
    title: Text
    description: Text
    exceptions: Text | None = None


class AnnexIIIItem(_Model):
    """An Annex III area (``annex3.4``) or one of its use cases (``annex3.4.a``)."""

    id: Annotated[str, Field(pattern=EU_ANNEX_III_ID)]
    parent: Annotated[str | None, Field(pattern=EU_ANNEX_III_ID, validate_default=True)] = None
    title: Text
    description: Text
    exclusions: Text | None = None

    @field_validator("parent")
    @classmethod
    def _parent_is_prefix(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "id" in info.data:
            item_id = info.data["id"]
            expected = item_id.rpartition(".")[0] if item_id.count(".") == 2 else None
            if value != expected:
                raise ValueError(f"must be {expected!r} for {item_id!r}")
        return value


class Article(_Model):
    """An article of Regulation (EU) 2024/1689, or a paragraph of one (``art50.1``)."""

    id: Annotated[str, Field(pattern=EU_ARTICLE_ID)]
    parent: Annotated[str | None, Field(pattern=EU_ARTICLE_ID, validate_default=True)] = None
    number: Annotated[str, Field(pattern=r"^[1-9][0-9]{0,2}(?:\([1-9][0-9]?\))?$")]
    title: Text
    summary: Text
    roles: Role
    tier: Tier
    exclusions: Text | None = None
    threshold_flop: Annotated[float, Field(gt=0)] | None = None

    @field_validator("parent")
    @classmethod
    def _parent_matches_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "id" in info.data:
            base, _, para = info.data["id"].partition(".")
            expected = base if para else None
            if value != expected:
                raise ValueError(f"must be {expected!r} for {info.data['id']!r}")
        return value

    @field_validator("number")
    @classmethod
    def _number_matches_id(cls, value: str, info: ValidationInfo) -> str:
        if "id" in info.data:
            base, _, para = info.data["id"].removeprefix("art").partition(".")
            expected = f"{base}({para})" if para else base
            if value != expected:
                raise ValueError(f"must be {expected!r} for {info.data['id']!r}")
        return value


class ApplicationDate(_Model):
    """A date from which provisions of the Act apply, with its legal source."""

    id: Annotated[str, Field(pattern=EU_DATE_ID)]
    date: dt.date
    applies_to: Text
    articles: list[Annotated[str, Field(pattern=EU_ARTICLE_ID)]] = []
    status: Literal["in_law"]
    source: Text


class AmendmentChange(_Model):
    """One date an amending act moves (or sets, for a provision it adds).

    ``current_date`` is the date in the Act as adopted (none for a provision the amendment
    adds); ``proposed_date`` the amended date; ``moves`` the application date it changes.
    """

    id: Annotated[str, Field(pattern=EU_AMENDMENT_ID)]
    applies_to: Text
    current_date: dt.date | None = None
    proposed_date: dt.date
    moves: Annotated[str, Field(pattern=EU_DATE_ID)] | None = None
    articles: list[Annotated[str, Field(pattern=EU_ARTICLE_ID)]] = []


#: Where an amending act stands, least to most settled. Only an amendment ``in_force`` moves
#: the dates that apply; until then the Act's own dates apply and the amended ones are for
#: planning.
AMENDMENT_STATUSES: tuple[str, ...] = ("proposed", "reported", "adopted", "in_force")


class AmendmentEvent(_Model):
    """One step of an amending act (approved by Parliament, by Council, published...)."""

    when: Annotated[str, Field(pattern=r"^\d{4}-\d{2}(?:-\d{2})?$")]  # 2026-06 or 2026-06-29
    step: Text
    source: Text


class EuAmendment(_Model):
    """An amendment of application dates, kept apart from the law until it is in force.

    ``status``: ``proposed`` (a Commission proposal), ``reported`` (adoption reported but not
    confirmed against the Official Journal here), ``adopted`` (published), ``in_force`` (its
    dates apply).
    """

    id: Annotated[str, Field(pattern=EU_AMENDMENT_ID)]
    title: Text
    status: Literal["proposed", "reported", "adopted", "in_force"]
    source: Text
    note: Text
    events: list[AmendmentEvent] = []
    changes: Annotated[list[AmendmentChange], Field(min_length=1)]

    @property
    def applies(self) -> bool:
        """True when the amended dates are the ones that apply (the act is in force)."""
        return self.status == "in_force"


class EuAiActFile(_Model):
    header: Header
    practices: list[Practice]
    annex_iii: list[AnnexIIIItem]
    articles: list[Article]
    dates: list[ApplicationDate]
    amendments: list[EuAmendment] = []


# --------------------------------------------------------------------------- mappings


class Relationship(_Model):
    """A relationship type a mapping file uses, defined in that file."""

    id: Annotated[str, Field(pattern=SNAKE_ID)]
    description: Text


class MappingLink(_Model):
    """One link between an item of the source framework and one of the target framework."""

    source: Text
    target: Text
    relationship: Annotated[str, Field(pattern=SNAKE_ID)]
    rationale: Text


class MappingFile(_Model):
    header: Header
    relationships: Annotated[list[Relationship], Field(min_length=1)]
    links: Annotated[list[MappingLink], Field(min_length=1)]


# The model that validates a file, chosen by its header's ``kind``.
FILE_MODELS: dict[str, type[_Model]] = {
    "iso42001": Iso42001File,
    "annex_c": AnnexCFile,
    "nist_ai_rmf": NistFile,
    "nist_iso42001_crosswalk": CrosswalkFile,
    "eu_ai_act": EuAiActFile,
    "mapping": MappingFile,
}


def natural_key(item_id: str) -> tuple[object, ...]:
    """Sort key that orders ``A.10.2`` after ``A.9.4`` and ``MAP 1.10`` after ``MAP 1.9``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", item_id))
