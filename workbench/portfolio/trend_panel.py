"""The readiness trend on the portfolio dashboard: ISO/IEC 42001 readiness month by month,
each point computed from the records as they stood (``wb.readiness.trend``)."""

from __future__ import annotations

import math

from workbench.portfolio.data import PortfolioData, fmt_date
from workbench.portfolio.panels import Panel
from workbench.render import fmt_int, html_table

__all__ = ["TREND_POINTS", "trend_panel"]

#: Monthly points the panel shows (the last one is today, reused from the readiness panel).
TREND_POINTS = 6


def _pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.0f}%"


def trend_panel(data: PortfolioData) -> Panel:
    """Readiness over the last months: overall, clauses 4-10 and Annex A, with the change."""
    from workbench import readiness

    current = data.readiness()
    frame = readiness.trend(data.store, points=TREND_POINTS, end=current.today,
                            current=current)
    figure = readiness.trend_figure(frame, title="Readiness over time (records as they stood)")
    known = frame["overall"].dropna()
    if len(known) >= 2:
        change = known.iloc[-1] - known.iloc[0]
        since = fmt_date(frame.loc[known.index[0], "as_of"])
        note = (f"{change:+.0f} points since {since}; each point is computed from the records "
                "as they stood that day")
    else:
        note = "each point is computed from the records as they stood that day"
    table = frame.assign(as_of=[fmt_date(d) for d in frame["as_of"]],
                         overall=[_pct(v) for v in frame["overall"]],
                         clauses=[_pct(v) for v in frame["clauses"]],
                         annex_a=[_pct(v) for v in frame["annex_a"]],
                         gaps=[fmt_int(v) for v in frame["gaps"]])
    after = html_table(table, {"as_of": "As of", "overall": "Overall", "clauses": "Clauses 4-10",
                               "annex_a": "Annex A", "gaps": "Items to do"},
                       empty="No points to show.")
    return Panel(key="readiness-trend", title="Readiness over time", note=note, figure=figure,
                 after_html=after, table=frame)
