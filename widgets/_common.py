"""Small building blocks shared by the workbench's widgets."""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as W

from workbench.errors import WorkbenchError
from workbench.render import esc

F = TypeVar("F", bound=Callable[..., Any])

_COLOURS = {"error": "#cf222e", "ok": "#1a7f37", "info": "#57606a", "warning": "#9a6700"}


def message_html(text: str, level: str = "info") -> str:
    """A one-line escaped message coloured by ``level`` (error, ok, info, warning)."""
    if not text:
        return ""
    colour = _COLOURS.get(level, _COLOURS["info"])
    return f'<div style="color:{colour};white-space:pre-wrap">{esc(text)}</div>'


class StatusLine(W.HTML):
    """Where a widget reports what happened: never only in a log."""

    def show(self, text: str, level: str = "info") -> None:
        self.value = message_html(text, level)
        self.level = level
        self.text = text

    def clear(self) -> None:
        self.show("")


class OverwriteButton(W.Button):
    """Shown after a save conflicted with someone else's newer version: saves the person's
    input over that version (it keeps their edits; nothing is lost, the other version stays
    in the history). Hidden otherwise.

    ``on_overwrite`` is called with the newer version number, to save based on it.
    """

    def __init__(self, on_overwrite: Callable[[int], Any]) -> None:
        super().__init__(description="Save over their version", icon="save",
                         layout=W.Layout(width="auto", display="none"))
        self.latest: int | None = None
        self._on_overwrite = on_overwrite
        self.on_click(lambda _: self.overwrite())

    def offer(self, exc: Any) -> str:
        """Show the button for the conflict ``exc`` (a :class:`ConflictError`); returns what
        to add to the message (empty when an edit cannot be saved over, e.g. a new record
        whose id is taken)."""
        latest, base = getattr(exc, "latest_version", None), getattr(exc, "base_version", None)
        if latest is None or base is None:
            self.hide()
            return ""
        self.latest = latest
        self.description = f"Save over version {latest} (keep my edits)"
        self.layout.display = ""
        return (f" Or compare, then save your input over version {latest} with the button "
                "below (its history keeps their version).")

    def hide(self) -> None:
        self.latest = None
        self.layout.display = "none"

    def overwrite(self) -> Any:
        latest = self.latest
        self.hide()
        return None if latest is None else self._on_overwrite(latest)


def reports_errors(status_attr: str = "status") -> Callable[[F], F]:
    """Decorate a widget method (a callback) so errors land on the widget.

    A :class:`WorkbenchError` shows its message on ``self.<status_attr>``; anything else
    shows a short message there and the traceback in ``self.error_details`` (an Output)
    when the widget has one (``log`` is taken: every widget has a logger trait of that name).
    """

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            status: StatusLine = getattr(self, status_attr)
            try:
                return method(self, *args, **kwargs)
            except WorkbenchError as exc:
                status.show(str(exc), "error")
            except Exception as exc:  # noqa: BLE001 - shown on the widget, not swallowed
                status.show(f"unexpected error: {type(exc).__name__}: {exc}", "error")
                log = getattr(self, "error_details", None)
                if isinstance(log, W.Output):
                    log.append_stdout(traceback.format_exc())
            return None

        return wrapper  # type: ignore[return-value]

    return decorate
