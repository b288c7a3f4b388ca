"""notebooks/impact_assessment.ipynb and notebooks/fairness_check.ipynb run headless with
papermill and under nbval on a copy of the demo store."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from wbtest import NOTEBOOKS, execute_notebook, notebook_text, run_nbval

IMPACT = NOTEBOOKS / "impact_assessment.ipynb"
FAIRNESS = NOTEBOOKS / "fairness_check.ipynb"
DATA = Path(__file__).parent / "data" / "predictions.csv"
pytestmark = pytest.mark.notebook


def _errors(nb) -> list:
    return [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]


@pytest.mark.parametrize(("path", "parameters", "controls"), [
    (IMPACT, ["system_id", "database_url", "interactive"], ["A.5.2", "A.5.3", "A.5.4", "A.5.5"]),
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
    # a headless report has no editing form (interactive=False by default)
    assert sum("application/vnd.jupyter.widget-view+json" in k for k in kinds) == 0
    assert "<h2>Edit</h2>" not in text


def test_impact_notebook_names_what_it_shows(demo_url, demo_store, monkeypatch, tmp_path):
    """Headless, the report reads as names: the system, people, Annex III points and risks."""
    import datetime as dt

    from workbench.model import Evidence

    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    demo_store.save(Evidence(  # an earlier run of this report, recorded as evidence
        id="report-ia-cv", title="AI system impact assessment: TalentMatch CV screening",
        evidence_kind="report", collected_by="chloe", content_hash="a" * 64,
        collected_at=dt.datetime.now(dt.timezone.utc), control_ids=["A.5.2"],
        system_ids=["cv-screening"]))
    nb = execute_notebook(IMPACT, tmp_path / "impact.ipynb", {"system_id": "cv-screening"})
    text = notebook_text(nb)
    assert "Recruitment and selection (annex3.4.a)" in text  # the title, the id in brackets
    assert "Which Annex III use cases is the system intended for?" in text
    assert "Impact assessment of TalentMatch CV screening" in text
    assert "Impact assessment of cv-screening" not in text
    people = {p.id: p.name for p in demo_store.records("person")}
    assessment = demo_store.get("impact_assessment", "ia-cv-screening")
    assert f"saved by {people[assessment.author]}" in text
    assert f">{people[assessment.record.assessor]}</td>" in text
    risk = demo_store.get("risk", assessment.record.measures[0].risk_ids[0]).record
    assert f"{risk.title} ({risk.id})" in text  # a measure's risk by its title
    assert "vulnerable_group" not in text and "Vulnerable group" in text
    assert "in_place" not in text and "hard_to_reverse" not in text
    assert ">nan<" not in text and "T10:00:00Z" not in text  # dates for people
    assert "AI system impact assessment:" not in text  # reports are not their own evidence


def test_impact_notebook_interactive_adds_the_form(demo_url, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    nb = execute_notebook(IMPACT, tmp_path / "impact.ipynb",
                          {"system_id": "cv-screening", "interactive": True})
    assert not _errors(nb)
    kinds = [o.get("data", {}).keys() for c in nb.cells for o in c.get("outputs", [])]
    assert sum("application/vnd.jupyter.widget-view+json" in k for k in kinds) == 1
    assert "<h2>Edit</h2>" in notebook_text(nb)


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
    figures = [o["data"]["application/vnd.plotly.v1+json"] for c in nb.cells
               for o in c.get("outputs", []) if "application/vnd.plotly.v1+json" in
               o.get("data", {})]
    # one chart per sensitive feature: the breaching one (age band) is shown too
    assert [f["layout"]["title"]["text"] for f in figures] == [
        "Selection rate by gender", "Selection rate by age_band"]


def test_fairness_notebook_reports_its_warnings_not_on_stderr(demo_url, monkeypatch, tmp_path):
    """The demo's 'undisclosed' gender group is too small: the warning is listed under Warnings
    in the report, and no stderr block (a source path and code) is printed with it."""
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    nb = execute_notebook(FAIRNESS, tmp_path / "fairness.ipynb")
    assert not _errors(nb)
    streams = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream"]
    assert [o["name"] for o in streams] == ["stdout"]  # "recorded ...", nothing on stderr
    text = notebook_text(nb)
    assert "FairnessWarning" not in text and "warnings.warn" not in text
    assert "<b>Warnings</b>" in text and "has only 24 row(s)" in text


@pytest.mark.parametrize("path", [IMPACT, FAIRNESS], ids=["impact", "fairness"])
def test_nbval_runs_the_notebooks_on_the_demo(path, demo_url, tmp_path):
    target = tmp_path / path.name
    target.write_bytes(path.read_bytes())
    result = run_nbval(target, cwd=tmp_path, env={"WORKBENCH_DATABASE_URL": demo_url,
                                                  "WORKBENCH_USER": "alice"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
