"""Whole dashboard pages: a header (organization, date, who is viewing) and the panels.

A page never raises: a store that cannot be opened, an unknown system or a failing panel
becomes a short message on the page (Voila shows no tracebacks, and executives should not
read one). Identity is the dashboard server's (:func:`workbench.identity.current_user`):
``JUPYTERHUB_USER`` when Voila runs as a JupyterHub service or per-user server, else
``WORKBENCH_USER``, else the OS login.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from workbench.errors import WorkbenchError
from workbench.portfolio.data import PortfolioData, fmt_date, load
from workbench.portfolio.panels import (
    PORTFOLIO_PANELS,
    SYSTEM_PANELS,
    Panel,
    build_panels,
    html_bundle,
)
from workbench.render import badge, esc

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = [
    "Page",
    "Prepared",
    "Viewer",
    "message_box",
    "portfolio_page",
    "prepare",
    "query_parameter",
    "system_options",
    "system_page",
    "system_report",
    "system_selector",
    "viewer",
    "wait_for_viewer",
]

log = logging.getLogger(__name__)
_FONT = "font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif"


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a dashboard, and whether they may change records."""

    login: str
    name: str
    roles: tuple[str, ...] = ()
    known: bool = True

    @property
    def can_write(self) -> bool:
        from workbench.model import WRITING_ROLES

        return any(r in {w.value for w in WRITING_ROLES} for r in self.roles)


def viewer(store: Store) -> Viewer:
    """The dashboard's viewer, from the server's identity and the person records."""
    from workbench.identity import current_user

    try:
        login = current_user(store)
    except WorkbenchError:
        return Viewer(login="", name="an unidentified viewer", known=False)
    found = store.find("person", login)
    if found is None or not found.record.active:
        return Viewer(login=login, name=login, known=False)
    person = found.record
    return Viewer(login=login, name=person.name, roles=tuple(r.value for r in person.roles))


def query_parameter(name: str, default: str = "") -> str:
    """A value from the page's URL query string (Voila puts it in ``QUERY_STRING``)."""
    values = parse_qs(os.environ.get("QUERY_STRING", "")).get(name)
    return values[0].strip() if values else default


def _preheating() -> bool:
    return os.environ.get("VOILA_PREHEAT", "False") != "False"


def wait_for_viewer() -> None:
    """In a preheated Voila kernel, pause here until a viewer opens the page.

    Everything before this call (imports, warming) runs ahead of the request; everything
    after it reads the store when the page is requested, so numbers are never stale. Outside
    Voila's preheating this returns at once.
    """
    if not _preheating():
        return
    from voila.utils import wait_for_request

    wait_for_request()


@dataclass
class Page:
    """A dashboard page ready to display (``_ipython_display_``) or to turn into HTML.

    ``notice`` is a message shown between the header and the panels (e.g. "choose a
    system"); ``system_id`` names the system a one-system page shows ("" if none).
    """

    title: str
    header: str = ""
    panels: list[Panel] = field(default_factory=list)
    error: str = ""
    data: PortfolioData | None = None
    notice: str = ""
    system_id: str = ""

    def to_html(self) -> str:
        return self.header + self.notice + "".join(p.to_html() for p in self.panels)

    def bundles(self, *, header: bool = True) -> list[dict]:
        """The page as the mimetype bundles a kernel displays, in order (without the
        header if ``header`` is false, for a widget that shows the header itself)."""
        top = (self.header if header else "") + self.notice
        out = [html_bundle(top)] if top else []
        for panel in self.panels:
            out.extend(panel.bundles())
        return out

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for bundle in self.bundles():
            display(bundle, raw=True)


def message_box(text: str, *, level: str = "error", hint: str = "") -> str:
    colour = {"error": "#cf222e", "warning": "#9a6700", "info": "#57606a"}[level]
    more = f'<div style="color:#57606a;margin-top:4px">{esc(hint)}</div>' if hint else ""
    return (f'<div class="wb-message wb-{level}" role="alert" style="{_FONT};border:1px solid '
            f'{colour};border-left-width:4px;border-radius:6px;padding:10px 14px;margin:10px 0;'
            f'background:#fff"><div style="color:{colour};font-weight:600">{esc(text)}</div>'
            f"{more}</div>")


def _header(data: PortfolioData, who: Viewer, title: str, subtitle: str = "") -> str:
    if not who.known:
        ident = f"Viewing as {who.login or 'an unidentified viewer'} (not a registered person)"
    else:
        ident = f"Viewing as {who.name}"
    access = badge("can edit", "#1a7f37") if who.can_write else badge("read-only", "#57606a")
    org = f"{data.organization} · " if data.organization else ""
    # The dashboard's markdown cell is its title; the header names what varies (a system).
    heading = (f'<h2 class="wb-title" style="margin:4px 0 0 0">{esc(title)}</h2>'
               if title else "")
    sub = (f'<div style="font-size:1.05em;color:#24292f;margin-top:2px">{esc(subtitle)}</div>'
           if subtitle else "")
    return (f'<header class="wb-header" style="{_FONT};margin-bottom:6px">'
            f'<div style="font-size:0.9em;color:#57606a">{esc(org)}as of '
            f"{esc(fmt_date(data.today))} · {esc(ident)} {access}</div>"
            f"{heading}{sub}</header>")


def _open(database_url: str, today: dt.date | None) -> PortfolioData:
    from workbench.store import open_store

    store = open_store(database_url or None, create=False)
    return load(store, today=today)


def _failed(title: str, exc: BaseException) -> Page:
    if isinstance(exc, WorkbenchError):
        text = f"This dashboard cannot be shown: {exc}"
        hint = "Ask the workbench administrator to check the dashboard's store setting."
    else:
        log.exception("dashboard %s failed", title)
        text = f"This dashboard cannot be shown because of an unexpected problem " \
               f"({type(exc).__name__})."
        hint = "The details are in the dashboard server's log."
    return Page(title=title, header=message_box(text, hint=hint), error=text)


def portfolio_page(database_url: str = "", *, today: dt.date | None = None,
                   data: PortfolioData | None = None) -> Page:
    """The executive portfolio page; errors become a message on the page.

    ``data`` (from :func:`load`) reuses registers already loaded, e.g. by :func:`prepare`.
    """
    title = "AI portfolio"
    try:
        data = data or _open(database_url, today)
        who = viewer(data.store)
        return Page(title=title, header=_header(data, who, ""), data=data,
                    panels=build_panels(data, PORTFOLIO_PANELS))
    except Exception as exc:  # noqa: BLE001 - a dashboard shows a message, never a traceback
        return _failed(title, exc)


def system_report(database_url: str = "", system_id: str = "", *,
                  today: dt.date | None = None) -> Page:
    """One AI system as a report page (for ``notebooks/system_report.ipynb``).

    Unlike the dashboards, a report fails loudly: an unknown system or an unreadable store
    raises, so a scheduled run exits non-zero instead of publishing an empty report.
    """
    from workbench.errors import NotFoundError
    from workbench.identity import current_user

    data = _open(database_url, today)
    names = data.system_names()
    if system_id not in names:
        raise NotFoundError(f"no AI system {system_id!r} in the store; `workbench systems "
                            "list` shows the ids")
    row = data.systems[data.systems["id"] == system_id].iloc[0]
    who = viewer(data.store)
    org = f"{data.organization} · " if data.organization else ""
    header = (f'<header class="wb-header" style="{_FONT}"><div style="font-size:0.9em;'
              f'color:#57606a">{esc(org)}as of {esc(fmt_date(data.today))}'
              f" · generated by {esc(who.name or current_user())}</div>"
              f'<h1 class="wb-title" style="margin:4px 0 0 0;font-size:1.7em">'
              f'{esc(names[system_id])}</h1><div style="margin-top:2px">'
              f"{esc(row['business_unit'])} · {esc(row['purpose'])}</div></header>")
    panels = build_panels(data, SYSTEM_PANELS, system_id)
    failed = [p for p in panels if p.error]
    if failed:
        raise RuntimeError(f"report panel {failed[0].key!r} failed: {failed[0].error}")
    return Page(title=names[system_id], header=header, panels=panels, data=data)


def system_options(data: PortfolioData) -> list[tuple[str, str]]:
    """The AI systems to choose from, as ``(name, id)`` pairs in the order of their names."""
    return list(zip(data.systems["name"], data.systems["id"]))


def system_selector(data: PortfolioData, selected: str = "") -> str:
    """A plain HTML form choosing a system by name; it reloads the page with ``?system=ID``.

    The dashboard itself switches systems in place (``workbench.widgets.SystemDashboard``);
    this form serves pages built without widgets.
    """
    options = ['<option value="">Choose an AI system…</option>'] + [
        f'<option value="{esc(i)}"{" selected" if i == selected else ""}>{esc(n)}</option>'
        for n, i in system_options(data)]
    return (f'<form class="wb-select" method="get" style="{_FONT};margin:6px 0 4px 0">'
            '<label style="color:#57606a;margin-right:6px" for="wb-system">AI system</label>'
            f'<select id="wb-system" name="system" onchange="this.form.submit()" '
            f'style="padding:3px 6px;min-width:260px">{"".join(options)}</select> '
            '<button type="submit" style="padding:3px 10px">Show</button></form>')


def system_page(database_url: str = "", system_id: str = "", *,
                today: dt.date | None = None, data: PortfolioData | None = None,
                selector: bool = True) -> Page:
    """One AI system in depth, chosen by ``system_id`` or ``?system=ID`` in the page URL.

    With ``selector`` the header ends with an HTML form choosing another system (it reloads
    the page); without it, the page leaves choosing to its widget and any message ("choose
    a system", "no such system") is the page's ``notice``.
    """
    system_id = (system_id or query_parameter("system")).strip()
    try:
        data = data or _open(database_url, today)
        who = viewer(data.store)
        names = data.system_names()
        form = system_selector(data, system_id) if selector else ""
        if not system_id or system_id not in names:
            error = f"unknown system {system_id}" if system_id else ""
            notice = message_box(
                f"There is no AI system {system_id!r} in the inventory.", level="warning",
                hint="Choose one from the list above.") if system_id else message_box(
                "Choose an AI system to see it in depth.", level="info")
            header = _header(data, who, "") + form
            if selector:  # the message below the form, as part of the header
                header, notice = header + notice, ""
            return Page(title="AI system", data=data, header=header, notice=notice,
                        error=error)
        row = data.systems[data.systems["id"] == system_id].iloc[0]
        sub = f"{row['business_unit']} · {row['purpose']}"
        return Page(title=names[system_id], data=data, system_id=system_id,
                    header=_header(data, who, names[system_id], sub) + form,
                    panels=build_panels(data, SYSTEM_PANELS, system_id))
    except Exception as exc:  # noqa: BLE001 - a dashboard shows a message, never a traceback
        return _failed("AI system", exc)


class Prepared:
    """A page built ahead of its viewer, rebuilt only when something it shows has changed.

    A preheated dashboard kernel builds the page before anyone asks for it; when a viewer
    arrives, :meth:`refresh` compares the store's head (a change counter bumped by every saved
    version), the date and the URL's query string with those the page was built with, and
    rebuilds only what is out of date. Viewers get current numbers without waiting for them.
    """

    def __init__(self, build: Callable[..., Page], database_url: str = "",
                 *args: object, **kwargs: object) -> None:
        self.build = build
        self.database_url = database_url
        self.args = args
        self.kwargs = kwargs
        self.data: PortfolioData | None = None
        self.head: int | None = None
        self.page: Page | None = None
        self.key: tuple[dt.date, str] | None = None
        self.refresh()
        if _preheating() and self.data is not None:
            try:  # the viewer's page (e.g. one system from the URL) will only filter these
                self.data.warm()
            except Exception:  # the page builder shows any problem later
                log.exception("warming the dashboard's registers failed")

    def _current_head(self) -> int | None:
        try:
            return self.data.store.head() if self.data is not None else None
        except WorkbenchError:
            return None

    def current_data(self) -> PortfolioData | None:
        """The registers, reloaded first if the store or the date changed since they were
        loaded (None if the store cannot be opened: the page builder shows why)."""
        head = self._current_head()
        if (self.data is None or head is None or head != self.head
                or dt.date.today() != self.data.today):
            try:
                self.data = _open(self.database_url, None)
                self.head = self.data.store.head()
            except Exception:  # noqa: BLE001 - the page builder shows the message
                self.data, self.head = None, None
            self.page = None
        return self.data

    def refresh(self) -> Page:
        """Reload what changed since the page was built and return the page."""
        key = (dt.date.today(), os.environ.get("QUERY_STRING", ""))
        data = self.current_data()
        if self.page is None or key != self.key:
            self.page = self.build(self.database_url, *self.args, data=data, **self.kwargs)
            self.key = key
        return self.page

    def _ipython_display_(self) -> None:
        self.refresh()._ipython_display_()


def prepare(build: Callable[..., Page], database_url: str = "", *args: object,
            **kwargs: object) -> Prepared:
    """Build ``build(database_url, *args, **kwargs)`` now; display the result to show it up
    to date."""
    return Prepared(build, database_url, *args, **kwargs)
