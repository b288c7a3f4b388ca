"""The chain as it is stored, entry by entry: read for a backup, written back by a restore.

- :func:`read_entries` streams every chain entry (all its columns, the content as the exact
  text that was hashed) in ``seq`` order, up to a head: the chain is append-only, so entries up
  to a head read earlier never change, whoever saves meanwhile.
- :func:`restore_entries` is the one privileged write of the store: it inserts entries exactly
  as they were (authors, times, reasons, hashes, ``seq``) into an **empty** store, in one
  transaction. It does not go through the permission check or the author rule, because it
  saves nothing new: every entry must extend the chain (the next ``seq``, linked to the previous
  entry's hash, with recomputed content and entry hashes), so it can only reproduce a history,
  never invent one. On PostgreSQL it needs the store owner's connection (the team store's
  insert trigger lets the owner insert any author's version, and still checks the chain).

The archive file around them (manifest, seal, checks before anything is written) is
:mod:`workbench.interop.backup`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from workbench.errors import IntegrityError, PermissionDeniedError, StoreError
from workbench.store._engine import safe_url
from workbench.store._hashing import GENESIS, entry_hash, sha256_text
from workbench.store._store import Store
from workbench.store._tables import record_versions as T

__all__ = ["ENTRY_COLUMNS", "ChainCheck", "read_entries", "restore_entries"]

#: The columns of one chain entry, as a backup keeps them.
ENTRY_COLUMNS = ("seq", "kind", "record_id", "version", "author", "saved_at", "reason",
                 "content", "content_hash", "prev_hash", "entry_hash")
_TEXT = ("kind", "record_id", "author", "saved_at", "reason", "content", "content_hash",
         "prev_hash", "entry_hash")
_READ_BATCH = 5000
_WRITE_BATCH = 2000


def read_entries(store: Store, *, upto: int | None = None) -> Iterator[dict[str, Any]]:
    """Every chain entry with ``seq <= upto`` (default: the head when called), oldest first.

    Each entry is a dict of :data:`ENTRY_COLUMNS`; ``content`` is the stored JSON text,
    byte for byte, so its SHA-256 is the entry's ``content_hash``.
    """
    if upto is None:
        upto = store.head()
    cols = [T.c[name] for name in ENTRY_COLUMNS]
    q = sa.select(*cols).where(T.c.seq <= upto).order_by(T.c.seq)
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=_READ_BATCH).execute(q)
        for row in result:
            yield dict(zip(ENTRY_COLUMNS, row, strict=True))


@dataclass
class ChainCheck:
    """Checks entries one by one as the chain's next links (see :meth:`add`)."""

    count: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS

    def __post_init__(self) -> None:
        self._versions: dict[tuple[str, str], int] = {}

    def add(self, entry: dict[str, Any]) -> None:
        """Check ``entry`` extends the chain so far; :class:`IntegrityError` names what is wrong."""
        where = f"entry #{entry.get('seq', '?')}"
        missing = [c for c in ENTRY_COLUMNS if c not in entry]
        if missing:
            raise IntegrityError(f"{where} lacks {', '.join(missing)}")
        for name in _TEXT:
            if not isinstance(entry[name], str):
                raise IntegrityError(f"{where}: {name} is not text")
        for name in ("seq", "version"):
            if not isinstance(entry[name], int) or isinstance(entry[name], bool):
                raise IntegrityError(f"{where}: {name} is not an integer")
        seq = entry["seq"]
        if seq != self.head_seq + 1:
            raise IntegrityError(f"{where} follows entry #{self.head_seq}: entries are missing "
                                 "or out of order")
        if entry["prev_hash"] != self.head_hash:
            raise IntegrityError(f"{where} does not link to the entry before it: the chain was "
                                 "rewritten or an entry was replaced")
        if sha256_text(entry["content"]) != entry["content_hash"]:
            raise IntegrityError(f"{where} ({entry['kind']} {entry['record_id']!r} version "
                                 f"{entry['version']}): its content does not match its hash; "
                                 "the record was altered")
        recomputed = entry_hash(
            prev_hash=entry["prev_hash"], seq=seq, kind=entry["kind"],
            record_id=entry["record_id"], version=entry["version"], author=entry["author"],
            saved_at=entry["saved_at"], reason=entry["reason"],
            content_hash=entry["content_hash"])
        if recomputed != entry["entry_hash"]:
            raise IntegrityError(f"{where} ({entry['kind']} {entry['record_id']!r} version "
                                 f"{entry['version']}): its author, time, reason or version "
                                 "was altered (the entry hash does not match)")
        key = (entry["kind"], entry["record_id"])
        before = self._versions.get(key, 0)
        if entry["version"] != before + 1:
            raise IntegrityError(f"{where}: version {entry['version']} of {key[0]} "
                                 f"{key[1]!r} follows version {before}")
        self._versions[key] = entry["version"]
        self.count += 1
        self.head_seq, self.head_hash = seq, entry["entry_hash"]


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    return text[0] if text else type(exc).__name__


def restore_entries(store: Store, entries: Iterable[dict[str, Any]]) -> ChainCheck:
    """Insert ``entries`` exactly as they were into an empty store, all or nothing.

    Each entry is checked as the chain's next link before it is inserted (and on PostgreSQL
    the insert trigger checks it again); any problem rolls the whole restore back.

    Raises
    ------
    StoreError
        The store already holds versions (restore only into an empty store).
    PermissionDeniedError
        On PostgreSQL, the connection is a person's login rather than the store owner's.
    IntegrityError
        An entry does not extend the chain; nothing was written.
    """
    if store.dialect == "postgresql" and store.database_login() is not None:
        raise PermissionDeniedError(
            f"{store.database_login()} connects with a person's login: a restore writes other "
            "people's versions, so run it with the store owner's connection (the one that ran "
            "`workbench init`)")
    check = ChainCheck()
    with store._write() as conn:
        present = conn.execute(sa.select(sa.func.count()).select_from(T)).scalar_one()
        if present:
            raise StoreError(f"{safe_url(store.url)} is not empty (it holds {present} versions): "
                             "a restore "
                             "goes only into an empty store; create a new database or file")
        batch: list[dict[str, Any]] = []
        try:
            for entry in entries:
                check.add(entry)
                batch.append({name: entry[name] for name in ENTRY_COLUMNS})
                if len(batch) >= _WRITE_BATCH:
                    conn.execute(T.insert(), batch)
                    batch = []
            if batch:
                conn.execute(T.insert(), batch)
        except (sa.exc.InternalError, sa.exc.ProgrammingError, sa.exc.DataError) as exc:
            raise StoreError(f"the database refused the restore: {_first_line(exc)}; nothing "
                             "was written") from None
    return check
