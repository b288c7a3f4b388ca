"""Alembic environment: migrations run on the connection the store hands over."""

from __future__ import annotations

from alembic import context

from workbench.store._tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when run through the alembic CLI
    from workbench.store._engine import make_engine, resolve_url

    engine = make_engine(resolve_url(context.config.get_main_option("sqlalchemy.url")))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
