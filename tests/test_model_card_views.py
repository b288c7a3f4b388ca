"""Where model cards show: the ModelCardEditor (state-level), the system dashboard's panel,
the model card report notebook, and the sign-off policy's rule."""

from __future__ import annotations

import pytest

import workbench as wb

from wbtest import NOTEBOOKS, execute_notebook, notebook_text


def test_editor_saves_written_parts_and_submits(demo_store, monkeypatch):
    from workbench.widgets import ModelCardEditor

    monkeypatch.setenv("WORKBENCH_USER", "ravi")  # a data scientist of the demo

    saved = []
    editor = ModelCardEditor(demo_store, "credit-scoring", on_saved=saved.append)
    assert editor.base_version == 2
    assert editor.form.fields["expected_lifetime"].widget.value.startswith("Three years")
    assert "intended_purpose" not in editor.form.fields  # filled parts are not edited here
    editor.form.fields["maintenance"].widget.value = "Monthly monitoring; yearly validation."
    editor.reason.value = "maintenance plan updated"
    result = editor.save()
    assert result.version == 3 and result.content["status"] == "draft"
    assert result.reason == "maintenance plan updated" and saved == [result]
    editor.submit()
    current = demo_store.get("model_card", "mc-credit-scoring")
    assert current.version == 4 and current.content["status"] == "submitted"
    assert current.content["maintenance"] == "Monthly monitoring; yearly validation."
    editor.request_signoff()
    assert editor.status.text == ("Sign-off requested of version 4: awaits system owner grace, "
                                  "AI governance lead."), editor.status.text


def test_editor_keeps_typed_text_on_a_conflict(demo_store):
    from workbench.widgets import ModelCardEditor

    editor = ModelCardEditor(demo_store, "credit-scoring")
    wb.explain.write(demo_store, "credit-scoring", {"logging": "changed elsewhere"})
    editor.form.fields["logging"].widget.value = "my text"
    head = demo_store.head()
    assert editor.save() is None
    assert "was changed by chloe" in editor.status.text
    assert "Your edits are still here." in editor.status.text
    assert editor.form.fields["logging"].widget.value == "my text"
    assert demo_store.head() == head


def test_editor_for_a_system_without_a_card(demo_store):
    from workbench.widgets import ModelCardEditor

    editor = ModelCardEditor(demo_store, "card-fraud")
    assert editor.base_version is None and editor.buttons["submit"].disabled
    assert "No model card for card-fraud yet" in editor.banner.value
    editor.refill()
    assert editor.base_version == 1 and not editor.buttons["submit"].disabled
    assert editor.submit() is None
    assert editor.status.text.startswith("Not submitted, nothing saved: cannot submit the "
                                         "model card of card-fraud: ")
    assert "required before" not in editor.form.fields["human_oversight"].error.value
    assert editor.form.fields["human_oversight"].error.value  # shown beside the field


def test_a_refused_submit_writes_nothing(demo_store, monkeypatch):
    """It used to save the typing as a draft first (making the approval stale), then refuse."""
    from workbench.widgets import ModelCardEditor

    monkeypatch.setenv("WORKBENCH_USER", "grace")
    editor = ModelCardEditor(demo_store, "credit-scoring")
    editor.form.fields["accuracy_statement"].widget.value = ""
    head = demo_store.head()
    assert editor.submit() is None
    assert demo_store.head() == head
    assert editor.status.text.startswith("Not submitted, nothing saved: cannot submit the "
                                         "model card of credit-scoring: 1 required item(s) "
                                         "empty: accuracy_statement")
    assert editor.form.fields["accuracy_statement"].error.value
    assert wb.oversight.status(demo_store, "model_card", "mc-credit-scoring").state == "approved"


def test_request_signoff_is_of_the_version_shown_and_keeps_typing(demo_store, monkeypatch):
    from workbench.widgets import ModelCardEditor

    monkeypatch.setenv("WORKBENCH_USER", "grace")
    editor = ModelCardEditor(demo_store, "credit-scoring")
    editor.form.fields["logging"].widget.value = "typed, not saved"
    head = demo_store.head()
    editor.request_signoff()
    assert demo_store.head() == head
    assert editor.status.text == ("Not requested: logging changed here and not saved; submit "
                                  "the card first (or discard and reload).")
    assert editor.form.fields["logging"].widget.value == "typed, not saved"
    # someone else submits a newer version meanwhile: the request is of the version shown
    editor.reload()
    monkeypatch.setenv("WORKBENCH_USER", "ravi")
    wb.explain.write(demo_store, "credit-scoring", {"logging": "ravi's"})
    wb.explain.submit(demo_store, "credit-scoring")
    monkeypatch.setenv("WORKBENCH_USER", "grace")
    head = demo_store.head()
    editor.request_signoff()
    assert demo_store.head() == head and "version 4" in editor.status.text, editor.status.text


def test_typing_before_a_card_exists_is_kept_by_the_first_fill(demo_store):
    from workbench.widgets import ModelCardEditor

    editor = ModelCardEditor(demo_store, "card-fraud")
    editor.form.fields["logging"].widget.value = "every decision is logged for 6 years"
    saved = editor.refill()
    assert saved.content["logging"] == "every decision is logged for 6 years"
    assert editor.form.fields["logging"].widget.value == "every decision is logged for 6 years"


def test_the_dashboard_panel(demo_store):
    data = wb.portfolio.load(demo_store)
    panels = {s: wb.portfolio.build_panels(
        data, ["workbench.portfolio.system_panels:model_card_panel"], s)[0]
        for s in ("credit-scoring", "cv-screening", "card-fraud")}
    assert all(not p.error for p in panels.values())
    credit = panels["credit-scoring"]
    assert ">sign-off approved<" in credit.html and ">sources changed<" not in credit.html
    assert "version 2 approved by Grace Kim, Chloe Lindqvist" in credit.html
    assert "workbench report model_card --system credit-scoring" in credit.html
    cv = panels["cv-screening"]
    assert ">sources changed<" in cv.html
    assert "newer explanation evidence explain-cv-screening-" in cv.html
    assert bool(cv.table.iloc[0]["stale"]) is True
    assert "No model card has been recorded for this system" in panels["card-fraud"].html


def test_the_policy_rule():
    policy = wb.oversight.load_policy()
    rule = policy.match("model_card", {"status": "submitted", "stale": False})
    assert (rule.id, rule.requires) == ("model-card", ["system_owner", "governance_lead"])


@pytest.mark.notebook
@pytest.mark.parametrize("system_id, expected", [
    ("cv-screening", ["Instructions for use", "Stale:", "Annex IV(1) General description",
                      "Permutation importance"]),
    ("card-fraud", ["Not recorded.", "card-fraud has no model card yet",
                    "No explanation evidence yet"]),
])
def test_the_report_notebook(demo_url, tmp_path, monkeypatch, system_id, expected):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    nb = execute_notebook(NOTEBOOKS / "model_card.ipynb", tmp_path / "out.ipynb",
                          {"system_id": system_id})
    text = notebook_text(nb)
    for item in expected:
        assert item in text, item
    if system_id == "cv-screening":
        figures = [o for c in nb.cells for o in c.get("outputs", [])
                   if "application/vnd.plotly.v1+json" in o.get("data", {})]
        assert len(figures) == 3


@pytest.mark.parametrize("editor_kind", ["model_card", "soa", "impact"])
def test_a_conflict_offers_to_save_over_the_newer_version(demo_store, editor_kind):
    """Every further save used to conflict again, and Reload discarded the input: the button
    saves the person's input over the version they were told about."""
    from actors import acting

    from workbench.widgets import ImpactAssessmentForm, ModelCardEditor, SoAEditor

    with acting("chloe"):
        if editor_kind == "model_card":
            editor = ModelCardEditor(demo_store, "credit-scoring")
            wb.explain.write(demo_store, "credit-scoring", {"logging": "changed elsewhere"})
            editor.form.fields["logging"].widget.value = "my text"
            editor.save()
            kind, rid, check = "model_card", "mc-credit-scoring", lambda c: c["logging"]
        elif editor_kind == "soa":
            editor = SoAEditor(demo_store)
            wb.readiness.update_entry(demo_store, "A.2.2", notes="changed elsewhere")
            editor.rows["A.2.2"].justification.value = "my text"
            editor.save()
            kind, rid = "soa", "soa"

            def check(content):
                return next(e["justification"] for e in content["entries"]
                            if e["control_id"] == "A.2.2")
        else:
            editor = ImpactAssessmentForm(demo_store, "credit-scoring")
            current = demo_store.get("impact_assessment", editor.assessment_id)
            demo_store.save(current.record.model_copy(update={"conclusion": "elsewhere"}),
                            base_version=current.version)
            editor.closing.fields["conclusion"].widget.value = "my text"
            editor.save_draft()
            kind, rid, check = ("impact_assessment", editor.assessment_id,
                                lambda c: c["conclusion"])
        latest = demo_store.get(kind, rid).version
        assert "Your " in editor.status.text and "still here" in editor.status.text
        assert editor.overwrite.layout.display == "" and editor.overwrite.latest == latest
        editor.overwrite.overwrite()
    saved = demo_store.get(kind, rid)
    assert saved.version == latest + 1 and check(saved.content) == "my text"
    assert editor.overwrite.layout.display == "none"
