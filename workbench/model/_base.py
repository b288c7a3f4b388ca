"""The base of every governance record and the registry of record kinds.

A record is a pydantic model with a ``kind`` (its table in the store) and a
slug ``id``. The store keeps every version of every record; the model only
describes one version's content. Later features add their kinds by declaring
``class Risk(Record, kind="risk")`` and listing the class in ``RECORD_KINDS``
so the store can load it without importing every module up front.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, NamedTuple, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator

from workbench.errors import NotFoundError, ValidationError

__all__ = [
    "Part",
    "Record",
    "Reference",
    "Slug",
    "NonEmptyStr",
    "RECORD_KINDS",
    "model_for",
    "known_kinds",
    "validate_record",
    "format_validation_error",
]

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"
_SLUG_RE = re.compile(SLUG_PATTERN)

Slug = Annotated[
    str,
    Field(
        pattern=SLUG_PATTERN,
        description="lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
    ),
]
NonEmptyStr = Annotated[str, Field(min_length=1)]

# kind -> "module:Class". The store imports a kind's module only when it meets the kind.
RECORD_KINDS: dict[str, str] = {
    "organization": "workbench.model.core:Organization",
    "aims_scope": "workbench.model.core:AIMSScope",
    "person": "workbench.model.core:Person",
    "ai_system": "workbench.model.core:AISystem",
    "evidence": "workbench.model.core:Evidence",
    "signoff_request": "workbench.oversight.model:SignOffRequest",
    "signoff": "workbench.oversight.model:SignOff",
    "risk_criteria": "workbench.risk.model:RiskCriteria",
    "risk": "workbench.risk.model:Risk",
    "impact_assessment": "workbench.impact.model:ImpactAssessment",
    "soa": "workbench.readiness.model:StatementOfApplicability",
    "ai_policy": "workbench.readiness.model:AIPolicy",
    "ai_objective": "workbench.readiness.model:AIObjective",
    "audit_programme": "workbench.readiness.model:AuditProgramme",
    "management_review": "workbench.readiness.model:ManagementReview",
    "nonconformity": "workbench.readiness.model:Nonconformity",
}

_LOADED: dict[str, type[Record]] = {}


class Reference(NamedTuple):
    """A link from one record's field to another record, checked by the store on save."""

    field: str
    kind: str
    record_id: str


#: Why text with a NUL character is refused (PostgreSQL text cannot hold one), on every backend.
NUL_MESSAGE = "contains a NUL character (\\x00), which the store cannot keep; remove it"


def _has_nul(value: Any) -> bool:
    """True when text anywhere in ``value`` (a string, list or dict; not a nested model,
    which checks itself) holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul(value: Any) -> Any:
    if _has_nul(value):
        raise ValueError(NUL_MESSAGE)
    return value


class Part(BaseModel):
    """A structured part of a record (a list item, a nested block); not stored on its own."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _refuse_nul(value)


class Record(BaseModel):
    """One governance record; subclasses declare ``kind=...`` in the class statement."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        validate_default=True,
        use_enum_values=False,
    )

    kind: ClassVar[str]
    #: Human label of the kind, for messages ("AI system", "risk").
    label: ClassVar[str]

    id: Slug

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _refuse_nul(value)

    def __init_subclass__(cls, kind: str | None = None, label: str | None = None, **kw: Any):
        super().__init_subclass__(**kw)
        if kind is not None:
            cls.kind = kind
            cls.label = label or kind.replace("_", " ")
            _LOADED[kind] = cls

    # -- hooks subclasses override ---------------------------------------------------------
    def references(self) -> list[Reference]:
        """Other records this one points to; the store refuses a save if one is missing."""
        return []

    def display_name(self) -> str:
        """A short human name (used wherever an id would otherwise be shown)."""
        for attr in ("name", "title"):
            value = getattr(self, attr, None)
            if isinstance(value, str) and value:
                return value
        return self.id

    # -- helpers -----------------------------------------------------------------------------
    def content(self) -> dict[str, Any]:
        """The JSON-ready content that the store hashes and keeps."""
        return self.model_dump(mode="json")

    @classmethod
    def parse(cls: type[R], data: Mapping[str, Any]) -> R:
        """Validate ``data`` into this record type, raising the workbench's ValidationError."""
        return validate_record(cls, data)


R = TypeVar("R", bound=Record)


def known_kinds() -> list[str]:
    return sorted(set(RECORD_KINDS) | set(_LOADED))


def model_for(kind: str | type[Record]) -> type[Record]:
    """Return the record class of ``kind`` (a kind name or the class itself)."""
    if isinstance(kind, type) and issubclass(kind, Record):
        return kind
    if kind in _LOADED:
        return _LOADED[kind]
    target = RECORD_KINDS.get(kind)  # type: ignore[arg-type]
    if target is None:
        raise NotFoundError(
            f"unknown record kind {kind!r}; known kinds: {', '.join(known_kinds())}"
        )
    module, _, name = target.partition(":")
    cls = getattr(importlib.import_module(module), name)
    _LOADED[kind] = cls  # type: ignore[index]
    return cls


def format_validation_error(cls: type[BaseModel], exc: pydantic.ValidationError) -> ValidationError:
    """Turn pydantic's error into the workbench's, with one ``field: message`` per problem."""
    label = getattr(cls, "label", cls.__name__)
    errors: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(record)"
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        given = err.get("input", 0)
        empty = given in (None, [], ()) or (isinstance(given, str) and not given.strip())
        # Our own validators (value_error) explain themselves; only pydantic's generic type and
        # length messages about an empty value become "required".
        if err["type"] == "missing" or (empty and err["type"] not in ("value_error",
                                                                       "assertion_error")):
            msg = "required"
        elif err["type"] == "string_pattern_mismatch" and loc.split(".")[-1] in ("id", "owner"):
            msg = (
                "use lower-case letters, digits, '.', '_' or '-' "
                f"(got {err.get('input')!r})"
            )
        elif err["type"] == "extra_forbidden":
            msg = "is not a field of this record"
        errors.append((loc, msg))
    summary = "; ".join(f"{f}: {m}" for f, m in errors)
    return ValidationError(f"invalid {label}: {summary}", errors)


def validate_record(cls: type[R], data: Mapping[str, Any] | R) -> R:
    """Validate ``data`` as ``cls``; invalid input raises :class:`ValidationError`."""
    if isinstance(data, cls):
        data = data.model_dump(warnings=False)
    try:
        return cls.model_validate(data)
    except pydantic.ValidationError as exc:
        raise format_validation_error(cls, exc) from None


def is_slug(value: str) -> bool:
    return bool(_SLUG_RE.match(value))
