"""``workbench audit``: internal audits (ISO/IEC 42001 9.2) from the command line: the
programme's audits, an audit's checklist, completing it with its findings, and its report.

The same functions as the ``AuditChecklist`` widget and ``notebooks/internal_audit.ipynb``
(:mod:`workbench.improvement.audit`): only the audit's auditor completes it, never over their
own work, and every NC finding raises a nonconformity in the same atomic save.
"""

from __future__ import annotations

import argparse
from typing import Any

from workbench.cli._common import add_json_flag, iso_date, open_cli_store, read_data
from workbench.cli._output import print_json, print_table

#: A self-contained page (nothing fetched from outside the file).
_PAGE = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>Internal audit report"
         "</title><style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;"
         "color:#24292f}}table{{border-collapse:collapse}}td,th{{border:1px solid #d0d7de;"
         "padding:4px 8px;text-align:left;vertical-align:top}}</style></head><body>{body}"
         "</body></html>\n")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="internal audits (9.2): checklist, findings, "
                              "report")
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    q = sub.add_parser("list", help="the audits of every audit programme")
    add_json_flag(q)
    q.set_defaults(handler=_list)

    q = sub.add_parser("checklist", help="each clause or control in an audit's scope with "
                       "today's readiness and the records to sample")
    q.add_argument("programme")
    q.add_argument("audit")
    q.add_argument("--as-of", type=iso_date, metavar="DATE",
                   help="readiness on this day (default today)")
    add_json_flag(q)
    q.set_defaults(handler=_checklist)

    q = sub.add_parser(
        "complete", help="complete an audit with its findings (the auditor only)",
        description="FINDINGS is a YAML or JSON list with one finding per clause or control "
        "in the audit's scope: requirement_id, outcome (conformity, observation, "
        "opportunity, minor_nc, major_nc), notes, records_sampled (kind/id), system_ids. "
        "Each minor or major NC raises a nonconformity; all is saved at once, or nothing.")
    q.add_argument("programme")
    q.add_argument("audit")
    q.add_argument("--findings", required=True, metavar="FILE")
    q.add_argument("--results", required=True, help="the audit's conclusions")
    q.add_argument("--reported-to", action="append", default=[], metavar="LOGIN",
                   help="who receives the report (repeatable)")
    q.add_argument("--completed-on", type=iso_date, metavar="DATE",
                   help="the day it was completed (default today)")
    q.set_defaults(handler=_complete)

    q = sub.add_parser("report", help="write an audit's report as HTML")
    q.add_argument("programme")
    q.add_argument("audit", nargs="?", default="",
                   help="the audit (default: the latest completed)")
    q.add_argument("--out", required=True, metavar="FILE.html")
    q.set_defaults(handler=_report)


def _list(args: argparse.Namespace) -> int:
    store = open_cli_store(args)
    rows = []
    for programme in store.records("audit_programme"):
        for audit in programme.audits:
            counts: dict[str, int] = {}
            for finding in audit.findings:
                counts[finding.outcome.value] = counts.get(finding.outcome.value, 0) + 1
            rows.append({
                "programme": programme.id, "audit": audit.id, "title": audit.title,
                "auditor": audit.auditor, "planned_on": audit.planned_on.isoformat(),
                "completed_on": audit.completed_on.isoformat() if audit.completed_on else None,
                "findings": counts})
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no audit programme is recorded (it is an audit_programme record: see README)")
        return 0
    print_table([(r["programme"], r["audit"], r["auditor"], r["planned_on"],
                  r["completed_on"] or "not yet",
                  ", ".join(f"{n} {o.replace('_', ' ')}" for o, n in r["findings"].items()),
                  r["title"]) for r in rows],
                ["programme", "audit", "auditor", "planned", "completed", "findings", "title"])
    return 0


def _checklist(args: argparse.Namespace) -> int:
    from workbench.improvement import audit_checklist

    store = open_cli_store(args)
    df = audit_checklist(store, args.programme, args.audit, today=args.as_of)
    if args.json:
        print_json(df.to_dict("records"))
        return 0
    print_table([(r.requirement_id, r.readiness, ", ".join(r.records[:3])
                  + (f" (+{len(r.records) - 3})" if len(r.records) > 3 else ""),
                  _text(r.outcome), r.reason)
                 for r in df.itertuples()],
                ["requirement", "readiness", "records to sample", "finding", "reason"])
    return 0


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value).replace("_", " ")


def _complete(args: argparse.Namespace) -> int:
    from workbench.improvement import complete_audit

    data = read_data(args.findings, what="audit findings", shape=list)
    store = open_cli_store(args)
    saved = complete_audit(store, args.programme, args.audit, data, results=args.results,
                           reported_to=args.reported_to, completed_on=args.completed_on)
    raised = [v.record_id for v in saved["nonconformities"]]
    print(f"audit {args.audit} completed ({len(data)} findings; audit programme "
          f"{args.programme} version {saved['programme'].version})"
          + (f"; nonconformities raised: {', '.join(raised)}" if raised else
             "; no nonconformity raised"))
    return 0


def _report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.improvement import audit_report_html

    store = open_cli_store(args)
    body = audit_report_html(store, args.programme, args.audit)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_PAGE.format(body=body), encoding="utf-8")
    print(f"wrote {out}")
    return 0
