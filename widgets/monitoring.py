"""Monitoring over time for one AI system: a metric's timeline with its breach band; a click
on a point shows that run's measurements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as W
import traitlets as T

from workbench import monitoring as wm
from workbench.monitoring.figures import run_details_html, series_keys, timeline_figure
from workbench.render import esc
from workbench.widgets._common import StatusLine, reports_errors

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["MonitoringTimeline"]


class MonitoringTimeline(W.VBox):
    """A plotly FigureWidget per metric of a system's monitoring runs, with threshold bands.

    Parameters
    ----------
    store
        The workbench store.
    system_id
        The AI system.

    Notes
    -----
    ``metric`` (a series key such as ``psi:income``) picks the series shown; ``selected_run``
    (a run id) shows that run's measurements below the figure. A click on a point sets
    ``selected_run``; tests set the traits directly. "Refresh" (:meth:`refresh`) reads the
    runs saved since, e.g. by a scheduled run, keeping the metric shown.
    """

    metric = T.Unicode("")
    selected_run = T.Unicode("")

    def __init__(self, store: Store, system_id: str) -> None:
        import plotly.graph_objects as go

        self.store = store
        self.system_id = system_id
        self.status = StatusLine()
        self.error_details = W.Output()
        self.timeline = wm.timeline_frame(store, system_id)
        keys = series_keys(self.timeline)
        self.picker = W.Dropdown(options=[(label, key) for key, label in keys] or
                                 [("no runs yet", "")], description="Metric",
                                 layout=W.Layout(width="520px"))
        self.header = W.HTML(self._header())
        self.details = W.Output()
        self.details_html = W.HTML()
        self.figure = go.FigureWidget()
        self.refresh_button = W.Button(description="Refresh", icon="refresh",
                                       tooltip="read the runs saved since")
        self.refresh_button.on_click(lambda _: self.refresh())
        super().__init__([self.header, W.HBox([self.picker, self.refresh_button]), self.figure,
                          self.status, self.details, self.error_details])
        self.picker.observe(self._picked, names="value")
        if keys:
            self.metric = keys[0][0]
        else:
            self._update()

    @reports_errors()
    def refresh(self) -> None:
        """Read the system's runs again (those saved since included), keeping the metric
        shown while it still has a series; the status line says how many runs there are."""
        before = self.timeline["run_id"].nunique()
        self.timeline = wm.timeline_frame(self.store, self.system_id)
        keys = series_keys(self.timeline)
        self.header.value = self._header()
        self.picker.options = [(label, key) for key, label in keys] or [("no runs yet", "")]
        kept = self.metric if self.metric in {k for k, _ in keys} else (keys[0][0] if keys
                                                                      else "")
        if kept != self.metric:
            self.metric = kept  # redraws
        else:
            self.picker.value = kept or ""
            self._update()
        runs = self.timeline["run_id"].nunique()
        self.status.show(f"{runs} runs ({runs - before} new)", "ok")

    def _header(self) -> str:
        status = wm.status_frame(self.store).set_index("system_id")
        if self.system_id not in status.index:
            return f"<p>No AI system {esc(self.system_id)}.</p>"
        row = status.loc[self.system_id]
        return (f"<h4>Monitoring of {esc(row['system_name'])}: "
                f"{esc(wm.STATE_LABELS[row['state']])}</h4>")

    def _picked(self, change: dict[str, Any]) -> None:
        self.metric = change["new"] or ""

    @T.observe("metric")
    def _metric_changed(self, change: dict[str, Any]) -> None:
        if self.picker.value != change["new"] and change["new"]:
            self.picker.value = change["new"]
        self._update()

    @T.observe("selected_run")
    def _run_changed(self, change: dict[str, Any]) -> None:
        self._show_run()

    @reports_errors()
    def _update(self) -> None:
        fig = timeline_figure(self.timeline, self.metric, title=dict(
            (k, lbl) for k, lbl in series_keys(self.timeline)).get(self.metric, ""))
        with self.figure.batch_update():
            self.figure.data = []
            self.figure.layout = {}
            self.figure.add_traces(list(fig.data))
            self.figure.layout = fig.layout
        for trace in self.figure.data:
            if trace.customdata is not None:
                trace.on_click(self._clicked)

    def _clicked(self, trace: Any, points: Any, state: Any = None) -> None:
        if points.point_inds:
            self.selected_run = str(trace.customdata[points.point_inds[0]])

    @reports_errors()
    def _show_run(self) -> None:
        from IPython.display import HTML, display

        html = run_details_html(self.timeline, self.selected_run) if self.selected_run else ""
        self.details_html.value = html
        self.details.clear_output()
        if html:
            with self.details:
                display(HTML(html))
