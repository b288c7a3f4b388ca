"""``workbench catalog ...`` commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import workbench.catalog as cat
from workbench.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _id_lines(out: str, prefix: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines() if line.startswith(prefix)]


def test_controls_lists_the_38_annex_a_controls(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "catalog", "controls")
    assert code == 0 and err == ""
    assert _id_lines(out, "A.") == list(cat.control_ids())
    assert len(_id_lines(out, "A.")) == 38
    assert out.splitlines()[0].split() == ["id", "title", "objective"]


def test_controls_of_one_objective(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "controls", "--objective", "A.6")
    assert code == 0
    assert len(_id_lines(out, "A.6.")) == 9 and len(_id_lines(out, "A.")) == 9


def test_controls_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "controls", "--json")
    data = json.loads(out)
    assert code == 0 and len(data) == 38
    assert data[0]["id"] == "A.2.2" and data[0]["objective_title"] == "Policies related to AI"
    assert data[0]["evidence"] and data[0]["principles"]


def test_show_a_control_with_its_crosswalk(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "catalog", "show", "A.6.2.4")
    assert code == 0 and err == ""
    assert "AI system verification and validation" in out
    assert "A.6 AI system life cycle" in out
    for label in ("guidance", "evidence:", "principles", "NIST AI RMF:", "EU AI Act:"):
        assert label in out
    assert "MEASURE 2.1:" in out and "art15: Accuracy, robustness and cybersecurity" in out


def test_show_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "show", "A.5.2", "--json")
    data = json.loads(out)
    assert code == 0 and data["kind"] == "control" and data["item"]["id"] == "A.5.2"
    assert "MAP 1.1" in [link["id"] for link in data["crosswalk"]["nist"]]
    assert "art27" in [link["id"] for link in data["crosswalk"]["eu_articles"]]


@pytest.mark.parametrize(
    ("item_id", "fragment"),
    [
        ("6.1.3", "Statement of Applicability"),
        ("GOVERN 1.1", "A.2.2: AI policy"),
        ("art6.3", "profiling"),
        ("annex3.5.b", "fraud"),
        ("objective.fairness", "Fairness"),
        ("amendment.digital_omnibus_ai", "2027-12-02"),
    ],
)
def test_show_other_items(capsys: pytest.CaptureFixture[str], item_id: str, fragment: str) -> None:
    code, out, _ = run(capsys, "catalog", "show", item_id)
    assert code == 0 and fragment in out


def test_unknown_id_is_one_error_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "catalog", "show", "A.6.2.9")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: unknown catalog id 'A.6.2.9'; did you mean A.6.2.8")
    assert "workbench catalog controls" in lines[0]
    for argv in (("crosswalk", "GOVERN 9.9"), ("controls", "--objective", "A.11")):
        code, _, err = run(capsys, "catalog", *argv)
        assert code == 1 and len(err.strip().splitlines()) == 1 and err.startswith("error: ")


def test_clauses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "clauses")
    assert code == 0
    nine = ["9.1", "9.2", "9.2.1", "9.2.2", "9.3", "9.3.1", "9.3.2", "9.3.3"]
    assert _id_lines(out, "9.") == nine
    assert "AI risk treatment process" in out
    code, out, _ = run(capsys, "catalog", "clauses", "--json")
    data = json.loads(out)
    assert len(data) == len(cat.clause_ids()) and data[0]["depth"] == 1


def test_crosswalk(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "crosswalk", "A.5.2")
    assert code == 0
    assert "MAP 1.1" in out and "art27" in out and "partially_covers" in out
    code, out, _ = run(capsys, "catalog", "crosswalk", "MEASURE 2.11", "--json")
    data = json.loads(out)
    assert [link["id"] for link in data["iso"]] == ["A.5.4", "A.5.5"]
    code, out, _ = run(capsys, "catalog", "crosswalk", "annex3.2")
    assert code == 0 and "no links" in out


@pytest.mark.parametrize(
    ("view", "prefix", "count", "fragment"),
    [
        ("articles", "art", 31, "Human oversight"),
        ("practices", "art5.", 8, "Social scoring"),
        ("annex-iii", "annex3.", 32, "Creditworthiness"),
        ("dates", "20", 10, "reported"),
    ],
)
def test_eu_views(
    capsys: pytest.CaptureFixture[str], view: str, prefix: str, count: int, fragment: str
) -> None:
    code, out, _ = run(capsys, "catalog", "eu", view)
    assert code == 0 and fragment in out
    assert len(_id_lines(out, prefix)) == count


def test_eu_defaults_to_articles_and_dates_name_their_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "catalog", "eu")
    assert code == 0 and "art14" in out
    code, out, _ = run(capsys, "catalog", "eu", "dates")
    assert "2027-12-02" in out and "2028-08-02" in out
    assert "approved by the Council (reported)" in out
    assert "reported; not confirmed against the Official Journal" in out.replace("\n", " ")
    code, out, _ = run(capsys, "catalog", "eu", "dates", "--json")
    assert {d["id"] for d in json.loads(out)} >= {"date.general_application"}


def test_nist_annex_c_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "nist", "--function", "MAP")
    assert code == 0 and len(_id_lines(out, "MAP")) == 18
    code, out, _ = run(capsys, "catalog", "annex-c")
    assert len(_id_lines(out, "objective.")) == 11 and len(_id_lines(out, "source.")) == 7
    code, out, _ = run(capsys, "catalog", "sources")
    assert code == 0
    for path in cat.DATA_DIR.glob("*.yaml"):
        assert path.name in out
    assert "licence" in out


def test_catalog_without_an_action_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog")
    assert code == 2 and "controls" in out and "crosswalk" in out


def test_the_catalog_commands_do_not_import_pandas() -> None:
    code = (
        "import sys\n"
        "from workbench.cli import main\n"
        "for argv in (['catalog', 'controls'], ['catalog', 'show', 'A.6.2.4'],\n"
        "             ['catalog', 'crosswalk', 'A.5.2'], ['catalog', 'eu', 'dates']):\n"
        "    assert main(argv) == 0\n"
        "print('pandas' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip() == "False"
