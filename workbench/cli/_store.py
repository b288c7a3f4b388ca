"""``workbench init | demo | verify | anchor | log | list | show``: the store and its records."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from typing import Any

from workbench.cli._common import add_json_flag, iso_date, open_cli_store, positive_int
from workbench.cli._output import print_fields, print_json, print_table, warn_problems


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "init", help="create (or upgrade) the store's schema",
        description="Create (or upgrade) the store's schema. On an empty store, --admin names "
        "its first person, an admin who then adds everyone else (workbench admin add-user). On "
        "PostgreSQL it also sets up the team store's database roles.")
    p.add_argument("--admin", metavar="LOGIN",
                   help="the first admin of a new, empty store (their login)")
    p.add_argument("--name", default="", help="the admin's full name")
    p.set_defaults(handler=_init)

    p = subparsers.add_parser(
        "demo", help="seed the demo organization (Larkspur Group) into an empty store",
        description="Seed the demo organization into the store. An empty store is filled; a "
        "store that already holds the demo is left alone; any other store is refused.")
    p.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD",
                   help="date the demo's relative dates are computed from (default: today)")
    p.add_argument("--reset", action="store_true",
                   help="SQLite only: move the existing store file aside (kept as a .bak file) "
                   "and seed a fresh one")
    p.set_defaults(handler=_demo)

    p = subparsers.add_parser(
        "verify", help="recompute every content hash and the hash chain",
        description="Recompute every record's content hash and the chain linking all versions; "
        "exit 1 naming the first broken link.")
    p.add_argument("--expect-head", metavar="HASH",
                   help="also fail unless this entry hash (a head recorded earlier) is still in "
                   "the chain; entries saved after it are fine")
    p.add_argument("--anchors", metavar="FILE",
                   help="also check every anchor of FILE (workbench anchor) is still in the "
                   "chain with the same hash")
    p.add_argument("--public-key", metavar="PEM",
                   help="with --anchors: every anchor must be signed by this Ed25519 key")
    p.set_defaults(handler=_verify)

    p = subparsers.add_parser(
        "anchor", help="record the chain's head outside the database (an anchor)",
        description="Append (seq, head hash, time) to an anchor file, signed when a key is "
        "given. Keep the file where the database's users cannot change it; `workbench verify "
        "--anchors FILE` then proves history before each anchor was neither truncated nor "
        "rewritten.")
    p.add_argument("--file", metavar="FILE",
                   help="anchor file (default: WORKBENCH_ANCHOR_FILE, else <store file>.anchors "
                   "for SQLite, else ./workbench.anchors)")
    p.add_argument("--key", metavar="PEM",
                   help="Ed25519 private key to sign with (default: WORKBENCH_ANCHOR_KEY)")
    p.add_argument("--new-key", metavar="PEM",
                   help="instead of anchoring, write a new key pair (PEM and PEM.pub)")
    p.set_defaults(handler=_anchor)

    p = subparsers.add_parser("log", help="the audit trail: the latest saved versions")
    p.add_argument("--kind", help="only this record kind")
    p.add_argument("-n", "--limit", type=positive_int, default=30,
                   help="how many (default 30)")
    add_json_flag(p)
    p.set_defaults(handler=_log)

    p = subparsers.add_parser("list", help="list the records of a kind (e.g. person, evidence)")
    p.add_argument("kind", help="record kind, e.g. person, ai_system, evidence")
    add_json_flag(p)
    p.set_defaults(handler=_list)

    p = subparsers.add_parser("show", help="show one record, a past version or its history")
    p.add_argument("kind")
    p.add_argument("id")
    p.add_argument("--version", type=positive_int, help="a past version (default: the latest)")
    p.add_argument("--history", action="store_true", help="list every version instead")
    add_json_flag(p)
    p.set_defaults(handler=_show)


def _is_session_login(store: Any, login: str) -> bool:
    """Whether ``login`` is the database login running this command (the store owner)."""
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT session_user")).scalar() == login


def _init(args: argparse.Namespace) -> int:
    from workbench.store import open_store, safe_url

    store = open_store(args.database_url, create=True, upgrade=True)
    if store.dialect == "postgresql":
        from workbench.store import team

        groups = team.setup(store)
        print(f"team store: person logins are members of {groups.person}, admins of "
              f"{groups.admin} (add people with `workbench admin add-user`)")
    if args.admin:
        store.bootstrap(args.admin, name=args.name)
        print(f"{args.admin} is the first admin of this store")
        if store.dialect == "postgresql" and not _is_session_login(store, args.admin):
            from workbench.store import team

            team.create_login(store, args.admin, admin=True)
            print(f"database login {args.admin} (admin group) may now connect and write as "
                  "themselves")
    elif store.head() == 0:
        print("the store is empty: run `workbench init --admin LOGIN` to name its first admin "
              "(or `workbench demo` for the demo organization)")
    print(f"store ready at {safe_url(store.url)} ({store.count()} records)")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from workbench import demo
    from workbench.errors import ConfigurationError
    from workbench.store import _engine, open_store, resolve_url, safe_url

    url = resolve_url(args.database_url)
    if args.reset:
        path = _engine.sqlite_path(_engine.parse_url(url))
        if path is None:
            raise ConfigurationError("--reset only moves SQLite files aside; for PostgreSQL "
                                     "use an empty database")
        if path.exists():
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            backup = path.with_name(f"{path.name}.bak-{stamp}")
            for suffix in ("-wal", "-shm"):
                side = path.with_name(path.name + suffix)
                if side.exists():
                    os.replace(side, backup.with_name(backup.name + suffix))
            os.replace(path, backup)
            print(f"moved the previous store to {backup}")
    store = open_store(url, create=True)
    summary = demo.seed(store, as_of=args.as_of)
    print(f"demo organization Larkspur Group in {safe_url(store.url)} (as of {summary.as_of}):")
    for line in summary.lines():
        print(line)
    return 0


def _verify(args: argparse.Namespace) -> int:
    import re

    from workbench.errors import ConfigurationError

    # an empty value (an unset variable in a scheduled job) must not skip a check silently
    for flag, value in (("--anchors", args.anchors), ("--public-key", args.public_key),
                        ("--expect-head", args.expect_head)):
        if value is not None and not value.strip():
            raise ConfigurationError(f"{flag} was given an empty value; name what to check "
                                     "(is the variable holding it set?)")
    if args.public_key and not args.anchors:
        raise ConfigurationError("--public-key checks the signatures of --anchors FILE; give "
                                 "the anchor file too")
    if args.expect_head and not re.fullmatch(r"[0-9a-fA-F]{64}", args.expect_head.strip()):
        raise ConfigurationError(f"--expect-head {args.expect_head.strip()!r} is not an entry "
                                 "hash: give all 64 hex digits (as `workbench anchor` or "
                                 "`workbench verify` print them)")
    store = open_cli_store(args)
    # the anchors are checked before anything is printed (and before the longer chain check):
    # an anchor file or key that cannot be read is one error line, never "ok" then an error
    check = None
    if args.anchors:
        from workbench.anchors import verify_anchors

        check = verify_anchors(store, args.anchors, public_key=args.public_key)
    report = store.verify()
    failed = not report.ok
    print(report.summary())
    for problem in report.problems[1:10]:
        print(f"  also: {problem}")
    if args.expect_head:
        seq = store.find_entry(args.expect_head.strip().lower())
        if seq is None:
            print(f"FAILED: the expected head {args.expect_head} is not in the chain (which ends "
                  f"at #{report.head_seq}): entries were removed or replaced")
            failed = True
        else:
            grown = report.head_seq - seq
            print(f"expected head found at #{seq}" + (f"; {grown} entries saved since"
                                                      if grown else " (the chain's head)"))
    if check is not None:
        print(check.summary())
        for problem in check.problems[1:10]:
            print(f"  also: {problem}")
        failed = failed or not check.ok
    return 1 if failed else 0


def _anchor(args: argparse.Namespace) -> int:
    from workbench import anchors

    if args.new_key:
        private, public = anchors.generate_key(args.new_key)
        print(f"wrote {private} (keep it private, e.g. with the scheduler) and {public} (give it "
              "to whoever verifies)")
        return 0
    store = open_cli_store(args)
    target = args.file or anchors.default_anchor_file(store)
    anchor = anchors.record_anchor(store, target, key=args.key)
    signed = f", signed with key {anchor.key}" if anchor.sig else ""
    print(f"anchored #{anchor.seq} {anchor.head} at {anchor.at} in {target}{signed}")
    return 0


def _log(args: argparse.Namespace) -> int:
    store = open_cli_store(args)
    df = store.log(kind=args.kind, limit=args.limit)
    if args.json:
        print_json(df.assign(saved_at=df["saved_at"].astype(str)).to_dict(orient="records"))
        return 0
    rows = [(r.seq, r.saved_at.strftime("%Y-%m-%d %H:%M"), r.author, r.kind, r.record_id,
             r.version, r.reason) for r in df.itertuples()]
    print_table(rows, ["#", "saved (UTC)", "by", "kind", "id", "v", "reason"])
    return 0


def _list(args: argparse.Namespace) -> int:
    from workbench.model import model_for
    from workbench.registers import parsed_versions

    cls = model_for(args.kind)
    store = open_cli_store(args)
    versions, problems = parsed_versions(store.latest(cls))
    warn_problems(problems)
    if args.json:
        print_json([v.content | {"_version": v.version} for v in versions])
        return 0
    rows = [(v.record_id, v.record.display_name(), v.version, v.author,
             v.saved_at.strftime("%Y-%m-%d")) for v in versions]
    print_table(rows, ["id", "name", "v", "saved by", "saved"])
    return 0


def _show(args: argparse.Namespace) -> int:
    store = open_cli_store(args)
    if args.history:
        versions = store.history(args.kind, args.id)
        if args.json:
            print_json([{"version": v.version, "author": v.author, "saved_at": v.saved_at,
                         "reason": v.reason, "content_hash": v.content_hash,
                         "content": v.content} for v in versions])
            return 0
        print_table([(v.version, v.saved_at.strftime("%Y-%m-%d %H:%M"), v.author, v.reason,
                      v.content_hash[:12]) for v in versions],
                    ["v", "saved (UTC)", "by", "reason", "hash"])
        return 0
    v = store.get(args.kind, args.id, args.version)
    if args.json:
        print_json(v.content | {"_version": v.version, "_saved_by": v.author,
                                "_saved_at": v.saved_at, "_hash": v.content_hash})
        return 0
    print_fields([(k, _plain(val)) for k, val in v.content.items()])
    print()
    print_fields([("version", v.version), ("saved by", v.author),
                  ("saved at", v.saved_at.strftime("%Y-%m-%d %H:%M UTC")),
                  ("reason", v.reason), ("content hash", v.content_hash)])
    return 0


def _plain(value: object) -> object:
    """Lists of dicts become one readable line per item."""
    if isinstance(value, list):
        return [", ".join(f"{k}: {x}" for k, x in item.items()) if isinstance(item, dict)
                else item for item in value]
    if isinstance(value, dict):
        return [f"{k}: {x}" for k, x in value.items()]
    return value
