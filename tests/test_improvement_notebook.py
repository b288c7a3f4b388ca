"""The internal audit report: stored clean with parameters, run under papermill on the demo
store, and by name through `workbench report internal_audit`."""

from __future__ import annotations

import nbformat
import pytest

from workbench.cli import main
from workbench.render import esc

from wbtest import NOTEBOOKS, execute_notebook, notebook_text

AUDIT = NOTEBOOKS / "internal_audit.ipynb"
pytestmark = pytest.mark.notebook


def test_notebook_is_stored_clean_with_parameters():
    nb = nbformat.read(AUDIT, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    params = nb.cells[1]
    assert params.metadata.get("tags") == ["parameters"]
    assert 'database_url = ""' in params.source and 'audit_id = ""' in params.source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert len(cell.source.splitlines()) <= 6


def test_notebook_renders_the_findings_and_the_nonconformities(demo_url, tmp_path,
                                                               monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    nb = execute_notebook(AUDIT, tmp_path / "audit.ipynb")
    text = notebook_text(nb)
    assert "Internal audit: Context, leadership and planning (clauses 4 to 6) and go-live" in text
    assert ("Findings:</b> 3 conforming, 1 observation, 1 improvement, 1 minor nc" in text)
    assert esc("Go-live of the support chatbot approved on a red-team test") in text
    assert "ai_policy/ai-policy" in text  # a record the auditor sampled
    assert ">nc-1<" in text and ">in progress<" in text and ">1 overdue<" in text
    # the checklist table: headers for people, lists joined, no pandas repr
    checklist = nb.cells[-1].outputs[0]["data"]["text/html"]
    assert "A.6.2.5" in checklist and ">Requirement ID</th>" in checklist
    assert ">Records sampled</th>" in checklist and ">ai_policy/ai-policy<" in checklist
    for raw in ("requirement_id", "[", "...", "dataframe", ">minor_nc<"):
        assert raw not in checklist, raw


def test_report_command_runs_it_by_name(demo_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.chdir(tmp_path)
    assert main(["report", "internal_audit", "--out", "out", "--no-evidence"]) == 0
    html = (tmp_path / "out" / "internal_audit.html").read_text(encoding="utf-8")
    assert "Internal audit: Context, leadership and planning" in html and "nc-1" in html
    # a planned audit: its checklist to work from, no findings yet
    assert main(["report", "internal_audit", "--out", "planned", "--no-evidence",
                 "-p", "audit_id=life-cycle"]) == 0
    html = (tmp_path / "planned" / "internal_audit.html").read_text(encoding="utf-8")
    assert "not completed" in html and "No finding recorded for this audit." in html
    assert "The audit raised no nonconformity." in html and "A.7.4" in html
    capsys.readouterr()
