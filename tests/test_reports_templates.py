"""Report templates: found by name as package data, parameters read from the parameters cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.errors import NotFoundError, ValidationError
from workbench.reports import find_template, list_templates
from workbench.reports.templates import TemplateParameter, coerce_value, parse_parameters

TEST_NOTEBOOKS = Path(__file__).parent / "notebooks"


def test_shipped_templates_are_found_as_package_data():
    names = [t.name for t in list_templates()]
    assert "system_report" in names
    tpl = find_template("system_report")
    assert tpl.path.name == "system_report.ipynb"
    assert tpl.title == "AI system report"
    assert tpl.parameter_names == ["system_id", "database_url"]
    assert tpl.parameter("system_id").help == "the AI system to report on (its id)"
    assert "workbench" in tpl.imports
    assert tpl.clause_ids == ("9.1",)


def test_template_path_env_adds_templates_first(monkeypatch):
    monkeypatch.setenv("WORKBENCH_TEMPLATE_PATH", str(TEST_NOTEBOOKS))
    names = [t.name for t in list_templates()]
    assert {"system_summary", "broken", "system_report"} <= set(names)
    assert find_template("broken").path == TEST_NOTEBOOKS / "broken.ipynb"


def test_a_path_to_a_notebook_is_a_template():
    tpl = find_template(str(TEST_NOTEBOOKS / "system_summary.ipynb"))
    assert [(p.name, p.type, p.default) for p in tpl.parameters] == [
        ("system_id", "str", "credit-scoring"), ("database_url", "str", ""),
        ("top", "int", 3), ("show_figure", "bool", True)]
    assert {"plotly.graph_objects", "workbench"} <= set(tpl.imports)


def test_unknown_template_names_the_templates():
    with pytest.raises(NotFoundError) as err:
        find_template("quarterly")
    assert str(err.value).startswith("no report template 'quarterly'; templates: ")
    assert "system_report" in str(err.value)
    with pytest.raises(NotFoundError, match="no notebook at 'missing.ipynb'"):
        find_template("missing.ipynb")


def test_parameters_cell_parsing():
    params = parse_parameters('a = 1  # count\nb: float = 2.5\nc = "x#y"  # with a hash\n'
                              "d = None\ne = [1, 2]\nimport os\nf = os.getcwd()\n")
    assert [(p.name, p.type, p.default, p.help) for p in params] == [
        ("a", "int", 1, "count"), ("b", "float", 2.5, ""), ("c", "str", "x#y", "with a hash"),
        ("d", "none", None, ""), ("e", "list", [1, 2], ""), ("f", "none", None, "")]
    with pytest.raises(ValidationError, match="the parameters cell is not valid Python"):
        parse_parameters("a = (")


@pytest.mark.parametrize(("kind", "default", "text", "value"), [
    ("int", 3, "7", 7), ("float", 1.0, "0.5", 0.5), ("bool", True, "no", False),
    ("bool", False, "TRUE", True), ("str", "", "a=b", "a=b"), ("list", [], "[1, 2]", [1, 2]),
    ("none", None, "12", 12), ("none", None, "text", "text"),
])
def test_values_take_the_declared_type(kind, default, text, value):
    assert coerce_value(TemplateParameter(name="p", default=default, type=kind), text) == value


def test_a_value_of_the_wrong_type_is_refused():
    with pytest.raises(ValidationError) as err:
        coerce_value(TemplateParameter(name="top", default=3, type="int"), "many")
    assert str(err.value) == "-p top=many: top takes a whole number (default 3)"


def test_an_unreadable_notebook_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    with pytest.raises(ValidationError, match="is not a readable notebook"):
        find_template(str(bad))


def test_shipped_notebooks_are_stored_without_outputs():
    from workbench.cli._dashboard import dashboards_dir

    for path in [find_template("system_report").path, *dashboards_dir().glob("*.ipynb"),
                 *TEST_NOTEBOOKS.glob("*.ipynb")]:
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert nb["cells"][0]["cell_type"] == "markdown", path.name
        assert "parameters" in code[0]["metadata"].get("tags", []), path.name
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), path.name
