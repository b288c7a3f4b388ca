"""Readiness rules of the 38 Annex A controls, each on a built-up store: missing, then
partial, then met as records are added; expired evidence stops counting; a stale approval
drops a control back. (The :class:`Org` builder is in ``test_readiness_rules``.)"""

from __future__ import annotations

import pytest
from test_readiness_rules import HIGH_RISK, TRANSPARENCY, Org, _org_template, day, org

from workbench import catalog

__all__ = ["_org_template", "org"]  # fixtures shared with the clause tests

#: Controls judged from evidence: (scope of systems, evidence kind that counts untagged).
#: Per-system scopes in the builder: in_scope = alpha, beta, gamma; developed and provided =
#: alpha, gamma; operating and deployed = alpha, beta; third_party = beta.
EVIDENCE_RULES = {
    "A.3.3": (None, None), "A.4.4": (None, None), "A.4.5": (None, None),
    "A.4.6": (None, "training_record"), "A.6.1.3": (None, None), "A.8.3": (None, None),
    "A.8.4": (None, None),
    "A.4.3": (["alpha", "beta", "gamma"], "data_sheet"),
    "A.6.2.4": (["alpha", "beta", "gamma"], None),
    "A.6.2.7": (["alpha", "beta", "gamma"], "model_card"),
    "A.8.2": (["alpha", "beta", "gamma"], None),
    "A.6.2.2": (["alpha", "gamma"], None), "A.6.2.3": (["alpha", "gamma"], None),
    "A.7.2": (["alpha", "gamma"], None), "A.7.3": (["alpha", "gamma"], None),
    "A.7.4": (["alpha", "gamma"], None), "A.7.5": (["alpha", "gamma"], None),
    "A.7.6": (["alpha", "gamma"], None),
    "A.6.2.6": (["alpha", "beta"], None), "A.6.2.8": (["alpha", "beta"], "log"),
    "A.9.2": (["alpha", "beta"], None),
    "A.10.2": (["beta"], None), "A.10.3": (["beta"], None),
}
RECORD_RULES = {"A.2.2", "A.2.3", "A.2.4", "A.3.2", "A.4.2", "A.5.2", "A.5.3", "A.5.4",
                "A.5.5", "A.6.1.2", "A.6.2.5", "A.8.5", "A.9.3", "A.9.4", "A.10.4"}


def benefit(party: str) -> dict:
    return {"party": party, "description": "cheaper", "severity": "moderate",
            "likelihood": "likely", "scale": "group"}


def test_every_control_is_tested_here():
    assert set(EVIDENCE_RULES) | RECORD_RULES == set(catalog.control_ids())
    assert not set(EVIDENCE_RULES) & RECORD_RULES


@pytest.mark.parametrize("control", sorted(EVIDENCE_RULES))
def test_evidence_rules_missing_partial_met_and_expired(org: Org, control: str):
    systems, kind = EVIDENCE_RULES[control]
    accepts = catalog.accepted_evidence(control)
    taken = "document" if "document" in accepts else accepts[0]  # a kind the control accepts
    org.evidence("refused", controls=[control], systems=systems or (), kind="other")
    row = org.row(control)
    assert row["status"] == "missing" and row["missing"]
    assert row["refused"][0].startswith(f"refused (other) is not accepted for {control}: it "
                                        "takes ")
    if systems is None:
        org.evidence("old", controls=[control], expired=True, kind=taken)
        row = org.row(control)
        assert row["status"] == "missing"
        assert row["expired"] == [f"old (expired {day(-5)})"]
        assert len(row["missing"]) == 1  # one item: add evidence, or renew the expired one
        assert row["missing"][0].startswith(f"add evidence for {control}: ")
        assert row["missing"][0].endswith(f" (renew expired old (expired {day(-5)}))")
        org.evidence("new", controls=[control], kind=taken)
        row = org.row(control)
        assert row["status"] == "met" and row["evidence"] == ["evidence new"]
        if kind:
            org.edit("evidence", "new", expires_at=day(-1), collected_at=day(-30))
            assert org.status(control) == "missing"
            org.evidence("untagged", kind=kind)
            assert org.status(control) == "met"
        return
    first, *rest = systems
    org.evidence("ev-first", controls=[control], systems=[first], kind=taken)
    if rest:
        row = org.row(control)
        assert row["status"] == "partial"
        assert len(row["missing"]) == len(rest)
        assert all(control in item for item in row["missing"])
        org.evidence("ev-old", controls=[control], systems=[rest[0]], expired=True,
                     kind=taken)
        row = org.row(control)
        assert row["status"] == "partial"
        assert f"renew expired ev-old (expired {day(-5)})" in row["missing"][0]
        for n, system in enumerate(rest):
            if kind:
                org.evidence(f"ev-{n}", kind=kind, systems=[system])
            else:
                org.evidence(f"ev-{n}", controls=[control], systems=[system], kind=taken)
    assert org.status(control) == "met"
    org.edit("evidence", "ev-first", expires_at=day(-1), collected_at=day(-30))
    assert org.status(control) in ("partial", "missing")  # expired evidence stops counting


# -- A.2 ------------------------------------------------------------------------------------------
def test_a_2_2_policy_approved_then_stale(org):
    assert org.status("A.2.2") == "missing"
    org.policy()
    assert org.status("A.2.2") == "partial"
    org.approve("ai_policy", "ai-policy", ("elena", "executive"))
    assert org.status("A.2.2") == "met"
    org.edit("ai_policy", "ai-policy", purpose="Changed purpose.")
    row = org.row("A.2.2")
    assert row["status"] == "partial" and "a stale approval does not count" in row["missing"][0]


def test_a_2_3_alignment(org):
    assert org.status("A.2.3") == "missing"
    org.policy(related_policies=[])
    assert org.row("A.2.3")["reason"] == "the AI policy records no related policy"
    org.evidence("matrix", controls=["A.2.3"])
    assert org.status("A.2.3") == "met"


def test_a_2_4_policy_review(org):
    assert org.status("A.2.4") == "missing"
    org.policy(effective_from=day(-400), review_due=day(-3))
    assert org.row("A.2.4")["missing"] == [f"review the AI policy (due on {day(-3)})"]
    org.edit("ai_policy", "ai-policy", review_due=day(100))
    assert org.status("A.2.4") == "met"


# -- A.3, A.4 -------------------------------------------------------------------------------------
def test_a_3_2_roles(org):
    org.person("chloe", roles=["admin"])
    org.person("sam", roles=[])
    org.person("dana", roles=[])
    assert org.status("A.3.2") == "missing"
    org.person("chloe", roles=["admin", "governance_lead"])
    org.person("sam", roles=["owner"])
    assert org.status("A.3.2") == "partial"
    org.person("dana", roles=["owner"])
    assert org.status("A.3.2") == "met"
    org.criteria()
    org.risk("r1", owner="dana")
    org.person("dana", active=False)
    row = org.row("A.3.2")
    assert "risk r1: owner dana is not an active person" in row["missing"]


def test_a_4_2_inventory_documents_resources(org):
    row = org.row("A.4.2")
    assert row["status"] == "partial"
    assert row["missing"] == ["Beta assistant (beta): record its data categories",
                              "Beta assistant (beta): describe its deployment context"]
    org.edit("ai_system", "beta", data_categories=["personal"], deployment_context="web")
    assert org.status("A.4.2") == "met"
    for system in ("alpha", "beta", "gamma"):
        org.edit("ai_system", system, in_scope=False)
    assert org.status("A.4.2") == "missing"


# -- A.5 ------------------------------------------------------------------------------------------
def test_a_5_2_a_documented_process_and_submitted_assessments(org):
    assert org.status("A.5.2") == "missing"
    org.assessment("alpha", submitted=False)
    row = org.row("A.5.2")
    assert row["status"] == "missing"  # a draft does not count
    assert ("Alpha scoring (alpha): submit impact assessment ia-alpha (a draft does not "
            "count)") in row["missing"]
    assert row["missing"][0].startswith("document the impact assessment process")
    org.evidence("menu", controls=["A.5.2"], kind="other")
    assert org.status("A.5.2") == "missing"
    org.evidence("procedure", controls=["A.5.2"])
    assert org.status("A.5.2") == "partial"
    org.edit("impact_assessment", "ia-alpha", status="submitted")
    for system in ("beta", "gamma"):
        org.assessment(system)
    row = org.row("A.5.2")
    assert row["status"] == "met", row["missing"]
    assert row["evidence"] == ["evidence procedure", "impact_assessment ia-alpha",
                               "impact_assessment ia-beta", "impact_assessment ia-gamma"]
    org.edit("impact_assessment", "ia-beta", benefits=[], measures=[])
    row = org.row("A.5.2")
    assert row["status"] == "partial"
    assert row["missing"] == [
        "Beta assistant (beta): impact assessment ia-beta was submitted without answering: "
        "What benefits does the system bring, and to whom?, What measures address the harms?; "
        "complete it and submit it again"]


def test_a_5_3_submitted_assessments_approved_then_stale(org):
    assert org.status("A.5.3") == "missing"
    org.assessment("alpha")
    assert org.status("A.5.3") == "missing"  # submitted, nothing approved
    org.approve("impact_assessment", "ia-alpha", ("chloe", "governance_lead"))
    assert org.status("A.5.3") == "met"
    org.assessment("beta")
    assert org.status("A.5.3") == "partial"
    org.approve("impact_assessment", "ia-beta", ("chloe", "governance_lead"))
    assert org.status("A.5.3") == "met"
    org.edit("impact_assessment", "ia-alpha", conclusion="revised")
    assert org.status("A.5.3") == "partial"


def test_a_5_4_individuals_groups_and_fairness_breaches(org):
    assert org.status("A.5.4") == "missing"
    org.assessment("alpha", interested_parties=[{"name": "Public", "category": "society"}],
                   harms=[{**org.assessment_parts()["harms"][0], "party": "Public"}],
                   benefits=[benefit("Public")])
    row = org.row("A.5.4")
    assert row["status"] == "missing"
    assert row["missing"] == [("Alpha scoring (alpha): impact assessment ia-alpha: name the "
                              "affected individuals or groups")]
    org.assessment("beta", submitted=False)
    row = org.row("A.5.4")
    assert ("Beta assistant (beta): submit impact assessment ia-beta (a draft does not "
            "count)") in row["missing"]
    org.edit("impact_assessment", "ia-beta", status="submitted")
    assert org.status("A.5.4") == "partial"
    org.edit("impact_assessment", "ia-alpha", **org.assessment_parts(),
             benefits=[benefit("Customers")])
    assert org.status("A.5.4") == "met"
    org.evidence("fair", kind="fairness_metrics", controls=["A.5.4"], systems=["alpha"],
                 details={"metrics": [{"metric": "demographic_parity_ratio", "feature": "age",
                                       "value": 0.7, "threshold": 0.8, "breach": True}]})
    row = org.row("A.5.4")
    assert row["status"] == "partial"
    assert "fairness evidence fair: demographic_parity_ratio by age = 0.7 is outside its " \
           "threshold 0.8; treat or accept it" in row["missing"]


def test_a_5_5_societal_impacts(org):
    assert org.status("A.5.5") == "missing"
    org.assessment("alpha", interested_parties=[
        {"name": "Customers", "category": "affected_individual"}])
    assert org.status("A.5.5") == "missing"
    org.assessment("beta", submitted=False)
    row = org.row("A.5.5")
    assert row["status"] == "missing"  # a draft considering society does not count
    assert ("Beta assistant (beta): submit impact assessment ia-beta (a draft does not "
            "count)") in row["missing"]
    org.edit("impact_assessment", "ia-beta", status="submitted")
    assert org.status("A.5.5") == "partial"
    org.edit("impact_assessment", "ia-alpha", interested_parties=[
        {"name": "Customers", "category": "affected_individual"},
        {"name": "Everyone", "category": "society"}])
    assert org.status("A.5.5") == "met"


# -- A.6, A.9 objectives and records --------------------------------------------------------------
@pytest.mark.parametrize(("control", "area"), [("A.6.1.2", "responsible_development"),
                                               ("A.9.3", "responsible_use")])
def test_objectives_for_responsible_development_and_use(org, control, area):
    org.objective("obj-aims")  # an AIMS objective does not count
    assert org.status(control) == "missing"
    org.objective("obj-area", area=area, target="")
    row = org.row(control)
    assert row["status"] == "partial" and row["missing"] == [("objective obj-area: give its "
                                                             "target")]
    org.edit("ai_objective", "obj-area", target="all releases")
    assert org.status(control) == "met"


def test_a_6_2_5_go_live_approved_then_stale(org):
    assert org.status("A.6.2.5") == "missing"
    org.approve("ai_system", "alpha", ("sam", "system_owner"), ("chloe", "governance_lead"))
    assert org.status("A.6.2.5") == "partial"
    org.approve("ai_system", "beta", ("dana", "system_owner"), ("chloe", "governance_lead"))
    assert org.status("A.6.2.5") == "met"
    org.edit("ai_system", "alpha", purpose="A new purpose")
    row = org.row("A.6.2.5")
    assert row["status"] == "partial"
    assert row["missing"][0].startswith("Alpha scoring (alpha): its go-live changed after "
                                        "version")


def test_a_8_5_only_for_systems_with_eu_transparency_or_high_risk_duties(org):
    row = org.row("A.8.5")
    assert row["status"] == "not_applicable"
    assert row["reason"].startswith("no in-scope AI systems with EU AI Act transparency")
    org.assessment("beta", submitted=False, answers=TRANSPARENCY)
    org.assessment("alpha", submitted=False, answers=HIGH_RISK)
    assert org.status("A.8.5") == "missing"
    org.evidence("notice", controls=["A.8.5"], systems=["beta"])
    assert org.status("A.8.5") == "partial"
    org.evidence("alpha-info", controls=["A.8.5"], systems=["alpha"])
    assert org.status("A.8.5") == "met"


def test_a_9_4_intended_use(org):
    assert org.status("A.9.4") == "missing"
    org.assessment("alpha", submitted=False)
    assert org.status("A.9.4") == "missing"  # a draft documents no intended use
    org.edit("impact_assessment", "ia-alpha", status="submitted")
    assert org.status("A.9.4") == "partial"
    org.evidence("uses", controls=["A.9.4"], systems=["beta", "gamma"])
    assert org.status("A.9.4") == "met"


def test_a_10_4_customers_organization_wide_evidence_counts(org):
    row = org.row("A.10.4")
    assert row["status"] == "missing" and len(row["missing"]) == 2  # alpha and gamma
    org.evidence("alpha-terms", controls=["A.10.4"], systems=["alpha"])
    assert org.status("A.10.4") == "partial"
    org.evidence("customer-terms", controls=["A.10.4"])
    assert org.status("A.10.4") == "met"
