"""``workbench systems list | show``: the AI system inventory."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from workbench.cli._common import add_json_flag, open_cli_store
from workbench.cli._output import print_fields, print_json, print_table, warn_problems

if TYPE_CHECKING:  # pragma: no cover
    from workbench.oversight import SignOffStatus

#: Sign-off states as short table cells.
_STATE_CELLS = {"stale": "STALE", "changes_requested": "changes req.",
                "outdated": "request again"}


def signoff_text(st: SignOffStatus) -> str:
    """One line on a record's sign-off: the state, who and when, and what changed when stale."""
    def day(value: Any) -> str:
        return f" on {value:%Y-%m-%d}" if value is not None else ""

    if st.state == "stale":
        return (f"stale: version {st.approved_version} was approved by "
                f"{', '.join(st.approved_by)}{day(st.approved_at)}; version "
                f"{st.current_version} changed {', '.join(st.changed_fields) or 'it'} since: "
                "request sign-off again")
    if st.state == "none":
        return "not requested"
    if st.state == "outdated":
        return (f"request outdated: version {st.current_version} changed after sign-off was "
                "requested; request sign-off again")
    text = st.summary()
    if st.state == "pending" and st.requested_by:
        text += f" (requested by {st.requested_by}{day(st.requested_at)})"
    return text


def print_signoff_changes(st: SignOffStatus) -> None:
    """The field-by-field changes since a stale approval (nothing when it is not stale)."""
    if not st.stale or not st.changes:
        return
    print(f"\nchanged since the approval of version {st.approved_version}:")
    print_table([(c.field, c.before, c.after) for c in st.changes],
                ["field", f"version {st.approved_version}", f"version {st.current_version}"])


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("systems", help="the AI system inventory")
    sub = p.add_subparsers(dest="systems_command", metavar="ACTION", required=True)
    q = sub.add_parser("list", help="list AI systems")
    q.add_argument("--business-unit", help="only this business unit")
    q.add_argument("--stage", help="only this lifecycle stage")
    add_json_flag(q)
    q.set_defaults(handler=_list)
    q = sub.add_parser("show", help="show one AI system with its evidence")
    q.add_argument("id")
    add_json_flag(q)
    q.set_defaults(handler=_show)


def _list(args: argparse.Namespace) -> int:
    from workbench.registers import parsed_versions

    store = open_cli_store(args)
    versions, problems = parsed_versions(store.latest("ai_system"))
    people_versions, people_problems = parsed_versions(store.latest("person"))
    warn_problems(problems + people_problems)
    systems = [v.record for v in versions]
    if args.business_unit:
        systems = [s for s in systems if s.business_unit.casefold() ==
                   args.business_unit.casefold()]
    if args.stage:
        systems = [s for s in systems if s.lifecycle_stage.value == args.stage]
    signoffs = _go_live_signoffs(store)
    if args.json:
        none = {"signoff": "none", "signoff_by": "", "signoff_at": None,
                "signoff_pending_with": ""}
        print_json([s.content() | signoffs.get(s.id, none) for s in systems])
        return 0
    people = {v.record.id: v.record.name for v in people_versions}
    rows = [(s.id, s.name, s.business_unit, s.lifecycle_stage.value,
             ", ".join(r.value for r in s.org_roles), people.get(s.owner, s.owner),
             _STATE_CELLS.get(state, state))
            for s in systems
            for state in [signoffs.get(s.id, {}).get("signoff", "none")]]
    print_table(rows, ["id", "name", "business unit", "stage", "our role", "owner", "go-live"])
    print("\ngo-live: the sign-off of the system's go-live (none = not requested; STALE = "
          "changed since approved; request again = changed before its signers decided); "
          "`workbench systems show ID` says who, when and what changed")
    return 0


def _go_live_signoffs(store: Any) -> dict[str, dict[str, Any]]:
    """system id -> its go-live sign-off (state, who approved, when), from one status frame."""
    from workbench import oversight

    frame = oversight.status_frame(store, kind="ai_system")
    out = {}
    for row in frame.itertuples():
        approval = row.state in ("approved", "stale")
        out[str(row.record_id)] = {
            "signoff": str(row.state),
            "signoff_by": str(row.approved_by) if approval else "",
            "signoff_at": row.approved_at.isoformat() if approval else None,
            "signoff_pending_with": str(row.pending_with)}
    return out


def _show(args: argparse.Namespace) -> int:
    store = open_cli_store(args)
    version = store.get("ai_system", args.id)
    system = version.record
    from workbench.registers import parsed_versions

    items, problems = parsed_versions(store.latest("evidence"))
    warn_problems(problems)
    evidence = [v.record for v in items if system.id in v.record.system_ids]
    from workbench import oversight

    signoff = oversight.status(store, "ai_system", system.id)
    if args.json:
        print_json(system.content() | {
            "_version": version.version, "evidence": [e.content() for e in evidence],
            "signoff": signoff.model_dump(mode="json", exclude={"decisions", "current_hash"})})
        return 0
    owner = store.find("person", system.owner)
    print_fields([
        ("id", system.id), ("name", system.name), ("purpose", system.purpose),
        ("description", system.description),
        ("owner", f"{owner.record.name} ({system.owner})" if owner else system.owner),
        ("business unit", system.business_unit),
        ("lifecycle stage", system.lifecycle_stage.value),
        ("our role", ", ".join(r.value for r in system.org_roles)),
        ("technique", f"{system.technique} ({system.technique_family.value})"),
        ("third-party parts", system.third_party_components),
        ("data", ", ".join(d.value for d in system.data_categories)),
        ("deployment", system.deployment_context), ("geography", ", ".join(system.geography)),
        ("affected parties", system.affected_parties),
        ("automation", system.automation_level.value),
        ("human oversight", system.oversight_mode.value.replace("_", " ")),
        ("status", system.status.value), ("in AIMS scope", "yes" if system.in_scope else "no"),
        ("go-live sign-off", signoff_text(signoff)),
        ("version", f"{version.describe()}"),
    ])
    print_signoff_changes(signoff)
    if evidence:
        import datetime as dt

        print("\nevidence:")
        today = dt.date.today()
        print_table([(e.id, e.title, ", ".join(e.control_ids),
                      "expired" if e.is_expired(today) else (str(e.expires_at or "-")))
                     for e in evidence], ["id", "title", "controls", "expires"])
    return 0
