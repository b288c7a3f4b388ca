"""Dates people give the workflows (improvement, management review): a date or
``YYYY-MM-DD``, and for what has happened, never later than today by the store's clock (the
story's time while seeding, a snapshot's moment)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from workbench.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["as_day", "past_or_today", "today"]


def today(store: Store) -> dt.date:
    """Today by the store's clock."""
    return store.now().date()


def as_day(value: Any, field: str) -> dt.date:
    """``value`` as a date: a date, a datetime (its day) or ``YYYY-MM-DD``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f"{field}: {value!r} is not a date; use YYYY-MM-DD",
                              [(field, "not a date")]) from None


def past_or_today(store: Store, value: Any, field: str) -> dt.date:
    """``value`` (default today) as a date, refused when it is later than today."""
    now = today(store)
    when = now if value is None else as_day(value, field)
    if when > now:
        raise ValidationError(f"{field}: {when} is in the future (today is {now}); record it "
                              "once it has happened", [(field, "in the future")])
    return when
