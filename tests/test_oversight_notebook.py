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
    nb = execute_notebook(NOTEBOOK, tmp_path / "out.ipynb", {"user": "elena"})
    text = notebook_text(nb)
    assert "sign-offs of elena" in text
    assert "aims-scope" in text  # awaiting elena
    assert "card-fraud" in text  # the stale approval
    from workbench import oversight
    from workbench.store import open_store

    with open_store(demo_url) as store:
        waiting = len(oversight.pending(store, "elena"))
    assert waiting >= 1
    assert f"Awaiting sign-off by elena ({waiting})" in text  # the queue widget
    assert "support-chatbot" in text  # the rejection among recent decisions


def test_nbval_with_the_acting_user(demo_url, tmp_path):
    result = run_nbval(NOTEBOOK, cwd=tmp_path, env={"WORKBENCH_DATABASE_URL": demo_url,
                                                   "WORKBENCH_USER": "chloe"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
