"""``workbench systems list | show``: the AI system inventory."""

from __future__ import annotations

import argparse

from workbench.cli._common import add_json_flag, open_cli_store
from workbench.cli._output import print_fields, print_json, print_table


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
    store = open_cli_store(args)
    systems = [v.record for v in store.latest("ai_system")]
    if args.business_unit:
        systems = [s for s in systems if s.business_unit.casefold() ==
                   args.business_unit.casefold()]
    if args.stage:
        systems = [s for s in systems if s.lifecycle_stage.value == args.stage]
    if args.json:
        print_json([s.content() for s in systems])
        return 0
    people = {p.id: p.name for p in store.records("person")}
    rows = [(s.id, s.name, s.business_unit, s.lifecycle_stage.value,
             ", ".join(r.value for r in s.org_roles), people.get(s.owner, s.owner))
            for s in systems]
    print_table(rows, ["id", "name", "business unit", "stage", "our role", "owner"])
    return 0


def _show(args: argparse.Namespace) -> int:
    store = open_cli_store(args)
    version = store.get("ai_system", args.id)
    system = version.record
    evidence = [e for e in store.records("evidence") if system.id in e.system_ids]
    if args.json:
        print_json(system.content() | {"_version": version.version,
                                       "evidence": [e.content() for e in evidence]})
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
        ("version", f"{version.describe()}"),
    ])
    if evidence:
        import datetime as dt

        print("\nevidence:")
        today = dt.date.today()
        print_table([(e.id, e.title, ", ".join(e.control_ids),
                      "expired" if e.is_expired(today) else (str(e.expires_at or "-")))
                     for e in evidence], ["id", "title", "controls", "expires"])
    return 0
