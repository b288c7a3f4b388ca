"""The base of every governance record and the registry of record kinds.

A record is a pydantic model with a ``kind`` (its table in the store) and a
slug ``id``. The store keeps every version of every record; the model only
describes one version's content. Features add their kinds by declaring
``class Risk(Record, kind="risk")`` and naming the class in their entry of the
feature manifest (:mod:`workbench.features`), so the store can load it without
importing every module up front.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, NamedTuple, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator
from typing_extensions import Self

from workbench.errors import NotFoundError, ValidationError

__all__ = [
    "NonEmptyStr",
    "Part",
    "Record",
    "Reference",
    "Slug",
    "format_validation_error",
    "known_kinds",
    "model_for",
    "validate_record",
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

_LOADED: dict[str, type[Record]] = {}


class Reference(NamedTuple):
    """A link from one record's field to another record, checked by the store on save."""

    field: str
    kind: str
    record_id: str


#: Why text with a NUL character is refused (PostgreSQL text cannot hold one), on every backend.
NUL_MESSAGE = "contains a NUL character (\\x00), which the store cannot keep; remove it"
#: Why other control characters are refused: no spreadsheet, PDF or terminal shows them, and
#: Excel cannot hold them. Tab, line feed and carriage return are text.
CONTROL_MESSAGE = ("contains a control character ({char}), which cannot be shown or exported; "
                   "remove it")
#: Why an infinite or NaN number is refused: JSON (the stored form) has no such number.
NONFINITE_MESSAGE = "is not a finite number ({value}), which the store cannot keep"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _unstorable(value: Any) -> str | None:
    """Why ``value`` cannot be stored (a string, number, list or dict; not a nested model,
    which checks itself): a NUL or another control character in its text, an infinite or NaN
    number. None when it can."""
    if isinstance(value, str):
        found = _CONTROL.search(value)
        if found is None:
            return None
        char = found.group()
        return NUL_MESSAGE if char == "\x00" else CONTROL_MESSAGE.format(
            char=f"\\x{ord(char):02x}")
    if isinstance(value, float):
        return None if math.isfinite(value) else NONFINITE_MESSAGE.format(value=value)
    if isinstance(value, dict):
        return next((why for k, v in value.items()
                     for why in (_unstorable(k), _unstorable(v)) if why), None)
    if isinstance(value, (list, tuple, set, frozenset)):
        return next((why for v in value if (why := _unstorable(v))), None)
    return None


def _refuse_nul(value: Any) -> Any:
    why = _unstorable(value)
    if why:
        raise ValueError(why)
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
    def parse(cls, data: Mapping[str, Any]) -> Self:
        """Validate ``data`` into this record type, raising the workbench's ValidationError."""
        return validate_record(cls, data)


R = TypeVar("R", bound=Record)


def known_kinds() -> list[str]:
    from workbench.features import record_kinds

    return sorted(set(record_kinds()) | set(_LOADED))


def model_for(kind: str | type[Record]) -> type[Record]:
    """Return the record class of ``kind`` (a kind name or the class itself)."""
    if isinstance(kind, type) and issubclass(kind, Record):
        return kind
    if kind in _LOADED:
        return _LOADED[kind]
    from workbench.features import record_kinds, resolve

    target = record_kinds().get(kind)  # type: ignore[arg-type]
    if target is None:
        raise NotFoundError(
            f"unknown record kind {kind!r}; known kinds: {', '.join(known_kinds())}"
        )
    cls = resolve(target)
    _LOADED[kind] = cls  # type: ignore[index]
    return cls


#: pydantic's error types for text that is not a date (or a date-time).
_DATE_ERRORS = frozenset({"date_parsing", "date_from_datetime_parsing",
                          "date_from_datetime_inexact", "datetime_parsing",
                          "datetime_from_date_parsing"})


def format_validation_error(cls: type[BaseModel], exc: pydantic.ValidationError) -> ValidationError:
    """Turn pydantic's error into the workbench's, with one ``field: message`` per problem."""
    label = getattr(cls, "label", cls.__name__)
    errors: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(record)"
        msg = err["msg"]
        msg = msg.removeprefix("Value error, ")
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
        elif err["type"] in _DATE_ERRORS and isinstance(given, str):
            msg = f"{given!r} is not a date; use YYYY-MM-DD"
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
