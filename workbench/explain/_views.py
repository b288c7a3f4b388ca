"""Figures (plotly) and escaped HTML for explanations and decisions.

Feature names and group names come from the user's data, so every one that reaches a plotly
label goes through :func:`plotly_text` (plotly renders a subset of HTML in labels) and every
one that reaches HTML through :func:`workbench.render.esc`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workbench.render import badge, esc, fmt_int, html_table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

    from workbench.explain._decision import DecisionExplanation

__all__ = [
    "calibration_figure",
    "decision_html",
    "explanation_html",
    "group_figure",
    "importance_figure",
    "partial_dependence_figure",
    "plotly_text",
]

_BLUE, _ORANGE, _GREY = "#0969da", "#bc4c00", "#57606a"
_SCORE_AXIS = {"probability": "mean predicted probability", "decision": "mean decision score",
               "prediction": "mean prediction"}


def plotly_text(value: Any) -> str:
    """Text for a plotly label, title or hover, shown as typed (no markup, link, maths or
    template placeholder): the one place explanation figures escape what they label."""
    from workbench.render import plotly_text as safe

    return safe(value)


#: Figures keep a fixed width so a printed report (A4) shows them whole.
WIDTH = 680


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title=plotly_text(title), height=height, width=WIDTH,
                      plot_bgcolor="#ffffff", margin={"l": 10, "r": 30, "t": 60, "b": 40})
    return fig


def importance_figure(importance: pd.DataFrame, *, title_suffix: str = "",
                      max_features: int = 20) -> go.Figure:
    """Horizontal bars of permutation importance, error bars spanning the repeats' min-max."""
    import plotly.graph_objects as go

    top = importance.head(max_features)
    names = [plotly_text(f) for f in top["feature"]]
    mean = top["importance_mean"].astype(float)
    fig = go.Figure(go.Bar(
        x=list(mean), y=names, orientation="h", marker_color=_BLUE,
        error_x={"type": "data", "symmetric": False,
                 "array": list(top["importance_max"].astype(float) - mean),
                 "arrayminus": list(mean - top["importance_min"].astype(float))},
        hovertext=[f"{n}<br>mean {m:.4f} ± {s:.4f} (std)" for n, m, s in
                   zip(names, mean, top["importance_std"].astype(float), strict=True)],
        hoverinfo="text"))
    fig.update_layout(xaxis={"title": "drop in score when the feature is shuffled",
                             "zeroline": True},
                      yaxis={"autorange": "reversed", "automargin": True})
    suffix = f" (model {title_suffix})" if title_suffix else ""
    return _layout(fig, f"Permutation importance{suffix}", max(280, 28 * len(top) + 120))


def partial_dependence_figure(pdp: pd.DataFrame, *, score_kind: str = "probability"
                              ) -> go.Figure:
    """One panel per feature: the model's mean score as the feature takes each value."""
    import pandas as pd
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    features = list(dict.fromkeys(pdp["feature"])) if not pdp.empty else []
    if not features:
        fig = go.Figure()
        return _layout(fig, "Partial dependence: nothing to show", 260)
    fig = make_subplots(rows=1, cols=len(features),
                        subplot_titles=[plotly_text(f) for f in features], shared_yaxes=True)
    for n, name in enumerate(features, start=1):
        part = pdp[pdp["feature"] == name]
        numeric = bool(pd.to_numeric(part["value"], errors="coerce").notna().all())
        x = list(part["value"].astype(float)) if numeric else [plotly_text(v) for v in
                                                                part["value"]]
        trace = (go.Scatter(x=x, y=list(part["average"]), mode="lines+markers",
                            line={"color": _BLUE}, name=plotly_text(name))
                 if numeric else go.Bar(x=x, y=list(part["average"]), marker_color=_BLUE,
                                        name=plotly_text(name)))
        fig.add_trace(trace, row=1, col=n)
    fig.update_yaxes(title_text=_SCORE_AXIS.get(score_kind, "mean score"), row=1, col=1)
    fig.update_layout(showlegend=False)
    return _layout(fig, "Partial dependence of the most important features", 320)


def calibration_figure(calibration: pd.DataFrame | None) -> go.Figure:
    """Reliability diagram: observed share of positives against mean predicted probability."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated",
                               line={"dash": "dash", "color": _GREY}))
    if calibration is None or calibration.empty:
        return _layout(fig, "Calibration: the model gives no probabilities", 320)
    fig.add_trace(go.Scatter(
        x=list(calibration["mean_predicted"]), y=list(calibration["fraction_positive"]),
        mode="lines+markers", name="model", line={"color": _ORANGE},
        hovertext=[f"{fmt_int(c)} rows: predicted {m:.2f}, observed {f:.2f}" for c, m, f in
                   zip(calibration["count"], calibration["mean_predicted"],
                       calibration["fraction_positive"], strict=True)], hoverinfo="text"))
    fig.update_layout(xaxis={"title": "mean predicted probability", "range": [0, 1]},
                      yaxis={"title": "observed share of positives", "range": [0, 1]},
                      legend={"x": 0.02, "y": 0.98, "bgcolor": "rgba(255,255,255,0.8)"})
    return _layout(fig, "Calibration", 340)


def group_figure(by_group: pd.DataFrame, *, metric: str | None = None,
                 feature: str | None = None) -> go.Figure:
    """A bar per group of one sensitive feature for one metric (default: accuracy, or the
    mean absolute error of a regressor)."""
    import plotly.graph_objects as go

    if by_group is None or by_group.empty:
        return _layout(go.Figure(), "Performance by group: no sensitive feature given", 260)
    metric = metric or ("accuracy" if "accuracy" in by_group.columns else
                        "mean_absolute_error")
    feature = feature or str(by_group["feature"].iloc[0])
    part = by_group[by_group["feature"] == feature]
    fig = go.Figure(go.Bar(x=[plotly_text(g) for g in part["group"]],
                           y=list(part[metric].astype(float)), marker_color=_BLUE,
                           hovertext=[f"{plotly_text(g)}: {fmt_int(c)} rows" for g, c in
                                      zip(part["group"], part["count"], strict=True)],
                           hoverinfo="text+y"))
    fig.update_layout(xaxis={"title": plotly_text(feature)},
                      yaxis={"title": metric.replace("_", " ")})
    return _layout(fig, f"{metric.replace('_', ' ').capitalize()} by {feature}", 320)


# --------------------------------------------------------------------------- HTML


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return esc(value)


def explanation_html(details: Mapping[str, Any], *, top: int = 10) -> str:
    """An explanation's figures as tables (from :meth:`ExplanationResult.details`, which is
    also what the evidence record keeps)."""
    model = details.get("model") or {}
    ident = (model.get("sha256") or "")[:12] or model.get("declared_version") or "unknown"
    head = (f"<p><b>{esc(model.get('estimator', 'model'))}</b> {esc(ident)} explained on "
            f"{fmt_int(details.get('sample_size', 0))} rows (data fingerprint "
            f"{esc(str(details.get('data_fingerprint', ''))[:12])}); target "
            f"<code>{esc(details.get('target', ''))}</code>.</p>")
    imp = [{"feature": r["feature"], "mean": _fmt(r["importance_mean"], 4),
            "spread": f"{_fmt(r['importance_min'], 4)} to {_fmt(r['importance_max'], 4)}"}
           for r in (details.get("importance") or [])[:top]]
    settings = details.get("settings") or {}
    parts = [head, "<h4>Permutation importance</h4>",
             html_table(imp, {"feature": "Feature", "mean": "Mean drop in score",
                              "spread": "Range over repeats"}),
             f'<p style="color:{_GREY};font-size:0.85em">{esc(settings.get("n_repeats"))} '
             f"repeats, random state {esc(settings.get('random_state'))}, scored by "
             f"{esc(settings.get('scorer'))}.</p>"]
    perf = details.get("performance") or {}
    parts += ["<h4>Performance</h4>",
              html_table([{"metric": k.replace("_", " "), "value": _fmt(v)}
                          for k, v in perf.items()], {"metric": "Metric", "value": "Value"})]
    groups = details.get("by_group") or []
    if groups:
        cols = [c for c in ("feature", "group", "count", "accuracy", "selection_rate",
                            "true_positive_rate", "false_positive_rate",
                            "mean_absolute_error") if c in groups[0]]
        rows = [{c: (_fmt(g.get(c)) if isinstance(g.get(c), float) else g.get(c))
                 for c in cols} for g in groups]
        parts += ["<h4>Performance by group</h4>",
                  html_table(rows, {c: c.replace("_", " ").capitalize() for c in cols})]
    if details.get("shap"):
        parts += ["<h4>Mean absolute SHAP value</h4>",
                  html_table([{"feature": r["feature"], "value": _fmt(r["mean_abs_shap"], 4)}
                              for r in details["shap"][:top]],
                             {"feature": "Feature", "value": "Mean |SHAP|"})]
    for note in details.get("notes") or []:
        parts.append(f'<p style="color:{_GREY};font-size:0.85em">{esc(note)}</p>')
    return '<div class="wb-explanation">' + "".join(parts) + "</div>"


def decision_html(explanation: DecisionExplanation) -> str:
    """A decision's explanation for the person concerned: the score, the top factors as a
    table, how it was computed and its limits."""
    lines = explanation.sentences()
    factors = explanation.top_factors
    from workbench.explain._decision import _fmt_value

    rows = [{"n": str(r.rank), "factor": r.label, "value": _fmt_value(r.value),
             "effect": r.direction,
             "size": "" if r.direction == "no effect" else explanation._amount(r.contribution),
             "typical": _fmt_value(r.typical)} for r in factors.itertuples()]
    colour = {"raised": "#1a7f37", "lowered": "#cf222e", "no effect": _GREY}
    table = html_table(rows, {"n": "#", "factor": "Factor", "value": "This case",
                              "effect": "Effect", "size": "By", "typical": "Typical value"},
                       formatters={"effect": lambda v: badge(v, colour.get(v, _GREY))})
    limits = "".join(f"<li>{esc(item)}</li>" for item in explanation.limits)
    caveats = "".join(
        f'<p style="font-size:0.9em">{esc(r.label)}: {esc(explanation.against_trend(r))}</p>'
        for r in factors.itertuples()
        if r.direction != "no effect" and explanation.against_trend(r))
    return (f'<div class="wb-decision"><p>{esc(lines[0])}</p>{table}{caveats}'
            f'<p style="margin-top:8px"><b>How this was worked out.</b> '
            f"{esc(explanation.method_description)}</p>"
            f'<p style="margin-bottom:2px"><b>Limits.</b></p><ul style="margin-top:2px">'
            f"{limits}</ul></div>")


def feature_list(features: Sequence[str]) -> str:
    return ", ".join(esc(f) for f in features)
