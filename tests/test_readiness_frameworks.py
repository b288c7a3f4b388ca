"""NIST AI RMF coverage through the published crosswalk, checked against hand counts, and the
EU AI Act obligations of high-risk systems with the records evidencing each."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_readiness_rules import HIGH_RISK, TRANSPARENCY, Org, _org_template, day, org

import workbench as wb
from workbench import catalog
from workbench.errors import NotFoundError
from workbench.readiness.engine import REQUIREMENT_COLUMNS, Readiness
from workbench.readiness.frameworks import requirements_of_ref
from workbench.readiness.rules import SCORES, requirement_ids

__all__ = ["_org_template", "org"]


def _result(statuses: dict[str, str], default: str = "missing") -> Readiness:
    """A readiness result with the given statuses (every other requirement ``default``)."""
    rows = [{"id": rid, "kind": kind, "status": statuses.get(rid, default),
             "score": SCORES.get(statuses.get(rid, default), math.nan)}
            for rid, kind in requirement_ids().items()]
    req = pd.DataFrame(rows).reindex(columns=REQUIREMENT_COLUMNS)
    return Readiness(requirements=req, by_clause=pd.DataFrame(), overall=math.nan,
                     gaps=pd.DataFrame(), today=day(0))


def test_crosswalk_references_stand_for_requirements():
    assert requirements_of_ref("B.6.2.4") == ["A.6.2.4"]
    assert requirements_of_ref("9.2") == ["9.2.1", "9.2.2"]
    assert requirements_of_ref("6.1") == ["6.1.1", "6.1.2", "6.1.3", "6.1.4"]
    assert requirements_of_ref("5.2") == ["5.2"]
    links = catalog.nist_crosswalk()
    assert all(requirements_of_ref(ref) for ref in links["iso42001_ref"])  # none is lost


def test_nist_coverage_against_hand_counts():
    # GOVERN 1.1 maps to 4.1, 6.2, B.2.2, B.2.4 (the published crosswalk)
    result = _result({"4.1": "met", "6.2": "partial", "A.2.2": "missing",
                      "A.2.4": "not_applicable", "A.5.4": "met", "A.5.5": "met",
                      "6.1.4": "not_applicable", "A.5.2": "not_applicable",
                      "A.5.3": "not_applicable"}, default="met")
    cov = wb.readiness.nist_coverage(result).set_index("subcategory")
    assert len(cov) == 72
    govern = cov.loc["GOVERN 1.1"]
    assert govern["iso_refs"] == ["4.1", "6.2", "B.2.2", "B.2.4"]
    assert govern["requirements"] == ["4.1", "6.2", "A.2.2", "A.2.4"]
    assert govern[["met", "partial", "missing", "not_applicable"]].tolist() == [1, 1, 1, 1]
    assert govern["percent"] == 50.0 and govern["status"] == "partial"  # (1 + .5 + 0) / 3
    assert cov.loc["MEASURE 2.11", "status"] == "met"  # B.5.4, B.5.5: both met
    map11 = cov.loc["MAP 1.1"]  # 6.1.4, B.5.2-B.5.5: A.5.4 and A.5.5 met, the rest n/a
    assert map11[["met", "not_applicable"]].tolist() == [2, 3] and map11["percent"] == 100.0
    by = wb.readiness.nist_by_function(cov.reset_index()).set_index("function")
    assert by["subcategories"].to_dict() == {"GOVERN": 19, "MAP": 18, "MEASURE": 22,
                                             "MANAGE": 13}
    assert by.loc["GOVERN", "partial"] >= 1
    assert by[["met", "partial", "missing", "not_applicable"]].sum(axis=1).tolist() == [
        19, 18, 22, 13]


def test_nist_coverage_when_nothing_is_met_and_everything_is():
    none = wb.readiness.nist_coverage(_result({}, default="missing"))
    assert (none["status"] == "missing").all() and (none["percent"] == 0).all()
    every = wb.readiness.nist_coverage(_result({}, default="met"))
    assert (every["status"] == "met").all()
    by = wb.readiness.nist_by_function(every)
    assert by["percent"].tolist() == [100.0] * 4


def test_eu_obligations_of_a_high_risk_system_with_their_records(org: Org):
    org.assessment("alpha", answers=HIGH_RISK)
    org.assessment("beta", answers=TRANSPARENCY)  # transparency only: no rows
    org.criteria()
    org.risk("r1")
    org.evidence("logs", controls=["A.6.2.8"], systems=["alpha"])
    org.evidence("old-monitoring", controls=["A.6.2.6"], systems=["alpha"], expired=True,
                 kind="metric")
    obligations = wb.readiness.eu_obligations(org.store, today=day(0))
    assert set(obligations["system_id"]) == {"alpha"}
    tier = wb.impact.classify(HIGH_RISK, org_roles=["provider", "deployer"])
    assert list(obligations["article"]) == list(tier.obligations)
    rows = obligations.set_index("article")
    assert {"art9", "art10", "art11", "art12", "art13", "art14", "art15"} <= set(rows.index)
    art12 = rows.loc["art12"]  # mapped to A.6.2.8 (evidenced) and A.6.2.6 (expired only)
    assert art12["controls"] == ["A.6.2.8", "A.6.2.6"]
    assert art12["evidence"] == ["logs"]
    assert art12["expired"] == [f"old-monitoring (expired {day(-5)})"]
    assert art12["missing"] == [
        "A.6.2.6: add a monitoring plan and record its runs (workbench monitor plan alpha --set "
        "FILE, then workbench monitor run), or add evidence for A.6.2.6 of its operation and "
        "monitoring: performance metrics, fairness results, test results, event logs, model "
        f"explanations or review records (renew expired old-monitoring (expired {day(-5)}))"]
    assert art12["score"] == 0.5 and art12["status"] == "partial"
    art9 = rows.loc["art9"]
    assert "risk r1 (low)" in art9["records"]
    assert "impact_assessment ia-alpha (none)" in art9["records"]
    assert any("request sign-off of impact assessment ia-alpha" in m for m in art9["missing"])
    org.approve("impact_assessment", "ia-alpha", ("sam", "system_owner"),
                ("chloe", "governance_lead"))
    after = wb.readiness.eu_obligations(org.store, today=day(0)).set_index("article")
    assert after.loc["art27", "score"] > rows.loc["art27", "score"]
    summary = wb.readiness.eu_summary(after.reset_index())
    assert summary.iloc[0]["system_id"] == "alpha"
    assert summary.iloc[0]["obligations"] == len(tier.obligations)


def test_eu_obligations_for_one_system_and_bad_input(org: Org):
    org.assessment("beta", answers=TRANSPARENCY)
    assert wb.readiness.eu_obligations(org.store, system_id="beta").empty
    with pytest.raises(NotFoundError, match="no AI system 'nope'"):
        wb.readiness.eu_obligations(org.store, system_id="nope")
    assert list(wb.readiness.eu_summary(wb.readiness.eu_obligations(org.store)).columns) == [
        "system_id", "system_name", "obligations", "met", "partial", "missing", "percent"]
