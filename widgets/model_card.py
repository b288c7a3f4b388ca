"""Edit a model card: what the records fill is shown, what people write is edited here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from workbench.errors import ConflictError, ValidationError
from workbench.widgets._common import (
    OverwriteButton,
    StatusLine,
    message_html,
    reports_errors,
)
from workbench.widgets._form import ModelForm

if TYPE_CHECKING:  # pragma: no cover
    from workbench.explain.card import CardState
    from workbench.store import Store, StoredVersion

__all__ = ["ModelCardEditor"]


class ModelCardEditor(W.VBox):
    """The model card of one AI system: its state and filled parts, and a form for the
    written parts (accuracy statement, oversight measures, lifetime, maintenance, logging...).

    Parameters
    ----------
    store
        The workbench store.
    system_id
        The AI system; when it has no card yet, *Fill from the records* creates one.
    on_saved
        Called with each saved version.

    Notes
    -----
    Buttons call :meth:`refill`, :meth:`save`, :meth:`submit`, :meth:`request_signoff` and
    :meth:`reload`; tests call them directly. Validation errors show beside their fields; a
    save based on an outdated version keeps what was typed and says who changed the card.
    """

    def __init__(self, store: Store, system_id: str, *,
                 on_saved: Callable[[StoredVersion], Any] | None = None) -> None:
        from workbench.explain.model import ModelCard, written_fields

        store.get("ai_system", system_id)  # NotFoundError for an unknown system
        self.store = store
        self.system_id = system_id
        self.on_saved = on_saved
        self.base_version: int | None = None
        self.state: CardState | None = None
        self.status = StatusLine()
        self.error_details = W.Output()
        self.banner = W.HTML()
        self.filled = W.HTML()
        textareas = written_fields()
        self.form = ModelForm(ModelCard, fields=textareas, textareas=textareas)
        self.reason = W.Text(placeholder="why (kept in the audit trail)", description="Reason",
                             layout=W.Layout(width="520px"))
        specs = {"refill": ("Fill from the records", "refresh", ""),
                 "save": ("Save draft", "save", "primary"),
                 "submit": ("Submit", "check", ""),
                 "request_signoff": ("Request sign-off", "paper-plane", ""),
                 "reload": ("Discard and reload", "undo", "")}
        self.buttons: dict[str, W.Button] = {}
        for name, (text, icon, style) in specs.items():
            button = W.Button(description=text, icon=icon, button_style=style,
                              layout=W.Layout(width="auto"))
            button.on_click(lambda _, n=name: getattr(self, n)())
            self.buttons[name] = button
        self.overwrite = OverwriteButton(self._save_over)
        self.filled_box = W.Accordion(children=[self.filled], titles=("Filled from the records",))
        super().__init__([self.banner, self.filled_box,
                          W.HTML("<b>Written parts</b> (a refill keeps them)"), self.form,
                          self.reason, W.HBox([*self.buttons.values(), self.overwrite]),
                          self.status,
                          self.error_details])
        self.add_class("wb-model-card-editor")
        self.reload()

    # -- loading ---------------------------------------------------------------------------------
    @reports_errors()
    def reload(self) -> None:
        """Show the current card (discarding unsaved edits)."""
        from workbench.explain.card import card_state
        from workbench.explain.card_views import card_html, state_html

        if hasattr(self, "overwrite"):
            self.overwrite.hide()
        self.state = card_state(self.store, self.system_id)
        if self.state.stored is None:
            self.base_version = None
            self.banner.value = message_html(
                f"No model card for {self.system_id} yet: fill it from the records.", "warning")
            self.filled.value = ""
            self.form.set_values({})
            self._enable(False)
            return
        self.base_version = self.state.stored.version
        self.form.set_values(self.state.stored.content)
        self.banner.value = state_html(self.state)
        self.filled.value = card_html(self.state.stored.content)
        self._enable(True)
        self.status.show(f"Editing version {self.base_version} "
                         f"({self.state.stored.describe()}).", "info")

    def _enable(self, has_card: bool) -> None:
        for name in ("save", "submit", "request_signoff"):
            self.buttons[name].disabled = not has_card

    def values(self) -> dict[str, Any]:
        """The written parts as typed (not validated)."""
        return self.form.values()

    # -- actions ---------------------------------------------------------------------------------
    def _done(self, saved: StoredVersion, what: str) -> StoredVersion:
        self.overwrite.hide()
        unchanged = saved.version == self.base_version
        self.reason.value = ""
        self.reload()
        self.status.show(f"No changes (version {saved.version})." if unchanged else
                         f"{what} version {saved.version} of the model card.",
                         "info" if unchanged else "ok")
        if self.on_saved is not None and not unchanged:
            self.on_saved(saved)
        return saved

    @reports_errors()
    def refill(self) -> StoredVersion | None:
        """Fill the card from its sources (a draft again); the written parts are kept, and
        what is typed but not saved is saved with it."""
        from workbench.explain.card import fill, save_card

        card = fill(self.store, self.system_id)
        typed = self.values()
        if not self.base_version:  # a new card: what was typed before it existed is kept
            typed = {k: v for k, v in typed.items() if v not in ("", None)}
        data = {**card.model_dump(), **typed}
        try:
            saved = save_card(self.store, data, base_version=self.base_version,
                              reason=self.reason.value.strip() or "model card filled from "
                              "its sources")
        except ConflictError as exc:
            self.status.show(f"{exc} Your edits are still here.{self.overwrite.offer(exc)}",
                             "error")
            return None
        return self._done(saved, "Filled")

    def _save_over(self, latest: int) -> StoredVersion | None:
        """Save the written parts over the newer version a conflict named."""
        self.base_version = latest
        return self.save()

    @reports_errors()
    def save(self) -> StoredVersion | None:
        """Save the written parts as a draft."""
        from workbench.explain.card import write

        try:
            saved = write(self.store, self.system_id, self.values(),
                          base_version=self.base_version,
                          reason=self.reason.value.strip() or "model card edited")
        except ValidationError as exc:
            self.form.show_errors(exc.errors, str(exc))
            self.status.show(f"Not saved: {exc}", "error")
            return None
        except ConflictError as exc:
            self.status.show(f"{exc} Your edits are still here.{self.overwrite.offer(exc)}",
                             "error")
            return None
        return self._done(saved, "Saved")

    @reports_errors()
    def submit(self) -> StoredVersion | None:
        """Submit the card with the written parts as typed, in one version, once it is
        complete and not stale; a refused submit saves nothing (the typing stays here)."""
        from workbench.explain.card import submit

        try:
            done = submit(self.store, self.system_id, values=self.values(),
                          base_version=self.base_version,
                          reason=self.reason.value.strip() or "model card submitted for "
                          "sign-off")
        except ValidationError as exc:
            self.form.show_errors([e for e in exc.errors if e[0] in self.form.fields], str(exc))
            self.status.show(f"Not submitted, nothing saved: {exc}", "error")
            return None
        except ConflictError as exc:
            self.status.show(f"{exc} Your edits are still here.{self.overwrite.offer(exc)}",
                             "error")
            return None
        return self._done(done, "Submitted")

    def _unsaved(self) -> list[str]:
        """The written parts typed here that differ from the version shown."""
        shown = self.state.stored.content if self.state and self.state.stored else {}
        return [k for k, v in self.values().items() if (v or "") != (shown.get(k) or "")]

    @reports_errors()
    def request_signoff(self) -> None:
        """Ask the system owner and the AI governance lead to approve the version shown; typed
        but unsaved parts are not thrown away: save or submit them first."""
        from workbench import oversight
        from workbench.explain.model import card_id_for

        unsaved = self._unsaved()
        if unsaved:
            self.status.show(f"Not requested: {', '.join(unsaved)} changed here and not saved; "
                             "submit the card first (or discard and reload).", "error")
            return
        request = oversight.request(self.store, "model_card", card_id_for(self.system_id),
                                    version=self.base_version,
                                    note=self.reason.value.strip())
        self.reload()
        waiting = ", ".join(s.describe() for s in request.required)
        self.status.show(f"Sign-off requested of version {request.target_version}: awaits "
                         f"{waiting}.", "ok")
