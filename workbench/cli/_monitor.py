"""``workbench monitor``: record monitoring runs, see where monitoring stands, show plans."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.cli._common import add_json_flag, open_cli_store
from workbench.cli._output import print_fields, print_json, print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("monitor", help="monitoring over time: runs, status and plans "
                              "(ISO/IEC 42001 9.1, A.6.2.6)")
    sub = p.add_subparsers(dest="monitor_command", metavar="ACTION", required=True)

    q = sub.add_parser("run", help="measure a system's monitoring plan on a current sample "
                       "against a reference sample and record the run")
    q.add_argument("system", metavar="SYSTEM", help="AI system id")
    q.add_argument("--current", required=True, metavar="FILE", help="CSV of the recent sample")
    q.add_argument("--reference", required=True, metavar="FILE",
                   help="CSV of the reference (e.g. validation) sample, same columns")
    q.add_argument("--dry-run", action="store_true", help="measure and decide, save nothing")
    add_json_flag(q)
    q.set_defaults(handler=_run)

    q = sub.add_parser("status", help="per AI system: ok, breach, overdue or no plan")
    q.add_argument("--state", choices=("ok", "breach", "overdue", "no_plan"),
                   help="only systems in this state")
    add_json_flag(q)
    q.set_defaults(handler=_status)

    q = sub.add_parser("plan", help="show a system's monitoring plan, or save one from a file")
    q.add_argument("system", metavar="SYSTEM", help="AI system id")
    q.add_argument("--set", metavar="FILE", dest="set_file",
                   help="save this YAML or JSON plan (a new version when one exists)")
    q.add_argument("--reason", default="", help="why the plan changes (with --set)")
    add_json_flag(q)
    q.set_defaults(handler=_plan)


def _run(args: argparse.Namespace) -> int:
    from workbench import monitoring

    current = monitoring.read_frame(args.current, what="--current")
    reference = monitoring.read_frame(args.reference, what="--reference")
    store = open_cli_store(args)
    result = monitoring.run(store, args.system, current=current, reference=reference,
                            dry_run=args.dry_run)
    if args.json:
        # the run record keeps every record it touched under "raised"; say what happened to
        # each (as the text output does) instead of calling an update "raised"
        content = {k: v for k, v in result.run.content().items() if k != "raised"}
        print_json(content | {"dry_run": result.dry_run,
                              "records": [_record_action(result, ref)
                                          for ref in result.run.raised]})
    else:
        for line in result.lines():
            print(line)
    return 0


def _record_action(result: Any, ref: str) -> dict[str, Any]:
    """What the run did (or, in a dry run, would do) to the record ``ref`` it raised."""
    would = result.dry_run
    saved = next((v for v in result.saved if f"{v.kind}:{v.record_id}" == ref), None)
    base = result.updates.get(ref)
    if base is None:
        return {"record": ref, "action": "would raise" if would else "raised",
                "base_version": None, "version": None if would else
                (saved.version if saved else 1)}
    if ref in result.unchanged:
        return {"record": ref, "action": "would leave unchanged" if would else
                "left unchanged", "base_version": base, "version": base}
    return {"record": ref, "action": "would update" if would else "updated",
            "base_version": base, "version": saved.version if saved else base + 1}


def _status(args: argparse.Namespace) -> int:
    from workbench import monitoring

    store = open_cli_store(args)
    df = monitoring.status_frame(store)
    if args.state:
        df = df[df["state"] == args.state]

    import pandas as pd

    def when(value: Any) -> str:
        return "" if pd.isna(value) else f"{value:%Y-%m-%d}"

    if args.json:
        rows = [{k: (None if pd.isna(v) else v.isoformat() if hasattr(v, "isoformat")
                     else int(v) if k in ("frequency_days", "plan_version") else v)
                 for k, v in row.items()} for row in df.to_dict(orient="records")]
        print_json(rows)
        return 0
    print_table([(r.system_id, monitoring.STATE_LABELS[r.state], when(r.last_run_at),
                  when(r.next_due),
                  "" if pd.isna(r.frequency_days) else f"{r.frequency_days} d",
                  r.runs, r.breach_runs, "" if pd.isna(r.reviewer) else r.reviewer)
                 for r in df.itertuples()],
                ["system", "state", "last run", "next due", "every", "runs", "breaches",
                 "reviewer"])
    return 0


def _plan(args: argparse.Namespace) -> int:
    from workbench import monitoring

    store = open_cli_store(args)
    if args.set_file:
        from workbench.cli._common import read_data

        data = read_data(args.set_file, what="monitoring plan")
        # `monitor plan --json` writes the version it showed (as `risk criteria --json`): an
        # edited copy of it is based on that version, so a change saved since is a conflict,
        # not overwritten; other _-prefixed keys are metadata, not fields of the plan
        based_on = data.pop("_version", None)
        data = {k: v for k, v in data.items() if not str(k).startswith("_")}
        data.setdefault("system_id", args.system)
        data.setdefault("id", monitoring.plan_id_for(args.system))
        found = store.find("monitoring_plan", monitoring.plan_id_for(args.system))
        if based_on is None and found is not None:
            based_on = found.version
        head = store.head()
        saved = monitoring.save_plan(store, data, base_version=based_on,
                                     reason=args.reason or "monitoring plan saved",
                                     system_id=args.system)
        if store.head() == head:
            print(f"monitoring plan {saved.record_id} is unchanged: {args.set_file} is its "
                  f"current {saved.describe()}; nothing was saved")
            return 0
        print(f"saved monitoring plan, {saved.describe()}")
        return 0
    plan, version = monitoring.current_plan(store, args.system)
    if args.json:
        print_json(plan.content() | {"_version": version})
        return 0
    print_fields([("plan", f"{plan.id} (version {version})"), ("title", plan.title),
                  ("system", plan.system_id), ("every", f"{plan.frequency_days} day"
                                            + ("" if plan.frequency_days == 1 else "s")),
                  ("reviewer", plan.reviewer),
                  ("on breach", ", ".join(a.value for a in plan.on_breach)),
                  ("notes", plan.notes)])
    print()
    print_table([(m.metric.value, m.feature, m.measure,
                  ("<" if m.direction == "min" else ">") + f" {m.threshold:g}", m.rationale)
                 for m in plan.metrics],
                ["metric", "feature", "measure", "breach when", "rationale"])
    return 0
