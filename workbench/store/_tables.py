"""The store's schema. Alembic migrations in ``migrations/`` create and evolve it."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: Every version of every record, in one append-only hash chain ordered by ``seq``.
record_versions = sa.Table(
    "record_versions",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("record_id", sa.String(100), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("author", sa.String(100), nullable=False),
    sa.Column("saved_at", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("kind", "record_id", "version", name="uq_record_versions_kind_id_version"),
)

#: Settings of the store (e.g. the team store's group roles), as key/value text.
store_settings = sa.Table(
    "store_settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

#: The Alembic revision this code expects (tests check it is the migrations' head).
SCHEMA_REVISION = "0003_guard_hardening"
#: Revisions at which a SQLite store is already current: the migrations after them change only
#: the PostgreSQL team store (its triggers), so a personal store needs no `workbench init`.
SQLITE_CURRENT = frozenset({"0002_team_store", SCHEMA_REVISION})
