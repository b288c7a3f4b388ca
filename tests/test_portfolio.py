"""Dashboard panel computations: KPIs, inventory, evidence freshness, pages and their errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from workbench import portfolio
from workbench.model import AISystem, Evidence, Person
from workbench.portfolio import panels as panels_module


@pytest.fixture
def data(demo_store):
    return portfolio.load(demo_store)


def test_kpis_match_the_store(demo_store, data):
    systems = demo_store.records("ai_system")
    evidence = demo_store.records("evidence")
    today = dt.date.today()
    soon = today + dt.timedelta(days=30)
    assert portfolio.kpis(data) == {
        "systems": len(systems),
        "in_operation": sum(s.lifecycle_stage.value == "operate" for s in systems),
        "personal_data": sum(s.processes_personal_data for s in systems),
        "no_human_in_loop": sum(s.oversight_mode.value == "out_of_the_loop" for s in systems),
        "fully_automated": sum(s.automation_level.value == "full" for s in systems),
        "evidence": len(evidence),
        "expired": sum(e.is_expired(today) for e in evidence),
        "expiring": sum(e.expires_at is not None and today <= e.expires_at <= soon
                        for e in evidence),
    }
    assert portfolio.kpis(data)["expired"] >= 1  # the demo always has something to renew


def test_inventory_counts_by_stage_and_unit(data):
    counts = portfolio.inventory_counts(data)
    assert list(counts.index) == ["Design", "Develop", "Validate", "Deploy", "Operate", "Retire"]
    assert int(counts.to_numpy().sum()) == 7
    assert counts.loc["Operate", "Larkspur Money"] == 2
    assert counts.loc["Validate", "Larkspur Health"] == 1
    fig = portfolio.inventory_figure(data)
    # plotly shows "People &amp; Culture" as "People & Culture" (render.plotly_text)
    assert {t.name for t in fig.data} == {c.replace("&", "&amp;") for c in counts.columns}
    assert fig.layout.barmode == "stack"


def test_counts_by_list_columns_count_each_value(data):
    roles = portfolio.counts_by(data, "org_roles", order=["provider", "deployer"])
    assert roles.to_dict("records") == [{"value": "Provider", "systems": 5},
                                        {"value": "Deployer", "systems": 6}]
    oversight = portfolio.counts_by(data, "oversight_mode")
    assert set(oversight["value"]) == {"Human in the loop", "Human on the loop"}


def test_evidence_freshness_uses_names_and_ranks_urgent_first(demo_store, data):
    fresh = portfolio.evidence_freshness(data)
    assert len(fresh) == demo_store.count("evidence")
    first = fresh.iloc[0]
    assert first["status"] == "expired" and first["days_left"] < 0
    assert list(fresh["status"].drop_duplicates()) == ["expired", "expiring", "current",
                                                        "no expiry"]
    people = {p.id: p.name for p in demo_store.records("person")}
    assert set(fresh["collected_by"]) <= set(people.values())
    assert "TalentMatch CV screening" in set(fresh["systems"])
    one = portfolio.evidence_freshness(data, system_id="credit-scoring")
    expected = {e.id for e in demo_store.records("evidence") if "credit-scoring" in e.system_ids}
    assert set(one["id"]) == expected
    assert one["systems"].str.contains("ClearCredit consumer credit scoring").all()


def test_reports_are_kept_apart_from_the_evidence_they_summarise(demo_store):
    demo_store.save(Evidence(
        id="report-x", title="AI system report", evidence_kind="report", collected_by="chloe",
        collected_at=dt.datetime.now(dt.timezone.utc), content_hash="a" * 64,
        system_ids=["credit-scoring"]))
    data = portfolio.load(demo_store)
    assert "report-x" not in set(portfolio.evidence_freshness(data)["id"])
    assert "report-x" in set(portfolio.evidence_freshness(data, include_reports=True)["id"])
    reports = portfolio.reports_generated(data, system_id="credit-scoring")
    assert reports.to_dict("records")[0]["collected_by"] == "Chloe Lindqvist"
    panel = portfolio.system_evidence_panel(data, "credit-scoring")
    assert "1 report generated" in panel.after_html


def test_portfolio_page_panels(demo_store, demo_url, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "elena")
    page = portfolio.portfolio_page(demo_url)
    assert page.error == ""
    assert [p.key for p in page.panels] == ["kpis", "inventory", "risk", "actions", "approvals",
                                            "readiness", "readiness-trend", "improvement",
                                            "fairness", "evidence", "operation",
                                            "monitoring"]
    assert not [p.error for p in page.panels if p.error]
    assert "Larkspur Group" in page.header and "Viewing as Elena Rossi" in page.header
    assert "read-only" in page.header
    html = page.to_html()
    assert "cv-screening" not in html  # names, not ids
    assert "Validation report: ranking quality by vacancy family" in html
    assert page.panels[1].figure is not None


def test_viewer_roles_decide_read_only(demo_store, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "elena")
    assert not portfolio.viewer(demo_store).can_write  # executive: reads
    monkeypatch.setenv("WORKBENCH_USER", "chloe")
    assert portfolio.viewer(demo_store).can_write  # governance lead and admin
    monkeypatch.setenv("WORKBENCH_USER", "stranger")
    who = portfolio.viewer(demo_store)
    assert not who.known and not who.can_write


def test_user_text_is_escaped_everywhere(demo_store, demo_url):
    evil = "<img src=x onerror=alert(1)>"
    demo_store.save(Person(id="mallory", name=evil, roles=["owner"]))
    demo_store.save(AISystem(
        id="evil", name=evil, purpose=evil, owner="mallory", business_unit=evil,
        lifecycle_stage="design", org_roles=["deployer"], technique=evil,
        technique_family="rules", automation_level="full", oversight_mode="out_of_the_loop"))
    demo_store.save(Evidence(
        id="ev-evil", title=evil, evidence_kind="document", collected_by="mallory",
        collected_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
        expires_at=dt.date(2020, 6, 1), uri="https://x.example", system_ids=["evil"]))
    for page in (portfolio.portfolio_page(demo_url), portfolio.system_page(demo_url, "evil")):
        html = page.header + page.to_html()
        assert evil not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    fig = portfolio.inventory_figure(portfolio.load(demo_store))
    assert all("<img" not in (t.hovertemplate or "") for t in fig.data)


def test_a_failing_panel_becomes_a_message(demo_url, monkeypatch):
    monkeypatch.setattr(panels_module, "PORTFOLIO_PANELS", [
        "workbench.portfolio.panels:kpi_panel", "tests.test_portfolio:_broken_panel",
        "workbench.portfolio.panels:missing_panel"])
    monkeypatch.setattr("workbench.portfolio.pages.PORTFOLIO_PANELS",
                        panels_module.PORTFOLIO_PANELS)
    page = portfolio.portfolio_page(demo_url)
    keys = [p.key for p in page.panels]
    assert keys == ["kpis", "_broken_panel", "missing_panel"]
    broken = page.panels[1]
    assert broken.error.startswith("This panel could not be shown (ZeroDivisionError).")
    assert "Traceback" not in broken.to_html()


def _broken_panel(data):
    return 1 / 0


def test_pages_on_a_missing_store_show_a_message(tmp_path):
    missing = tmp_path / "missing.db"
    for page in (portfolio.portfolio_page(f"sqlite:///{missing}"),
                 portfolio.system_page(f"sqlite:///{missing}", "credit-scoring")):
        assert page.error.startswith(f"This dashboard cannot be shown: no store at '{missing}'")
        assert 'role="alert"' in page.header and page.panels == []
    assert not missing.exists()


def test_system_page_from_the_query_string(demo_url, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "system=card-fraud&x=1")
    assert portfolio.query_parameter("system") == "card-fraud"
    page = portfolio.system_page(demo_url)
    assert page.title == "Sentinel card-fraud detection"
    assert [p.key for p in page.panels] == ["facts", "golive", "eu-ai-act", "impact",
                                            "system-risk", "system-fairness", "model-card",
                                            "system-evidence", "system-monitoring"]
    assert '<option value="card-fraud" selected>' in page.header
    facts = dict(page.panels[0].table.itertuples(index=False))
    assert facts["Owner"] == "Sven Eriksen, Head of Fraud Prevention"
    assert facts["Human oversight"] == "Human on the loop"


def test_system_page_without_or_with_an_unknown_system(demo_url):
    empty = portfolio.system_page(demo_url)
    assert "Choose an AI system to see it in depth." in empty.header and not empty.panels
    unknown = portfolio.system_page(demo_url, "nope")
    assert "There is no AI system &#x27;nope&#x27; in the inventory." in unknown.header
    assert unknown.panels == []


def test_system_report_fails_loudly(demo_url):
    from workbench.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no AI system 'nope' in the store"):
        portfolio.system_report(demo_url, "nope")
    report = portfolio.system_report(demo_url, "clinical-triage")
    assert "Clinic triage assistant" in report.header
    panels = {p.key: p for p in report.panels}
    assert panels["system-evidence"].figure is not None
    assert panels["system-risk"].figure is not None


def test_figures_are_sent_as_plotly_bundles(data):
    bundle = panels_module.figure_bundle(portfolio.inventory_figure(data))
    spec = bundle["application/vnd.plotly.v1+json"]
    assert json.loads(json.dumps(spec))["layout"]["barmode"] == "stack"
    assert spec["config"]["displaylogo"] is False


def test_empty_store(store):
    page_data = portfolio.load(store)
    assert portfolio.kpis(page_data)["systems"] == 0
    assert "No AI systems are registered yet." in portfolio.inventory_panel(page_data).html
    assert "No evidence needs attention." in portfolio.evidence_panel(page_data).html


def test_prepared_pages_rebuild_only_what_changed(demo_store, demo_url, monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    prepared = portfolio.prepare(portfolio.portfolio_page, demo_url)
    first, data = prepared.page, prepared.data
    assert prepared.refresh() is first and prepared.data is data  # nothing changed: reused
    system = demo_store.get("ai_system", "card-fraud")
    demo_store.save(system.record.model_copy(update={"lifecycle_stage": "retire"}),
                    base_version=system.version)
    fresh = prepared.refresh()
    assert fresh is not first and prepared.data is not data  # a new version: reloaded
    assert fresh.panels[1].table["Retire"].sum() == 1

    one = portfolio.prepare(portfolio.system_page, demo_url, "")
    assert "Choose an AI system" in one.page.header
    data = one.data
    monkeypatch.setenv("QUERY_STRING", "system=credit-scoring")
    page = one.refresh()  # the viewer's URL arrives: same data, new page
    assert page.title == "ClearCredit consumer credit scoring" and one.data is data


def test_prepared_page_on_a_missing_store(tmp_path):
    prepared = portfolio.prepare(portfolio.portfolio_page, f"sqlite:///{tmp_path / 'no.db'}")
    assert prepared.refresh().error.startswith("This dashboard cannot be shown: no store at")


def test_organization_wide_evidence_says_so(demo_store):
    demo_store.save(Evidence(
        id="ev-policy", title="AI policy", evidence_kind="document", collected_by="chloe",
        collected_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
        expires_at=dt.date(2021, 1, 1), uri="https://docs.example/policy"))
    html = portfolio.evidence_panel(portfolio.load(demo_store)).html
    row = html[html.index("AI policy"):]
    assert row.index("Organization-wide") < row.index("</tr>")


def test_evidence_timeline_labels_are_short_and_the_full_title_is_in_the_hover(data):
    """Long evidence titles took most of the timeline's width (squashed on paper): the axis
    shows each title wrapped and cut to a few short lines, the hover the whole title, and
    equal titles stay on rows of their own."""
    import pandas as pd

    from workbench.portfolio.data import TIMELINE_LABEL_LINES, TIMELINE_LABEL_WIDTH
    from workbench.render import plotly_text

    fresh = portfolio.evidence_freshness(data, system_id="credit-scoring")
    long = "Fairness check of a consumer credit scoring model by gender, age band and " * 3
    fresh = pd.concat([fresh, fresh.iloc[:2].assign(title=[long, long])], ignore_index=True)
    fig = portfolio.evidence_timeline_figure(fresh, data.today)
    ticks = list(fig.layout.yaxis.ticktext)
    assert len(ticks) == len(fresh) == len(set(fig.layout.yaxis.tickvals))
    for tick in ticks:
        lines = tick.split("<br>")
        assert len(lines) <= TIMELINE_LABEL_LINES
        assert all(len(line) <= TIMELINE_LABEL_WIDTH for line in lines), tick
    assert ticks[-1].endswith("…")
    # titles that fit stay whole, on one line
    short = [t for t in fresh["title"] if len(t) <= TIMELINE_LABEL_WIDTH]
    assert short and all(plotly_text(t) in ticks for t in short)
    hovers = [c[2] for trace in fig.data for c in trace.customdata]
    assert sorted(hovers) == sorted(plotly_text(t) for t in fresh["title"])
    assert all("%{customdata[2]}" in trace.hovertemplate for trace in fig.data)
    assert sum(len(trace.y) for trace in fig.data) == len(fresh)  # the two long ones apart
    evil = portfolio.evidence_timeline_figure(
        fresh.iloc[:1].assign(title='<b>x</b><a href="https://evil.example">y</a>'), data.today)
    assert "<a" not in evil.layout.yaxis.ticktext[0] and "<b>" not in \
        evil.layout.yaxis.ticktext[0]
