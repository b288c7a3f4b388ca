"""Dashboard panels: one function per panel, listed in a registry.

A panel function takes the page's :class:`~workbench.portfolio.data.PortfolioData` (and, for
the system page, a ``system_id``) and returns a :class:`Panel`: a title, escaped HTML and
optionally a plotly figure. Adding a panel is writing one function and adding one line to
:data:`PORTFOLIO_PANELS` or :data:`SYSTEM_PANELS` ("module:function", imported when the page
is built, so a feature's panel can live in its own package).
"""

from __future__ import annotations

import importlib
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from workbench.errors import WorkbenchError
from workbench.portfolio.data import (
    STAGE_ORDER,
    PortfolioData,
    counts_by,
    evidence_freshness,
    evidence_timeline_figure,
    fmt_date,
    kpis,
    label,
    reports_generated,
)
from workbench.registers import RecordProblem, problems_html, problems_of
from workbench.render import STATUS_COLOURS, badge, esc, fmt_int, html_table, kpi

__all__ = [
    "PORTFOLIO_PANELS",
    "STYLE",
    "SYSTEM_PANELS",
    "Panel",
    "build_panels",
    "error_panel",
    "evidence_panel",
    "figure_bundle",
    "html_bundle",
    "inventory_panel",
    "kpi_panel",
    "operation_panel",
    "system_evidence_panel",
    "system_facts_panel",
]

log = logging.getLogger(__name__)

#: Panels of the portfolio dashboard, in page order ("module:function", ``fn(data)``).
PORTFOLIO_PANELS: list[str] = [
    "workbench.portfolio.panels:kpi_panel",
    "workbench.portfolio.panels:inventory_panel",
    "workbench.portfolio.governance_panels:risk_panel",
    "workbench.portfolio.governance_panels:actions_panel",
    "workbench.portfolio.governance_panels:approvals_panel",
    "workbench.portfolio.governance_panels:readiness_panel",
    "workbench.portfolio.trend_panel:trend_panel",
    "workbench.portfolio.improvement_panel:improvement_panel",
    "workbench.portfolio.governance_panels:fairness_panel",
    "workbench.portfolio.panels:evidence_panel",
    "workbench.portfolio.panels:operation_panel",
    "workbench.portfolio.monitoring_panel:monitoring_panel",
]
#: Panels of the one-system dashboard and report, in order (``fn(data, system_id)``).
SYSTEM_PANELS: list[str] = [
    "workbench.portfolio.panels:system_facts_panel",
    "workbench.portfolio.system_panels:golive_panel",
    "workbench.portfolio.system_panels:eu_ai_act_panel",
    "workbench.portfolio.system_panels:impact_panel",
    "workbench.portfolio.system_panels:system_risk_panel",
    "workbench.portfolio.system_panels:system_fairness_panel",
    "workbench.portfolio.system_panels:model_card_panel",
    "workbench.portfolio.panels:system_evidence_panel",
    "workbench.portfolio.monitoring_panel:system_monitoring_panel",
]

#: Notebook front ends right-align table cells; panels read left to right.
STYLE = ("<style>.wb-panel table td,.wb-panel table th,.wb-header table td"
         "{text-align:left !important}.wb-panel table{margin-left:0 !important}</style>")


def _section(key: str) -> str:
    return (STYLE + f'<section class="wb-panel" data-panel="{esc(key)}" style="margin:18px 0 '
            '8px 0;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif">')
_MUTED = "color:#57606a"


@dataclass
class Panel:
    """One block of a dashboard: a title, escaped HTML, and an optional plotly figure.

    ``table`` keeps the data behind the panel so tests and exports can read the numbers.
    """

    key: str
    title: str
    html: str = ""
    figure: Any = None
    table: pd.DataFrame | None = None
    note: str = ""
    after_html: str = ""  # shown below the figure
    error: str = ""
    #: Records left out of the panel because they fail their checks, named under the title.
    problems: tuple[RecordProblem, ...] = ()

    def header_html(self) -> str:
        note = f'<div style="{_MUTED};font-size:0.9em">{esc(self.note)}</div>' if self.note else ""
        title = (f'<h3 style="margin:0 0 6px 0;font-size:1.15em">{esc(self.title)}</h3>'
                 if self.title else "")
        return _section(self.key) + title + note + problems_html(self.problems)

    def to_html(self) -> str:
        """The panel as HTML (without its figure)."""
        return f"{self.header_html()}{self.html}{self.after_html}</section>"

    def bundles(self) -> list[dict[str, Any]]:
        """The panel as the mimetype bundles a kernel displays: its HTML, its figure, the
        HTML below the figure (a dashboard widget sets them as an ``Output``'s outputs)."""
        out = [html_bundle(f"{self.header_html()}{self.html}</section>")]
        if self.figure is not None:
            out.append(figure_bundle(self.figure))
        if self.after_html:
            out.append(html_bundle(f"{_section(self.key + '-more')}{self.after_html}"
                                   "</section>"))
        return out

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for bundle in self.bundles():
            display(bundle, raw=True)


def html_bundle(html: str) -> dict[str, Any]:
    """HTML as a mimetype bundle (what ``display(HTML(html))`` sends)."""
    return {"text/html": html, "text/plain": ""}


def figure_bundle(figure: Any) -> dict[str, Any]:
    """A figure as plotly's mimetype bundle, what ``fig.show()`` sends in a kernel.

    Publishing the bundle directly skips plotly's renderer machinery, whose first use imports
    nbformat and jsonschema (about a second in every report and dashboard kernel).
    """
    import json

    import plotly.io as pio

    spec = json.loads(pio.to_json(figure, validate=False, remove_uids=False))
    spec["config"] = {"displaylogo": False, "responsive": True}
    return {"application/vnd.plotly.v1+json": spec,
            "text/plain": "<plotly figure>"}


def error_panel(key: str, title: str, exc: BaseException) -> Panel:
    """A panel that failed, shown as a short message instead of a traceback."""
    if isinstance(exc, WorkbenchError):
        text = str(exc)
    else:
        log.exception("panel %s failed", key)
        text = (f"This panel could not be shown ({type(exc).__name__}). The rest of the page is "
                "unaffected; the details are in the dashboard server's log.")
    html = (f'<div class="wb-message" style="color:#9a6700;border-left:3px solid #9a6700;'
            f'padding:4px 10px">{esc(text)}</div>')
    return Panel(key=key, title=title, html=html, error=text)


def build_panels(data: PortfolioData, targets: Sequence[str], *args: Any) -> list[Panel]:
    """Build each registered panel; one failing panel becomes a message, not a broken page.

    The panels read one state of the store, so the sign-off registers they share are checked
    once (:func:`workbench.oversight.status.reuse_signoff_frames`)."""
    from workbench.oversight.status import reuse_signoff_frames

    with reuse_signoff_frames():
        return _build(data, targets, *args)


def _build(data: PortfolioData, targets: Sequence[str], *args: Any) -> list[Panel]:
    panels = []
    for target in targets:
        module, _, name = target.partition(":")
        try:
            panel = getattr(importlib.import_module(module), name)(data, *args)
        except Exception as exc:  # noqa: BLE001 - shown on the page, logged for the admin
            panels.append(error_panel(name, name.replace("_panel", "").replace("_", " ")
                                      .capitalize(), exc))
            continue
        if panel is not None:
            panels.append(panel)
    return panels


# -- portfolio panels -------------------------------------------------------------------------
def kpi_panel(data: PortfolioData) -> Panel:
    """Headline numbers for executives: the inventory and what needs a decision."""
    from workbench.portfolio.governance import fmt_percent, governance_kpis

    k = kpis(data) | governance_kpis(data)

    def alert(value: int, colour: str = STATUS_COLOURS["expired"]) -> str:
        return colour if value else "#24292f"

    ready = k["readiness"]
    ready_colour = "#24292f" if math.isnan(ready) else STATUS_COLOURS[
        "met" if ready >= 80 else "partial" if ready >= 50 else "missing"]
    cards = [
        kpi("AI systems", k["systems"], note=f"{fmt_int(k['in_operation'])} in operation"),
        kpi("High-risk systems", k["high_risk"],
            note=f"EU AI Act; {fmt_int(k['unclassified'])} not yet classified",
            colour=alert(k["high_risk"], STATUS_COLOURS["stale"])),
        kpi("Risks above appetite", k["awaiting_acceptance"],
            note=f"awaiting acceptance, of {fmt_int(k['above_appetite'])} above appetite",
            colour=alert(k["awaiting_acceptance"])),
        kpi("Overdue actions", k["overdue_actions"], note="risk treatment past its due date",
            colour=alert(k["overdue_actions"])),
        kpi("ISO 42001 readiness", fmt_percent(ready),
            note=("could not be computed" if k["readiness_gaps"] is None
                  else f"{fmt_int(k['readiness_gaps'])} items to do"), colour=ready_colour),
        kpi("Approvals pending", k["approvals_pending"], note="sign-offs awaiting someone",
            colour=alert(k["approvals_pending"], STATUS_COLOURS["pending"])),
        kpi("Stale approvals", k["stale_approvals"], note="record changed since approval",
            colour=alert(k["stale_approvals"])),
        kpi("Fairness breaches", k["fairness_breaches"],
            note=(f"in {_systems(k['fairness_systems'])}; latest fairness check or "
                  "monitoring run"),
            colour=alert(k["fairness_breaches"])),
    ]
    table = pd.DataFrame({"kpi": list(k), "value": list(k.values())})
    return Panel(key="kpis", title="", table=table,
                 html=f'<div class="wb-kpis" style="{_KPI_GRID}">{"".join(cards)}</div>')


def _systems(n: int) -> str:
    return f"{fmt_int(n)} system" + ("s" if n != 1 else "")


_KPI_GRID = ("display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:8px;"
             "max-width:1040px")


def inventory_panel(data: PortfolioData) -> Panel:
    """AI systems by EU AI Act tier and lifecycle stage, and by business unit."""
    from workbench.portfolio.governance import tier_figure, tier_stage_counts

    title = "AI systems by EU AI Act tier and lifecycle stage"
    if data.systems.empty:
        return Panel(key="inventory", title=title,
                     html=html_table([], empty="No AI systems are registered yet."))
    tiers = data.eu_portfolio().set_index("system_id")["tier"]
    s = data.systems.assign(high=data.systems["id"].map(tiers).eq("high_risk"),
                            unknown=data.systems["id"].map(tiers).fillna("undetermined")
                            .eq("undetermined"),
                            operating=data.systems["lifecycle_stage"].eq("operate"))
    by_unit = (s.groupby("business_unit").agg(
        systems=("id", "size"), in_operation=("operating", "sum"), high_risk=("high", "sum"),
        unclassified=("unknown", "sum"))
        .sort_values(["systems"], ascending=False).reset_index())
    counts = {c: fmt_int for c in ("systems", "in_operation", "high_risk", "unclassified")}
    table = html_table(by_unit, {"business_unit": "Business unit", "systems": "AI systems",
                                 "in_operation": "In operation", "high_risk": "High-risk",
                                 "unclassified": "Not yet classified"},
                       formatters=counts, max_rows=15)
    note = (f"{fmt_int(len(data.systems))} systems in the inventory; the tier comes from each "
            "system's latest impact assessment")
    return Panel(key="inventory", title=title, figure=tier_figure(data),
                 table=tier_stage_counts(data), note=note,
                 problems=problems_of(data.systems, data.eu_portfolio()),
                 after_html=('<h4 style="margin:6px 0;font-size:1em;font-weight:600">By business '
                             f"unit</h4>{table}"))


def operation_panel(data: PortfolioData) -> Panel:
    """How the systems are run: our role, human oversight, automation."""
    parts = []
    for column, header, order in (
            ("org_roles", "Our role", ["provider", "developer", "deployer", "user"]),
            ("oversight_mode", "Human oversight", ["in_the_loop", "on_the_loop",
                                                   "out_of_the_loop"]),
            ("automation_level", "Automation", ["decision_support", "partial", "full"])):
        counts = counts_by(data, column, order=order)
        parts.append('<div style="display:inline-block;vertical-align:top;margin-right:28px">'
                     + html_table(counts, {"value": header, "systems": "AI systems"},
                                  formatters={"systems": fmt_int}) + "</div>")
    note = "a system with several roles counts once per role"
    return Panel(key="operation", title="How the systems are run", html="".join(parts),
                 note=note)


def _evidence_table(fresh: pd.DataFrame, *, with_systems: bool, max_rows: int) -> str:
    def status(value: Any) -> str:
        if value == "expiring":
            return badge("expiring", STATUS_COLOURS["pending"])
        return badge(str(value)) if value == "expired" else esc(value)

    def days(value: Any) -> str:
        if value is None or value is pd.NA:
            return ""
        n = int(value)
        return f"{fmt_int(-n)} days ago" if n < 0 else f"in {fmt_int(n)} days"

    shown = fresh.assign(expires=fresh["expires_at"].map(fmt_date),
                         collected=fresh["collected_at"].map(fmt_date),
                         when=fresh["days_left"].map(days))
    columns = {"title": "Evidence"}
    if with_systems:
        columns["systems"] = "AI system"
    columns |= {"collected_by": "Collected by", "collected": "Collected", "expires": "Expires",
                "when": "", "status": "Status"}
    def systems(value: Any) -> str:
        return esc(value) if value else f'<span style="{_MUTED}">Organization-wide</span>'

    return html_table(shown, columns, formatters={"status": status, "systems": systems},
                      max_rows=max_rows,
                      empty="No evidence needs attention.")


def evidence_panel(data: PortfolioData, *, max_rows: int = 20) -> Panel:
    """Evidence that has expired or expires within 30 days, with names, most urgent first."""
    fresh = evidence_freshness(data)
    urgent = fresh[fresh["status"].isin(["expired", "expiring"])]
    n_exp = int((urgent["status"] == "expired").sum())
    note = (f"{fmt_int(n_exp)} expired, {fmt_int(len(urgent) - n_exp)} expiring within 30 days, "
            f"out of {fmt_int(len(fresh))} evidence items")
    return Panel(key="evidence", title="Evidence to renew", note=note, table=urgent,
                 html=_evidence_table(urgent, with_systems=True, max_rows=max_rows))


# -- one-system panels ------------------------------------------------------------------------
def _system_row(data: PortfolioData, system_id: str) -> pd.Series:
    from workbench.errors import NotFoundError

    rows = data.systems[data.systems["id"] == system_id]
    if rows.empty:
        raise NotFoundError(f"there is no AI system {system_id!r} in the inventory")
    return rows.iloc[0]


def system_facts_panel(data: PortfolioData, system_id: str) -> Panel:
    """The inventory facts of one system, in words."""
    s = _system_row(data, system_id)
    people = data.person_names()
    owner = data.people[data.people["id"] == s["owner"]]
    job = f", {owner['job_title'].iloc[0]}" if len(owner) and owner["job_title"].iloc[0] else ""

    def join(values: Any) -> str:
        return ", ".join(label(v) if "_" in str(v) else str(v) for v in (values or []))

    facts = [
        ("Purpose", s["purpose"]), ("Description", s["description"]),
        ("Owner", f"{people.get(s['owner'], s['owner'])}{job}"),
        ("Business unit", s["business_unit"]),
        ("Lifecycle stage", (f"{label(s['lifecycle_stage'])} (stage "
                             f"{STAGE_ORDER.index(s['lifecycle_stage']) + 1} of "
                             f"{len(STAGE_ORDER)})")),
        ("Our role", join(s["org_roles"]).lower().capitalize()),
        ("Technique", f"{s['technique']} ({label(s['technique_family'])})"),
        ("Third-party components", join(s["third_party_components"])),
        ("Data", join(s["data_categories"]).lower().capitalize()),
        ("Deployment", s["deployment_context"]), ("Geography", ", ".join(s["geography"] or [])),
        ("Affected people", ", ".join(s["affected_parties"] or [])),
        ("Automation", label(s["automation_level"])),
        ("Human oversight", label(s["oversight_mode"])),
        ("Status", label(s["status"])), ("In AIMS scope", "Yes" if s["in_scope"] else "No"),
        ("Last changed", (f"{fmt_date(s['_saved_at'])} by "
                          f"{people.get(s['_saved_by'], s['_saved_by'])} "
                          f"(version {fmt_int(s['_version'])})")),
    ]
    rows = "".join(f'<tr><th style="text-align:left;vertical-align:top;padding:3px 14px 3px 0;'
                   f'{_MUTED};font-weight:500;white-space:nowrap">{esc(k)}</th>'
                   f'<td style="padding:3px 0">{esc(v)}</td></tr>' for k, v in facts if v)
    table = pd.DataFrame(facts, columns=["fact", "value"])
    return Panel(key="facts", title="About this system", table=table,
                 html=f'<table class="wb-facts" style="font-size:0.95em">{rows}</table>')


def system_evidence_panel(data: PortfolioData, system_id: str) -> Panel:
    """All evidence of one system with its freshness."""
    _system_row(data, system_id)
    fresh = evidence_freshness(data, system_id=system_id)
    counts = fresh["status"].value_counts()
    note = ", ".join(f"{fmt_int(counts[s])} {s}" for s in ("expired", "expiring", "current",
                                                         "no expiry") if s in counts.index)
    figure = evidence_timeline_figure(fresh, data.today) if len(fresh) else None
    reports = reports_generated(data, system_id=system_id)
    after = ""
    if len(reports):
        latest = reports.iloc[0]
        after = (f'<p style="{_MUTED};font-size:0.9em">{fmt_int(len(reports))} report'
                 f'{"s" if len(reports) != 1 else ""} generated, the latest on '
                 f"{esc(fmt_date(latest['collected_at']))} by {esc(latest['collected_by'])}.</p>")
    return Panel(key="system-evidence", title="Evidence", table=fresh, figure=figure,
                 note=note or "no evidence yet", after_html=after,
                 html=_evidence_table(fresh, with_systems=False, max_rows=50).replace(
                     "No evidence needs attention.", "No evidence has been recorded yet."))

