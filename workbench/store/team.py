"""The PostgreSQL team store: one database login per person, the rules enforced by the database.

A library check can be bypassed by anyone who holds the database credentials, so on a team
store each person connects with their own PostgreSQL login and the database itself enforces:

- ``record_versions`` is append-only: nobody's UPDATE, DELETE or TRUNCATE goes through (a
  trigger refuses them, whoever asks; person logins are not even granted them);
- every insert extends the chain (the next seq, linked to the head's hash) with a content hash
  that matches its content;
- for a person login, the author of a version must be the login itself (``session_user``), so
  a spoofed author is refused, and only members of the admin group may write the admin-only
  kinds (``person`` records, so no self-granted roles, and the risk criteria and sign-off
  policy, as the permission policy says).

The triggers come with the schema (Alembic migrations ``0002`` and ``0003``: the guard reads only
the store's schema and the catalog, never a table a login could shadow); :func:`setup` (run by
``workbench init`` on PostgreSQL) creates the two group roles of this store and grants them;
:func:`create_login` (``workbench admin add-user``) creates a person's login. The store owner's
connection (the one that ran ``workbench init``) is the database administrator's: it is trusted
as on the personal SQLite store, and should not be handed to people.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbench.errors import ConfigurationError, PermissionDeniedError, StoreError
from workbench.permissions import admin_only_kinds, load_permissions

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store._store import Store

__all__ = [
    "Groups",
    "create_login",
    "drop_login",
    "groups",
    "person_login",
    "set_admin",
    "setup",
]


@dataclass(frozen=True)
class Groups:
    """The store's two group roles: every person login is in ``person``; admins also in
    ``admin``."""

    person: str
    admin: str


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def _require_pg(store: Store) -> None:
    if store.dialect != "postgresql":
        raise ConfigurationError("database logins are a feature of the PostgreSQL team store; "
                                 "the SQLite store is personal (see README, Security model)")


def _settings(conn: Connection) -> dict[str, str]:
    if not sa.inspect(conn).has_table("store_settings"):
        return {}
    return {k: v for k, v in conn.execute(sa.text("SELECT key, value FROM store_settings"))}


def groups(store: Store) -> Groups | None:
    """This store's group roles, or None before :func:`setup`."""
    if store.dialect != "postgresql":
        return None
    with store.engine.connect() as conn:
        found = _settings(conn)
    if "person_group" not in found:
        return None
    return Groups(person=found["person_group"], admin=found["admin_group"])


def person_login(engine: Engine) -> str | None:
    """The person login this engine connects as (None: the owner, a superuser, or a store
    that is not set up as a team store)."""
    with engine.connect() as conn:
        found = _settings(conn)
        group = found.get("person_group")
        if not group:
            return None
        row = conn.execute(sa.text(
            "SELECT session_user AS login, r.rolsuper AS super, "
            "pg_has_role(session_user, :g, 'MEMBER') AS member, "
            "(SELECT tableowner FROM pg_tables WHERE tablename = 'record_versions' "
            " AND schemaname = current_schema()) AS owner "
            "FROM pg_roles r WHERE r.rolname = session_user"), {"g": group}).first()
    if row is None or row.super or not row.member or row.login == row.owner:
        return None
    return str(row.login)


def setup(store: Store) -> Groups:
    """Create this store's group roles and grant them (idempotent; ``workbench init``), and
    record the record kinds only admins may write (from the permission policy in force) for
    the database's insert guard.

    Needs a connection that may create roles (the store owner with CREATEROLE, or a superuser).
    """
    _require_pg(store)
    try:
        with store.engine.begin() as conn:
            ident = conn.execute(sa.text("SELECT current_database(), current_schema()")).first()
            tag = hashlib.sha256(f"{ident[0]}.{ident[1]}".encode()).hexdigest()[:10]
            made = Groups(person=f"wb_{tag}_person", admin=f"wb_{tag}_admin")
            existing = {r[0] for r in conn.execute(
                sa.text("SELECT rolname FROM pg_roles WHERE rolname IN (:a, :b)"),
                {"a": made.person, "b": made.admin})}
            for name in (made.person, made.admin):
                if name not in existing:
                    conn.execute(sa.text(f"CREATE ROLE {_quote(conn, name)} NOLOGIN"))
            person = _quote(conn, made.person)
            schema = _quote(conn, ident[1])
            conn.execute(sa.text(f"GRANT USAGE ON SCHEMA {schema} TO {person}"))
            conn.execute(sa.text("REVOKE ALL ON record_versions, store_settings, alembic_version "
                                 "FROM PUBLIC"))
            conn.execute(sa.text(f"GRANT SELECT, INSERT ON record_versions TO {person}"))
            conn.execute(sa.text(f"GRANT SELECT ON store_settings, alembic_version TO {person}"))
            kinds = ",".join(sorted(admin_only_kinds(load_permissions(store=store)) | {"person"}))
            for key, value in (("person_group", made.person), ("admin_group", made.admin),
                               ("admin_kinds", kinds)):
                conn.execute(sa.text(
                    "INSERT INTO store_settings (key, value) VALUES (:k, :v) "
                    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"),
                    {"k": key, "v": value})
    except sa.exc.ProgrammingError as exc:
        raise StoreError(f"cannot set up the team store's roles: {_first(exc)}; run "
                         "`workbench init` with the store owner's connection (it needs "
                         "CREATEROLE)") from None
    store.forget_login()
    return made


def _first(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _need_groups(store: Store) -> Groups:
    _require_pg(store)
    found = groups(store)
    if found is None:
        raise StoreError("this PostgreSQL store is not set up as a team store yet: run "
                         "`workbench init` with the store owner's connection first")
    return found


def create_login(store: Store, login: str, *, admin: bool = False,
                 password: str | None = None) -> None:
    """Create (or update) ``login``'s database login and put it in the store's groups.

    Needs a connection that may create roles (the store owner's).
    """
    found = _need_groups(store)
    try:
        with store.engine.begin() as conn:
            name = _quote(conn, login)
            exists = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"),
                                  {"n": login}).first()
            if exists is None:
                conn.execute(sa.text(f"CREATE ROLE {name} LOGIN"))
            if password is not None:
                # a bound parameter cannot be used in ALTER ROLE: a quoted literal instead
                literal = "'" + password.replace("'", "''") + "'"
                conn.execute(sa.text(f"ALTER ROLE {name} PASSWORD {literal}"))
            conn.execute(sa.text(f"GRANT {_quote(conn, found.person)} TO {name}"))
            if admin:
                conn.execute(sa.text(f"GRANT {_quote(conn, found.admin)} TO {name}"))
            else:
                conn.execute(sa.text(f"REVOKE {_quote(conn, found.admin)} FROM {name}"))
    except sa.exc.ProgrammingError as exc:
        raise PermissionDeniedError(f"cannot create the database login {login!r}: {_first(exc)};"
                                    " create logins with the store owner's connection") from None


def set_admin(store: Store, login: str, admin: bool) -> None:
    """Add ``login`` to the admin group, or take it out."""
    create_login(store, login, admin=admin)


def drop_login(store: Store, login: str) -> None:
    """Take ``login`` out of the store's groups (its versions stay; it can no longer write)."""
    found = _need_groups(store)
    try:
        with store.engine.begin() as conn:
            name = _quote(conn, login)
            for group in (found.admin, found.person):
                conn.execute(sa.text(f"REVOKE {_quote(conn, group)} FROM {name}"))
    except sa.exc.ProgrammingError as exc:
        raise PermissionDeniedError(f"cannot change the database login {login!r}: "
                                    f"{_first(exc)}") from None
