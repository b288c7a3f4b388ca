"""``workbench nc`` and ``workbench incident``: nonconformities to closure and the AI incident
register (see :mod:`workbench.improvement`)."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.cli._common import add_json_flag, iso_date, open_cli_store, positive_int
from workbench.cli._output import print_fields, print_json, print_table, warn_problems

_STAGES = ("raised", "corrected", "root_cause", "actions_planned", "in_progress",
           "effectiveness_reviewed", "closed", "cancelled")
_NC_SOURCES = ("internal_audit", "external_audit", "management_review", "monitoring",
               "incident", "complaint", "other")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("nc", help="nonconformities and corrective actions (10.2)")
    sub = p.add_subparsers(dest="nc_command", metavar="ACTION", required=True)

    q = sub.add_parser("list", help="nonconformities with their stage and overdue actions")
    q.add_argument("--overdue", action="store_true", help="only those with an overdue action")
    q.add_argument("--open", action="store_true", help="only open ones (not closed/cancelled)")
    q.add_argument("--stage", choices=_STAGES, help="only this stage")
    q.add_argument("--as-of", type=iso_date, metavar="DATE", help="day for overdue (default "
                   "today)")
    add_json_flag(q)
    q.set_defaults(handler=_nc_list)

    q = sub.add_parser("show", help="one nonconformity with its actions and history")
    q.add_argument("id")
    add_json_flag(q)
    q.set_defaults(handler=_nc_show)

    q = sub.add_parser("raise", help="raise a nonconformity (stage raised)")
    q.add_argument("--title", required=True)
    q.add_argument("--description", required=True)
    q.add_argument("--source", choices=_NC_SOURCES, default="other")
    q.add_argument("--severity", choices=("minor", "major"), default="minor")
    q.add_argument("--system", action="append", default=[], metavar="ID",
                   help="an affected AI system (repeatable)")
    q.add_argument("--clause", action="append", default=[], metavar="ID")
    q.add_argument("--control", action="append", default=[], metavar="ID")
    q.add_argument("--id", dest="nc_id", metavar="ID", help="its id (default nc-N)")
    q.set_defaults(handler=_nc_raise)

    q = sub.add_parser(
        "update", help="take the next step of a nonconformity (one step per call)",
        description="Steps in order: --correction, --root-cause, --action (with --owner and "
        "--due; repeatable calls), --done N, --effective/--not-effective with --review (by "
        "someone who owns none of the actions), --close. --cancel REASON from any open stage, by "
        "whoever raised it or the governance lead (never an action owner, nor the audited "
        "system's team for a nonconformity an audit raised). A step out of order, or dated in "
        "the future or before the previous step, is refused and nothing is saved.")
    q.add_argument("id")
    steps = q.add_mutually_exclusive_group(required=True)
    steps.add_argument("--correction", metavar="TEXT")
    steps.add_argument("--root-cause", metavar="TEXT")
    steps.add_argument("--action", metavar="TEXT", help="plan a corrective action")
    steps.add_argument("--done", type=positive_int, metavar="N",
                       help="corrective action N (1 for the first) is done")
    steps.add_argument("--effective", action="store_true", default=None,
                       help="the actions worked (with --review)")
    steps.add_argument("--not-effective", action="store_true",
                       help="the actions did not work (with --review): plan further actions")
    steps.add_argument("--close", action="store_true")
    steps.add_argument("--cancel", metavar="REASON")
    q.add_argument("--owner", metavar="LOGIN", help="the action's owner (with --action)")
    q.add_argument("--due", type=iso_date, metavar="DATE", help="the action's due date")
    q.add_argument("--review", metavar="TEXT", help="how effectiveness was checked")
    q.add_argument("--on", type=iso_date, metavar="DATE",
                   help="when, with --done, --effective/--not-effective or --close (default "
                   "today; never in the future nor before the previous step)")
    q.set_defaults(handler=_nc_update)

    p = subparsers.add_parser("incident", help="the AI incident register (A.8.4; EU AI Act "
                              "Art. 73 reporting deadlines)")
    sub = p.add_subparsers(dest="incident_command", metavar="ACTION", required=True)
    q = sub.add_parser("list", help="incidents with their reporting deadline")
    q.add_argument("--overdue", action="store_true", help="only reports past their deadline")
    q.add_argument("--system", metavar="ID", help="only this AI system's incidents")
    q.add_argument("--as-of", type=iso_date, metavar="DATE")
    add_json_flag(q)
    q.set_defaults(handler=_inc_list)

    q = sub.add_parser("show", help="one incident")
    q.add_argument("id")
    add_json_flag(q)
    q.set_defaults(handler=_inc_show)

    q = sub.add_parser("open", help="open an incident (its deadline is computed)")
    q.add_argument("--system", required=True, metavar="ID")
    q.add_argument("--title", required=True)
    q.add_argument("--description", required=True)
    q.add_argument("--detected-on", type=iso_date, metavar="DATE",
                   help="default today; never in the future")
    q.add_argument("--aware-on", type=iso_date, metavar="DATE",
                   help="when the organization became aware (default: detected on; never in "
                   "the future)")
    q.add_argument("--severity", choices=("low", "medium", "high", "critical"),
                   default="medium")
    q.add_argument("--serious", action="store_true", help="a serious incident (Art. 73: 15 "
                   "days)")
    q.add_argument("--death", action="store_true", help="a person died (10 days)")
    q.add_argument("--widespread", action="store_true", help="widespread infringement or "
                   "serious disruption of critical infrastructure (2 days)")
    q.add_argument("--harm", default="")
    q.add_argument("--affected", default="", help="affected persons")
    q.add_argument("--source", choices=("monitoring", "complaint", "user_report", "other"),
                   default="other")
    q.add_argument("--monitoring-run", default="", metavar="ID")
    q.add_argument("--complaint", default="", metavar="REF")
    q.add_argument("--risk", action="append", default=[], metavar="ID")
    q.add_argument("--nc", metavar="ID", help="the nonconformity it raised")
    q.add_argument("--id", dest="incident_id", metavar="ID")
    q.set_defaults(handler=_inc_open)

    q = sub.add_parser("report", help="record that an incident was reported")
    q.add_argument("id")
    q.add_argument("--to", required=True, help="to whom (the authority)")
    q.add_argument("--on", type=iso_date, metavar="DATE",
                   help="default today; never in the future")
    q.set_defaults(handler=_inc_report)

    q = sub.add_parser(
        "link", help="link an incident to the nonconformity it raised and the risks it touches",
        description="Set the nonconformity an incident raised (--nc) and the risks it touches "
        "(--risk, repeatable: the list given replaces the linked risks). A closed incident "
        "can no longer change.")
    q.add_argument("id")
    q.add_argument("--nc", metavar="ID", help="the nonconformity it raised")
    q.add_argument("--risk", action="append", default=None, metavar="ID",
                   help="a risk it touches (repeatable; replaces the linked risks)")
    q.set_defaults(handler=_inc_link)

    q = sub.add_parser(
        "close", help="close an incident with a note of how it was resolved",
        description="Close an incident (a serious one only once reported) with a note of how "
        "it was resolved. A closed incident is not closed again.")
    q.add_argument("id")
    q.add_argument("--note", required=True, metavar="TEXT", help="how it was resolved")
    q.set_defaults(handler=_inc_close)


def _iso(value: Any) -> str:
    return "" if value is None or value != value else str(value)  # NaN -> ""


def _nc_list(args: argparse.Namespace) -> int:
    from workbench.improvement import nonconformities_frame
    from workbench.registers import problems_of

    store = open_cli_store(args)
    df = nonconformities_frame(store, today=args.as_of)
    warn_problems(problems_of(df))
    if args.overdue:
        df = df[df["overdue"]]
    if args.open:
        df = df[df["open"]]
    if args.stage:
        df = df[df["stage"] == args.stage]
    if args.json:
        print_json(df.to_dict("records"))
        return 0
    print_table([(r.id, r.stage, r.severity, ", ".join(r.system_ids), f"{r.actions_done}/"
                  f"{r.actions}", r.overdue_actions or "", _iso(r.next_due), r.title)
                 for r in df.itertuples()],
                ["id", "stage", "severity", "systems", "done", "overdue", "next due", "title"])
    return 0


def _nc_show(args: argparse.Namespace) -> int:
    from workbench.improvement import NEXT_STEP

    store = open_cli_store(args)
    version = store.get("nonconformity", args.id)
    nc = version.record
    history = [f"v{v.version} {v.saved_at:%Y-%m-%d} {v.author}: {v.reason}"
               for v in store.history("nonconformity", args.id)]
    if args.json:
        print_json(nc.content() | {"_version": version.version, "history": history})
        return 0
    actions = [f"{i}. {a.description} (owner {a.owner}, due {a.due}"
               + (f", done {a.done_on})" if a.done_on else ")")
               for i, a in enumerate(nc.corrective_actions, 1)]
    print_fields([
        ("id", nc.id), ("title", nc.title), ("stage", nc.stage.value),
        ("next step", NEXT_STEP.get(nc.stage, "")), ("severity", nc.severity.value),
        ("source", nc.source.value),
        ("audit", f"{nc.audit_programme_id}/{nc.audit_id}" if nc.audit_id else ""),
        ("raised", f"{nc.raised_on} by {nc.raised_by}"), ("description", nc.description),
        ("systems", ", ".join(nc.system_ids)),
        ("requirements", ", ".join([*nc.clause_ids, *nc.control_ids])),
        ("correction", nc.correction), ("root cause", nc.root_cause), ("actions", actions),
        ("effectiveness", f"{'effective' if nc.effective else 'not effective'}: "
         f"{nc.effectiveness_review} ({nc.effectiveness_reviewed_by}, "
         f"{nc.effectiveness_reviewed_on})" if nc.effectiveness_review else ""),
        ("closed", nc.closed_on), ("cancelled", nc.cancel_reason), ("history", history)])
    return 0


def _nc_raise(args: argparse.Namespace) -> int:
    from workbench.improvement import raise_nc

    store = open_cli_store(args)
    saved = raise_nc(store, id=args.nc_id, title=args.title, description=args.description,
                     source=args.source, severity=args.severity, system_ids=args.system,
                     clause_ids=args.clause, control_ids=args.control)
    print(f"raised nonconformity {saved.record_id} (version {saved.version})")
    return 0


def _nc_update(args: argparse.Namespace) -> int:
    from workbench import improvement as imp
    from workbench.errors import ValidationError

    store = open_cli_store(args)
    dated = args.done is not None or args.effective or args.not_effective or args.close
    if args.on is not None and not dated:
        raise ValidationError("--on goes with --done, --effective/--not-effective or --close "
                              "(the other steps are dated by when they are recorded)")
    if args.review and not (args.effective or args.not_effective):
        raise ValidationError("--review goes with --effective or --not-effective")
    if (args.owner or args.due is not None) and args.action is None:
        raise ValidationError("--owner and --due go with --action (a corrective action)")
    if args.action is not None:
        if not args.owner or args.due is None:
            raise ValidationError("--action needs --owner LOGIN and --due DATE")
        saved = imp.plan_action(store, args.id, args.action, owner=args.owner, due=args.due)
    elif args.correction is not None:
        saved = imp.record_correction(store, args.id, args.correction)
    elif args.root_cause is not None:
        saved = imp.record_root_cause(store, args.id, args.root_cause)
    elif args.done is not None:
        saved = imp.complete_action(store, args.id, args.done, done_on=args.on)
    elif args.effective or args.not_effective:
        if not args.review:
            raise ValidationError("--effective/--not-effective needs --review TEXT (how the "
                                  "actions were checked)")
        saved = imp.review_effectiveness(store, args.id, effective=bool(args.effective),
                                         review=args.review, on=args.on)
    elif args.close:
        saved = imp.close(store, args.id, on=args.on)
    else:
        saved = imp.cancel(store, args.id, reason=args.cancel)
    print(f"nonconformity {saved.record_id} is {saved.record.stage.value.replace('_', ' ')} "
          f"(version {saved.version})")
    return 0


def _inc_list(args: argparse.Namespace) -> int:
    from workbench.improvement import incidents_frame
    from workbench.registers import problems_of

    store = open_cli_store(args)
    if args.system:
        store.get("ai_system", args.system)  # an unknown system is an error, not an empty list
    df = incidents_frame(store, today=args.as_of)
    warn_problems(problems_of(df))
    if args.overdue:
        df = df[df["overdue"]]
    if args.system:
        df = df[df["system_id"] == args.system]
    if args.json:
        print_json(df.to_dict("records"))
        return 0

    def report(r: Any) -> str:
        if r.reported_on is not None:
            return f"{r.reported_on}" + (" (late)" if r.reported_late else "")
        if r.report_deadline is None:
            return "not required"
        days = "1 day" if r.days_left == 1 else f"{r.days_left} days"
        return "OVERDUE" if r.overdue else f"{days} left"

    print_table([(r.id, r.system_id, r.severity, "yes" if r.serious else "no",
                  _iso(r.report_deadline), report(r), r.status, r.title)
                 for r in df.itertuples()],
                ["id", "system", "severity", "serious", "deadline", "reported", "status",
                 "title"])
    return 0


def _deadline_words(inc) -> str:
    from workbench.improvement.model import deadline_text

    return deadline_text(inc.aware_on or inc.detected_on, serious=inc.serious, death=inc.death,
                         widespread_or_critical_infra=inc.widespread_or_critical_infra)


def _inc_show(args: argparse.Namespace) -> int:
    store = open_cli_store(args)
    version = store.get("incident", args.id)
    inc = version.record
    if args.json:
        print_json(inc.content() | {"_version": version.version})
        return 0
    print_fields([
        ("id", inc.id), ("title", inc.title), ("AI system", inc.system_id),
        ("status", inc.status.value), ("severity", inc.severity.value),
        ("serious", "yes" if inc.serious else "no"), ("detected", inc.detected_on),
        ("aware", inc.aware_on or inc.detected_on),
        ("report deadline", _deadline_words(inc)),
        ("reported", f"{inc.reported_on} to {inc.reported_to}" if inc.reported_on else ""),
        ("description", inc.description), ("harm", inc.harm),
        ("affected", inc.affected_persons), ("source", inc.source.value),
        ("monitoring run", inc.monitoring_run_id), ("complaint", inc.complaint_ref),
        ("nonconformity", inc.nonconformity_id), ("risks", list(inc.risk_ids)),
        ("opened by", inc.opened_by)])
    return 0


def _inc_open(args: argparse.Namespace) -> int:
    from workbench.improvement import open_incident

    store = open_cli_store(args)
    saved = open_incident(
        store, id=args.incident_id, system_id=args.system, title=args.title,
        description=args.description, detected_on=args.detected_on, aware_on=args.aware_on,
        severity=args.severity, serious=args.serious or args.death or args.widespread,
        death=args.death, widespread_or_critical_infra=args.widespread, harm=args.harm,
        affected_persons=args.affected, source=args.source,
        monitoring_run_id=args.monitoring_run, complaint_ref=args.complaint,
        risk_ids=args.risk, nonconformity_id=args.nc)
    inc = saved.record
    print(f"opened AI incident {inc.id} (version {saved.version}); {_deadline_words(inc)}")
    return 0


def _inc_report(args: argparse.Namespace) -> int:
    from workbench.improvement import report_incident

    store = open_cli_store(args)
    saved = report_incident(store, args.id, reported_to=args.to, reported_on=args.on)
    inc = saved.record
    late = (" after the deadline" if inc.report_deadline and inc.reported_on >
            inc.report_deadline else "")
    print(f"AI incident {inc.id} reported to {inc.reported_to} on {inc.reported_on}{late}")
    return 0


def _inc_link(args: argparse.Namespace) -> int:
    from workbench.errors import ValidationError
    from workbench.improvement import link_incident

    if args.nc is None and args.risk is None:
        raise ValidationError("give --nc ID or --risk ID (repeatable) to link")
    store = open_cli_store(args)
    saved = link_incident(store, args.id, nonconformity_id=args.nc, risk_ids=args.risk)
    inc = saved.record
    links = [f"nonconformity {inc.nonconformity_id}"] if inc.nonconformity_id else []
    links += [f"risk{'s' if len(inc.risk_ids) > 1 else ''} {', '.join(inc.risk_ids)}"] \
        if inc.risk_ids else []
    print(f"AI incident {inc.id} linked to {' and '.join(links)} (version {saved.version})")
    return 0


def _inc_close(args: argparse.Namespace) -> int:
    from workbench.improvement import close_incident

    store = open_cli_store(args)
    saved = close_incident(store, args.id, note=args.note)
    print(f"AI incident {saved.record_id} closed (version {saved.version})")
    return 0
