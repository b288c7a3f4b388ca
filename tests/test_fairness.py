"""Fairness metrics: figures checked against values computed by hand, bad input refused with
clear messages, small groups warned about, thresholds as configuration with a rationale.

The shipped test file ``tests/data/predictions.csv`` is the first 300 rows of the demo's
synthetic credit-scoring predictions (fixed seed). Regenerate it with::

    python -c "from workbench.demo.impact import synthetic_predictions; \\
    synthetic_predictions('credit-scoring', rows=300).to_csv('tests/data/predictions.csv', \\
    index=False)"
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench import fairness
from workbench.errors import NotFoundError, ValidationError
from workbench.fairness import FairnessWarning
from workbench.fairness._compute import (
    MSG_EMPTY,
    MSG_LENGTH,
    MSG_MISSING,
    MSG_NO_NEGATIVES,
    MSG_NO_POSITIVES,
    MSG_NOT_BINARY,
    MSG_ONE_GROUP,
    MSG_SMALL_GROUP,
)

DATA = Path(__file__).parent / "data" / "predictions.csv"

# Group A: y_true 1 1 1 0 0 0, y_pred 1 1 0 1 0 0 -> selection 3/6, accuracy 4/6, TPR 2/3,
#          FPR 1/3.
# Group B: y_true 1 1 0 0 0 0, y_pred 1 0 0 0 0 0 -> selection 1/6, accuracy 5/6, TPR 1/2,
#          FPR 0.
Y_TRUE = [1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0]
Y_PRED = [1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]
GROUP = ["A"] * 6 + ["B"] * 6


def by_hand():
    return fairness.assess(Y_TRUE, Y_PRED, {"sex": GROUP}, min_group_size=5)


def metric(result, name, feature="sex"):
    m = result.metrics
    return float(m.loc[(m["metric"] == name) & (m["feature"] == feature), "value"].iloc[0])


def test_by_group_figures_match_hand_computation():
    result = by_hand()
    table = result.by_group.set_index("group")
    assert table.loc["A", "count"] == 6 and table.loc["B", "count"] == 6
    assert table.loc["A", "selection_rate"] == pytest.approx(3 / 6)
    assert table.loc["B", "selection_rate"] == pytest.approx(1 / 6)
    assert table.loc["A", "accuracy"] == pytest.approx(4 / 6)
    assert table.loc["B", "accuracy"] == pytest.approx(5 / 6)
    assert table.loc["A", "true_positive_rate"] == pytest.approx(2 / 3)
    assert table.loc["B", "true_positive_rate"] == pytest.approx(1 / 2)
    assert table.loc["A", "false_positive_rate"] == pytest.approx(1 / 3)
    assert table.loc["B", "false_positive_rate"] == pytest.approx(0)
    assert result.overall["selection_rate"] == pytest.approx(4 / 12)
    assert result.overall["accuracy"] == pytest.approx(9 / 12)
    assert result.overall["true_positive_rate"] == pytest.approx(3 / 5)
    assert result.overall["false_positive_rate"] == pytest.approx(1 / 7)
    assert result.group_sizes == {"sex": {"A": 6, "B": 6}} and result.sample_size == 12


def test_aggregate_metrics_match_hand_computation():
    result = by_hand()
    assert metric(result, "demographic_parity_difference") == pytest.approx(1 / 2 - 1 / 6)
    assert metric(result, "demographic_parity_ratio") == pytest.approx((1 / 6) / (1 / 2))
    # equalized odds: the larger of the TPR gap (1/6) and the FPR gap (1/3)
    assert metric(result, "equalized_odds_difference") == pytest.approx(1 / 3)
    # the smaller of the TPR ratio (3/4) and the FPR ratio (0)
    assert metric(result, "equalized_odds_ratio") == pytest.approx(0)
    assert metric(result, "equal_opportunity_difference") == pytest.approx(1 / 6)
    assert metric(result, "equal_opportunity_ratio") == pytest.approx(3 / 4)


def test_thresholds_flag_breaches_with_their_rationale():
    result = by_hand()
    breaches = result.breaches.set_index("metric")
    assert set(breaches.index) == {"demographic_parity_difference", "demographic_parity_ratio",
                                   "equalized_odds_difference"}
    assert breaches.loc["demographic_parity_ratio", "threshold"] == 0.8
    assert breaches.loc["demographic_parity_ratio", "bound"] == "min"
    assert "four-fifths" in breaches.loc["demographic_parity_ratio", "rationale"]
    unthresholded = result.metrics[result.metrics["metric"] == "equal_opportunity_ratio"]
    assert not unthresholded["breach"].any() and unthresholded["bound"].iloc[0] == ""
    assert result.breached and "3 value(s) outside the configured thresholds" in result.summary()
    lenient = fairness.assess(Y_TRUE, Y_PRED, {"sex": GROUP}, min_group_size=5, thresholds=[
        {"metric": "demographic_parity_difference", "bound": "max", "value": 0.5,
         "rationale": "A deliberately lenient level for this test."}])
    assert not lenient.breached and len(lenient.config.thresholds) == 1
    assert "within the configured thresholds" in lenient.summary()


def test_several_sensitive_features_are_assessed_separately():
    age = ["young", "old"] * 6
    result = fairness.assess(Y_TRUE, Y_PRED, pd.DataFrame({"sex": GROUP, "age": age}),
                             min_group_size=1)
    assert set(result.by_group["feature"]) == {"sex", "age"}
    assert result.group_sizes["age"] == {"old": 6, "young": 6}
    # young = rows 0,2,4,6,8,10: y_pred 1,0,0,1,0,0 -> 2/6; old = 1,1,0,0,0,0 -> 2/6
    assert metric(result, "demographic_parity_difference", "age") == pytest.approx(0)


def test_scores_add_the_mean_score_by_group():
    scores = [0.9, 0.8, 0.4, 0.7, 0.2, 0.1, 0.6, 0.3, 0.2, 0.1, 0.1, 0.1]
    result = fairness.assess(Y_TRUE, Y_PRED, {"sex": GROUP}, scores=scores, min_group_size=5)
    table = result.by_group.set_index("group")
    assert table.loc["A", "mean_score"] == pytest.approx(3.1 / 6)
    assert table.loc["B", "mean_score"] == pytest.approx(1.4 / 6)


def test_labels_other_than_0_1_need_a_positive_label():
    words = ["hired" if v else "rejected" for v in Y_TRUE]
    preds = ["hired" if v else "rejected" for v in Y_PRED]
    result = fairness.assess(words, preds, {"sex": GROUP}, pos_label="hired", min_group_size=5)
    assert metric(result, "demographic_parity_difference") == pytest.approx(1 / 3)
    with pytest.raises(ValidationError, match="give pos_label"):
        fairness.assess(words, preds, {"sex": GROUP})
    booleans = fairness.assess([bool(v) for v in Y_TRUE], [bool(v) for v in Y_PRED],
                               {"sex": GROUP}, min_group_size=5)
    assert metric(booleans, "equalized_odds_difference") == pytest.approx(1 / 3)


def test_small_groups_warn_that_figures_are_unreliable():
    with pytest.warns(FairnessWarning) as caught:
        result = fairness.assess(Y_TRUE, Y_PRED, {"sex": GROUP})  # default minimum 30
    expected = MSG_SMALL_GROUP.format(group="A", feature="sex", size=6, minimum=30)
    assert str(caught[0].message) == expected
    assert "has only 6 row(s) (fewer than 30)" in expected and "unreliable" in expected
    assert result.warnings[:2] == (expected, MSG_SMALL_GROUP.format(
        group="B", feature="sex", size=6, minimum=30))
    assert not result.by_group["reliable"].any() and not result.metrics["reliable"].any()


def test_undefined_rates_are_shown_as_missing_with_a_warning():
    y_true = [1, 0, 1, 0, 0, 0, 0, 0]
    y_pred = [1, 0, 0, 0, 1, 0, 0, 0]
    with pytest.warns(FairnessWarning) as caught:
        result = fairness.assess(y_true, y_pred, {"g": list("aaaabbbb")}, min_group_size=1)
    assert [str(w.message) for w in caught] == [MSG_NO_POSITIVES.format(group="b", feature="g")]
    table = result.by_group.set_index("group")
    assert math.isnan(table.loc["b", "true_positive_rate"])
    all_positive = [1, 1, 0, 0, 1, 1, 1, 1]
    with pytest.warns(FairnessWarning, match="no negative labels"):
        fairness.assess(all_positive, y_pred, {"g": list("aaaabbbb")}, min_group_size=1)
    assert "no negative labels" in MSG_NO_NEGATIVES


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"y_true": [], "y_pred": [], "sensitive_features": {"g": []}}, MSG_EMPTY),
    ({"y_true": [1, 0, 1], "y_pred": [1, 0], "sensitive_features": {"g": ["a", "b", "a"]}},
     MSG_LENGTH.format(name="y_pred", got=2, expected=3)),
    ({"y_true": [1, 0, 1], "y_pred": [1, 0, 1], "sensitive_features": {"g": ["a", "b"]}},
     MSG_LENGTH.format(name="sensitive feature 'g'", got=2, expected=3)),
    ({"y_true": [1, 0, 1], "y_pred": [1, 0, 1], "sensitive_features": {"g": list("aba")},
      "scores": [0.1]}, MSG_LENGTH.format(name="score", got=1, expected=3)),
    ({"y_true": [1, None, 1], "y_pred": [1, 0, 1], "sensitive_features": {"g": list("aba")}},
     MSG_MISSING.format(name="y_true", count=1, first=1)),
    ({"y_true": [1, 0, 1], "y_pred": [1, 0, float("nan")],
      "sensitive_features": {"g": list("aba")}}, MSG_MISSING.format(name="y_pred", count=1,
                                                                     first=2)),
    ({"y_true": [1, 0, 1], "y_pred": [1, 0, 1], "sensitive_features": {"g": ["a", None, "b"]}},
     MSG_MISSING.format(name="sensitive feature 'g'", count=1, first=1)),
    ({"y_true": [0, 1, 2], "y_pred": [1, 0, 1], "sensitive_features": {"g": list("aba")}},
     MSG_NOT_BINARY.format(name="y_true", count=3, values="0, 1, 2")),
    ({"y_true": [1, 0, 1], "y_pred": [1, 0, 1], "sensitive_features": {"g": list("aaa")}},
     MSG_ONE_GROUP.format(name="g", group="a")),
])
def test_bad_input_is_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValidationError) as info:
        fairness.assess(**kwargs)
    assert str(info.value) == message


def test_fingerprint_is_the_sha256_of_the_data():
    result = by_hand()
    csv = pd.DataFrame({"y_true": Y_TRUE, "y_pred": Y_PRED, "sex": GROUP}).to_csv(
        index=False, lineterminator="\n")
    assert result.fingerprint == hashlib.sha256(csv.encode()).hexdigest()
    assert by_hand().fingerprint == result.fingerprint
    swapped = fairness.assess(Y_TRUE[::-1], Y_PRED[::-1], {"sex": GROUP[::-1]},
                              min_group_size=5)
    assert swapped.fingerprint != result.fingerprint


def test_details_are_json_ready():
    details = by_hand().details()
    text = json.dumps(details, allow_nan=False)  # NaN became None
    assert json.loads(text)["group_sizes"] == {"sex": {"A": 6, "B": 6}}
    assert details["breaches"] == 3 and details["sample_size"] == 12
    assert {m["metric"] for m in details["metrics"]} == set(fairness.AGGREGATE_METRICS)
    assert details["thresholds"][0]["rationale"]


def test_check_files_and_frames(tmp_path):
    result = fairness.check(DATA, label="label", prediction="prediction",
                            sensitive="gender, age_band", score="score")
    assert result.sample_size == 300 and result.source == "predictions.csv"
    assert result.columns == {"label": "label", "prediction": "prediction",
                              "sensitive": ["gender", "age_band"], "score": "score"}
    frame = pd.read_csv(DATA)
    again = fairness.check(frame, label="label", prediction="prediction",
                           sensitive=["gender", "age_band"], score="score")
    assert again.fingerprint == result.fingerprint
    parquet = tmp_path / "p.parquet"
    frame.to_parquet(parquet)
    assert fairness.check_file(parquet, label="label", prediction="prediction",
                               sensitive="gender", score="score").sample_size == 300
    with pytest.raises(ValidationError, match="predictions.csv has no column 'sex'"):
        fairness.check_file(DATA, label="label", prediction="prediction", sensitive="sex")
    with pytest.raises(NotFoundError, match="does not exist"):
        fairness.check_file(tmp_path / "missing.csv", label="a", prediction="b", sensitive="c")
    with pytest.raises(ValidationError, match="use a .csv or .parquet"):
        (tmp_path / "p.txt").write_text("x")
        fairness.check_file(tmp_path / "p.txt", label="a", prediction="b", sensitive="c")


def test_thresholds_configuration(tmp_path, monkeypatch):
    shipped = fairness.load_thresholds()
    assert shipped.min_group_size.value == 30 and "unreliable" in shipped.min_group_size.rationale
    assert [t.describe() for t in shipped.thresholds] == [
        "demographic_parity_difference <= 0.1", "demographic_parity_ratio >= 0.8",
        "equalized_odds_difference <= 0.1"]
    custom = tmp_path / "thresholds.yaml"
    custom.write_text("min_group_size: {value: 50, rationale: Our analysts want fifty.}\n"
                      "thresholds:\n  - {metric: equalized_odds_ratio, bound: min, value: 0.9,"
                      " rationale: Error rates within ten percent of each other.}\n")
    monkeypatch.setenv("WORKBENCH_FAIRNESS_THRESHOLDS", str(custom))
    config = fairness.thresholds_config()
    assert config.min_group_size.value == 50 and config.threshold("equalized_odds_ratio")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FairnessWarning)
        result = fairness.assess(Y_TRUE, Y_PRED, {"sex": GROUP}, min_group_size=1)
        # with the configured minimum of 50 both groups are too small to judge a breach on
        small = fairness.assess(Y_TRUE, Y_PRED, {"sex": GROUP})
    assert list(result.breaches["metric"]) == ["equalized_odds_ratio"]
    assert small.breaches.empty and small.metrics["value"].isna().all()
    assert any("fewer than two groups of at least 50 rows" in w for w in small.warnings)
    with pytest.raises(ValidationError, match="rationale"):
        fairness.load_thresholds([{"metric": "demographic_parity_ratio", "bound": "min",
                                   "value": 0.8, "rationale": ""}])
    with pytest.raises(ValidationError, match="metric"):
        fairness.load_thresholds([{"metric": "vibes", "bound": "min", "value": 0.8,
                                   "rationale": "Some rationale here."}])
    with pytest.raises(ValidationError, match="has more than one threshold"):
        fairness.load_thresholds([{"metric": "demographic_parity_ratio", "bound": "min",
                                   "value": v, "rationale": "Some rationale here."}
                                  for v in (0.8, 0.9)])


_WHY = "A rationale long enough for the configuration."


@pytest.mark.parametrize(("threshold", "message"), [
    ({"metric": "demographic_parity_difference", "bound": "min", "value": 0.9},
     "demographic_parity_difference: bound min cannot flag a difference (0 is parity and a "
     "larger value a larger gap); use bound max"),
    ({"metric": "equalized_odds_ratio", "bound": "max", "value": 0.8},
     "equalized_odds_ratio: bound max cannot flag a ratio (1 is parity and a smaller value a "
     "larger gap); use bound min"),
    ({"metric": "equalized_odds_difference", "bound": "max", "value": 7},
     "equalized_odds_difference: value 7 is outside 0 to 1, the range of a difference of "
     "rates"),
    ({"metric": "demographic_parity_ratio", "bound": "min", "value": 1.25},
     "demographic_parity_ratio: value 1.25 is outside 0 to 1, the range of a ratio of rates"),
    ({"metric": "equal_opportunity_difference", "bound": "max", "value": -0.1},
     "equal_opportunity_difference: value -0.1 is outside 0 to 1, the range of a difference "
     "of rates"),
])
def test_thresholds_that_cannot_flag_their_metric_are_refused(tmp_path, threshold, message):
    with pytest.raises(ValidationError) as err:
        fairness.load_thresholds([{**threshold, "rationale": _WHY}])
    assert str(err.value) == f"fairness thresholds in the given thresholds: thresholds.0: {message}"
    path = tmp_path / "mine.yaml"
    path.write_text(json.dumps({"min_group_size": {"value": 30, "rationale": _WHY},
                                "thresholds": [{**threshold, "rationale": _WHY}]}))
    with pytest.raises(ValidationError) as err:
        fairness.load_thresholds(path)
    assert str(err.value) == f"fairness thresholds in mine.yaml: thresholds.0: {message}"
    assert "\n" not in str(err.value)


def test_thresholds_at_the_ends_of_their_range_are_kept():
    config = fairness.load_thresholds([
        {"metric": "demographic_parity_difference", "bound": "max", "value": 0,
         "rationale": _WHY},
        {"metric": "equal_opportunity_ratio", "bound": "min", "value": 1, "rationale": _WHY}])
    assert [t.describe() for t in config.thresholds] == [
        "demographic_parity_difference <= 0", "equal_opportunity_ratio >= 1"]


def test_group_figure_has_threshold_lines():
    result = by_hand()
    fig = fairness.group_figure(result, metric="selection_rate").to_plotly_json()
    assert fig["data"][0]["type"] == "bar" and list(fig["data"][0]["x"]) == ["A", "B"]
    ys = sorted(round(s["y0"], 6) for s in fig["layout"]["shapes"])
    assert ys == [0.4, 0.4]  # highest 0.5 - 0.1, and 0.8 x 0.5
    tpr = fairness.group_figure(result, metric="false_positive_rate").to_plotly_json()
    assert [round(s["y0"], 6) for s in tpr["layout"]["shapes"]] == [0.1]  # lowest 0 + 0.1
    assert "accuracy" in fairness.group_figure(result, metric="accuracy").layout.title.text.lower()
    with pytest.raises(ValidationError, match="no per-group metric 'vibes'"):
        fairness.group_figure(result, metric="vibes")
    with pytest.raises(ValidationError, match="no sensitive feature 'age'"):
        fairness.group_figure(result, feature="age")


def test_report_html_escapes_group_names():
    result = fairness.assess(Y_TRUE, Y_PRED, {"sex": ["<b>A</b>"] * 6 + ["B"] * 6},
                             min_group_size=5)
    html = fairness.report_html(result)
    assert "<b>A</b>" not in html and "&lt;b&gt;A&lt;/b&gt;" in html
    assert "breach" in html and result.fingerprint in html


def test_figures_equal_fairlearn_on_the_raw_rows():
    """The cell-weighted computation gives Fairlearn's row-level figures exactly."""
    import numpy as np
    from fairlearn import metrics as flm
    from sklearn.metrics import accuracy_score

    rng = np.random.default_rng(7)
    n = 2_000
    y_true = rng.integers(0, 2, n)
    y_pred = (rng.random(n) < 0.3 + 0.4 * y_true).astype(int)
    group = pd.Series(rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]), name="g")
    result = fairness.assess(y_true, y_pred, {"g": group})
    frame = flm.MetricFrame(metrics={"selection_rate": flm.selection_rate,
                                     "accuracy": accuracy_score,
                                     "true_positive_rate": flm.true_positive_rate,
                                     "false_positive_rate": flm.false_positive_rate},
                            y_true=y_true, y_pred=y_pred, sensitive_features=group)
    mine = result.by_group.set_index("group")
    for column in frame.by_group.columns:
        for g, value in frame.by_group[column].items():
            assert mine.loc[g, column] == pytest.approx(value, abs=1e-12)
    for name in fairness.AGGREGATE_METRICS:
        expected = getattr(flm, name)(y_true, y_pred, sensitive_features=group)
        assert metric(result, name, "g") == pytest.approx(expected, abs=1e-12)
    assert result.overall["accuracy"] == pytest.approx(frame.overall["accuracy"], abs=1e-12)


def test_importing_impact_and_fairness_is_light():
    import subprocess
    import sys

    code = ("import sys, workbench.impact, workbench.fairness, workbench.cli._impact\n"
            "print(sorted(m for m in ('pandas', 'plotly', 'fairlearn', 'sklearn', 'sqlalchemy',"
            " 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_a_group_too_small_to_rely_on_does_not_decide_a_breach():
    """One row of group 'x' (a positive label, predicted negative) used to make every
    difference breach and propose risks; the differences now compare the groups large enough,
    and the small one stays in the by-group table, flagged unreliable."""
    rng = np.random.default_rng(3)
    n = 200
    group = np.array(["f", "m"] * (n // 2) + ["x"])
    y_true = np.append(rng.integers(0, 2, n), 1)
    y_pred = np.append(y_true[:n].copy(), 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FairnessWarning)
        result = fairness.assess(y_true, y_pred, {"gender": group}, min_group_size=30)
        without = fairness.assess(y_true[:n], y_pred[:n], {"gender": group[:n]},
                                  min_group_size=30)
    assert result.breaches.empty
    pd.testing.assert_series_equal(result.metrics["value"], without.metrics["value"])
    table = result.by_group.set_index("group")
    assert table.loc["x", "count"] == 1 and not table.loc["x", "reliable"]
    assert any("so the differences and ratios of 'gender' leave it out" in w
               for w in result.warnings)
