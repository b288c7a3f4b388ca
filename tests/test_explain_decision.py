"""One decision explained for the person concerned: the method (SHAP when installed, else
baseline substitution), its limits, the plain-language text, and the DecisionExplainer widget
driven through its traits. The [explain] extra (shap) is optional."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

import workbench as wb
from workbench.explain import _decision as D


@pytest.fixture(scope="module")
def tree():
    """A depth-1 tree: the probability of class 1 is 1 exactly when x0 > 0."""
    rng = np.random.default_rng(3)
    x0 = np.concatenate([np.linspace(-2, -0.1, 20), np.linspace(0.1, 2, 20)])
    train = pd.DataFrame({"x0": x0, "x1": rng.normal(size=40), "x2": rng.normal(size=40)})
    model = DecisionTreeClassifier(max_depth=1, random_state=0).fit(train, (x0 > 0).astype(int))
    # Half the reference cases are above the threshold: the average score is 0.5.
    reference = pd.DataFrame({"x0": [-2.0, -1.0, 1.0, 2.0], "x1": [0.3, -0.4, 1.1, 0.0],
                              "x2": [5.0, 6.0, 7.0, 8.0]})
    return model, reference


CASE = {"x0": 1.5, "x1": 0.2, "x2": -3.0}


def test_baseline_substitution_for_a_one_feature_model(tree):
    model, reference = tree
    result = wb.explain.decision(model, CASE, reference=reference, outcome="approval",
                                 method="baseline_substitution")
    assert result.method == "baseline_substitution"
    assert (result.score, result.baseline, result.prediction) == (1.0, 0.5, 1)
    factors = result.factors.set_index("feature")
    assert factors["contribution"].to_dict() == {"x0": 0.5, "x1": 0.0, "x2": 0.0}
    assert factors["direction"].to_dict() == {"x0": "raised", "x1": "no effect",
                                              "x2": "no effect"}
    assert factors.loc["x0", "typical"] == 0.0  # the median of the reference's x0
    lines = result.sentences()
    assert lines[0] == ("The model's estimated probability of approval for this case is "
                        "100%; across the 4 cases used for comparison it is 50% on average.")
    assert lines[1:3] == ["The factors that weighed most on this result:",
                          "1. x0 = 1.5: raised it by 50 percentage points (typical value: 0)."]
    assert lines[3] == "How this was worked out: " + D.METHODS["baseline_substitution"][0]
    assert lines[4].startswith("Limits: The effects depend on the reference sample chosen")
    assert result.limits == D.METHODS["baseline_substitution"][1]


def test_a_lowered_score_and_plain_labels(tree):
    model, reference = tree
    result = wb.explain.decision(model, {**CASE, "x0": -0.5}, reference=reference,
                                 method="baseline_substitution", outcome="repayment",
                                 feature_labels={"x0": "late payments (scaled)"})
    assert result.score == 0.0
    assert result.sentences()[2] == ("1. late payments (scaled) = -0.5: lowered it by 50 "
                                     "percentage points (typical value: 0).")
    html = result.html()
    assert "late payments (scaled)" in html and "lowered" in html and "Limits." in html


def test_shap_values_for_a_one_feature_model(tree):
    pytest.importorskip("shap")
    model, reference = tree
    result = wb.explain.decision(model, CASE, reference=reference, method="shap")
    assert result.method == "shap"
    contributions = result.factors.set_index("feature")["contribution"]
    assert contributions["x0"] == pytest.approx(0.5, abs=1e-9)
    assert contributions["x1"] == pytest.approx(0.0, abs=1e-9)
    assert contributions["x2"] == pytest.approx(0.0, abs=1e-9)
    # SHAP values add up to the difference from the reference's average score.
    assert contributions.sum() == pytest.approx(result.score - result.baseline)
    assert "Kernel SHAP" in result.text()


def test_auto_uses_shap_when_installed_else_baseline_substitution(tree, monkeypatch):
    model, reference = tree
    monkeypatch.setitem(sys.modules, "shap", None)  # as if the [explain] extra were absent
    result = wb.explain.decision(model, CASE, reference=reference)
    assert result.method == "baseline_substitution"
    assert result.notes == ("shap is not installed, so baseline substitution was used",)
    with pytest.raises(wb.errors.ConfigurationError, match="needs the shap package"):
        wb.explain.decision(model, CASE, reference=reference, method="shap")


def test_the_explain_extra_is_optional(tmp_path):
    """Without shap importable, explanations and decisions work and say what was used."""
    code = (
        "import sys; sys.modules['shap'] = None\n"
        "import numpy as np, pandas as pd\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "import workbench as wb\n"
        "x = pd.DataFrame({'a': np.linspace(-1, 1, 30), 'b': np.tile([0., 1., 2.], 10)})\n"
        "y = (x['a'] > 0).astype(int)\n"
        "m = LogisticRegression().fit(x, y)\n"
        "r = wb.explain.explain(m, x.assign(y=y), target='y')\n"
        "d = wb.explain.decision(m, x.iloc[0], reference=x)\n"
        "print(r.shap is None, r.notes[-1])\n"
        "print(d.method)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout.splitlines()
    assert out == ["True SHAP values were not computed: the shap package is not installed "
                   "(pip install 'iso42001-workbench[explain]')", "baseline_substitution"]


def test_a_row_without_a_feature_or_with_an_unknown_one(tree):
    model, reference = tree
    with pytest.raises(wb.explain.ColumnMismatchError) as caught:
        wb.explain.decision(model, {"x0": 1.0, "x1": 0.0}, reference=reference)
    assert str(caught.value) == D.MSG_ROW_MISSING.format(columns="'x2'")
    with pytest.raises(wb.explain.ColumnMismatchError) as caught:
        wb.explain.decision(model, {**CASE, "x9": 1}, reference=reference)
    assert str(caught.value) == ("the row has value(s) for 'x9', which are not model features "
                                 "(features: x0, x1, x2); drop them")
    with pytest.raises(wb.explain.NotAnEstimatorError):
        wb.explain.decision(object(), CASE, reference=reference)


def test_to_dict_carries_the_method_and_its_limits(tree):
    model, reference = tree
    d = wb.explain.decision(model, CASE, reference=reference,
                            method="baseline_substitution").to_dict()
    assert d["method"] == "baseline_substitution"
    assert d["limits"] == list(D.METHODS["baseline_substitution"][1])
    assert d["factors"][0]["feature"] == "x0" and d["score"] == 1.0


# --------------------------------------------------------------------------- the widget


@pytest.fixture
def pipeline_cases():
    cases = pd.DataFrame({"income": [20.0, 60.0, 35.0, 80.0, 15.0, 50.0] * 5,
                          "region": ["north", "south", "north", "east", "south", "east"] * 5,
                          "applicant": [f"A{n}" for n in range(30)]})
    y = (cases["income"] > 40).astype(int)
    model = Pipeline([("encode", ColumnTransformer([("r", OneHotEncoder(), ["region"])],
                                                   remainder="passthrough")),
                      ("model", LogisticRegression())]).fit(cases[["income", "region"]], y)
    return model, cases


def test_decision_explainer_follows_its_traits(pipeline_cases):
    from workbench.widgets import DecisionExplainer

    model, cases = pipeline_cases
    w = DecisionExplainer(model, cases, outcome="approval", method="baseline_substitution",
                          feature_labels={"income": "income (k EUR)"})
    assert w.features == ["income", "region"]
    assert w.values == {"income": 20.0, "region": "north"} and w.row == 0
    first = w.explanation.score
    assert w.text.startswith("The model's estimated probability of approval for this case is")
    w.row = 3  # pick another case
    assert w.values == {"income": 80.0, "region": "east"}
    assert w.inputs["income"].value == 80.0 and w.inputs["region"].value == "east"
    assert w.explanation.score > first
    w.inputs["income"].value = 10.0  # type a value
    assert w.values["income"] == 10.0
    assert w.explanation.values["income"] == 10.0 and w.explanation.score < 0.5
    w.values = {**w.values, "region": "south"}  # set the trait
    assert w.inputs["region"].value == "south" and w.explanation.values["region"] == "south"
    assert "method: baseline substitution" in w.status.value
    with pytest.raises(Exception, match="row 99 is not a case of the data"):
        w.row = 99


def test_decision_explainer_shows_a_value_the_model_cannot_take(pipeline_cases):
    from workbench.widgets import DecisionExplainer

    model, cases = pipeline_cases
    w = DecisionExplainer(model, cases, method="baseline_substitution")
    w.values = {**w.values, "region": "west"}  # the encoder has never seen it
    assert w.explanation is None and w.text == ""
    assert "the model cannot score this row: ValueError" in w.status.text
    w.row = 1
    assert w.explanation is not None and w.status.level == "info"


def test_a_case_holding_the_most_common_value_is_not_said_to_differ_from_it():
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from workbench import explain

    rng = np.random.default_rng(0)
    # 70% "male", 30% "female"; the outcome depends on it, so "male" moves the score against
    # the mix of values even though it is the most common value
    gender = np.where(rng.random(600) < 0.7, 1, 0)
    X = pd.DataFrame({"male": gender, "x": rng.normal(size=600)})
    y = (gender + rng.normal(scale=0.3, size=600) > 0.5).astype(int)
    model = LogisticRegression().fit(X, y)
    case = X[X["male"] == 1].iloc[0]
    text = explain.decision(model, case, reference=X, method="baseline_substitution").text()
    assert "male = 1: raised it by" in text and "(the most common value, compared with the " \
        "mix of values in the comparison cases)" in text, text
    assert "(typical value: 1)" not in text
