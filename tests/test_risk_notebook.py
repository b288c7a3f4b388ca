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


def test_papermill_runs_it_for_one_system(demo_url, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    out = tmp_path / "risk.ipynb"
    nb = execute_notebook(NOTEBOOK, out, {"system_id": "credit-scoring"})
    text = notebook_text(nb)
    assert "credit-scoring-r03" in text and "cv-screening-r01" not in text
    assert "A.6.2.4" in text  # treatments by Annex A control
    # awaiting acceptance: with the sign-off state and whom a pending sign-off awaits
    waiting = nb.cells[-3].outputs[0]["data"]["text/html"]
    assert "credit-scoring-r04" in waiting and "risk owner grace" in waiting
    assert "changed_since_approval" in waiting and "signoff" in waiting
    kinds = [o.get("data", {}).keys() for c in nb.cells for o in c.get("outputs", [])]
    assert sum("application/vnd.plotly.v1+json" in k for k in kinds) == 2
    assert sum("application/vnd.jupyter.widget-view+json" in k for k in kinds) == 2
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]


def test_nbval_runs_it_on_the_demo_portfolio(demo_url, tmp_path):
    target = tmp_path / "risk_assessment.ipynb"
    target.write_bytes(NOTEBOOK.read_bytes())
    result = run_nbval(target, cwd=tmp_path, env={"WORKBENCH_DATABASE_URL": demo_url})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
