"""Excel round-trip: export every register, edit in a spreadsheet, import back all or nothing.

Workbooks are edited with openpyxl in normal mode, as Excel would save them.
"""

from __future__ import annotations

import pytest
from actors import acting
from openpyxl import Workbook, load_workbook

from workbench.cli import main
from workbench.errors import PermissionDeniedError
from workbench.interop import excel
from workbench.interop._cells import neutralize


def _column(ws, name: str) -> int:
    for cell in ws[1]:
        if cell.value == name:
            return cell.column
    raise AssertionError(f"no column {name!r} in {[c.value for c in ws[1]]}")


def _row_of(ws, record_id: str) -> int:
    for row in ws.iter_rows(min_row=2):
        if row[0].value == record_id:
            return row[0].row
    raise AssertionError(f"no row {record_id!r}")


def _edit(path, sheet: str, record_id: str, header: str, value) -> None:
    wb = load_workbook(path)
    ws = wb[sheet]
    ws.cell(_row_of(ws, record_id), _column(ws, header)).value = value
    wb.save(path)


def test_export_all_then_import_changes_nothing(demo_store, tmp_path):
    path = excel.export_workbook(demo_store, tmp_path / "all.xlsx")
    head = demo_store.head()
    wb = load_workbook(path)
    from workbench.model import model_for

    # kinds other tests define (a record class in a test module) are exported too: not ours here
    ours = [s for s in wb.sheetnames
            if s == "about" or model_for(s).__module__.startswith("workbench.")]
    assert ours == ["about", "ai_objective", "ai_policy", "ai_system", "aims_scope",
                             "audit_programme", "evidence", "impact_assessment", "incident",
                             "management_review", "model_card", "monitoring_plan",
                             "monitoring_run", "nonconformity",
                             "organization", "permission_policy", "person",
                             "review_followup",
                             "risk", "risk_criteria", "signoff_policy", "soa"], wb.sheetnames
    ws = wb["risk"]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["Id", "System id", "Title", "Description"], headers
    assert headers[-3:] == ["_version", "_saved_by", "_saved_at"], headers
    assert ws.freeze_panes == "B2"
    assert ws.max_row == 43  # header + the demo's 42 risks (one proposed by monitoring)
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"modify,avoid,share,retain"' in lists, lists
    assert '"identified,assessed,treated,accepted,closed"' in lists, lists
    report = excel.import_workbook(demo_store, path)
    assert report.count("created") == 0 and report.count("updated") == 0, report.summary()
    assert len(report.unchanged["risk"]) == 42
    assert demo_store.head() == head  # an unchanged round trip writes nothing


def test_an_edited_risk_comes_back_as_a_new_version_with_the_reason(demo_store, tmp_path):
    path = excel.export_workbook(demo_store, tmp_path / "risks.xlsx", "risk")
    _edit(path, "risk", "cv-screening-r01", "Title", "Ranking model penalises career gaps")
    _edit(path, "risk", "cv-screening-r01", "Controls", "A.6.2.4; A.7.4")
    dry = excel.import_workbook(demo_store, path, dry_run=True)
    assert dry.updated == {"risk": ["cv-screening-r01"]}, dry.summary()
    assert demo_store.get("risk", "cv-screening-r01").version == 1
    report = excel.import_workbook(demo_store, path, reason="quarterly review in Excel")
    assert report.updated == {"risk": ["cv-screening-r01"]}
    saved = demo_store.get("risk", "cv-screening-r01")
    assert (saved.version, saved.author, saved.reason) == (2, "chloe",
                                                           "quarterly review in Excel")
    assert saved.content["title"] == "Ranking model penalises career gaps"
    assert saved.content["controls"] == ["A.6.2.4", "A.7.4"]
    # the nested actions survived the round trip as they were
    assert saved.content["actions"][0]["owner"] == "ravi"


def test_a_stale_version_is_a_conflict_listed_by_row_and_nothing_is_saved(demo_store, tmp_path):
    path = excel.export_workbook(demo_store, tmp_path / "risks.xlsx", "risk")
    current = demo_store.get("risk", "cv-screening-r01")
    demo_store.save(current.record.model_copy(update={"description": "changed meanwhile"}),
                    base_version=current.version, reason="edited in the notebook")
    _edit(path, "risk", "cv-screening-r01", "Title", "Edited in Excel")
    _edit(path, "risk", "card-fraud-r02", "Title", "Also edited in Excel")
    head = demo_store.head()
    other = demo_store.get("risk", "card-fraud-r02").version
    with pytest.raises(excel.WorkbookError) as caught:
        excel.import_workbook(demo_store, path)
    ws = load_workbook(path)["risk"]
    row, letter = _row_of(ws, "cv-screening-r01"), ws.cell(1, _column(ws, "_version")).column_letter
    assert caught.value.errors == [(
        f"risk, row {row}, column {letter} (_version)",
        "conflict: this row is based on version 1, but chloe saved version 2 at "
        f"{demo_store.get('risk', 'cv-screening-r01').saved_at:%Y-%m-%d %H:%M UTC}, reason: "
        "edited in the notebook; export again and reapply your edit")], caught.value.errors
    assert demo_store.head() == head
    assert demo_store.get("risk", "card-fraud-r02").version == other  # all or nothing


def test_every_bad_cell_is_reported_by_sheet_row_and_column(demo_store, tmp_path):
    path = excel.export_workbook(demo_store, tmp_path / "risks.xlsx", "risk")
    wb = load_workbook(path)
    ws = wb["risk"]
    r1, r2 = _row_of(ws, "cv-screening-r01"), _row_of(ws, "card-fraud-r02")
    ws.cell(r1, _column(ws, "Treatment")).value = "ignore"
    ws.cell(r2, _column(ws, "Inherent likelihood")).value = "=2+3"
    ws.cell(r2, _column(ws, "Actions")).value = "[{\"description\": \"x\""
    ws.cell(1, ws.max_column + 1).value = "Colour"
    wb.save(path)
    with pytest.raises(excel.WorkbookError) as caught:
        excel.import_workbook(demo_store, path)
    assert caught.value.errors == [
        ("risk, row 1, column V", "unknown column 'Colour'; the columns of risk are id, "
         "system_id, title, description, risk_source, objective, inherent_likelihood, "
         "inherent_consequence, treatment, controls, actions, residual_likelihood, "
         "residual_consequence, owner, status, identified_on, next_review, acceptance and "
         "_version")], caught.value.errors
    wb = load_workbook(path)
    wb["risk"].delete_cols(wb["risk"].max_column)
    wb.save(path)
    with pytest.raises(excel.WorkbookError) as caught:
        excel.import_workbook(demo_store, path)
    errors = dict(caught.value.errors)
    assert errors == {
        f"risk, row {r2}, column G (inherent_likelihood)":
            "a formula (=2+3); type the value itself: formulas are never imported",
        f"risk, row {r2}, column K (actions)":
            "not valid JSON (line 1, column 21: Expecting ',' delimiter)",
        f"risk, row {r1}, column I (treatment)":
            "Input should be 'modify', 'avoid', 'share' or 'retain'",
    }, caught.value.errors
    assert str(caught.value).startswith("risks.xlsx: 3 problems; nothing was imported")


def test_sheets_must_be_record_kinds_and_sign_offs_are_never_imported(demo_store, tmp_path):
    path = excel.export_workbook(demo_store, tmp_path / "mixed.xlsx", ["risk", "signoff"])
    wb = load_workbook(path)
    wb["risk"].title = "Risks"
    wb.save(path)
    with pytest.raises(excel.WorkbookError) as caught:
        excel.import_workbook(demo_store, path)
    where = [w for w, _ in caught.value.errors]
    assert where == ["sheet Risks", "sheet signoff"], caught.value.errors
    messages = dict(caught.value.errors)
    assert messages["sheet Risks"].startswith("'Risks' is not a record kind; did you mean "
                                              "'risk'?")
    assert messages["sheet signoff"] == (
        "sign-off records are written only through the sign-off workflow (`workbench signoff "
        "request|approve|reject`), never imported; remove this sheet")


def test_a_new_row_needs_an_empty_version_and_existing_references(demo_store, tmp_path):
    path = excel.template_workbook(tmp_path / "template.xlsx", "ai_system")
    wb = load_workbook(path)
    ws = wb["ai_system"]
    assert [c.value for c in ws[1]][:3] == ["Id", "Name", "Purpose"]
    values = {"Id": "chatbot", "Name": "Support chatbot", "Purpose": "Answer customers",
              "Owner": "nobody", "Business unit": "Larkspur Money", "Lifecycle stage": "develop",
              "Org roles": "deployer", "Technique": "hosted LLM",
              "Technique family": "generative", "Automation level": "partial",
              "Oversight mode": "on_the_loop", "Data categories": "personal; behavioural"}
    for header, value in values.items():
        ws.cell(2, _column(ws, header)).value = value
    wb.save(path)
    with pytest.raises(excel.WorkbookError) as caught:
        excel.import_workbook(demo_store, path)
    owner = ws.cell(1, _column(ws, "Owner")).column_letter
    assert caught.value.errors == [(f"ai_system, row 2, column {owner} (owner)",
                                    "refers to person 'nobody', which is neither in the store "
                                    "nor in this workbook")], caught.value.errors
    _edit(path, "ai_system", "chatbot", "Owner", "farid")
    report = excel.import_workbook(demo_store, path)
    assert report.created == {"ai_system": ["chatbot"]}
    saved = demo_store.get("ai_system", "chatbot")
    assert saved.content["data_categories"] == ["personal", "behavioural"]
    assert saved.reason == "imported from template.xlsx"
    # the same row again, still without _version: it exists now, so it is a conflict
    with pytest.raises(excel.WorkbookError, match="conflict: ai_system 'chatbot' already exists"):
        excel.import_workbook(demo_store, path)


def test_formula_like_text_is_written_as_quoted_text_and_reads_back(demo_store, tmp_path):
    current = demo_store.get("risk", "cv-screening-r01")
    title = "=HYPERLINK(\"http://x\",\"click\")"
    demo_store.save(current.record.model_copy(update={"title": title,
                                                       "description": "@SUM(A1)"}),
                    base_version=1, reason="a hostile title")
    path = excel.export_workbook(demo_store, tmp_path / "risks.xlsx", "risk")
    ws = load_workbook(path)["risk"]
    cell = ws.cell(_row_of(ws, "cv-screening-r01"), _column(ws, "Title"))
    assert (cell.value, cell.data_type, cell.quotePrefix) == (title, "s", True)
    assert [neutralize(t) for t in ("=1", "+1", "-1", "@x", "\tx", "\rx", "ok")] == [
        True, True, True, True, True, True, False]
    head = demo_store.head()
    report = excel.import_workbook(demo_store, path)
    assert report.unchanged["risk"][0] == "card-fraud-r01" and report.count("updated") == 0
    assert demo_store.head() == head


def test_the_import_saves_as_the_acting_user_under_the_permission_policy(demo_store, tmp_path):
    path = excel.export_workbook(demo_store, tmp_path / "people.xlsx", "person")
    _edit(path, "person", "ravi", "Roles", "contributor; admin")
    _edit(path, "person", "hiro", "Job title", "Head of Audit")
    head = demo_store.head()
    for dry_run in (True, False):  # a dry run says what the import would refuse
        with acting("ravi"), pytest.raises(excel.WorkbookError) as refused:
            excel.import_workbook(demo_store, path, dry_run=dry_run)
        rows = {_row_of(load_workbook(path)["person"], login) for login in ("ravi", "hiro")}
        assert [where for where, _ in refused.value.errors] == [
            f"person, row {n}" for n in sorted(rows)], refused.value.errors
        assert all(message.startswith("ravi (contributor) may not save person ") and
                   "it needs the role admin (held by chloe)" in message
                   for _, message in refused.value.errors), refused.value.errors
    assert "admin" not in demo_store.get("person", "ravi").content["roles"]
    assert demo_store.head() == head
    # the save checks again in its own transaction (the store may change in between)
    record = demo_store.get("person", "ravi")
    with acting("ravi"), pytest.raises(PermissionDeniedError, match="person"):
        demo_store.save(record.record.model_copy(update={"job_title": "CTO"}),
                        base_version=record.version)


def test_permission_refusals_name_only_the_holders_on_the_systems_team(demo_store, tmp_path):
    path = excel.export_workbook(demo_store, tmp_path / "risks.xlsx", "risk")
    _edit(path, "risk", "card-fraud-r01", "Title", "edited by an owner of another system")
    with acting("marta"), pytest.raises(excel.WorkbookError) as refused:
        excel.import_workbook(demo_store, path, dry_run=True)
    team = sorted(demo_store.get("ai_system", "card-fraud").record.team + ["sven"])
    (where, message), = refused.value.errors
    assert where == f"risk, row {_row_of(load_workbook(path)['risk'], 'card-fraud-r01')}"
    assert f"on the team of its AI system (held by {', '.join(team)})" in message, message
    assert message.endswith(f"marta is not on the team of card-fraud (team: "
                            f"{', '.join(team)})"), message


def test_cli_export_import_and_template(demo_url, tmp_path, capsys):
    out = tmp_path / "reg.xlsx"
    assert main(["--database-url", demo_url, "export", "risk", "ai_system", "-o", str(out)]) == 0
    # 42 risks (one proposed by monitoring) and 7 AI systems
    assert capsys.readouterr().out.strip() == f"wrote 49 records of 2 kinds to {out}"
    _edit(out, "risk", "cv-screening-r01", "Treatment", "shred")
    assert main(["--database-url", demo_url, "import", str(out), "--dry-run"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("risk, row ") and err[0].endswith(
        "column I (treatment): Input should be 'modify', 'avoid', 'share' or 'retain'"), err
    assert err[-1].startswith("error: reg.xlsx: 1 problem; nothing was imported"), err
    _edit(out, "risk", "cv-screening-r01", "Treatment", "avoid")
    assert main(["--database-url", demo_url, "import", str(out)]) == 0
    assert capsys.readouterr().out.startswith("imported 1 record (ai_system: 0 new, 0 changed, "
                                              "7 unchanged; risk: 0 new, 1 changed, 41 "
                                              "unchanged)")
    template = tmp_path / "t.xlsx"
    assert main(["export", "--template", "-o", str(template)]) == 0
    assert "signoff" not in load_workbook(template).sheetnames
    assert main(["--database-url", demo_url, "export", "-o", str(out)]) == 1
    assert "name the record kinds to export" in capsys.readouterr().err


def test_a_file_that_is_not_a_workbook_is_refused(demo_store, tmp_path):
    bogus = tmp_path / "bogus.xlsx"
    bogus.write_text("not a spreadsheet")
    with pytest.raises(excel.WorkbookError, match="bogus.xlsx is not an Excel workbook"):
        excel.import_workbook(demo_store, bogus)
    empty = tmp_path / "empty.xlsx"
    Workbook().save(empty)
    with pytest.raises(excel.WorkbookError, match="'Sheet' is not a record kind"):
        excel.import_workbook(demo_store, empty)


def test_importing_interop_loads_nothing_heavy():
    import subprocess
    import sys

    code = ("import sys, workbench.interop as i; i.__all__; "
            "print(sorted(m for m in ('openpyxl', 'pandas', 'sqlalchemy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_an_older_version_holding_a_control_character_still_exports(demo_store, tmp_path):
    """New saves refuse control characters; one stored before shows as U+FFFD in Excel."""
    from tamper import tamper

    seq = demo_store.get("risk", "cv-screening-r01").seq
    tamper(demo_store, "UPDATE record_versions SET content = replace(content, :old, :new) "
                       "WHERE seq = :seq", old='"title":"', new='"title":"\\u0001', seq=seq)
    path = excel.export_workbook(demo_store, tmp_path / "risks.xlsx", "risk")
    ws = load_workbook(path)["risk"]
    title = ws.cell(_row_of(ws, "cv-screening-r01"), _column(ws, "Title")).value
    assert title.startswith("\ufffd") and "\x01" not in title


def test_a_refused_export_leaves_no_file_and_no_noise(demo_store, tmp_path, capfd):
    import gc

    current = demo_store.get("risk", "cv-screening-r01")
    with acting("chloe"):
        demo_store.save(current.record.model_copy(update={"description": "x" * 40_000}),
                        base_version=current.version)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(excel.ValidationError, match="more than an Excel cell holds"):
        excel.export_workbook(demo_store, out / "risks.xlsx", "risk")
    gc.collect()
    assert list(out.iterdir()) == [] and capfd.readouterr().err == ""


def test_a_date_typed_as_text_must_be_iso(demo_store, tmp_path):
    path = excel.export_workbook(demo_store, tmp_path / "risks.xlsx", "risk")
    ws = load_workbook(path)["risk"]
    row, col = _row_of(ws, "cv-screening-r01"), _column(ws, "Next review")
    letter = ws.cell(1, col).column_letter
    for typed in ("10/07/2026", "next week"):
        _edit(path, "risk", "cv-screening-r01", "Next review", typed)
        with pytest.raises(excel.WorkbookError) as caught:
            excel.import_workbook(demo_store, path, dry_run=True)
        assert caught.value.errors == [(
            f"risk, row {row}, column {letter} (next_review)",
            f"{typed!r} is not a date; write it as YYYY-MM-DD (e.g. 2026-12-31) or use a date "
            "cell")], caught.value.errors
    _edit(path, "risk", "cv-screening-r01", "Next review", "2027-01-15")
    report = excel.import_workbook(demo_store, path, dry_run=True)
    assert report.updated == {"risk": ["cv-screening-r01"]}, report.summary()


def test_an_import_says_which_sign_offs_it_outdates(demo_store, demo_url, tmp_path, capsys):
    path = excel.export_workbook(demo_store, tmp_path / "systems.xlsx", "ai_system")
    for system in ("credit-scoring", "marketing-copy"):  # approved; a request pending
        _edit(path, "ai_system", system, "Description", f"{system}, edited in Excel")
    notes = ["AI system credit-scoring: its approval (version 2) {} go stale; request sign-off "
             "of the new version",
             "AI system marketing-copy: its pending sign-off request (version 2) {} be "
             "outdated; request it again"]
    dry = excel.import_workbook(demo_store, path, dry_run=True)
    assert dry.signoff_notes == [n.format("would") for n in notes], dry.signoff_notes
    assert main(["--database-url", demo_url, "import", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [f"note: {n.format('will')}" for n in notes], out
    from workbench import oversight

    assert oversight.status(demo_store, "ai_system", "marketing-copy").state == "outdated"
    assert oversight.status(demo_store, "ai_system", "credit-scoring").state == "stale"
