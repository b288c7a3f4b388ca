"""Follow-ups of an audit of the command line: a submit that changes nothing says so, a
monitoring plan's JSON saves back, a monitoring run's JSON says what it did to each record,
sign-off views name a stale model card, ids are never cut in lists, and plainer messages."""

from __future__ import annotations

import datetime as dt
import json

import joblib
import numpy as np
import pandas as pd
import pytest
from actors import acting
from monitoring_data import SYSTEM, sample
from sklearn.linear_model import LogisticRegression

from workbench.cli import main
from workbench.cli._output import print_table


# -- 1. modelcard submit of a card already submitted ------------------------------------------
def test_submitting_an_unchanged_submitted_card_says_nothing_was_saved(cli, demo_store):
    assert demo_store.get("model_card", "mc-credit-scoring").content["status"] == "submitted"
    head = demo_store.head()
    code, out, err = cli("modelcard", "submit", "credit-scoring")
    assert (code, err) == (0, "")
    assert out.startswith("mc-credit-scoring is already submitted (version 2 by ")
    assert out.endswith(") and unchanged; nothing was saved\n")
    assert "submitted mc-credit-scoring" not in out and len(out.splitlines()) == 1
    assert demo_store.head() == head


def test_modelcard_list_heads_its_stale_column(cli):
    code, out, _ = cli("modelcard", "list")
    header = out.splitlines()[0].split()
    assert code == 0 and header == ["system", "card", "version", "status", "sign-off", "stale",
                                    "changed"]
    row = next(line for line in out.splitlines() if line.startswith("cv-screening "))
    assert row.split()[4:7] == ["approved", "yes", "newer"]


# -- 2. a monitoring plan's --json output saved back with --set --------------------------------
def test_monitoring_plan_json_saves_back_with_its_version_as_base(cli, demo_store, tmp_path):
    code, out, _ = cli("monitor", "plan", "credit-scoring", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["_version"] == 1
    file = tmp_path / "plan.json"
    file.write_text(json.dumps(shown | {"_saved_by": "someone"}))
    head = demo_store.head()
    code, out, err = cli("monitor", "plan", "credit-scoring", "--set", str(file))
    assert (code, err) == (0, "") and "is unchanged" in out and "nothing was saved" in out
    assert demo_store.head() == head

    file.write_text(json.dumps(shown | {"frequency_days": 14}))
    code, out, err = cli("monitor", "plan", "credit-scoring", "--set", str(file))
    assert (code, err) == (0, "") and out.startswith("saved monitoring plan, version 2 by ")
    assert demo_store.get("monitoring_plan", "mp-credit-scoring").content[
        "frequency_days"] == 14

    # an edit of the version-1 copy, made while version 2 was saved: a conflict, not overwritten
    file.write_text(json.dumps(shown | {"frequency_days": 21}))
    head = demo_store.head()
    code, out, err = cli("monitor", "plan", "credit-scoring", "--set", str(file))
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert "after your version 1" in err and "Nothing was saved" in err
    assert demo_store.head() == head
    assert demo_store.get("monitoring_plan", "mp-credit-scoring").version == 2


def test_monitoring_plan_every_one_day(cli, demo_store, tmp_path):
    code, out, _ = cli("monitor", "plan", "credit-scoring", "--json")
    file = tmp_path / "plan.json"
    file.write_text(json.dumps(json.loads(out) | {"frequency_days": 1}))
    assert cli("monitor", "plan", "credit-scoring", "--set", str(file))[0] == 0
    code, out, _ = cli("monitor", "plan", "credit-scoring")
    every = next(line for line in out.splitlines() if line.startswith("every "))
    assert code == 0 and every.split() == ["every", "1", "day"]


# -- 3. monitor run --json says what happened to each record -----------------------------------
def test_monitor_run_json_says_raised_updated_or_left_unchanged(planned, tmp_path, capsys):
    ref = str(tmp_path / "ref.csv")
    sample(seed=2).to_csv(ref, index=False)
    risk, nc = f"risk:monitoring-{SYSTEM}", f"nonconformity:nc-monitoring-{SYSTEM}"

    def run(shift: float, *extra: str) -> dict:
        cur = str(tmp_path / "cur.csv")
        sample(seed=1, shift=shift).to_csv(cur, index=False)
        with acting("ravi"):
            assert main(["monitor", "run", SYSTEM, "--current", cur, "--reference", ref,
                         "--json", *extra]) == 0
        return json.loads(capsys.readouterr().out)

    def actions(out: dict) -> list[tuple]:
        assert "raised" not in out  # every record is under "records", with what happened
        return [(r["record"], r["action"], r["base_version"], r["version"])
                for r in out["records"]]

    assert actions(run(2, "--dry-run")) == [(risk, "would raise", None, None),
                                            (nc, "would raise", None, None)]
    assert actions(run(2)) == [(risk, "raised", None, 1), (nc, "raised", None, 1)]
    head = planned.head()
    assert actions(run(3, "--dry-run")) == [(risk, "would update", 1, 2),
                                            (nc, "would update", 1, 2)]
    assert planned.head() == head
    assert actions(run(3)) == [(risk, "updated", 1, 2), (nc, "updated", 1, 2)]
    assert actions(run(3, "--dry-run")) == [(risk, "would leave unchanged", 2, 2),
                                            (nc, "would leave unchanged", 2, 2)]
    out = run(3)
    assert actions(out) == [(risk, "left unchanged", 2, 2), (nc, "left unchanged", 2, 2)]
    assert out["outcome"] == "breach" and out["dry_run"] is False


# -- 4. sign-off views of a stale model card ---------------------------------------------------
STALE = "the card is stale: newer explanation evidence explain-cv-screening"


def test_signoff_request_of_an_approved_stale_card_says_it_is_stale(cli, demo_store):
    head = demo_store.head()
    code, out, err = cli("signoff", "request", "model_card", "mc-cv-screening")
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert err.startswith("error: sign-off of model card 'mc-cv-screening' version 2 is "
                          "already approved")
    assert f"; but {STALE}" in err
    assert "refill it (workbench modelcard fill cv-screening)" in err
    assert demo_store.head() == head


def test_signoff_status_of_a_stale_card_says_it_is_stale(cli):
    code, out, _ = cli("signoff", "status", "model_card", "mc-cv-screening")
    assert code == 0 and "approved (card stale)" in out
    assert "the card is stale: newer explanation" in " ".join(out.split())
    code, out, _ = cli("signoff", "status", "model_card", "mc-cv-screening", "--json")
    data = json.loads(out)
    assert data["state"] == "approved" and data["card_stale"] is True
    assert data["card_staleness"].startswith(STALE)
    # a card whose sources did not change: no staleness mentioned
    code, out, _ = cli("signoff", "status", "model_card", "mc-credit-scoring")
    assert code == 0 and "stale" not in out
    assert json.loads(cli("signoff", "status", "model_card", "mc-credit-scoring",
                          "--json")[1])["card_stale"] is False
    code, out, _ = cli("signoff", "status", "model_card")
    rows = {line.split()[1]: line for line in out.splitlines()[2:]}
    assert "approved (card stale)" in rows["mc-cv-screening"]
    assert "stale" not in rows["mc-credit-scoring"]


# -- 5. ids are never cut in lists -------------------------------------------------------------
def test_print_table_never_cuts_an_id(capsys):
    ident = "nc-monitoring-cv-screening-with-a-long-id"
    print_table([(ident, "a title " * 20)], ["id", "title"], max_width=40)
    out = capsys.readouterr().out.splitlines()
    assert out[2].startswith(ident + "  a title") and out[2].endswith("…")


@pytest.mark.parametrize(("command", "ident"), [
    ("nc", "nc-monitoring-cv-screening"), ("incident", "inc-monitoring-cv-screening")])
def test_nc_and_incident_lists_keep_ids_whole_at_80_columns(cli, monkeypatch, command, ident):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = cli(command, "list")
    assert code == 0
    assert any(line.startswith(ident + " ") for line in out.splitlines()), out
    assert "…" in out  # something else (the titles) is cut instead


# -- 6. messages -------------------------------------------------------------------------------
@pytest.fixture
def model_files(tmp_path):
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"income": rng.normal(40, 10, 200), "debts": rng.normal(5, 2, 200)})
    data["repaid"] = (data["income"] - 3 * data["debts"] > 25).astype(int)
    model = LogisticRegression().fit(data[["income", "debts"]], data["repaid"])
    joblib.dump(model, tmp_path / "model.joblib")
    data.to_csv(tmp_path / "holdout.csv", index=False)
    return tmp_path, data


def test_decision_on_a_header_only_file_says_it_has_no_rows(model_files, capsys):
    folder, data = model_files
    data.iloc[:0].to_csv(folder / "empty.csv", index=False)
    assert main(["explain", "decision", "--model", str(folder / "model.joblib"), "--data",
                 str(folder / "empty.csv"), "--row", "0", "--reference",
                 str(folder / "holdout.csv")]) == 1
    err = capsys.readouterr().err
    assert err == ("error: --row 0: empty.csv has no rows (only a header); give a file with "
                   "the case in it, or its values with --set COL=VALUE\n")
    assert "-1" not in err


def test_decision_names_the_columns_without_a_value(model_files, capsys, monkeypatch):
    folder, data = model_files
    data.loc[0, ["income", "debts"]] = np.nan
    data.to_csv(folder / "gaps.csv", index=False)
    called = []
    model = joblib.load(folder / "model.joblib")
    original = type(model).predict_proba

    def spy(self, X):
        called.append(len(X))
        return original(self, X)

    monkeypatch.setattr(type(model), "predict_proba", spy)
    assert main(["explain", "decision", "--model", str(folder / "model.joblib"), "--data",
                 str(folder / "gaps.csv"), "--row", "0", "--reference",
                 str(folder / "holdout.csv"), "--method", "baseline_substitution"]) == 1
    assert capsys.readouterr().err == ("error: the row has no value (NaN) for 'income', "
                                       "'debts', which the model needs; give a value for "
                                       "each\n")
    assert all(n != 1 for n in called)  # the model never saw the case


def test_incident_list_says_1_day_left(cli, demo_store):
    from workbench import improvement as imp

    today = dt.date.today()
    imp.open_incident(demo_store, id="inc-tomorrow", system_id="clinical-triage",
                      title="Due tomorrow", description="A serious incident.",
                      detected_on=today - dt.timedelta(days=14),
                      aware_on=today - dt.timedelta(days=14), severity="high", serious=True)
    code, out, _ = cli("incident", "list")
    row = next(line for line in out.splitlines() if line.startswith("inc-tomorrow "))
    assert code == 0 and "1 day left" in row and "1 days" not in row
