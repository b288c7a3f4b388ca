"""wb.explain on real fitted models: importance with its spread, partial dependence,
performance overall and by group, calibration, fingerprints, and one-line refusals."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

import workbench as wb
from workbench.errors import ConfigurationError, ValidationError
from workbench.explain import _checks as C
from workbench.explain import _compute


def threshold_data() -> pd.DataFrame:
    """40 rows: y is 1 exactly when x0 > 0; x1 and x2 are noise; two groups of 20."""
    rng = np.random.default_rng(7)
    x0 = np.concatenate([np.linspace(-2, -0.1, 20), np.linspace(0.1, 2, 20)])
    return pd.DataFrame({"x0": x0, "x1": rng.normal(size=40), "x2": rng.normal(size=40),
                         "group": ["a", "b"] * 20, "y": (x0 > 0).astype(int)})


@pytest.fixture(scope="module")
def tree():
    data = threshold_data()
    model = DecisionTreeClassifier(max_depth=1, random_state=0).fit(data[["x0", "x1", "x2"]],
                                                                    data["y"])
    return model, data


def test_a_model_that_uses_one_feature(tree):
    model, data = tree
    result = wb.explain.explain(model, data, target="y", sensitive="group", top=1, shap=False)
    imp = result.importance.set_index("feature")
    assert list(result.importance["feature"])[0] == "x0", result.importance
    assert imp.loc["x1", "importance_mean"] == 0.0 and imp.loc["x2", "importance_mean"] == 0.0
    assert imp.loc["x1", "importance_max"] == 0.0 and imp.loc["x1", "importance_std"] == 0.0
    assert imp.loc["x0", "importance_mean"] > 0.2
    assert imp.loc["x0", "importance_min"] <= imp.loc["x0", "importance_mean"] <= \
        imp.loc["x0", "importance_max"]
    assert result.performance == {"accuracy": 1.0, "balanced_accuracy": 1.0,
                                  "positive_rate": 0.5, "roc_auc": 1.0, "brier_score": 0.0}
    # A depth-1 tree predicts 0 below its threshold and 1 above it, whatever x1 and x2 are.
    pdp = result.partial_dependence
    assert set(pdp["feature"]) == {"x0"} == set(result.top_features(1))
    assert set(pdp["average"].round(9)) == {0.0, 1.0}
    assert (pdp.loc[pdp["value"] < -0.1, "average"] == 0.0).all()
    assert (pdp.loc[pdp["value"] > 0.1, "average"] == 1.0).all()
    # Probabilities are exactly 0 or 1: the first and last calibration bins, 20 rows each.
    assert result.calibration.to_dict(orient="list") == {
        "bin": [0, 9], "mean_predicted": [0.0, 1.0], "fraction_positive": [0.0, 1.0],
        "count": [20, 20]}
    groups = result.by_group.set_index("group")
    assert groups["count"].to_dict() == {"a": 20, "b": 20}
    assert groups["accuracy"].to_dict() == {"a": 1.0, "b": 1.0}
    assert result.sample_size == 40 and result.features == ["x0", "x1", "x2"]
    assert result.model["estimator"] == "DecisionTreeClassifier"
    # 40 rows are enough for this test, not for a decision about a real model: it says so
    assert result.notes[0] == ("only 40 rows: importances, partial dependence and group "
                               "figures from fewer than 100 rows are unstable; explain the "
                               "model on a larger sample before relying on them")


def test_importance_is_sklearns_own(tree):
    """No figure of our own: the same numbers as calling scikit-learn with the same settings."""
    model, data = tree
    ours = wb.explain.importance(model, data[["x0", "x1", "x2"]], data["y"], n_repeats=7,
                                 random_state=3)
    theirs = permutation_importance(model, data[["x0", "x1", "x2"]], data["y"], n_repeats=7,
                                    random_state=3)
    by_feature = ours.set_index("feature").loc[["x0", "x1", "x2"]]
    np.testing.assert_array_equal(by_feature["importance_mean"], theirs.importances_mean)
    np.testing.assert_array_equal(by_feature["importance_std"], theirs.importances_std)
    np.testing.assert_array_equal(by_feature["importance_max"], theirs.importances.max(axis=1))


def test_a_regressor():
    x0 = np.arange(30, dtype=float)
    data = pd.DataFrame({"x0": x0, "x1": np.tile([1.0, -1.0, 0.5], 10),
                         "site": ["north", "south", "east"] * 10, "y": 2 * x0 + 1})
    model = LinearRegression().fit(data[["x0", "x1"]], data["y"])
    result = wb.explain.explain(model, data, target="y", sensitive="site", shap=False)
    assert result.task == "regression" and result.score_kind == "prediction"
    assert result.performance["r2"] == pytest.approx(1.0)
    assert result.performance["mean_absolute_error"] == pytest.approx(0.0, abs=1e-9)
    assert abs(result.importance.set_index("feature").loc["x1", "importance_mean"]) < 1e-9
    assert result.calibration is None
    assert "calibration needs predicted probabilities: not applicable to a regressor" in \
        result.notes
    assert result.by_group.set_index("group")["count"].to_dict() == {"east": 10, "north": 10,
                                                                      "south": 10}


def test_a_pipeline_with_a_categorical_column():
    data = pd.DataFrame({"colour": ["red", "blue", "green", "red"] * 15,
                         "size": np.linspace(0, 1, 60)})
    data["y"] = ((data["colour"] == "red") | (data["size"] > 0.8)).astype(int)
    model = Pipeline([("encode", ColumnTransformer([("c", OneHotEncoder(), ["colour"])],
                                                   remainder="passthrough")),
                      ("model", LogisticRegression(C=100))]).fit(data[["colour", "size"]],
                                                                 data["y"])
    result = wb.explain.explain(model, data, target="y", top=2, shap=False)
    colours = result.partial_dependence[result.partial_dependence["feature"] == "colour"]
    assert sorted(colours["value"]) == ["blue", "green", "red"]
    red = colours.set_index("value").loc["red", "average"]
    assert red > colours.set_index("value").loc["blue", "average"]
    assert result.feature_types == {"colour": "str", "size": "float64"} or \
        result.feature_types == {"colour": "object", "size": "float64"}


# --------------------------------------------------------------------------- refusals


def test_an_object_without_predict(tree):
    _, data = tree
    with pytest.raises(wb.explain.NotAnEstimatorError) as caught:
        wb.explain.explain(object(), data, target="y")
    assert str(caught.value) == C.MSG_NO_PREDICT.format(name="object")
    assert str(caught.value) == ("object has no predict method, so it cannot be explained: "
                                 "give a fitted scikit-learn estimator or pipeline")


def test_an_unfitted_model(tree):
    _, data = tree
    with pytest.raises(wb.explain.NotAnEstimatorError, match="^LogisticRegression is not "
                       "fitted: fit it on training data before explaining it$"):
        wb.explain.explain(LogisticRegression(), data, target="y")


def test_missing_and_extra_columns(tree):
    model, data = tree
    with pytest.raises(wb.explain.ColumnMismatchError) as caught:
        wb.explain.explain(model, data.drop(columns="x2"), target="y", sensitive="group")
    assert str(caught.value) == ("the data lacks column(s) 'x2' that the model was fitted on "
                                 "(model features: 'x0', 'x1', 'x2'); add them")
    with pytest.raises(wb.explain.ColumnMismatchError) as caught:
        wb.explain.explain(model, data.assign(note="x"), target="y", sensitive="group")
    assert str(caught.value) == ("the data has column(s) 'note' the model was not fitted on; "
                                 "drop them, or name them as target, sensitive or ignore "
                                 "(model features: 'x0', 'x1', 'x2')")
    assert wb.explain.explain(model, data.assign(note="x"), target="y", sensitive="group",
                              ignore="note", shap=False).sample_size == 40
    with pytest.raises(wb.explain.ColumnMismatchError, match="^the data has no target column "
                       "'outcome'"):
        wb.explain.explain(model, data, target="outcome")


def test_a_column_the_model_cannot_take():
    data = pd.DataFrame({"x0": np.linspace(-1, 1, 20), "colour": [0, 1] * 10})
    model = LogisticRegression().fit(data, (data["x0"] > 0).astype(int))
    bad = data.assign(colour=["red", "blue"] * 10, y=(data["x0"] > 0).astype(int))
    with pytest.raises(wb.explain.NonNumericColumnError) as caught:
        wb.explain.explain(model, bad, target="y")
    message = str(caught.value)
    assert message.startswith("column 'colour' is not numeric (")
    assert "e.g. 'red') and the model cannot take it (ValueError: " in message
    assert message.endswith("; encode it, or explain a pipeline that does")
    assert "\n" not in message


def test_a_target_with_one_class(tree):
    model, data = tree
    with pytest.raises(wb.explain.SingleClassError) as caught:
        wb.explain.explain(model, data[data["y"] == 1], target="y", ignore="group")
    assert str(caught.value) == ("target 'y' has a single class (1) in these 20 rows: "
                                 "performance, calibration and importance need both outcomes; "
                                 "use a sample with both")


def test_refusals_are_workbench_validation_errors():
    for cls in (wb.explain.NotAnEstimatorError, wb.explain.ColumnMismatchError,
                wb.explain.NonNumericColumnError, wb.explain.SingleClassError):
        assert issubclass(cls, ValidationError) and issubclass(cls, wb.WorkbenchError)


# --------------------------------------------------------------------------- fingerprints


def test_model_and_data_fingerprints(tree):
    model, data = tree
    first = wb.explain.model_fingerprint(model)
    again = wb.explain.model_fingerprint(model)
    assert first["sha256"] == again["sha256"] and len(first["sha256"]) == 64
    other = DecisionTreeClassifier(max_depth=2, random_state=0).fit(
        data[["x0", "x1", "x2"]], data["y"])
    assert wb.explain.model_fingerprint(other)["sha256"] != first["sha256"]
    fp = wb.explain.data_fingerprint(data)
    assert fp == wb.explain.data_fingerprint(data.copy())
    changed = data.copy()
    changed.loc[3, "x1"] = 99.0
    assert wb.explain.data_fingerprint(changed) != fp
    renamed = data.rename(columns={"x1": "z1"})
    assert wb.explain.data_fingerprint(renamed) != fp


class _Unpicklable:
    """A duck-typed model that cannot be pickled (it holds a lambda)."""

    def __init__(self) -> None:
        self.rule = lambda frame: (frame["x0"] > 0).astype(int).to_numpy()
        self.classes_ = np.array([0, 1])

    def predict(self, frame):
        return self.rule(frame)

    def predict_proba(self, frame):
        p = self.rule(frame).astype(float)
        return np.column_stack([1 - p, p])


def test_a_model_that_cannot_be_pickled_needs_a_declared_version(tree):
    _, data = tree
    with pytest.raises(ValidationError, match="cannot be pickled to fingerprint it .*; declare "
                       "its version with model_version=..."):
        wb.explain.model_fingerprint(_Unpicklable())
    fp = wb.explain.model_fingerprint(_Unpicklable(), "rules-3.1")
    assert fp["sha256"] is None and fp["declared_version"] == "rules-3.1"


def test_details_record_every_setting_and_the_fingerprints(tree):
    model, data = tree
    result = wb.explain.explain(model, data, target="y", sensitive=["group"], n_repeats=4,
                                random_state=11, shap=False)
    d = result.details()
    assert d["settings"]["n_repeats"] == 4 and d["settings"]["random_state"] == 11
    assert d["model"]["sha256"] == hashlib.sha256(__import__("pickle").dumps(
        model, protocol=4)).hexdigest()
    assert d["data_fingerprint"] == wb.explain.data_fingerprint(
        data[["x0", "x1", "x2", "y", "group"]])
    assert d["sample_size"] == 40 and d["group_sizes"] == {"group": {"a": 20, "b": 20}}
    assert [r["feature"] for r in d["importance"]][0] == "x0"


def test_shap_true_without_shap_is_refused(tree, monkeypatch):
    model, data = tree
    monkeypatch.setitem(__import__("sys").modules, "shap", None)
    with pytest.raises(ConfigurationError) as caught:
        wb.explain.explain(model, data, target="y", shap=True)
    assert str(caught.value) == _compute.MSG_SHAP_REQUIRED


def test_plotly_labels_escape_what_the_data_names(tree):
    model, data = tree
    odd = data.rename(columns={"x0": "<b>x0</b>"})
    fitted = DecisionTreeClassifier(max_depth=1, random_state=0).fit(
        odd[["<b>x0</b>", "x1", "x2"]], odd["y"])
    result = wb.explain.explain(fitted, odd, target="y", sensitive="group", shap=False)
    labels = result.importance_figure().to_plotly_json()["data"][0]["y"]
    assert "&lt;b&gt;x0&lt;/b&gt;" in list(labels)
    assert "<b>" not in str(result.partial_dependence_figure().to_plotly_json()["layout"])
    assert "&lt;b&gt;x0&lt;/b&gt;" in result._repr_html_()
