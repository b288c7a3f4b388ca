"""``workbench risk``: the risk register, heatmap, criteria, actions, acceptance and import."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workbench.cli._common import add_json_flag, iso_date, open_cli_store, read_data
from workbench.cli._output import print_fields, print_json, print_table, warn_problems
from workbench.cli._systems import print_signoff_changes, signoff_text

_STATUSES = ("identified", "assessed", "treated", "accepted", "closed")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("risk", help="the AI risk register, heatmap and risk criteria")
    sub = p.add_subparsers(dest="risk_command", metavar="ACTION", required=True)

    q = sub.add_parser("list", help="list risks with their computed levels")
    q.add_argument("--system", metavar="ID", help="only this AI system")
    q.add_argument("--business-unit", metavar="NAME", help="only this business unit")
    q.add_argument("--owner", metavar="LOGIN", help="only risks owned by this person")
    q.add_argument("--status", choices=_STATUSES, help="only this status")
    q.add_argument("--level", metavar="BAND", help="only this residual level (e.g. high)")
    q.add_argument("--above-appetite", action="store_true",
                   help="only residual risks above the appetite")
    q.add_argument("--awaiting-acceptance", action="store_true",
                   help="only open risks above the appetite without a current sign-off "
                   "(approval) by their risk owner")
    q.add_argument("--signoff", metavar="STATE",
                   help="only risks in this sign-off state (approved, pending, stale, rejected, "
                   "changes_requested, outdated = requested for an earlier version, none = "
                   "not requested, not_required = within the appetite)")
    q.add_argument("--review-due", action="store_true", help="only risks due for review")
    q.add_argument("--as-of", type=iso_date, metavar="DATE",
                   help="day for overdue actions and due reviews (default today)")
    add_json_flag(q)
    q.set_defaults(handler=_list)

    q = sub.add_parser("show", help="show one risk with its levels, actions, acceptance and "
                       "sign-off")
    q.add_argument("id")
    q.add_argument("--history", action="store_true", help="also list every version")
    add_json_flag(q)
    q.set_defaults(handler=_show)

    q = sub.add_parser("heatmap", help="a text heatmap: risks per likelihood x consequence")
    q.add_argument("--system", metavar="ID", help="only this AI system")
    q.add_argument("--business-unit", metavar="NAME", help="only this business unit")
    q.add_argument("--inherent", action="store_true", help="before treatment (default: "
                   "residual, after treatment)")
    q.add_argument("--include-closed", action="store_true", help="count closed risks too")
    add_json_flag(q)
    q.set_defaults(handler=_heatmap)

    q = sub.add_parser("criteria", help="show the risk criteria in force, or replace them")
    q.add_argument("--set", metavar="FILE", dest="set_file",
                   help="replace the criteria with this YAML or JSON file (a new version)")
    q.add_argument("--reason", default="", help="why the criteria change (with --set)")
    add_json_flag(q)
    q.set_defaults(handler=_criteria)

    q = sub.add_parser("actions", help="open treatment actions (soonest due first)")
    q.add_argument("--system", metavar="ID", help="only this AI system")
    q.add_argument("--owner", metavar="LOGIN", help="only actions of this person")
    q.add_argument("--overdue", action="store_true", help="only overdue actions")
    q.add_argument("--as-of", type=iso_date, metavar="DATE", help="day to compare due dates to")
    add_json_flag(q)
    q.set_defaults(handler=_actions)

    q = sub.add_parser("accept", help="record the acceptance of a risk's residual level")
    q.add_argument("id")
    q.add_argument("--rationale", required=True, help="why the residual risk is acceptable")
    q.add_argument("--on", type=iso_date, metavar="DATE", help="date of the decision "
                   "(default today)")
    q.set_defaults(handler=_accept)

    q = sub.add_parser(
        "import", help="import risks from a CSV or YAML file (all or nothing)",
        description="Import risks from CSV (one row per risk; columns as the risk's fields, "
        "controls separated by ';', actions one per line as 'description | owner | due | "
        "done_on', acceptance as accepted_by, accepted_on, acceptance_rationale) or YAML (a "
        "list of risks). Existing ids get a new version: a row that changes a risk names the "
        "version it was edited from in _version (as `workbench risk export` writes it), and a "
        "row based on an older version than the store's is a conflict. Every invalid or "
        "conflicting row is reported with its line and field, and then nothing is saved.")
    q.add_argument("file")
    q.add_argument("--reason", default="", help="why (kept with every imported version)")
    q.add_argument("--dry-run", action="store_true", help="validate only; save nothing")
    q.add_argument("--overwrite", action="store_true",
                   help="save rows based on an older version (or naming none) over the newer "
                   "version anyway; the saved versions' reason records it")
    q.set_defaults(handler=_import)

    q = sub.add_parser(
        "export", help="write the risks to a CSV or YAML file that `risk import` reads back",
        description="Every risk (or one system's) in the import format, with its _version: "
        "edit the file and import it; a row edited from a version someone has since changed "
        "is a conflict instead of undoing their edit. Cells a spreadsheet would run as a "
        "formula are quoted with an apostrophe.")
    q.add_argument("-o", "--output", metavar="FILE", default="-",
                   help="file to write, .csv or .yaml (default: CSV on standard output)")
    q.add_argument("--system", metavar="ID", help="only this AI system's risks")
    q.set_defaults(handler=_export)


def _dates(frame: Any, columns: tuple[str, ...]) -> Any:
    out = frame.copy()
    for col in columns:
        out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out


def _list(args: argparse.Namespace) -> int:
    import pandas as pd

    from workbench import risk
    from workbench.registers import problems_of

    store = open_cli_store(args)
    df = risk.register(store, system_id=args.system, business_unit=args.business_unit,
                       owner=args.owner, status=args.status, level=args.level,
                       above_appetite=True if args.above_appetite else None, as_of=args.as_of)
    warn_problems(problems_of(df))
    if args.awaiting_acceptance:
        df = df[df["awaiting_acceptance"]]
    if args.review_due:
        df = df[df["review_due"]]
    if args.signoff:
        from workbench.errors import ValidationError
        from workbench.model.states import SignOffState

        try:
            wanted = SignOffState(args.signoff)
        except ValueError:
            raise ValidationError(f"--signoff {args.signoff!r} is not a sign-off state; use one "
                                  f"of {', '.join(s.value for s in SignOffState)}") from None
        df = df[df["signoff"] == wanted.value]
    changed = risk.signoff_changes(store, df)
    if args.json:
        cols = [c for c in df.columns if c not in ("_hash", "_reason")]
        out = _dates(df[cols], ("identified_on", "next_review"))
        out["_saved_at"] = out["_saved_at"].astype("str")
        for col in ("inherent_level", "residual_level"):
            out[col] = out[col].astype("str")
        out["signoff_at"] = pd.Series([None if pd.isna(t) else t.isoformat()
                                       for t in out["signoff_at"]], index=out.index,
                                      dtype=object)
        out["signoff_version"] = pd.Series([None if pd.isna(v) else int(v)
                                            for v in out["signoff_version"]], index=out.index,
                                           dtype=object)
        out["signoff_changed"] = changed
        print_json(out.to_dict(orient="records"))
        return 0
    # The system is left out of the table (the ids carry it, --json has it) to keep the title.
    rows = [(r.id, r.title, r.owner, r.status,
             f"{r.inherent_level} ({r.inherent_score})",
             f"{r.residual_level} ({r.residual_score})"
             + (" !" if r.awaiting_acceptance else ""),
             _signoff_cell(r.signoff),
             r.overdue_actions or "", "due" if r.review_due else "")
            for r in df.itertuples()]
    print_table(rows, ["id", "title", "owner", "status", "inherent", "residual", "sign-off",
                       "overdue", "review"])
    crit = risk.criteria_in_force(store)
    print(f"\n{len(df)} risks; '!' = above the appetite ({crit.appetite}) and awaiting "
          "acceptance (no current sign-off by the risk owner); sign-off: none = not requested, "
          "blank = not required (within the appetite)")
    stale = df[df["signoff"] == "stale"]
    if len(stale):
        print("\nstale sign-offs (the risk changed after its approval; request sign-off again):")
        for rid, approved, by, at, current, fields in zip(
                stale["id"], stale["signoff_version"], stale["signoff_by"], stale["signoff_at"],
                stale["_version"], changed[stale.index], strict=True):
            print(f"  {rid}: version {approved} approved by {by} on {at:%Y-%m-%d}; version "
                  f"{current} changed {fields or 'nothing visible'}")
    return 0


def _signoff_cell(state: str) -> str:
    """Short, for the table (the legend and `risk show` say more)."""
    return {"not_required": "", "stale": "STALE", "changes_requested": "changes req.",
            "outdated": "request again"}.get(state, state)


def _show(args: argparse.Namespace) -> int:
    from workbench import risk

    store = open_cli_store(args)
    version = store.get("risk", args.id)
    rec = version.record
    crit = risk.criteria_in_force(store)
    facts = risk.signoff_facts(store, version)
    from workbench import oversight

    signoff = oversight.status(store, "risk", args.id)
    if args.json:
        data = rec.content() | {"_version": version.version, "inherent_level":
                                facts["inherent_level"], "residual_level":
                                facts["residual_level"], "above_appetite":
                                facts["above_appetite"],
                                "signoff": signoff.model_dump(mode="json", exclude={
                                    "decisions", "current_hash"}) | {
                                    "state": _state(signoff, facts)}}
        if args.history:
            data["history"] = [{"version": v.version, "author": v.author, "saved_at":
                                v.saved_at.isoformat(), "reason": v.reason}
                               for v in store.history("risk", args.id)]
        print_json(data)
        return 0

    def scale(axis: str, level: int) -> str:
        return f"{level} {crit.label_of(axis, level)}" if level <= len(
            getattr(crit, axis)) else f"{level} (off the scale)"

    system = store.find("ai_system", rec.system_id)
    print_fields([
        ("id", rec.id), ("title", rec.title), ("description", rec.description),
        ("AI system", f"{system.record.name} ({rec.system_id})" if system else rec.system_id),
        ("risk source", rec.risk_source), ("objective", rec.objective),
        ("inherent", f"likelihood {scale('likelihood', rec.inherent_likelihood)} x "
         f"consequence {scale('consequence', rec.inherent_consequence)} = "
         f"{facts['inherent_level']}"),
        ("treatment", rec.treatment.value), ("controls", ", ".join(rec.controls) or "-"),
        ("residual", f"likelihood {scale('likelihood', rec.residual_likelihood)} x "
         f"consequence {scale('consequence', rec.residual_consequence)} = "
         f"{facts['residual_level']}"
         + (f" (above the appetite, {crit.appetite})" if facts["above_appetite"] else "")),
        ("owner", rec.owner), ("status", rec.status.value),
        ("identified on", str(rec.identified_on)),
        ("next review", str(rec.next_review or "-")),
        ("accepted", f"by {rec.acceptance.accepted_by} on {rec.acceptance.accepted_on}: "
         f"{rec.acceptance.rationale}" if rec.acceptance else
         ("NOT YET (needed: above the appetite)" if facts["above_appetite"] else "")),
        ("sign-off", _signoff_line(signoff, facts)),
        ("version", version.describe()),
    ])
    print_signoff_changes(signoff)
    if rec.actions:
        print("\nactions:")
        print_table([(a.description, a.owner, str(a.due), str(a.done_on or "open"))
                     for a in rec.actions], ["action", "owner", "due", "done"])
    if args.history:
        print("\nhistory:")
        print_table([(v.version, v.author, v.saved_at.strftime("%Y-%m-%d %H:%M"), v.reason)
                     for v in store.history("risk", args.id)],
                    ["version", "by", "at (UTC)", "reason"])
    return 0


def _state(signoff: Any, facts: dict[str, Any]) -> str:
    """The register's ``signoff`` value: not_required within the appetite."""
    return signoff.state if facts["above_appetite"] else "not_required"


def _signoff_line(signoff: Any, facts: dict[str, Any]) -> str:
    if not facts["above_appetite"]:
        return f"not required (the residual level is within the appetite, {facts['appetite']})"
    text = signoff_text(signoff)
    if signoff.state == "none":
        text += (": needed, the residual level is above the appetite (workbench signoff "
                 f"request risk {signoff.record_id})")
    return text


def _heatmap(args: argparse.Namespace) -> int:
    from workbench import risk
    from workbench.registers import problems_of

    store = open_cli_store(args)
    crit = risk.criteria_in_force(store)
    df = risk.register(store, system_id=args.system, business_unit=args.business_unit,
                       criteria=crit)
    warn_problems(problems_of(df))
    if not args.include_closed:
        df = risk.open_risks(df)
    which = "inherent" if args.inherent else "residual"
    matrix = risk.heatmap_matrix(df, crit, which)
    if args.json:
        print_json({"which": which, "likelihood": [s.label for s in crit.likelihood],
                    "consequence": [s.label for s in crit.consequence],
                    "counts": matrix.to_numpy().tolist()})
        return 0
    scope = f" of {args.system}" if args.system else ""
    scope += f" in {args.business_unit}" if args.business_unit else ""
    print(f"{which} risk{scope}: {int(matrix.to_numpy().sum())} "
          f"{'' if args.include_closed else 'open '}risks (rows: likelihood)\n")
    print(risk.matrix_text(matrix, crit))
    return 0


def _criteria(args: argparse.Namespace) -> int:
    from workbench import risk

    store = open_cli_store(args)
    if args.set_file:
        data = read_data(args.set_file, what="risk criteria")
        # `risk criteria --json` writes the version it showed: an edited copy of it is based
        # on that version, so a change saved since is a conflict, not overwritten
        based_on = data.pop("_version", None)
        current = risk.criteria_version(store)
        if current is not None and based_on is None:
            based_on = current.version
        if current is not None and current.version == based_on:
            from workbench.model import validate_record

            same = validate_record(type(current.record), {"id": current.record.id, **data})
            if same.content() == current.record.content():
                print(f"the risk criteria in force are already these ({current.describe()}); "
                      "nothing was saved")
                return 0
        saved = risk.save_criteria(store, data, base_version=based_on,
                                   reason=args.reason or "risk criteria replaced")
        print(f"saved risk criteria, {saved.describe()}; every risk is now levelled by them")
        return 0
    found = risk.criteria_version(store)
    crit = found.record if found else risk.default_criteria()
    if args.json:
        print_json(crit.content() | {"_version": found.version if found else None})
        return 0
    source = found.describe() if found else "the built-in default (none saved yet)"
    print(f"{crit.name}: {source}")
    print(f"appetite: up to {crit.appetite}; reviews every {crit.review_interval_days} days\n")
    for axis in ("likelihood", "consequence"):
        print(f"{axis}:")
        print_table([(s.level, s.label, s.description) for s in getattr(crit, axis)],
                    ["level", "label", "description"])
        print()
    print("bands (score = likelihood x consequence):")
    rank = crit.band_rank(crit.appetite)
    print_table([(b.name, f"{b.min_score}-{b.max_score}", b.colour,
                  "yes" if i <= rank else "no", b.description)
                 for i, b in enumerate(crit.bands)],
                ["band", "scores", "colour", "within appetite", "description"])
    return 0


def _actions(args: argparse.Namespace) -> int:
    from workbench import risk
    from workbench.registers import problems_of

    store = open_cli_store(args)
    if args.owner:
        store.get("person", args.owner)  # an unknown owner is an error, not "0 actions"
    reg = risk.register(store, system_id=args.system, as_of=args.as_of)
    warn_problems(problems_of(reg))
    acts = risk.overdue_actions(reg) if args.overdue else risk.actions(reg)
    if args.owner:
        acts = acts[acts["owner"] == args.owner]
    if args.json:
        out = acts.drop(columns=["done_on"]).copy()
        out["due"] = out["due"].dt.strftime("%Y-%m-%d")
        print_json(out.to_dict(orient="records"))
        return 0
    print_table([(a.risk_id, a.description, a.owner, a.due.strftime("%Y-%m-%d"),
                  f"{a.days_overdue} days" if a.overdue else "")
                 for a in acts.itertuples()], ["risk", "action", "owner", "due", "overdue"])
    print(f"\n{len(acts)} open actions, {int(acts['overdue'].sum())} overdue")
    return 0


def _accept(args: argparse.Namespace) -> int:
    from workbench import risk

    store = open_cli_store(args)
    saved = risk.accept_risk(store, args.id, rationale=args.rationale, accepted_on=args.on)
    print(f"risk {args.id}: residual risk accepted, {saved.describe()}")
    facts = risk.signoff_facts(store, saved)
    if facts["above_appetite"]:
        from workbench import oversight

        line = _signoff_line(oversight.status(store, "risk", args.id), facts)
        print(f"sign-off: {line}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from workbench import risk
    from workbench.errors import ValidationError

    store = open_cli_store(args)
    try:
        result = risk.import_risks(store, args.file, reason=args.reason, dry_run=args.dry_run,
                                   overwrite=args.overwrite)
    except (ValidationError, risk.ImportConflictError) as exc:
        for where, message in exc.errors:
            if where.startswith("line "):  # each row's problem; the last line sums them up
                print(f"{where}: {message}", file=sys.stderr)
        raise
    print(result.summary())
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench import risk

    store = open_cli_store(args)
    target = args.output
    fmt = "yaml" if target.lower().endswith((".yaml", ".yml")) else "csv"
    text, problems = risk.export_risks(store, system_id=args.system, fmt=fmt)
    warn_problems(problems)
    if target == "-":
        sys.stdout.write(text)
        return 0
    Path(target).write_text(text, encoding="utf-8", newline="")
    print(f"wrote {target}: every risk with its _version; edit it and `workbench risk import "
          f"{target}`")
    return 0
