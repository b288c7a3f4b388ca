"""How one record field becomes one spreadsheet cell, and back.

Every field of a record is one column. The cell encoding, chosen so a person can read and
edit it in Excel and the workbench reads back exactly what it wrote:

- text, numbers, yes/no (``TRUE``/``FALSE``) and choices (a drop-down of the allowed values)
  as themselves; dates as dates; date-times as ISO 8601 text (``2026-03-01T09:30:00+00:00``);
- a list of plain values: one item per line in the cell (Alt+Enter in Excel); lists of ids or
  choices may also be separated by ``;`` or ``,``;
- nested parts (a risk's actions, an SoA's entries, an acceptance, evidence details): JSON,
  one item per line, e.g. ``[{"description": "Retrain", "owner": "ravi", "due": "2026-03-01"}]``.

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) is written as a text cell with Excel's quote prefix
(:func:`neutralize`), so it is shown, not run, and reads back unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel

__all__ = ["FORMULA_TRIGGERS", "Column", "columns_for", "header_key", "neutralize"]

#: First characters that make a spreadsheet treat text as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: The most text one Excel cell holds.
EXCEL_CELL_LIMIT = 32_767


def neutralize(text: str) -> bool:
    """Whether ``text`` must be written as quoted text so a spreadsheet never runs it.

    One small function on purpose: when the workbench gains one shared neutralizer for every
    renderer, this is the one line to swap.
    """
    return text.startswith(FORMULA_TRIGGERS)


def header_key(text: object) -> str:
    """A header as written (``"Inherent likelihood"``) or a field name, as a field name."""
    return re.sub(r"[\s\-]+", "_", str(text or "").strip().lower())


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``(inner type, optional)`` of ``X | None`` / ``Optional[X]`` / ``Annotated[X, ...]``."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation, optional


def _token_items(item: Any) -> bool:
    """Whether list items are ids or choices (no spaces), so ``;`` and ``,`` may separate them."""
    if isinstance(item, type) and issubclass(item, Enum):
        return True
    if typing.get_origin(item) is typing.Annotated:
        for meta in typing.get_args(item)[1:]:
            if getattr(meta, "func", None) is not None:  # a catalog id check
                return True
            for inner in getattr(meta, "metadata", []) or []:
                if getattr(inner, "pattern", None):
                    return True
    return False


@dataclass(frozen=True)
class Column:
    """One field of a record kind as a spreadsheet column."""

    name: str
    label: str
    shape: str  # text, int, float, bool, date, datetime, choice, list, json
    choices: tuple[str, ...] = ()
    optional: bool = False
    tokens: bool = False
    help: str = ""

    # -- to a cell ---------------------------------------------------------------------------
    def to_cell(self, value: Any) -> Any:
        """The cell value for a field value as the store keeps it (JSON-ready content)."""
        if value is None:
            return None
        if self.shape == "json":
            if value in ([], {}):
                return None
            if isinstance(value, list):
                return "[" + ",\n".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
            return json.dumps(value, ensure_ascii=False)
        if self.shape == "list":
            if not value:
                return None
            if any("\n" in str(v) or (self.tokens and ("," in str(v) or ";" in str(v)))
                   for v in value):
                return json.dumps(value, ensure_ascii=False)  # items that lines cannot hold
            return "\n".join(str(v) for v in value)
        if self.shape == "date":
            return dt.date.fromisoformat(value)
        return value

    # -- from a cell -------------------------------------------------------------------------
    def from_cell(self, value: Any) -> Any:
        """The field value for a cell; ``ValueError`` says what is wrong with the cell."""
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                return None
        if self.shape == "json":
            if not isinstance(value, str):
                raise ValueError("write this column as JSON text, e.g. [{\"field\": \"value\"}]")
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                hint = ""
                if exc.msg == "Extra data":  # e.g. an item added on a new line after the ]
                    hint = ("; nested cells are one JSON array: put each item inside [ ] "
                            "separated by commas")
                raise ValueError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: "
                                 f"{exc.msg}){hint}") from None
        if self.shape == "list":
            text = str(value)
            if text.startswith("["):
                try:
                    items = json.loads(text)
                except json.JSONDecodeError:
                    items = None
                if isinstance(items, list):
                    return items
            parts = re.split(r"[\n;,]" if self.tokens else r"\n", text)
            return [p.strip() for p in parts if p.strip()]
        if self.shape == "bool":
            if isinstance(value, bool):
                return value
            word = str(value).strip().lower()
            if word in ("true", "yes", "y", "1"):
                return True
            if word in ("false", "no", "n", "0"):
                return False
            raise ValueError(f"{value!r} is not yes/no; write TRUE or FALSE")
        if self.shape == "date":
            if isinstance(value, dt.datetime):
                return value.date().isoformat()
            if isinstance(value, dt.date):
                return value.isoformat()
            try:
                return dt.date.fromisoformat(str(value).strip()).isoformat()
            except ValueError:
                raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD (e.g. "
                                 "2026-12-31) or use a date cell") from None
        if self.shape == "datetime":
            if isinstance(value, dt.datetime):
                return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
                        ).isoformat()
            try:
                return dt.datetime.fromisoformat(str(value).strip()).isoformat()
            except ValueError:
                raise ValueError(f"{value!r} is not a date and time; write it as YYYY-MM-DD "
                                 "HH:MM (UTC unless it names a zone) or use a date cell"
                                 ) from None
        if self.shape == "int" and isinstance(value, float) and value.is_integer():
            return int(value)
        if self.shape in ("text", "choice") and not isinstance(value, str):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value)
        return value


def _column(name: str, info: Any) -> Column:
    annotation, optional = _unwrap(info.annotation)
    origin = typing.get_origin(annotation)
    help_text = info.description or ""
    label = "Id" if name == "id" else _label(name)
    common = dict(name=name, label=label, optional=optional or not info.is_required())
    if origin in (list, tuple):
        item = typing.get_args(annotation)[0] if typing.get_args(annotation) else str
        inner, _ = _unwrap(item)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            fields = ", ".join(inner.model_fields)
            return Column(shape="json", help=f"JSON, one item per line; each item has: {fields}. "
                          + help_text, **common)
        tokens = _token_items(item)
        sep = "one per line, or separated by ';'" if tokens else "one per line (Alt+Enter)"
        if isinstance(inner, type) and issubclass(inner, Enum):
            values = ", ".join(e.value for e in inner)
            return Column(shape="list", tokens=True, help=f"{sep}; from: {values}. {help_text}",
                          **common)
        return Column(shape="list", tokens=tokens, help=f"{sep}. {help_text}", **common)
    if origin is dict or annotation is dict:
        return Column(shape="json", help="JSON object. " + help_text, **common)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = ", ".join(annotation.model_fields)
        return Column(shape="json", help=f"JSON object with: {fields}. " + help_text, **common)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return Column(shape="choice", choices=tuple(e.value for e in annotation),
                      help=help_text, **common)
    if annotation is bool:
        return Column(shape="bool", choices=("TRUE", "FALSE"), help=help_text, **common)
    if annotation is int:
        return Column(shape="int", help=help_text, **common)
    if annotation is float:
        return Column(shape="float", help=help_text, **common)
    if annotation is dt.datetime:
        return Column(shape="datetime", help="date and time, ISO 8601 with its zone. "
                      + help_text, **common)
    if annotation is dt.date:
        return Column(shape="date", help="a date (YYYY-MM-DD). " + help_text, **common)
    return Column(shape="text", help=help_text, **common)


def columns_for(cls: type[BaseModel]) -> list[Column]:
    """The columns of a record kind: ``id`` first, then its fields in model order."""
    fields = dict(cls.model_fields)
    order = ["id", *[n for n in fields if n != "id"]]
    return [_column(name, fields[name]) for name in order]
