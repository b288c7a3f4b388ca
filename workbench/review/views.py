"""The management review pack and the decisions as escaped HTML (reports, notebooks)."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from workbench.render import STATUS_COLOURS, badge, esc, html_table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.review.review_pack import PackSection, ReviewPack

__all__ = ["COLUMNS", "INPUT_LABELS", "label", "pack_html", "section_html"]

#: Columns each section's table shows, with their headers.
COLUMNS: dict[str, dict[str, str]] = {
    "previous_actions": {"review_id": "Review", "decision_id": "Decision",
                         "description": "What", "owner": "Owner", "due": "Due",
                         "done_on": "Done", "status": "Status", "note": "What was done"},
    "context": {"kind": "Record", "record_id": "Id", "version": "Version",
                "saved_at": "Saved", "saved_by": "By", "change": "Change"},
    "interested_parties": {"party": "Interested party", "change": "Change", "needs": "Needs"},
    "nonconformities": {"id": "Id", "title": "Nonconformity", "raised_on": "Raised",
                        "severity": "Severity", "status": "Status", "stage": "Stage",
                        "actions_done": "Actions done", "actions": "of",
                        "overdue_actions": "Overdue"},
    "incidents": {"id": "Id", "system_id": "AI system", "title": "Incident",
                  "detected_on": "Detected", "severity": "Severity", "serious": "Serious",
                  "status": "Status"},
    "monitoring": {"system_id": "AI system", "state": "State", "last_run_at": "Last run",
                   "next_due": "Next due", "id": "Evidence", "title": "Title",
                   "collected_at": "Collected", "valid": "Valid"},
    "readiness": {"as_of": "As of", "overall": "Overall", "clauses": "Clauses 4-10",
                  "annex_a": "Annex A", "met": "Met", "partial": "Partial",
                  "missing": "Missing"},
    "audits": {"id": "Audit", "title": "Scope", "auditor": "Auditor", "planned_on": "Planned",
               "completed_on": "Completed", "status": "Status"},
    "risks": {"id": "Risk", "title": "Title", "residual_level": "Residual level",
              "treatment": "Treatment", "status": "Status", "signoff": "Acceptance",
              "overdue_actions": "Overdue actions", "owner": "Owner"},
}
_BADGES = {"done": STATUS_COLOURS.get("met"), "completed": STATUS_COLOURS.get("met"),
           "closed": STATUS_COLOURS.get("met"), "ok": STATUS_COLOURS.get("met"),
           "open": STATUS_COLOURS.get("partial"), "planned": STATUS_COLOURS.get("partial"),
           "overdue": STATUS_COLOURS.get("missing"), "breach": STATUS_COLOURS.get("missing")}


#: What each section informs, as the pack labels it ("9.3.2 input: ..."): the topic's words,
#: unless the section is one of several that inform it and needs saying what it adds.
INPUT_LABELS: dict[str, str] = {
    "incidents": "AI management system performance: AI incidents",
}

#: Columns whose values are codes (``no_plan``, ``in_progress``): shown as words.
_CODE_COLUMNS = ("status", "state", "stage", "severity", "signoff", "treatment",
                 "residual_level", "kind")


def label(value: Any) -> str:
    """A code as words: ``in_progress`` -> ``in progress``, ``no_plan`` -> ``no plan``."""
    return str(value).replace("_", " ")


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool) or type(value).__name__ in ("bool", "bool_"):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.0f}%"
    if isinstance(value, dt.datetime) or hasattr(value, "strftime"):
        try:
            return value.strftime("%Y-%m-%d")
        except ValueError:  # NaT
            return ""
    return value


def _table(key: str, table: pd.DataFrame) -> str:
    wanted = {c: h for c, h in COLUMNS.get(key, {}).items() if c in table.columns}
    if not wanted:
        wanted = {c: c for c in table.columns if not str(c).startswith("_")}
    shown = table[list(wanted)].copy()
    for col in shown.columns:
        if key != "readiness" and shown[col].dtype.kind == "f":
            shown[col] = [("" if math.isnan(v) else f"{v:g}") for v in shown[col]]
        else:
            shown[col] = [_cell(v) for v in shown[col]]
        if col in _CODE_COLUMNS:
            shown[col] = [label(v) for v in shown[col]]

    def status(value: Any) -> str:
        text = str(value)
        return badge(text, _BADGES.get(text)) if text in _BADGES else esc(text)

    formatters = {c: status for c in ("status", "state") if c in wanted}
    return html_table(shown, wanted, formatters=formatters, empty="Nothing recorded.",
                      max_rows=40)


def section_html(section: PackSection, number: int) -> str:
    """One input: numbered title, the 9.3.2 topic, the generated summary, the table."""
    topic = INPUT_LABELS.get(section.key) or label(section.topic.value)
    note = "" if section.available else " (not recorded in this workbench)"
    return (f'<section class="wb-review-section" data-section="{esc(section.key)}">'
            f'<h2 style="font-size:1.2em;margin:18px 0 4px 0">{number}. {esc(section.title)}</h2>'
            f'<div style="color:#57606a;font-size:0.85em">9.3.2 input: {esc(topic)}{esc(note)}'
            f'</div><p class="wb-review-summary">{esc(section.summary)}</p>'
            f"{_table(section.key, section.table)}</section>")


def pack_html(pack: ReviewPack) -> str:
    """The whole pack without figures: header, then every section."""
    prev = (f"previous review {pack.previous_review['id']} held on {pack.since}"
            if pack.previous_review else "no previous management review")
    seq, head = pack.store_head
    header = (f'<div class="wb-review-header"><h1 style="font-size:1.5em;margin:0">'
              f"Management review pack: {esc(pack.organization)}</h1>"
              f'<div style="color:#57606a">As of {esc(pack.as_of)}; {esc(prev)}; records as '
              f"they stood at store entry #{esc(seq)} {esc(head[:12])}</div></div>")
    body = "".join(section_html(s, i) for i, s in enumerate(pack.sections, start=1))
    return header + body
