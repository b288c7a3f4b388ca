"""Monitoring plans and runs: metrics on known data, breaches, persistence, refusals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from actors import acting
from monitoring_data import SYSTEM, make_org, plan_data, sample
from scipy.stats import ks_2samp, wasserstein_distance
from tamper import forge_append

from workbench import monitoring
from workbench.errors import NotFoundError, PermissionDeniedError, ValidationError


@pytest.fixture
def org(store):
    make_org(store)
    return store


@pytest.fixture
def planned(org):
    with acting("ravi"):
        monitoring.save_plan(org, plan_data())
    return org


# -- metrics on known data ---------------------------------------------------------------------
def test_psi_of_categories_by_hand():
    ref = ["a"] * 50 + ["b"] * 50
    cur = ["a"] * 80 + ["b"] * 20
    expected = (0.8 - 0.5) * np.log(0.8 / 0.5) + (0.2 - 0.5) * np.log(0.2 / 0.5)
    assert monitoring.psi(cur, ref) == pytest.approx(expected)
    assert monitoring.psi(ref, ref) == 0.0


def test_psi_of_numbers_on_reference_quantiles_by_hand():
    ref = np.arange(100, dtype=float)             # deciles: 10 values per bin
    cur = np.concatenate([np.arange(50.0), np.full(50, 95.0)])  # half in bins 1-5, half in 10
    shares = np.array([0.1] * 5 + [1e-4] * 4 + [0.5])
    expected = float(np.sum((shares - 0.1) * np.log(shares / 0.1)))
    assert monitoring.psi(cur, ref, bins=10) == pytest.approx(expected)


def test_ks_and_wasserstein_match_scipy():
    rng = np.random.default_rng(3)
    ref, cur = rng.normal(0, 1, 500), rng.normal(0.4, 1.2, 400)
    assert monitoring.ks(cur, ref) == pytest.approx(ks_2samp(cur, ref).statistic)
    assert monitoring.wasserstein(cur, ref) == pytest.approx(wasserstein_distance(cur, ref))
    assert monitoring.wasserstein([0, 0, 1], [0, 1, 1]) == pytest.approx(1 / 3)


def test_performance_and_fairness_match_sklearn_and_wb_fairness():
    import warnings

    from sklearn.metrics import accuracy_score, roc_auc_score

    import workbench as wb

    plan = monitoring.MonitoringPlan.model_validate(plan_data(metrics=[
        {"metric": "accuracy", "threshold": 0.5, "rationale": "r"},
        {"metric": "auc", "threshold": 0.5, "rationale": "r"},
        {"metric": "fairness", "feature": "gender", "threshold": 0.5, "rationale": "r"},
        {"metric": "fairness", "feature": "gender", "measure": "equalized_odds_difference",
         "threshold": 0.5, "rationale": "r"},
        {"metric": "error_rate", "feature": "gender", "threshold": 0.5, "rationale": "r"}]))
    cur = sample(600, seed=1)
    got = {(m.metric, m.measure, m.group): m.value
           for m in monitoring.metrics.measure(plan, cur, sample(seed=2))}
    assert got[("accuracy", "", "")] == pytest.approx(accuracy_score(cur["y"], cur["pred"]),
                                                      abs=1e-6)
    assert got[("auc", "", "")] == pytest.approx(roc_auc_score(cur["y"], cur["score"]),
                                                 abs=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fair = wb.fairness.assess(cur["y"], cur["pred"], {"gender": cur["gender"]},
                                  min_group_size=5).metrics.set_index("metric")["value"]
    assert got[("fairness", "demographic_parity_difference", "")] == pytest.approx(
        fair["demographic_parity_difference"], abs=1e-6)
    assert got[("fairness", "equalized_odds_difference", "")] == pytest.approx(
        fair["equalized_odds_difference"], abs=1e-6)
    for g in ("f", "m"):
        part = cur[cur["gender"] == g]
        assert got[("error_rate", "", g)] == pytest.approx((part["y"] != part["pred"]).mean(),
                                                           abs=1e-6)


def test_fingerprint_is_the_sha256_of_the_canonical_csv():
    import hashlib

    df = pd.DataFrame({"b": [1, 2], "a": ["x", "y"]})
    assert monitoring.fingerprint(df) == hashlib.sha256(b"a,b\nx,1\ny,2\n").hexdigest()
    assert monitoring.fingerprint(df[["a", "b"]]) == monitoring.fingerprint(df)


# -- plans -------------------------------------------------------------------------------------
def test_a_plan_with_no_metric_is_refused_in_one_line(org):
    with pytest.raises(ValidationError) as err, acting("ravi"):
        monitoring.save_plan(org, plan_data(metrics=[]))
    assert str(err.value) == ("invalid monitoring plan: metrics: a monitoring plan measures at "
                              "least one metric")
    assert "\n" not in str(err.value)
    assert not org.exists("monitoring_plan", f"mp-{SYSTEM}")


@pytest.mark.parametrize(("change", "message"), [
    ({"metrics": [{"metric": "psi", "threshold": 0.2, "rationale": "r"}]},
     "psi needs a feature"),
    ({"score_column": ""}, "score_column is required to measure auc, prediction_drift"),
    ({"id": "mp-other"}, "one plan per system"),
    ({"frequency_days": 0}, "frequency_days"),
    ({"metrics": [{"metric": "accuracy", "threshold": 1.5, "rationale": "r"}]},
     "share between 0 and 1"),
    ({"reviewer": "nobody"}, "reviewer: no person 'nobody'"),
])
def test_invalid_plans_are_refused(org, change, message):
    head = org.head()
    with pytest.raises(ValidationError, match=message) as err, acting("ravi"):
        monitoring.save_plan(org, plan_data(**change))
    assert "\n" not in str(err.value)
    assert org.head() == head


@pytest.mark.parametrize(("metric", "message"), [
    ({"metric": "ks", "feature": "amount", "threshold": 5, "rationale": "r"},
     "ks:amount: a ks threshold lies between 0 and 1 (the largest gap between the two "
     "cumulative distributions), got 5"),
    ({"metric": "fairness", "feature": "gender", "threshold": 1.5, "rationale": "r"},
     "fairness:gender:demographic_parity_difference: a fairness threshold lies between 0 and 1 "
     "(a gap between the groups' rates), got 1.5"),
])
def test_a_threshold_out_of_its_metrics_range_is_refused_naming_the_metric(org, metric,
                                                                           message):
    head = org.head()
    with pytest.raises(ValidationError) as err, acting("ravi"):
        monitoring.save_plan(org, plan_data(metrics=[metric]))
    assert str(err.value) == f"invalid monitoring plan: metrics.0: {message}"
    assert org.head() == head
    # the largest sensible thresholds are kept
    plan = monitoring.MonitoringPlan.model_validate(plan_data(metrics=[{**metric,
                                                                         "threshold": 1}]))
    assert plan.metrics[0].threshold == 1


def test_a_stored_plan_that_is_no_longer_valid_is_one_line(planned):
    # a plan saved before its ks threshold was checked against the range of the statistic
    found = planned.get("monitoring_plan", f"mp-{SYSTEM}")
    metrics = [m.model_copy(update={"threshold": 5.0}) if m.metric.value == "ks" else m
               for m in found.record.metrics]
    forge_append(planned, found.record.model_copy(update={"metrics": metrics}), author="ravi",
                 version=2, reason="saved by an older release")
    head = planned.head()
    with acting("ravi"), pytest.raises(ValidationError) as err:
        monitoring.run(planned, SYSTEM, current=sample(seed=1), reference=sample(seed=2))
    assert str(err.value) == (
        f"monitoring plan 'mp-{SYSTEM}' version 2 fails its checks: metrics.5: ks:amount: a ks "
        "threshold lies between 0 and 1 (the largest gap between the two cumulative "
        "distributions), got 5; save a corrected version")
    assert planned.head() == head
    with acting("ravi"):
        monitoring.save_plan(planned, plan_data(), base_version=2, system_id=SYSTEM)
    assert monitoring.current_plan(planned, SYSTEM)[1] == 3


def test_a_plan_of_another_system_is_refused(org):
    head = org.head()
    with pytest.raises(ValidationError) as err, acting("ravi"):
        monitoring.save_plan(org, plan_data(), system_id="other-system")
    assert str(err.value) == ("the monitoring plan is for system 'card-fraud' (its system_id), "
                              "not 'other-system'; correct its system_id, or save it as the "
                              "plan of 'card-fraud'")
    with pytest.raises(ValidationError) as err, acting("ravi"):
        monitoring.save_plan(org, plan_data(id="mp-other-system"), system_id=SYSTEM)
    assert str(err.value) == ("the monitoring plan has id 'mp-other-system', but the plan of "
                              "'card-fraud' is 'mp-card-fraud' (one plan per system); correct "
                              "its id")
    assert org.head() == head
    with acting("ravi"):
        saved = monitoring.save_plan(org, plan_data(), system_id=SYSTEM)
    assert (saved.record_id, saved.version) == (f"mp-{SYSTEM}", 1)


def test_someone_off_the_team_may_not_plan_or_run(planned):
    head = planned.head()
    with acting("tom"), pytest.raises(PermissionDeniedError):
        monitoring.save_plan(planned, plan_data(frequency_days=14), base_version=1)
    with acting("elena"), pytest.raises(PermissionDeniedError):
        monitoring.run(planned, SYSTEM, current=sample(seed=1), reference=sample(seed=2))
    assert planned.head() == head


# -- runs --------------------------------------------------------------------------------------
def test_an_ok_run_is_recorded_with_fingerprints_and_sizes(planned):
    cur, ref = sample(700, seed=1), sample(800, seed=2)
    with acting("ravi"):
        result = monitoring.run(planned, SYSTEM, current=cur, reference=ref)
    assert result.outcome == "ok", result.lines()
    stored = planned.get("monitoring_run", result.run.id)
    run = stored.record
    assert (run.plan_id, run.plan_version) == (f"mp-{SYSTEM}", 1)
    assert (run.current_rows, run.reference_rows) == (700, 800)
    assert run.current_sha256 == monitoring.fingerprint(cur)
    assert run.reference_sha256 == monitoring.fingerprint(ref)
    assert {m.metric for m in run.measurements} == {
        "accuracy", "auc", "error_rate", "fairness", "psi", "ks", "wasserstein",
        "prediction_drift", "volume", "override_rate"}
    assert run.raised == [] and not planned.exists("risk", f"monitoring-{SYSTEM}")
    assert stored.author == "ravi"


def test_a_breach_raises_and_a_persisting_breach_updates_what_it_raised(planned):
    ref = sample(800, seed=2)
    with acting("ravi"):
        first = monitoring.run(planned, SYSTEM, current=sample(800, seed=3, shift=1.5),
                               reference=ref)
    assert first.outcome == "breach"
    breached = {(m.metric, m.feature) for m in first.breaches}
    assert {("psi", "amount"), ("ks", "amount"), ("wasserstein", "amount")} <= breached
    assert first.run.raised == [f"risk:monitoring-{SYSTEM}",
                                f"nonconformity:nc-monitoring-{SYSTEM}"]
    assert first.run.notifications and "reviewer sven" in first.run.notifications[0]
    risk = planned.get("risk", f"monitoring-{SYSTEM}")
    nc = planned.get("nonconformity", f"nc-monitoring-{SYSTEM}")
    assert risk.version == 1 and nc.version == 1
    assert "psi (amount)" in risk.record.description
    assert nc.record.source.value == "monitoring" and nc.record.system_ids == [SYSTEM]
    with acting("ravi"):
        second = monitoring.run(planned, SYSTEM, current=sample(800, seed=4, shift=2.0),
                                reference=ref)
    assert second.outcome == "breach"
    assert planned.get("risk", f"monitoring-{SYSTEM}").version == 2
    assert planned.get("nonconformity", f"nc-monitoring-{SYSTEM}").version == 2
    assert planned.count("risk") == 1 and planned.count("nonconformity") == 1
    assert planned.get("risk", f"monitoring-{SYSTEM}").record.identified_on == \
        risk.record.identified_on


def test_a_breach_opens_an_incident_once_and_a_closed_nonconformity_is_not_reopened(org):
    from workbench.improvement import incidents_frame

    with acting("ravi"):
        monitoring.save_plan(org, plan_data(on_breach=["raise_nonconformity",
                                                       "open_incident"]))
        ref = sample(800, seed=2)
        first = monitoring.run(org, SYSTEM, current=sample(800, seed=3, shift=1.5),
                               reference=ref)
    assert first.run.raised == [f"nonconformity:nc-monitoring-{SYSTEM}",
                                f"incident:inc-monitoring-{SYSTEM}"]
    incident = org.get("incident", f"inc-monitoring-{SYSTEM}").record
    assert (incident.source.value, incident.monitoring_run_id, incident.opened_by) == (
        "monitoring", first.run.id, "ravi")
    assert incident.report_deadline is None or incident.report_deadline >= incident.detected_on
    frame = incidents_frame(org)
    assert frame["id"].tolist() == [f"inc-monitoring-{SYSTEM}"]
    with acting("ravi"):
        second = monitoring.run(org, SYSTEM, current=sample(800, seed=4, shift=2.0),
                                reference=ref)
    assert second.outcome == "breach"
    assert org.count("incident") == 1
    again = org.get("incident", f"inc-monitoring-{SYSTEM}")
    assert again.version == 2 and again.record.opened_by == "ravi"
    assert again.record.monitoring_run_id == second.run.id
    assert org.verify().ok


def test_a_breach_after_its_records_were_closed_raises_new_ones_naming_them(org):
    from workbench import improvement as imp

    ref = sample(800, seed=2)
    with acting("ravi"):
        monitoring.save_plan(org, plan_data(on_breach=["raise_nonconformity",
                                                       "open_incident"]))
        monitoring.run(org, SYSTEM, current=sample(800, seed=3, shift=1.5), reference=ref)
    nc_id, inc_id = f"nc-monitoring-{SYSTEM}", f"inc-monitoring-{SYSTEM}"
    with acting("chloe"):
        imp.cancel(org, nc_id, reason="handled in the model retraining project")
        imp.close_incident(org, inc_id, note="retrained on recent data")
    closed_nc, closed_inc = org.get("nonconformity", nc_id), org.get("incident", inc_id)
    with acting("ravi"):
        again = monitoring.run(org, SYSTEM, current=sample(800, seed=4, shift=2.0),
                               reference=ref)
    day = again.run.run_at.date()
    new_nc, new_inc = f"{nc_id}-{day:%Y%m%d}", f"{inc_id}-{day:%Y%m%d}"
    assert again.run.raised == [f"nonconformity:{new_nc}", f"incident:{new_inc}"]
    # the closed records are left as they were: finished handling is never edited
    assert org.get("nonconformity", nc_id).version == closed_nc.version
    assert org.get("incident", inc_id).version == closed_inc.version
    nc = org.get("nonconformity", new_nc)
    assert nc.version == 1 and nc.record.stage.value == "raised"
    assert f"Recurs after {nc_id} was closed" in nc.record.description
    assert org.get("incident", new_inc).record.status.value == "open"
    # the recurrence persists: the new records are updated, no third one appears
    with acting("ravi"):
        third = monitoring.run(org, SYSTEM, current=sample(800, seed=5, shift=2.0),
                               reference=ref)
    assert third.run.raised == [f"nonconformity:{new_nc}", f"incident:{new_inc}"]
    assert org.get("nonconformity", new_nc).version == 2
    assert org.count("nonconformity") == 2 and org.count("incident") == 2
    assert org.verify().ok


def test_a_system_whose_id_extends_another_does_not_take_its_records(org):
    from workbench.model import AISystem

    other = f"{SYSTEM}-20261201"  # reads like a recurrence id of SYSTEM's records
    with acting("sven"):
        org.save(AISystem(**{**org.get("ai_system", SYSTEM).content, "id": other,
                             "name": "Sentinel, second region"}))
    ref = sample(800, seed=2)
    with acting("ravi"):
        for sid in (other, SYSTEM):
            monitoring.save_plan(org, plan_data(id=f"mp-{sid}", system_id=sid,
                                                on_breach=["raise_nonconformity"]))
        monitoring.run(org, other, current=sample(800, seed=3, shift=1.5), reference=ref)
        mine = monitoring.run(org, SYSTEM, current=sample(800, seed=3, shift=1.5),
                              reference=ref)
    assert mine.run.raised == [f"nonconformity:nc-monitoring-{SYSTEM}"]
    assert org.get("nonconformity", f"nc-monitoring-{other}").version == 1
    assert org.get("nonconformity", f"nc-monitoring-{SYSTEM}").record.system_ids == [SYSTEM]


def test_a_dry_run_measures_and_saves_nothing(planned):
    head = planned.head()
    with acting("ravi"):
        result = monitoring.run(planned, SYSTEM, current=sample(seed=3, shift=1.5),
                                reference=sample(seed=2), dry_run=True)
    assert result.outcome == "breach" and result.raised and result.saved == []
    assert planned.head() == head
    assert "[dry run: nothing saved]" in result.lines()[0]


def _drop(col):
    return lambda df: df.drop(columns=[col])


def _nan(col):
    def change(df):
        df = df.copy()
        df.loc[3, col] = np.nan
        return df
    return change


@pytest.mark.parametrize(("cur_change", "ref_change", "message"), [
    (lambda df: df.iloc[0:0], None, "current: the data is empty"),
    (None, lambda df: df.iloc[0:0], "reference: the data is empty"),
    (_drop("amount"), _drop("amount"), r"lacks column\(s\) amount"),
    (lambda df: df.assign(extra=1), None, "different columns \\(only in current: extra\\)"),
    (_nan("amount"), None, r"current: missing values \(NaN\) in column\(s\) amount \(1\)"),
    (None, _nan("y"), r"reference: missing values \(NaN\) in column\(s\) y \(1\)"),
    (lambda df: df.assign(y=2), None, "column 'y' must hold 0/1 values"),
    (lambda df: df.assign(score="high"), None, "score column 'score' is not numeric"),
])
def test_bad_input_is_one_line_and_writes_nothing(planned, cur_change, ref_change, message):
    cur, ref = sample(seed=1), sample(seed=2)
    cur = cur_change(cur) if cur_change else cur
    ref = ref_change(ref) if ref_change else ref
    head = planned.head()
    with acting("ravi"), pytest.raises(ValidationError, match=message) as err:
        monitoring.run(planned, SYSTEM, current=cur, reference=ref)
    assert "\n" not in str(err.value)
    assert planned.head() == head


def _run_refused(store, message, *, current, reference, metrics=None):
    if metrics is not None:
        with acting("ravi"):
            monitoring.save_plan(store, plan_data(metrics=metrics), base_version=1)
    head = store.head()
    with acting("ravi"), pytest.raises(ValidationError) as err:
        monitoring.run(store, SYSTEM, current=current, reference=reference)
    assert str(err.value) == message
    assert store.head() == head
    with acting("ravi"), pytest.raises(ValidationError):
        monitoring.run(store, SYSTEM, current=current, reference=reference, dry_run=True)


def test_infinite_values_are_refused_naming_the_column_and_rows(planned):
    cur, ref = sample(seed=1), sample(seed=2)
    cur.loc[5, "amount"] = np.inf
    _run_refused(planned, "current: infinite values in amount (1 row); drop or replace them "
                 "before the run", current=cur, reference=ref)
    cur, ref = sample(seed=1), sample(seed=2)
    ref.loc[[1, 2], "score"] = -np.inf
    ref.loc[3, "amount"] = np.inf
    _run_refused(planned, "reference: infinite values in score (2 rows), amount (1 row); drop "
                 "or replace them before the run", current=cur, reference=ref)


def test_a_measured_value_that_is_not_finite_is_never_recorded(planned):
    cur, ref = sample(seed=1), sample(seed=2)
    cur["amount"] = np.where(np.arange(len(cur)) % 2, 1.7e308, -1.7e308)
    ref["amount"] = -1.7e308
    _run_refused(planned, "wasserstein:amount: the measured value is not a finite number "
                 "(inf); check the data for extreme values", current=cur, reference=ref,
                 metrics=[{"metric": "wasserstein", "feature": "amount", "threshold": 20.0,
                           "rationale": "drift"}])
    import pydantic

    with pytest.raises(pydantic.ValidationError, match="must be a finite number, got inf"):
        monitoring.Measurement(metric="wasserstein", feature="amount", value=np.inf,
                               threshold=20.0, breached=True)


@pytest.mark.parametrize("kind", ["ks", "wasserstein"])
def test_ordered_drift_on_a_feature_that_is_not_numeric_is_refused(planned, kind):
    # the same categories under other names would give another value: refuse, suggest psi
    _run_refused(planned, f"{kind}:gender: feature 'gender' is not numeric (text or "
                 f"categories); {kind} orders the values, so on categories it would depend on "
                 "how they are named: measure 'gender' with psi instead",
                 current=sample(seed=1), reference=sample(seed=2),
                 metrics=[{"metric": kind, "feature": "gender", "threshold": 0.1,
                           "rationale": "drift"}])
    measure = getattr(monitoring, kind)
    with pytest.raises(ValidationError) as err:
        measure(["a", "b"], ["b", "c"])
    assert str(err.value) == (f"{kind}: the values are not numeric (text or categories); "
                              f"{kind} orders the values, so on categories it would depend on "
                              "how they are named: measure them with psi instead")


def test_a_fairness_gap_needs_two_groups_to_compare(planned):
    one = sample(seed=1)
    one["gender"] = "f"
    _run_refused(planned, "current: sensitive feature 'gender' has a single group ('f'); "
                 "fairness:gender:demographic_parity_difference compares groups, so give a "
                 "sample with at least two", current=one, reference=sample(seed=2))
    no_positive_m = sample(seed=1)
    no_positive_m.loc[no_positive_m["gender"] == "m", "y"] = 0
    _run_refused(planned, "current: fairness:gender:equal_opportunity_difference cannot be "
                 "measured: fewer than two groups of 'gender' have positive labels, so there is "
                 "nothing to compare; give a sample where they do", current=no_positive_m,
                 reference=sample(seed=2),
                 metrics=[{"metric": "fairness", "feature": "gender",
                           "measure": "equal_opportunity_difference", "threshold": 0.2,
                           "rationale": "parity"}])


def test_no_plan_and_no_system_are_one_line(org):
    head = org.head()
    with acting("ravi"), pytest.raises(NotFoundError, match="has no monitoring plan"):
        monitoring.run(org, SYSTEM, current=sample(seed=1), reference=sample(seed=2))
    with acting("ravi"), pytest.raises(NotFoundError, match="no AI system 'nope'"):
        monitoring.run(org, "nope", current=sample(seed=1), reference=sample(seed=2))
    plan = monitoring.MonitoringPlan.model_validate(plan_data())
    with pytest.raises(ValidationError, match="current: give a pandas DataFrame, got list"):
        monitoring.metrics.check_frames(plan, [1], sample())
    assert org.head() == head


# -- status and timeline -----------------------------------------------------------------------
def test_status_ok_breach_overdue_and_no_plan(planned):
    with acting("ravi"):
        result = monitoring.run(planned, SYSTEM, current=sample(seed=1),
                                reference=sample(seed=2))
    ran = result.run.run_at
    status = monitoring.status_frame(planned).set_index("system_id")
    assert status.loc[SYSTEM, "state"] == "ok"
    assert status.loc[SYSTEM, "next_due"] == pd.Timestamp(ran + dt.timedelta(days=7))
    later = monitoring.status_frame(planned, now=ran + dt.timedelta(days=21))
    assert later.set_index("system_id").loc[SYSTEM, "state"] == "overdue"
    before = monitoring.status_frame(planned, now=ran - dt.timedelta(days=1))
    assert before.set_index("system_id").loc[SYSTEM, "runs"] == 0  # the run had not happened
    with acting("ravi"):
        monitoring.run(planned, SYSTEM, current=sample(seed=3, shift=2),
                       reference=sample(seed=2))
    assert monitoring.status_frame(planned).set_index("system_id").loc[SYSTEM, "state"] == \
        "breach"


def test_a_system_without_plan_shows_no_plan(org):
    status = monitoring.status_frame(org)
    assert status.to_dict(orient="list")["state"] == ["no_plan"]
    assert list(status.columns) == list(monitoring.STATUS_COLUMNS)


def test_timeline_has_one_row_per_measurement(planned):
    with acting("ravi"):
        a = monitoring.run(planned, SYSTEM, current=sample(seed=1), reference=sample(seed=2))
        b = monitoring.run(planned, SYSTEM, current=sample(seed=3, shift=2),
                           reference=sample(seed=2))
    tl = monitoring.timeline_frame(planned, SYSTEM)
    assert len(tl) == len(a.run.measurements) + len(b.run.measurements)
    assert list(tl["run_id"].unique()) == [a.run.id, b.run.id]
    psi = tl[tl["key"] == "psi:amount"].set_index("run_id")["value"]
    assert psi[b.run.id] > 0.2 > psi[a.run.id]
    assert set(tl.loc[tl["metric"] == "error_rate", "group"]) == {"f", "m"}
    assert monitoring.timeline_frame(planned, "other").empty


def test_a_plan_is_signed_off_by_the_system_owner(planned):
    import workbench as wb

    facts = monitoring.signoff_facts(planned, planned.get("monitoring_plan", f"mp-{SYSTEM}"))
    assert facts == {"system_id": SYSTEM, "system_owner": "sven", "frequency_days": 7,
                     "metrics": 10, "on_breach": ["propose_risk", "raise_nonconformity",
                                                  "notify"]}
    with acting("ravi"):
        wb.oversight.request(planned, "monitoring_plan", f"mp-{SYSTEM}")
    with acting("sven"):
        wb.oversight.decide(planned, "monitoring_plan", f"mp-{SYSTEM}", "approve",
                            role="system_owner")
    status = wb.oversight.status(planned, "monitoring_plan", f"mp-{SYSTEM}")
    assert status.state == "approved"
