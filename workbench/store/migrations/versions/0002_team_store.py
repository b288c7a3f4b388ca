"""Store settings, and on PostgreSQL the triggers that keep the versions append-only.

- ``store_settings``: key/value settings of the store (the team store's group roles).
- PostgreSQL: UPDATE, DELETE and TRUNCATE of ``record_versions`` are refused for everyone; every
  insert must extend the chain with a content hash matching its content; a person login (a
  member of the store's person group, see ``workbench.store.team``) may only insert versions
  authored by itself, and ``person`` records only when it is in the admin group.

Revision ID: 0002_team_store
Revises: 0001_initial
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_team_store"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

GUARD_INSERT = r"""
CREATE OR REPLACE FUNCTION wb_guard_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  person_group text;
  admin_group text;
  head_seq bigint;
  head_hash text;
  is_super boolean;
BEGIN
  SELECT seq, entry_hash INTO head_seq, head_hash
    FROM record_versions ORDER BY seq DESC LIMIT 1;
  IF head_seq IS NULL THEN
    IF NEW.seq <> 1 OR NEW.prev_hash <> repeat('0', 64) THEN
      RAISE EXCEPTION 'workbench: entry #% does not start the chain (expected #1 after the genesis hash)', NEW.seq;
    END IF;
  ELSIF NEW.seq <> head_seq + 1 OR NEW.prev_hash <> head_hash THEN
    RAISE EXCEPTION 'workbench: entry #% does not extend the chain, whose head is #%', NEW.seq, head_seq;
  END IF;
  IF NEW.content_hash <> encode(sha256(convert_to(NEW.content, 'UTF8')), 'hex') THEN
    RAISE EXCEPTION 'workbench: entry #% has a content hash that does not match its content', NEW.seq;
  END IF;
  SELECT value INTO person_group FROM store_settings WHERE key = 'person_group';
  SELECT value INTO admin_group FROM store_settings WHERE key = 'admin_group';
  SELECT rolsuper INTO is_super FROM pg_roles WHERE rolname = session_user;
  IF person_group IS NOT NULL AND NOT coalesce(is_super, false)
     AND pg_has_role(session_user, person_group, 'MEMBER') THEN
    IF NEW.author IS DISTINCT FROM session_user::text THEN
      RAISE EXCEPTION 'workbench: % may not save a version as %: the author of a version is the login that saves it', session_user, NEW.author;
    END IF;
    IF NEW.kind = 'person' AND NOT pg_has_role(session_user, admin_group, 'MEMBER') THEN
      RAISE EXCEPTION 'workbench: % may not write person records: only admins (members of %) manage people and their roles', session_user, admin_group;
    END IF;
  END IF;
  RETURN NEW;
END
$$;
"""

GUARD_CHANGE = r"""
CREATE OR REPLACE FUNCTION wb_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'workbench: record_versions is append-only: % is refused (save a new version instead)', TG_OP;
END
$$;
"""


def upgrade() -> None:
    op.create_table(
        "store_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(GUARD_INSERT)
    op.execute(GUARD_CHANGE)
    op.execute("CREATE TRIGGER wb_guard_insert BEFORE INSERT ON record_versions "
               "FOR EACH ROW EXECUTE FUNCTION wb_guard_insert()")
    op.execute("CREATE TRIGGER wb_append_only BEFORE UPDATE OR DELETE ON record_versions "
               "FOR EACH ROW EXECUTE FUNCTION wb_append_only()")
    op.execute("CREATE TRIGGER wb_no_truncate BEFORE TRUNCATE ON record_versions "
               "FOR EACH STATEMENT EXECUTE FUNCTION wb_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS wb_no_truncate ON record_versions")
        op.execute("DROP TRIGGER IF EXISTS wb_append_only ON record_versions")
        op.execute("DROP TRIGGER IF EXISTS wb_guard_insert ON record_versions")
        op.execute("DROP FUNCTION IF EXISTS wb_append_only()")
        op.execute("DROP FUNCTION IF EXISTS wb_guard_insert()")
    op.drop_table("store_settings")
