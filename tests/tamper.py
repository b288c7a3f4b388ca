"""Tampering with a store the way someone holding the database would (for the tests that prove
``workbench verify`` catches it). On PostgreSQL the store's append-only triggers are disabled for
the statement first, as the table's owner could."""

from __future__ import annotations

import sqlalchemy as sa


def tamper(store, sql: str, **params) -> None:
    """Run ``sql`` on the store's table behind the library's back."""
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE record_versions DISABLE TRIGGER USER"))
        conn.execute(sa.text(sql), params)
        if store.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE record_versions ENABLE TRIGGER USER"))


def forge_append(store, record, *, author: str, version: int = 1,
                 reason: str = "forged", first: tuple[str, ...] = ()) -> int:
    """Append a version of ``record`` as ``author`` straight into the table, with correct hashes,
    as someone holding the database (not the library) could, after running the ``first`` SQL
    statements in the same transaction. Returns its seq."""
    import datetime as dt

    from workbench.store import canonical_json
    from workbench.store._hashing import GENESIS, entry_hash, sha256_text
    from workbench.store._tables import record_versions as T

    content = canonical_json(record.content())
    chash = sha256_text(content)
    with store.engine.begin() as conn:
        for sql in first:
            conn.execute(sa.text(sql))
        head = conn.execute(sa.select(T.c.seq, T.c.entry_hash).order_by(T.c.seq.desc())
                            .limit(1)).first()
        seq, prev = (head.seq + 1, head.entry_hash) if head else (1, GENESIS)
        saved_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        ehash = entry_hash(prev_hash=prev, seq=seq, kind=record.kind, record_id=record.id,
                           version=version, author=author, saved_at=saved_at, reason=reason,
                           content_hash=chash)
        conn.execute(T.insert().values(seq=seq, kind=record.kind, record_id=record.id,
                                       version=version, author=author, saved_at=saved_at,
                                       reason=reason, content=content, content_hash=chash,
                                       prev_hash=prev, entry_hash=ehash))
    return seq
