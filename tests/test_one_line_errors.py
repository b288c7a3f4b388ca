"""Bad input gets one line naming the problem (and writes nothing), never a traceback."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from workbench.cli import main


@pytest.fixture
def cli(demo_url, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.setenv("WORKBENCH_USER", "farid")

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


# -- files that are not UTF-8 text ------------------------------------------------------------
def test_a_latin1_csv_is_one_line(cli, tmp_path, demo_store):
    path = tmp_path / "risks.csv"
    path.write_bytes("id,title\ncv-1,Caf\xe9 risk\n".encode("latin-1"))
    head = demo_store.head()
    code, out, err = cli("risk", "import", str(path))
    assert code == 1 and out == "" and demo_store.head() == head
    assert one_error_line(err) == (
        "error: risk file risks.csv is not UTF-8 text (byte 0xe9 at position 17): save it as "
        "UTF-8 (in Excel: \"CSV UTF-8\"), or check that it is the right file")


def test_a_binary_file_is_one_line(cli, tmp_path):
    path = tmp_path / "risks.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    code, _, err = cli("risk", "import", str(path))
    assert code == 1
    assert one_error_line(err).startswith(
        "error: risk file risks.csv is not UTF-8 text (byte 0x89 at position 0)")


def test_latin1_predictions_and_questionnaire_are_one_line(cli, tmp_path, monkeypatch):
    preds = tmp_path / "preds.csv"
    preds.write_bytes("label,prediction,gender\n1,1,f\xe9minin\n".encode("latin-1"))
    code, _, err = cli("fairness", "check", str(preds), "--system", "cv-screening", "--label",
                       "label", "--prediction", "prediction", "--sensitive", "gender")
    assert code == 1
    assert one_error_line(err).startswith("error: predictions file preds.csv is not UTF-8 text "
                                          "(byte 0xe9 at position ")
    questions = tmp_path / "ours.yaml"
    questions.write_bytes("sections:\n  - id: caf\xe9\n".encode("latin-1"))
    monkeypatch.setenv("WORKBENCH_IMPACT_QUESTIONS", str(questions))
    import importlib

    q = importlib.import_module("workbench.impact.questionnaire")
    q._cached.cache_clear()
    try:
        code, _, err = cli("impact", "questionnaire")
    finally:
        q._cached.cache_clear()
    assert code == 1
    assert one_error_line(err) == ("error: questionnaire file ours.yaml is not UTF-8 text (byte "
                                   "0xe9 at position 21): save it as UTF-8, or check that it is "
                                   "the right file")


# -- CSV and YAML shapes ------------------------------------------------------------------------
def test_a_csv_cell_over_the_field_limit_names_its_line(cli, tmp_path, demo_store):
    path = tmp_path / "risks.csv"
    path.write_text("id,title,description\nok-1,Fine,short\nbig-1,Big," + "x" * 140_000
                    + "\n", encoding="utf-8")
    head = demo_store.head()
    code, _, err = cli("risk", "import", str(path))
    assert code == 1 and demo_store.head() == head
    assert ("line 3, (row): a cell is longer than the 131,072 characters a CSV cell may hold "
            "here; shorten it (or import this risk from YAML)") in err.splitlines()
    assert err.splitlines()[-1].startswith("error: risks.csv: ")


def _risk_yaml(day: str) -> str:
    return textwrap.dedent(f"""\
        defaults: &defaults
          system_id: cv-screening
          risk_source: source.level_of_automation
          objective: objective.fairness
          treatment: modify
          owner: farid
          identified_on: {day}
        risks:
          - <<: *defaults
            id: merged-1
            title: Risk sharing its fields through a merge key
            inherent_likelihood: 3
            inherent_consequence: 3
            residual_likelihood: 2
            residual_consequence: 2
        """)


def test_yaml_merge_keys_import(cli, tmp_path, demo_store):
    day = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    path = tmp_path / "risks.yaml"
    path.write_text(_risk_yaml(day), encoding="utf-8")
    code, out, err = cli("risk", "import", str(path))
    assert code == 0, err
    assert out == "imported 1 risk: 1 new, 0 changed, 0 unchanged\n"
    assert demo_store.get("risk", "merged-1").record.owner == "farid"


def test_yaml_whose_risks_come_from_a_merge_key_is_read(cli, tmp_path):
    path = tmp_path / "risks.yaml"
    path.write_text("base: &b\n  risks:\n    - id: x\n<<: *b\n", encoding="utf-8")
    code, _, err = cli("risk", "import", str(path))
    assert code == 1 and "Traceback" not in err and "StopIteration" not in err
    assert "line 3, system_id: required" in err.splitlines()
    assert err.splitlines()[-1].startswith("error: risks.yaml: ")


# -- numbers out of range -----------------------------------------------------------------------
def test_a_huge_version_number_is_refused(cli, demo_store, capsys):
    with pytest.raises(SystemExit) as exited:
        cli("show", "risk", "cv-screening-r01", "--version", "99999999999999999999")
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and out == ""
    assert err == ("workbench show: error: argument --version: 99999999999999999999 is out of "
                   "range (1 to 2,147,483,647) (see `workbench show --help`)\n")
    from workbench.errors import NotFoundError

    with pytest.raises(NotFoundError) as caught:
        demo_store.get("risk", "cv-screening-r01", 99999999999999999999)
    assert str(caught.value) == "risk 'cv-screening-r01' has no version 99999999999999999999"
    assert demo_store.find("risk", "cv-screening-r01", 0) is None


# -- NUL characters, refused on every backend ------------------------------------------------------
def _system(store):
    from workbench.model import AISystem, Person

    store.save(Person(id="ana", name="Ana"), reason="setup")
    return AISystem(id="s-1", name="System", purpose="tests", owner="ana", business_unit="Unit",
                    lifecycle_stage="design", org_roles=["provider"], technique="rules",
                    technique_family="rules", automation_level="partial",
                    oversight_mode="in_the_loop")


def test_a_nul_in_a_reason_is_refused(store):
    from workbench.errors import ValidationError

    system = _system(store)
    head = store.head()
    with pytest.raises(ValidationError) as caught:
        store.save(system, reason="imported\x00 from a tool")
    assert str(caught.value) == ("reason: contains a NUL character (\\x00), which the store "
                                 "cannot keep; remove it")
    assert store.head() == head


@pytest.mark.parametrize("field, value, where", [
    ("name", "Sys\x00tem", "name"),
    ("affected_parties", ["applicants", "car\x00ers"], "affected_parties"),
])
def test_a_nul_in_a_text_field_is_refused(store, field, value, where):
    from workbench.errors import ValidationError

    system = _system(store)
    head = store.head()
    with pytest.raises(ValidationError) as caught:
        store.save(system.model_copy(update={field: value}), reason="nul")
    assert caught.value.errors == [(where, "contains a NUL character (\\x00), which the store "
                                           "cannot keep; remove it")]
    assert store.head() == head


def test_a_nul_deep_in_a_record_is_refused(demo_store):
    from workbench.errors import ValidationError

    current = demo_store.get("risk", "cv-screening-r01")
    actions = [dict(a) for a in current.content["actions"]]
    actions[0]["description"] = "Retrain\x00"
    with pytest.raises(ValidationError) as caught:
        demo_store.save(current.record.model_validate({**current.content, "actions": []})
                        .model_copy(update={"actions": actions}),
                        base_version=current.version)
    assert caught.value.errors[0][0] == "actions.0.description"


def test_other_control_characters_are_refused_tab_and_newlines_are_text(store):
    from workbench.errors import ValidationError

    system = _system(store)
    head = store.head()
    with pytest.raises(ValidationError) as caught:
        store.save(system.model_copy(update={"name": "Sys\x01tem"}), reason="control")
    assert caught.value.errors == [("name", "contains a control character (\\x01), which "
                                            "cannot be shown or exported; remove it")]
    assert store.head() == head
    saved = store.save(system.model_copy(update={"purpose": "one\ttwo\r\nthree"}))
    assert saved.content["purpose"] == "one\ttwo\r\nthree"


def test_an_infinite_or_nan_number_is_refused_and_verify_names_one_stored_before(store):
    import datetime as dt

    from workbench.errors import ValidationError
    from workbench.model import Evidence

    _system(store)
    evidence = Evidence(id="ev-1", title="Latency", evidence_kind="test_result", uri="t.json",
                        collected_by="ana", collected_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    head = store.head()
    for bad in (float("inf"), float("nan")):
        with pytest.raises(ValidationError) as caught:
            store.save(evidence.model_copy(update={"details": {"p99_ms": [12.0, bad]}}))
        assert caught.value.errors == [("details", f"is not a finite number ({bad}), which "
                                                   "the store cannot keep")]
        assert store.head() == head
    # a record changed after it was built is validated again on save
    forged = evidence.model_copy(update={"details": {"p99_ms": float("inf")}})
    with pytest.raises(ValidationError, match=r"details: is not a finite number \(inf\)"):
        store.save(forged)
    assert store.head() == head
    # content written with NaN by an older version: verify names it (no page can read it)
    from tamper import tamper

    saved = store.save(evidence)
    tamper(store, "UPDATE record_versions SET content = replace(content, :old, :new) "
                  "WHERE seq = :seq", old='"details":{}', new='"details":{"x":NaN}', seq=saved.seq)
    problems = [str(p) for p in store.verify().problems]
    assert any("its content is not valid JSON" in p for p in problems), problems


# -- unknown system ids ---------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ("risk", "list", "--system", "nope"),
    ("risk", "list", "--owner", "nope"),
    ("risk", "list", "--level", "nope"),
    ("risk", "list", "--business-unit", "nope"),
    ("risk", "heatmap", "--business-unit", "nope"),
    ("risk", "actions", "--owner", "nope"),
    ("risk", "heatmap", "--system", "nope"),
    ("risk", "actions", "--system", "nope"),
    ("risk", "export", "--system", "nope"),
    ("fairness", "flags", "--system", "nope"),
    ("frameworks", "eu", "--system", "nope"),
    ("impact", "show", "nope"),
    ("systems", "show", "nope"),
])
def test_an_unknown_system_is_an_error_everywhere(cli, argv):
    code, out, err = cli(*argv)
    assert code == 1 and out == "", out
    line = one_error_line(err)
    wanted = {"--owner": "error: no person 'nope' in the store",
              "--level": "error: level 'nope': the levels of the risk criteria in force are low, "
                         "medium, high, critical",
              "--business-unit": "error: no AI system in the business unit 'nope'; the units "
                                 "are: "}.get(argv[2], "error: no AI system 'nope' in the store; "
                                                       "check the id")
    assert line.startswith(wanted), line


def test_a_mistyped_system_gets_a_suggestion(cli):
    code, _, err = cli("risk", "list", "--system", "cv-screenin")
    assert code == 1
    assert one_error_line(err) == ("error: no AI system 'cv-screenin' in the store; did you "
                                   "mean 'cv-screening'? (`workbench list ai_system` shows "
                                   "them)")


def test_library_functions_refuse_an_unknown_system(demo_store):
    from workbench import impact, portfolio, risk
    from workbench.errors import NotFoundError

    data = portfolio.load(demo_store)
    calls = [
        lambda: risk.register(demo_store, system_id="nope"),
        lambda: risk.register(demo_store, system_id=["cv-screening", "nope"]),
        lambda: risk.heatmap_figure(demo_store, system_id="nope"),
        lambda: risk.export_risks(demo_store, system_id="nope"),
        lambda: impact.latest_assessment(demo_store, "nope"),
        lambda: impact.classify_system(demo_store, "nope"),
        lambda: portfolio.evidence_freshness(data, system_id="nope"),
        lambda: portfolio.reports_generated(data, system_id="nope"),
        lambda: portfolio.awaiting_acceptance(data, system_id="nope"),
        lambda: portfolio.fairness_latest(data, system_id="nope"),
    ]
    for n, call in enumerate(calls):
        with pytest.raises(NotFoundError, match="no AI system 'nope' in the store"):
            call()
            pytest.fail(f"call {n} accepted an unknown system")
    assert len(risk.register(demo_store, system_id="cv-screening")) == 6


@pytest.mark.parametrize("argv", [("nc", "list", "--json"), ("incident", "list", "--json"),
                                  ("risk", "list", "--json"), ("monitor", "status", "--json")])
def test_json_output_is_standard_json_missing_values_are_null(cli, argv):
    import json

    def refuse(constant: str):
        raise AssertionError(f"{constant} is not JSON")

    code, out, err = cli(*argv)
    assert code == 0, err
    data = json.loads(out, parse_constant=refuse)
    assert data, out
    if argv[0] == "nc":  # a nonconformity no one has reviewed yet has no reviewer: null
        assert any(row["effectiveness_reviewed_by"] is None for row in data), data


def test_a_level_filter_reads_the_band_in_any_case(cli):
    code, lower, _ = cli("risk", "list", "--level", "high")
    code2, upper, _ = cli("risk", "list", "--level", "High")
    assert code == code2 == 0 and lower == upper and not lower.startswith("0 risks")


def test_a_path_that_cannot_be_written_is_one_line(cli, tmp_path):
    code, out, err = cli("risk", "export", "-o", str(tmp_path / "no" / "such" / "risks.csv"))
    assert code == 1 and out == ""
    assert one_error_line(err) == (f"error: cannot use '{tmp_path / 'no' / 'such' / 'risks.csv'}'"
                                   ": No such file or directory; check the path (does the folder "
                                   "exist, may you write there?)")
