"""``workbench admin add-user | set-roles | set-service-account | deactivate | whoami``: people,
roles and logins.

People and their roles are ``person`` records that only admins may write (the permission
policy); on the PostgreSQL team store each person also gets their own database login, put in
the store's groups, so the database enforces who writes what (``workbench.store.team``). A
person marked as a service account (e.g. the report scheduler) is the only one
``WORKBENCH_USER`` may name under JupyterHub (:mod:`workbench.identity`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

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
    q.add_argument("--service-account", action="store_true",
                   help="a non-human account such as the report scheduler: under JupyterHub "
                   "WORKBENCH_USER may name it (it may hold none of the roles admin, "
                   "governance_lead, approver, executive)")
    q.set_defaults(handler=_add_user)

    q = sub.add_parser("set-roles", help="replace a person's roles")
    q.add_argument("login")
    q.add_argument("--role", action="append", default=[], metavar="ROLE")
    q.add_argument("--reason", default="")
    q.set_defaults(handler=_set_roles)

    q = sub.add_parser("set-service-account", help="mark a person as a service account (or "
                       "not, with --off): under JupyterHub WORKBENCH_USER may name it")
    q.add_argument("login")
    q.add_argument("--off", action="store_true", help="no longer a service account")
    q.add_argument("--reason", default="")
    q.set_defaults(handler=_set_service_account)

    q = sub.add_parser("deactivate", help="a person may no longer act (their history stays)")
    q.add_argument("login")
    q.add_argument("--reason", default="")
    q.set_defaults(handler=_deactivate)

    q = sub.add_parser("whoami", help="who you act as, with which roles, and why")
    q.set_defaults(handler=_whoami)

    q = sub.add_parser("permissions", help="the permission policy: who may write each kind of "
                       "record", description="Shows the permission policy in force for the "
                       "store. --set FILE (admins only) keeps FILE in the store as its policy: "
                       "versioned, and from then on every save to the store is checked against "
                       "it (person and permission_policy records stay with admins alone).")
    q.add_argument("--set", metavar="FILE", help="keep this policy file (as permissions.yaml) "
                   "in the store (admin)")
    q.add_argument("--note", default="", help="why the policy changes (with --set)")
    q.add_argument("--json", action="store_true", help="print the policy as JSON")
    q.set_defaults(handler=_permissions)
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


def _check_service_roles(login: str, roles: list[str]) -> None:
    """A service account may hold none of the roles barred under a hub (refused otherwise)."""
    from workbench.errors import ValidationError
    from workbench.identity import SERVICE_ACCOUNT_BARRED_ROLES

    held = [r for r in SERVICE_ACCOUNT_BARRED_ROLES if r in roles]
    if held:
        raise ValidationError(
            f"{login} cannot be a service account while holding {', '.join(held)}: a service "
            f"account may hold none of the roles {', '.join(SERVICE_ACCOUNT_BARRED_ROLES)}; "
            "give it only the roles it needs (e.g. contributor). Nothing was saved")


def _add_user(args: argparse.Namespace) -> int:
    from workbench.model import Person
    from workbench.store import team

    roles = _roles(args.role)
    if args.service_account:
        _check_service_roles(args.login, roles)
    store = open_cli_store(args)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    person = Person(id=args.login, name=args.name, email=args.email,
                    job_title=args.job_title, roles=roles,
                    service_account=args.service_account)
    kind = " as a service account" if args.service_account else ""
    saved = store.save(person, reason=f"{args.login} added{kind} with roles {', '.join(roles)}")
    print(f"added {saved.record_id}{kind} ({', '.join(roles)}) as {saved.describe()}")
    if store.dialect == "postgresql":
        team.create_login(store, args.login, admin="admin" in roles, password=password)
        print(f"database login {args.login} may now connect and write as themselves")
    return 0


def _set_roles(args: argparse.Namespace) -> int:
    from workbench.store import team

    roles = _roles(args.role)
    store = open_cli_store(args)
    current = store.get("person", args.login)
    if current.record.service_account:
        _check_service_roles(args.login, roles)
    person = current.record.model_copy(update={"roles": roles})
    saved = store.save(person, base_version=current.version,
                       reason=args.reason or f"roles set to {', '.join(roles)}")
    print(f"{args.login} now holds {', '.join(roles)} ({saved.describe()})")
    if store.dialect == "postgresql" and team.groups(store) is not None:
        team.set_admin(store, args.login, "admin" in roles)
    return 0


def _set_service_account(args: argparse.Namespace) -> int:
    store = open_cli_store(args)
    current = store.get("person", args.login)
    flag = not args.off
    if flag:
        _check_service_roles(args.login, [r.value for r in current.record.roles])
    if current.record.service_account == flag:
        print(f"{args.login} is {'already' if flag else 'not'} a service account; nothing "
              "was saved")
        return 0
    person = current.record.model_copy(update={"service_account": flag})
    what = "marked as a service account" if flag else "no longer a service account"
    saved = store.save(person, base_version=current.version, reason=args.reason or what)
    print(f"{args.login} is {what} ({saved.describe()})")
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


def _permissions(args: argparse.Namespace) -> int:
    from workbench.cli._output import print_json, print_table
    from workbench.model import known_kinds
    from workbench.permissions import load_permissions, permissions_source, save_permissions

    store = open_cli_store(args)
    if args.set:
        head = store.head()
        saved = save_permissions(store, args.set, note=args.note)
        if store.head() == head:
            print(f"the store's permission policy in force (version {saved.version}) is already "
                  f"the one in {args.set}; nothing was saved")
            return 0
        print(f"the permission policy from {args.set} is now the store's policy (version "
              f"{saved.version}, saved by {saved.author})")
        _database_follows(store)
    policy = load_permissions(store=store)
    unlisted = sorted(set(known_kinds()) - set(policy.kinds))
    if args.json:
        print_json(policy.model_dump(mode="json", by_alias=True, exclude_none=True,
                                     exclude_defaults=True))
        return 0
    if not args.set:
        print(f"in force: {permissions_source(store)}")
        rows = []
        for kind, rule in sorted(policy.kinds.items()):
            if rule.workflow:
                rows.append((kind, f"only the {rule.workflow} workflow"))
                continue
            for grant in rule.grants:
                roles = ", ".join(str(getattr(r, "value", r)) for r in grant.roles)
                limits = [{"any": "", "own": "own systems", "named": "named owner"}[grant.scope]]
                if grant.create_only:
                    limits.append("create only")
                if grant.changes is not None:
                    limits.append("changing only " + ", ".join(grant.changes))
                if grant.when:
                    limits.append("when " + " and ".join(c.describe_test(c.field)
                                                         for c in grant.when))
                rows.append((kind, roles + "".join(f"; {x}" for x in limits if x)))
        print_table(rows, ["kind", "who may write"])
    if unlisted:
        print(f"nobody may save these kinds (the policy has no entry): {', '.join(unlisted)}")
    return 0


def _database_follows(store: Any) -> None:
    """On a team store, have the database's insert guard refuse the kinds only admins may
    write under the policy just kept: done from the store owner's connection, else said."""
    if store.dialect != "postgresql":
        return
    from workbench.store import team

    if team.groups(store) is None:
        return
    if store.database_login() is None:  # the store owner's connection may update it
        team.setup(store)
        print("the database's insert guard now refuses the kinds only admins may write under "
              "it")
    else:
        print("the database's insert guard follows it once the store owner runs `workbench "
              "init` again")


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
    service = "yes" if found is not None and found.record.service_account else "no"
    print_fields([("login", login), ("from", source),
                  ("person", found.record.name if found else "not a person in this store"),
                  ("active", active), ("roles", roles), ("service account", service)])
    return 0
