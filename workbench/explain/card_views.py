"""A model card as escaped HTML, section by section in the order of ``sections.yaml``, with
its state (status, sign-off, stale and why) on top; and the figures of the explanation it
was filled from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.explain.model import sections
from workbench.render import STATUS_COLOURS, badge, esc, fmt_int, html_table

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from workbench.explain.card import CardState
    from workbench.explain.model import ModelCard
    from workbench.store import Store

__all__ = ["CardView", "card_figures", "card_html", "card_view", "state_badges", "state_html"]

_MUTED = "color:#57606a"
_LABELS = {
    "provider": "Provider", "intended_purpose": "Intended purpose",
    "intended_uses": "Intended uses", "accuracy_metrics": "Metrics (held-out data)",
    "accuracy_by_group": "By group", "accuracy_statement": "Expected accuracy",
    "known_limitations": "Known limitations", "foreseeable_misuse": "Foreseeable misuse",
    "limitations_notes": "Further limitations", "interpretation": "How the output is explained",
    "interpretation_notes": "Reading the output", "input_features": "Input features",
    "training_data": "Training and test data", "input_data_notes": "Input requirements",
    "planned_changes": "Planned changes", "oversight": "Oversight (inventory)",
    "human_oversight": "Human oversight measures", "monitoring": "Monitoring evidence",
    "computational_resources": "Computing resources", "expected_lifetime": "Expected lifetime",
    "maintenance": "Maintenance and care", "log_evidence": "Logging evidence",
    "logging": "Logs: collection, storage, interpretation",
}


def state_badges(state: CardState) -> str:
    """The card's status (``card submitted``), its sign-off state (``sign-off approved``) and,
    when its sources changed since it was filled, ``sources changed``: three facts, each
    named, so that a card approved before its sources changed reads as both (its sign-off
    going stale is the sign-off's own state)."""
    from workbench.model.states import SignOffState

    if state.stored is None:
        return badge("none")
    parts = [badge(f"card {state.status}")]
    sign = state.signoff_state
    if sign != "none":
        parts.append(badge(f"sign-off {SignOffState.label_of(sign)}", STATUS_COLOURS.get(sign)))
    if state.stale:
        parts.append(badge("sources changed", STATUS_COLOURS["stale"],
                           title="its sources changed since it was filled: fill it again"))
    return " ".join(parts)


def state_html(state: CardState) -> str:
    """Status, sign-off in words, and what changed in the sources of a stale card."""
    if state.stored is None:
        return (f"<p>{badge('none')} No model card has been recorded for this system yet "
                f"(<code>workbench modelcard fill {esc(state.system_id)}</code>).</p>")
    parts = [f"<p>{state_badges(state)} version {fmt_int(state.stored.version)}, saved by "
             f"{esc(state.stored.author)} on {esc(f'{state.stored.saved_at:%Y-%m-%d}')}"]
    if state.signoff is not None:
        parts.append(f"; sign-off: {esc(state.signoff.summary())}")
    parts.append("</p>")
    if state.stale:
        items = "".join(f"<li>{esc(c.text())}</li>" for c in state.changes)
        parts.append(f'<div class="wb-stale" style="border-left:4px solid '
                     f'{STATUS_COLOURS["stale"]};padding:4px 10px;margin:6px 0"><b>Stale:</b> '
                     f"the records it was filled from changed since. Refill it, review it and "
                     f'submit it again.<ul style="margin:2px 0">{items}</ul></div>')
    return "".join(parts)


def _value_html(name: str, value: Any) -> str:
    if value in ("", [], {}, None):
        return f'<span style="{_MUTED}">not recorded</span>'
    if name == "provider":
        return esc(" · ".join(x for x in (value.get("name"), value.get("contact")) if x))
    if name == "accuracy_metrics":
        rows = [{"metric": k.replace("_", " "), "value": "—" if v is None else f"{v:.3f}"}
                for k, v in value.items()]
        return html_table(rows, {"metric": "Metric", "value": "Value"})
    if name == "accuracy_by_group":
        cols = [c for c in ("feature", "group", "count", "accuracy", "selection_rate",
                            "true_positive_rate", "false_positive_rate",
                            "mean_absolute_error") if any(c in r for r in value)]
        rows = [{c: (f"{r[c]:.3f}" if isinstance(r.get(c), float) else r.get(c, ""))
                 for c in cols} | {"reliable": "" if r.get("reliable", True) else "small group"}
                for r in value]
        return html_table(rows, {**{c: c.replace("_", " ").capitalize() for c in cols},
                                 "reliable": ""})
    if name == "input_features":
        rows = [{"name": f["name"], "dtype": f.get("dtype", ""),
                 "importance": "" if f.get("importance") is None else
                 f"{f['importance']:.3f} ± {f.get('importance_std') or 0:.3f}"} for f in value]
        return html_table(rows, {"name": "Feature", "dtype": "Type",
                                 "importance": "Permutation importance"})
    if isinstance(value, list):
        return '<ul style="margin:2px 0">' + "".join(f"<li>{esc(v)}</li>" for v in value) + \
            "</ul>"
    return f'<span style="white-space:pre-wrap">{esc(value)}</span>'


def card_html(card: ModelCard | dict[str, Any], state: CardState | None = None) -> str:
    """The card as HTML: its state, the instructions for use (Art. 13(3)) section by section,
    filled and written parts marked, then the Annex IV outline and the sources."""
    content = card if isinstance(card, dict) else card.model_dump(mode="json")
    spec = sections()
    parts = ['<div class="wb-model-card">']
    if state is not None:
        parts.append(state_html(state))
    version = content.get("model_version") or "not declared"
    fp = (content.get("model_fingerprint") or "")[:12] or "not explained yet"
    parts.append(f'<p style="{_MUTED}">Model version {esc(version)}, fingerprint {esc(fp)}. '
                 '<span title="filled from the records">&#9881; filled</span> · '
                 '<span title="written by a person">&#9998; written</span></p>')
    parts.append('<h3 style="margin-bottom:2px">Instructions for use</h3>')
    for section in spec.instructions_for_use:
        parts.append(f'<h4 style="margin:12px 0 2px 0">{esc(section.title)} '
                     f'<span style="{_MUTED};font-weight:normal;font-size:0.85em">'
                     f"{esc(section.ref)}</span></h4>")
        rows = []
        for name in section.filled + section.written:
            mark = "&#9881;" if name in section.filled else "&#9998;"
            need = ' <span style="color:#cf222e" title="required">*</span>' if \
                name in section.required else ""
            rows.append(f'<tr><th style="text-align:left;vertical-align:top;padding:3px 12px 3px '
                        f'0;{_MUTED};font-weight:500;width:220px">{mark} '
                        f"{esc(_LABELS.get(name, name))}{need}</th><td style=\"padding:3px 0\">"
                        f"{_value_html(name, content.get(name))}</td></tr>")
        parts.append(f'<table class="wb-card-section" data-section="{esc(section.id)}">'
                     f"{''.join(rows)}</table>")
    parts.append('<h3 style="margin-bottom:2px">Technical documentation (Annex IV outline)</h3>')
    filled = {i["id"]: i for i in content.get("annex_iv") or []}
    rows = []
    for point in spec.technical_documentation:
        if point.written:
            text = content.get(point.written) or ""
            how = "written"
        else:
            text = (filled.get(point.id) or {}).get("content", "")
            how = "filled"
        refs = ", ".join((filled.get(point.id) or {}).get("references") or [])
        rows.append({"point": f"{point.ref} {point.title}", "content": text or "not recorded",
                     "how": how, "refs": refs})
    parts.append(html_table(rows, {"point": "Point", "content": "Content", "how": "",
                                   "refs": "Records"}))
    sources = content.get("sources") or []
    if sources:
        parts.append('<h4 style="margin:12px 0 2px 0">Filled from</h4>')
        parts.append(html_table(
            [{"role": s["role"].replace("_", " "), "record": f"{s['kind']} {s['id']}",
              "version": fmt_int(s["version"]), "hash": s["content_hash"][:12]}
             for s in sources],
            {"role": "Source", "record": "Record", "version": "Version", "hash": "Hash"}))
    parts.append("</div>")
    return "".join(parts)


def card_figures(store: Store, card: ModelCard) -> list[go.Figure]:
    """The figures of the explanation evidence the card was filled from (importance, partial
    dependence, calibration); none when it has no explanation source."""
    import pandas as pd

    from workbench.explain import _views as V

    ref = card.source("explanation")
    if ref is None:
        return []
    details = store.get("evidence", ref.id, ref.version).content.get("details") or {}
    imp = pd.DataFrame(details.get("importance") or [])
    figures = []
    if not imp.empty:
        figures.append(V.importance_figure(imp, title_suffix=str(
            ((details.get("model") or {}).get("sha256") or "")[:12])))
    pdp = pd.DataFrame(details.get("partial_dependence") or [])
    if not pdp.empty:
        figures.append(V.partial_dependence_figure(pdp, score_kind=details.get("score_kind",
                                                                               "probability")))
    cal = pd.DataFrame(details.get("calibration") or [])
    if not cal.empty:
        figures.append(V.calibration_figure(cal))
    return figures


class CardView:
    """What the model card report shows for one system: the card (or, without one, the draft
    a fill would record) as HTML, and the figures of its explanation evidence."""

    def __init__(self, html: str, figures: list[go.Figure], recorded: bool) -> None:
        self.html = html
        self.figures = figures
        self.recorded = recorded

    def _repr_html_(self) -> str:
        return self.html


def card_view(store: Store, system_id: str) -> CardView:
    """The model card report of ``system_id``.

    Raises
    ------
    NotFoundError
        No such AI system.
    """
    from workbench.explain.card import card_state, fill

    state = card_state(store, system_id)
    if state.card is not None:
        return CardView(card_html(state.card, state), card_figures(store, state.card), True)
    draft = fill(store, system_id)
    note = (f'<div class="wb-draft" style="border-left:4px solid {STATUS_COLOURS["draft"]};'
            f'padding:4px 10px;margin:6px 0"><b>Not recorded.</b> {esc(system_id)} has no model '
            "card yet; below is what filling it from the records would give today (nothing is "
            "saved). Fill it with <code>workbench modelcard fill "
            f"{esc(system_id)}</code> and write its remaining parts.</div>")
    return CardView(note + card_html(draft), card_figures(store, draft), False)
