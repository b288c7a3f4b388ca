"""Shared fixtures: stores on SQLite and (when configured) PostgreSQL, and a seeded demo store.

PostgreSQL tests run when WORKBENCH_TEST_DATABASE_URL is set (CI sets it); each test gets
its own schema, dropped afterwards. Under CI=true a missing or unreachable server fails the
run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from wbtest import DEMO_AS_OF, IN_CI, PG_ENV


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch a real store or depend on who runs the tests."""
    monkeypatch.setenv("WORKBENCH_USER", "tester")
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{tmp_path / 'default.db'}")


def _pg_base_url() -> str | None:
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        if IN_CI:
            pytest.fail(f"{PG_ENV} is not set but CI=true: the PostgreSQL store tests must run")
        return None
    return url


@pytest.fixture(scope="session")
def pg_admin_engine():
    """An engine on the PostgreSQL test database (skips locally when not configured)."""
    url = _pg_base_url()
    if url is None:
        pytest.skip(f"set {PG_ENV} to run the PostgreSQL store tests")
    import sqlalchemy as sa

    from workbench.store._engine import parse_url

    engine = sa.create_engine(parse_url(url))
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        message = f"PostgreSQL at {url} is unreachable: {exc.orig}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield engine
    engine.dispose()


def _schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url(pg_admin_engine) -> Iterator[str]:
    """A URL to a fresh, empty PostgreSQL schema for one test."""
    schema = f"wbtest_{uuid.uuid4().hex[:12]}"
    with pg_admin_engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    base = pg_admin_engine.url.render_as_string(hide_password=False)
    yield _schema_url(base, schema)
    with pg_admin_engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def empty_store(store_url: str):
    """A store with nothing in it (not even a person), once on SQLite and once on PostgreSQL."""
    from workbench.store import open_store

    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def store(empty_store):
    """A store whose only person is ``tester``, an admin holding every role."""
    from actors import bootstrap_tester

    bootstrap_tester(empty_store)
    return empty_store


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from workbench import demo
    from workbench.store import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with open_store(f"sqlite:///{path}") as s:
        demo.seed(s, as_of=DEMO_AS_OF)
    return path


#: Who acts on the demo store in tests: its AI governance lead (also its admin).
DEMO_USER = "chloe"


@pytest.fixture
def demo_db(_demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the seeded demo store (SQLite file); the test acts as the demo's
    governance lead unless it says otherwise."""
    monkeypatch.setenv("WORKBENCH_USER", DEMO_USER)
    target = tmp_path / "demo.db"
    shutil.copyfile(_demo_template, target)
    return target


@pytest.fixture
def demo_url(demo_db: Path) -> str:
    return f"sqlite:///{demo_db}"


@pytest.fixture
def demo_store(demo_url: str):
    from workbench.store import open_store

    s = open_store(demo_url, create=False)
    yield s
    s.close()


@pytest.fixture
def cli(demo_url, monkeypatch, capsys):
    """``cli(*argv) -> (exit code, stdout, stderr)`` of ``workbench`` on the demo store (a
    module may define its own ``cli`` for another store)."""
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def planned(tmp_path, monkeypatch):
    """A store (the default URL, for the CLI) holding the monitoring tests' organization and a
    monitoring plan of ``monitoring_data.SYSTEM`` saved by its team. ``test_monitoring.py``
    defines its own on a bare store."""
    from actors import acting, bootstrap_tester
    from monitoring_data import make_org, plan_data

    from workbench import monitoring
    from workbench.store import open_store

    url = f"sqlite:///{tmp_path / 'm.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    with open_store(url) as store:
        bootstrap_tester(store)
        make_org(store)
        with acting("ravi"):
            monitoring.save_plan(store, plan_data())
        yield store
