"""The Statement of Applicability and readiness notebooks: stored clean, run headless with
papermill on the demo store, and with nbval."""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest

import workbench as wb

from wbtest import NOTEBOOKS, execute_notebook, notebook_text

SOA = NOTEBOOKS / "statement_of_applicability.ipynb"
READINESS = NOTEBOOKS / "readiness.ipynb"
pytestmark = pytest.mark.notebook


@pytest.mark.parametrize("path", [SOA, READINESS], ids=["soa", "readiness"])
def test_notebooks_are_stored_clean_with_parameters(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    params = nb.cells[1]
    assert params.metadata.get("tags") == ["parameters"]
    assert 'database_url = ""' in params.source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert len(cell.source.splitlines()) <= 6  # thin calls into the library


def test_soa_notebook_prints_every_control_with_its_justification(demo_url, demo_store,
                                                                 tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    nb = execute_notebook(SOA, tmp_path / "soa.ipynb")
    text = notebook_text(nb)
    assert "Larkspur Group — Statement of Applicability" in text
    assert "NOT APPROVED: version 1 awaits sign-off by executive." in text
    table = wb.readiness.soa_table(demo_store)
    for cid, justification in zip(table["control_id"], table["justification"], strict=True):
        assert f">{cid}<" in text
        assert wb.render.esc(justification) in text
    assert "<p>pending: version 1 awaits executive</p>" in text  # the sign-off status cell
    assert "'pending" not in text  # a paragraph, not a str repr
    issues = nb.cells[4].outputs[0]["data"]["text/html"]
    assert ">Control ID</th>" in issues and ">Issue</th>" in issues
    assert "dataframe" not in issues and "..." not in issues
    assert "SoAEditor(" not in text


def test_readiness_notebook_names_the_gaps(demo_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    nb = execute_notebook(READINESS, tmp_path / "readiness.ipynb", {"clause": "A.6",
                                                                  "interactive": False})
    text = notebook_text(nb)
    assert "readiness " in text and "Gaps (" in text
    assert "add evidence for A.6.2.4" in text
    assert "ev-cv-screening-02 (expired" in text
    assert "GOVERN" in text and "credit-scoring" in text
    gaps = text.split("Gaps (", 1)[1].split(">Function</th>", 1)[0]  # up to the NIST tables
    assert "7.4" not in gaps  # only A.6 assessed
    # a static report: formatted tables, no widget and no Python repr of one
    assert "ReadinessSummary(" not in text and "<h2>Explore</h2>" not in text
    assert not [o for c in nb.cells for o in c.get("outputs", [])
                if o.output_type == "stream" or "text/html" not in o.get("data", {})
                and "application/vnd.plotly.v1+json" not in o.get("data", {})]
    html = "\n".join(o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", [])
                     if "text/html" in o.get("data", {}))
    assert "dataframe" not in html
    for header in ("Function", "Not applicable", "Subcategory", "Requirements", "System ID",
                   "Article title", "Missing"):
        assert f">{header}</th>" in html, header
    for raw in ("[]", "['", "...", ">True<", ">False<", "not_applicable"):
        assert raw not in html, raw
    nist = wb.readiness.nist_coverage(wb.readiness.assess(wb.open_store(demo_url), only="A.6"))
    assert html.count(">GOVERN 1.") == (nist["subcategory"].str.startswith("GOVERN 1.")).sum()


def test_readiness_notebook_interactive_adds_the_explorer(demo_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    nb = execute_notebook(READINESS, tmp_path / "readiness.ipynb",
                          {"clause": "A.6", "interactive": True})
    assert "<h2>Explore</h2>" in notebook_text(nb)
    assert sum("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in nb.cells for o in c.get("outputs", [])) == 1


def test_both_notebooks_pass_nbval(demo_url, tmp_path):
    env = {**os.environ, "WORKBENCH_DATABASE_URL": demo_url, "WORKBENCH_USER": "chloe"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), str(SOA), str(READINESS)],
        check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout or "passed" in result.stdout
