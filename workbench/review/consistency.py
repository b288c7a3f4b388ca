"""Whether the inputs a management review recorded agree with the records (ISO/IEC 42001 9.3.2).

:func:`workbench.review.record` saves each input with the summary the review pack generated
from the records as they stood on the day of the pack. :func:`contradictions` reads the
figures those summaries state about nonconformities, AI incidents and internal audits, and
recomputes them the way the pack does, from the store as it stood then: a figure the records
contradict is named. A summary not in the pack's wording (typed by hand) states no figure
this can read, and is not judged.

"As they stood" means the records saved by the end of the pack's day and before the review's
inputs were saved in the chain: a record saved later cannot have been in the pack, whatever
time it carries (a seeded or migrated store may carry earlier times).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["TOPICS", "contradictions", "figures"]

_N = r"(\d[\d,]*)"
_SINCE = r"(?:since the previous review|in total|so far)"
#: (figure, pattern): each pattern states its figures in order.
_PATTERNS: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    (("nonconformities raised", "nonconformities closed", "open nonconformities"),
     re.compile(rf"{_N} nonconformit(?:y|ies) raised {_SINCE}, {_N} closed {_SINCE}; {_N} "
                r"open\b")),
    (("AI incidents detected", "serious AI incidents", "AI incidents not closed"),
     re.compile(rf"{_N} AI incidents? detected {_SINCE}; {_N} serious; {_N} not closed\.")),
    (("internal audits completed",),
     re.compile(rf"{_N} internal audits? completed {_SINCE}")),
    (("internal audits planned", "internal audits overdue"),
     re.compile(rf"; {_N} planned, {_N} overdue\.\s*$")),
)
#: Sentences of the pack that state that nothing is recorded.
_NONE = {
    "No nonconformity is recorded.": ("nonconformities raised", "nonconformities closed",
                                      "open nonconformities"),
    "No AI incident is recorded.": ("AI incidents detected", "serious AI incidents",
                                    "AI incidents not closed"),
    "No internal audit is planned or recorded.": ("internal audits completed",
                                                  "internal audits planned",
                                                  "internal audits overdue"),
}
#: The 9.3.2 topics whose summaries state these figures.
TOPICS = ("nonconformities", "audit_results")
_PACK_DAY = re.compile(r"inputs from the pack as of (\d{4}-\d{2}-\d{2})")


def figures(text: str) -> dict[str, int]:
    """The nonconformity, incident and audit figures a summary in the pack's wording states
    (``{}`` for text in other words)."""
    out: dict[str, int] = {}
    for sentence, names in _NONE.items():
        if sentence in text:
            out.update(dict.fromkeys(names, 0))
    for names, pattern in _PATTERNS:
        found = pattern.search(text)
        if found:
            out.update(zip(names, (int(g.replace(",", "")) for g in found.groups()),
                           strict=True))
    return out


def _recorded_with(store: Store, review_id: str, held_on: dt.date
                   ) -> tuple[dt.date, dt.datetime, int | None]:
    """The day of the pack whose summaries a review recorded, and what the records are read
    as of: the moment (the end of that day, never after the review's inputs were saved) and
    the chain position of the version that saved them (records saved after it in the chain
    did not exist when the review was recorded, whatever time they carry).

    The pack's day is the one the version's reason names (:func:`record` writes it), else
    the day the review was held."""
    versions = store.history("management_review", review_id)
    chosen = next((v for v in reversed(versions) if _PACK_DAY.search(v.reason or "")),
                  versions[0] if versions else None)
    day = held_on
    named = _PACK_DAY.search(chosen.reason or "") if chosen is not None else None
    if named:
        day = min(dt.date.fromisoformat(named.group(1)), held_on)
    cut = dt.datetime.combine(day, dt.time.max, tzinfo=dt.timezone.utc)
    if chosen is not None:
        saved = chosen.saved_at
        cut = min(cut, saved if saved.tzinfo else saved.replace(tzinfo=dt.timezone.utc))
    if store.until is not None:
        cut = min(cut, store.until)
    return day, cut, (chosen.seq if chosen is not None else None)


def _facts_then(store: Store, day: dt.date, cut: dt.datetime, before_seq: int | None) -> Any:
    """:class:`~workbench.readiness.facts.Facts` on ``day`` over the latest version of each
    record saved by ``cut`` and before ``before_seq`` in the chain."""
    import pandas as pd

    from workbench.readiness.facts import Facts

    class _Then(Facts):
        def frame(self, kind: str) -> pd.DataFrame:
            def load() -> pd.DataFrame:
                versions = self.store.versions(kind)
                keep = versions["_saved_at"] <= pd.Timestamp(cut)
                if before_seq is not None:
                    keep &= versions["_seq"] < before_seq
                return (versions[keep].drop_duplicates("id", keep="last")
                        .reset_index(drop=True))

            return self._get(f"frame:{kind}", (kind,), load)

    return _Then(store, day, verify=False)


def _incident_figures(f: Any, since: dt.date | None) -> dict[str, int]:
    """The incident figures the pack states, by the pack's own function
    (:func:`workbench.review.review_pack.incident_counts`)."""
    from workbench.features import record_kinds
    from workbench.review.review_pack import incident_counts

    if "incident" not in record_kinds():
        return {}
    n = incident_counts(f.frame("incident"), since)
    return {"AI incidents detected": n["detected"], "serious AI incidents": n["serious"],
            "AI incidents not closed": n["not_closed"]}


def contradictions(store: Store, review: Mapping[str, Any]) -> list[str]:
    """One line per figure the review's recorded inputs state about nonconformities, AI
    incidents or internal audits that the records, as they stood for the review's pack,
    contradict (empty when they agree or state no such figure).

    The records are those saved by the end of the pack's day and before the review's inputs
    were saved; the figures are recomputed as the pack computes them."""
    from workbench.readiness.facts import _as_date
    from workbench.review.review_pack import _audits, _nonconformities

    rid = str(review["id"])
    held = _as_date(review.get("held_on"))
    recorded: dict[str, int] = {}
    for item in review.get("inputs") or []:
        if str(item.get("topic")) in TOPICS:
            recorded.update(figures(str(item.get("summary") or "")))
    if held is None or not recorded:
        return []
    day, cut, seq = _recorded_with(store, rid, held)
    f = _facts_then(store, day, cut, seq)
    reviews = f.reviews()
    earlier = reviews[(reviews["id"] != rid) & reviews["held"].notna()
                      & (reviews["held"] <= _timestamp(day))]
    since = earlier.iloc[0]["held"].date() if not earlier.empty else None
    actual = figures(_nonconformities(store.as_of(cut), f, since).summary)
    actual.update(figures(_audits(f, since).summary))
    actual.update(_incident_figures(f, since))
    out = []
    for name, said in recorded.items():
        if name in actual and actual[name] != said:
            out.append(f"review {rid}: its inputs record {name} as {said:,}, but the records "
                       f"as of {day} show {actual[name]:,}; whoever records the review corrects "
                       f"the input from the pack (wb.review.pack(store, as_of=\"{day}\"))")
    return out


def _timestamp(day: dt.date) -> Any:
    import pandas as pd

    return pd.Timestamp(day)
