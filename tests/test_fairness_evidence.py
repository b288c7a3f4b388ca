"""Fairness results as evidence: controls, links to the impact assessment, fingerprint and
group sizes in the details, the flags table, proposed risks, the CLI and the report widget."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import pytest
from actors import acting

from workbench import fairness
from workbench.cli import main
from workbench.errors import NotFoundError, ValidationError
from workbench.fairness._evidence import FLAG_COLUMNS
from workbench.model import AISystem, Evidence, Person

DATA = Path(__file__).parent / "data" / "predictions.csv"
WHEN = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc)


def _result():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fairness.FairnessWarning)
        return fairness.check(DATA, label="label", prediction="prediction",
                              sensitive="gender,age_band", score="score")


@pytest.fixture
def seeded(store):
    store.save(Person(id="grace", name="Grace", roles=["owner"]))
    store.save(AISystem(id="credit", name="Credit", purpose="Score", owner="grace",
                        business_unit="Money", lifecycle_stage="operate",
                        org_roles=["provider"], technique="GBM", technique_family="classical_ml",
                        automation_level="partial", oversight_mode="on_the_loop"))
    return store


def test_evidence_records_controls_fingerprint_and_group_sizes(seeded):
    result = _result()
    with acting("grace"):
        saved = fairness.record_evidence(seeded, result, system_id="credit",
                                         collected_at=WHEN)
    ev = saved.record
    assert ev.id == f"fairness-credit-{result.fingerprint[:12]}"
    assert ev.evidence_kind.value == "fairness_metrics"
    assert ev.control_ids == ["A.5.4", "A.6.2.4"] and ev.system_ids == ["credit"]
    assert ev.content_hash == result.fingerprint
    assert ev.expires_at == dt.date(2027, 11, 20)
    assert ev.details["fingerprint"] == result.fingerprint
    assert ev.details["group_sizes"] == {"gender": {"female": 131, "male": 169},
                                         "age_band": {"30-49": 115, "50 and over": 93,
                                                      "under 30": 92}}
    assert ev.details["sample_size"] == 300 and ev.details["breaches"] == 1
    assert ev.links == [] and ev.details["impact_assessment"] is None
    assert "1 value(s) outside" in saved.reason
    # the same data checked again is a new version of the same evidence
    with acting("grace"):
        again = fairness.record_evidence(seeded, result, system_id="credit",
                                         collected_at=WHEN + dt.timedelta(days=30))
    assert again.record_id == saved.record_id and again.version == 2


def test_evidence_links_the_latest_impact_assessment(seeded):
    from workbench import impact

    impact.save_assessment(seeded, {"id": "ia-credit", "system_id": "credit",
                                    "assessor": "grace", "assessed_on": dt.date(2026, 1, 5),
                                    "trigger": "new_system"})
    with acting("grace"):
        saved = fairness.record_evidence(seeded, _result(), system_id="credit",
                                         collected_at=WHEN)
    assert [link.model_dump() for link in saved.record.links] == [
        {"kind": "impact_assessment", "id": "ia-credit"}]
    linked = impact.linked_evidence(seeded, seeded.get("impact_assessment", "ia-credit").record)
    assert list(linked["id"]) == [saved.record_id] and linked["linked"].all()


def test_unknown_system_is_refused(seeded):
    head = seeded.head()
    with pytest.raises(NotFoundError, match="no AI system 'nope'"):
        fairness.record_evidence(seeded, _result(), system_id="nope")
    assert seeded.head() == head


def test_flags_one_row_per_evidence_and_metric(seeded):
    assert fairness.flags(seeded).empty
    with acting("grace"):
        saved = fairness.record_evidence(seeded, _result(), system_id="credit",
                                         collected_at=WHEN, valid_days=30)
    flags = fairness.flags(seeded, as_of=dt.date(2026, 12, 1))
    assert list(flags.columns) == FLAG_COLUMNS
    assert len(flags) == 2 * len(fairness.AGGREGATE_METRICS)
    assert set(flags["evidence_id"]) == {saved.record_id} and set(flags["system_id"]) == {"credit"}
    breach = flags[flags["breach"]]
    assert list(zip(breach["feature"], breach["metric"])) == [("age_band",
                                                              "equalized_odds_difference")]
    assert breach["threshold"].iloc[0] == 0.1 and breach["value"].iloc[0] > 0.1
    assert not flags["expired"].any()
    assert fairness.flags(seeded, as_of=dt.date(2027, 1, 1))["expired"].all()


def test_a_breach_proposes_a_risk(seeded):
    result = _result()
    proposals = fairness.proposed_risks(result, system_id="credit", owner="grace",
                                        evidence_id="ev-1", identified_on=dt.date(2026, 11, 26))
    assert len(proposals) == 1
    p = proposals[0]
    assert p["id"] == "risk-credit-fairness-age-band-eod"
    assert p["objective"] == "objective.fairness" and p["risk_source"] == "source.machine_learning"
    assert p["controls"] == ["A.5.4", "A.6.2.4", "A.7.4"] and p["status"] == "identified"
    assert p["title"].startswith("Fairness: equalized odds difference by age_band is 0.1")
    assert "(evidence ev-1)" in p["description"]
    from workbench.impact import save_proposed_risk

    saved = save_proposed_risk(seeded, p)
    assert saved.record.inherent_likelihood == 4 and saved.record.owner == "grace"
    fair = fairness.assess([1, 0] * 40, [1, 0] * 40, {"g": ["a", "a", "b", "b"] * 20})
    assert not fair.breached
    assert fairness.proposed_risks(fair, system_id="credit", owner="grace") == []


def test_stored_evidence_rebuilds_the_result(seeded):
    result = _result()
    saved = fairness.record_evidence(seeded, result, system_id="credit", collected_at=WHEN)
    again = fairness.load_result(seeded, saved.record_id)
    assert again.fingerprint == result.fingerprint
    assert again.metrics["breach"].sum() == 1
    assert len(again.by_group) == len(result.by_group)
    seeded.save(Evidence(id="doc", title="Doc", evidence_kind="document", collected_by="grace",
                         collected_at=WHEN, uri="https://x.example/doc"))
    with pytest.raises(ValidationError, match="is not a fairness check"):
        fairness.load_result(seeded, "doc")


def test_report_widget(seeded):
    from workbench.widgets import FairnessReport

    saved = fairness.record_evidence(seeded, _result(), system_id="credit", collected_at=WHEN)
    report = FairnessReport.from_evidence(seeded, saved.record_id)
    assert "1 value(s) outside the configured thresholds" in report.summary.value
    assert report.figure.layout.title.text == "Selection rate by gender"
    report.feature_picker.value = "age_band"
    report.metric_picker.value = "true_positive_rate"
    assert report.figure.layout.title.text == "True positive rate by age_band"
    assert len(report.figure.layout.shapes) == 1  # the equalized odds line
    assert list(report.figure.data[0].x) == ["30-49", "50 and over", "under 30"]
    assert report.status.value == ""
    assert ("Mean score", "mean_score") in report.metric_picker.options


# -- command line -----------------------------------------------------------------------------


@pytest.fixture
def cli_store(seeded, store_url):
    return store_url


def _run(url, *args):
    return main(["--database-url", url, "fairness", *args])


def test_cli_check_records_evidence(cli_store, seeded, capsys):
    code = _run(cli_store, "check", str(DATA), "--system", "credit", "--label", "label",
                "--prediction", "prediction", "--sensitive", "gender,age_band",
                "--score", "score")
    out = capsys.readouterr().out
    assert code == 0
    assert "recorded evidence fairness-credit-" in out and "BREACH" in out
    assert "proposed risk risk-credit-fairness-age-band-eod" in out
    heads = [line.split() for line in out.splitlines() if line.startswith("feature ")]
    assert heads == [["feature", "metric", "value", "threshold", "verdict"],
                     ["feature", "group", "rows", "selection", "accuracy", "TPR", "FPR",
                      "size"]]  # every column named
    assert len(seeded.records("evidence")) == 1
    assert _run(cli_store, "flags") == 0
    assert capsys.readouterr().out.splitlines()[0].split()[-2:] == ["verdict", "expiry"]
    assert _run(cli_store, "flags", "--breaches", "--json") == 0
    flags = json.loads(capsys.readouterr().out)
    assert [f["metric"] for f in flags] == ["equalized_odds_difference"]


def test_cli_dry_run_records_nothing(cli_store, seeded, capsys):
    head = seeded.head()
    code = _run(cli_store, "check", str(DATA), "--system", "credit", "--label", "label",
                "--prediction", "prediction", "--sensitive", "gender", "--dry-run", "--json")
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["evidence_id"] is None and seeded.head() == head
    assert payload["details"]["group_sizes"]["gender"] == {"female": 131, "male": 169}


@pytest.mark.parametrize(("csv", "args", "message"), [
    ("label,prediction,sex\n1,1,a\n,0,b\n", [], "label has 1 missing value(s)"),
    ("label,prediction,sex\n1,1,a\n2,0,b\n0,0,a\n", [],
     "label has 3 distinct values (0, 1, 2); the metrics"),
    ("label,prediction,sex\n1,1,a\n0,0,b\n", ["--score", "conf"],
     "has no column 'conf'"),
])
def test_cli_bad_input_exits_1_and_records_nothing(cli_store, seeded, tmp_path, capsys, csv,
                                                   args, message):
    path = tmp_path / "bad.csv"
    path.write_text(csv)
    head = seeded.head()
    code = _run(cli_store, "check", str(path), "--system", "credit", "--label", "label",
                "--prediction", "prediction", "--sensitive", "sex", *args)
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and message in err
    assert seeded.head() == head


def test_cli_refuses_thresholds_that_cannot_flag_their_metric(cli_store, seeded, tmp_path,
                                                             capsys):
    why = "A rationale long enough for the configuration."
    path = tmp_path / "thresholds.yaml"
    path.write_text(json.dumps({"min_group_size": {"value": 30, "rationale": why}, "thresholds": [
        {"metric": "demographic_parity_difference", "bound": "min", "value": 0.9,
         "rationale": why}]}))
    head = seeded.head()
    code = _run(cli_store, "check", str(DATA), "--system", "credit", "--label", "label",
                "--prediction", "prediction", "--sensitive", "gender", "--thresholds", str(path))
    assert code == 1
    assert capsys.readouterr().err == (
        "error: fairness thresholds in thresholds.yaml: thresholds.0: "
        "demographic_parity_difference: bound min cannot flag a difference (0 is parity and a "
        "larger value a larger gap); use bound max\n")
    assert seeded.head() == head


def test_cli_small_groups_are_warned_about(cli_store, seeded, tmp_path, capsys):
    path = tmp_path / "small.csv"
    path.write_text("label,prediction,sex\n" + "1,1,a\n0,0,a\n" * 20 + "1,0,b\n0,0,b\n" * 3)
    assert _run(cli_store, "check", str(path), "--system", "credit", "--label", "label",
                "--prediction", "prediction", "--sensitive", "sex", "--dry-run") == 0
    err = capsys.readouterr().err
    assert "warning: group 'b' of 'sex' has only 6 row(s) (fewer than 30)" in err
    assert "unreliable" in err
