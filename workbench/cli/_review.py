"""``workbench review``: the management review pack (ISO/IEC 42001 9.3.2) and the follow-up
of the review's decisions (9.3.3).

Exit codes: 0 done; 1 refused (one line on stderr, nothing written); 2 usage error; 3 the pack
report failed (named on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.cli._common import add_json_flag, iso_date, open_cli_store

EXIT_REPORT_FAILED = 3
TEMPLATE = "management_review"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "review", help="management review: the pack of inputs and the decisions' follow-up",
        description="The management review (ISO/IEC 42001 9.3): the pack of every 9.3.2 input "
        "read from the records, and the decisions of past reviews with their state.")
    sub = p.add_subparsers(dest="review_command", metavar="ACTION")
    p.set_defaults(handler=lambda args: (p.print_help(), 2)[1])
    q = sub.add_parser("pack", help="the review pack: every 9.3.2 input from the records",
                       description="Print the pack's summaries, or write it as a report "
                       "(PDF, HTML or notebook, from the suffix of -o) recorded as evidence.")
    q.add_argument("--as-of", type=iso_date, metavar="DATE",
                   help="the records as they stood on this day (default today)")
    q.add_argument("-o", "--output", metavar="FILE",
                   help="write the pack to FILE.pdf, FILE.html or FILE.ipynb")
    q.add_argument("--no-evidence", action="store_true",
                   help="with -o: do not record the pack as evidence")
    add_json_flag(q)
    q.set_defaults(handler=_pack)
    q = sub.add_parser("decisions", help="decisions of management reviews and their state")
    q.add_argument("--overdue", action="store_true", help="only the overdue ones")
    add_json_flag(q)
    q.set_defaults(handler=_decisions)
    q = sub.add_parser("done", help="record that a decision of a review is done (its owner, "
                       "the governance lead or an executive)")
    q.add_argument("review", help="the review id (e.g. mr-1)")
    q.add_argument("decision", help="the decision id")
    q.add_argument("--on", type=iso_date, metavar="DATE", help="the day it was done "
                   "(default today)")
    q.add_argument("--note", default="", help="what was done, or where it is recorded")
    q.add_argument("--reason", default="", help="why (kept in the history)")
    q.set_defaults(handler=_done)


def _pack(args: argparse.Namespace) -> int:
    from workbench import review
    from workbench.cli._output import print_json, warn_problems

    store = open_cli_store(args)
    if args.output:
        return _pack_report(store, args)
    result = review.pack(store, as_of=args.as_of)
    warn_problems(result.problems)
    if args.json:
        print_json({"as_of": result.as_of.isoformat(), "organization": result.organization,
                    "previous_review": None if result.previous_review is None else
                    {k: str(v) for k, v in result.previous_review.items()},
                    "sections": [{"key": s.key, "title": s.title, "topic": s.topic.value,
                                  "summary": s.summary, "available": s.available,
                                  "rows": len(s.table)} for s in result.sections]})
        return 0
    print(result.summary())
    for number, section in enumerate(result.sections, start=1):
        print(f"\n{number}. {section.title} [9.3.2: {section.topic.value}]")
        print(f"   {section.summary}")
    return 0


def _pack_report(store, args: argparse.Namespace) -> int:  # noqa: ANN001
    import os
    import shutil
    import tempfile

    from workbench import reports
    from workbench.errors import ValidationError

    target = Path(args.output)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "html", "ipynb"):
        raise ValidationError(f"-o {args.output}: end the file name with .pdf, .html or .ipynb")
    folder = target.resolve().parent
    if not folder.is_dir():
        raise ValidationError(f"-o {args.output}: the folder {str(folder)!r} does not exist")
    parameters = {"as_of": args.as_of.isoformat()} if args.as_of else {}
    work = Path(tempfile.mkdtemp(prefix=".wb-review-", dir=folder))
    try:
        results = reports.run_reports(store, TEMPLATE, to=fmt, out_dir=work,
                                      parameters=parameters,
                                      record_evidence=not args.no_evidence)
        result = results[0]
        if not result.ok or result.output is None:
            print(f"error: {result.describe()}", file=sys.stderr)
            return EXIT_REPORT_FAILED
        os.replace(result.output, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    recorded = f", recorded as evidence {result.evidence_id}" if result.evidence_id else ""
    print(f"management review pack written to {target}{recorded}", file=sys.stderr)
    return 0


def _decisions(args: argparse.Namespace) -> int:
    from workbench import review
    from workbench.cli._output import print_json, print_table, warn_problems
    from workbench.registers import problems_of

    store = open_cli_store(args)
    frame = review.decisions(store, overdue=args.overdue)
    warn_problems(problems_of(frame))
    if args.json:
        rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
        print_json([{k: (v.isoformat() if hasattr(v, "isoformat") else v)
                     for k, v in row.items()} for row in rows])
        return 0
    if frame.empty:
        print("no overdue decisions" if args.overdue else "no management review decisions")
        return 0
    print_table([(r.review_id, r.decision_id, r.owner, r.due.isoformat(),
                  r.done_on.isoformat() if r.done_on else "",
                  r.status.upper() if r.status == "overdue" else r.status,
                  r.days_overdue or "", r.description)
                 for r in frame.itertuples(index=False)],
                ["review", "decision", "owner", "due", "done", "status", "days late", "what"])
    return 0


def _done(args: argparse.Namespace) -> int:
    from workbench import review

    store = open_cli_store(args)
    saved = review.complete_decision(store, args.review, args.decision, done_on=args.on,
                                     note=args.note, reason=args.reason)
    print(f"decision {args.decision} of review {args.review} done on "
          f"{saved.content['done_on']}: follow-up {saved.record_id} ({saved.describe()}); "
          "the approved minutes are unchanged")
    return 0
