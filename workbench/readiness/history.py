"""Readiness in the past, read from the store's append-only history.

The store never changes a version in place, so the records as they stood at any moment are
still there: :meth:`workbench.store.Store.as_of` gives a read-only view that sees only the
versions saved at or before that moment. :func:`as_of` runs the same rules on that view, on
that day; :func:`trend` does it at regular points (monthly over the last year by default).

Examples
--------
>>> import workbench as wb
>>> store = wb.open_store()                                            # doctest: +SKIP
>>> wb.readiness.as_of(store, "2026-06-30").summary()                  # doctest: +SKIP
>>> wb.readiness.trend(store, points=12)                               # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from workbench.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

    from workbench.readiness.engine import Readiness
    from workbench.store import Store

__all__ = ["TREND_COLUMNS", "as_of", "moment", "nothing_recorded", "trend", "trend_figure"]

#: Columns of :func:`trend`.
TREND_COLUMNS = ["as_of", "overall", "clauses", "annex_a", "met", "partial", "missing",
                 "not_applicable", "gaps", "records"]
_STEPS = {"month": "months", "week": "weeks", "day": "days"}

#: Trend points already computed, keyed by the store, the day and the chain entry the day's
#: snapshot ends on: the store is append-only and nothing is ever saved in the past, so a
#: point of a given chain state never changes (a dashboard recomputes only what is new).
_POINTS: OrderedDict[tuple, dict] = OrderedDict()
_POINTS_LOCK = threading.Lock()
_POINTS_MAX = 512


def _remembered(key: tuple) -> dict | None:
    with _POINTS_LOCK:
        row = _POINTS.get(key)
        if row is not None:
            _POINTS.move_to_end(key)
        return None if row is None else dict(row)


def _remember(key: tuple, row: dict) -> None:
    with _POINTS_LOCK:
        _POINTS[key] = dict(row)
        while len(_POINTS) > _POINTS_MAX:
            _POINTS.popitem(last=False)


#: Readiness is not read before this year (the rules count years back from the date).
EARLIEST_YEAR = 1900


def moment(when: dt.date | dt.datetime | str, *, name: str = "when") -> dt.datetime:
    """The UTC moment ``when`` names: a date (or ``YYYY-MM-DD`` text) is the end of that day,
    a datetime (or ISO text with a time) is itself (naive means UTC).

    Raises
    ------
    ValidationError
        ``when`` is not a date or is in the future (the past cannot be read from there).
    """
    now = dt.datetime.now(dt.timezone.utc)
    if isinstance(when, str):
        text = when.strip()
        try:
            when = (dt.datetime.fromisoformat(text) if len(text) > 10
                    else dt.date.fromisoformat(text))
        except ValueError:
            raise ValidationError(f"{name}: {text!r} is not a date; use YYYY-MM-DD") from None
    if isinstance(when, dt.datetime):
        cut = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
        cut = cut.astimezone(dt.timezone.utc)
        future = cut > now
    elif isinstance(when, dt.date):
        future = when > now.date()
        cut = min(dt.datetime.combine(when, dt.time.max, tzinfo=dt.timezone.utc), now)
    else:
        raise ValidationError(f"{name}: give a date (YYYY-MM-DD), got {type(when).__name__}")
    if future:
        raise ValidationError(f"{name}: {when} is in the future; readiness is read from the "
                              "records as they stood, so give today or an earlier date")
    if cut.year < EARLIEST_YEAR:
        raise ValidationError(f"{name}: {when} is before {EARLIEST_YEAR}; give a date from "
                              f"{EARLIEST_YEAR}-01-01 on (before the store's first record "
                              "every requirement is missing)")
    return cut


def as_of(store: Store, when: dt.date | dt.datetime | str, *,
          only: Iterable[str] | str | None = None, verify: bool = True) -> Readiness:
    """ISO/IEC 42001 readiness as it stood at ``when``.

    The rules read the latest version of each record saved at or before ``when`` (one query
    per register, as today's readiness does) and judge on that day: evidence expiry, review
    dates and "the last 12 months" count from ``when``. Before the first record was saved
    every requirement is missing.

    Parameters
    ----------
    store
        The workbench store.
    when
        A date (its end, UTC), a datetime, or ISO text; today or earlier.
    only, verify
        As for :func:`workbench.readiness.assess` (``verify`` checks the chain as it stood).

    Returns
    -------
    Readiness
        The same structure as :func:`workbench.readiness.assess`; ``today`` is ``when``'s day.

    Raises
    ------
    ValidationError
        ``when`` is not a date or lies in the future.
    """
    from workbench.readiness.engine import assess

    cut = moment(when)
    view = store.as_of(cut)
    result = assess(view, today=cut.date(), only=only, verify=verify)
    if view.head() == 0:
        return nothing_recorded(result)
    return result


def nothing_recorded(result: Readiness) -> Readiness:
    """Before the first record was saved nothing can be shown: every requirement missing."""
    from dataclasses import replace

    from workbench.readiness.engine import _by_group, _gaps

    req = result.requirements.copy()
    reason = f"nothing was recorded yet on {result.today} (the store held no record)"
    req["status"] = "missing"
    req["reason"] = reason
    req["score"] = 0.0
    for col in ("missing", "evidence", "expired"):
        req[col] = [[] for _ in range(len(req))]
    titles = dict(zip(result.by_clause["group"], result.by_clause["title"], strict=True))
    kinds = set(req["kind"])
    totals = {label: 0.0 for kind, label in (("clause", "clauses 4-10"), ("control", "Annex A"))
              if kind in kinds}
    return replace(result, requirements=req, by_clause=_by_group(req, titles), overall=0.0,
                   gaps=_gaps(req), soa_state="none", totals=totals, problems=())


def _points(end: dt.date, points: int, every: str) -> list[dt.date]:
    import pandas as pd

    step = _STEPS[every]
    return [(pd.Timestamp(end) - pd.DateOffset(**{step: k})).date()
            for k in range(points - 1, -1, -1)]


def trend(store: Store, *, points: int = 12, every: str = "month",
          end: dt.date | str | None = None, verify: bool = True,
          current: Readiness | None = None) -> pd.DataFrame:
    """Readiness at regular points up to ``end`` (default today), oldest first.

    Parameters
    ----------
    store
        The workbench store.
    points
        How many points (1 to 60); the last one is ``end``.
    every
        ``"month"``, ``"week"`` or ``"day"`` between points.
    end
        The last point (a date, today or earlier).
    verify
        Check the hash chain as it stood at each point (7.5.3). The chain is verified once:
        when it is intact today, every earlier part of it was. A point already computed in
        this process for the same day and the same chain entry is reused, not recomputed
        (only today's point changes as records are saved).
    current
        Readiness already computed for one of the points (its ``today``), from the records
        as they stood at the end of that day (or now, for today; e.g. a dashboard's): used
        instead of computing it again. Its verification of the chain is reused too when it
        covers the chain as it stands now.

    Returns
    -------
    pandas.DataFrame
        One row per point: ``as_of`` (date), ``overall``, ``clauses`` (clauses 4-10) and
        ``annex_a`` (percent, NaN before the first record), the counts per status, ``gaps``
        (items to do) and ``records`` (how many records existed).
    """
    import pandas as pd

    if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= 60:
        raise ValidationError(f"points: give a whole number from 1 to 60, got {points!r}")
    if every not in _STEPS:
        raise ValidationError(f"every: {every!r} is not one of {', '.join(_STEPS)}")
    last = moment(end if end is not None else dt.datetime.now(dt.timezone.utc).date(),
                  name="end").date()
    from workbench.readiness.engine import assess
    from workbench.readiness.facts import Facts
    from workbench.store import VerifyReport

    # An intact chain today means every earlier part of it was intact: verify once, and each
    # point states the part of the chain it saw. A broken chain is verified point by point.
    whole: list[bool] = []
    rows = []
    for day in _points(last, points, every):
        view = store.as_of(moment(day))
        records = view.count()
        if current is not None and day == current.today:
            rows.append({"as_of": day, "overall": current.overall,
                         "clauses": current.totals.get("clauses 4-10", math.nan),
                         "annex_a": current.totals.get("Annex A", math.nan),
                         **current.counts(), "gaps": len(current.gaps), "records": records})
            continue
        if records == 0:
            rows.append({"as_of": day, "overall": math.nan, "clauses": math.nan,
                         "annex_a": math.nan, "met": 0, "partial": 0, "missing": 0,
                         "not_applicable": 0, "gaps": 0, "records": 0})
            continue
        # the sign-off policy file named in the environment is part of what a point depends on
        key = (store.url, day.isoformat(), view.head_entry(), verify,
               os.environ.get("WORKBENCH_SIGNOFF_POLICY", ""))
        known = _remembered(key)
        if known is not None:
            rows.append(known)
            continue
        facts = None
        if verify and not whole:
            whole.append(_whole_chain_intact(store, current))
        if verify and whole[0]:
            seq, head = view.head_entry()
            facts = Facts(view, day, verified=VerifyReport(entries=seq, records=records,
                                                           head_seq=seq, head_hash=head))
        result = assess(view, today=day, verify=verify, facts=facts)
        rows.append({"as_of": day, "overall": result.overall,
                     "clauses": result.totals.get("clauses 4-10", math.nan),
                     "annex_a": result.totals.get("Annex A", math.nan),
                     **result.counts(), "gaps": len(result.gaps), "records": records})
        if not verify or whole[0]:  # a point seen on a broken chain is never reused
            _remember(key, rows[-1])
    out = pd.DataFrame(rows, columns=TREND_COLUMNS)
    for col in ("overall", "clauses", "annex_a"):
        out[col] = out[col].astype("float64")
    return out


def _whole_chain_intact(store: Store, current: Readiness | None) -> bool:
    """Whether the whole chain verifies: the verification ``current`` saw when it ended at
    the chain's present head (nothing saved since), else a new one."""
    seen = current.verified if current is not None else None
    if seen is not None and (seen.head_seq, seen.head_hash) == store.head_entry():
        return seen.ok
    return store.verify().ok


def _padded(days: Any) -> dict[str, Any]:
    """An x range with room either side of the first and last date (none without dates)."""
    known = [d for d in days if d is not None and d == d]
    if not known:
        return {}
    first, last = min(known), max(known)
    pad = dt.timedelta(days=max(10, (last - first).days // 8))
    return {"range": [(first - pad).isoformat(), (last + pad).isoformat()]}


def trend_figure(frame: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Lines of overall, clauses 4-10 and Annex A readiness over the points of :func:`trend`.

    Points before the store held anything are gaps in the lines. Returns a ``go.Figure``.
    """
    import plotly.graph_objects as go

    from workbench.render import plotly_text

    x = [d.isoformat() for d in frame["as_of"]]
    fig = go.Figure()
    for col, label, colour in (("overall", "overall", "#0969da"),
                               ("clauses", "clauses 4-10", "#1a7f37"),
                               ("annex_a", "Annex A", "#9a6700")):
        values = [None if math.isnan(v) else round(float(v), 1) for v in frame[col]]
        fig.add_trace(go.Scatter(x=x, y=values, name=label, mode="lines+markers",
                                 line={"color": colour, "width": 3 if col == "overall" else 2},
                                 hovertemplate=f"{label}: %{{y:.0f}}%<br>%{{x}}<extra></extra>"))
    last = frame["overall"].dropna()
    now = f"{last.iloc[-1]:.0f}%" if not last.empty else "n/a"
    fig.update_layout(
        title=plotly_text(title) if title else f"ISO/IEC 42001 readiness over time (now {now})",
        # room below 0% and either side of the first and last point, so the first date's
        # label stands clear of the y axis's "0%" (on the axis, they overlap in print)
        yaxis={"range": [-6, 105], "title": "readiness (%)", "ticksuffix": "%"},
        xaxis={"title": "as of", **_padded(frame["as_of"])}, height=360,
        plot_bgcolor="#ffffff",
        margin={"l": 10, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        meta={"points": len(frame)})
    return fig
