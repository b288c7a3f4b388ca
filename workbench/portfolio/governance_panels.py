"""Portfolio panels of the governance features: residual risk, overdue actions, approvals,
readiness and fairness. Each is one function of the page's
:class:`~workbench.portfolio.data.PortfolioData`, listed in
:data:`~workbench.portfolio.panels.PORTFOLIO_PANELS`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.model.states import SignOffState
from workbench.portfolio.data import PortfolioData, fmt_date
from workbench.portfolio.governance import (
    approvals,
    awaiting_acceptance,
    changed_since_approval,
    fairness_latest,
    fmt_percent,
    overdue_actions,
)
from workbench.portfolio.panels import Panel
from workbench.registers import problems_of
from workbench.render import STATUS_COLOURS, badge, esc, fmt_count, fmt_int, html_table, kpi

__all__ = [
    "actions_panel",
    "approvals_panel",
    "fairness_panel",
    "level_badge",
    "readiness_panel",
    "risk_panel",
    "signoff_badge",
    "threshold_text",
]

_MUTED = "color:#57606a"
_ROWS = 10


def nowrap(value: Any) -> str:
    """A cell kept on one line (dates, durations, names)."""
    return f'<span style="white-space:nowrap">{esc(value)}</span>'


H4 = "margin:12px 0 4px 0;font-size:1em;font-weight:600"


def _h4(text: str) -> str:
    return f'<h4 style="{H4}">{esc(text)}</h4>'


def _more(shown: int, total: int, what: str) -> str:
    if total <= shown:
        return ""
    return (f'<p style="{_MUTED};font-size:0.85em;margin:2px 0">Showing {fmt_int(shown)} of '
            f"{fmt_int(total)} {esc(what)}.</p>")


def readable_heatmap(figure: Any) -> Any:
    """The risk heatmap with counts in dark text, readable on every band's colour (white
    text on the amber and green bands is hard to read)."""
    for trace in figure.data:
        if trace.type == "heatmap" and trace.text is not None:
            trace.text = [[f"{int(v):,}" if str(v).strip() else "" for v in row]
                          for row in trace.text]
    figure.update_traces(textfont={"color": "#1f2328", "size": 17})
    return figure


def level_badge(level: Any, colour: Any) -> str:
    """A risk level in its band's colour."""
    return badge(str(level), str(colour) if isinstance(colour, str) and colour else None)


_SIGNOFF_COLOURS = {"not requested": "#cf222e", "changes requested": STATUS_COLOURS["pending"],
                    "not required": "#57606a"}


def signoff_badge(state_label: Any) -> str:
    """A sign-off state (as :func:`~workbench.portfolio.governance.signoff_label` reads it)."""
    text = str(state_label)
    return badge(text, _SIGNOFF_COLOURS.get(text) or STATUS_COLOURS.get(text))


def _signoff_cell(row: dict[str, Any]) -> str:
    text = signoff_badge(row["signoff_label"])
    if row.get("waiting_for"):
        text += f' <span style="{_MUTED}">awaits {esc(row["waiting_for"])}</span>'
    if row.get("changed"):
        text += f' <span style="{_MUTED}">changed: {esc(row["changed"])}</span>'
    return text


def risk_rows_html(rows: pd.DataFrame, *, with_system: bool) -> str:
    """Risks as a table: title, system, level, owner, sign-off, actions (escaped)."""
    shown = rows.assign(
        level=[level_badge(level, colour) for level, colour in
               zip(rows["residual_level"], rows["residual_colour"], strict=True)],
        signoff_cell=[_signoff_cell(r) for r in rows.to_dict("records")],
        actions_text=[f"{fmt_int(o)} open" + (f", {fmt_int(d)} overdue" if d else "")
                      for o, d in zip(rows["open_actions"], rows["overdue_actions"],
                                      strict=True)])
    columns = {"title": "Risk"}
    if with_system:
        columns["system_name"] = "AI system"
    columns |= {"level": "Residual level", "owner_name": "Owner", "signoff_cell": "Sign-off",
                "actions_text": "Actions"}
    return html_table(shown, columns, formatters={"level": str, "signoff_cell": str,
                                                  "owner_name": nowrap, "actions_text": nowrap},
                      empty="No risk above the appetite is waiting for acceptance.")


# -- panels ---------------------------------------------------------------------------------------
def risk_panel(data: PortfolioData) -> Panel:
    """The portfolio's residual-risk heatmap and the risks above appetite awaiting acceptance."""
    from workbench import risk

    reg = data.register()
    live = risk.open_risks(reg)
    crit = risk.register_criteria(reg)
    title = "Residual risk across the portfolio"
    if live.empty:
        return Panel(key="risk", title=title, problems=problems_of(reg),
                     html=html_table([], empty="No open risks are registered yet."))
    figure = readable_heatmap(risk.heatmap_figure(
        live, criteria=crit, title=f"Residual risk: {fmt_int(len(live))} open risks"))
    waiting = awaiting_acceptance(data)
    above = int(live["above_appetite"].astype(bool).sum())
    note = (f"{fmt_int(len(live))} open risks in {fmt_int(live['system_id'].nunique())} AI "
            f"systems; {fmt_int(above)} above the appetite ({crit.appetite} or lower is "
            f"acceptable), {fmt_int(len(waiting))} of them awaiting acceptance")
    after = (_h4("Above appetite, awaiting acceptance")
             + risk_rows_html(waiting.head(_ROWS), with_system=True)
             + _more(_ROWS, len(waiting), "risks awaiting acceptance"))
    return Panel(key="risk", title=title, figure=figure, note=note, after_html=after,
                 table=risk.heatmap_matrix(live, crit), problems=problems_of(reg))


def actions_panel(data: PortfolioData) -> Panel:
    """Risk treatment actions past their due date, most overdue first."""
    late = overdue_actions(data)
    note = (f"{fmt_count(len(late), 'overdue action')} on "
            f"{fmt_count(late['risk_id'].nunique(), 'risk')} in "
            f"{fmt_count(late['system_id'].nunique(), 'AI system')}" if len(late)
            else "every treatment action is on time")
    shown = late.head(_ROWS).assign(due_text=lambda d: d["due"].map(fmt_date),
                                 late_text=lambda d: d["days_overdue"].map(
                                     lambda n: f"{fmt_int(n)} day{'s' if n != 1 else ''}"))
    html = html_table(shown, {"description": "Action", "risk_title": "Risk",
                              "system_name": "AI system", "owner_name": "Owner",
                              "due_text": "Due", "late_text": "Overdue by"},
                      formatters={"due_text": nowrap, "late_text": nowrap,
                                  "owner_name": nowrap},
                      empty="No treatment action is overdue.") + _more(_ROWS, len(late),
                                                                       "overdue actions")
    return Panel(key="actions", title="Overdue actions", note=note, html=html, table=late)


def _summary_by_kind(frame: pd.DataFrame) -> str:
    states = ["pending", "approved", "stale", "outdated", "rejected", "changes_requested"]
    table = pd.crosstab(frame["about"], frame["state"]).reindex(columns=states, fill_value=0)
    table = table.loc[:, table.any()] if len(table) else table
    table = table.reset_index()
    headers = {"about": "Sign-off of"} | {s: SignOffState.label_of(s).capitalize()
                                          for s in table.columns if s != "about"}
    return html_table(table, headers, formatters={s: fmt_int for s in states})


def approvals_panel(data: PortfolioData) -> Panel:
    """Sign-offs awaiting someone, and approvals the record has changed since."""
    from workbench.identity import current_user

    frame = approvals(data)
    title = "Approvals pending and stale"
    if frame.empty:
        return Panel(key="approvals", title=title,
                     html=html_table([], empty="No sign-off has been requested yet."))
    today = pd.Timestamp(data.today, tz="UTC")
    pending = frame[frame["state"] == "pending"].sort_values("requested_at", kind="stable")
    pending = pending.assign(
        requested=pending["requested_at"].map(fmt_date),
        waiting=((today - pending["requested_at"]).dt.days.clip(lower=0)
                 .map(lambda n: f"{fmt_int(n)} day{'s' if n != 1 else ''}")))
    stale = frame[frame["stale"].astype(bool)].sort_values("approved_at", kind="stable")
    stale_shown = stale.head(_ROWS)
    stale_shown = stale_shown.assign(changed=changed_since_approval(data, stale_shown),
                                     approved=stale_shown["approved_at"].map(fmt_date))
    try:
        from workbench import oversight

        mine = len(oversight.pending(data.store, current_user(data.store)))
    except Exception:  # noqa: BLE001 - an unidentified viewer has no queue of their own
        mine = 0
    others = int(frame["state"].isin(["rejected", "changes_requested"]).sum())
    outdated = int((frame["state"] == "outdated").sum())
    again = (f", {fmt_int(outdated)} to request again (the record changed before its signers "
             "decided)" if outdated else "")
    note = (f"{fmt_int(len(pending))} pending, {fmt_int(len(stale))} stale, "
            f"{fmt_int(others)} rejected or sent back{again}; {fmt_int(mine)} awaiting your "
            "sign-off")
    html = _summary_by_kind(frame)
    html += _h4("Waiting for sign-off") + html_table(
        pending.head(_ROWS), {"what": "What", "about": "Sign-off of",
                              "waiting_for": "Waiting for", "requested": "Requested",
                              "waiting": "Waiting"},
        formatters={"requested": nowrap, "waiting": nowrap},
        empty="No sign-off is waiting.") + _more(_ROWS, len(pending), "pending sign-offs")
    html += _h4("Stale approvals") + html_table(
        stale_shown, {"what": "What", "about": "Sign-off of", "approvers": "Approved by",
                      "approved": "Approved on", "changed": "Changed since"},
        formatters={"approved": nowrap},
        empty="No approval is stale.") + _more(_ROWS, len(stale), "stale approvals")
    return Panel(key="approvals", title=title, note=note, html=html, table=frame)


def readiness_panel(data: PortfolioData) -> Panel:
    """Readiness against ISO/IEC 42001 per clause and Annex A objective, and the top gaps."""
    from workbench import readiness

    result = data.readiness()
    k = readiness.kpis(result)
    counted = k["met"] + k["partial"] + k["missing"]
    def pct(value: Any) -> str:
        return fmt_percent(float("nan") if value is None else float(value))

    head = "".join([
        kpi("Overall", pct(k["overall"]), note="met counts 1, partial ½"),
        kpi("Clauses 4-10", pct(k["clauses"]), note="management system"),
        kpi("Annex A controls", pct(k["annex_a"]), note="as the SoA applies them"),
        kpi("Requirements met", f"{fmt_int(k['met'])} of {fmt_int(counted)}",
            note=f"{fmt_int(k['partial'])} partial, {fmt_int(k['missing'])} missing"),
    ])
    gaps = readiness.gap_table(result)
    top = gaps.drop_duplicates("requirement").head(_ROWS)
    top = top.assign(requirement_text=top["requirement"] + " " + top["title"])
    status_colour = {"missing": STATUS_COLOURS["missing"], "partial": STATUS_COLOURS["partial"]}
    table = html_table(top, {"requirement_text": "Requirement", "status": "Status",
                             "reason": "Why"},
                       formatters={"status": lambda v: badge(str(v), status_colour.get(v))},
                       empty="No gaps: every applicable requirement is met.")
    soa = {"approved": "approved", "pending": "awaiting sign-off", "stale": "stale",
           "none": "not approved"}.get(result.soa_state, result.soa_state)
    note = (f"computed from the records as of {fmt_date(result.today)}; "
            f"{fmt_int(len(gaps))} items to do; the Statement of Applicability is {soa}")
    figure = readiness.readiness_figure(result, title="Readiness by clause and Annex A "
                                        "objective")
    figure.update_layout(height=max(320, 24 * len(result.by_clause) + 90))
    after = (_h4("Largest gaps") + table
             + _more(len(top), gaps["requirement"].nunique(), "requirements with gaps"))
    return Panel(key="readiness", title="Readiness against ISO/IEC 42001", note=note,
                 problems=result.problems,
                 html=('<div class="wb-readiness-kpis" style="display:flex;flex-wrap:wrap">'
                       f"{head}</div>"), figure=figure,
                 after_html=after, table=readiness.clause_table(result))


def threshold_text(threshold: Any, bound: Any) -> str:
    """``≤ 0.10`` / ``≥ 0.80`` (empty without a threshold)."""
    if threshold is None or pd.isna(threshold):
        return ""
    return f"{'≥' if bound == 'min' else '≤'} {float(threshold):.2f}"


def fairness_table(rows: pd.DataFrame, *, with_system: bool, only_thresholds: bool,
                   measured: bool = False) -> str:
    """Fairness metrics as a table: value, threshold and whether it is breached; with the
    system, or with ``measured``, what measured it (fairness check or monitoring run) when."""
    if only_thresholds:
        rows = rows[rows["threshold"].notna()]

    def status(row: dict[str, Any]) -> str:
        if row["breach"]:
            text = badge("breach")
        elif pd.isna(row["threshold"]):
            text = f'<span style="{_MUTED}">no threshold</span>'
        else:
            text = badge("within", STATUS_COLOURS["ok"])
        if not row["reliable"]:
            text += f' <span style="{_MUTED}">(a group is too small to rely on)</span>'
        if row["expired"]:
            text += " " + badge("evidence expired", STATUS_COLOURS["expired"])
        return text

    shown = rows.assign(value_text=rows["value"].map(lambda v: "" if pd.isna(v) else
                                                     f"{float(v):.3f}"),
                        threshold_text=[threshold_text(t, b) for t, b in
                                        zip(rows["threshold"], rows["bound"], strict=True)],
                        status_html=[status(r) for r in rows.to_dict("records")],
                        collected=rows["collected_at"].map(fmt_date))
    if "source_label" in shown:  # a fairness check or a monitoring run: say which, and when
        shown = shown.assign(collected=shown["source_label"].fillna("") + ", "
                             + shown["collected"])
    columns = {"system": "AI system"} if with_system else {}
    columns |= {"metric_label": "Metric", "feature_label": "Sensitive feature",
                "value_text": "Value", "threshold_text": "Threshold",
                "status_html": "Status"}
    if with_system or measured:
        columns["collected"] = "Measured by"
    return html_table(shown, columns, formatters={"status_html": str, "collected": nowrap},
                      empty="No fairness results have been recorded.")


def fairness_panel(data: PortfolioData) -> Panel:
    """Fairness metrics outside their thresholds in their latest measurement, by a fairness
    check or a later monitoring run (:func:`~workbench.portfolio.governance.fairness_latest`),
    the same results the KPI card counts and the system page shows."""
    latest = fairness_latest(data)
    breaches = latest[latest["breach"].astype(bool)]
    measured = latest["system_id"].nunique()
    n = len(breaches)
    outside = "metrics outside their thresholds" if n != 1 else "metric outside its threshold"
    note = (f"{fmt_int(n)} {outside} in {fmt_int(breaches['system_id'].nunique())} of the "
            f"{fmt_int(measured)} AI systems with fairness results (each metric's latest "
            "measurement, by a fairness check or a monitoring run)")
    html = fairness_table(breaches.head(_ROWS), with_system=True, only_thresholds=False)
    if breaches.empty:
        html = html_table([], empty="No fairness metric is outside its threshold."
                          if measured else "No fairness results have been recorded.")
    html += _more(_ROWS, len(breaches), "breaches")
    return Panel(key="fairness", title="Fairness flags", note=note, html=html, table=latest)
