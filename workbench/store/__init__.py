"""The store: the only code that speaks SQL.

``open_store()`` opens ``WORKBENCH_DATABASE_URL`` (default ``sqlite:///workbench.db``), a
SQLite file or a PostgreSQL database, creating the schema with Alembic when the database
is empty.
"""

from __future__ import annotations

import sqlalchemy as sa

from workbench.errors import StoreError
from workbench.store import _engine
from workbench.store._access import SEED_REASON_PREFIX, Seeding, workflow
from workbench.store._engine import DEFAULT_URL, resolve_url, safe_url
from workbench.store._hashing import canonical_json, content_hash
from workbench.store._store import META_COLUMNS, Store, StoredVersion
from workbench.store._verify import Problem, VerifyReport

__all__ = [
    "DEFAULT_URL",
    "META_COLUMNS",
    "SEED_REASON_PREFIX",
    "Problem",
    "Seeding",
    "Store",
    "StoredVersion",
    "VerifyReport",
    "canonical_json",
    "content_hash",
    "open_store",
    "resolve_url",
    "safe_url",
    "workflow",
]


def open_store(url: str | None = None, *, create: bool = True, upgrade: bool = False) -> Store:
    """Open the workbench store.

    Parameters
    ----------
    url
        SQLAlchemy URL; default ``WORKBENCH_DATABASE_URL``, else ``sqlite:///workbench.db``.
        ``postgresql://…`` uses the psycopg driver.
    create
        Create the schema when the database is empty (or the SQLite file does not exist).
        With ``create=False`` a missing or empty store raises :class:`StoreError`.
    upgrade
        Migrate an older schema to this version's (``workbench init`` does this).

    Raises
    ------
    ConfigurationError
        The URL is malformed or names an unsupported database.
    StoreError
        The database cannot be reached, is not a workbench store, or needs a migration.
    """
    resolved = resolve_url(url)
    parsed = _engine.parse_url(resolved)
    path = _engine.sqlite_path(parsed)
    where = safe_url(parsed)
    if not create and path is not None and not path.exists():
        raise StoreError(f"no store at {str(path)!r}: run `workbench init` (or `workbench demo`) "
                         "first, or set WORKBENCH_DATABASE_URL to your store")
    engine = _engine.make_engine(parsed)
    try:
        state = _engine.schema_state(engine)
        if state == "empty":
            if not create:
                raise StoreError(f"{where} holds no workbench store yet: run `workbench init`")
            _engine.run_migrations(engine)
        elif state == "foreign":
            raise StoreError(
                f"{where} is a database of something else (it has tables, but not the "
                "workbench's); use another database or file for the workbench")
        elif state.startswith("outdated"):
            if not upgrade:
                raise StoreError(
                    f"{where} uses store schema {state.split(':', 1)[1]}, this version needs "
                    f"{_engine.SCHEMA_REVISION}: run `workbench init` to upgrade it")
            _engine.run_migrations(engine)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise StoreError(_engine.describe_operational_error(parsed, exc)) from None
    except sa.exc.DatabaseError as exc:
        engine.dispose()
        raise StoreError(_engine.describe_operational_error(parsed, exc)) from None
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, resolved)
