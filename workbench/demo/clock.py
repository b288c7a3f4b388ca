"""The demo's clock: every seeded version is saved at the time the story says it happened.

Times are whole days before ``as_of`` (at 09:00 UTC, plus minutes to order events of one day),
so a version is always saved before the sign-off that approves it, and an approval dated in
September approves a version saved before it, not one saved today.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["FOUNDED_DAYS_AGO", "at", "founded"]

#: When the organization set up its AI management system, in days before ``as_of``.
FOUNDED_DAYS_AGO = 450


def at(as_of: dt.date, days_before: int, minutes: int = 0) -> dt.datetime:
    """09:00 UTC ``days_before`` days before ``as_of``, plus ``minutes``."""
    day = as_of - dt.timedelta(days=days_before)
    return dt.datetime(day.year, day.month, day.day, 9, 0,
                       tzinfo=dt.timezone.utc) + dt.timedelta(minutes=minutes)


def founded(as_of: dt.date, minutes: int = 0) -> dt.datetime:
    """When the people, the organization and its risk criteria were first recorded."""
    return at(as_of, FOUNDED_DAYS_AGO, minutes)
