"""PostgreSQL: the insert guard reads only the store's own tables and the catalog, and refuses
every admin-only record kind from a person login who is not an admin.

- The guard function's ``search_path`` is pinned to ``pg_catalog``, the store's schema, then
  ``pg_temp`` (last), and every table it reads is schema-qualified: a person login could
  otherwise create a temporary ``store_settings`` or ``pg_roles`` (PostgreSQL searches
  ``pg_temp`` first when the path does not name it) and switch the guard off for its session.
- The admin-only kinds come from ``store_settings`` (key ``admin_kinds``, comma-separated,
  written by ``workbench init`` from the permission policy: the kinds only admins may write,
  e.g. people, risk criteria and the sign-off policy); ``person`` when the key is absent.

Revision ID: 0003_guard_hardening
Revises: 0002_team_store
Create Date: 2026-12-07
"""

from alembic import op

revision = "0003_guard_hardening"
down_revision = "0002_team_store"
branch_labels = None
depends_on = None

GUARD_INSERT = r"""
CREATE OR REPLACE FUNCTION {schema}.wb_guard_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, {schema}, pg_temp AS $$
DECLARE
  person_group text;
  admin_group text;
  admin_kinds text[];
  head_seq bigint;
  head_hash text;
  is_super boolean;
BEGIN
  SELECT seq, entry_hash INTO head_seq, head_hash
    FROM {schema}.record_versions ORDER BY seq DESC LIMIT 1;
  IF head_seq IS NULL THEN
    IF NEW.seq <> 1 OR NEW.prev_hash <> repeat('0', 64) THEN
      RAISE EXCEPTION 'workbench: entry #% does not start the chain (expected #1 after the genesis hash)', NEW.seq;
    END IF;
  ELSIF NEW.seq <> head_seq + 1 OR NEW.prev_hash <> head_hash THEN
    RAISE EXCEPTION 'workbench: entry #% does not extend the chain, whose head is #%', NEW.seq, head_seq;
  END IF;
  IF NEW.content_hash <> encode(pg_catalog.sha256(convert_to(NEW.content, 'UTF8')), 'hex') THEN
    RAISE EXCEPTION 'workbench: entry #% has a content hash that does not match its content', NEW.seq;
  END IF;
  SELECT value INTO person_group FROM {schema}.store_settings WHERE key = 'person_group';
  SELECT value INTO admin_group FROM {schema}.store_settings WHERE key = 'admin_group';
  SELECT string_to_array(value, ',') INTO admin_kinds
    FROM {schema}.store_settings WHERE key = 'admin_kinds';
  SELECT rolsuper INTO is_super FROM pg_catalog.pg_roles WHERE rolname = session_user;
  IF person_group IS NOT NULL AND NOT coalesce(is_super, false)
     AND pg_catalog.pg_has_role(session_user, person_group, 'MEMBER') THEN
    IF NEW.author IS DISTINCT FROM session_user::text THEN
      RAISE EXCEPTION 'workbench: % may not save a version as %: the author of a version is the login that saves it', session_user, NEW.author;
    END IF;
    IF NEW.kind = ANY(coalesce(admin_kinds, ARRAY['person']))
       AND NOT pg_catalog.pg_has_role(session_user, admin_group, 'MEMBER') THEN
      RAISE EXCEPTION 'workbench: % may not write % records: only admins (members of %) write them', session_user, NEW.kind, admin_group;
    END IF;
  END IF;
  RETURN NEW;
END
$$;
"""


def _schema() -> str:
    bind = op.get_bind()
    name = bind.exec_driver_sql("SELECT current_schema()").scalar()
    return bind.dialect.identifier_preparer.quote_identifier(name)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(GUARD_INSERT.format(schema=_schema()))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "wb_migration_0002", Path(__file__).with_name("0002_team_store.py"))
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    op.execute(previous.GUARD_INSERT)
