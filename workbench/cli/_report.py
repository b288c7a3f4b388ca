"""``workbench report``: run report templates with papermill, for one system or all of them.

Exit codes (for cron and Airflow): 0 every report written; 1 refused before anything ran
(unknown template or system, undeclared parameter, unwritable folder, no Chromium for PDF),
one line on stderr; 2 usage error; 3 some reports failed (the others were written; each
failure is one stderr line naming the system and the cell, and its notebook is kept as
``NAME-SYSTEM.failed.ipynb``).

``--shard K/N`` runs part K of N of an ``--all`` batch, so a scheduler's mapped tasks (Airflow
``.expand``) or a Kubernetes job array share it; ``--verify FILE`` says which recorded report
a file is (exit 1 when no report in the store has its SHA-256).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from workbench.cli._common import open_cli_store, positive_int

EXIT_REPORTS_FAILED = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report", help="run a report template (papermill) for a system or all systems",
        description="Run notebooks/NAME.ipynb with papermill and export it. Each report is "
        "written atomically and recorded as evidence. Exit status: 0 all written, 1 refused, "
        "3 some reports failed (named on stderr).")
    p.add_argument("name", nargs="?", help="template name (see --list) or a path to a .ipynb")
    p.add_argument("--list", action="store_true", help="list templates and their parameters")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--system", metavar="ID", help="the AI system to report on")
    who.add_argument("--all", action="store_true", help="one report per AI system in the store")
    p.add_argument("--to", choices=("html", "pdf", "ipynb"), default="html",
                   help="output format (default html; pdf needs Chromium)")
    p.add_argument("--out", metavar="DIR", default="reports",
                   help="output folder (default ./reports)")
    p.add_argument("--jobs", type=positive_int, default=2, metavar="N",
                   help="reports run at the same time (default 2)")
    p.add_argument("-p", "--parameter", action="append", default=[], metavar="KEY=VALUE",
                   help="set a parameter the template declares (repeatable)")
    p.add_argument("--period", metavar="TEXT",
                   help="the period the reports cover, on their first page (default: this "
                   "quarter, e.g. 2026-Q4)")
    p.add_argument("--shard", metavar="K/N",
                   help="with --all: run part K of N of the batch (for N parallel workers)")
    p.add_argument("--no-evidence", action="store_true",
                   help="do not record the reports as evidence")
    p.add_argument("--verify", metavar="FILE",
                   help="check a report file against the evidence recorded for it")
    p.set_defaults(handler=_report)


def _parse_parameters(items: list[str]) -> dict[str, str]:
    from workbench.errors import ValidationError

    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"-p {item}: write parameters as KEY=VALUE")
        out[key.strip()] = value
    return out


def _report(args: argparse.Namespace) -> int:
    from workbench.errors import ValidationError

    if args.list:
        return _list()
    if args.verify:
        return _verify(args)
    if not args.name:
        raise ValidationError("name a template (`workbench report --list` shows them)")
    from workbench import reports

    store = open_cli_store(args)
    plan = reports.plan_reports(
        store, args.name, system=args.system, all_systems=args.all, to=args.to,
        out_dir=args.out, jobs=args.jobs, parameters=_parse_parameters(args.parameter),
        record_evidence=not args.no_evidence, period=args.period, shard=args.shard)
    total = len(plan.systems)
    part = (f" (shard {plan.shard[0]}/{plan.shard[1]} of {plan.batch_size})"
            if plan.shard else "")
    print(f"{plan.template.name}: {total} report{'s' if total != 1 else ''}{part} to "
          f"{plan.out_dir} as {plan.to}, {plan.jobs} at a time", file=sys.stderr)
    started = time.perf_counter()
    progress = _Progress(total)
    try:
        results = reports.execute_plan(store, plan, on_result=progress.update)
    finally:
        progress.close()
    for result in results:
        if not result.ok:
            print(f"error: {result.describe()}", file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(f"{reports.summarize(results)} in {elapsed:.1f} s", file=sys.stderr)
    return 0 if all(r.ok for r in results) else EXIT_REPORTS_FAILED


class _Progress:
    """A progress bar on a terminal; one plain line per report in logs (cron, Airflow)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.bar: Any = None
        if sys.stderr.isatty() and total > 1:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="report", file=sys.stderr)

    def update(self, result: Any) -> None:
        self.done += 1
        status = "ok" if result.ok else "FAILED"
        where = result.output or result.failed_notebook or result.error
        line = (f"[{self.done}/{self.total}] {result.system_id or result.template} {status} "
                f"{result.duration_s:.1f} s -> {where}")
        if self.bar is not None:
            self.bar.set_postfix_str(f"{result.system_id or ''} {status}")
            self.bar.update(1)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _verify(args: argparse.Namespace) -> int:
    from workbench.reports import verify_report

    store = open_cli_store(args)
    found = verify_report(store, args.verify)
    details = found.record.details
    head = details.get("store_head") or {}
    print(f"{args.verify}: report {found.record_id} ({details.get('template')}, "
          f"{', '.join(found.record.system_ids) or 'organization'}, period "
          f"{details.get('period', '?')}), recorded by {found.author} at "
          f"{found.saved_at:%Y-%m-%d %H:%M} UTC; SHA-256 {found.record.content_hash}; it saw "
          f"the store at entry #{head.get('seq', '?')} ({head.get('hash', '?')})")
    return 0


def _list() -> int:
    from workbench.cli._output import print_table
    from workbench.reports import list_templates

    templates = list_templates()
    if not templates:
        print("no report templates found")
        return 0
    for tpl in templates:
        print(f"{tpl.name}  {tpl.title}")
        rows = [(f"  {p.name}", p.type, repr(p.default), p.help) for p in tpl.parameters]
        if rows:
            print_table(rows, ["  parameter", "type", "default", "meaning"])
        else:
            print("  (no parameters)")
        print()
    return 0
