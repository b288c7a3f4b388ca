"""The management review (ISO/IEC 42001 9.3): the pack of inputs read from the records, the
review recorded with its decisions, and the follow-up of those decisions.

- :func:`pack` - every 9.3.2 input, as the records stood on a day (:mod:`.review_pack`).
- :func:`record` - save a review held by top management, its inputs from the pack, its
  decisions with owners and due dates, and request its sign-off (:mod:`.minutes`).
- :func:`complete_decision`, :func:`decisions` - follow the decisions until done.

Examples
--------
>>> import workbench as wb
>>> store = wb.open_store()                                             # doctest: +SKIP
>>> p = wb.review.pack(store)                                           # doctest: +SKIP
>>> wb.review.record(store, held_on="2026-12-01", chair="elena",        # doctest: +SKIP
...                  attendees=["dev", "chloe"], decisions=[...], inputs_from_pack=p)
>>> wb.review.decisions(store, overdue=True)                            # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "PackSection": "workbench.review.review_pack",
    "ReviewPack": "workbench.review.review_pack",
    "SECTIONS": "workbench.review.review_pack",
    "pack": "workbench.review.review_pack",
    "complete_decision": "workbench.review.minutes",
    "decisions": "workbench.review.minutes",
    "record": "workbench.review.minutes",
    "review_facts": "workbench.review.minutes",
    "pack_html": "workbench.review.views",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench.review' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
