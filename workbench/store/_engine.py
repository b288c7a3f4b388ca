"""Database URLs, engines and opening checks (SQLite by default, PostgreSQL for a team)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine

from workbench.errors import ConfigurationError, StoreError
from workbench.store._tables import SCHEMA_REVISION, SQLITE_CURRENT

DEFAULT_URL = "sqlite:///workbench.db"
_EXAMPLES = "e.g. sqlite:///workbench.db or postgresql://user@host:5432/dbname"
_SQLITE_MAGIC = b"SQLite format 3\x00"
#: pysqlite busy timeout (seconds): how long a writer waits for another's lock.
BUSY_TIMEOUT_S = 30


def resolve_url(url: str | None = None) -> str:
    """The URL to use: ``url``, else ``WORKBENCH_DATABASE_URL``, else ``sqlite:///workbench.db``."""
    if url is None or not str(url).strip():
        url = os.environ.get("WORKBENCH_DATABASE_URL", "").strip() or DEFAULT_URL
    return str(url).strip()


def parse_url(url: str) -> URL:
    """Parse and normalise a store URL; malformed or unsupported URLs raise ConfigurationError."""
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise ConfigurationError(
            f"database URL {url!r} is malformed ({exc}); use a URL such as {_EXAMPLES[5:]}"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        if not parsed.database:
            raise ConfigurationError(
                f"database URL {safe_url(parsed)!r} names no database; add it, {_EXAMPLES}"
            )
    elif backend != "sqlite":
        raise ConfigurationError(
            f"database URL {url!r} uses {backend!r}; the workbench supports SQLite and "
            f"PostgreSQL ({_EXAMPLES})"
        )
    return parsed


def safe_url(url: URL | str) -> str:
    """The URL with any password hidden, for messages."""
    if isinstance(url, str):
        try:
            url = sa.engine.make_url(url)
        except Exception:  # noqa: BLE001 - only used for messages
            return "<unparseable URL>"
    return url.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for an in-memory database."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def make_engine(url: str | URL) -> Engine:
    """Create the engine: SQLite in WAL mode, a busy timeout, IMMEDIATE write transactions."""
    parsed = parse_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            if not path.parent.exists():
                raise ConfigurationError(
                    f"the folder of the SQLite store {str(path)!r} does not exist; create it "
                    "first, or give a store in a folder that exists"
                )
            check_sqlite_file(path)
        kwargs: dict = {"connect_args": {"timeout": BUSY_TIMEOUT_S}}
        if path is None:
            kwargs["poolclass"] = sa.pool.StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
        engine = sa.create_engine(parsed, **kwargs)
        _install_sqlite_hooks(engine, in_memory=path is None)
        return engine
    return sa.create_engine(parsed, pool_pre_ping=True)


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that exists but is not a SQLite database (corrupt or foreign)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    if path.is_dir():
        raise StoreError(f"{str(path)!r} is a folder, not a SQLite store; give a file path")
    with path.open("rb") as fh:
        header = fh.read(16)
    if header != _SQLITE_MAGIC:
        raise StoreError(
            f"{str(path)!r} is not a SQLite database (corrupt, or another kind of file); "
            "point WORKBENCH_DATABASE_URL at a workbench store, or move the file away and run "
            "`workbench init`"
        )


def _install_sqlite_hooks(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event emit BEGIN, so writes can use BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def describe_operational_error(url: URL, exc: Exception) -> str:
    """A one-line explanation of a connection failure."""
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    first = text[0] if text else exc.__class__.__name__
    where = safe_url(url)
    if "does not exist" in first and "database" in first:
        return (
            f"cannot open {where}: {first}; create it (e.g. `createdb {url.database}`) or fix "
            "WORKBENCH_DATABASE_URL"
        )
    if "malformed JSON" in first:  # a record's content, not the file: never advise a new store
        return (f"{where}: a stored version holds content SQLite cannot read as JSON "
                f"({first}); run `workbench verify` to find it and restore from a backup")
    if "file is not a database" in first or "malformed" in first:
        return (
            f"{where} is not a usable SQLite database ({first}); move the file away and run "
            "`workbench init`, or point WORKBENCH_DATABASE_URL elsewhere"
        )
    return f"cannot open {where}: {first}; check the server is running and the URL is right"


def run_migrations(engine: Engine) -> None:
    """Bring the schema to the head revision with Alembic (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_state(engine: Engine) -> str:
    """'current', 'empty', 'outdated:<rev>' or 'foreign' for the database behind ``engine``."""
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        if not tables:
            return "empty"
        if "record_versions" not in tables or "alembic_version" not in tables:
            return "foreign"
        revs = [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
    if revs == [SCHEMA_REVISION]:
        return "current"
    if engine.dialect.name == "sqlite" and len(revs) == 1 and revs[0] in SQLITE_CURRENT:
        return "current"
    return "outdated:" + ",".join(revs)
