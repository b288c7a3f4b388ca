"""What a plain `pip install` ships: every package, every data file, the migrations' head."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from wbtest import REPO

tomllib = pytest.importorskip("tomllib")

MAPPED = {"widgets": "workbench.widgets", "notebooks": "workbench.notebooks",
          "dashboards": "workbench.dashboards"}


def _config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def _packages_on_disk() -> dict[str, Path]:
    found = {}
    for init in sorted((REPO / "workbench").rglob("__init__.py")):
        folder = init.parent
        if "__pycache__" in folder.parts:
            continue
        found[".".join(folder.relative_to(REPO).parts)] = folder
    for folder, name in MAPPED.items():
        found[name] = REPO / folder
    return found


def test_every_package_is_listed():
    listed = set(_config()["packages"])
    on_disk = set(_packages_on_disk())
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - on_disk == set(), "listed packages that do not exist"


def test_every_data_file_is_shipped():
    config = _config()
    patterns = config["package-data"]
    missing = []
    for name, folder in _packages_on_disk().items():
        for path in folder.rglob("*"):
            if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            rel = path.relative_to(folder).as_posix()
            # Files in a sub-package belong to that package, not this one.
            if any((folder / p).joinpath("__init__.py").exists()
                   for p in Path(rel).parents if str(p) != "."):
                continue
            wanted = patterns.get(name, []) + patterns.get("*", [])
            if not any(fnmatch.fnmatch(rel, pat) for pat in wanted):
                missing.append(f"{name}: {rel}")
    assert missing == [], "add package-data patterns for these"


def test_package_dir_maps_the_ui_folders():
    assert _config()["package-dir"] == {"workbench": "workbench", **{
        v: k for k, v in MAPPED.items()}}


def test_templates_are_found_as_package_data():
    from importlib.resources import files

    names = {p.name for p in files("workbench.notebooks").iterdir()}
    assert any(n.endswith(".ipynb") for n in names)
    assert any(p.name.endswith(".ipynb") for p in files("workbench.dashboards").iterdir())


def test_schema_revision_is_the_migrations_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from workbench.store._tables import SCHEMA_REVISION

    cfg = Config()
    cfg.set_main_option("script_location", str(REPO / "workbench/store/migrations"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_REVISION


def test_test_modules_have_unique_names():
    """pytest imports test modules by their basename: two with one name break collection."""
    import collections

    tests = Path(__file__).parent
    names = collections.Counter(p.name for p in tests.rglob("test_*.py"))
    assert [n for n, count in names.items() if count > 1] == []
