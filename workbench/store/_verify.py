"""Recompute the store's hash chain and name the first broken link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from workbench.store._hashing import GENESIS, entry_hash, sha256_text
from workbench.store._tables import record_versions as T

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store._store import Store



@dataclass(frozen=True)
class Problem:
    """One integrity problem, located at a chain entry when it has one."""

    message: str
    seq: int | None = None
    kind: str | None = None
    record_id: str | None = None
    version: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.seq is not None:
            where = f"entry #{self.seq}"
            if self.kind:
                where += f" ({self.kind} {self.record_id!r} version {self.version})"
            where += ": "
        return where + self.message


@dataclass
class VerifyReport:
    """What :meth:`Store.verify` found: ``ok`` is True when nothing is wrong."""

    entries: int = 0
    records: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        if self.ok:
            return (f"ok: {self.entries} versions of {self.records} records; chain head "
                    f"#{self.head_seq} {self.head_hash}")
        more = len(self.problems) - 1
        tail = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        return f"FAILED at {self.problems[0]}{tail}"


def verify(store: Store, *, max_problems: int = 50, through: int | None = None) -> VerifyReport:
    """Recompute the chain (up to entry ``through``, a prefix of it, when given)."""
    report = VerifyReport()
    expected_seq = 1
    prev = GENESIS
    last_version: dict[tuple[str, str], int] = {}
    q = sa.select(T).order_by(T.c.seq)
    if through is not None:
        q = q.where(T.c.seq <= through)
    with store.engine.connect() as conn:
        result = conn.execution_options(yield_per=2000).execute(q)
        for row in result:
            report.entries += 1
            loc = dict(seq=row.seq, kind=row.kind, record_id=row.record_id, version=row.version)
            problems = report.problems
            if row.seq != expected_seq:
                problems.append(Problem(
                    f"entries #{expected_seq} to #{row.seq - 1} are missing: versions were "
                    "deleted from the store", seq=row.seq))
            if sha256_text(row.content) != row.content_hash:
                problems.append(Problem("content does not match its hash: the stored record "
                                        "was altered after it was saved", **loc))
            if not _strict_json(row.content):
                problems.append(Problem("its content is not valid JSON (an infinite or NaN "
                                        "number, or damaged text): no page or command can "
                                        "read it; restore the store from a backup", **loc))
            if row.prev_hash != prev:
                problems.append(Problem("does not link to the previous entry: the chain was "
                                        "rewritten or an entry was replaced", **loc))
            recomputed = entry_hash(
                prev_hash=row.prev_hash, seq=row.seq, kind=row.kind, record_id=row.record_id,
                version=row.version, author=row.author, saved_at=row.saved_at,
                reason=row.reason, content_hash=row.content_hash)
            if recomputed != row.entry_hash:
                problems.append(Problem("its author, time, reason or version was altered "
                                        "after it was saved", **loc))
            key = (row.kind, row.record_id)
            if row.version != last_version.get(key, 0) + 1:
                problems.append(Problem(
                    f"version {row.version} follows version {last_version.get(key, 0)}: a "
                    "version is missing or duplicated", **loc))
            last_version[key] = row.version
            prev = row.entry_hash
            expected_seq = row.seq + 1
            report.head_seq, report.head_hash = row.seq, row.entry_hash
            if len(problems) >= max_problems:
                break
    report.records = len(last_version)
    # Further checks the features register (e.g. sign-offs bound to content hashes).
    from workbench.errors import StoreError
    from workbench.features import resolve, verify_checks

    for target in verify_checks():
        check: Callable[[Store], list[Problem]] = resolve(target)
        try:
            report.problems.extend(check(store))
        except StoreError as exc:  # e.g. content the database cannot read as JSON
            report.problems.append(Problem(f"the check {target} could not run: {exc}"))
    return report


def _strict_json(text: str) -> bool:
    """True when ``text`` parses as standard JSON (no NaN or Infinity, which Python's json
    writes by default and no other reader accepts)."""
    import orjson

    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True
