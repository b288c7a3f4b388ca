"""The SoA editor and the readiness summary at the state level (no browser): what a click or
an edit would do, and what the widgets then show."""

from __future__ import annotations

from types import SimpleNamespace

from actors import acting
from test_readiness_rules import Org, _org_template, org

import workbench as wb
from workbench.widgets import ReadinessSummary, SoAEditor

__all__ = ["_org_template", "org"]

XSS = "<img src=x onerror=alert(1)>"


def _html(widget) -> str:
    """Every HTML value inside a widget tree."""
    import ipywidgets as W

    out = []
    stack = [widget]
    while stack:
        w = stack.pop()
        if isinstance(w, W.HTML):
            out.append(w.value)
        stack.extend(getattr(w, "children", ()))
    return "\n".join(out)


# -- SoAEditor ------------------------------------------------------------------------------------
def test_editor_opens_a_draft_from_the_register_when_none_is_saved(org: Org):
    org.criteria()
    org.risk("r1", controls=["A.6.2.4"])
    org.evidence("tests", controls=["A.6.2.4"], systems=["alpha"])
    org.evidence("old", controls=["A.6.2.4"], expired=True)
    editor = SoAEditor(org.store)
    assert len(editor.rows) == 38 and editor.base_version is None
    assert "No Statement of Applicability saved yet" in editor.status.text
    row = editor.rows["A.6.2.4"]
    assert row.applicable.value == "yes"
    assert row.justification.value == "Selected to treat 1 risk: r1 (Risk r1)."
    assert "r1" in row.links.value and "tests" in row.links.value
    assert "expired: old" in row.links.value
    assert editor.rows["A.2.2"].applicable.value == ""  # to decide
    assert "Not saved yet" in editor.banner.value
    assert not org.store.exists("soa", "soa")


def test_editor_shows_errors_on_the_row_and_saves_nothing(org: Org):
    editor = SoAEditor(org.store)
    row = editor.rows["A.10.4"]
    row.applicable.value = "no"
    row.justification.value = ""
    editor.save()
    assert "A.10.4 is excluded: give the justification" in row.error.value
    assert editor.rows["A.2.2"].error.value == ""
    assert editor.status.level == "error" and "Not saved: 1 problem" in editor.status.text
    assert not org.store.exists("soa", "soa")
    row.justification.value = "We provide no AI system to customers."
    saved = editor.save()
    assert saved is not None and saved.version == 1
    assert row.error.value == "" and editor.status.level == "ok"
    entry = org.store.get("soa", "soa").record.entry("A.10.4")
    assert entry.applicable is False and entry.justification.startswith("We provide")
    assert "Sign-off: none" in editor.banner.value


def test_excluding_a_control_clears_and_locks_its_implementation(org: Org):
    editor = SoAEditor(org.store)
    row = editor.rows["A.8.4"]
    row.applicable.value = "yes"
    row.implementation.value = "partial"
    row.applicable.value = "no"
    assert row.implementation.value == "" and row.implementation.disabled
    row.applicable.value = "yes"
    assert not row.implementation.disabled


def test_submit_names_each_undecided_control_on_its_row(org: Org):
    editor = SoAEditor(org.store)
    editor.submit()
    assert "decide whether A.2.2 applies before submitting" in editor.rows["A.2.2"].error.value
    assert "Not saved: 38 problems" in editor.status.text
    for row in editor.rows.values():
        row.applicable.value = "yes"
        row.justification.value = f"needed for {row.control_id}"
        row.implementation.value = "planned"
    saved = editor.submit()
    assert saved.record.status.value == "submitted"
    assert "request its sign-off" in editor.status.text


def test_a_save_over_someone_elses_version_keeps_the_input(org: Org):
    org.soa()
    editor = SoAEditor(org.store)
    assert editor.base_version == 1
    with acting("chloe"):
        wb.readiness.update_entry(org.store, "A.2.2", justification="someone else")
    editor.rows["A.2.3"].justification.value = "my edit"
    assert editor.save() is None
    assert "was changed by chloe" in editor.status.text
    assert "Your edits are still here" in editor.status.text
    assert editor.rows["A.2.3"].justification.value == "my edit"
    editor.reload()
    assert editor.rows["A.2.3"].justification.value == "needed: A.2.3"
    assert editor.rows["A.2.2"].justification.value == "someone else"


def test_draft_button_fills_only_undecided_rows(org: Org):
    editor = SoAEditor(org.store)
    editor.rows["A.7.4"].applicable.value = "no"
    editor.rows["A.7.4"].justification.value = "decided by hand"
    org.criteria()
    org.risk("r1", controls=["A.7.4", "A.9.2"])
    editor.draft()
    assert editor.rows["A.9.2"].applicable.value == "yes"
    assert editor.rows["A.7.4"].justification.value == "decided by hand"
    assert "Drafted 1 controls from the risk register: A.9.2" in editor.status.text


def test_filter_by_objective_and_escaped_text(org: Org):
    editor = SoAEditor(org.store)
    editor.filter.value = "A.10"
    shown = [cid for cid, row in editor.rows.items() if row.box.layout.display != "none"]
    assert shown == ["A.10.2", "A.10.3", "A.10.4"]
    for row in editor.rows.values():
        row.applicable.value = "yes"
        row.justification.value = XSS
    editor.save()
    assert org.store.get("soa", "soa").record.entry("A.2.2").justification == XSS
    editor.rows["A.2.2"].justification.value = ""
    editor.save()
    assert "<img" not in _html(editor)


# -- ReadinessSummary -----------------------------------------------------------------------------
def test_summary_shows_bars_the_todo_list_and_a_drill_down(org: Org):
    org.scope(internal_issues=[])
    widget = ReadinessSummary(org.store, verify=False)
    result = widget.result
    assert f"{result.overall:.0f}%" in widget.headline.value
    assert f"To do: {len(result.gaps)} items" in widget.todo_title.value
    assert list(widget.figure.data[0].customdata) == list(result.by_clause["group"])
    widget.select_group("4")
    assert set(widget.gaps["requirement"]) <= {"4.1", "4.2", "4.3", "4.4"}
    assert "To do in 4:" in widget.todo_title.value
    assert "list the internal issues in the AIMS scope" in widget.todo.value
    ids = [v for _, v in widget.requirement_picker.options if v]
    assert ids == ["4.1", "4.2", "4.3", "4.4"]
    widget.show_requirement("4.1")
    assert "the AIMS scope lacks issues" in widget.detail.value
    assert "context_of_the_organization" in widget.detail.value
    widget.status_picker.value = "missing"
    assert set(widget.gaps["status"]) == {"missing"}


def test_a_bar_click_selects_its_clause_and_bad_ids_show_on_the_widget(org: Org):
    widget = ReadinessSummary(org.store, verify=False)
    index = list(widget.figure.data[0].customdata).index("A.6")
    widget._plotly_click(widget.figure.data[0], SimpleNamespace(point_inds=[index]), None)
    assert widget.group == "A.6"
    assert all(r.startswith("A.6") for r in widget.gaps["requirement"])
    widget.show_requirement("A.6.9")
    assert widget.status.level == "error"
    assert "unknown requirement 'A.6.9'" in widget.status.text
    widget.select_group("12")
    assert "no clause or Annex A objective '12'" in widget.status.text


def test_refresh_after_adding_the_missing_record(org: Org):
    widget = ReadinessSummary(org.store, verify=False)
    before = len(widget.result.gaps)
    widget.select_group("7")
    org.evidence("plan", clauses=["7.4"])
    widget.refresh()
    assert len(widget.result.gaps) == before - 1
    assert widget.group == "7" and "Re-assessed" in widget.status.text
    x = dict(zip(widget.figure.data[0].customdata, widget.figure.data[0].x, strict=True))
    assert x["7"] == widget.result.by_clause.set_index("group").at["7", "percent"]


def test_summary_escapes_user_text(org: Org):
    org.edit("ai_system", "beta", name=XSS)
    widget = ReadinessSummary(org.store, verify=False)
    widget.show_requirement("A.6.2.4")
    html = _html(widget)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html
