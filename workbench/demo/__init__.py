"""The demo organization: Larkspur Group, a European retailer with a consumer-finance arm,
in-store health clinics and a central data & AI team.

``seed(store)`` fills an empty store deterministically: the same records every run for the
same ``as_of`` date (dates such as evidence expiry or review due dates are relative to it, so
the demo always has something overdue and something fresh).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["ORGANIZATION_ID", "DemoSummary", "replay", "seed"]

ORGANIZATION_ID = "larkspur"



@dataclass
class DemoSummary:
    as_of: dt.date
    created: dict[str, int] = field(default_factory=dict)
    already_present: bool = False

    def lines(self) -> list[str]:
        if self.already_present:
            return ["the demo organization is already in this store; nothing was written"]
        return [f"{count:>5}  {label}" for label, count in self.created.items()]


def seed(store: Store, *, as_of: dt.date | None = None) -> DemoSummary:
    """Seed the demo organization into ``store``.

    An empty store is filled; a store that already holds the demo organization is left as
    it is; a store holding other records is refused (nothing is mixed into real data).
    """
    as_of = as_of or dt.date.today()
    summary = DemoSummary(as_of=as_of)
    if store.head():
        org = store.find("organization", ORGANIZATION_ID)
        if org is not None:
            summary.already_present = True
            return summary
        raise StoreError(
            f"{store!r} already holds {store.count()} records of another organization; seed "
            "the demo into an empty store (e.g. WORKBENCH_DATABASE_URL=sqlite:///demo.db "
            "workbench demo)"
        )
    from workbench.features import resolve, seeders
    from workbench.store import open_store

    # Each feature's seeder, in the manifest's order (see workbench.features), writes its part
    # of the story into a scratch store; the story is then saved into ``store`` in the order it
    # happened, so the chain's order and its dates agree (no version saved "before" the one
    # preceding it). Seeding saves as the people of the story at the story's times, which only
    # an empty store allows; every version's reason says it was seeded.
    with tempfile.TemporaryDirectory(prefix="workbench-demo-") as tmp:
        scratch = open_store(f"sqlite:///{Path(tmp) / 'story.db'}", create=True, upgrade=True)
        try:
            with scratch.seeding():
                for target in seeders():
                    counts = resolve(target)(scratch, as_of)
                    for label, count in counts.items():
                        summary.created[label] = summary.created.get(label, 0) + count
            with nullcontext() if store.seeding_active else store.seeding():
                replay(scratch, store)
        finally:
            scratch.engine.dispose()
    return summary


def replay(source: Store, target: Store) -> int:
    """Save every version of ``source`` into ``target`` (being seeded) in the order of the
    times they were saved at, as their authors, with their reasons; the versions of one
    author saved at one moment with one reason go in one transaction. Every save passes the
    target's permission policy and save guards again. Returns how many versions were saved.

    A story whose dates contradict it (a record saved before what it refers to, a version
    dated before the one it replaces) fails here, naming the version.
    """
    import json
    from itertools import groupby

    import sqlalchemy as sa

    from workbench.model import model_for
    from workbench.permissions import load_permissions
    from workbench.store import SEED_REASON_PREFIX, workflow
    from workbench.store._tables import record_versions as T

    by_workflow = {k for k, rule in load_permissions().kinds.items() if rule.workflow}
    with source.engine.connect() as conn:
        rows = conn.execute(sa.select(T.c.kind, T.c.record_id, T.c.version, T.c.author,
                                      T.c.saved_at, T.c.reason, T.c.content)
                            .order_by(T.c.saved_at, T.c.seq)).all()

    def moment(row: Any) -> tuple[str, str, str, bool]:
        return (row.author, row.saved_at, row.reason, row.kind in by_workflow)

    saved = 0
    for (author, saved_at, reason, flow), group in groupby(rows, key=moment):
        items = [(model_for(r.kind).model_validate(json.loads(r.content)),
                  r.version - 1 if r.version > 1 else None) for r in group]
        why = reason.removeprefix(SEED_REASON_PREFIX)
        with target.acting_as(author, at=dt.datetime.fromisoformat(saved_at)), \
                workflow("oversight") if flow else nullcontext():
            target.save_many(items, reason=why)
        saved += len(items)
    return saved
