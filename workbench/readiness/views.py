"""Escaped HTML and panel-ready tables of readiness and the Statement of Applicability.

Everything shown here that a person typed (justifications, reasons naming record titles,
evidence ids) goes through :mod:`workbench.render`, so ``<img src=x onerror=alert(1)>`` shows
as text.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from workbench.render import STATUS_COLOURS, badge, esc, html_table, kpi

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.readiness.engine import Readiness
    from workbench.store import Store

__all__ = [
    "clause_table",
    "gap_table",
    "kpis",
    "readiness_html",
    "requirement_html",
    "soa_document",
    "soa_html",
    "soa_summary",
]

_STATUS_LABEL = {"met": "met", "partial": "partial", "missing": "missing",
                 "not_applicable": "not applicable"}


def _status_badge(value: Any) -> str:
    label = _STATUS_LABEL.get(str(value), str(value))
    return badge(label, STATUS_COLOURS.get(label))


def _pct(value: Any) -> str:
    return "n/a" if value is None or math.isnan(float(value)) else f"{float(value):.0f}%"


def _items(values: Any) -> str:
    values = list(values) if isinstance(values, (list, tuple)) else []
    if not values:
        return ""
    return "<ul style='margin:0;padding-left:18px'>" + "".join(
        f"<li>{esc(v)}</li>" for v in values) + "</ul>"


def _expired(values: Any) -> str:
    values = list(values) if isinstance(values, (list, tuple)) else []
    return " ".join(badge(f"expired: {v}", STATUS_COLOURS["expired"]) for v in values)


# -- panel-ready tables ---------------------------------------------------------------------------
def kpis(result: Readiness) -> dict[str, Any]:
    """Headline numbers: overall percent, clauses and Annex A percent, counts, gaps, SoA state."""
    counts = result.counts()
    return {"overall": result.overall, "clauses": result.totals.get("clauses 4-10"),
            "annex_a": result.totals.get("Annex A"), **counts, "gaps": len(result.gaps),
            "soa_state": result.soa_state, "as_of": result.today}


def clause_table(result: Readiness) -> pd.DataFrame:
    """Per clause and Annex A objective: ``group``, ``title``, ``percent`` and counts."""
    cols = ["group", "title", "percent", "met", "partial", "missing", "not_applicable"]
    return result.by_clause[cols].reset_index(drop=True)


def gap_table(result: Readiness, *, status: str | None = None) -> pd.DataFrame:
    """The to-do list: ``requirement``, ``title``, ``status``, ``item``, ``reason``; missing
    requirements first."""
    gaps = result.gaps
    if status is not None:
        gaps = gaps[gaps["status"] == status]
    order = {"missing": 0, "partial": 1}
    keyed = gaps.assign(_o=gaps["status"].map(order).fillna(2))
    return keyed.sort_values("_o", kind="stable").drop(columns="_o")[
        ["requirement", "title", "status", "item", "reason"]].reset_index(drop=True)


def soa_summary(table: pd.DataFrame) -> dict[str, Any]:
    """Counts of a SoA table (:func:`~workbench.readiness.soa.soa_table`): included,
    excluded, undecided, per implementation status, and its approval banner."""
    info = table.attrs.get("soa", {})
    applicable = table["applicable"].value_counts()
    impl = table.loc[table["applicable"] == "yes", "implementation"].value_counts()
    return {"controls": len(table), "included": int(applicable.get("yes", 0)),
            "excluded": int(applicable.get("no", 0)),
            "undecided": int(applicable.get("to decide", 0)),
            "implemented": int(impl.get("implemented", 0)),
            "partial": int(impl.get("partial", 0)), "planned": int(impl.get("planned", 0)),
            "state": info.get("state", "none"), "banner": info.get("banner", ""),
            "version": info.get("shown_version")}


# -- HTML -----------------------------------------------------------------------------------------
def readiness_html(result: Readiness, *, max_gaps: int | None = None) -> str:
    """The readiness report: headline numbers, the per-clause table and every gap."""
    k = kpis(result)
    head = "".join([
        kpi("Overall readiness", _pct(k["overall"]), note=f"as of {result.today}"),
        kpi("Clauses 4-10", _pct(k["clauses"])), kpi("Annex A", _pct(k["annex_a"])),
        kpi("Requirements met", f"{k['met']} / {k['met'] + k['partial'] + k['missing']}",
            note=f"{k['not_applicable']} not applicable"),
        kpi("Items to do", k["gaps"]),
    ])
    clauses = html_table(clause_table(result), {
        "group": "Clause", "title": "Title", "percent": "Readiness", "met": "Met",
        "partial": "Partial", "missing": "Missing", "not_applicable": "N/A"},
        formatters={"percent": _pct})
    gaps = html_table(gap_table(result), {
        "requirement": "Requirement", "title": "Title", "status": "Status",
        "item": "To do", "reason": "Why"}, formatters={"status": _status_badge},
        empty="No gaps: every applicable requirement is met.", max_rows=max_gaps)
    return (f'<div class="wb-readiness"><div>{head}</div>'
            f"<h3>Readiness by clause</h3>{clauses}"
            f"<h3>Gaps ({len(result.gaps)})</h3>{gaps}</div>")


def requirement_html(result: Readiness, requirement_id: str) -> str:
    """One requirement: its status, reason, what is missing, what counts and what expired."""
    from workbench.readiness.rules import get_rule

    row = result.requirement(requirement_id)
    rule = get_rule(requirement_id)
    parts = [f"<h4>{esc(row['id'])} {esc(row['title'])} {_status_badge(row['status'])}</h4>",
             f"<p><b>Why:</b> {esc(row['reason'])}</p>",
             (f"<p style='color:#57606a'><b>Rule</b> {esc(rule.name)}: "
             f"{esc(rule.description)}</p>")]
    if row["missing"]:
        parts.append(f"<p><b>Missing</b></p>{_items(row['missing'])}")
    if row["evidence"]:
        parts.append(f"<p><b>Counts as evidence</b></p>{_items(row['evidence'])}")
    if row["expired"]:
        parts.append(f"<p><b>Expired (does not count)</b> {_expired(row['expired'])}</p>")
    if row.get("refused"):
        parts.append(f"<p><b>Not accepted (does not count)</b></p>{_items(row['refused'])}")
    if row["soa_applicable"]:
        parts.append(f"<p><b>Statement of Applicability:</b> applicable "
                     f"{esc(row['soa_applicable'])}"
                     + (f", {esc(row['soa_implementation'])}" if row["soa_implementation"]
                        else "") + "</p>")
    return '<div class="wb-requirement">' + "".join(parts) + "</div>"


def soa_html(table: pd.DataFrame, *, organization: str = "") -> str:
    """The printable Statement of Applicability: its approval state, then every Annex A
    control grouped by objective with applicability, justification, implementation, owner,
    the risks it treats and its evidence (expired evidence marked)."""
    info = table.attrs.get("soa", {})
    banner = info.get("banner", "")
    colour = (STATUS_COLOURS["approved"] if banner.startswith("Approved") else
              STATUS_COLOURS["stale"] if banner.startswith("STALE") else
              STATUS_COLOURS["missing"])
    title = f"{organization} — " if organization else ""
    header = (f"<h2>{esc(title)}{esc(info.get('title', 'Statement of Applicability'))}</h2>"
              f"<p>ISO/IEC 42001:2023 clause 6.1.3 d). Owner: {esc(info.get('owner', ''))}; "
              f"version shown: {esc(info.get('shown_version', ''))} "
              f"(current: {esc(info.get('current_version', ''))}); status: "
              f"{esc(info.get('status', ''))}.</p>"
              f'<p class="wb-soa-banner" style="padding:6px 10px;border-left:4px solid '
              f'{colour};background:#f6f8fa"><b>{esc(banner)}</b></p>')
    summary = soa_summary(table)
    counts = (f"<p>{summary['included']} controls included ({summary['implemented']} "
              f"implemented, {summary['partial']} partially, {summary['planned']} planned), "
              f"{summary['excluded']} excluded, {summary['undecided']} undecided.</p>")
    sections = []
    for (objective, objective_title), group in table.groupby(
            ["objective_id", "objective_title"], sort=False):
        body = html_table(group, {
            "control_id": "Control", "title": "Title", "applicable": "Applicable",
            "justification": "Justification", "implementation": "Implementation",
            "owner": "Owner", "risks": "Risks treated", "evidence": "Evidence",
            "expired_evidence": "Expired evidence"},
            formatters={"expired_evidence": _expired,
                        "applicable": lambda v: badge(str(v), {
                            "yes": STATUS_COLOURS["met"], "no": STATUS_COLOURS["none"]}.get(
                            str(v), STATUS_COLOURS["missing"]))})
        sections.append(f"<h3>{esc(objective)} {esc(objective_title)}</h3>{body}")
    return '<div class="wb-soa">' + header + counts + "".join(sections) + "</div>"


def soa_document(store: Store, *, which: str | int = "approved", soa_id: str | None = None
                 ) -> str:
    """The printable Statement of Applicability of the store's organization (HTML).

    ``which`` is ``"approved"`` (default: the approved version, or the current one marked
    not approved), ``"current"`` or a version number; a stale approval is shown as stale.
    """
    from workbench.readiness.model import SOA_ID
    from workbench.readiness.soa import soa_table

    if isinstance(which, str) and which.strip().isdigit():
        which = int(which)
    table = soa_table(store, soa_id=soa_id or SOA_ID, which=which)
    org = store.frame("organization", meta=False)
    name = str(org["name"].iloc[0]) if not org.empty else ""
    return soa_html(table, organization=name)
