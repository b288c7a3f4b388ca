"""``workbench readiness``, ``workbench soa`` and ``workbench frameworks``: ISO/IEC 42001
readiness computed from the records, the Statement of Applicability, and the NIST AI RMF and
EU AI Act views."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from workbench.cli._common import (
    add_json_flag,
    iso_date,
    open_cli_store,
    positive_int,
    whole_number,
)
from workbench.cli._output import print_fields, print_json, print_table, warn_problems

_STATUS = {"met": "met", "partial": "partial", "missing": "MISSING",
           "not_applicable": "n/a"}


def _pct(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return "n/a" if math.isnan(number) else f"{number:.0f}%"


#: The most points ``readiness trend`` computes (as :func:`workbench.readiness.trend` allows).
_MAX_POINTS = 60


#: argparse type for ``trend --points``: a whole number from 1 to 60.
_trend_points = whole_number(_MAX_POINTS)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "readiness", help="ISO/IEC 42001 readiness computed from the records",
        description="Readiness of every clause 4-10 sub-clause and Annex A control, computed "
        "from the records: met, partial, missing or not applicable, with the reason and the "
        "missing items named.")
    p.add_argument("--clause", metavar="ID", help="one clause (6) or Annex A objective (A.6)")
    p.add_argument("--gaps", action="store_true", help="list every missing item (to-do list)")
    p.add_argument("--as-of", type=iso_date, metavar="DATE",
                   help="readiness as it stood on this day: the records as they were saved "
                   "by its end, judged on that day (today or earlier)")
    p.add_argument("--no-verify", action="store_true",
                   help="skip the hash-chain check of 7.5.3 (faster on a large store)")
    add_json_flag(p)
    p.set_defaults(handler=_summary)
    sub = p.add_subparsers(dest="readiness_command", metavar="ACTION")
    q = sub.add_parser("show", aliases=["explain"],
                       help="one requirement: status, reason, missing items, evidence (and "
                       "the evidence kinds it accepts)")
    q.add_argument("id", help="a sub-clause (6.1.4) or Annex A control (A.6.2.4)")
    q.add_argument("--as-of", type=iso_date, metavar="DATE",
                   help="as it stood on this day (the records as they were then)")
    q.add_argument("--no-verify", action="store_true", default=argparse.SUPPRESS,
                   help="skip the hash-chain check of 7.5.3 (also accepted before `show`)")
    add_json_flag(q)
    q.set_defaults(handler=_show)
    q = sub.add_parser("trend", help="readiness over time, read from the store's history",
                       description="Readiness at regular points (monthly over the last 12 "
                       "months by default), each computed from the records as they stood.")
    q.add_argument("--points", type=_trend_points, default=12, metavar="N",
                   help="how many points (default 12, at most 60)")
    q.add_argument("--every", choices=("month", "week", "day"), default="month")
    q.add_argument("--end", type=iso_date, metavar="DATE", help="the last point (default today)")
    q.add_argument("--no-verify", action="store_true",
                   help="skip the hash-chain check of 7.5.3 at each point")
    add_json_flag(q)
    q.set_defaults(handler=_trend)

    p = subparsers.add_parser("soa", help="the Statement of Applicability (6.1.3)")
    sub = p.add_subparsers(dest="soa_command", metavar="ACTION", required=True)
    q = sub.add_parser("draft", help="draft the SoA from the risk register's treatments",
                       description="Controls chosen in risk treatments are included with the "
                       "risks as justification; the others are left to decide. Decisions of a "
                       "saved SoA are kept.")
    q.add_argument("--save", action="store_true", help="save the draft (a new version)")
    q.add_argument("--owner", metavar="LOGIN", help="who maintains the SoA")
    q.add_argument("--reason", default="", help="why (with --save)")
    add_json_flag(q)
    q.set_defaults(handler=_draft)
    q = sub.add_parser("show", help="show the SoA (the approved version unless told)")
    _version_flags(q)
    add_json_flag(q)
    q.set_defaults(handler=_soa_show)
    q = sub.add_parser("export", help="write the printable SoA (HTML) or a CSV")
    _version_flags(q)
    q.add_argument("--format", choices=("html", "csv"), default="html")
    q.add_argument("-o", "--output", metavar="FILE",
                   help="file to write (default statement-of-applicability.<format>; - for "
                   "standard output)")
    q.set_defaults(handler=_export)
    q = sub.add_parser("set", help="include or exclude one control, with its justification")
    q.add_argument("control", help="an Annex A control id, e.g. A.6.2.4")
    q.add_argument("--applicable", choices=("yes", "no"))
    q.add_argument("--justification", help="why it is included or excluded")
    q.add_argument("--implementation", choices=("planned", "partial", "implemented"))
    q.add_argument("--owner", metavar="LOGIN")
    q.add_argument("--reason", default="", help="why it changed")
    q.set_defaults(handler=_set)
    q = sub.add_parser("submit", help="mark the SoA submitted (every control decided)")
    q.set_defaults(handler=_submit)
    q = sub.add_parser("issues", help="what to look at before approving the current SoA")
    add_json_flag(q)
    q.set_defaults(handler=_issues)

    p = subparsers.add_parser("frameworks", help="readiness seen as NIST AI RMF and EU AI Act")
    sub = p.add_subparsers(dest="frameworks_command", metavar="FRAMEWORK", required=True)
    q = sub.add_parser("nist", help="NIST AI RMF coverage by function and subcategory")
    q.add_argument("--function", choices=("GOVERN", "MAP", "MEASURE", "MANAGE"),
                   help="list the subcategories of one function")
    add_json_flag(q)
    q.set_defaults(handler=_nist)
    q = sub.add_parser("eu", help="EU AI Act obligations of each high-risk system and the "
                       "records evidencing them")
    q.add_argument("--system", metavar="ID", help="only this AI system")
    add_json_flag(q)
    q.set_defaults(handler=_eu)


def _version_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--current", action="store_true",
                       help="the current version, approved or not")
    group.add_argument("--version", type=positive_int, metavar="N", help="a given version")


def _which(args: argparse.Namespace) -> str | int:
    return "current" if args.current else args.version if args.version else "approved"


# -- readiness ------------------------------------------------------------------------------------
def _summary(args: argparse.Namespace) -> int:
    from workbench import readiness

    if args.clause is not None and not args.clause.strip():
        from workbench.errors import ConfigurationError

        raise ConfigurationError("--clause was given an empty value; name a clause (6) or an "
                                 "Annex A objective (A.6), or leave --clause out for every "
                                 "clause")
    store = open_cli_store(args)
    only = [args.clause] if args.clause else None
    if args.as_of is not None:
        from workbench.readiness.history import moment

        moment(args.as_of, name="--as-of")  # its refusals name the option
        result = readiness.as_of(store, args.as_of, only=only, verify=not args.no_verify)
    else:
        result = readiness.assess(store, only=only, verify=not args.no_verify)
    warn_problems(result.problems)
    if args.json:
        print_json(result.to_dict())
        return 0
    print(result.summary())
    print()
    by = result.by_clause
    print_table([(g, t, _pct(p), m, pa, mi, na) for g, t, p, m, pa, mi, na in zip(
        by["group"], by["title"], by["percent"], by["met"], by["partial"], by["missing"],
        by["not_applicable"], strict=True)],
        ["clause", "title", "ready", "met", "partial", "missing", "n/a"])
    if args.clause or args.gaps:
        req = result.requirements
        print()
        print_table([(i, _STATUS[s], r) for i, s, r in zip(req["id"], req["status"],
                                                            req["reason"], strict=True)],
                    ["requirement", "status", "reason"])
    if args.gaps:
        gaps = readiness.gap_table(result)
        print(f"\nto do ({len(gaps)}):")
        print_table([(r, _STATUS[s], i) for r, s, i in zip(gaps["requirement"],
                                                           gaps["status"], gaps["item"],
                                                           strict=True)],
                    ["requirement", "status", "to do"])
    elif not args.clause:
        print(f"\n{len(result.gaps)} items to do: `workbench readiness --gaps` lists them, "
              "`workbench readiness show ID` explains one requirement")
    return 0


def _show(args: argparse.Namespace) -> int:
    from workbench import readiness

    store = open_cli_store(args)
    rule = readiness.get_rule(args.id)
    if args.as_of is not None:
        from workbench.readiness.history import moment

        moment(args.as_of, name="--as-of")  # its refusals name the option
        result = readiness.as_of(store, args.as_of, only=[args.id])
    else:
        result = readiness.assess(store, only=[args.id])
    warn_problems(result.problems)
    row = result.requirement(args.id)
    if args.json:
        data = {k: v for k, v in row.items() if k != "score"}
        print_json(data | {"score": None if math.isnan(row["score"]) else row["score"],
                           "description": rule.description, "reads": list(rule.reads),
                           "accepts": list(rule.accepts)})
        return 0
    print_fields([
        ("requirement", f"{row['id']} {row['title']}"),
        ("status", row["status"].replace("_", " ")), ("why", row["reason"]),
        ("rule", f"{rule.name}: {rule.description}"),
        ("reads", ", ".join(rule.reads)),
        ("accepts", ", ".join(rule.accepts)),
        ("missing", row["missing"]), ("counts", row["evidence"]),
        ("expired", [f"{e} (does not count)" for e in row["expired"]]),
        ("refused", row["refused"]),
        ("SoA", f"applicable: {row['soa_applicable']}"
         + (f", {row['soa_implementation']}" if row["soa_implementation"] else "")
         if row["soa_applicable"] else ""),
    ])
    return 0


def _trend(args: argparse.Namespace) -> int:
    from workbench import readiness

    store = open_cli_store(args)
    frame = readiness.trend(store, points=args.points, every=args.every, end=args.end,
                            verify=not args.no_verify)
    if args.json:
        rows = [{k: (None if isinstance(v, float) and math.isnan(v) else
                     round(v, 1) if isinstance(v, float) else
                     v.isoformat() if hasattr(v, "isoformat") else int(v))
                 for k, v in row.items()} for row in frame.to_dict(orient="records")]
        print_json(rows)
        return 0
    print_table([(d.isoformat(), _pct(o), _pct(c), _pct(a), m, pa, mi, g, n)
                 for d, o, c, a, m, pa, mi, g, n in zip(
                     frame["as_of"], frame["overall"], frame["clauses"], frame["annex_a"],
                     frame["met"], frame["partial"], frame["missing"], frame["gaps"],
                     frame["records"], strict=True)],
                ["as of", "overall", "clauses", "Annex A", "met", "partial", "missing",
                 "to do", "records"])
    return 0


# -- Statement of Applicability -------------------------------------------------------------------
def _draft(args: argparse.Namespace) -> int:
    from workbench import readiness

    store = open_cli_store(args)
    draft = readiness.draft_soa(store, owner=args.owner)
    if args.json and not args.save:
        print_json(draft.content())
        return 0
    undecided = [e.control_id for e in draft.entries if e.applicable is None]
    if not args.save:
        print_table([(e.control_id, {True: "yes", False: "no", None: "to decide"}[e.applicable],
                      e.justification) for e in draft.entries],
                    ["control", "applicable", "justification"])
        print(f"\n{38 - len(undecided)} controls decided, {len(undecided)} to decide; nothing "
              "saved (add --save)")
        return 0
    current = store.find("soa", draft.id)
    saved = readiness.save_soa(store, draft, base_version=current.version if current else None,
                               reason=args.reason or "drafted from the risk register")
    print(f"saved Statement of Applicability {saved.record_id!r} {saved.describe()}; "
          f"{len(undecided)} controls to decide (`workbench soa set CONTROL ...`)")
    return 0


def _soa_show(args: argparse.Namespace) -> int:
    from workbench import readiness

    store = open_cli_store(args)
    table = readiness.soa_table(store, which=_which(args))
    info = table.attrs["soa"]
    if args.json:
        print_json({"soa": {k: v for k, v in info.items()},
                    "entries": table.to_dict(orient="records")})
        return 0
    print(info["banner"])
    print()
    print_table([(r.control_id, r.applicable, r.implementation or "-", r.owner or "-",
                  len(r.risks), len(r.evidence) or ("expired" if r.expired_evidence else 0),
                  r.justification) for r in table.itertuples()],
                ["control", "applicable", "implementation", "owner", "risks", "evidence",
                 "justification"])
    summary = readiness.soa_summary(table)
    print(f"\n{summary['included']} included, {summary['excluded']} excluded, "
          f"{summary['undecided']} to decide")
    return 0


def _export(args: argparse.Namespace) -> int:
    from workbench import readiness

    store = open_cli_store(args)
    table = readiness.soa_table(store, which=_which(args))
    if args.format == "csv":
        from workbench.render import csv_text

        out = table.copy()
        for col in ("risks", "evidence", "expired_evidence"):
            out[col] = out[col].map("; ".join)
        text = csv_text(out)  # spreadsheet-safe: no cell runs as a formula
    else:
        body = readiness.soa_document(store, which=_which(args))
        text = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Statement of "
                f"Applicability</title></head><body>{body}</body></html>\n")
    target = args.output or f"statement-of-applicability.{args.format}"
    if target == "-":
        sys.stdout.write(text)
        return 0
    Path(target).write_text(text, encoding="utf-8")
    print(f"wrote {target} ({table.attrs['soa']['banner']})")
    return 0


def _set(args: argparse.Namespace) -> int:
    from workbench import readiness

    store = open_cli_store(args)
    changes: dict[str, Any] = {}
    if args.applicable is not None:
        changes["applicable"] = args.applicable == "yes"
    for name in ("justification", "implementation", "owner"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if not changes:
        from workbench.errors import ValidationError

        raise ValidationError("nothing to change: give --applicable, --justification, "
                              "--implementation or --owner")
    saved = readiness.update_entry(store, args.control, reason=args.reason, **changes)
    print(f"{args.control} updated: {saved.describe()}")
    return 0


def _submit(args: argparse.Namespace) -> int:
    from workbench import readiness

    store = open_cli_store(args)
    saved = readiness.submit_soa(store)
    print(f"submitted {saved.describe()}; request its sign-off with `workbench signoff "
          f"request soa {saved.record_id}`")
    return 0


def _issues(args: argparse.Namespace) -> int:
    from workbench import readiness

    store = open_cli_store(args)
    issues = readiness.soa_issues(store)
    if args.json:
        print_json(issues.to_dict(orient="records"))
        return 0
    print_table(issues.itertuples(index=False), ["control", "issue"])
    print(f"\n{len(issues)} issues")
    return 0


# -- frameworks -----------------------------------------------------------------------------------
def _nist(args: argparse.Namespace) -> int:
    from workbench import readiness

    store = open_cli_store(args)
    result = readiness.assess(store, verify=False)
    warn_problems(result.problems)
    coverage = readiness.nist_coverage(result)
    if args.function:
        coverage = coverage[coverage["function"] == args.function]
    if args.json:
        print_json({"functions": readiness.nist_by_function(coverage).to_dict(
            orient="records"), "subcategories": coverage.to_dict(orient="records")})
        return 0
    by = readiness.nist_by_function(coverage)
    print_table([(f, n, _pct(p), m, pa, mi, na) for f, n, p, m, pa, mi, na in zip(
        by["function"], by["subcategories"], by["percent"], by["met"], by["partial"],
        by["missing"], by["not_applicable"], strict=True)],
        ["function", "subcategories", "covered", "met", "partial", "missing", "n/a"])
    if args.function:
        print()
        print_table([(s, _pct(p), _STATUS[st], ", ".join(r)) for s, p, st, r in zip(
            coverage["subcategory"], coverage["percent"], coverage["status"],
            coverage["requirements"], strict=True)],
            ["subcategory", "covered", "status", "ISO/IEC 42001 requirements"])
    return 0


def _eu(args: argparse.Namespace) -> int:
    from workbench import readiness

    store = open_cli_store(args)
    from workbench.registers import problems_of

    obligations = readiness.eu_obligations(store, system_id=args.system)
    warn_problems(problems_of(obligations))
    if args.json:
        print_json(obligations.to_dict(orient="records"))
        return 0
    if obligations.empty:
        print("no high-risk AI system" + (f" {args.system!r}" if args.system else "")
              + " (the EU AI Act tier comes from each system's impact assessment)")
        return 0
    for system_id, group in obligations.groupby("system_id", sort=False):
        print(f"{group['system_name'].iloc[0]} ({system_id}): high-risk")
        print_table([(a, t, _STATUS[s], str(w), len(e) + len(r), "; ".join(m) or "-") for
                     a, t, s, w, e, r, m in zip(group["article"], group["article_title"],
                                                group["status"], group["applies_from"],
                                                group["evidence"], group["records"],
                                                group["missing"], strict=True)],
                    ["article", "obligation", "status", "applies from", "records", "missing"])
        for text in dict.fromkeys(group["dates"]):
            print(f"  dates: {text}")
        excluded = dict.fromkeys(x for xs in group.get("excluded", []) for x in (xs or []))
        for text in excluded:  # controls the approved SoA excludes: not gaps of any article
            print(f"  excluded by the approved SoA: {text}")
        print()
    return 0
