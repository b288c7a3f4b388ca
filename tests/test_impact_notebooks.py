"""notebooks/impact_assessment.ipynb and notebooks/fairness_check.ipynb run headless with
papermill and under nbval on a copy of the demo store."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.conftest import NOTEBOOKS, execute_notebook, notebook_text, run_nbval

IMPACT = NOTEBOOKS / "impact_assessment.ipynb"
FAIRNESS = NOTEBOOKS / "fairness_check.ipynb"
DATA = Path(__file__).parent / "data" / "predictions.csv"
pytestmark = pytest.mark.notebook


def _errors(nb) -> list:
    return [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]


@pytest.mark.parametrize(("path", "parameters", "controls"), [
    (IMPACT, ["system_id", "database_url"], ["A.5.2", "A.5.3", "A.5.4", "A.5.5"]),
    (FAIRNESS, ["predictions_path", "label_column", "prediction_column", "sensitive_columns",
                "score_column", "system_id", "database_url"], ["A.5.4", "A.6.2.4"]),
])
def test_notebooks_are_stored_clean_with_parameters(path, parameters, controls):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    params = nb.cells[1]
    assert "parameters" in params.metadata.get("tags", [])
    lines = params.source.splitlines()
    assert [line.split(" = ")[0] for line in lines] == parameters
    assert all("  # " in line for line in lines)  # each parameter explains itself
    assert 'database_url = ""' in params.source
    assert nb.metadata["workbench"]["control_ids"] == controls
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert len(cell.source.splitlines()) <= 8  # thin calls only


def test_impact_notebook_renders_assessment_classification_harms_evidence(
        demo_url, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    nb = execute_notebook(IMPACT, tmp_path / "impact.ipynb", {"system_id": "cv-screening"})
    assert not _errors(nb)
    text = notebook_text(nb)
    assert "TalentMatch CV screening" in text and "high-risk" in text
    assert "annex3.4.a" in text and "Fundamental rights" not in text
    assert "never applies" in text  # the reasoning: profiling rules out the derogation
    assert "Qualified older applicants ranked below" in text  # a harm
    assert "fairness-cv-screening-" in text  # the linked fairness evidence
    kinds = [o.get("data", {}).keys() for c in nb.cells for o in c.get("outputs", [])]
    assert sum("application/vnd.plotly.v1+json" in k for k in kinds) == 1
    assert sum("application/vnd.jupyter.widget-view+json" in k for k in kinds) == 1


def test_fairness_notebook_records_evidence_from_the_shipped_file(demo_url, demo_store,
                                                                   monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.setenv("WORKBENCH_USER", "alice")
    before = {e.id for e in demo_store.records("evidence")}
    nb = execute_notebook(FAIRNESS, tmp_path / "fairness.ipynb", {
        "predictions_path": str(DATA), "system_id": "credit-scoring",
        "sensitive_columns": ["gender", "age_band"]})
    assert not _errors(nb)
    new = [e for e in demo_store.records("evidence") if e.id not in before]
    assert len(new) == 1
    evidence = new[0]
    assert evidence.control_ids == ["A.5.4", "A.6.2.4"] and evidence.collected_by == "alice"
    assert [(link.kind, link.id) for link in evidence.links] == [
        ("impact_assessment", "ia-credit-scoring")]
    assert evidence.details["sample_size"] == 300 and evidence.details["source"] == \
        "predictions.csv"
    text = notebook_text(nb)
    assert f"recorded {evidence.id}" in text
    assert "risk-credit-scoring-fairness-age-band-eod" in text  # the breach proposes a risk


@pytest.mark.parametrize("path", [IMPACT, FAIRNESS], ids=["impact", "fairness"])
def test_nbval_runs_the_notebooks_on_the_demo(path, demo_url, tmp_path):
    target = tmp_path / path.name
    target.write_bytes(path.read_bytes())
    result = run_nbval(target, cwd=tmp_path, env={"WORKBENCH_DATABASE_URL": demo_url,
                                                  "WORKBENCH_USER": "alice"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
