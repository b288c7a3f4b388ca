"""Readiness at a glance: a bar per clause and Annex A objective, the gaps as a to-do list,
and a drill-down into one requirement's reason."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import traitlets as T

from workbench import readiness as rd
from workbench.render import STATUS_COLOURS, badge, esc, html_table, kpi
from workbench.widgets._common import StatusLine, reports_errors

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store

__all__ = ["ReadinessSummary"]

_ALL = ""
GAP_COLUMNS = {"requirement": "Requirement", "title": "Title", "status": "Status",
               "item": "To do", "reason": "Why"}


class ReadinessSummary(W.VBox):
    """ISO/IEC 42001 readiness of the store: bars per clause, the to-do list and a
    drill-down.

    Parameters
    ----------
    store
        The workbench store.
    today
        The day readiness is judged on (default today).
    verify
        Recompute the store's hash chain for 7.5.3.

    Notes
    -----
    Clicking a bar calls :meth:`select_group` with the clause (``"6"``) or objective
    (``"A.6"``): the to-do list shows that group's gaps and the drill-down lists its
    requirements. :meth:`show_requirement` opens one requirement; :meth:`refresh`
    re-assesses. Tests call these directly.
    """

    group = T.Unicode(_ALL)
    requirement = T.Unicode(_ALL)

    def __init__(self, store: Store, *, today: dt.date | None = None,
                 verify: bool = True) -> None:
        import plotly.graph_objects as go

        self.store = store
        self.today = today
        self.verify = verify
        self.status = StatusLine()
        self.error_details = W.Output()
        self.headline = W.HTML()
        self.group_picker = W.Dropdown(description="Clause", layout=W.Layout(width="460px"))
        self.status_picker = W.ToggleButtons(options=[("All gaps", _ALL), ("Missing",
                                                                           "missing"),
                                                      ("Partial", "partial")], value=_ALL)
        self.todo_title = W.HTML()
        self.todo = W.HTML()
        self.requirement_picker = W.Dropdown(description="Requirement",
                                             layout=W.Layout(width="620px"))
        self.detail = W.HTML()
        self.refresh_button = W.Button(description="Refresh", icon="refresh")
        self.result: rd.Readiness = rd.assess(store, today=today, verify=verify)
        self.figure = go.FigureWidget(rd.readiness_figure(self.result))
        self.figure.data[0].on_click(self._plotly_click)
        super().__init__([
            W.HBox([self.headline, self.refresh_button]), self.figure,
            W.HBox([self.group_picker, self.status_picker]), self.todo_title, self.todo,
            self.requirement_picker, self.detail, self.status, self.error_details])
        self._fill_pickers()
        W.link((self.group_picker, "value"), (self, "group"))
        W.link((self.requirement_picker, "value"), (self, "requirement"))
        self.status_picker.observe(lambda _: self._show_todo(), names="value")
        self.refresh_button.on_click(lambda _: self.refresh())
        self._show_all()

    # -- data -----------------------------------------------------------------------------------
    @property
    def gaps(self) -> pd.DataFrame:
        """The gaps shown: filtered by the chosen clause and status."""
        gaps = rd.gap_table(self.result, status=self.status_picker.value or None)
        if self.group:
            ids = set(self.result.requirements.loc[self.result.requirements["group"]
                                                   == self.group, "id"])
            gaps = gaps[gaps["requirement"].isin(ids)]
        return gaps.reset_index(drop=True)

    def _fill_pickers(self) -> None:
        by = self.result.by_clause
        group = self.group
        self.group_picker.options = [("All clauses and Annex A", _ALL)] + [
            (f"{g} {t} ({'n/a' if math.isnan(p) else f'{p:.0f}%'})", g)
            for g, t, p in zip(by["group"], by["title"], by["percent"], strict=True)]
        self.group_picker.value = group if group in set(by["group"]) else _ALL
        self._fill_requirements()

    def _fill_requirements(self) -> None:
        req = self.result.requirements
        if self.group:
            req = req[req["group"] == self.group]
        options = [("—", _ALL)] + [(f"{i} {t} — {s.replace('_', ' ')}", i) for i, t, s in
                                   zip(req["id"], req["title"], req["status"], strict=True)]
        current = self.requirement_picker.value
        self.requirement_picker.options = options
        self.requirement_picker.value = current if current in dict(options).values() else _ALL

    # -- views ----------------------------------------------------------------------------------
    def _show_all(self) -> None:
        k = rd.kpis(self.result)
        pct = "n/a" if math.isnan(k["overall"]) else f"{k['overall']:.0f}%"
        self.headline.value = (kpi("Readiness", pct, note=f"as of {self.result.today}")
                               + kpi("Met", k["met"]) + kpi("Partial", k["partial"])
                               + kpi("Missing", k["missing"]) + kpi("Items to do", k["gaps"]))
        self._show_todo()
        self._show_detail()

    def _show_todo(self) -> None:
        gaps = self.gaps
        where = f" in {self.group}" if self.group else ""
        self.todo_title.value = f"<h4>To do{esc(where)}: {len(gaps)} items</h4>"
        self.todo.value = html_table(
            gaps, GAP_COLUMNS, formatters={"status": _badge},
            empty="Nothing to do here: every applicable requirement is met.")

    def _show_detail(self) -> None:
        if not self.requirement:
            self.detail.value = ("<p style='color:#57606a'>Choose a requirement to see why it "
                                 "has its status.</p>")
            return
        self.detail.value = rd.requirement_html(self.result, self.requirement)

    # -- events ---------------------------------------------------------------------------------
    @T.observe("group")
    def _group_changed(self, _: dict[str, Any]) -> None:
        if not hasattr(self, "todo"):
            return
        self._fill_requirements()
        self._show_todo()
        self._show_detail()

    @T.observe("requirement")
    def _requirement_changed(self, _: dict[str, Any]) -> None:
        if hasattr(self, "detail"):
            self._show_detail()

    @reports_errors()
    def select_group(self, group: str) -> None:
        """Show the gaps and requirements of one clause or Annex A objective ("" for all)."""
        if group and group not in set(self.result.by_clause["group"]):
            from workbench.errors import NotFoundError

            raise NotFoundError(f"no clause or Annex A objective {group!r}; use one of "
                                f"{', '.join(self.result.by_clause['group'])}")
        self.group = group

    @reports_errors()
    def show_requirement(self, requirement_id: str) -> None:
        """Open one requirement's reason, missing items and evidence."""
        self.result.requirement(requirement_id)  # NotFoundError for an unknown id
        group = self.result.requirement(requirement_id)["group"]
        if self.group and self.group != group:
            self.group = group
        self.requirement = requirement_id

    def _plotly_click(self, trace: Any, points: Any, _state: Any) -> None:
        if points.point_inds:
            self.select_group(str(trace.customdata[points.point_inds[0]]))

    @reports_errors()
    def refresh(self) -> None:
        """Re-assess from the store (after records were added or signed off)."""
        self.result = rd.assess(self.store, today=self.today, verify=self.verify)
        new = rd.readiness_figure(self.result)
        with self.figure.batch_update():
            self.figure.data[0].update(x=new.data[0].x, y=new.data[0].y, text=new.data[0].text,
                                       marker=new.data[0].marker,
                                       hovertext=new.data[0].hovertext,
                                       customdata=new.data[0].customdata)
            self.figure.layout.update(title=new.layout.title, meta=new.layout.meta)
        self._fill_pickers()
        self._show_all()
        self.status.show(f"Re-assessed: {self.result.summary()}", "ok")


def _badge(value: Any) -> str:
    return badge(str(value), STATUS_COLOURS.get(str(value)))
