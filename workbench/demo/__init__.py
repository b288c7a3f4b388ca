"""The demo organization: Larkspur Group, a European retailer with a consumer-finance arm,
in-store health clinics and a central data & AI team.

``seed(store)`` fills an empty store deterministically: the same records every run for the
same ``as_of`` date (dates such as evidence expiry or review due dates are relative to it, so
the demo always has something overdue and something fresh).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["seed", "DemoSummary", "SEEDERS", "ORGANIZATION_ID"]

ORGANIZATION_ID = "larkspur"

#: Seeders run in order, as "module:function"; each takes (store, as_of) and returns
#: {label: count}. Features add their demo data by adding a seeder here.
SEEDERS: list[str] = [
    "workbench.demo.organization:seed",
    "workbench.demo.risks:seed",
    "workbench.demo.impact:seed",
    "workbench.demo.oversight:seed",
    "workbench.demo.explain:seed",
    "workbench.demo.readiness:seed",
]


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
    for target in SEEDERS:
        module, _, name = target.partition(":")
        counts = getattr(importlib.import_module(module), name)(store, as_of)
        for label, count in counts.items():
            summary.created[label] = summary.created.get(label, 0) + count
    return summary
