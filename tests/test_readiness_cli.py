"""``workbench readiness``, ``workbench soa`` and ``workbench frameworks`` on the demo store,
and their one-line refusals."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from workbench.cli import main


@pytest.fixture
def cli(demo_url, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.setenv("WORKBENCH_USER", "chloe")

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_readiness_summary_clause_and_gaps(cli):
    code, out, _ = cli("readiness", "--no-verify")
    assert code == 0
    assert out.startswith("readiness ") and "items to do" in out
    assert "A.10" in out and "Third-party" in out
    code, out, _ = cli("readiness", "--clause", "9", "--no-verify")
    assert code == 0
    assert "9.3.2        met      review mr-1 considered 7 of 7 required inputs" in out
    assert "A.6" not in out
    code, out, _ = cli("readiness", "--gaps", "--no-verify")
    assert "to do (" in out and "7.4          MISSING" in out


def test_readiness_json(cli):
    code, out, _ = cli("readiness", "--json", "--clause", "A.6")
    data = json.loads(out)
    assert code == 0 and {r["id"] for r in data["requirements"]} == {
        "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.4", "A.6.2.5", "A.6.2.6",
        "A.6.2.7", "A.6.2.8"}
    assert data["by_clause"][0]["group"] == "A.6"
    assert any(g["requirement"] == "A.6.2.4" for g in data["gaps"])


def test_readiness_show_one_requirement(cli):
    code, out, _ = cli("readiness", "show", "6.1.4")
    assert code == 0
    assert "requirement  6.1.4 AI system impact assessment" in out
    assert "rule         ai_system_impact_assessment: Met when every in-scope AI" in out
    assert "Store demand forecasting (demand-forecast): no impact assessment" in out
    code, out, _ = cli("readiness", "show", "A.6.2.4", "--json")
    data = json.loads(out)
    assert data["id"] == "A.6.2.4" and data["reads"] == ["evidence", "ai_system"]
    assert any(e.startswith("ev-cv-screening-02 (expired ") for e in data["expired"])
    # --no-verify is accepted before or after `show`, as with `trend`
    for argv in (("readiness", "show", "7.5.3", "--no-verify", "--json"),
                 ("readiness", "--no-verify", "show", "7.5.3", "--json")):
        code, out, err = cli(*argv)
        assert code == 0 and json.loads(out)["id"] == "7.5.3", err


@pytest.mark.parametrize(("argv", "fragment"), [
    (["readiness", "show", "A.9.9"], "error: unknown requirement 'A.9.9'; did you mean A.9.4"),
    (["readiness", "--clause", "12"], "error: unknown requirement '12'"),
    (["soa", "set", "A.2.2", "--applicable", "no", "--justification", ""],
     ("error: invalid entry A.2.2: A.2.2 is excluded: give the justification for excluding it "
     "(required either way)")),
    (["soa", "set", "A.5.9", "--applicable", "yes", "--justification", "x"],
     "error: unknown Annex A control 'A.5.9'"),
    (["soa", "set", "A.2.2"], "error: nothing to change: give --applicable"),
    (["frameworks", "eu", "--system", "nope"], "error: no AI system 'nope' in the store"),
])
def test_bad_input_is_one_line_and_exit_1(cli, argv, fragment):
    code, _out, err = cli(*argv)
    assert code == 1 and err.startswith(fragment), err
    assert err.count("\n") == 1


def test_soa_show_export_set_issues(cli, tmp_path):
    code, out, _ = cli("soa", "show")
    assert code == 0
    assert out.startswith("NOT APPROVED: version 1 awaits sign-off by executive.")
    assert "37 included, 1 excluded, 0 to decide" in out
    target = tmp_path / "soa.html"
    code, out, _ = cli("soa", "export", "-o", str(target))
    html = target.read_text()
    assert code == 0 and f"wrote {target}" in out
    assert html.startswith("<!DOCTYPE html>") and "Larkspur Group — Statement of " \
                                                   "Applicability" in html
    assert "Larkspur does not provide AI systems to other organizations" in html
    code, out, _ = cli("soa", "export", "--format", "csv", "-o", "-")
    assert out.splitlines()[0].startswith("control_id,objective_id,objective_title,title,")
    assert len(out.strip().splitlines()) == 39
    code, out, _ = cli("soa", "set", "A.10.4", "--applicable", "yes", "--justification",
                       "Now we serve business customers.", "--implementation", "planned")
    assert code == 0 and out.startswith("A.10.4 updated: version 2 by chloe")
    code, out, _ = cli("soa", "show")
    assert out.startswith("NOT APPROVED: version 2 changed after its sign-off was requested: "
                          "the request is for an earlier version, so request sign-off "
                          "again.")  # the edit outdated the pending request; never
    # approved, the current version is shown, flagged
    code, out, _ = cli("soa", "show", "--current")
    assert "A.10.4   yes" in out
    code, out, _ = cli("soa", "issues", "--json")
    assert code == 0 and isinstance(json.loads(out), list)


def test_soa_draft_and_submit_on_a_new_store(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    monkeypatch.setenv("WORKBENCH_USER", "alex")  # an assessor drafts the SoA
    from test_readiness_rules import build_base

    import workbench as wb

    with wb.open_store(url) as store:
        org = build_base(store)
        org.criteria()
        org.risk("r1", controls=["A.6.2.4"])
    assert main(["soa", "draft"]) == 0
    out = capsys.readouterr().out
    assert "1 controls decided, 37 to decide; nothing saved" in out
    assert main(["soa", "draft", "--save", "--owner", "chloe"]) == 0
    assert "37 controls to decide" in capsys.readouterr().out
    assert main(["soa", "submit"]) == 1
    assert "decide whether A.2.2 applies before submitting" in capsys.readouterr().err


def test_frameworks(cli):
    code, out, _ = cli("frameworks", "nist")
    assert code == 0 and out.splitlines()[0].split() == [
        "function", "subcategories", "covered", "met", "partial", "missing", "n/a"]
    assert "GOVERN    19" in out
    code, out, _ = cli("frameworks", "nist", "--function", "MAP")
    assert "MAP 1.1" in out and "GOVERN" not in out.split("\n\n", 1)[1]
    code, out, _ = cli("frameworks", "eu")
    assert "ClearCredit consumer credit scoring (credit-scoring): high-risk" in out
    assert "art27" in out
    code, out, _ = cli("frameworks", "eu", "--system", "card-fraud")
    assert code == 0 and "no high-risk AI system 'card-fraud'" in out


def test_help_stays_light():
    code = ("import sys, json; from workbench.cli import build_parser; p = build_parser(); "
            "print(json.dumps([m for m in ('pandas', 'sqlalchemy', 'plotly') "
            "if m in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert json.loads(result.stdout) == []
    help_text = subprocess.run([sys.executable, "-m", "workbench", "--help"],
                               capture_output=True, text=True, check=True).stdout
    for command in ("readiness", "soa", "frameworks"):
        assert command in help_text
