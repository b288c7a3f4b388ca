"""The dashboards and the system report template, executed headless on the demo store."""

from __future__ import annotations

import pytest

from wbtest import DASHBOARDS, NOTEBOOKS, execute_notebook, notebook_text, run_nbval

pytestmark = pytest.mark.notebook


def test_portfolio_dashboard_runs(demo_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "dev")
    nb = execute_notebook(DASHBOARDS / "portfolio.ipynb", tmp_path / "out.ipynb",
                          {"database_url": demo_url})
    text = notebook_text(nb)
    assert "Viewing as Dev Raman" in text and "read-only" in text
    for title in ("AI systems by EU AI Act tier and lifecycle stage",
                  "Residual risk across the portfolio", "Overdue actions",
                  "Approvals pending and stale", "Readiness against ISO/IEC 42001",
                  "Fairness flags", "Evidence to renew"):
        assert f">{title}</h3>" in text
    assert "Traceback" not in text
    mimes = {m for c in nb.cells for o in c.get("outputs", []) for m in o.get("data", {})}
    assert "application/vnd.plotly.v1+json" in mimes


def _widget_text(nb) -> str:
    """The HTML the notebook's widgets hold (the system dashboard is a widget): HTML values
    and the outputs of Output widgets, from the widget state saved in the notebook."""
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    parts = []
    for model in state.values():
        if model["model_name"] == "HTMLModel":
            parts.append(model["state"]["value"])
        if model["model_name"] == "OutputModel":
            parts += [o["data"].get("text/html", "") for o in model["state"]["outputs"]]
    return "\n".join(parts)


def test_system_dashboard_runs_for_a_system_and_without_one(demo_url, tmp_path):
    nb = execute_notebook(DASHBOARDS / "system.ipynb", tmp_path / "one.ipynb",
                          {"database_url": demo_url, "system_id": "support-chatbot"})
    text = _widget_text(nb)
    assert "Ava customer-service assistant</h2>" in text and "About this system" in text
    assert "Traceback" not in notebook_text(nb) + text
    nb = execute_notebook(DASHBOARDS / "system.ipynb", tmp_path / "none.ipynb",
                          {"database_url": demo_url})
    assert "Choose an AI system to see it in depth." in _widget_text(nb)


def test_dashboard_on_a_missing_store_shows_a_message(tmp_path):
    missing = tmp_path / "missing.db"
    nb = execute_notebook(DASHBOARDS / "portfolio.ipynb", tmp_path / "out.ipynb",
                          {"database_url": f"sqlite:///{missing}"})
    text = notebook_text(nb)
    assert "This dashboard cannot be shown: no store at" in text
    assert "Traceback" not in text and not missing.exists()


def test_system_report_template_runs(demo_url, tmp_path):
    nb = execute_notebook(NOTEBOOKS / "system_report.ipynb", tmp_path / "out.ipynb",
                          {"database_url": demo_url, "system_id": "cv-screening"})
    text = notebook_text(nb)
    assert "TalentMatch CV screening" in text and "Farid Haddad, HR Director" in text
    for section in ("Go-live sign-off", "EU AI Act classification", "Impact assessment",
                    "Risks", "Fairness", "Evidence"):
        assert f">{section}</h3>" in text
    assert "Recruitment and selection (annex3.4.a)" in text and ">High-risk<" in text
    assert ">breach<" in text  # the age-band parity ratio below its threshold
    mimes = [m for c in nb.cells for o in c.get("outputs", []) for m in o.get("data", {})]
    # risk heatmap, evidence, and the monitoring timeline of its most-breached metric
    assert mimes.count("application/vnd.plotly.v1+json") == 3
    assert ">Monitoring" in text
    assert "Traceback" not in text


@pytest.mark.parametrize("path", [NOTEBOOKS / "system_report.ipynb",
                                  DASHBOARDS / "portfolio.ipynb", DASHBOARDS / "system.ipynb"],
                         ids=lambda p: p.name)
def test_nbval(path, demo_url, tmp_path):
    result = run_nbval(path, cwd=tmp_path, env={"WORKBENCH_DATABASE_URL": demo_url})
    assert result.returncode == 0, result.stdout[-3000:]
