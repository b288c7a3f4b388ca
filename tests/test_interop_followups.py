"""Follow-ups of a review of the interop commands: an export that records itself as evidence
writes no file when recording is refused, a backup with a damaged gzip trailer is named
damaged, and Excel import messages say how to fix a nested cell and quote formulas and list
items readably."""

from __future__ import annotations

import gzip

import pytest
from actors import acting
from openpyxl import load_workbook

from workbench.cli import main
from workbench.errors import PermissionDeniedError
from workbench.interop import backup, excel, oscal


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- 3. an export recorded as evidence -------------------------------------------------------------
@pytest.mark.parametrize("model", ["assessment-results", "poam"])
def test_an_oscal_export_whose_evidence_is_refused_writes_no_file(store, tmp_path, model):
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"{model}.json"
    head = store.head()
    with acting("nobody"), pytest.raises(PermissionDeniedError) as caught:
        oscal.export_oscal(store, model, target)
    message = str(caught.value)
    assert message.startswith(f"nobody is not an active person in this store and cannot save "
                              f"evidence 'oscal-{model}-")
    assert message.endswith("; the OSCAL file was not written (--no-record writes it without "
                            "recording it)") and "\n" not in message
    assert list(out.iterdir()) == []
    assert store.head() == head
    with acting("nobody"):  # not recorded: written, as asked
        result = oscal.export_oscal(store, model, target, record=False)
    assert target.is_file() and result.evidence_id is None and store.head() == head


def test_an_existing_file_is_left_as_it_was_when_recording_fails(store, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "ar.json"
    target.write_text("the earlier export\n", encoding="utf-8")

    def refused(*args, **kwargs):
        raise PermissionDeniedError("the store refused the save")

    monkeypatch.setattr(type(store), "save", refused)
    with pytest.raises(PermissionDeniedError, match="the store refused the save"):
        oscal.export_oscal(store, "assessment-results", target)
    assert target.read_text(encoding="utf-8") == "the earlier export\n"
    assert [p.name for p in out.iterdir()] == ["ar.json"]


def test_cli_oscal_refused_for_an_unknown_person_leaves_nothing(store, tmp_path, monkeypatch,
                                                               capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", store.url)
    monkeypatch.setenv("WORKBENCH_USER", "nobody")
    folder = tmp_path / "out"
    folder.mkdir()
    code, out, err = _run(capsys, "oscal", "poam", "-o", str(folder / "poam.json"))
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert "the OSCAL file was not written" in err
    assert list(folder.iterdir()) == []


# -- 4. a backup whose gzip trailer is damaged -----------------------------------------------------
def test_a_backup_with_a_damaged_crc_is_named_damaged_and_nothing_is_restored(store, tmp_path,
                                                                           capsys):
    archive = tmp_path / "wb.jsonl.gz"
    backup.backup(store, archive)
    data = bytearray(archive.read_bytes())
    data[-8] ^= 0xFF  # the CRC-32 of the gzip trailer
    archive.write_bytes(bytes(data))
    with pytest.raises(gzip.BadGzipFile):  # the file is a gzip file, with a bad checksum
        gzip.decompress(bytes(data))
    target = tmp_path / "restored.db"
    code, out, err = _run(capsys, "restore", str(archive), "--into", f"sqlite:///{target}")
    assert code == 1 and out == ""
    assert err.strip() == (
        "error: wb.jsonl.gz is damaged (CRC check failed: its content does not match the "
        "checksum written with it); nothing was restored: use another copy of the backup")
    assert not target.exists()


def test_a_backup_with_a_damaged_length_is_named_damaged(store, tmp_path):
    archive = tmp_path / "wb.jsonl.gz"
    backup.backup(store, archive)
    data = bytearray(archive.read_bytes())
    data[-1] ^= 0x01  # the length (ISIZE) of the gzip trailer
    archive.write_bytes(bytes(data))
    with pytest.raises(backup.ArchiveError) as caught:
        backup.verify_archive(archive)
    assert str(caught.value) == (
        "wb.jsonl.gz is damaged (length check failed: its content does not match the checksum "
        "written with it); nothing was restored: use another copy of the backup")


# -- 7, 9. Excel import messages -------------------------------------------------------------------
def _cell(ws, row_id: str, header: str):
    col = next(c.column for c in ws[1] if c.value == header)
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == row_id)
    return ws.cell(row, col)


def test_excel_import_messages_for_nested_cells_formulas_and_list_items(demo_store, tmp_path):
    path = excel.export_workbook(demo_store, tmp_path / "risks.xlsx", "risk")
    wb = load_workbook(path)
    ws = wb["risk"]
    actions = _cell(ws, "card-fraud-r02", "Actions")
    assert str(actions.value).startswith("[") and str(actions.value).endswith("]")
    actions.value = actions.value + '\n{"description": "Add a second review"}'
    _cell(ws, "cv-screening-r01", "Controls").value = "A.99.9"
    _cell(ws, "card-fraud-r01", "Title").value = (
        '=CONCATENATE("a formula much longer than forty characters", "!")')
    wb.save(path)
    head = demo_store.head()
    with pytest.raises(excel.WorkbookError) as caught:
        excel.import_workbook(demo_store, path)
    errors = {where.split(", column ")[1]: message for where, message in caught.value.errors}
    assert errors["K (actions)"].startswith("not valid JSON (line 2, column 1: Extra data); "
                                            "nested cells are one JSON array: put each item "
                                            "inside [ ] separated by commas")
    assert errors["J (controls)"].startswith("item 1: unknown Annex A control 'A.99.9'")
    assert errors["C (title)"] == ('a formula (=CONCATENATE("a formula much longer than…); '
                                   "type the value itself: formulas are never imported")
    assert all("\n" not in m for m in errors.values())
    assert demo_store.head() == head
