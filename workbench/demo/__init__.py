"""The demo organization: Larkspur Group, a European retailer with a consumer-finance arm,
in-store health clinics and a central data & AI team.

``seed(store)`` fills an empty store deterministically: the same records every run for the
same ``as_of`` date (dates such as evidence expiry or review due dates are relative to it, so
the demo always has something overdue and something fresh).
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["ORGANIZATION_ID", "DemoSummary", "seed"]

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

    # Each feature's seeder, in the manifest's order (see workbench.features). Seeding saves as
    # the people of the story at the story's times, which only an empty store allows; every
    # version's reason says it was seeded.
    with nullcontext() if store.seeding_active else store.seeding():
        for target in seeders():
            counts = resolve(target)(store, as_of)
            for label, count in counts.items():
                summary.created[label] = summary.created.get(label, 0) + count
    return summary
