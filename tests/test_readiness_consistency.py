"""Rules that count a management review or an impact assessment judge it the same way
everywhere: a review's decisions count only when top management chaired it (the chair held
the executive role on the day it was held, as for 9.3 and 10.1); an impact assessment counts
only when submitted and passing the submit check (as for A.5.2); and the AI policy's approver
is judged by the role held when deciding (5.1)."""

from __future__ import annotations

from test_readiness_rules import HIGH_RISK, Org, _org_template, day, org

import workbench as wb

__all__ = ["_org_template", "org"]  # fixtures shared with the clause tests

CHANGE = {"id": "c1", "description": "new gate", "kind": "change", "owner": "chloe",
          "due": day(-3), "done_on": day(-4)}
RESOURCES = {"id": "r1", "description": "fund an analyst", "kind": "resources",
             "owner": "elena", "due": day(30)}
APPROVES = "an executive approves the AI policy"


def _review_by_hiro(org: Org, **changes) -> None:
    """Hiro (an auditor) is made an executive today, after the review he chaired 30 days ago:
    he was not top management on the day it was held."""
    org.person("hiro", roles=["auditor", "executive"])
    org.review(chair="hiro", **changes)


# -- 1. 6.3 and 7.1 credit only decisions of reviews chaired by top management -------------------
def test_6_3_does_not_credit_a_change_decided_by_a_review_top_management_did_not_chair(org):
    _review_by_hiro(org, decisions=[CHANGE])
    row = org.row("6.3")
    assert row["status"] == "missing", row
    assert row["evidence"] == []
    assert row["missing"][-1] == ("review mr-1 was chaired by hiro, who did not hold the "
                                  f"executive role on {day(-30)}: its decisions do not count")
    org.review("mr-2", decisions=[{**CHANGE, "id": "c2"}])  # chaired by elena, an executive
    row = org.row("6.3")
    assert row["status"] == "met", row
    assert row["evidence"] == ["management_review mr-2 decision c2"]


def test_6_3_an_overdue_change_of_a_review_not_chaired_by_top_management_is_not_counted(org):
    late = {**CHANGE, "done_on": None}
    _review_by_hiro(org, decisions=[late])
    org.review("mr-2", decisions=[{**CHANGE, "id": "c2"}])
    row = org.row("6.3")
    assert (row["status"], row["missing"]) == ("met", [])


def test_7_1_does_not_credit_resources_decided_by_a_review_top_management_did_not_chair(org):
    _review_by_hiro(org, decisions=[RESOURCES])
    row = org.row("7.1")
    assert row["status"] == "missing", row
    assert row["evidence"] == []
    org.review("mr-2", decisions=[{**RESOURCES, "id": "r2"}])
    row = org.row("7.1")
    assert row["status"] == "met", row
    assert row["evidence"] == ["management_review mr-2 decision r2"]


# -- 2. 5.1 judges the policy's approver by the role held when deciding --------------------------
def test_5_1_an_executive_who_approved_the_policy_and_left_top_management_still_counts(org):
    org.policy()
    org.approve("ai_policy", "ai-policy", ("elena", "executive"))
    org.review()
    assert org.status("5.1") == "met"
    org.person("hiro", roles=["auditor", "executive"])  # joins top management today
    org.person("elena", roles=["approver"])  # leaves it today, after approving and chairing
    row = org.row("5.1")
    assert row["status"] == "met", row
    assert APPROVES not in row["missing"]
    assert row["evidence"] == ["person hiro (executive)"]


def test_5_1_someone_made_an_executive_after_approving_is_not_credited(org):
    from workbench.readiness.clause_rules import executive_approvers
    from workbench.readiness.facts import Facts

    org.policy()
    org.approve("ai_policy", "ai-policy", ("elena", "executive"))
    assert executive_approvers(Facts(org.store, day(0), verify=False), "ai_policy",
                               "ai-policy") == ["elena"]
    org.person("elena", roles=["approver"])
    org.person("elena", roles=["approver", "executive"])  # back in top management
    assert executive_approvers(Facts(org.store, day(0), verify=False), "ai_policy",
                               "ai-policy") == ["elena"]  # judged when she decided
    org.edit("ai_policy", "ai-policy", purpose="Use AI very well.")  # the approval is stale
    assert executive_approvers(Facts(org.store, day(0), verify=False), "ai_policy",
                               "ai-policy") == []
    assert APPROVES in org.row("5.1")["missing"]


# -- 3. the EU AI Act view: A.5.2 and A.9.4 need a counted impact assessment ---------------------
def _rows_with(obligations, control: str):
    rows = obligations[obligations["controls"].map(lambda c: control in c)]
    assert not rows.empty, control
    return rows


def test_eu_view_a_5_2_and_a_9_4_do_not_accept_a_draft_assessment(org):
    org.assessment("alpha", answers=HIGH_RISK, submitted=False)  # high-risk by its draft
    obligations = wb.readiness.eu_obligations(org.store, today=day(0))
    for control in ("A.5.2", "A.9.4"):
        for _, row in _rows_with(obligations, control).iterrows():
            assert f"{control}: no valid evidence or record for this system" in row["missing"]
            assert not [r for r in row["records"] if r.startswith("impact_assessment")], row
    org.edit("impact_assessment", "ia-alpha", status="submitted")
    obligations = wb.readiness.eu_obligations(org.store, today=day(0))
    for control in ("A.5.2", "A.9.4"):
        for _, row in _rows_with(obligations, control).iterrows():
            assert not [m for m in row["missing"] if m.startswith(f"{control}:")], row
            assert [r for r in row["records"] if r.startswith("impact_assessment ia-alpha")]


def test_eu_view_a_5_2_does_not_accept_a_submission_failing_the_submit_check(org):
    org.assessment("alpha", answers=HIGH_RISK, benefits=[], measures=[])
    obligations = wb.readiness.eu_obligations(org.store, today=day(0))
    for control in ("A.5.2", "A.9.4"):
        for missing in _rows_with(obligations, control)["missing"]:
            assert f"{control}: no valid evidence or record for this system" in missing


# -- 4. other rules that counted a review or an assessment without those checks ------------------
def test_4_4_counts_neither_a_draft_assessment_nor_a_review_top_management_did_not_chair(org):
    org.programme()
    org.criteria()
    org.risk("r1")
    org.assessment("alpha", submitted=False)
    _review_by_hiro(org)
    row = org.row("4.4")
    assert row["status"] == "partial", row
    assert row["missing"] == [
        "carry out an AI system impact assessment (none in the last 12 months)",
        "hold a management review (none in the last 12 months)"]
    org.edit("impact_assessment", "ia-alpha", status="submitted")
    org.review("mr-2")
    assert org.status("4.4") == "met"


def test_7_5_1_needs_assessment_results_and_review_results_of_top_management(org):
    org.scope()
    org.policy()
    org.criteria()
    org.soa()
    org.objective()
    org.programme()
    org.assessment("alpha", submitted=False)
    _review_by_hiro(org)
    row = org.row("7.5.1")
    assert row["status"] == "partial", row
    assert row["missing"] == ["record impact assessment results (6.1.4, 8.4)",
                              "record management review results (9.3.3)"]
    org.edit("impact_assessment", "ia-alpha", status="submitted")
    org.review("mr-2")
    assert org.status("7.5.1") == "met"


def test_8_1_a_draft_assessment_is_not_an_impact_assessment_carried_out(org):
    org.criteria()
    org.risk("r-alpha", "alpha")
    org.assessment("alpha", submitted=False)
    org.approve("ai_system", "alpha", ("sam", "system_owner"), ("chloe", "governance_lead"))
    row = org.row("8.1")
    assert row["missing"][0] == ("Alpha scoring (alpha): submit impact assessment ia-alpha (a "
                                 "draft does not count)")
    org.edit("impact_assessment", "ia-alpha", status="submitted")
    assert not [m for m in org.row("8.1")["missing"] if m.startswith("Alpha")]


def test_8_4_a_submission_failing_the_submit_check_is_not_an_assessment_performed(org):
    for system in ("alpha", "beta", "gamma"):
        org.assessment(system)
    assert org.status("8.4") == "met"
    org.edit("impact_assessment", "ia-beta", benefits=[], measures=[])
    row = org.row("8.4")
    assert row["status"] == "partial", row
    assert row["missing"] == [
        "Beta assistant (beta): impact assessment ia-beta was submitted without answering: "
        "What benefits does the system bring, and to whom?, What measures address the harms?; "
        "complete it and submit it again"]


def test_a_9_4_the_intended_use_of_a_draft_assessment_is_not_documented(org):
    org.evidence("uses", controls=["A.9.4"], systems=["beta", "gamma"])
    org.assessment("alpha", submitted=False)
    row = org.row("A.9.4")
    assert row["status"] == "partial", row
    assert row["missing"] == [
        "Alpha scoring (alpha): document its intended use (submit impact assessment ia-alpha "
        "(a draft does not count), or add evidence for A.9.4)"]
    org.edit("impact_assessment", "ia-alpha", status="submitted")
    assert org.status("A.9.4") == "met"
