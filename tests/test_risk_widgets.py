"""The heatmap and editor widgets at the state level: a cell click fills the table, toggles
and filters redraw, saves show errors beside fields and stale edits keep the input."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from workbench import risk as wr
from workbench.errors import NotFoundError
from workbench.widgets import RiskHeatmap, RiskRegisterEditor

XSS = "<img src=x onerror=alert(1)>"
TODAY = dt.date.today()


def _expected_cell(store, lik: int, con: int, which: str = "residual", **filters) -> list[str]:
    """The cell's open risks, computed independently of the widget."""
    reg = wr.register(store, **filters)
    hit = reg[(reg[f"{which}_likelihood"] == lik) & (reg[f"{which}_consequence"] == con)
              & (reg["status"] != "closed")]
    return sorted(hit["id"])


def test_clicking_a_cell_lists_its_risks(demo_store):
    widget = RiskHeatmap(demo_store)
    assert widget.table_rows == [] and "Click a cell" in widget.cell_title.value
    widget._on_cell_click(3, 4)
    expected = _expected_cell(demo_store, 3, 4)
    assert len(expected) >= 4
    assert sorted(widget.table_rows) == expected
    for rid in expected:
        assert f">{rid}<" in widget.table.value
    assert widget.table.value.count("<tr>") == len(expected) + 1
    assert "Possible" in widget.cell_title.value and "Major" in widget.cell_title.value
    assert f"{len(expected)} risks" in widget.cell_title.value
    # an empty cell says so
    widget._on_cell_click(5, 5)
    assert widget.table_rows == [] and "No open risks in this cell" in widget.table.value


def test_plotly_click_calls_the_cell_handler(demo_store):
    widget = RiskHeatmap(demo_store)
    widget._plotly_click(widget.figure.data[0], SimpleNamespace(xs=[4], ys=[3],
                                                                point_inds=[[2, 3]]), None)
    assert widget.selected == (3, 4) and widget.table_rows


def test_toggle_inherent_redraws_and_relists(demo_store):
    widget = RiskHeatmap(demo_store)
    widget._on_cell_click(4, 4)
    residual_rows = widget.table_rows
    residual_text = [list(r) for r in widget.figure.data[0].text]
    widget.toggle.value = "inherent"
    assert widget.which == "inherent" and widget.figure.layout.meta["which"] == "inherent"
    assert sorted(widget.table_rows) == _expected_cell(demo_store, 4, 4, "inherent")
    assert widget.table_rows != residual_rows
    assert [list(r) for r in widget.figure.data[0].text] != residual_text
    assert widget.figure.layout.title.text.startswith("Inherent risk")


def test_filters_by_system_and_business_unit(demo_store):
    widget = RiskHeatmap(demo_store)
    widget._on_cell_click(3, 4)
    widget.system_picker.value = "cv-screening"
    assert widget.system_id == "cv-screening"
    assert sorted(widget.table_rows) == _expected_cell(demo_store, 3, 4,
                                                       system_id="cv-screening")
    assert all(r.startswith("cv-screening") for r in widget.table_rows)
    total = sum(int(t or 0) for row in widget.figure.data[0].text for t in row)
    assert total == len(wr.open_risks(wr.register(demo_store, system_id="cv-screening")))
    widget.system_picker.value = ""
    widget.unit_picker.value = "Larkspur Money"
    assert sorted(widget.table_rows) == _expected_cell(demo_store, 3, 4,
                                                       business_unit="Larkspur Money")
    assert {r.split("-r")[0] for r in widget.table_rows} <= {"credit-scoring", "card-fraud"}
    with pytest.raises(NotFoundError, match="no AI system 'nope'"):
        RiskHeatmap(demo_store, system_id="nope")


def test_refresh_rereads_the_store_only_when_it_changed(demo_store):
    widget = RiskHeatmap(demo_store)
    assert widget.refresh() is False and "Up to date" in widget.status.value
    widget._on_cell_click(2, 2)
    before = list(widget.table_rows)
    wr.save_risk(demo_store, dict(
        id="card-fraud-r99", system_id="card-fraud", title=XSS,
        risk_source="source.machine_learning", objective="objective.fairness",
        inherent_likelihood=3, inherent_consequence=3, treatment="modify",
        residual_likelihood=2, residual_consequence=2, owner="sven",
        identified_on=TODAY.isoformat()))
    assert widget.refresh() is True
    assert set(widget.table_rows) == {*before, "card-fraud-r99"}
    # user text is escaped in the table and in the figure's hover text
    assert "&lt;img src=x onerror=alert(1)&gt;" in widget.table.value
    assert "<img" not in widget.table.value
    hover = widget.figure.data[0].customdata[1][1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in hover and "<img" not in hover


def test_a_bad_cell_is_reported_on_the_widget(demo_store):
    widget = RiskHeatmap(demo_store)
    widget._on_cell_click(9, 1)
    assert "no cell likelihood 9 x consequence 1 on the 5 x 5 matrix" in widget.status.value
    assert widget.status.level == "error"


# -- the editor ---------------------------------------------------------------------------------
def _fill_new(editor: RiskRegisterEditor, **values) -> None:
    base = dict(system_id="cv-screening", title="Recruiters trust the ranking too much",
                risk_source="source.level_of_automation", objective="objective.accountability",
                inherent_likelihood=4, inherent_consequence=3, residual_likelihood=2,
                residual_consequence=3)
    base.update(values)
    for name, value in base.items():
        editor.form.fields[name].set(value)


def test_editor_adds_a_risk_and_the_heatmap_follows(demo_store):
    heatmap = RiskHeatmap(demo_store)
    heatmap._on_cell_click(2, 3)
    before = len(heatmap.table_rows)
    saved = []
    editor = RiskRegisterEditor(demo_store, on_saved=lambda v: (saved.append(v),
                                                                heatmap.refresh()))
    _fill_new(editor, title=XSS)
    assert editor.form.fields["owner"].widget.value == "farid"  # the system's owner
    action = editor.actions.add()
    action.fields["description"].set("Blind review of rejected applicants")
    action.fields["owner"].set("ravi")
    action.fields["due"].set(TODAY + dt.timedelta(days=30))
    result = editor._on_save()
    assert result is not None and result.version == 1 and saved == [result]
    risk = demo_store.get("risk", result.record_id).record
    assert risk.title == XSS and risk.actions[0].owner == "ravi"
    assert risk.next_review == TODAY + dt.timedelta(days=180)
    assert editor.form.fields["id"].widget.disabled and editor.base_version == 1
    assert "Saved risk cv-screening-r" in editor.message
    assert len(heatmap.table_rows) == before + 1
    # saving again without a change writes nothing
    editor._on_save()
    assert "No changes to save" in editor.message and len(saved) == 1


def test_editor_shows_errors_beside_the_fields_and_saves_nothing(demo_store):
    head = demo_store.head()
    editor = RiskRegisterEditor(demo_store, system_id="cv-screening")
    _fill_new(editor)
    editor.form.fields["owner"].widget.value = None
    editor.form.fields["title"].set("")
    editor._on_save()
    assert "required" in editor.form.fields["owner"].error.value
    assert "required" in editor.form.fields["title"].error.value
    assert editor.form.fields["objective"].error.value == ""
    assert "Not saved" in editor.message and demo_store.head() == head
    # an action due before the risk was identified: the message sits under that action's date
    editor.form.fields["owner"].set("farid")
    editor.form.fields["title"].set("Recruiters trust the ranking too much")
    action = editor.actions.add({"description": "Train", "owner": "ravi",
                                 "due": TODAY - dt.timedelta(days=400)})
    editor._on_save()
    assert "before the risk was identified" in action.fields["due"].error.value
    assert editor.form.fields["owner"].error.value == "" and demo_store.head() == head
    # accepted above the appetite with no acceptance: shown on the acceptance part
    action.fields["due"].set(TODAY)
    editor.form.fields["status"].set("accepted")
    editor.form.fields["residual_likelihood"].set(4)
    editor._on_save()
    assert editor.accepted.value is True
    assert "needs an acceptance" in editor.acceptance.form_error.value
    assert demo_store.head() == head
    editor.acceptance.fields["accepted_by"].set("farid")
    editor.acceptance.fields["rationale"].set("Recruiters read every shortlist in full")
    assert editor._on_save() is not None and demo_store.head() == head + 1


def test_a_stale_edit_says_who_changed_it_and_keeps_the_input(demo_store):
    mine = RiskRegisterEditor(demo_store, risk_id="cv-screening-r01")
    theirs = RiskRegisterEditor(demo_store, risk_id="cv-screening-r01")
    assert mine.base_version == 1 and mine.form.fields["id"].widget.disabled
    assert "Editing risk cv-screening-r01, version 1" in mine.message
    theirs.form.fields["title"].set("Ranking penalises career gaps (re-worded)")
    theirs.reason.value = "clearer title"
    assert theirs._on_save() is not None
    mine.form.fields["description"].set("My careful new description")
    mine.form.fields["residual_likelihood"].set(2)
    mine.reason.value = "after retraining"
    assert mine._on_save() is None
    message = mine.message
    assert "was changed by chloe at" in message and "(version 2, reason: clearer title)" in \
        message and "They changed: title." in message
    assert "Your input is still in the form" in message
    assert mine.form.fields["description"].widget.value == "My careful new description"
    assert mine.form.fields["residual_likelihood"].widget.value == 2
    assert mine.reason.value == "after retraining" and mine.base_version == 1
    assert mine.overwrite_button.layout.display == "" and "version 2" in \
        mine.overwrite_button.description
    saved = mine._on_overwrite()
    assert saved.version == 3 and saved.record.description == "My careful new description"
    assert saved.reason == "after retraining"
    assert mine.overwrite_button.layout.display == "none"


def test_editor_loads_picks_and_discards(demo_store):
    editor = RiskRegisterEditor(demo_store)
    editor.picker.value = "credit-scoring-r03"
    values = editor.values()
    assert values["id"] == "credit-scoring-r03" and values["status"] == "accepted"
    assert editor.accepted.value is True
    assert editor.acceptance.values()["accepted_by"] == "grace"
    assert len(editor.actions.rows) == 1
    editor.form.fields["title"].set("scratch")
    # choosing another risk does not throw the typing away: it stays, and says why
    editor.picker.value = "credit-scoring-r04"
    assert editor.picker.value == "credit-scoring-r03" and editor.values()["title"] == "scratch"
    assert editor.status.text == ("Unsaved changes here (title): save them, or click Discard "
                                  "and reload, before choosing another risk.")
    editor._on_reload()
    assert editor.values()["title"] != "scratch"
    editor.picker.value = ""
    assert editor.base_version is None and editor.values()["title"] == ""
    assert not editor.form.fields["id"].widget.disabled
    editor.actions.add()
    editor.actions.remove(0)
    assert editor.actions.rows == []
