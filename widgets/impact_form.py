"""Fill in an AI system impact assessment: sections, inline validation, the EU AI Act tier live.

The form edits the record's ISO/IEC 42005 fields (through model forms) and the screening
questionnaire (one input per question, shown only when it applies). Every change re-checks
the answer beside its question, updates the completeness percentage and re-classifies the
system under the EU AI Act, showing the tier with its reasoning. "Save draft" and "Submit"
go through :func:`workbench.impact.save_assessment`: invalid input, missing required items on
submit, or a conflicting save by someone else leave the store unchanged and the person's input
in place, with the messages next to the questions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from workbench import impact, oversight
from workbench.errors import ConflictError, NotFoundError, ValidationError
from workbench.impact.model import (
    AffectedParty,
    Benefit,
    DataInfo,
    DeploymentInfo,
    Harm,
    ImpactAssessment,
    Measure,
    ModelInfo,
    SensitiveUseThreshold,
)
from workbench.impact.questionnaire import Question, Questionnaire, normalize_answer
from workbench.model.states import SignOffState
from workbench.render import STATUS_COLOURS, badge, esc, html_table
from workbench.widgets._common import (
    OverwriteButton,
    StatusLine,
    message_html,
    reports_errors,
)
from workbench.widgets._form import ModelForm

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["ImpactAssessmentForm", "PartListEditor", "QuestionField"]

_WIDE = W.Layout(width="460px")
IDENT_FIELDS = ["system_version", "assessor", "assessed_on", "trigger", "trigger_detail",
                "scope", "review_due", "reassessment_triggers"]
USES_FIELDS = ["system_description", "capabilities", "purpose", "intended_uses",
               "unintended_uses", "failure_modes"]
CLOSING_FIELDS = ["conclusion", "reporting", "monitoring"]
LABELS = {"unintended_uses": "Unintended uses and foreseeable misuse",
          "sensitive_use_thresholds": "Thresholds for sensitive uses",
          "reassessment_triggers": "Re-assessment triggers", "review_due": "Review due",
          "system_description": "System description", "model_type": "Model type",
          "harm_ids": "Harms", "risk_ids": "Risk records", "risk_source": "Risk source"}


class QuestionField(W.VBox):
    """One question: its label (required marked), an input for its type, help and an error."""

    def __init__(self, question: Question) -> None:
        self.question = question
        marker = (' <span style="color:#cf222e" title="required">*</span>'
                  if question.required else "")
        self.label = W.HTML(f"<b>{esc(question.text)}</b>{marker}")
        self.help = W.HTML(f'<div style="color:#57606a;font-size:0.85em">{esc(question.help)}'
                           "</div>" if question.help else "")
        self.input = self._make()
        self.error = W.HTML()
        super().__init__([self.label, self.help, self.input, self.error],
                         layout=W.Layout(margin="0 0 10px 0"))

    def _make(self) -> W.Widget:
        q = self.question
        if q.type == "yes_no":
            return W.ToggleButtons(options=q.option_labels(), value=None,
                                   style={"button_width": "120px"})
        if q.type == "choice":
            return W.Dropdown(options=[("-", "")] + q.option_labels(), value="", layout=_WIDE)
        if q.type == "multi_choice":
            return W.SelectMultiple(options=q.option_labels(), rows=min(len(q.choices()), 8),
                                    layout=_WIDE)
        if q.type in ("long_text", "list"):
            return W.Textarea(rows=3, layout=_WIDE, placeholder="one per line"
                              if q.type == "list" else "")
        if q.type == "date":
            return W.DatePicker()
        return W.Text(layout=_WIDE)  # text and number (a number may be left empty)

    @property
    def raw(self) -> Any:
        value = self.input.value
        if self.question.type == "multi_choice":
            return list(value)
        return value

    def get(self) -> tuple[Any, str | None]:
        """The answer normalized (None when empty) and an error message, if any."""
        return normalize_answer(self.question, self.raw)

    def set(self, value: Any) -> None:
        q = self.question
        if q.type == "multi_choice":
            allowed = set(q.option_values())
            self.input.value = tuple(v for v in (value or []) if v in allowed)
        elif q.type == "yes_no":
            self.input.value = value if value in q.option_values() else None
        elif q.type == "choice":
            self.input.value = value if value in q.option_values() else ""
        elif q.type == "list":
            self.input.value = "\n".join(value or [])
        elif q.type == "date":
            import datetime as dt

            self.input.value = dt.date.fromisoformat(value) if isinstance(value, str) else value
        else:
            self.input.value = "" if value is None else str(value)

    def show_error(self, message: str) -> None:
        self.error.value = message_html(message, "error")


class PartListEditor(W.VBox):
    """A list of parts (parties, harms, measures...), one model form per item."""

    def __init__(self, model: type, title: str, *, fields: Sequence[str] | None = None,
                 choices: Mapping[str, Any] | None = None, textareas: Sequence[str] = (),
                 noun: str = "item") -> None:
        self.model, self.noun = model, noun
        self.fields, self.choices, self.textareas = fields, dict(choices or {}), textareas
        self.rows: list[ModelForm] = []
        #: Called whenever an item is added, removed or edited (the form's completeness).
        self.changed: Callable[[], None] | None = None
        self.error = W.HTML()
        self.add_button = W.Button(description=f"Add {noun}", icon="plus")
        self.add_button.on_click(lambda _: self.add())
        self._list = W.VBox()
        super().__init__([W.HTML(f"<b>{esc(title)}</b>"), self._list, self.add_button,
                          self.error])

    def _form(self, values: Any = None) -> ModelForm:
        form = ModelForm(self.model, fields=self.fields, values=values, choices=self.choices,
                         textareas=self.textareas, labels=LABELS)
        for field in form.fields.values():
            field.widget.observe(lambda _change: self._changed(), names="value")
        return form

    def _changed(self) -> None:
        if self.changed is not None:
            self.changed()

    def add(self, values: Any = None) -> ModelForm:
        self.rows.append(self._form(values))
        self._render()
        return self.rows[-1]

    def remove(self, index: int) -> None:
        del self.rows[index]
        self._render()

    def set(self, items: Sequence[Any]) -> None:
        self.rows = [self._form(item) for item in items]
        self._render()

    def values(self) -> list[dict[str, Any]]:
        return [form.values() for form in self.rows]

    def set_choices(self, name: str, options: Sequence[Any]) -> None:
        """Replace the options of a multi-select field in every row, keeping valid picks."""
        self.choices[name] = list(options)
        for form in self.rows:
            widget = form.fields[name].widget
            keep = tuple(v for v in widget.value if v in [o[1] if isinstance(o, tuple) else o
                                                        for o in options])
            widget.options = list(options)
            widget.value = keep

    def _render(self) -> None:
        boxes = []
        for i, form in enumerate(self.rows):
            button = W.Button(description=f"Remove {self.noun} {i + 1}", icon="trash",
                              layout=W.Layout(width="200px"))
            button.on_click(lambda _, i=i: self.remove(i))
            boxes.append(W.VBox([W.HTML(f"<i>{esc(self.noun.capitalize())} {i + 1}</i>"), form,
                                 button], layout=W.Layout(border="1px solid #d0d7de",
                                                          padding="4px", margin="2px 0")))
        self._list.children = boxes
        self._changed()

    def clear_errors(self) -> None:
        self.error.value = ""
        for form in self.rows:
            form.clear_errors()

    def show_errors(self, errors: Sequence[tuple[str, str]]) -> None:
        """Errors with paths ``"<index>.<field>"`` (or ``""`` for the list itself)."""
        by_row: dict[int, list[tuple[str, str]]] = {}
        loose = []
        for path, message in errors:
            head, _, rest = path.partition(".")
            if head.isdigit() and int(head) < len(self.rows):
                by_row.setdefault(int(head), []).append((rest or "(record)", message))
            else:
                loose.append(message)
        for index, errs in by_row.items():
            self.rows[index].show_errors(errs)
        self.error.value = message_html("; ".join(loose), "error") if loose else ""


class ImpactAssessmentForm(W.VBox):
    """Fill in, save and submit a system's impact assessment.

    Parameters
    ----------
    store
        The workbench store.
    system_id
        The AI system assessed; its latest assessment opens, or a new draft pre-filled from
        the inventory record.
    questionnaire
        The questionnaire to use (default: the one in force, with an organization's own
        questions from ``WORKBENCH_IMPACT_QUESTIONS``).

    Notes
    -----
    Tests drive it like a person would: set input values, call :meth:`show_section`,
    :meth:`save_draft`, :meth:`submit`; then read ``status``, ``tier``, ``completeness``,
    ``signoff_state``. The sign-off line under the header shows the approval of the saved
    version (approved with who and when, pending with whom, stale with what changed since).
    """

    def __init__(self, store: Store, system_id: str, *,
                 questionnaire: Questionnaire | None = None) -> None:
        self.store = store
        self.questionnaire = questionnaire or impact.questionnaire()
        self.system = store.get("ai_system", system_id).record
        self.status = StatusLine()
        self.error_details = W.Output()
        self.header = W.HTML()
        self.signoff_line = W.HTML()
        self.signoff: oversight.SignOffStatus | None = None
        self.signoff_state = "none"
        self.progress = W.IntProgress(min=0, max=100, description="Complete",
                                      layout=W.Layout(width="340px"))
        self.completeness = W.HTML()
        self.tier = W.HTML()  # the classification with its obligations and reasoning
        self.tier_line = W.HTML()  # the tier in one line, always visible
        self.tier_details = W.Accordion(children=[self.tier],
                                        titles=("Obligations and reasoning",))
        self.record_error = W.HTML()
        self._loading = False
        people = sorted((f"{p.name} ({p.id})", p.id) for p in store.records("person"))
        self._build_sections(people)
        self.save_button = W.Button(description="Save draft", icon="save")
        self.submit_button = W.Button(description="Submit", icon="check", button_style="primary")
        self.reload_button = W.Button(description="Reload", icon="refresh",
                                      tooltip="discard your changes and load the latest version")
        self.overwrite = OverwriteButton(self._save_over)
        self._last_status = "draft"
        self.save_button.on_click(lambda _: self.save_draft())
        self.submit_button.on_click(lambda _: self.submit())
        self.reload_button.on_click(lambda _: self.reload())
        self.nav = W.ToggleButtons(options=[(t, k) for k, (t, _) in self.sections.items()],
                                   style={"button_width": "auto"})
        self.body = W.VBox()
        self.nav.observe(lambda change: self.show_section(change["new"]), names="value")
        super().__init__([
            self.header, self.signoff_line, W.HBox([self.progress, self.completeness]),
            self.tier_line,
            self.tier_details, self.nav,
            self.body, self.record_error,
            W.HBox([self.save_button, self.submit_button, self.reload_button,
                    self.overwrite]),
            self.status, self.error_details,
        ])
        self.reload()
        self.show_section(self.nav.value)

    # -- building ---------------------------------------------------------------------------
    def _build_sections(self, people: list[tuple[str, str]]) -> None:
        from workbench import catalog

        objectives = [(f"{n} ({i})", i) for i, n in zip(catalog.annex_c_objectives()["id"],
                                                       catalog.annex_c_objectives()["name"])]
        sources = [(f"{n} ({i})", i) for i, n in zip(catalog.annex_c_risk_sources()["id"],
                                                    catalog.annex_c_risk_sources()["name"])]
        self.ident = ModelForm(ImpactAssessment, fields=IDENT_FIELDS, labels=LABELS,
                               choices={"assessor": people}, textareas=["scope"])
        self.uses = ModelForm(ImpactAssessment, fields=USES_FIELDS, labels=LABELS,
                              textareas=["system_description", "purpose"])
        self.thresholds = PartListEditor(SensitiveUseThreshold, "Thresholds for sensitive uses",
                                         noun="threshold",
                                         fields=["use", "condition", "response", "notes"])
        self.data_form = ModelForm(DataInfo, labels=LABELS, textareas=["gaps"])
        self.model_form = ModelForm(ModelInfo, labels=LABELS, textareas=["limitations"])
        self.deployment_form = ModelForm(DeploymentInfo, labels=LABELS)
        self.parties = PartListEditor(AffectedParty, "Interested parties", noun="party",
                                      fields=["name", "category", "description"])
        self.benefits = PartListEditor(Benefit, "Benefits", noun="benefit",
                                       fields=["party", "description", "severity",
                                               "likelihood", "scale"])
        self.harms = PartListEditor(Harm, "Harms", noun="harm", textareas=["description"],
                                    fields=["id", "party", "objective", "description",
                                            "severity", "likelihood", "reversibility", "scale",
                                            "risk_source"],
                                    choices={"objective": objectives, "risk_source": sources})
        self.measures = PartListEditor(Measure, "Measures", noun="measure",
                                       fields=["id", "description", "harm_ids", "risk_ids",
                                               "owner", "status"],
                                       choices={"harm_ids": [], "owner": people,
                                                **self._risk_choices()})
        self.closing = ModelForm(ImpactAssessment, fields=CLOSING_FIELDS, labels=LABELS,
                                 textareas=CLOSING_FIELDS)
        for editor in (self.parties, self.benefits, self.harms, self.measures, self.thresholds):
            editor.changed = self._update_progress  # parts count towards a submission
        self.questions: dict[str, QuestionField] = {}
        self.sections: dict[str, tuple[str, W.Widget]] = {
            "identification": ("Identification", self.ident),
            "system": ("System, data, model", W.VBox([
                self.uses, W.HTML("<b>Data</b>"), self.data_form, W.HTML("<b>Model</b>"),
                self.model_form, W.HTML("<b>Deployment</b>"), self.deployment_form,
                self.thresholds])),
            "parties": ("Parties and benefits", W.VBox([self.parties, self.benefits])),
        }
        for section in self.questionnaire.sections:
            fields = []
            for q in section.questions:
                field = QuestionField(q)
                field.input.observe(lambda _change, qid=q.id: self._answer_changed(qid),
                                    names="value")
                self.questions[q.id] = field
                fields.append(field)
            intro = W.HTML(f'<div style="color:#57606a">{esc(section.description)}</div>')
            self.sections[f"q:{section.id}"] = (section.title, W.VBox([intro, *fields]))
        self.sections["harms"] = ("Harms and measures", W.VBox([self.harms, self.measures]))
        self.sections["conclusion"] = ("Conclusion", self.closing)
        for form in (self.ident, self.uses, self.closing):
            for field in form.fields.values():
                field.widget.observe(lambda _c: self._update_progress(), names="value")

    def _risk_choices(self) -> dict[str, Any]:
        try:
            df = self.store.frame("risk", meta=False)
        except (NotFoundError, ImportError):  # without a risk register, risk ids are typed in
            return {}
        mine = df[df["system_id"] == self.system.id] if not df.empty else df
        return {"risk_ids": [(f"{t} ({i})", i) for i, t in zip(mine["id"], mine["title"])]}

    # -- loading and collecting ----------------------------------------------------------------
    @reports_errors()
    def reload(self) -> None:
        """Load the latest saved version (or a new draft), discarding unsaved input."""
        if hasattr(self, "overwrite"):
            self.overwrite.hide()
        found = impact.latest_assessment(self.store, self.system.id)
        if found is None:
            record = impact.new_assessment(self.store, self.system.id)
            self.base_version: int | None = None
        else:
            record, self.base_version = found.record, found.version
        self.assessment_id = record.id
        self.saved_status = record.status.value
        assessor = self.ident.fields["assessor"].widget
        if record.assessor not in [v for _, v in assessor.options]:
            assessor.options = [*assessor.options,
                                (f"{record.assessor} (not a person in this store)",
                                 record.assessor)]
        self._loading = True
        try:
            self._fill(record)
        finally:
            self._loading = False
        self.record_error.value = ""
        self.status.show(f"loaded version {self.base_version}" if self.base_version else
                         "new draft: nothing saved yet", "info")
        self._update()
        self._update_signoff()

    def _fill(self, record: ImpactAssessment) -> None:
        self.ident.set_values(record)
        self.uses.set_values(record)
        self.data_form.set_values(record.data)
        self.model_form.set_values(record.model_info)
        self.deployment_form.set_values(record.deployment)
        self.closing.set_values(record)
        self.parties.set(record.interested_parties)
        self.benefits.set(record.benefits)
        self.thresholds.set(record.sensitive_use_thresholds)
        self.harms.set(record.harms)
        self.measures.choices["harm_ids"] = [h.id for h in record.harms]
        if "risk_ids" in self.measures.choices:  # keep links to risks of other systems
            known = {v for _, v in self.measures.choices["risk_ids"]}
            extra = sorted({r for m in record.measures for r in m.risk_ids} - known)
            self.measures.choices["risk_ids"] = [*self.measures.choices["risk_ids"],
                                                 *((r, r) for r in extra)]
        self.measures.set(record.measures)
        for qid, field in self.questions.items():
            field.set(record.answers.get(qid))
            field.error.value = ""

    def answers(self) -> dict[str, Any]:
        """The answers entered so far (unanswered and invalid ones left out)."""
        out = {}
        for qid, field in self.questions.items():
            value, error = field.get()
            if value is not None and error is None:
                out[qid] = value
        return out

    def collect(self, status: str = "draft") -> dict[str, Any]:
        """Everything entered, as the record's data (raw answers, so errors surface on save)."""
        valid = self.answers()
        kept = self.questionnaire.prune(valid)  # answers to hidden questions are dropped
        raw = {qid: f.raw for qid, f in self.questions.items()
               if qid in kept or (qid not in valid and
                                  self.questionnaire.applies(qid, kept) is True)}
        return {"id": self.assessment_id, "system_id": self.system.id, "status": status,
                **self.ident.values(), **self.uses.values(), **self.closing.values(),
                "data": self.data_form.values(), "model_info": self.model_form.values(),
                "deployment": self.deployment_form.values(),
                "interested_parties": self.parties.values(), "benefits": self.benefits.values(),
                "sensitive_use_thresholds": self.thresholds.values(),
                "harms": self.harms.values(), "measures": self.measures.values(),
                "answers": {k: v for k, v in raw.items() if v not in (None, "", [], ())}}

    # -- live updates --------------------------------------------------------------------------
    def _answer_changed(self, question_id: str) -> None:
        if self._loading:
            return
        field = self.questions[question_id]
        _, error = field.get()
        field.error.value = message_html(error, "error") if error else ""
        self._update()

    def _refresh_harm_choices(self) -> None:
        ids = [h["id"] for h in self.harms.values() if h.get("id")]
        self.measures.set_choices("harm_ids", ids)

    def _update(self) -> None:
        answers = self.answers()
        for qid, field in self.questions.items():
            applies = self.questionnaire.applies(qid, answers)
            field.layout.display = None if applies is True else "none"
        self._update_progress()
        try:
            self.result = impact.classify(answers, org_roles=self.system.org_roles)
            self.tier.value = impact.classification_html(self.result)
            self.tier_line.value = _tier_line(self.result)
        except ValidationError as exc:
            self.result = None
            self.tier.value = self.tier_line.value = message_html(str(exc), "error")
        self._update_header()

    def _update_progress(self) -> None:
        if self._loading:
            return
        data = {**self.collect(), "answers": self.answers()}
        share = impact.completeness(data, questionnaire=self.questionnaire)
        self.progress.value = round(share * 100)
        self.completeness.value = f"<b>{round(share * 100)}%</b> of what a submission needs"

    def _update_header(self) -> None:
        state = badge(self.saved_status) if self.base_version else badge("draft", title="unsaved")
        version = f"version {self.base_version}" if self.base_version else "not saved yet"
        self.header.value = (f"<h3>Impact assessment: {esc(self.system.name)} "
                             f"<span style='color:#57606a'>({esc(self.system.id)})</span> {state}"
                             f"</h3><div style='color:#57606a'>{esc(self.assessment_id)}, "
                             f"{esc(version)}</div>")

    def show_section(self, key: str) -> None:
        """Show one section (keys: identification, system, parties, q:<section>, harms,
        conclusion)."""
        if key not in self.sections:
            raise KeyError(f"no section {key!r}; sections: {', '.join(self.sections)}")
        if key == "harms":
            self._refresh_harm_choices()
        if self.nav.value != key:
            self.nav.value = key  # the observer calls back here
            return
        self.body.children = [self.sections[key][1]]

    # -- saving ----------------------------------------------------------------------------
    def _clear_errors(self) -> None:
        for form in (self.ident, self.uses, self.closing, self.data_form, self.model_form,
                     self.deployment_form):
            form.clear_errors()
        for editor in (self.parties, self.benefits, self.harms, self.measures,
                       self.thresholds):
            editor.clear_errors()
        for field in self.questions.values():
            field.error.value = ""
        self.record_error.value = ""

    def show_errors(self, errors: Sequence[tuple[str, str]]) -> None:
        """Place each ``(field path, message)`` beside its question or field."""
        self._clear_errors()
        forms = {"data": self.data_form, "model_info": self.model_form,
                 "deployment": self.deployment_form}
        editors = {"interested_parties": self.parties, "benefits": self.benefits,
                   "harms": self.harms, "measures": self.measures,
                   "sensitive_use_thresholds": self.thresholds}
        grouped: dict[Any, list[tuple[str, str]]] = {}
        loose = []
        for path, message in errors:
            head, _, rest = path.partition(".")
            if head == "answers" and rest in self.questions:
                self.questions[rest].show_error(message)
            elif head in forms:
                grouped.setdefault(forms[head], []).append((rest or "(record)", message))
            elif head in editors:
                grouped.setdefault(editors[head], []).append((rest, message))
            else:
                form = next((f for f in (self.ident, self.uses, self.closing)
                             if head in f.fields), None)
                if form is None:
                    loose.append(f"{path}: {message}" if path != "(record)" else message)
                else:
                    grouped.setdefault(form, []).append((path, message))
        for target, errs in grouped.items():
            target.show_errors(errs)
        self.record_error.value = message_html("; ".join(loose), "error") if loose else ""

    def _save(self, status: str) -> None:
        data = self.collect(status)
        try:
            saved = impact.save_assessment(self.store, data, base_version=self.base_version,
                                           questionnaire=self.questionnaire)
        except ValidationError as exc:
            self.show_errors(exc.errors)
            raise
        except ConflictError as exc:
            self._clear_errors()
            # the input stays as it is; Reload discards it, the button saves it over theirs
            self._last_status = status
            self.status.show(f"{exc} Your input is still here.{self.overwrite.offer(exc)}",
                             "error")
            return
        self.overwrite.hide()
        self._clear_errors()
        self.base_version = saved.version
        self.saved_status = saved.record.status.value
        self._update()
        self._update_signoff()
        what = "submitted for approval" if status == "submitted" else "draft saved"
        stale = ("; its approval is now stale: request sign-off again"
                 if self.signoff_state == "stale" else "")
        self.status.show(f"{what}: {saved.describe()}{stale}", "ok")

    def _update_signoff(self) -> None:
        """Show the sign-off state of the saved version (stale: with what changed since)."""
        if self.base_version is None:
            self.signoff, self.signoff_state = None, "none"
            self.signoff_line.value = ("<div style='color:#57606a'><b>Sign-off:</b> save and "
                                       "submit the assessment to request it</div>")
            return
        st = oversight.status(self.store, "impact_assessment", self.assessment_id)
        self.signoff, self.signoff_state = st, st.state
        label = SignOffState.label_of(st.state)
        text = st.summary() if st.state != "none" else (
            "submit the assessment, then request sign-off" if self.saved_status != "submitted"
            else f"request it: workbench signoff request impact_assessment {st.record_id}")
        html = (f"<div><b>Sign-off:</b> {badge(label, STATUS_COLOURS.get(st.state))} "
                f"{esc(text)}</div>")
        if st.stale and st.changes:
            html += (f"<div style='color:#bc4c00'>Changed since approved version "
                     f"{st.approved_version}:</div>" + html_table(
                         [c.model_dump() for c in st.changes],
                         {"field": "field", "before": f"version {st.approved_version}",
                          "after": f"version {st.current_version}"}, max_rows=12))
        self.signoff_line.value = html

    @reports_errors()
    def _save_over(self, latest: int) -> None:
        """Save what is entered over the newer version a conflict named."""
        self.base_version = latest
        self._save(self._last_status)

    @reports_errors()
    def save_draft(self) -> None:
        """Save what is entered as a draft (partial answers are fine; wrong types are not)."""
        self._save("draft")

    @reports_errors()
    def submit(self) -> None:
        """Submit for approval: every required field and question must be answered."""
        self._save("submitted")


def _tier_line(result: impact.Classification) -> str:
    from workbench.impact.views import tier_badge

    if result.undetermined:
        tail = f"answer {len(result.missing)} question(s) to determine it"
    elif result.tier == "prohibited":
        tail = f"prohibited practice: {', '.join(result.triggered)}"
    else:
        why = f" ({', '.join(result.triggered)})" if result.triggered else ""
        tail = f"{len(result.obligations)} obligation(s) for your role{why}"
    gpai = f" &nbsp;<b>GPAI model:</b> {esc(result.gpai)}" if result.gpai != "none" else ""
    return (f"<div><b>EU AI Act:</b> {tier_badge(result.tier)}{gpai} &nbsp;"
            f"<span style='color:#57606a'>{esc(tail)}</span></div>")
