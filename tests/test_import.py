"""``import workbench`` and ``workbench --help`` stay light: no pandas, plotly, SQLAlchemy,
papermill or ipywidgets until a feature needs them."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["pandas", "plotly", "sqlalchemy", "papermill", "ipywidgets", "fairlearn", "alembic",
         "sklearn", "shap"]


def _loaded_after(code: str) -> set[str]:
    probe = (
        "import sys, json\n"
        f"{code}\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_workbench_is_light():
    assert _loaded_after("import workbench") == set()


def test_import_explain_is_light():
    """The explanation feature (and the model card record the store loads) import nothing
    heavy: scikit-learn, pandas and shap load when an explanation is computed."""
    assert _loaded_after("import workbench.explain; import workbench.explain.model") == set()


def test_cli_help_is_light():
    code = (
        "import contextlib, io\n"
        "from workbench.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    loaded = _loaded_after(code)
    assert not loaded & {"pandas", "sqlalchemy", "papermill", "plotly"}, loaded


def test_lazy_attributes_resolve():
    import workbench as wb

    assert wb.open_store.__name__ == "open_store"
    assert issubclass(wb.WorkbenchError, Exception)
    assert "catalog" in dir(wb)
