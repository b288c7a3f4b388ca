"""``workbench explain`` and ``workbench modelcard``: evidence recorded from a saved model and
a data file, one-line refusals that write nothing, one decision in plain language, cards."""

from __future__ import annotations

import json

import joblib
import numpy as np
import pandas as pd
import pytest
from actors import bootstrap_tester
from sklearn.linear_model import LogisticRegression

from workbench.cli import main
from workbench.model import AISystem, Person
from workbench.store import open_store


@pytest.fixture
def files(tmp_path, monkeypatch):
    """A store with one AI system, a saved model and its held-out rows."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    with open_store(url) as store:
        bootstrap_tester(store)
        store.save(Person(id="pat", name="Pat Lee", roles=["owner"]))
        store.save(AISystem(id="loans", name="Loan scoring", purpose="Score loan applications.",
                            owner="pat", business_unit="Lending", lifecycle_stage="operate",
                            org_roles=["provider"], technique="logistic regression",
                            technique_family="classical_ml", automation_level="partial",
                            oversight_mode="on_the_loop"))
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"income": rng.normal(40, 10, 200), "debts": rng.normal(5, 2, 200),
                         "region": rng.choice(["north", "south"], 200)})
    data["repaid"] = (data["income"] - 3 * data["debts"] + rng.normal(0, 5, 200) > 25
                      ).astype(int)
    model = LogisticRegression().fit(data[["income", "debts"]], data["repaid"])
    joblib.dump(model, tmp_path / "model.joblib")
    data.to_csv(tmp_path / "holdout.csv", index=False)
    return tmp_path, url


def _head(url: str) -> int:
    with open_store(url) as store:
        return store.head()


def test_explain_run_records_evidence(files, capsys):
    folder, url = files
    argv = ["explain", "run", "loans", "--model", str(folder / "model.joblib"), "--data",
            str(folder / "holdout.csv"), "--target", "repaid", "--sensitive", "region",
            "--no-shap"]
    head = _head(url)
    assert main([*argv, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing recorded" in out and _head(url) == head
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("LogisticRegression ") and " on 200 rows: " in out
    assert "recorded evidence explain-loans-" in out
    with open_store(url) as store:
        evidence = store.latest("evidence")[0]
    assert evidence.content["evidence_kind"] == "explanation"
    assert evidence.content["control_ids"] == ["A.6.2.7", "A.8.2"]
    assert evidence.content["details"]["sample_size"] == 200
    assert main(["explain", "show", "loans", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["evidence_id"] == evidence.record_id
    assert [r["feature"] for r in shown["details"]["importance"]] == ["income", "debts"]


@pytest.mark.parametrize("change, message", [
    (lambda d: d.assign(notes="x"), "error: the data has column(s) 'notes' the model was not "
     "fitted on; drop them, or name them as target, sensitive or ignore (model features: "
     "'income', 'debts')"),
    (lambda d: d.drop(columns="debts"), "error: the data lacks column(s) 'debts' that the "
     "model was fitted on (model features: 'income', 'debts'); add them"),
    (lambda d: d.assign(repaid=1), "error: target 'repaid' has a single class (1) in these "
     "200 rows: performance, calibration and importance need both outcomes; use a sample "
     "with both"),
])
def test_bad_data_is_one_line_and_writes_nothing(files, capsys, change, message):
    folder, url = files
    bad = change(pd.read_csv(folder / "holdout.csv"))
    bad.to_csv(folder / "bad.csv", index=False)
    head = _head(url)
    code = main(["explain", "run", "loans", "--model", str(folder / "model.joblib"), "--data",
                 str(folder / "bad.csv"), "--target", "repaid", "--sensitive", "region",
                 "--no-shap"])
    err = capsys.readouterr().err
    assert code == 1 and err.strip() == message, err
    assert _head(url) == head


def test_a_file_that_is_not_a_model(files, capsys):
    folder, url = files
    (folder / "notes.joblib").write_text("not a model")
    code = main(["explain", "run", "loans", "--model", str(folder / "notes.joblib"),
                 "--data", str(folder / "holdout.csv"), "--target", "repaid"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: notes.joblib is not a model saved with joblib "
                                        "or pickle (") and err.count("\n") == 1
    joblib.dump({"weights": [1, 2]}, folder / "dict.joblib")
    code = main(["explain", "run", "loans", "--model", str(folder / "dict.joblib"),
                 "--data", str(folder / "holdout.csv"), "--target", "repaid"])
    assert code == 1 and capsys.readouterr().err == (
        "error: dict has no predict method, so it cannot be explained: give a fitted "
        "scikit-learn estimator or pipeline\n")


def test_explain_decision(files, capsys):
    folder, _ = files
    code = main(["explain", "decision", "--model", str(folder / "model.joblib"), "--data",
                 str(folder / "holdout.csv"), "--row", "0", "--set", "debts=12",
                 "--outcome", "repayment", "--method", "baseline_substitution"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith("The model's estimated probability of repayment for this case "
                             "is ")
    assert any(line.startswith("1. debts = 12: lowered it by ") for line in out), out
    assert out[-2].startswith("How this was worked out: Baseline substitution (occlusion)")
    assert main(["explain", "decision", "--model", str(folder / "model.joblib"), "--data",
                 str(folder / "holdout.csv"), "--set", "income=40"]) == 1
    assert capsys.readouterr().err == ("error: the row lacks value(s) for 'debts', which the "
                                       "model needs; give them\n")


def test_decision_from_data_without_the_model_features_names_them(files, capsys):
    folder, url = files
    model, holdout = str(folder / "model.joblib"), folder / "holdout.csv"
    data = pd.read_csv(holdout)
    data[["income", "region"]].to_csv(folder / "no_debts.csv", index=False)
    data[["region", "repaid"]].to_csv(folder / "other.csv", index=False)
    head = _head(url)
    for name, missing in (("other.csv", "'income', 'debts'"), ("no_debts.csv", "'debts'")):
        assert main(["explain", "decision", "--model", model, "--data", str(folder / name),
                     "--row", "0", "--reference", str(holdout)]) == 1
        assert capsys.readouterr().err == (
            f"error: the data lacks column(s) {missing} that the model was fitted on (model "
            "features: 'income', 'debts'); add them\n")
    # the missing feature given with --set completes the case
    assert main(["explain", "decision", "--model", model, "--data",
                 str(folder / "no_debts.csv"), "--row", "0", "--set", "debts=5",
                 "--reference", str(holdout), "--method", "baseline_substitution"]) == 0
    assert "debts = 5" in capsys.readouterr().out
    assert _head(url) == head


def test_modelcard_fill_show_submit(files, capsys):
    folder, url = files
    assert main(["explain", "run", "loans", "--model", str(folder / "model.joblib"), "--data",
                 str(folder / "holdout.csv"), "--target", "repaid", "--ignore", "region",
                 "--no-shap"]) == 0
    capsys.readouterr()
    head = _head(url)
    assert main(["modelcard", "show", "loans"]) == 1  # none yet: an error, as `explain show`
    assert capsys.readouterr().err == ("error: loans has no model card yet: `workbench "
                                       "modelcard fill loans`\n")
    assert main(["modelcard", "fill", "loans", "--dry-run"]) == 0
    assert "dry run: nothing saved" in capsys.readouterr().out and _head(url) == head
    assert main(["modelcard", "fill", "loans", "--model-version", "1.4"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("filled mc-loans (version 1 by tester at ")
    # No organization record: the provider cannot be filled either.
    assert out.splitlines()[1] == ("still to write before submitting: provider, "
                                   "accuracy_statement, "
                                   "known_limitations, human_oversight, expected_lifetime, "
                                   "maintenance, logging")
    assert main(["modelcard", "submit", "loans"]) == 1
    assert capsys.readouterr().err.startswith("error: cannot submit the model card of loans: "
                                              "7 required item(s) empty: ")
    assert main(["modelcard", "show", "loans", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["status"], shown["stale"], shown["card"]["model_version"]) == (
        "draft", False, "1.4")
    assert main(["modelcard", "list"]) == 0
    assert "mc-loans" in capsys.readouterr().out


def test_a_pickle_whose_class_cannot_be_imported(files, capsys):
    """A real pickle of a class not importable here is not called 'not a model'."""
    import pickle
    import sys
    import types

    folder, url = files
    # pickled where its package existed; loaded where it does not
    module = types.ModuleType("wb_gone_model_pkg")

    class Model:
        pass

    Model.__module__, Model.__qualname__ = module.__name__, "Model"
    module.Model = Model
    sys.modules[module.__name__] = module
    try:
        payload = pickle.dumps(Model())
    finally:
        del sys.modules[module.__name__]
    (folder / "custom.pkl").write_bytes(payload)
    with pytest.raises((ModuleNotFoundError, AttributeError)):
        pickle.loads(payload)
    code = main(["explain", "run", "loans", "--model", str(folder / "custom.pkl"),
                 "--data", str(folder / "holdout.csv"), "--target", "repaid"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: custom.pkl holds a model whose code cannot be "
                                        "imported here (ModuleNotFoundError: ") and \
        err.count("\n") == 1, err
