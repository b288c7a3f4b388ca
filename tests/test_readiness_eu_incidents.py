"""Defects an auditor found in the EU AI Act view and in readiness gap texts, each on a built-up
store (the :class:`Org` builder of ``test_readiness_rules``):

- Art. 73 / A.8.4 reads the AI incident register: a serious incident not reported by its
  deadline is a gap naming it; reported in time counts; with no incident, the communication
  plan is what counts (as the readiness rule A.8.4 judges it).
- A.6.2.6 (and Art. 72) treat an overdue monitoring plan as a gap, naming the system and
  since when; the gap text recommends only what the rule accepts and names refused reports.
- Art. 27 / Art. 6 do not count an impact assessment past its review date, nor one that
  leaves society out (A.5.5).
- A.3.3 and A.8.3 list no item twice; A.10.4's items name the system and what to add.
"""

from __future__ import annotations

import datetime as dt

from actors import acting
from test_readiness_rules import HIGH_RISK, TODAY, Org, _org_template, day, org

import workbench as wb
from workbench import improvement as imp
from workbench.readiness import rules as R

__all__ = ["_org_template", "org"]

TAKES = ("performance metrics, fairness results, test results, event logs, model explanations "
         "or review records")


def _eu(org: Org, today: dt.date = TODAY):
    return wb.readiness.eu_obligations(org.store, system_id="alpha", today=today).set_index(
        "article")


def _gaps(row, control: str) -> list[str]:
    return [m for m in row["missing"] if m.startswith(f"{control}:")]


def _high_risk_alpha(org: Org, **changes) -> None:
    org.assessment("alpha", answers=HIGH_RISK, **changes)


# -- 1. Art. 73 reads the incident register -------------------------------------------------------
def test_art73_judges_the_systems_serious_incidents_against_their_deadline(org: Org):
    _high_risk_alpha(org)
    art73 = _eu(org).loc["art73"]
    assert _gaps(art73, "A.8.4") == ["A.8.4: add evidence of the incident communication plan"]
    org.evidence("incident-plan", controls=["A.8.4"])
    art73 = _eu(org).loc["art73"]
    assert _gaps(art73, "A.8.4") == []  # no incident and a documented plan: as A.8.4 accepts
    assert org.status("A.8.4") == "met"
    imp.open_incident(org.store, id="inc-1", system_id="alpha", title="Wrong scores",
                      description="scores inverted for a day", detected_on=day(-20),
                      serious=True)
    art73 = _eu(org).loc["art73"]
    assert _gaps(art73, "A.8.4") == [
        f"A.8.4: incident inc-1: report it (the deadline was {day(-5)})"]
    assert art73["status"] != "met"
    assert org.row("A.8.4")["missing"] == [
        f"incident inc-1: report it (the deadline was {day(-5)})"]
    # an incident of another system is not alpha's
    imp.open_incident(org.store, id="inc-beta", system_id="beta", title="Bad answer",
                      description="x", detected_on=day(-30), serious=True)
    assert _gaps(_eu(org).loc["art73"], "A.8.4") == [
        f"A.8.4: incident inc-1: report it (the deadline was {day(-5)})"]
    imp.report_incident(org.store, "inc-1", reported_to="market surveillance authority")
    assert _gaps(_eu(org).loc["art73"], "A.8.4") == [
        f"A.8.4: incident inc-1: reported on {TODAY}, after its deadline ({day(-5)}); "
        "review why"]


def test_art73_counts_an_incident_reported_in_time(org: Org):
    _high_risk_alpha(org)
    org.evidence("incident-plan", controls=["A.8.4"])
    imp.open_incident(org.store, id="inc-2", system_id="alpha", title="Drift",
                      description="inputs drifted", detected_on=day(-4), serious=True)
    imp.report_incident(org.store, "inc-2", reported_to="authority", reported_on=day(-2))
    art73 = _eu(org).loc["art73"]
    assert _gaps(art73, "A.8.4") == []
    assert f"incident inc-2 reported on {day(-2)}" in art73["records"]
    assert "evidence incident-plan" in art73["records"]


# -- 2. an overdue monitoring plan is a gap for A.6.2.6 and Art. 72 ------------------------------
def _plan_and_run(org: Org, system: str):
    from monitoring_data import plan_data, sample

    org.save(wb.monitoring.MonitoringPlan(**plan_data(
        id=f"mp-{system}", system_id=system, reviewer="sam", on_breach=["notify"])))
    with acting("alex"):
        return wb.monitoring.run(org.store, system, current=sample(seed=1),
                                 reference=sample(seed=2))


def test_a626_an_overdue_plan_is_a_gap_naming_the_system_and_since_when(org: Org):
    _high_risk_alpha(org)
    ran = _plan_and_run(org, "alpha")
    _plan_and_run(org, "beta")
    org.evidence("alpha-metrics", kind="metric", controls=["A.6.2.6"], systems=["alpha"])
    assert org.status("A.6.2.6") == "met"
    last = ran.run.run_at.date()
    later = TODAY + dt.timedelta(days=21)
    row = wb.readiness.assess(org.store, today=later, only=["A.6.2.6"],
                              verify=False).requirement("A.6.2.6")
    item = (f"monitoring is overdue since {last + dt.timedelta(days=7)} (every 7 days; the "
            f"last run was on {last}): record a run of its monitoring plan (workbench "
            "monitor run)")
    assert row["status"] == "missing"  # valid evidence does not hide an overdue plan
    assert row["missing"] == [f"Alpha scoring (alpha): {item}", f"Beta assistant (beta): {item}"]
    art72 = _eu(org, later).loc["art72"]
    assert _gaps(art72, "A.6.2.6") == [f"A.6.2.6: {item}"]


def test_a626_gap_text_recommends_only_accepted_evidence_and_names_refused_reports(org: Org):
    org.evidence("monthly-report", kind="report", controls=["A.6.2.6"], systems=["alpha"])
    org.evidence("org-report", kind="report", controls=["A.6.2.6"])
    row = org.row("A.6.2.6")
    assert row["status"] == "missing"
    assert row["missing"] == [
        "Alpha scoring (alpha): add a monitoring plan and record its runs (workbench monitor "
        "plan alpha --set FILE, then workbench monitor run), or add evidence for A.6.2.6 of "
        f"its operation and monitoring: {TAKES}; refused: monthly-report (report): a report "
        "is a record of reporting, not a monitoring result",
        "Beta assistant (beta): add a monitoring plan and record its runs (workbench monitor "
        "plan beta --set FILE, then workbench monitor run), or add evidence for A.6.2.6 of "
        f"its operation and monitoring: {TAKES}"]
    assert row["reason"] == (
        "0 of 2 operating systems have a monitoring plan measured on schedule or valid "
        "monitoring evidence (refused: org-report (report): a report is a record of "
        "reporting, not a monitoring result)")
    assert not any("monitoring reports" in m for m in row["missing"])


# -- 3. Art. 27 / Art. 6: review date and scope ----------------------------------------------------
def test_art27_and_art6_do_not_count_an_assessment_past_its_review_date(org: Org):
    _high_risk_alpha(org, review_due=day(-3))
    org.approve("impact_assessment", "ia-alpha", ("sam", "system_owner"),
                ("chloe", "governance_lead"))
    overdue = (f"impact assessment ia-alpha is overdue for review since {day(-3)}: reassess "
               "the system and submit the assessment again")
    eu = _eu(org)
    for article in ("art6", "art27"):
        assert overdue in eu.loc[article]["missing"], article
        assert eu.loc[article]["status"] != "met", article
    assert org.row("8.4")["missing"] == [
        f"Alpha scoring (alpha): reassess (impact assessment ia-alpha was due for review on "
        f"{day(-3)})", "Beta assistant (beta): no impact assessment",
        "Gamma pilot (gamma): no impact assessment"]
    org.edit("impact_assessment", "ia-alpha", review_due=day(200))
    org.approve("impact_assessment", "ia-alpha", ("sam", "system_owner"),
                ("chloe", "governance_lead"))
    eu = _eu(org)
    assert overdue not in eu.loc["art27"]["missing"]
    assert eu.loc["art6"]["status"] == "met"


def test_art27_does_not_count_an_assessment_that_leaves_society_out(org: Org):
    _high_risk_alpha(org, interested_parties=[
        {"name": "Customers", "category": "affected_individual"}])
    art27 = _eu(org).loc["art27"]
    assert _gaps(art27, "A.5.5") == [
        "A.5.5: impact assessment ia-alpha does not consider societal impacts: add society as "
        "an interested party and assess the impacts on it"]
    assert _gaps(art27, "A.5.4") == []  # it names the people affected and the harms to them
    org.edit("impact_assessment", "ia-alpha", **Org.assessment_parts())
    assert _gaps(_eu(org).loc["art27"], "A.5.5") == []


# -- 4. gap texts ----------------------------------------------------------------------------------
def test_a33_and_a83_list_no_item_twice(org: Org):
    org.evidence("speak-up", controls=["A.3.3", "A.8.3"], expired=True)
    result = wb.readiness.assess(org.store, today=TODAY, only=["A.3.3", "A.8.3"],
                                 verify=False)
    assert result.requirement("A.3.3")["missing"] == [
        "add evidence for A.3.3: the concern-reporting procedure and its channel (renew "
        f"expired speak-up (expired {day(-5)}))"]
    assert result.requirement("A.8.3")["missing"] == [
        "add evidence for A.8.3: the external reporting channel and its procedure (renew "
        f"expired speak-up (expired {day(-5)}))"]
    items = list(result.gaps["item"])
    assert len(items) == len(set(items)) == 2
    assert R.partial("x", ["a", "b", "a"]).missing == ("a", "b")


def test_a104_items_name_the_system_and_what_to_add(org: Org):
    what = ("add evidence for A.10.4: a document or review record of the requirements agreed "
            "with its customers and the documentation given to them (one organization-wide "
            "record covers every system)")
    assert org.row("A.10.4")["missing"] == [f"Alpha scoring (alpha): {what}",
                                            f"Gamma pilot (gamma): {what}"]
