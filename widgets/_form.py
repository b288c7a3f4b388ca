"""A form generated from a pydantic record model, with errors shown next to each field."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as W
from pydantic import BaseModel

from workbench.errors import ValidationError
from workbench.model import validate_record
from workbench.render import esc
from workbench.widgets._common import StatusLine, message_html

__all__ = ["ModelForm"]

Choices = Sequence[Any] | Sequence[tuple[str, Any]]
LABEL_WIDTH = "190px"


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, optional?) for ``X | None`` annotations."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _base(annotation: Any) -> Any:
    """Strip ``Annotated[...]``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


class _Field:
    """One editable field: its widget, how to read and write it, and its error line."""

    def __init__(self, name: str, label: str, widget: W.Widget, *, required: bool,
                 kind: str, optional: bool, help_text: str = "") -> None:
        self.name = name
        self.widget = widget
        self.kind = kind
        self.optional = optional
        self.error = W.HTML()
        marker = ' <span style="color:#cf222e" title="required">*</span>' if required else ""
        tip = f' title="{esc(help_text)}"' if help_text else ""
        self.label = W.HTML(f"<span{tip}>{esc(label)}</span>{marker}",
                            layout=W.Layout(width=LABEL_WIDTH))
        self.box = W.VBox([W.HBox([self.label, widget]), self.error])
        self.box.add_class(f"wb-field-{name.replace('_', '-')}")  # a hook for styles and tests

    def get(self) -> Any:
        value = self.widget.value
        if self.kind == "text":
            value = value.strip()
            return None if (value == "" and self.optional) else value
        if self.kind == "lines":
            return [line.strip() for line in value.splitlines() if line.strip()]
        if self.kind in ("multi", "tags"):
            return list(value)
        if self.kind == "choice" and value == "" and self.optional:
            return None
        if self.kind == "datetime" and isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
        return value

    def set(self, value: Any) -> None:
        if self.kind == "text":
            self.widget.value = "" if value is None else str(value)
        elif self.kind == "lines":
            self.widget.value = "\n".join(str(v) for v in (value or []))
        elif self.kind in ("multi", "tags"):
            self.widget.value = tuple(_plain(v) for v in (value or [])) if self.kind == "multi" \
                else [_plain(v) for v in (value or [])]
        elif self.kind == "choice":
            if value is None:
                self.widget.value = "" if self.optional else None
            else:
                self.widget.value = _plain(value)
        elif self.kind in ("date", "datetime"):
            if isinstance(value, str):
                value = dt.date.fromisoformat(value[:10])
            if isinstance(value, dt.datetime):
                value = value.date()
            self.widget.value = value
        else:
            self.widget.value = value

    def show_error(self, message: str) -> None:
        self.error.value = message_html(message, "error")


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


class ModelForm(W.VBox):
    """Edit the fields of a pydantic model; :meth:`validate` shows errors beside the fields.

    Parameters
    ----------
    model
        The record (or part) class the form edits.
    fields
        Which fields to show, in order (default: every simple field but ``id``).
    values
        Initial values (a dict or a model instance).
    labels, help
        ``field -> label`` and ``field -> help text`` overrides.
    choices
        ``field -> options`` for fields whose values come from the store or the catalog
        (owners, systems, Annex A controls); options are values or ``(label, value)`` pairs.
    textareas
        String fields edited in a multi-line box.
    """

    def __init__(self, model: type[BaseModel], *, fields: Sequence[str] | None = None,
                 values: Mapping[str, Any] | BaseModel | None = None,
                 labels: Mapping[str, str] | None = None, help: Mapping[str, str] | None = None,
                 choices: Mapping[str, Choices] | None = None,
                 textareas: Sequence[str] = ()) -> None:
        self.model = model
        self.fields: dict[str, _Field] = {}
        self.form_error = StatusLine()
        labels, help, choices = labels or {}, help or {}, choices or {}
        names = list(fields) if fields is not None else [n for n in model.model_fields
                                                         if n != "id"]
        for name in names:
            info = model.model_fields[name]
            label = labels.get(name) or name.replace("_", " ").capitalize()
            spec = self._make(name, info, choices.get(name), name in textareas)
            if spec is None:
                raise TypeError(f"{model.__name__}.{name} needs a custom editor")
            widget, kind, optional = spec
            self.fields[name] = _Field(name, label, widget, required=info.is_required(),
                                       kind=kind, optional=optional,
                                       help_text=help.get(name) or info.description or "")
            if not info.is_required():
                default = info.get_default(call_default_factory=True)
                if default is not None:
                    self.fields[name].set(default)
        super().__init__([f.box for f in self.fields.values()] + [self.form_error])
        self.add_class(f"wb-form-{model.__name__.lower()}")
        if values is not None:
            self.set_values(values)

    # -- building --------------------------------------------------------------------------------
    @staticmethod
    def _make(name: str, info: Any, options: Choices | None, textarea: bool
              ) -> tuple[W.Widget, str, bool] | None:
        ann, optional = _unwrap(_base(info.annotation))
        ann = _base(ann)
        origin = typing.get_origin(ann)
        width = W.Layout(width="420px")
        if origin is list:
            (item,) = typing.get_args(ann) or (str,)
            item = _base(item)
            if options is not None:
                return W.SelectMultiple(options=list(options), rows=min(len(options), 6),
                                        layout=width), "multi", optional
            if isinstance(item, type) and issubclass(item, enum.Enum):
                return W.SelectMultiple(options=[m.value for m in item],
                                        rows=min(len(item), 6), layout=width), "multi", optional
            if item is str:
                return (W.Textarea(placeholder="one per line", rows=3, layout=width), "lines",
                        optional)
            return None
        if options is not None:
            opts = list(options)
            if optional:
                opts = [("—", ""), *opts]
            return W.Dropdown(options=opts, value=None, layout=width), "choice", optional
        if isinstance(ann, type) and issubclass(ann, enum.Enum):
            opts = [m.value for m in ann]
            if optional:
                opts = [("—", ""), *opts]
            return W.Dropdown(options=opts, value=None, layout=width), "choice", optional
        if typing.get_origin(ann) is typing.Literal:
            return (W.Dropdown(options=list(typing.get_args(ann)), value=None, layout=width),
                    "choice", optional)
        if ann is bool:
            return W.Checkbox(value=bool(info.default) if info.default is not None else False,
                              indent=False), "bool", optional
        if ann is int:
            return W.IntText(layout=W.Layout(width="120px")), "int", optional
        if ann is float:
            return W.FloatText(layout=W.Layout(width="120px")), "float", optional
        if ann is dt.datetime:
            return W.DatePicker(), "datetime", optional
        if ann is dt.date:
            return W.DatePicker(), "date", optional
        if ann is str:
            if textarea:
                return W.Textarea(rows=3, layout=width), "text", optional
            return W.Text(layout=width), "text", optional
        return None

    # -- values ----------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The raw values the person entered (not validated)."""
        return {name: f.get() for name, f in self.fields.items()}

    def set_values(self, values: Mapping[str, Any] | BaseModel) -> None:
        if isinstance(values, BaseModel):
            values = values.model_dump()
        for name, f in self.fields.items():
            if name in values:
                f.set(values[name])
        self.clear_errors()

    # -- validation ------------------------------------------------------------------------------
    def clear_errors(self) -> None:
        for f in self.fields.values():
            f.error.value = ""
        self.form_error.clear()

    def show_errors(self, errors: Sequence[tuple[str, str]], summary: str = "") -> None:
        """Show each ``(field path, message)`` beside its field; others under the form."""
        self.clear_errors()
        unplaced = []
        for path, message in errors:
            head = path.split(".", 1)[0]
            if head in self.fields:
                previous = self.fields[head].error.value
                detail = message if "." not in path else f"{path.split('.', 1)[1]}: {message}"
                self.fields[head].show_error(detail if not previous else detail)
            else:
                unplaced.append(f"{path}: {message}" if path != "(record)" else message)
        if unplaced or (summary and not errors):
            self.form_error.show("; ".join(unplaced) or summary, "error")

    def validate(self, extra: Mapping[str, Any] | None = None) -> BaseModel | None:
        """Build the model from the form (plus ``extra`` fields); show errors and return None
        when invalid."""
        data = {**(extra or {}), **self.values()}
        try:
            record = validate_record(self.model, data)  # type: ignore[type-var]
        except ValidationError as exc:
            self.show_errors(exc.errors, str(exc))
            return None
        self.clear_errors()
        return record
