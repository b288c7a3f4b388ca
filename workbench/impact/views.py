"""Tables, figures and escaped HTML of an assessment, for notebooks, widgets and reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.impact.model import ImpactAssessment, Likelihood, Severity
from workbench.render import STATUS_COLOURS, badge, esc, html_table, plotly_text

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

    from workbench.impact.classify import Classification
    from workbench.model import AISystem
    from workbench.store import Store, StoredVersion

__all__ = [
    "TIER_COLOURS",
    "SystemImpactView",
    "answer_text",
    "approval_state",
    "assessment_html",
    "classification_html",
    "harms_figure",
    "harms_frame",
    "harms_matrix",
    "linked_evidence",
    "question_text",
    "rule_label",
    "state_badges",
    "system_view",
    "tier_badge",
]

TIER_COLOURS = {"prohibited": "#cf222e", "high_risk": "#bc4c00", "transparency": "#9a6700",
                "minimal": "#1a7f37", "undetermined": "#57606a"}


def tier_badge(tier: str) -> str:
    label = {"high_risk": "high-risk"}.get(tier, tier)
    return badge(label, TIER_COLOURS.get(tier, "#57606a"))


def harms_frame(assessment: ImpactAssessment) -> pd.DataFrame:
    """One row per harm with its ratings, levels, and the measures and risks that treat it."""
    import pandas as pd

    from workbench import catalog

    objectives = dict(zip(catalog.annex_c_objectives()["id"], catalog.annex_c_objectives()["name"]))
    measures: dict[str, list[str]] = {}
    risks: dict[str, list[str]] = {}
    for m in assessment.measures:
        for h in m.harm_ids:
            measures.setdefault(h, []).append(m.id)
            risks.setdefault(h, []).extend(m.risk_ids)
    rows = [{"id": h.id, "party": h.party, "objective": h.objective,
             "objective_name": objectives.get(h.objective, h.objective),
             "description": h.description, "severity": h.severity.value,
             "severity_level": h.severity.level, "likelihood": h.likelihood.value,
             "likelihood_level": h.likelihood.level, "reversibility": h.reversibility.value,
             "scale": h.scale.value, "measures": measures.get(h.id, []),
             "risk_ids": sorted(set(risks.get(h.id, []))),
             "mitigated": h.id in measures} for h in assessment.harms]
    columns = ["id", "party", "objective", "objective_name", "description", "severity",
               "severity_level", "likelihood", "likelihood_level", "reversibility", "scale",
               "measures", "risk_ids", "mitigated"]
    return pd.DataFrame(rows, columns=columns)


def harms_matrix(assessment: ImpactAssessment) -> pd.DataFrame:
    """Counts of harms by severity (rows, most severe first) and likelihood (columns)."""
    import pandas as pd

    frame = harms_frame(assessment)
    sev = [s.value for s in reversed(Severity)]
    lik = [v.value for v in Likelihood]
    table = pd.crosstab(pd.Categorical(frame["severity"], categories=sev),
                        pd.Categorical(frame["likelihood"], categories=lik), dropna=False)
    table.index.name, table.columns.name = "severity", "likelihood"
    return table.reindex(index=sev, columns=lik, fill_value=0).astype(int)


def harms_figure(assessment: ImpactAssessment) -> go.Figure:
    """A severity x likelihood heatmap of the harms, counts as text, harm ids on hover."""
    import plotly.graph_objects as go

    matrix = harms_matrix(assessment)
    frame = harms_frame(assessment)
    hover = [[plotly_text(", ".join(frame.loc[(frame["severity"] == s)
                                              & (frame["likelihood"] == lk), "id"]) or "none")
              for lk in matrix.columns] for s in matrix.index]
    counts = matrix.to_numpy()
    fig = go.Figure(go.Heatmap(
        z=counts, x=[c.replace("_", " ") for c in matrix.columns],
        y=list(matrix.index), text=[[str(n) if n else "" for n in row] for row in counts],
        texttemplate="%{text}", textfont={"size": 15},
        customdata=hover, hovertemplate="%{y} x %{x}: %{customdata}<extra></extra>",
        colorscale=[[0, "#f6f8fa"], [1, "#bc4c00"]], showscale=False))
    fig.update_layout(title="Harms by severity and likelihood", xaxis_title="likelihood",
                      yaxis_title="severity", height=360,
                      margin={"l": 80, "r": 20, "t": 50, "b": 50})
    return fig


def linked_evidence(store: Store, assessment: ImpactAssessment) -> pd.DataFrame:
    """Evidence linked to the assessment, or about its system under controls A.5.2 to A.5.5.

    Reports generated from the assessment (evidence of kind ``report``) describe it rather
    than support it, so they are left out. Columns ``id``, ``title``, ``evidence_kind``,
    ``control_ids``, ``collected_at``, ``expires_at``, ``linked`` (True when the evidence
    links to this assessment).
    """
    import pandas as pd

    columns = ["id", "title", "evidence_kind", "control_ids", "collected_at", "expires_at",
               "linked"]
    ev = store.frame("evidence", meta=False)
    if ev.empty:
        return pd.DataFrame(columns=columns)
    linked = ev["links"].map(lambda links: any(
        link.get("kind") == "impact_assessment" and link.get("id") == assessment.id
        for link in (links or [])))
    about = ev["system_ids"].map(lambda ids: assessment.system_id in (ids or []))
    impact = ev["control_ids"].map(lambda c: any(x.startswith("A.5.") for x in (c or [])))
    out = ev[(linked | (about & impact)) & (ev["evidence_kind"] != "report")].copy()
    out["linked"] = linked[out.index].astype(bool)
    return out[columns].sort_values("collected_at", ascending=False).reset_index(drop=True)


def rule_label(rule_id: str) -> str:
    """A catalog rule as people read it, its id in brackets: ``Art. 9 Risk management
    system (art9)``, ``Recruitment and selection (annex3.4.a)``."""
    from workbench import catalog

    try:
        item = catalog.get(rule_id)
    except Exception:  # noqa: BLE001 - an id outside the catalog reads as itself
        return str(rule_id)
    title = getattr(item, "title", "") or ""
    number = getattr(item, "number", None) or getattr(item, "point", None)
    if number and str(rule_id).startswith("art"):
        return f"Art. {number} {title} ({rule_id})".replace("  ", " ")
    return f"{title} ({rule_id})" if title else str(rule_id)


def answer_text(question_id: str, answer: object) -> str:
    """An answer as people read it: option labels, catalog titles with their ids in brackets."""
    from workbench.impact.questionnaire import questionnaire

    values = list(answer) if isinstance(answer, (list, tuple)) else [answer]
    q = questionnaire()
    options = {}
    if question_id in q:
        options = {str(o.value): o.label for o in q.question(question_id).options if o.label}
    out = []
    for value in values:
        if value is None:
            continue
        text = str(value)
        if text in options:
            out.append(options[text])
        elif "." in text and not text.replace(".", "").isdigit():
            out.append(rule_label(text))
        else:
            out.append(text)
    return ", ".join(out)


def question_text(question_id: str) -> str:
    """The question's text with its id in brackets (the id alone when it is unknown)."""
    from workbench.impact.questionnaire import questionnaire

    if not question_id:
        return ""
    q = questionnaire()
    return f"{q.question(question_id).text} ({question_id})" if question_id in q \
        else str(question_id)


def classification_html(result: Classification, *, all_steps: bool = False) -> str:
    """The tier, the obligations with their titles, open questions and the reasoning.

    Rules, questions and answers read as their titles and texts, each with its catalog or
    question id in brackets.
    """
    from workbench import catalog

    parts = [f'<div class="wb-eu-tier"><b>EU AI Act:</b> {tier_badge(result.tier)}']
    if result.gpai != "none":
        parts.append(f" &nbsp;<b>GPAI model:</b> {esc(result.gpai)}")
    parts.append(f" &nbsp;<span style='color:#57606a'>as {esc(' and '.join(result.roles))}"
                 "</span></div>")
    if result.missing:
        items = "".join(f"<li>{esc(question_text(m))}</li>" for m in result.missing)
        head = ("Answer these to determine the tier" if result.undetermined
                else "Answer these to complete the obligations")
        parts.append(f'<div class="wb-missing"><b>{esc(head)}:</b><ul>{items}</ul></div>')
    if result.obligations:
        rows = [{"article": rule_label(a).rsplit(" (", 1)[0], "id": a,
                 "summary": getattr(catalog.get(a), "summary", "") or ""}
                for a in result.obligations]
        parts.append("<div><b>Obligations for the organization's role</b>"
                     f"{html_table(rows, {'article': 'Article', 'summary': 'What it asks'})}"
                     "</div>")
    steps = result.reasoning if all_steps else [
        s for s in result.reasoning if s.effect != "rules_out"]
    rows = [{"rule": rule_label(s.rule), "question": question_text(s.question),
             "answer": answer_text(s.question, s.answer), "conclusion": s.conclusion}
            for s in steps]
    headers = {"rule": "Rule", "question": "Question", "answer": "Answer",
               "conclusion": "Conclusion"}
    parts.append(f"<div><b>Reasoning</b>{html_table(rows, headers)}</div>")
    return "\n".join(parts)


def _field(label: str, value: object) -> str:
    if value in (None, "", [], ()):
        value = "-"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    return (f'<tr><th style="text-align:left;vertical-align:top;padding:2px 10px 2px 0;'
            f'color:#57606a;font-weight:normal">{esc(label)}</th>'
            f'<td style="text-align:left">{esc(value)}</td></tr>')


def _day(value: object) -> str:
    """A date as people read it (``17 Oct 2026``); other values as text."""
    import datetime as dt
    import math

    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, (dt.date, dt.datetime)):
        try:
            return value.strftime("%d %b %Y").lstrip("0")
        except ValueError:  # NaT
            return ""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _words(value: object) -> str:
    """An enum value as a word (``hard_to_reverse`` -> ``hard to reverse``)."""
    text = getattr(value, "value", value)
    return "" if text is None else str(text).replace("_", " ")


_STATE_WORDS = {"none": "sign-off not requested", "approved": "approved",
                "pending": "sign-off pending", "stale": "approval stale",
                "rejected": "rejected", "changes_requested": "changes requested",
                "outdated": "sign-off request outdated"}


def state_badges(status: str, approval: str | None = None) -> str:
    """The assessment's status and its derived sign-off state, as labelled badges.

    A submitted assessment whose current version is approved shows one badge, *approved*:
    approval is the step after submission, not a second status beside it.
    """
    if status == "submitted" and approval == "approved":
        return badge("approved", STATUS_COLOURS.get("approved"),
                     title="submitted, and this version is approved through sign-off")
    out = badge(status, title="status of the assessment")
    if approval and approval not in ("none", status):
        out += " " + badge(_STATE_WORDS.get(approval, approval), STATUS_COLOURS.get(approval),
                           title="sign-off")
    return out


def assessment_html(assessment: ImpactAssessment, *, state: str | None = None,
                    names: Mapping[str, str] | None = None) -> str:
    """The assessment's ISO/IEC 42005 content as escaped HTML (no harms matrix, no evidence).

    Parameters
    ----------
    state
        A derived state to show next to the status (e.g. ``approved`` from sign-off).
    names
        Display names of the ids the assessment mentions (the system, people, risks); ids
        without a name are shown as they are.
    """
    a = assessment
    n = dict(names or {})

    def who(value: object) -> str:
        return n.get(str(value), str(value)) if value else ""

    title = (f"Impact assessment of {who(a.system_id)}, {_day(a.assessed_on)}" if names
             else a.display_name())
    ident = "".join([
        _field("System", who(a.system_id)), _field("System version", a.system_version),
        _field("Assessor", who(a.assessor)), _field("Assessed on", _day(a.assessed_on)),
        _field("Trigger", f"{_words(a.trigger).capitalize()}"
               + (f": {a.trigger_detail}" if a.trigger_detail else "")),
        _field("Review due", _day(a.review_due)),
        _field("Re-assessment triggers", a.reassessment_triggers),
    ])
    system = "".join([
        _field("Scope", a.scope), _field("Description", a.system_description),
        _field("Capabilities", a.capabilities), _field("Purpose", a.purpose),
        _field("Intended uses", a.intended_uses),
        _field("Unintended uses and foreseeable misuse", a.unintended_uses),
        _field("Failure modes", a.failure_modes),
        _field("Data sources", a.data.sources), _field("Data provenance", a.data.provenance),
        _field("Data quality", a.data.quality),
        _field("Representativeness", a.data.representativeness),
        _field("Data gaps", a.data.gaps), _field("Model", a.model_info.model_type),
        _field("Model versions", a.model_info.versions),
        _field("Performance", a.model_info.performance),
        _field("Limitations", a.model_info.limitations),
        _field("Geography", a.deployment.geography), _field("Languages", a.deployment.languages),
        _field("Deployment constraints", a.deployment.constraints),
    ])
    thresholds = html_table([{"use": t.use, "condition": t.condition,
                              "response": _words(t.response).capitalize() if t.response else "",
                              "notes": t.notes} for t in a.sensitive_use_thresholds],
                            {"use": "Sensitive or restricted use", "condition": "Threshold",
                             "response": "Response", "notes": "Notes"},
                            empty="No thresholds for sensitive uses recorded.")
    parties = html_table([{"name": p.name, "category": _words(p.category).capitalize(),
                           "description": p.description} for p in a.interested_parties],
                         {"name": "Party", "category": "Category", "description": "Notes"},
                         empty="No interested parties recorded.")
    benefits = html_table([{"party": b.party, "description": b.description,
                            **{k: _words(getattr(b, k)) if getattr(b, k) else "not rated"
                               for k in ("severity", "likelihood", "scale")}}
                           for b in a.benefits],
                          {"party": "Party", "description": "Benefit", "severity": "Severity",
                           "likelihood": "Likelihood", "scale": "Scale"},
                          empty="No benefits recorded.")
    measures = html_table([{"id": m.id, "description": m.description, "harm_ids": m.harm_ids,
                            "risks": "; ".join(who(r) for r in m.risk_ids),
                            "status": _words(m.status).capitalize(), "owner": who(m.owner)}
                           for m in a.measures],
                          {"id": "Measure", "description": "Description", "harm_ids": "Harms",
                           "risks": "Risks", "status": "Status", "owner": "Owner"},
                          empty="No measures recorded.")
    closing = "".join([_field("Conclusion", a.conclusion), _field("Reporting", a.reporting),
                       _field("Monitoring", a.monitoring)])
    table = '<table class="wb-fields" style="font-size:0.9em">{}</table>'
    return (f'<div class="wb-assessment"><h3>{esc(title)} '
            f"{state_badges(a.status.value, state)}</h3>"
            f"{table.format(ident)}<h4>System, data and deployment</h4>{table.format(system)}"
            f"<h4>Thresholds for sensitive uses</h4>{thresholds}"
            f"<h4>Interested parties</h4>{parties}<h4>Benefits</h4>{benefits}"
            f"<h4>Measures</h4>{measures}<h4>Conclusion</h4>{table.format(closing)}</div>")


def approval_state(store: Store, assessment_id: str) -> str:
    """The sign-off state of an assessment (``approved``, ``stale``, ``pending``...), or
    ``none`` when there is no sign-off activity or the sign-off feature is not installed."""
    from workbench.errors import NotFoundError

    try:
        from workbench import oversight  # type: ignore[attr-defined]

        status = oversight.status(store, "impact_assessment", assessment_id)
    except (ImportError, AttributeError, NotFoundError):
        return "none"
    return str(getattr(status, "state", "none"))


@dataclass
class SystemImpactView:
    """Everything the impact notebook shows about one system, computed by the library.

    ``names`` maps the ids the assessment mentions (the system, people, risks) to the names
    people know them by, so the notebook shows names, not ids.
    """

    system: AISystem
    version: StoredVersion | None
    classification: Classification
    evidence: pd.DataFrame
    approval: str = "none"
    names: dict[str, str] = field(default_factory=dict)

    @property
    def assessment(self) -> ImpactAssessment | None:
        return None if self.version is None else self.version.record

    def header_html(self) -> str:
        s = self.system
        if self.assessment is None:
            state = badge("none", title="no assessment")
            note = "No impact assessment yet: none has been recorded for this system."
        else:
            state = state_badges(self.assessment.status.value, self.approval)
            v = self.version
            saved = v.saved_at.strftime("%d %b %Y").lstrip("0")  # type: ignore[union-attr]
            note = (f"Version {v.version} of the assessment, saved by "  # type: ignore[union-attr]
                    f"{self.names.get(v.author, v.author)} on {saved}")  # type: ignore[union-attr]
        return (f'<h2 style="margin-bottom:4px">{esc(s.name)}</h2>'
                f'<div style="margin-bottom:6px">{state}</div><p>{esc(s.purpose)}</p>'
                f"<p style='color:#57606a'>{esc(note)}</p>")

    def classification_html(self) -> str:
        return classification_html(self.classification)

    def assessment_html(self) -> str:
        if self.assessment is None:
            return "<p class='wb-empty'>No impact assessment recorded.</p>"
        return assessment_html(self.assessment, state=self.approval, names=self.names)

    def harms_frame(self) -> pd.DataFrame:
        if self.assessment is None:
            import pandas as pd

            return pd.DataFrame()
        return harms_frame(self.assessment)

    def harms_html(self) -> str:
        frame = self.harms_frame()
        if not frame.empty:
            frame = frame.assign(
                risks=frame["risk_ids"].map(lambda ids: "; ".join(self.names.get(r, r)
                                                                  for r in ids)),
                reversibility=frame["reversibility"].map(_words),
                severity=frame["severity"].map(_words),
                likelihood=frame["likelihood"].map(_words))
        return html_table(frame, {"id": "Harm", "party": "Party", "objective_name": "Objective",
                                  "severity": "Severity", "likelihood": "Likelihood",
                                  "reversibility": "Reversibility", "scale": "Scale",
                                  "measures": "Measures", "risks": "Risks",
                                  "description": "Description"},
                          empty="No harms recorded.")

    def harms_figure(self) -> go.Figure:
        if self.assessment is None:
            import plotly.graph_objects as go

            return go.Figure(layout={
                "height": 110, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
                "xaxis": {"visible": False}, "yaxis": {"visible": False},
                "plot_bgcolor": "#fff", "paper_bgcolor": "#fff",
                "annotations": [{"text": "No harms recorded: there is no impact assessment.",
                                 "showarrow": False, "xref": "paper", "yref": "paper",
                                 "x": 0, "y": 0.5, "xanchor": "left",
                                 "font": {"color": "#57606a", "size": 14}}]})
        return harms_figure(self.assessment)

    def evidence_html(self) -> str:
        ev = self.evidence
        if not ev.empty:  # the title, with the record's id as a reference to look it up
            ev = ev.assign(
                named=[f'{esc(t)} <span style="color:#57606a;font-size:0.85em">({esc(i)})'
                       "</span>" for t, i in zip(ev["title"], ev["id"], strict=True)],
                kind=ev["evidence_kind"].map(lambda k: _words(k).capitalize()),
                collected=ev["collected_at"].map(_day), expires=ev["expires_at"].map(_day))
        return html_table(ev, {"named": "Evidence", "kind": "Kind", "control_ids": "Controls",
                               "collected": "Collected", "expires": "Expires"},
                          formatters={"named": str},
                          empty="No evidence linked to this assessment yet.")


def _names(store: Store, system: AISystem, assessment: ImpactAssessment | None
           ) -> dict[str, str]:
    """Names of the system, the people and the risks the assessment mentions (keyed reads)."""
    names = {system.id: system.name}
    people = store.frame("person", meta=False)
    names |= dict(zip(people["id"], people["name"]))
    if assessment is not None:
        for risk_id in {r for m in assessment.measures for r in m.risk_ids}:
            found = store.find("risk", risk_id)
            if found is not None:
                names[risk_id] = f"{found.content.get('title') or risk_id} ({risk_id})"
    return names


def system_view(store: Store, system_id: str) -> SystemImpactView:
    """The system's latest assessment, classification, approval and linked evidence.

    Raises
    ------
    NotFoundError
        No such AI system.
    """
    import pandas as pd

    from workbench.impact.assess import classify_system, latest_assessment

    system = store.get("ai_system", system_id).record
    version = latest_assessment(store, system_id)
    classification = classify_system(store, system_id)
    if version is None:
        return SystemImpactView(system, None, classification, pd.DataFrame(),
                                names=_names(store, system, None))
    return SystemImpactView(system, version, classification,
                            linked_evidence(store, version.record),
                            approval_state(store, version.record_id),
                            names=_names(store, system, version.record))
