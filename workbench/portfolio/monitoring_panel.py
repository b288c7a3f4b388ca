"""Monitoring panels: the portfolio's monitoring state per system, and one system's
monitoring (its state, the metric that breached, the latest run)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.portfolio.data import fmt_date
from workbench.portfolio.panels import Panel, _system_row
from workbench.render import badge, esc, fmt_int, html_table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.portfolio.data import PortfolioData

__all__ = ["monitoring_panel", "monitoring_status", "system_monitoring_panel"]


def monitoring_status(data: PortfolioData) -> pd.DataFrame:
    """The monitoring status frame of the page's day, computed once per page."""
    from workbench import monitoring

    return data._cached("monitoring_status", lambda: monitoring.status_frame(
        data.store, now=data.today, systems=data.systems))


def _state_badge(state: str) -> str:
    from workbench.monitoring import STATE_COLOURS, STATE_LABELS

    return badge(STATE_LABELS.get(state, state), STATE_COLOURS.get(state))


def monitoring_panel(data: PortfolioData, *, max_rows: int = 25) -> Panel:
    """Each AI system's monitoring: ok, breach, overdue or no plan, with its last runs.

    Systems in breach come first, then overdue, ok and without a plan; at most ``max_rows``
    are listed (the counts cover all, and the panel's table holds every system)."""
    from workbench import monitoring
    from workbench.monitoring.figures import outcome_strip

    status = monitoring_status(data)
    title = "Monitoring over time"
    if status.empty:
        return Panel(key="monitoring", title=title, html=html_table(
            [], empty="No AI system is registered."))
    trend = monitoring.recent_outcomes(data.store, now=data.today)
    order = {"breach": 0, "overdue": 1, "ok": 2, "no_plan": 3}
    shown = status.assign(_o=status["state"].map(order)).sort_values(
        ["_o", "system_name"], kind="stable")
    people = data.person_names()
    shown = shown.assign(trend=[trend.get(s, []) for s in shown["system_id"]],
                         last_run=shown["last_run_at"].map(fmt_date),
                         due=shown["next_due"].map(fmt_date),
                         reviewer_name=shown["reviewer"].map(
                             lambda login: people.get(login, login)))
    counts = status["state"].value_counts()
    note = ", ".join(f"{fmt_int(counts.get(s, 0))} {monitoring.STATE_LABELS[s].lower()}"
                     for s in ("breach", "overdue", "ok", "no_plan"))

    def blank(value: Any) -> str:
        return "" if value is None or value != value else esc(value)

    # a system without a plan has no runs: its count is left blank, not "0"
    shown = shown.assign(runs_in_breach=[
        "" if state == "no_plan" else fmt_int(int(n))
        for state, n in zip(shown["state"], shown["breach_runs"].fillna(0), strict=True)])
    html = html_table(shown.head(max_rows), {
        "system_name": "AI system", "state": "Monitoring", "last_run": "Last run",
        "due": "Next due", "runs_in_breach": "Runs in breach", "trend": "Last runs",
        "reviewer_name": "Reviewer"},
        formatters={"state": _state_badge, "trend": outcome_strip, "reviewer_name": blank})
    hidden = shown["state"].iloc[max_rows:].value_counts()
    if len(hidden):
        what = ", ".join(f"{fmt_int(hidden[s])} {monitoring.STATE_LABELS[s].lower()}"
                         for s in ("breach", "overdue", "ok", "no_plan") if s in hidden)
        html += (f'<p style="color:#57606a;font-size:0.85em">… and '
                 f"{fmt_int(int(hidden.sum()))} more AI systems ({esc(what)})</p>")
    return Panel(key="monitoring", title=title, note=note, html=html,
                 table=status)


def system_monitoring_panel(data: PortfolioData, system_id: str) -> Panel:
    """One system's monitoring state, its most telling metric over time and its latest run."""
    from workbench import monitoring
    from workbench.monitoring.figures import run_details_html, series_keys, timeline_figure

    _system_row(data, system_id)
    title = "Monitoring over time"
    status = monitoring_status(data).set_index("system_id")
    state = status.loc[system_id, "state"] if system_id in status.index else "no_plan"
    if state == "no_plan":
        return Panel(key="system-monitoring", title=title, html=f"<p>{_state_badge(state)} "
                     "No monitoring plan is recorded for this system.</p>")
    row = status.loc[system_id]
    timeline = monitoring.timeline_frame(data.store, system_id)
    timeline = timeline[timeline["run_at"].dt.date <= data.today]
    reviewer = data.person_names().get(row["reviewer"], row["reviewer"])
    note = (f"every {row['frequency_days']} days, reviewed by {reviewer}; last run "
            f"{fmt_date(row['last_run_at'])}, next due {fmt_date(row['next_due'])}")
    head = f"<p>{_state_badge(state)}</p>"
    if timeline.empty:
        return Panel(key="system-monitoring", title=title, note=note,
                     html=head + "<p>No run has been recorded yet.</p>")
    breached = timeline.groupby("key")["breached"].sum()
    keys = [k for k, _ in series_keys(timeline)]
    key = max(keys, key=lambda k: (breached.get(k, 0), -keys.index(k)))
    label = dict(series_keys(timeline)).get(key, key)
    fig = timeline_figure(timeline, key, title=label)
    last = str(timeline["run_id"].iloc[-1])
    return Panel(key="system-monitoring", title=title, note=note, html=head, figure=fig,
                 after_html=run_details_html(timeline, last), table=timeline)
