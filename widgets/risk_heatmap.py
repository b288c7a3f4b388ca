"""The interactive risk heatmap: click a cell to list its risks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import traitlets as T

from workbench import risk as wr
from workbench.errors import NotFoundError, ValidationError
from workbench.render import badge, esc, html_table
from workbench.widgets._common import StatusLine, reports_errors

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store

__all__ = ["RiskHeatmap"]

_ALL = ""
#: Columns of the cell table: register column -> header.
CELL_COLUMNS = {"id": "Risk", "system_name": "AI system", "title": "Title", "owner": "Owner",
                "status": "Status", "inherent_level": "Inherent", "residual_level": "Residual",
                "treatment": "Treatment", "controls": "Controls",
                "overdue_actions": "Overdue actions", "signoff_cell": "Sign-off"}


class RiskHeatmap(W.VBox):
    """A plotly heatmap of the risk register with a linked table of the clicked cell's risks.

    Parameters
    ----------
    store
        The workbench store.
    which
        ``"residual"`` (default) or ``"inherent"``; the toggle changes it.
    system_id, business_unit
        Initial filters ("" = all).
    as_of
        The day for overdue actions and due reviews (default today).

    Notes
    -----
    A click on a cell calls :meth:`_on_cell_click` with the cell's likelihood and consequence
    levels; tests call it directly. :meth:`refresh` re-reads the store when it changed.
    """

    which = T.Unicode("residual")
    system_id = T.Unicode(_ALL)
    business_unit = T.Unicode(_ALL)
    selected = T.Tuple(allow_none=True, default_value=None)

    def __init__(self, store: Store, *, which: str = "residual", system_id: str | None = None,
                 business_unit: str | None = None, as_of: dt.date | None = None) -> None:
        import plotly.graph_objects as go

        self.store = store
        self.as_of = as_of
        self.status = StatusLine()
        self.error_details = W.Output()
        self.toggle = W.ToggleButtons(options=[("Residual", "residual"),
                                               ("Inherent", "inherent")], value=which,
                                      description="Risk")
        self.system_picker = W.Dropdown(description="AI system", options=[("All", _ALL)],
                                        value=_ALL, layout=W.Layout(width="340px"))
        self.unit_picker = W.Dropdown(description="Business unit", options=[("All", _ALL)],
                                      value=_ALL, layout=W.Layout(width="300px"),
                                      style={"description_width": "initial"})
        self.refresh_button = W.Button(description="Refresh", icon="refresh",
                                       tooltip="re-read the store")
        self.cell_title = W.HTML()
        self.table = W.HTML()
        self._register: pd.DataFrame | None = None
        self._criteria = wr.default_criteria()
        self._head = -1
        self._load()
        self.figure = go.FigureWidget(self._figure())
        self.figure.data[0].on_click(self._plotly_click)
        super().__init__([
            W.HBox([self.toggle, self.refresh_button]),
            W.HBox([self.system_picker, self.unit_picker]),
            self.figure, self.cell_title, self.table, self.status, self.error_details,
        ])
        self.add_class("wb-risk-heatmap")
        self.which = which
        W.link((self.toggle, "value"), (self, "which"))
        W.link((self.system_picker, "value"), (self, "system_id"))
        W.link((self.unit_picker, "value"), (self, "business_unit"))
        self.refresh_button.on_click(lambda _: self.refresh(force=True))
        if system_id:
            if system_id not in dict(self.system_picker.options).values():
                raise NotFoundError(f"no AI system {system_id!r} in the store; leave "
                                    "system_id empty for the whole portfolio")
            self.system_id = system_id
        if business_unit:
            self.business_unit = business_unit
        self._show_cell()

    # -- data -----------------------------------------------------------------------------------
    def _load(self) -> None:
        """Read the register and criteria (whole portfolio; filters apply in memory)."""
        self._head = self.store.head()
        self._criteria = wr.criteria_in_force(self.store)
        self._register = wr.register(self.store, as_of=self.as_of, criteria=self._criteria)
        systems = self.store.frame("ai_system", meta=False)
        self.system_picker.options = [("All", _ALL)] + sorted(
            (f"{n} ({i})", i) for i, n in zip(systems["id"], systems["name"], strict=True))
        units = sorted(set(systems["business_unit"].astype("str")))
        self.unit_picker.options = [("All", _ALL)] + [(u, u) for u in units]

    @property
    def register(self) -> pd.DataFrame:
        """The open risks shown, after the system and business-unit filters."""
        assert self._register is not None
        df = wr.filter_register(self._register, system_id=self.system_id or None,
                                business_unit=self.business_unit or None)
        return wr.open_risks(df)

    def _figure(self) -> Any:
        return wr.heatmap_figure(self.register, which=self.which, criteria=self._criteria)

    def _apply_figure(self) -> None:
        new = self._figure()
        trace = new.data[0]
        with self.figure.batch_update():
            self.figure.data[0].update(x=trace.x, y=trace.y, z=trace.z, text=trace.text,
                                       customdata=trace.customdata, zmin=trace.zmin,
                                       zmax=trace.zmax, colorscale=trace.colorscale,
                                       colorbar=trace.colorbar, name=trace.name)
            self.figure.layout.update(title=new.layout.title, xaxis=new.layout.xaxis,
                                      yaxis=new.layout.yaxis, meta=new.layout.meta)

    # -- events ---------------------------------------------------------------------------------
    @T.observe("which", "system_id", "business_unit")
    def _filters_changed(self, change: dict[str, Any]) -> None:
        if getattr(self, "figure", None) is None or self._register is None:
            return
        self._update()

    @reports_errors()
    def _update(self) -> None:
        if self.which not in wr.heatmap.WHICH:
            raise ValidationError(f"which must be residual or inherent, not {self.which!r}")
        self._apply_figure()
        self._show_cell()

    def _plotly_click(self, trace: Any, points: Any, state: Any) -> None:
        """plotly's click callback: the heatmap's x is the consequence, y the likelihood."""
        if points.xs and points.ys:
            self._on_cell_click(int(points.ys[0]), int(points.xs[0]))

    @reports_errors()
    def _on_cell_click(self, likelihood: int, consequence: int) -> None:
        """Fill the linked table with the risks of one cell (levels of the criteria)."""
        n_l, n_c = len(self._criteria.likelihood), len(self._criteria.consequence)
        if not (1 <= likelihood <= n_l and 1 <= consequence <= n_c):
            raise ValidationError(f"no cell likelihood {likelihood} x consequence "
                                  f"{consequence} on the {n_l} x {n_c} matrix")
        self.selected = (int(likelihood), int(consequence))
        self._show_cell()

    def _show_cell(self) -> None:
        if self.selected is None:
            self.cell_title.value = ('<p style="color:#57606a">Click a cell to list its '
                                     "risks.</p>")
            self.table.value = ""
            self.status.clear()
            return
        lik, con = self.selected
        rows = wr.cell_risks(self.register, lik, con, which=self.which)
        crit = self._criteria
        band = crit.level(lik, con)
        title = (
            f"<h4>{esc(self.which.capitalize())} risk: likelihood "
            f"{esc(crit.label_of('likelihood', lik))} × consequence "
            f"{esc(crit.label_of('consequence', con))} "
            f"{badge(band.title, band.colour)} · {len(rows)} risk{'s' if len(rows) != 1 else ''}"
            "</h4>")
        colours = {b.name: b.colour for b in crit.bands}
        formatters = {c: (lambda v: badge(str(v), colours.get(str(v)))) for c in
                      ("inherent_level", "residual_level")}
        formatters["signoff_cell"] = str  # safe HTML, built by wr.signoff_html
        changed = wr.signoff_changes(self.store, rows)
        rows = rows.assign(signoff_cell=[
            wr.signoff_html(state, by=by, at=at, changed=what) for state, by, at, what in
            zip(rows["signoff"], rows["signoff_by"], rows["signoff_at"], changed, strict=True)])
        # the table first, then the title that counts its rows: never a count over old rows
        self.table.value = html_table(rows, CELL_COLUMNS, formatters=formatters,
                                      empty="No open risks in this cell.")
        self.cell_title.value = title
        self.status.clear()

    @property
    def table_rows(self) -> list[str]:
        """Ids of the risks listed in the table (for tests and scripts)."""
        if self.selected is None:
            return []
        return list(wr.cell_risks(self.register, *self.selected, which=self.which)["id"])

    @property
    def table_signoffs(self) -> dict[str, str]:
        """Risk id -> sign-off state (the register's ``signoff``) of the risks in the table."""
        if self.selected is None:
            return {}
        rows = wr.cell_risks(self.register, *self.selected, which=self.which)
        return dict(zip(rows["id"], rows["signoff"], strict=True))

    @reports_errors()
    def refresh(self, force: bool = False) -> bool:
        """Re-read the store if it changed since the last read (or when ``force``).

        Returns True when the heatmap was rebuilt.
        """
        if not force and self.store.head() == self._head:
            self.status.show("Up to date.", "info")
            return False
        self._load()
        if self.system_id not in dict(self.system_picker.options).values():
            self.system_id = _ALL
        self._update()
        self.status.show(f"Reloaded: {len(self.register)} open risks shown.", "ok")
        return True
