"""Monitoring seen from the CLI, the widget, the dashboards and the notebook."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from actors import acting
from monitoring_data import SYSTEM, plan_data, sample

from workbench import monitoring
from workbench.cli import main

from wbtest import NOTEBOOKS, execute_notebook, notebook_text


def _files(tmp_path, *, shift: float = 0.0):
    cur, ref = tmp_path / "cur.csv", tmp_path / "ref.csv"
    sample(seed=1, shift=shift).to_csv(cur, index=False)
    sample(seed=2).to_csv(ref, index=False)
    return str(cur), str(ref)


# -- command line ------------------------------------------------------------------------------
def test_cli_run_dry_run_status_and_plan(planned, tmp_path, capsys):
    cur, ref = _files(tmp_path, shift=2)
    head = planned.head()
    with acting("ravi"):
        assert main(["monitor", "run", SYSTEM, "--current", cur, "--reference", ref,
                     "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{SYSTEM}: breach (") and "[dry run: nothing saved]" in out
    assert "breach: psi amount = " in out and f"would raise: risk:monitoring-{SYSTEM}" in out
    assert f"  raised: risk:monitoring-{SYSTEM}" not in out
    assert planned.head() == head
    with acting("ravi"):
        assert main(["monitor", "run", SYSTEM, "--current", cur, "--reference", ref,
                     "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["outcome"] == "breach" and run["dry_run"] is False
    assert planned.exists("monitoring_run", run["id"])
    assert main(["monitor", "status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["system_id"], r["state"], r["runs"]) for r in rows] == [(SYSTEM, "breach", 1)]
    assert main(["monitor", "status"]) == 0
    assert "Breach" in capsys.readouterr().out
    assert main(["monitor", "plan", SYSTEM]) == 0
    out = capsys.readouterr().out
    assert f"mp-{SYSTEM} (version 1)" in out and "override_rate" in out


def _raised_lines(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines()
            if line.startswith("  ") and not line.strip().startswith("breach:")]


def test_cli_run_says_whether_a_breach_raises_updates_or_leaves_a_record(planned, tmp_path,
                                                                         capsys):
    ref = str(tmp_path / "ref.csv")
    sample(seed=2).to_csv(ref, index=False)
    risk, nc = f"risk:monitoring-{SYSTEM}", f"nonconformity:nc-monitoring-{SYSTEM}"

    def run(shift: float, *extra: str) -> list[str]:
        cur = str(tmp_path / "cur.csv")
        sample(seed=1, shift=shift).to_csv(cur, index=False)
        with acting("ravi"):
            assert main(["monitor", "run", SYSTEM, "--current", cur, "--reference", ref,
                         *extra]) == 0
        return _raised_lines(capsys.readouterr().out)

    assert run(2) == [f"raised: {risk}", f"raised: {nc}"]
    head = planned.head()
    # the breach persists with other figures: the records raised are updated, not raised again
    assert run(3, "--dry-run") == [f"would update: {risk} (version 1 -> 2)",
                                   f"would update: {nc} (version 1 -> 2)"]
    assert planned.head() == head
    assert run(3) == [f"updated: {risk} (version 1 -> 2)", f"updated: {nc} (version 1 -> 2)"]
    assert planned.get("risk", f"monitoring-{SYSTEM}").version == 2
    # the same figures on the same day: the open records stay as they are
    head = planned.head()
    assert run(3, "--dry-run") == [f"would leave unchanged: {risk} (version 2)",
                                   f"would leave unchanged: {nc} (version 2)"]
    assert planned.head() == head
    assert run(3) == [f"left unchanged: {risk} (version 2)",
                      f"left unchanged: {nc} (version 2)"]
    assert planned.get("risk", f"monitoring-{SYSTEM}").version == 2


@pytest.mark.parametrize(("args", "message"), [
    (["run", SYSTEM, "--current", "missing.csv", "--reference", "REF"],
     "error: --current: no file 'missing.csv'"),
    (["run", "nope", "--current", "CUR", "--reference", "REF"],
     "error: no AI system 'nope' in the store"),
    (["plan", "nope"], "error: no AI system 'nope' in the store"),
])
def test_cli_refusals_are_one_line_exit_1_and_write_nothing(planned, tmp_path, capsys, args,
                                                             message):
    cur, ref = _files(tmp_path)
    args = [a.replace("CUR", cur).replace("REF", ref) for a in args]
    head = planned.head()
    with acting("ravi"):
        assert main(["monitor", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert planned.head() == head


def test_cli_bad_data_and_permission_refusals(planned, tmp_path, capsys):
    cur, ref = _files(tmp_path)
    bad = tmp_path / "bad.csv"
    sample(seed=1).drop(columns=["amount"]).to_csv(bad, index=False)
    head = planned.head()
    with acting("ravi"):
        assert main(["monitor", "run", SYSTEM, "--current", str(bad), "--reference", ref]) == 1
    assert "different columns (only in reference: amount)" in capsys.readouterr().err
    with acting("elena"):
        assert main(["monitor", "run", SYSTEM, "--current", cur, "--reference", ref]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "elena" in err
    assert planned.head() == head
    with pytest.raises(SystemExit) as usage:
        main(["monitor", "status", "--state", "nonsense"])
    assert usage.value.code == 2  # argparse's usage error


def test_cli_saves_a_plan_from_a_file(planned, tmp_path, capsys):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_data(frequency_days=14)), encoding="utf-8")
    with acting("ravi"):
        assert main(["monitor", "plan", SYSTEM, "--set", str(path)]) == 0
    assert planned.get("monitoring_plan", f"mp-{SYSTEM}").record.frequency_days == 14
    path.write_text(json.dumps(plan_data(metrics=[])), encoding="utf-8")
    with acting("ravi"):
        assert main(["monitor", "plan", SYSTEM, "--set", str(path)]) == 1
    assert "a monitoring plan measures at least one metric" in capsys.readouterr().err


def test_cli_refuses_infinite_values_in_one_line_and_writes_nothing(planned, tmp_path, capsys):
    import numpy as np

    cur, ref = _files(tmp_path)
    bad = tmp_path / "inf.csv"
    frame = sample(seed=1)
    frame.loc[0, "amount"] = np.inf
    frame.to_csv(bad, index=False)
    head = planned.head()
    with acting("ravi"):
        assert main(["monitor", "run", SYSTEM, "--current", str(bad), "--reference", ref]) == 1
    assert capsys.readouterr().err == ("error: current: infinite values in amount (1 row); "
                                       "drop or replace them before the run\n")
    assert planned.head() == head


def test_cli_refuses_a_plan_file_of_another_system(planned, tmp_path, capsys):
    from workbench.model import AISystem

    other = "card-fraud-eu"
    with acting("sven"):
        planned.save(AISystem(**{**planned.get("ai_system", SYSTEM).content, "id": other,
                                 "name": "Sentinel, EU"}))
    before = planned.get("monitoring_plan", f"mp-{SYSTEM}")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_data(frequency_days=14)), encoding="utf-8")
    head = planned.head()
    with acting("ravi"):
        assert main(["monitor", "plan", other, "--set", str(path)]) == 1
    assert capsys.readouterr().err == (
        "error: the monitoring plan is for system 'card-fraud' (its system_id), not "
        "'card-fraud-eu'; correct its system_id, or save it as the plan of 'card-fraud'\n")
    path.write_text(json.dumps({k: v for k, v in plan_data().items() if k != "system_id"}),
                    encoding="utf-8")
    with acting("ravi"):
        assert main(["monitor", "plan", other, "--set", str(path)]) == 1
    assert capsys.readouterr().err == (
        "error: the monitoring plan has id 'mp-card-fraud', but the plan of 'card-fraud-eu' is "
        "'mp-card-fraud-eu' (one plan per system); correct its id\n")
    assert planned.head() == head
    assert planned.get("monitoring_plan", f"mp-{SYSTEM}").version == before.version
    assert not planned.exists("monitoring_plan", f"mp-{other}")


# -- widget ------------------------------------------------------------------------------------
def test_widget_shows_a_metric_with_its_threshold_band_and_a_clicked_run(planned):
    from workbench.monitoring.figures import BAND_COLOUR
    from workbench.widgets import MonitoringTimeline

    with acting("ravi"):
        ok = monitoring.run(planned, SYSTEM, current=sample(seed=1), reference=sample(seed=2))
        bad = monitoring.run(planned, SYSTEM, current=sample(seed=3, shift=2),
                             reference=sample(seed=2))
    w = MonitoringTimeline(planned, SYSTEM)
    assert "Breach" in w.header.value
    w.metric = "psi:amount"
    assert w.picker.value == "psi:amount"
    fig = w.figure.to_plotly_json()
    bands = [s for s in fig["layout"]["shapes"] if s.get("fillcolor") == BAND_COLOUR]
    assert len(bands) == 1 and bands[0]["y0"] == pytest.approx(0.2)  # breach above 0.2
    values = w.figure.data[0]
    assert list(values.customdata) == [ok.run.id, bad.run.id]
    assert list(values.marker.color) == ["#1f77b4", "#c62828"]  # the breached point is red
    assert list(values.marker.symbol) == ["circle", "x"]  # and a cross, unlike any series

    threshold = [t for t in w.figure.data if t.name == "threshold"][0]
    assert list(threshold.y) == [0.2, 0.2]

    class Points:
        point_inds = [1]

    w._clicked(w.figure.data[0], Points())
    assert w.selected_run == bad.run.id
    assert bad.run.id in w.details_html.value and "breach" in w.details_html.value
    w.metric = "accuracy"
    band = [s for s in w.figure.to_plotly_json()["layout"]["shapes"]
            if s.get("fillcolor") == BAND_COLOUR][0]
    assert band["y1"] == pytest.approx(0.7)  # accuracy breaches below its threshold


def test_widget_refresh_reads_runs_saved_since_and_keeps_the_metric(planned):
    """A scheduled run saved while the widget is open shows after "Refresh", on the metric the
    person was looking at."""
    from workbench.widgets import MonitoringTimeline

    w = MonitoringTimeline(planned, SYSTEM)
    assert w.picker.options == (("no runs yet", ""),)
    with acting("ravi"):
        first = monitoring.run(planned, SYSTEM, current=sample(seed=1), reference=sample(seed=2))
    w.refresh_button.click()
    assert w.status.level == "ok" and w.status.text == "1 runs (1 new)"
    w.metric = "psi:amount"
    with acting("ravi"):
        later = monitoring.run(planned, SYSTEM, current=sample(seed=3, shift=2),
                               reference=sample(seed=2))
    assert list(w.figure.data[0].customdata) == [first.run.id]  # not read yet
    w.refresh()
    assert w.metric == "psi:amount" and w.picker.value == "psi:amount"
    assert list(w.figure.data[0].customdata) == [first.run.id, later.run.id]
    assert w.status.text == "2 runs (1 new)" and "Breach" in w.header.value


# -- dashboards and notebook on the demo ---------------------------------------------------------
def test_demo_monitoring_story_and_panels(demo_store):
    from workbench import portfolio

    status = monitoring.status_frame(demo_store).set_index("system_id")["state"]
    assert status["card-fraud"] == "overdue"
    assert status["credit-scoring"] == "breach" and status["cv-screening"] == "breach"
    assert status["support-chatbot"] == "no_plan"
    credit = monitoring.timeline_frame(demo_store, "credit-scoring")
    drift = credit[credit["key"] == "psi:income"].sort_values("run_at")
    assert len(drift) == 52
    assert not drift["breached"].iloc[:25].any() and drift["breached"].iloc[-10:].all()
    risk = demo_store.get("risk", "monitoring-credit-scoring")
    assert risk.version > 1  # the persisting drift updated the risk it proposed
    cv = monitoring.timeline_frame(demo_store, "cv-screening")
    gap = cv[cv["key"] == "fairness:gender:demographic_parity_difference"]
    assert gap["value"].iloc[-8:].mean() > 0.1 > gap["value"].iloc[:20].mean()
    assert demo_store.exists("nonconformity", "nc-monitoring-cv-screening")
    data = portfolio.load(demo_store)
    from workbench.portfolio.monitoring_panel import monitoring_panel, system_monitoring_panel

    panel = monitoring_panel(data)
    assert panel.note == "2 breach, 1 overdue, 0 ok, 4 no plan"
    assert panel.html.index("ClearCredit") < panel.html.index("Sentinel") < \
        panel.html.index("Ava customer")
    # at most max_rows systems are listed, those needing attention first; counts cover all
    short = monitoring_panel(data, max_rows=3)
    assert short.note == panel.note and len(short.table) == len(panel.table) == 7
    assert short.html.count("<tr>") == 4 and "… and 4 more AI systems (4 no plan)" in short.html
    assert "Sentinel" in short.html and "Ava customer" not in short.html
    one = system_monitoring_panel(data, "credit-scoring")
    assert one.figure is not None and "Breach" in one.html and "mr-credit-scoring-" in \
        one.after_html
    # people by name, a run by its time (its id stays, small, for looking it up)
    assert "reviewed by Grace Kim;" in one.note and "Grace Kim" in panel.html
    assert ">grace<" not in panel.html
    assert re.search(r"<b>Run of \d{4}-\d\d-\d\d \d\d:\d\d UTC</b>", one.after_html)
    # the fairness panel shows the last fairness check, and says when monitoring saw a gap since
    from workbench.portfolio.system_panels import system_fairness_panel

    cv_panel = system_fairness_panel(data, "cv-screening")
    assert "measured on 25 Nov 2026" in cv_panel.note  # the last fairness check
    last = gap[gap["run_at"] <= str(data.today + dt.timedelta(days=1))].iloc[-1]
    assert (f"measured a fairness gap outside the plan's threshold: fairness gap by gender "
            f"(demographic parity difference): {last['value']:.3f} &gt; 0.1") in cv_panel.html
    assert "wb-monitored-fairness" not in system_fairness_panel(data, "card-fraud").html


@pytest.mark.notebook
def test_monitoring_notebook_runs_under_papermill(demo_url, demo_store, monkeypatch, tmp_path):
    import nbformat

    path = NOTEBOOKS / "monitoring.ipynb"
    nb = nbformat.read(path, as_version=4)
    params = nb.cells[1]
    assert "parameters" in params.metadata["tags"]
    assert [line.split(" = ")[0] for line in params.source.splitlines()] == [
        "database_url", "system_id", "current_path", "reference_path", "dry_run"]
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.setenv("WORKBENCH_USER", "ravi")
    head = demo_store.head()
    out = execute_notebook(path, tmp_path / "dry.ipynb", {"system_id": "credit-scoring",
                                                           "dry_run": True})
    text = notebook_text(out)
    assert "credit-scoring: breach" in text and "[dry run: nothing saved]" in text
    assert demo_store.head() == head
    out = execute_notebook(path, tmp_path / "run.ipynb", {"system_id": "cv-screening"})
    text = notebook_text(out)
    assert "cv-screening: " in text and "nothing saved" not in text
    assert demo_store.head() > head
    kinds = [o.get("data", {}).keys() for c in out.cells for o in c.get("outputs", [])]
    assert sum("application/vnd.plotly.v1+json" in k for k in kinds) >= 1


def test_run_details_put_each_threshold_beside_its_own_metric(planned):
    """Breaches are listed first; each row's 'breach when' is that measurement's threshold."""
    import re

    from workbench.monitoring.figures import run_details_html

    with acting("ravi"):
        ran = monitoring.run(planned, SYSTEM, current=sample(800, seed=3, shift=1.5),
                             reference=sample(800, seed=2))
    timeline = monitoring.timeline_frame(planned, SYSTEM)
    html = run_details_html(timeline, ran.run.id)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row)
             for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)[1:]]
    by_metric = {(m.metric, m.feature or ""): m for m in ran.run.measurements}
    results = [row[-1] for row in cells]
    assert results == sorted(results, key=lambda r: r != "breach") and "breach" in results
    for row in cells:
        measured = by_metric[(row[0], row[1])]
        assert row[5].endswith(f"{measured.threshold:g}"), (row, measured)


def test_no_series_is_drawn_in_the_breach_red():
    """Two groups on one metric: the second group's line used to take plotly's default red,
    the colour of breach markers."""
    import pandas as pd

    from workbench.monitoring.figures import SERIES_COLOURS, timeline_figure

    at = pd.to_datetime(["2026-11-01", "2026-11-08"], utc=True)
    timeline = pd.DataFrame({
        "key": "error_rate:gender", "label": "Error rate by gender", "run_id": ["r1", "r2"] * 2,
        "run_at": list(at) * 2, "group": ["female", "female", "male", "male"],
        "value": [0.10, 0.12, 0.11, 0.30], "threshold": 0.25, "direction": "max",
        "breached": [False, False, False, True]})
    fig = timeline_figure(timeline, "error_rate:gender")
    lines = [t for t in fig.data if t.name != "threshold"]
    assert [t.line.color for t in lines] == list(SERIES_COLOURS[:2])
    assert "#c62828" not in SERIES_COLOURS
    assert list(lines[1].marker.color) == [SERIES_COLOURS[1], "#c62828"]
