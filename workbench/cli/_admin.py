"""``workbench admin add-user | set-roles | deactivate | whoami``: people, roles and logins.

People and their roles are ``person`` records that only admins may write (the permission
policy); on the PostgreSQL team store each person also gets their own database login, put in
the store's groups, so the database enforces who writes what (``workbench.store.team``).
"""

from __future__ import annotations

import argparse
import sys

from workbench.cli._common import open_cli_store
from workbench.cli._output import print_fields


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("admin", help="people, roles and database logins (admins)")
    sub = p.add_subparsers(dest="admin_command", metavar="ACTION")

    q = sub.add_parser("add-user", help="add a person with roles (and, on PostgreSQL, their "
                       "database login)")
    q.add_argument("login")
    q.add_argument("--name", required=True, help="full name")
    q.add_argument("--role", action="append", default=[], metavar="ROLE",
                   help="a role (repeat): admin, governance_lead, executive, owner, assessor, "
                   "approver, auditor, contributor, viewer")
    q.add_argument("--email", default="")
    q.add_argument("--job-title", default="")
    q.add_argument("--password-stdin", action="store_true",
                   help="PostgreSQL: read the login's password from standard input")
    q.set_defaults(handler=_add_user)

    q = sub.add_parser("set-roles", help="replace a person's roles")
    q.add_argument("login")
    q.add_argument("--role", action="append", default=[], metavar="ROLE")
    q.add_argument("--reason", default="")
    q.set_defaults(handler=_set_roles)

    q = sub.add_parser("deactivate", help="a person may no longer act (their history stays)")
    q.add_argument("login")
    q.add_argument("--reason", default="")
    q.set_defaults(handler=_deactivate)

    q = sub.add_parser("whoami", help="who you act as, with which roles, and why")
    q.set_defaults(handler=_whoami)
    p.set_defaults(handler=lambda args: (p.print_help(), 2)[1])


def _roles(values: list[str]) -> list[str]:
    from workbench.errors import ValidationError
    from workbench.model import Role

    known = [r.value for r in Role]
    bad = [v for v in values if v not in known]
    if bad:
        raise ValidationError(f"unknown role {bad[0]!r}; roles are {', '.join(known)}")
    if not values:
        raise ValidationError("give at least one --role")
    return values


def _add_user(args: argparse.Namespace) -> int:
    from workbench.model import Person
    from workbench.store import team

    roles = _roles(args.role)
    store = open_cli_store(args)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    person = Person(id=args.login, name=args.name, email=args.email,
                    job_title=args.job_title, roles=roles)
    saved = store.save(person, reason=f"{args.login} added with roles {', '.join(roles)}")
    print(f"added {saved.record_id} ({', '.join(roles)}) as {saved.describe()}")
    if store.dialect == "postgresql":
        team.create_login(store, args.login, admin="admin" in roles, password=password)
        print(f"database login {args.login} may now connect and write as themselves")
    return 0


def _set_roles(args: argparse.Namespace) -> int:
    from workbench.store import team

    roles = _roles(args.role)
    store = open_cli_store(args)
    current = store.get("person", args.login)
    person = current.record.model_copy(update={"roles": roles})
    saved = store.save(person, base_version=current.version,
                       reason=args.reason or f"roles set to {', '.join(roles)}")
    print(f"{args.login} now holds {', '.join(roles)} ({saved.describe()})")
    if store.dialect == "postgresql" and team.groups(store) is not None:
        team.set_admin(store, args.login, "admin" in roles)
    return 0


def _deactivate(args: argparse.Namespace) -> int:
    from workbench.store import team

    store = open_cli_store(args)
    current = store.get("person", args.login)
    person = current.record.model_copy(update={"active": False})
    store.save(person, base_version=current.version,
               reason=args.reason or f"{args.login} deactivated")
    print(f"{args.login} is deactivated: their records and decisions stay; they can no longer "
          "save or sign")
    if store.dialect == "postgresql" and team.groups(store) is not None:
        team.drop_login(store, args.login)
    return 0


def _whoami(args: argparse.Namespace) -> int:
    from workbench.identity import environment_source

    store = open_cli_store(args)
    login = store.acting_user()
    found = store.find("person", login)
    if store.database_login() is not None:
        source = "your database login (team store)"
    else:
        source = environment_source()
    roles = ", ".join(r.value for r in found.record.roles) if found else "—"
    active = "yes" if found is not None and found.record.active else "no"
    print_fields([("login", login), ("from", source),
                  ("person", found.record.name if found else "not a person in this store"),
                  ("active", active), ("roles", roles)])
    return 0
