"""Monitoring figures: one metric over time with its breach band, and run details as HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.render import esc, html_table, plotly_text

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["BAND_COLOUR", "SERIES_COLOURS", "outcome_strip", "run_details_html", "series_keys",
           "sparkline", "timeline_figure"]

#: Fill of the region where a value breaches its threshold.
BAND_COLOUR = "rgba(198, 40, 40, 0.12)"
_OK, _BREACH = "#1f77b4", "#c62828"
#: Series colours: none of them red, which marks breaches (a red cross) and the threshold only.
SERIES_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#17becf", "#8c564b", "#7f7f7f",
                  "#bcbd22", "#e377c2")


def series_keys(timeline: pd.DataFrame) -> list[tuple[str, str]]:
    """``(key, label)`` of every series in a timeline, in plan order of first appearance."""
    if timeline.empty:
        return []
    first = timeline.drop_duplicates("key")
    return list(zip(first["key"], first["label"], strict=True))


def timeline_figure(timeline: pd.DataFrame, key: str, *, title: str = "") -> go.Figure:
    """One metric of a system over time (a line per group), its threshold and breach band.

    Each group has its own colour (:data:`SERIES_COLOURS`, no red); a breached point is a red
    cross, so it never reads as a series. Each point carries its run id in ``customdata``, so
    a click can show the run. The band shades the side of the latest threshold that breaches.
    """
    import plotly.graph_objects as go

    part = timeline[timeline["key"] == key]
    fig = go.Figure()
    if part.empty:
        fig.update_layout(title=plotly_text(title or key), height=320,
                          annotations=[dict(text="no runs yet", showarrow=False,
                                            xref="paper", yref="paper", x=0.5, y=0.5)])
        return fig
    for index, (group, rows) in enumerate(part.groupby("group", sort=True)):
        name = plotly_text(str(group) or key.split(":")[0])
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        breached = rows["breached"].astype(bool).tolist()
        fig.add_trace(go.Scatter(
            x=rows["run_at"], y=rows["value"], mode="lines+markers", name=name,
            # the group's name is user data: shown through the trace name, never put in the
            # template (where plotly would read %{...} in it)
            customdata=rows["run_id"],
            hovertemplate="%{x|%Y-%m-%d}: %{y:.4g}<extra>%{fullData.name}</extra>",
            marker=dict(color=[_BREACH if b else colour for b in breached],
                        symbol=["x" if b else "circle" for b in breached],
                        size=[10 if b else 7 for b in breached]),
            line=dict(width=1.5, color=colour)))
    steps = part.drop_duplicates("run_id")
    fig.add_trace(go.Scatter(x=steps["run_at"], y=steps["threshold"], mode="lines",
                             name="threshold", line=dict(color=_BREACH, dash="dash", width=1),
                             hoverinfo="skip", line_shape="hv"))
    threshold = float(steps["threshold"].iloc[-1])
    direction = str(steps["direction"].iloc[-1])
    values = part["value"].astype(float)
    if direction == "min":
        low, high = min(float(values.min()), threshold) - abs(threshold) * 0.1, threshold
    else:
        low, high = threshold, max(float(values.max()), threshold) * 1.1 + 1e-9
    fig.add_hrect(y0=low, y1=high, fillcolor=BAND_COLOUR, line_width=0, layer="below",
                  annotation_text="breach", annotation_position="top left")
    fig.update_layout(title=plotly_text(title or key), height=340, hovermode="closest",
                      margin=dict(l=50, r=20, t=50, b=40), legend=dict(orientation="h"),
                      xaxis_title="run", yaxis_title="value")
    return fig


def sparkline(timeline: pd.DataFrame, *, width: int = 120, height: int = 24) -> str:
    """A tiny inline SVG of the share of breached measurements per run (0 to 1), newest
    right; empty text without runs."""
    if timeline.empty:
        return ""
    share = timeline.groupby("run_at", sort=True)["breached"].mean().to_numpy()
    n = len(share)
    xs = [width * (i / max(n - 1, 1)) for i in range(n)]
    ys = [height - 2 - (height - 4) * float(v) for v in share]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    colour = _BREACH if share[-1] > 0 else "#2e7d32"
    return (f'<svg width="{width}" height="{height}" role="img" aria-label="share of '
            f'breached measurements per run"><polyline fill="none" stroke="{colour}" '
            f'stroke-width="1.5" points="{points}"/></svg>')


def outcome_strip(breaches: list[bool], *, size: int = 8) -> str:
    """An inline SVG strip of run outcomes, oldest left: red for a breach, green for ok."""
    if not breaches:
        return ""
    cells = "".join(f'<rect x="{i * (size + 2)}" y="0" width="{size}" height="{size}" '
                    f'fill="{_BREACH if b else "#2e7d32"}"/>' for i, b in enumerate(breaches))
    width = len(breaches) * (size + 2)
    return (f'<svg width="{width}" height="{size}" role="img" aria-label="last '
            f'{len(breaches)} runs: {sum(breaches)} breached">{cells}</svg>')


def run_details_html(timeline: pd.DataFrame, run_id: str) -> str:
    """The measurements of one run as an escaped HTML table, breaches first."""
    rows = timeline[timeline["run_id"] == run_id]
    if rows.empty:
        return f"<p>No run {esc(run_id)}.</p>"
    first = rows.iloc[0]
    head = (f"<p><b>Run of {esc(first['run_at'].strftime('%Y-%m-%d %H:%M'))} UTC</b>: "
            f"{esc(first['outcome'])} (plan version {esc(first['plan_version'])}), "
            f"{int(rows['breached'].sum())} of {len(rows)} measurements breached "
            f'<span style="color:#57606a;font-size:0.85em">({esc(run_id)})</span></p>')
    ordered = rows.sort_values("breached", ascending=False, kind="stable")
    shown = ordered.assign(
        value=ordered["value"].map(lambda v: f"{v:.4g}"),
        rule=[("< " if d == "min" else "> ") + f"{t:g}" for d, t in
              zip(ordered["direction"], ordered["threshold"], strict=True)],
        breached=ordered["breached"].map({True: "breach", False: "ok"}))
    # one run's measurements stay on one printed page (a plan measures a few dozen at most)
    return ('<div style="break-inside: avoid">' + head
            + html_table(shown, {"metric": "Metric", "feature": "Feature", "group": "Group",
                                 "measure": "Measure", "value": "Value",
                                 "rule": "Breach when", "breached": "Result"}) + "</div>")
