"""Add and edit risks: every field validated by the library, errors beside the fields, saves
with the store's conflict handling (a stale edit keeps the person's input)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from workbench import oversight
from workbench import risk as wr
from workbench.errors import ConflictError, ValidationError
from workbench.identity import current_user
from workbench.render import esc
from workbench.risk.model import Acceptance, Action, Risk
from workbench.widgets._common import StatusLine, message_html, reports_errors
from workbench.widgets._form import ModelForm
from workbench.widgets.signoff import SignOffPanel

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store, StoredVersion

__all__ = ["RiskRegisterEditor"]

#: The risk's simple fields, edited by the model form (actions and acceptance have editors).
FORM_FIELDS = ["id", "system_id", "title", "description", "risk_source", "objective",
               "inherent_likelihood", "inherent_consequence", "treatment", "controls",
               "residual_likelihood", "residual_consequence", "owner", "status",
               "identified_on", "next_review"]
_NEW = ""


def _reset(form: ModelForm, data: dict[str, Any]) -> None:
    """Set every field of ``form`` from ``data``; a missing choice becomes "no selection"."""
    for name, field in form.fields.items():
        value = data.get(name)
        if value is None and field.kind == "choice":
            field.widget.value = "" if field.optional else None
        else:
            field.set(value)
    form.clear_errors()


class ActionsEditor(W.VBox):
    """A list of treatment actions, one small model form per action."""

    def __init__(self, people: Sequence[tuple[str, str]]) -> None:
        self.people = list(people)
        self.rows: list[ModelForm] = []
        self.error = W.HTML()
        self.add_button = W.Button(description="Add action", icon="plus")
        self.add_button.on_click(lambda _: self.add())
        self._list = W.VBox()
        super().__init__([W.HTML("<b>Actions</b>"), self._list, self.add_button, self.error])

    def add(self, values: dict[str, Any] | Action | None = None) -> ModelForm:
        form = ModelForm(Action, choices={"owner": self.people}, values=values,
                         labels={"done_on": "Done on"})
        self.rows.append(form)
        self._render()
        return form

    def remove(self, index: int) -> None:
        del self.rows[index]
        self._render()

    def _render(self) -> None:
        boxes = []
        for i, form in enumerate(self.rows):
            button = W.Button(description=f"Remove action {i + 1}", icon="trash",
                              layout=W.Layout(width="180px"))
            button.on_click(lambda _, i=i: self.remove(i))
            boxes.append(W.VBox([W.HTML(f"<i>Action {i + 1}</i>"), form, button],
                                layout=W.Layout(border="1px solid #d0d7de", padding="4px",
                                                margin="2px 0")))
        self._list.children = boxes

    def set(self, actions: Sequence[Action | dict[str, Any]]) -> None:
        self.rows = []
        for action in actions:
            self.rows.append(ModelForm(Action, choices={"owner": self.people}, values=action,
                                       labels={"done_on": "Done on"}))
        self._render()

    def values(self) -> list[dict[str, Any]]:
        return [form.values() for form in self.rows]

    def clear_errors(self) -> None:
        self.error.value = ""
        for form in self.rows:
            form.clear_errors()

    def show_errors(self, errors: Sequence[tuple[str, str]]) -> None:
        """``errors`` paths relative to ``actions`` (``"0.due"``, ``""``)."""
        per_row: dict[int, list[tuple[str, str]]] = {}
        loose = []
        for path, message in errors:
            head, _, rest = path.partition(".")
            if head.isdigit() and int(head) < len(self.rows):
                per_row.setdefault(int(head), []).append((rest or "(record)", message))
            else:
                loose.append(message)
        for index, row_errors in per_row.items():
            self.rows[index].show_errors(row_errors)
        self.error.value = message_html("; ".join(loose), "error") if loose else ""


class RiskRegisterEditor(W.VBox):
    """Add a risk or edit one, validated by :func:`workbench.risk.save_risk`.

    Parameters
    ----------
    store
        The workbench store.
    risk_id
        Open this risk for editing (default: a new risk).
    system_id
        The AI system a new risk belongs to.
    on_saved
        Called with the saved :class:`~workbench.store.StoredVersion` (e.g. to refresh a
        :class:`RiskHeatmap`).

    Notes
    -----
    The sign-off line shows the approval state of the risk as saved (a residual risk above
    the appetite needs its risk owner's sign-off): approved with who and when, pending with
    whom, or stale with what changed since. "Request sign-off" is enabled when the user may
    request it (the reason shows otherwise); "Sign-off…" opens a :class:`SignOffPanel`.
    """

    def __init__(self, store: Store, *, risk_id: str | None = None,
                 system_id: str | None = None,
                 on_saved: Callable[[StoredVersion], Any] | None = None) -> None:
        from workbench import catalog

        self.store = store
        self.on_saved = on_saved
        #: Who acts: every save and request made here is theirs (never chosen by a caller).
        self.user = current_user(store)
        #: The sign-off of the risk as saved (None for a new risk) and its register state.
        self.signoff: oversight.SignOffStatus | None = None
        self.signoff_state = ""
        self.signoff_panel: SignOffPanel | None = None
        self.signoff_line = W.HTML()
        self.signoff_reason = W.HTML()
        self.request_signoff_button = W.Button(description="Request sign-off",
                                               icon="paper-plane")
        self.open_signoff_button = W.Button(description="Sign-off…", icon="check-square",
                                            tooltip="review and decide on the sign-off")
        self.signoff_area = W.VBox()
        self.request_signoff_button.on_click(lambda _: self.request_signoff())
        self.open_signoff_button.on_click(lambda _: self.open_signoff())
        self.criteria = wr.criteria_in_force(store)
        self.base_version: int | None = None
        self.conflict: ConflictError | None = None
        self.default_system = system_id or ""
        self.status = StatusLine()
        self.error_details = W.Output()
        people_frame = store.frame("person", meta=False)
        self.people = sorted((f"{n} ({i})", i) for i, n in
                             zip(people_frame["id"], people_frame["name"], strict=True))
        systems = store.frame("ai_system", meta=False)
        self.system_owner = dict(zip(systems["id"], systems["owner"], strict=True))
        levels = {axis: [(f"{s.level} {s.label}", s.level) for s in getattr(self.criteria, axis)]
                  for axis in ("likelihood", "consequence")}
        controls = catalog.controls()
        choices: dict[str, Any] = {
            "system_id": sorted((f"{n} ({i})", i) for i, n in
                                zip(systems["id"], systems["name"], strict=True)),
            "risk_source": list(zip(catalog.annex_c_risk_sources()["name"],
                                    catalog.annex_c_risk_sources()["id"], strict=True)),
            "objective": list(zip(catalog.annex_c_objectives()["name"],
                                  catalog.annex_c_objectives()["id"], strict=True)),
            "controls": [(f"{i} {t}", i) for i, t in
                         zip(controls["id"], controls["title"], strict=True)],
            "owner": self.people,
            "inherent_likelihood": levels["likelihood"],
            "residual_likelihood": levels["likelihood"],
            "inherent_consequence": levels["consequence"],
            "residual_consequence": levels["consequence"],
        }
        self.form = ModelForm(
            Risk, fields=FORM_FIELDS, choices=choices, textareas=["description"],
            labels={"id": "Risk id", "system_id": "AI system", "risk_source":
                    "Risk source (Annex C)", "objective": "Objective (Annex C)",
                    "controls": "Annex A controls"},
            help={"id": "leave empty for a new risk: the next free id is used"})
        self.form.fields["system_id"].widget.observe(self._system_chosen, names="value")
        self.actions = ActionsEditor(self.people)
        self.accepted = W.Checkbox(description="Record an acceptance of the residual risk",
                                   indent=False)
        self.acceptance = ModelForm(Acceptance, choices={"accepted_by": self.people},
                                    textareas=["rationale"])
        self.acceptance.layout.display = "none"
        self.accepted.observe(self._toggle_acceptance, names="value")
        self.picker = W.Dropdown(description="Risk", layout=W.Layout(width="560px"))
        self.reason = W.Text(description="Reason", placeholder="why (kept in the audit trail)",
                             layout=W.Layout(width="560px"))
        self.save_button = W.Button(description="Save", button_style="primary", icon="save")
        self.overwrite_button = W.Button(description="Save over their version",
                                         button_style="warning",
                                         layout=W.Layout(display="none"))
        self.new_button = W.Button(description="New risk", icon="plus")
        self.reload_button = W.Button(description="Discard and reload", icon="undo")
        self.save_button.on_click(self._on_save)
        self.overwrite_button.on_click(self._on_overwrite)
        self.new_button.on_click(lambda _: self.new())
        self.reload_button.on_click(self._on_reload)
        self._refresh_picker()
        self.picker.observe(self._on_pick, names="value")
        super().__init__([
            self.picker, self.form, self.actions, self.accepted, self.acceptance, self.reason,
            W.HBox([self.save_button, self.overwrite_button, self.new_button,
                    self.reload_button]),
            self.status, self.signoff_line,
            W.HBox([self.request_signoff_button, self.open_signoff_button]),
            self.signoff_reason, self.signoff_area, self.error_details,
        ])
        self.add_class("wb-risk-editor")
        if risk_id:
            self.load(risk_id)
        else:
            self.new(system_id)

    # -- loading --------------------------------------------------------------------------------
    def _refresh_picker(self, selected: str = _NEW) -> None:
        frame = self.store.frame("risk", meta=False)
        options = [("New risk", _NEW)] + [(f"{i}: {t}", i) for i, t in
                                          zip(frame["id"], frame["title"], strict=True)]
        self._picking = True
        try:
            self.picker.options = options
            self.picker.value = selected if selected in dict(options).values() else _NEW
        finally:
            self._picking = False

    def _unsaved(self) -> list[str]:
        """The fields edited since the risk was shown (empty when nothing was)."""
        shown = getattr(self, "_shown", None)
        if shown is None:
            return []
        now = self.values()
        return [k for k in dict.fromkeys([*shown, *now]) if shown.get(k) != now.get(k)]

    def _on_pick(self, change: dict[str, Any]) -> None:
        if getattr(self, "_picking", False):
            return
        edited = self._unsaved()
        if edited:  # never throw typing away silently: stay on this risk and say why
            self._picking = True
            try:
                self.picker.value = change["old"]
            finally:
                self._picking = False
            self.status.show(f"Unsaved changes here ({', '.join(edited)}): save them, or "
                             "click Discard and reload, before choosing another risk.",
                             "warning")
            return
        if change["new"]:
            self.load(change["new"])
        else:
            self.new()

    @reports_errors()
    def load(self, risk_id: str) -> None:
        """Open the latest version of a risk for editing."""
        version = self.store.get(Risk, risk_id)
        self._fill(version.record)
        self.base_version = version.version
        self.form.fields["id"].widget.disabled = True
        self._refresh_picker(risk_id)
        self.status.show(f"Editing risk {risk_id}, {version.describe()}.", "info")
        self._update_signoff(version)

    @reports_errors()
    def new(self, system_id: str | None = None) -> None:
        """Start a new risk (of ``system_id`` when given), with today's dates."""
        system_id = system_id if system_id is not None else self.default_system
        today = dt.date.today()
        values = {
            "id": "", "system_id": system_id or None, "title": "", "description": "",
            "risk_source": None, "objective": None, "inherent_likelihood": None,
            "inherent_consequence": None, "treatment": "modify", "controls": [],
            "residual_likelihood": None, "residual_consequence": None,
            "owner": self.system_owner.get(system_id or "", None), "status": "identified",
            "identified_on": today,
            "next_review": today + dt.timedelta(days=self.criteria.review_interval_days),
            "actions": [], "acceptance": None,
        }
        self._fill(values)
        self.base_version = None
        self.form.fields["id"].widget.disabled = False
        self._refresh_picker(_NEW)
        self.status.show("New risk: fill in the fields and save.", "info")
        self._update_signoff(None)

    def _fill(self, values: Risk | dict[str, Any]) -> None:
        data = values.model_dump() if isinstance(values, Risk) else dict(values)
        _reset(self.form, data)
        self.actions.set(data.get("actions") or [])
        acceptance = data.get("acceptance")
        self.accepted.value = acceptance is not None
        if acceptance is not None:
            self.acceptance.set_values(acceptance)
        self.reason.value = ""
        self._clear_conflict()
        self.clear_errors()
        self._shown = self.values()

    # -- values and errors ----------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """What the person entered, as the dict :func:`save_risk` validates."""
        data = self.form.values()
        data["actions"] = self.actions.values()
        data["acceptance"] = self.acceptance.values() if self.accepted.value else None
        if not data.get("id") and self.base_version is None and data.get("system_id"):
            existing = self.store.frame("risk", meta=False)["id"].astype("str").tolist()
            data["id"] = wr.suggest_risk_id(existing, data["system_id"])
        return data

    def clear_errors(self) -> None:
        self.form.clear_errors()
        self.actions.clear_errors()
        self.acceptance.clear_errors()

    def show_errors(self, errors: Sequence[tuple[str, str]], summary: str = "") -> None:
        """Show each ``(field path, message)`` beside its field."""
        form_errors, action_errors, acceptance_errors = [], [], []
        for path, message in errors:
            head, _, rest = path.partition(".")
            if head == "actions":
                action_errors.append((rest, message))
            elif head == "acceptance":
                acceptance_errors.append((rest or "(record)", message))
            else:
                form_errors.append((path, message))
        self.form.show_errors(form_errors, summary if not errors else "")
        self.actions.show_errors(action_errors)
        if acceptance_errors and not self.accepted.value:
            self.accepted.value = True  # show the acceptance fields the message is about
        self.acceptance.show_errors(acceptance_errors)

    def _system_chosen(self, change: dict[str, Any]) -> None:
        """A new risk's owner defaults to the system's owner."""
        owner = self.form.fields["owner"]
        if self.base_version is None and not owner.widget.value and change["new"]:
            owner.set(self.system_owner.get(change["new"]))

    def _toggle_acceptance(self, change: dict[str, Any]) -> None:
        self.acceptance.layout.display = "" if change["new"] else "none"
        if change["new"] and self.acceptance.values().get("accepted_on") is None:
            self.acceptance.fields["accepted_on"].set(dt.date.today())

    # -- saving ---------------------------------------------------------------------------------
    @reports_errors()
    def _on_save(self, _: Any = None) -> StoredVersion | None:
        data = self.values()
        try:
            saved = wr.save_risk(self.store, data, base_version=self.base_version,
                                 reason=self.reason.value.strip())
        except ValidationError as exc:
            self.show_errors(exc.errors, str(exc))
            self.status.show(f"Not saved: {len(exc.errors) or 1} problem"
                             f"{'s' if len(exc.errors) > 1 else ''} to fix (shown beside the "
                             "fields).", "error")
            return None
        except ConflictError as exc:
            self._show_conflict(exc, data)
            return None
        self.clear_errors()
        self._clear_conflict()
        unchanged = self.base_version is not None and saved.version == self.base_version
        self.base_version = saved.version
        self.form.fields["id"].set(saved.record_id)
        self.form.fields["id"].widget.disabled = True
        self._refresh_picker(saved.record_id)
        self._fill_saved_defaults(saved)
        self._shown = self.values()  # what is saved is no longer an unsaved change
        self._update_signoff(saved)
        if unchanged:
            self.status.show(f"No changes to save (risk {saved.record_id} is at version "
                             f"{saved.version}).", "info")
        else:
            stale = (" Its approval is now stale: request sign-off again."
                     if self.signoff_state == "stale" else "")
            self.status.show(f"Saved risk {saved.record_id}, {saved.describe()}.{stale}", "ok")
            if self.on_saved is not None:
                self.on_saved(saved)
        return saved

    def _fill_saved_defaults(self, saved: StoredVersion) -> None:
        """Show what the library filled in (e.g. the next review date)."""
        self.form.fields["next_review"].set(saved.content.get("next_review"))

    def _show_conflict(self, exc: ConflictError, mine: dict[str, Any]) -> None:
        """Tell who changed the risk and when; keep every input as it is."""
        self.conflict = exc
        changed = ""
        if exc.record_id and exc.base_version and exc.latest_version:
            base = self.store.get(Risk, exc.record_id, exc.base_version).content
            theirs = self.store.get(Risk, exc.record_id).content
            fields = [k for k in theirs if base.get(k) != theirs.get(k)]
            if fields:
                changed = f" They changed: {', '.join(fields)}."
        if exc.base_version is None:  # a new risk whose id is taken: nothing to save over
            self.status.show(f"{exc} Your input is still in the form.", "error")
        else:
            self.status.show(f"{exc}{changed} Your input is still in the form: compare, then "
                             "save over their version, or discard and reload.", "error")
        if exc.latest_version is not None and exc.base_version is not None:
            self.overwrite_button.description = (f"Save over version {exc.latest_version} "
                                                 "(keep my edits)")
            self.overwrite_button.layout.display = ""

    def _clear_conflict(self) -> None:
        self.conflict = None
        self.overwrite_button.layout.display = "none"

    @reports_errors()
    def _on_overwrite(self, _: Any = None) -> StoredVersion | None:
        """Save the person's input on top of the newer version they were told about."""
        if self.conflict is None or self.conflict.latest_version is None:
            return None
        self.base_version = self.conflict.latest_version
        return self._on_save()

    @reports_errors()
    def _on_reload(self, _: Any = None) -> None:
        risk_id = self.form.values().get("id")
        if self.base_version is not None and risk_id:
            self.load(risk_id)
        else:
            self.new()

    # -- sign-off -------------------------------------------------------------------------------
    def _update_signoff(self, saved: StoredVersion | None, *, refresh_panel: bool = True
                        ) -> None:
        """Show the sign-off state of the saved risk and what the user may do about it."""
        self.signoff = None
        self.signoff_reason.value = ""
        if self.signoff_panel is not None and (
                saved is None or saved.record_id != self.signoff_panel.record_id):
            self.signoff_panel = None
            self.signoff_area.children = []
        if saved is None:
            self.signoff_state = ""
            self.signoff_line.value = message_html("Sign-off: save the risk first.", "info")
            self.request_signoff_button.disabled = self.open_signoff_button.disabled = True
            self.request_signoff_button.tooltip = "save the risk first"
            return
        facts = wr.signoff_facts(self.store, saved)
        st = oversight.status(self.store, "risk", saved.record_id)
        self.signoff = st
        above = bool(facts["above_appetite"])
        self.signoff_state = st.state if above else wr.NOT_REQUIRED
        if not above:
            text = (f"the residual level ({facts['residual_level']}) is within the appetite "
                    f"({facts['appetite']}): no sign-off needed")
        elif st.state == "none":
            text = (f"needed: the residual level ({facts['residual_level']}) is above the "
                    f"appetite ({facts['appetite']}); its risk owner ({facts['owner']}) signs")
        elif st.state == "stale":  # the badge says who approved what and what changed
            text = (f"version {st.approved_version} was approved; version "
                    f"{st.current_version} needs a new sign-off: request it again")
        else:
            text = st.summary()
        badge_html = wr.signoff_html(self.signoff_state, by=", ".join(st.approved_by),
                                     at=st.approved_at, changed=", ".join(st.changed_fields))
        self.signoff_line.value = f"<div><b>Sign-off:</b> {badge_html} {esc(text)}</div>"
        elig = oversight.eligibility(self.store, "risk", saved.record_id)
        self.request_signoff_button.disabled = not (above and elig.can_request)
        self.request_signoff_button.tooltip = "" if elig.can_request else elig.request_reason
        self.open_signoff_button.disabled = not above and st.state == "none"
        if above and not elig.can_request and st.state != "pending" and elig.request_reason:
            self.signoff_reason.value = message_html(
                f"Requesting sign-off: {elig.request_reason}", "warning")
        if self.signoff_panel is not None and refresh_panel:
            self.signoff_panel.refresh()

    def _signoff_changed(self) -> None:
        """After a request, decision or withdrawal in the panel (already refreshed)."""
        if self.signoff_panel is not None:
            self._update_signoff(self.store.get(Risk, self.signoff_panel.record_id),
                                 refresh_panel=False)

    @reports_errors()
    def request_signoff(self) -> None:
        """Request sign-off of the saved version (what "Request sign-off" does)."""
        risk_id = str(self.form.values().get("id") or "")
        if self.base_version is None or not risk_id:
            raise ValidationError("save the risk first: sign-off binds to a saved version")
        req = oversight.request(self.store, "risk", risk_id, version=self.base_version)
        self._update_signoff(self.store.get(Risk, risk_id))
        self.status.show(f"Sign-off of risk {risk_id} version {req.target_version} requested "
                         f"from {', '.join(r.describe() for r in req.required)}.", "ok")

    @reports_errors()
    def open_signoff(self) -> SignOffPanel | None:
        """Open the sign-off panel of the saved risk (what "Sign-off…" does)."""
        risk_id = str(self.form.values().get("id") or "")
        if self.base_version is None or not risk_id:
            raise ValidationError("save the risk first: sign-off binds to a saved version")
        self.signoff_panel = SignOffPanel(self.store, "risk", risk_id,
                                          on_change=self._signoff_changed)
        self.signoff_area.children = [self.signoff_panel]
        return self.signoff_panel

    @property
    def message(self) -> str:
        """The status line's text (for scripts and tests)."""
        return getattr(self.status, "text", "")
