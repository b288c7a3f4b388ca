"""``workbench export | import | oscal | backup | restore``: data in and out."""

from __future__ import annotations

import argparse
import sys

from workbench.cli._common import open_cli_store

OSCAL_MODELS = ("catalog", "component-definition", "assessment-results", "poam")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export", help="the registers as an Excel workbook (one sheet per record kind)",
        description="Write records to an .xlsx workbook: one sheet per kind, each row with its "
        "_version (so an edited workbook can be imported back with conflicts caught), drop-downs "
        "for choices, frozen headers, notes on every column.")
    p.add_argument("kind", nargs="*", help="record kinds (e.g. risk ai_system); see --all")
    p.add_argument("--all", action="store_true",
                   help="every kind a person may save (all but the sign-off records)")
    p.add_argument("--template", action="store_true",
                   help="an empty workbook (sheets, headers, drop-downs) to fill in")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    p.set_defaults(handler=_export)

    p = subparsers.add_parser(
        "import", help="import an Excel workbook, all or nothing",
        description="Import the records of an .xlsx workbook as the acting user: every cell is "
        "checked, every problem is listed as `sheet, row N, column X: message`, rows based on "
        "an older _version than the store's are refused, and nothing is saved unless all is "
        "well. Sign-off sheets are refused.")
    p.add_argument("file", metavar="FILE.xlsx")
    p.add_argument("--dry-run", action="store_true", help="check and report; save nothing")
    p.add_argument("--reason", default="", help="why (kept with every version saved)")
    p.set_defaults(handler=_import)

    p = subparsers.add_parser(
        "oscal", help="OSCAL JSON: catalog, component definition, assessment results, POA&M",
        description="Write an OSCAL 1.1.3 JSON document built from the store, and record the "
        "export as evidence with the store head it reflects.")
    p.add_argument("model", choices=[*OSCAL_MODELS, "ssp", "ar"],
                   help="catalog (our ids and titles), component-definition (from the SoA; "
                   "`ssp` is accepted for it), assessment-results (`ar`, from readiness), poam "
                   "(open nonconformities and risks above appetite)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.json")
    p.add_argument("--no-record", action="store_true",
                   help="do not record the export as evidence")
    p.set_defaults(handler=_oscal)

    p = subparsers.add_parser(
        "backup", help="write the whole chain to a verified, portable archive",
        description="Write every version of every record, with its author, time, reason and "
        "hashes, to a gzip'd JSON-lines archive with a manifest and a seal.")
    p.add_argument("-o", "--output", required=True, metavar="FILE.jsonl.gz")
    p.set_defaults(handler=_backup)

    p = subparsers.add_parser(
        "restore", help="restore a backup into a new, empty store",
        description="Check the archive completely, then restore every version exactly as it "
        "was into an empty store (SQLite or PostgreSQL) and verify it has the archive's head. "
        "Nothing is written when the archive is damaged or the target holds anything. On "
        "PostgreSQL use the store owner's connection.")
    p.add_argument("file", metavar="FILE.jsonl.gz")
    p.add_argument("--into", metavar="URL",
                   help="the empty store to restore into (sqlite:///new.db, postgresql://…)")
    p.add_argument("--check", action="store_true",
                   help="only check the archive; restore nothing")
    p.set_defaults(handler=_restore)


def _export(args: argparse.Namespace) -> int:
    from workbench.errors import ConfigurationError
    from workbench.interop import excel

    if args.all and args.kind:
        raise ConfigurationError("give record kinds or --all, not both")
    kinds = args.kind or None
    if kinds is None and not args.all and not args.template:
        raise ConfigurationError("name the record kinds to export (e.g. `workbench export risk "
                                 "-o risks.xlsx`) or give --all")
    if args.template:
        path = excel.template_workbook(args.output, kinds)
        print(f"wrote the template {path}")
        return 0
    store = open_cli_store(args)
    path = excel.export_workbook(store, args.output, kinds)
    counts = store.kinds()
    chosen = kinds or excel.exportable_kinds()
    total = sum(counts.get(k, 0) for k in chosen)
    from workbench.render import fmt_count

    print(f"wrote {fmt_count(total, 'record')} of {fmt_count(len(chosen), 'kind')} to {path}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from workbench.interop import excel

    store = open_cli_store(args)
    try:
        report = excel.import_workbook(store, args.file, dry_run=args.dry_run,
                                       reason=args.reason)
    except excel.WorkbookError as exc:
        for where, message in exc.errors:
            print(f"{where}: {message}", file=sys.stderr)
        raise
    print(report.summary())
    for note in report.signoff_notes:
        print(f"note: {note}")
    return 0


def _oscal(args: argparse.Namespace) -> int:
    from workbench.interop import oscal

    model = {"ssp": "component-definition", "ar": "assessment-results"}.get(args.model,
                                                                            args.model)
    from pathlib import Path

    from workbench.errors import ConfigurationError

    example = f"e.g. oscal-{model}.json"
    if not args.output.strip():
        raise ConfigurationError(f"-o/--output was given an empty value; give the OSCAL file's "
                                 f"name, {example}")
    if Path(args.output).is_dir():
        raise ConfigurationError(f"{args.output!r} is a folder; give the OSCAL file's name, "
                                 f"{example}")
    store = open_cli_store(args)
    result = oscal.export_oscal(store, model, args.output, record=not args.no_record)
    print(result.summary())
    return 0


def _backup(args: argparse.Namespace) -> int:
    from workbench.interop import backup

    store = open_cli_store(args)
    info = backup.backup(store, args.output)
    print(f"wrote {info.path}: {info.entries} versions, chain head #{info.head_seq} "
          f"{info.head_hash}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from workbench.interop import backup

    if args.check:
        info = backup.verify_archive(args.file)
        print(f"ok: {info.summary()}")
        return 0
    if not args.into:
        from workbench.errors import ConfigurationError

        raise ConfigurationError("name the empty store to restore into with --into URL (e.g. "
                                 "--into sqlite:///restored.db), or give --check")
    result = backup.restore(args.file, args.into)
    print(result.summary())
    return 0 if result.ok else 1
