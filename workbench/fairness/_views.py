"""Figures and escaped HTML of a fairness result."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from workbench.errors import ValidationError
from workbench.render import badge, esc, fmt_pct, html_table, plotly_text

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from workbench.fairness._compute import FairnessResult

__all__ = ["by_group_html", "group_figure", "metrics_html", "report_html", "threshold_lines"]

_LABELS = {"selection_rate": "Selection rate", "accuracy": "Accuracy",
           "true_positive_rate": "True positive rate", "false_positive_rate": "False positive rate",
           "mean_score": "Mean score", "count": "Rows"}


def threshold_lines(result: FairnessResult, metric: str, feature: str) -> list[dict[str, Any]]:
    """Where the configured thresholds put a per-group metric, as ``{y, label}`` lines.

    Selection rate: the lowest rate the demographic parity difference and ratio thresholds
    allow given the highest group's rate. True positive rate: the highest rate minus the
    equalized odds threshold. False positive rate: the lowest rate plus it.
    """
    rows = result.by_group[result.by_group["feature"] == feature]
    values = rows[metric].dropna() if metric in rows else rows.iloc[0:0]
    if values.empty:
        return []
    top, low = float(values.max()), float(values.min())
    cfg = result.config
    lines = []
    if metric == "selection_rate":
        t = cfg.threshold("demographic_parity_difference")
        if t:
            lines.append({"y": top - t.value, "label": f"highest - {t.value:g} "
                          "(demographic parity difference)"})
        t = cfg.threshold("demographic_parity_ratio")
        if t:
            lines.append({"y": top * t.value, "label": f"{t.value:g} x highest "
                          "(demographic parity ratio)"})
    elif metric in ("true_positive_rate", "false_positive_rate"):
        t = cfg.threshold("equalized_odds_difference")
        if t:
            y = top - t.value if metric == "true_positive_rate" else low + t.value
            sign = "-" if metric == "true_positive_rate" else "+"
            which = "highest" if metric == "true_positive_rate" else "lowest"
            lines.append({"y": y, "label": f"{which} {sign} {t.value:g} (equalized odds)"})
    return [line for line in lines if line["y"] >= 0]


def group_figure(result: FairnessResult, *, metric: str = "selection_rate",
                 feature: str | None = None) -> go.Figure:
    """Bars of a per-group metric for one sensitive feature, with the threshold lines.

    Bars of groups below the minimum size are hatched and say so on hover.

    Raises
    ------
    ValidationError
        Unknown metric or feature.
    """
    import plotly.graph_objects as go

    features = list(result.group_sizes)
    feature = feature or features[0]
    if feature not in features:
        raise ValidationError(f"no sensitive feature {feature!r} in this result (features: "
                              f"{', '.join(features)})")
    if metric not in result.by_group.columns or metric in ("feature", "group", "reliable"):
        options = [c for c in _LABELS if c in result.by_group.columns]
        raise ValidationError(f"no per-group metric {metric!r}; use one of {', '.join(options)}")
    rows = result.by_group[result.by_group["feature"] == feature]
    reliable = rows["reliable"].tolist()
    fig = go.Figure(go.Bar(
        x=[plotly_text(g) for g in rows["group"].astype(str)],
        y=rows[metric].astype(float).tolist(),
        customdata=[[int(c), "" if ok else " (below the minimum group size: unreliable)"]
                    for c, ok in zip(rows["count"], reliable)],
        hovertemplate="%{x}: %{y:.3f}<br>%{customdata[0]} rows%{customdata[1]}<extra></extra>",
        marker={"color": ["#0969da" if ok else "#8c959f" for ok in reliable],
                    "pattern": {"shape": ["" if ok else "/" for ok in reliable]}},
        text=[f"{v:.2f}" if not math.isnan(v) else "n/a" for v in rows[metric].astype(float)],
        textposition="outside", name=plotly_text(_LABELS.get(metric, metric))))
    # labels on a white ground, the upper line's above it and the lower's below, so two close
    # lines (parity difference and ratio) never print their labels on top of each other
    lines = sorted(threshold_lines(result, metric, feature), key=lambda ln: -ln["y"])
    for i, line in enumerate(lines):
        fig.add_hline(y=line["y"], line_dash="dash", line_color="#cf222e",
                      annotation_text=plotly_text(line["label"]), annotation_font_size=11,
                      annotation_bgcolor="rgba(255,255,255,0.85)",
                      annotation_position="bottom right" if i % 2 else "top right")
    fig.update_layout(title=plotly_text(f"{_LABELS.get(metric, metric)} by {feature}"),
                      xaxis_title=plotly_text(feature),
                      yaxis_title=plotly_text(_LABELS.get(metric, metric)),
                      yaxis={"range": [0, 1.1] if metric != "count" else None},
                      height=380, margin={"l": 60, "r": 20, "t": 60, "b": 50}, showlegend=False)
    return fig


def metrics_html(result: FairnessResult) -> str:
    """The aggregate metrics with their thresholds, flags and rationale (escaped)."""
    rows = result.metrics.assign(
        value=result.metrics["value"].map(lambda v: f"{v:.3f}"),
        threshold=[f"{'<=' if b == 'max' else '>='} {t:g}" if b else "-"
                   for t, b in zip(result.metrics["threshold"], result.metrics["bound"])],
        flag=[("breach" if br else ("ok" if b else "")) for br, b in
              zip(result.metrics["breach"], result.metrics["bound"])])
    return html_table(rows, {"feature": "Feature", "metric": "Metric", "value": "Value",
                             "threshold": "Threshold", "flag": "", "rationale": "Rationale"},
                      formatters={"flag": lambda f: badge(f) if f else ""})


def by_group_html(result: FairnessResult) -> str:
    """The by-group table (escaped), rates as percentages, small groups flagged."""
    df = result.by_group.copy()
    for col in ("selection_rate", "accuracy", "true_positive_rate", "false_positive_rate"):
        df[col] = df[col].map(lambda v: fmt_pct(v, 1) if not math.isnan(v) else "n/a")
    if "mean_score" in df:
        df["mean_score"] = df["mean_score"].map(lambda v: f"{v:.3f}")
    df["note"] = df["reliable"].map(lambda ok: "" if ok else "below minimum size")
    cols = {"feature": "Feature", "group": "Group", "count": "Rows",
            "selection_rate": "Selection rate", "accuracy": "Accuracy",
            "true_positive_rate": "TPR", "false_positive_rate": "FPR"}
    if "mean_score" in df:
        cols["mean_score"] = "Mean score"
    cols["note"] = ""
    return html_table(df, cols, formatters={"note": lambda n: badge(n, "#bc4c00") if n else ""})


def report_html(result: FairnessResult) -> str:
    """Summary, warnings, metrics and the by-group table as one escaped HTML block."""
    warn = "".join(f"<li>{esc(w)}</li>" for w in result.warnings)
    warn_html = (f'<div class="wb-warnings" style="color:#9a6700"><b>Warnings</b><ul>{warn}'
                 "</ul></div>") if warn else ""
    return (f'<div class="wb-fairness"><p>{esc(result.summary())}</p>'
            f"<p style='color:#57606a;font-size:0.85em'>Data fingerprint (SHA-256): "
            f"<code>{esc(result.fingerprint)}</code>. Thresholds are screening levels with a "
            f"stated rationale, not verdicts.</p>{warn_html}"
            f"<h4>Metrics</h4>{metrics_html(result)}<h4>By group</h4>{by_group_html(result)}"
            "</div>")
