"""Sign-off widgets: the panel where a signer sees what they sign and decides, and their queue.

The rules are the library's (:mod:`workbench.oversight`): buttons are enabled from
:func:`workbench.oversight.eligibility` (with the reason shown when they are not), and every
click calls the same library function the CLI calls, so a refusal shows on the widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from workbench import oversight
from workbench.errors import NotFoundError
from workbench.identity import current_user
from workbench.oversight.policy import label_of
from workbench.oversight.status import in_model_order, readable
from workbench.render import badge, esc, html_table
from workbench.widgets._common import StatusLine, message_html, reports_errors

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["PendingQueue", "SignOffPanel"]

_DECISION_LABELS = {
    "approve": "approved",
    "approve_with_conditions": "approved with conditions",
    "reject": "rejected",
    "request_changes": "requested changes to",
}


def _conditions(text: str) -> list[str]:
    return [line.strip(" -*\t") for line in text.splitlines() if line.strip(" -*\t")]


class SignOffPanel(W.VBox):
    """What is being signed, by whom and in which role, and the decision buttons.

    Parameters
    ----------
    store
        The store.
    kind, record_id
        The record to sign off.
    on_change
        Called with no arguments after a successful request, decision or withdrawal.
    """

    def __init__(self, store: Store, kind: str, record_id: str, *,
                 on_change: Callable[[], Any] | None = None) -> None:
        self.store = store
        self.kind = kind
        self.record_id = record_id
        #: Who acts: every request and decision made here is theirs (never chosen by a caller).
        self.user = current_user(store)
        self.on_change = on_change
        self.eligibility: oversight.Eligibility | None = None
        self.state: oversight.SignOffStatus | None = None
        self.shown_version: int | None = None
        self.reasons: dict[str, str] = {}

        self.header = W.HTML()
        self.signed = W.HTML()
        self.identity = W.HTML()
        self.role = W.Dropdown(description="Sign as", options=[], style={"description_width":
                                                                          "90px"})
        self.comment = W.Textarea(description="Comment", placeholder="required to reject or "
                                  "to request changes", layout=W.Layout(width="95%"),
                                  style={"description_width": "90px"})
        self.conditions = W.Textarea(description="Conditions", placeholder="one condition per "
                                     "line (for an approval with conditions)",
                                     layout=W.Layout(width="95%"),
                                     style={"description_width": "90px"})
        self.approve_button = W.Button(description="Approve", button_style="success",
                                       icon="check")
        self.conditions_button = W.Button(description="Approve with conditions",
                                          layout=W.Layout(width="190px"))
        self.changes_button = W.Button(description="Request changes", button_style="warning")
        self.reject_button = W.Button(description="Reject", button_style="danger", icon="times")
        self.request_button = W.Button(description="Request sign-off", icon="paper-plane")
        self.withdraw_button = W.Button(description="Withdraw request")
        self.reason = W.HTML()
        self.decisions = W.HTML()
        self.status = StatusLine()
        self.error_details = W.Output()

        self.approve_button.on_click(lambda _: self.decide("approve"))
        self.conditions_button.on_click(lambda _: self.decide("approve_with_conditions"))
        self.changes_button.on_click(lambda _: self.decide("request_changes"))
        self.reject_button.on_click(lambda _: self.decide("reject"))
        self.request_button.on_click(lambda _: self.request())
        self.withdraw_button.on_click(lambda _: self.withdraw())
        self.comment.observe(lambda _: self._update_buttons(), names="value")
        self.conditions.observe(lambda _: self._update_buttons(), names="value")

        super().__init__(children=[
            self.header, self.signed, self.identity, self.role, self.comment, self.conditions,
            W.HBox([self.approve_button, self.conditions_button, self.changes_button,
                    self.reject_button]),
            W.HBox([self.request_button, self.withdraw_button]),
            self.reason, self.status, self.decisions, self.error_details])
        self.add_class("wb-signoff-panel")
        self.refresh()

    # -- state ------------------------------------------------------------------------------------
    @reports_errors()
    def refresh(self) -> None:
        """Reload the record's state and what the user may do."""
        self.state = oversight.status(self.store, self.kind, self.record_id)
        self.eligibility = oversight.eligibility(self.store, self.kind, self.record_id)
        self.shown_version = self.state.current_version
        with self.hold_sync():
            self.header.value = self._header_html()
            self.signed.value = self._signed_html()
            self.identity.value = self._identity_html()
            labels = self.eligibility.sign_as_labels
            self.role.options = [(label, name) for name, label in labels.items()]
            self.role.disabled = len(labels) < 2
            self.decisions.value = self._decisions_html()
            self._update_buttons()

    def _update_buttons(self) -> None:
        elig = self.eligibility
        if elig is None:
            return
        comment = self.comment.value.strip()
        conditions = _conditions(self.conditions.value)
        decide_reason = "" if elig.can_decide else elig.decide_reason
        self.reasons = {
            "approve": decide_reason,
            "approve_with_conditions": decide_reason or (
                "" if conditions else "list the conditions (one per line) to approve with "
                "conditions"),
            "request_changes": decide_reason or (
                "" if comment else "write a comment saying what must change"),
            "reject": decide_reason or ("" if comment else "write a comment saying why"),
            "request": "" if elig.can_request else elig.request_reason,
            "withdraw": "" if elig.can_withdraw else elig.withdraw_reason,
        }
        buttons = {"approve": self.approve_button,
                   "approve_with_conditions": self.conditions_button,
                   "request_changes": self.changes_button, "reject": self.reject_button,
                   "request": self.request_button, "withdraw": self.withdraw_button}
        for name, button in buttons.items():
            button.disabled = bool(self.reasons[name])
            button.tooltip = self.reasons[name]
        lines = []
        if decide_reason:
            lines.append(f"Deciding: {decide_reason}")
        elif not comment or not conditions:
            lines.append("Rejecting or requesting changes needs a comment; an approval with "
                         "conditions needs the conditions.")
        if not elig.can_request and elig.request_state not in ("pending",):
            lines.append(f"Requesting: {elig.request_reason}")
        self.reason.value = message_html("\n".join(lines), "info" if not decide_reason
                                         else "warning")

    # -- actions ----------------------------------------------------------------------------------
    @reports_errors()
    def decide(self, decision: str) -> None:
        """Record ``decision`` as the acting user (what a decision button does)."""
        role = self.role.value if self.role.options else None
        signoff = oversight.decide(
            self.store, self.kind, self.record_id, decision, role=role,
            comment=self.comment.value,
            conditions=_conditions(self.conditions.value) or None,
            version=self.shown_version)
        self.comment.value = ""
        self.conditions.value = ""
        self.refresh()
        self.status.show(f"{signoff.signer} {_DECISION_LABELS[signoff.decision.value]} version "
                         f"{signoff.target_version} as {signoff.role}. "
                         f"{self.state.summary() if self.state else ''}", "ok")
        self._changed()

    @reports_errors()
    def request(self) -> None:
        """Request sign-off of the version shown (what "Request sign-off" does)."""
        req = oversight.request(self.store, self.kind, self.record_id,
                                version=self.shown_version, note=self.comment.value)
        self.comment.value = ""
        self.refresh()
        self.status.show(f"sign-off of version {req.target_version} requested from "
                         f"{', '.join(r.describe() for r in req.required)}", "ok")
        self._changed()

    @reports_errors()
    def withdraw(self) -> None:
        """Withdraw the open request (what "Withdraw request" does)."""
        req = oversight.withdraw(self.store, self.kind, self.record_id,
                                 reason=self.comment.value)
        self.comment.value = ""
        self.refresh()
        self.status.show(f"request for version {req.target_version} withdrawn", "ok")
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # -- rendering (every user-supplied value escaped) -------------------------------------------
    def _header_html(self) -> str:
        st = self.state
        assert st is not None
        label = label_of(st.kind)
        return (
            f"<h3 style='margin:4px 0'>{esc(st.title)} "
            f"<span style='color:#57606a;font-weight:normal'>{esc(label)} "
            f"{esc(st.record_id)} · version {st.current_version}</span></h3>"
            f"<div>{badge(st.state.replace('_', ' '))} {esc(st.summary())}</div>"
            f"<div style='font-family:monospace;font-size:0.85em;color:#57606a'>content hash "
            f"{esc(st.current_hash)}</div>")

    def _signed_html(self) -> str:
        st = self.state
        assert st is not None
        current = self.store.get(st.kind, st.record_id)
        if st.approved_version is not None and st.approved_version != st.current_version:
            before = self.store.get(st.kind, st.record_id, st.approved_version).content
            changes = oversight.diff_content(before, current.content, kind=st.kind)
            title = (f"What changed since approved version {st.approved_version} "
                     f"({len(changes)} change{'s' if len(changes) != 1 else ''})")
            table = html_table([c.model_dump() for c in changes],
                               {"field": "field", "before": f"version {st.approved_version}",
                                "after": f"version {st.current_version}"},
                               empty="No field changed (identical content).")
        else:
            title = ("The full record (version "
                     f"{st.current_version}{', approved' if st.state == 'approved' else ''})")
            rows = [{"field": k, "value": readable(v)}
                    for k, v in in_model_order(st.kind, current.content).items()]
            table = html_table(rows, ["field", "value"])
        return f"<h4 style='margin:8px 0 4px'>{esc(title)}</h4>{table}"

    def _identity_html(self) -> str:
        elig = self.eligibility
        assert elig is not None
        who = f"{elig.name} ({elig.user})" if elig.name else elig.user
        roles = ", ".join(r.replace("_", " ") for r in elig.user_roles) or "no roles"
        signs = ", ".join(elig.sign_as_labels.values()) or "—"
        needed = ", ".join(
            f"{r['label']}{' ' + r['person'] if r.get('person') else ''}"
            for r in elig.required) or "—"
        return (f"<div><b>Signer:</b> {esc(who)} · <b>roles:</b> {esc(roles)} · "
                f"<b>may sign as:</b> {esc(signs)}</div>"
                f"<div><b>This sign-off needs:</b> {esc(needed)}</div>")

    def _decisions_html(self) -> str:
        st = self.state
        assert st is not None
        if not st.decisions:
            return ""
        rows = [{"when": f"{d.when:%Y-%m-%d %H:%M}", "who": d.who, "as": d.role,
                 "decision": d.decision.value.replace("_", " "), "version": d.version,
                 "comment": d.comment, "conditions": "; ".join(d.conditions)}
                for d in st.decisions]
        return "<h4 style='margin:8px 0 4px'>Decisions</h4>" + html_table(rows)


class PendingQueue(W.VBox):
    """The sign-offs awaiting a user, and a panel to decide on the one selected.

    Parameters
    ----------
    store
        The store.
    user
        Whose queue to show (default: the acting user). Every decision taken in the panel is
        the acting user's own, whatever queue is shown.
    """

    def __init__(self, store: Store, *, user: str | None = None) -> None:
        self.store = store
        self.user = (user or current_user(store)).strip().lower()
        self.frame = oversight.pending(store, self.user)
        self.table = W.HTML()
        self.choice = W.Dropdown(description="Open", options=[],
                                 layout=W.Layout(width="70%"))
        self.open_button = W.Button(description="Review", icon="search")
        self.refresh_button = W.Button(description="Refresh", icon="refresh")
        self.panel_area = W.VBox()
        self.panel: SignOffPanel | None = None
        self.status = StatusLine()
        self.error_details = W.Output()
        self.open_button.on_click(lambda _: self.review())
        self.refresh_button.on_click(lambda _: self.refresh())
        super().__init__(children=[
            self.table, W.HBox([self.choice, self.open_button, self.refresh_button]),
            self.status, self.panel_area, self.error_details])
        self.add_class("wb-pending-queue")
        self.refresh()

    @reports_errors()
    def refresh(self) -> None:
        """Reload the queue."""
        self.frame = oversight.pending(self.store, self.user)
        shown = self.frame.assign(requested_on=self.frame["requested_at"].astype(str).str[:10])
        self.table.value = (
            f"<h4 style='margin:4px 0'>Awaiting sign-off by {esc(self.user)} "
            f"({len(self.frame)})</h4>"
            + html_table(shown, {"kind": "kind", "record_id": "id", "title": "title",
                                 "version": "version", "sign_as": "sign as",
                                 "requested_by": "requested by",
                                 "requested_on": "requested on", "note": "note"},
                         empty=f"Nothing awaits {self.user}'s sign-off."))
        self.choice.options = [(f"{r.kind} {r.record_id} v{r.version} — {r.title}", i)
                               for i, r in enumerate(self.frame.itertuples())]
        self.choice.value = 0 if len(self.frame) else None
        self.open_button.disabled = self.frame.empty
        if self.frame.empty:
            self.status.show(f"nothing awaits {self.user}'s sign-off", "info")
        else:
            self.status.clear()

    @reports_errors()
    def review(self, kind: str | None = None, record_id: str | None = None) -> SignOffPanel:
        """Show the sign-off panel of the selected request (or of ``kind``/``record_id``).

        (Not named ``open``: that is the ipywidgets method that connects a widget to its
        front-end, and overriding it leaves the queue without a model in the browser.)"""
        if kind is None or record_id is None:
            if self.choice.value is None:
                raise NotFoundError("nothing selected: the queue is empty")
            row = self.frame.iloc[int(self.choice.value)]
            kind, record_id = str(row["kind"]), str(row["record_id"])
        self.panel = SignOffPanel(self.store, kind, record_id, on_change=self.refresh)
        self.panel_area.children = [self.panel]
        return self.panel
