"""Commands say what they did: a reference that does not exist, an unreadable file or an empty
value is one error line that writes nothing, and a save that changes nothing says so (and is
still refused to someone who may not make it)."""

from __future__ import annotations

import json

import pytest

from workbench.errors import PermissionDeniedError, ValidationError


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


# -- 1. an incident's monitoring run must be in the store ---------------------------------------
def _next_incident_id(store) -> str:
    from workbench.improvement.incident import _next_id

    return _next_id(store, store.now().date())


def _a_run_of(store, system_id: str) -> str:
    return next(v.record_id for v in store.latest("monitoring_run")
                if v.content["system_id"] == system_id)


def test_an_incident_naming_an_unknown_monitoring_run_is_refused(cli, demo_store, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "ravi")
    head, inc_id = demo_store.head(), _next_incident_id(demo_store)
    code, out, err = cli("incident", "open", "--system", "cv-screening", "--title", "T",
                         "--description", "D", "--monitoring-run", "nope")
    assert code == 1 and out == "" and demo_store.head() == head
    assert one_error_line(err) == (
        f"error: AI incident {inc_id!r}: monitoring_run_id refers to monitoring run 'nope', "
        "which is not in the store; create it first or fix monitoring_run_id")


def test_an_incident_naming_a_run_of_another_system_is_refused(demo_store, monkeypatch):
    from workbench.improvement import open_incident

    monkeypatch.setenv("WORKBENCH_USER", "ravi")
    run_id, head = _a_run_of(demo_store, "card-fraud"), demo_store.head()
    with pytest.raises(ValidationError) as caught:
        open_incident(demo_store, system_id="cv-screening", title="T", description="D",
                      source="monitoring", monitoring_run_id=run_id)
    assert str(caught.value) == (
        f"AI incident {_next_incident_id(demo_store)!r}: monitoring_run_id refers to "
        f"monitoring run {run_id!r}, which is of AI system 'card-fraud', not 'cv-screening'; "
        "fix monitoring_run_id or system_id")
    assert demo_store.head() == head


def test_an_incident_naming_a_run_of_its_system_is_opened(demo_store):
    from workbench.improvement import open_incident

    run_id = _a_run_of(demo_store, "card-fraud")
    saved = open_incident(demo_store, system_id="card-fraud", title="Drift",
                          description="Amounts drifted", source="monitoring",
                          monitoring_run_id=run_id)
    assert saved.version == 1 and saved.record.monitoring_run_id == run_id


# -- 2. a sign-off policy that is not UTF-8 text ------------------------------------------------
def test_a_binary_signoff_policy_is_one_line(cli, demo_store, tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    head = demo_store.head()
    code, out, err = cli("signoff", "policy", "--set", str(path))
    assert code == 1 and out == "" and demo_store.head() == head
    assert one_error_line(err) == (
        "error: sign-off policy bin.yaml is not UTF-8 text (byte 0x89 at position 0): save it "
        "as UTF-8, or check that it is the right file")


# -- 3. oscal -o with no file name --------------------------------------------------------------
def test_oscal_without_a_file_name_is_refused(cli, demo_store, tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.chdir(folder)
    head = demo_store.head()
    code, out, err = cli("oscal", "catalog", "-o", "")
    assert code == 1 and out == "" and demo_store.head() == head
    assert one_error_line(err) == ("error: -o/--output was given an empty value; give the "
                                   "OSCAL file's name, e.g. oscal-catalog.json")
    code, out, err = cli("oscal", "ar", "-o", str(folder))
    assert code == 1 and out == "" and demo_store.head() == head
    assert one_error_line(err) == (f"error: {str(folder)!r} is a folder; give the OSCAL "
                                   "file's name, e.g. oscal-assessment-results.json")
    assert list(folder.iterdir()) == []


# -- 4. saves that change nothing say so --------------------------------------------------------
def _plan_file(cli, tmp_path) -> str:
    code, out, _ = cli("monitor", "plan", "credit-scoring", "--json")
    assert code == 0
    path = tmp_path / "p.json"
    path.write_text(json.dumps({k: v for k, v in json.loads(out).items()
                                if not k.startswith("_")}), encoding="utf-8")
    return str(path)


def test_saving_an_unchanged_monitoring_plan_says_nothing_was_saved(cli, demo_store, tmp_path,
                                                                     monkeypatch):
    path = _plan_file(cli, tmp_path)
    current = demo_store.get("monitoring_plan", "mp-credit-scoring")
    head = demo_store.head()
    monkeypatch.setenv("WORKBENCH_USER", "grace")
    code, out, err = cli("monitor", "plan", "credit-scoring", "--set", path)
    assert code == 0 and err == "" and demo_store.head() == head
    assert out == (f"monitoring plan mp-credit-scoring is unchanged: {path} is its current "
                   f"{current.describe()}; nothing was saved\n")


def test_an_auditor_may_not_save_a_monitoring_plan_even_unchanged(cli, demo_store, tmp_path,
                                                                  monkeypatch):
    from workbench import monitoring

    path = _plan_file(cli, tmp_path)
    head = demo_store.head()
    monkeypatch.setenv("WORKBENCH_USER", "hiro")
    code, out, err = cli("monitor", "plan", "credit-scoring", "--set", path)
    assert code == 1 and out == "" and demo_store.head() == head
    assert one_error_line(err).startswith(
        "error: hiro (auditor) may not save monitoring plan 'mp-credit-scoring': it needs ")
    current = demo_store.get("monitoring_plan", "mp-credit-scoring")
    with pytest.raises(PermissionDeniedError):
        monitoring.save_plan(demo_store, current.content, base_version=current.version)
    assert demo_store.head() == head


def test_filling_a_model_card_again_says_nothing_changed(cli, demo_store, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "farid")
    code, out, _ = cli("modelcard", "fill", "cv-screening")
    assert code == 0 and out.startswith("filled mc-cv-screening (version ")
    current = demo_store.get("model_card", "mc-cv-screening")
    head = demo_store.head()
    code, out, _ = cli("modelcard", "fill", "cv-screening")
    assert code == 0 and demo_store.head() == head
    assert out.splitlines()[0] == (
        f"mc-cv-screening is already filled from its current {len(current.content['sources'])}"
        f" records ({current.describe()}, draft); nothing changed, nothing was saved")
    monkeypatch.setenv("WORKBENCH_USER", "hiro")
    code, out, err = cli("modelcard", "fill", "cv-screening")
    assert code == 1 and out == "" and demo_store.head() == head
    assert one_error_line(err).startswith(
        "error: hiro (auditor) may not save model card 'mc-cv-screening': it needs ")


# -- 5. the same sign-off policy twice ----------------------------------------------------------
def test_setting_the_policy_in_force_again_writes_nothing(cli, demo_store, tmp_path,
                                                          monkeypatch):
    from workbench.oversight.policy import POLICY_FILE

    path = tmp_path / "pol.yaml"
    path.write_text(open(POLICY_FILE, encoding="utf-8").read(), encoding="utf-8")
    code, out, _ = cli("signoff", "policy", "--set", str(path), "--note", "x")
    assert code == 0 and "is now the store's policy (version 1, saved by chloe)" in out
    saved = demo_store.get("signoff_policy", "signoff-policy")
    head = demo_store.head()
    for note in ("x", "another note"):
        code, out, _ = cli("signoff", "policy", "--set", str(path), "--note", note)
        assert code == 0 and demo_store.head() == head
        assert out == (f"the store's sign-off policy in force (version 1, saved by chloe on "
                       f"{saved.saved_at:%Y-%m-%d}) is already the one in {path}; nothing was "
                       "saved\n")
    monkeypatch.setenv("WORKBENCH_USER", "hiro")
    code, out, err = cli("signoff", "policy", "--set", str(path))
    assert code == 1 and out == "" and demo_store.head() == head
    assert one_error_line(err) == ("error: hiro (auditor) may not save sign-off policy "
                                   "'signoff-policy': it needs the role admin (held by chloe)")


# -- 7. empty values are refused ----------------------------------------------------------------
@pytest.mark.parametrize(("argv", "message"), [
    (["signoff", "pending", "--user", ""],
     "error: --user was given an empty value; name whose queue to show (a login), or leave "
     "--user out for your own"),
    (["signoff", "pending", "--user", "  "],
     "error: --user was given an empty value; name whose queue to show (a login), or leave "
     "--user out for your own"),
    (["readiness", "--clause", ""],
     "error: --clause was given an empty value; name a clause (6) or an Annex A objective "
     "(A.6), or leave --clause out for every clause"),
])
def test_empty_values_are_refused(cli, argv, message):
    code, out, err = cli(*argv)
    assert code == 1 and out == ""
    assert one_error_line(err) == message


# -- 8. proposed risks saved once ---------------------------------------------------------------
def test_saving_proposed_risks_again_skips_those_in_the_register(cli, demo_store, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "alice")
    code, out, _ = cli("impact", "risks", "cv-screening", "--save")
    assert code == 0 and "saved risk-cv-screening-h4 (version 1" in out
    head = demo_store.head()
    code, out, err = cli("impact", "risks", "cv-screening", "--save")
    assert code == 0 and err == "" and demo_store.head() == head
    assert "yes (v1)" in out and "\nsaved " not in out
    assert out.splitlines()[-1] == ("already in the risk register, not saved again: "
                                    "risk-cv-screening-h4; nothing was saved")


# -- 9. verify with anchors it cannot read prints no "ok" ---------------------------------------
@pytest.fixture
def anchor_file(cli, tmp_path):
    path = tmp_path / "wb.anchors"
    assert cli("anchor", "--file", str(path))[0] == 0
    return path


def test_verify_with_an_unreadable_public_key_prints_no_ok(cli, anchor_file, tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("not a key\n", encoding="utf-8")
    code, out, err = cli("verify", "--anchors", str(anchor_file), "--public-key", str(key))
    assert code == 1 and out == ""
    assert one_error_line(err).startswith(f"error: cannot read the anchor public key {key}: ")


@pytest.mark.parametrize("content", [None, "\n"])
def test_verify_with_a_missing_or_empty_anchor_file_prints_no_ok(cli, tmp_path, content):
    path = tmp_path / "wb.anchors"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = cli("verify", "--anchors", str(path))
    assert code == 1 and out == ""
    assert one_error_line(err) == (f"error: no anchor file at {str(path)!r}" if content is None
                                   else f"error: the anchor file {str(path)!r} holds no "
                                   "anchors")


def test_verify_with_good_anchors_is_ok(cli, anchor_file):
    code, out, err = cli("verify", "--anchors", str(anchor_file))
    assert code == 0 and err == ""
    assert out.startswith("ok: ") and out.splitlines()[-1] == "anchors ok: 1 anchor"


# -- 10. help and ranges say what the command accepts -------------------------------------------
def test_risk_list_help_names_every_signoff_state(cli, capsys):
    from workbench.model.states import SignOffState

    with pytest.raises(SystemExit):
        cli("risk", "list", "--help")
    text = " ".join(capsys.readouterr().out.split())
    for state in SignOffState:
        assert state.value in text, state


@pytest.mark.parametrize("points", ["0", "61"])
def test_readiness_trend_points_out_of_range_gives_the_real_range(cli, capsys, points):
    with pytest.raises(SystemExit) as exited:
        cli("readiness", "trend", "--points", points)
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and out == ""
    assert f"argument --points: {points} is out of range (1 to 60)" in err.splitlines()[-1]
