"""``workbench catalog ...``: browse the framework catalog from the shell.

Works on the validated pydantic items directly, so no pandas is imported.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.cli._common import add_json_flag
from workbench.cli._output import print_fields, print_json, print_table

if TYPE_CHECKING:  # pragma: no cover
    from workbench.catalog._load import Catalog
    from workbench.catalog._lookup import CrosswalkResult, Link

# Human labels for the kinds of catalog items.
_KIND_LABELS = {
    "clause": "ISO/IEC 42001 clause",
    "annex_a_objective": "ISO/IEC 42001 Annex A objective",
    "control": "ISO/IEC 42001 Annex A control",
    "annex_c_objective": "ISO/IEC 42001 Annex C objective",
    "risk_source": "ISO/IEC 42001 Annex C risk source",
    "nist_function": "NIST AI RMF function",
    "nist_subcategory": "NIST AI RMF subcategory",
    "eu_practice": "EU AI Act prohibited practice",
    "eu_annex_iii": "EU AI Act Annex III high-risk area",
    "eu_article": "EU AI Act article",
    "eu_date": "EU AI Act application date",
    "eu_amendment": "EU AI Act amending act",
    "eu_amendment_change": "EU AI Act date changed by an amending act",
}
_EU_VIEWS = ("articles", "practices", "annex-iii", "dates")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``catalog`` command group."""
    p = subparsers.add_parser(
        "catalog",
        help="browse ISO/IEC 42001, Annex C, NIST AI RMF, EU AI Act and crosswalks",
        description="Browse the framework catalog shipped with the workbench.",
    )
    p.set_defaults(handler=_usage(p))
    sub = p.add_subparsers(dest="catalog_command", metavar="ACTION")

    q = sub.add_parser("controls", help="list the 38 Annex A controls")
    q.add_argument("--objective", metavar="A.N", help="only this objective, e.g. A.6")
    add_json_flag(q)
    q.set_defaults(handler=_controls)

    q = sub.add_parser("show", help="show one item (control, clause, subcategory, article...)")
    q.add_argument("id", help='e.g. A.6.2.4, 6.1.2, "GOVERN 1.1", art14, annex3.4.a')
    add_json_flag(q)
    q.set_defaults(handler=_show)

    q = sub.add_parser("clauses", help="list clauses 4-10 with their documented information")
    add_json_flag(q)
    q.set_defaults(handler=_clauses)

    q = sub.add_parser("crosswalk", help="what an item maps to in the other frameworks")
    q.add_argument("id", help='a control, clause, NIST subcategory or EU AI Act id')
    add_json_flag(q)
    q.set_defaults(handler=_crosswalk)

    q = sub.add_parser("eu", help="EU AI Act: articles, practices, annex-iii or dates")
    q.add_argument("view", nargs="?", choices=_EU_VIEWS, default="articles")
    add_json_flag(q)
    q.set_defaults(handler=_eu)

    q = sub.add_parser("nist", help="list NIST AI RMF 1.0 subcategories")
    q.add_argument("--function", choices=("GOVERN", "MAP", "MEASURE", "MANAGE"))
    add_json_flag(q)
    q.set_defaults(handler=_nist)

    q = sub.add_parser("annex-c", help="list Annex C objectives and risk sources")
    add_json_flag(q)
    q.set_defaults(handler=_annex_c)

    q = sub.add_parser("sources", help="where each data file comes from, and its licence")
    add_json_flag(q)
    q.set_defaults(handler=_sources)


def _usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return handler


def _catalog() -> Catalog:
    from workbench.catalog import load_catalog

    return load_catalog()


def _dump(item: Any) -> dict[str, Any]:
    return item.model_dump(mode="json")  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- handlers


def _controls(args: argparse.Namespace) -> int:
    catalog = _catalog()
    titles = {o.id: o.title for o in catalog.iso.objectives}
    if args.objective is not None and args.objective not in titles:
        from workbench.catalog._lookup import unknown_message
        from workbench.errors import NotFoundError

        hint = "Objectives are A.2 to A.10; run `workbench catalog controls` to list all."
        raise NotFoundError(
            unknown_message("Annex A objective", args.objective, tuple(titles), hint)
        )
    chosen = [
        c for c in catalog.iso.controls if args.objective is None or c.objective == args.objective
    ]
    if args.json:
        print_json([{**_dump(c), "objective_title": titles[c.objective]} for c in chosen])
        return 0
    rows = [(c.id, c.title, f"{c.objective} {titles[c.objective]}") for c in chosen]
    print_table(rows, ["id", "title", "objective"])
    return 0


def _show(args: argparse.Namespace) -> int:
    import workbench.catalog as wbc

    item = wbc.get(args.id)  # raises NotFoundError with suggestions
    kind = wbc.kind_of(args.id)
    links = wbc.crosswalk(args.id)
    if args.json:
        print_json({"id": args.id, "kind": kind, "item": _dump(item), "crosswalk": links.to_dict()})
        return 0
    pairs: list[tuple[str, Any]] = [("kind", _KIND_LABELS.get(kind, kind))]
    if kind == "control":
        objective = wbc.get(item.objective)  # type: ignore[attr-defined]
        pairs += [
            ("id", item.id),  # type: ignore[attr-defined]
            ("title", item.title),  # type: ignore[attr-defined]
            ("objective", f"{objective.id} {objective.title}"),  # type: ignore[attr-defined]
            ("guidance", item.guidance),  # type: ignore[attr-defined]
            ("evidence", list(item.evidence)),  # type: ignore[attr-defined]
            ("accepts", _accepts(item)),
            ("principles", ", ".join(item.principles)),  # type: ignore[attr-defined]
        ]
    else:
        pairs += [(key, _plain(value)) for key, value in _dump(item).items() if key != "accepts"]
        if kind == "clause" and getattr(item, "accepts", None):
            pairs.append(("accepts", _accepts(item)))
    pairs += _link_fields(links)
    print_fields(pairs)
    return 0


def _accepts(item: Any) -> str:
    """The evidence kinds a requirement accepts, with their words."""
    import workbench.catalog as wbc

    kinds = list(getattr(item, "accepts", ()) or ())
    if not kinds:
        return "-"
    return f"{', '.join(kinds)} ({wbc.accepted_evidence_text(item.id)})"


def _plain(value: Any) -> Any:
    """Flatten nested values (e.g. an amendment's changes) into printable text."""
    if isinstance(value, list):
        return [_plain(v) if not isinstance(v, dict) else _one_line(v) for v in value]
    if isinstance(value, dict):
        return _one_line(value)
    return value


def _one_line(data: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in data.items() if v not in (None, "", []))


def _link_text(link: Link) -> str:
    text = f"{link.id}: {link.text}"
    if link.relationship != "related":
        text += f" ({link.relationship})"
    if link.rationale:
        text += f" - {link.rationale}"
    return text


def _link_fields(result: CrosswalkResult) -> list[tuple[str, Any]]:
    return [
        ("NIST AI RMF", [_link_text(link) for link in result.nist]),
        ("ISO/IEC 42001", [_link_text(link) for link in result.iso]),
        ("EU AI Act", [_link_text(link) for link in result.eu_articles]),
    ]


def _clauses(args: argparse.Namespace) -> int:
    clauses = _catalog().iso.clauses
    if args.json:
        print_json([_dump(c) for c in clauses])
        return 0
    rows = [
        (c.id, "  " * (c.depth - 1) + c.title, "; ".join(c.documented_information) or "-")
        for c in clauses
    ]
    print_table(rows, ["id", "title", "documented information"])
    return 0


def _crosswalk(args: argparse.Namespace) -> int:
    import workbench.catalog as wbc

    result = wbc.crosswalk(args.id)
    if args.json:
        print_json(result.to_dict())
        return 0
    if not result.links:
        print(f"{args.id}: no links in the catalog's crosswalks")
        return 0
    rows = [
        (link.framework, link.id, link.relationship, link.via or "", link.text)
        for link in result.links
    ]
    print_table(rows, ["framework", "id", "relationship", "via", "title / statement"])
    return 0


def _eu(args: argparse.Namespace) -> int:
    eu = _catalog().eu
    view = args.view
    if view == "articles":
        items: list[Any] = list(eu.articles)
        headers = ["id", "number", "title", "roles", "tier"]
        rows = [(a.id, a.number, a.title, a.roles, a.tier) for a in eu.articles]
    elif view == "practices":
        items = list(eu.practices)
        headers = ["id", "point", "title", "exceptions"]
        rows = [(p.id, p.point, p.title, p.exceptions or "-") for p in eu.practices]
    elif view == "annex-iii":
        items = list(eu.annex_iii)
        headers = ["id", "title", "exclusions"]
        rows = [
            (a.id, ("  " if a.parent else "") + a.title, a.exclusions or "-") for a in eu.annex_iii
        ]
    else:
        items = list(eu.dates) + list(eu.amendments)
        headers = ["date", "status", "applies", "id", "applies to"]
        rows = [(str(d.date), d.status, "yes", d.id, d.applies_to) for d in eu.dates]
        for amendment in eu.amendments:
            for c in amendment.changes:
                was = f"instead of {c.current_date}" if c.current_date else "a new provision"
                applies = "yes" if amendment.applies else "not yet"
                rows.append((str(c.proposed_date), amendment.status, applies, c.id,
                             f"{c.applies_to} ({was})"))
    if args.json:
        print_json([_dump(i) for i in items])
        return 0
    print_table(rows, headers)
    if view == "dates":
        for amendment in eu.amendments:
            print(f"\n{amendment.id} ({amendment.status}): {amendment.source}")
            for event in amendment.events:
                print(f"  {event.when}: {event.step} ({event.source})")
            print(f"  {amendment.note}" if not amendment.applies else
                  "  In force: its dates replace the Act's for what it covers.")
    return 0


def _nist(args: argparse.Namespace) -> int:
    subcategories = [
        s
        for s in _catalog().nist.subcategories
        if args.function is None or s.function == args.function
    ]
    if args.json:
        print_json([_dump(s) for s in subcategories])
        return 0
    print_table([(s.id, s.statement) for s in subcategories], ["id", "statement"])
    return 0


def _annex_c(args: argparse.Namespace) -> int:
    annex_c = _catalog().annex_c
    items = list(annex_c.objectives) + list(annex_c.risk_sources)
    if args.json:
        print_json([_dump(i) for i in items])
        return 0
    print_table([(i.id, i.name, i.description) for i in items], ["id", "name", "description"])
    return 0


def _sources(args: argparse.Namespace) -> int:
    import workbench.catalog as wbc

    rows = wbc.sources()
    if args.json:
        print_json(rows)
        return 0
    for i, row in enumerate(rows):
        if i:
            print()
        print_fields([(key, value) for key, value in row.items()])
    return 0
