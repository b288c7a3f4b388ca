"""The append-only, versioned, hash-chained record store."""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, overload

import pydantic
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbench.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    StoreError,
    ValidationError,
    WorkbenchError,
)
from workbench.model import Record, model_for, validate_record
from workbench.store import _engine
from workbench.store._hashing import GENESIS, canonical_json, entry_hash, sha256_text
from workbench.store._tables import record_versions as T

try:  # orjson parses registers several times faster; json is the fallback
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    _loads = json.loads

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store._access import Seeding
    from workbench.store._verify import VerifyReport

R = TypeVar("R", bound=Record)
KindArg = str | type[Record]

#: Advisory lock key that serializes appends to the chain on PostgreSQL.
_PG_LOCK_KEY = 42001_0001
_CHUNK = 500
#: The highest version number the versions table can hold (a 32-bit integer column).
MAX_VERSION = 2**31 - 1
META_COLUMNS = ("_version", "_saved_by", "_saved_at", "_reason", "_hash")


class StoredVersion:
    """One saved version of a record: its content and who saved it, when and why."""

    __slots__ = (
        "_record",
        "author",
        "content",
        "content_hash",
        "kind",
        "reason",
        "record_id",
        "saved_at",
        "seq",
        "version",
    )

    def __init__(self, *, seq: int, kind: str, record_id: str, version: int, author: str,
                 saved_at: str, reason: str, content_hash: str, content: dict[str, Any]) -> None:
        self.seq = seq
        self.kind = kind
        self.record_id = record_id
        self.version = version
        self.author = author
        self.saved_at = dt.datetime.fromisoformat(saved_at)
        self.reason = reason
        self.content_hash = content_hash
        self.content = content
        self._record: Record | None = None

    @property
    def record(self) -> Any:
        """The record as its pydantic model (parsed on first access).

        Raises ``InvalidRecordError`` (a :class:`ValidationError`) naming the record, the
        version and the field when the stored content fails today's model.
        """
        if self._record is None:
            from workbench.registers import InvalidRecordError, check_content

            try:
                self._record = model_for(self.kind).model_validate(self.content)
            except pydantic.ValidationError:
                problem = check_content(self.kind, self.content, record_id=self.record_id,
                                        version=self.version)
                assert problem is not None
                raise InvalidRecordError(problem) from None
        return self._record

    def describe(self) -> str:
        when = self.saved_at.strftime("%Y-%m-%d %H:%M UTC")
        return f"version {self.version} by {self.author} at {when}"

    def __repr__(self) -> str:
        return f"<StoredVersion {self.kind} {self.record_id!r} v{self.version} by {self.author}>"

    @classmethod
    def _from_row(cls, row: Any) -> StoredVersion:
        return cls(seq=row.seq, kind=row.kind, record_id=row.record_id, version=row.version,
                   author=row.author, saved_at=row.saved_at, reason=row.reason,
                   content_hash=row.content_hash, content=_loads(row.content))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small containers.

    Parsing tens of thousands of JSON documents allocates containers fast enough to trigger
    repeated full collections that cost more than the parsing itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_UNKNOWN = object()
def _kind(kind: KindArg) -> str:
    return model_for(kind).kind


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


class Store:
    """A governance record store on SQLite or PostgreSQL.

    Saving appends a version (never updates or deletes); a save names the version it was
    based on and fails with :class:`ConflictError` if someone saved in between; every version
    joins one hash chain that :meth:`verify` recomputes.

    Use :func:`workbench.store.open_store` rather than the constructor.
    """

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name
        self._seeding: Seeding | None = None
        self._db_login: object = _UNKNOWN
        #: The cut-off of a read-only snapshot (:meth:`as_of`): ISO UTC text, else None.
        self._until: str | None = None

    def __repr__(self) -> str:
        if self._until is not None:
            return f"<Store {_engine.safe_url(self.url)} as of {self._until}>"
        return f"<Store {_engine.safe_url(self.url)}>"

    def close(self) -> None:
        if self._until is None:  # a snapshot shares its store's engine
            self.engine.dispose()

    # -- the past --------------------------------------------------------------------------------
    def as_of(self, when: dt.datetime) -> Store:
        """A read-only view of the store as it stood at ``when``.

        Every read (``get``, ``find``, ``frame``, ``latest``, ``versions``, ``history``,
        ``log``, ``count``, ``kinds``, ``head``) sees only the versions saved at or before
        ``when``: each record is its latest version saved by then, and records created later
        do not exist. Reads cost the same queries as on the store itself (one per register).
        Saving through the view is refused; :meth:`now` is ``when``.

        Parameters
        ----------
        when
            A moment (a naive datetime is taken as UTC).
        """
        if not isinstance(when, dt.datetime):
            raise ValidationError(f"when: give a datetime, got {type(when).__name__}")
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        when = when.astimezone(dt.timezone.utc)
        view = Store(self.engine, self.url)
        view._until = when.isoformat(timespec="microseconds")
        return view

    @property
    def until(self) -> dt.datetime | None:
        """The moment a snapshot (:meth:`as_of`) shows; None for the store itself."""
        return None if self._until is None else dt.datetime.fromisoformat(self._until)

    def _visible(self, q: sa.Select) -> sa.Select:
        """``q`` limited to the versions a snapshot sees (unchanged on the store itself)."""
        return q if self._until is None else q.where(T.c.saved_at <= self._until)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction that holds the store's single write lock (the chain has one head)."""
        if self._until is not None:
            raise PermissionDeniedError(
                f"the store as of {self._until[:19].replace('T', ' ')} UTC is a read-only view "
                "of the past; save to the store itself. Nothing was saved.")
        try:
            with self.engine.connect() as conn:
                if self.dialect == "sqlite":
                    conn.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    if self.dialect == "postgresql":
                        # bounded, as SQLite's busy timeout: a session holding the lock (or
                        # anyone taking the same advisory lock) cannot hang every save
                        conn.execute(sa.text(
                            f"SET LOCAL lock_timeout = '{_engine.BUSY_TIMEOUT_S}s'"))
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"),
                                     {"k": _PG_LOCK_KEY})
                    yield conn
        except sa.exc.IntegrityError as exc:
            raise ConflictError(
                f"another save of the same record version landed first ({exc.orig}); "
                "reload the record and save again"
            ) from None
        except sa.exc.OperationalError as exc:
            if "locked" in str(exc.orig) or "lock timeout" in str(exc.orig):
                raise StoreError(
                    "the store stayed locked by another writer for "
                    f"{_engine.BUSY_TIMEOUT_S} s; nothing was saved, try again"
                ) from None
            raise StoreError(_engine.describe_operational_error(self.engine.url, exc)) from None

    def save(self, record: R, *, base_version: int | None = None, reason: str = "",
             unchanged_since: int | None = None) -> StoredVersion:
        """Append a version of ``record``, as the acting user.

        The author is whoever acts (see :func:`workbench.identity.current_user`), never a
        parameter; the save is authorized against the permission policy
        (:mod:`workbench.permissions`) inside the transaction that appends it.

        Parameters
        ----------
        record
            The record's new content (a validated pydantic model).
        base_version
            The version the edit started from; ``None`` creates a new record.
        reason
            Why it changed (kept with the version).
        unchanged_since
            A :meth:`head` read before the checks that decided this save: the save is refused
            when anything at all was saved after it. For a decision that rests on records
            other than the one saved (e.g. "no one has approved yet"); re-read and decide
            again on conflict.

        Returns
        -------
        StoredVersion
            The new version, or the latest one unchanged when the content is identical.

        Raises
        ------
        ConflictError
            Someone saved a newer version since ``base_version`` (or the record exists), or
            anything was saved after ``unchanged_since``.
        PermissionDeniedError
            The acting user is not an active person, or the policy does not let them write
            this record.
        ValidationError
            The record is invalid or points to a record that does not exist.
        """
        return self.save_many([(record, base_version)], reason=reason,
                              unchanged_since=unchanged_since)[0]

    def save_many(self, items: Iterable[tuple[Record, int | None]], *, reason: str = "",
                  unchanged_since: int | None = None) -> list[StoredVersion]:
        """Append several records atomically: all are saved, or none (see :meth:`save`)."""
        return self._append(items, reason=reason, unchanged_since=unchanged_since,
                            actor=self.acting_user())

    # -- who acts, and when ----------------------------------------------------------------------
    def acting_user(self) -> str:
        """Who saves through this store: the person being seeded while seeding; on a
        PostgreSQL team store, the person's own database login; else the environment's user
        (:func:`workbench.identity.environment_user`, which checks a service account against
        this store)."""
        if self._seeding is not None and self._seeding.actor:
            return self._seeding.actor
        login = self.database_login()
        if login is not None:
            return login
        from workbench.identity import environment_user

        return environment_user(self)

    def database_login(self) -> str | None:
        """On a PostgreSQL team store, the person login this connection uses (None when the
        connection is the store owner's, or on SQLite)."""
        if self.dialect != "postgresql":
            return None
        if self._db_login is _UNKNOWN:
            from workbench.store import team

            self._db_login = team.person_login(self.engine)
        return self._db_login  # type: ignore[return-value]

    def forget_login(self) -> None:
        """Look the database login up again on the next save (after the team store changed)."""
        self._db_login = _UNKNOWN

    def now(self) -> dt.datetime:
        """The store's clock: now (UTC), the story's time while seeding, or a snapshot's
        moment."""
        if self._until is not None:
            return dt.datetime.fromisoformat(self._until)
        if self._seeding is not None and self._seeding.at is not None:
            return self._seeding.at
        return dt.datetime.now(dt.timezone.utc)

    @property
    def seeding_active(self) -> bool:
        """Whether this store is being seeded (inside :meth:`seeding`)."""
        return self._seeding is not None

    @contextmanager
    def seeding(self) -> Iterator[Seeding]:
        """Seed an empty store as the people of a story, at its times (see :class:`Seeding`).

        Refused when the store holds anything. Every version saved inside has a reason that
        starts with ``seed:``, so the audit trail says the history was seeded.
        """
        from workbench.store._access import begin_seeding

        seed = begin_seeding(self)
        self._seeding = seed
        try:
            yield seed
        finally:
            self._seeding = None

    @contextmanager
    def acting_as(self, login: str, *, at: dt.datetime | None = None) -> Iterator[None]:
        """While seeding (:meth:`seeding`) only: save and decide as ``login``, at ``at``.

        Anywhere else it is refused: the acting identity is not something a caller chooses.
        """
        if self._seeding is None:
            raise PermissionDeniedError("acting as another person is possible only while "
                                        "seeding an empty store (store.seeding())")
        with self._seeding.acting_as(login, at=at):
            yield

    def bootstrap(self, login: str, *, name: str = "", email: str = "") -> StoredVersion:
        """Create the first person of an empty store, an admin (``workbench init --admin``).

        Every later save needs an active person with the right role; this is the one save
        that needs none. Refused on a store that holds anything.
        """
        from workbench.identity import environment_user
        from workbench.model import Person

        login = (login or "").strip().lower()
        if self.head():
            raise PermissionDeniedError(
                f"{self!r} already holds records: an admin adds people with `workbench admin "
                "add-user` instead")
        person = Person(id=login, name=name or login, email=email, roles=["admin"])
        try:
            by = environment_user()
        except WorkbenchError:
            by = login
        why = f"store initialised with {login} as its first admin" + (
            f" (by {by})" if by != login else "")
        return self._append([(person, None)], reason=why, actor=login)[0]

    def _append(self, items: Iterable[tuple[Record, int | None]], *, reason: str,
                actor: str, unchanged_since: int | None = None) -> list[StoredVersion]:
        from workbench import permissions
        from workbench.store._access import SEED_REASON_PREFIX, active_workflow

        author = (actor or "").strip()
        if not author:
            raise ValidationError("author: a save needs an author (set WORKBENCH_USER)")
        if not isinstance(reason, str):
            raise ValidationError(f"reason: give the reason as text, got {type(reason).__name__}")
        for name, text in (("reason", reason), ("author", author)):
            if "\x00" in text:
                from workbench.model._base import NUL_MESSAGE

                raise ValidationError(f"{name}: {NUL_MESSAGE}", [(name, NUL_MESSAGE)])
        if unchanged_since is not None and (not isinstance(unchanged_since, int)
                                            or isinstance(unchanged_since, bool)
                                            or unchanged_since < 0):
            raise ValidationError("unchanged_since must be a head() sequence number (an "
                                  f"integer >= 0), got {unchanged_since!r}")
        seeding = self._seeding is not None
        if reason.startswith(SEED_REASON_PREFIX.strip()) and not seeding:
            raise ValidationError(f"a reason may not start with {SEED_REASON_PREFIX.strip()!r}: "
                                  "that marks versions saved while seeding a new store")
        prepared = self._prepare(items)
        if not prepared:
            return []
        with self._write() as conn:
            if unchanged_since is not None:
                self._check_unchanged_since(conn, unchanged_since)
            latest = self._latest_meta(conn, {(p[0].kind, p[0].id) for p in prepared})
            out: list[StoredVersion | None] = []
            pending: list[tuple[int, Record, int, str, str]] = []
            changes = []
            for index, (record, base, content, chash) in enumerate(prepared):
                cur = latest.get((record.kind, record.id))
                _check_base(record, base, cur)
                if cur is not None and cur.content_hash == chash:
                    out.append(cur)  # nothing changed: no new version
                    continue
                out.append(None)
                pending.append((index, record, 1 if cur is None else cur.version + 1,
                                content, chash))
                changes.append(_change(record, content, cur))
            if pending:
                permissions.authorize(self._access_view(conn, changes), author, changes,
                                      workflow=active_workflow())
                self._check_references(conn, [p[1] for p in pending])
                head = conn.execute(
                    sa.select(T.c.seq, T.c.entry_hash).order_by(T.c.seq.desc()).limit(1)
                ).first()
                seq, prev = (head.seq, head.entry_hash) if head else (0, GENESIS)
                saved_at = (self.now().isoformat(timespec="microseconds") if seeding
                            else _now())
                rows = []
                for index, record, version, content, chash in pending:
                    seq += 1
                    why = reason or ("create" if version == 1 else "edit")
                    if seeding:
                        why = SEED_REASON_PREFIX + why
                    ehash = entry_hash(prev_hash=prev, seq=seq, kind=record.kind,
                                       record_id=record.id, version=version, author=author,
                                       saved_at=saved_at, reason=why, content_hash=chash)
                    row = dict(seq=seq, kind=record.kind, record_id=record.id, version=version,
                               author=author, saved_at=saved_at, reason=why, content=content,
                               content_hash=chash, prev_hash=prev, entry_hash=ehash)
                    rows.append(row)
                    prev = ehash
                    out[index] = StoredVersion(**{k: v for k, v in row.items() if k not in (
                        "content", "prev_hash", "entry_hash")}, content=json.loads(content))
                conn.execute(T.insert(), rows)
        return out  # type: ignore[return-value]

    def _access_view(self, conn: Connection, changes: Sequence[Any]) -> Any:
        from workbench.store._access import StoreAccessView

        people = {c.record_id: c.content for c in changes if c.kind == "person"}
        return StoreAccessView(conn, lambda c, kind, ids=None: c.execute(
            _latest_select(kind, ids, dialect=self.dialect)), pending=people)

    def refusals(self, items: Iterable[tuple[Record, int | None]], *,
                 unchanged: bool = False) -> list[tuple[int, str]]:
        """What the permission policy would refuse if the acting user saved ``items`` now.

        ``(index in items, one-line reason)`` for each record refused; empty when the save
        would be allowed. Writes nothing; an import's dry run reports every refused row with
        it. The save itself checks again, inside its transaction. A record identical to its
        latest version is not checked (saving it writes nothing), unless ``unchanged``: then
        it is checked as an edit, for a command that must refuse someone who may not change a
        record even when their copy equals it.
        """
        from workbench import permissions
        from workbench.store._access import active_workflow

        prepared = self._prepare(items)
        with self._read() as conn:
            latest = self._latest_meta(conn, {(p[0].kind, p[0].id) for p in prepared})
            indices, changes = [], []
            for index, (record, _base, content, chash) in enumerate(prepared):
                cur = latest.get((record.kind, record.id))
                if cur is None or cur.content_hash != chash or unchanged:
                    indices.append(index)
                    changes.append(_change(record, content, cur))
            found = permissions.refusals(self._access_view(conn, changes), self.acting_user(),
                                         changes, workflow=active_workflow())
        return [(indices[i], message) for i, message in found]

    @staticmethod
    def _check_unchanged_since(conn: Connection, seq: int) -> None:
        """Inside the write lock: refuse when anything was saved after ``seq``."""
        newer = conn.execute(sa.select(T.c.kind, T.c.record_id, T.c.version, T.c.author,
                                       T.c.saved_at).where(T.c.seq > seq)
                             .order_by(T.c.seq).limit(1)).first()
        if newer is not None:
            raise ConflictError(
                f"the store changed while this save was being decided ({newer.kind} "
                f"{newer.record_id} version {newer.version} by {newer.author}); nothing was "
                "saved: look again", kind=newer.kind, record_id=newer.record_id,
                latest_version=newer.version, changed_by=newer.author,
                changed_at=newer.saved_at)

    def _prepare(self, items: Iterable[tuple[Record, int | None]]
                 ) -> list[tuple[Record, int | None, str, str]]:
        prepared = []
        seen: set[tuple[str, str]] = set()
        for record, base in items:
            if not isinstance(record, Record):
                raise ValidationError(
                    f"expected a workbench record, got {type(record).__name__}; build it with "
                    "its model, e.g. AISystem(...)")
            # Re-validate: a model may have been changed after it was built.
            record = validate_record(type(record), record.model_dump(warnings=False))
            key = (record.kind, record.id)
            if key in seen:
                raise ValidationError(f"{record.kind} {record.id!r} appears twice in one save")
            seen.add(key)
            if base is not None and (not isinstance(base, int) or base < 1):
                raise ValidationError(f"base_version must be a positive integer, got {base!r}")
            try:
                content = canonical_json(record.content())
            except ValueError:  # a model that skips the record-level check of its numbers
                raise ValidationError(
                    f"{record.label} {record.id!r} holds an infinite or NaN number, which the "
                    "store cannot keep (JSON has none); nothing was saved") from None
            prepared.append((record, base, content, sha256_text(content)))
        return prepared

    def _latest_meta(self, conn: Connection, keys: set[tuple[str, str]]
                     ) -> dict[tuple[str, str], StoredVersion]:
        by_kind: dict[str, list[str]] = {}
        for kind, rid in keys:
            by_kind.setdefault(kind, []).append(rid)
        found: dict[tuple[str, str], StoredVersion] = {}
        for kind, ids in by_kind.items():
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                for row in conn.execute(_latest_select(kind, chunk, dialect=self.dialect)):
                    found[(kind, row.record_id)] = StoredVersion._from_row(row)
        return found

    def _check_references(self, conn: Connection, records: Sequence[Record]) -> None:
        in_batch = {(r.kind, r.id) for r in records}
        wanted: dict[str, set[str]] = {}
        refs = []
        for record in records:
            for ref in record.references():
                refs.append((record, ref))
                if (ref.kind, ref.record_id) not in in_batch:
                    wanted.setdefault(ref.kind, set()).add(ref.record_id)
        if not refs:
            return
        existing: set[tuple[str, str]] = set(in_batch)
        for kind, ids in wanted.items():
            id_list = sorted(ids)
            for start in range(0, len(id_list), _CHUNK):
                chunk = id_list[start:start + _CHUNK]
                q = sa.select(T.c.record_id).where(T.c.kind == kind,
                                                   T.c.record_id.in_(chunk)).distinct()
                existing.update((kind, rid) for (rid,) in conn.execute(q))
        for record, ref in refs:
            if (ref.kind, ref.record_id) not in existing:
                target = model_for(ref.kind).label
                raise ValidationError(
                    f"{record.label} {record.id!r}: {ref.field} refers to {target} "
                    f"{ref.record_id!r}, which is not in the store; create it first or fix "
                    f"{ref.field}", [(ref.field, f"unknown {target} {ref.record_id!r}")])

    # -- reading -------------------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise StoreError(_engine.describe_operational_error(self.engine.url, exc)) from None

    @overload
    def get(self, kind: type[R], record_id: str, version: int | None = None
            ) -> StoredVersion: ...
    @overload
    def get(self, kind: str, record_id: str, version: int | None = None) -> StoredVersion: ...
    def get(self, kind: KindArg, record_id: str, version: int | None = None) -> StoredVersion:
        """The latest (or a given) version of a record; NotFoundError when there is none."""
        found = self.find(kind, record_id, version)
        if found is None:
            label = model_for(kind).label
            if version is not None and self.find(kind, record_id) is not None:
                raise NotFoundError(f"{label} {record_id!r} has no version {version}")
            raise NotFoundError(f"no {label} {record_id!r} in the store; check the id "
                                f"(`workbench list {_kind(kind)}` shows them)")
        return found

    def find(self, kind: KindArg, record_id: str, version: int | None = None
             ) -> StoredVersion | None:
        """Like :meth:`get` but returns None when the record (or version) does not exist."""
        kind = _kind(kind)
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                    or not 1 <= version <= MAX_VERSION):
            return None  # no such version (and no query: the database's integers end there)
        with self._read() as conn:
            if version is None:
                row = conn.execute(_latest_select(kind, [record_id], dialect=self.dialect,
                                                  until=self._until)).first()
            else:
                row = conn.execute(self._visible(sa.select(T).where(
                    T.c.kind == kind, T.c.record_id == record_id, T.c.version == version))
                ).first()
        return None if row is None else StoredVersion._from_row(row)

    def exists(self, kind: KindArg, record_id: str) -> bool:
        kind = _kind(kind)
        with self._read() as conn:
            q = self._visible(sa.select(T.c.seq).where(T.c.kind == kind,
                                                      T.c.record_id == record_id)).limit(1)
            return conn.execute(q).first() is not None

    def history(self, kind: KindArg, record_id: str) -> list[StoredVersion]:
        """Every version of a record, oldest first."""
        kind = _kind(kind)
        with self._read() as conn:
            rows = conn.execute(self._visible(sa.select(T).where(
                T.c.kind == kind, T.c.record_id == record_id)).order_by(T.c.version)).all()
        if not rows:
            self.get(kind, record_id)  # raises the NotFoundError
        return [StoredVersion._from_row(r) for r in rows]

    def latest(self, kind: KindArg, *, id_prefix: str | None = None,
               ids: Sequence[str] | None = None) -> list[StoredVersion]:
        """The latest version of every record of ``kind`` (whose id starts with ``id_prefix``,
        or is one of ``ids``, when given), ordered by id, in one query."""
        kind = _kind(kind)
        if ids is not None and not ids:
            return []
        with self._read() as conn:
            rows = conn.execute(_latest_select(kind, ids, dialect=self.dialect,
                                               id_prefix=id_prefix, until=self._until)).all()
        return [StoredVersion._from_row(r) for r in rows]

    def records(self, kind: type[R] | str) -> list[Any]:
        """The current records of ``kind`` as pydantic models."""
        return [v.record for v in self.latest(kind)]

    def count(self, kind: KindArg | None = None) -> int:
        """Number of records (not versions) of ``kind``, or of every kind."""
        with self._read() as conn:
            q = sa.select(sa.func.count(sa.distinct(T.c.kind + ":" + T.c.record_id)))
            if kind is not None:
                q = sa.select(sa.func.count(sa.distinct(T.c.record_id))).where(
                    T.c.kind == _kind(kind))
            return int(conn.execute(self._visible(q)).scalar_one())

    def head(self) -> int:
        """The sequence number of the newest version (0 for an empty store): a cheap change
        check."""
        with self._read() as conn:
            return int(conn.execute(self._visible(sa.select(
                sa.func.coalesce(sa.func.max(T.c.seq), 0)))).scalar_one())

    def head_entry(self) -> tuple[int, str]:
        """``(seq, entry hash)`` of the newest chain entry (``(0, GENESIS)`` when empty).

        Reports and exports embed it so that what they show can be tied to one point of the
        store's history (``workbench verify --anchors`` checks such points later).
        """
        with self._read() as conn:
            row = conn.execute(self._visible(sa.select(T.c.seq, T.c.entry_hash))
                               .order_by(T.c.seq.desc()).limit(1)).first()
        return (0, GENESIS) if row is None else (int(row.seq), str(row.entry_hash))

    def frame(self, kind: KindArg, *, meta: bool = True,
              id_prefix: str | None = None) -> pd.DataFrame:
        """The register of ``kind``: one row per record (its latest version), built in one query.

        Columns are the record's fields in model order, then (with ``meta``) ``_version``,
        ``_saved_by``, ``_saved_at`` (UTC timestamps), ``_reason`` and ``_hash``. With
        ``id_prefix``, only records whose id starts with it.
        """
        import pandas as pd

        cls = model_for(kind)
        q = _latest_select(cls.kind, columns=(T.c.content, T.c.version, T.c.author,
                                              T.c.saved_at, T.c.reason, T.c.content_hash),
                           dialect=self.dialect, id_prefix=id_prefix,
                           until=self._until)
        columns = list(cls.model_fields)
        with self._read() as conn, _gc_paused():
            rows = conn.execute(q).all()
            df = pd.DataFrame([_loads(r[0]) for r in rows], columns=columns)
            _, versions, authors, saved, reasons, hashes = zip(*rows) if rows else ((),) * 6
            # Free the rows while collection is paused, so no collection ever scans them.
            del rows
        if meta:
            df["_version"] = pd.array(versions, dtype="int64")
            df["_saved_by"] = pd.array(authors, dtype="str")
            df["_saved_at"] = pd.to_datetime(pd.array(saved, dtype="str"), utc=True,
                                             format="ISO8601")
            df["_reason"] = pd.array(reasons, dtype="str")
            df["_hash"] = pd.array(hashes, dtype="str")
        return df

    def fields(self, kind: KindArg, names: Sequence[str]) -> pd.DataFrame:
        """Top-level scalar fields of the latest version of every record of ``kind``, read in
        SQL (the database extracts them from the JSON content), with the record ``id``.

        For registers over many large records that need a few of their fields (e.g. the
        outcome and time of every monitoring run). Values come back as text or numbers.
        """
        import pandas as pd

        cls = model_for(kind)
        unknown = [n for n in names if n not in cls.model_fields]
        if unknown:
            raise NotFoundError(f"{', '.join(unknown)} is not a field of {cls.label}")
        if self.dialect == "postgresql":
            cols = [sa.func.json_extract_path_text(sa.cast(T.c.content, sa.JSON), n).label(n)
                    for n in names]
        else:
            cols = [sa.func.json_extract(T.c.content, f"$.{n}").label(n) for n in names]
        q = _latest_select(cls.kind, columns=(T.c.record_id.label("id"), *cols),
                           dialect=self.dialect, until=self._until)
        with self._read() as conn:
            rows = conn.execute(q).all()
        return pd.DataFrame(rows, columns=["id", *names])

    def entry_hashes(self, seqs: Iterable[int]) -> dict[int, str]:
        """The entry hash stored at each of ``seqs`` (sequence numbers not in the chain are left
        out)."""
        wanted = sorted({int(s) for s in seqs})
        out: dict[int, str] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start:start + _CHUNK]
                q = sa.select(T.c.seq, T.c.entry_hash).where(T.c.seq.in_(chunk))
                out.update({int(seq): str(h) for seq, h in conn.execute(q)})
        return out

    def find_entry(self, entry_hash: str) -> int | None:
        """The seq of the chain entry whose hash is ``entry_hash`` (None: not in the chain)."""
        with self._read() as conn:
            row = conn.execute(sa.select(T.c.seq).where(T.c.entry_hash == entry_hash)
                               .limit(1)).first()
        return None if row is None else int(row.seq)

    def versions(self, kind: KindArg) -> pd.DataFrame:
        """Every version of every record of ``kind``, in chain order, in one query.

        Columns are the record's fields, then ``_seq``, ``_version``, ``_saved_by``,
        ``_saved_at`` (UTC timestamps), ``_reason`` and ``_hash``. For questions about the past
        ("which roles did this person hold when they signed?").
        """
        import pandas as pd

        cls = model_for(kind)
        q = (sa.select(T.c.content, T.c.seq, T.c.version, T.c.author, T.c.saved_at, T.c.reason,
                       T.c.content_hash).where(T.c.kind == cls.kind).order_by(T.c.seq))
        q = self._visible(q)
        with self._read() as conn, _gc_paused():
            rows = conn.execute(q).all()
            df = pd.DataFrame([_loads(r[0]) for r in rows], columns=list(cls.model_fields))
            _, seqs, versions, authors, saved, reasons, hashes = (
                zip(*rows) if rows else ((),) * 7)
            del rows
        df["_seq"] = pd.array(seqs, dtype="int64")
        df["_version"] = pd.array(versions, dtype="int64")
        df["_saved_by"] = pd.array(authors, dtype="str")
        df["_saved_at"] = pd.to_datetime(pd.array(saved, dtype="str"), utc=True, format="ISO8601")
        df["_reason"] = pd.array(reasons, dtype="str")
        df["_hash"] = pd.array(hashes, dtype="str")
        return df

    def log(self, *, kind: KindArg | None = None, limit: int | None = None) -> pd.DataFrame:
        """The audit trail: versions newest first (seq, kind, id, version, author, time, reason)."""
        import pandas as pd

        cols = (T.c.seq, T.c.kind, T.c.record_id, T.c.version, T.c.author, T.c.saved_at,
                T.c.reason, T.c.content_hash)
        q = sa.select(*cols).order_by(T.c.seq.desc())
        if kind is not None:
            q = q.where(T.c.kind == _kind(kind))
        q = self._visible(q)
        if limit is not None:
            q = q.limit(limit)
        with self._read() as conn:
            df = pd.DataFrame(conn.execute(q).all(), columns=[c.name for c in cols])
        df["saved_at"] = pd.to_datetime(df["saved_at"], utc=True, format="ISO8601")
        return df

    def kinds(self) -> dict[str, int]:
        """Record counts per kind present in the store."""
        with self._read() as conn:
            q = self._visible(sa.select(T.c.kind, sa.func.count(sa.distinct(T.c.record_id))))
            q = q.group_by(T.c.kind)
            return {k: int(n) for k, n in conn.execute(q)}

    # -- integrity -------------------------------------------------------------------------------
    def verify(self) -> VerifyReport:
        """Recompute every content hash and the chain; see :class:`VerifyReport`.

        A snapshot (:meth:`as_of`) verifies the chain up to its newest visible entry."""
        from workbench.store._verify import verify

        return verify(self, through=None if self._until is None else self.head())


def _distinct_on(q: sa.Select, column: Any) -> sa.Select:
    try:  # SQLAlchemy 2.1 spells DISTINCT ON as a dialect extension
        from sqlalchemy.dialects.postgresql import distinct_on
    except ImportError:  # pragma: no cover - SQLAlchemy 2.0
        return q.distinct(column)
    return q.ext(distinct_on(column))


def _prefix_clause(prefix: str, dialect: str) -> Any:
    """``record_id`` starts with ``prefix``. On SQLite (binary collation) a range on the
    (kind, record_id, version) index; elsewhere LIKE, with ``%`` and ``_`` escaped (the
    database's collation decides how a range would order ids)."""
    if dialect == "sqlite":
        return sa.and_(T.c.record_id >= prefix, T.c.record_id < prefix + "\U0010ffff")
    return T.c.record_id.startswith(prefix, autoescape=True)


def _latest_select(kind: str, ids: Sequence[str] | None = None,
                   columns: Sequence[Any] | None = None, *, dialect: str = "",
                   id_prefix: str | None = None, until: str | None = None) -> sa.Select:
    """Latest version per record of one kind, in one statement (with ``id_prefix``, only ids
    starting with it; with ``until``, the latest saved at or before that ISO UTC time).

    PostgreSQL walks the (kind, record_id, version) index once with DISTINCT ON; elsewhere a
    grouped max is joined back.
    """
    cols = columns if columns is not None else (T,)
    if dialect == "postgresql":
        q = sa.select(*cols).where(T.c.kind == kind)
        if until is not None:
            q = q.where(T.c.saved_at <= until)
        if ids is not None:
            q = q.where(T.c.record_id.in_(list(ids)))
        if id_prefix is not None:
            q = q.where(_prefix_clause(id_prefix, dialect))
        return _distinct_on(q, T.c.record_id).order_by(T.c.record_id, T.c.version.desc())
    inner = sa.select(T.c.record_id, sa.func.max(T.c.version).label("v")).where(T.c.kind == kind)
    if until is not None:
        inner = inner.where(T.c.saved_at <= until)
    if ids is not None:
        inner = inner.where(T.c.record_id.in_(list(ids)))
    if id_prefix is not None:
        inner = inner.where(_prefix_clause(id_prefix, dialect))
    m = inner.group_by(T.c.record_id).subquery("m")
    q = (sa.select(*cols)
         .join(m, sa.and_(T.c.record_id == m.c.record_id, T.c.version == m.c.v))
         .where(T.c.kind == kind))
    if id_prefix is not None:  # the outer search too walks only the ids of the prefix
        q = q.where(_prefix_clause(id_prefix, dialect))
    return q.order_by(T.c.record_id)


def _change(record: Record, content: str, cur: StoredVersion | None) -> Any:
    """The permission check's view of one record about to be saved."""
    from workbench.permissions import Change

    return Change(kind=record.kind, record_id=record.id, label=record.label,
                  content=json.loads(content), before=None if cur is None else cur.content)


def _check_base(record: Record, base: int | None, cur: StoredVersion | None) -> None:
    label = f"{record.label} {record.id!r}"
    if base is None:
        if cur is not None:
            raise ConflictError(
                f"{label} already exists ({cur.describe()}): give a new one another id, or "
                f"open the existing one to change it (in Python: save with base_version="
                f"{cur.version}). Nothing was saved.",
                kind=record.kind, record_id=record.id, base_version=None,
                latest_version=cur.version, changed_by=cur.author,
                changed_at=cur.saved_at.isoformat())
        return
    if cur is None:
        raise NotFoundError(f"{label} does not exist, so it has no version {base} to edit; "
                            "save it with base_version=None to create it")
    if base != cur.version:
        if base > cur.version:
            raise ConflictError(f"{label} has no version {base} (latest is {cur.version}); "
                                "nothing was saved", kind=record.kind, record_id=record.id,
                                base_version=base, latest_version=cur.version)
        why = f", reason: {cur.reason}" if cur.reason else ""
        raise ConflictError(
            f"{label} was changed by {cur.author} at "
            f"{cur.saved_at.strftime('%Y-%m-%d %H:%M:%S UTC')} (version {cur.version}{why}) "
            f"after your version {base}. Nothing was saved: reload it, reapply your edit and "
            "save again.",
            kind=record.kind, record_id=record.id, base_version=base,
            latest_version=cur.version, changed_by=cur.author,
            changed_at=cur.saved_at.isoformat())
