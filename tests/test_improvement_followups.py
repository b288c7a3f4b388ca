"""Follow-ups of an audit of continual improvement: an audit's nonconformity carries the AI
systems of the records its finding sampled (and a nonconformity naming no system is refused in
plain words); a recurrence keeps its note when a later run updates it; the review pack counts
serious incidents within its period (one implementation with the consistency check) and shows
each serious incident's Art. 73 deadline; a monitoring nonconformity is raised by whoever ran
the monitoring and cannot be cancelled by the monitored system's team; an incident is linked
only to nonconformities and risks of its own AI system. Every refusal is one line and writes
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from actors import acting
from monitoring_data import SYSTEM, make_org, plan_data, sample

import workbench as wb
from workbench import improvement as imp
from workbench import monitoring
from workbench.errors import PermissionDeniedError, ValidationError

from wbtest import refused

TODAY = dt.date.today()


# -- 1. an audit's nonconformity names the systems of the sampled records ----------------------
SAMPLED_ONLY = [
    {"requirement_id": "A.6.2.4", "outcome": "major_nc", "notes": "Card fraud model released "
     "without a validation report.", "records_sampled": ["ai_system/card-fraud"]},
    {"requirement_id": "A.6.2.6", "outcome": "minor_nc", "notes": "Credit risk not reviewed.",
     "records_sampled": ["risk/credit-scoring-r01"]},
    {"requirement_id": "A.7.4", "outcome": "conforming"},
]


def test_an_audit_nc_gets_the_systems_of_the_records_its_finding_sampled(demo_store):
    with acting("hiro"):
        saved = imp.complete_audit(demo_store, "audit-programme", "life-cycle", SAMPLED_ONLY,
                                   results="Two nonconformities.")
    ncs = {v.record_id: v.record.system_ids for v in saved["nonconformities"]}
    assert ncs == {"nc-3": ["card-fraud"], "nc-4": ["credit-scoring"]}
    with acting("sven"):  # the owner of card-fraud works the audit's nonconformity
        imp.record_correction(demo_store, "nc-3", "model withdrawn until validated")
    assert demo_store.get("nonconformity", "nc-3").record.stage.value == "corrected"


def test_a_nonconformity_naming_no_system_is_refused_in_plain_words(demo_store, cli):
    imp.raise_nc(demo_store, id="nc-9", title="Policy not communicated",
                 description="Staff did not receive the AI policy.", clause_ids=["5.2"])
    with acting("sven"):
        message = refused(demo_store, PermissionDeniedError,
                           r"^sven may not update nonconformity nc-9: nc-9 names no AI system, "
                           r"so only the AI governance lead \(chloe\) or an auditor \(.*hiro.*\) "
                           r"may update it$", imp.record_correction, "nc-9", "x")
    assert "team of no AI system" not in message
    head = demo_store.head()
    with acting("sven"):
        code, out, err = cli("nc", "update", "nc-9", "--correction", "x")
    assert code != 0 and out == "" and "nc-9 names no AI system" in err
    assert len(err.strip().splitlines()) == 1 and demo_store.head() == head


# -- 2 and 4. monitoring: the recurrence note is kept; raised by whoever ran it ---------------
@pytest.fixture
def org(store):
    make_org(store)
    return store


def test_a_recurrence_keeps_its_note_when_a_later_run_updates_it(org):
    ref = sample(800, seed=2)
    with acting("ravi"):
        monitoring.save_plan(org, plan_data(on_breach=["raise_nonconformity"]))
        monitoring.run(org, SYSTEM, current=sample(800, seed=3, shift=1.5), reference=ref)
    nc_id = f"nc-monitoring-{SYSTEM}"
    with acting("chloe"):
        imp.cancel(org, nc_id, reason="handled in the model retraining project")
    with acting("ravi"):
        again = monitoring.run(org, SYSTEM, current=sample(800, seed=4, shift=2.0),
                               reference=ref)
        new_id = f"{nc_id}-{again.run.run_at:%Y%m%d}"
        monitoring.run(org, SYSTEM, current=sample(800, seed=5, shift=2.5), reference=ref)
    updated = org.get("nonconformity", new_id)
    assert updated.version == 2
    assert updated.record.description.count(f"Recurs after {nc_id} was closed") == 1
    assert updated.record.description.endswith(".")


def test_a_monitoring_nc_is_raised_by_who_ran_it_and_not_cancelled_by_the_team(org):
    with acting("ravi"):  # the plan's reviewer is sven; ravi runs the monitoring
        monitoring.save_plan(org, plan_data(on_breach=["raise_nonconformity"]))
        monitoring.run(org, SYSTEM, current=sample(800, seed=3, shift=1.5),
                       reference=sample(800, seed=2))
    nc_id = f"nc-monitoring-{SYSTEM}"
    nc = org.get("nonconformity", nc_id).record
    assert nc.raised_by == "ravi"
    with acting("sven"):
        refused(org, PermissionDeniedError, f"^sven may not cancel nonconformity {nc_id}: a "
                 "monitoring run raised it and they are on the team of the monitored AI system "
                 f"{SYSTEM}; it may be cancelled by chloe, tester$", imp.cancel, nc_id,
                 reason="false alarm")
    with acting("ravi"):  # ran it, but is on the monitored team
        refused(org, PermissionDeniedError, "a monitoring run raised it", imp.cancel, nc_id,
                 reason="false alarm")
    assert imp.cancellers(org, nc) == ["chloe", "tester"]
    with acting("chloe"):
        imp.cancel(org, nc_id, reason="false alarm: a data feed fault")
    assert org.get("nonconformity", nc_id).record.stage.value == "cancelled"


def test_an_owner_cannot_cancel_the_monitoring_nc_about_their_system_on_the_cli(demo_store,
                                                                                   cli):
    head = demo_store.head()
    with acting("farid"):
        code, out, err = cli("nc", "update", "nc-monitoring-cv-screening", "--cancel",
                             "false alarm")
    assert code != 0 and out == ""
    assert err.strip() == ("error: farid may not cancel nonconformity "
                           "nc-monitoring-cv-screening: a monitoring run raised it and they "
                           "are on the team of the monitored AI system cv-screening; it may be "
                           "cancelled by chloe")
    assert demo_store.head() == head


def test_a_lead_on_the_team_of_the_system_cancels_only_what_they_raised():
    nc = wb.readiness.Nonconformity(
        id="nc-9", title="t", description="d", raised_on=TODAY, raised_by="marta",
        source="other", system_ids=["card-fraud"])
    teams = {"lena": "card-fraud", "marta": "card-fraud"}
    assert imp.nonconformity.cancel_refusal(nc, "lena", teams, lead=True) == (
        "they are on the team of its AI system card-fraud and did not raise it")
    assert imp.nonconformity.cancel_refusal(nc, "marta", teams, lead=False) == ""
    assert imp.nonconformity.cancel_refusal(nc, "chloe", teams, lead=True) == ""


# -- 3. the review pack counts serious incidents within its period ----------------------------
def test_the_pack_counts_serious_incidents_since_the_previous_review(demo_store):
    from workbench.readiness.facts import Facts
    from workbench.review.consistency import _incident_figures

    since = wb.review.pack(demo_store, trend_points=2, verify=False).since
    assert since is not None and since + dt.timedelta(days=20) < TODAY
    with acting("grace"):
        imp.open_incident(demo_store, system_id="credit-scoring", title="Minor glitch",
                          description="A screen showed a stale score.")
        late = imp.open_incident(demo_store, system_id="credit-scoring",
                                 title="Applicants declined in error",
                                 description="A faulty feature declined applicants.",
                                 serious=True, detected_on=since + dt.timedelta(days=1))
        imp.report_incident(demo_store, late.record_id, reported_to="the authority")
    p = wb.review.pack(demo_store, trend_points=2, verify=False)
    section = p.section("incidents")
    assert section.summary == ("2 AI incidents detected since the previous review; 1 serious; "
                               "4 not closed.")
    f = Facts(demo_store, TODAY, verify=False)
    assert _incident_figures(f, since) == {"AI incidents detected": 2,
                                           "serious AI incidents": 1,
                                           "AI incidents not closed": 4}
    rows = section.table.set_index("id")
    due = since + dt.timedelta(days=16)
    assert rows.at[late.record_id, "report_deadline"] == due
    assert rows.at[late.record_id, "reported_late"] == "yes"
    assert rows.at["inc-credit-stale-feed", "reported_late"] == "no"
    assert rows.at["inc-monitoring-cv-screening", "reported_late"] == ""
    assert rows.at["inc-monitoring-cv-screening", "report_deadline"] is None


# -- 5. an incident links only to its own system's nonconformities and risks ------------------
def test_an_incident_is_not_linked_to_another_systems_nc_or_risk(demo_store, cli):
    with acting("grace"):
        refused(demo_store, ValidationError, "^nonconformity_id: AI incident "
                 "inc-credit-stale-feed is about AI system credit-scoring, but nonconformity "
                 "nc-monitoring-cv-screening is about cv-screening; link only a nonconformity "
                 "of credit-scoring$", imp.link_incident, "inc-credit-stale-feed",
                 nonconformity_id="nc-monitoring-cv-screening")
        refused(demo_store, ValidationError, "^risk_ids: AI incident inc-credit-stale-feed "
                 "is about AI system credit-scoring, but risk cv-screening-r01 is about "
                 "cv-screening", imp.link_incident, "inc-credit-stale-feed",
                 risk_ids=["credit-scoring-r01", "cv-screening-r01"])
        head = demo_store.head()
        code, out, err = cli("incident", "link", "inc-credit-stale-feed", "--nc",
                             "nc-monitoring-cv-screening", "--risk", "cv-screening-r01")
        assert code != 0 and out == "" and len(err.strip().splitlines()) == 1
        assert "nc-monitoring-cv-screening is about cv-screening" in err
        assert demo_store.head() == head
        saved = imp.link_incident(demo_store, "inc-credit-stale-feed",
                                  risk_ids=["credit-scoring-r01"])
    assert saved.record.risk_ids == ["credit-scoring-r01"]
