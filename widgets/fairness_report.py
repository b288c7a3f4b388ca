"""A fairness result at a glance: metrics against thresholds, the by-group table and a chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as W

from workbench import fairness
from workbench.widgets._common import StatusLine, reports_errors

if TYPE_CHECKING:  # pragma: no cover
    from workbench.fairness import FairnessResult
    from workbench.store import Store

__all__ = ["FairnessReport"]

_METRICS = [("Selection rate", "selection_rate"), ("True positive rate", "true_positive_rate"),
            ("False positive rate", "false_positive_rate"), ("Accuracy", "accuracy")]


class FairnessReport(W.VBox):
    """Show a :class:`~workbench.fairness.FairnessResult`: summary, warnings, metrics with
    their thresholds and rationale, the by-group table, and a bar chart per sensitive feature
    and metric with the threshold lines.

    Parameters
    ----------
    result
        A result from :func:`workbench.fairness.assess` or ``check_file``.

    Use :meth:`from_evidence` to show fairness evidence already in the store.
    """

    def __init__(self, result: FairnessResult) -> None:
        import plotly.graph_objects as go

        self.result = result
        self.status = StatusLine()
        self.error_details = W.Output()
        self.summary = W.HTML(fairness.report_html(result))
        features = list(result.group_sizes)
        metrics = list(_METRICS)
        if "mean_score" in result.by_group.columns:
            metrics.append(("Mean score", "mean_score"))
        self.feature_picker = W.Dropdown(description="Feature", options=features,
                                         value=features[0])
        self.metric_picker = W.Dropdown(description="Metric", options=metrics,
                                        value="selection_rate")
        self.figure = go.FigureWidget(fairness.group_figure(result, feature=features[0]))
        self.feature_picker.observe(lambda _c: self.redraw(), names="value")
        self.metric_picker.observe(lambda _c: self.redraw(), names="value")
        super().__init__([self.summary, W.HBox([self.feature_picker, self.metric_picker]),
                          self.figure, self.status, self.error_details])

    @classmethod
    def from_evidence(cls, store: Store, evidence_id: str) -> FairnessReport:
        """A report of stored fairness evidence (its metrics and by-group table as recorded).

        Raises
        ------
        NotFoundError
            No such evidence.
        ValidationError
            The evidence is not a fairness check.
        """
        return cls(fairness.load_result(store, evidence_id))

    @reports_errors()
    def redraw(self) -> None:
        """Draw the chart of the chosen feature and metric."""
        new = fairness.group_figure(self.result, metric=self.metric_picker.value,
                                    feature=self.feature_picker.value)
        with self.figure.batch_update():
            self.figure.data = []
            self.figure.add_traces(list(new.data))
            self.figure.layout = new.layout
        self.status.clear()

