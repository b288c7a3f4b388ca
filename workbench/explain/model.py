"""The model card record: the instructions for use of EU AI Act Art. 13(3) and the outline of
the Annex IV technical documentation, for one AI system.

Part of a card is *filled* by the workbench from the records it rests on (the inventory, the
impact assessment, fairness, monitoring and explanation evidence), and ``sources`` keeps the
version and content hash of each; a card whose sources changed since is *stale*. The rest is
*written* by a person. Which field belongs where, and which are required before the card is
submitted, is data (``sections.yaml``).

``status`` is ``draft`` or ``submitted`` only: approval comes from sign-off and is derived,
never written here (writing it would change the content hash the approval is bound to).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core import ValidationError as CoreValidationError

from workbench.errors import ConfigurationError
from workbench.model._base import NonEmptyStr, Part, Record, Reference, Slug
from workbench.model.core import StrEnum

__all__ = [
    "SECTIONS_FILE",
    "AnnexIVItem",
    "CardSections",
    "CardStatus",
    "GroupFigure",
    "InputFeature",
    "ModelCard",
    "Provider",
    "Section",
    "SourceRef",
    "card_id_for",
    "filled_fields",
    "sections",
    "written_fields",
]

SECTIONS_FILE = Path(__file__).with_name("sections.yaml")


# --------------------------------------------------------------------------- sections (data)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Section(_Strict):
    """One section of the instructions for use."""

    id: str
    ref: str
    title: str
    summary: str
    filled: list[str] = Field(default_factory=list)
    written: list[str] = Field(default_factory=list)
    required: list[str] = Field(default_factory=list)


class AnnexIVPoint(_Strict):
    id: str
    ref: str
    title: str
    summary: str
    written: str | None = None


class CardSections(_Strict):
    version: int = 1
    instructions_for_use: list[Section]
    technical_documentation: list[AnnexIVPoint]

    def fields(self, which: str) -> list[str]:
        return [f for s in self.instructions_for_use for f in getattr(s, which)] + (
            [p.written for p in self.technical_documentation if p.written]
            if which == "written" else [])


@functools.lru_cache(maxsize=4)
def _load_sections(path: str) -> CardSections:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return CardSections.model_validate(data)
    except (OSError, yaml.YAMLError, pydantic.ValidationError) as exc:
        raise ConfigurationError(f"the model card sections {path} cannot be used: "
                                 f"{str(exc).splitlines()[0]}") from None


def sections(path: str | Path | None = None) -> CardSections:
    """The sections of a model card (``sections.yaml`` beside this module)."""
    return _load_sections(str(path or SECTIONS_FILE))


def filled_fields() -> list[str]:
    """Fields the workbench fills from the records (a refill replaces them)."""
    return sections().fields("filled")


def written_fields() -> list[str]:
    """Fields a person writes (a refill keeps them)."""
    return sections().fields("written")


def card_id_for(system_id: str) -> str:
    """The id of a system's model card (``mc-<system id>``)."""
    return f"mc-{system_id}"[:100]


# --------------------------------------------------------------------------- the record


class CardStatus(StrEnum):
    """Only what the card's authors control; approval is derived from sign-off."""

    draft = "draft"
    submitted = "submitted"


class Provider(Part):
    name: str = ""
    contact: str = ""


class GroupFigure(Part):
    """Performance for one group of one sensitive feature."""

    feature: NonEmptyStr
    group: NonEmptyStr
    count: int = Field(ge=0)
    accuracy: float | None = None
    selection_rate: float | None = None
    true_positive_rate: float | None = None
    false_positive_rate: float | None = None
    mean_absolute_error: float | None = None
    reliable: bool = True


class InputFeature(Part):
    """One input the model takes, with its type and permutation importance."""

    name: NonEmptyStr
    dtype: str = ""
    importance: float | None = None
    importance_std: float | None = None


class SourceRef(Part):
    """A record the card was filled from: which version, with which content hash."""

    role: NonEmptyStr
    kind: NonEmptyStr
    id: Slug
    version: int = Field(ge=1)
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class AnnexIVItem(Part):
    """A point of the Annex IV outline as filled from the records."""

    id: NonEmptyStr
    content: str = ""
    references: list[NonEmptyStr] = Field(default_factory=list)


class ModelCard(Record, kind="model_card", label="model card"):
    """A model card: instructions for use (Art. 13(3)) and the Annex IV outline."""

    system_id: Slug
    model_version: str = Field("", description="the version the provider gives the model")
    model_fingerprint: str = Field("", description="SHA-256 of the model explained")
    status: CardStatus = CardStatus.draft
    # -- filled from the records
    provider: Provider = Field(default_factory=Provider)
    intended_purpose: str = ""
    intended_uses: list[NonEmptyStr] = Field(default_factory=list)
    accuracy_metrics: dict[str, float | None] = Field(default_factory=dict)
    accuracy_by_group: list[GroupFigure] = Field(default_factory=list)
    known_limitations: list[NonEmptyStr] = Field(default_factory=list)
    foreseeable_misuse: list[NonEmptyStr] = Field(default_factory=list)
    interpretation: str = ""
    input_features: list[InputFeature] = Field(default_factory=list)
    training_data: str = ""
    oversight: str = ""
    monitoring: str = ""
    log_evidence: list[NonEmptyStr] = Field(default_factory=list)
    annex_iv: list[AnnexIVItem] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    # -- written by people
    accuracy_statement: str = Field("", description="the accuracy the deployer can expect, "
                                    "in words, and the metrics chosen")
    limitations_notes: str = Field("", description="limitations beyond those filled in")
    interpretation_notes: str = Field("", description="how deployers should read the output")
    input_data_notes: str = Field("", description="expected ranges, formats, pre-processing")
    planned_changes: str = Field("", description="changes planned in advance, if any")
    human_oversight: str = Field("", description="the human oversight measures in place")
    computational_resources: str = Field("", description="computing and hardware needed")
    expected_lifetime: str = Field("", description="how long the system is expected to be used")
    maintenance: str = Field("", description="maintenance, care and update measures")
    logging: str = Field("", description="how logs are collected, stored and interpreted")
    standards_applied: str = Field("", description="harmonised standards or other "
                                   "specifications applied (Annex IV(7))")
    declaration_of_conformity: str = Field("", description="reference to the EU declaration "
                                           "of conformity (Annex IV(8))")

    @model_validator(mode="after")
    def _submitted_complete(self) -> ModelCard:
        if self.status == CardStatus.submitted:
            problems = self.submit_problems()
            if problems:
                raise CoreValidationError.from_exception_data("model card", [
                    InitErrorDetails(type=PydanticCustomError("workbench_rule", "{rule}",
                                                              {"rule": msg}),
                                     loc=(name,), input=self.status.value)
                    for name, msg in problems])
        roles = [s.role for s in self.sources]
        if len(set(roles)) != len(roles):
            raise ValueError("sources: each role (ai_system, explanation, ...) appears once")
        return self

    def submit_problems(self) -> list[tuple[str, str]]:
        """``(field, message)`` for each required field still empty."""
        out = []
        for section in sections().instructions_for_use:
            for name in section.required:
                value = getattr(self, name)
                if value in ("", [], {}, None) or (isinstance(value, Provider)
                                                   and not value.name):
                    out.append((name, f"a submitted model card needs it ({section.title}, "
                                      f"{section.ref})"))
        return out

    def source(self, role: str) -> SourceRef | None:
        return next((s for s in self.sources if s.role == role), None)

    def display_name(self) -> str:
        return f"Model card of {self.system_id}"

    def references(self) -> list[Reference]:
        return [Reference("system_id", "ai_system", self.system_id)]


def check_fields(values: dict[str, Any], allowed: list[str]) -> None:
    """Refuse keys that are not among ``allowed`` (written fields), naming them."""
    from workbench.errors import ValidationError

    unknown = [k for k in values if k not in allowed]
    if unknown:
        raise ValidationError(f"{', '.join(unknown)}: not a written field of a model card "
                              f"(written fields: {', '.join(allowed)}); filled fields come "
                              "from the records", [(k, "not a written field") for k in unknown])
