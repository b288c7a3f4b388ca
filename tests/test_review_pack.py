"""The management review pack (9.3.2): every input read from the records as they stood, each
summary generated from them; other features' frames used when installed."""

from __future__ import annotations

import datetime as dt

import pytest

import workbench as wb
from workbench.errors import ValidationError

TODAY = dt.date.today()


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


@pytest.fixture
def pack(demo_store):
    return wb.review.pack(demo_store, trend_points=2, verify=False)


def test_every_input_of_9_3_2_is_in_the_pack(pack):
    assert [s.key for s in pack.sections] == list(wb.review.SECTIONS)
    topics = [i.topic for i in pack.inputs()]
    assert topics == list(wb.readiness.ReviewTopic)  # all seven, in the model's order
    assert pack.previous_review == {"id": "mr-1", "title": "AI management review",
                                    "held_on": day(-80), "chair": "elena"}
    assert pack.organization == "Larkspur Group" and pack.as_of == TODAY


def test_previous_actions_come_from_the_decisions(pack):
    section = pack.section("previous_actions")
    assert section.summary == (f"Review mr-1 (held on {day(-80)}) took 4 decisions: 2 done, "
                               "2 open, 0 overdue.")
    table = section.table.set_index("decision_id")
    assert table.loc["expiry-reminders", "status"] == "done"
    assert table.loc["expiry-reminders", "done_on"] == day(-35)
    assert table.loc["analyst", "status"] == "open" and table.loc["analyst", "owner"] == "dev"


def test_context_and_interested_parties_changed_since_the_review(demo_store):
    current = demo_store.get("aims_scope", "aims-scope")
    scope = current.record
    parties = [*scope.interested_parties, {"name": "National AI regulator",
                                           "needs": "registration of high-risk systems"}]
    demo_store.save(scope.model_copy(update={
        "external_issues": [*scope.external_issues, "New AI liability rules"],
        "interested_parties": parties}), base_version=current.version,
        reason="context reviewed")
    pack = wb.review.pack(demo_store, trend_points=1, verify=False)
    context = pack.section("context")
    assert context.summary == (f"1 change recorded since {day(-80)}: aims_scope aims-scope "
                               f"v{current.version + 1}: external issue added: New AI "
                               "liability rules.")
    assert context.table["saved_by"].tolist() == ["chloe"]
    party = pack.section("interested_parties")
    assert party.summary == (f"1 change to interested parties since {day(-80)}: National AI "
                             "regulator added.")
    assert party.table["needs"].tolist() == ["registration of high-risk systems"]


def test_nonconformities_audits_and_risks_from_the_records(demo_store, pack):
    nc = pack.section("nonconformities")
    # nc-monitoring-cv-screening: raised by the monitoring of cv-screening's fairness gap
    assert set(nc.table["id"]) == {"nc-1", "nc-2", "nc-monitoring-cv-screening"}
    assert nc.summary == ("0 nonconformities raised since the previous review, 1 closed since "
                          "the previous review; 2 open (nc-1, nc-monitoring-cv-screening), 1 "
                          "with overdue corrective actions. Open by stage: in progress 1, "
                          "raised 1.")
    audits = pack.section("audits")
    assert audits.summary == ("0 internal audits completed since the previous review; "
                              "1 planned, 0 overdue.")
    risks = pack.section("risks")
    register = wb.risk.register(demo_store)
    live = register[register["status"] != "closed"]
    above = int(live["above_appetite"].sum())
    assert risks.summary.startswith(f"{len(live)} open risks, {above} above the risk appetite")
    assert len(risks.table) == above
    incidents = pack.section("incidents")
    assert incidents.available
    assert set(incidents.table["id"]) == {"inc-credit-stale-feed", "inc-monitoring-cv-screening"}
    readiness = pack.section("readiness")
    assert readiness.summary.startswith(f"ISO/IEC 42001 readiness {pack.readiness.overall:.0f}%")
    assert readiness.figure is not None and len(readiness.table) == 2


def test_a_pack_of_the_past_shows_what_could_be_seen_then(demo_store):
    before = wb.review.pack(demo_store, as_of=day(-90), trend_points=1, verify=False)
    assert before.previous_review is None
    assert before.section("previous_actions").summary == (
        "No previous management review is recorded: this is the first one.")
    # nc-2 was closed 39 days ago and nc-1's actions were planned later: not seen 90 days ago
    assert before.section("nonconformities").summary == (
        "3 nonconformities raised in total, 0 closed in total; 3 open (nc-1, nc-2, "
        "nc-monitoring-cv-screening). Open by stage: actions planned 1, in progress 1, "
        "raised 1.")
    assert before.section("nonconformities").table.set_index("id").at["nc-2", "stage"] != \
        "closed"
    with pytest.raises(ValidationError, match="as_of: .* is in the future"):
        wb.review.pack(demo_store, as_of=day(3))


def test_other_features_frames_are_used_when_installed(demo_store):
    """The improvement and monitoring features' own frames feed their sections."""
    pack = wb.review.pack(demo_store, trend_points=1, verify=False)
    nc = pack.section("nonconformities")
    assert nc.table.set_index("id").at["nc-1", "stage"] == "in_progress"
    assert nc.summary.endswith("Open by stage: in progress 1, raised 1.")
    monitoring = pack.section("monitoring")
    assert monitoring.summary == "Monitoring of 7 AI systems: 2 breach, 1 overdue, 4 no plan."
    assert monitoring.table.set_index("system_id").at["card-fraud", "state"] == "overdue"


def test_pack_html_escapes_record_text(demo_store):
    current = demo_store.get("management_review", "mr-1")
    review = current.record
    decisions = [d.model_copy(update={"description": "<script>alert(1)</script> & more"})
                 if d.id == "analyst" else d for d in review.decisions]
    demo_store.save(review.model_copy(update={"decisions": decisions}),
                    base_version=current.version)
    html = wb.review.pack(demo_store, trend_points=1, verify=False).to_html()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert html.count('class="wb-review-section"') == len(wb.review.SECTIONS)


def test_trend_panel_on_the_portfolio_dashboard(demo_store):
    from workbench.portfolio.data import load
    from workbench.portfolio.trend_panel import TREND_POINTS, trend_panel

    data = load(demo_store)
    panel = trend_panel(data)
    assert panel.key == "readiness-trend" and not panel.error
    assert len(panel.table) == TREND_POINTS
    assert panel.table["overall"].iloc[-1] == pytest.approx(data.readiness().overall)
    assert "Overall" in panel.after_html and panel.figure is not None
