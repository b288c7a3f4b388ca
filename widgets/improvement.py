"""Widgets for continual improvement: the nonconformity tracker (each step of 10.2 in order),
the internal audit checklist (9.2) and the AI incident register (A.8.4; EU AI Act Art. 73),
all saving through :mod:`workbench.improvement`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import traitlets

from workbench import errors as imp_errors
from workbench import improvement as imp
from workbench.identity import current_user
from workbench.render import esc, html_table
from workbench.widgets._common import StatusLine, reports_errors

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["STEPS", "AuditChecklist", "IncidentRegister", "NonconformityTracker"]

#: The steps the tracker offers, with the stage each follows.
STEPS: dict[str, str] = {
    "correction": "Record the correction",
    "root_cause": "Record the root cause",
    "action": "Plan a corrective action",
    "done": "Mark an action done",
    "review": "Review effectiveness",
    "close": "Close",
    "cancel": "Cancel (with a reason)",
}
_NEXT = {"raised": "correction", "corrected": "root_cause", "root_cause": "action",
         "actions_planned": "done", "in_progress": "done",
         "effectiveness_reviewed": "close"}
_WIDE = W.Layout(width="95%")
_LABEL = {"description_width": "110px"}


class _Register(W.VBox):
    """A register (an HTML table) with a dropdown choosing one of its records and that
    record's detail: ``selected`` (a record id) and the dropdown follow each other.
    Subclasses build ``register``, ``choose`` and ``detail`` and define :meth:`_show`."""

    selected = traitlets.Unicode("")

    def _follow_choice(self) -> None:
        self.choose.observe(lambda change: setattr(self, "selected", change["new"] or ""),
                            names="value")

    def _fill(self, frame: Any, table_html: str, select: str) -> None:
        """Show ``table_html``, offer the records of ``frame`` (``id``, ``title``), keep (or
        set) the selection and show it."""
        self.register.value = table_html
        with self.hold_sync():
            self.choose.options = [(f"{i}: {t}", i) for i, t in zip(frame["id"],
                                                                   frame["title"])]
            wanted = select or self.selected
            if wanted in set(frame["id"]):
                self.choose.value = wanted
            self.selected = self.choose.value or ""
        self._show()

    @traitlets.observe("selected")
    def _selected(self, change: dict[str, Any]) -> None:
        if change["new"] and self.choose.value != change["new"]:
            self.choose.value = change["new"]
        self._show()

    def _show(self) -> None:  # pragma: no cover - every register defines it
        raise NotImplementedError


class NonconformityTracker(_Register):
    """The nonconformity register with its overdue actions, one nonconformity's state, and
    its next step (the acting user's; out-of-order steps are refused on the widget).

    Traits: ``selected`` (a nonconformity id) and ``step`` (one of :data:`STEPS`).
    """

    step = traitlets.Unicode("correction")

    def __init__(self, store: Store, nc_id: str = "", *, today: dt.date | None = None) -> None:
        self.store = store
        self.today = today
        self.user = current_user(store)
        self.register = W.HTML()
        self.choose = W.Dropdown(description="Nonconformity", options=[], style=_LABEL)
        self.detail = W.HTML()
        self.step_menu = W.Dropdown(description="Step", options=[(v, k) for k, v in
                                                                   STEPS.items()],
                                    style=_LABEL)
        self.text = W.Textarea(description="Text", layout=_WIDE, style=_LABEL,
                               placeholder="correction, root cause, action, review or reason")
        self.owner = W.Text(description="Action owner", style=_LABEL)
        self.due = W.DatePicker(description="Due", style=_LABEL)
        self.number = W.BoundedIntText(description="Action no.", min=1, max=99, value=1,
                                       style=_LABEL)
        self.effective = W.Checkbox(description="Effective", value=True)
        self.save_button = W.Button(description="Save step", button_style="primary")
        self.status = StatusLine()
        self.error_details = W.Output()
        self.save_button.on_click(lambda _: self.apply())
        traitlets.link((self, "step"), (self.step_menu, "value"))
        self._follow_choice()
        super().__init__(children=[
            self.register, self.choose, self.detail, self.step_menu, self.text, self.owner,
            self.due, self.number, self.effective, self.save_button, self.status,
            self.error_details])
        self.add_class("wb-nonconformity-tracker")
        self.refresh(select=nc_id)

    @reports_errors()
    def refresh(self, select: str = "") -> None:
        """Reload the register; keep (or set) the selected nonconformity."""
        frame = imp.nonconformities_frame(self.store, today=self.today)
        self.frame = frame
        shown = frame.assign(
            late=frame["overdue_actions"].map(lambda n: f"{n} overdue" if n else ""),
            systems=frame["system_ids"].map(", ".join),
            due=frame["next_due"].map(lambda d: "" if d is None else str(d)))
        self._fill(frame, html_table(shown, {
            "id": "Id", "stage": "Stage", "severity": "Severity", "systems": "AI systems",
            "due": "Next due", "late": "Actions", "title": "Title"},
            empty="No nonconformity recorded."), select)

    def _show(self) -> None:
        if not self.selected:
            self.detail.value = ""
            return
        nc = self.store.get("nonconformity", self.selected).record
        stage = nc.stage.value
        if stage in _NEXT:
            self.step = _NEXT[stage]
        actions = "".join(
            f"<li>{i}. {esc(a.description)} ({esc(a.owner)}, due {a.due}"
            f"{', done ' + str(a.done_on) if a.done_on else ''})</li>"
            for i, a in enumerate(nc.corrective_actions, 1))
        rows = [("Stage", stage.replace("_", " ")),
                ("Next", imp.NEXT_STEP.get(nc.stage, "nothing: it can no longer change")),
                ("Correction", nc.correction), ("Root cause", nc.root_cause),
                ("Effectiveness", nc.effectiveness_review)]
        body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows if v)
        self.detail.value = (f"<b>{esc(nc.id)}</b>: {esc(nc.title)}<table>{body}</table>"
                             + (f"<ul>{actions}</ul>" if actions else ""))

    @reports_errors()
    def apply(self) -> None:
        """Save the chosen step for the selected nonconformity, as the acting user."""
        nc_id, text, step = self.selected, self.text.value, self.step
        if not nc_id:
            self.status.show("choose a nonconformity first", "error")
            return
        if step == "correction":
            imp.record_correction(self.store, nc_id, text)
        elif step == "root_cause":
            imp.record_root_cause(self.store, nc_id, text)
        elif step == "action":
            if self.due.value is None or not self.owner.value.strip():
                self.status.show("a corrective action needs its owner and due date", "error")
                return
            imp.plan_action(self.store, nc_id, text, owner=self.owner.value.strip(),
                            due=self.due.value)
        elif step == "done":
            imp.complete_action(self.store, nc_id, int(self.number.value))
        elif step == "review":
            imp.review_effectiveness(self.store, nc_id, effective=bool(self.effective.value),
                                     review=text)
        elif step == "close":
            imp.close(self.store, nc_id)
        else:
            imp.cancel(self.store, nc_id, reason=text)
        self.text.value = ""
        self.refresh()
        stage = self.store.get("nonconformity", nc_id).record.stage.value
        self.status.show(f"saved: {nc_id} is {stage.replace('_', ' ')}", "ok")


class AuditChecklist(W.VBox):
    """The checklist of an internal audit: each clause and control in its scope with today's
    readiness and the records behind it; the auditor records a finding on each and completes
    the audit (nonconformities are raised for NC findings).

    ``rows`` maps each requirement id to its ``outcome`` dropdown, ``notes`` and ``records``
    (comma-separated kind/id) fields.
    """

    completed = traitlets.Bool(False)

    def __init__(self, store: Store, programme_id: str, audit_id: str, *,
                 today: dt.date | None = None) -> None:
        self.store = store
        self.programme_id = programme_id
        self.audit_id = audit_id
        self.user = current_user(store)
        self.status = StatusLine()
        self.error_details = W.Output()
        self.header = W.HTML()
        self.rows: dict[str, dict[str, W.Widget]] = {}
        self.results = W.Textarea(description="Results", layout=_WIDE, style=_LABEL,
                                  placeholder="the audit's conclusions")
        self.reported_to = W.Text(description="Reported to", style=_LABEL,
                                  placeholder="logins, comma-separated")
        self.complete_button = W.Button(description="Complete audit", button_style="primary")
        self.complete_button.on_click(lambda _: self.complete())
        self.checklist = imp.audit_checklist(store, programme_id, audit_id, today=today)
        _, _, audit = imp.find_audit(store, programme_id, audit_id)
        self.completed = audit.completed_on is not None
        self.header.value = (f"<h3>{esc(audit.title)}</h3><div>auditor {esc(audit.auditor)}"
                             f"; planned {audit.planned_on}"
                             + (f"; completed {audit.completed_on}" if self.completed else "")
                             + "</div>")
        options = [("(choose)", "")] + [(o.value.replace("_", " "), o.value)
                                        for o in imp.FindingOutcome]
        boxes: list[W.Widget] = []
        for row in self.checklist.itertuples():
            outcome = W.Dropdown(description="Finding", options=options,
                                 value=row.outcome or "", style=_LABEL)
            notes = W.Textarea(description="Notes", value=row.notes, layout=_WIDE,
                               style=_LABEL)
            records = W.Text(description="Sampled", value=", ".join(row.records_sampled),
                             layout=_WIDE, style=_LABEL,
                             placeholder=", ".join(row.records[:3]) or "kind/id, ...")
            self.rows[row.requirement_id] = {"outcome": outcome, "notes": notes,
                                             "records": records}
            info = (f"<b>{esc(row.requirement_id)}</b> {esc(row.title)}: readiness "
                    f"<b>{esc(row.readiness)}</b> ({esc(row.reason)})"
                    + (f"<br>records: {esc(', '.join(row.records))}" if row.records else ""))
            boxes.append(W.VBox([W.HTML(info), outcome, notes, records]))
        self.complete_button.disabled = self.completed
        super().__init__(children=[self.header, *boxes, self.results, self.reported_to,
                                   self.complete_button, self.status, self.error_details])
        self.add_class("wb-audit-checklist")

    def findings(self) -> list[dict[str, Any]]:
        """The findings as entered (one per requirement with an outcome chosen)."""
        out = []
        for rid, row in self.rows.items():
            if not row["outcome"].value:
                continue
            out.append({"requirement_id": rid, "outcome": row["outcome"].value,
                        "notes": row["notes"].value,
                        "records_sampled": [r.strip() for r in row["records"].value.split(",")
                                            if r.strip()]})
        return out

    @reports_errors()
    def complete(self) -> None:
        """Complete the audit as the acting user (see
        :func:`workbench.improvement.complete_audit`)."""
        saved = imp.complete_audit(
            self.store, self.programme_id, self.audit_id, self.findings(),
            results=self.results.value,
            reported_to=[p.strip() for p in self.reported_to.value.split(",") if p.strip()])
        ncs = [v.record_id for v in saved["nonconformities"]]
        self.completed = True
        self.complete_button.disabled = True
        self.status.show(f"audit {self.audit_id} completed; nonconformities raised: "
                         f"{', '.join(ncs) or 'none'}", "ok")


class IncidentRegister(_Register):
    """The AI incident register: every incident with its reporting deadline, a form to open
    one (the deadline it gets shows as you tick what happened), and the selected incident's
    report, links and closure, all saved as the acting user through
    :mod:`workbench.improvement`.

    Traits: ``selected`` (an incident id).
    """

    def __init__(self, store: Store, incident_id: str = "", *,
                 today: dt.date | None = None) -> None:
        self.store = store
        self.today = today
        self.user = current_user(store)
        self.register = W.HTML()
        # -- open an incident
        systems = store.frame("ai_system", meta=False)
        self.system = W.Dropdown(description="AI system", style=_LABEL, options=[
            (f"{n} ({i})", i) for i, n in zip(systems["id"], systems["name"])])
        self.title = W.Text(description="Title", layout=_WIDE, style=_LABEL)
        self.description = W.Textarea(description="What happened", layout=_WIDE, style=_LABEL)
        self.harm = W.Textarea(description="Harm", layout=_WIDE, style=_LABEL,
                               placeholder="the harm caused or risked")
        self.affected = W.Text(description="Affected", layout=_WIDE, style=_LABEL,
                               placeholder="who was affected, how many")
        self.severity = W.Dropdown(description="Severity", style=_LABEL, value="medium",
                                   options=[s.value for s in imp.IncidentSeverity])
        self.source = W.Dropdown(description="Source", style=_LABEL, value="other",
                                 options=[s.value for s in imp.IncidentSource
                                          if s.value != "monitoring"])
        self.complaint_ref = W.Text(description="Complaint", style=_LABEL,
                                    placeholder="the complaint's reference")
        self.detected_on = W.DatePicker(description="Detected on", style=_LABEL,
                                        value=today or store.now().date())
        # Art. 73's deadlines run from when the organization became aware of the incident,
        # which may be later than when it happened to be detected (empty: the same day)
        self.aware_on = W.DatePicker(description="Aware on", style=_LABEL)
        self.serious = W.Checkbox(description="Serious incident (Art. 3(49))")
        self.death = W.Checkbox(description="A person died (or may have)")
        self.widespread = W.Checkbox(description="Widespread infringement or critical "
                                     "infrastructure disrupted")
        self.deadline = W.HTML()
        self.open_button = W.Button(description="Open incident", button_style="warning")
        # -- the selected incident
        self.choose = W.Dropdown(description="Incident", options=[], style=_LABEL)
        self.detail = W.HTML()
        self.reported_to = W.Text(description="Reported to", style=_LABEL, layout=_WIDE,
                                  placeholder="e.g. the market surveillance authority")
        self.reported_on = W.DatePicker(description="Reported on", style=_LABEL)
        self.report_button = W.Button(description="Record report")
        self.nc_id = W.Text(description="Nonconformity", style=_LABEL)
        self.link_button = W.Button(description="Link")
        self.closure = W.Textarea(description="Closure", layout=_WIDE, style=_LABEL,
                                  placeholder="how it was resolved")
        self.close_button = W.Button(description="Close incident")
        self.status = StatusLine()
        self.error_details = W.Output()
        for box in (self.serious, self.death, self.widespread, self.detected_on, self.aware_on):
            box.observe(lambda _: self._preview(), names="value")
        self.open_button.on_click(lambda _: self.open_new())
        self.report_button.on_click(lambda _: self.report())
        self.link_button.on_click(lambda _: self.link())
        self.close_button.on_click(lambda _: self.close_incident())
        self._follow_choice()
        super().__init__(children=[
            self.register, W.HTML("<h4>Open an incident</h4>"), self.system, self.title,
            self.description, self.harm, self.affected, self.severity, self.source,
            self.complaint_ref, self.detected_on, self.aware_on, self.serious, self.death,
            self.widespread, self.deadline, self.open_button, W.HTML("<h4>Follow an incident</h4>"),
            self.choose, self.detail, self.reported_to, self.reported_on, self.report_button,
            self.nc_id, self.link_button, self.closure, self.close_button, self.status,
            self.error_details])
        self.add_class("wb-incident-register")
        self._preview()
        self.refresh(select=incident_id)

    def _preview(self) -> None:
        day = self.aware_on.value or self.detected_on.value
        self.deadline.value = esc(
            "choose the day it was detected to see the reporting deadline" if day is None
            else imp.deadline_text(day, serious=bool(self.serious.value),
                                   death=bool(self.death.value),
                                   widespread_or_critical_infra=bool(self.widespread.value)))

    @reports_errors()
    def refresh(self, select: str = "") -> None:
        """Reload the register; keep (or set) the selected incident."""
        frame = imp.incidents_frame(self.store, today=self.today)
        self.frame = frame

        def due(row: Any) -> str:
            if row["report_deadline"] is None or row["report_deadline"] != row["report_deadline"]:
                return "no report due"
            if row["reported_on"] is not None and row["reported_on"] == row["reported_on"]:
                late = " (late)" if row["reported_late"] else ""
                return f"reported {row['reported_on']}{late}"
            if row["overdue"]:
                return f"OVERDUE since {row['report_deadline']}"
            return f"by {row['report_deadline']} ({row['days_left']} days left)"

        shown = frame.assign(report=[due(r) for r in frame.to_dict(orient="records")])
        self._fill(frame, html_table(shown, {
            "id": "Id", "system_id": "AI system", "severity": "Severity", "status": "Status",
            "report": "Report", "title": "Title"}, empty="No AI incident recorded."), select)

    def _show(self) -> None:
        if not self.selected:
            self.detail.value = ""
            return
        inc = self.store.get("incident", self.selected).record
        deadline = imp.deadline_text(inc.aware_on or inc.detected_on, serious=inc.serious,
                                     death=inc.death, widespread_or_critical_infra=(
                                         inc.widespread_or_critical_infra))
        rows = [("Status", inc.status.value), ("Detected", str(inc.detected_on)),
                ("Aware", str(inc.aware_on) if inc.aware_on else ""),
                ("Deadline", deadline), ("What happened", inc.description),
                ("Harm", inc.harm), ("Affected", inc.affected_persons),
                ("Reported", f"{inc.reported_on} to {inc.reported_to}"
                 if inc.reported_on else ""),
                ("Nonconformity", inc.nonconformity_id or ""),
                ("Risks", ", ".join(inc.risk_ids)), ("Closure", inc.closure_note)]
        body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows if v)
        self.detail.value = f"<b>{esc(inc.id)}</b>: {esc(inc.title)}<table>{body}</table>"

    def _done(self, incident_id: str, what: str) -> None:
        self.refresh(select=incident_id)
        self.status.show(f"saved: {incident_id} {what}", "ok")

    @reports_errors()
    def open_new(self) -> None:
        """Open an incident from the form, as the acting user."""
        saved = imp.open_incident(
            self.store, system_id=self.system.value or "", title=self.title.value,
            description=self.description.value, detected_on=self.detected_on.value,
            aware_on=self.aware_on.value, severity=self.severity.value,
            serious=bool(self.serious.value), death=bool(self.death.value),
            widespread_or_critical_infra=bool(self.widespread.value), harm=self.harm.value,
            affected_persons=self.affected.value, source=self.source.value,
            complaint_ref=self.complaint_ref.value.strip())
        # the whole form starts again: a tick left from this incident must not carry over
        # to the next one (a serious incident's 2- or 10-day deadline)
        for box in (self.title, self.description, self.harm, self.affected,
                    self.complaint_ref):
            box.value = ""
        for tick in (self.serious, self.death, self.widespread):
            tick.value = False
        self.severity.value, self.source.value = "medium", "other"
        self.detected_on.value, self.aware_on.value = self.store.now().date(), None
        inc = saved.record
        self._done(saved.record_id, "opened: " + imp.deadline_text(
            inc.aware_on or inc.detected_on, serious=inc.serious, death=inc.death,
            widespread_or_critical_infra=inc.widespread_or_critical_infra))

    def _chosen(self) -> str:
        if not self.selected:
            raise imp_errors.ValidationError("choose an incident first")
        return self.selected

    @reports_errors()
    def report(self) -> None:
        """Record that the selected incident was reported (when, to whom)."""
        incident_id = self._chosen()
        imp.report_incident(self.store, incident_id, reported_to=self.reported_to.value,
                            reported_on=self.reported_on.value)
        self._done(incident_id, f"reported to {self.reported_to.value.strip()}")

    @reports_errors()
    def link(self) -> None:
        """Link the selected incident to the nonconformity it raised."""
        incident_id = self._chosen()
        nc = self.nc_id.value.strip()
        if nc and not self.store.exists("nonconformity", nc):
            raise imp_errors.NotFoundError(f"no nonconformity {nc!r}; raise it first (the "
                                           "nonconformity tracker) or check its id")
        imp.link_incident(self.store, incident_id, nonconformity_id=nc or None)
        self._done(incident_id, f"linked to {nc}")

    @reports_errors()
    def close_incident(self) -> None:
        """Close the selected incident with a note of how it was resolved (the widget's own
        ``close`` is ipywidgets' and removes the widget)."""
        incident_id = self._chosen()
        imp.close_incident(self.store, incident_id, note=self.closure.value)
        self.closure.value = ""
        self._done(incident_id, "closed")
