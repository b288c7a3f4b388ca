"""One-system panels of the governance features: go-live sign-off, EU AI Act tier, impact
assessment, risks and fairness. Each is ``fn(data, system_id)``, listed in
:data:`~workbench.portfolio.panels.SYSTEM_PANELS`; the dashboard and the quarterly system
report show the same panels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.portfolio.data import PortfolioData, fmt_date, label
from workbench.portfolio.governance import (
    TIER_LABELS,
    changed_since_approval,
    fairness_latest,
    signoff_label,
)
from workbench.portfolio.governance_panels import (
    H4,
    fairness_table,
    nowrap,
    readable_heatmap,
    risk_rows_html,
    signoff_badge,
)
from workbench.portfolio.panels import Panel, _system_row
from workbench.registers import RecordProblem, problems_of
from workbench.render import STATUS_COLOURS, badge, esc, fmt_count, fmt_int, html_table

if TYPE_CHECKING:  # pragma: no cover
    from workbench.oversight import SignOffStatus

__all__ = [
    "eu_ai_act_panel",
    "golive_panel",
    "impact_panel",
    "model_card_panel",
    "signoff_html",
    "system_fairness_panel",
    "system_risk_panel",
]

_MUTED = "color:#57606a"
_SIGNERS = {"governance_lead": "AI governance lead", "system_owner": "system owner",
            "risk_owner": "risk owner"}
_DECISIONS = {"approve": "approved", "approve_with_conditions": "approved with conditions",
              "reject": "rejected", "request_changes": "requested changes"}


def _facts_table(rows: list[tuple[str, str]]) -> str:
    """Label/value rows; values are safe HTML (the caller escapes what it embeds)."""
    body = "".join(f'<tr><th style="text-align:left;vertical-align:top;padding:3px 14px 3px 0;'
                   f'{_MUTED};font-weight:500;white-space:nowrap">{esc(k)}</th>'
                   f'<td style="padding:3px 0">{v}</td></tr>' for k, v in rows if v)
    return f'<table class="wb-facts" style="font-size:0.95em">{body}</table>'


def _question(question_id: str) -> str:
    """An impact-assessment question as executives read it: its text, without the internal
    id (``high_risk.annex_i_product``); the id only for a question the questionnaire lacks."""
    from workbench.impact.questionnaire import questionnaire

    q = questionnaire()
    return q.question(question_id).text if question_id in q else str(question_id)


def _names(data: PortfolioData, logins: list[str]) -> str:
    people = data.person_names()
    return ", ".join(people.get(p, p) for p in logins)


def signoff_html(status: SignOffStatus, data: PortfolioData) -> str:
    """A record's sign-off state in words: who approved which version when, who it awaits,
    what changed since a stale approval, who rejected it and why. Names, not logins."""
    state = signoff_label(status.state)
    parts = [signoff_badge(state)]
    if status.approved_version is not None and status.state in ("approved", "stale"):
        when = f" on {fmt_date(status.approved_at)}" if status.approved_at else ""
        parts.append(f"version {fmt_int(status.approved_version)} approved by "
                     f"{esc(_names(data, status.approved_by))}{esc(when)}")
    if status.state == "pending":
        waiting = data.names_in(pd.Series([", ".join(status.pending_with)])).iloc[0]
        since = f", requested on {fmt_date(status.requested_at)}" if status.requested_at else ""
        parts.append(f"version {fmt_int(status.current_version)} awaits {esc(waiting)}"
                     f"{esc(since)}")
    if status.state in ("rejected", "changes_requested"):
        last = next((d for d in reversed(status.decisions)
                     if d.decision.value in ("reject", "request_changes")), None)
        if last is not None:
            parts.append(f"by {esc(_names(data, [last.who]))} on {esc(fmt_date(last.when))}: "
                         f"“{esc(last.comment)}”")
    if status.state == "none":
        parts.append("no sign-off has been requested")
    if status.state == "outdated":
        parts.append(f"sign-off was requested for an earlier version; version "
                     f"{fmt_int(status.current_version)} changed before the signers decided: "
                     "request it again")
    if status.stale and status.state != "stale" and status.approved_version is not None:
        parts.append(f"(the approval of version {fmt_int(status.approved_version)} by "
                     f"{esc(_names(data, status.approved_by))} is stale)")
    html = " ".join(parts)
    if status.stale and status.changes:
        rows = [{"field": label(c.field.split(".")[0].split("[")[0]), "before": c.before,
                 "after": c.after} for c in status.changes[:6]]
        html += ('<div class="wb-keep"><div style="margin-top:4px">Changed since the approval '
                 f"(version {fmt_int(status.current_version)}):</div>"
                 + html_table(rows, {"field": "Field", "before": "Approved",
                                     "after": "Now"}) + "</div>")
    if status.decisions:
        rows = [{"who": _names(data, [d.who]), "as": _SIGNERS.get(d.role, label(d.role)),
                 "decision": _DECISIONS.get(d.decision.value, d.decision.value),
                 "when": fmt_date(d.when), "version": fmt_int(d.version),
                 "comment": "; ".join([d.comment, *d.conditions]).strip("; ")}
                for d in status.decisions]
        html += (f'<div class="wb-keep"><div style="margin-top:6px;{_MUTED}">Decisions</div>'
                 + html_table(rows, {"who": "Who", "as": "As", "decision": "Decision",
                                     "when": "When", "version": "Version",
                                     "comment": "Comment or conditions"},
                              formatters={"who": nowrap, "as": nowrap, "when": nowrap})
                 + "</div>")
    return f'<div class="wb-signoff">{html}</div>'


def _status(data: PortfolioData, kind: str, record_id: str) -> SignOffStatus:
    from workbench import oversight

    return oversight.status(data.store, kind, record_id)


def _problems_of_system(system_id: str, *frames: Any) -> tuple[RecordProblem, ...]:
    """The records about this system that a panel's frames left out (failing their checks)."""
    return tuple(p for p in problems_of(*frames) if p.system_id == system_id)


# -- panels ---------------------------------------------------------------------------------------
def golive_panel(data: PortfolioData, system_id: str) -> Panel:
    """The system's go-live sign-off (system owner and AI governance lead)."""
    _system_row(data, system_id)
    status = _status(data, "ai_system", system_id)
    return Panel(key="golive", title="Go-live sign-off", html=signoff_html(status, data),
                 table=pd.DataFrame([status.model_dump(include={"state", "approved_version",
                                                                "current_version"})]))


def eu_ai_act_panel(data: PortfolioData, system_id: str) -> Panel:
    """The EU AI Act tier with the obligations for our role and the reasoning behind it."""
    from workbench.impact import classify_system
    from workbench.impact.views import answer_text, rule_label, tier_badge

    _system_row(data, system_id)
    result = classify_system(data.store, system_id)
    head = (f'<div style="font-size:1.05em">{tier_badge(result.tier)} '
            f"<b>{esc(TIER_LABELS.get(result.tier, result.tier))}</b>"
            f'<span style="{_MUTED}"> as {esc(" and ".join(result.roles) or "user")}'
            + (f"; general-purpose AI model: {esc(result.gpai)}" if result.gpai != "none"
               else "") + "</span></div>")
    parts = [head]
    if result.missing:
        items = "".join(f"<li>{esc(_question(m))}</li>" for m in result.missing[:8])
        more = (f'<li style="{_MUTED}">… and {fmt_int(len(result.missing) - 8)} more</li>'
                if len(result.missing) > 8 else "")
        lead = ("To classify it, the impact assessment must answer:" if result.undetermined
                else "Still to answer for the obligations:")
        parts.append(f'<div style="margin-top:6px">{esc(lead)}<ul style="margin:2px 0">'
                     f"{items}{more}</ul></div>")
    steps = [s for s in result.reasoning if s.effect in ("triggers", "exception", "role")]
    if not steps and result.tier == "minimal":
        parts.append('<p style="margin:6px 0">No prohibited practice, high-risk use or '
                     "transparency obligation applies to the answers given.</p>")
    if steps:
        rows = [{"rule": rule_label(s.rule), "answer": (
            f"{_question(s.question)} "
            f"{answer_text(s.question, s.answer)}".strip() if s.question else ""),
            "conclusion": s.conclusion} for s in steps]
        parts.append(f'<h4 style="{H4}">Why</h4>'
                     + html_table(rows, {"rule": "Rule", "answer": "Answer given",
                                         "conclusion": "Conclusion"}))
    if result.obligations:
        from workbench import catalog

        rows = [{"article": rule_label(a).rsplit(" (", 1)[0],
                 "summary": getattr(catalog.get(a), "summary", "") or ""}
                for a in result.obligations]
        parts.append(f'<h4 style="{H4}">Obligations for our role</h4>'
                     + html_table(rows, {"article": "Article", "summary": "What it asks"}))
    note = ("from the latest impact assessment's answers" if not result.undetermined
            else "the tier is not yet determined")
    return Panel(key="eu-ai-act", title="EU AI Act classification", note=note,
                 html="".join(parts), table=result.reasoning_frame())


def impact_panel(data: PortfolioData, system_id: str) -> Panel:
    """The latest impact assessment: its status, review date, harms and sign-off state."""
    from workbench.impact.views import state_badges

    _system_row(data, system_id)
    port = data.eu_portfolio()
    row = port[port["system_id"] == system_id].iloc[0]
    title = "Impact assessment"
    problems = _problems_of_system(system_id, port)
    if not row["assessment_id"]:
        return Panel(key="impact", title=title, problems=problems, html=(
            f'<p>{badge("none")} No impact assessment has been recorded for this system; '
            "its EU AI Act tier cannot be determined without one.</p>"))
    record = data.store.get("impact_assessment", row["assessment_id"]).record
    people = data.person_names()
    unmitigated = len(record.unmitigated_harms())
    review = fmt_date(row["review_due"])
    if row["overdue_review"]:
        review = f"{esc(review)} {badge('overdue')}"
    else:
        review = esc(review)
    status = _status(data, "impact_assessment", row["assessment_id"])
    facts = [
        ("Status", state_badges(str(row["assessment_status"]), status.state)),
        ("Trigger", esc(label(record.trigger.value))),
        ("Assessed", esc(f"{fmt_date(row['assessed_on'])} by "
                         f"{people.get(row['assessor'], row['assessor'])}")),
        ("Review due", review),
        ("Harms", esc(f"{fmt_int(len(record.harms))} identified, {fmt_int(unmitigated)} "
                      "without a measure")),
        ("Measures", esc(fmt_int(len(record.measures)))),
        ("Conclusion", esc(record.conclusion)),
        ("Sign-off", signoff_html(status, data)),
    ]
    return Panel(key="impact", title=title, html=_facts_table(facts), problems=problems,
                 note=f"version {fmt_int(status.current_version)} of the assessment",
                 table=pd.DataFrame([row]))


def system_risk_panel(data: PortfolioData, system_id: str) -> Panel:
    """The system's residual-risk heatmap and its top open risks with their sign-off."""
    from workbench import risk

    _system_row(data, system_id)
    reg = data.register()
    mine = reg[reg["system_id"] == system_id]
    mine.attrs = dict(reg.attrs)
    live = risk.open_risks(mine)
    title = "Risks"
    problems = _problems_of_system(system_id, reg)
    if live.empty:
        return Panel(key="system-risk", title=title, problems=problems,
                     html=html_table([], empty="No open risks are registered for this system."))
    crit = risk.register_criteria(reg)
    figure = readable_heatmap(risk.heatmap_figure(
        live, criteria=crit, title=f"Residual risk: {fmt_int(len(live))} open risks"))
    figure.update_layout(height=440, width=640)
    people = data.person_names()
    top = live.head(10)
    top = top.assign(owner_name=top["owner"].map(people).fillna(top["owner"]),
                     signoff_label=top["signoff"].map(signoff_label),
                     waiting_for=data.names_in(top["signoff_pending_with"]))
    stale = top[top["signoff"] == "stale"]
    changed = changed_since_approval(data, stale.assign(
        kind="risk", record_id=stale["id"], approved_version=stale.get(
            "signoff_version", pd.Series(pd.NA, index=stale.index))))
    top = top.assign(changed=changed.reindex(top.index, fill_value=""))
    above = live[live["above_appetite"].astype(bool)]
    waiting = int(live["awaiting_acceptance"].astype(bool).sum())
    note = (f"{fmt_count(len(live), 'open risk')}; {fmt_int(len(above))} above the appetite "
            f"({crit.appetite} or lower is acceptable), {fmt_int(waiting)} awaiting "
            f"acceptance; {fmt_count(int(live['overdue_actions'].sum()), 'overdue action')}")
    after = (f'<h4 style="{H4}">Top risks by residual level</h4>'
             + risk_rows_html(top, with_system=False))
    if len(live) > len(top):
        after += (f'<p style="{_MUTED};font-size:0.85em">Showing {fmt_int(len(top))} of '
                  f"{fmt_int(len(live))} open risks.</p>")
    return Panel(key="system-risk", title=title, figure=figure, note=note, after_html=after,
                 table=risk.heatmap_matrix(live, crit), problems=problems)


def system_fairness_panel(data: PortfolioData, system_id: str) -> Panel:
    """The latest measurement of each of the system's fairness metrics against its threshold:
    its last fairness check, and what a later monitoring run measured since
    (:func:`~workbench.portfolio.governance.fairness_latest`, as the portfolio's fairness card
    and flags count them). The badge counts the breaches among those, so it never reads as
    all clear while the latest monitoring run measured a breach."""
    _system_row(data, system_id)
    latest = fairness_latest(data, system_id=system_id)
    title = "Fairness"
    checks = data.fairness()
    checks = checks[checks["system_id"] == system_id]
    last_check = (None if checks.empty else
                  checks.sort_values(["collected_at", "evidence_id"]).iloc[-1])
    since = None if last_check is None else last_check["collected_at"]
    newer = _monitored_fairness_breaches(data, system_id, since)
    if latest.empty:
        return Panel(key="system-fairness", title=title, html=newer + html_table(
            [], empty="No fairness evidence has been recorded for this system."))
    sources = []
    if last_check is not None:
        titles = dict(zip(data.evidence["id"], data.evidence["title"]))
        expired = " (expired)" if bool(last_check["expired"]) else ""
        sources.append(f"{titles.get(last_check['evidence_id'], 'Fairness check')}, measured "
                       f"on {fmt_date(last_check['collected_at'])}{expired}")
    runs = latest[latest["source"] == "monitoring"]
    monitored = not runs.empty
    if monitored:
        sources.append(f"later measured by the monitoring run of "
                       f"{fmt_date(runs['collected_at'].iloc[0])}")
    note = "; ".join(sources)
    breaches = int(latest["breach"].astype(bool).sum())
    if breaches:
        outside = ("metrics outside their thresholds" if breaches != 1
                   else "metric outside its threshold")
        head = badge(f"{fmt_int(breaches)} {outside}", STATUS_COLOURS["breach"])
    else:
        head = badge("every metric within its threshold", STATUS_COLOURS["ok"])
    if monitored:
        head += (f' <span style="{_MUTED}">in the latest measurement of each metric, by the '
                 "fairness check or a later monitoring run</span>")
    head = f'<p style="margin:2px 0 6px 0">{head}</p>' + newer
    return Panel(key="system-fairness", title=title, note=note, table=latest,
                 html=head + fairness_table(latest, with_system=False, only_thresholds=False,
                                            measured=monitored))


def _monitored_fairness_breaches(data: PortfolioData, system_id: str, since: Any) -> str:
    """A warning when the system's latest monitoring run, later than its last fairness check
    (``since``), measured a fairness gap outside its threshold: the panel shows the check,
    and must not read as all clear while monitoring says otherwise. "" when there is none."""
    from workbench.monitoring import timeline_frame

    if not data.store.find("monitoring_plan", f"mp-{system_id}"):
        return ""
    runs = timeline_frame(data.store, system_id)
    runs = runs[runs["run_at"].dt.date <= data.today]
    if runs.empty:
        return ""
    last = runs[runs["run_id"] == runs["run_id"].iloc[-1]]
    when = last["run_at"].iloc[0]
    if since is not None and not pd.isna(since) and when <= pd.Timestamp(since):
        return ""
    bad = last[(last["metric"] == "fairness") & last["breached"]]
    if bad.empty:
        return ""
    items = "; ".join(f"{row.label}: {row.value:.3f} "
                      f"{'>' if row.direction == 'max' else '<'} {row.threshold:g}"
                      for row in bad.itertuples())
    count = (f"{fmt_int(len(bad))} fairness gaps" if len(bad) != 1 else "a fairness gap")
    return (f'<p class="wb-monitored-fairness" style="margin:2px 0 6px 0">'
            f'{badge("monitoring", STATUS_COLOURS["breach"])} The latest monitoring run, on '
            f"{esc(fmt_date(when))}, measured {count} outside the plan's threshold: "
            f"{esc(items)}. The table below shows each metric's latest measurement; see "
            "Monitoring over time.</p>")


def _signoff_line(status: SignOffStatus | None, data: PortfolioData) -> str:
    """One line of sign-off state (the card's decisions are in the full card report)."""
    if status is None or status.state == "none":
        return esc("no sign-off has been requested")
    if status.state == "outdated":
        return esc(f"sign-off was requested for an earlier version; version "
                   f"{status.current_version} needs a new request")
    if status.state in ("approved", "stale") and status.approved_version is not None:
        when = f" on {fmt_date(status.approved_at)}" if status.approved_at else ""
        return esc(f"version {status.approved_version} approved by "
                   f"{_names(data, status.approved_by)}{when}" +
                   (" (the card changed since)" if status.state == "stale" else ""))
    if status.state == "pending":
        waiting = data.names_in(pd.Series([", ".join(status.pending_with)])).iloc[0]
        return esc(f"version {status.current_version} awaits {waiting}")
    return esc(status.summary())


def model_card_panel(data: PortfolioData, system_id: str) -> Panel:
    """The system's model card in brief: status and sign-off, stale or not (and what changed),
    the model, its headline metrics and most important features, and how to open it."""
    from workbench.explain.card import card_state
    from workbench.explain.card_views import state_badges

    _system_row(data, system_id)
    state = card_state(data.store, system_id, today=data.today)
    title = "Model card"
    report = (f'<span style="{_MUTED}">Full card: <code>workbench report model_card --system '
              f"{esc(system_id)}</code></span>")
    if state.card is None:
        return Panel(key="model-card", title=title, html=(
            f"<p>{badge('none')} No model card has been recorded for this system; its "
            "instructions for use (EU AI Act Art. 13) are not documented here.</p>"))
    card = state.card
    metrics = ", ".join(f"{k.replace('_', ' ')} {v:.3f}" for k, v in
                        card.accuracy_metrics.items() if v is not None and k in
                        ("accuracy", "roc_auc", "brier_score", "r2"))
    tops = ", ".join(f.name for f in card.input_features[:3])
    explanation = card.source("explanation")
    facts = [
        ("Status", state_badges(state)),
        ("Model", esc(f"version {card.model_version or 'not declared'}, fingerprint "
                      f"{card.model_fingerprint[:12] or 'none'}")),
        ("Accuracy", esc(metrics or "not recorded")),
        ("Most important", esc(tops or "not explained yet")),
        ("Explained by", esc(f"evidence {explanation.id}" if explanation else "no explanation "
                             "evidence")),
        ("Sign-off", _signoff_line(state.signoff, data)),
    ]
    html = _facts_table(facts)
    if state.stale:
        items = "".join(f"<li>{esc(c.text())}</li>" for c in state.changes[:5])
        more = (f'<li style="{_MUTED}">… and {fmt_int(len(state.changes) - 5)} more</li>'
                if len(state.changes) > 5 else "")
        changed = badge("sources changed", STATUS_COLOURS["stale"])
        html += (f'<div class="wb-stale" style="margin-top:6px">{changed} Changed since it was '
                 f'filled:<ul style="margin:2px 0">{items}{more}</ul></div>')
    table = pd.DataFrame([{"card_id": state.card_id, "version": state.stored.version,
                           "status": state.status, "signoff": state.signoff_state,
                           "stale": state.stale,
                           "changes": [c.text() for c in state.changes]}])
    return Panel(key="model-card", title=title, html=html + report, table=table,
                 note=f"version {fmt_int(state.stored.version)} of the card")
