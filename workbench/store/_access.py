"""Who is saving and whether they may: the store's side of the trust boundary.

- :class:`StoreAccessView` gives :func:`workbench.permissions.authorize` what it reads (people,
  role holders, the owner and team of AI systems) from inside the saving transaction.
- :func:`workflow` marks saves made by a workflow (the sign-off workflow writes sign-off records,
  which a plain save may not).
- :class:`Seeding` lets the demo seeder (or a migration into a new store) save as the people of
  its story, at the times of its story, on an empty store only; every such version's reason
  says it was seeded.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.errors import PermissionDeniedError, StoreError
from workbench.store._tables import record_versions as T

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store._store import Store

__all__ = ["SEED_REASON_PREFIX", "Seeding", "StoreAccessView", "active_workflow", "workflow"]

#: Every version saved while seeding has a reason starting with this.
SEED_REASON_PREFIX = "seed: "

_WORKFLOW: contextvars.ContextVar[str | None] = contextvars.ContextVar("workbench_workflow",
                                                                      default=None)


@contextmanager
def workflow(name: str) -> Iterator[None]:
    """Saves inside this block are made by the named workflow (``"oversight"``).

    Used by :mod:`workbench.oversight` to write sign-off records, which a plain save is refused.
    This guards against mistakes, not against a determined insider: sign-offs are re-checked
    wherever they are counted, whoever wrote them.
    """
    token = _WORKFLOW.set(name)
    try:
        yield
    finally:
        _WORKFLOW.reset(token)


def active_workflow() -> str | None:
    return _WORKFLOW.get()


class StoreAccessView:
    """The permission check's reads, on the connection of the saving transaction.

    ``pending`` holds the person records of the batch being saved; they are consulted only
    while the store holds no person at all (bootstrapping its first admin).
    """

    def __init__(self, conn: Connection, latest: Any, *,
                 pending: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._conn = conn
        self._latest = latest  # (kind, ids) -> rows of the latest versions
        self._pending = dict(pending or {})
        self._people: dict[str, Mapping[str, Any] | None] = {}
        self._everyone: list[Mapping[str, Any]] | None = None
        self._empty: bool | None = None
        self._policy: Any = False

    def policy(self) -> Any:
        """The permission policy the store keeps (None: it keeps none; the default applies)."""
        if self._policy is False:
            from workbench.permissions import STORED_ID, STORED_KIND, stored_permissions

            rows = list(self._latest(self._conn, STORED_KIND, [STORED_ID]))
            self._policy = stored_permissions(json.loads(rows[0].content)) if rows else None
        return self._policy

    def _store_has_people(self) -> bool:
        if self._empty is None:
            q = sa.select(T.c.seq).where(T.c.kind == "person").limit(1)
            self._empty = self._conn.execute(q).first() is None
        return not self._empty

    def person(self, login: str) -> Mapping[str, Any] | None:
        if login not in self._people:
            rows = list(self._latest(self._conn, "person", [login]))
            found = json.loads(rows[0].content) if rows else None
            if found is None and not self._store_has_people():
                found = self._pending.get(login)
            self._people[login] = found
        return self._people[login]

    def holders(self, roles: Iterable[str]) -> list[str]:
        if self._everyone is None:
            self._everyone = [json.loads(r.content) for r in self._latest(self._conn, "person")]
        wanted = set(roles)
        return sorted(p["id"] for p in self._everyone
                      if p.get("active", True) and wanted & set(p.get("roles") or []))

    def system_people(self, system_ids: Sequence[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        ids = list(system_ids)
        for start in range(0, len(ids), 500):
            for row in self._latest(self._conn, "ai_system", ids[start:start + 500]):
                content = json.loads(row.content)
                people = {p for p in content.get("team") or [] if isinstance(p, str)}
                if isinstance(content.get("owner"), str):
                    people.add(content["owner"])
                out[row.record_id] = people
        return out


class Seeding:
    """Saving as the people of a story, at its times: only while seeding an empty store.

    Use through :meth:`Store.seeding`::

        with store.seeding() as seed:
            with seed.acting_as("chloe", at=some_datetime):
                store.save(...)              # saved by chloe at that time
                wb.oversight.request(...)    # requested by chloe at that time

    The permission policy still applies to every save (the story's people need the roles),
    and every version's reason starts with ``seed:``.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self.actor: str | None = None
        self.at: dt.datetime | None = None
        self.saved = 0

    @contextmanager
    def acting_as(self, login: str, *, at: dt.datetime | None = None) -> Iterator[Seeding]:
        if self._store._seeding is not self:
            raise PermissionDeniedError("acting as another person is possible only inside "
                                        "store.seeding(), on an empty store")
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=dt.timezone.utc)
        before = (self.actor, self.at)
        self.actor = login.strip().lower()
        self.at = at.astimezone(dt.timezone.utc) if at is not None else self.at
        try:
            yield self
        finally:
            self.actor, self.at = before


def begin_seeding(store: Store) -> Seeding:
    if store._seeding is not None:
        raise StoreError("this store is already being seeded")
    if store.head():
        raise PermissionDeniedError(
            f"seeding (saving as other people, at other times) works only on an empty store; "
            f"{store!r} already holds {store.count()} records")
    return Seeding(store)
