"""notebooks/risk_assessment.ipynb runs headless with papermill and under nbval on the demo."""

from __future__ import annotations

import nbformat
import pytest

from wbtest import NOTEBOOKS, execute_notebook, notebook_text, run_nbval

NOTEBOOK = NOTEBOOKS / "risk_assessment.ipynb"
pytestmark = pytest.mark.notebook


def test_notebook_is_stored_clean_with_parameters():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    params = nb.cells[1]
    assert "parameters" in params.metadata.get("tags", [])
    assert 'system_id = ""' in params.source and 'database_url = ""' in params.source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert len(cell.source.splitlines()) <= 8  # thin calls only


def _widgets(nb) -> int:
    return sum("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in nb.cells for o in c.get("outputs", []))


def test_papermill_runs_it_for_one_system(demo_url, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    out = tmp_path / "risk.ipynb"
    nb = execute_notebook(NOTEBOOK, out, {"system_id": "credit-scoring", "interactive": False})
    text = notebook_text(nb)
    assert "credit-scoring-r03" in text and "cv-screening-r01" not in text
    assert "A.6.2.4" in text  # treatments by Annex A control
    # awaiting acceptance: with the sign-off state and whom a pending sign-off awaits
    waiting = nb.cells[-3].outputs[0]["data"]["text/html"]
    assert "credit-scoring-r04" in waiting and "risk owner grace" in waiting
    assert ">Changed since approval</th>" in waiting and ">Sign-off</th>" in waiting
    kinds = [o.get("data", {}).keys() for c in nb.cells for o in c.get("outputs", [])]
    assert sum("application/vnd.plotly.v1+json" in k for k in kinds) == 2
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    # a static report: formatted tables, no widget and no Python repr of one
    assert _widgets(nb) == 0
    assert "RiskHeatmap(" not in text and "RiskRegisterEditor(" not in text
    assert "Explore and edit" not in text
    assert not [o for c in nb.cells for o in c.get("outputs", [])
                if "text/html" not in o.get("data", {}) and o.output_type != "stream"
                and "application/vnd.plotly.v1+json" not in o.get("data", {})]
    html = "\n".join(o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", [])
                     if "text/html" in o.get("data", {}))
    assert "<table" in html and "dataframe" not in html  # no pandas repr
    for header in ("Likelihood \\ consequence", "Inherent level", "Above appetite",
                   "Control ID", "Risk IDs", "Days overdue", "Next review"):
        assert f">{header}</th>" in html, header
    for raw in ("...", "NaT", ">True<", ">False<", "[", "not_required", "days_overdue"):
        assert raw not in html, raw
    assert ">yes<" in html and ">no<" in html and ">not required<" in html


def test_interactive_adds_the_explorer_and_the_editor(demo_url, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    nb = execute_notebook(NOTEBOOK, tmp_path / "risk.ipynb",
                          {"system_id": "credit-scoring", "interactive": True})
    assert _widgets(nb) == 2  # the heatmap explorer and the register editor
    assert "<h2>Explore and edit</h2>" in notebook_text(nb)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]


def test_nbval_runs_it_on_the_demo_portfolio(demo_url, tmp_path):
    target = tmp_path / "risk_assessment.ipynb"
    target.write_bytes(NOTEBOOK.read_bytes())
    result = run_nbval(target, cwd=tmp_path, env={"WORKBENCH_DATABASE_URL": demo_url})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
