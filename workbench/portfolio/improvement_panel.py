"""The continual improvement panel of the portfolio dashboard: open nonconformities by stage,
overdue corrective actions, AI incidents and incident reports past their EU AI Act deadline
(a KPI: an overdue report is a legal breach, not a backlog item)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from workbench.portfolio.panels import Panel
from workbench.registers import problems_of
from workbench.render import STATUS_COLOURS, fmt_int, html_table, kpi

if TYPE_CHECKING:  # pragma: no cover
    from workbench.portfolio.data import PortfolioData

__all__ = ["improvement_kpis", "improvement_panel"]

_STAGES = ["raised", "corrected", "root_cause", "actions_planned", "in_progress",
           "effectiveness_reviewed"]
_GRID = ("display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:8px;"
         "max-width:1040px")


def _frames(data: PortfolioData) -> tuple[pd.DataFrame, pd.DataFrame]:
    from workbench.improvement import incidents_frame, nonconformities_frame

    if "improvement" not in data.extra:
        data.extra["improvement"] = (nonconformities_frame(data.store, today=data.today),
                                     incidents_frame(data.store, today=data.today))
    return data.extra["improvement"]


def improvement_kpis(data: PortfolioData) -> dict[str, int]:
    """Open nonconformities, overdue corrective actions, open incidents, overdue reports."""
    ncs, incidents = _frames(data)
    open_ncs = ncs[ncs["open"]]
    return {"open_nonconformities": len(open_ncs),
            "overdue_nc_actions": int(open_ncs["overdue_actions"].sum()),
            "open_incidents": int((incidents["status"] != "closed").sum()),
            "overdue_reports": int(incidents["overdue"].sum())}


def improvement_panel(data: PortfolioData) -> Panel:
    """KPIs, open nonconformities by stage, and incidents whose report is due or overdue."""
    ncs, incidents = _frames(data)
    k = improvement_kpis(data)

    def alert(value: int, colour: str = STATUS_COLOURS["expired"]) -> str:
        return colour if value else "#24292f"

    cards = [
        kpi("Open nonconformities", k["open_nonconformities"], note="10.2, not yet closed",
            colour=alert(k["open_nonconformities"], STATUS_COLOURS["pending"])),
        kpi("Overdue corrective actions", k["overdue_nc_actions"],
            note="of open nonconformities", colour=alert(k["overdue_nc_actions"])),
        kpi("Open AI incidents", k["open_incidents"], note=f"of {fmt_int(len(incidents))} "
            "recorded", colour=alert(k["open_incidents"], STATUS_COLOURS["pending"])),
        kpi("Overdue incident reports", k["overdue_reports"],
            note="serious incidents past the EU AI Act Art. 73 deadline",
            colour=alert(k["overdue_reports"])),
    ]
    open_ncs = ncs[ncs["open"]]
    by_stage = open_ncs["stage"].value_counts().reindex(_STAGES, fill_value=0)
    stages = html_table([{"stage": s.replace("_", " "), "count": fmt_int(int(n))}
                         for s, n in by_stage.items() if n],
                        {"stage": "Stage", "count": "Open nonconformities"},
                        empty="No open nonconformity.")
    due = incidents[incidents["report_deadline"].notna() & incidents["reported_on"].isna()]
    due = due.assign(when=due.apply(lambda r: "OVERDUE" if r["overdue"] else
                                    f"{fmt_int(int(r['days_left']))} "
                                    f"day{'' if int(r['days_left']) == 1 else 's'} left",
                                    axis=1)
                     if len(due) else pd.Series(dtype=object))
    reports = html_table(due, {"id": "Incident", "system_id": "AI system", "title": "Title",
                               "report_deadline": "Report by", "when": "Status"},
                         empty="No incident report is due.")
    html = (f'<div class="wb-improvement-kpis" style="{_GRID}">{"".join(cards)}</div>'
            f"<h4>Open nonconformities by stage</h4>{stages}"
            f"<h4>Incident reports due</h4>{reports}")
    note = (f"{fmt_int(k['overdue_reports'])} incident report"
            f"{'s' if k['overdue_reports'] != 1 else ''} overdue" if k["overdue_reports"]
            else "no incident report is overdue")
    table = pd.DataFrame({"kpi": list(k), "value": list(k.values())})
    return Panel(key="improvement", title="Continual improvement", note=note,
                 html=html, table=table, problems=problems_of(ncs, incidents))
