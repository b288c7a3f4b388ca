"""Governance panels of the dashboards and the system report: EU AI Act tiers, residual risk,
overdue actions, approvals, readiness, fairness and the one-system panels, on the demo store.

Expected values are computed independently of the panels, record by record with the
features' one-record APIs (``oversight.status``, ``impact.classify_system``, the criteria).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from actors import acting

from workbench import portfolio

from wbtest import expected_kpis

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def data(demo_store):
    return portfolio.load(demo_store)


def test_governance_kpis_match_the_records(demo_store, data):
    expected = expected_kpis(demo_store, data.today)
    got = portfolio.governance_kpis(data)
    assert {k: round(v) if k == "readiness" else v for k, v in got.items()
            if k in expected} == expected
    # the demo has something in every card
    assert all(expected[k] > 0 for k in expected if k != "readiness")


def test_shared_inputs_are_computed_once_per_page(demo_url, monkeypatch):
    from workbench import fairness, impact, oversight, readiness, risk

    calls: dict[str, int] = {}

    def counted(module: Any, name: str, key: str | None = None) -> None:
        original = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            past = getattr(args[0] if args else None, "until", None) is not None
            # the readiness trend reads each past point from its own view of the past
            if not past and (name != "status_frame"
                             or kwargs.get("kind", args[1:2] or None) is None):
                calls[key or name] = calls.get(key or name, 0) + 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    for module, name in ((risk, "register"), (oversight, "status_frame"),
                         (impact, "portfolio"), (fairness, "flags"), (readiness, "assess")):
        counted(module, name)
    page = portfolio.portfolio_page(demo_url)
    assert not [p.error for p in page.panels if p.error]
    assert calls == {"register": 1, "status_frame": 1, "portfolio": 1, "flags": 1,
                     "assess": 1}


def test_tiers_by_lifecycle_stage(demo_store, data):
    from workbench import impact

    counts = portfolio.tier_stage_counts(data)
    assert list(counts.index) == ["Prohibited", "High-risk", "Transparency obligations",
                                  "Minimal risk", "Not yet classified"]
    assert list(counts.columns) == ["Design", "Develop", "Validate", "Deploy", "Operate",
                                    "Retire"]
    systems = demo_store.records("ai_system")
    assert int(counts.to_numpy().sum()) == len(systems)
    high = [s for s in systems if impact.classify_system(demo_store, s.id).tier == "high_risk"]
    assert counts.loc["High-risk"].sum() == len(high) == 2
    for s in high:
        assert counts.loc["High-risk", portfolio.label(s.lifecycle_stage.value)] >= 1
    fig = portfolio.tier_figure(data)
    assert {t.name for t in fig.data} <= set(counts.index) and fig.layout.barmode == "stack"
    panel = portfolio.inventory_panel(data)
    assert panel.title == "AI systems by EU AI Act tier and lifecycle stage"
    assert ">Larkspur Money</td>" in panel.after_html


def test_risk_panel_shows_the_store_heatmap_and_who_must_accept(demo_store, data):
    from workbench import risk
    from workbench.render import esc

    panel = portfolio.risk_panel(data)
    register = risk.register(demo_store)
    matrix = risk.heatmap_matrix(risk.open_risks(register))
    assert panel.table.equals(matrix)
    text = [[int(v.replace(",", "")) if v else 0 for v in row] for row in panel.figure.data[0].text]
    assert text == matrix.to_numpy().tolist()
    waiting = portfolio.awaiting_acceptance(data)
    assert len(waiting) == expected_kpis(demo_store, data.today)["awaiting_acceptance"]
    for title in waiting["title"].head(10):
        assert esc(title) in panel.after_html
    assert "awaits risk owner Dr Amira Haddou" in panel.after_html  # names, not logins
    assert "risk owner amira" not in panel.after_html
    assert panel.note.startswith(f"{int(matrix.to_numpy().sum())} open risks in 7 AI systems")


def test_overdue_actions_with_names(demo_store, data):
    panel = portfolio.actions_panel(data)
    today = data.today
    late = [(r, a) for r in demo_store.records("risk") if r.status.value != "closed"
            for a in r.actions if a.done_on is None and a.due < today]
    assert len(panel.table) == len(late)
    people = {p.id: p.name for p in demo_store.records("person")}
    first = max(late, key=lambda ra: (today - ra[1].due).days)
    row = panel.table.iloc[0]
    assert (row["description"], row["owner_name"]) == (first[1].description,
                                                       people[first[1].owner])
    assert f"{(today - first[1].due).days} days" in panel.html


def test_approvals_are_named_and_stale_ones_say_what_changed(demo_store, data):
    frame = portfolio.approvals(data)
    row = frame.set_index(["kind", "record_id"]).loc[("impact_assessment", "ia-cv-screening")]
    assert (row["what"], row["about"], row["state"]) == ("TalentMatch CV screening",
                                                         "Impact assessment", "pending")
    assert row["waiting_for"] == "system owner Farid Haddad, AI governance lead"
    panel = portfolio.approvals_panel(data)
    assert "ia-cv-screening" not in panel.html and "aims-scope" not in panel.html
    assert "AIMS scope" in panel.html and "Statement of Applicability" in panel.html
    stale = frame[frame["stale"]].iloc[0]
    assert stale["what"] == "Sentinel card-fraud detection"
    assert "third party components, deployment context" in panel.html
    assert "Sven Eriksen, Chloe Lindqvist" in panel.html
    assert "awaiting your sign-off" in panel.note


def test_what_a_sign_off_is_about_is_capitalised_for_every_kind(demo_store, data):
    """"management review" and "model card" read like "AI policy" and "Go-live"."""
    from workbench.portfolio.governance import kind_label

    frame = portfolio.approvals(data)
    about = dict(zip(frame["kind"], frame["about"], strict=True))
    assert about["management_review"] == "Management review"
    assert about["model_card"] == "Model card"
    assert about["ai_policy"] == "AI policy" and about["ai_system"] == "Go-live"
    assert all(a[:1].isupper() for a in frame["about"]), sorted(set(frame["about"]))
    assert kind_label("monitoring_plan") == "Monitoring plan"
    assert kind_label("incident") == "AI incident"
    assert kind_label("no_such_kind") == "No such kind"
    panel = portfolio.approvals_panel(data)
    assert ">management review<" not in panel.html and ">model card<" not in panel.html


def test_readiness_panel(demo_store, data):
    from workbench import readiness

    result = readiness.assess(demo_store)
    panel = portfolio.readiness_panel(data)
    assert panel.figure is not None and panel.table.equals(readiness.clause_table(result))
    assert f"{len(result.gaps)} items to do" in panel.note
    assert f"{result.overall:.0f}%" in panel.html
    assert "6.1.4 AI system impact assessment" in panel.after_html


def _latest_monitored_fairness(store, system_id: str, today):
    """The fairness measurements of the system's latest monitoring run up to ``today``,
    straight from the records."""
    runs = [r for r in store.records("monitoring_run") if r.system_id == system_id
            and r.run_at.date() <= today and any(m.metric.value == "fairness"
                                                 for m in r.measurements)]
    last = max(runs, key=lambda r: r.run_at)
    return last, [m for m in last.measurements if m.metric.value == "fairness"]


def test_fairness_panel_lists_breaches(demo_store, data):
    panel = portfolio.fairness_panel(data)
    expected = expected_kpis(demo_store, data.today)
    n, systems = expected["fairness_breaches"], expected["fairness_systems"]
    assert panel.note.startswith(f"{n} metrics outside their thresholds in {systems} of the "
                                 "2 AI systems")
    # the fairness check's breach, not measured again by monitoring, still counts
    assert "TalentMatch CV screening" in panel.html and "Demographic parity ratio" in panel.html
    assert "0.792" in panel.html and "≥ 0.80" in panel.html and ">breach<" in panel.html
    assert "Fairness check, 25 Nov 2026" in panel.html
    assert "demographic_parity_ratio" not in panel.html


def test_fairness_card_flags_and_system_page_count_the_latest_monitoring_run(demo_store,
                                                                              data):
    """A monitoring run later than the last fairness check that measured a fairness gap
    outside its threshold counts on the KPI card, is listed in the flags and turns the
    system page's badge red (it used to stay green above the monitoring warning)."""
    from workbench.fairness import flags

    run, measured = _latest_monitored_fairness(demo_store, "credit-scoring", data.today)
    checks = flags(demo_store, as_of=data.today)
    checked = checks[checks["system_id"] == "credit-scoring"]
    assert run.run_at > checked["collected_at"].max() and not checked["breach"].any()
    breached = [m for m in measured if m.breached]
    assert breached  # the demo's drifting equal opportunity gap by age band
    kpis = portfolio.governance_kpis(data)
    assert kpis["fairness_systems"] == 2  # credit scoring and CV screening
    card = portfolio.kpi_panel(data).html
    assert "latest fairness check or monitoring run" in card
    latest = portfolio.fairness_latest(data)
    flagged = latest[latest["breach"]]
    assert kpis["fairness_breaches"] == len(flagged)
    credit = flagged[flagged["system_id"] == "credit-scoring"]
    assert list(credit["evidence_id"]) == [run.id] * len(breached)
    assert set(credit["source"]) == {"monitoring"}
    table = portfolio.fairness_panel(data).html
    assert "ClearCredit consumer credit scoring" in table
    assert f"Monitoring run, {portfolio.fmt_date(run.run_at)}" in table
    for m in breached:
        assert f"{m.value:.3f}" in table
    # the system page: a red badge with the same count, never "within its threshold"
    fair = _panels(data, "credit-scoring")["system-fairness"]
    assert "every metric within its threshold" not in fair.html
    outside = "metric outside its threshold" if len(breached) == 1 else "metrics outside"
    assert f"{len(breached)} {outside}" in fair.html and "wb-monitored-fairness" in fair.html
    assert "later measured by the monitoring run of " in fair.note
    # a metric the run measured again shows the run's value, not the check's
    for m in measured:
        row = fair.table[(fair.table["feature"] == m.feature)
                         & (fair.table["metric"] == m.measure)]
        assert len(row) == 1 and row["value"].iloc[0] == pytest.approx(m.value)


def test_fairness_counts_only_monitoring_runs_after_the_last_check(demo_store):
    """Before the monitoring run that breached, the credit-scoring page is all clear; a day
    on which the last fairness check is newer than any run shows the check alone."""
    run, _ = _latest_monitored_fairness(demo_store, "credit-scoring",
                                        portfolio.load(demo_store).today)
    earlier = portfolio.load(demo_store, today=run.run_at.date() - dt.timedelta(days=1))
    _, before = _latest_monitored_fairness(demo_store, "credit-scoring", earlier.today)
    assert not any(m.breached for m in before)  # the run before it was within thresholds
    fair = _panels(earlier, "credit-scoring")["system-fairness"]
    assert "every metric within its threshold" in fair.html
    assert portfolio.governance_kpis(earlier)["fairness_systems"] == 1  # CV screening only
    checks = earlier.fairness()
    check_day = checks[checks["system_id"] == "credit-scoring"]["collected_at"].max()
    on_check = portfolio.load(demo_store, today=check_day.date())
    latest = portfolio.fairness_latest(on_check, system_id="credit-scoring")
    runs_before = [r for r in demo_store.records("monitoring_run")
                   if r.system_id == "credit-scoring" and r.run_at > check_day
                   and r.run_at.date() <= on_check.today]
    assert not runs_before
    assert set(latest["source"]) == {"check"} and not latest["breach"].any()


# -- one system --------------------------------------------------------------------------------
def _panels(data, system_id: str) -> dict[str, Any]:
    panels = portfolio.build_panels(data, portfolio.SYSTEM_PANELS, system_id)
    assert not [p.error for p in panels if p.error]
    return {p.key: p for p in panels}


def test_system_panels_of_a_high_risk_system(demo_store, data):
    from workbench import risk
    from workbench.render import esc

    p = _panels(data, "credit-scoring")
    assert "version 2 approved by Grace Kim, Chloe Lindqvist" in p["golive"].html
    eu = p["eu-ai-act"].html
    assert "High-risk" in eu and "Art. 9 Risk management system" in eu
    assert "Creditworthiness and credit scoring (annex3.5.b)" in eu
    impact = p["impact"].html
    # submitted and approved: one status, approved (approval is the step after submission)
    assert ">approved<" in impact and ">overdue<" in impact and ">submitted<" not in impact
    assert "Ben Okafor" in impact  # the assessor by name
    live = risk.open_risks(risk.register(demo_store, system_id="credit-scoring"))
    assert int(p["system-risk"].table.to_numpy().sum()) == len(live)
    for title in live["title"]:
        assert esc(title) in p["system-risk"].after_html
    # the latest monitoring run measured a fairness gap outside its threshold since the
    # (clean) fairness check: the badge must not read as all clear
    assert "every metric within its threshold" not in p["system-fairness"].html
    assert "1 metric outside its threshold" in p["system-fairness"].html


def test_system_panels_say_stale_rejected_and_missing(demo_store, data):
    from workbench.demo.oversight import REJECTION
    from workbench.render import esc

    fraud = _panels(data, "card-fraud")
    assert ">stale<" in fraud["golive"].html and "Deployment context" in fraud["golive"].html
    assert "Minimal risk" in fraud["eu-ai-act"].html
    chatbot = _panels(data, "support-chatbot")
    assert ">rejected<" in chatbot["golive"].html and esc(REJECTION) in chatbot["golive"].html
    assert "by Chloe Lindqvist" in chatbot["golive"].html
    forecast = _panels(data, "demand-forecast")
    assert "No impact assessment has been recorded" in forecast["impact"].html
    assert "No fairness evidence has been recorded" in forecast["system-fairness"].html
    assert "Not yet classified" in forecast["eu-ai-act"].html
    cv = _panels(data, "cv-screening")
    assert ">breach<" in cv["system-fairness"].html


def test_questions_to_classify_read_as_text_without_internal_ids(demo_store, data):
    from workbench.impact import classify_system
    from workbench.impact.questionnaire import questionnaire
    from workbench.render import esc

    missing = classify_system(demo_store, "clinical-triage").missing
    assert "high_risk.annex_i_product" in missing and "gpai.provides_model" in missing
    html = _panels(data, "clinical-triage")["eu-ai-act"].html
    assert "To classify it" in html
    for qid in missing[:8]:
        assert esc(questionnaire().question(qid).text) in html
        assert qid not in html
    # the reasoning of a classified system names questions by their text too
    credit = _panels(data, "credit-scoring")["eu-ai-act"].html
    assert "high_risk.fraud_detection_only" not in credit


def test_a_new_request_after_a_stale_approval_keeps_saying_it_is_stale(demo_store):
    from workbench import oversight

    with acting("ravi"):
        oversight.request(demo_store, "ai_system", "card-fraud")
    html = _panels(portfolio.load(demo_store), "card-fraud")["golive"].html
    assert ">pending<" in html and "awaits system owner Sven Eriksen" in html
    assert "(the approval of version 2 by Sven Eriksen, Chloe Lindqvist is stale)" in html
    assert "Deployment context" in html  # what changed since


def test_a_risk_edited_after_its_approval_shows_stale_with_what_changed(demo_store):
    from workbench import oversight

    states = oversight.status_frame(demo_store, "risk")
    [risk_id, *_] = states.loc[states["state"] == "approved", "record_id"]  # the demo has one
    approved = demo_store.get("risk", risk_id)
    with acting("alice"):
        demo_store.save(approved.record.model_copy(update={"description": "Reworded."}),
                        base_version=approved.version)
    p = _panels(portfolio.load(demo_store), approved.record.system_id)
    html = p["system-risk"].after_html
    row = html[html.index(approved.record.title):]
    row = row[:row.index("</tr>")]
    assert ">stale<" in row and "changed: description" in row


def test_user_text_is_escaped_in_governance_panels(demo_store, demo_url, monkeypatch):
    risk = demo_store.get("risk", "credit-scoring-r04")
    with acting("alice"):
        demo_store.save(risk.record.model_copy(update={"title": EVIL}), base_version=risk.version)
    for page in (portfolio.portfolio_page(demo_url),
                 portfolio.system_page(demo_url, "credit-scoring")):
        html = page.header + page.to_html()
        assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
        for panel in page.panels:
            if panel.figure is not None:
                assert "<img" not in panel.figure.to_json()


def test_prepared_page_warms_the_shared_inputs_ahead(demo_url, monkeypatch):
    from workbench import risk

    calls = []
    original = risk.register
    monkeypatch.setattr(risk, "register", lambda *a, **k: calls.append(1) or original(*a, **k))
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.delenv("QUERY_STRING", raising=False)
    prepared = portfolio.prepare(portfolio.system_page, demo_url, "")
    assert "Choose an AI system" in prepared.page.header and calls == [1]  # done ahead
    monkeypatch.setenv("QUERY_STRING", "system=credit-scoring")  # the viewer arrives
    page = prepared.refresh()
    assert page.title == "ClearCredit consumer credit scoring"
    assert not [p.error for p in page.panels if p.error]
    assert calls == [1]  # the viewer's page only filtered the register


def test_an_empty_store_shows_messages_not_errors(store):
    from workbench.portfolio.pages import portfolio_page

    page = portfolio_page(store.url)
    assert page.error == ""
    # every panel shows its empty message, none an error
    assert {p.key: p.error for p in page.panels if p.error} == {}
    html = page.to_html()
    for text in ("No open risks are registered yet.", "No treatment action is overdue.",
                 "No sign-off has been requested yet.",
                 "No fairness results have been recorded."):
        assert text in html
