"""Exported risks carry their version; an import cannot undo someone else's later edit."""

from __future__ import annotations

import csv
import io

import pytest

from workbench.cli import main


@pytest.fixture
def cli(demo_url, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.setenv("WORKBENCH_USER", "farid")

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _edit(store, risk_id: str, title: str, reason: str) -> int:
    current = store.get("risk", risk_id)
    return store.save(current.record.model_copy(update={"title": title}),
                      base_version=current.version, reason=reason).version


def test_export_carries_each_version_and_imports_back_unchanged(cli, demo_store, tmp_path):
    _edit(demo_store, "cv-screening-r02", "Recruiters rubber-stamp the ranking", "reworded")
    out = tmp_path / "risks.csv"
    code, text, err = cli("risk", "export", "--system", "cv-screening", "-o", str(out))
    assert code == 0 and err == "", err
    rows = _rows(out.read_text(encoding="utf-8"))
    assert [(r["id"], r["_version"]) for r in rows] == [
        ("cv-screening-r01", "1"), ("cv-screening-r02", "2"), ("cv-screening-r03", "1"),
        ("cv-screening-r04", "1"), ("cv-screening-r05", "2"), ("cv-screening-r06", "1")]
    head = demo_store.head()
    code, text, _ = cli("risk", "import", str(out))
    assert code == 0 and text == "imported 0 risks: 0 new, 0 changed, 6 unchanged\n"
    assert demo_store.head() == head
    yaml_out = tmp_path / "risks.yaml"
    assert cli("risk", "export", "--system", "cv-screening", "-o", str(yaml_out))[0] == 0
    code, text, _ = cli("risk", "import", str(yaml_out))
    assert code == 0 and text == "imported 0 risks: 0 new, 0 changed, 6 unchanged\n"


def test_reimporting_an_older_export_is_a_conflict_listed_by_line(cli, demo_store, tmp_path):
    old = tmp_path / "old.csv"
    assert cli("risk", "export", "--system", "cv-screening", "-o", str(old))[0] == 0
    _edit(demo_store, "cv-screening-r02", "Recruiters rubber-stamp the ranking (reviewed)",
          "reworded after the steering review")
    head = demo_store.head()
    code, out, err = cli("risk", "import", str(old))
    assert code == 1 and out == "" and demo_store.head() == head
    first = err.splitlines()[0]
    assert first.startswith("line 4, _version: risk 'cv-screening-r02' was edited from "
                            "version 1, but farid saved version 2 at "), first
    assert first.endswith("(reworded after the steering review); importing this row would "
                          "undo that: export again and reapply the edit, or import with "
                          "--overwrite to replace it"), first
    assert err.splitlines()[-1].startswith(
        "error: old.csv: 1 row based on an older version than the store's; nothing was "
        "imported (first: line 4, _version: ")
    assert demo_store.get("risk", "cv-screening-r02").record.title == (
        "Recruiters rubber-stamp the ranking (reviewed)")


def test_overwrite_needs_the_flag_and_the_reason_records_it(cli, demo_store, tmp_path):
    old = tmp_path / "old.csv"
    assert cli("risk", "export", "--system", "cv-screening", "-o", str(old))[0] == 0
    original = demo_store.get("risk", "cv-screening-r02").record.title
    _edit(demo_store, "cv-screening-r02", "Someone else's wording", "reworded")
    code, out, err = cli("risk", "import", str(old), "--overwrite")
    assert code == 0, err
    assert out == ("imported 1 risk: 0 new, 1 changed (1 overwriting a newer version), "
                   "5 unchanged\n")
    saved = demo_store.get("risk", "cv-screening-r02")
    assert saved.version == 3 and saved.record.title == original
    assert saved.reason == ("imported from old.csv; --overwrite replaced newer versions: "
                            "cv-screening-r02 v2 by farid (row based on v1)")


def test_a_row_changing_a_risk_must_say_which_version_it_was_edited_from(cli, demo_store,
                                                                         tmp_path):
    export = tmp_path / "risks.csv"
    assert cli("risk", "export", "--system", "cv-screening", "-o", str(export))[0] == 0
    rows = _rows(export.read_text(encoding="utf-8"))
    rows[0]["title"] = "Edited in a spreadsheet"
    rows[0]["_version"] = ""
    rows[1]["_version"] = "7"
    rows[2]["_version"] = "two"
    edited = tmp_path / "edited.csv"
    with edited.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    head = demo_store.head()
    code, _, err = cli("risk", "import", str(edited))
    assert code == 1 and demo_store.head() == head
    assert "line 2, _version: risk 'cv-screening-r01' exists (version 1 by " in err, err
    assert ("and this row does not say which version it was edited from; export the risks "
            "again (`workbench risk export`, which writes _version) and reapply the edit, or "
            "import with --overwrite to replace it") in err
    assert "line 4, _version: risk 'cv-screening-r02' has no version 7 (the latest is 1)" in err
    assert ("line 5, _version: must be the version the row was exported at (a positive "
            "whole number), got 'two'") in err
    assert "error: edited.csv: 3 problems in 3 rows; nothing was imported" in err
    # With the versions as exported, the edit imports as a new version.
    rows[0]["_version"], rows[1]["_version"], rows[2]["_version"] = "1", "1", "1"
    with edited.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out, _ = cli("risk", "import", str(edited))
    assert code == 0 and out == "imported 1 risk: 0 new, 1 changed, 5 unchanged\n"
    assert demo_store.get("risk", "cv-screening-r01").record.title == "Edited in a spreadsheet"


def test_a_new_risk_cannot_name_a_version(demo_store, tmp_path):
    from workbench import risk
    from workbench.errors import ValidationError

    text, _ = risk.export_risks(demo_store, system_id="cv-screening")
    rows = _rows(text)
    rows[0]["id"] = "brand-new"
    out = tmp_path / "new.csv"
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerow(rows[0])
    with pytest.raises(ValidationError) as caught:
        risk.import_risks(demo_store, out)
    assert caught.value.errors == [(
        "line 2, _version", "risk 'brand-new' is not in the store, so it has no version 1; "
        "leave _version empty to create it")]


def test_an_import_racing_an_edit_still_cannot_undo_it(demo_store, demo_url, tmp_path,
                                                       monkeypatch):
    """The versions are checked again inside the store's write lock."""
    from workbench import risk
    from workbench.errors import ConflictError

    text, _ = risk.export_risks(demo_store, system_id="cv-screening")
    rows = _rows(text)
    rows[1]["title"] = "My edit"
    out = tmp_path / "mine.csv"
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    from workbench.store import open_store

    save_many = demo_store.save_many

    def edit_first(items, **kwargs):  # someone saves between the check and the save
        with open_store(demo_url) as theirs:
            _edit(theirs, "cv-screening-r02", "Their edit", "theirs")
        return save_many(items, **kwargs)

    monkeypatch.setattr(demo_store, "save_many", edit_first)
    with pytest.raises(ConflictError):
        risk.import_risks(demo_store, out)
    assert demo_store.get("risk", "cv-screening-r02").record.title == "Their edit"


def test_an_import_cannot_record_someone_elses_acceptance_nor_a_future_one(
        demo_url, demo_store, monkeypatch, capsys, tmp_path):
    """alice, on the card-fraud team, may edit its risks but not accept one in sven's name."""
    import datetime as dt

    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.setenv("WORKBENCH_USER", "alice")
    out = tmp_path / "risks.csv"
    assert main(["risk", "export", "--system", "card-fraud", "-o", str(out)]) == 0
    rows = _rows(out.read_text(encoding="utf-8"))
    later = dt.date.today() + dt.timedelta(days=30)
    for row in rows:
        if row["id"] == "card-fraud-r01":
            row.update(status="accepted", accepted_by="sven", accepted_on=str(later),
                       acceptance_rationale="Within our fraud loss budget")
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    capsys.readouterr()
    head = demo_store.head()
    for dry in ([], ["--dry-run"]):
        assert main(["risk", "import", str(out), *dry]) == 1
        err = capsys.readouterr().err
        assert "an acceptance is recorded by the person accepting (or the AI governance lead): " \
            "alice cannot record one in sven's name" in err, err
        assert f"{later} is in the future" in err, err
    assert demo_store.head() == head
    # and a dry run says who may not save a row at all
    monkeypatch.setenv("WORKBENCH_USER", "hiro")
    rows[0].update(status="treated", accepted_by="", accepted_on="", acceptance_rationale="",
                   title="edited by the auditor")
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["risk", "import", str(out), "--dry-run"]) == 1
    assert "hiro (auditor) may not save risk 'card-fraud-r01'" in capsys.readouterr().err
    assert demo_store.head() == head


def test_a_closed_risk_is_not_accepted(demo_store):
    from actors import acting

    from workbench.errors import ValidationError
    from workbench.risk import accept_risk

    head = demo_store.head()
    with acting("ines"), pytest.raises(ValidationError, match=r"^risk card-fraud-r06 is closed"):
        accept_risk(demo_store, "card-fraud-r06", rationale="accepted after all")
    assert demo_store.head() == head
