"""What dashboards and reports compute: the portfolio's registers, loaded once, and figures.

Everything here is vectorized pandas over ``store.frame(kind)`` (one query per kind); panels
(:mod:`workbench.portfolio.panels`) only arrange these results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.render import STATUS_COLOURS, plotly_text

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from workbench.readiness.engine import Readiness
    from workbench.readiness.facts import Facts
    from workbench.store import Store

__all__ = [
    "STAGE_ORDER",
    "PortfolioData",
    "counts_by",
    "evidence_freshness",
    "evidence_timeline_figure",
    "fmt_date",
    "inventory_counts",
    "inventory_figure",
    "kpis",
    "label",
    "load",
    "reports_generated",
    "timeline_label",
]

STAGE_ORDER = ("design", "develop", "validate", "deploy", "operate", "retire")
#: How enum values read to people.
LABELS: dict[str, str] = {
    "in_the_loop": "Human in the loop", "on_the_loop": "Human on the loop",
    "out_of_the_loop": "No human in the loop", "decision_support": "Decision support",
    "partial": "Partly automated", "full": "Fully automated", "classical_ml": "Classical ML",
    "deep_learning": "Deep learning", "non_personal": "Non-personal",
}
_EXPIRING_DAYS = 30


def label(value: Any) -> str:
    """A stored enum value as people read it (``on_the_loop`` -> ``Human on the loop``)."""
    text = str(value)
    return LABELS.get(text, text.replace("_", " ").capitalize())


def fmt_date(value: Any) -> str:
    """A date as ``26 Nov 2026`` (empty for missing values)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    try:
        return pd.Timestamp(value).strftime("%d %b %Y").lstrip("0")
    except (ValueError, TypeError):
        return str(value)


@dataclass
class PortfolioData:
    """The registers a dashboard page needs, each loaded once.

    Panels receive this object, so ten panels cost one query per kind, not ten. The shared
    inputs of the governance panels (the risk register, the sign-off states, the EU AI Act
    portfolio, the fairness flags and readiness) are computed on first use and kept for the
    page. They come from the readiness engine's :class:`~workbench.readiness.facts.Facts`, so
    readiness reuses the register and sign-off states the panels read, and the other way round.
    """

    store: Store
    today: dt.date
    systems: pd.DataFrame
    people: pd.DataFrame
    evidence: pd.DataFrame
    organization: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # caches for later panels

    def require_system(self, system_id: str) -> None:
        """NotFoundError for a system id that is not in the inventory (never an empty view)."""
        from workbench.registers import problems_of, require_ids

        require_ids("ai_system", system_id, [*self.systems.get("id", []), *(
            p.record_id for p in problems_of(self.systems))])

    def person_names(self) -> dict[str, str]:
        return dict(zip(self.people["id"], self.people["name"]))

    def system_names(self) -> dict[str, str]:
        return dict(zip(self.systems["id"], self.systems["name"]))

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.extra:
            self.extra[key] = compute()
        return self.extra[key]

    @property
    def facts(self) -> Facts:
        """The readiness engine's shared inputs for this store and day (created once)."""
        from workbench.readiness.facts import Facts

        return self._cached("facts", lambda: Facts(self.store, self.today))

    def frame(self, kind: str) -> pd.DataFrame:
        """Any register (``store.frame(kind)``), loaded on first use and cached for the page."""
        return self.facts.frame(kind)

    def signoffs(self) -> pd.DataFrame:
        """The sign-off state of every record with sign-off activity
        (``wb.oversight.status_frame``, computed once)."""
        return self.facts.signoffs()

    def register(self) -> pd.DataFrame:
        """The risk register as of :attr:`today` (``wb.risk.register``), with the sign-off
        state of each risk above the appetite (``signoff``, ``awaiting_acceptance``)."""
        return self.facts.register()

    def eu_portfolio(self) -> pd.DataFrame:
        """One row per AI system with its EU AI Act tier (``wb.impact.portfolio``)."""
        return self.facts.portfolio()

    def fairness(self) -> pd.DataFrame:
        """Fairness flags as of :attr:`today` (``wb.fairness.flags``)."""
        def compute() -> pd.DataFrame:
            from workbench import fairness

            return fairness.flags(self.store, as_of=self.today)

        return self._cached("fairness", compute)

    def readiness(self) -> Readiness:
        """ISO/IEC 42001 readiness (``wb.readiness.assess``) on the shared inputs."""
        def compute() -> Readiness:
            from workbench import readiness

            return readiness.assess(self.store, today=self.today, facts=self.facts)

        return self._cached("readiness", compute)

    def warm(self) -> None:
        """Compute the shared inputs of the one-system panels now.

        A preheated page calls this before its viewer arrives, so the page built for the
        viewer's URL only filters what is already computed.
        """
        self.register()
        self.eu_portfolio()
        self.fairness()

    def names_in(self, text: pd.Series) -> pd.Series:
        """Text naming people by login (``"risk owner amira, chloe"``) with their names."""
        import re

        names = {k: v for k, v in self.person_names().items() if k and v}
        text = text.fillna("").astype("str")
        if not names or text.empty:
            return text
        logins = sorted(names, key=len, reverse=True)
        pattern = r"\b(" + "|".join(re.escape(k) for k in logins) + r")\b"
        return text.str.replace(pattern, lambda m: names[m.group(0)], regex=True)


def load(store: Store, *, today: dt.date | None = None) -> PortfolioData:
    """Load the inventory, people and evidence registers (one query each)."""
    orgs = store.frame("organization", meta=False)
    data = PortfolioData(store=store, today=today or dt.date.today(), systems=pd.DataFrame(),
                         people=pd.DataFrame(), evidence=pd.DataFrame(),
                         organization=str(orgs["name"].iloc[0]) if len(orgs) else "")
    data.systems = data.frame("ai_system").sort_values("name", kind="stable",
                                                       ignore_index=True)
    data.people = data.frame("person")
    data.evidence = data.frame("evidence")
    return data


def reports_generated(data: PortfolioData, *, system_id: str | None = None) -> pd.DataFrame:
    """Reports recorded as evidence (newest first): ``title, collected_by, collected_at``."""
    ev = data.evidence[data.evidence["evidence_kind"] == "report"]
    if system_id is not None:
        data.require_system(system_id)
        exploded = ev["system_ids"].explode()
        ev = ev.loc[exploded.index[exploded.eq(system_id).fillna(False)].unique()]
    people = data.person_names()
    return pd.DataFrame({
        "title": ev["title"], "collected_by": ev["collected_by"].map(people)
        .fillna(ev["collected_by"]),
        "collected_at": pd.to_datetime(ev["collected_at"], utc=True, format="ISO8601"),
    }).sort_values("collected_at", ascending=False, ignore_index=True)


def _flag_any(series: pd.Series, values: set[str]) -> pd.Series:
    exploded = series.explode()
    return exploded.isin(values).groupby(level=0).any().reindex(series.index, fill_value=False)


def kpis(data: PortfolioData) -> dict[str, int]:
    """Headline counts: systems, in operation, personal data, no human in the loop, evidence."""
    s = data.systems
    fresh = evidence_freshness(data)
    personal = {"personal", "sensitive", "biometric", "children", "health", "employment"}
    return {
        "systems": len(s),
        "in_operation": int((s["lifecycle_stage"] == "operate").sum()),
        "personal_data": int(_flag_any(s["data_categories"], personal).sum()) if len(s) else 0,
        "no_human_in_loop": int((s["oversight_mode"] == "out_of_the_loop").sum()),
        "fully_automated": int((s["automation_level"] == "full").sum()),
        "evidence": len(fresh),
        "expired": int((fresh["status"] == "expired").sum()),
        "expiring": int((fresh["status"] == "expiring").sum()),
    }


def inventory_counts(data: PortfolioData) -> pd.DataFrame:
    """Systems by lifecycle stage (rows, in life-cycle order) and business unit (columns)."""
    s = data.systems
    table = pd.crosstab(pd.Categorical(s["lifecycle_stage"], categories=STAGE_ORDER),
                        s["business_unit"].astype(str), dropna=False)
    table.index = [label(v) for v in table.index]
    table.index.name, table.columns.name = "lifecycle stage", "business unit"
    return table


def inventory_figure(data: PortfolioData) -> go.Figure:
    """Stacked bars: AI systems per lifecycle stage, coloured by business unit."""
    import plotly.graph_objects as go

    counts = inventory_counts(data)
    fig = go.Figure()
    for unit in counts.columns:
        fig.add_trace(go.Bar(name=plotly_text(unit), x=[plotly_text(s) for s in counts.index],
                             y=counts[unit].tolist(),
                             hovertemplate="%{x}: %{y:,} systems<extra>" + plotly_text(unit)
                             + "</extra>"))
    fig.update_layout(barmode="stack", height=360, margin={"l": 40, "r": 10, "t": 10, "b": 40},
                      legend={"title": "Business unit"}, yaxis={"title": "AI systems",
                      "tickformat": ",d", "rangemode": "tozero"}, plot_bgcolor="#fff",
                      paper_bgcolor="#fff", font={"size": 13})
    fig.update_yaxes(gridcolor="#eaeef2")
    return fig


def counts_by(data: PortfolioData, column: str, *, order: list[str] | None = None
              ) -> pd.DataFrame:
    """How many systems per value of ``column`` (list columns count each value)."""
    values = data.systems[column].explode().dropna().astype(str)
    counts = values.value_counts()
    if order is not None:
        counts = counts.reindex([o for o in order if o in counts.index])
    out = pd.DataFrame({"value": [label(v) for v in counts.index],
                        "systems": counts.to_numpy(dtype="int64")})
    return out


def evidence_freshness(data: PortfolioData, *, system_id: str | None = None,
                       within_days: int = _EXPIRING_DAYS,
                       include_reports: bool = False) -> pd.DataFrame:
    """Every evidence item with names and its freshness, most urgent first.

    Reports generated by ``workbench report`` are evidence too, but they describe the
    other evidence rather than add to it, so they are left out unless ``include_reports``.

    Columns: ``id, title, systems`` (names), ``system_ids``, ``collected_by`` (name),
    ``collected_at``, ``expires_at`` (dates), ``days_left`` (nullable int), ``status``
    (``expired``, ``expiring`` within ``within_days``, ``current`` or ``no expiry``).
    """
    ev = data.evidence
    if not include_reports:
        ev = ev[ev["evidence_kind"] != "report"]
    if system_id is not None:
        data.require_system(system_id)
        exploded = ev["system_ids"].explode()
        ev = ev.loc[exploded.index[exploded.eq(system_id).fillna(False)].unique()]
    ev = ev.reset_index(drop=True)
    expires = pd.to_datetime(ev["expires_at"], errors="coerce")
    today = pd.Timestamp(data.today)
    days_left = pd.array((expires - today).dt.days, dtype="Int64")
    status = np.select([expires.isna().to_numpy(),
                        (days_left < 0).fillna(False).to_numpy(dtype=bool),
                        (days_left <= within_days).fillna(False).to_numpy(dtype=bool)],
                       ["no expiry", "expired", "expiring"], "current")
    names = data.system_names()
    exploded = ev["system_ids"].explode()
    system_text = (exploded.map(names).fillna(exploded).dropna().groupby(level=0)
                   .agg(", ".join).reindex(ev.index, fill_value=""))
    people = data.person_names()
    out = pd.DataFrame({
        "id": ev["id"], "title": ev["title"], "systems": system_text.astype(str),
        "system_ids": ev["system_ids"],
        "collected_by": ev["collected_by"].map(people).fillna(ev["collected_by"]),
        "collected_at": pd.to_datetime(ev["collected_at"], utc=True, format="ISO8601"),
        "expires_at": expires, "days_left": days_left, "status": status,
        "evidence_kind": ev["evidence_kind"],
    })
    rank = out["status"].map({"expired": 0, "expiring": 1, "current": 2, "no expiry": 3})
    return (out.assign(_rank=rank).sort_values(["_rank", "days_left", "title"],
                                                na_position="last", kind="stable")
            .drop(columns="_rank").reset_index(drop=True))


_STATUS_COLOURS = {"expired": STATUS_COLOURS["expired"], "expiring": STATUS_COLOURS["pending"],
                   "current": STATUS_COLOURS["ok"], "no expiry": "#8c959f"}


#: The evidence timeline's labels: at most this many characters a line, on this many lines.
TIMELINE_LABEL_WIDTH, TIMELINE_LABEL_LINES = 38, 2


def timeline_label(title: Any, *, width: int = TIMELINE_LABEL_WIDTH,
                   lines: int = TIMELINE_LABEL_LINES) -> str:
    """An evidence title as a timeline's axis label: wrapped at ``width`` characters, on at
    most ``lines`` lines, the rest cut with an ellipsis; each line escaped for plotly."""
    import textwrap

    text = " ".join(str(title or "").split())
    parts = textwrap.wrap(text, width, max_lines=lines, placeholder="…") or [""]
    return "<br>".join(plotly_text(p) for p in parts)


def evidence_timeline_figure(fresh: pd.DataFrame, today: dt.date) -> go.Figure:
    """Each evidence item as a bar from collection to expiry, coloured by freshness.

    ``fresh`` is a frame from :func:`evidence_freshness`; items without an expiry date run
    to today. A dashed line marks today. Long titles are wrapped and cut on the axis
    (:func:`timeline_label`) and shown whole on hover.
    """
    import plotly.graph_objects as go

    today_ts = pd.Timestamp(today)
    start = fresh["collected_at"].dt.tz_localize(None).dt.normalize()
    end = fresh["expires_at"].fillna(today_ts)
    # one row per item (by position, so equal titles stay apart); its label is the title
    # wrapped and cut to a few short lines, so the bars keep most of the width; the full
    # title is in the hover
    position = pd.Series(range(len(fresh)), index=fresh.index)
    fig = go.Figure()
    for status, colour in _STATUS_COLOURS.items():
        rows = fresh["status"] == status
        if not rows.any():
            continue
        fig.add_trace(go.Bar(
            name=status.capitalize(), orientation="h", marker_color=colour,
            y=position[rows].tolist(),
            base=start[rows].dt.strftime("%Y-%m-%d").tolist(),
            x=((end[rows] - start[rows]).dt.days * 86_400_000).tolist(),
            customdata=list(zip(start[rows].map(fmt_date), fresh.loc[rows, "expires_at"]
                                .map(fmt_date).replace("", "no expiry"),
                                fresh.loc[rows, "title"].map(plotly_text))),
            hovertemplate="%{customdata[2]}<br>collected %{customdata[0]}, expires "
                          "%{customdata[1]}<extra></extra>"))
    fig.add_vline(x=today_ts.timestamp() * 1000, line_dash="dash", line_color="#57606a",
                  annotation_text="today", annotation_position="top",
                  annotation_font_color="#57606a")
    fig.update_layout(height=max(180, 36 * len(fresh) + 80), barmode="overlay",
                      margin={"l": 10, "r": 10, "t": 24, "b": 30}, xaxis={"type": "date"},
                      yaxis={"autorange": "reversed", "automargin": True, "tickmode": "array",
                             "tickvals": position.tolist(),
                             "ticktext": [timeline_label(t) for t in fresh["title"]]},
                      plot_bgcolor="#fff",
                      paper_bgcolor="#fff", legend={"orientation": "h", "y": -0.15},
                      font={"size": 12})
    fig.update_xaxes(gridcolor="#eaeef2")
    return fig
