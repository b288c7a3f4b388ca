"""The AI incident register (A.8.4; EU AI Act Art. 73): the reporting deadline of each rule,
overdue reports, links, who may open one, `workbench incident`, and the dashboard panel."""

from __future__ import annotations

import datetime as dt

import pytest
from actors import acting

import workbench as wb
from workbench import improvement as imp
from workbench.cli import main
from workbench.errors import PermissionDeniedError, ValidationError

from wbtest import refused

TODAY = dt.date.today()
AWARE = dt.date(2026, 3, 2)


@pytest.mark.parametrize(("flags", "deadline", "rule"), [
    ({"serious": False}, None, "not serious"),
    ({"serious": True}, dt.date(2026, 3, 17), "serious"),  # 15 days
    ({"serious": True, "death": True}, dt.date(2026, 3, 12), "death"),  # 10 days
    ({"serious": True, "widespread_or_critical_infra": True}, dt.date(2026, 3, 4),
     "widespread_or_critical_infra"),  # 2 days
    ({"serious": True, "death": True, "widespread_or_critical_infra": True},
     dt.date(2026, 3, 4), "widespread_or_critical_infra"),  # the shortest applies
])
def test_deadline_of_each_rule(flags, deadline, rule):
    assert imp.report_deadline(AWARE, **flags) == (deadline, rule)


def _open(store, **changes):
    data = dict(id="inc-1", system_id="clinical-triage", title="Triage advice too low",
                description="Chest pain answers were triaged as routine.",
                detected_on=TODAY - dt.timedelta(days=3), severity="critical", serious=True)
    return imp.open_incident(store, **{**data, **changes})


def test_deadline_runs_from_awareness_and_is_computed_not_typed(demo_store):
    inc = _open(demo_store, aware_on=TODAY - dt.timedelta(days=1), death=True).record
    assert inc.report_deadline == TODAY + dt.timedelta(days=9) and inc.deadline_rule == "death"
    frame = imp.incidents_frame(demo_store).set_index("id")
    assert frame.at["inc-1", "days_left"] == 9 and not frame.at["inc-1", "overdue"]
    later = imp.incidents_frame(demo_store, today=TODAY + dt.timedelta(days=10))
    assert later.set_index("id").at["inc-1", "overdue"]


def test_overdue_then_reported_late(demo_store):
    _open(demo_store, detected_on=TODAY - dt.timedelta(days=20))
    frame = imp.incidents_frame(demo_store).set_index("id")
    assert frame.at["inc-1", "overdue"] and frame.at["inc-1", "report_deadline"] == \
        TODAY - dt.timedelta(days=5)
    saved = imp.report_incident(demo_store, "inc-1", reported_to="the health authority")
    assert saved.reason == f"reported to the health authority after the deadline " \
                           f"({TODAY - dt.timedelta(days=5)})"
    frame = imp.incidents_frame(demo_store).set_index("id")
    assert not frame.at["inc-1", "overdue"] and frame.at["inc-1", "reported_late"]
    with pytest.raises(ValidationError, match="is reported; it was reported on"):
        imp.report_incident(demo_store, "inc-1", reported_to="again")


def test_bad_input_is_refused_and_writes_nothing(demo_store):
    refused(demo_store, ValidationError, "serious: a death .* is serious", _open,
             serious=False, death=True)
    refused(demo_store, ValidationError, "aware_on: aware .* before it was detected", _open,
             aware_on=TODAY - dt.timedelta(days=30))
    refused(demo_store, ValidationError, "monitoring_run_id: name the monitoring run",
             _open, source="monitoring")
    refused(demo_store, ValidationError, "severity", _open, severity="apocalyptic")
    refused(demo_store, ValidationError, "system_id refers to AI system 'nope'", _open,
             system_id="nope")
    refused(demo_store, ValidationError, "risk_ids refers to risk 'nope'", _open,
             risk_ids=["nope"])
    _open(demo_store)
    refused(demo_store, ValidationError, "already exists", _open)
    refused(demo_store, ValidationError, "reported_to: say to whom", imp.report_incident,
             "inc-1", reported_to=" ")
    refused(demo_store, ValidationError, "status: report a serious incident before closing",
             imp.close_incident, "inc-1", note="fixed")


def test_monitoring_and_complaints_open_incidents_linked_to_nc_and_risks(demo_store):
    run_id = next(v.record_id for v in demo_store.latest("monitoring_run")
                  if v.content["system_id"] == "card-fraud")
    saved = imp.open_incident(demo_store, system_id="card-fraud", title="Alert rate breach",
                              description="Recall fell below its threshold.",
                              source="monitoring", monitoring_run_id=run_id)
    inc = saved.record
    assert (inc.id, inc.source.value, inc.monitoring_run_id, inc.report_deadline,
            inc.opened_by) == (f"inc-{TODAY:%Y}-1", "monitoring", run_id, None, "chloe")
    risk = next(r.id for r in demo_store.records("risk") if r.system_id == "card-fraud")
    imp.raise_nc(demo_store, id="nc-9", title="Alert rate breach", description="Recall fell.",
                 source="incident", system_ids=["card-fraud"])  # the incident's own system
    imp.link_incident(demo_store, inc.id, nonconformity_id="nc-9", risk_ids=[risk, risk])
    linked = demo_store.get("incident", inc.id).record
    assert linked.nonconformity_id == "nc-9" and linked.risk_ids == [risk]
    imp.close_incident(demo_store, inc.id, note="threshold retuned")
    assert demo_store.get("incident", inc.id).record.status.value == "closed"


def test_an_unknown_monitoring_run_is_refused_and_nothing_saved(demo_store):
    head = demo_store.head()
    refused(demo_store, ValidationError, "monitoring_run_id refers to monitoring run "
             "'run-2026-12-01', which is not in the store", imp.open_incident,
             system_id="card-fraud", title="Alert rate breach", description="Recall fell.",
             source="monitoring", monitoring_run_id="run-2026-12-01")
    assert demo_store.head() == head


def test_anyone_active_may_open_but_only_the_team_reports(demo_store):
    with acting("elena"):  # an executive, on no system's team
        _open(demo_store)
        refused(demo_store, PermissionDeniedError, "elena .* may not save AI incident",
                 imp.report_incident, "inc-1", reported_to="authority")
    with acting("amira"):  # the owner of the clinical triage system
        imp.report_incident(demo_store, "inc-1", reported_to="the health authority")


@pytest.fixture
def inc_cli(demo_url, demo_store, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["incident", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_open_list_report(inc_cli, demo_store):
    code, out, _ = inc_cli("open", "--id", "inc-9", "--system", "clinical-triage",
                           "--title", "Triage too low", "--description", "routine advice",
                           "--detected-on", str(TODAY - dt.timedelta(days=3)), "--death")
    assert (code, out.strip()) == (0, f"opened AI incident inc-9 (version 1); report by "
                                      f"{TODAY + dt.timedelta(days=7)} (10 days: "
                                      f"a death (Art. 73(4)))")
    code, out, _ = inc_cli("list")
    rows = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert {"inc-credit-stale-feed", "inc-9"} <= set(rows)  # and the one monitoring opened
    assert len(rows) == 3 and demo_store.find("incident", "inc-monitoring-cv-screening")
    assert "7 days left" in rows["inc-9"] and "(late)" not in rows["inc-credit-stale-feed"]
    code, out, _ = inc_cli("list", "--overdue", "--as-of", str(TODAY + dt.timedelta(days=8)))
    assert [line.split()[0] for line in out.splitlines()[2:]] == ["inc-9"]
    assert "OVERDUE" in out
    code, out, _ = inc_cli("report", "inc-9", "--to", "the health authority")
    assert (code, out.strip()) == (0, f"AI incident inc-9 reported to the health authority "
                                      f"on {TODAY}")
    code, out, _ = inc_cli("show", "inc-9")
    assert code == 0 and f"report by {TODAY + dt.timedelta(days=7)} (10 days: a death" in out


def test_cli_refusals(inc_cli, demo_store):
    head = demo_store.head()
    code, out, err = inc_cli("open", "--system", "nope", "--title", "x", "--description", "y")
    assert code == 1 and out == "" and err.count("\n") == 1 and err.startswith("error: ")
    code, _, err = inc_cli("report", "inc-credit-stale-feed", "--to", "x")
    assert code == 1 and "is reported; it was reported on" in err
    with pytest.raises(SystemExit) as usage:
        main(["incident", "open", "--system", "card-fraud"])
    assert usage.value.code == 2
    assert demo_store.head() == head


def test_dashboard_panel_counts_overdue_reports(demo_url, demo_store):
    from workbench.portfolio import portfolio_page

    _open(demo_store, detected_on=TODAY - dt.timedelta(days=20))
    page = portfolio_page(demo_url)
    panel = next(p for p in page.panels if p.key == "improvement")
    values = dict(zip(panel.table["kpi"], panel.table["value"], strict=True))
    # with the nonconformity and incident the monitoring of cv-screening raised
    assert values == {"open_nonconformities": 2, "overdue_nc_actions": 1, "open_incidents": 3,
                      "overdue_reports": 1}
    assert panel.note == "1 incident report overdue"
    assert ">OVERDUE<" in panel.html and ">in progress<" in panel.html
    # its own cards, apart from the page's headline KPIs
    assert 'class="wb-improvement-kpis"' in panel.html and "wb-kpis" not in panel.html
    with acting("amira"):
        imp.report_incident(demo_store, "inc-1", reported_to="authority")
    panel = next(p for p in portfolio_page(demo_url).panels if p.key == "improvement")
    assert panel.note == "no incident report is overdue"
    assert wb.render.esc("<") not in panel.note


def test_detected_aware_and_reported_dates_are_never_in_the_future(demo_store):
    future = f"is in the future \\(today is {TODAY}\\); record it once it has happened$"
    refused(demo_store, ValidationError, f"^detected_on: {TODAY + dt.timedelta(days=1)} "
             + future, _open, detected_on=TODAY + dt.timedelta(days=1))
    refused(demo_store, ValidationError, f"^aware_on: {TODAY + dt.timedelta(days=1)} "
             + future, _open, aware_on=TODAY + dt.timedelta(days=1))
    _open(demo_store, detected_on=TODAY, aware_on=TODAY)  # today is fine
    refused(demo_store, ValidationError, f"^reported_on: {TODAY + dt.timedelta(days=2)} "
             + future, imp.report_incident, "inc-1", reported_to="the health authority",
             reported_on=TODAY + dt.timedelta(days=2))
    imp.report_incident(demo_store, "inc-1", reported_to="the health authority",
                        reported_on=TODAY)
    assert demo_store.get("incident", "inc-1").record.reported_on == TODAY


def test_a_closed_incident_is_neither_closed_again_nor_relinked(demo_store):
    _open(demo_store, serious=False)
    imp.close_incident(demo_store, "inc-1", note="advice thresholds corrected")
    closed = demo_store.get("incident", "inc-1")
    refused(demo_store, ValidationError, "^AI incident inc-1 is closed and can no longer "
             "change: cannot close it again \\(closure note: 'advice thresholds corrected'\\); "
             "open a new incident if it recurs$", imp.close_incident, "inc-1",
             note="closed once more")
    refused(demo_store, ValidationError, "^AI incident inc-1 is closed and can no longer "
             "change: cannot change its links", imp.link_incident, "inc-1",
             nonconformity_id="nc-1")
    after = demo_store.get("incident", "inc-1")
    assert after.version == closed.version
    assert after.record.closure_note == "advice thresholds corrected"


def test_cli_links_and_closes_an_incident_once(inc_cli, demo_store):
    risk = next(r.id for r in demo_store.records("risk") if r.system_id == "card-fraud")
    code, out, _ = inc_cli("open", "--id", "inc-9", "--system", "card-fraud", "--title",
                           "Alert rate breach", "--description", "Recall fell")
    assert code == 0
    imp.raise_nc(demo_store, id="nc-9", title="Alert rate breach", description="Recall fell.",
                 source="incident", system_ids=["card-fraud"])  # the incident's own system
    code, out, _ = inc_cli("link", "inc-9", "--nc", "nc-9", "--risk", risk)
    assert (code, out.strip()) == (0, f"AI incident inc-9 linked to nonconformity nc-9 and "
                                      f"risk {risk} (version 2)")
    code, out, err = inc_cli("link", "inc-9")
    assert (code, out, err) == (1, "", "error: give --nc ID or --risk ID (repeatable) to link\n")
    code, out, _ = inc_cli("close", "inc-9", "--note", "threshold retuned")
    assert (code, out.strip()) == (0, "AI incident inc-9 closed (version 3)")
    head = demo_store.head()
    code, out, err = inc_cli("close", "inc-9", "--note", "again")
    assert (code, out) == (1, "")
    assert err == ("error: AI incident inc-9 is closed and can no longer change: cannot close "
                   "it again (closure note: 'threshold retuned'); open a new incident if it "
                   "recurs\n")
    code, out, err = inc_cli("link", "inc-9", "--nc", "nc-2")
    assert (code, out) == (1, "") and err.startswith("error: AI incident inc-9 is closed")
    assert demo_store.head() == head
    inc = demo_store.get("incident", "inc-9").record
    assert (inc.status.value, inc.nonconformity_id, inc.risk_ids, inc.closure_note) == (
        "closed", "nc-9", [risk], "threshold retuned")
    with pytest.raises(SystemExit) as usage:  # the note is required
        main(["incident", "close", "inc-9"])
    assert usage.value.code == 2


def test_cli_refuses_future_dates_and_an_unknown_system(inc_cli, demo_store):
    head = demo_store.head()
    later = TODAY + dt.timedelta(days=1)
    code, out, err = inc_cli("open", "--system", "card-fraud", "--title", "x",
                             "--description", "y", "--detected-on", str(later))
    assert (code, out, err) == (1, "", f"error: detected_on: {later} is in the future (today "
                                        f"is {TODAY}); record it once it has happened\n")
    code, out, err = inc_cli("report", "inc-monitoring-cv-screening", "--to", "MSA", "--on",
                             str(later))
    assert (code, out, err) == (1, "", f"error: reported_on: {later} is in the future (today "
                                        f"is {TODAY}); record it once it has happened\n")
    code, out, err = inc_cli("list", "--system", "nope")
    assert (code, out, err) == (1, "", "error: no AI system 'nope' in the store; check the id "
                                       "(`workbench list ai_system` shows them)\n")
    code, out, _ = inc_cli("list", "--system", "credit-scoring")
    assert code == 0 and [line.split()[0] for line in out.splitlines()[2:]] == [
        "inc-credit-stale-feed"]
    assert demo_store.head() == head
