"""Edit the Statement of Applicability: the 38 Annex A controls in a table, applicability,
justification, implementation and owner edited inline, validated by the library (errors on
the row they concern), with the risks each control treats and its evidence beside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from workbench import readiness as rd
from workbench.errors import ConflictError, ValidationError
from workbench.render import STATUS_COLOURS, badge, esc
from workbench.widgets._common import (
    OverwriteButton,
    StatusLine,
    message_html,
    reports_errors,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.readiness.model import StatementOfApplicability
    from workbench.store import Store, StoredVersion

__all__ = ["SoAEditor"]

_APPLICABLE = [("to decide", ""), ("yes: included", "yes"), ("no: excluded", "no")]
_IMPLEMENTATION = [("—", ""), ("planned", "planned"), ("partial", "partial"),
                   ("implemented", "implemented")]
_ALL = ""


class _Row:
    """The editors of one control's entry, and where its errors show."""

    def __init__(self, control_id: str, title: str, people: Sequence[tuple[str, str]]) -> None:
        self.control_id = control_id
        self.label = W.HTML(f"<b>{esc(control_id)}</b><br><span style='font-size:0.85em'>"
                            f"{esc(title)}</span>", layout=W.Layout(width="190px"))
        self.applicable = W.Dropdown(options=_APPLICABLE, value="",
                                     layout=W.Layout(width="130px"))
        self.justification = W.Textarea(rows=2, placeholder="why included or excluded "
                                        "(required either way)", layout=W.Layout(width="320px"))
        self.implementation = W.Dropdown(options=_IMPLEMENTATION, value="",
                                         layout=W.Layout(width="120px"))
        self.owner = W.Dropdown(options=[("—", ""), *people], value="",
                                layout=W.Layout(width="150px"))
        self.links = W.HTML(layout=W.Layout(width="260px"))
        self.error = W.HTML()
        self.evidence_ids: list[str] = []
        self.notes = ""
        self.applicable.observe(self._applicable_changed, names="value")
        self.box = W.VBox([W.HBox([self.label, self.applicable, self.justification,
                                   self.implementation, self.owner, self.links]), self.error],
                          layout=W.Layout(border_bottom="1px solid #eaeef2"))

    def _applicable_changed(self, change: dict[str, Any]) -> None:
        excluded = change["new"] == "no"
        if excluded:
            self.implementation.value = ""
        self.implementation.disabled = excluded

    def set(self, entry: Any) -> None:
        self.applicable.value = {True: "yes", False: "no", None: ""}[entry.applicable]
        self.justification.value = entry.justification
        self.implementation.value = entry.implementation.value if entry.implementation else ""
        owners = {value for _, value in self.owner.options}
        self.owner.value = entry.owner if entry.owner in owners else ""
        self.evidence_ids = list(entry.evidence_ids)
        self.notes = entry.notes
        self.error.value = ""

    def entry(self) -> dict[str, Any]:
        return {"control_id": self.control_id,
                "applicable": {"yes": True, "no": False, "": None}[self.applicable.value],
                "justification": self.justification.value.strip(),
                "implementation": self.implementation.value or None,
                "owner": self.owner.value or None, "evidence_ids": list(self.evidence_ids),
                "notes": self.notes}

    def show_links(self, risks: Sequence[str], evidence: Sequence[str],
                   expired: Sequence[str]) -> None:
        parts = []
        if risks:
            parts.append("<b>Risks</b> " + ", ".join(esc(r) for r in risks))
        if evidence:
            parts.append("<b>Evidence</b> " + ", ".join(esc(e) for e in evidence))
        parts += [badge(f"expired: {e}", STATUS_COLOURS["expired"]) for e in expired]
        self.links.value = ("<div style='font-size:0.85em'>" + "<br>".join(parts) + "</div>"
                            if parts else "<span style='color:#57606a'>no risk, no evidence"
                            "</span>")


class SoAEditor(W.VBox):
    """The Statement of Applicability as an editable table of the 38 Annex A controls.

    Parameters
    ----------
    store
        The workbench store.
    soa_id
        The SoA record (default ``"soa"``). When none is saved yet, the editor opens a draft
        from the risk register (not saved until *Save*).
    on_saved
        Called with the saved version.

    Notes
    -----
    Buttons call :meth:`save`, :meth:`submit`, :meth:`draft` and :meth:`reload`; tests call
    them directly. Validation errors show on the row of the control they concern; a save
    based on an outdated version keeps the person's input and says who changed it.
    """

    def __init__(self, store: Store, *, soa_id: str = rd.SOA_ID,
                 today: dt.date | None = None,
                 on_saved: Callable[[StoredVersion], Any] | None = None) -> None:
        from workbench import catalog

        self.store = store
        self.soa_id = soa_id
        self.today = today
        self.on_saved = on_saved
        self.base_version: int | None = None
        self.record: StatementOfApplicability | None = None
        self.status = StatusLine()
        self.error_details = W.Output()
        self.banner = W.HTML()
        people = store.frame("person", meta=False)
        self.people = sorted((f"{n} ({i})", i) for i, n in
                             zip(people["id"], people["name"], strict=True))
        controls = catalog.controls()
        self.rows: dict[str, _Row] = {
            cid: _Row(cid, title, self.people)
            for cid, title in zip(controls["id"], controls["title"], strict=True)}
        self.objective_of = dict(zip(controls["id"], controls["objective_id"], strict=True))
        self.filter = W.Dropdown(
            description="Objective", value=_ALL, layout=W.Layout(width="420px"),
            options=[("All 38 controls", _ALL), *dict.fromkeys(
                (f"{o} {t}", o) for o, t in zip(controls["objective_id"],
                                                controls["objective_title"], strict=True))])
        self.filter.observe(lambda _: self._apply_filter(), names="value")
        self.owner = W.Dropdown(description="Maintained by", options=self.people,
                                layout=W.Layout(width="420px"),
                                style={"description_width": "initial"})
        self.reason = W.Text(placeholder="why (kept in the audit trail)", description="Reason",
                             layout=W.Layout(width="520px"))
        buttons = {"save": ("Save", "save", "primary"), "submit": ("Submit for sign-off",
                                                                  "check", ""),
                   "draft": ("Draft undecided from the register", "magic", ""),
                   "reload": ("Discard and reload", "undo", "")}
        self.buttons = {}
        for name, (text, icon, style) in buttons.items():
            button = W.Button(description=text, icon=icon, button_style=style,
                              layout=W.Layout(width="auto"))
            button.on_click(lambda _, n=name: getattr(self, n)())
            self.buttons[name] = button
        header = W.HTML("<div style='font-size:0.85em;color:#57606a'>Control · Applicable · "
                        "Justification · Implementation · Owner · Risks treated and evidence"
                        "</div>")
        self.table = W.VBox([row.box for row in self.rows.values()])
        self.overwrite = OverwriteButton(self._save_over)
        super().__init__([self.banner, W.HBox([self.owner, self.filter]), header, self.table,
                          self.reason, W.HBox([*self.buttons.values(), self.overwrite]),
                          self.status,
                          self.error_details])
        self.reload()

    # -- loading --------------------------------------------------------------------------------
    @reports_errors()
    def reload(self) -> None:
        """Show the current SoA (or, when none is saved, a draft from the risk register)."""
        if hasattr(self, "overwrite"):
            self.overwrite.hide()
        found = self.store.find("soa", self.soa_id)
        if found is None:
            self.record = rd.draft_soa(self.store, soa_id=self.soa_id, today=self.today)
            self.base_version = None
            note = ("No Statement of Applicability saved yet: this is a draft from the risk "
                    "register. Decide and justify every control, then save.")
        else:
            self.record = found.record
            self.base_version = found.version
            note = f"Editing version {found.version} ({found.describe()})."
        for entry in self.record.entries:
            self.rows[entry.control_id].set(entry)
        if self.record.owner in {value for _, value in self.owner.options}:
            self.owner.value = self.record.owner
        self._show_links()
        self._show_banner()
        self.status.show(note, "info")

    def _show_links(self) -> None:
        from workbench import risk

        used = rd.risks_by_control(risk.register(self.store, as_of=self.today))
        ev = self.store.frame("evidence", meta=False)
        today = (self.today or dt.date.today()).isoformat()
        expires = dict(zip(ev["id"], ev["expires_at"], strict=True))
        tagged = ev[["id", "control_ids"]].explode("control_ids").dropna(subset=["control_ids"])
        by_control = tagged.groupby("control_ids")["id"].agg(set).to_dict()
        for cid, row in self.rows.items():
            ids = sorted(by_control.get(cid, set()) | {e for e in row.evidence_ids
                                                       if e in expires})
            old = [i for i in ids if isinstance(expires[i], str) and expires[i] < today]
            row.show_links([r for r, _ in used.get(cid, [])],
                           [i for i in ids if i not in old],
                           [f"{i} ({expires[i]})" for i in old])

    def _show_banner(self) -> None:
        if self.base_version is None:
            self.banner.value = message_html("Not saved yet.", "warning")
            return
        _, info = rd.soa_version(self.store, soa_id=self.soa_id, which="current")
        level = "ok" if info["state"] == "approved" else "warning"
        self.banner.value = message_html(
            f"Sign-off: {info['state'].replace('_', ' ')}. {info['banner']}", level)

    def _apply_filter(self) -> None:
        wanted = self.filter.value
        for cid, row in self.rows.items():
            row.box.layout.display = "" if not wanted or self.objective_of[cid] == wanted \
                else "none"

    # -- values and errors ----------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The SoA as entered (not validated)."""
        assert self.record is not None
        data = self.record.model_dump()
        data["entries"] = [row.entry() for row in self.rows.values()]
        data["owner"] = self.owner.value or data["owner"]
        return data

    def clear_errors(self) -> None:
        for row in self.rows.values():
            row.error.value = ""

    def show_errors(self, errors: Sequence[tuple[str, str]]) -> list[str]:
        """Show ``entries.<i>.<field>`` errors on their rows; returns the other messages."""
        self.clear_errors()
        ids = list(self.rows)
        per_row: dict[str, list[str]] = {}
        loose = []
        for path, message in errors:
            parts = path.split(".")
            if parts[0] == "entries" and len(parts) > 1 and parts[1].isdigit() \
                    and int(parts[1]) < len(ids):
                per_row.setdefault(ids[int(parts[1])], []).append(message)
            else:
                loose.append(f"{path}: {message}")
        for cid, messages in per_row.items():
            self.rows[cid].error.value = message_html("; ".join(messages), "error")
            self.filter.value = _ALL  # make sure the row with the error is visible
        return loose

    # -- actions --------------------------------------------------------------------------------
    def _save(self, data: dict[str, Any], reason: str) -> StoredVersion | None:
        try:
            saved = rd.save_soa(self.store, data, base_version=self.base_version,
                                reason=self.reason.value.strip() or reason)
        except ValidationError as exc:
            loose = self.show_errors(exc.errors)
            count = len(exc.errors) or 1
            extra = f" {'; '.join(loose)}" if loose else ""
            self.status.show(f"Not saved: {count} problem{'s' if count > 1 else ''} to fix "
                             f"(shown on the controls' rows).{extra}", "error")
            return None
        except ConflictError as exc:
            self.status.show(f"{exc} Your edits are still here.{self.overwrite.offer(exc)}",
                             "error")
            return None
        self.overwrite.hide()
        self.clear_errors()
        unchanged = saved.version == self.base_version
        self.base_version = saved.version
        self.record = saved.record
        self.reason.value = ""
        self._show_banner()
        self.status.show(f"No changes to save (version {saved.version})." if unchanged else
                         f"Saved version {saved.version} of the Statement of Applicability.",
                         "info" if unchanged else "ok")
        if self.on_saved is not None and not unchanged:
            self.on_saved(saved)
        return saved

    @reports_errors()
    def _save_over(self, latest: int) -> StoredVersion | None:
        """Save what is entered over the newer version a conflict named."""
        self.base_version = latest
        return self._save(self.values(), "Statement of Applicability edited over version "
                          f"{latest}")

    @reports_errors()
    def save(self) -> StoredVersion | None:
        """Validate and save what is entered (the SoA keeps its draft/submitted status)."""
        return self._save(self.values(), "Statement of Applicability edited")

    @reports_errors()
    def submit(self) -> StoredVersion | None:
        """Save as submitted: every control decided and justified; then request sign-off
        (``workbench signoff request soa soa``)."""
        data = {**self.values(), "status": "submitted"}
        saved = self._save(data, "submitted for sign-off")
        if saved is not None:
            self.status.show(f"Submitted version {saved.version}; request its sign-off (AI "
                             "governance lead and an executive).", "ok")
        return saved

    @reports_errors()
    def draft(self) -> None:
        """Fill the undecided rows from the risk register (decided rows are kept)."""
        drafted = rd.draft_soa(self.store, soa_id=self.soa_id, today=self.today)
        filled = []
        for entry in drafted.entries:
            row = self.rows[entry.control_id]
            if row.applicable.value == "" and entry.applicable is not None:
                row.set(entry)
                filled.append(entry.control_id)
        undecided = [cid for cid, row in self.rows.items() if row.applicable.value == ""]
        self.status.show(f"Drafted {len(filled)} controls from the risk register"
                         + (f": {', '.join(filled)}" if filled else "")
                         + f". {len(undecided)} still to decide (not saved yet).", "info")

    def table_frame(self) -> pd.DataFrame:
        """The entries as shown (for tests and export): control, applicable, implementation."""
        import pandas as pd

        return pd.DataFrame([row.entry() for row in self.rows.values()])
