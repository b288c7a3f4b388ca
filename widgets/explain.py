"""Explain one decision: pick a row or type values, and the explanation follows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as W
from traitlets import Dict, Int, TraitError, Unicode, observe, validate

from workbench.widgets._common import StatusLine, reports_errors

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.explain import DecisionExplanation

__all__ = ["DecisionExplainer"]


class DecisionExplainer(W.VBox):
    """The explanation of one decision, for the person it is about (Art. 86; A.8.2).

    Parameters
    ----------
    model
        The fitted estimator.
    data
        The cases to pick from (their model features; other columns are ignored). Also the
        reference sample, unless ``reference`` is given.
    reference
        The comparison population of :func:`workbench.explain.decision`.
    feature_labels, outcome, top, method
        As for :func:`workbench.explain.decision`.

    Traits
    ------
    row
        The position of the picked case in ``data``; setting it loads its values.
    values
        The values explained (``feature -> value``); editing an input, or setting this trait,
        explains the new values.
    text
        The explanation in plain language (empty when the values cannot be explained; the
        reason is on :attr:`status`).
    """

    row = Int(0, help="position of the case in the data").tag(sync=False)
    values = Dict(help="the feature values explained").tag(sync=False)
    text = Unicode("", help="the current explanation in plain language").tag(sync=False)

    def __init__(self, model: Any, data: pd.DataFrame, *, reference: pd.DataFrame | None = None,
                 feature_labels: Mapping[str, str] | None = None, outcome: str | None = None,
                 top: int = 3, method: str = "auto", row: int = 0) -> None:
        import pandas as pd

        from workbench.explain._checks import prepare

        self.model = model
        self.data = data.reset_index(drop=True)
        self.reference = self.data if reference is None else reference
        self.labels = dict(feature_labels or {})
        self.outcome = outcome
        self.top = top
        self.method = method
        named = getattr(model, "feature_names_in_", None)
        ignore = [] if named is None else [c for c in self.data.columns
                                           if c not in set(map(str, named))]
        self.features: list[str] = prepare(model, self.data, ignore=ignore).features
        self.explanation: DecisionExplanation | None = None
        self.status = StatusLine()
        self.error_details = W.Output()
        self.picker = W.BoundedIntText(value=row, min=0, max=max(len(self.data) - 1, 0),
                                       description="Case", layout=W.Layout(width="180px"))
        self.inputs: dict[str, W.ValueWidget] = {}
        for name in self.features:
            column = self.data[name]
            label = self.labels.get(name, name)
            style = {"description_width": "240px"}
            if pd.api.types.is_bool_dtype(column):
                widget: W.ValueWidget = W.Checkbox(description=label, style=style)
            elif pd.api.types.is_numeric_dtype(column):
                widget = W.FloatText(description=label, style=style,
                                     layout=W.Layout(width="380px"))
            else:
                options = sorted({str(v) for v in column.dropna().unique()})
                widget = W.Dropdown(description=label, options=options, style=style,
                                    layout=W.Layout(width="380px"))
            widget.observe(self._input_changed, names="value")
            self.inputs[name] = widget
        self.output = W.HTML()
        self._syncing = False
        self.picker.observe(lambda change: setattr(self, "row", change["new"]), names="value")
        super().__init__([self.picker, W.VBox(list(self.inputs.values())), self.output,
                          self.status, self.error_details])
        self.add_class("wb-decision-explainer")
        if row == self.row:
            self._load_row(row)
        else:
            self.row = row

    # -- traits ----------------------------------------------------------------------------------
    @validate("row")
    def _valid_row(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if not 0 <= value < len(self.data):
            raise TraitError(f"row {value} is not a case of the data (0 to "
                             f"{len(self.data) - 1})")
        return value

    @observe("row")
    def _row_changed(self, change: dict[str, Any]) -> None:
        self._load_row(change["new"])

    @observe("values")
    def _values_changed(self, change: dict[str, Any]) -> None:
        self._show_inputs(change["new"])
        self._update()

    # -- behaviour -------------------------------------------------------------------------------
    def _load_row(self, row: int) -> None:
        with self.hold_trait_notifications():
            self.picker.value = row
        case = self.data.iloc[row]
        self.values = {f: _plain(case[f]) for f in self.features}

    def _show_inputs(self, values: Mapping[str, Any]) -> None:
        self._syncing = True
        try:
            for name, widget in self.inputs.items():
                value = values.get(name)
                if isinstance(widget, W.Dropdown):
                    text = str(value)
                    if text not in widget.options:
                        widget.options = (*widget.options, text)
                    widget.value = text
                elif value is not None:
                    widget.value = value
        finally:
            self._syncing = False

    def _input_changed(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        name = next(n for n, w in self.inputs.items() if w is change["owner"])
        self.values = {**self.values, name: _typed(self.data[name], change["new"])}

    @reports_errors()
    def _update(self) -> None:
        from workbench.explain import decision

        self.explanation = None
        self.text = ""
        self.output.value = ""
        result = decision(self.model, self.values, reference=self.reference, top=self.top,
                          feature_labels=self.labels, outcome=self.outcome, method=self.method)
        self.explanation = result
        self.text = result.text()
        self.output.value = result.html()
        note = f"method: {result.method.replace('_', ' ')}"
        self.status.show(note + ("; " + "; ".join(result.notes) if result.notes else ""), "info")

    def explain_values(self, values: Mapping[str, Any]) -> None:
        """Explain these values (the others unchanged)."""
        self.values = {**self.values, **dict(values)}

    @property
    def cases(self) -> Sequence[int]:
        return range(len(self.data))


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _typed(column: pd.Series, value: Any) -> Any:
    """A typed-in value in its column's type (a whole number stays whole)."""
    import pandas as pd

    if pd.api.types.is_integer_dtype(column) and isinstance(value, float) and \
            value.is_integer():
        return int(value)
    return value
