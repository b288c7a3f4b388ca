"""The oversight sign-off notebook, run with papermill and nbval on the demo store."""

from __future__ import annotations

import pytest

from wbtest import NOTEBOOKS, execute_notebook, notebook_text, run_nbval

NOTEBOOK = NOTEBOOKS / "oversight_signoff.ipynb"
pytestmark = pytest.mark.notebook


def test_notebook_is_stored_clean_with_parameters():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.cells[0].cell_type == "markdown"
    params = nb.cells[1]
    assert "parameters" in params.metadata.get("tags", [])
    assert 'user = ""' in params.source and 'database_url = ""' in params.source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_papermill_run_for_an_executive(demo_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    nb = execute_notebook(NOTEBOOK, tmp_path / "out.ipynb", {"user": "elena", "interactive": False})
    text = notebook_text(nb)
    assert "sign-offs of elena" in text
    assert "aims-scope" in text  # awaiting elena
    assert "card-fraud" in text  # the stale approval
    from workbench import oversight
    from workbench.store import open_store

    with open_store(demo_url) as store:
        waiting = len(oversight.pending(store, "elena"))
    assert waiting >= 1
    assert "support-chatbot" in text  # the rejection among recent decisions
    # a static report: formatted tables, no widget and no Python repr of one
    assert "PendingQueue(" not in text and f"Awaiting sign-off by elena ({waiting})" not in text
    assert not [o for c in nb.cells for o in c.get("outputs", [])
                if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    html = "\n".join(o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", [])
                     if "text/html" in o.get("data", {}))
    assert html.count("<table") == 4 and "dataframe" not in html
    for header in ("Record ID", "Sign as", "Waiting days", "Approved version", "Changed fields",
                   "Decided at", "Pending with"):
        assert f">{header}</th>" in html, header
    for raw in ("NaT", "&lt;NA&gt;", ">NaN<", ">True<", ">False<", "...", "+00:00"):
        assert raw not in html, raw
    assert ">approve with conditions<" in html  # a decision as words


def test_interactive_adds_the_queue(demo_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    nb = execute_notebook(NOTEBOOK, tmp_path / "out.ipynb", {"user": "elena",
                                                             "interactive": True})
    from workbench import oversight
    from workbench.store import open_store

    with open_store(demo_url) as store:
        waiting = len(oversight.pending(store, "elena"))
    assert f"Awaiting sign-off by elena ({waiting})" in notebook_text(nb)  # the queue widget
    assert sum("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in nb.cells for o in c.get("outputs", [])) == 1


def test_nbval_with_the_acting_user(demo_url, tmp_path):
    result = run_nbval(NOTEBOOK, cwd=tmp_path, env={"WORKBENCH_DATABASE_URL": demo_url,
                                                   "WORKBENCH_USER": "chloe"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
